"""Bytes to text, never guessing silently.

Strict UTF-8 first (BOM aware).  A file that is not UTF-8 is still decoded -- with the
encoding charset-normalizer finds most likely -- so that it can be indexed and reported, but
``Decoded.error`` records that the text is a guess.  Files that are not text at all (NUL
bytes outside UTF-16) are refused with a reason instead of being decoded into garbage.
"""

from __future__ import annotations

import codecs

from vaultkit.model import Decoded

_UTF16_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class NotText(ValueError):
    """The bytes are not a text file (binary data)."""


def newline_style(text: str) -> str:
    """The file's dominant line ending: ``"\\r\\n"`` or ``"\\n"``."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def decode(data: bytes) -> tuple[str, Decoded]:
    """Decode a note's bytes; raise :class:`NotText` for binary data."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            return _legacy(data, exc)
        return text, Decoded(encoding="utf-8", bom=True, newline=newline_style(text))
    for bom, name in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as exc:
                raise NotText(
                    f"starts with a {name.upper()} byte-order mark but does not decode: {exc.reason}"
                ) from exc
            return text, Decoded(
                encoding=name,
                bom=True,
                error=f"file is {name.upper()} with a byte-order mark",
                newline=newline_style(text),
            )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _legacy(data, exc)
    if "\x00" in text:
        raise NotText("contains NUL bytes (a binary file?)")
    return text, Decoded(newline=newline_style(text))


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM has NUL in every other byte for ASCII-heavy text."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, name in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) > 0.3 * len(zeros) and (even if zeros is odd else odd).count(0) == 0:
            try:
                return name if "\x00" not in data.decode(name) else None
            except UnicodeDecodeError:
                return None
    return None


def _legacy(data: bytes, exc: UnicodeDecodeError) -> tuple[str, Decoded]:
    where = f"invalid UTF-8 at byte {exc.start}"
    utf16 = _utf16_without_bom(data)
    if utf16:
        text = data.decode(utf16)
        return text, Decoded(
            encoding=utf16,
            error=f"{where}; the file is {utf16.upper()} without a byte-order mark",
            confidence=0.9,
            newline=newline_style(text),
        )
    if b"\x00" in data:
        raise NotText(f"{where} and contains NUL bytes (a binary file?)")
    from charset_normalizer import from_bytes  # imported lazily: only legacy files pay for it

    best = from_bytes(data).best()
    if best is None:
        text = data.decode("latin-1")
        return text, Decoded(
            encoding="unknown", error=f"{where}; no known encoding fits", confidence=0.0, newline=newline_style(text)
        )
    text = str(best)
    confidence = round(max(0.0, 1.0 - best.chaos), 2)
    return text, Decoded(encoding=best.encoding, error=where, confidence=confidence, newline=newline_style(text))
