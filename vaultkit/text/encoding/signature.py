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

import re
from dataclasses import dataclass
from functools import cache

from vaultkit.text.encoding import codepages
from vaultkit.text.encoding.lossy import sequence_length

DOUBLE_BYTE = ("gbk", "gb18030", "big5", "cp932", "cp949")
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
_WIDE_SEQUENCE = b"(?:" + b"|".join(b"".join(b"[\\x%02x-\\x%02x]" % r for r in form) for form in _FORMS[1:]) + b")"
_DOUBLE = re.compile(_WIDE_SEQUENCE + b"{%d}" % DOUBLE_RUN)
_WIDE = re.compile(_WIDE_SEQUENCE)
# Marks that need no code page: C1 controls, U+FFFD, GBK-family bytes read as Latin-1 (two
# double-byte characters at least), and a no-break space that became a space after a lead.
MARKS = re.compile("[\x80-\x9f\ufffd]|[\xa1-\xff]{4}|[\xc2\xc3\xc5\xce\xd0\xd9] ")


@dataclass(frozen=True)
class _Page:
    """A single-byte page's view of UTF-8: complete sequences spelt in its characters, the
    characters it maps to high bytes (a run of them is one damaged word), and the map back."""

    sequence: re.Pattern[str]
    run: re.Pattern[str]
    encode: dict[str, int]


@cache
def _page(name: str) -> _Page:
    encode = codepages.page(name).encode
    by_byte: dict[int, list[str]] = {}
    for char, byte in encode.items():
        by_byte.setdefault(byte, []).append(char)

    def charclass(lo: int, hi: int) -> str:
        chars = [c for b in range(lo, hi + 1) for c in by_byte.get(b, ())]
        return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]" if chars else "(?!)"

    # A lead character first, then the branches (a lookbehind names each branch's lead):
    # a pattern that starts with one character class is scanned for it at C speed.
    branches = "|".join(
        f"(?<={charclass(*form[0])})" + "".join(charclass(lo, hi) for lo, hi in form[1:]) for form in _FORMS
    )
    sequence = re.compile(f"{charclass(0xC2, 0xF4)}(?:{branches})")
    return _Page(sequence, re.compile(charclass(0x80, 0xFF) + "+"), encode)


def _utf8_run(data: bytes) -> bool:
    """Whether a damaged word's bytes are UTF-8 through and through: every byte a lead byte
    followed by its continuation bytes -- all of them, or (bytes lost) up to two fewer --
    and at least one sequence complete.  A stray continuation byte, or a byte that is never
    UTF-8, means the word is text in that page, not mojibake.  So does losing more
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
        elif need - k > 2:
            return False
        kept += k
        lost += need - k
        i += 1 + k
    return complete and kept >= KEPT_PER_LOST * lost


def _single(name: str, part: str) -> tuple[tuple[int, int], ...]:
    """The damaged words of the single-byte page ``name`` in ``part``: runs of its high-byte
    characters holding a complete UTF-8 sequence and UTF-8 throughout."""
    view = _page(name)
    found = []
    hit = view.sequence.search(part)
    while hit:
        run = view.run.match(part, _run_start(part, hit.start(), view.encode))
        assert run is not None
        if _utf8_run(bytes(view.encode[c] for c in run.group())):
            found.append(run.span())
        hit = view.sequence.search(part, run.end())
    return tuple(found)


def _run_start(part: str, pos: int, encode: dict[str, int]) -> int:
    """The start of the run of high-byte characters around ``pos``."""
    while pos > 0 and encode.get(part[pos - 1], 0) >= 0x80:
        pos -= 1
    return pos


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


def signature(text: str, start: int = 0, end: int | None = None) -> Signature:
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
    words = tuple((name, spans) for name in codepages.PAGES for spans in (_single(name, part),) if spans)
    replaced = "\ufffd" in part
    wide = frozenset(codec for codec in DOUBLE_BYTE if replaced or _DOUBLE.search(part.encode(codec, "replace")))
    return Signature(words, wide, marked)


def line_signatures(text: str, parts: list[tuple[int, int]]) -> dict[tuple[int, int], Signature]:
    """The line parts of ``text`` with a signature, and theirs (offsets from each part's
    start).  The text is scanned once for single-byte words and marks; double-byte codecs
    are checked per part only when the whole text has their signature or a U+FFFD, and a
    codec whose full signature some part shows lowers the bar for the others (the short
    damaged lines of a damaged note)."""
    whole = signature(text)
    if not whole:
        return {}
    found: dict[tuple[int, int], Signature] = {}
    strong: dict[tuple[int, int], frozenset[str]] = {}
    for start, end in parts:
        words = tuple(
            (name, inside)
            for name, spans in whole.words
            for inside in (tuple((a - start, b - start) for a, b in spans if start <= a and b <= end),)
            if inside
        )
        part = text[start:end]
        marked = whole.marked and bool(MARKS.search(part))
        replaced = "\ufffd" in part
        codecs = frozenset(codec for codec in whole.codecs if replaced or _DOUBLE.search(part.encode(codec, "replace")))
        strong[(start, end)] = codecs
        found[(start, end)] = Signature(words, codecs, marked)
    shown = frozenset(codec for codecs in strong.values() for codec in codecs)
    for (start, end), sig in found.items():
        weak = shown - sig.codecs
        if weak:
            part = text[start:end]
            more = frozenset(codec for codec in weak if _WIDE.search(part.encode(codec, "replace")))
            if more:
                found[(start, end)] = Signature(sig.words, sig.codecs | more, sig.marked)
    return {seg: sig for seg, sig in found.items() if sig}
