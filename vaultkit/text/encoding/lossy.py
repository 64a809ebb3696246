"""Read damaged text's bytes back as UTF-8, with candidates for the bytes that were lost.

Re-encoding mojibake with the code page that made it gives back the original bytes -- all
of them when the damage was lossless, some of them when the decoder dropped bytes
(``errors='ignore'``, a stripped soft hyphen) or turned them into U+FFFD
(``errors='replace'``).  That is a byte *template*: the surviving bytes, each tied to the
damaged character it came from, with ``None`` for a byte known to be lost at that spot.

UTF-8 describes itself -- a lead byte says how many continuation bytes follow -- so a
template parses into characters, and a character short of bytes becomes an open *slot*
whose candidates are every valid character that putting lost byte values back can make.
The language model then picks one candidate per slot (:mod:`.langmodel`).  Bytes that are
not UTF-8 at all end a *piece*; parsing resumes at the next damaged character, so clean
text next to damage is left alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import cast

from vaultkit.text.encoding.langmodel import INF, block_cost


@dataclass(frozen=True, slots=True)
class Slot:
    """One character of the repaired text: the template bytes it covers and its candidates."""

    start: int
    end: int
    choices: tuple[str, ...]
    lost: int = 0  # bytes of this character that were lost (0: intact)
    blind: bool = False  # its lead byte was lost: nothing but context says what it was
    led: bool = False  # a blind slot whose lead the run's script chose (cjk._one_lead)


@dataclass(frozen=True, slots=True)
class Template:
    """Surviving bytes (``None``: one byte lost here) and the damaged character of each."""

    data: tuple[int | None, ...]
    origin: tuple[int, ...]

    def boundary(self, p: int) -> bool:
        """Whether byte ``p`` starts a damaged character (or is the end)."""
        return p == 0 or p >= len(self.data) or self.origin[p] != self.origin[p - 1]


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the template that reads as UTF-8: ``chars`` are damaged-text indices."""

    char_start: int
    char_end: int
    slots: tuple[Slot, ...]

    @property
    def lost(self) -> int:
        return sum(s.lost for s in self.slots)

    @property
    def multibyte(self) -> int:
        """Characters of two or more bytes: the evidence that this is UTF-8 at all."""
        return sum(1 for s in self.slots if s.end - s.start + s.lost > 1)


Check = Callable[[int, int | None], bool]  # (lost byte value, byte after it) -> does it reproduce the damage?


def sequence_length(lead: int) -> int:
    """Continuation bytes a UTF-8 lead byte announces; -1 if it is not a lead byte."""
    if lead < 0x80:
        return 0
    if 0xC2 <= lead <= 0xDF:
        return 1
    if 0xE0 <= lead <= 0xEF:
        return 2
    if 0xF0 <= lead <= 0xF4:
        return 3
    return -1


