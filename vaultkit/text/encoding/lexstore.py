"""The compiled lexicon format: a language's word list as flat arrays, stored once per machine.

Building a lexicon from wordfreq's lists (unpacking 700,000 strings, hashing and sorting them)
takes 0.3-0.9 s per language, in every process that meets damage in that language.  The
result is a few flat arrays -- sorted 64-bit word keys, letter costs, prefix keys -- so it is
written once, as one file, and every later process maps it (``mmap``) and searches the
arrays where they lie: loading costs milliseconds, and the pages are the operating system's
page cache, shared by every process that maps the same file.

A file is a header, a table of sections and the sections, each 8-byte aligned::

    magic "VKLEXSTO" | format version (u32) | sections (u32) | XXH3-64 of all that follows (u64)
    per section: name (16 bytes) | typecode (1 byte, an :mod:`array` code) | count (u64) | offset (u64)

Nothing read is trusted: :func:`unpack` checks the magic, the version, the checksum, every
section's bounds and the ``source`` section (what the file was compiled from) and raises
:class:`StoreError` on any mismatch, so that the caller compiles the lexicon again.  The
checksum is XXH3 (the hash the lexicons' word keys use already), not CRC-32: a cold check of
the 10,000-note bench vault maps 38 MB of lexicons in each process, which CRC-32 read at
1 GB/s (38 ms a process) and XXH3 reads at over 30 GB/s.

This module is the format only (bytes in, arrays out); where the files live and how they are
written is the business of the layer that does I/O (:mod:`vaultkit.vault.lexcache`), which
:func:`vaultkit.text.encoding.langmodel.use_store` receives.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

from xxhash import xxh3_64_intdigest

_T = TypeVar("_T")

FORMAT = 2  # bump when the layout or what a section means changes: older files are then ignored
MAGIC = b"VKLEXSTO"
_HEAD = struct.Struct("<8sIIQ")
_ENTRY = struct.Struct("<16sc7xQQ")
_ALIGN = 8


class StoreError(ValueError):
    """A stored lexicon that is truncated, corrupt, of another format or compiled from other data."""


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process and on every machine.

    CPython's ``hash(str)`` is randomised per process (PYTHONHASHSEED), so keys made with it
    cannot be stored.  xxHash's XXH3 hashes the UTF-8 bytes at about 0.1 µs a word (blake2b
    from hashlib takes 0.7 µs, which a decode pays on every dictionary look-up).  UTF-8 is
    one-to-one, so two strings share a hash only by chance (``surrogatepass``: a lone
    surrogate, which a damaged note can hold, hashes too instead of raising)."""
    try:
        return xxh3_64_intdigest(text.encode())
    except UnicodeEncodeError:
        return xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


def pack(source: str, sections: Mapping[str, array]) -> bytes:
    """One file's bytes: ``sections`` (name -> typed array) and the ``source`` they came from."""
    named = {"source": array("B", source.encode("utf-8")), **sections}
    offset = _HEAD.size + _ENTRY.size * len(named)
    table, blobs = [], []
    for name, values in named.items():
        offset += -offset % _ALIGN
        data = values.tobytes()
        table.append(_ENTRY.pack(name.encode("ascii"), values.typecode.encode("ascii"), len(values), offset))
        blobs.append(data)
        offset += len(data)
    body = bytearray(b"".join(table))
    position = _HEAD.size + len(body)
    for blob in blobs:
        pad = -position % _ALIGN
        body += bytes(pad) + blob
        position += pad + len(blob)
    return _HEAD.pack(MAGIC, FORMAT, len(named), xxh3_64_intdigest(body)) + bytes(body)


def unpack(buffer: memoryview, source: str) -> dict[str, memoryview]:
    """The sections of a stored file, as typed views into ``buffer`` (not copies).

    Raises :class:`StoreError` unless the file is whole, of this format and compiled from
    ``source``."""
    if len(buffer) < _HEAD.size:
        raise StoreError("truncated header")
    magic, version, count, checksum = _HEAD.unpack_from(buffer)
    if magic != MAGIC or version != FORMAT:
        raise StoreError("not a compiled lexicon of this format")
    if xxh3_64_intdigest(buffer[_HEAD.size :]) != checksum:
        raise StoreError("checksum mismatch")
    if _HEAD.size + _ENTRY.size * count > len(buffer):
        raise StoreError("truncated section table")
    sections: dict[str, memoryview] = {}
    for index in range(count):
        raw_name, code, size, offset = _ENTRY.unpack_from(buffer, _HEAD.size + _ENTRY.size * index)
        typecode = code.decode("ascii", "replace")
        if typecode not in ("B", "Q", "d"):
            raise StoreError(f"unknown section type {typecode!r}")
        end = offset + size * array(typecode).itemsize
        if offset % _ALIGN or end > len(buffer):
            raise StoreError("section out of bounds")
        sections[raw_name.rstrip(b"\0").decode("ascii", "replace")] = buffer[offset:end].cast(typecode)
    if "source" not in sections or bytes(sections["source"]) != source.encode("utf-8"):
        raise StoreError("compiled from other data")
    return sections


class Store(Protocol):
    """Where compiled lexicons are kept between processes."""

    def compiled(self, name: str, build: Callable[[], bytes], read: Callable[[memoryview], _T]) -> _T:
        """``read`` of the bytes stored under ``name`` -- unless it raises
        :class:`StoreError` -- else of ``build()``'s (kept for the next process when the
        store can)."""
        ...


class InMemory:
    """No store: every process compiles what it needs (the default below the vault layer)."""

    def compiled(self, name: str, build: Callable[[], bytes], read: Callable[[memoryview], _T]) -> _T:
        return read(memoryview(build()))
