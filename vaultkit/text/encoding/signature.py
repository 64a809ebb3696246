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
import string
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from vaultkit.text.encoding import codepages, langmodel
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
# What every match of _DOUBLE matches too, without the lookbehinds that pick each lead's own
# continuations: a plain class sequence the regex engine runs through 2-4 times faster, and
# clean text encoded back almost never has it, so _DOUBLE rarely needs asking (_double_run).
_LOOSE_DOUBLE = re.compile(b"[\\xe0-\\xf4][\\x80-\\xbf]{2,3}" * DOUBLE_RUN)
_ALPHABETS: tuple[tuple[tuple[int, bytes], ...], ...] = (  # (lead byte, its continuation bytes) per alphabet
    ((0xD0, b"\\x80-\\xbf"), (0xD1, b"\\x80-\\x9f"), (0xD2, b"\\x90\\x91")),  # Cyrillic А-я, Ѐ-ї, Ґґ
    ((0xCE, b"\\x86-\\xbf"), (0xCF, b"\\x80-\\x8e")),  # Greek Ά-ώ
    ((0xD7, b"\\x90-\\xaa"),),  # Hebrew א-ת
    (
        (0xD8, b"\\xa0-\\xbf"),
        (0xD9, b"\\x80-\\x8a\\xbe"),
        (0xDA, b"\\x86\\x98\\xa9\\xaf"),
        (0xDB, b"\\x8c"),
    ),  # Arabic, Persian
)


def _letter(forms: tuple[tuple[int, bytes], ...]) -> bytes:
    """One letter of an alphabet, as a regular expression over bytes."""
    return b"(?:" + b"|".join(b"\\x%02x[%s]" % (lead, trail) for lead, trail in forms) + b")"


def _class_first(forms: tuple[tuple[int, bytes], ...], rest: bytes) -> bytes:
    """A letter of ``forms`` then ``rest``, with the lead-byte class first (scanned for at C
    speed) and each lead's own continuation bytes after a look-behind."""
    leads = b"".join(b"\\x%02x" % lead for lead, _ in forms)
    tails = b"|".join(b"(?<=\\x%02x)[%s]" % (lead, trail) for lead, trail in forms)
    return b"[%s](?:%s)%s" % (leads, tails, rest)


# The letters of the alphabets that are two bytes in UTF-8 (Cyrillic with Ukrainian Ґ, Greek,
# Hebrew, Arabic with the Persian letters): DOUBLE_RUN of one alphabet in a row, in the text
# encoded back with a double-byte codec, is a word of that alphabet read as that codec
# (``袩褉懈胁械褌`` is ``Привет`` read as GBK).  Clean Chinese, Japanese and Korean encode
# back to at most three such letters in a row on the help vault and the Chinese corpora.
ALPHABET_RUN = re.compile(
    b"|".join(_class_first(forms, b"%s{%d}" % (_letter(forms), DOUBLE_RUN - 1)) for forms in _ALPHABETS)
)
# Latin letters with accents (À-ÿ but × and ÷, Latin Extended-A, Romanian ș ț) between two
# ASCII letters (``Z谩kladn铆`` is ``Základní`` read as GBK, ``谩`` the bytes of ``á``): twice
# in a line part.  Clean Chinese, Japanese and Korean encode back to none on the help vault
# and the Chinese corpora (a Chinese character after a Latin word, ``Kï``, happens).
_LATIN: tuple[tuple[int, bytes], ...] = (
    (0xC3, b"\\x80-\\x96\\x98-\\xb6\\xb8-\\xbf"),
    (0xC4, b"\\x80-\\xbf"),
    (0xC5, b"\\x80-\\xbf"),
    (0xC8, b"\\x98-\\x9b"),
)
LATIN_INSIDE = re.compile(_class_first(_LATIN, b"(?<=[A-Za-z]..)" + _letter(_LATIN) + b"*(?=[A-Za-z])"))
LATIN_TWICE = 2
_LATIN_BYTES = bytes(range(0x80, 0xC0)) + b"\xc3\xc4\xc5\xc8"
# One sequence of any of these: what a line part needs once the note has shown the codec's signature.
_ONE_SEQUENCE = re.compile(
    b"|".join([_WIDE_SEQUENCE, LATIN_INSIDE.pattern] + [_class_first(forms, b"") for forms in _ALPHABETS])
)
_ALPHABET_LEADS = b"\xce\xcf\xd0\xd1\xd2\xd7\xd8\xd9\xda\xdb"
_ALPHABET_BYTES = bytes(range(0x80, 0xC0)) + _ALPHABET_LEADS  # the bytes of its letters
# Marks that need no code page: C1 controls, U+FFFD, GBK-family bytes read as Latin-1 (two
# double-byte characters at least), and a no-break space that became a space after a lead.
# One character class first (an alternation would be tried at every position of the text),
# then the mark that character starts.
_MARK_FIRST = "\x80-\xff\ufffd"
_MARK_REST = "(?<=[\x80-\x9f\ufffd])|(?<=[\xa1-\xff])[\xa1-\xff]{3}|(?<=[\xc2\xc3\xc5\xce\xd0\xd9]) "
MARKS = re.compile(f"[{_MARK_FIRST}](?:{_MARK_REST})")


