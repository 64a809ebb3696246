"""Bytes to text, never guessing silently.

Strict UTF-8 first (BOM aware).  A file that is not UTF-8 is still decoded -- with the
reading :func:`vaultkit.text.encoding.detect.detect` finds most likely, line by line for a UTF-8
file with some legacy lines -- so that it can be indexed and reported, but
``Decoded.error`` records that the text is a guess and ``Decoded.confidence`` how sure the
guess is.  Nothing is ever decoded with ``errors='replace'`` or ``'ignore'``: that is how
unrecoverable U+FFFD and ``锟斤拷`` are made.

A stray NUL or control character inside otherwise valid UTF-8 text leaves it text (the
``control-character`` rule reports it); only data that is mostly control characters is
refused as binary.
"""

from __future__ import annotations

import codecs
import re

from vaultkit.errors import UnreadableNote
from vaultkit.model import Decoded

# Every byte-order mark: (mark, codec of the text after it, the encoding's name).  UTF-32 LE
# comes before UTF-16 LE, whose mark is its prefix.  The writer reads this table too.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
)


def bom_of(data: bytes) -> tuple[bytes, str, str] | None:
    """The byte-order mark ``data`` starts with, as a row of :data:`BOMS`."""
    return next((row for row in BOMS if data.startswith(row[0])), None)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))  # bytes.translate deletes these
_BOM_STARTS = {row[0][:1] for row in BOMS}
BINARY_SHARE = 0.1  # control characters (NUL runs aside) beyond this share make a file binary


class NotText(UnreadableNote):
    """The bytes are not a text file (binary data)."""


def newline_style(text: str) -> str:
    """The file's dominant line ending: ``"\\r\\n"`` or ``"\\n"``."""
    # Most notes hold no CR at all: asking that is one character search, several times
    # cheaper than counting a two-character string through the text (issue 13).
    crlf = text.count("\r\n") if "\r" in text else 0
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def decode(data: bytes) -> tuple[str, Decoded]:
    """Decode a note's bytes; raise :class:`NotText` for binary data."""
    if data[:1] not in _BOM_STARTS and not data.translate(None, _NOT_CONTROL):
        # The common case, asked of the bytes: no byte-order mark can start them, and they
        # hold no control byte (so no NUL either) -- in valid UTF-8 those bytes are exactly the
        # control characters of the text.  Then only strict UTF-8 remains to be tried.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _legacy(data, exc.start)
        return text, Decoded(newline=newline_style(text))
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            return _legacy(data[3:], exc.start + 3, " after a UTF-8 byte-order mark")
        _refuse_binary(text)
        return text, Decoded(encoding="utf-8", bom=True, newline=newline_style(text))
    found = bom_of(data)  # UTF-16/32 (the UTF-8 mark was handled above)
    if found is not None:
        bom, codec, name = found
        try:
            text = data[len(bom) :].decode(codec)
        except UnicodeDecodeError as exc:
            raise NotText(f"starts with a {name.upper()} byte-order mark but does not decode: {exc.reason}") from exc
        return text, Decoded(
            encoding=name, bom=True, error=f"file is {name.upper()} with a byte-order mark", newline=newline_style(text)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _legacy(data, exc.start)
    if "\x00" in text:
        wide = _utf32_without_bom(data) or _utf16_without_bom(data)
        if wide:
            return _wide(data, wide, "the bytes are valid UTF-8 only because the text is ASCII")
    _refuse_binary(text)
    return text, Decoded(newline=newline_style(text))


def _refuse_binary(text: str) -> None:
    """Raise :class:`NotText` when control characters, not text, make up the data.

    A run of NUL bytes (a file padded by a crashed sync) does not count against it; only
    the rest of the text does.
    """
    if not _CONTROL.search(text):
        return
    rest = re.sub("\x00+", "", text)
    if not rest.strip():
        raise NotText("contains only NUL bytes and whitespace")
    if len(_CONTROL.findall(rest)) > BINARY_SHARE * len(rest):
        raise NotText("contains mostly control characters (a binary file?)")


def _utf16_without_bom(data: bytes) -> str | None:
    """The UTF-16 byte order of ``data`` when it is UTF-16 text without a BOM, else None.

    Two signs, either enough: ASCII-heavy text has NUL in every other byte; and in any
    script, a line feed of a UTF-16 file is a ``0A 00`` (or ``00 0A``) pair at an even
    offset -- a legacy 8-bit file has no NUL bytes at all.  The text must then decode
    strictly and hold no control characters but tab, CR, LF and form feed.
    """
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, other, name in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        ascii_heavy = zeros.count(0) > 0.3 * len(zeros) and other.count(0) == 0
        feeds = ascii_heavy or any(a == 0x0A and b == 0 for a, b in zip(other, zeros, strict=True))
        if feeds and _reads_as(data, name):
            return name
    return None


def _utf32_without_bom(data: bytes) -> str | None:
    """The UTF-32 byte order of ``data`` when it is UTF-32 text without a BOM, else None.

    Every four bytes are one code point, so at most U+10FFFF: in little-endian order the
    last byte of each group is 0 and the third at most 0x10 -- eight-bit text, UTF-8 or
    UTF-16 almost never has that for a whole file.  The text must decode strictly and hold
    no control characters but tab, CR, LF and form feed.
    """
    if len(data) < 4 or len(data) % 4:
        return None
    for name, high in (("utf-32-le", 3), ("utf-32-be", 0)):
        if data[high::4].count(0) == len(data) // 4 and _reads_as(data, name):
            return name
    return None


def _reads_as(data: bytes, name: str) -> bool:
    """Whether ``data`` decodes strictly as ``name`` to text without control characters but
    tab, CR, LF and form feed."""
    try:
        text = data.decode(name)
    except UnicodeDecodeError:
        return False
    return not _CONTROL.search(text.replace("\x0c", ""))


def _wide(data: bytes, name: str, where: str) -> tuple[str, Decoded]:
    """A note in UTF-16 or UTF-32 without a byte-order mark, as found by the functions above."""
    text = data.decode(name)
    plain = sum(1 for c in text if c.isascii() and (c.isprintable() or c in "\t\r\n"))
    return text, Decoded(
        encoding=name,
        error=f"{where}; the file is {name.upper()} without a byte-order mark",
        confidence=0.99 if plain >= 0.9 * len(text) or text.count("\n") >= 2 else 0.9,
        newline=newline_style(text),
    )


def _legacy(data: bytes, position: int, after: str = "") -> tuple[str, Decoded]:
    where = f"invalid UTF-8 at byte {position}{after}"
    wide = _utf32_without_bom(data) or _utf16_without_bom(data)
    if wide:
        return _wide(data, wide, where)
    if b"\x00" in data:
        raise NotText(f"{where} and contains NUL bytes (a binary file?)")
    from vaultkit.text.encoding.detect import detect  # imported lazily: only legacy files pay for it

    found = detect(data)
    if found is None:
        text = data.decode("latin-1")
        return text, Decoded(
            encoding="unknown", error=f"{where}; no known encoding fits", confidence=0.0, newline=newline_style(text)
        )
    _refuse_binary(found.text)
    return found.text, Decoded(
        encoding=found.encoding,
        error=where,
        confidence=found.confidence,
        newline=newline_style(found.text),
    )
