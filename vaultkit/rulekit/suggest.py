"""Closest-name suggestions for broken links: notes, attachments, headings, block ids.

A suggestion is offered only when it is good: at most a few edits away (optimal string alignment
distance up to :func:`max_edits`: one typo in a short name, one in six characters in a
long one), and -- for a fix -- unique.  Similarity ratios are not
enough: ``Pasted image 20240716132538.png`` and ``Pasted image 20240621140426.png`` are 84 %
alike and still different pictures.  RapidFuzz rather than difflib because a broken link
in a 10,000-note vault is compared with every file name; difflib needs about 25 ms for
that, RapidFuzz well under 1 ms.

Each search still compares one name with every candidate, so a note with 100,000 broken
links in a large vault would cost minutes: the searches of one note spend from one
:class:`~vaultkit.model.Budget` (a unit per candidate compared) that grows with the note's
length, and a target already searched in the note is not searched again.  When it runs out,
the links are still reported, without suggestions, and the engine says the note was too
damaged to analyse fully (issue 18).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from itertools import chain

from rapidfuzz import process
from rapidfuzz.distance import OSA

from vaultkit.model import Budget, Heading, Note, fold, link_key
from vaultkit.text.headings import heading_key, loose_key
from vaultkit.vault.index import VaultIndex

SHOWN = 3  # at most this many names in a message
UNITS_PER_CHARACTER = 200  # candidates compared per character of the note (about 20 µs of RapidFuzz)
UNITS_FLOOR = 2_000_000  # any note may compare this many: 200 searches in a 10,000-file vault


def max_edits(name: str) -> int:
    """How many single-character edits still make a good suggestion for ``name`` (none for
    names under four characters: one edit there turns ``AI`` into ``AJ`` and ``BI``).  Edits
    are counted as optimal string alignment does: swapping two neighbours (``Hoem`` for
    ``Home``, the commonest typing slip) is one edit, not two."""
    return 0 if len(name) < 4 else max(1, round(len(name) / 6))


def budget(vault: VaultIndex, note: Note) -> Budget:
    """The note's allowance for suggestion searches, shared by every link rule."""
    return vault.budget(note, "link suggestions", UNITS_FLOOR + UNITS_PER_CHARACTER * len(note.text))


def closest(
    query: str,
    choices: Collection[str],
    allowance: Budget | None = None,
    by_length: Mapping[int, Sequence[str]] | None = None,
) -> list[str]:
    """The choices nearest to ``query``: every one tied for the fewest edits, none too far;
    none when ``allowance`` cannot pay for comparing them all.  ``by_length``, the same
    choices grouped by length, lets RapidFuzz see only those whose length is within reach
    (an edit changes the length by one at most); the allowance is spent as for all of them."""
    if not query or not choices or (allowance is not None and not allowance.spend(len(choices))):
        return []
    edits = max_edits(query)
    if by_length is not None:
        near = range(len(query) - edits, len(query) + edits + 1)
        choices = list(chain.from_iterable(by_length.get(n, ()) for n in near))
    found = process.extract(query, choices, scorer=OSA.distance, limit=None, score_cutoff=edits)
    if not found:
        return []
    best = min(distance for _, distance, _ in found)
    return sorted(choice for choice, distance, _ in found if distance == best)[:SHOWN]  # sorted: same output every run


def similar_files(index: VaultIndex, note: Note, target: str) -> list[str]:
    """Files a broken link to ``target`` in ``note`` probably meant, by file name (folders
    are ignored).

    A file with exactly the link's name comes first (the link's folder part is wrong);
    otherwise the closest names.  Several files may share a name, so all are returned.
    """
    wanted = link_key(target)
    names = index.names
    if wanted in names:
        return list(names[wanted])
    searched: dict[str, list[str]] = index.analysis(note, "suggest.files", lambda _: {})
    if wanted not in searched:
        by_length = index.derived("suggest.names-by-length", names_by_length)
        found = closest(wanted, names.keys(), budget(index, note), by_length)
        searched[wanted] = [rel for name in found for rel in names[name]]
    return searched[wanted]


def names_by_length(index: VaultIndex) -> dict[int, list[str]]:
    """The vault's link names (``index.names``) grouped by length, for :func:`closest`."""
    grouped: dict[int, list[str]] = {}
    for name in sorted(index.names):  # sorted: the same value, and cache fingerprint, every run
        grouped.setdefault(len(name), []).append(name)
    return grouped


def alias_owners(index: VaultIndex, target: str) -> tuple[str, ...]:
    """Notes that declare ``target`` (``.md`` ignored) as an alias; aliases never resolve a link."""
    name = target.strip()
    return index.aliases.get(fold(name[:-3] if name.lower().endswith(".md") else name), ())


def similar_heading(segment: str, headings: Sequence[Heading], allowance: Budget | None = None) -> list[Heading]:
    """Headings ``segment`` probably meant: one that differs only in case or punctuation
    (full-width ``？`` is not stripped by Obsidian), else the closest by heading key."""
    loose = loose_key(segment)
    same = [h for h in headings if loose and loose_key(h.text) == loose]
    if same:
        return same[:1]
    keys = {heading_key(h.text): h for h in reversed(headings)}  # first heading wins a tie
    return [keys[k] for k in closest(heading_key(segment), keys.keys(), allowance)]


def similar_block(block_id: str, ids: Sequence[str], allowance: Budget | None = None) -> list[str]:
    """Block ids (as written) that ``block_id`` probably meant; compared case-insensitively."""
    folded = {fold(i): i for i in reversed(ids)}
    return [folded[k] for k in closest(fold(block_id), folded.keys(), allowance)]
