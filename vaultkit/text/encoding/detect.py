"""Which encoding a file that is not UTF-8 is in, and whether that is known or only guessed.

A transcode that picks the wrong code page rewrites a note as garbage, so a reading is
*sure* -- and the fix safe -- only when three things hold at once:

1. the bytes round-trip: decoding and encoding again gives exactly the file;
2. the reading looks like real text in its language *in absolute terms*: most of its words
   with non-ASCII letters are words of that language (wordfreq's word lists), and there
   are enough of them to judge -- not merely a better score than the other candidates,
   which is no evidence when the right code page was not among them;
3. every other reading that gives a different text is clearly worse *on the words where
   the two differ*: sibling pages (KOI8-R/KOI8-U, Windows-1252/ISO-8859-15, Windows-1251
   for Russian, Ukrainian or Bulgarian) differ in a few letters, and only the words with
   those letters can decide between them.

Otherwise the best reading is still used to index and report the note, with a confidence
below :data:`SURE` (its fix is then unsafe).  Every single-byte page of the languages
Obsidian users write is a candidate; the double-byte ones (GBK/GB18030, Big5, Shift-JIS,
EUC-JP, EUC-KR) when charset-normalizer's best guess is double-byte, judged by the share of
their Chinese, Japanese or Korean characters that sit inside dictionary words.  Only the
small word lists are read here (a few hundred KB per language, once per process).

A file that is mostly UTF-8 with some lines in a legacy code page (a paste from an old
editor) is decoded line by line instead: transcoding it whole with either encoding would
damage the other part.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from vaultkit.text.encoding import langmodel

SINGLE_BYTE = (
    "cp1252",
    "latin-1",
    "iso8859-15",
    "cp1250",
    "iso8859-2",
    "iso8859-16",
    "cp1251",
    "koi8-r",
    "koi8-u",
    "iso8859-5",
    "cp1253",
    "iso8859-7",
    "cp1254",
    "iso8859-9",
    "cp1255",
    "iso8859-8",
    "cp1256",
    "cp1257",
    "iso8859-13",
    "cp1258",
    "cp874",
    "mac-roman",
)
DOUBLE_BYTE = ("gb18030", "big5", "cp932", "cp949", "euc-jp")
SAMPLE_BYTES = 4000  # non-ASCII bytes scored per double-byte reading
SURE = 0.99  # confidence from which transcoding is safe
MIN_WORDS = 3  # words with non-ASCII letters a single-byte reading needs to be judged at all
KNOWN_SHARE = 0.5  # share of them that must be words of the language
PLAUSIBLE = 0.5  # confidence from which a transcode is offered at all (as an unsafe fix)
MIN_HAN = 8  # CJK characters a double-byte reading needs to be judged at all
HAN_IN_WORDS = 0.6  # share of them that must sit inside dictionary words
LABELS = {
    "gb18030": "GB18030/GBK",
    "big5": "Big5",
    "cp932": "Shift-JIS",
    "cp949": "EUC-KR",
    "euc-jp": "EUC-JP",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "latin-1": "Latin-1",
    "mac-roman": "MacRoman",
    "koi8-r": "KOI8-R",
    "koi8-u": "KOI8-U",
    "cp874": "Windows-874 (Thai)",
}
# The languages each script may be written in, as wordfreq codes: a reading is judged in the
# one whose word list knows most of its words.
SCRIPT_LANGUAGES = {
    "CYRILLIC": ("ru", "uk", "bg", "mk"),
    "GREEK": ("el",),
    "HEBREW": ("he",),
    "ARABIC": ("ar", "fa", "ur"),
    "LATIN": (
        "en",
        "fr",
        "de",
        "es",
        "pt",
        "it",
        "nl",
        "ca",
        "da",
        "nb",
        "sv",
        "is",
        "fi",
        "pl",
        "cs",
        "sk",
        "sl",
        "sh",
        "hu",
        "ro",
        "tr",
        "lt",
        "lv",
        "vi",
        "id",
        "ms",
        "fil",
    ),
}
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@dataclass(frozen=True)
class Detection:
    """A reading of bytes that are not UTF-8: its codec (``utf-8+cp1252`` for a mixed
    file), the text, how sure it is and what it is called."""

    encoding: str
    text: str
    confidence: float

    @property
    def label(self) -> str:
        return label(self.encoding)


def label(encoding: str) -> str:
    """``GB18030/GBK`` for ``gb18030``, ``Windows-1252`` for ``cp1252``..."""
    parts = encoding.split("+")
    return " with lines in ".join(LABELS.get(p, _page_label(p)) for p in parts)


def _page_label(codec: str) -> str:
    if codec == "utf-8":
        return "UTF-8"
    if codec.startswith("cp125"):
        return f"Windows-{codec[2:]}"
    if codec.startswith("iso8859-"):
        return f"ISO-8859-{codec[8:]}"
    return codec


def detect(data: bytes) -> Detection | None:
    """The best reading of ``data`` (which is not valid UTF-8), or None if nothing fits."""
    lines = data.splitlines(keepends=True)
    good = [line for line in lines if not line.isascii() and _utf8(line)]
    bad = [line for line in lines if not _utf8(line)]
    if good and bad:
        mixed = _mixed(lines, bad)
        if mixed is not None:
            return mixed
    found = []
    single = [codec for codec in SINGLE_BYTE if _decodes(data, codec)]
    if single:
        found.append(_judge_single(data, single))
    if not found or found[0].confidence < SURE:
        wide = [codec for codec in DOUBLE_BYTE if _decodes(data, codec)]
        if wide and _wide_guess(data):
            found.append(_judge_wide(data, wide))
    return max(found, key=lambda d: d.confidence, default=None)


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decodes(data: bytes, codec: str) -> bool:
    """Whether ``codec`` decodes ``data`` and encodes the text back to exactly ``data``."""
    try:
        return data.decode(codec).encode(codec) == data
    except (UnicodeError, LookupError):
        return False


def _wide_guess(data: bytes) -> bool:
    """Whether charset-normalizer's best guess is a double-byte encoding."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return best is not None and _wide(best.encoding)


