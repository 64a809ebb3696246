"""Run the active rules over notes and turn their diagnostics into reportable problems.

Data flow: list the vault's files -> parse every note (in this process)
-> build the :class:`~vaultkit.vault.index.VaultIndex` -> run the rules on the notes asked about
-> drop suppressed findings -> :class:`Problem` records for the reporters and the fixer.
A rule that raises becomes an ``internal-error`` problem naming it; the run goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from vaultkit.api import Diagnostic, Edit, Fix, Severity
from vaultkit.check.config import ActiveRule
from vaultkit.check.suppress import suppressions
from vaultkit.model import Note
from vaultkit.read.parse import DEFAULT_MAX_BYTES, read_note
from vaultkit.vault import evidence
from vaultkit.vault.files import list_files, load_settings
from vaultkit.vault.index import VaultIndex

INCOMPLETE, INCOMPLETE_CODE = "incomplete-analysis", "VK002"  # a search ran out of its budget (model.Budget)
PARALLEL_THRESHOLD = 400  # below this many notes, starting processes costs more than it saves


@dataclass(frozen=True)
class Problem:
    """A diagnostic placed in the vault: what the reporters print and the fixer applies."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    code: str
    severity: Severity
    message: str
    start: int
    end: int
    fix: Fix | None = None


@dataclass
class CheckResult:
    """Everything a run found."""

    root: Path
    index: VaultIndex
    problems: list[Problem] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_note(note: Note, index: VaultIndex, active: Sequence[ActiveRule]) -> list[Problem]:
    """Run every active rule on one note (pure apart from the rules themselves)."""
    problems: list[Problem] = []
    quiet = suppressions(note)
    for item in active:
        if item.skips(note.rel):
            continue
        rule = item.rule
        try:
            diagnostics = list(rule.check(note, index, item.options))
        except Exception as exc:  # a broken rule must not end the run
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
            problems.append(_rule_error(note, item, f"crashed: {type(exc).__name__}: {exc} [{where}]"))
            continue
        wrong = next((why for d in diagnostics if (why := _malformed(d, len(note.text)))), None)
        if wrong:  # a third-party rule's mistake is its error, not a traceback or line 0
            problems.append(_rule_error(note, item, f"returned {wrong}"))
            continue
        for diag in diagnostics:
            line, col = note.position(diag.start)
            end_line, end_col = note.position(max(diag.start, diag.end))
            if any(s.covers(line, rule.name, rule.code) for s in quiet):
                continue
            problems.append(
                Problem(
                    note.rel,
                    line,
                    col,
                    end_line,
                    end_col,
                    rule.name,
                    rule.code,
                    diag.severity or item.severity,
                    diag.message,
                    diag.start,
                    diag.end,
                    diag.fix,
                )
            )
    stopped = index.exhausted(note)
    if stopped and not any(s.covers(1, INCOMPLETE, INCOMPLETE_CODE) for s in quiet):
        problems.append(
            Problem(
                note.rel,
                1,
                1,
                1,
                1,
                INCOMPLETE,
                INCOMPLETE_CODE,
                Severity.WARNING,
                f"the note is too damaged to analyse fully: {' and '.join(stopped)} stopped early "
                "(repair the damage reported here, then check again)",
                0,
                0,
            )
        )
    return problems


def _rule_error(note: Note, item: ActiveRule, what: str) -> Problem:
    """The ``internal-error`` problem for a rule that crashed or returned something malformed."""
    rule = item.rule
    message = f"rule {rule.name} ({rule.code}) {what}"
    return Problem(note.rel, 1, 1, 1, 1, "internal-error", "VK000", Severity.ERROR, message, 0, 0)


def _malformed(diag: object, size: int) -> str | None:
    """What is wrong with one item a rule yielded (None when it is a well-formed Diagnostic):
    rules come from any installed package, and their offsets index the note's text."""
    if not isinstance(diag, Diagnostic):
        return f"a {type(diag).__name__} where a Diagnostic belongs"
    if not (isinstance(diag.start, int) and isinstance(diag.end, int) and 0 <= diag.start <= diag.end <= size):
        return f"offsets {diag.start!r}..{diag.end!r} outside the note (0..{size})"
    if diag.fix is None:
        return None
    if not isinstance(diag.fix, Fix) or not all(isinstance(e, Edit) for e in diag.fix.edits):
        return f"a fix that is not a Fix of Edits ({diag.fix!r:.80})"
    bad = next((e for e in diag.fix.edits if not (isinstance(e.text, str) and 0 <= e.start <= e.end <= size)), None)
    return f"an edit {bad.start!r}..{bad.end!r} outside the note (0..{size})" if bad else None


