"""Turn one file into a :class:`~vaultkit.model.Note`.

``read_note`` is the only function here that touches the disk; ``parse_bytes`` and
``parse_text`` are pure, so the engine, the daemon and tests share them.  Nothing that a
file contains can make them raise: unreadable, binary, oversized or undecodable files come
back as a Note with ``read_error`` or ``decoded.error`` set, for a rule to report.
"""

from __future__ import annotations

import hashlib
import os
import stat

from vaultkit.model import Decoded, Note, Tag, nfc
from vaultkit.read.decode import NotText, decode

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_O_BINARY = getattr(os, "O_BINARY", 0)  # (Windows: no newline translation)


def parse_text(rel: str, text: str, decoded: Decoded | None = None, digest: str = "", size: int = 0) -> Note:
    """Parse decoded text (front matter, regions, links, headings, block ids, tags)."""
    from vaultkit.read import frontmatter, markdown, regions  # (here: a run that parses nothing skips them)

    fm = frontmatter.split(text)
    body_start = fm.end if fm is not None and fm.closed else 0
    found_regions = regions.find_regions(text, body_start)
    links, heads, blocks = markdown.scan(text, found_regions, body_start)
    return Note(
        rel=nfc(rel),
        text=text,
        decoded=decoded or Decoded(),
        frontmatter=fm,
        body_start=body_start,
        regions=found_regions,
        links=tuple(markdown.property_links(text, fm) + links),
        headings=tuple(heads),
        blocks=tuple(blocks),
        digest=digest,
        size=size or len(text),
    )


def _tags(note: Note) -> tuple[Tag, ...]:
    """:func:`vaultkit.read.markdown.note_tags`, imported on first use as in :func:`parse_text`."""
    from vaultkit.read import markdown

    return markdown.note_tags(note)


# Every process that holds notes has imported this module (notes are made here, or loaded by
# the check cache, which the engine imports with this module).
Note.find_tags = _tags


def unreadable(rel: str, reason: str, size: int = 0, digest: str = "") -> Note:
    """A placeholder Note for a file that exists but cannot be parsed."""
    return Note(
        rel=nfc(rel),
        text="",
        decoded=Decoded(),
        frontmatter=None,
        body_start=0,
        read_error=reason,
        size=size,
        digest=digest,
    )


def digest_of(data: bytes) -> str:
    """The one content hash of vaultkit (BLAKE2b, 128 bits: faster than SHA-256, and ample
    for telling versions of one file apart): index, fix loop, journal, daemon ledger."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def parse_bytes(rel: str, data: bytes) -> Note:
    """Decode and parse a file's bytes."""
    digest = digest_of(data)
    try:
        text, decoded = decode(data)
    except NotText as exc:
        return unreadable(rel, f"not a text file: {exc}", len(data), digest)
    return parse_text(rel, text, decoded, digest, len(data))


def parse_document(rel: str, data: bytes) -> Note:
    """Decode a file that is not Markdown (a ``.canvas`` or ``.base``): its text and line map
    only, since links, headings and math mean nothing in JSON or YAML."""
    digest = digest_of(data)
    try:
        text, decoded = decode(data)
    except NotText as exc:
        return unreadable(rel, f"not a text file: {exc}", len(data), digest)
    return Note(nfc(rel), text, decoded, None, 0, digest=digest, size=len(data))


def read_document(root: str, rel: str, disk: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """Read ``root/disk`` (the path as spelled on disk, ``rel`` by default) as a document.
    Placeholders for unreadable files carry the NFC ``rel`` either way (``unreadable`` folds)."""
    data = read_bytes(root, disk or rel, max_bytes)
    return parse_document(rel, data) if isinstance(data, bytes) else data


def read_bytes(root: str, rel: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | Note:
    """The bytes of ``root/rel``, or a placeholder Note saying why they cannot be a note's
    (not a regular file, too large, unreadable); never raises for what the file system does."""
    path = os.path.join(root, rel)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return unreadable(rel, "not a regular file (a pipe, socket or device named .md)")
        size = info.st_size
        if size > max_bytes:
            return unreadable(
                rel,
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit (set max-file-size to check it)",
                size,
            )
        # A bare descriptor, not ``open()``: the file and buffer objects it makes, and the
        # fstat, isatty and lseek calls they ask for, were a third of reading a note (issue 13).
        fd = os.open(path, os.O_RDONLY | _O_BINARY)
        try:
            # Ask for the size stat gave (plus one byte, to see growth): ``read(max_bytes + 1)``
            # would allocate a 10 MB buffer for every 2 KB note.  One read gives a regular file
            # whole; read on when it did not (a short read) or the file grew since the stat.
            data = os.read(fd, size + 1)
            if len(data) != size:
                data += _read_to_end(fd, max_bytes + 1 - len(data))
        finally:
            os.close(fd)
    except OSError as exc:
        return unreadable(rel, f"cannot read: {exc.strerror or exc}")
    if len(data) > max_bytes:  # grew while we read it
        return unreadable(rel, f"file is over the {max_bytes / 1e6:.0f} MB limit", len(data))
    return data


def _read_to_end(fd: int, limit: int) -> bytes:
    """The rest of the file open at ``fd``, at most ``limit`` bytes (``os.read`` may return
    fewer than asked before the end)."""
    parts = []
    while limit > 0:
        part = os.read(fd, limit)
        if not part:
            break
        parts.append(part)
        limit -= len(part)
    return b"".join(parts)


def read_note(root: str, rel: str, max_bytes: int = DEFAULT_MAX_BYTES, disk: str | None = None) -> Note:
    """Read and parse ``root/disk`` as the note ``rel`` (``disk`` is the path as spelled on disk
    when that is not NFC); never raises for anything the file system does."""
    data = read_bytes(root, disk or rel, max_bytes)
    return parse_bytes(rel, data) if isinstance(data, bytes) else data
