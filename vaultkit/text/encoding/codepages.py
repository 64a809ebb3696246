"""The single-byte code pages UTF-8 text gets misread with, as tables built from Python's codecs.

For each page: which character each byte decodes to, which bytes it leaves undefined (a
decoder drops those with ``errors='ignore'``, or passes them through as C1 controls when it
is "sloppy" like browsers and ftfy), and the reverse map used to get the bytes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# Most common first: the order breaks ties between pages that explain a text equally well.
PAGES = (
    "cp1252",
    "latin-1",
    "cp1251",
    "cp1250",
    "cp1254",
    "cp1253",
    "cp1257",
    "cp1255",
    "cp1256",
    "cp1258",
    "iso8859-2",
    "iso8859-15",
    "mac-roman",
    "cp437",
    "cp850",
    "koi8-r",
)
LABELS = {
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
    "cp1251": "Windows-1251",
    "cp1250": "Windows-1250",
    "cp1254": "Windows-1254",
    "cp1253": "Windows-1253",
    "cp1257": "Windows-1257",
    "cp1255": "Windows-1255",
    "cp1256": "Windows-1256",
    "cp1258": "Windows-1258",
    "iso8859-2": "ISO-8859-2",
    "iso8859-15": "ISO-8859-15",
    "mac-roman": "MacRoman",
    "cp437": "IBM437",
    "cp850": "IBM850",
    "koi8-r": "KOI8-R",
}


@dataclass(frozen=True)
class CodePage:
    name: str
    decode: tuple[str | None, ...]  # byte -> character (None: undefined)
    encode: dict[str, int]  # character -> byte, C1 controls included for undefined bytes
    undefined: frozenset[int]

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    def lossy_fillers(self, shy: bool = True) -> tuple[int, ...]:
        """Byte values that can vanish: undefined bytes, and with ``shy`` the soft hyphen's
        byte (U+00AD is invisible, so tools strip it after the damage and its byte is lost
        too; not where the text shows one: what strips soft hyphens strips them all)."""
        hyphen = {b for b in range(256) if shy and self.decode[b] == "\u00ad"}
        return tuple(sorted(self.undefined | hyphen))


@cache
def page(name: str) -> CodePage:
    decode: list[str | None] = []
    for b in range(256):
        try:
            decode.append(bytes([b]).decode(name))
        except UnicodeDecodeError:
            decode.append(None)
    encode = {c: b for b, c in enumerate(decode) if c is not None}
    undefined = frozenset(b for b, c in enumerate(decode) if c is None)
    for b in undefined:  # sloppy decoders pass undefined bytes through as U+0080..U+009F
        if 0x80 <= b <= 0x9F:
            encode.setdefault(chr(b), b)
    return CodePage(name, tuple(decode), encode, undefined)


def pages() -> tuple[CodePage, ...]:
    return tuple(page(name) for name in PAGES)
