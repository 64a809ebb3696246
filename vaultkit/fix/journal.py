"""Keep the original bytes of every file a run changes, so ``vaultkit undo`` can restore them.

Layout, under the vault's private state folder ``.vaultkit/``
(:mod:`vaultkit.vault.statedir`: folders 0700, files 0600, symlinks refused -- the journal
holds the text of private notes)::

    .vaultkit/write.lock               held by whoever writes notes or the journal
    .vaultkit/undo/history             the runs, oldest first, one id a line (replaced atomically)
    .vaultkit/undo/<id>/run.json       per file: path, where its original is in originals.bin,
                                       content hash of the original and of the fixed bytes, state
    .vaultkit/undo/<id>/originals.bin  the original bytes of every file, one after the other

Every writer of a vault -- ``vaultkit fix``, ``watch --fix``, the plugin's fix, any later
front -- goes through :class:`vaultkit.fix.transaction.Transaction`, which holds the write
lock for the whole run, so runs never interleave and the history is in the order the files
were written.  A run's originals are complete and fsynced *before* its first write, so a run
killed at any moment can still be undone; a run that wrote nothing leaves the history as it
was.  Each ``vaultkit undo`` steps back one run: it restores a file only when it still holds
exactly the bytes the run wrote; a file changed since (or deleted) is refused, by name, and
stays in the journal.  The last :data:`KEEP_RUNS` runs are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from vaultkit.fix.writer import write_atomic
from vaultkit.read.parse import digest_of
from vaultkit.vault.atomic import replace_file, sweep_temp_files, sync_folder
from vaultkit.vault.statedir import PRIVATE_FILE, FileLock, private_dir, read_private, state_dir

BLOBS, RUN, HISTORY = "originals.bin", "run.json", "history"
WRITE_LOCK = "write.lock"
LOCK_WAIT = 60.0  # seconds a writer waits for another one to finish
KEEP_RUNS = 20
RESTORE_THREADS = 8
PLANNED, WRITTEN, SKIPPED = "planned", "written", "skipped"


def write_lock(root: Path) -> FileLock:
    """The one lock every writer of the vault's notes and journal takes."""
    return FileLock(root, WRITE_LOCK, "another vaultkit process is writing")


def _undo_dir(root: Path) -> Path:
    return private_dir(state_dir(root) / "undo")


def history(root: Path) -> list[str]:
    """The ids of the runs that can be undone, oldest first."""
    found = read_private(Path(root) / ".vaultkit" / "undo" / HISTORY)
    return found[0].decode("ascii", "replace").split() if found else []


def _save_history(undo: Path, runs: list[str]) -> None:
    replace_file(undo, HISTORY, "".join(f"{run}\n" for run in runs).encode("ascii"))


@dataclass
class Entry:
    path: str  # vault-relative
    offset: int  # where its original bytes start in originals.bin
    size: int
    original: str  # content hash (digest_of)
    fixed: str  # content hash of what the run wrote
    state: str = PLANNED