@dataclass(frozen=True)
class Reader:
    """How the damage lost bytes: the values a lost byte may have had, and how it was lost.

    ``drops``: bytes may have vanished without a trace -- only continuation bytes, at most
    ``max_missing`` per character (the lead byte of every character survives, or the
    character would not be seen at all).  ``check`` filters the value of a marked lost
    byte by the byte after it: the damage must come out the same (analysis by synthesis).
    ``paired``: a marked lost lead byte followed by another marked lost byte is read as a
    character with both lost (Windows-1255 leaves both bytes of Persian ``ف``, D9 81,
    undefined), not as a dead end.  ``leadless``: a continuation byte where a character
    should start is one whose lead byte was dropped, when one of ``fillers`` can be that
    lead (Windows-1255 drops Arabic's 0xD9; ``В`` read as EUC-KR dropping bytes is its 0x92
    alone); nothing but context says which.  ``double_byte``: a double-byte decoder lost the
    bytes, and it loses lead bytes as readily as continuation bytes: two marked lost bytes
    in a row may be one two-byte letter, both of whose bytes it lost (a Cyrillic ``я`` read
    as EUC-KR is ``��``), unless a continuation byte follows them (no character can follow
    the letter then); and a dropped lead byte's character takes every continuation byte in
    a row (more than three: those of its damaged character), where a single-byte page's
    takes as few as its possible leads announce.
    """

    fillers: tuple[int, ...]
    drops: bool = False
    max_missing: int = 2
    check: Check | None = None
    paired: bool = False  # two marked lost bytes in a row may be one character's lead and continuation
    leadless: bool = False  # a continuation byte may start a character whose lead byte was dropped
    double_byte: bool = False

    def pieces(self, template: Template) -> list[Piece]:
        """Every maximal stretch of ``template`` that parses, from damaged character to
        damaged character; what does not parse is skipped."""
        data = template.data
        n = len(data)
        found: list[Piece] = []
        p = 0
        while p < n:
            slots: list[Slot] = []
            q = p
            while q < n:
                slot = self.unit(data, q, template.boundary)
                if slot is None:
                    break
                slots.append(slot)
                q = slot.end
            while slots and not template.boundary(slots[-1].end):
                slots.pop()  # a character cut in half at the end does not count
            end = slots[-1].end if slots else p
            if slots:
                found.append(Piece(template.origin[p], template.origin[end - 1] + 1, tuple(slots)))
            p = max(end, p + 1)
            while p < n and not template.boundary(p):
                p += 1
        return found

    def unit(self, data: Sequence[int | None], p: int, boundary: Callable[[int], bool]) -> Slot | None:
        """The character starting at byte ``p``, or None if no UTF-8 character starts there
        (``boundary``: where damaged characters start, :meth:`Template.boundary`)."""
        n = len(data)
        byte = data[p]
        if byte is not None and byte < 0x80:
            return Slot(p, p + 1, (chr(byte),))
        after = data[p + 1] if p + 1 < n else None
        follow = data[p + 2] if p + 2 < n else None
        if self.double_byte and byte is None and after is None and p + 1 < n and not _continuation(follow):
            pair = _lost_pair(self.fillers, self.check, follow)
            if pair:
                return Slot(p, p + 2, pair, 2, True)
        if self.leadless and _continuation(byte):
            return self._leadless(data, p, boundary)
        if byte is None:  # a lost lead byte: as wide as the known continuation bytes after it
            width = 1 if self.paired and p + 1 < n and data[p + 1] is None else 0
            while (
                width < 3
                and p + 1 + width < n
                and data[p + 1 + width] is not None
                and 0x80 <= data[p + 1 + width] < 0xC0  # type: ignore[operator]
            ):
                width += 1
            leads = self._leads_before(width, after)
        else:
            width = sequence_length(byte)
            leads = (byte,)
        if width <= 0 or not leads:
            return None
        present = _continuations(data, p + 1, width)
        missing = width - present
        if missing and (not self.drops or missing > self.max_missing):
            return None
        body = tuple(data[p + 1 : p + 1 + present])
        follow = data[p + 1 + present] if p + 1 + present < n else None
        choices = self._candidates(leads, body, missing, follow)
        if not choices:
            return None
        return Slot(p, p + 1 + present, choices, missing + body.count(None) + (byte is None), byte is None)

    def _leadless(self, data: Sequence[int | None], p: int, boundary: Callable[[int], bool]) -> Slot | None:
        """The character whose continuation bytes start at ``p``, its lead byte dropped.  After
        a single-byte page, as wide as the narrowest lead among ``fillers`` announces (Arabic
        letters in a row, each without its 0xD9, are two-byte characters, not one of three
        bytes); after a double-byte decoder, every continuation byte in a row (at most three:
        more is more than one character's worth: then the damaged character says which bytes go
        together -- kana read as EUC-KR lose every E3 and each leaves its two continuation bytes
        as one Hangul syllable)."""
        n = len(data)
        if self.double_byte:
            width = _continuations(data, p, 4)
            if width > 3:
                width = next((w for w in range(1, 4) if boundary(p + w)), width)
            if width > 3 or None in data[p : p + width]:
                return None
            widths: Sequence[int] = (width,)
        else:
            widths = (1, 2, 3)
        for width in widths:
            if p + width > n or not all(_continuation(b) for b in data[p : p + width]):
                return None
            first = cast("int", data[p])
            leads = self._leads_before(width, first)
            if leads:
                follow = data[p + width] if p + width < n else None
                choices = self._candidates(leads, tuple(data[p : p + width]), 0, follow)
                return Slot(p, p + width, choices, 1, True) if choices else None
        return None

    def _candidates(
        self, leads: tuple[int, ...], body: tuple[int | None, ...], missing: int, follow: int | None
    ) -> tuple[str, ...]:
        """Every valid character: a lead, then ``body`` with ``missing`` lost bytes put back
        anywhere and every marked lost byte filled."""
        if not missing and None not in body and len(leads) == 1:
            char = _valid(bytes([leads[0], *body]))  # type: ignore[list-item]
            return (char,) if char else ()
        return _fill(leads, body, missing, self._continuation_fillers, self.check, follow if self.check else None)

    def _leads_before(self, width: int, after: int | None) -> tuple[int, ...]:
        """The ``fillers`` that lead a character of ``width`` continuation bytes and, lost
        before the byte ``after``, reproduce the damage (:attr:`check`; all of them without
        one).  Memoised per reader: the same few bytes follow lost leads all over a note, and
        each answer asked ``check`` of dozens of fillers."""
        found = self._checked.get((width, after))
        if found is None:
            check = self.check
            found = self._checked[(width, after)] = tuple(
                b for b in self._leads.get(width, ()) if check is None or check(b, after)
            )
        return found

    @cached_property
    def _checked(self) -> dict[tuple[int, int | None], tuple[int, ...]]:
        """The memo of :meth:`_leads_before`."""
        return {}

    @cached_property
    def _leads(self) -> dict[int, tuple[int, ...]]:
        """``fillers`` by the continuation bytes each announces as a lead byte
        (:func:`sequence_length`), in their order: asked of every lost or dropped lead byte,
        tens of thousands of times in a damaged note, where sifting all of ``fillers`` each
        time took some 8% of the analysis of the bench vault's damaged notes."""
        found: dict[int, list[int]] = {}
        for byte in self.fillers:
            found.setdefault(sequence_length(byte), []).append(byte)
        return {width: tuple(bytes_) for width, bytes_ in found.items()}

    @cached_property
    def _continuation_fillers(self) -> tuple[int, ...]:
        """The ``fillers`` that are continuation bytes, in their order (:meth:`_leads`' reason)."""
        return tuple(b for b in self.fillers if 0x80 <= b < 0xC0)