def _marked(part: str) -> bool:
    """Whether ``part`` has a mark of :data:`MARKS` that is not a writer's own: a run of one
    letter repeated (``ÅÅÅÅ-MM-DD``, a date format's placeholder: GBK-family text does not
    repeat one byte four times) or a one-letter word at the start of a word (Norwegian
    ``Å navigere``, Swedish ``Å andra sidan``: ftfy's ``restore_byte_a0`` looks for the
    lead of a no-break space that became a space, which a word of its own is not)."""
    for mark in MARKS.finditer(part):
        start, end = mark.span()
        if end - start == 4 and len(set(mark.group())) == 1 and mark.group().isalpha():
            continue
        if (
            mark.group().endswith(" ")
            and (start == 0 or not part[start - 1].isalpha())
            and end < len(part)
            and part[end].isalpha()
        ):
            continue
        return True
    return False


@cache
def _table(name: str) -> str:
    """The 256 characters the single-byte page ``name`` spells with bytes 00-FF, in byte order:
    a C1 control that a sloppy decoder passed through stands for its own byte, and the page's
    other undefined bytes get Unicode noncharacters, which text never holds.  Every page of
    :data:`.codepages.PAGES` is ASCII below 80 and has 256 distinct characters (a test holds
    that), so a character of the text is one byte of the page, ``?`` if it has none."""
    decode = codepages.page(name).decode
    spare = iter(range(0xFDD0, 0xFDF0))
    return "".join(
        char if char is not None else chr(b) if 0x80 <= b <= 0x9F else chr(next(spare)) for b, char in enumerate(decode)
    )


@cache
def _map(name: str) -> Any:
    """A charmap encoding map of :func:`_table` (``codecs.charmap_build``'s ``EncodingMap``, as
    Python's own code pages use; typing does not name it)."""
    return codecs.charmap_build(_table(name))


def _bytes(name: str, part: str) -> bytes:
    """``part`` spelt in the bytes of the single-byte page ``name``, one byte per character:
    ``?`` (never part of a multi-byte sequence) for what the page cannot encode.  The
    codec machinery does it at C speed."""
    return codecs.charmap_encode(part, "replace", _map(name))[0]


def _chars(chars: str) -> str:
    """A regular-expression character class of ``chars``, as ranges of consecutive code points
    (thousands of CJK characters compile in milliseconds that way)."""
    points = sorted(set(map(ord, chars)))
    ranges: list[list[int]] = []
    for point in points:
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]"


@dataclass(frozen=True)
class _Page:
    """What a single-byte page's signature looks like in the text itself, without encoding it.

    Since each character is one byte of the page, "a lead byte (C2-F4) then a continuation byte
    (80-BF)" -- where every multi-byte sequence starts -- is a pair of character classes, and a
    run of high bytes (80-FF) a run of the page's non-ASCII characters."""

    pair: re.Pattern[str]
    high: frozenset[str]
    run: re.Pattern[str]
    leads: frozenset[str]  # the pair's two classes, as sets (:func:`_pages`)
    continuations: frozenset[str]
    start: re.Pattern[str]  # what a damaged word holds, at least (:func:`_runs`)


@cache
def _page(name: str) -> _Page:
    table = _table(name)
    high = table[0x80:]
    leads, continuations = table[0xC2:0xF5], table[0x80:0xC0]
    pair = re.compile(_chars(leads) + _chars(continuations))
    return _Page(
        pair,
        frozenset(high),
        re.compile(_chars(high) + "+"),
        frozenset(leads),
        frozenset(continuations),
        pair if _lossy(name) else re.compile(_complete(table)),
    )


def _complete(table: str) -> str:
    """A complete multi-byte UTF-8 sequence in the characters of the page ``table`` spells
    (:func:`_table`): a lead then as many continuations as it announces, matched from its
    first continuation on (:func:`_runs` goes back to the run's start anyway).  A class
    first is scanned for at C speed; continuations are the rare one in clean text (symbols,
    Ukrainian ``і``), leads are most letters of Windows-1251 or KOI8-R, and a lead first
    had the rest of the pattern tried at nearly every letter of a Russian note."""
    continuation = _chars(table[0x80:0xC0])
    rests = "|".join(
        f"(?<={_chars(table[first : last + 1])}.){continuation * more}"
        for more, (first, last) in enumerate(((0xC2, 0xDF), (0xE0, 0xEF), (0xF0, 0xF4)))
    )
    return f"{continuation}(?:{rests})"


