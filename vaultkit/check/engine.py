"""Run the active rules over notes and turn their diagnostics into reportable problems.

Data flow: list the vault's files -> parse every note (in this process)
-> build the :class:`~vaultkit.vault.index.VaultIndex` -> run the note rules on the notes asked
about, and the vault-scope rules once on the index -> drop suppressed findings and those on
files not asked about -> :class:`Problem` records for the reporters and the fixer.
A rule that raises becomes one ``internal-error`` (VK000) problem per run naming it and counting
the notes it failed on; the run goes on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from vaultkit.api import Diagnostic, Edit, Fix, Rule, Scope, Severity
from vaultkit.check import cache as vcache
from vaultkit.check.config import ActiveRule
from vaultkit.check.registry import INCOMPLETE_ANALYSIS, INTERNAL_ERROR
from vaultkit.check.suppress import Suppression, suppressions
from vaultkit.model import Note
from vaultkit.read.parse import DEFAULT_MAX_BYTES, digest_of, parse_bytes, read_bytes, read_document, read_note
from vaultkit.vault.files import Listing, list_files, load_settings, on_disk
from vaultkit.vault.index import VaultIndex, VaultSettings

if TYPE_CHECKING:  # the pool's modules are imported by the runs that start one
    from concurrent.futures import ProcessPoolExecutor

PARALLEL_THRESHOLD = 400  # below this many notes, starting processes costs more than it saves
SERIAL_CHUNK = 10  # notes checked between two looks at ``cancel`` when checking in this process
CANCEL_EVERY = 50  # notes parsed between two looks at ``cancel``


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

    @property
    def order(self) -> tuple[str, int, int, str]:
        """The one order problems are reported in, everywhere: path, position, code."""
        return (self.path, self.line, self.column, self.code)


@dataclass
class CheckResult:
    """Everything a run found.  The index is built when first asked for: a run whose every
    finding came from the cache loads no note unless a reporter or the fixer needs one."""

    root: Path
    load_index: Callable[[], VaultIndex] = field(repr=False)
    problems: list[Problem] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def index(self) -> VaultIndex:
        return self.load_index()


class Cancelled(Exception):
    """The run was asked to stop (the daemon is shutting down)."""


Cancel = Callable[[], bool]


def _internal(rel: str, rule_name: str, code: str, what: str, severity: Severity) -> Problem:
    """The ``internal-error`` problem standing for a rule that crashed or returned nonsense."""
    message = f"rule {rule_name} ({code}) {what}"
    return Problem(rel, 1, 1, 1, 1, INTERNAL_ERROR.name, INTERNAL_ERROR.code, severity, message, 0, 0)


def _crash(rel: str, rule_name: str, code: str, exc: Exception, severity: Severity) -> Problem:
    """The ``internal-error`` problem standing for a rule that raised."""
    import traceback  # (here: only a run with a crashed rule needs it)

    frame = traceback.extract_tb(exc.__traceback__)[-1]
    where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
    return _internal(rel, rule_name, code, f"crashed: {type(exc).__name__}: {exc} [{where}]", severity)


def _malformed(diag: object, size: int) -> str | None:
    """What is wrong with one item a note rule yielded (None when it is a well-formed
    Diagnostic): rules come from any installed package, and their offsets index the text."""
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


def _level(active: Sequence[ActiveRule], rule: Rule) -> Severity | None:
    """The level one of the engine's own rules is reported at, or None when it is not selected."""
    return next((a.severity for a in active if a.rule is rule), None)


def collapse_crashes(problems: list[Problem]) -> list[Problem]:
    """One ``internal-error`` per crashing rule and run, not one per note: a rule that fails
    everywhere would otherwise bury the report under identical lines.  The one kept is the
    first note's, with the count of notes the rule failed on."""
    crashes: dict[str, list[Problem]] = {}
    for p in problems:
        if p.code == INTERNAL_ERROR.code:
            crashes.setdefault(p.message.split(" crashed:", 1)[0], []).append(p)
    if not crashes:
        return problems
    kept = []
    for same in crashes.values():
        first, more = same[0], len(same) - 1
        suffix = f" (and on {more} more note{'s' if more != 1 else ''})" if more else ""
        kept.append(dataclasses.replace(first, message=first.message + suffix))
    return [p for p in problems if p.code != INTERNAL_ERROR.code] + kept


