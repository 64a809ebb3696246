"""The daemon's files in the vault's private ``.vaultkit/`` folder: lock, token, discovery.

* ``watch.lock`` -- one daemon per vault: a :class:`~vaultkit.vault.statedir.FileLock` held
  for the daemon's life (the kernel releases it when the process dies, so a crash never
  leaves a stale lock).  The file stays; it holds the owner's pid for the error message of a
  second daemon.  (Writing notes takes the separate write lock, for the length of a write.)
* ``watch-token`` -- the bearer token of the plugin API: 32 random bytes, created on first
  start with owner-only permissions (0600) and kept across restarts, so the plugin is set up
  once.  A token that others could ever read, one that is too short to be a secret, or a
  symlink in its place is replaced by a new token -- never chmod-ed or read through.
* ``watch.json`` -- where the running daemon listens (pid, URL, version), for the plugin to
  find it; written when the server is up, removed on a clean shutdown.

:mod:`vaultkit.vault.statedir` refuses a ``.vaultkit`` that is a symlink and keeps it 0700.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from pathlib import Path
from typing import Any

from vaultkit.vault.atomic import replace_file
from vaultkit.vault.statedir import PRIVATE_FILE, STATE_DIR, Busy, FileLock, read_private, state_dir

LOCK, TOKEN, DISCOVERY = "watch.lock", "watch-token", "watch.json"
TOKEN_BYTES = 32


class AlreadyRunning(Busy):
    """Another daemon holds the vault's lock."""


class Runtime:
    """The lock, token and discovery file of one vault's daemon."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = Path(root) / STATE_DIR  # checked (or refused) at each use: statedir.state_dir
        self._lock = FileLock(root, LOCK, "another `vaultkit watch` is running")

    def lock(self) -> None:
        """Take the vault's daemon lock; raises :class:`AlreadyRunning` when it is taken."""
        state_dir(self.root)
        try:
            self._lock.acquire()
        except Busy as exc:
            raise AlreadyRunning(str(exc)) from exc

    def token(self) -> str:
        """The API token, created on first use (0600); replaced if others could read it."""
        folder = state_dir(self.root)
        found = read_private(folder / TOKEN)
        token = ""
        if found is not None and not found[1] & ~PRIVATE_FILE & 0o777:
            with contextlib.suppress(UnicodeDecodeError):
                token = found[0].decode("ascii").strip()
        if len(token) < 32:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            replace_file(folder, TOKEN, token.encode("ascii") + b"\n")
        return token

    def publish(self, info: dict[str, Any]) -> None:
        """Tell clients where the daemon listens."""
        replace_file(state_dir(self.root), DISCOVERY, json.dumps(info, indent=1).encode())

    def release(self) -> None:
        """Remove the discovery file and give up the lock (a clean shutdown)."""
        with contextlib.suppress(OSError):
            (self.folder / DISCOVERY).unlink()
        self._lock.release()
