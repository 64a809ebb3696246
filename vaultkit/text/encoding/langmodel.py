"""Which text is more likely: word and character frequencies from wordfreq, and a lattice decoder.

A lossy repair leaves some characters open: each is a *slot* with several candidate
characters, every one of which reproduces the damaged bytes.  :func:`decode` picks the most
probable text through those slots with a unigram word model -- the cheapest segmentation of
the slots into dictionary words, a dynamic programme over the lattice of candidates -- and
says, per open slot, how far ahead its pick is of the best alternative (the *margin*), so
that low-margin fills are flagged with their alternatives instead of passed off as certain.
In Chinese, where a lost byte often leaves only function words to choose from (中, 与, 不),
the words either side judge the candidates by their part of speech (:func:`misplaced`).

Costs are in centibels (cB, ``-100 * log10(p)``), wordfreq's own unit: its word lists come
as buckets of words of frequency ``10 ** (-bucket / 100)``.  Lower is better.

The data is wordfreq's (on PyPI; built from Wikipedia, subtitles, books, news and web text
in 40+ languages); nothing here is a hand-typed frequency table.  A lexicon loads lazily, on
first use in a process, so clean vaults never pay for it, and into :class:`Words` (8 bytes a
word, not a dict entry): the nine lexicons a vault with mojibake in nine languages needs take
about 110 MB at peak instead of 390 MB.  Building one from wordfreq's list takes 0.3-0.9 s, so
it is built once per machine: its arrays are compiled into a file (:mod:`.lexstore`) that
later processes map in milliseconds, kept by the store the vault layer hands over
(:func:`use_store`, :mod:`vaultkit.vault.lexcache`; without one, each process compiles in
memory).
"""

from __future__ import annotations

import bisect
import gzip
import heapq
import importlib.util
import itertools
import math
import os
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TypeVar, overload

from xxhash import xxh3_64_intdigest

from vaultkit.text.encoding import lexstore
from vaultkit.text.encoding.lexstore import InMemory, Store, stable_hash

_T = TypeVar("_T")

INF = math.inf
UNSPACED = frozenset({"zh", "ja", "ko"})  # word lattice inside tokens (Korean: particles attach to words)
MAX_WORD = 8  # longest dictionary word tried in unspaced text
MAX_EXPANSION = 4096  # candidate strings kept per lattice window
MAX_COMBINATIONS = 16384  # candidate pairs tried for one more character of a word (unspaced scripts)
UNKNOWN_WORD = 250.0  # cB added to every letter of a word the dictionary does not know
CACHE_BONUS = 150.0  # cB taken off what the same document already shows intact
CACHE_WEIGHT = 0.05  # share of the document's own character counts in a character's probability
MIXED_WORD = -100 * math.log10(1 - 2 * CACHE_WEIGHT)  # cB a token's word-list probability loses to the caches
INVISIBLE = 1400.0  # cB for an invisible or combining character
TERMINAL_BONUS = 100.0  # cB taken off a sentence-ending mark at the end of a line or before a space
PAIRED = 150.0  # cB taken off a closing mark whose opening mark its line has left open (“…”)
FOREIGN_LETTER = 400.0  # cB for guessing an alphabet's letter in Chinese, Japanese or Korean text
SELECTOR = 300.0  # cB for a variation selector right after a symbol (emoji presentation)
OTHER_VARIANT = 300.0  # cB for a traditional character in simplified Chinese text, and vice versa
MISPLACED = 400.0  # cB for a guessed Chinese function word where grammar does not allow it (:func:`misplaced`)
COLLOCATION = 30.0  # cB off a guessed function word per character beside it the note shows with it elsewhere
COORDINATION = 90.0  # cB off a guessed 与/和 between two nouns the note uses elsewhere: tips a close call only
HEADING = 60.0  # cB off a guessed 与/和 joining a clause of two like words (a title, a list item): tips only
EXISTENTIAL = 30.0  # cB off a guessed locative between a noun and a verb of existence with its existent
FRAMED = 60.0  # cB off a guessed locative that closes the phrase a preposition opened (在…中): tips only
COMPARISON = 200.0  # cB off a guessed 与/和 whose clause closes a comparison (与…相同)
MIXED_CASE = 300.0  # cB for a guessed capital right after a small letter (``можетЕ``)
MISFIT = 400.0  # cB for a guessed letter of another script than a letter beside it, or a sign (``ตัวนำࠀ``)


BUCKET_BITS = 10  # wordfreq's buckets: 0 to 800 (frequencies down to 1e-8)
_HASH_BITS = ((1 << 64) - 1) & ~((1 << BUCKET_BITS) - 1)  # the rest of a 64-bit key: the word's hash


def _code(word: str) -> int:
    """The high bits of a word's key: its stable hash (the same in every process, so keys can
    be stored: :func:`lexstore.stable_hash`)."""
    return stable_hash(word) & _HASH_BITS


class Words:
    """A word list: each word's bucket (its cost in cB) in 8 bytes a word, not a dict.

    A dict of the 700,000 words of wordfreq's Russian list takes about 130 MB in Python (a
    string object and a table entry per word); the nine lexicons one damaged vault can need
    came to 400 MB.  Here a word is one unsigned 64-bit integer in a sorted array: the high 54
    bits of its hash (:func:`_code`), then its bucket -- an :class:`array` or a view of a
    mapped store file (:mod:`.lexstore`).  A look-up is a binary search (C's ``bisect`` over
    the array).  A string that is not a word but shares a word's 54 hash bits would take its
    cost: about one chance in 2**54 / 700,000 (25 billion) per look-up.  Of a word listed in
    several buckets the most frequent counts (the lowest bucket sorts first), as in wordfreq.
    """

    __slots__ = ("_keys",)

    def __init__(self, keys: list[int] | memoryview) -> None:
        """``keys``: :meth:`keys` of every word, in any order (a list, sorted here, in
        place), or a view of them already sorted."""
        if isinstance(keys, list):
            keys.sort()
            self._keys: array[int] | memoryview = array("Q", keys)
        else:
            self._keys = keys

    @staticmethod
    def keys(words: Iterable[str], bucket: int = 0) -> list[int]:
        """The 64-bit keys of ``words`` in ``bucket``."""
        if not 0 <= bucket < 1 << BUCKET_BITS:
            raise ValueError(f"wordfreq bucket {bucket} out of range")
        return [code & _HASH_BITS | bucket for code in map(stable_hash, words)]  # _code, inlined

    @property
    def sorted_keys(self) -> array[int]:
        """The sorted keys, as an array to store."""
        return self._keys if isinstance(self._keys, array) else array("Q", self._keys)

    @overload
    def get(self, word: str) -> float | None: ...

    @overload
    def get(self, word: str, default: _T) -> float | _T: ...

    def get(self, word: str, default: object = None) -> object:
        """The cost of ``word`` (cB, its bucket), else ``default``."""
        try:  # _code, inlined: a decode looks up about a million words
            code = xxh3_64_intdigest(word.encode()) & _HASH_BITS
        except UnicodeEncodeError:
            code = _code(word)
        index = bisect.bisect_left(self._keys, code)
        if index < len(self._keys) and self._keys[index] & _HASH_BITS == code:
            return float(self._keys[index] & ~_HASH_BITS)
        return default

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __len__(self) -> int:
        return len(self._keys)


SEEN_LIMIT = 200_000  # look-ups a lexicon remembers for the next lattice (about 20 MB), then forgets


@dataclass(eq=False)
class _Seen:
    """What decoding has looked up in one lexicon.  The lattices of one note overlap (each
    explanation of a line part, each pass, the same certain text), as do a vault's notes, so
    nine look-ups in ten are repeats; the memo is emptied when full, so it stays bounded."""

    chars: dict[tuple[str, bool], float] = field(default_factory=dict)  # Lexicon.char_cost (char, guessed) -> cB
    costs: dict[str, float] = field(default_factory=dict)  # dictionary key -> cB, INF: not a word
    prefixes: dict[str, bool] = field(default_factory=dict)  # dictionary key -> Lexicon.continues
    slots: dict[tuple[str, ...], dict[str, list[str]]] = field(default_factory=dict)  # _folded
    tokens: dict[str, float] = field(default_factory=dict)  # a spaced script's token (unfolded) -> cB
    candidates: dict[tuple[str, ...], tuple[Candidate, ...]] = field(default_factory=dict)  # _candidates

    def bound(self) -> None:
        """Forget everything once the memo holds :data:`SEEN_LIMIT` entries."""
        if (
            len(self.chars)
            + len(self.costs)
            + len(self.prefixes)
            + len(self.slots)
            + len(self.tokens)
            + len(self.candidates)
            > SEEN_LIMIT
        ):
            self.clear()

    def clear(self) -> None:
        self.chars.clear()
        self.costs.clear()
        self.prefixes.clear()
        self.slots.clear()
        self.tokens.clear()
        self.candidates.clear()