def _problem(source: Note | None, rel: str, item: ActiveRule, diag: Diagnostic, quiet: Sequence) -> Problem | None:
    """``diag`` placed in ``source`` (None: a file without text), unless one of the
    suppression directives ``quiet`` covers its line."""
    rule = item.rule
    line, col, end_line, end_col = 1, 1, 1, 1
    if source is not None:
        line, col = source.position(diag.start)
        end_line, end_col = source.position(max(diag.start, diag.end))
    if any(s.covers(line, rule.name, rule.code) for s in quiet):
        return None
    severity = diag.severity or item.severity
    return Problem(
        rel, line, col, end_line, end_col, rule.name, rule.code, severity, diag.message, diag.start, diag.end, diag.fix
    )


def check_note(note: Note, index: VaultIndex, active: Sequence[ActiveRule]) -> list[Problem]:
    """Run every active note rule on one note (pure apart from the rules themselves)."""
    problems: list[Problem] = []
    rules = [item for item in active if item.rule.scope is Scope.NOTE and not item.skips(note.rel)]
    quiet = suppressions(note) if rules else []
    crash_level = _level(active, INTERNAL_ERROR)
    for item in rules:
        rule = item.rule
        try:
            diagnostics = list(rule.check(note, index, item.options))
        except Exception as exc:  # a broken rule must not end the run
            if crash_level is not None:
                problems.append(_crash(note.rel, rule.name, rule.code, exc, crash_level))
            continue
        wrong = next((why for d in diagnostics if (why := _malformed(d, len(note.text)))), None)
        if wrong:  # a third-party rule's mistake is its error, not a traceback or line 0
            if crash_level is not None:
                problems.append(_internal(note.rel, rule.name, rule.code, f"returned {wrong}", crash_level))
            continue
        for diag in diagnostics:
            problem = _problem(note, note.rel, item, diag, quiet)
            if problem is not None:
                problems.append(problem)
    stopped = index.exhausted(note)
    level = _level(active, INCOMPLETE_ANALYSIS) if stopped else None
    if level is not None and not any(s.covers(1, INCOMPLETE_ANALYSIS.name, INCOMPLETE_ANALYSIS.code) for s in quiet):
        message = (
            f"the note is too damaged to analyse fully: {' and '.join(stopped)} stopped early "
            "(repair the damage reported here, then check again)"
        )
        rule = INCOMPLETE_ANALYSIS
        problems.append(Problem(note.rel, 1, 1, 1, 1, rule.name, rule.code, level, message, 0, 0))
    return problems


def check_files(index: VaultIndex, active: Sequence[ActiveRule], wanted: Callable[[str], bool]) -> list[Problem]:
    """Run every active vault-scope rule once and keep its findings on files ``wanted`` (the
    files the run checks) that the rule is not excluded from.  A finding in a note obeys the
    note's suppression directives, as a note rule's does; vault rules' fixes are dropped."""
    problems: list[Problem] = []
    quiet: dict[str, tuple[Suppression, ...]] = {}
    crash_level = _level(active, INTERNAL_ERROR)
    for item in active:
        rule = item.rule
        if rule.scope is not Scope.VAULT:
            continue
        try:
            diagnostics = list(rule.check(index, item.options))
        except Exception as exc:  # a broken rule must not end the run
            if crash_level is not None:
                problems.append(_crash(".", rule.name, rule.code, exc, crash_level))
            continue
        for diag in diagnostics:
            rel = diag.path
            if rel is None or not wanted(rel) or item.skips(rel):
                continue
            note = index.notes.get(rel)
            if note is not None and rel not in quiet:
                quiet[rel] = suppressions(note)
            source = note or index.documents.get(rel)
            problem = _problem(
                source,
                rel,
                item,
                Diagnostic(diag.message, diag.start, diag.end, None, diag.severity),
                quiet.get(rel, ()),
            )
            if problem is not None:
                problems.append(problem)
    return problems


# State inherited by forked workers (set just before the pool starts, never pickled).
_WORKER: dict[str, Any] = {}

Checked = tuple[str, list[Problem], "vcache.Result | None", "bytes | None"]


