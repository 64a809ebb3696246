"""UTF-8 read as a double-byte CJK encoding (GBK/GB18030, Big5, Shift-JIS, EUC-KR), and
the reverse: GBK-family bytes read as Latin-1 (``ÖÐÎÄ`` for ``中文``).

``涓枃`` is ``中文``'s UTF-8 read as GBK.  Re-encoding the damaged text with GBK gives the
UTF-8 back, except where the decoder met a byte pair GBK has no character for: with
``errors='replace'`` CPython's CJK decoders replace exactly one byte there by U+FFFD and go
on with the next byte.  So every U+FFFD is one lost byte at a known spot, and a candidate
for it must fail to decode in front of the byte that follows it -- the repair has to
reproduce the damage ("analysis by synthesis"; :class:`~.lossy.Reader` ``check``).

GBK accepts almost any byte pair, so Latin text can always be "read" as Chinese; the gates
against that live with the language model in :mod:`.locate`.  ftfy does not handle any of
this (its issue #34 declined GB*, #119 on Shift-JIS is open).
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cache, lru_cache

from vaultkit.text.encoding import langmodel, signature
from vaultkit.text.encoding.lossy import SEPARATOR, Piece, Reader, Slot, Template, template_of
from vaultkit.text.encoding.mojibake import Proposal

# (codec, label), most common first.
CODECS = (
    ("gbk", "GBK"),
    ("gb18030", "GB18030"),
    ("big5", "Big5"),
    ("cp932", "Shift-JIS"),
    ("cp949", "EUC-KR"),
)
LEGACY_CODECS = (("gbk", "GBK"), ("big5", "Big5"), ("cp932", "Shift-JIS"), ("cp949", "EUC-KR"))
HIGH_BYTES = tuple(range(0x80, 0x100))
FOREIGN_LETTERS = 3  # letters of another script a reading needs to count as that script's text


def foreign(chars: Iterable[str]) -> bool:
    """Whether most non-ASCII letters of a reading, and at least :data:`FOREIGN_LETTERS`,
    are of other scripts than Chinese, Japanese and Korean: UTF-8 of Russian, Arabic or Thai
    read as GBK reads back as that script, and is judged as that script's text, not by the
    Chinese words it lacks.  A letter or two is no text (``占`` reads back as ``ռ``)."""
    scripts = [name for name in (langmodel.script(c) for c in chars if not c.isascii()) if name]
    alien = sum(name not in langmodel.CJK_SCRIPTS for name in scripts)
    return alien >= FOREIGN_LETTERS and alien * 2 > len(scripts)


@cache
def _reader(codec: str, drops: bool = False) -> Reader:
    """Lost bytes marked by U+FFFD (``errors='replace'``) or, with ``drops``, gone without
    a trace (``errors='ignore'``); either way each must fail to decode before the next byte."""
    return Reader(HIGH_BYTES, drops=drops, check=_LostHere(codec), leadless=drops, double_byte=True)


class _LostHere:
    """Would the decoder have replaced ``byte`` by U+FFFD when ``after`` followed it?

    CPython's CJK decoders replace one byte and resume at the next, so the answer depends
    on the two bytes only; answers are remembered per codec.
    """

    def __init__(self, codec: str) -> None:
        self.codec = codec
        self.table: dict[tuple[int, int | None], bool] = {}

    def _lost(self, byte: int, after: int | None) -> bool:
        raw = bytes((byte,)) if after is None else bytes((byte, after))
        decoded = raw.decode(self.codec, errors="replace")
        if after is None:
            return decoded == "\ufffd"
        return decoded[0] == "\ufffd" and decoded[1:] == bytes((after,)).decode(self.codec, errors="replace")

    def __call__(self, byte: int, after: int | None) -> bool:
        known = self.table.get((byte, after))
        if known is None:
            known = self.table[(byte, after)] = self._lost(byte, after)
        return known


@cache
def _encoder(codec: str) -> Callable[[str], bytes | None]:
    @lru_cache(maxsize=16384)
    def encode(char: str) -> bytes | None:
        try:
            return char.encode(codec)
        except UnicodeEncodeError:
            return None

    return encode


def double_byte_proposals(segment: str, codecs: Iterable[str] | None = None) -> list[Proposal]:
    """Stretches of ``segment`` that are UTF-8 read as one of :data:`CODECS` (of ``codecs``
    only, when given: those whose byte-level signature the segment has): those of the codec
    that explains the most damaged characters."""
    allowed = {codec for codec, _ in CODECS} if codecs is None else set(codecs)
    best: list[Proposal] = []
    best_score = 0
    high = {c for c in segment if ord(c) > 0x7F and c != "\ufffd"}
    reach = {codec: sum(1 for c in high if _encoder(codec)(c)) for codec, _ in CODECS}
    most = max(reach.values(), default=0)
    for codec, label in CODECS:
        if (
            codec not in allowed or not most or reach[codec] < most
        ):  # a codec that cannot even spell the text loses anyway
            continue
        template = template_of(segment, _encoder(codec))
        for drops in (False, True) if "\ufffd" not in segment else (False,):
            found = [
                Proposal.read_as(label, piece, template)
                for piece in (_trimmed(_one_lead(found), template) for found in _reader(codec, drops).pieces(template))
                if piece is not None and piece.multibyte >= 2
            ]
            score = sum(p.end - p.start for p in found)
            if score > best_score:
                best, best_score = found, score
    return best


# Stretches of bytes that are UTF-8: ASCII and whole multi-byte sequences (checked strictly after).
_UTF8_STRETCH = re.compile(
    b"(?:[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})+"
)


def alphabet_proposals(segment: str, codecs: Iterable[str]) -> list[Proposal]:
    """Exact repairs of UTF-8 in a two-byte alphabet (Cyrillic, Greek, Hebrew, Arabic, Latin
    letters with accents) read as one of ``codecs`` (those whose signature the segment
    has): the stretches of ``segment`` whose bytes in that codec are UTF-8 and hold
    :data:`.signature.ALPHABET_RUN` (letters of one alphabet in a row) or an accented Latin
    letter inside a word (:data:`.signature.LATIN_INSIDE`), which clean Chinese, Japanese
    and Korean never encode back to; those of the codec that repairs the most characters.

    GBK and GB18030 give every byte pair of these letters a character, so the damage loses
    nothing and re-encoding gives the UTF-8 back byte for byte; the language model has
    nothing to choose (it would not judge Russian by its Chinese characters either)."""
    best: list[Proposal] = []
    for codec, label in CODECS:
        if codec not in codecs:
            continue
        encode = _encoder(codec)
        # What the codec cannot encode (U+FFFD above all) ends a stretch: read as "?" it
        # would be ASCII inside one, and the U+FFFD of a lost byte would be "repaired" to "?".
        pieces = [encode(char) or bytes([SEPARATOR]) for char in segment]
        data = b"".join(pieces)
        starts = list(itertools.accumulate((len(piece) for piece in pieces), initial=0))  # byte offset of each char
        found = []
        for stretch in _UTF8_STRETCH.finditer(data):
            if not (signature.ALPHABET_RUN.search(stretch.group()) or signature.LATIN_INSIDE.search(stretch.group())):
                continue
            first = bisect.bisect_left(starts, stretch.start())
            last = bisect.bisect_right(starts, stretch.end()) - 1  # chars [first, last) lie inside
            while first < last and segment[first].isascii():
                first += 1
            while last > first and segment[last - 1].isascii():
                last -= 1
            try:
                fixed = data[starts[first] : starts[last]].decode("utf-8")
            except UnicodeDecodeError:
                continue
            if fixed != segment[first:last]:
                found.append(Proposal(first, last, f"UTF-8 read as {label}", fixed=fixed, trusted=True))
        if sum(p.end - p.start for p in found) > sum(p.end - p.start for p in best):
            best = found
    return best


# Two-byte characters of GBK, Big5, Shift-JIS or EUC-KR read as Latin-1: a high byte, then a
# trail byte -- high again, or an ASCII letter or symbol from @ to ~ -- at least twice over.
LATIN1_RUN = re.compile(r"(?:[\xa1-\xfe][\x40-\x7e\xa1-\xfe]){2,}")


def _one_lead(piece: Piece) -> Piece:
    """``piece`` with its lost lead bytes read as one byte, where that byte, and only it,
    makes every one of them a letter of one script other than Chinese, Japanese and Korean.

    The letters of a small script share their lead byte (Khmer's E1 9E/9F, Thai's E0 B8/B9)
    and EUC-KR loses the E1 of every Khmer letter, reading 9E xx as Hangul: a character whose
    lead byte was lost alone has one candidate per lead, at the same offset of each block of
    4,096 code points, and with no letter intact and no word list for Khmer nothing else tells
    them apart (a dingbat costs less than a Khmer letter).  Chinese ideographs and Hangul
    fill their blocks, so every lead of theirs reads as one script and says nothing; other
    text reads as one script under one lead only by chance, its continuation bytes landing
    in that script's rows :data:`.signature.DOUBLE_RUN` times in a row.  Japanese kana share
    E3 81-83, bytes that under EA are Yi syllables: two readings, and no choice made.  The
    script's punctuation (Khmer's ``។``) neither counts nor breaks the run."""
    lone = [k for k, slot in enumerate(piece.slots) if slot.blind and slot.lost == 1 and len(slot.choices) > 1]
    if len(lone) < signature.DOUBLE_RUN:
        return piece
    by_lead = [{char.encode()[0]: char for char in piece.slots[k].choices} for k in lone]
    readings: list[tuple[int, str]] = []
    for lead in set.intersection(*(set(found) for found in by_lead)):
        chars = [found[lead] for found in by_lead]
        names = [langmodel.script_of(c) for c in chars if not unicodedata.category(c).startswith("P")]
        # (both kana count as one script; the long-vowel mark ``ー`` is KATAKANA-HIRAGANA)
        scripts = {"KANA" if name.split("-")[0] in langmodel.KANA else name for name in names}
        if len(names) >= signature.DOUBLE_RUN and len(scripts) == 1 and not scripts & {"CJK", "HANGUL", ""}:
            readings.append((lead, scripts.pop()))
    if len(readings) != 1 or readings[0][1] == "KANA":
        return piece  # none, a choice, or kana alone: Japanese, which its word list judges
    slots = list(piece.slots)
    for k, found in zip(lone, by_lead, strict=True):
        slots[k] = replace(slots[k], choices=(found[readings[0][0]],), led=True)
    return Piece(piece.char_start, piece.char_end, tuple(slots))


def _trimmed(piece: Piece, template: Template) -> Piece | None:
    """``piece`` without alphabet letters at its ends: reading resumes after a lost lead
    byte wherever the bytes happen to form UTF-8, and a lone ``ȷ`` or ``ж`` before the
    Chinese is that accident, not text.  Nor does a space begin a piece: reading resumes
    at one too, and clean Korean after it (``널``, B3 CE, read as ``ɳ`` short of its C9
    and a Greek letter short of its last byte) is no damage for the space to shield.  A
    piece whose letters are mostly of an alphabet is that alphabet's text (Russian read as
    Shift-JIS): its first and last words stay."""
    slots = list(piece.slots)
    alphabetic = foreign(slot.choices[0] for slot in slots if len(slot.choices) == 1)

    def stray(slot: Slot) -> bool:
        return not alphabetic and len(slot.choices) == 1 and langmodel.script(slot.choices[0]) in langmodel.ALPHABETS

    def blank(slot: Slot) -> bool:
        return len(slot.choices) == 1 and slot.choices[0].isspace()

    while slots and (stray(slots[0]) or blank(slots[0]) or not template.boundary(slots[0].start)):
        slots.pop(0)
    while slots and (stray(slots[-1]) or not template.boundary(slots[-1].end)):
        slots.pop()
    if not slots:
        return None
    return Piece(template.origin[slots[0].start], template.origin[slots[-1].end - 1] + 1, tuple(slots))


def legacy_proposals(segment: str) -> list[Proposal]:
    """Runs of Latin-1 letters that decode as GBK, Big5, Shift-JIS or EUC-KR: exact repairs,
    one proposal per codec (the language model chooses)."""
    return [p for m in LATIN1_RUN.finditer(segment) for p in _legacy(segment, m.start(), m.end())]


def _legacy(segment: str, start: int, end: int) -> list[Proposal]:
    """One proposal per codec that decodes the stretch; the language model picks."""
    raw = segment[start:end].encode("latin-1")
    found = []
    for codec, label in LEGACY_CODECS:
        try:
            fixed = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        found.append(Proposal(start, end, f"{label} read as Latin-1", fixed=fixed))
    return found
