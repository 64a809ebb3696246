"""Closest-name suggestions for broken links: notes, attachments, headings, block ids.

A suggestion is offered only when it is good: at most a few edits away (optimal string alignment
distance up to :func:`max_edits`: one typo in a short name, one in six characters in a
long one), and -- for a fix -- unique.  Similarity ratios are not
enough: ``Pasted image 20240716132538.png`` and ``Pasted image 20240621140426.png`` are 84 %
alike and still different pictures.  RapidFuzz rather than difflib because a broken link
in a 10,000-note vault is compared with every file name; difflib needs about 25 ms for
that, RapidFuzz well under 1 ms.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from vaultkit.model import Heading, fold, link_key
from vaultkit.text.headings import heading_key, loose_key
from vaultkit.vault.index import VaultIndex

SHOWN = 3  # at most this many names in a message


def max_edits(name: str) -> int:
    """How many single-character edits still make a good suggestion for ``name`` (none for
    names under four characters: one edit there turns ``AI`` into ``AJ`` and ``BI``).  Edits
    are counted as optimal string alignment does: swapping two neighbours (``Hoem`` for
    ``Home``, the commonest typing slip) is one edit, not two."""
    return 0 if len(name) < 4 else max(1, round(len(name) / 6))


def closest(query: str, choices: Collection[str]) -> list[str]:
    """The choices nearest to ``query``: every one tied for the fewest edits, none too far."""
    if not query or not choices:
        return []
    found = process.extract(query, choices, scorer=OSA.distance, limit=None, score_cutoff=max_edits(query))
    if not found:
        return []
    best = min(distance for _, distance, _ in found)
    return sorted(choice for choice, distance, _ in found if distance == best)[:SHOWN]  # sorted: same output every run


def similar_files(index: VaultIndex, target: str) -> list[str]:
    """Files a broken link to ``target`` probably meant, by file name (folders are ignored).

    A file with exactly the link's name comes first (the link's folder part is wrong);
    otherwise the closest names.  Several files may share a name, so all are returned.
    """
    wanted = link_key(target)
    names = index.names
    matches = [wanted] if wanted in names else closest(wanted, names.keys())
    return [rel for name in matches for rel in names[name]]


def alias_owners(index: VaultIndex, target: str) -> tuple[str, ...]:
    """Notes that declare ``target`` (``.md`` ignored) as an alias; aliases never resolve a link."""
    name = target.strip()
    return index.aliases.get(fold(name[:-3] if name.lower().endswith(".md") else name), ())


def similar_heading(segment: str, headings: Sequence[Heading]) -> list[Heading]:
    """Headings ``segment`` probably meant: one that differs only in case or punctuation
    (full-width ``？`` is not stripped by Obsidian), else the closest by heading key."""
    loose = loose_key(segment)
    same = [h for h in headings if loose and loose_key(h.text) == loose]
    if same:
        return same[:1]
    keys = {heading_key(h.text): h for h in reversed(headings)}  # first heading wins a tie
    return [keys[k] for k in closest(heading_key(segment), keys.keys())]


def similar_block(block_id: str, ids: Sequence[str]) -> list[str]:
    """Block ids (as written) that ``block_id`` probably meant; compared case-insensitively."""
    folded = {fold(i): i for i in reversed(ids)}
    return [folded[k] for k in closest(fold(block_id), folded.keys())]
