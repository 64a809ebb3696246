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
import pickle
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from vaultkit.api import Diagnostic, Edit, Fix, Rule, Scope, Severity
from vaultkit.check import cache as vcache
from vaultkit.check.config import ActiveRule
from vaultkit.check.registry import INCOMPLETE_ANALYSIS, INTERNAL_ERROR
from vaultkit.check.suppress import Suppression, suppressions
from vaultkit.model import Note
from vaultkit.read.parse import DEFAULT_MAX_BYTES, digest_of, parse_bytes, read_bytes, read_document, read_note
from vaultkit.vault.files import Listing, list_files, load_settings, on_disk
from vaultkit.vault.index import LazyNotes, NoteFacts, VaultIndex, VaultSettings, facts_of

if TYPE_CHECKING:  # the pool's modules are imported by the runs that start one
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.connection import Connection
    from multiprocessing.sharedctypes import Synchronized

    from vaultkit.text.dates import DateFacts

PARALLEL_THRESHOLD = 400  # below this many notes, starting processes costs more than it saves
SERIAL_CHUNK = 10  # notes checked between two looks at ``cancel`` when checking in this process
CANCEL_EVERY = 50  # notes parsed between two looks at ``cancel``
SEND_EVERY = 100  # notes a worker parses or checks between two reports to the parent
# Notes a worker keeps from its parse for its checks (about 13 KB each in memory); the rest of a
# larger share is parsed again when checked, so that 100,000 notes fit in 1 GB per process.
HELD_NOTES = 20_000
FULL_COLLECTION_EVERY = 1_000  # collections of the middle generation per full one while rules run (default 10)
YOUNG_COLLECTION_AFTER = 50_000  # objects a chunk of checks leaves before a young collection (see _frozen)


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


class _NoteRules(NamedTuple):
    """What :func:`check_note` reads of a list of active rules, worked out once per list:
    picking the note rules and the engine's own levels out of it for every note cost more
    than some of the rules it then ran (an enum lookup per rule and note)."""

    active: Sequence[ActiveRule]
    rules: tuple[ActiveRule, ...]  # the note-scope rules
    excluding: bool  # whether any of them is excluded from some paths
    crash_level: Severity | None
    incomplete_level: Severity | None


_note_rules: list[_NoteRules] = []  # the last list's: a run checks every note with one list, never changed


def _rules_of(active: Sequence[ActiveRule]) -> _NoteRules:
    """The :class:`_NoteRules` of ``active``, made anew only when the list is not the last one."""
    last = _note_rules[-1] if _note_rules else None
    if last is None or last.active is not active:
        rules = tuple(item for item in active if item.rule.scope is Scope.NOTE)
        last = _NoteRules(
            active,
            rules,
            any(item.exclude for item in rules),
            _level(active, INTERNAL_ERROR),
            _level(active, INCOMPLETE_ANALYSIS),
        )
        _note_rules[:] = [last]
    return last


def check_note(note: Note, index: VaultIndex, active: Sequence[ActiveRule]) -> list[Problem]:
    """Run every active note rule on one note (pure apart from the rules themselves)."""
    problems: list[Problem] = []
    plan = _rules_of(active)
    rules = plan.rules
    if plan.excluding:
        rules = tuple(item for item in rules if not item.skips(note.rel))
    quiet = suppressions(note) if rules else []
    crash_level = plan.crash_level
    for item in rules:
        rule = item.rule
        try:
            diagnostics = list(rule.check(note, index, item.options))
        except Exception as exc:  # a broken rule must not end the run
            if crash_level is not None:
                problems.append(_crash(note.rel, rule.name, rule.code, exc, crash_level))
            continue
        if not diagnostics:  # (most rules find nothing in most notes)
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
    level = plan.incomplete_level if stopped else None
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

Checked = tuple[str, list[Problem], "vcache.Result | None"]


def _check_one(rel: str) -> Checked:
    """Check one note in a worker (or in this process); with a cache, also record what the
    findings depended on."""
    index: VaultIndex = _WORKER["index"]
    active: Sequence[ActiveRule] = _WORKER["active"]
    note = index.notes[rel]
    if "facts" not in _WORKER:  # no cache
        return rel, check_note(note, index, active), None
    tracker = vcache.Tracker(index)
    problems = check_note(note, cast(VaultIndex, tracker), active)
    facts: vcache.Facts = _WORKER["facts"]
    return rel, problems, vcache.Result(note.digest, facts.answers(tracker.tokens), problems)