@lru_cache(maxsize=65536)
def _fill(
    leads: tuple[int, ...],
    body: tuple[int | None, ...],
    missing: int,
    conts: tuple[int, ...],
    check: Check | None,
    follow: int | None,
) -> tuple[str, ...]:
    """Memoised: the same damaged character recurs all over a note."""
    found: dict[str, None] = {}
    width = len(body) + missing
    for inserted in itertools.combinations(range(width), missing):
        it = iter(body)
        shape = [-1 if k in inserted else next(it) for k in range(width)]
        holes = [k for k, v in enumerate(shape) if v is None or v == -1]
        # A hole followed by a known byte (or by the end) passes the check or not on its own
        # value: only those values are tried, in order, so the same characters come out in
        # the same order as from all of conts ** len(holes), for a fraction of the work.
        options = [
            [v for v in conts if _alone(shape, k, v, check, follow)] if check is not None else conts for k in holes
        ]
        # Each lost byte -- marked or dropped -- must be one the decoder would have lost, given
        # the byte after it: the options passed that already, but for a hole followed by
        # another hole, whose value each combination gives.
        linked = [k for k in holes if k + 1 < width and shape[k + 1] in (None, -1)] if check is not None else []
        for lead in leads:
            for values in itertools.product(*options):
                filled = list(shape)
                for k, v in zip(holes, values, strict=True):
                    filled[k] = v
                if linked and check is not None and not _reproduces(filled, linked, check):
                    continue
                char = _valid(bytes([lead, *cast("list[int]", filled)]))  # every hole is filled
                if char is not None:
                    found[char] = None
    return tuple(found)


def _continuation(byte: int | None) -> bool:
    return byte is not None and 0x80 <= byte < 0xC0


@lru_cache(maxsize=1024)
def _lost_pair(fillers: tuple[int, ...], check: Check | None, follow: int | None) -> tuple[str, ...]:
    """Every two-byte character both of whose bytes a decoder loses, the second before
    ``follow``: its lead byte lost before its continuation byte, that one before ``follow``."""
    found = []
    for lead in fillers:
        if sequence_length(lead) != 1:
            continue
        for cont in fillers:
            if not 0x80 <= cont < 0xC0 or (check is not None and not (check(lead, cont) and check(cont, follow))):
                continue
            char = _valid(bytes((lead, cont)))
            if char is not None:
                found.append(char)
    return tuple(found)


def _alone(shape: list, k: int, v: int, check: Check, follow: int | None) -> bool:
    """Whether value ``v`` in hole ``k`` can reproduce the damage: False only where the byte
    after the hole is known (or is ``follow``) and the check rejects ``v`` before it (before
    another hole, :func:`_fill` checks each combination of the two)."""
    if k + 1 == len(shape):
        return check(v, follow)
    after = shape[k + 1]
    return after is None or after == -1 or check(v, after)


def _reproduces(filled: list, linked: list[int], check: Check) -> bool:
    """Whether each hole of ``linked`` (one followed by another) holds a byte the decoder
    would have lost before the byte filled in after it."""
    return all(check(filled[k], filled[k + 1]) for k in linked)


def _continuations(data: Sequence[int | None], p: int, limit: int) -> int:
    count = 0
    while count < limit and p + count < len(data):
        byte = data[p + count]
        if byte is not None and not 0x80 <= byte < 0xC0:
            break
        count += 1
    return count


def _valid(char_bytes: bytes) -> str | None:
    try:
        char = char_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return char if len(char) == 1 and block_cost(char) < INF else None


SEPARATOR = 0xFF  # stands for a character the damage cannot have made: never UTF-8


def template_of(text: str, encode: Callable[[str], bytes | None], markers: bool = True) -> Template:
    """The bytes ``text`` came from under a wrong decoding: ``encode`` gives a character's
    bytes (None when that decoding cannot produce it); with ``markers``, U+FFFD marks one
    lost byte (else it is a character the damage did not make)."""
    data: list[int | None] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char == "\ufffd" and markers:
            raw: Sequence[int | None] = (None,)
        else:
            raw = encode(char) or bytes([SEPARATOR])
        data.extend(raw)
        origin.extend([index] * len(raw))
    return Template(tuple(data), tuple(origin))