@cache
def _any_pair() -> re.Pattern[str]:
    """A lead character of some page then a continuation character of some page: the one scan
    that rules out every single-byte page at once in clean text of any script (Chinese, Thai
    or Hindi letters are no page's; Cyrillic, Greek or Latin ones rarely come in such pairs).
    A match is the lead alone, the continuation looked ahead at (so that pairs may overlap);
    its groups are the two characters."""
    return re.compile(f"({_leads()})(?=({_continuations()}))")


@cache
def _marked_or_paired() -> re.Pattern[str]:
    """:data:`MARKS` or :func:`_any_pair`, in one scan: what clean notes stop at."""
    leads = _leads()
    return re.compile(f"[{_MARK_FIRST}{leads[1:-1]}](?:{_MARK_REST}|(?<={leads}){_continuations()})")


@cache
def _leads() -> str:
    return _chars("".join(_table(name)[0xC2:0xF5] for name in codepages.PAGES))


@cache
def _continuations() -> str:
    return _chars("".join(_table(name)[0x80:0xC0] for name in codepages.PAGES))


_AS_A = bytes.maketrans(string.ascii_letters.encode(), b"a" * len(string.ascii_letters))
# What the double-byte runs are made of, in a :func:`_shape`: DOUBLE_RUN non-ASCII characters
# in a row, at least.  Literal bytes first, which the engine scans for at C speed.
_NON_ASCII_RUNS = re.compile(rb"\?" * (DOUBLE_RUN - 1) + rb"\?+")
# Where a match of :func:`_latin_inside` can start, in a :func:`_shape`: a letter, then a
# non-ASCII character.  Two literal bytes, which the engine scans for without trying a match
# at every letter.
_AFTER_LETTER = re.compile(rb"a\?")


def _shape(part: str) -> bytes:
    """``part`` as one byte per character: ASCII letters as ``a``, other ASCII as itself and
    anything else as ``?``, made at C speed (``str.encode`` with ``replace``, then
    ``bytes.translate``).  The stretches the double-byte screen looks for have shapes
    (:data:`_NON_ASCII_RUN`, :data:`_AFTER_LETTER`) that byte searches find in it far
    faster than a regular expression over the characters, which is tried at every letter of
    a note (most of a clean Chinese note's screen time went there)."""
    return part.encode("ascii", "replace").translate(_AS_A)


def _latin_stretches(part: str, shape: bytes) -> str:
    """The matches of :func:`_latin_inside` in ``part``, each with the letter after it (a byte
    of theirs may pair with it), joined by NULs -- if there are :data:`LATIN_TWICE` of them,
    else nothing: what :func:`_latin` encodes, once per codec.  They are tried only where
    ``part``'s :func:`_shape` ``shape`` has a letter then a non-ASCII character: each match
    is a letter and non-ASCII characters after it, so it starts where such a shape does (a
    ``?`` of the text's own shapes like a non-ASCII character: the match refuses it)."""
    inside = (_latin_inside().match(part, at.start()) for at in _AFTER_LETTER.finditer(shape))
    found = [part[m.start() : m.end() + 1] for m in inside if m]
    return "\0".join(found) if len(found) >= LATIN_TWICE else ""


# The bytes of a multi-byte UTF-8 sequence of three or four bytes: lead (E0-F4) or continuation (80-BF).
_WIDE_BYTES = bytes(range(0x80, 0xC0)) + bytes(range(0xE0, 0xF5))


@cache
def _wide_chars(codec: str, spelt_with: bytes = _WIDE_BYTES, leads: bytes = b"") -> str:
    """The characters the double-byte ``codec`` spells with one or two bytes of ``spelt_with``
    (:data:`_WIDE_BYTES` unless told), one of them in ``leads`` if given, read off its own
    tables (every such byte and pair of bytes, kept where the character encodes back to them).

    :data:`DOUBLE_RUN` sequences are at least 12 such bytes in a row.  These codecs spell a
    character with at most two bytes (GB18030's four-byte forms have 30-39 as second and fourth
    byte, and ASCII, or ``?`` for what a codec cannot encode, is below 80), so at least five
    whole characters lie inside those 12 bytes, each one of these.  Few Chinese characters are
    (GBK puts most after row BF or with a trail byte above BF), so five in a row are rare in
    clean Chinese, which is then never re-encoded."""
    groups = _groups(spelt_with, spelt_with, spelt_with)
    if leads:
        groups = [[data for data in group if any(byte in leads for byte in data)] for group in groups]
    return _spelt(codec, groups)


