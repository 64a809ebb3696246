"""The byte-level signature of mojibake: what can be damage, found before any scoring.

UTF-8 read through a wrong code page leaves characters whose bytes, encoded back with that
page, form valid multi-byte UTF-8 sequences: a lead byte (C2-F4) followed by exactly the
continuation bytes (80-BF) it announces, within the ranges RFC 3629 allows.  Clean text in
any script rarely does that -- a Russian word read back through Windows-1251 gives a lead
byte followed by another letter's lead byte -- so this test decides, per code page, where
mojibake can be at all, and only those line parts (and only those pages) are handed to the
costlier analysis and the language model.  Its cost does not depend on the language: one
regular expression per single-byte page over the characters, one per double-byte codec
over the re-encoded bytes.

- Single-byte pages (:data:`.codepages.PAGES`): a complete UTF-8 sequence spelt in the page's
  characters (``Ã©``, ``ä¸­``), inside a word whose bytes are UTF-8 throughout (lead bytes
  followed by their continuation bytes, a few of them possibly lost).  Lossy damage keeps
  most of its characters whole (the lost bytes are continuation bytes), so it shows the
  same signature; a Persian or Russian word that happens to contain one valid pair is
  broken elsewhere by a stray continuation byte or a byte that is never UTF-8.
- Double-byte codecs (GBK, GB18030, Big5, Shift-JIS, EUC-KR): a run of :data:`DOUBLE_RUN`
  complete three- or four-byte sequences in a row, in the text encoded back with the codec
  (``鍗风Н绁炵粡`` is the UTF-8 of ``卷积神经``).  One or two accidental sequences are
  common in clean Japanese or Chinese read back as GBK; on the help vault's clean notes in
  34 languages, never four in a row.
- Marks of other damage: C1 controls, U+FFFD, runs of Latin-1 letters (GBK-family bytes
  read as Latin-1) and a letter ftfy's ``restore_byte_a0`` repairs.
"""

from __future__ import annotations

import bisect
import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from vaultkit.text.encoding import codepages
from vaultkit.text.encoding.lossy import sequence_length

DOUBLE_BYTE = ("gbk", "gb18030", "big5", "cp932", "cp949")
MIN_DROPS = 3  # continuation bytes a page must drop for its damaged words to be short of bytes
KEPT_PER_LOST = 1  # continuation bytes a damaged word keeps for every one it lost, at least
DOUBLE_RUN = 4  # complete UTF-8 sequences of 3+ bytes in a row that make a double-byte signature

# RFC 3629's well-formed multi-byte sequences, as (lead range, continuation ranges...).
_FORMS: tuple[tuple[tuple[int, int], ...], ...] = (
    ((0xC2, 0xDF), (0x80, 0xBF)),
    ((0xE0, 0xE0), (0xA0, 0xBF), (0x80, 0xBF)),
    ((0xE1, 0xEC), (0x80, 0xBF), (0x80, 0xBF)),
    ((0xED, 0xED), (0x80, 0x9F), (0x80, 0xBF)),
    ((0xEE, 0xEF), (0x80, 0xBF), (0x80, 0xBF)),
    ((0xF0, 0xF0), (0x90, 0xBF), (0x80, 0xBF), (0x80, 0xBF)),
    ((0xF1, 0xF3), (0x80, 0xBF), (0x80, 0xBF), (0x80, 0xBF)),
    ((0xF4, 0xF4), (0x80, 0x8F), (0x80, 0xBF), (0x80, 0xBF)),
)
# Sequences of three and four bytes: what Chinese, Japanese and Korean characters (and most
# symbols) take in UTF-8.  Two-byte ones are left out here: Cyrillic and Greek read back
# through GBK chain into valid two-byte sequences (A7 D1 A7 D2 ...) in clean text.
_WIDE_SEQUENCE = (
    b"[\\xe0-\\xf4](?:"
    + b"|".join(
        b"(?<=[\\x%02x-\\x%02x])" % form[0] + b"".join(b"[\\x%02x-\\x%02x]" % r for r in form[1:])
        for form in _FORMS[1:]
    )
    + b")"
)  # a lead-byte class first (scanned for at C speed), then the lead's own continuations
_DOUBLE = re.compile(_WIDE_SEQUENCE * DOUBLE_RUN)
_WIDE = re.compile(_WIDE_SEQUENCE)
# Marks that need no code page: C1 controls, U+FFFD, GBK-family bytes read as Latin-1 (two
# double-byte characters at least), and a no-break space that became a space after a lead.
MARKS = re.compile("[\x80-\x9f\ufffd]|[\xa1-\xff]{4}|[\xc2\xc3\xc5\xce\xd0\xd9] ")


