"""Turn fixed text back into bytes and put them on disk without ever losing a note.

Encoding: the text is written the way the file was (UTF-8 with or without BOM, UTF-16/32
in the byte order of its BOM, or a legacy code page) unless a fix changed the encoding or
the BOM.  Line endings need no work: a note's text keeps the file's own.  A legacy file is
written back in its code page only when its original text encodes back to exactly the bytes
that were read -- otherwise the decoding was a guess and writing would corrupt the rest.

Writing (:func:`write_atomic`) is compare-and-swap, with no window: the new bytes go to a
temporary file in the same folder (:mod:`vaultkit.vault.atomic`), fsynced, with the file's
mode; then, if the file still holds the bytes that were read, the two are swapped.  On Linux
the swap is ``renameat2(RENAME_EXCHANGE)``, so the file replaced is still there afterwards:
its bytes are compared once more, and if another program wrote it in between, it is swapped
back and nothing is lost.  Elsewhere the file is hard-linked first, replaced with
``os.replace``, and restored from the link when what was replaced was not what was read.
Either way what was replaced is exactly what the journal holds.  A crash at any moment leaves
either the old or the new file, never a mix.  Paths are resolved first and must stay inside
the vault: a symlink is written through to its target only when the target is in the vault,
and never replaced by a regular file.  A read-only note is left alone.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import errno
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from vaultkit.model import Decoded
from vaultkit.read.decode import bom_of
from vaultkit.vault.atomic import open_folder, temp_name, write_temp

RENAME_EXCHANGE = 2  # from <linux/fs.h>
CONFLICT_SUFFIX = ".vaultkit-conflict"


class Unwritable(ValueError):
    """The text cannot be stored in the file's encoding without damage."""


class UnsafePath(OSError):
    """The path leads out of the vault (through a symlink), is not a regular file, or is read-only."""


def encode(
    text: str, decoded: Decoded, original: bytes | None = None, encoding: str | None = None, bom: bool | None = None
) -> bytes:
    """The bytes for ``text`` of a note read as ``decoded`` from ``original``.

    ``encoding="utf-8"`` (a transcoding fix) stores UTF-8 without BOM; ``bom=False`` drops
    the BOM; otherwise the file keeps its encoding and BOM.  Raises :class:`Unwritable`
    when a legacy-encoded file cannot be written back exactly.
    """
    if encoding is not None and encoding.replace("_", "-").lower() not in ("utf-8", "utf8"):
        raise Unwritable(f"vaultkit only converts notes to UTF-8, not to {encoding}")
    keep_bom = decoded.bom if bom is None else bom
    if encoding is not None or decoded.encoding == "utf-8":
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise Unwritable(f"the text holds a lone surrogate at {exc.start}") from exc
        return codecs.BOM_UTF8 + data if keep_bom and encoding is None else data
    found = bom_of(original or b"")
    if decoded.bom and found:  # UTF-16/32: same byte order as the BOM read
        mark, codec, _ = found
        data = text.encode(codec)
        return mark + data if keep_bom else data
    return _legacy(text, decoded, original)


def _legacy(text: str, decoded: Decoded, original: bytes | None) -> bytes:
    """A code-page file: only when the guessed encoding reproduces the original exactly."""
    if original is None:
        raise Unwritable(f"{decoded.encoding} file without its original bytes")
    # A legacy file behind a UTF-8 byte-order mark is read without the mark (read.decode); it
    # keeps it, as it keeps every byte no fix asked to change.
    mark = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    try:
        if original[len(mark) :].decode(decoded.encoding).encode(decoded.encoding) != original[len(mark) :]:
            raise Unwritable(f"the {decoded.encoding} guess does not reproduce the file's bytes")
        return mark + text.encode(decoded.encoding)
    except (LookupError, UnicodeError, ValueError) as exc:
        raise Unwritable(f"cannot write text back as {decoded.encoding}: {exc}") from exc


def resolve_inside(path: Path, root: Path | None) -> Path:
    """The real path to write for ``path`` -- through symlinks -- refusing one outside ``root``."""
    real = Path(os.path.realpath(path))
    if root is not None:
        base = Path(os.path.realpath(root))
        if real != base and base not in real.parents:
            raise UnsafePath(f"{path} leads out of the vault (to {real}); not written")
    return real


def _read_exact(dir_fd: int, name: str) -> bytes | None:
    """The current bytes of ``name`` (not following a symlink), None when it is gone."""
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def _load_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28+, musl 1.2.2+
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _load_renameat2()


