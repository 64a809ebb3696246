"""The one way vaultkit puts bytes on disk: a temporary file, fsynced, then renamed.

A crash at any moment leaves the old file or the new one, never a mix.  Every temporary file
is a dot-file named ``.<start of name>.<pid>.<random><TEMP_SUFFIX>`` in the folder of the file
it replaces, so neither Obsidian nor vaultkit takes it for a note, a later run can sweep what
a killed process left (its pid is no longer alive), and a long note name still gives a temp
name under the usual 255-byte limit.  Temporary files are created with ``O_EXCL`` and
``O_NOFOLLOW``: a symlink planted under a guessed name is never written through.

Callers that compare-and-swap (the note writer) use :func:`write_temp` and rename themselves;
:func:`replace_file` is the whole step for vaultkit's own files.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

TEMP_SUFFIX = ".vaultkit-tmp"
NAME_PREFIX_BYTES = 60  # of the replaced file's name kept in the temp name (readability only)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def temp_name(name: str) -> str:
    """A fresh temporary name for a file written beside ``name``.  Its random part comes from
    ``os.urandom``, where ``secrets`` takes it: importing ``secrets`` (and ``random`` with it)
    was a cost of every run of the command line, an unchanged ``vaultkit check`` included."""
    head = name
    while len(os.fsencode(head)) > NAME_PREFIX_BYTES:
        head = head[:-1]
    return f".{head}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}"


def open_folder(folder: str | Path) -> int:
    """A descriptor of ``folder`` for ``dir_fd=`` operations (the caller closes it)."""
    return os.open(folder, os.O_RDONLY | _DIRECTORY)


def write_temp(dir_fd: int, name: str, data: bytes, mode: int | None = None, like: os.stat_result | None = None) -> str:
    """Write ``data`` to a new temporary file beside ``name`` and fsync it; return its name.

    It gets ``mode`` -- or, with ``like``, the mode (and owner, when we may) of the file it
    will replace; with neither, a new file's usual 0666 minus umask -- before any byte is
    written.  On failure nothing is left behind."""
    temp = temp_name(name)
    if like is not None:
        mode = stat.S_IMODE(like.st_mode)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    fd = os.open(temp, flags, 0o600 if mode is not None else 0o666, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            if like is not None and (like.st_uid, like.st_gid) != (os.geteuid(), os.getegid()):
                with contextlib.suppress(OSError):
                    os.fchown(handle.fileno(), like.st_uid, like.st_gid)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
        raise
    return temp


def replace_file(folder: Path, name: str, data: bytes, mode: int = 0o600) -> None:
    """Replace ``folder/name`` with ``data`` atomically and durably (mode 0600 by default).

    The rename replaces whatever entry has that name -- a symlink included -- and never
    writes through it."""
    dir_fd = open_folder(folder)
    try:
        temp = write_temp(dir_fd, name, data, mode)
        try:
            os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=dir_fd)
            raise
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def sync_folder(folder: Path) -> None:
    """fsync a folder, so the renames done in it survive a power cut."""
    with contextlib.suppress(OSError):
        fd = open_folder(folder)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def sweep_temp_files(folder: Path) -> int:
    """Remove the temporary files that a killed vaultkit process left in ``folder``."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
            continue
        parts = name[: -len(TEMP_SUFFIX)].rsplit(".", 2)
        if len(parts) == 3 and parts[1].isdigit() and not _alive(int(parts[1])):
            with contextlib.suppress(OSError):
                os.unlink(folder / name)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