@cache
def _map(name: str) -> Any:
    """A charmap encoding map of the single-byte page ``name`` (``codecs.charmap_build``'s
    ``EncodingMap``, as Python's own code pages use; typing does not name it), with a C1
    control that a sloppy decoder passed through mapped back to its byte.  Its other
    undefined bytes get Unicode noncharacters, which text never holds."""
    decode = codepages.page(name).decode
    spare = iter(range(0xFDD0, 0xFDF0))
    table = "".join(
        char if char is not None else chr(b) if 0x80 <= b <= 0x9F else chr(next(spare)) for b, char in enumerate(decode)
    )
    return codecs.charmap_build(table)


def _bytes(name: str, part: str) -> bytes:
    """``part`` spelt in the bytes of the single-byte page ``name``, one byte per character:
    ``?`` (never part of a multi-byte sequence) for what the page cannot encode.  The
    codec machinery does it at C speed."""
    return codecs.charmap_encode(part, "replace", _map(name))[0]


# A lead byte then a continuation byte: where every multi-byte sequence starts.  The lead class
# comes first, so the engine skips to candidate bytes at C speed.
_PAIR = re.compile(b"[\\xc2-\\xf4][\\x80-\\xbf]")
_HIGH = re.compile(b"[\\x80-\\xff]+")


def _utf8_run(data: bytes, lossy: bool = True) -> bool:
    """Whether a damaged word's bytes are UTF-8 through and through: every byte a lead byte
    followed by its continuation bytes -- all of them, or (bytes lost) up to two fewer --
    and at least one sequence complete.  A stray continuation byte, or a byte that is never
    UTF-8, means the word is text in that page, not mojibake.  Without ``lossy`` every
    sequence must be complete.  So does losing more
    continuation bytes than were kept: a code page drops about a tenth of them (its
    undefined bytes and the soft hyphen; a short word may lose more), while a word of lead
    bytes alone (Arabic letters in Windows-1256, before a comma that is a continuation
    byte) would have lost them all."""
    complete = False
    kept = lost = 0
    i, n = 0, len(data)
    while i < n:
        need = sequence_length(data[i])
        if need <= 0:
            return False
        k = 0
        while k < need and i + 1 + k < n and 0x80 <= data[i + 1 + k] <= 0xBF:
            k += 1
        if k == need:
            try:
                data[i : i + 1 + k].decode("utf-8")
            except UnicodeDecodeError:
                return False
            complete = True
        elif need - k > 2 or not lossy:
            return False
        kept += k
        lost += need - k
        i += 1 + k
    return complete and kept >= KEPT_PER_LOST * lost


def _word_then_mark(part: str, start: int, end: int) -> bool:
    """Whether the run is text, not mojibake, by its neighbours: a letter and a punctuation
    mark before a space (the end of a word and its comma: ``د،`` in Windows-1256 is the two
    bytes of one UTF-8 character), or a run that touches a non-ASCII character the page
    cannot make (Persian ``بگیرید``: ``ی`` is not in Windows-1256) -- a damaged word is made
    of the page's characters only."""
    if (start and not part[start - 1].isascii()) or (end < len(part) and not part[end].isascii()):
        return True
    return (
        end - start == 2
        and part[start].isalpha()
        and unicodedata.category(part[start + 1]).startswith("P")
        and (end == len(part) or part[end].isspace())
    )


@cache
def _lossy(name: str) -> bool:
    """Whether decoding with the page ``name`` loses continuation bytes often enough (at
    least :data:`MIN_DROPS` of the 64 are undefined or the soft hyphen) for a damaged word
    to be short of bytes.  Windows-1251 and -1256, KOI8-R, Latin-1 or MacRoman drop one or
    two at most: words that seem short of bytes there are Cyrillic, Arabic or Persian text
    (``گ`` and ``ک`` are continuation bytes in Windows-1256)."""
    return sum(1 for b in codepages.page(name).lossy_fillers() if 0x80 <= b < 0xC0) >= MIN_DROPS


def _single(name: str, part: str, limit: int | None = None) -> tuple[tuple[tuple[int, int], ...], int | None]:
    """The damaged words of the single-byte page ``name`` in ``part``: runs of its high-byte
    characters holding a complete UTF-8 sequence and UTF-8 throughout; at most ``limit`` of
    them, with the offset the search stopped at when it reached that (else None).

    Every sequence starts with a lead byte followed by a continuation byte, a pair that
    clean text seldom has in any page (Greek in Windows-1253 is all lead bytes, Hungarian
    in MacRoman all continuation bytes), so the search goes from pair to pair -- one scan
    at C speed -- and looks only at the runs around them."""
    data = _bytes(name, part)
    found: list[tuple[int, int]] = []
    hit = _PAIR.search(data)
    while hit:
        if limit is not None and len(found) >= limit:
            return tuple(found), hit.start()
        start = hit.start()
        while start > 0 and data[start - 1] >= 0x80:
            start -= 1
        run = _HIGH.match(data, start)
        assert run is not None
        if _utf8_run(run.group(), _lossy(name)) and not _word_then_mark(part, *run.span()):
            found.append(run.span())
        hit = _PAIR.search(data, run.end())
    return tuple(found), None


