"""The vault's private state folder ``.vaultkit/``: undo journal, locks, the daemon's files.

What is kept there can be as private as the most private note (the journal holds the
original text of every note a fix changed), so the folder and everything in it are the
owner's only: folders 0700, files 0600.  Nothing found there is trusted:

* ``.vaultkit`` (or a folder under it) that is a symlink, not a folder, or not ours is
  refused -- following it would put the token, the locks and the journal wherever it points;
* files are created under a fresh name with ``O_EXCL | O_NOFOLLOW`` and renamed into place
  (:mod:`vaultkit.vault.atomic`), and read with ``O_NOFOLLOW``: a planted symlink is replaced,
  never written, read or chmod-ed through.

The folder carries a ``.gitignore`` of ``*``, so none of it reaches a repository.  Locks are
``flock`` locks on files here (``msvcrt.locking`` on Windows): the kernel releases them when
the process dies, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time
from pathlib import Path

from vaultkit.vault.atomic import replace_file

STATE_DIR = ".vaultkit"
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
LOCK_POLL = 0.02  # seconds between attempts while waiting for a lock


class UnsafeStateDir(OSError):
    """A state folder that is a symlink, not a folder, or someone else's."""


def private_dir(folder: Path) -> Path:
    """Create ``folder`` (0700) if needed, refuse it if it is not a real folder of ours, and
    take away what others may do in it."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, PRIVATE_DIR)
    info = os.lstat(folder)
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeStateDir(f"{folder} is a symlink; vaultkit keeps its private files only in a real folder")
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeStateDir(f"{folder} is not a folder")
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise UnsafeStateDir(f"{folder} belongs to another user (uid {info.st_uid})")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(folder, PRIVATE_DIR, follow_symlinks=False)
    return folder


def state_dir(root: Path) -> Path:
    """The vault's ``.vaultkit/`` folder, created (0700, with its ``.gitignore``) when missing."""
    folder = private_dir(Path(root) / STATE_DIR)
    if not os.path.lexists(folder / ".gitignore"):
        replace_file(folder, ".gitignore", b"# vaultkit's own state: undo journal, daemon files\n*\n")
    return folder


def read_private(path: Path) -> tuple[bytes, int] | None:
    """The bytes and mode of a state file; None when it is missing or is a symlink."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:  # missing, or a symlink (ELOOP)
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        return handle.read(), stat.S_IMODE(info.st_mode)


class Busy(OSError):
    """Another process holds the lock."""


_HELD: set[int] = set()  # descriptors of the locks this process holds


def _forget_locks_in_child() -> None:
    """A forked worker process must not keep a lock alive after its parent lets it go:
    ``flock`` belongs to the open file, which fork shares."""
    while _HELD:
        with contextlib.suppress(OSError):
            os.close(_HELD.pop())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class FileLock:
    """An exclusive lock on ``.vaultkit/<name>`` (or ``folder/<name>``, a folder outside a
    vault that the caller has vetted) that records its holder's pid."""

    def __init__(self, root: Path, name: str, what: str, folder: Path | None = None) -> None:
        self.root = Path(root)
        self.name = name
        self.what = what  # for the message: "another `vaultkit watch` is running"
        self.folder = folder
        self._fd: int | None = None

    def acquire(self, wait: float | None = 0.0) -> None:
        """Take the lock, waiting up to ``wait`` seconds (None: for ever); raises :class:`Busy`."""
        path = (self.folder or state_dir(self.root)) / self.name
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, PRIVATE_FILE)
        deadline = None if wait is None else time.monotonic() + wait
        while not _try_lock(fd):
            if deadline is not None and time.monotonic() >= deadline:
                os.lseek(fd, 0, os.SEEK_SET)
                owner = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                where = f" (pid {owner})" if owner.isdigit() else ""
                raise Busy(f"{self.what} on {self.root}{where}")
            time.sleep(LOCK_POLL)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        _HELD.add(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _HELD.discard(fd)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the last descriptor of the open file releases the lock
