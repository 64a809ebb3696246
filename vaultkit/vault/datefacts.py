"""Keep the date evidence of the index in step with the vault, one batch at a time.

``vaultkit check`` gathers, before the rules run, evidence for every note with an empty date
property (git history, file times; :mod:`vaultkit.vault.evidence`) and the vault's usual date
formats.  The daemon gathers the same facts incrementally: a changed note keeps the git
evidence it had (the commit that first added a file does not move when the file is edited)
and only re-reads its file times; a note new to the vault -- created or renamed -- asks git,
but only when git tracks it (an untracked file has no history, and walking a long history
to learn that would stall the daemon).  The formats are counted again only when a changed
note writes a date in a new shape; when they change, every note with an empty date needs a
re-check, because its suggested value is written in them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from vaultkit.model import Note, nfc
from vaultkit.text.dates import GIT, DateEvidence, DateFacts, DateFormat, common_formats, empty_keys
from vaultkit.vault import evidence
from vaultkit.vault.index import NoteFacts, facts_of

GIT_TIMEOUT = 30  # seconds for `git ls-files` of a batch


def _shapes(facts: NoteFacts | None, wanted: frozenset[str]) -> tuple[tuple[str, DateFormat], ...]:
    """What a note contributes to :func:`~vaultkit.text.dates.vault_formats` (which counts
    no value that is not a date), by its facts."""
    return tuple(item for item in facts.date_shapes if item[0] in wanted) if facts is not None else ()


def _formats(facts: Iterable[NoteFacts], wanted: frozenset[str]) -> dict[str, DateFormat]:
    """:func:`~vaultkit.text.dates.vault_formats` of the notes, counted from their facts: a
    live vault holds the facts of every note but the text of few, and reading every note to
    count formats kept a daemon's first result, and any edit that wrote a date in a new
    shape, waiting seconds on 10,000 notes."""
    return common_formats((pair for item in facts for pair in _shapes(item, wanted)), wanted)


def tracked(root: Path, rels: Sequence[str]) -> list[str]:
    """The paths among ``rels`` that git tracks (none when the vault is not in a repository)."""
    proc = evidence.git(root, "ls-files", "-z", "--", *rels)
    if proc is None:
        return []
    try:
        out, _ = proc.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return []
    if proc.returncode != 0:
        return []
    listed = {nfc(os.fsdecode(p)) for p in out.split(b"\0") if p}
    return [rel for rel in rels if rel in listed]


class DateTracker:
    """The :class:`~vaultkit.text.dates.DateFacts` of a live vault (nothing when no rule needs it)."""

    def __init__(self, root: Path, keys: Iterable[str], facts: DateFacts | None, notes: Iterable[NoteFacts]) -> None:
        """``facts``: what the run gathered (None when no note had an empty date); ``notes``:
        the facts of every note, which the formats are counted from when it gathered none."""
        self.root = root
        self.keys = tuple(keys)
        self._wanted = frozenset(k.casefold() for k in self.keys)
        self.evidence: dict[str, tuple[DateEvidence, ...]] = dict(facts.evidence) if facts else {}
        if facts is not None and facts.formats is not None:
            self.formats: dict[str, DateFormat] = dict(facts.formats)
        else:
            self.formats = _formats(notes, self._wanted) if self.keys else {}

    def facts(self) -> DateFacts | None:
        """What the next index carries (shared, not copied: it only changes between batches)."""
        return DateFacts(self.evidence, self.formats) if self.keys else None

    def update(
        self,
        changed: Mapping[str, Note],
        removed: Iterable[str],
        old: Mapping[str, NoteFacts | None],
        before: Iterable[NoteFacts],
    ) -> bool:
        """Take in one batch: ``changed`` notes (new versions), ``removed`` paths, the facts of
        both before it in ``old`` (None for a note new to the vault), ``before`` the facts of
        every note before the batch.  Returns True when the vault's date formats changed."""
        if not self.keys:
            return False
        for rel in removed:
            self.evidence.pop(rel, None)
        ask_git = []
        for rel, note in changed.items():
            if note.read_error or not empty_keys(note, self.keys):
                self.evidence.pop(rel, None)
                continue
            known = self.evidence.get(rel) if old.get(rel) is not None else None
            if known is None:
                ask_git.append(rel)
            git = tuple(e for e in known or () if e.source == GIT)
            self.evidence[rel] = git + tuple(evidence.file_times(self.root / rel))
        if ask_git:
            for rel, item in evidence.git_first_added(self.root, tracked(self.root, ask_git)).items():
                self.evidence[rel] = (item, *self.evidence[rel])
        new = {rel: facts_of(note) for rel, note in changed.items()}
        if all(_shapes(old.get(rel), self._wanted) == _shapes(new.get(rel), self._wanted) for rel in [*new, *removed]):
            return False
        after = {item.rel: item for item in before}  # (in the vault's order: a tie goes to the first seen)
        for rel in removed:
            after.pop(rel, None)
        after.update(new)
        formats = _formats(after.values(), self._wanted)
        moved, self.formats = formats != self.formats, formats
        return moved