class Journal:
    """The journal of one run: :meth:`start`, :meth:`record` before writing, :meth:`mark`
    what was written, :meth:`finish`.  The caller holds :func:`write_lock`."""

    def __init__(self, root: Path, folder: Path, entries: dict[str, Entry], created: str) -> None:
        self.root = Path(root)
        self.folder = folder
        self.entries = entries
        self.created = created

    @classmethod
    def start(cls, root: Path) -> Journal:
        """A new run; nothing is on disk until its first :meth:`record`."""
        run_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}-{secrets.token_hex(2)}"
        created = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        return cls(root, Path(root) / ".vaultkit" / "undo" / run_id, {}, created)

    def record(self, changes: Mapping[str, tuple[bytes, bytes]]) -> None:
        """Keep ``path -> (original bytes, new bytes)`` durably; the first call puts the run
        on the history.  A file recorded again keeps its first original."""
        first = not self.entries
        if first:
            private_dir(_undo_dir(self.root) / self.folder.name)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        with os.fdopen(os.open(self.folder / BLOBS, flags, PRIVATE_FILE), "ab") as blobs:
            offset = os.fstat(blobs.fileno()).st_size
            for rel, (original, new) in sorted(changes.items()):
                if rel in self.entries:
                    self.entries[rel].fixed = digest_of(new)
                    continue
                blobs.write(original)
                self.entries[rel] = Entry(rel, offset, len(original), digest_of(original), digest_of(new))
                offset += len(original)
            blobs.flush()
            os.fsync(blobs.fileno())
        self.save()
        if first:
            sync_folder(self.folder)
            undo = self.folder.parent
            runs = [*history(self.root), self.folder.name]
            _save_history(undo, runs[-KEEP_RUNS:])
            for old in runs[:-KEEP_RUNS]:
                shutil.rmtree(undo / old, ignore_errors=True)

    def save(self) -> None:
        # ASCII JSON: a file name that is not UTF-8 (a lone surrogate here) round-trips.
        data = {"created": self.created, "files": [vars(e) for e in self.entries.values()]}
        replace_file(self.folder, RUN, json.dumps(data, indent=1).encode("ascii"))

    def mark(self, states: Mapping[str, str]) -> None:
        """Record which files were written (or skipped)."""
        for rel, state in states.items():
            self.entries[rel].state = state
        self.save()

    def finish(self) -> None:
        """End the run: a run that wrote nothing leaves the history as it was."""
        if self.entries and not any(e.state == WRITTEN for e in self.entries.values()):
            self.forget()

    @classmethod
    def last(cls, root: Path) -> Journal | None:
        """The newest run of the history."""
        runs = history(root)
        if not runs:
            return None
        folder = Path(root) / ".vaultkit" / "undo" / runs[-1]
        found = read_private(folder / RUN)
        try:
            data = json.loads(found[0]) if found else None
            entries = {f["path"]: Entry(**f) for f in data["files"]} if data else None
        except (ValueError, TypeError, KeyError):
            entries = None
        if data is None or entries is None:  # damaged or gone: step over it rather than stick
            return cls(root, folder, {}, "an unreadable run")
        return cls(root, folder, entries, data["created"])

    def original(self, entry: Entry) -> bytes:
        with open(self.folder / BLOBS, "rb") as blobs:
            blobs.seek(entry.offset)
            return blobs.read(entry.size)

    def forget(self) -> None:
        """Take this run off the history and drop its journal."""
        undo = self.folder.parent
        runs = history(self.root)
        if self.folder.name in runs:
            runs.remove(self.folder.name)
            _save_history(undo, runs)
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Restored:
    path: str
    status: str  # "restored" | "unchanged" | "refused"
    reason: str = ""


def undo(root: Path, wait: float = LOCK_WAIT) -> tuple[Journal | None, list[Restored]]:
    """Step back one run: restore its files, each only if unchanged since the run.

    Raises ``OSError`` (:class:`~vaultkit.vault.statedir.Busy`, an unsafe state folder)
    when the journal cannot be used."""
    lock = write_lock(root)
    lock.acquire(wait)
    try:
        journal = Journal.last(root)
        if journal is None:
            return None, []
        folders = {(Path(root) / entry.path).parent for entry in journal.entries.values()}
        for folder in folders:
            sweep_temp_files(folder)  # what a killed run left behind
        wanted = [e for e in journal.entries.values() if e.state != SKIPPED]
        with ThreadPoolExecutor(RESTORE_THREADS) as pool:  # fsyncs issued together share commits
            results = list(pool.map(lambda entry: _restore(root, journal, entry), wanted))
        for folder in folders:
            sync_folder(folder)
        refused = {r.path for r in results if r.status == "refused"}
        if refused:
            journal.entries = {k: v for k, v in journal.entries.items() if k in refused}
            journal.save()
        else:
            journal.forget()
        return journal, results
    finally:
        lock.release()


def _restore(root: Path, journal: Journal, entry: Entry) -> Restored:
    path = Path(root) / entry.path
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        return Restored(entry.path, "refused", "deleted since the fix")
    except OSError as exc:
        return Restored(entry.path, "refused", f"cannot read: {exc.strerror}")
    digest = digest_of(current)
    if digest == entry.original:
        return Restored(entry.path, "unchanged")
    if digest != entry.fixed:
        where = f"{journal.folder / BLOBS} at byte {entry.offset}, {entry.size} bytes"
        return Restored(entry.path, "refused", f"changed since the fix (its original is kept in {where})")
    original = journal.original(entry)
    if digest_of(original) != entry.original:
        return Restored(entry.path, "refused", "its original in the journal is damaged")
    try:
        if write_atomic(path, original, current, root, sync_dir=False):
            return Restored(entry.path, "restored")
    except OSError as exc:
        return Restored(entry.path, "refused", str(exc))
    return Restored(entry.path, "refused", "changed while restoring it")
