"""Fix a checked vault: plan every note's fixes in memory, journal the originals, write.

``plan`` reads each note that has an applicable fix (the bytes it reads are the ones the
writer's compare-and-swap will expect), fixes it with :func:`~vaultkit.fix.loop.fix_note` and
keeps the result.  ``commit`` writes them in one :class:`~vaultkit.fix.transaction.Transaction`
(journal first, compare-and-swap); a file that another program changed in the meantime is
skipped with a warning, never overwritten.  :func:`patch` is the one unified diff of a fix,
for ``fix --diff`` and the daemon's fix preview alike.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from vaultkit.check.config import ActiveRule
from vaultkit.check.engine import CheckResult, Problem
from vaultkit.fix.journal import PLANNED, WRITTEN, Journal
from vaultkit.fix.loop import FixResult, allowed, fix_note
from vaultkit.fix.transaction import FAILED, NotWritten, Transaction
from vaultkit.model import Decoded
from vaultkit.read.parse import digest_of, parse_bytes
from vaultkit.vault.files import printable


@dataclass
class FileFix:
    """One note's fixes and what became of them."""

    rel: str
    result: FixResult
    before: list[Problem]  # its problems as read
    state: str = PLANNED
    reason: str = ""

    @property
    def remaining(self) -> list[Problem]:
        """Its problems after the run: the fixed note's, unless it was not written."""
        return list(self.result.remaining) if self.state in (PLANNED, WRITTEN) else self.before


@dataclass
class VaultFix:
    root: Path
    files: list[FileFix] = field(default_factory=list)
    untouched: list[Problem] = field(default_factory=list)  # problems of notes with nothing to fix
    journal: Journal | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[FileFix]:
        return [f for f in self.files if f.result.changed]

    @property
    def remaining(self) -> list[Problem]:
        problems = self.untouched + [p for f in self.files for p in f.remaining]
        return sorted(problems, key=attrgetter("order"))

    def warnings(self) -> list[str]:
        out = list(self.errors)
        for f in self.files:
            if f.result.error:
                out.append(f"{printable(f.rel)}: {f.result.error}")
            if not f.result.converged:
                out.append(f"{printable(f.rel)}: the fixes did not settle (rules keep changing each other's edits)")
            if f.reason:
                out.append(f"{printable(f.rel)}: {f.reason}")
        return out


def plan(result: CheckResult, active: Sequence[ActiveRule], unsafe: bool = False) -> VaultFix:
    """Fix, in memory, every checked note that has a fix the policy allows."""
    by_path: dict[str, list[Problem]] = defaultdict(list)
    for problem in result.problems:
        by_path[problem.path].append(problem)
    outcome = VaultFix(result.root, errors=list(result.warnings))  # what the walk skipped, and why
    for rel, problems in by_path.items():
        if not any(p.fix is not None and allowed(p.fix, unsafe) for p in problems):
            outcome.untouched.extend(problems)
            continue
        try:
            data = (result.root / rel).read_bytes()
        except OSError as exc:
            outcome.untouched.extend(problems)
            outcome.errors.append(f"{rel}: cannot read: {exc.strerror or exc}")
            continue
        note = result.index.notes[rel]
        known: list[Problem] | None = problems
        if digest_of(data) != note.digest:  # changed since it was indexed: fix what is there now
            note, known = parse_bytes(rel, data), None
        fixed = fix_note(note, result.index, active, unsafe, original=data, problems=known)
        outcome.files.append(FileFix(rel, fixed, problems))
    return outcome


def commit(outcome: VaultFix) -> None:
    """Write every changed file in one transaction (journalled first; see the module docstring)."""
    changed = outcome.changed
    if not changed:
        return
    try:
        with Transaction(outcome.root) as tx:
            done = tx.write_all((f.rel, f.result.original, f.result.data) for f in changed)
            outcome.journal = tx.journal
        outcome.errors.extend(tx.errors)
    except NotWritten as exc:  # no undo journal (or another writer), no write
        outcome.errors.append(str(exc))
        for item in changed:
            item.state = FAILED
        return
    for item, result in zip(changed, done, strict=True):
        item.state, item.reason = result.state, result.reason


def _storage(decoded: Decoded) -> str:
    return decoded.encoding.upper() + (" with BOM" if decoded.bom else "")


def patch(rel: str, result: FixResult) -> str:
    """A unified diff of one fixed note (paths relative to the vault root), preceded by a
    comment line when the fix changes how the file is stored (encoding, BOM); a last line
    without a newline is marked as ``diff`` marks it."""
    before, after = result.source, result.note
    head = ""
    if _storage(before.decoded) != _storage(after.decoded):
        head = f"# {rel}: {_storage(before.decoded)} -> {_storage(after.decoded)}\n"
    lines = difflib.unified_diff(
        before.text.splitlines(keepends=True), after.text.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"
    )
    return head + "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
