"""Khmer read through a page that leaves 0x9E and 0x9F undefined: every character loses its
middle byte, and only Khmer orthography tells the two candidates of each apart."""

from __future__ import annotations

import pytest

from vaultkit.rulekit.encoding import repair_text
from vaultkit.text.encoding.khmer import kind, spellable
from vaultkit.text.encoding.signature import suspicious

# Sentences of everyday Khmer (none from the benchmarks): subscripts, vowels, signs, digits.
SENTENCES = (
    "ខ្ញុំស្រឡាញ់ភាសាខ្មែរ។",  # I love the Khmer language.
    "ប្រទេសកម្ពុជាមានខេត្តចំនួន២៥។",  # Cambodia has 25 provinces.
    "សូមអរគុណច្រើនសម្រាប់ជំនួយរបស់អ្នក។",  # Thank you very much for your help.
    "កុំព្យូទ័រនិងទូរស័ព្ទដៃរបស់ខ្ញុំ",  # my computer and mobile phone
    "សិស្សទាំងអស់រៀនសរសេរនៅសាលា",  # all the pupils learn to write at school
)


def pairs(text: str) -> list[tuple[str, ...]]:
    """Each Khmer character as the damage leaves it: E1, a lost byte, its last byte."""
    out = []
    for char in text:
        last = char.encode("utf-8")[2]
        out.append(tuple(bytes((0xE1, middle, last)).decode("utf-8") for middle in (0x9E, 0x9F)))
    return out


@pytest.mark.parametrize("text", SENTENCES)
def test_spelling_keeps_the_truth_and_only_khmer(text: str) -> None:
    kept = spellable(pairs(text))
    assert kept is not None
    for char, choices in zip(text, kept, strict=True):
        assert char in choices
        assert all(kind(c) for c in choices)
    assert sum(len(choices) == 1 for choices in kept) > len(text) / 3  # most are decided


def test_structure_decides_what_it_can() -> None:
    # ក (U+1780) or the vowel sign ៀ (U+17C0): a vowel sign cannot open a word; ា (U+17B6)
    # or the lunar digit U+17F6, which is no character of modern text; ស (U+179F) or an
    # unassigned code point.
    assert spellable(pairs("កាស")) == [("ក",), ("ា",), ("ស",)]
    # ធ or COENG (U+17D2) at the end of a word: COENG needs a consonant after it.
    assert spellable(pairs("សធ")) == [("ស",), ("ធ",)]
    # a number after a word (ទី១, "first") is spelt as one: the digit is not ruled out.
    assert "១" in spellable(pairs("ទី១"))[2]  # type: ignore[index]


def test_not_khmer() -> None:
    assert spellable([("a",), ("ក",)]) is None
    assert spellable(pairs("ា")) is None  # a vowel sign alone opens nothing


@pytest.mark.parametrize(("codec", "errors"), [("cp1253", "replace"), ("cp1255", "replace"), ("cp1255", "ignore")])
@pytest.mark.parametrize("text", SENTENCES)
def test_no_wrong_letter(codec: str, errors: str, text: str) -> None:
    """What the orthography decides comes back; what it leaves open stays U+FFFD.  Where the
    last byte is one the page drops too (0x98, 0x9A in Windows-1253), a slot lost two bytes
    and has far more candidates: fewer are decided than the pairs alone would allow."""
    damaged = text.encode("utf-8").decode(codec, errors=errors)
    got = repair_text(damaged)
    assert len(got) == len(text)
    assert all(g in (t, "\ufffd") for g, t in zip(got, text, strict=True))
    assert sum(g == t for g, t in zip(got, text, strict=True)) > len(text) / 4


@pytest.mark.parametrize("text", [*SENTENCES, " ".join(SENTENCES)])
def test_short_of_more_bytes_left_or_repaired(text: str) -> None:
    """Windows-1253 drops a quarter of Khmer's last bytes as well, each charged as a chance
    loss: a short text may not beat its mojibake by enough to be repaired, and is then
    left whole -- never filled with a wrong letter."""
    damaged = text.encode("utf-8").decode("cp1253", errors="ignore")
    got = repair_text(damaged)
    assert got == damaged or (len(got) == len(text) and all(g in (t, "\ufffd") for g, t in zip(got, text, strict=True)))


@pytest.mark.parametrize(
    "text",
    [
        "Τα δεδομένα «αλλάζουν» κάθε μέρα· αυτά τα αρχεία μένουν ίδια.",  # Greek with « » and ·
        "הדו״ח של חברת בע״מ — “שלום” לכולם…",  # Hebrew with gershayim, quotes, a dash
    ],
)
def test_clean_greek_and_hebrew_stay_clean(text: str) -> None:
    """Their letters are the lead bytes of Windows-1253 and -1255, beside symbols that are
    continuation bytes: no sequence kept one continuation byte in two, as Khmer's do."""
    assert not suspicious(text)
    assert repair_text(text) == text
