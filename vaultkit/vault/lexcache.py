"""The per-user folder of compiled lexicons: word lists compiled once per machine, not per process.

The language model (:mod:`vaultkit.text.encoding.langmodel`) compiles wordfreq's lists into
flat arrays (:mod:`vaultkit.text.encoding.lexstore`); this store keeps each compiled file in
``$VAULTKIT_LEXICON_DIR``, else in ``lexicons/`` of vaultkit's per-user cache folder,
``$XDG_CACHE_HOME/vaultkit`` or ``~/.cache/vaultkit`` (the XDG base directory
specification's cache folder: :func:`user_cache`).  A later process maps
the file (``mmap``, read-only): loading takes milliseconds, and processes that map the same
file share its pages instead of each holding a copy.

Nothing found there is trusted.  The file name carries what it was compiled from (the format
version, wordfreq's version, the source list's size and modification time), the file repeats
it inside, and a checksum covers it: a truncated, corrupt or foreign file is compiled again and
replaced.  A file compiled from other data (an older wordfreq, an older format) is removed once
it has gone unrewritten for :data:`STALE_DAYS`: two installs with different wordfreq versions
on one machine (a project's virtualenv and a pre-commit environment) each keep their own file
instead of deleting each other's and compiling on every run.  Files are written with :func:`vaultkit.vault.atomic.replace_file`, so a
reader sees a whole old file or a whole new one.  Two processes that need the same lexicon at
once (the workers of a forked check) take turns on a lock file, so the second maps what the
first compiled instead of compiling it too.  A folder that cannot be made, locked or written
(read-only home, full disk) only costs speed: the lexicon is compiled in memory, as without
a store.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from vaultkit.vault.atomic import replace_file
from vaultkit.vault.statedir import FileLock

_T = TypeVar("_T")

ENV = "VAULTKIT_LEXICON_DIR"
SUFFIX = ".vkl"
LOCK_WAIT = 30.0  # seconds to wait for another process compiling the same lexicon
STALE_DAYS = 30  # a sibling compiled from other data and not rewritten for this long is removed
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def user_cache() -> Path:
    """vaultkit's per-user cache folder (not created here)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vaultkit"


def lexicon_folder() -> Path:
    """Where compiled lexicons are kept: ``$VAULTKIT_LEXICON_DIR``, else the user's cache."""
    return Path(os.environ.get(ENV) or user_cache() / "lexicons")


def _own_folder(folder: Path) -> None:
    """Create ``folder`` (0700) if needed; raise OSError unless it is a real folder of ours
    that no one else may write to (another user could plant a lexicon that steers repairs)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(folder)
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_mode & 0o022
        or (hasattr(os, "geteuid") and info.st_uid != os.geteuid())
    ):
        raise OSError(f"{folder} is not a folder of this user's only")


def _mapped(path: Path) -> memoryview | None:
    """The bytes of the regular file ``path``, mapped read-only; None when it is missing,
    empty, a symlink, someone else's or unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
            return None
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            return None
        return memoryview(mmap.mmap(fd, 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


class LexiconCache:
    """A :class:`vaultkit.text.encoding.lexstore.Store` in a folder of the user's cache."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or lexicon_folder()

    def compiled(self, name: str, build: Callable[[], bytes], read: Callable[[memoryview], _T]) -> _T:
        """``read`` of the stored file ``name``, else of what ``build`` compiles (then stored)."""
        found = self._read(name, read)
        if found is not None:
            return found
        family = name.rpartition("-")[0]
        try:
            _own_folder(self.folder)
            lock = FileLock(self.folder, f"{family}.lock", "a vaultkit process compiling a lexicon", self.folder)
            lock.acquire(wait=LOCK_WAIT)
        except OSError:  # no folder of ours, or the lock never came: compile here, store nothing
            return read(memoryview(build()))
        try:
            found = self._read(name, read)  # the process that held the lock may have stored it
            if found is not None:
                return found
            data = build()
            with contextlib.suppress(OSError):
                replace_file(self.folder, name, data, mode=0o600)
                self._forget_others(name)
            return read(memoryview(data))
        finally:
            lock.release()

    def _read(self, name: str, read: Callable[[memoryview], _T]) -> _T | None:
        from vaultkit.text.encoding.lexstore import StoreError  # (here: the check cache needs only user_cache)

        buffer = _mapped(self.folder / name)
        if buffer is None:
            return None
        try:
            return read(buffer)
        except StoreError:
            return None

    def _forget_others(self, name: str) -> None:
        """Remove the stale files an older wordfreq or format left for the same lexicon: the
        name up to its last ``-`` says which lexicon, the rest (a hash of fixed length) what it
        was compiled from.  Only files older than :data:`STALE_DAYS` go, so that an install
        still using another wordfreq keeps its file (it rewrites it when it next compiles)."""
        family = name.rpartition("-")[0] + "-"
        cutoff = time.time() - STALE_DAYS * 86400
        with contextlib.suppress(OSError):
            for other in os.listdir(self.folder):
                if other != name and len(other) == len(name) and other.startswith(family) and other.endswith(SUFFIX):
                    with contextlib.suppress(OSError):
                        if os.lstat(self.folder / other).st_mtime < cutoff:
                            os.unlink(self.folder / other)


def install() -> None:
    """Give the language model this store (from the user's environment as it is now)."""
    from vaultkit.text.encoding import langmodel  # (here: what only needs the folder does not load the model)

    langmodel.use_store(LexiconCache())
