"""The one write transaction: how every front of vaultkit changes notes on disk.

``vaultkit fix``, ``vaultkit watch --fix`` / ``--update-links``, the plugin's ``POST /v1/fix``
and any later front (an editor's fix-all) write through it, so they all get the same
guarantees::

    with Transaction(root) as tx:
        outcome = tx.write("Folder/Note.md", bytes_read, fixed_bytes)

* one writer at a time: the vault's write lock (:func:`~vaultkit.fix.journal.write_lock`) is
  held from ``__enter__`` to ``__exit__``, so runs never interleave and ``vaultkit undo``
  steps back through them in order;
* no journal, no write: the originals are journalled durably before the first byte of a
  batch is written, and when that fails nothing is written (:class:`NotWritten`);
* compare-and-swap: a file is replaced only if it still holds the bytes that were read, and
  what was replaced is exactly what the journal holds (:func:`~vaultkit.fix.writer.write_atomic`);
* the temporary files a killed writer left in the folders written are swept first;
* ``before_write`` hears of each write before it happens (the daemon notes the hash, to know
  its own write when the file-system event comes back);
* on exit the journal marks what was written; a run that wrote nothing leaves the undo
  history as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from vaultkit.fix.journal import LOCK_WAIT, SKIPPED, WRITTEN, Journal, write_lock
from vaultkit.fix.writer import write_atomic
from vaultkit.vault.atomic import sweep_temp_files, sync_folder
from vaultkit.vault.statedir import Busy

FAILED = "failed"
WRITE_THREADS = 8
CHANGED = "changed on disk while it was being fixed (by Obsidian or a sync?); left as it is"

log = logging.getLogger("vaultkit.fix")


class NotWritten(OSError):
    """Nothing was written: the vault is locked by another writer, or no journal can be kept."""


@dataclass(frozen=True)
class Outcome:
    """What became of one file: ``written``, ``skipped`` (changed meanwhile) or ``failed``."""

    rel: str
    state: str
    reason: str = ""


class Transaction:
    """One run's writes to one vault (a context manager; see the module docstring)."""

    def __init__(
        self,
        root: Path,
        wait: float | None = LOCK_WAIT,
        before_write: Callable[[str, bytes], None] | None = None,
        threads: int = WRITE_THREADS,
    ) -> None:
        self.root = Path(root)
        self.wait = wait
        self.before_write = before_write
        self.threads = threads
        self.journal: Journal | None = None
        self.errors: list[str] = []
        self._lock = write_lock(self.root)
        self._states: dict[str, str] = {}
        self._swept: set[Path] = set()

    def __enter__(self) -> Transaction:
        try:
            self._lock.acquire(self.wait)
        except Busy as exc:
            raise NotWritten(f"nothing written: {exc}") from exc
        except OSError as exc:
            raise NotWritten(
                f"nothing written: cannot keep the undo journal in {self.root / '.vaultkit'}: {exc}"
            ) from exc
        self.journal = Journal.start(self.root)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            for folder in self._swept:
                sync_folder(folder)
            if self.journal is not None and self._states:
                self.journal.mark(self._states)
                self.journal.finish()
        except OSError as error:  # the run is journalled as planned: undo still works
            self.errors.append(f"cannot record what was written in the undo journal: {error}")
            log.warning("%s", self.errors[-1])
        finally:
            self._lock.release()

    def write(self, rel: str, expected: bytes, new: bytes) -> Outcome:
        """Write one file (see :meth:`write_all`)."""
        return self.write_all([(rel, expected, new)])[0]

    def write_all(self, items: Iterable[tuple[str, bytes, bytes]]) -> list[Outcome]:
        """Journal, then write each ``(vault-relative path, bytes read, new bytes)``.

        Writes run on a few threads: each file is fsynced before its swap, and fsyncs issued
        together share the file system's journal commits (13x faster on ext4 for 600 notes);
        folders are fsynced once, on exit.  Raises :class:`NotWritten` -- having written
        nothing -- when the originals cannot be journalled."""
        assert self.journal is not None, "use the transaction in a with block"
        batch = list(items)
        if not batch:
            return []
        try:
            self.journal.record({rel: (old, new) for rel, old, new in batch})
        except OSError as exc:
            where = self.root / ".vaultkit"
            raise NotWritten(f"nothing written: cannot keep the undo journal in {where}: {exc}") from exc
        for folder in {(self.root / rel).parent for rel, _, _ in batch} - self._swept:
            sweep_temp_files(folder)
            self._swept.add(folder)
        if len(batch) == 1 or self.threads <= 1:
            outcomes = [self._write(*item) for item in batch]
        else:
            with ThreadPoolExecutor(min(self.threads, len(batch))) as pool:
                outcomes = list(pool.map(lambda item: self._write(*item), batch))
        for outcome in outcomes:
            if outcome.state == WRITTEN or outcome.rel not in self._states:
                self._states[outcome.rel] = WRITTEN if outcome.state == WRITTEN else SKIPPED
        return outcomes

    def _write(self, rel: str, expected: bytes, new: bytes) -> Outcome:
        if self.before_write is not None:
            self.before_write(rel, new)
        try:
            if write_atomic(self.root / rel, new, expected, self.root, sync_dir=False):
                return Outcome(rel, WRITTEN)
            return Outcome(rel, SKIPPED, CHANGED)
        except OSError as exc:
            return Outcome(rel, FAILED, f"not written: {exc}")