def _check_one(rel: str) -> Checked:
    """Check one note in a worker (or in this process); with a cache, also record what the
    findings depended on and seal the note for storing when it was parsed in this run."""
    index: VaultIndex = _WORKER["index"]
    active: Sequence[ActiveRule] = _WORKER["active"]
    store: vcache.Store | None = _WORKER.get("store")
    note = index.notes[rel]
    if store is None:
        return rel, check_note(note, index, active), None, None
    tracker = vcache.Tracker(index)
    problems = check_note(note, cast(VaultIndex, tracker), active)
    facts: vcache.Facts = _WORKER["facts"]
    result = vcache.Result(note.digest, facts.answers(tracker.tokens), problems)
    blob = store.seal_note(note) if rel in _WORKER["fresh"] else None
    return rel, problems, result, blob


def _check_chunk(rels: list[str]) -> list[Checked]:
    return [_check_one(rel) for rel in rels]


def _chunks(items: list[str], jobs: int) -> list[list[str]]:
    size = max(50, len(items) // (jobs * 8) + 1)
    return [items[i : i + size] for i in range(0, len(items), size)]


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Worker initializer: on Linux, have the kernel SIGKILL this worker when the vaultkit
    process that forked it dies -- even by ``kill -9``, which leaves no chance to clean up
    (issue 18 found 14 orphaned workers after 22 kills).  A parent that died before this
    ran is caught by the ``getppid`` check."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _pool(jobs: int) -> ProcessPoolExecutor | None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )


Progress = Callable[[str, int, int], None]  # (phase, notes just done, total)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End a pool now: a run that is cancelled or interrupted must not wait for its workers."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()


def _map(
    func: Callable[[list[str]], list], items: list[str], jobs: int, progress: Progress | None, cancel: Cancel | None
) -> list:
    out: list = []
    pool = _pool(jobs) if len(items) >= PARALLEL_THRESHOLD else None
    if pool is None:
        for start in range(0, len(items), SERIAL_CHUNK):
            if cancel and cancel():
                raise Cancelled
            chunk = items[start : start + SERIAL_CHUNK]
            out.extend(func(chunk))
            if progress:
                progress("checking", len(chunk), len(items))
        return out
    import concurrent.futures  # (imported with the pool by _pool)

    try:
        chunks = _chunks(items, jobs)
        futures = {pool.submit(func, chunk): n for n, chunk in enumerate(chunks)}
        results: list[list] = [[] for _ in chunks]
        pending = set(futures)
        while pending:
            if cancel and cancel():
                raise Cancelled
            done, pending = concurrent.futures.wait(pending, timeout=0.1, return_when="FIRST_COMPLETED")
            for future in done:
                results[futures[future]] = future.result()
                if progress:
                    progress("checking", len(chunks[futures[future]]), len(items))
    except BaseException:  # Ctrl-C, SIGTERM, cancel, a worker crash: never wait for the rest
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    for result in results:
        out.extend(result)
    return out


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _parse_all(
    root: str,
    rels: list[str],
    max_bytes: int,
    progress: Progress | None,
    spelled: dict[str, tuple[str, ...]],
    cancel: Cancel | None = None,
    cached: Callable[[str], Note | bytes | None] | None = None,
) -> list[Note]:
    """Parse in this process.  Worker processes would parse faster, but sending the parsed
    notes back (pickling some 20 objects per note) costs as much as the parse saved; the
    check phase below forks after parsing instead, so notes never cross a process boundary.

    ``cached(rel)`` gives a note from the cache, the bytes read to find it was not there, or
    None.  The cyclic garbage collector is off meanwhile: parsing makes hundreds of thousands
    of objects and no cycles, and its collections cost about 8% of the parse."""
    notes = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for done, rel in enumerate(rels, 1):
            found = cached(rel) if cached else None
            if isinstance(found, Note):
                notes.append(found)
            elif isinstance(found, bytes):
                notes.append(parse_bytes(rel, found))
            else:
                notes.append(read_note(root, rel, max_bytes, on_disk(rel, spelled)))
            if cancel and done % CANCEL_EVERY == 0 and cancel():
                raise Cancelled
            if progress and (done % 200 == 0 or done == len(rels)):
                progress("parsing", 200 if done % 200 == 0 else done % 200, len(rels))
    finally:
        if enabled:
            gc.enable()
    return notes


def date_keys(active: Iterable[ActiveRule]) -> tuple[str, ...]:
    """The date properties whose evidence the active rules read (their ``dates_for`` option)."""
    keys: dict[str, None] = {}
    for item in active:
        if item.rule.dates_for:
            keys.update(dict.fromkeys(item.options.get(item.rule.dates_for, ())))
    return tuple(keys)


def _index(
    root: Path, listing: Listing, notes: list[Note], settings: VaultSettings, keys: tuple[str, ...], max_bytes: int
) -> VaultIndex:
    """The index of parsed notes, with the vault's other documents (canvases, bases) read;
    ``keys`` are the date properties whose evidence (git history, file times) is gathered
    here for notes where one is empty, since rules do no I/O."""
    spelled = listing.spelled
    documents = [read_document(str(root), rel, on_disk(rel, spelled), max_bytes) for rel in listing.documents]
    from vaultkit.vault import evidence  # (git history: only for runs that index the vault)

    dates = evidence.gather(root, notes, keys) if keys else None
    return VaultIndex(notes, listing.files, settings, dates=dates, documents=documents, spelled=spelled)


def build_index(
    root: Path,
    excludes: Iterable[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    date_keys: Iterable[str] = (),
    external_symlinks: bool = False,
) -> tuple[VaultIndex, list[str], list[str], list[str]]:
    """Parse the whole vault.  Returns the index, the notes to check, the other files to check
    (attachments, canvases, bases: for vault-scope rules), and walk warnings."""
    listing = list_files(root, excludes, external_symlinks)
    notes = _parse_all(str(root), listing.notes + listing.ignored_notes, max_bytes, progress, listing.spelled)
    index = _index(root, listing, notes, load_settings(root), tuple(date_keys), max_bytes)
    return index, listing.notes, listing.others, listing.warnings


def targeted(rel: str, targets: Sequence[str]) -> bool:
    """Whether ``rel`` is one of ``targets`` (paths, prefixes ending in ``/``, or ``""``)."""
    return any(rel == t or t == "" or (t.endswith("/") and rel.startswith(t)) for t in targets)


def _run(index: VaultIndex, rels: list[str], active: Sequence[ActiveRule], jobs: int, progress, cancel, **state):
    """Check ``rels`` against ``index`` in forked workers (or here, for few notes)."""
    _WORKER.update(index=index, active=list(active), **state)
    try:
        return _map(_check_chunk, rels, jobs, progress, cancel)
    finally:
        _WORKER.clear()


def _digest(note: Note | None) -> str | None:
    return note.digest if note is not None else None


def _sorted(problems: list[Problem]) -> list[Problem]:
    """A run's problems as reported: one internal-error per crashed rule, in order."""
    return sorted(collapse_crashes(problems), key=attrgetter("order"))


def check(
    root: Path,
    active: Sequence[ActiveRule],
    targets: Iterable[str] | None = None,
    excludes: Iterable[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    jobs: int | None = None,
    progress: Progress | None = None,
    external_symlinks: bool = False,
    cache: bool = False,
    cancel: Cancel | None = None,
    listing: Listing | None = None,
) -> CheckResult:
    """Index the vault at ``root`` and check ``targets`` (vault-relative paths, or prefixes
    ending in ``/``; None means every note).  ``cache`` reads and updates the vault's
    ``.vaultkit/cache.sqlite`` (:mod:`vaultkit.check.cache`); ``cancel`` is polled between
    notes, and raises :class:`Cancelled` when it returns true.  ``listing`` is the vault's
    listing when the caller has just made it (:func:`~vaultkit.vault.files.list_files`)."""
    jobs = default_jobs() if jobs is None else jobs
    listing = list_files(root, excludes, external_symlinks) if listing is None else listing
    checked, others = listing.notes, listing.others
    if targets is not None:
        wanted = list(targets)
        checked = [n for n in checked if targeted(n, wanted)]
        others = [f for f in others if targeted(f, wanted)]
    scope = set(checked).union(others)
    settings = load_settings(root)
    keys = date_keys(active)
    if cache:
        return _check_cached(root, listing, checked, scope, settings, keys, active, max_bytes, jobs, progress, cancel)
    notes = _parse_all(str(root), listing.notes + listing.ignored_notes, max_bytes, progress, listing.spelled, cancel)
    index = _index(root, listing, notes, settings, keys, max_bytes)
    problems = [p for _, found, _, _ in _run(index, checked, active, jobs, progress, cancel) for p in found]
    problems += check_files(index, active, scope.__contains__)
    return CheckResult(root, lambda: index, _sorted(problems), checked, listing.warnings)


VAULT = ""  # the findings of vault-scope rules, in the cache's findings blob (no note is named "")


def _in_scope(problems: Iterable[Problem], scope: set[str]) -> list[Problem]:
    """Vault-scope findings on the files this run checks (and rule crashes, placed at ".")."""
    return [p for p in problems if p.path in scope or p.path == "."]


def _check_cached(
    root: Path,
    listing: Listing,
    checked: list[str],
    scope: set[str],
    settings: VaultSettings,
    keys: tuple[str, ...],
    active: Sequence[ActiveRule],
    max_bytes: int,
    jobs: int,
    progress: Progress | None,
    cancel: Cancel | None,
) -> CheckResult:
    """:func:`check` with the cache: reuse what is stored, check what may have changed.
    Vault-scope rules run on every run that is not answered whole from the cache."""
    store = vcache.Store(root, vcache.parse_key(max_bytes), vcache.run_key(max_bytes, active, settings))
    rels = listing.notes + listing.ignored_notes
    spelled = listing.spelled
    started = time.time()
    signatures: dict[str, vcache.Signature] = {}
    known: dict[str, str] = {}  # rel -> digest, where the stat says the bytes are the stored ones
    for rel in rels + listing.documents:
        try:
            info = os.stat(os.path.join(root, on_disk(rel, spelled)))
        except OSError:
            continue
        signatures[rel] = sig = vcache.signature(info, started)
        entry = store.entries.get(rel)
        if sig and entry is not None and entry.signature == sig:
            known[rel] = entry.digest
    head = vcache.git_head(root) if keys else ""
    state = vcache.vault_state(store.run_key, listing.files, signatures, head)
    unchanged = state is not None and state == store.state and all(rel in known for rel in rels)
    if unchanged and store.findings.keys() >= {VAULT, *checked}:  # nothing moved: last run's findings hold
        found = [p for rel in checked for p in store.findings[rel]] + _in_scope(store.findings[VAULT], scope)

        def load() -> VaultIndex:
            notes = _parse_all(str(root), rels, max_bytes, None, spelled, None, lambda rel: store.note(rel, known[rel]))
            store.close()
            return _index(root, listing, notes, settings, keys, max_bytes)

        return CheckResult(root, load, _sorted(found), checked, listing.warnings)

    fresh: set[str] = set()

    def cached(rel: str) -> Note | bytes | None:
        if rel in known and (note := store.note(rel, known[rel])) is not None:
            return note
        data = read_bytes(str(root), on_disk(rel, spelled), max_bytes)
        if isinstance(data, bytes) and (note := store.note(rel, digest_of(data))) is not None:
            return note
        fresh.add(rel)
        return data

    notes = _parse_all(str(root), rels, max_bytes, progress, spelled, cancel, cached)
    index = _index(root, listing, notes, settings, keys, max_bytes)
    before = {rel: entry.digest for rel, entry in store.entries.items()}
    changed = {rel for rel in before.keys() | index.notes.keys() if before.get(rel) != _digest(index.notes.get(rel))}
    files = vcache.files_digest(listing.files)
    facts = vcache.Facts(index, changed if store.files else None, store.files == files)
    results: dict[str, vcache.Result] = {}
    reused: dict[str, list[Problem]] = {}
    stale = []
    for rel in checked:
        note = index.notes[rel]
        result = store.result(rel, note.digest) if note.digest else None
        if result is not None and facts.holds(result.answers):
            reused[rel] = result.problems
        else:
            stale.append(rel)
    problems = [p for found in reused.values() for p in found]
    blobs: dict[str, bytes] = {}
    for rel, found, result, blob in _run(
        index, stale, active, jobs, progress, cancel, store=store, facts=facts, fresh=fresh
    ):
        problems.extend(found)
        if result is not None:
            results[rel] = result
        if blob is not None:
            blobs[rel] = blob
    reused[VAULT] = check_files(index, active, set(listing.notes).union(listing.others).__contains__)
    problems += _in_scope(reused[VAULT], scope)
    fresh_notes = {rel: index.notes[rel] for rel in fresh if rel in index.notes and index.notes[rel].digest}
    moved = bool(changed) or store.files != files
    store.save(rels, signatures, fresh_notes, results, state, blobs, files, reused, moved)
    return CheckResult(root, lambda: index, _sorted(problems), checked, listing.warnings)