@dataclass(frozen=True)
class Lexicon:
    """One language's word costs (dictionary key -> cB) and, for spaced scripts, letter costs."""

    lang: str
    words: Words
    chars: dict[str, float]
    spaced: bool
    fold_map: dict[int, str] = field(default_factory=dict)  # traditional -> simplified Chinese
    traditional: frozenset[str] = frozenset()
    simplified: frozenset[str] = frozenset()  # characters only simplified Chinese uses
    prefixes: Words = field(default_factory=lambda: Words([]))  # what words of 3+ characters start with (unspaced)
    seen: _Seen = field(default_factory=_Seen, compare=False, repr=False)

    def fold(self, text: str) -> str:
        """The dictionary key of ``text``: case-folded and, for Chinese, simplified."""
        folded = text.casefold()
        return folded.translate(self.fold_map) if self.fold_map else folded

    def continues(self, key: str) -> bool:
        """Whether some dictionary word of three or more characters is longer than ``key``
        and starts with it: a look-up of ``key`` among those words' proper prefixes."""
        return self.prefixes.get(key) is not None

    def char_cost(self, char: str, guessed: bool = False) -> float:
        """Cost of one character standing alone (a one-character word, or a letter).

        A ``guessed`` invisible or combining character keeps its block cost even when a word
        list has it (word lists pick those up from emoji sequences).
        """
        memo = self.seen.chars.get((char, guessed))
        if memo is not None:
            return memo
        prior = block_cost(char)
        if guessed and prior >= INVISIBLE:
            cost = prior
        else:
            key = self.fold(char)
            cost = self.chars.get(key, INF)
            if cost == INF and not self.spaced:
                cost = self.words.get(key, INF)
            cost = min(cost, prior)
            if guessed and not self.spaced and script(char) in ALPHABETS:
                cost += FOREIGN_LETTER  # a lone Latin/Greek/Cyrillic letter amid CJK text
        self.seen.chars[(char, guessed)] = cost
        return cost


def _wordfreq_data() -> str | None:
    """wordfreq's data folder, located without importing wordfreq (its import takes 0.7 s)."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        return None
    return os.path.join(os.path.dirname(spec.origin), "data")


def _wordfreq_buckets(lang: str, sizes: tuple[str, ...] = ("large", "small")) -> list[list[str]]:
    """A wordfreq list in its documented "cBpack" format: a msgpack header, then buckets of
    words, bucket ``i`` holding the words of frequency ``10 ** (-i / 100)``."""
    return list(_wordfreq_stream(lang, sizes))


def _wordfreq_path(lang: str, sizes: tuple[str, ...] = ("large", "small")) -> str | None:
    """The file of wordfreq's list for ``lang``, the largest of ``sizes`` it has."""
    data = _wordfreq_data()
    for size in sizes:
        path = os.path.join(data or "", f"{size}_{lang}.msgpack.gz")
        if data and os.path.exists(path):
            return path
    return None


def _wordfreq_stream(lang: str, sizes: tuple[str, ...] = ("large", "small")) -> Iterator[list[str]]:
    """The buckets of :func:`_wordfreq_buckets` one at a time, unpacked as they are read, so
    that a lexicon never holds the whole list as Python strings at once."""
    import msgpack

    path = _wordfreq_path(lang, sizes)
    if path is None:
        raise LookupError(f"wordfreq has no word list for {lang!r}")
    with gzip.open(path) as handle:
        unpacker = msgpack.Unpacker(handle, raw=False)
        count = unpacker.read_array_header()
        header = unpacker.unpack() if count else {}
        if not isinstance(header, dict) or header.get("format") != "cB":
            raise LookupError(f"unknown wordfreq list format in {path}")
        for _ in range(count - 1):
            yield unpacker.unpack()


def _chinese_fold_map() -> dict[int, str]:
    """wordfreq keeps Chinese in simplified characters; this maps traditional ones onto them."""
    import msgpack

    data = _wordfreq_data()
    try:
        with gzip.open(os.path.join(data or "", "_chinese_mapping.msgpack.gz")) as handle:
            mapping = msgpack.load(handle, raw=False, strict_map_key=False)
    except (OSError, ValueError):
        return {}
    return {int(k): v for k, v in mapping.items()}


_store: Store = InMemory()


def use_store(store: Store) -> None:
    """Keep compiled lexicons in ``store`` from now on (the vault layer hands over its per-user
    cache folder, :mod:`vaultkit.vault.lexcache`; without one each process compiles its own)."""
    global _store
    _store = store


@cache
def _wordfreq_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wordfreq")
    except PackageNotFoundError:
        return "?"


def _compiled(
    name: str, path: str | None, build: Callable[[], dict[str, array]], layout: str = ""
) -> dict[str, memoryview]:
    """The sections of ``name`` compiled from the file at ``path`` by ``build``: from the
    store when it holds them for this very file (format, wordfreq's version, the file's size
    and modification time, and ``layout``, which names what the sections hold when that
    changed since the first layout), else compiled now (and stored, when the store can)."""
    try:
        info = os.stat(path) if path else None
    except OSError:
        info = None
    if info is None:  # no list: nothing worth storing (build gives what a missing list gives)
        return {key: memoryview(values) for key, values in build().items()}
    source = f"{name} {lexstore.FORMAT}{layout} wordfreq {_wordfreq_version()} {os.path.basename(path or '')} {info.st_size} {info.st_mtime_ns}"
    return stored(name, source, build)


def stored(name: str, source: str, build: Callable[[], dict[str, array]]) -> dict[str, memoryview]:
    """The sections ``build`` compiles from ``source`` (a string naming everything they depend
    on), kept in the store (:func:`use_store`) under ``name`` and that source's hash."""
    return _store.compiled(
        f"{name}-{stable_hash(source):016x}.vkl",
        lambda: lexstore.pack(source, build()),
        lambda buffer: lexstore.unpack(buffer, source),
    )


TAGS_SEEN = 65_536  # tag look-ups remembered (a vault's damaged Chinese asks about 4,000 words, each many times)


class Tags:
    """Part-of-speech tags of Chinese words: :class:`Words` keys whose low bits are the tag's
    number instead of a bucket (8 bytes a word, mapped from the store), with a bounded memo.

    A dict of jieba's 349,000 words took 45 MB and 0.14 s to build in every process that
    repaired Chinese (each worker of a check); a look-up here is a hash and a binary search,
    but a decode asks the same few thousand words again and again, and the memo answers those
    as a dict would."""

    def __init__(self, keys: Words, names: Sequence[str]) -> None:
        self._keys, self._names = keys, tuple(names)
        self._seen: dict[str, str | None] = {}

    @overload
    def get(self, word: str) -> str | None: ...

    @overload
    def get(self, word: str, default: _T) -> str | _T: ...

    def get(self, word: str, default: object = None) -> object:
        """The tag of ``word``, else ``default``."""
        tag = self._seen.get(word, "")
        if tag == "":
            number = self._keys.get(word)
            tag = self._names[int(number)] if number is not None else None
            if len(self._seen) >= TAGS_SEEN:
                self._seen.clear()
            self._seen[word] = tag
        return default if tag is None else tag

    def __getitem__(self, word: str) -> str:
        tag = self.get(word)
        if tag is None:
            raise KeyError(word)
        return tag

    def __len__(self) -> int:
        return len(self._keys)


@cache
def chinese_tags() -> Tags:
    """Part-of-speech tags of Chinese words (word -> tag of the PKU/ICTCLAS tag set: ``d``
    adverb, ``p`` preposition, ``f`` locative, ``uj`` the particle 的, ``n`` noun, ...),
    from jieba's dictionary, which wordfreq ships as its Chinese tokenizer's word list."""
    path = os.path.join(_wordfreq_data() or "", "jieba_zh_orig.txt")
    sections = _compiled("tags-zh", path, lambda: _compile_tags(path), layout=" keyed")
    names = bytes(sections["names"]).decode("utf-8").split("\n") if len(sections["names"]) else []
    return Tags(Words(sections["keys"]), names)


def _compile_tags(path: str) -> dict[str, array]:
    tags: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                word, _, tag = line.rstrip("\n").rpartition(" ")
                word = word.rpartition(" ")[0]
                if word and tag:
                    tags[word] = tag
    except OSError:  # no tagged list: no grammatical context, the word model alone decides
        tags = {}
    names = sorted(set(tags.values()))  # (jieba has 55 tags: a key's low bits hold the number)
    number = {name: i for i, name in enumerate(names)}
    keys = [code & _HASH_BITS | number[tag] for code, tag in zip(map(stable_hash, tags), tags.values(), strict=True)]
    return {"keys": Words(keys).sorted_keys, "names": array("B", "\n".join(names).encode("utf-8"))}


@cache
def lexicon(lang: str) -> Lexicon:
    """The lexicon of ``lang`` (a wordfreq language code), loaded once per process from its
    compiled form (:func:`_compile_lexicon`, kept in the store between processes)."""
    spaced = lang not in UNSPACED
    sections = _compiled(f"lexicon-{lang}", _wordfreq_path(lang), lambda: _compile_lexicon(lang))
    fold_map = _chinese_fold_map() if lang == "zh" else {}
    traditional = frozenset(chr(k) for k in fold_map)
    return Lexicon(
        lang,
        Words(sections["words"]),
        dict(zip(map(chr, sections["chars"]), sections["costs"], strict=True)),
        spaced,
        fold_map,
        traditional,
        frozenset(fold_map.values()) - traditional,
        Words(sections["prefixes"]),
    )


def _compile_lexicon(lang: str) -> dict[str, array]:
    """The arrays of ``lang``'s lexicon, from wordfreq's list, bucket by bucket: the word
    keys, the letter costs (spaced scripts) and the keys of every proper prefix of the words
    of three or more characters (unspaced scripts, for :meth:`Lexicon.continues`)."""
    spaced = lang not in UNSPACED
    keyed: list[int] = []
    prefixes: set[str] = set()
    head: list[list[str]] = []  # the frequent buckets that letter costs are counted from
    counted = 0
    try:
        for bucket, group in enumerate(_wordfreq_stream(lang)):
            keyed += Words.keys(group, bucket)
            if spaced and counted <= CHAR_WORDS:  # the buckets _char_costs reads, and no more
                head.append(group)
                counted += len(group)
            elif not spaced:
                prefixes.update(word[:end] for word in group if len(word) > 2 for end in range(len(word)))
    except (LookupError, OSError, ValueError):  # no word list: character priors alone still work
        keyed, prefixes, head = [], set(), []
    chars = _char_costs(head) if spaced else {}
    return {
        "words": Words(keyed).sorted_keys,
        "chars": array("Q", map(ord, chars)),
        "costs": array("d", chars.values()),
        "prefixes": Words(Words.keys(prefixes)).sorted_keys,
    }