def _groups(alone: bytes, firsts: bytes, seconds: bytes) -> list[list[bytes]]:
    """A byte of ``alone``, and a byte of ``firsts`` then one of ``seconds``: byte strings in
    the groups :func:`_spelt` reads (one of single bytes, one per first byte)."""
    pairs = [[bytes([a, b]) for b in seconds] for a in firsts]
    return [[bytes([b]) for b in alone], *pairs] if alone else pairs


def _spelt(codec: str, groups: list[list[bytes]]) -> str:
    """The characters the double-byte ``codec`` spells with one of the byte strings of
    ``groups`` (:func:`_groups`), read off its own tables: decoded, and kept where the
    character encodes back to them."""
    datas, chars = [], []
    for group in groups:  # one decoder call per group: a newline is no byte of a character here
        for data, char in zip(group, b"\n".join(group).decode(codec, "replace").split("\n"), strict=True):
            if len(char) == 1 and char != "\ufffd":
                datas.append(data)
                chars.append(char)
    back = "\n".join(chars).encode(codec, "replace").split(b"\n")
    return "".join(char for char, data, encoded in zip(chars, datas, back, strict=True) if encoded == data)


SCREEN_FORMAT = 4  # bump when what the stored classes of the screen mean changes
_WIDE_LEADS = bytes(range(0xE0, 0xF5))
_ASCII_LETTERS = bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B))
_CONTINUATIONS = bytes(range(0x80, 0xC0))


def _led(spelt_with: bytes, leads: bytes) -> str:
    """The character class of what some codec of :data:`DOUBLE_BYTE` spells with bytes of
    ``spelt_with``, one of them in ``leads`` if given (:func:`_wide_chars`)."""
    return _chars("".join(_wide_chars(codec, spelt_with, leads) for codec in DOUBLE_BYTE))


@cache
def _classes() -> dict[str, str]:
    """The character classes the double-byte screen scans for (:func:`_wide_runs`,
    :func:`_alphabet_runs`, :func:`_latin_inside`, :func:`_extension_hangul`), read off the
    codecs' tables.

    Reading them takes about 0.1 s, paid by every process that screens a non-ASCII note (a
    pre-commit run on one file, each worker of a check, an edit re-checked), so they are kept
    in the lexicon store beside the word lists (:func:`.langmodel.stored`), under everything
    they are made from: Python's build (its codecs), the codecs and the byte sets."""
    made_of = (
        _WIDE_BYTES,
        _WIDE_LEADS,
        _CONTINUATIONS,
        _ALPHABET_BYTES,
        _ALPHABET_LEADS,
        _LATIN_BYTES,
        _ASCII_LETTERS,
    )
    source = f"screen {SCREEN_FORMAT} {sys.version} {DOUBLE_BYTE} {' '.join(b.hex() for b in made_of)}"

    def build() -> dict[str, array]:
        classes = {
            "wide": _led(_WIDE_BYTES, _WIDE_LEADS),
            "alphabet": _led(_ALPHABET_BYTES, _ALPHABET_LEADS),
            "latin": _led(_LATIN_BYTES + _ASCII_LETTERS, _LATIN_BYTES),
            "latin taking": _chars(
                "".join(_spelt(codec, _groups(b"", _LATIN_BYTES, _ASCII_LETTERS)) for codec in DOUBLE_BYTE)
            ),
            "wide open": _chars(
                "".join(_spelt(codec, _groups(b"", _WIDE_LEADS, _CONTINUATIONS)) for codec in DOUBLE_BYTE)
            ),
            "extension hangul": _chars("".join(filter(langmodel.extension_hangul, map(chr, range(0xAC00, 0xD7A4))))),
        }
        for codec in DOUBLE_BYTE:  # the rest of "wide" (:func:`_wide_runs`), and what must follow it
            classes[f"ends {codec}"] = _chars(_spelt(codec, _groups(_WIDE_LEADS, _WIDE_BYTES, _WIDE_LEADS)))
            classes[f"then {codec}"] = _chars(_spelt(codec, _groups(_CONTINUATIONS, _CONTINUATIONS, _CONTINUATIONS)))
        return {name: array("B", found.encode()) for name, found in classes.items()}

    sections = langmodel.stored("screen", source, build)
    return {name: bytes(found).decode() for name, found in sections.items() if name != "source"}


@cache
def _alphabet_runs() -> re.Pattern[str]:
    """Stretches that can hold :data:`ALPHABET_RUN` in some double-byte codec, one scan for
    all codecs before anything is re-encoded (:func:`_chain`): :data:`DOUBLE_RUN` lead bytes
    with one continuation byte after each."""
    return _chain(_classes()["alphabet"], 1)


