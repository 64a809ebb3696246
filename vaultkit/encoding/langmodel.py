"""Which text is more likely: word and character frequencies from wordfreq, and a lattice decoder.

A lossy repair leaves some characters open: each is a *slot* with several candidate
characters (every one of them reproduces the damaged bytes).  :func:`decode` picks the most
probable sentence through those slots with a unigram word model -- the best segmentation of
the slots into dictionary words, as a dynamic programme over a lattice -- and says, per
open slot, how far ahead its pick is of the best alternative (the *margin*), so that
low-margin fills can be flagged instead of presented as certain.

Costs are in centibels (cB, ``-100 * log10(p)``), wordfreq's own unit: word lists come as
buckets of words whose frequency is ``10 ** (-bucket / 100)``.  Lower is better.

The data is wordfreq's (maintained on PyPI, built from Wikipedia, subtitles, books, web
text and more in 40+ languages); nothing here is a hand-typed frequency table.  A lexicon is
loaded lazily on first use per process (about 0.1 s for Chinese), so clean vaults never pay.
"""

from __future__ import annotations

import gzip
import itertools
import math
import os
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

INF = math.inf
UNSPACED = frozenset({"zh", "ja"})  # languages written without spaces between words
MAX_WORD = 8  # longest dictionary word tried in unspaced text
MAX_EXPANSION = 4096  # candidate strings tried per lattice window
UNKNOWN_WORD = 250.0  # cB added to every character of a word the dictionary does not know
CACHE_BONUS = 150.0  # cB taken off a character already seen intact in the same document
OTHER_VARIANT = 300.0  # cB for a traditional character in simplified Chinese text, and vice versa


@dataclass(frozen=True)
class Lexicon:
    """One language's word costs (folded word -> cB) and character costs."""

    lang: str
    words: dict[str, float]
    chars: dict[str, float]
    spaced: bool
    fold_map: dict[int, str] = field(default_factory=dict)  # e.g. traditional -> simplified Chinese
    traditional: frozenset[str] = frozenset()
    simplified: frozenset[str] = frozenset()  # characters only simplified Chinese uses
    prefixes: frozenset[str] = frozenset()  # proper prefixes of dictionary words, for pruning

    def fold(self, text: str) -> str:
        """The dictionary key of ``text``: case-folded and, for Chinese, simplified."""
        folded = text.casefold()
        return folded.translate(self.fold_map) if self.fold_map else folded

    def word_cost(self, text: str) -> float:
        return self.words.get(self.fold(text), INF)

    def char_cost(self, char: str) -> float:
        """Cost of one character standing alone (a single-character word or a letter)."""
        key = self.fold(char)
        cost = self.chars.get(key, INF)
        if cost == INF and not self.spaced:
            cost = self.words.get(key, INF)
        return min(cost, block_cost(char))


def _wordfreq_buckets(lang: str) -> list[list[str]]:
    import wordfreq  # imported lazily: only damaged notes need it

    available = wordfreq.available_languages("best")
    if lang not in available:
        raise LookupError(f"wordfreq has no word list for {lang!r}")
    return wordfreq.read_cBpack(available[lang])


def _chinese_fold_map() -> dict[int, str]:
    """wordfreq stores Chinese in simplified characters; map traditional ones onto them."""
    import msgpack
    import wordfreq

    path = os.path.join(wordfreq.DATA_PATH, "_chinese_mapping.msgpack.gz")
    try:
        with gzip.open(path) as handle:
            mapping = msgpack.load(handle, raw=False, strict_map_key=False)
    except (OSError, ValueError):
        return {}
    return {int(k): v for k, v in mapping.items()}


