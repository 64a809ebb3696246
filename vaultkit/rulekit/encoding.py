"""The encoding rules' glue: the encoding library of :mod:`vaultkit.text.encoding` run over a note.

The encoding rules (VK301-VK305) share one analysis per note through :func:`damage`, cached on
the index (:meth:`~vaultkit.vault.index.VaultIndex.analysis`), and the vault's vocabulary, which
informs lossy repairs, once per index.  :func:`repair_text` is the one-call API for any string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaultkit.read.parse import parse_text
from vaultkit.text.encoding.locate import EMPTY, Context, Damage, analyse, context_of, suspicious

if TYPE_CHECKING:
    from vaultkit.model import Note
    from vaultkit.vault.index import VaultIndex

__all__ = ["Damage", "damage", "outside_damage", "repair_text"]


def damage(note: Note, vault: VaultIndex | None = None) -> tuple[Damage, ...]:
    """The damaged runs of ``note``; the rest of ``vault`` informs the repairs."""
    if not suspicious(note.text):
        return ()
    if vault is None:
        return analyse(note.text, note.regions, EMPTY)
    return vault.analysis(note, "encoding.damage", lambda n: analyse(n.text, n.regions, _vault_context(vault)))


def outside_damage(note: Note, vault: VaultIndex | None, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` in the note's prose: not in code, and not inside a mojibake run
    (the characters there are the ``mojibake`` rule's business, and its repair replaces them)."""
    skip = [(r.start, r.end) for r in note.regions if r.kind in ("code", "inline-code")]
    skip += [(run.start, run.end) for run in damage(note, vault)]
    for match in pattern.finditer(note.text):
        if not any(a <= match.start() < b for a, b in skip):
            yield match


def _vault_context(vault: VaultIndex) -> Context:
    """What the rest of the vault contributes to repairs (its vocabulary), once per index."""
    return vault.derived("encoding.context", vault_context)


def vault_context(index: VaultIndex) -> Context:
    """The vocabulary of the whole vault.  A named function, not a lambda: the check cache
    finds it again by name to tell whether a note's repairs still hold (vaultkit.check.cache)."""
    return context_of(index.notes.values())


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