CHAR_WORDS = 40000  # most frequent words of a spaced script whose letters give its letter costs


def _char_costs(buckets: list[list[str]], top: int = CHAR_WORDS) -> dict[str, float]:
    """Letter costs of a spaced script, from the letters of its most frequent words."""
    mass: dict[str, float] = defaultdict(float)
    seen = 0
    for bucket, group in enumerate(buckets):
        weight = 10 ** (-bucket / 100)
        for word in group:
            for char in word:
                mass[char] += weight
        seen += len(group)
        if seen > top:
            break
    total = sum(mass.values()) or 1.0
    return {c: -100 * math.log10(m / total) for c, m in mass.items()}


# Characters the word lists do not have still differ in how likely they are in a note:
# symbols and mathematical letters pasted from PDFs are common, historic scripts are not,
# unassigned code points never.  Costs in cB by Unicode block (ranges of code points).
_COMMON_BLOCKS = (
    (0x00A0, 0x024F),  # Latin-1 supplement, Latin extended A/B
    (0x0370, 0x04FF),  # Greek, Cyrillic
    (0x2000, 0x2BFF),  # punctuation, scripts, currency, letterlike, arrows, maths, technical, shapes
    (0x3000, 0x30FF),  # CJK symbols and punctuation, kana
    (0xFF00, 0xFFEF),  # half- and full-width forms
    (0x1D400, 0x1D7FF),  # mathematical alphanumeric symbols
    (0x1F300, 0x1FAFF),  # emoji
)
_LIVING_BLOCKS = (
    (0x0500, 0x1FFF),
    (0x3100, 0x9FFF),  # bopomofo .. CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions
)


@lru_cache(maxsize=8192)
def block_cost(char: str) -> float:
    """Prior cost of a character no word list has, from its Unicode category and block."""
    category = unicodedata.category(char)
    if category in ("Cn", "Co", "Cs", "Cc"):
        return INF
    if category in ("Cf", "Zl", "Zp", "Mn", "Me"):
        return INVISIBLE  # invisible or combining: rarely what a lost byte was
    point = ord(char)
    if category[0] == "P" and (0x3000 <= point <= 0x303F or 0xFF00 <= point <= 0xFF65):
        return 300.0  # CJK punctuation: word lists leave it out, yet every sentence has some
    if any(lo <= point <= hi for lo, hi in _COMMON_BLOCKS):
        return 600.0 if category[0] == "P" else 800.0
    if any(lo <= point <= hi for lo, hi in _LIVING_BLOCKS) and not extension_hangul(char):
        return 1000.0
    return 1400.0


def extension_hangul(char: str) -> bool:
    """Whether ``char`` is one of the 8,822 Hangul syllables EUC-KR spells only in Microsoft's
    extension (cp949's Unified Hangul Code, a lead or trail byte from 81 to A0).  Korean is
    written with the other 2,350, those of KS X 1001: 8 of wordfreq's 30,000 Korean words hold
    one of these, which are as rare as a historic script's letters -- and what UTF-8 read as
    EUC-KR is made of (its continuation bytes 80-A0 pair up only there: Khmer short of every
    E1 reads as nothing else), so a reading that keeps them is charged for them."""
    return "\uac00" <= char <= "\ud7a3" and min(char.encode("cp949")) <= 0xA0


@lru_cache(maxsize=8192)
def _gbk_mojibake(char: str) -> bool:
    """Whether GBK puts ``char`` where UTF-8 has lead or continuation bytes (rows 81-A0 and
    E3-EF): the characters UTF-8 read as GBK is made of."""
    try:
        lead = char.encode("gbk")[0]
    except UnicodeEncodeError:
        return False
    return 0x81 <= lead <= 0xA0 or 0xE3 <= lead <= 0xEF


@lru_cache(maxsize=8192)
def terminal(char: str) -> bool:
    """Whether ``char`` ends sentences (``。``, ``？``, ``!``): likely before a space or at the end."""
    name = unicodedata.name(char, "")
    return unicodedata.category(char) == "Po" and any(
        k in name for k in ("FULL STOP", "QUESTION MARK", "EXCLAMATION MARK")
    )


@lru_cache(maxsize=8192)
def style(char: str) -> str:
    """A character's family: ``MATHEMATICAL ITALIC`` for ``𝑥``, empty for most characters."""
    name = unicodedata.name(char, "")
    for marker in (" CAPITAL ", " SMALL ", " DIGIT "):
        if marker in name:
            return name.split(marker, 1)[0]
    return ""


@lru_cache(maxsize=8192)
def partner(char: str) -> str:
    """The other half of a paired punctuation mark (``“`` for ``”``), or empty."""
    name = unicodedata.name(char, "")
    for a, b in (("LEFT", "RIGHT"), ("RIGHT", "LEFT"), ("OPENING", "CLOSING"), ("CLOSING", "OPENING")):
        if a in name.split():
            try:
                return unicodedata.lookup(name.replace(a, b, 1))
            except KeyError:
                return ""
    return ""