def _check_chunk(rels: list[str]) -> list[Checked]:
    """Check ``rels`` (under :func:`_frozen`); what the checks leave for later notes (the
    index's per-note answers) is frozen with the index, so no later collection walks it."""
    checked = [_check_one(rel) for rel in rels]
    gc.freeze()
    return checked


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


# -- both cores from the start -------------------------------------------------------------------
#
# A cold run forks its workers before parsing: each parses its share of the vault and sends back
# only the notes' facts (vault.index.NoteFacts, a few tuples of strings each: pickling whole
# notes costs as much as the parallel parse saves), receives every note's facts, builds the
# index with its own notes at hand and checks them.  Notes never cross a process boundary.


def _send(conn: Connection, kind: str, payload: object) -> None:
    conn.send_bytes(vcache.dumps((kind, payload)))


def _learn(sealed: vcache.Sealed, checked: Iterable[Checked], seal: vcache.Sealer | None) -> None:
    """Keep in ``sealed`` what checking ``checked`` taught the cache, where they were checked
    (:meth:`~vaultkit.check.cache.Sealed.keep`; nothing when no cache is written)."""
    if seal is not None:
        for rel, _, result in checked:
            if result is not None:
                sealed.keep(rel, result, seal)


def _pack_facts(facts: list[NoteFacts]) -> vcache.Packed:
    """The facts of a "parsed" message as a worker sends them: in one pickle, signed for the
    cache when the run keeps one (:meth:`~vaultkit.check.cache.Sealer.pack_facts`), so that the
    parent stores the bytes it received as one part of the stored facts."""
    seal: vcache.Sealer | None = _WORKER.get("seal")
    return seal.pack_facts(facts) if seal is not None else (vcache.dumps(facts), None)