def _chain(lead: str, between: int) -> re.Pattern[str]:
    """Runs of characters that some codec of :data:`DOUBLE_BYTE` spells with some bytes,
    holding :data:`DOUBLE_RUN` characters ``lead`` matches (those spelt with a UTF-8 lead
    byte, :func:`_led`, and that can start a sequence) at most ``between`` characters apart,
    and up to ``between`` after the last.

    A UTF-8 sequence has its own lead byte and at most ``between`` continuation bytes after
    it; as these codecs spell a character with one or two bytes, no character holds two
    leads, so :data:`DOUBLE_RUN` sequences in a row are that many characters with a lead
    (one may begin before the run), none more than ``between`` apart.  The classes are the
    union of the codecs', so letters that end in a lead byte in one codec are such
    characters, unless ``lead`` asks what follows them (:func:`_wide_runs`)."""
    other = "[^\x00-\x7f]"  # any non-ASCII character: no class to build
    return re.compile(f"{lead}(?:{other}{{0,{between}}}{lead}){{{DOUBLE_RUN - 1},}}{other}{{0,{between}}}")


@cache
def _latin_inside() -> re.Pattern[str]:
    """Characters that some double-byte codec spells with the bytes of accented Latin letters
    (:data:`LATIN_INSIDE`), between two ASCII letters: what :data:`LATIN_INSIDE` can be.
    A byte of them may pair with the ASCII letter after it (``secﾈ嬖unea`` is ``secțiunea``
    read as Shift-JIS: ț's 9B and the ``i`` make ``嬖``: :func:`_classes`), and the last of
    them may take that letter as its own second byte, with no letter after it (``Grﾃｼﾃ歹``
    is ``Grüße`` read as Shift-JIS: ß's 9F and the ``e`` make ``歹``).  A match starts at the
    letter before them (:func:`_latin` encodes it too), and is asked for only where the
    text's shape has one (:func:`_latin_stretches`)."""
    classes = _classes()
    return re.compile(f"[A-Za-z]{classes['latin']}+(?:(?=[A-Za-z])|(?<={classes['latin taking']}))")


def _latin(stretches: str, codec: str) -> bool:
    """Whether :data:`LATIN_TWICE` of the ``stretches`` (:func:`_latin_stretches`) encode back
    with ``codec`` to accented Latin letters inside a word."""
    return len(LATIN_INSIDE.findall(stretches.encode(codec, "replace"))) >= LATIN_TWICE


@cache
def _extension_hangul() -> re.Pattern[str]:
    """:data:`DOUBLE_RUN` Hangul syllables in a row of those EUC-KR spells only in
    Microsoft's extension (:func:`.langmodel.extension_hangul`).  UTF-8 of Korean, Khmer or
    kana read as EUC-KR pairs its continuation bytes 80-A0 out of step with their
    characters, and among themselves where the decoder dropped a lead byte (E1-ED before a
    byte under A1): only the extension spells such pairs (``개발자라`` reads as
    ``媛쒕컻옄씪``).  With lead bytes dropped, no run of whole wide sequences is left for the
    other signatures to see.  Korean is written with the other syllables: the help vault's
    Korean notes use none of these, so four in a row is no clean text."""
    syllables = _classes()["extension hangul"]  # asking cp949 about 11,172 syllables took 8 ms a process
    # One syllable, then the rest: a class first is scanned for at C speed, a repeat first is
    # tried at every position (three times slower on notes without Hangul).
    return re.compile(f"{syllables}{syllables}{{{DOUBLE_RUN - 1}}}")


@cache
def _wide_runs() -> re.Pattern[str]:
    """Stretches that can hold :data:`DOUBLE_RUN` wide sequences in some double-byte codec
    (:func:`_chain`: lead bytes E0-F4, up to three continuation bytes after each).

    A character whose lead byte is its first, followed by a continuation byte, is a lead
    here.  One whose lead byte is its last (or only) byte is one only before a character
    that the same codec spells with continuation bytes only (a sequence needs two after the
    lead): Cyrillic о-я end in a lead in GBK (``A7 E0``-``A7 F1``) and EUC-KR (``AC E0``-
    ``AC F1``), Greek α-υ in EUC-KR (``A5 E1``-``A5 F4``), and the next letter starts with
    ``A7``, ``AC`` or ``A5`` and ends in no continuation byte.  Asked of the codecs together,
    the next letter would pass (Shift-JIS spells Russian п-я and Greek with continuation
    bytes only).  On the help vault's Greek, Russian and Ukrainian notes this leaves none
    of their 48,919, 22,077 and 18,237 runs, which were each re-encoded five times."""
    classes = _classes()
    ending = "|".join(f"(?<={classes['ends ' + codec]})(?={classes['then ' + codec]})" for codec in DOUBLE_BYTE)
    return _chain(f"{classes['wide']}(?:(?<={classes['wide open']})|{ending})", 3)