def _wide(codec: str) -> bool:
    """Whether ``codec`` has characters of more than one byte."""
    try:
        return any(len(c.encode(codec)) > 1 for c in "中あ한")
    except (UnicodeEncodeError, LookupError):
        return False


@cache
def _common(lang: str) -> frozenset[str]:
    """The commonest words of ``lang``, to tell languages apart (empty without a list)."""
    try:
        return langmodel.common_words(lang)
    except (LookupError, OSError, ValueError):
        return frozenset()


@cache
def _vocabulary(lang: str) -> frozenset[str]:
    """Every word of wordfreq's small list for ``lang`` (down to a frequency of about one
    in a million), to judge a reading: loaded only for the language a reading is in."""
    try:
        return frozenset(w for bucket in langmodel._wordfreq_buckets(lang, ("small",)) for w in bucket)
    except (LookupError, OSError, ValueError):
        return frozenset()


_WORD = re.compile(
    r"[^\W\d_](?:[^\W\d_]|[\u0300-\u036f\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0e31-\u0e4e]|['’](?=\w))*"
)


def _tokens(text: str) -> list[str]:
    """The words of ``text`` that hold non-ASCII letters: runs of letters (with their
    combining marks and inner apostrophes), case-folded, ``’`` as ``'``.  One-letter words
    do not count: a punctuation mark read as a letter (``—`` as MacRoman ``ó``) would be
    one, and so are some word lists' entries."""
    return [w.casefold().replace("’", "'") for w in _WORD.findall(text) if not w.isascii() and len(w) > 1]


