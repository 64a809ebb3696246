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

When too few words hold a non-ASCII letter to judge by words (an English note with only
dashes and quotes), or no word list exists (Thai), a reading is also sure when *where its
characters sit* decides: all of them sit as real text has them (letters of the language's
alphabet, quotes at word edges, dashes between words, Thai vowel signs on consonants) and
every reading that gives another text puts a control, a letter of another script or of no
word, or a sign inside a word where the two differ (:func:`_judge_placement`).

Otherwise the best reading is still used to index and report the note, with a confidence
below :data:`SURE` (its fix is then unsafe).  Every single-byte page of the languages
Obsidian users write is a candidate; the double-byte ones (GBK/GB18030, Big5, Shift-JIS,
EUC-JP, EUC-KR) when chardet's best guess is double-byte, judged by the share of
their Chinese, Japanese or Korean characters that sit inside dictionary words; a double-byte
reading that is sure that way is taken without judging the single-byte ones (the same bytes
read one per character are letter salad, and judging them loads a word list per page's
language).  Only the small word lists are read here (a few hundred KB per language, once
per process).

A file that is mostly UTF-8 with some lines in a legacy code page (a paste from an old
editor) is decoded line by line instead: transcoding it whole with either encoding would
damage the other part.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from vaultkit.text.encoding import langmodel
from vaultkit.text.encoding.langmodel import script_of

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
    "mac-cyrillic",
    "cp1253",
    "iso8859-7",
    "cp1254",
    "iso8859-9",
    "cp1255",
    "iso8859-8",
    "cp1256",
    "iso8859-6",
    "cp1257",
    "iso8859-13",
    "cp1258",
    "cp874",
    "mac-roman",
)
DOUBLE_BYTE = ("gb18030", "big5", "cp932", "cp949", "euc-jp")
SCAN = 20000  # characters of a single-byte reading judged (its language, where its characters sit)
SAMPLE_BYTES = 4000  # non-ASCII bytes scored per double-byte reading
SURE = 0.99  # confidence from which transcoding is safe
MIN_WORDS = 3  # words with non-ASCII letters a single-byte reading needs to be judged at all
KNOWN_SHARE = 0.5  # share of them that must be words of the language
PLAUSIBLE = 0.5  # confidence from which a transcode is offered at all (as an unsafe fix)
MIN_HAN = 8  # CJK characters a double-byte reading needs to be judged at all
HAN_IN_WORDS = 0.6  # share of them that must sit inside dictionary words
MIN_LANGUAGE_WORDS = 20  # commonest-word hits from which a reading's language, and so its alphabet, is known
RUNNER_UP = 0.8  # languages with this share of the best one's hits may be the text's too
MIN_THAI = 20  # Thai characters a reading needs to be judged by Thai spelling
# The script each non-Latin page was made for: a reading through one of them that has no letter
# of that script (an English note's dashes read as KOI8-R ``≈``) is not a text anyone wrote in it.
PAGE_SCRIPTS = {
    "cp1251": "CYRILLIC",
    "koi8-r": "CYRILLIC",
    "koi8-u": "CYRILLIC",
    "iso8859-5": "CYRILLIC",
    "mac-cyrillic": "CYRILLIC",
    "cp1253": "GREEK",
    "iso8859-7": "GREEK",
    "cp1255": "HEBREW",
    "iso8859-8": "HEBREW",
    "cp1256": "ARABIC",
    "iso8859-6": "ARABIC",
    "cp874": "THAI",
}
LABELS = {
    "gb18030": "GB18030/GBK",
    "big5": "Big5",
    "cp932": "Shift-JIS",
    "cp949": "EUC-KR",
    "euc-jp": "EUC-JP",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "utf-32-le": "UTF-32LE",
    "utf-32-be": "UTF-32BE",
    "latin-1": "Latin-1",
    "mac-roman": "MacRoman",
    "mac-cyrillic": "MacCyrillic",
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
    wide = [codec for codec in DOUBLE_BYTE if _decodes(data, codec)]
    judged = _judge_wide(data, wide) if wide and _wide_guess(data) else None
    if judged is not None and judged.confidence >= SURE:
        # One candidate is clear: chardet proposes a double-byte reading and most of its
        # Chinese, Japanese or Korean characters make dictionary words.  The single-byte
        # readings of such bytes are letter salad, and judging them (every page's words
        # against its language's word list, where each character sits) costs ten times more.
        return judged
    found = []
    single = [codec for codec in SINGLE_BYTE if _decodes(data, codec)]
    if single:
        found.append(_judge_single(data, single))
    if judged is not None and (not found or found[0].confidence < SURE):
        found.append(judged)
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
    """Whether chardet's best guess is a double-byte encoding."""
    import chardet

    guess = chardet.detect(data)["encoding"]
    return guess is not None and _wide(guess)


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
        return _folded(langmodel.common_words(lang))
    except (LookupError, OSError, ValueError):
        return frozenset()


@cache
def _vocabulary(lang: str) -> frozenset[str]:
    """Every word of wordfreq's small list for ``lang`` (down to a frequency of about one
    in a million), to judge a reading: loaded only for the language a reading is in."""
    try:
        return _folded(w for bucket in langmodel._wordfreq_buckets(lang, ("small",)) for w in bucket)
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
    return [_fold(w) for w in _WORD.findall(text) if not w.isascii() and len(w) > 1]


def _language(text: str) -> str:
    """The language of a reading, from all its words (ASCII ones too: an English note with
    a few dashes is English, whatever its dashes read as), among those of its scripts."""
    return _known(_words(text))[1]


def _words(text: str) -> list[str]:
    """All the words of (the start of) ``text``, case-folded, ``’`` as ``'``."""
    return [_fold(w) for w in _WORD.findall(text, 0, SCAN)]


def _fold(word: str) -> str:
    """``word`` as the word lists spell it: case-folded, composed (Windows-1258 Vietnamese
    writes tone marks as combining characters), ``’`` as ``'``."""
    folded = word.casefold().replace("’", "'")
    return folded if folded.isascii() else unicodedata.normalize("NFC", folded).translate(_CEDILLA)


def _folded(words: Iterable[str]) -> frozenset[str]:
    """:func:`_fold` of every word, as a set: the words joined by newlines and folded at once.
    Each step works on characters or on runs a newline cannot join (case folding, NFC, whose
    compositions never span a newline), so the result is the words folded one by one -- in a
    few calls over one string instead of five per word (a word list of 200,000 words)."""
    listed = list(words)
    text = "\n".join(listed).casefold().replace("’", "'")
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        text = text.replace("ş", "ș").replace("ţ", "ț")
    return frozenset(text.split("\n")) if listed else frozenset()


# Romanian ș and ț were written ş and ţ (cedilla) until Unicode 3.0 and in every legacy page
# but ISO-8859-16; Turkish has only ş.  No language tells them apart, so neither do the word
# lists here: a Windows-1250 and an ISO-8859-16 reading of Romanian are the same words, and
# nothing decides between them.
_CEDILLA = str.maketrans("şţ", "șț")


def _ranked(tokens: list[str]) -> list[tuple[int, str]]:
    """The languages of the tokens' scripts that know any of them, as (how many of the tokens
    are among their commonest words, language), most first."""
    scripts = {langmodel.script(c) for token in tokens for c in token}
    candidates = [lang for name in sorted(scripts) for lang in SCRIPT_LANGUAGES.get(name, ())]
    ranked = []
    for lang in dict.fromkeys(candidates):
        words = _common(lang)
        count = sum(1 for token in tokens if token in words)
        if count:
            ranked.append((count, lang))
    return sorted(ranked, key=lambda hit: -hit[0])


def _known(tokens: list[str]) -> tuple[int, str]:
    """How many of ``tokens`` are words of their language, and that language: among those
    of the tokens' script, the one whose commonest words cover most of them."""
    ranked = _ranked(tokens)
    if not ranked:
        return 0, ""
    words = _vocabulary(ranked[0][1])
    return sum(1 for token in tokens if token in words), ranked[0][1]


def _judge_single(data: bytes, readings: list[str]) -> Detection:
    """The single-byte reading whose words are most often real words, with its confidence:
    at least :data:`SURE` when the absolute and the sibling tests pass (see the module's
    docstring), at least :data:`PLAUSIBLE` when it looks like its language and beats every
    other reading on the words where they differ, else below (no fix is offered)."""
    texts = {codec: data.decode(codec) for codec in readings}
    tokens = {codec: _tokens(text) for codec, text in texts.items()}
    if max(len(found) for found in tokens.values()) < MIN_WORDS:
        # Too few words to judge any reading by its words: where its characters sit may still
        # decide (an English note with only dashes and quotes); else the commonest page.
        placed = _judge_placement(texts)
        return placed or Detection(readings[0], texts[readings[0]], 0.3)
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
        return Detection(best, texts[best], 1.0 if not rivals else SURE)
    placed = _judge_placement(texts)
    if placed is not None and (placed.text == texts[best] or not plausible):
        return placed
    if plausible:
        return Detection(best, texts[best], max(PLAUSIBLE, min(0.9, round(share, 3))))
    return Detection(best, texts[best], min(round(share, 3), PLAUSIBLE - 0.01))


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
    mine = sum(1 for a, b in spans if _fold(best[a:b]) in words)
    others = [rival[a:b] for a, b in spans if _WORD.fullmatch(rival[a:b])]
    theirs = [_fold(w) for w in others]
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


# Typographic punctuation, placed as in print: an opening mark starts a word, a closing one
# ends it, a dash or an ellipsis stands between words.
_OPENING = "‘“«‚„"
_CLOSING = "’”»"
_BETWEEN = "–—…•\u00a0"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass(frozen=True)
class _Placement:
    """Where a reading's non-ASCII characters sit: the positions (offsets into the text) where
    they sit as real text has them -- letters of its language in its words, quotes at word
    edges, dashes between words -- and where no real text has them: a control, a letter of
    another script or not of the language's alphabet, a symbol inside a word -- and, in
    between, where they make a word the language does not know (``unknown``) or stick a sign
    to a word's edge (``stuck``: ``¶θροισμα``)."""

    judged: bool  # whether the reading's language is known well enough to judge it at all
    good: frozenset[int]
    bad: frozenset[int]
    unknown: frozenset[int]
    stuck: frozenset[int]


def _judge_placement(texts: dict[str, str]) -> Detection | None:
    """The reading whose non-ASCII characters all sit where real text has them (none even
    stuck to a word, but for ``™``, ``®`` and ``©``), when every reading that gives another
    text has some that do not, where the two differ: a sure :class:`Detection`, or None.

    This decides what words alone cannot: an English note whose only non-ASCII bytes are
    dashes and quotes (the Windows pages all agree on ``0x91``-``0x97``; Latin-1 reads them
    as controls, MacRoman as letters English does not use), a note in a language with no
    word list (Thai, judged by its spelling), a sibling page that puts one foreign letter
    into a Spanish word.  A reading through a page made for another script with no letter
    of that script is never a candidate.
    """
    placed = {codec: _placement(text, codec) for codec, text in texts.items()}
    judged = [codec for codec in texts if placed[codec].judged]
    if not judged:
        return None
    order = list(texts)
    best = min(judged, key=lambda c: (len(placed[c].bad), -len(placed[c].good), order.index(c)))
    mine = placed[best]
    if mine.bad or mine.stuck or not mine.good:
        return None
    text = texts[best]
    for codec, other in texts.items():
        if other == text or not _meant(other, codec):
            continue
        diff = {k for k, (a, b) in enumerate(zip(text[:SCAN], other[:SCAN], strict=True)) if a != b}
        theirs = placed[codec]
        against = mine.good & diff
        refuted = theirs.bad & diff or 2 * len(theirs.stuck & against) + len(theirs.unknown & against) >= 2
        if not refuted or not (mine.good & diff or len(theirs.bad & diff) >= 2):
            return None
    return Detection(best, text, SURE)


def _meant(text: str, codec: str) -> bool:
    """Whether ``text`` could have been written in ``codec``: a page made for a script other
    than Latin is used for text with letters of that script."""
    needed = PAGE_SCRIPTS.get(codec)
    return needed is None or any(script_of(c) == needed for c in _NON_ASCII.findall(text, 0, SCAN))


@cache
def _alphabet(lang: str) -> frozenset[str]:
    """The non-ASCII letters and marks of ``lang``: those of its commonest words, composed
    and decomposed."""
    chars = {c for word in _common(lang) for c in word + unicodedata.normalize("NFD", word)}
    return frozenset(c for c in chars if not c.isascii() and unicodedata.category(c)[0] in "LM")


_SCRIPTS = {lang: name for name, langs in SCRIPT_LANGUAGES.items() for lang in langs}


def _placement(text: str, codec: str) -> _Placement:
    """Where the non-ASCII characters of one reading sit (see :class:`_Placement`).

    The reading's language is that of its words, ASCII ones included (they read the same
    in every page), with the languages nearly as likely; its alphabet is the letters of
    their commonest words.  Thai, which has no word list here, is judged by its spelling.
    """
    if not _meant(text, codec):
        return _Placement(False, frozenset(), frozenset(), frozenset(), frozenset())
    if sum(1 for c in text[:SCAN] if "\u0e01" <= c <= "\u0e5b") >= MIN_THAI:
        return _thai_placement(text)
    ranked = _ranked([word for word in _words(text) if len(word) > 1])
    judged = bool(ranked) and ranked[0][0] >= MIN_LANGUAGE_WORDS
    langs = [lang for count, lang in ranked if judged and count >= RUNNER_UP * ranked[0][0]]
    alphabet = frozenset().union(*(_alphabet(lang) for lang in langs))
    scripts = {_SCRIPTS[lang] for lang in langs}
    garbage = not judged and _garbage(text)
    found: dict[str, set[int]] = {"good": set(), "bad": set(), "unknown": set(), "stuck": set()}
    for match in _NON_ASCII.finditer(text, 0, SCAN):
        k, char = match.start(), match.group()
        kind = _kind(text, k, scripts, alphabet if judged else None)
        if kind == "word":
            kind = "good" if _known_word(_word_around(text, k), langs) else ("unknown" if _letter(char) else "bad")
        if garbage and script_of(char) in SCRIPT_LANGUAGES:
            kind = "bad"
        if kind:
            found[kind].add(k)
    return _Placement(judged, *(frozenset(found[kind]) for kind in ("good", "bad", "unknown", "stuck")))


def _garbage(text: str) -> bool:
    """Whether most words of ``text`` with non-ASCII letters are no words of their script's
    languages (Thai read as Cyrillic): then none of those letters is where real text has it."""
    tokens = _tokens(text[:SCAN])
    return len(tokens) >= MIN_WORDS and _known(tokens)[0] < KNOWN_SHARE * len(tokens)


def _neighbours(text: str, k: int) -> tuple[str, str]:
    """The characters before and after position ``k`` -- for a sign, before and after the
    run of non-ASCII signs it is in (``as©¢a`` is a sign inside a word)."""
    start, end = k, k + 1
    if not _letter(text[k]):
        while start > 0 and _sign(text[start - 1]):
            start -= 1
        while end < len(text) and _sign(text[end]):
            end += 1
    return text[start - 1 : start], text[end : end + 1]


def _sign(char: str) -> bool:
    """A non-ASCII character that is not a letter, a digit or a space."""
    return not char.isascii() and unicodedata.category(char)[0] in "PS"


def _letter(char: str) -> bool:
    """Whether ``char`` (one character, or "" at the text's edge) is a letter or a mark."""
    return bool(char) and (char.isalpha() or unicodedata.category(char)[0] == "M")


def _kind(text: str, k: int, scripts: set[str], alphabet: frozenset[str] | None) -> str:
    """How the non-ASCII character at ``k`` sits: "good", "bad", "word" (good if its word
    is a known word), "stuck" (a sign at a word's edge), or "" (no evidence either way).
    Quotes and dashes are judged by the characters right beside them, other signs by those
    beside their run of signs."""
    char = text[k]
    before, after = _neighbours(text, k)
    if _impossible(char):
        return "bad"
    if unicodedata.category(char) == "Zs":  # a no-break space, between words or inside a number
        return "good"
    if _letter(char) or unicodedata.category(char)[0] == "N":
        script = script_of(char)
        near = {script_of(c) for c in before + after if _letter(c)} - {""}
        if script and near and script not in near:  # a word mixing scripts (``Yardپ0گ3m``)
            return "bad"
        if alphabet is None:
            return ""
        if script and script not in scripts and (script in PAGE_SCRIPTS.values() or _letter(char)):
            return "bad"
        if _letter(char):
            return "word" if _in_alphabet(char, before, alphabet) else "bad"
        return ""
    if _letter(before) and _letter(after):
        return "word"
    if char not in _OPENING + _CLOSING + _BETWEEN + "™®©" and (_letter(before) or _letter(after)):
        return "stuck"
    before, after = text[k - 1 : k], text[k + 1 : k + 2]
    if char in _OPENING:
        if _letter(before) and not after.strip():
            return "bad"
        return "good" if (not before or before.isspace() or before in "([{") and after.isalnum() else ""
    if char in _CLOSING:
        if not before.strip() and _letter(after):
            return "bad"
        return "good" if before.isalnum() and not after.isalnum() else ""
    return "good" if char in _BETWEEN and not _sign(before) and not _sign(after) else ""


def _in_alphabet(char: str, before: str, alphabet: frozenset[str]) -> bool:
    """Whether a letter, or a combining mark with the letter before it, is of ``alphabet``
    (``s`` and a combining acute make ``ś``, which Italian has not)."""
    if unicodedata.category(char)[0] == "M" and _letter(before):
        composed = unicodedata.normalize("NFC", before + char)
        if len(composed) == 1:
            char = composed
    return all(c.isascii() or c in alphabet for c in _fold(char))


def _word_around(text: str, k: int) -> str:
    """The word holding position ``k``, letters and the marks inside words (``’``, ``·``)."""
    start = end = k
    while start > 0 and (_letter(text[start - 1]) or text[start - 1] in "’'·"):
        start -= 1
    while end + 1 < len(text) and (_letter(text[end + 1]) or text[end + 1] in "’'·"):
        end += 1
    return _fold(text[start : end + 1])


# Word lists hold the words of a contraction apart: an apostrophe joins a known word to one
# of these (``note’s``, ``don’t``; ``l’aide``, ``dell’app``).
_CLITICS = frozenset(("s", "t", "d", "m", "ll", "re", "ve"))
_ELISIONS = frozenset(
    ("c", "d", "j", "l", "m", "n", "s", "t", "qu", "un", "all", "dall", "dell", "nell", "sull", "quell")
)


def _known_word(word: str, langs: list[str]) -> bool:
    """Whether ``word`` is a word of one of ``langs``, a contraction of one, or words joined
    by a dash (``word—word``, each of two letters or more)."""
    if any(word in _vocabulary(lang) for lang in langs):
        return True
    parts = re.split("[–—]", word)
    if len(parts) > 1:
        return all(len(part) > 1 and _known_word(part, langs) for part in parts)
    head, _, tail = word.partition("'")
    return bool(tail) and (
        (tail in _CLITICS and _known_word(head, langs)) or (head in _ELISIONS and _known_word(tail, langs))
    )


_THAI_CONSONANT = re.compile(r"[\u0e01-\u0e2e]")
_THAI_VOWEL_MARK = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a"
_THAI_TONE_MARK = "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
_THAI_LEADING = "\u0e40\u0e41\u0e42\u0e43\u0e44"


def _thai_placement(text: str) -> _Placement:
    """Thai judged by its spelling (the Unicode Standard's chapter on Thai): a vowel sign
    above or below and a tone mark sit on a consonant (a tone mark also on such a vowel
    sign), sara am follows a consonant or tone mark, a leading vowel precedes a consonant,
    and no Thai character is glued to a letter of another script.  Every Thai character
    placed so is good; one placed otherwise, or a letter of a script but Latin, is bad."""
    good: set[int] = set()
    bad: set[int] = set()
    for match in _NON_ASCII.finditer(text, 0, SCAN):
        k, char = match.start(), match.group()
        before, after = text[k - 1 : k], text[k + 1 : k + 2]
        if not "\u0e01" <= char <= "\u0e5b":
            kind = _kind(text, k, {"LATIN", "THAI"}, None)
            if (
                kind == "bad"
                or (kind == "word" and not _letter(char))
                or (_letter(char) and script_of(char) != "LATIN")
            ):
                bad.add(k)
            continue
        consonant = bool(before) and _THAI_CONSONANT.fullmatch(before) is not None
        if any(_letter(c) and script_of(c) not in ("THAI", "") for c in before + after):
            ok = False  # a word mixing scripts: Danish ``å`` read as ``ๅ``
        elif char in _THAI_VOWEL_MARK:
            ok = consonant
        elif char in _THAI_TONE_MARK:
            ok = consonant or (bool(before) and before in _THAI_VOWEL_MARK)
        elif char == "\u0e33":  # sara am
            ok = consonant or (bool(before) and before in _THAI_TONE_MARK)
        elif char in _THAI_LEADING:
            ok = bool(after) and _THAI_CONSONANT.fullmatch(after) is not None
        else:
            ok = True
        (good if ok else bad).add(k)
    return _Placement(True, frozenset(good), frozenset(bad), frozenset(), frozenset())


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
    utf8 = [_utf8(line) and not _accidental(line, legacy.encoding) for line in lines]
    if not any(u and not line.isascii() for u, line in zip(utf8, lines, strict=True)):
        return None
    text = "".join(
        line.decode("utf-8") if u else line.decode(legacy.encoding) for u, line in zip(utf8, lines, strict=True)
    )
    return Detection(f"utf-8+{legacy.encoding}", text, min(legacy.confidence, 0.9))


def _accidental(line: bytes, codec: str) -> bool:
    """Whether a valid UTF-8 ``line`` is rather ``codec`` text: it has no character of three
    or more UTF-8 bytes, reads in ``codec``, and -- for a single-byte page -- that reading
    is in other scripts than the UTF-8 one and has nothing out of place (TIS-620 ``ลบ`` is
    the bytes of UTF-8 ``ź``; a French UTF-8 line read as Windows-1253 mixes scripts)."""
    text = line.decode("utf-8")
    if max(map(ord, text)) >= 0x800:
        return False
    try:
        legacy = line.decode(codec)
    except UnicodeDecodeError:
        return False
    if _wide(codec):
        return True
    scripts = {script_of(c) for c in text if not c.isascii()} - {""}
    theirs = {script_of(c) for c in legacy if not c.isascii()} - {""}
    return bool(theirs) and not scripts & theirs and not _placement(legacy, codec).bad