def _utf8_run(data: bytes, lossy: bool = True, leadless: bool = False) -> bool:
    """Whether a damaged word's bytes are UTF-8 through and through: every byte a lead byte
    followed by its continuation bytes -- all of them, or (bytes lost) up to two fewer --
    and at least one sequence complete.  A stray continuation byte, or a byte that is never
    UTF-8, means the word is text in that page, not mojibake.  Without ``lossy`` every
    sequence must be complete.  So does losing more
    continuation bytes than were kept: a code page drops about a tenth of them (its
    undefined bytes and the soft hyphen; a short word may lose more), while a word of lead
    bytes alone (Arabic letters in Windows-1256, before a comma that is a continuation
    byte) would have lost them all.  With ``leadless`` (a page that drops lead bytes too:
    Windows-1255 drops 0xD9-0xDF, Arabic's), a stray continuation byte is a two-byte
    character whose lead was lost, one byte kept and one lost.

    A script whose every character shares a continuation byte the page drops keeps no
    sequence complete (Khmer is ``E1 9E xx`` and ``E1 9F xx``; Windows-1253 and -1255 drop
    both 9E and 9F, and a quarter of the last bytes too): :data:`MIN_DROPS` three-byte
    sequences or more, all of them short, keeping a continuation byte for every two
    sequences at least, are that damage -- clean Greek or Hebrew words, whose letters are
    these pages' lead bytes, keep none."""
    complete = False
    kept = lost = 0
    sequences = wide = 0  # sequences, and those of three bytes that lost some
    i, n = 0, len(data)
    while i < n:
        need = sequence_length(data[i])
        sequences += 1
        if leadless and 0x80 <= data[i] <= 0xBF:
            kept += 1
            lost += 1
            i += 1
            continue
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
        else:
            wide += need == 2
        kept += k
        lost += need - k
        i += 1 + k
    if not complete:
        return wide == sequences >= MIN_DROPS and 2 * kept >= sequences
    return kept >= KEPT_PER_LOST * lost


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


@cache
def _drops_leads(name: str) -> bool:
    """Whether decoding with the lossy page ``name`` loses lead bytes of two-byte
    characters as well (Windows-1255: 0xD9-0xDF, the leads of most Arabic letters)."""
    return _lossy(name) and any(sequence_length(b) == 1 for b in codepages.page(name).lossy_fillers())


def _native(name: str, part: str, start: int, end: int, note: Callable[[], _Outside]) -> bool:
    """Whether the damaged-looking word ``part[start:end]`` of page ``name`` is a word of the
    note's own script: letters of one script (and punctuation), the script most of the
    note's other non-ASCII letters are in, not inside a word of another script, whose UTF-8
    reading is another script or a letter the note writes nowhere else -- in a note where
    no word of that page has a signature of another shape, and which writes more letters of
    that script outside such words than inside them (a note of that script).

    A short word can spell a valid UTF-8 sequence by chance: Russian ``её`` in KOI8-R is the
    bytes of ``ţ``, Ukrainian ``дії`` in Windows-1251 those of ``䳿``, Persian ``تگ`` in
    Windows-1256 those of ``ʐ``, Czech ``zvlášť`` in Windows-1250 ends in an Ogham letter.
    Mojibake of that page shows itself elsewhere in the note by characters its writers would
    not type (``Ã©``, ``äºº``, ``п╟``: symbols, ordinal indicators, box drawing), and
    mojibake made of letters of one script reads back as letters of that script the note
    uses (``Рё`` is ``и``: Windows-1251 damage of Cyrillic); neither is dismissed here.
    ``note`` gives what the note writes outside the damaged-looking words, computed only
    when a word has this shape."""
    run = part[start:end]
    scripts = set()
    for char in run:
        if char.isalpha():
            scripts.add(langmodel.script(char))
        elif not unicodedata.category(char).startswith("P"):
            return False
    if len(scripts) != 1:
        return False
    (script,) = scripts
    for k in (start - 1, end):
        if 0 <= k < len(part) and part[k].isalpha() and langmodel.script(part[k]) != script:
            return False  # a Cyrillic pair inside a Latin word: damage, not a word
    outside = note()
    if outside.strong or outside.script != script:
        return False
    read = _bytes(name, run).decode("utf-8", "ignore")
    return not any(char.isalpha() and langmodel.script(char) == script and outside.chars[char] > 0 for char in read)


@dataclass(frozen=True)
class _Outside:
    """What a note writes outside the runs with a page's signature."""

    chars: Counter[str]  # its characters
    script: str  # the script of most of its non-ASCII letters, if they outnumber those inside the runs
    strong: bool  # whether some run is not shaped as a word of one script (:func:`_native`)