@lru_cache(maxsize=None)
def lexicon(lang: str) -> Lexicon:
    """The lexicon of ``lang`` (a wordfreq language code), loaded once per process."""
    words: dict[str, float] = {}
    for bucket, group in enumerate(_wordfreq_buckets(lang)):
        for word in group:
            words.setdefault(word, float(bucket))
    spaced = lang not in UNSPACED
    chars = _char_costs(words) if spaced else {}
    fold_map = _chinese_fold_map() if lang == "zh" else {}
    traditional = frozenset(chr(k) for k in fold_map)
    simplified = frozenset(fold_map.values()) - traditional
    prefixes = frozenset() if spaced else frozenset(w[:k] for w in words for k in range(1, min(len(w), MAX_WORD)))
    return Lexicon(lang, words, chars, spaced, fold_map, traditional, simplified, prefixes)


def _char_costs(words: dict[str, float], top: int = 40000) -> dict[str, float]:
    """Character unigram costs from the most frequent words (their letters, weighted)."""
    mass: Counter[str] = Counter()
    for word, cost in itertools.islice(words.items(), top):
        weight = 10 ** (-cost / 100)
        for char in word:
            mass[char] += weight
    total = sum(mass.values()) or 1.0
    return {c: -100 * math.log10(m / total) for c, m in mass.items()}


