"""Turn fixed text back into bytes and put them on disk without ever losing a note.

Encoding: the text is written the way the file was (UTF-8 with or without BOM, UTF-16/32
in the byte order of its BOM, or a legacy code page) unless a fix changed the encoding or
the BOM.  Line endings need no work: a note's text keeps the file's own.  A legacy file is
written back in its code page only when its original text encodes back to exactly the bytes
that were read -- otherwise the decoding was a guess and writing would corrupt the rest.

Writing (:func:`write_atomic`) is compare-and-swap: the new bytes go to a temporary file in
the same folder (a dot-file with a non-``.md`` suffix, so neither Obsidian nor vaultkit
takes it for a note), are flushed and fsynced, get the file's mode, and only then -- if the
file still holds the bytes that were read -- replace it with ``os.replace``, atomically.  A
crash at any moment leaves either the old or the new file, never a mix.  Paths are resolved
first and must stay inside the vault: a symlink is written through to its target only when
the target is in the vault, and never replaced by a regular file.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import secrets
import stat
from pathlib import Path

from vaultkit.model import Decoded

TEMP_SUFFIX = ".vaultkit-tmp"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF8, "utf-8"),
)


class Unwritable(ValueError):
    """The text cannot be stored in the file's encoding without damage."""


class UnsafePath(OSError):
    """The path leads out of the vault (through a symlink) or is not a regular file."""


def _bom_codec(original: bytes) -> tuple[bytes, str] | None:
    for bom, codec in _BOMS:
        if original.startswith(bom):
            return bom, codec
    return None


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
    found = _bom_codec(original or b"")
    if decoded.bom and found:  # UTF-16/32: same byte order as the BOM read
        mark, codec = found
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


def write_atomic(
    path: str | Path, data: bytes, expected: bytes | None, root: str | Path | None = None, sync_dir: bool = True
) -> bool:
    """Replace the file at ``path`` with ``data`` if it still holds ``expected``.

    Returns False -- and writes nothing -- when the file's bytes are no longer ``expected``
    (another program wrote it since it was read); ``expected=None`` means the file must not
    exist yet.  Raises :class:`UnsafePath` for a path that leaves ``root`` or is not a regular
    file, and ``OSError`` for I/O failures (the temporary file is removed).  ``sync_dir=False``
    leaves the fsync of the folder (which makes the rename survive a power cut) to the
    caller, who may write many files of one folder and :func:`sync_folder` it once.
    """
    real = resolve_inside(Path(path), Path(root) if root is not None else None)
    folder, name = str(real.parent), real.name
    dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            info: os.stat_result | None = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            info = None
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"{path} is not a regular file; not written")
        temp = f".{name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        # A new file gets the usual 0o666 minus umask; a replaced one gets the old mode
        # (and owner, when we may) before any byte is written.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if info else 0o666, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, "wb") as handle:
                if info is not None:
                    os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))
                    if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                        with contextlib.suppress(OSError):
                            os.fchown(handle.fileno(), info.st_uid, info.st_gid)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            # The check comes last, after the slow part, so the window before the rename is tiny.
            if _read_exact(dir_fd, name) != expected:
                os.unlink(temp, dir_fd=dir_fd)
                return False
            os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=dir_fd)
            raise
        if sync_dir:
            with contextlib.suppress(OSError):  # make the rename itself durable
                os.fsync(dir_fd)
        return True
    finally:
        os.close(dir_fd)


def sync_folder(folder: Path) -> None:
    """fsync a folder, so the renames done in it survive a power cut."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def sweep_temp_files(folder: Path) -> int:
    """Remove temporary files that a killed vaultkit process left in ``folder``."""
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
