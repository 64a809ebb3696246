"""Khmer orthography: which Khmer characters can follow which, for candidates no word list ranks.

No word list of Khmer exists (wordfreq has none), yet UTF-8 read with a page that leaves
0x9E and 0x9F undefined (Windows-1253, Windows-1255) loses the middle byte of every Khmer
character: each becomes ``E1 ? xx``, U+1780+xx-0x80 or U+17C0+xx-0x80 -- a consonant or a
vowel sign, sign, COENG, punctuation mark or digit.  The Unicode Standard (ch. 16.4,
"Khmer") spells a syllable as a consonant or independent vowel, then subscript consonants
(COENG U+17D2 and a consonant each), the register shifters, at most one dependent vowel,
then the other signs; digits make numbers, punctuation ends a phrase.  A run that keeps to
that structure decides many pairs by itself: a vowel sign cannot open a word, COENG needs a
consonant after it, a code point left unassigned is no character at all.  What the
structure allows both ways (a consonant, or a vowel sign or sign, after a consonant) stays
open: nothing ranks the two, and a repair leaves U+FFFD there rather than guess.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Classes of Khmer characters (Unicode Standard, ch. 16.4).
_BASE = "B"  # consonants U+1780-17A2, independent vowels U+17A5-17B3
_SHIFTER = "R"  # register shifters MUUSIKATOAN U+17C9, TRIISAP U+17CA: right after the consonant cluster
_VOWEL = "V"  # dependent vowels U+17B6-17C5
_SIGN = "S"  # the other signs: NIKAHIT .. VIRIAM U+17C6-17D1 but the shifters, ATTHACAN U+17DD
_COENG = "C"  # U+17D2: the next consonant is written below
_DIGIT = "D"  # U+17E0-17E9
_PUNCTUATION = "P"  # KHAN .. KOOMUUT U+17D4-17DA: ends a phrase

# State machine over a run of Khmer characters: state -> class -> next state.  States:
# 0 start of the run, 1 after a base or subscript consonant, 2 after COENG, 3 after a
# register shifter, 4 after the dependent vowel, 5 after a sign, 6 in a number, 7 after
# punctuation (only the end of the run may follow).
_NEXT: dict[int, dict[str, int]] = {
    0: {_BASE: 1, _DIGIT: 6},
    1: {_BASE: 1, _COENG: 2, _SHIFTER: 3, _VOWEL: 4, _SIGN: 5, _PUNCTUATION: 7, _DIGIT: 6},
    2: {_BASE: 1},
    3: {_BASE: 1, _VOWEL: 4, _SIGN: 5, _PUNCTUATION: 7, _DIGIT: 6},
    4: {_BASE: 1, _SIGN: 5, _PUNCTUATION: 7, _DIGIT: 6},
    5: {_BASE: 1, _SIGN: 5, _PUNCTUATION: 7, _DIGIT: 6},
    6: {_DIGIT: 6, _BASE: 1, _PUNCTUATION: 7},
    7: {},
}
_FINAL = frozenset({0, 1, 3, 4, 5, 6, 7})  # not 2: COENG needs a consonant after it


@lru_cache(maxsize=512)
def kind(char: str) -> str:
    """The orthographic class of a Khmer character; empty for any other character and
    for Khmer ones no modern text writes (unassigned, deprecated, the inherent vowels)."""
    point = ord(char)
    if not 0x1780 <= point <= 0x17FF or unicodedata.category(char) == "Cn":
        return ""
    if 0x1780 <= point <= 0x17A2 or 0x17A5 <= point <= 0x17B3:
        return _BASE
    if 0x17B6 <= point <= 0x17C5:
        return _VOWEL
    if point in (0x17C9, 0x17CA):
        return _SHIFTER
    if 0x17C6 <= point <= 0x17D1 or point == 0x17DD:
        return _SIGN
    if point == 0x17D2:
        return _COENG
    if 0x17D4 <= point <= 0x17DA:
        return _PUNCTUATION
    if 0x17E0 <= point <= 0x17E9:
        return _DIGIT
    return ""


def spellable(run: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]] | None:
    """Each slot of ``run`` (the candidates of consecutive characters) kept to the Khmer
    candidates that some well-formed spelling of the whole run uses, or None if the run
    has no such spelling (it is not all Khmer)."""
    reach: list[set[int]] = [{0}]
    for choices in run:
        reach.append({_NEXT[s][kind(c)] for s in reach[-1] for c in choices if kind(c) in _NEXT[s]})
    live = reach[-1] & _FINAL
    if not live:
        return None
    kept: list[tuple[str, ...]] = [()] * len(run)
    for k in range(len(run) - 1, -1, -1):
        moves = [(s, c) for s in reach[k] for c in run[k] if _NEXT[s].get(kind(c)) in live]
        kept[k] = tuple(c for c in run[k] if any(c == m for _, m in moves))
        live = {s for s, _ in moves}
    return kept
