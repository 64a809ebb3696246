"""The daemon's files in the vault's ``.vaultkit/`` folder: lock, token, discovery.

* ``watch.lock`` -- one daemon per vault.  An exclusive ``flock`` (``msvcrt.locking`` on
  Windows) held for the daemon's life; the kernel releases it when the process dies, so a
  crash never leaves a stale lock behind.  The file itself stays (removing a lock file is
  racy); it holds the owner's pid for the error message of a second daemon.
* ``watch-token`` -- the bearer token of the plugin API: 32 random bytes, created on first
  start with owner-only permissions (0600) and kept across restarts, so the plugin is set up
  once.  A token file that others may read is tightened, and a new token replaces one that
  is too short to be a secret.
* ``watch.json`` -- where the running daemon listens (pid, URL, version), for the plugin to
  find it; written when the server is up, removed on a clean shutdown.

``.vaultkit/`` carries a ``.gitignore`` of ``*`` (:func:`vaultkit.vault.files.state_dir`), so
none of this reaches a repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import sys
from pathlib import Path
from typing import Any

from vaultkit.vault.files import state_dir

LOCK, TOKEN, DISCOVERY = "watch.lock", "watch-token", "watch.json"
TOKEN_BYTES = 32


_HELD: list[int] = []  # the lock's descriptor, while this process holds it


def _forget_lock_in_child() -> None:
    """A forked worker process (the first check's pool) must not keep the lock alive after
    the daemon exits: flock belongs to the open file, which fork shares."""
    while _HELD:
        with contextlib.suppress(OSError):
            os.close(_HELD.pop())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_lock_in_child)


class AlreadyRunning(RuntimeError):
    """Another daemon holds the vault's lock."""


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


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, replacing it atomically."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class Runtime:
    """The lock, token and discovery file of one vault's daemon."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = state_dir(root)
        self._lock_fd: int | None = None

    def lock(self) -> None:
        """Take the vault's daemon lock; raises :class:`AlreadyRunning` when it is taken."""
        fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            owner = os.read(fd, 64).decode("ascii", "replace").strip()
            os.close(fd)
            where = f" (pid {owner})" if owner.isdigit() else ""
            raise AlreadyRunning(f"another `vaultkit watch` is running on {self.root}{where}")
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd
        _HELD.append(fd)

    def token(self) -> str:
        """The API token, created on first use (0600); tightened if others could read it."""
        path = self.folder / TOKEN
        try:
            info = path.stat()
            token = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            token = ""
        else:
            if stat.S_IMODE(info.st_mode) & 0o077:
                os.chmod(path, 0o600)
        if len(token) < 32:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            _write_private(path, token.encode("ascii") + b"\n")
        return token

    def publish(self, info: dict[str, Any]) -> None:
        """Tell clients where the daemon listens."""
        _write_private(self.folder / DISCOVERY, json.dumps(info, indent=1).encode())

    def release(self) -> None:
        """Remove the discovery file and give up the lock (a clean shutdown)."""
        with contextlib.suppress(OSError):
            (self.folder / DISCOVERY).unlink()
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock_fd, 0)
            if self._lock_fd in _HELD:
                _HELD.remove(self._lock_fd)
            os.close(self._lock_fd)
            self._lock_fd = None
