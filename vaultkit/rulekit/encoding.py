"""Encoding damage: detecting it precisely, repairing what can be repaired.

- :mod:`.detect`: which legacy encoding a file that is not UTF-8 is in (``vaultkit.read.decode``).
- :mod:`.locate`: the damaged runs of a note -- mojibake, lossless or lossy -- with repairs;
  built on :mod:`.mojibake` (single-byte code pages, through ftfy where ftfy is right),
  :mod:`.cjk` (UTF-8 read as GBK/GB18030/Big5/Shift-JIS/EUC-KR and the reverse),
  :mod:`.lossy` (reading bytes back with candidates for lost ones) and
  :mod:`.langmodel` (wordfreq's word frequencies, the lattice that picks candidates).

The encoding rules (VK301-VK305) share one analysis per note through :func:`damage`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaultkit.text.encoding.locate import EMPTY, Context, Damage, analyse, context_of, suspicious

if TYPE_CHECKING:
    from vaultkit.model import Note
    from vaultkit.vault.index import VaultIndex

__all__ = ["Damage", "damage", "outside_damage", "repair_text"]

_context: tuple[object, Context] | None = None  # (vault, its context): one vault per process


def damage(note: Note, vault: VaultIndex | None = None) -> tuple[Damage, ...]:
    """The damaged runs of ``note``; the rest of ``vault`` informs the repairs."""
    if not suspicious(note.text):
        return ()
    return analyse(note.text, note.regions, _vault_context(vault))


def outside_damage(note: Note, vault: VaultIndex | None, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` in the note's prose: not in code, and not inside a mojibake run
    (the characters there are the ``mojibake`` rule's business, and its repair replaces them)."""
    skip = [(r.start, r.end) for r in note.regions if r.kind in ("code", "inline-code")]
    skip += [(run.start, run.end) for run in damage(note, vault)]
    for match in pattern.finditer(note.text):
        if not any(a <= match.start() < b for a, b in skip):
            yield match


def _vault_context(vault: VaultIndex | None) -> Context:
    global _context
    if vault is None:
        return EMPTY
    if _context is None or _context[0] is not vault:
        _context = (vault, context_of(vault.notes.values()))
    return _context[1]


def repair_text(text: str) -> str:
    """``text`` (a note, or any string) with every damaged run repaired."""
    from vaultkit.read.parse import parse_text

    note = parse_text("Note.md", text)
    out, pos = [], 0
    for run in damage(note):
        for start, end, new in run.edits:
            out.append(text[pos:start])
            out.append(new)
            pos = end
    out.append(text[pos:])
    return "".join(out)