def _language(text: str) -> str:
    """The language of a reading, from all its words (ASCII ones too: an English note with
    a few dashes is English, whatever its dashes read as), among those of its scripts."""
    words = [w.casefold().replace("’", "'") for w in _WORD.findall(text, 0, 20000)]
    return _known(words)[1]


def _known(tokens: list[str]) -> tuple[int, str]:
    """How many of ``tokens`` are words of their language, and that language: among those
    of the tokens' script, the one whose commonest words cover most of them."""
    scripts = {langmodel.script(c) for token in tokens for c in token}
    candidates = [lang for name in sorted(scripts) for lang in SCRIPT_LANGUAGES.get(name, ())]
    best = (0, "")
    for lang in dict.fromkeys(candidates):
        words = _common(lang)
        count = sum(1 for token in tokens if token in words)
        if count > best[0]:
            best = (count, lang)
    if not best[1]:
        return best
    words = _vocabulary(best[1])
    return sum(1 for token in tokens if token in words), best[1]


def _judge_single(data: bytes, readings: list[str]) -> Detection:
    """The single-byte reading whose words are most often real words, with its confidence:
    at least :data:`SURE` when the absolute and the sibling tests pass (see the module's
    docstring), at least :data:`PLAUSIBLE` when it looks like its language and beats every
    other reading on the words where they differ, else below (no fix is offered)."""
    texts = {codec: data.decode(codec) for codec in readings}
    tokens = {codec: _tokens(text) for codec, text in texts.items()}
    if max(len(found) for found in tokens.values()) < MIN_WORDS:
        # Too few words to judge any reading (or to load word lists for): the commonest page.
        return Detection(readings[0], texts[readings[0]], 0.3)
    scored = []
    for rank, codec in enumerate(readings):
        lang = _language(texts[codec])
        words = _vocabulary(lang)
        known = sum(1 for token in tokens[codec] if token in words)
        share = known / len(tokens[codec]) if tokens[codec] else 0.0
        scored.append((-share, rank, codec, lang))
    scored.sort()
    share, _, best, lang = -scored[0][0], *scored[0][1:]
    plausible = bool(lang) and share >= KNOWN_SHARE
    sure = plausible and len(tokens[best]) >= MIN_WORDS
    rivals = [codec for _, _, codec, _ in scored[1:] if texts[codec] != texts[best]]
    for codec in rivals:
        mine, theirs = _differing(texts[best], texts[codec], lang)
        sure = sure and mine >= theirs + 2 and mine > 2 * theirs
        plausible = plausible and mine > theirs
    if sure:
        confidence = 1.0 if not rivals else SURE
    elif plausible:
        confidence = max(PLAUSIBLE, min(0.9, round(share, 3)))
    else:
        confidence = min(round(share, 3), PLAUSIBLE - 0.01)
    return Detection(best, texts[best], confidence)


def _differing(best: str, rival: str, lang: str) -> tuple[float, int]:
    """How two single-byte readings of the same bytes (one character per byte, so aligned)
    fare where they differ: (real words of ``best`` there, real words of ``rival`` there).
    A rival that puts a control or unassigned character where ``best`` has text is ruled
    out (``inf``); so are words by the letters that differ -- the words of ``best`` that
    hold a differing character, and the same stretches of ``rival``."""
    diff = [k for k, (a, b) in enumerate(zip(best, rival, strict=True)) if a != b]
    if any(_impossible(rival[k]) for k in diff) and not any(_impossible(best[k]) for k in diff):
        return math.inf, 0
    spans: list[tuple[int, int]] = []
    for k in diff:
        if not spans or k >= spans[-1][1]:
            match = _word_at(best, k)
            if match:
                spans.append(match)
    words = _vocabulary(lang)
    mine = sum(1 for a, b in spans if best[a:b].casefold().replace("’", "'") in words)
    others = [rival[a:b] for a, b in spans if _WORD.fullmatch(rival[a:b])]
    theirs = [w.casefold().replace("’", "'") for w in others]
    return mine, max(_known(theirs)[0] if theirs else 0, sum(1 for w in theirs if w in words))