@contextlib.contextmanager
def no_gc(settle: bool = True) -> Iterator[None]:
    """The cyclic garbage collector off, around blocks that make many objects and no cycles
    (parsing or reading notes, loading pickled facts, saving the cache): the collections
    they would trigger cost as much as the block or more (twice the loading of facts,
    measured).

    With ``settle``, what was made goes straight to the oldest generation on the way out
    (``freeze`` then ``unfreeze``, which move lists, not objects): left in the youngest, the
    first collection after the block would walk all of it (4% of a one-edit run on 10,000
    notes, measured).  Not while anything is frozen (the daemon's index, :func:`_frozen`):
    ``unfreeze`` would thaw it all; and telling costs a walk of what is frozen (25 ms for two
    million objects), so blocks entered once per message do not settle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if settle and not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _frozen() -> Iterator[None]:
    """Every object made so far (the parsed notes, the index) out of the cyclic garbage
    collector's sight while the rules run: they live to the end of the check, and the
    collections that the rules' short-lived objects trigger would walk them all again (a
    quarter of the check phase's CPU on 10,000 notes, measured).  Thawed afterwards, so that
    a daemon's old indexes are still collected.

    Full collections are rare meanwhile too: what outlives the young generations during the
    check is the index's per-note answers (each note's resolved links, headings, block ids),
    kept to the end of the run, which every full collection walked again (0.2 s of the 1.4 s
    check phase on 10,000 notes, measured).

    Those answers are frozen after each chunk of notes (:func:`_check_chunk`), and the young
    generation is collected only once a chunk has left :data:`YOUNG_COLLECTION_AFTER` objects
    (700 by default): the rules make no cycles, and the 370 young and middle collections a
    worker made while checking its 5,000 notes walked those answers and freed nothing (80 ms
    of its 2 s check phase, measured).  A chunk that leaves many cycles still has them
    collected; the few a chunk leaves otherwise wait for the thaw."""
    thresholds = gc.get_threshold()
    gc.freeze()
    young = max(thresholds[0], YOUNG_COLLECTION_AFTER)
    gc.set_threshold(young, thresholds[1], max(thresholds[2], FULL_COLLECTION_EVERY))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _claimed(rels: list[str], claimed: Synchronized[int]) -> Iterator[list[str]]:
    """The chunks of ``rels`` this worker takes: the next one not yet claimed by any worker
    (``claimed`` counts the chunks taken), until none is left.  Shares fixed before the work
    left one worker idle while the other finished its slow notes: on the bench vault, one
    legacy-encoded note costs 0.15 s to parse (the encoding detector's first use), and the
    worker without it waited that long for the index; the checks then ended 0.1-0.2 s apart,
    as the mojibake analysis of a damaged note costs 100 times an ordinary note's checks."""
    while True:
        with claimed.get_lock():
            chunk = claimed.value
            claimed.value = chunk + 1
        part = rels[chunk * SEND_EVERY : (chunk + 1) * SEND_EVERY]
        if not part:
            return
        yield part


def _checking(lists: list[list[str]], claimed: list[Synchronized[int]], me: int) -> Iterator[list[str]]:
    """The chunks of notes worker ``me`` checks: of its own list ``lists[me]`` (the notes it
    parsed and holds), then of the others' lists that their workers have not reached yet
    (those notes are parsed again, 0.16 ms each: a fraction of what waiting costs)."""
    for n in (me, *(n for n in range(len(lists)) if n != me)):
        yield from _claimed(lists[n], claimed[n])


def _serve(
    conn: Connection, rels_to_parse: list[str], claimed: Synchronized[int], checks: list[Synchronized[int]]
) -> None:
    """A worker's life: parse chunks of ``rels_to_parse`` as long as any is left
    (:func:`_claimed`) and send each chunk's facts; receive the other workers' facts (their
    messages as they sent them) and the date evidence; check the notes it is given, then help
    the others with theirs (:func:`_checking`), and send the findings, with the notes that have
    findings (a few: the fixer and the reporters read those).  With a cache, each message's
    facts are signed as they are sent (:func:`_pack_facts`), and what the checks taught the
    cache is sent at the end (:func:`_learn`)."""
    parse: Callable[[str], Note] = _WORKER["parse"]
    held: dict[str, Note] = {}
    own: dict[str, NoteFacts] = {}
    with no_gc():  # as in _parse_all: parsing makes many objects and no cycles
        for part in _claimed(rels_to_parse, claimed):
            out: list[NoteFacts] = []
            for rel in part:
                note = parse(rel)
                own[rel] = facts_of(note)
                if len(held) < HELD_NOTES:
                    held[rel] = note
                out.append(own[rel])
            _send(conn, "parsed", _pack_facts(out))
        _send(conn, "ready", None)
        forwarded, dates, changed, files_same = pickle.loads(conn.recv_bytes())
        received: dict[str, NoteFacts] = {}
        for _ in range(forwarded):
            data, _ = pickle.loads(conn.recv_bytes())[1]
            received.update((facts.rel, facts) for facts in pickle.loads(data))
        received.update(own)  # its own notes' facts share the notes' headings
        me, lists = pickle.loads(conn.recv_bytes())  # its number, and every worker's notes to check
    index = _WORKER["build"](held, received, dates)
    _WORKER["index"] = index
    learnt = vcache.Sealed()
    if _WORKER.get("cached"):
        _WORKER["facts"] = vcache.Facts(index, changed, files_same, learnt.memo)
    with _frozen():
        for part in _checking(lists, checks, me):
            checked = _check_chunk(part)
            _learn(learnt, checked, _WORKER.get("seal"))
            sent = [(rel, problems) for rel, problems, _ in checked]
            _send(conn, "checked", (sent, [index.notes[rel] for rel, problems, _ in checked if problems]))
    _send(conn, "done", learnt if _WORKER.get("cached") else None)


def _worker(
    conn: Connection, rels: list[str], claimed: Synchronized[int], checks: list[Synchronized[int]], parent: int
) -> None:
    """A forked worker (see :func:`_serve`): it dies with the parent, leaves Ctrl-C and
    SIGTERM to it (the parent ends its workers), and reports a failure instead of raising."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        _serve(conn, rels, claimed, checks)
    except Exception:
        import traceback

        _send(conn, "error", traceback.format_exc())


def _receive(conns: list[Connection], cancel: Cancel | None) -> list[tuple[Connection, str, Any, bytes]]:
    """The next messages from the workers ``conns`` (which, kind, payload, and the message as
    sent), looking at ``cancel`` every 0.1 s; a worker that failed or vanished ends the run."""
    import multiprocessing.connection  # (imported by the runs that start workers)

    while True:
        if cancel and cancel():
            raise Cancelled
        ready = multiprocessing.connection.wait(conns, timeout=0.1)
        if ready:
            break
    found = []
    for conn in conns:
        if conn not in ready:
            continue
        try:
            data = conn.recv_bytes()
            kind, payload = pickle.loads(data)
        except EOFError:
            raise RuntimeError("a worker process ended unexpectedly") from None
        if kind == "error":
            raise RuntimeError(f"a worker process failed:\n{payload}")
        found.append((conn, kind, payload, data))
    return found


# ``plan(parsed, shares)``: what every worker receives, and the notes each checks (see _in_workers)
Plan = Callable[[dict[str, NoteFacts], list[list[str]]], tuple[tuple[Any, ...], list[list[str]]]]


def _in_workers(
    rels: list[str], jobs: int, plan: Plan, progress: Progress | None, cancel: Cancel | None
) -> tuple[list[Checked], list[Note], vcache.Sealed]:
    """Run :func:`_serve` in ``jobs`` forked workers, which parse ``rels`` between them, a
    chunk at a time (:func:`_claimed`).  Once every note is parsed, ``plan(parsed, shares)``
    -- ``shares`` being the notes each worker parsed -- gives what every worker receives (the
    date evidence, the cache's changed notes and whether the files are the same) and the
    notes each checks (a worker holds the notes it parsed).  Each worker also
    receives the facts the others parsed, as the messages they sent them in: passed on
    as bytes, not pickled again (0.09 s of a 10,000-note run that both workers waited for),
    and each worker unpickles the others' facts only, not its own again.  Returns the
    findings, the notes with findings, and the blobs the workers sealed for the cache."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    workers, conns = [], []
    total = len(rels)
    claimed = context.Value("q", 0)  # the chunks of rels taken (shared memory, with its lock)
    checks = [context.Value("q", 0) for _ in range(jobs)]  # the chunks taken of each worker's checks
    try:
        for _ in range(jobs):
            ours, theirs = context.Pipe()
            process = context.Process(target=_worker, args=(theirs, rels, claimed, checks, os.getpid()), daemon=True)
            process.start()
            theirs.close()
            workers.append(process)
            conns.append(ours)
        # Every note's facts and findings arrive here and live to the end of the run, and
        # receiving them makes no cycles: collections meanwhile walked them again and again
        # (90-100 ms of the 0.55 s this process spends on 10,000 notes, a full collection
        # among them, measured).  On the way out they go to the oldest generation unwalked.
        with no_gc():
            parsed: dict[str, NoteFacts] = {}
            sealed = vcache.Sealed()
            sent: dict[Connection, list[bytes]] = {conn: [] for conn in conns}  # each worker's facts messages
            shares: dict[Connection, list[str]] = {conn: [] for conn in conns}  # the notes each worker parsed
            waiting = list(conns)  # the workers that have not said they are through with this phase
            while waiting:
                for conn, kind, payload, data in _receive(waiting, cancel):
                    if kind == "ready":
                        waiting.remove(conn)
                        continue
                    payload = sealed.open_facts(payload)
                    parsed.update((facts.rel, facts) for facts in payload)
                    shares[conn].extend(facts.rel for facts in payload)
                    sent[conn].append(data)
                    if progress and payload:
                        progress("parsing", len(payload), total)
            common, to_check = plan(parsed, [shares[conn] for conn in conns])
            for me, conn in enumerate(conns):
                others = [data for other in conns if other is not conn for data in sent[other]]
                conn.send_bytes(vcache.dumps((len(others), *common)))
                for data in others:
                    conn.send_bytes(data)
                conn.send_bytes(vcache.dumps((me, to_check)))
            del sent
            checked: list[Checked] = []
            found: list[Note] = []
            waiting, checking = list(conns), sum(len(mine) for mine in to_check)
            while waiting:  # a worker that is done exits: its end of the pipe is then never read again
                for conn, kind, payload, _ in _receive(waiting, cancel):
                    if kind == "done":
                        waiting.remove(conn)
                        if payload is not None:
                            sealed.merge(payload)
                        continue
                    checked.extend((rel, problems, None) for rel, problems in payload[0])
                    found.extend(payload[1])
                    if progress and payload[0]:
                        progress("checking", len(payload[0]), checking)
    except BaseException:  # Ctrl-C, SIGTERM, cancel, a worker failed: never wait for the rest
        for process in workers:
            if process.is_alive():
                process.kill()
        raise
    finally:
        for conn in conns:
            conn.close()
        for process in workers:
            process.join()
    return checked, found, sealed


def _forking(jobs: int, notes: int) -> bool:
    """Whether ``notes`` notes are worth worker processes (and this system can fork)."""
    if jobs <= 1 or notes < PARALLEL_THRESHOLD:
        return False
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _parse_all(
    root: str,
    rels: list[str],
    max_bytes: int,
    progress: Progress | None,
    spelled: dict[str, tuple[str, ...]],
    cancel: Cancel | None = None,
    read: Callable[[str], bytes | None] | None = None,
) -> list[Note]:
    """Parse in this process: the serial path (``--jobs 1``, few notes), and the notes a
    cached run must parse again.  Many notes are parsed by the workers that check them
    (:func:`_in_workers`): sending whole parsed notes back (some 20 objects per note) would
    cost as much as the parallel parse saves.

    ``read(rel)`` gives the bytes of the note when a cached run has already read them (to
    find that the cache does not have them), else None.  The cyclic garbage collector is off
    meanwhile: parsing makes hundreds of thousands of objects and no cycles, and its
    collections cost about 8% of the parse."""
    notes = []
    with no_gc():
        for done, rel in enumerate(rels, 1):
            notes.append(_parse_one(root, rel, max_bytes, spelled, read(rel) if read else None))
            if cancel and done % CANCEL_EVERY == 0 and cancel():
                raise Cancelled
            if progress and (done % 200 == 0 or done == len(rels)):
                progress("parsing", 200 if done % 200 == 0 else done % 200, len(rels))
    return notes


def _parse_one(root: str, rel: str, max_bytes: int, spelled: dict[str, tuple[str, ...]], data: bytes | None) -> Note:
    """The note ``rel``, parsed from ``data`` when its bytes were already read, else read."""
    if data is not None:
        return parse_bytes(rel, data)
    return read_note(root, rel, max_bytes, on_disk(rel, spelled))


def date_keys(active: Iterable[ActiveRule]) -> tuple[str, ...]:
    """The date properties whose evidence the active rules read (their ``dates_for`` option)."""
    keys: dict[str, None] = {}
    for item in active:
        if item.rule.dates_for:
            keys.update(dict.fromkeys(item.options.get(item.rule.dates_for, ())))
    return tuple(keys)


def _documents(root: Path, listing: Listing, max_bytes: int) -> list[Note]:
    """The vault's other documents (canvases, bases), read."""
    return [read_document(str(root), rel, on_disk(rel, listing.spelled), max_bytes) for rel in listing.documents]


def _dates(root: Path, facts: Sequence[NoteFacts], keys: tuple[str, ...]) -> DateFacts | None:
    """Date evidence for the notes with an empty date property among ``keys`` (None: none)."""
    if not keys:
        return None
    from vaultkit.vault import evidence  # (git history: only for runs that index the vault)

    return evidence.gather(root, facts, keys)


def _index(
    root: Path, listing: Listing, notes: list[Note], settings: VaultSettings, keys: tuple[str, ...], max_bytes: int
) -> VaultIndex:
    """The index of parsed notes, with the vault's other documents (canvases, bases) read;
    ``keys`` are the date properties whose evidence (git history, file times) is gathered
    here for notes where one is empty, since rules do no I/O."""
    documents = _documents(root, listing, max_bytes)
    index = VaultIndex(notes, listing.files, settings, documents=documents, spelled=listing.spelled)
    index.dates = _dates(root, list(index.facts()), keys)  # (the facts the link rules read again)
    return index


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
    with no_gc():  # (as in check)
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
        with _frozen():
            return _map(_check_chunk, rels, jobs, progress, cancel)
    finally:
        _WORKER.clear()


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
    signatures: Mapping[str, vcache.Signature] | None = None,
) -> CheckResult:
    """Index the vault at ``root`` and check ``targets`` (vault-relative paths, or prefixes
    ending in ``/``; None means every note).  ``cache`` reads and updates the vault's
    ``.vaultkit/cache.sqlite`` (:mod:`vaultkit.check.cache`); ``cancel`` is polled between
    notes, and raises :class:`Cancelled` when it returns true.  ``listing`` is the vault's
    listing when the caller has just made it (:func:`~vaultkit.vault.files.list_files`), and
    ``signatures`` its files' stat signatures when the caller has just taken them
    (:func:`vaultkit.check.cache.signatures`)."""
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
    run = _Run(root, listing, settings, keys, active, max_bytes, jobs, progress, cancel)
    if cache:
        return _check_cached(
            run, checked, scope, vcache.signatures(root, listing) if signatures is None else signatures
        )
    rels = listing.notes + listing.ignored_notes
    if _forking(jobs, len(rels)):
        index, found = _check_forked(run, rels, checked)
    else:
        with no_gc():  # (see _parse_all; the index's tables make no cycles either)
            notes = _parse_all(str(root), rels, max_bytes, progress, listing.spelled, cancel)
            index = _index(root, listing, notes, settings, keys, max_bytes)
        found = _run(index, checked, active, jobs, progress, cancel)
    problems = [p for _, problems, _ in found for p in problems]
    problems += check_files(index, active, scope.__contains__)
    return CheckResult(root, lambda: index, _sorted(problems), checked, listing.warnings)


def _in_order(found: Iterable[Checked], rels: list[str]) -> list[Checked]:
    """Workers' findings in the order of ``rels``, as a run in one process makes them (which
    crash is named first depends on it: :func:`collapse_crashes`)."""
    order = {rel: n for n, rel in enumerate(rels)}
    return sorted(found, key=lambda item: order[item[0]])


class _Run(NamedTuple):
    """What either way of checking a whole vault (:func:`_check_forked`, :func:`_check_cached`)
    is given by :func:`check`: one record, so that the two cannot drift apart."""

    root: Path
    listing: Listing
    settings: VaultSettings
    keys: tuple[str, ...]
    active: Sequence[ActiveRule]
    max_bytes: int
    jobs: int
    progress: Progress | None
    cancel: Cancel | None

    def facts_index(
        self,
        documents: list[Note],
        facts: Iterable[NoteFacts],
        dates: object,
        held: Mapping[str, Note],
    ) -> VaultIndex:
        """The index of every note's ``facts`` with the ``held`` notes at hand; any other note a
        rule asks for is read and parsed again (0.16 ms a note: the cache keeps facts and
        findings, not parsed notes, see :mod:`vaultkit.check.cache`).  A note whose bytes
        changed since it was indexed comes back without a digest: it is not the note the run saw
        (the fixer then re-reads it instead of applying findings made on the old text)."""

        def load(rel: str) -> Note:
            stamp = index.stamp(rel)
            note = read_note(str(self.root), rel, self.max_bytes, on_disk(rel, self.listing.spelled))
            if stamp is None or note.digest != stamp[0]:
                note = dataclasses.replace(note, digest="")
            return note

        index = VaultIndex(
            held.values(),
            self.listing.files,
            self.settings,
            cast(Any, dates),
            documents,
            self.listing.spelled,
            facts=facts,
            load=load,
        )
        return index


def _check_forked(run: _Run, rels: list[str], checked: list[str]) -> tuple[VaultIndex, list[Checked]]:
    """Parse and check in ``jobs`` workers (:func:`_in_workers`); the index of this process
    is built from the notes' facts and holds no note."""
    root, listing, _, keys, active, max_bytes, jobs, progress, cancel = run
    documents = _documents(root, listing, max_bytes)
    wanted = set(checked)
    made: list[VaultIndex] = []

    def plan(parsed: dict[str, NoteFacts], shares: list[list[str]]) -> tuple[tuple[Any, ...], list[list[str]]]:
        facts = [parsed[rel] for rel in rels]
        dates = _dates(root, facts, keys)
        made.append(run.facts_index(documents, facts, dates, {}))
        return (dates, None, False), [[rel for rel in share if rel in wanted] for share in shares]

    def build(held: Mapping[str, Note], received: Mapping[str, NoteFacts], dates: object) -> VaultIndex:
        return run.facts_index(documents, [received[rel] for rel in rels], dates, held)

    def parse(rel: str) -> Note:
        return read_note(str(root), rel, max_bytes, on_disk(rel, listing.spelled))

    _WORKER.update(parse=parse, build=build, active=list(active))
    try:
        found, noted, _ = _in_workers(rels, jobs, plan, progress, cancel)
    finally:
        _WORKER.clear()
    cast(LazyNotes, made[0].notes).keep(noted)
    return made[0], _in_order(found, checked)


VAULT = ""  # the findings of vault-scope rules, in the cache's findings blob (no note is named "")


def _in_scope(problems: Iterable[Problem], scope: set[str]) -> list[Problem]:
    """Vault-scope findings on the files this run checks (and rule crashes, placed at ".")."""
    return [p for p in problems if p.path in scope or p.path == "."]


def _check_cached(
    run: _Run, checked: list[str], scope: set[str], signatures: Mapping[str, vcache.Signature]
) -> CheckResult:
    """:func:`check` with the cache: reuse what is stored, check what may have changed.
    The index is built from the stored facts of unchanged notes and the facts of the notes
    parsed now; any other note is parsed only when it is checked again (or a rule asks for
    it).  Vault-scope rules run on every run that is not answered whole from the cache."""
    root, listing, settings, keys, active, max_bytes, jobs, progress, cancel = run
    store = vcache.Store(root, vcache.parse_key(max_bytes), vcache.run_key(max_bytes, active, settings))
    rels = listing.notes + listing.ignored_notes
    spelled = listing.spelled
    known: dict[str, str] = {}  # rel -> digest, where the stat says the bytes are the stored ones
    for rel, sig in signatures.items():
        entry = store.entries.get(rel)
        if sig and entry is not None and entry.signature == sig:
            known[rel] = entry.digest
    head = vcache.git_head(root) if keys else ""
    state = vcache.vault_state(store.run_key, listing.files, signatures, head)
    unchanged = state is not None and state == store.state and all(rel in known for rel in rels)
    if unchanged and store.findings.keys() >= {VAULT, *checked}:  # nothing moved: last run's findings hold
        answered = [p for rel in checked for p in store.findings[rel]] + _in_scope(store.findings[VAULT], scope)

        def load() -> VaultIndex:
            with no_gc():
                stored, fresh, data = _stored_facts(root, rels, spelled, max_bytes, store, known, None)
            held = {note.rel: note for note in _parse_all(str(root), fresh, max_bytes, None, spelled, None, data.get)}
            facts = [stored.get(rel) or facts_of(held[rel]) for rel in rels]
            dates = _dates(root, facts, keys)
            docs = _documents(root, listing, max_bytes)
            return run.facts_index(docs, facts, dates, held)

        return CheckResult(root, load, _sorted(answered), checked, listing.warnings)

    documents = _documents(root, listing, max_bytes)
    with no_gc():
        stored, fresh, data = _stored_facts(root, rels, spelled, max_bytes, store, known, cancel)
    files = vcache.files_digest(listing.files)
    files_same = store.files == files
    parsed: dict[str, NoteFacts] = {}  # the notes parsed in this run with readable bytes
    reused: dict[str, list[Problem]] = {}
    reread = vcache.Readers()  # what the reused findings read, where their result was loaded
    found: list[Checked] = []
    # the index, its answers, the notes that changed, and the stored map of who read what
    # when this run went by it (plan_for's, made where the plan is)
    made: list[tuple[VaultIndex, vcache.Facts, set[str], vcache.Readers | None]] = []

    def every(parsed_now: Mapping[str, NoteFacts]) -> list[NoteFacts]:
        """Every note's facts in the listing's order: the stored ones, else those parsed now
        (in this process, or by the workers: the parent's plan and each worker's index)."""
        return [stored.get(rel) or parsed_now[rel] for rel in rels]

    def plan_for(
        facts_of_fresh: Mapping[str, NoteFacts], held: Mapping[str, Note]
    ) -> tuple[tuple[Any, ...], list[str]]:
        """The index, the notes whose bytes changed, and the notes to check again."""
        with no_gc():  # building the index, loading every stored result: many objects, no cycles
            facts = every(facts_of_fresh)
            dates = _dates(root, facts, keys)
            index = run.facts_index(documents, facts, dates, held)
            before = {rel: entry.digest for rel, entry in store.entries.items()}
            now = {f.rel: f.digest for f in facts}
            changed = {rel for rel in before.keys() | now.keys() if before.get(rel) != now.get(rel)}
            answers = vcache.Facts(index, changed if store.files else None, files_same, store.derived)
            read_by = store.readers if answers.changed is not None and files_same else None
            made.append((index, answers, changed, read_by))
            asking = read_by.asking(changed) if read_by is not None else set()
            stale = []
            for rel in checked:
                if read_by is not None and rel not in asking and rel in read_by.known and rel in store.findings:
                    reused[rel] = store.findings[rel]  # read nothing that changed (vcache.Readers)
                    continue
                digest = now[rel]
                result = store.result(rel, digest) if digest else None
                if result is not None and answers.holds(result.answers):
                    reused[rel] = result.problems
                    reread.add(rel, result.answers)
                else:
                    stale.append(rel)
        return (dates, answers.changed, files_same), stale

    if _forking(jobs, len(fresh)):

        def plan(new: dict[str, NoteFacts], shares: list[list[str]]) -> tuple[tuple[Any, ...], list[list[str]]]:
            parsed.update((rel, facts) for rel, facts in new.items() if facts.digest)
            common, stale = plan_for(new, {})
            owner = {rel: n for n, share in enumerate(shares) for rel in share}
            mine: list[list[str]] = [[] for _ in shares]
            for n, rel in enumerate(stale):  # a note's parser checks it; a stored one goes to any worker
                mine[owner.get(rel, n % len(shares))].append(rel)
            return common, mine

        def build(held: Mapping[str, Note], received: Mapping[str, NoteFacts], dates: object) -> VaultIndex:
            return run.facts_index(documents, every(received), dates, held)

        def parse(rel: str) -> Note:
            return _parse_one(str(root), rel, max_bytes, spelled, data.get(rel))

        _WORKER.update(parse=parse, build=build, active=list(active), cached=True, seal=store.sealer())
        try:
            found, noted, sealed = _in_workers(fresh, jobs, plan, progress, cancel)
        finally:
            _WORKER.clear()
        index, answers, changed, read_by = made[0]
        answers.memo.update(sealed.memo)  # what the vocabulary's sampled notes add, worked out by the workers
        cast(LazyNotes, index.notes).keep(noted)
    else:
        notes = _parse_all(str(root), fresh, max_bytes, progress, spelled, cancel, data.get)
        held = {note.rel: note for note in notes}
        new_facts = {note.rel: facts_of(note) for note in notes}
        parsed.update((n.rel, new_facts[n.rel]) for n in notes if n.digest)
        _, stale = plan_for(new_facts, held)
        index, answers, changed, read_by = made[0]
        found = _run(index, stale, active, jobs, progress, cancel, facts=answers)
        sealed = vcache.Sealed()
        _learn(sealed, found, store.sealer())
    found = _in_order(found, checked)
    problems = [p for found_here in reused.values() for p in found_here]
    problems += [p for _, found_here, _ in found for p in found_here]
    answers.learn(sealed.derived)
    reused[VAULT] = check_files(index, active, set(listing.notes).union(listing.others).__contains__)
    problems += _in_scope(reused[VAULT], scope)
    moved = bool(changed) or not files_same
    sealed.readers.merge(reread)
    if read_by is not None:
        read_by.update(reused.keys(), sealed.readers)
    who = sealed.readers if read_by is None else read_by  # (with nothing stored, what this run read)
    now = {rel: found_here for rel, found_here, _ in found}
    with no_gc(settle=False):  # (pickling every result makes no cycles; the run ends here)
        store.save(rels, signatures, parsed, now, state, files, reused, moved, who, sealed)
    return CheckResult(root, lambda: index, _sorted(problems), checked, listing.warnings)


def _stored_facts(
    root: Path,
    rels: list[str],
    spelled: dict[str, tuple[str, ...]],
    max_bytes: int,
    store: vcache.Store,
    known: Mapping[str, str],
    cancel: Cancel | None,
) -> tuple[dict[str, NoteFacts], list[str], dict[str, bytes]]:
    """Each note's stored facts where the cache has them for its bytes (the stat vouches for
    them, or the bytes are read and hashed); the notes to parse, in order; and the bytes
    already read of those (a note the cache has never seen is left for its parser to read)."""
    stored: dict[str, NoteFacts] = {}
    fresh: list[str] = []
    data: dict[str, bytes] = {}
    for done, rel in enumerate(rels, 1):
        digest = known.get(rel)
        facts = store.facts(rel, digest) if digest else None
        if facts is None and rel in store.entries:
            read = read_bytes(str(root), on_disk(rel, spelled), max_bytes)
            if isinstance(read, bytes):
                facts = store.facts(rel, digest_of(read))
                if facts is None:
                    data[rel] = read
        if facts is not None:
            stored[rel] = facts
        else:
            fresh.append(rel)
        if cancel and done % CANCEL_EVERY == 0 and cancel():
            raise Cancelled
    return stored, fresh, data