def _outside(name: str, part: str) -> _Outside:
    """:class:`_Outside` for page ``name`` and the note ``part``."""
    chars = Counter(part)
    strong = False
    inside = 0
    for start, end in _runs(name, part):
        if _candidate(name, part, start, end):
            run = part[start:end]
            chars.subtract(run)
            inside += sum(1 for c in run if c.isalpha())
            strong = strong or not all(c.isalpha() or unicodedata.category(c).startswith("P") for c in run)
    scripts: Counter[str] = Counter()
    for char, n in chars.items():
        if n > 0 and not char.isascii() and char.isalpha():
            scripts[langmodel.script(char)] += n
    script, n = scripts.most_common(1)[0] if scripts else ("", 0)
    return _Outside(chars, script if n > inside else "", strong)


def _runs(name: str, part: str) -> Iterator[tuple[int, int]]:
    """Each run of page ``name``'s high-byte characters that can be a damaged word.

    Every sequence starts with a lead byte followed by a continuation byte, a pair that
    clean text seldom has in any page (Greek in Windows-1253 is all lead bytes, Hungarian
    in MacRoman all continuation bytes), so the search goes from pair to pair -- one scan
    at C speed over the characters (:class:`_Page`).  A page that keeps every byte
    (not :func:`_lossy`) has no damaged word without a complete sequence
    (:func:`_utf8_run`), so it goes from complete sequence to complete sequence: a
    Ukrainian word has pairs (``і`` is a continuation byte in Windows-1251, ``бі`` a lead
    and a continuation), 20,728 runs in the help vault's 173 Ukrainian notes, yet next to
    never the second continuation a Cyrillic letter's lead byte (E0-FF) announces."""
    page = _page(name)
    hit = page.start.search(part)
    while hit:
        start = hit.start()
        while start > 0 and part[start - 1] in page.high:
            start -= 1
        run = page.run.match(part, start)
        assert run is not None
        yield run.span()
        hit = page.start.search(part, run.end())


def _candidate(name: str, part: str, start: int, end: int) -> bool:
    """Whether the run ``part[start:end]`` has the byte-level signature of page ``name``:
    UTF-8 throughout, and not a word followed by its punctuation mark."""
    return _utf8_run(_bytes(name, part[start:end]), _lossy(name), _drops_leads(name)) and not _word_then_mark(
        part, start, end
    )


def _single(name: str, part: str, limit: int | None = None) -> tuple[tuple[tuple[int, int], ...], int | None]:
    """The damaged words of the single-byte page ``name`` in ``part``: runs of its high-byte
    characters holding a complete UTF-8 sequence and UTF-8 throughout, not words of the
    note's own script (:func:`_native`); at most ``limit`` (one or more) of them, with where
    the search stopped when it reached that (the next lead and continuation pair, else
    None).  Only the runs that can be damaged words are encoded (:func:`_runs`)."""
    found: list[tuple[int, int]] = []
    note = cache(lambda: _outside(name, part))
    for start, end in _runs(name, part):
        if _candidate(name, part, start, end) and not _native(name, part, start, end, note):
            found.append((start, end))
            if limit is not None and len(found) >= limit:
                more = _page(name).pair.search(part, end)
                return tuple(found), None if more is None else more.start()
    return tuple(found), None


def _pages(part: str) -> tuple[str, ...]:
    """The single-byte pages that may have damaged words in ``part``: none without a lead and
    continuation pair of any page (the one scan most text stops at).  A page has one where
    some pair of any page is one of its own: the distinct pairs, found in that one scan
    (overlapping: each match is the lead alone), are checked against each page's two sets.
    Asking each page's pattern instead scanned the whole text sixteen times, a third of the
    screen's time on the help vault's Latin, Cyrillic and Greek notes.  They are grouped by
    lead, so that the check is set intersections: a Ukrainian note has hundreds of distinct
    pairs (``і`` follows most letters), which a loop over pairs per page took 0.04 s over
    the help vault's 173 Ukrainian notes to check."""
    after: dict[str, set[str]] = {}
    for lead, then in set(_any_pair().findall(part)):
        after.setdefault(lead, set()).add(then)
    pages = []
    for name in codepages.PAGES if after else ():
        page = _page(name)
        if any(not page.continuations.isdisjoint(after[lead]) for lead in page.leads.intersection(after)):
            pages.append(name)
    return tuple(pages)


