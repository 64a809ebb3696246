"""Keep the original bytes of every file a fix run changes, so ``vaultkit undo`` can restore them.

Layout, under the vault's own state folder ``.vaultkit/`` (which carries a ``.gitignore``
of ``*`` so it never reaches a repository)::

    .vaultkit/undo/last                id of the last run (replaced atomically)
    .vaultkit/undo/<id>/run.json       per file: path, where its original is in originals.bin,
                                       sha256 of the original and of the fixed bytes, state
    .vaultkit/undo/<id>/originals.bin  the original bytes of every file, one after the other

A run's journal is complete and fsynced *before* its first write, so a run killed at any
moment can still be undone.  Undo restores a file only when it still holds exactly the bytes
the run wrote; a file changed since (or deleted) is refused, by name, and kept in the journal.
Only the last run is kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vaultkit.fix.writer import sweep_temp_files, sync_folder, write_atomic
from vaultkit.vault.files import STATE_DIR, state_dir
from vaultkit.vault.files import write_durably as _write_durably

BLOBS = "originals.bin"
PLANNED, WRITTEN, SKIPPED = "planned", "written", "skipped"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Entry:
    path: str  # vault-relative
    offset: int  # where its original bytes start in originals.bin
    size: int
    original: str  # sha256
    fixed: str  # sha256
    state: str = PLANNED


class Journal:
    """The journal of one run: create with :meth:`begin`, then :meth:`mark` what was written."""

    def __init__(self, folder: Path, entries: dict[str, Entry], created: str):
        self.folder = folder
        self.entries = entries
        self.created = created

    @classmethod
    def begin(cls, root: Path, changes: Mapping[str, tuple[bytes, bytes]]) -> Journal:
        """Record ``path -> (original bytes, fixed bytes)`` durably and make it the last run."""
        undo = state_dir(root) / "undo"
        undo.mkdir(exist_ok=True)
        run_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{secrets.token_hex(2)}"
        folder = undo / run_id
        folder.mkdir()
        entries, offset = {}, 0
        with open(folder / BLOBS, "wb") as blobs:  # one file, one fsync, however many notes
            for rel, (original, fixed) in sorted(changes.items()):
                blobs.write(original)
                entries[rel] = Entry(rel, offset, len(original), sha256(original), sha256(fixed))
                offset += len(original)
            blobs.flush()
            os.fsync(blobs.fileno())
        journal = cls(folder, entries, dt.datetime.now().astimezone().isoformat(timespec="seconds"))
        journal.save()
        sync_folder(folder)
        _write_durably(undo / "last", run_id.encode())
        sync_folder(undo)
        for old in undo.iterdir():  # only the last run is kept
            if old.is_dir() and old.name != run_id:
                shutil.rmtree(old, ignore_errors=True)
        return journal

    def save(self) -> None:
        data = {"created": self.created, "files": [vars(e) for e in self.entries.values()]}
        _write_durably(self.folder / "run.json", json.dumps(data, ensure_ascii=False, indent=1).encode())

    def mark(self, states: Mapping[str, str]) -> None:
        """Record which files were written (or skipped) once the run is over."""
        for rel, state in states.items():
            self.entries[rel].state = state
        self.save()

    @classmethod
    def last(cls, root: Path) -> Journal | None:
        undo = Path(root) / STATE_DIR / "undo"
        try:
            folder = undo / (undo / "last").read_text().strip()
            data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        entries = {f["path"]: Entry(**f) for f in data["files"]}
        return cls(folder, entries, data["created"])

    def original(self, entry: Entry) -> bytes:
        with open(self.folder / BLOBS, "rb") as blobs:
            blobs.seek(entry.offset)
            return blobs.read(entry.size)

    def forget(self) -> None:
        """Drop this run's journal (after a complete undo)."""
        undo = self.folder.parent
        with contextlib.suppress(OSError):
            (undo / "last").unlink()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Restored:
    path: str
    status: str  # "restored" | "unchanged" | "refused"
    reason: str = ""


def undo(root: Path) -> tuple[Journal | None, list[Restored]]:
    """Restore the files of the last run; per file, refuse when it changed since the run."""
    journal = Journal.last(root)
    if journal is None:
        return None, []
    for folder in {(Path(root) / entry.path).parent for entry in journal.entries.values()}:
        sweep_temp_files(folder)  # what a killed run left behind
    results = [_restore(root, journal, entry) for entry in journal.entries.values() if entry.state != SKIPPED]
    refused = {r.path for r in results if r.status == "refused"}
    if refused:
        journal.entries = {k: v for k, v in journal.entries.items() if k in refused}
        journal.save()
    else:
        journal.forget()
    return journal, results


def _restore(root: Path, journal: Journal, entry: Entry) -> Restored:
    path = Path(root) / entry.path
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        return Restored(entry.path, "refused", "deleted since the fix")
    except OSError as exc:
        return Restored(entry.path, "refused", f"cannot read: {exc.strerror}")
    digest = sha256(current)
    if digest == entry.original:
        return Restored(entry.path, "unchanged")
    if digest != entry.fixed:
        where = f"{journal.folder / BLOBS} at byte {entry.offset}, {entry.size} bytes"
        return Restored(entry.path, "refused", f"changed since the fix (its original is kept in {where})")
    original = journal.original(entry)
    if sha256(original) != entry.original:
        return Restored(entry.path, "refused", "its original in the journal is damaged")
    try:
        if write_atomic(path, original, current, root):
            return Restored(entry.path, "restored")
    except OSError as exc:
        return Restored(entry.path, "refused", str(exc))
    return Restored(entry.path, "refused", "changed while restoring it")