# State inherited by forked workers (set just before the pool starts, never pickled).
_WORKER: dict[str, object] = {}


def _check_chunk(rels: list[str]) -> list[Problem]:
    index: VaultIndex = _WORKER["index"]  # type: ignore[assignment]
    active: Sequence[ActiveRule] = _WORKER["active"]  # type: ignore[assignment]
    return [p for rel in rels for p in check_note(index.notes[rel], index, active)]


def _chunks(items: list[str], jobs: int) -> list[list[str]]:
    size = max(50, len(items) // (jobs * 8) + 1)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _pool(jobs: int) -> ProcessPoolExecutor | None:
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))


Progress = Callable[[str, int, int], None]  # (phase, notes just done, total)


def _map(func: Callable[[list[str]], list], items: list[str], jobs: int, progress: Progress | None, phase: str) -> list:
    out: list = []
    pool = _pool(jobs) if len(items) >= PARALLEL_THRESHOLD else None
    if pool is None:
        for chunk in _chunks(items, 1):
            out.extend(func(chunk))
            if progress:
                progress(phase, len(chunk), len(items))
        return out
    with pool:
        chunks = _chunks(items, jobs)
        for chunk, result in zip(chunks, pool.map(func, chunks), strict=True):
            out.extend(result)
            if progress:
                progress(phase, len(chunk), len(items))
    return out


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _parse_all(root: str, rels: list[str], max_bytes: int, progress: Progress | None) -> list[Note]:
    """Parse in this process.  Worker processes would parse faster, but sending the parsed
    notes back (pickling some 20 objects per note) costs as much as the parse saved; the
    check phase below forks after parsing instead, so notes never cross a process boundary."""
    notes = []
    for done, rel in enumerate(rels, 1):
        notes.append(read_note(root, rel, max_bytes))
        if progress and (done % 200 == 0 or done == len(rels)):
            progress("parsing", 200 if done % 200 == 0 else done % 200, len(rels))
    return notes


def date_keys(active: Iterable[ActiveRule]) -> tuple[str, ...]:
    """The date properties whose evidence the active rules read (their ``dates_for`` option)."""
    keys: dict[str, None] = {}
    for item in active:
        if item.rule.dates_for:
            keys.update(dict.fromkeys(item.options.get(item.rule.dates_for, ())))
    return tuple(keys)


def build_index(
    root: Path,
    excludes: Iterable[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    date_keys: Iterable[str] = (),
) -> tuple[VaultIndex, list[str], list[str]]:
    """Parse the whole vault.  Returns the index, the notes to check, and walk warnings.

    ``date_keys`` are the date properties the active rules read evidence for (:func:`date_keys`):
    notes where one is empty get their evidence (git history, file times) gathered here, since
    rules do no I/O."""
    listing = list_files(root, excludes)
    notes = _parse_all(str(root), listing.notes + listing.ignored_notes, max_bytes, progress)
    dates = evidence.gather(root, notes, date_keys) if date_keys else None
    return VaultIndex(notes, listing.files, load_settings(root), dates=dates), listing.notes, listing.warnings


def check(
    root: Path,
    active: Sequence[ActiveRule],
    targets: Iterable[str] | None = None,
    excludes: Iterable[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Index the vault at ``root`` and check ``targets`` (vault-relative paths, or prefixes
    ending in ``/``; None means every note)."""
    jobs = default_jobs() if jobs is None else jobs
    index, notes, warnings = build_index(root, excludes, max_bytes, progress, date_keys(active))
    if targets is not None:
        wanted = list(targets)
        notes = [n for n in notes if any(n == t or (t.endswith("/") and n.startswith(t)) or t == "" for t in wanted)]
    _WORKER.update(index=index, active=list(active))
    try:
        problems = _map(_check_chunk, notes, jobs, progress, "checking")
    finally:
        _WORKER.clear()
    problems.sort(key=lambda p: (p.path, p.line, p.column, p.code))
    return CheckResult(root=root, index=index, problems=problems, checked=notes, warnings=warnings)