def _wide(part: str, codecs: Iterable[str] = DOUBLE_BYTE) -> Iterator[str]:
    """The ``codecs`` whose full double-byte signature ``part`` has, lazily (the screen stops
    at the first): :data:`DOUBLE_RUN` wide sequences in a row, as many letters of one
    alphabet (:data:`ALPHABET_RUN`), accented Latin letters inside words
    (:data:`LATIN_INSIDE`), or (EUC-KR) :data:`DOUBLE_RUN` Hangul syllables in a row that
    only its extension spells (:func:`_extension_hangul`).  Only the stretches that can be
    these are re-encoded, each with the character on either side (the bytes may begin or
    end inside one), joined by NULs (one low byte in every codec, which no sequence crosses)."""
    if part.isascii():
        return
    shape = _shape(part)
    latin = _latin_stretches(part, shape)
    # Where ASCII is most of the note (markup, code, English words in a Chinese note), the runs
    # are scanned for in its runs of non-ASCII characters only (and of its own ``?``s, which
    # shape alike), joined by NULs: none crosses an ASCII character, and one beside a run is a
    # byte under 80 in every codec, as a NUL is -- never in a sequence.  A note mostly in
    # another script is scanned whole: its words are so many runs that joining them costs more.
    if 4 * shape.count(b"?") < len(shape):
        wide = "\0".join(part[run.start() : run.end()] for run in _NON_ASCII_RUNS.finditer(shape))
    else:
        wide = part if _NON_ASCII_RUNS.search(shape) else ""
    if not wide:
        if latin:
            yield from (codec for codec in codecs if _latin(latin, codec))
        return
    runs = "\0".join(wide[max(0, run.start() - 1) : run.end() + 1] for run in _wide_runs().finditer(wide))
    letters = "\0".join(wide[max(0, run.start() - 1) : run.end() + 1] for run in _alphabet_runs().finditer(wide))
    hangul = _extension_hangul().search(wide) is not None
    if runs or letters or hangul or latin:
        yield from (
            codec
            for codec in codecs
            if (hangul and codec == "cp949")
            or (runs and _double_run(runs.encode(codec, "replace")))
            or (letters and ALPHABET_RUN.search(letters.encode(codec, "replace")))
            or (latin and _latin(latin, codec))
        )


def _double_run(data: bytes) -> bool:
    """Whether ``data`` holds :data:`DOUBLE_RUN` wide UTF-8 sequences in a row (:data:`_DOUBLE`),
    asked of the loose pattern first (:data:`_LOOSE_DOUBLE`)."""
    return _LOOSE_DOUBLE.search(data) is not None and _DOUBLE.search(data) is not None


def _clean(text: str, start: int, stop: int) -> bool:
    """Whether ``text[start:stop]`` is ASCII (and no-break spaces) only: no signature at all."""
    if start == 0 and stop == len(text) and text.isascii():
        return True  # O(1): CPython knows whether a string is ASCII
    return _SCREEN.search(text, start, stop) is None


# Any character that can be part of a signature: all but ASCII and the no-break space.
_SCREEN = re.compile("[^\x00-\x7f\xa0]")


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
    if _clean(text, start, stop):
        return NONE
    part = text[start:stop]
    marked = _marked(part)
    words, stopped = [], None
    for name in _pages(part):
        spans, gave_up = _single(name, part, limit)
        if spans:
            words.append((name, spans))
        if gave_up is not None:
            stopped = min(gave_up, stopped if stopped is not None else gave_up)
    replaced = "\ufffd" in part
    wide = frozenset(DOUBLE_BYTE) if replaced else frozenset(_wide(part))
    return Signature(tuple(words), wide, marked, None if stopped is None else start + stopped)


def suspicious(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` has any signature: :func:`signature`, stopping at the
    first evidence found."""
    stop = len(text) if end is None else end
    if _clean(text, start, stop):
        return False
    part = text[start:stop]
    if _marked_or_paired().search(part) and (_marked(part) or any(_single(name, part, 1)[0] for name in _pages(part))):
        return True
    return any(_wide(part))


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
        marked = whole.marked and _marked(part)
        replaced = "\ufffd" in part
        codecs = whole.codecs if replaced else frozenset(_wide(part, whole.codecs))
        strong[(start, end)] = codecs
        found[(start, end)] = Signature(tuple(words), codecs, marked, whole.stopped)
    shown = frozenset(codec for codecs in strong.values() for codec in codecs)
    if not shown and "\ufffd" not in text:
        # Accented letters read as a double-byte codec, one inside a word per line (Danish
        # or Romanian read as EUC-KR or Shift-JIS: ``vﾃｦlg``, ``g훱sit``): the note shows
        # LATIN_TWICE, no line part does.  Its other signatures are runs, which lines hold.
        shown = whole.codecs
    for (start, end), sig in found.items():
        weak = shown - sig.codecs
        if weak:
            part = text[start:end]
            more = frozenset(codec for codec in weak if _ONE_SEQUENCE.search(part.encode(codec, "replace")))
            if more:
                found[(start, end)] = Signature(sig.words, sig.codecs | more, sig.marked, sig.stopped)
    return {seg: sig for seg, sig in found.items() if sig or (whole.stopped is not None and seg[0] >= whole.stopped)}
