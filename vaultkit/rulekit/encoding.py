"""The encoding rules' glue: the encoding library of :mod:`vaultkit.text.encoding` run over a note.

The encoding rules (VK301-VK305) share one analysis per note through :func:`damage`, cached on
the index (:meth:`~vaultkit.vault.index.VaultIndex.analysis`), and the vault's vocabulary, which
informs lossy repairs, once per index.  :func:`repair_text` is the one-call API for any string.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaultkit.read.parse import parse_text
from vaultkit.text.encoding import locate
from vaultkit.text.encoding.locate import (
    CONTEXT_PARTS,
    EMPTY,
    Context,
    Damage,
    Parts,
    analyse,
    context_of_parts,
    record_part,
    suspicious,
)

if TYPE_CHECKING:
    from vaultkit.model import Note
    from vaultkit.vault.index import VaultIndex

__all__ = ["Damage", "damage", "outside_damage", "repair_text", "unanalysed"]


def _suspicious(note: Note, vault: VaultIndex | None) -> bool:
    """Whether ``note`` has any mojibake signature: asked by every encoding rule, screened once
    per note (the screen encodes the text through each code page, so it is not free)."""
    if vault is None:
        return suspicious(note.text)
    return vault.analysis(note, "encoding.suspicious", lambda n: suspicious(n.text))


def damage(note: Note, vault: VaultIndex | None = None) -> tuple[Damage, ...]:
    """The damaged runs of ``note``; the rest of ``vault`` informs the repairs."""
    if not _suspicious(note, vault):
        return ()
    if vault is None:
        return analyse(note.text, note.regions, EMPTY)
    return vault.analysis(note, "encoding.damage", lambda n: analyse(n.text, n.regions, _vault_context(vault)))


def unanalysed(note: Note, vault: VaultIndex | None = None) -> int | None:
    """Where the analysis of ``note`` gave up, its work budget spent (None: it did not)."""
    if not _suspicious(note, vault):
        return None
    context = EMPTY if vault is None else _vault_context(vault)
    return locate.unanalysed(note.text, note.regions, context)


def outside_damage(note: Note, vault: VaultIndex | None, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` in the note's prose: not in code, and not inside a mojibake run
    (the characters there are the ``mojibake`` rule's business, and its repair replaces them)."""
    skip = sorted(
        [(r.start, r.end) for r in note.regions if r.kind in ("code", "inline-code")]
        + [(run.start, run.end) for run in damage(note, vault)]
    )
    starts: list[int] = []  # merged, so that one bisection per match finds its interval
    ends: list[int] = []
    for a, b in skip:
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    for match in pattern.finditer(note.text):
        k = bisect.bisect_right(starts, match.start()) - 1
        if k < 0 or match.start() >= ends[k]:
            yield match


def _vault_context(vault: VaultIndex) -> Context:
    """What the rest of the vault contributes to repairs (its vocabulary), once per index."""
    return vault.derived("encoding.context", vault_context)


def vault_context(index: VaultIndex) -> Context:
    """The vocabulary of the whole vault.  A named function, not a lambda: the check cache
    finds it again by name to tell whether a note's repairs still hold (vaultkit.check.cache),
    and reads what each sampled note added to it, kept on the index (:data:`CONTEXT_PARTS`)."""
    readable = (rel for rel, _, error in index.stamps() if not error)
    parts: Parts = index.derived(CONTEXT_PARTS, lambda _: {})
    return context_of_parts(readable, lambda rel: record_part(parts, index.notes[rel]))


def repair_text(text: str) -> str:
    """``text`` (a note, or any string) with every damaged run repaired."""
    note = parse_text("Note.md", text)
    out, pos = [], 0
    for run in damage(note):
        for start, end, new in run.edits:
            out.append(text[pos:start])
            out.append(new)
            pos = end
    out.append(text[pos:])
    return "".join(out)