def _exchange(dir_fd: int, a: str, b: str) -> bool:
    """Swap two names of a folder atomically; False when the system or file system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(dir_fd, os.fsencode(a), dir_fd, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), b)


def write_atomic(
    path: str | Path, data: bytes, expected: bytes | None, root: str | Path | None = None, sync_dir: bool = True
) -> bool:
    """Replace the file at ``path`` with ``data`` if it still holds ``expected``.

    Returns False -- and writes nothing -- when the file's bytes are no longer ``expected``
    (another program wrote it since it was read, even in the last microseconds);
    ``expected=None`` means the file must not exist yet.  Raises :class:`UnsafePath` for a path
    that leaves ``root``, is not a regular file or is read-only, and ``OSError`` for I/O
    failures (the temporary file is removed).  ``sync_dir=False`` leaves the fsync of the
    folder (which makes the rename survive a power cut) to the caller, who may write many
    files of one folder and :func:`~vaultkit.vault.atomic.sync_folder` it once.
    """
    real = resolve_inside(Path(path), Path(root) if root is not None else None)
    name = real.name
    dir_fd = open_folder(real.parent)
    try:
        try:
            info: os.stat_result | None = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            info = None
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"{path} is not a regular file; not written")
        if info is not None and (not info.st_mode & 0o222 or not os.access(name, os.W_OK, dir_fd=dir_fd)):
            raise UnsafePath(f"{path} is read-only; not written (make it writable to let vaultkit change it)")
        temp = write_temp(dir_fd, name, data, like=info)
        try:
            # The check comes after the slow part; the swap below closes what window is left.
            done = _read_exact(dir_fd, name) == expected and _swap(dir_fd, temp, name, data, expected)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp, dir_fd=dir_fd)
        if done and sync_dir:
            with contextlib.suppress(OSError):  # make the rename itself durable
                os.fsync(dir_fd)
        return done
    finally:
        os.close(dir_fd)


def _swap(dir_fd: int, temp: str, name: str, data: bytes, expected: bytes | None) -> bool:
    """Put ``temp`` in the place of ``name`` if what it replaces is ``expected``."""
    if expected is None:  # a new file: linking fails if one appeared meanwhile
        try:
            os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        except FileExistsError:
            return False
        return True
    if _exchange(dir_fd, temp, name):
        if _unopened(dir_fd, temp) and _read_exact(dir_fd, temp) == expected:
            return True
        _exchange(dir_fd, temp, name)  # another program wrote it in the meantime: theirs goes back
        _keep_if_written(dir_fd, temp, name, data)
        return False
    try:  # no exchange here: keep a link to the file replaced, to restore it if it changed
        keep = temp_name(name)
        os.link(name, keep, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    except OSError:  # no hard links on this file system: the plain rename, with its tiny window
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return True
    try:
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        if _unopened(dir_fd, keep) and _read_exact(dir_fd, keep) == expected:
            return True
        os.link(name, temp, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        os.replace(keep, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        _keep_if_written(dir_fd, temp, name, data)
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(keep, dir_fd=dir_fd)


def _unopened(dir_fd: int, name: str) -> bool:
    """Whether no other open file description holds the file ``name`` now, so that nothing
    can write to it any more once it has no name (the file replaced is only reachable through
    ``name`` after the swap).  Without this, a program that opened the note before the swap
    and wrote after the check -- an appender between its ``open`` and its ``write``, or one
    that keeps the note open -- wrote into a file about to be deleted, and its text was lost.
    Linux tells through a write lease, which it grants only while nobody else has the file
    open (fcntl(2), F_SETLEASE); where it cannot tell (another system, a file system without
    leases, a file of another user), the check as before stands alone."""
    if sys.platform != "linux":
        return True
    import fcntl  # (Unix only)

    set_lease = fcntl.F_SETLEASE
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return True  # (gone or unreadable: the byte comparison that follows decides)
    try:
        fcntl.fcntl(fd, set_lease, fcntl.F_WRLCK)
    except OSError as exc:
        return exc.errno not in (errno.EAGAIN, errno.EBUSY)
    else:
        fcntl.fcntl(fd, set_lease, fcntl.F_UNLCK)
        return True
    finally:
        os.close(fd)


def _keep_if_written(dir_fd: int, temp: str, name: str, data: bytes) -> None:
    """After swapping back: if another program also wrote into *our* new file before the swap
    back, that text is kept beside the note rather than thrown away."""
    if _read_exact(dir_fd, temp) not in (data, None):
        os.rename(temp, f"{name}.{os.getpid()}{CONFLICT_SUFFIX}", src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