@lru_cache(maxsize=4)
def _by_first(words: frozenset[str]) -> tuple[dict[str, dict[str, list[str]]], int]:
    """``words`` by their first two characters (a vault's sample repeats thousands of runs:
    most share no second character with a slot), in a fixed order -- ties between words go
    the same way in every process --, and the length of the longest.  Shared, not copied, by
    the caches of every note of a vault (they all get the vault's words): read only."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for word in sorted(words):
        grouped.setdefault(word[0], {}).setdefault(word[1], []).append(word)
    return grouped, max(map(len, words), default=0)


_SHOWN = re.compile("[^\x00-\x7f\ufffd]")  # what a document shows of its characters: not ASCII, not a lost byte


@dataclass
class DocumentCache:
    """What the document -- and the rest of its vault -- shows intact; such text is likelier.

    A cache language model: a character's probability is mixed with its share of the
    document's reliable ``text`` and of the vault's sampled ``vault_chars`` (each with
    weight ``CACHE_WEIGHT``; punctuation, which word lists leave out, is learnt this way).
    A word the document spells out intact gets a bonus, as does a paired mark whose partner
    the document uses (``”`` after ``“``) or a mathematical letter in a style it uses
    (``𝑥`` makes ``𝐷`` likelier than ``𝝷``).  ``words`` is extra vocabulary (word -> cB),
    such as the vault's note names.
    """

    text: str = ""
    words: dict[str, float] = field(default_factory=dict)
    vault_chars: Counter[str] = field(default_factory=Counter)
    chars: Counter[str] = field(default_factory=Counter)
    styles: Counter[str] = field(default_factory=Counter)
    learned: dict[tuple[tuple[str, ...], ...], str] = field(default_factory=dict)
    kept: str = ""  # the characters damaged text kept whole: they show the Chinese variant (:meth:`traditional`)

    def __post_init__(self) -> None:
        self.chars.update(_SHOWN.findall(self.text))  # counted in C: a note's text is up to 100,000 characters
        self.kept_chars = Counter(self.kept)
        self.totals = (sum(self.chars.values()) or 1, sum(self.vault_chars.values()) or 1)
        self.by_first, self.longest = _by_first(frozenset(self.words))
        self.costs: dict[tuple[str, float], float] = {}  # char_cost, memoised until the styles change
        self.add_styles(self.chars)
        self._joined = ""  # every learned text, for :meth:`shown`
        self._counts: dict[str, int] = {}  # occurrences in it, per text asked about

    def add_styles(self, chars: Iterable[str]) -> None:
        """Learn the styles (and paired marks) of ``chars``, e.g. confident first-pass fills."""
        for char in chars:
            family = style(char) or partner(char)
            if family:
                self.styles[family] += 1
        self.costs.clear()

    def char_cost(self, char: str, cost: float) -> float:
        """``cost`` of a candidate character, adapted to the document and the vault.
        Memoised: a note's lattices offer the same candidates again and again (a lost byte
        leaves dozens per slot, nearly the same ones in each slot and each explanation)."""
        known = self.costs.get((char, cost))
        if known is None:
            known = self.costs[(char, cost)] = self._char_cost(char, cost)
        return known

    def _char_cost(self, char: str, cost: float) -> float:
        shares = (self.chars.get(char, 0) / self.totals[0], self.vault_chars.get(char, 0) / self.totals[1])
        if self.mixed:
            p = (1 - 2 * CACHE_WEIGHT) * 10 ** (-cost / 100) + CACHE_WEIGHT * sum(shares)
            cost = -100 * math.log10(p)
        if self.styled(char):
            cost -= CACHE_BONUS
        return cost

    def styled(self, char: str) -> bool:
        """Whether the document uses ``char``'s style or the partner of ``char``: all that
        :meth:`char_cost` asks of the learnt styles."""
        return bool(self.styles.get(style(char)) or self.styles.get(char))

    @property
    def mixed(self) -> bool:
        """Whether the document or the vault has characters to mix into every candidate's
        probability.  Then a candidate neither shows keeps only its share of the word list's
        probability too, or a rare character shown once would cost more than one never seen
        (``、`` more than ``」``)."""
        return bool(self.chars or self.vault_chars)

    def word_cost(self, word: str, cost: float) -> float:
        """``cost`` of a dictionary word over open slots, mixed as a character's is (the
        caches hold no words: a word keeps its share of the word list's probability), less a
        bonus when the document spells it out intact."""
        if self.mixed:
            cost += MIXED_WORD
        return cost - CACHE_BONUS if word in self.text else cost

    def learn(self, slots: Sequence[tuple[str, ...]], decoding: Decoding, trusted: float) -> bool:
        """Remember a first-pass decoding of ``slots``, its fills below ``trusted`` margin
        blanked: the words and collocations it spells count as shown to the rest of the note
        (:meth:`shown`).  In a note damaged throughout, nothing Chinese is intact, yet the
        confident fills show its vocabulary.  Whether this added anything new."""
        text = "".join(
            char if len(choices) == 1 or margin >= trusted else " "
            for choices, char, margin in zip(slots, decoding.chars, decoding.margins, strict=True)
        )
        key = tuple(slots)
        if self.learned.get(key) == text:
            return False
        self.learned[key] = text
        self._joined = "\n".join(self.learned.values())
        self._counts.clear()
        return True

    def shown(self, text: str, slots: Sequence[tuple[str, ...]]) -> bool:
        """Whether the note shows ``text`` outside ``slots``: intact, or spelt by a confident
        fill of another damaged run (:meth:`learn`)."""
        if text in self.text:
            return True
        everywhere = self._counts.get(text)
        if everywhere is None:
            everywhere = self._counts[text] = self._joined.count(text)
        return everywhere > self.learned.get(tuple(slots), "").count(text)

    def traditional(self, lex: Lexicon) -> bool:
        """Whether the document's (or else the characters its damaged text ``kept``
        whole, or else the vault's) intact Chinese is mostly traditional.  A note damaged
        throughout has no clean text, yet the characters of its mojibake whose bytes all
        came through (``讓`` of ``è®“`` beside ``å¯`` short of a byte) tell a traditional
        note from a simplified one as well as clean text would: without them, every lost
        byte of a traditional note was filled with the simplified variant's likelier pick
        (``可入`` for ``匯入``).

        Characters that UTF-8 read as GBK turns into are not counted: mojibake the analysis
        did not flag (a two-character line) would otherwise make a note look traditional.
        """
        for counts in (self.chars, self.kept_chars, self.vault_chars):
            trad = sum(n for c, n in counts.items() if c in lex.traditional and not _gbk_mojibake(c))
            simp = sum(n for c, n in counts.items() if c in lex.simplified and not _gbk_mojibake(c))
            if trad or simp:
                return trad > simp
        return False


@dataclass(frozen=True)
class Decoding:
    """The chosen character per slot; for open slots the margin and the close alternatives."""

    chars: tuple[str, ...]
    margins: tuple[float, ...]  # cB; INF for certain slots and unrivalled picks
    alternatives: tuple[tuple[str, ...], ...]  # runners-up within the review margin, best first
    cost: float
    words: tuple[tuple[int, int], ...] = ()  # the best path's dictionary words of two or more slots


Edge = tuple[int, int, str, float]  # start slot, end slot, text, cost


def decode(
    slots: Sequence[tuple[str, ...]],
    lex: Lexicon,
    cache: DocumentCache | None = None,
    review_margin: float = 100.0,
) -> Decoding:
    """Pick one character per slot: the cheapest path through the word lattice.

    ``slots[i]`` holds the candidates of character ``i`` (one for a certain character).
    A forward and a backward pass give, for every edge, the cheapest complete path through
    it; per open slot that is the best cost of each candidate, hence the margins.

    In Chinese, a guessed function word is judged by the words either side of it and by
    what the note shows (:func:`context_cost`); where those are open too, a first pass
    guesses them.  The decoding depends on ``cache`` as it is at the call, including what
    it has learnt (:meth:`DocumentCache.learn`): a caller that keeps decodings must drop
    those :func:`context_dependent` says the learnt text can change.
    """
    certain = _Neighbours(slots, lex, None, cache)
    first = _decode(slots, lex, cache, review_margin, certain)
    if lex.lang == "zh":
        # A second pass where the first pass's picks change the words next to an open slot.
        # Its lattice differs from the first only in the context charge of open slots (the
        # tags either side, and the guessed characters context_cost reads the note's words
        # by): where that charge stays the same for every candidate, so do the lattice and
        # its decoding.  The charges are memoised per pass, so the test costs nothing more.
        # The tags either side may stay while the words change (a guessed 理 makes the
        # certain 解 before 与 the verb 理解, which a heading coordinates): only the charge
        # itself tells.
        guessed = _Neighbours(slots, lex, first.chars, cache)
        opened = [k for k in range(len(slots)) if len(slots[k]) > 1]
        tags = chinese_tags()
        if any(
            certain.charge(k, char) != guessed.charge(k, char)
            for k in opened
            for char in slots[k]
            if tags.get(char) in _FUNCTION_TAGS
        ):
            return _decode(slots, lex, cache, review_margin, guessed)
    return first


def _decode(
    slots: Sequence[tuple[str, ...]],
    lex: Lexicon,
    cache: DocumentCache | None,
    review_margin: float,
    neighbours: _Neighbours,
) -> Decoding:
    n = len(slots)
    edges = _edges(slots, lex, cache, neighbours, review_margin)
    by_end: list[list[Edge]] = [[] for _ in range(n + 1)]
    by_start: list[list[Edge]] = [[] for _ in range(n + 1)]
    for edge in edges:
        by_start[edge[0]].append(edge)
        by_end[edge[1]].append(edge)
    forward = [INF] * (n + 1)
    back: list[Edge | None] = [None] * (n + 1)
    forward[0] = 0.0
    for j in range(1, n + 1):
        least, through = INF, None
        for edge in by_end[j]:
            value = forward[edge[0]] + edge[3]
            if value < least:
                least, through = value, edge
        forward[j], back[j] = least, through
    backward = [INF] * (n + 1)
    backward[n] = 0.0
    for i in range(n - 1, -1, -1):
        least = INF
        for _, j, _, cost in by_start[i]:
            value = cost + backward[j]
            if value < least:
                least = value
        backward[i] = least
    chosen = [c[0] for c in slots]
    words = []
    j = n
    while j > 0 and back[j] is not None:
        i, _, text, cost = back[j]  # type: ignore[misc]
        chosen[i:j] = text
        if j - i > 1 and not text.isascii():
            words.append((i, j))
        j = i
    best = forward[n]
    open_slots = {k for k, c in enumerate(slots) if len(c) > 1}
    alt: dict[int, dict[str, float]] = {k: {} for k in open_slots}
    for i, j, text, cost in edges:
        if j - i == 1 and i not in open_slots:
            continue  # a certain character's own edge: no alternative to rank
        total = forward[i] + cost + backward[j]
        if total == INF:
            continue
        for k in range(i, j):
            if k in open_slots and total < alt[k].get(text[k - i], INF):
                alt[k][text[k - i]] = total
    margins = [INF] * n
    alternatives: list[tuple[str, ...]] = [()] * n
    for k in open_slots:
        others = sorted((cost, c) for c, cost in alt[k].items() if c != chosen[k])
        margins[k] = others[0][0] - best if others else INF
        alternatives[k] = tuple(c for cost, c in others if cost - best < review_margin)[:3]
    return Decoding(tuple(chosen), tuple(margins), tuple(alternatives), best, tuple(reversed(words)))


def _contenders(singles: list[Edge], margin: float) -> list[Edge]:
    """The single-character edges of one open slot that can change the decoding: all of
    them join the same two slots, so a path through one takes the cheapest, the runner-up
    sets the margin, and one costing ``margin`` more than the cheapest is no alternative
    either (its best path costs that much more than the best).  A lead byte lost with a
    continuation byte leaves thousands of candidates (UTF-8 read as Big5 loses most lead
    bytes), of which a handful can matter: the rest only slowed every pass over the lattice."""
    if len(singles) <= 2:
        return singles
    first, second = heapq.nsmallest(2, (edge[3] for edge in singles))
    bound = max(second, first + margin)
    return [edge for edge in singles if edge[3] <= bound]


def _kind(choices: tuple[str, ...], spaced: bool) -> str:
    """``word`` (letters, and every open slot), ``ascii`` (ASCII letters and digits, one fixed
    token in unspaced scripts; part of words in spaced ones) or ``other``."""
    if len(choices) > 1:
        return "word"
    char = choices[0]
    if char.isascii():
        if not char.isalnum():
            return "other"
        return "word" if spaced and char.isalpha() else "ascii"
    category = unicodedata.category(char)
    return "word" if category[0] in "LM" or category == "Nd" else "other"


def _edges(
    slots: Sequence[tuple[str, ...]],
    lex: Lexicon,
    cache: DocumentCache | None,
    neighbours: _Neighbours,
    margin: float,
) -> list[Edge]:
    """Every (start, end, text, cost) a word, a fixed token or a single character can take."""
    n = len(slots)
    kinds = [_kind(c, lex.spaced) for c in slots]
    other = frozenset[str]()  # Chinese text keeps to one script: open slots filled from the other variant pay
    if lex.traditional:
        other = lex.simplified if cache is not None and cache.traditional(lex) else lex.traditional
    edges: list[Edge] = []
    i = 0
    while i < n:
        kind = kinds[i]
        j = i + 1
        while j < n and kinds[j] == kind and kind != "other":
            j += 1
        if kind == "word":  # the only edges with open slots, hence the only ones the variant can cost
            edges.extend(_word_edges(slots, lex, cache, i, j, neighbours, margin, other))
        elif kind == "ascii":  # certain ASCII words: one fixed token, the same on every path
            edges.append((i, j, "".join(c[0] for c in slots[i:j]), 0.0))
        else:  # punctuation, symbols, spaces: ASCII costs nothing, the rest what it is worth
            char = slots[i][0]
            edges.append((i, i + 1, char, 0.0 if char.isascii() else min(lex.char_cost(char), INVISIBLE)))
        i = j
    return edges


def _variant_penalty(edge: Edge, slots: Sequence[tuple[str, ...]], other: frozenset[str]) -> Edge:
    """Chinese text keeps to one script: charge open slots filled from the other variant."""
    i, j, text, cost = edge
    count = sum(1 for k, char in enumerate(text) if char in other and len(slots[i + k]) > 1)
    return (i, j, text, cost + OTHER_VARIANT * count) if count else edge


def _word_edges(
    slots: Sequence[tuple[str, ...]],
    lex: Lexicon,
    cache: DocumentCache | None,
    i: int,
    j: int,
    neighbours: _Neighbours,
    margin: float,
    other: frozenset[str] = frozenset(),
) -> list[Edge]:
    """Edges inside a run of letters ``slots[i:j]``: dictionary words and single characters
    (of an open slot, those that can change the decoding: :func:`_contenders`, ``margin``
    the review margin); an open slot filled from ``other`` (the other Chinese variant)
    costs :data:`OTHER_VARIANT`."""
    edges: list[Edge] = []
    unknown = UNKNOWN_WORD if lex.spaced else 0.0
    for k in range(i, j):
        choices = slots[k]
        if len(choices) == 1:
            cost = lex.char_cost(choices[0]) + unknown
            if cost < INF:
                edges.append((k, k + 1, choices[0], cost))
            continue
        last = k + 1 == len(slots) or slots[k + 1][0].isspace()
        beside = tuple(_script_family(slots[m][0]) for m in (k - 1, k + 1) if i <= m < j and len(slots[m]) == 1)
        small = k > i and len(slots[k - 1]) == 1 and slots[k - 1][0].islower()  # a capital would break the word
        singles: list[Edge] = []
        for char, cost, closing, function in _candidates(choices, lex):
            if cache is not None:
                cost = cache.char_cost(char, cost)
            if last and terminal(char):
                cost -= TERMINAL_BONUS
            if closing and _closes(slots, k, char):
                cost -= PAIRED
            if "\ufe00" <= char <= "\ufe0f" and k and unicodedata.category(slots[k - 1][0]) in _SELECTED:
                cost = SELECTOR  # a variation selector after a symbol: ‼️, ❤️, ⚠️
            cost += unknown + _misfit(char, beside)
            if small and char.isupper():
                cost += MIXED_CASE
            if function:  # context_cost charges nothing else
                cost += neighbours.charge(k, char)
            if cost < INF:
                singles.append((k, k + 1, char, cost + OTHER_VARIANT if char in other else cost))
        edges.extend(_contenders(singles, margin))
    words: list[Edge] = []
    if lex.spaced:
        if j - i > 1:
            words = _whole_words(slots, lex, i, j)
        for a, b in _parts(slots, i, j):
            words.extend(_whole_words(slots, lex, a, b))
    else:
        lex.seen.bound()
        folded = [_folded(choices, lex) for choices in slots[i:j]]
        for a in range(i, j - 1):
            words.extend(_words(folded, lex, i, a, min(j, a + MAX_WORD)))
    if cache is not None:
        if cache.words and not lex.spaced:
            words.extend(_extra_words(slots, cache, i, j))
        words = [_cached(edge, slots, cache) for edge in words]
    if other:
        words = [_variant_penalty(edge, slots, other) for edge in words]
    return edges + words


Candidate = tuple[str, float, bool, bool]  # char, Lexicon.char_cost (guessed), a closing mark, a function word


def _candidates(choices: tuple[str, ...], lex: Lexicon) -> tuple[Candidate, ...]:
    """What :func:`_word_edges` asks of each candidate of an open slot that depends on the
    candidate and the lexicon only: its cost standing alone (guessed), whether it is a closing
    mark (:func:`_closes` may apply) and whether a Chinese function word (:func:`context_cost`
    may charge it).  Memoised per lexicon: a lost byte leaves the same few dozen candidates in
    slot after slot and lattice after lattice (65,000 candidates over 2,500 open slots in the
    bench vault's damaged notes), each of them asked again every time."""
    found = lex.seen.candidates.get(choices)
    if found is None:
        tags = chinese_tags() if lex.lang == "zh" else None
        found = lex.seen.candidates[choices] = tuple(
            (
                char,
                lex.char_cost(char, True),
                unicodedata.category(char) in ("Pe", "Pf"),
                tags is not None and tags.get(char) in _FUNCTION_TAGS,
            )
            for char in choices
        )
    return found


def _closes(slots: Sequence[tuple[str, ...]], k: int, char: str) -> bool:
    """Whether ``char`` at slot ``k`` is the one place that can close a mark its line opened
    before and left open: ``”`` after ``对“独立常数``.  In a note damaged throughout nothing
    is intact to show the note's marks (:meth:`DocumentCache.styled`), yet ``“`` (E2 80 9C)
    comes through Windows-1254 whole where ``”`` loses its 9D and ties with the other
    symbols of its row.  Where several open slots of the line could close it, nothing says
    which does: ``」`` and ``、`` share their surviving bytes (``「檔案、路徑」``)."""
    if unicodedata.category(char) not in ("Pe", "Pf"):
        return False
    opener = partner(char)
    start = k - 1
    while start >= 0 and (len(slots[start]) > 1 or slots[start][0] not in ("\n", char, opener)):
        start -= 1
    if start < 0 or slots[start][0] != opener:
        return False  # nothing open before it on its line
    places = 0
    for m in range(start + 1, len(slots)):
        if len(slots[m]) == 1 and slots[m][0] in ("\n", char, opener):
            break  # the line ends, or closes or opens the mark again
        places += char in slots[m]
    return places == 1


@lru_cache(maxsize=65536)
def _misfit(char: str, beside: tuple[str, ...]) -> float:
    """What a guessed ``char`` pays for not fitting the certain letters beside it in its
    word (their script families, :func:`_script_family`): a lost byte inside a word of one
    script is a letter of that script -- in an alphabet, Thai or Khmer, not a symbol
    either, nor punctuation between two letters (Thai and Khmer, without a word list, have
    nothing else to tell their letters from the other scripts' letters and signs a lost
    byte can make).  Chinese and mathematics mix with symbols freely."""
    own = _script_family(char)
    if own:
        return MISFIT * sum(1 for other in beside if other and other != own)
    kind = unicodedata.category(char)[0]
    if (kind == "S" or (kind == "P" and len(beside) == 2)) and beside and all(o and o != "CJK" for o in beside):
        return MISFIT * len(beside)
    return 0.0


@lru_cache(maxsize=8192)
def _script_family(char: str) -> str:
    """The script of a letter or mark (:func:`script_of`: Thai vowel signs are marks),
    Chinese, Japanese and Korean counted as one: they mix freely; none for digits, nor for
    letters that go with any script (mathematical and full- or half-width letters, besides
    what :func:`script_of` leaves out)."""
    name = "" if unicodedata.category(char)[0] == "N" else script_of(char)
    if name in _ANY_WIDTH:
        return ""
    return "CJK" if name in CJK_SCRIPTS else name


_ANY_WIDTH = frozenset({"MATHEMATICAL", "FULLWIDTH", "HALFWIDTH"})
_PARTICLE = "u"  # tag prefix of particles: 的, 地, 得, 了, 着, 过
_NOUN = "n"  # tag prefix of nouns, names and places
_PUNCTUATION = "x"  # jieba's tag for what is not a word; here also the edge of the text
_LATIN = "eng"  # jieba's tag for a run of ASCII letters and digits
_EMBEDDED = "embedded"  # here: a formula, a code span or a wikilink beside the slot (a noun phrase)


def misplaced(char: str, left: str, right: str) -> bool:
    """Whether the one-character Chinese function word ``char`` cannot stand between words
    tagged ``left`` and ``right`` (:func:`chinese_tags`; empty: not known).

    Three facts of Mandarin grammar (Li and Thompson, *Mandarin Chinese: A Functional
    Reference Grammar*, 1981): an adverb (不, 也, 就) precedes the verb or adjective it
    modifies, never a particle, a noun or a pause (``网络不的`` is not Chinese); a
    preposition or conjunction (与, 和, 在) takes something after it; a locative (中, 上,
    里) follows the noun phrase it locates, so it never opens a clause or follows a
    preposition, conjunction or adverb.  Damage that lost the one byte telling 中, 与 and
    不 apart leaves exactly these choices, with nearly equal word frequencies.
    """
    tag = chinese_tags().get(char, "")
    if tag == "d":
        return right.startswith((_PARTICLE, _NOUN)) or right in (_PUNCTUATION, _EMBEDDED, "f", "m", "q")
    if tag in ("p", "c"):
        return right.startswith(_PARTICLE) or right in (_PUNCTUATION, "f")
    if tag == "f":
        return left in (_PUNCTUATION, "p", "c", "d")
    return False


# Predicates that close a 与/和 phrase of comparison or association, "X与Y相同" (Li and
# Thompson, *Mandarin Chinese*, 1981, on coverbs and comparison).
_FUNCTION_TAGS = ("d", "p", "c", "f")  # adverbs, prepositions, conjunctions, locatives: 不, 与, 中
_COMPARED = frozenset((
    "相同", "不同", "一样", "相似", "类似", "相等", "一致", "相关", "有关", "无关", "相比", "之间", "相反", "结合", "比较",
))  # fmt: skip
_COORDINATORS = frozenset("与和及")  # conjunctions that join two words of one kind: "分析与简答"
_FRAMING = frozenset("在从于")  # prepositions of place, whose phrase a locative closes (:func:`_framed`)
_PAUSES = frozenset("，。；：！？、,;:!?")  # marks that end a clause part
MAX_PHRASE = 24  # characters a preposition's phrase is looked for in, back from a locative
_EXISTENCE = frozenset(("有", "存在", "出现"))  # verbs of existence ("X中存在的Y"), not of containing (X不包含Y)
_EMPHASIS = frozenset("*_~")  # Markdown's emphasis marks
_MARKUP = _EMPHASIS | frozenset("`$")  # emphasis, code and maths marks: they may close what comes before


def context_cost(char: str, k: int, neighbours: _Neighbours, cache: DocumentCache | None) -> float:
    """What the context adds to the cost of the guessed Chinese character ``char`` at slot
    ``k`` of the lattice of ``neighbours`` (its slots, lexicon and first-pass ``guess``).

    Grammar first (:func:`misplaced`).  Then, for function words (中, 与, 不: nearly equal in
    word frequency, and the same bytes but one), what the note itself says:

    - the characters before or after it that the note shows elsewhere with the candidate,
      as a cache language model would: ``卷积神经网络中`` spelt by a confident fill makes
      ``卷积神经网络中用`` likelier than ``…不用``, by more than ``网络中`` alone would (two
      characters at least, 30 cB each: one collocation alone tips a close call but does not
      make it certain);
    - a conjunction or preposition (与, 和) between two nouns the note uses elsewhere:
      coordination of two of its own terms (``神经网络与深度学习``), or between two
      formulas or links (``$A$ 与 $E$``);
    - a 与 between noun phrases whose clause ends in a predicate of comparison
      (``位置与最大值所在的位置相同``), unless another candidate starts that predicate
      itself (``取自不同行不同列``) or nothing stands between 与 and the predicate to
      compare with (``$y$ 不一样``);
    - a 与 after a word that opens its clause (or anywhere in a heading or a wikilink:
      :func:`_titled`), before a word of the same kind (two nouns, two verbs): a title,
      heading or list item names things, ``分析与简答``,
      ``神经网络与深度学习``, ``[[特征值与特征向量]]``, where ``X不Y`` would be a sentence
      of a subject and a negated verb and ``X中Y`` a locative that locates nothing;
    - a locative (中) between a noun and a verb of existence followed by what exists
      (``RNN中存在的梯度消失问题``, ``笔记中有三个标题``): the existential sentence of
      Mandarin opens with the place (Li and Thompson, 1981, on presentative sentences).
      ``不存在`` is as grammatical and means the opposite, so this only tips a close call.

    Where none of these holds the word model alone decides, and a close call is flagged.
    """
    tag = chinese_tags().get(char, "")
    if tag not in _FUNCTION_TAGS:
        return 0.0  # neither grammar nor the note has anything to say about other words
    slots, lex, guess = neighbours.slots, neighbours.lex, neighbours.guess
    left_tag, right_tag = neighbours.frame(k)
    cost = MISPLACED if misplaced(char, left_tag, right_tag) else 0.0
    if cache is None:
        return cost

    def char_at(m: int) -> str:
        if not 0 <= m < len(slots):
            return ""
        return slots[m][0] if len(slots[m]) == 1 else (guess[m] if guess is not None else "")

    shared = max(_shared_run(slots, k, char, step, char_at, cache) for step in (-1, 1))
    cost -= COLLOCATION * min(shared, MAX_WORD) if shared > 1 else 0.0
    if tag in ("p", "c"):
        clause = _clause_after(k, len(slots), char_at)
        before, after = _word_at(slots, k, lex, -1, char_at), _word_at(slots, k, lex, 1, char_at)
        if left_tag == right_tag == _EMBEDDED or all(
            _nominal(word) and cache.shown(word, slots) for word in (before, after)
        ):
            cost -= COORDINATION
        if (
            char in _COORDINATORS
            and _coordinated(before, after, clause)
            and (_opens_clause(slots, k - len(before), char_at, guess) or _titled(k, char_at))
        ):
            cost -= HEADING
        rivals = [other + clause for other in slots[k] if other != char]  # 不同 may start right here
        if _compares(left_tag, right_tag) and any(
            clause.find(word) > 0 and not any(rival.startswith(word) for rival in rivals) for word in _COMPARED
        ):
            cost -= COMPARISON
    if tag == "f" and (left_tag.startswith(_NOUN) or left_tag in (_LATIN, _EMBEDDED)):
        verb = _leading_word(_clause_after(k, len(slots), char_at), lex)
        existent = char_at(k + 1 + len(verb))
        if verb in _EXISTENCE and (existent.isalnum() or existent == "$"):
            cost -= EXISTENTIAL
    if tag == "f" and _framed(k, char_at, lex):
        cost -= FRAMED
    return cost


def _reads_as_word(pair: str, lex: Lexicon) -> bool:
    """Whether the word model reads the two characters ``pair`` as one word (存在, 在于):
    a dictionary word cheaper than its characters apart, unlike a rare one (从文)."""
    return len(pair) == 2 and lex.words.get(lex.fold(pair), INF) < lex.char_cost(pair[0]) + lex.char_cost(pair[1])


def _framed(k: int, char_at: Callable[[int], str], lex: Lexicon) -> bool:
    """Whether a preposition of place (在, 从, 于) opens the clause before slot ``k``, a noun
    phrase between them: a locative there closes the phrase it opened, ``在设置中更改``,
    ``从列表中下载``, ``在 YAML 中``.  Not 在 of a word (存在, 现在, 在于: :func:`_reads_as_word`), nor with nothing
    between (``在不改变``), nor one a locative or 时 closed before (``在考试时发现其中…``).
    ``在函数不连续时`` is grammatical too: this only tips a close call."""
    m = k - 2  # at least one character of noun phrase
    tags = chinese_tags()
    for _ in range(MAX_PHRASE):
        mark = char_at(m)
        if mark in ("", "\n", "时") or mark in _PAUSES or tags.get(mark) == "f":
            return False
        if mark in _FRAMING:
            return not any(_reads_as_word(pair, lex) for pair in (char_at(m - 1) + mark, mark + char_at(m + 1)))
        m -= 1
    return False


def _clause_after(k: int, size: int, char_at: Callable[[int], str]) -> str:
    """The Chinese characters after slot ``k`` up to a pause, a formula or an open slot
    without a guess: the rest of the clause (only the conjunctions and locatives ask it, not
    the adverb 不, the commonest candidate)."""
    clause = ""
    for m in range(k + 1, size):
        next_char = char_at(m)
        if not next_char.isalpha() or next_char.isascii():
            break
        clause += next_char
    return clause


def _leading_word(text: str, lex: Lexicon) -> str:
    """The longest word of the tagged list (:func:`chinese_tags`) that ``text`` starts with:
    ``有`` of ``有三个`` (which wordfreq lists whole), ``有效`` of ``有效的``."""
    tags = chinese_tags()
    ends = [end for end in range(1, min(len(text), MAX_WORD) + 1) if tags.get(lex.fold(text[:end])) is not None]
    return text[: ends[-1]] if ends else ""


def _opens_clause(
    slots: Sequence[tuple[str, ...]], start: int, char_at: Callable[[int], str], guess: Sequence[str] | None
) -> bool:
    """Whether slot ``start`` begins a clause, past a Latin label or number (``A6分析``):
    after a line break, an opening or separating mark (``，``, ``[``, ``-``), or a space after
    one (``- 神经网络``).  Not after a Chinese word, of which ``推导LSTM网络`` makes the Latin
    word a part; nor after a space after a Latin word, mere spacing between scripts (``Web
    Clipper 设置``); nor after a closing bracket or the end of a formula or of code
    (``f(x)$震荡``), which end a subject, or an emphasis mark (``**``), which may close one;
    nor at the lattice's edge (a line part starts after a code span too) or after an open
    slot without a first-pass guess: neither is known."""
    m = start - 1
    while m >= 0 and len(slots[m]) == 1 and slots[m][0].isascii() and slots[m][0].isalnum():
        m -= 1
    while m >= 0 and len(slots[m]) == 1 and slots[m][0] in " \t":
        m -= 1
    if m < 0:
        return False
    if len(slots[m]) > 1 and guess is None:
        return False
    mark = char_at(m)
    category = unicodedata.category(mark)
    return mark == "\n" or (category.startswith("P") and category != "Pe" and mark not in _MARKUP)


def _titled(k: int, char_at: Callable[[int], str]) -> bool:
    """Whether slot ``k`` is in a title: a heading line (``## 矩阵的定义与性质``) or a
    wikilink (``[[行列式的定义与性质]]``), which names a note or a section -- a noun phrase,
    however its first word is modified.  A heading's marks open its line, or else the line
    part (none follows a code span)."""
    m = k - 1
    while char_at(m) not in ("", "\n"):
        if char_at(m) == "[" and char_at(m - 1) == "[":
            return True
        if char_at(m) == "]":
            return False
        m -= 1
    m += 1
    while char_at(m) in (" ", "\t", ">"):
        m += 1
    return char_at(m) == "#" and char_at(m + 1) in ("#", " ")


def _coordinated(before: str, after: str, clause: str) -> bool:
    """Whether a conjunction can join ``before`` and ``after`` (the first word of the rest
    of the ``clause``) as a title or list item does: two nouns (``神经网络与深度学习``,
    ``特征值与特征向量的关系``), or two verbs that end the clause (``分析与简答``; a verb
    followed by more is a predicate and its object, ``通知中包含导致延迟的插件``).  A verb
    used as a noun (``vn``: 分析) is either."""
    shared = _kinds(before) & _kinds(after)
    return _NOUN in shared or (bool(shared) and clause == after)


def _kinds(word: str) -> set[str]:
    """What ``word`` (of two or more characters) is, as far as coordination goes: ``n`` for a
    noun, ``v`` for a verb, both for a verb used as a noun (``vn``: 分析), none for the rest."""
    tag = chinese_tags().get(word, "") if len(word) > 1 else ""
    if tag == "vn":
        return {_NOUN, "v"}
    return {tag[:1]} if tag[:1] in (_NOUN, "v") else set()


def _shared_run(
    slots: Sequence[tuple[str, ...]], k: int, char: str, step: int, char_at: Callable[[int], str], cache: DocumentCache
) -> int:
    """How many Chinese characters before (``step`` -1) or after (1) slot ``k`` the note shows
    elsewhere together with ``char`` in that place: the longer, the surer (``卷积神经网络中``
    spelt out elsewhere says more than ``网络中``)."""
    text, size = "", 0
    for m in range(1, MAX_WORD + 1):
        next_char = char_at(k + m * step)
        if not next_char.isalpha() or next_char.isascii():
            break
        text = text + next_char if step > 0 else next_char + text
        if not cache.shown(char + text if step > 0 else text + char, slots):
            break
        size = m
    return size


def contextual(slots: Sequence[tuple[str, ...]], decoding: Decoding, lex: Lexicon, trusted: float) -> bool:
    """Whether what the note shows (:func:`context_cost`) could change a pick of ``decoding``:
    Chinese, with an open slot under ``trusted`` margin that has a function word among its
    candidates.  Only such decodings need a second pass once the cache has learnt."""
    tags = chinese_tags()
    return lex.lang == "zh" and any(
        len(choices) > 1 and margin < trusted and any(tags.get(char) in _FUNCTION_TAGS for char in choices)
        for choices, margin in zip(slots, decoding.margins, strict=True)
    )


def context_dependent(slots: Sequence[tuple[str, ...]], lex: Lexicon) -> bool:
    """Whether what a cache learns (:meth:`DocumentCache.learn`) can change the decoding of
    ``slots`` at all -- its picks, margins or cost: Chinese, with a function word among the
    candidates of an open slot (:func:`context_cost` charges nothing else)."""
    tags = chinese_tags()
    return lex.lang == "zh" and any(
        len(choices) > 1 and any(tags.get(char) in _FUNCTION_TAGS for char in choices) for choices in slots
    )


def _compares(left: str, right: str) -> bool:
    """Whether 与 can stand between words tagged ``left`` and ``right`` in ``X与Y相同``: both
    sides noun phrases, so no numeral, measure word, adverb, preposition or pause before it
    (``两个与``) and no verb, adverb or function word after it (``与是``); ``vn`` is a noun."""
    if left in ("m", "q", "d", "p", "c", _PUNCTUATION):
        return False
    return right == "vn" or not right.startswith(("v", "d", "p", "c", _PARTICLE, "f", _PUNCTUATION))


def _nominal(word: str) -> bool:
    """Whether ``word`` is a noun of two or more characters (jieba's tags ``n``, ``nr``,
    ``ns``, ``nz``...; ``vn``: a verb used as a noun): what 与 coordinates in ``N与N``."""
    tag = chinese_tags().get(word, "")
    return len(word) > 1 and (tag.startswith(_NOUN) or tag == "vn")


def _word_at(slots: Sequence[tuple[str, ...]], k: int, lex: Lexicon, step: int, char_at: Callable[[int], str]) -> str:
    """The longest dictionary word right before (``step`` -1) or after (1) slot ``k``."""
    found, text = "", ""
    for size in range(1, MAX_WORD + 1):
        next_char = char_at(k + size * step)
        if not next_char.isalpha() or next_char.isascii():
            break
        text = text + next_char if step > 0 else next_char + text
        if size > 1 and lex.fold(text) in lex.words:
            found = text
    return found


class _Neighbours:
    """The context of the open slots of one lattice as one decoding pass sees it: the tags
    of the words either side of a slot (the longest dictionary word ending just before it
    and the longest starting just after it, of certain characters or, with ``guess``, also
    of a first pass's picks) and what that context charges each candidate
    (:func:`context_cost`, with what ``cache`` has learnt by then).  A slot's tags are the
    same for each of its candidates, and a candidate's charge the same for the lattice's
    edges and :func:`decode`'s test for a second pass, so each is worked out once.  One
    object serves one pass of one :func:`decode` call only: the charge depends on the
    cache's learnt text (:meth:`DocumentCache.learn`), which may grow between calls."""

    def __init__(
        self,
        slots: Sequence[tuple[str, ...]],
        lex: Lexicon,
        guess: Sequence[str] | None,
        cache: DocumentCache | None = None,
    ) -> None:
        self.slots = slots
        self.lex = lex
        self.guess = guess
        self.cache = cache
        self.found: dict[tuple[int, int], str] = {}
        self.charges: dict[tuple[int, str], float] = {}

    def charge(self, k: int, char: str) -> float:
        """What the context charges the candidate ``char`` of open slot ``k`` (Chinese)."""
        found = self.charges.get((k, char))
        if found is None:
            found = self.charges[(k, char)] = context_cost(char, k, self, self.cache)
        return found

    def frame(self, k: int) -> tuple[str, str]:
        """The tags of the words before and after slot ``k``."""
        return self.tag(k, -1), self.tag(k, 1)

    def tag(self, k: int, step: int) -> str:
        """The tag of the word before (``step`` -1) or after (+1) slot ``k``."""
        found = self.found.get((k, step))
        if found is None:
            found = self.found[(k, step)] = _neighbour(self.slots, k, self.lex, step, self.guess)
        return found


def _neighbour(
    slots: Sequence[tuple[str, ...]], k: int, lex: Lexicon, step: int, guess: Sequence[str] | None = None
) -> str:
    def char_at(m: int) -> str | None:
        if len(slots[m]) == 1:
            return slots[m][0]
        return guess[m] if guess is not None else None

    near = k + step
    while 0 <= near + step < len(slots) and char_at(near) in _EMPHASIS:
        near += step  # ``**积分区间**``: emphasis marks the word, it does not end the clause
    if not 0 <= near < len(slots):
        return _PUNCTUATION
    char = char_at(near)
    if char is None:
        return ""  # open too: nothing certain to judge by
    if char.isascii() and char.isalnum():
        return _LATIN
    if not char.isalpha():
        return _spaced(near, step, len(slots), char_at)
    tags = chinese_tags()
    found, text = "", ""
    for size in range(1, MAX_WORD + 1):
        m = near + (size - 1) * step
        next_char = char_at(m) if 0 <= m < len(slots) else None
        if next_char is None:
            break
        text = text + next_char if step > 0 else next_char + text
        found = tags.get(lex.fold(text), found)
    return found


def _spaced(near: int, step: int, size: int, char_at: Callable[[int], str | None]) -> str:
    """The tag of the text from slot ``near`` on (``step`` -1: before it, 1: after it), a
    mark or a space: past spaces, a formula, a code span or a wikilink (``$x$ 与 $y$``,
    ``[[定义]] 中的``: :data:`_EMBEDDED`), a Latin word or number that spaces set off as
    Chinese writers do (``在 YAML 中``: :data:`_LATIN`), else a pause.  A formula or a
    link is a noun phrase to the grammar around it (:func:`misplaced`), not a pause: a
    locative may follow it and a preposition precede it, but no adverb (``不 $x$``)."""
    m = near
    while 0 <= m < size and char_at(m) in (" ", "\t"):
        m += step
    mark, second = (char_at(m) if 0 <= m < size else None), (char_at(m + step) if 0 <= m + step < size else None)
    if mark in ("$", "`") or (mark, second) == (("]", "]") if step < 0 else ("[", "[")):
        return _EMBEDDED
    if m != near and mark is not None and mark.isascii() and mark.isalnum():
        return _LATIN
    return _PUNCTUATION


def _extra_words(slots: Sequence[tuple[str, ...]], cache: DocumentCache, i: int, j: int) -> list[Edge]:
    """The cache's own vocabulary (say, the vault's note names) wherever it fits the slots."""
    found: list[Edge] = []
    ahead = [j] * (j - i + 1)  # the first open slot at or after each slot
    for k in range(j - 1, i - 1, -1):
        ahead[k - i] = k if len(slots[k]) > 1 else ahead[k - i + 1]
    for a in range(i, j - 1):
        reach = ahead[a - i]
        if reach - a >= cache.longest:
            continue  # no word reaches an open slot: it would choose nothing
        after = slots[a + 1]
        for char in slots[a]:
            seconds = cache.by_first.get(char)
            if seconds is None:
                continue
            for second in after if len(after) < len(seconds) else [c for c in seconds if c in after]:
                for word in seconds.get(second, ()):
                    end = a + len(word)
                    if reach < end <= j and all(word[k] in slots[a + k] for k in range(2, len(word))):
                        found.append((a, end, word, cache.words[word]))
    return found


def _cached(edge: Edge, slots: Sequence[tuple[str, ...]], cache: DocumentCache) -> Edge:
    i, j, text, cost = edge
    if all(len(slots[k]) == 1 for k in range(i, j)):
        return edge  # nothing to choose: the same on every path
    cost = min(cost, cache.words.get(text, INF))
    return (i, j, text, cache.word_cost(text, cost))


def _folded(choices: tuple[str, ...], lex: Lexicon) -> dict[str, list[str]]:
    """A slot's candidates grouped by dictionary key (the caller must not change it: memoised)."""
    out = lex.seen.slots.get(choices)
    if out is None:
        out = lex.seen.slots[choices] = {}
        for char in choices:
            out.setdefault(lex.fold(char), []).append(char)
    return out


def _whole_words(slots: Sequence[tuple[str, ...]], lex: Lexicon, i: int, j: int) -> list[Edge]:
    """Dictionary words that fill the whole space-delimited token ``slots[i:j]``.

    A lost two-byte letter has two thousand candidates of every alphabet, too many to try
    in combination with another lost letter (``�ранени�``): the open slots are narrowed to
    the script of the token's certain letters when they keep to one (words do) -- and past
    its first letter to small letters, when those are all small -- and where the
    combinations are still too many, each open slot to its likeliest letters."""
    token = slots[i:j]
    certain = [choices[0] for choices in token if len(choices) == 1]
    families = {_script_family(char) for char in certain} - {""}
    if len(families) == 1:
        small = all(not char.isupper() for char in certain)
        token = [
            _narrowed(choices, *families, small and k > 0) if len(choices) > 1 else choices
            for k, choices in enumerate(token)
        ]
    if math.prod(len(choices) for choices in token) > MAX_EXPANSION:
        width = int(MAX_EXPANSION ** (1 / sum(1 for choices in token if len(choices) > 1)))
        if width < 2:
            return []
        token = [_likeliest_letters(choices, width, lex.lang) for choices in token]
    size = math.prod(len(choices) for choices in token)
    found: list[Edge] = []
    tokens = lex.seen.tokens
    lex.seen.bound()
    for combo in itertools.product(*token):
        text = "".join(combo)
        cost = tokens.get(text)
        if cost is None:
            cost = tokens[text] = lex.words.get(lex.fold(text), INF)
        if cost < INF:
            found.append((i, j, text, cost + MIXED_CASE * _case_breaks(text) if size > 1 else cost))
    return found


def _parts(slots: Sequence[tuple[str, ...]], i: int, j: int) -> list[tuple[int, int]]:
    """The stretches of two or more slots of the token ``slots[i:j]`` between open slots
    that can be no letter (nor mark): such a slot is punctuation or a joiner whatever it
    was -- Persian's zero-width non-joiner (E2 80 8C, its last byte dropped by most
    Windows pages) parts ``افزونه‌های`` into ``افزونه`` and ``های``, each a dictionary word
    where the compound is none -- so the words either side stand on their own, as beside
    a certain one.  Nothing when no such slot parts the token."""
    cuts = [
        k for k in range(i, j) if len(slots[k]) > 1 and not any(unicodedata.category(c)[0] in "LM" for c in slots[k])
    ]
    if not cuts:
        return []
    bounds = [i - 1, *cuts, j]
    return [(a + 1, b) for a, b in itertools.pairwise(bounds) if b - a > 2]


@lru_cache(maxsize=1024)
def _narrowed(choices: tuple[str, ...], family: str, small: bool) -> tuple[str, ...]:
    """The candidates of script ``family`` or of none (marks, punctuation), with ``small``
    no capitals; all of them if none is."""
    return tuple(c for c in choices if _script_family(c) in (family, "") and not (small and c.isupper())) or choices


@lru_cache(maxsize=1024)
def _likeliest_letters(choices: tuple[str, ...], width: int, lang: str) -> tuple[str, ...]:
    """The ``width`` candidates of ``choices`` that cost least in ``lang``, in their order.
    Ranked by the word list's own letter costs, invisible characters included: they are
    tried inside dictionary words, which vouch for them (Persian's zero-width non-joiner,
    far likelier there than the hyphen, came last as a guessed invisible character)."""
    if len(choices) <= width:
        return choices
    lex = lexicon(lang)
    kept = set(sorted(choices, key=lex.char_cost)[:width])
    return tuple(c for c in choices if c in kept)


def _case_breaks(word: str) -> int:
    """Capitals right after small letters.  Case-folded, ``можетЕ`` and ``можете`` are the
    same dictionary word, and a guessed letter of either case ties: but words are written
    small, Capitalised or in capitals."""
    return sum(1 for a, b in itertools.pairwise(word) if a.islower() and b.isupper())


def _words(folded: list[dict[str, list[str]]], lex: Lexicon, base: int, a: int, j: int) -> list[Edge]:
    """Dictionary words of two or more characters from slot ``a`` up to slot ``j`` (unspaced
    scripts), grown one slot at a time while some dictionary word still starts that way."""
    found: list[Edge] = []
    costs, prefixes = lex.seen.costs, lex.seen.prefixes
    partial = [(char, key) for key, chars in folded[a - base].items() for char in chars]
    for b in range(a + 1, j):
        if len(partial) * len(folded[b - base]) > MAX_COMBINATIONS:
            break  # two lost characters in a row, a thousand candidates each: no word is worth it
        grown: list[tuple[str, str]] = []
        for text, key in partial:
            for key2, chars2 in folded[b - base].items():
                longer = key + key2
                cost = costs.get(longer)
                if cost is None:
                    cost = costs[longer] = lex.words.get(longer, INF)
                if cost < INF:
                    found.extend((a, b + 1, text + char, cost) for char in chars2)
                if b + 1 < j:
                    continues = prefixes.get(longer)
                    if continues is None:
                        continues = prefixes[longer] = lex.continues(longer)
                    if continues:
                        grown.extend((text + char, longer) for char in chars2)
        if not grown or len(grown) > MAX_EXPANSION:
            break
        partial = grown
    return found


_SELECTED = frozenset({"So", "Sm", "Po", "Pd"})  # what emoji variation selectors follow
ALPHABETS = frozenset({"LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "GEORGIAN", "HEBREW", "ARABIC", "COPTIC"})
KANA = frozenset({"HIRAGANA", "KATAKANA"})  # Japanese writes both in one word
CJK_SCRIPTS = KANA | {"CJK", "HANGUL"}  # Chinese, Japanese, Korean: they mix freely
_SCRIPT_LANGS = {  # the languages wordfreq has a list for, per script, the commonest first
    "CJK": ("zh",),
    "HIRAGANA": ("ja",),
    "KATAKANA": ("ja",),
    "HANGUL": ("ko",),
    "CYRILLIC": ("ru", "uk", "bg", "mk", "sh"),
    "GREEK": ("el",),
    "ARABIC": ("ar", "fa", "ur"),
    "HEBREW": ("he",),
    "BENGALI": ("bn",),
    "DEVANAGARI": ("hi",),
    "TAMIL": ("ta",),
}
LATIN_LANGS = (
    "en", "de", "fr", "es", "pt", "it", "nl", "tr", "pl", "cs", "sv", "vi", "fi", "hu", "ro",
    "ca", "da", "nb", "id", "sk", "sl", "lt", "lv",
)  # fmt: skip


@lru_cache(maxsize=8192)
def script(char: str) -> str:
    """The script of a letter (first word of its Unicode name: ``CJK``, ``LATIN``...)."""
    if not char.isalpha():
        return ""
    return unicodedata.name(char, " ").split(" ", 1)[0]


@lru_cache(maxsize=8192)
def script_of(char: str) -> str:
    """The script of a letter, mark or digit (``LATIN``, ``THAI``...), "" if it has none:
    unlike :func:`script`, a Khmer vowel sign or a Hebrew point belongs to its script."""
    if unicodedata.category(char)[0] not in "LMN":
        return ""
    name = unicodedata.name(char, " ").split(" ", 1)[0]
    return "" if name in ("COMBINING", "SUPERSCRIPT", "SUBSCRIPT", "VULGAR", "MODIFIER") else name


def language(text: str) -> str:
    """The wordfreq language to judge ``text`` with, from the scripts of its letters.

    Kana make Chinese characters Japanese; Latin text is matched against the word lists
    of the common Latin-script languages.
    """
    return languages(text)[0]


def languages(text: str) -> tuple[str, ...]:
    """The languages :func:`language` chooses among for ``text`` and cannot tell apart,
    the likeliest first: of a script several word lists share (Arabic, Persian and Urdu),
    those whose common words ``text`` holds equally many of -- all of them where its words
    are too broken to say (Persian read as Windows-1255 keeps only the letters of UTF-8's
    0xD8 row, which it shares with Arabic).  Latin text gets one: its word lists are many,
    and some of its words come through whole."""
    counts: Counter[str] = Counter(script(c) for c in text if ord(c) > 0x7F)
    counts.pop("", None)
    if any(counts[name] for name in KANA):
        return ("ja",)
    words = [w.casefold() for w in "".join(c if c.isalpha() else " " for c in text).split() if not w.isascii()]
    for name, _ in counts.most_common():
        if name in _SCRIPT_LANGS:
            return _likeliest(_SCRIPT_LANGS[name], words)
    if not words:
        return ("en",)
    return _likeliest(LATIN_LANGS, words)[:1]


def _likeliest(langs: tuple[str, ...], words: list[str]) -> tuple[str, ...]:
    """Of ``langs``, those whose common words ``words`` hold most, in their order:
    Ukrainian and Russian share an alphabet, not a vocabulary."""
    if len(langs) == 1 or not words:
        return langs
    held = [sum(f"\n{w}\n" in _common_lines(lang) for w in words) for lang in langs]
    return tuple(lang for lang, count in zip(langs, held, strict=True) if count == max(held))


COMMON_BUCKETS = 500  # words of frequency 1e-5 and up


@cache
def common_words(lang: str) -> frozenset[str]:
    """The few thousand commonest words of ``lang``: enough to tell languages apart, cheaply."""
    return frozenset(filter(None, _common_text(lang).split("\n")))


@cache
def _common_lines(lang: str) -> str:
    """:func:`common_words` one a line, a newline before the first and after the last: a word
    (which holds no newline) is one of them where ``f"\\n{word}\\n"`` is in it.  What
    :func:`languages` asks, about a thousand words in a cold check of the bench vault, does
    not pay for the set of every language's words (40-60 ms in every process, each worker of
    a check, to build the 31 sets that Latin, Cyrillic and Arabic text is matched against)."""
    return f"\n{_common_text(lang)}\n"


def _common_text(lang: str) -> str:
    """:func:`common_words` one a line, kept in the store (:func:`_compiled`) as one string:
    unpacking them from wordfreq's list took 0.16 s for the 39 languages that Latin-script
    text is matched against, in every process that met such damage (each worker of a check)."""

    def build() -> dict[str, array]:
        buckets = itertools.islice(_wordfreq_stream(lang, ("small",)), COMMON_BUCKETS)  # the rest is never read
        return {"words": array("B", "\n".join(w for bucket in buckets for w in bucket).encode("utf-8"))}

    return bytes(_compiled(f"common-{lang}", _wordfreq_path(lang, ("small",)), build)["words"]).decode("utf-8")