def _word_at(text: str, k: int) -> tuple[int, int] | None:
    """The span of the word of ``text`` around position ``k``, if ``text[k]`` is in one."""
    start = k
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    for match in _WORD.finditer(text, start):
        if match.start() > k:
            return None
        if match.end() > k:
            return match.span()
    return None


def _impossible(char: str) -> bool:
    """A character no text holds: a control other than white space, or unassigned."""
    return unicodedata.category(char) in ("Cc", "Cn", "Co") and not char.isspace()


def _judge_wide(data: bytes, readings: list[str]) -> Detection:
    """The double-byte reading that makes the most dictionary words; sure when enough of
    its CJK characters sit inside words and no other reading comes close."""
    scored = []
    for rank, codec in enumerate(readings):
        text = data.decode(codec)
        han, inside = _words_inside(_sample(text))
        scored.append((-(inside / han) if han else 0.0, rank, codec, text, han, inside))
    scored.sort()
    _, _, best, text, han, inside = scored[0]
    share = inside / han if han else 0.0
    sure = han >= MIN_HAN and share >= HAN_IN_WORDS
    for other_share, _, _, other_text, _, _ in scored[1:]:
        if other_text != text and -other_share > share - 0.25:
            sure = False
    confidence = SURE if sure else min(round(share, 3), PLAUSIBLE - 0.01)
    if sure and all(other_text == text for _, _, _, other_text, _, _ in scored[1:]):
        confidence = 1.0
    return Detection(best, text, confidence)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


def _sample(text: str) -> str:
    """The CJK runs of ``text``, up to about :data:`SAMPLE_BYTES` characters' worth."""
    out, size = [], 0
    for run in _CJK.findall(text):
        out.append(run)
        size += len(run)
        if size >= SAMPLE_BYTES // 2:
            break
    return " ".join(out)


def _words_inside(sample: str) -> tuple[int, int]:
    """(CJK characters of ``sample``, those inside dictionary words of two or more)."""
    han = inside = 0
    lex = langmodel.lexicon(langmodel.language(sample)) if sample else None
    for run in sample.split():
        if lex is None:
            break
        decoding = langmodel.decode([(c,) for c in run], lex)
        covered = {k for i, j in decoding.words for k in range(i, j)}
        han += len(run)
        inside += len(covered)
    return han, inside


def _mixed(lines: list[bytes], bad: list[bytes]) -> Detection | None:
    """UTF-8 with some lines in a legacy encoding: each line read the way that fits it.

    None when the file is all in the legacy encoding after all: a double-byte encoding's
    line can be valid UTF-8 by accident (GB18030 ``筛选`` is the bytes of ``ɸѡ``), but then
    it holds only two-byte sequences, where Chinese, Japanese or Korean UTF-8 has three.
    """
    legacy = detect(b"".join(bad))
    if legacy is None or "+" in legacy.encoding:
        return None
    utf8 = [_utf8(line) and not (_wide(legacy.encoding) and _accidental(line, legacy.encoding)) for line in lines]
    if not any(u and not line.isascii() for u, line in zip(utf8, lines, strict=True)):
        return None
    text = "".join(
        line.decode("utf-8") if u else line.decode(legacy.encoding) for u, line in zip(utf8, lines, strict=True)
    )
    return Detection(f"utf-8+{legacy.encoding}", text, min(legacy.confidence, 0.9))


def _accidental(line: bytes, codec: str) -> bool:
    """Whether a valid UTF-8 ``line`` is rather ``codec`` (double-byte) text: it has no
    character of three or more UTF-8 bytes, and reads in ``codec``."""
    if max(map(ord, line.decode("utf-8"))) >= 0x800:
        return False
    try:
        line.decode(codec)
    except UnicodeDecodeError:
        return False
    return True