# Characters the dictionaries do not list still differ in how likely they are to turn up in
# a note: symbols and mathematical letters pasted from PDFs are common, historic scripts are
# not, unassigned code points never.  Costs in cB, by Unicode block.
_COMMON_BLOCKS = (
    (0x00A0, 0x024F),  # Latin-1 supplement, Latin extended A/B
    (0x0370, 0x04FF),  # Greek, Cyrillic
    (0x2000, 0x2BFF),  # punctuation, super/subscripts, currency, letterlike, arrows, maths, technical, box, shapes
    (0x3000, 0x30FF),  # CJK symbols and punctuation, kana
    (0xFF00, 0xFFEF),  # half/full-width forms
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


@lru_cache(maxsize=4096)
def block_cost(char: str) -> float:
    """Prior cost of a character no dictionary lists, from its Unicode category and block."""
    category = unicodedata.category(char)
    if category in ("Cn", "Co", "Cs", "Cc"):
        return INF
    if category in ("Cf", "Zl", "Zp", "Mn", "Me"):
        return 1400.0  # invisible or combining: rarely what a lost byte was
    point = ord(char)
    if any(lo <= point <= hi for lo, hi in _COMMON_BLOCKS):
        return 700.0 if category[0] == "P" else 800.0
    if any(lo <= point <= hi for lo, hi in _LIVING_BLOCKS):
        return 1000.0
    return 1400.0


def style(char: str) -> str:
    """A character's family for the document cache: ``MATHEMATICAL ITALIC`` for ``𝑥``."""
    name = unicodedata.name(char, "")
    for marker in (" CAPITAL ", " SMALL ", " DIGIT "):
        if marker in name:
            return name.split(marker, 1)[0]
    return ""


@dataclass
class DocumentCache:
    """What a document already shows intact: such characters (and their styles) are likelier."""

    chars: Counter[str] = field(default_factory=Counter)
    styles: Counter[str] = field(default_factory=Counter)

    def add(self, text: Iterable[str]) -> None:
        for char in text:
            if ord(char) > 0x7F:
                self.chars[char] += 1
                self.styles[style(char)] += 1

    def bonus(self, char: str) -> float:
        if self.chars.get(char):
            return CACHE_BONUS
        family = style(char)
        return CACHE_BONUS if family and self.styles.get(family) else 0.0

    def traditional(self, lex: Lexicon) -> bool:
        """Whether the document's intact Chinese is mostly traditional."""
        trad = sum(n for c, n in self.chars.items() if c in lex.traditional)
        simp = sum(n for c, n in self.chars.items() if c in lex.simplified)
        return trad > simp


@dataclass(frozen=True)
class Decoding:
    """The chosen character per slot, and for open slots the margin and close alternatives."""

    chars: tuple[str, ...]
    margins: tuple[float, ...]  # cB; INF for certain slots
    alternatives: tuple[tuple[str, ...], ...]  # runners-up within the review margin, best first
    cost: float


Edge = tuple[int, int, str, float, str]  # start, end, text, cost, tag


def _kind(choices: tuple[str, ...]) -> str:
    """``word`` (letters, and every open slot), ``ascii`` (ASCII letters/digits) or ``other``."""
    if len(choices) > 1:
        return "word"
    char = choices[0]
    if char.isascii():
        return "ascii" if char.isalnum() else "other"
    category = unicodedata.category(char)
    return "word" if category[0] in "LM" or (category == "Nd") else "other"


def decode(
    slots: Sequence[tuple[str, ...]],
    lex: Lexicon,
    cache: DocumentCache | None = None,
    review_margin: float = 100.0,
) -> Decoding:
    """Pick one character per slot: the best path through the word lattice.

    ``slots[i]`` holds the candidates of character ``i`` (one for a certain character).
    """
    n = len(slots)
    gram = grammar(lex.lang) if any(len(c) > 1 for c in slots) else None
    edges = _edges(slots, lex, cache, gram)
    start_tag = "Sx"
    trans = gram.transition if gram else (lambda previous, tag: 0.0)
    by_end: list[list[Edge]] = [[] for _ in range(n + 1)]
    by_start: list[list[Edge]] = [[] for _ in range(n + 1)]
    for edge in edges:
        by_start[edge[0]].append(edge)
        by_end[edge[1]].append(edge)
    # forward[i][tag]: cheapest way to cover slots[:i] with the last word tagged ``tag``
    forward: list[dict[str, tuple[float, Edge | None, str]]] = [{} for _ in range(n + 1)]
    forward[0][start_tag] = (0.0, None, "")
    for j in range(1, n + 1):
        here = forward[j]
        for edge in by_end[j]:
            i, _, _, cost, tag = edge
            for previous, (total, _, _) in forward[i].items():
                value = total + trans(previous, tag) + cost
                if value < here.get(tag, (INF,))[0]:
                    here[tag] = (value, edge, previous)
    # backward[i][tag]: cheapest way to cover slots[i:] after a word tagged ``tag``
    backward: list[dict[str, float]] = [{} for _ in range(n + 1)]
    backward[n] = {tag: 0.0 for tag in forward[n]}
    for i in range(n - 1, -1, -1):
        for previous in forward[i]:
            best = INF
            for _, j, _, cost, tag in by_start[i]:
                rest = backward[j].get(tag, INF)
                if rest < INF:
                    best = min(best, trans(previous, tag) + cost + rest)
            backward[i][previous] = best
    chosen = [c[0] for c in slots]
    best_total, tag = min(((v[0], t) for t, v in forward[n].items()), default=(INF, start_tag))
    j = n
    while j > 0 and tag in forward[j] and forward[j][tag][1] is not None:
        _, edge, previous = forward[j][tag]
        i = edge[0]  # type: ignore[index]
        chosen[i:j] = list(edge[2])  # type: ignore[index]
        j, tag = i, previous
    open_slots = {k for k, c in enumerate(slots) if len(c) > 1}
    alt: dict[int, dict[str, float]] = {k: {} for k in open_slots}
    for i, j, text, cost, tag in edges:
        if not any(k in open_slots for k in range(i, j)):
            continue
        before = min((t + trans(p, tag) for p, (t, _, _) in forward[i].items()), default=INF)
        total = before + cost + backward[j].get(tag, INF)
        for k in range(i, j):
            if k in open_slots and total < alt[k].get(text[k - i], INF):
                alt[k][text[k - i]] = total
    margins = [INF] * n
    alternatives: list[tuple[str, ...]] = [()] * n
    for k in open_slots:
        others = sorted((cost, c) for c, cost in alt[k].items() if c != chosen[k])
        margins[k] = (others[0][0] - best_total) if others else INF
        alternatives[k] = tuple(c for cost, c in others if cost - best_total < review_margin)[:3]
    return Decoding(tuple(chosen), tuple(margins), tuple(alternatives), best_total)


def _edges(
    slots: Sequence[tuple[str, ...]], lex: Lexicon, cache: DocumentCache | None, gram: Grammar | None
) -> list[Edge]:
    """Every (start, end, text, cost, tag) a word, a fixed token or a single character can take."""
    n = len(slots)
    kinds = [_kind(c) for c in slots]
    edges: list[Edge] = []
    if lex.traditional:
        other = lex.simplified if cache is not None and cache.traditional(lex) else lex.traditional
    else:
        other = frozenset()
    i = 0
    while i < n:
        kind = kinds[i]
        j = i + 1
        while j < n and kinds[j] == kind and kind != "other":
            j += 1
        if kind == "other":
            edges.append((i, i + 1, slots[i][0], 0.0, "Sx"))
        elif kind == "ascii":
            text = "".join(c[0] for c in slots[i:j])
            edges.append((i, j, text, 0.0, "Mm" if text.isdigit() else "Sx"))
        else:
            edges.extend(_word_edges(slots, lex, cache, gram, i, j))
        i = j
    if other:
        edges = [_variant_penalty(edge, slots, other) for edge in edges]
    return edges


def _variant_penalty(edge: Edge, slots: Sequence[tuple[str, ...]], other: frozenset[str]) -> Edge:
    """Chinese text keeps to one script: charge open slots filled from the other variant."""
    i, j, text, cost, tag = edge
    count = sum(1 for k, char in enumerate(text) if char in other and len(slots[i + k]) > 1)
    return (i, j, text, cost + OTHER_VARIANT * count, tag) if count else edge


def _word_edges(
    slots: Sequence[tuple[str, ...]],
    lex: Lexicon,
    cache: DocumentCache | None,
    gram: Grammar | None,
    i: int,
    j: int,
) -> list[Edge]:
    """Edges inside a run of letters ``slots[i:j]``: dictionary words and single characters."""
    edges: list[Edge] = []
    tags = gram.tags if gram else {}
    for k in range(i, j):
        for char in slots[k]:
            cost = lex.char_cost(char)
            if lex.spaced:
                cost += UNKNOWN_WORD
            if cache is not None and len(slots[k]) > 1:
                cost -= cache.bonus(char)
            if cost < INF:
                edges.append((k, k + 1, char, cost, word_class(tags.get(char, "n"), 1)))
    if lex.spaced:
        if j - i > 1:
            edges.extend(_whole_words(slots, lex, i, j))
    else:
        for a in range(i, j - 1):
            edges.extend(_words(slots, lex, tags, a, min(j, a + MAX_WORD)))
    return edges


def _whole_words(slots: Sequence[tuple[str, ...]], lex: Lexicon, i: int, j: int) -> list[Edge]:
    """Dictionary words that fill the whole space-delimited token ``slots[i:j]``."""
    size = 1
    for choices in slots[i:j]:
        size *= len(choices)
        if size > MAX_EXPANSION:
            return []
    found: list[Edge] = []
    for combo in itertools.product(*slots[i:j]):
        text = "".join(combo)
        cost = lex.words.get(lex.fold(text))
        if cost is not None:
            found.append((i, j, text, cost, ""))
    return found


def _words(slots: Sequence[tuple[str, ...]], lex: Lexicon, tags: dict[str, str], i: int, j: int) -> list[Edge]:
    """Dictionary words of two or more characters starting at slot ``i`` and ending by ``j``,
    grown one slot at a time along word prefixes (unspaced scripts)."""
    found: list[Edge] = []
    get = lex.words.get
    prefixes = lex.prefixes
    fold = lex.fold
    partial = [(slot_char, fold(slot_char)) for slot_char in slots[i]]
    for k in range(i + 1, j):
        grown = []
        for text, key in partial:
            for char in slots[k]:
                longer = key + fold(char)
                cost = get(longer)
                if cost is not None:
                    found.append((i, k + 1, text + char, cost, word_class(tags.get(text + char, "n"), k + 1 - i)))
                if longer in prefixes:
                    grown.append((text + char, longer))
        if not grown or len(grown) > MAX_EXPANSION:
            break
        partial = grown
    return found
