"""The watch daemon: a full check, then the vault's diagnostics kept in sync with the disk.

Threads: watchdog's observer (only filters paths and hands them to the debouncer), one
worker (takes settled batches, updates :class:`~vaultkit.check.live.VaultState`, writes
fixes and link updates), and the HTTP server (one thread per connection).  The worker and a
fix requested over HTTP serialise on one lock, so the daemon never writes a file twice at
once; HTTP readers take the state's own lock only for as long as it takes to copy out.

Writes (``--fix``, ``--update-links``, ``POST /v1/fix`` with ``apply``) go through the same
:class:`~vaultkit.fix.transaction.Transaction` as ``vaultkit fix``: under the vault's write
lock, the originals journalled under ``.vaultkit/undo/`` first (so ``vaultkit undo`` reverts
the daemon's writes, one batch at a time), then each file swapped in atomically only if it
still holds the bytes that were read.  Before writing, the daemon notes the hash of what it
writes; when the file is next read with that hash it is the daemon's own write -- its
diagnostics are updated, but it is never fixed again, whatever the timing of the echo.

Errors never end the daemon: a file that vanishes mid-read is a deletion, an unreadable file
is reported by the ``unreadable-file`` rule, a rule that raises becomes an
``internal-error`` problem, and anything else is logged and answered by reloading the vault.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import multiprocessing
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from vaultkit.api import Rule
from vaultkit.check.config import ActiveRule, Config, ConfigError
from vaultkit.check.live import Update, VaultState, read_file
from vaultkit.check.registry import PluginError, find_rule, load_rules
from vaultkit.check.report import problem_dict
from vaultkit.errors import Changed, NotFound, NotReady, Stale
from vaultkit.fix.journal import WRITTEN
from vaultkit.fix.loop import MAX_PASSES, AppliedFix, allowed, apply_edits, fix_note
from vaultkit.fix.run import patch
from vaultkit.fix.transaction import NotWritten, Transaction
from vaultkit.fix.writer import Unwritable, encode
from vaultkit.read.parse import digest_of
from vaultkit.vault.debounce import Batch, Debouncer
from vaultkit.vault.observer import ROOT, SETTINGS_FILES, OverflowWatch, start_observer
from vaultkit.version import __version__
from vaultkit.watch.relink import rewrites
from vaultkit.watch.runtime import Runtime
from vaultkit.watch.server import API_VERSION, ApiServer, Event, Hub

log = logging.getLogger("vaultkit.watch")

CONFIG_FILES = frozenset({".vaultkit.toml", "pyproject.toml"})
RECHECK = "\0recheck"  # a batch entry no file can be named (NUL): re-read the whole vault, on request
FIXED_FROM = 8  # per note, the hashes of the last texts --fix changed (see _fix_changed)
Reconfigure = Callable[[], "tuple[Config, list[ActiveRule]]"]
Report = Callable[[str, "dict[str, Any]"], None]


@dataclass
class Options:
    """How the daemon runs (the ``vaultkit watch`` options)."""

    fix: bool = False
    update_links: bool = False
    polling: bool = False
    poll_interval: float = 1.0
    debounce: float = 0.3
    serve: bool = True
    port: int = 0
    jobs: int | None = None


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="milliseconds")


def _applied(fixes: tuple[AppliedFix, ...]) -> list[dict[str, Any]]:
    return [{"code": f.code, "rule": f.rule, "title": f.title, "line": f.line} for f in fixes]


class Daemon:
    """One vault's daemon.  :meth:`start` returns once it watches and serves; the first full
    check runs on the worker thread (``/v1/status`` says ``ready`` when it is done)."""

    def __init__(
        self,
        root: Path,
        config: Config,
        active: list[ActiveRule],
        options: Options,
        targets: list[str] | None = None,
        reconfigure: Reconfigure | None = None,
        report: Report | None = None,
    ) -> None:
        self.root = root
        self.options = options
        self.targets = targets
        self.state = VaultState(root, config, active, targets)
        self.hub = Hub()
        self.debouncer = Debouncer(options.debounce)
        self.runtime = Runtime(root)
        self.token = ""
        self.server: ApiServer | None = None
        self.failed: str | None = None
        self.counters: Counter[str] = Counter()
        self.last_event: dict[str, Any] | None = None
        self.started = _now()
        self._reconfigure = reconfigure
        self._report = report or (lambda kind, data: None)
        self._busy = threading.Lock()  # one batch, fix or reload at a time
        self._ready = threading.Event()
        self._done = threading.Event()
        self._threads: list[threading.Thread] = []
        self._fixed_from: dict[str, deque[str]] = {}
        self._observer: Any = None
        self._overflow = OverflowWatch(lambda: self.debouncer.add(ROOT))
        self._stopping = False
        self._rules: dict[str, Rule] | None = None
        self._screening = True  # idle time screens the notes (False: it failed on this state)

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Lock the vault, start watching and serving, and begin the first full check."""
        self.runtime.lock()
        try:
            logging.getLogger("watchdog").addHandler(self._overflow)
            self._observer = start_observer(
                str(self.root), self._on_event, self.options.polling, self.options.poll_interval
            )
            if self.options.serve:
                self.token = self.runtime.token()
                self.server = ApiServer(self.options.port, self)
                self._spawn("vaultkit-http", self.server.serve_forever)
                self.runtime.publish(
                    {
                        "pid": os.getpid(),
                        "url": self.server.url,
                        "port": self.server.server_address[1],
                        "version": __version__,
                    }
                )
            self._spawn("vaultkit-worker", self._work)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the daemon ends by itself (its first check failed); True if it did."""
        return self._done.wait(timeout)

    def stop(self) -> None:
        """Stop watching, finish the batch in hand, close the server; idempotent."""
        if self._stopping:
            return
        self._stopping = True
        self.debouncer.close()
        self._finish_worker()
        if self._observer is not None:
            self._observer.stop()
        logging.getLogger("watchdog").removeHandler(self._overflow)
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        self.hub.close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=30)
        if self._observer is not None:
            self._observer.join(timeout=10)
        self.runtime.release()
        self._done.set()

    def _finish_worker(self, limit: float = 30.0) -> None:
        """Let the worker end its batch.  A full check in progress (the first one, or a
        reload) is not waited for: its worker processes are killed -- SIGKILL, since they
        inherit the CLI's SIGTERM handler -- and the pool may start only after the stop, so
        keep at it until the worker gives up."""
        worker = next((t for t in self._threads if t.name == "vaultkit-worker"), None)
        deadline = time.monotonic() + limit
        while worker is not None and worker.is_alive() and time.monotonic() < deadline:
            for child in multiprocessing.active_children():
                child.kill()
            worker.join(0.1)

    # -- events and the worker -----------------------------------------------------------

    def _on_event(self, path: str, moved_from: str | None) -> None:
        self.debouncer.add(path, moved_from)
        self.last_event = {"path": path, "moved_from": moved_from, "at": _now()}

    def _work(self) -> None:
        started = time.perf_counter()
        try:
            self.state.load(self.options.jobs, cancel=lambda: self._stopping)
        except Exception as exc:  # nothing to serve without a first check
            if not self._stopping:
                log.exception("the first check of %s failed", self.root)
                self.failed = f"the first check failed: {exc}"
            self._done.set()
            return
        gc.freeze()  # the index is long-lived: keep full collections from walking it
        self._ready.set()
        with self.state.lock:
            problems = sum(len(p) for p in self.state.problems.values())
            ready = {"notes": len(self.state.notes), "checked": len(self.state.problems), "problems": problems}
        self._emit("ready", {**ready, "seconds": round(time.perf_counter() - started, 3)})
        for warning in self.state.warnings:
            log.warning("%s", warning)
        while True:
            if self._screening and not self.state.screened and not self.debouncer.waiting():
                self._screen()
                continue
            batch = self.debouncer.take()
            if batch is None:
                return
            try:
                with self._busy:
                    self._process(batch)
            except Exception:
                if self._stopping:
                    return
                self.counters["errors"] += 1
                log.exception("processing %s failed; reloading the vault", ", ".join(batch.paths[:5]))
                try:
                    with self._busy:
                        self._reload()
                except Exception:
                    log.exception("reloading %s failed; the diagnostics may be stale", self.root)

    def _screen(self) -> None:
        """Screen a few notes while no batch is due (:meth:`VaultState.screen_some`); a
        screen that fails is logged once and left: batches screen the notes they check."""
        with self._busy:
            try:
                self.state.screen_some()
            except Exception:  # errors never end the daemon
                log.exception("screening the notes of %s for damaged text failed", self.root)
                self._screening = False

    def _process(self, batch: Batch) -> None:
        self.counters["batches"] += 1
        if any(p in SETTINGS_FILES or p in CONFIG_FILES or p == RECHECK for p in batch.paths):
            self._reload()
            return
        update = self.state.apply(batch.paths, batch.moves)
        log.debug(
            "batch %s (moves %s): %d re-checked, renamed %s", batch.paths, batch.moves, update.rechecked, update.renamed
        )
        self._announce(update)
        if self.options.fix and update.changed:
            self._fix_changed(update)
        if self.options.update_links and update.renamed:
            self._relink(update)

    def _reload(self) -> None:
        """Read the configuration and the whole vault again (settings changed, or a bug)."""
        config, active = self.state.config, self.state.active
        if self._reconfigure is not None:
            try:
                config, active = self._reconfigure()
            except (ConfigError, PluginError) as exc:
                log.error("configuration not reloaded: %s", exc)
        fresh = VaultState(self.root, config, active, self.targets)
        fresh.load(self.options.jobs, cancel=lambda: self._stopping)
        old = self.state
        fresh.generation = old.generation + 1
        update = Update(generation=fresh.generation)
        with old.lock:
            for rel, problems in fresh.problems.items():
                if old.problems.get(rel) != problems:
                    update.problems[rel] = problems
            update.removed = sorted(set(old.problems) - set(fresh.problems))
            self.state = fresh
        self._screening = True
        gc.freeze()
        self._emit("reload", {"generation": update.generation, "notes": len(fresh.notes)})
        self._announce(update)

    # -- announcing ----------------------------------------------------------------------

    def _emit(self, name: str, data: dict[str, Any], generation: int | None = None) -> None:
        self.hub.publish(Event(name, data, generation))
        try:
            self._report(name, data)
        except OSError as exc:  # stdout went away (a plugin that stopped reading): keep serving
            log.warning("cannot print events any more (%s); the API still serves them", exc)
            self._report = lambda kind, data: None

    def _announce(self, update: Update) -> None:
        generation = update.generation
        index = self.state.index
        for old, new in update.renamed:
            self._emit("renamed", {"generation": generation, "from": old, "to": new}, generation)
        for rel in update.removed:
            self._emit("removed", {"generation": generation, "path": rel}, generation)
        for rel, problems in update.problems.items():
            data = {"generation": generation, "path": rel, "problems": [problem_dict(p, index) for p in problems]}
            self._emit("diagnostics", data, generation)

    # -- writing -------------------------------------------------------------------------

    def _write(self, planned: Mapping[str, tuple[bytes, bytes, list[dict[str, Any]]]], kind: str) -> list[str]:
        """Write in one transaction (journal, compare-and-swap); the paths written."""
        if not planned:
            return []
        written = []
        try:
            with Transaction(self.root, before_write=self.state.expect) as tx:
                outcomes = tx.write_all((rel, old, new) for rel, (old, new, _) in planned.items())
        except NotWritten as exc:
            log.error("%s", exc)
            return []
        for outcome in outcomes:
            if outcome.state == WRITTEN:
                written.append(outcome.rel)
                self.counters[kind] += 1
                self._emit(kind, {"path": outcome.rel, "changes": planned[outcome.rel][2]})
            else:
                log.warning("%s: %s", outcome.rel, outcome.reason)
        if written:
            self._announce(self.state.apply(written))
        return written

    def _fix_changed(self, update: Update) -> None:
        """Apply the safe fixes of the notes someone else just changed (never our own writes).

        A note that comes back with exactly the bytes a fix was made from -- the user undid
        it, ``vaultkit undo`` ran, or an editor wrote its stale buffer back -- is left alone:
        fixing it again would start a tug of war.
        """
        state = self.state
        planned = {}
        for rel, data in update.changed.items():
            problems = state.problems.get(rel)
            if not problems or not any(p.fix is not None and allowed(p.fix, False) for p in problems):
                continue
            digest = digest_of(data)
            if digest in self._fixed_from.get(rel, ()):
                log.info("%s: a fix of this text was undone; not fixing it again", rel)
                continue
            result = fix_note(state.notes[rel], state.index, state.active, False, data, problems)
            if result.error:
                log.warning("%s: %s", rel, result.error)
            if result.changed:
                planned[rel] = (data, result.data, _applied(result.applied))
        for rel in self._write(planned, "fix"):
            undone = self._fixed_from.setdefault(rel, deque(maxlen=FIXED_FROM))
            undone.append(digest_of(planned[rel][0]))

    def _relink(self, update: Update) -> None:
        """Rewrite the links to files that were renamed or moved outside Obsidian."""
        assert update.before is not None
        state = self.state
        planned = {}
        for rewrite in rewrites(update.renamed, update.before, state.index, state.linking_to):
            note = state.notes.get(rewrite.path) or state.documents[rewrite.path]  # a note, or a canvas
            data = read_file(str(self.root), rewrite.path, state.config.max_file_size)
            if not isinstance(data, bytes) or digest_of(data) != note.digest:
                log.warning("%s: changed while its links were being updated; left as it is", rewrite.path)
                continue
            try:
                new = encode(apply_edits(note.text, rewrite.edits, note.decoded.newline), note.decoded, data)
            except Unwritable as exc:
                log.warning("%s: links not updated: %s", rewrite.path, exc)
                continue
            what = [{"from": old, "to": new_path} for old, new_path in rewrite.moved]
            planned[rewrite.path] = (data, new, what)
        self._write(planned, "relink")

    # -- the API backend -----------------------------------------------------------------

    def ready(self) -> bool:
        return self._ready.is_set()

    def health(self) -> dict[str, Any]:
        return {"ok": self.failed is None, "ready": self._ready.is_set(), "version": __version__, "api": API_VERSION}

    def status(self) -> dict[str, Any]:
        state = self.state
        with state.lock:
            severities = Counter(p.severity.value for problems in state.problems.values() for p in problems)
            return {
                "vault": str(self.root),
                "version": __version__,
                "api": API_VERSION,
                "ready": self._ready.is_set(),
                "error": self.failed,
                "generation": state.generation,
                "notes": len(state.notes),
                "checked": len(state.problems),
                "files": len(state.files),
                "problems": sum(severities.values()),
                "severities": dict(severities),
                "pending": self.debouncer.pending(),
                "last_event": self.last_event,
                "started": self.started,
                "fix": self.options.fix,
                "update_links": self.options.update_links,
                "polling": self.options.polling,
                "debounce": self.options.debounce,
                "counters": dict(self.counters),
            }

    def recheck(self) -> None:
        """Queue a full re-read of the configuration and the vault (the plugin's "re-check the
        vault" command): on the worker, like a settings change, so it never races a batch."""
        self.debouncer.add(RECHECK)

    def diagnostics(self, rel: str | None) -> dict[str, Any]:
        """The problems of the vault or of one note (raises NotReady, NotFound)."""
        if not self._ready.is_set():
            raise NotReady("the first check is still running")
        state = self.state
        with state.lock:
            index = state.index
            if rel is None:
                problems = [p for found in state.problems.values() for p in found]
                problems.sort(key=attrgetter("order"))
                return {
                    "generation": state.generation,
                    "ready": True,
                    "problems": [problem_dict(p, index) for p in problems],
                }
            found = state.problems.get(rel)
            if found is None and rel in state.files and rel not in state.notes and state.reported(rel):
                found = []  # an attachment, canvas or base without findings (vault-scope rules)
            if found is None:
                raise NotFound(f"{rel} is not a checked file of this vault")
            return {
                "generation": state.generation,
                "ready": True,
                "path": rel,
                "problems": [problem_dict(p, index) for p in found],
            }

    def fix(self, rel: str, apply: bool, unsafe: bool, problem: dict[str, Any] | None = None) -> dict[str, Any]:
        """Fix one note: all its fixes, or -- a quick fix in the editor -- only the fix of the
        ``problem`` named by code and start, in one pass, so nothing else in the note changes."""
        if not self._ready.is_set():
            raise NotReady("the first check is still running")
        with self._busy:
            state = self.state
            note = state.notes.get(rel)
            if note is None or rel not in state.problems:
                raise NotFound(f"{rel} is not a checked note of this vault")
            data = read_file(str(self.root), rel, state.config.max_file_size)
            if not isinstance(data, bytes) or digest_of(data) != note.digest:
                raise Changed(f"{rel} changed on disk; try again in a moment")
            chosen, passes = state.problems[rel], MAX_PASSES
            if problem is not None:
                key = (problem["code"], problem["line"], problem["column"])
                chosen = [p for p in chosen if (p.code, p.line, p.column) == key and p.fix is not None][:1]
                if not chosen:
                    message = f"{rel} has no fixable {key[0]} at {key[1]}:{key[2]} now; its problems changed"
                    raise Stale(message)
                passes = 1
            result = fix_note(note, state.index, state.active, unsafe, data, chosen, passes)
            diff = patch(rel, result)
            payload: dict[str, Any] = {
                "path": rel,
                "ready": True,
                "changed": result.changed,
                "applied": False,
                "diff": diff,
                "text": result.text,
                "fixes": _applied(result.applied),
                "remaining": [problem_dict(p) for p in result.remaining],
                "error": result.error,
            }
            if apply and result.changed:
                if not self._write({rel: (data, result.data, payload["fixes"])}, "fix"):
                    raise Changed(f"{rel} changed on disk; nothing written")
                payload["applied"] = True
            return payload

    def rules(self) -> list[dict[str, Any]]:
        active = {a.rule.name: a for a in self.state.active}
        return [
            {
                "code": rule.code,
                "name": rule.name,
                "summary": rule.summary,
                "active": rule.name in active,
                "severity": (active[rule.name].severity if rule.name in active else rule.severity).value,
                "fixable": rule.fixable,
            }
            for rule in sorted(self._installed().values(), key=lambda r: r.code)
        ]

    def rule(self, name: str) -> dict[str, Any] | None:
        found = find_rule(self._installed(), name)
        if found is None:
            return None
        return {"code": found.code, "name": found.name, "summary": found.summary, "documentation": found.manual}

    def _installed(self) -> dict[str, Rule]:
        """Every installed rule (off ones too: the plugin documents any rule it is asked about),
        plus the active ones, which a plugin-free test run may have given directly."""
        if self._rules is None:
            try:
                installed = load_rules()
            except PluginError as exc:
                log.warning("rule documentation limited to the active rules: %s", exc)
                installed = {}
            self._rules = {**installed, **{a.rule.name: a.rule for a in self.state.active}}
        return self._rules
