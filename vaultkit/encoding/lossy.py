"""Rebuild UTF-8 characters that lost bytes, as sets of candidates per character.

Damage that drops bytes (a decoder's ``errors='ignore'``, a stripped soft hyphen) or turns
them into U+FFFD (``errors='replace'``) leaves a byte *template*: the bytes that survived,
each tied to the damaged character it came from, with ``None`` for a byte known to be lost
at that spot.  UTF-8 describes itself -- a lead byte says how many continuation bytes follow
-- so a template parses into characters, and a character short of bytes becomes an open
*slot* whose candidates are every valid character that re-inserting lost byte values can
make.  The language model then picks one candidate per slot (:mod:`.langmodel`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vaultkit.encoding.langmodel import INF, block_cost

CONTINUATION = range(0x80, 0xC0)


@dataclass(frozen=True, slots=True)
class Slot:
    """One character of the repaired text: the template bytes it covers and its candidates."""

    start: int
    end: int
    choices: tuple[str, ...]
    lost: int = 0  # how many of its bytes were lost (0 for an intact character)


@dataclass(frozen=True, slots=True)
class Template:
    """Surviving bytes (``None`` = one lost byte here) and the damaged character of each."""

    data: tuple[int | None, ...]
    origin: tuple[int, ...]


def sequence_length(lead: int) -> int:
    """Continuation bytes a UTF-8 lead byte announces (-1: not a lead byte)."""
    if lead < 0x80:
        return 0
    if 0xC2 <= lead <= 0xDF:
        return 1
    if 0xE0 <= lead <= 0xEF:
        return 2
    if 0xF0 <= lead <= 0xF4:
        return 3
    return -1


def _valid(char_bytes: bytes) -> str | None:
    try:
        char = char_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return char if len(char) == 1 and block_cost(char) < INF else None


Check = Callable[[int, int | None], bool]  # (lost byte value, byte after it) -> reproduces the damage?


def parse(
    template: Template,
    fillers: Sequence[int],
    drops: bool = False,
    max_missing: int = 2,
    check: Check | None = None,
) -> list[Slot] | None:
    """Split ``template`` into characters; None when it is not UTF-8 with lost bytes.

    ``fillers`` are the values a lost byte may have had.  With ``drops`` true, bytes may
    also have vanished without a trace (at most ``max_missing`` per character; only
    continuation bytes, since the lead byte of every character survived).  ``check``
    filters a marked lost byte by the byte after it (analysis by synthesis).
    """
    data = template.data
    n = len(data)
    conts = [b for b in fillers if 0x80 <= b < 0xC0]
    leads = [b for b in fillers if sequence_length(b) > 0]
    slots: list[Slot] = []
    p = 0
    while p < n:
        byte = data[p]
        if byte is not None and byte < 0x80:
            slots.append(Slot(p, p + 1, (chr(byte),)))
            p += 1
            continue
        if byte is None:
            tail = _continuations(data, p + 1, 3)
            options = [lead for lead in leads if sequence_length(lead) == tail]
            if check is not None:
                options = [lead for lead in options if check(lead, data[p + 1] if p + 1 < n else None)]
            width = tail
        else:
            width = sequence_length(byte)
            if width <= 0:
                return None
            options = [byte]
        present = _continuations(data, p + 1, width)
        missing = width - present
        if missing and (not drops or missing > max_missing):
            return None
        body = data[p + 1 : p + 1 + present]
        choices = _candidates(options, body, missing, conts, check, data[p + 1 + present] if p + 1 + present < n else None)
        if not choices:
            return None
        lost = missing + body.count(None) + (byte is None)
        slots.append(Slot(p, p + 1 + present, choices, lost))
        p += 1 + present
    return slots


def _continuations(data: tuple[int | None, ...], p: int, limit: int) -> int:
    count = 0
    while count < limit and p + count < len(data):
        byte = data[p + count]
        if byte is not None and not 0x80 <= byte < 0xC0:
            break
        count += 1
    return count


def _candidates(
    leads: list[int],
    body: tuple[int | None, ...],
    missing: int,
    conts: list[int],
    check: Check | None,
    after: int | None,
) -> tuple[str, ...]:
    """Every valid character: a lead, the body with lost bytes filled, ``missing`` inserted."""
    found: dict[str, None] = {}
    width = len(body) + missing
    for positions in itertools.combinations(range(width), missing):
        shape: list[int | None | str] = []
        it = iter(body)
        for k in range(width):
            shape.append("+" if k in positions else next(it))
        holes = [k for k, v in enumerate(shape) if v is None or v == "+"]
        for lead in leads:
            for values in itertools.product(conts, repeat=len(holes)):
                filled = list(shape)
                for k, v in zip(holes, values, strict=True):
                    filled[k] = v
                if check is not None and not _marked_ok(shape, filled, check, after):
                    continue
                char = _valid(bytes([lead, *filled]))  # type: ignore[list-item]
                if char is not None:
                    found[char] = None
    return tuple(found)


def _marked_ok(shape: list, filled: list, check: Check, after: int | None) -> bool:
    """Every marked lost byte must have been lost given the byte that followed it."""
    for k, v in enumerate(shape):
        if v is None:
            nxt = filled[k + 1] if k + 1 < len(filled) else after
            if not check(filled[k], nxt):
                return False
    return True