@cache
def _screen() -> re.Pattern[str]:
    """Any character that can be part of a signature: all but ASCII and the no-break space."""
    return re.compile("[^\x00-\x7f\xa0]")


@dataclass(frozen=True)
class Signature:
    """Which explanations a stretch of text has the byte-level signature of."""

    words: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()  # (single-byte page, its damaged words)
    codecs: frozenset[str] = frozenset()  # double-byte codecs
    marked: bool = False  # C1 controls, U+FFFD, Latin-1 runs, ftfy's no-break space
    stopped: int | None = None  # where the search for damaged words gave up (too many)

    def __bool__(self) -> bool:
        return bool(self.words or self.codecs or self.marked)

    @property
    def pages(self) -> frozenset[str]:
        """The single-byte code pages with a signature here."""
        return frozenset(name for name, _ in self.words)

    def spans(self, name: str) -> tuple[tuple[int, int], ...]:
        """The damaged words of page ``name``, in offsets from the stretch's start."""
        return next((spans for page, spans in self.words if page == name), ())


NONE = Signature()


def signature(text: str, start: int = 0, end: int | None = None, limit: int | None = None) -> Signature:
    """The signature of ``text[start:end]``: :data:`NONE` for clean text (cheap).

    A U+FFFD makes every double-byte codec possible (``errors='replace'`` damage keeps few
    whole characters), as it makes the text worth analysing.  Characters a codec cannot
    encode become ``?``, which is never part of a multi-byte sequence.
    """
    stop = len(text) if end is None else end
    if not _screen().search(text, start, stop):
        return NONE
    part = text[start:stop]
    marked = bool(MARKS.search(part))
    words, stopped = [], None
    for name in codepages.PAGES:
        spans, gave_up = _single(name, part, limit)
        if spans:
            words.append((name, spans))
        if gave_up is not None:
            stopped = min(gave_up, stopped if stopped is not None else gave_up)
    replaced = "\ufffd" in part
    wide = frozenset(codec for codec in DOUBLE_BYTE if replaced or _DOUBLE.search(part.encode(codec, "replace")))
    return Signature(tuple(words), wide, marked, None if stopped is None else start + stopped)


def suspicious(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` has any signature: :func:`signature`, stopping at the
    first evidence found."""
    stop = len(text) if end is None else end
    if not _screen().search(text, start, stop):
        return False
    part = text[start:stop]
    if MARKS.search(part) or any(_single(name, part, 1)[0] for name in codepages.PAGES):
        return True
    return any(_DOUBLE.search(part.encode(codec, "replace")) for codec in DOUBLE_BYTE)


def line_signatures(
    text: str, parts: list[tuple[int, int]], limit: int | None = None
) -> dict[tuple[int, int], Signature]:
    """The line parts of ``text`` with a signature, and theirs (offsets from each part's
    start).  The text is scanned once for single-byte words and marks; double-byte codecs
    are checked per part only when the whole text has their signature or a U+FFFD, and a
    codec whose full signature some part shows lowers the bar for the others (the short
    damaged lines of a damaged note).  With ``limit``, at most that many damaged words are
    looked for per page; each part's signature then says where that search stopped."""
    whole = signature(text, limit=limit)
    if not whole:
        return {}
    found: dict[tuple[int, int], Signature] = {}
    strong: dict[tuple[int, int], frozenset[str]] = {}
    firsts = {name: [a for a, _ in spans] for name, spans in whole.words}
    for start, end in parts:
        if whole.stopped is not None and start >= whole.stopped:
            found[(start, end)] = Signature(stopped=whole.stopped)
            continue
        words = []
        for name, spans in whole.words:
            k = bisect.bisect_left(firsts[name], start)
            inside = []
            while k < len(spans) and spans[k][1] <= end:
                inside.append((spans[k][0] - start, spans[k][1] - start))
                k += 1
            if inside:
                words.append((name, tuple(inside)))
        part = text[start:end]
        marked = whole.marked and bool(MARKS.search(part))
        replaced = "\ufffd" in part
        codecs = frozenset(codec for codec in whole.codecs if replaced or _DOUBLE.search(part.encode(codec, "replace")))
        strong[(start, end)] = codecs
        found[(start, end)] = Signature(tuple(words), codecs, marked, whole.stopped)
    shown = frozenset(codec for codecs in strong.values() for codec in codecs)
    for (start, end), sig in found.items():
        weak = shown - sig.codecs
        if weak:
            part = text[start:end]
            more = frozenset(codec for codec in weak if _WIDE.search(part.encode(codec, "replace")))
            if more:
                found[(start, end)] = Signature(sig.words, sig.codecs | more, sig.marked, sig.stopped)
    return {seg: sig for seg, sig in found.items() if sig or (whole.stopped is not None and seg[0] >= whole.stopped)}
