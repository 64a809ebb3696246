"""Find the damaged runs of a note and their repairs.

The order of work is the order of cost.  The byte-level signature of mojibake
(:mod:`.signature`: characters that, encoded back with some code page, form valid
multi-byte UTF-8) decides whether a note can hold mojibake at all; clean notes in any
script stop there, before any scoring.  In a suspicious note only the line parts with a
signature are looked at -- outside code spans and code blocks (mojibake shown as an example
stays untouched); front matter, math and link targets are text like any other -- and only
with the code pages and codecs whose signature they have.

The document is judged first: which single-byte code page explains most of it, whether it
lost bytes (and about as many as that page's undefined bytes would lose -- a binomial test
rejects "repairs" that need far more), which double-byte damage it has shown for sure.
Then each line part gets the explanation that accounts for most of it:

1. single-byte mojibake with lost bytes (:func:`.mojibake.lossy_proposals`), decoded by the
   language model -- unless U+FFFD marks the losses in an alphabetic script, which ftfy
   handles (it keeps the U+FFFD, as its test corpus expects), and which only a note of a
   sentence or more fills, where a word list pins the letter;
2. ftfy's exact repair (:func:`.mojibake.exact_fix`) -- or the same stretches read with a
   sibling page whose letters read better --, GBK-family bytes read as Latin-1,
   an exact re-reading with the document's code page, or UTF-8 read as
   GBK/GB18030/Big5/Shift-JIS/EUC-KR (:mod:`.cjk`) -- whichever explains the most
   characters, ftfy first among equals ("UTF-8 explanations take precedence").

Open characters are decoded for the whole document at once, so that what it (and the
vault) shows intact makes the rest likelier, in a second pass also trusting the styles of
the first pass's confident picks.  A repair is kept only when the repaired text is clearly
likelier than the damaged text once each lost byte and each switch between alphabets is
paid for.  GBK-family repairs must also produce real words -- most of their Chinese
characters inside dictionary words (garbage read as GBK scores near zero there) -- and be
long enough to judge, until the document has shown that damage twice.

A run is repaired in full or not at all.  If the chosen explanation would leave mojibake
beside repaired text (kanji restored, kana left as ``ă®``), every other explanation of the
line part is tried, lossy ones included, and the one that leaves least wins; a run that is
still half repaired keeps its text and names the damaged words nobody could decide.
What a repair of UTF-8 read as EUC-KR leaves unread inside its own words (syllables only
EUC-KR's extension spells, too short for a signature) becomes U+FFFD, a lost character
the repair owns up to.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache
from typing import NamedTuple

from vaultkit.model import Note, Region, note_name
from vaultkit.text.encoding import cjk, codepages, langmodel
from vaultkit.text.encoding.langmodel import INF, Decoding, DocumentCache, language, lexicon
from vaultkit.text.encoding.lossy import Template
from vaultkit.text.encoding.mojibake import (
    Proposal,
    coverage,
    exact_fix,
    ftfy_case,
    khmer_only,
    lossless_proposals,
    lossy_proposals,
)
from vaultkit.text.encoding.signature import (
    ALPHABET_RUN,
    DOUBLE_RUN,
    Signature,
    line_signatures,
    signature,
    suspicious,
)

LOST_BYTE = 300.0  # cB charged per lost byte a repair assumes
MIN_GAIN = 200.0  # cB the repaired text must beat the damaged text by
REVIEW_MARGIN = 100.0  # cB: a fill closer than this to its runner-up is flagged for review
UNRESOLVED = 1000.0  # cB: a fill this unlikely on its own, with no word around it, is not guessed
TRUSTED = 200.0  # cB margin from which a first-pass fill informs the second pass
ESTABLISHED = 2  # repairs of one double-byte kind after which a document counts as damaged that way
MIN_CJK = 3  # CJK characters a GBK-family repair needs to be judged at all
MIN_WORDS = 0.5  # share of a GBK-family repair's Chinese characters that must sit in words
SCRIPT_SWITCH = 400.0  # cB for two adjacent letters of different alphabets
MIN_SWITCHES = 2  # letters of two alphabets run together that mark text as mojibake, lacking words
RUN_GAP = 12  # unchanged characters that separate two findings on one line
MAX_PART = 2000  # characters of a line analysed at once: longer lines are cut into parts
BUDGET = 30_000  # characters of line parts with a signature analysed per note, at most
DOCUMENT_SAMPLE = 100_000  # characters of a note that inform the repairs of its damaged parts
MAX_WORDS = 5_000  # damaged words looked for per code page and note, at most
LOSS_SIGNIFICANCE = 1e-4  # a document losing bytes less likely than this is not lossy damage
MIN_PINNED = 0.5  # share of a stretch's short characters with one candidate left that vouches for its losses
VAULT_WORD = 500.0  # cB of a word that titles a note of the vault
NOTE_WORDS = 12  # words from which a note is a sentence, not a label (ftfy's longest such case has 10)
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Damage:
    """One damaged run: where it is, how to repair it, and how sure the repair is.

    ``edits`` are (start, end, text) replacements in note offsets, inside ``[start, end)``.
    ``lost`` counts the bytes the damage destroyed (0: the repair is exact);
    ``unresolved`` the characters no candidate explains, left as U+FFFD; ``doubtful`` the
    fills that were close calls, each with its alternatives.  A run is repaired in full or
    not at all: where every explanation would leave mojibake beside repaired text, the run
    has no edits and ``undecided`` holds the damaged words no explanation accounts for.
    """

    start: int
    end: int
    edits: tuple[tuple[int, int, str], ...]
    how: str
    lost: int = 0
    unresolved: int = 0
    doubtful: tuple[tuple[str, tuple[str, ...]], ...] = ()
    undecided: tuple[str, ...] = ()

    def repaired(self, text: str) -> str:
        """The run's text with the repair applied."""
        out, pos = [], self.start
        for start, end, new in self.edits:
            out.append(text[pos:start])
            out.append(new)
            pos = end
        out.append(text[pos : self.end])
        return "".join(out)


@dataclass(frozen=True, eq=False)
class Context:
    """What the rest of the vault says about its language: the non-ASCII characters of a
    sample of its clean notes, and the CJK words of its note and folder names and of the
    Chinese that sample repeats (a user's own vocabulary: ``词向量`` is rare in general text
    but may title half the vault).
    Compared by identity, so analyses stay cached per vault."""

    chars: Counter[str]
    words: frozenset[str]


EMPTY = Context(Counter(), frozenset())
# The key under which an index keeps, beside its context, what each sampled note added to it:
# the sampled note's path -> (its digest, :func:`contribution`).  The check cache reads them.
CONTEXT_PARTS = "encoding.context parts"
SAMPLE_NOTES = 100
CONTEXT_CHARS = 5000  # characters of each sampled note that count
PHRASE_CHARS = 4  # longest run of Chinese characters the sample's repeats give as a word
PHRASE_REPEATS = 3  # times the sample must repeat a run for it to count as the vault's word
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{2,}")
# Particles and conjunctions that join the words of a Chinese title ("向量组的秩", "极值与最值"):
# a name splits there into the words it is made of, which the vault uses beyond its names.
_TITLE_JOINERS = re.compile("[的之与和及或]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


def context_of(notes: Iterable[Note]) -> Context:
    """The :class:`Context` of a vault's notes (about 10 ms for 10,000 notes)."""
    readable = {n.rel: n for n in notes if not n.read_error}
    return context_from(readable, lambda rel: readable[rel].text)


def sampled(rels: Iterable[str]) -> list[str]:
    """The notes whose text :func:`context_from` reads: an even sample of the sorted paths
    (so that a caller can tell that an edit elsewhere cannot move the context)."""
    listed = sorted(rels)
    return listed[:: max(1, len(listed) // SAMPLE_NOTES)]


def context_from(rels: Iterable[str], text_of: Callable[[str], str]) -> Context:
    """:func:`context_of` from the paths of the readable notes, asking ``text_of`` for the
    text of the sampled ones only: an index built from notes' facts loads no other note."""
    return context_of_parts(rels, lambda rel: contribution(text_of(rel)))


def context_of_parts(rels: Iterable[str], part_of: Callable[[str], Part]) -> Context:
    """:func:`context_from`, asking ``part_of`` for what each sampled note adds
    (:func:`contribution`): a caller that keeps those parts can tell later whether an edit
    to a sampled note moved the context."""
    listed = sorted(rels)
    folders = {rel.rpartition("/")[0] for rel in listed}
    names = {note_name(rel) for rel in listed} | {name for folder in folders for name in folder.split("/")}
    runs = {run for name in names if not name.isascii() for run in _CJK_RUN.findall(name)}
    words = frozenset(runs | {w for run in runs for w in _CJK_RUN.findall(_TITLE_JOINERS.sub(" ", run))})
    chars: Counter[str] = Counter()
    han: list[str] = []
    for rel in sampled(listed):
        part = part_of(rel)
        chars.update(part.chars)
        han.extend(part.han)
    return Context(chars, words | _phrases(" ".join(han)))


def _phrases(han: str) -> set[str]:
    """The runs of two to four Chinese characters that the space-separated runs ``han``
    repeat: the vault's own words and collocations (``偏导数``, ``右极限``), which no word
    list may have.  Sliced and counted in C (about 0.13 s for 140,000 characters, once per
    index, and only for a vault with a suspicious note)."""
    found: set[str] = set()
    for n in range(2, PHRASE_CHARS + 1):
        grams = Counter(map(han.__getitem__, map(slice, range(len(han)), range(n, len(han) + n))))
        found.update(gram for gram, count in grams.items() if count >= PHRASE_REPEATS and " " not in gram)
    return found


class Part(NamedTuple):
    """What one sampled note adds to the vault's :class:`Context` (:func:`contribution`)."""

    chars: Counter[str]  # its non-ASCII characters
    han: tuple[str, ...]  # its runs of Chinese characters, whose repeats across the sample are words


Parts = dict[str, tuple[str, Part]]  # a sampled note's path -> (its digest, :func:`contribution`)


def record_part(parts: Parts, note: Note) -> Part:
    """What ``note`` adds to the context (:func:`contribution`), kept in ``parts`` (an index's
    :data:`CONTEXT_PARTS`) by its digest: the vocabulary records it as it is worked out, and
    the check cache when it tells whether an edit moved the vocabulary."""
    parts[note.rel] = (note.digest, contribution(note.text))
    return parts[note.rel][1]


def contribution(text: str) -> Part:
    """What one sampled note adds to the vault's context (:func:`context_from`), read from
    its first :data:`CONTEXT_CHARS` characters; nothing when it is damaged itself."""
    if suspicious(text):
        return Part(Counter(), ())
    head = text[:CONTEXT_CHARS]
    return Part(Counter(c for c in head if ord(c) > 0x7F), tuple(_HAN_RUN.findall(head)))


def analyse(text: str, regions: tuple[Region, ...] = (), context: Context = EMPTY) -> tuple[Damage, ...]:
    """Every damaged run of ``text`` (a note; ``regions`` from the parser), in order.

    ``context`` is what the rest of the vault contributes (:func:`context_of`).  Cached:
    the encoding rules of one note share one analysis.
    """
    return _analyse(text, regions, context)[0]


def unanalysed(text: str, regions: tuple[Region, ...] = (), context: Context = EMPTY) -> int | None:
    """Where the analysis of ``text`` gave up because the note spent its work budget
    (:data:`BUDGET`): the offset of the first line part left unexamined, or None."""
    return _analyse(text, regions, context)[1]


@lru_cache(maxsize=8)
def _analyse(text: str, regions: tuple[Region, ...], context: Context) -> tuple[tuple[Damage, ...], int | None]:
    signatures = line_signatures(text, _segments(text, regions), MAX_WORDS)
    segments, stopped, spent = [], None, 0
    for seg, sig in signatures.items():
        spent += seg[1] - seg[0]
        if spent > BUDGET or (sig.stopped is not None and seg[0] >= sig.stopped):
            stopped = seg[0]
            break
        segments.append(seg)
    signatures = {seg: signatures[seg] for seg in segments}
    if not signatures:
        return (), stopped
    shy = _shy(text)
    lossy = {
        seg: _signed(lossy_proposals(text[seg[0] : seg[1]], signatures[seg].pages, shy=shy), signatures[seg])
        for seg in segments
    }
    totals: Counter[str] = Counter()
    for seg, by_page in lossy.items():
        for name, proposals in by_page.items():
            totals[name] += coverage(proposals, text[seg[0] : seg[1]]) - _lost(proposals)
    order = {name: k for k, name in enumerate(codepages.PAGES)}
    tied = [name for name in totals if totals[name] == max(totals.values())]
    spelt = {name: _spelt(lossy, name) for name in tied} if len(tied) > 1 else {}
    hint = min(totals, key=lambda name: (-totals[name], spelt.get(name, 0.0), order[name])) if totals else None
    chosen = {}
    for seg, by_page in lossy.items():
        if by_page:
            part = text[seg[0] : seg[1]]
            name = min(by_page, key=lambda n: (-coverage(by_page[n], part), _lost(by_page[n]), n != hint, order[n]))
            if _lost(by_page[name]):
                chosen[seg] = by_page[name]
    found = [p for ps in chosen.values() for p in ps]
    if not any(p.lost and not ftfy_case(p) for p in found) or not _plausible_loss(found):
        chosen = {}  # nothing surely lost, or far more than the code page could drop: not lossy damage
    if not chosen:
        hint = None  # no byte was lost anywhere: ftfy alone judges lossless damage
    judge = _Judge(text, signatures, chosen, context)
    changes: dict[tuple[int, int], list[_Change]] = {}
    own: dict[tuple[int, int], Counter[str]] = {}  # the repairs each line part made itself
    for seg in segments:
        before = Counter(judge.accepted)
        changes[seg] = judge.segment(seg, hint)
        own[seg] = judge.accepted - before
    shown = Counter(judge.accepted)
    if any(count >= ESTABLISHED for count in shown.values()):
        # The document is damaged that way: short lines need less evidence, and a line part
        # left half repaired is judged again -- on what the other line parts showed, never
        # on its own repairs (a line does not vouch for itself).
        for seg in segments:
            left = _leftover_size(text, seg, changes[seg], signatures[seg]) if changes[seg] else 0
            if changes[seg] and not left:
                continue
            judge.established = {how for how, count in (shown - own[seg]).items() if count >= ESTABLISHED}
            if judge.established:
                again = judge.segment(seg, hint)
                if not changes[seg] or _leftover_size(text, seg, again, signatures[seg]) < left:
                    changes[seg] = again
    return tuple(run for seg in segments for run in _whole(text, seg, changes[seg], signatures[seg])), stopped


def _shy(text: str) -> bool:
    """Whether soft hyphens may have been stripped from ``text``, the soft hyphen's byte lost
    with them: not where it shows one (intact, or inside mojibake: ``í`` read as Windows-1252
    is ``Ã\u00ad``), since what strips soft hyphens strips them all.  Where it shows one, a
    character short of a byte is not one whose last byte is 0xAD (Thai ``อ``, Arabic ``ح``):
    one candidate fewer that a word list may like better than the byte a page drops."""
    return "\u00ad" not in text


def _signed(by_page: dict[str, list[Proposal]], sig: Signature) -> dict[str, list[Proposal]]:
    """Only the proposals that hold a damaged word of their page's signature: the rest of
    the line part is not scored at all."""
    out = {}
    for name, proposals in by_page.items():
        spans = sig.spans(name)
        kept = [p for p in proposals if any(p.start < end and start < p.end for start, end in spans)]
        if kept:
            out[name] = kept
    return out


def _spelt(lossy: dict[tuple[int, int], dict[str, list[Proposal]]], name: str) -> float:
    """The cost of the characters the page ``name`` reads intact: of sibling pages that
    explain a document equally well (ISO-8859-15 and Windows-1252 differ in eight letters:
    ``Îž`` is ``θ`` in one, ``Ξ`` in the other), the letters that differ decide."""
    return _spelt_cost([p for by_page in lossy.values() for p in by_page.get(name, [])])


def _spelt_cost(proposals: list[Proposal]) -> float:
    """The cost of the characters ``proposals`` read intact (:func:`_spelt`)."""
    certain = "".join(_certain(p) for p in proposals)
    lex = lexicon(language(certain))
    return sum(lex.char_cost(c) for c in certain if not c.isascii())


def _plausible_loss(proposals: list[Proposal]) -> bool:
    """Whether the document lost about as many bytes as dropping a code page's undefined
    bytes can lose: a one-sided binomial test on the continuation bytes (the lost ones
    and the ones that came through), at :data:`LOSS_SIGNIFICANCE`.  A script whose
    characters all share a byte the page drops (``E1 9E`` starts half of Khmer's, and
    Windows-1254 drops 0x9E) loses far more than uniform bytes would, and is damage all
    the same: stretches that are mojibake beyond doubt (:func:`_self_evident`) and whose
    lost bytes the intact text mostly pins to one value each (:data:`MIN_PINNED`) are left
    out of the count, as is Khmer with no character whole, every one short of its middle
    byte and kept to well-formed Khmer spelling (:func:`_khmer_only`).  A hopeless garble
    loses as many, pinned nowhere."""
    proposals = [p for p in proposals if not (_khmer_only(p) or (_self_evident(p) and _pinned(p) >= MIN_PINNED))]
    lost = sum(p.lost for p in proposals)
    if not lost:
        return True
    seen = sum(s.end - s.start - 1 for p in proposals for s in p.slots if s.end - s.start > 1)
    rate = max(p.drop_rate for p in proposals)
    return _binomial_tail(lost + seen, lost, rate) >= LOSS_SIGNIFICANCE


def _pinned(p: Proposal) -> float:
    """Share of the characters of ``p`` short of bytes that have one candidate left."""
    short = [s for s in p.slots if s.lost]
    return sum(1 for s in short if len(s.choices) == 1) / len(short) if short else 1.0


def _binomial_tail(n: int, k: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if p <= 0:
        return 0.0 if k > 0 else 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    total = 0.0
    for i in range(k, n + 1):
        total += math.exp(
            math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
        )
    return total


def _lost(proposals: list[Proposal]) -> int:
    return sum(p.lost for p in proposals)


def _segments(text: str, regions: tuple[Region, ...]) -> list[tuple[int, int]]:
    """Lines, cut around code blocks and code spans."""
    code = [(r.start, r.end) for r in regions if r.kind in ("code", "inline-code")]
    out = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        stop = end - 1 if line.endswith("\r") else end
        pos = start
        for c_start, c_end in code:
            if c_end <= pos or c_start >= stop:
                continue
            if c_start > pos:
                out.append((pos, c_start))
            pos = max(pos, c_end)
        if pos < stop:
            out.append((pos, stop))
        start = end + 1
    return [window for part in out for window in _windows(text, *part)]


def _windows(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    """``text[start:stop]`` in parts of at most :data:`MAX_PART` characters, cut after an
    ASCII character other than a space where one is near (mojibake is never cut there: its
    characters are all non-ASCII, and a space may be a lost no-break space's byte)."""
    out = []
    while stop - start > MAX_PART:
        cut = start + MAX_PART
        for pos in range(cut, cut - MAX_PART // 10, -1):
            if text[pos - 1].isascii() and text[pos - 1] != " ":
                cut = pos
                break
        out.append((start, cut))
        start = cut
    out.append((start, stop))
    return out


Judged = tuple[Decoding, langmodel.Lexicon]


class _Judge:
    """Decides, line part by line part, which repair to apply.

    Lossy proposals are decoded for the whole document at once (two passes: the second
    also knows the styles of the first pass's confident fills); a line part whose lossy
    proposals all fail falls back to ftfy, then to an exact re-decoding with the
    document's code page, then to the CJK explanations.
    """

    def __init__(
        self,
        text: str,
        segments: dict[tuple[int, int], Signature],
        lossy: dict[tuple[int, int], list[Proposal]],
        context: Context,
    ) -> None:
        self.text = text
        self.signatures = segments
        self.lossy = lossy
        self.accepted: Counter[str] = Counter()  # repairs made by reading bytes back, by kind
        self.established: set[str] = set()  # kinds of damage the document has shown for sure
        self.sibling_languages: dict[str, str] = {}  # script -> :meth:`_siblings_language`
        self.shy = _shy(text)
        reliable = list(text[:DOCUMENT_SAMPLE])  # what the note shows intact (a huge note: its start)
        for start, end in segments:
            if start < DOCUMENT_SAMPLE:
                reliable[start:end] = " " * (min(end, DOCUMENT_SAMPLE) - start)
        # Single-byte mojibake with U+FFFD for lost bytes, read once per line part: what its
        # bytes kept whole informs the document as the dropped bytes' readings do.
        self.marked: dict[int, list[Proposal]] = {}
        for start, end in segments:
            if "\ufffd" in text[start:end]:
                by_page = lossy_proposals(text[start:end], marked=True, shy=self.shy)
                if by_page:
                    # of pages that explain as much, the letters that differ decide (:func:`_spelt`)
                    self.marked[start] = max(
                        by_page.values(), key=lambda found: (coverage(found, text[start:end]), -_spelt_cost(found))
                    )
        read = [p for ps in (*lossy.values(), *self.marked.values()) for p in ps]
        certain = "".join(_certain(p) for p in read)  # bytes that all came through
        self.cache = DocumentCache(
            "".join(reliable), dict.fromkeys(context.words, VAULT_WORD), context.chars, kept=certain
        )
        self.lang = language(self.cache.text + certain)
        self.words = len(_WORD.findall(self.cache.text + " " + certain))  # words the note spells out
        pending = [p for ps in lossy.values() for p in ps]
        # The decodings of this document by candidates: explanations and passes repeat lattices.
        self.lattices: dict[tuple[tuple[str, ...], ...], Judged] = {}
        # Keyed by id() but holding the proposal too: an id is only unique while its object lives.
        self.decoded: dict[int, tuple[Proposal, Judged]] = {id(p): (p, self.decode(p)) for p in pending}
        guessed = {c for p in pending for s in p.slots if len(s.choices) > 1 for c in s.choices}
        styled = {c for c in guessed if self.cache.styled(c)}
        learned = len(self.cache.styles)
        self.cache.add_styles(
            c
            for p in pending
            for k, c in enumerate(self.decoded[id(p)][1][0].chars)
            if len(p.slots[k].choices) > 1 and self.decoded[id(p)][1][0].margins[k] >= TRUSTED
        )
        restyled = len(self.cache.styles) > learned
        taught = [
            self.cache.learn([s.choices for s in p.slots], decoding, TRUSTED)
            for p in pending
            for decoding, lex in [self.decoded[id(p)][1]]
            if lex.lang == "zh"  # the words of confident fills decide Chinese close calls (langmodel.context_cost)
        ]
        # A second pass, knowing the styles and words of confident fills.  The styles reach a
        # decoding only through DocumentCache.char_cost of an open slot's candidate, and only
        # as DocumentCache.styled; what the cache learnt, only through context_cost of a
        # Chinese function word.  A lattice that neither changed decodes exactly as before:
        # it stays in self.lattices; the others are dropped, so that every later decode of
        # theirs sees the cache as it now is.  Of the proposals, a restyled note decodes all
        # again; otherwise only those with a function-word close call (langmodel.contextual)
        # are: the rest keep their first decoding, as before the lattices were shared.
        changed = {c for c in guessed if self.cache.styled(c)} - styled
        if changed or any(taught):
            for key, (_, lex) in list(self.lattices.items()):
                if any(c in changed for s in key if len(s) > 1 for c in s) or (
                    any(taught) and langmodel.context_dependent(key, lex)
                ):
                    del self.lattices[key]
            self.decoded = {
                id(p): (p, self.decode(p))
                if restyled or langmodel.contextual([s.choices for s in p.slots], *self.decoded[id(p)][1], TRUSTED)
                else self.decoded[id(p)]
                for p in pending
            }

    def decode(self, p: Proposal) -> Judged:
        """The decoding of a lossy proposal (the same for every proposal with its candidates)."""
        slots = tuple(s.choices for s in p.slots)
        known = self.lattices.get(slots)
        if known is None:
            certain = _certain(p)
            langs = (
                langmodel.languages(_holed(p))
                if any(langmodel.script(c) for c in certain if ord(c) > 0x7F)
                else (self.lang,)
            )
            if "ja" not in langs and _kana_lost(slots):
                langs = (*langs, "ja")
            known = self.lattices[slots] = min(
                ((langmodel.decode(slots, lexicon(lang), self.cache, REVIEW_MARGIN), lexicon(lang)) for lang in langs),
                key=lambda judged: judged[0].cost,
            )  # languages the intact letters cannot tell apart: the one that reads best
        return known

    def segment(self, seg: tuple[int, int], hint: str | None) -> list[_Change]:
        """The changes for one line part: the explanation that accounts for most of it and
        leaves no damage behind.  The first choice (lossy damage the document has shown,
        else the explanation of most characters) is checked; if it would leave mojibake
        beside repaired text, or is ftfy's repair of part of it (ftfy reads Greek through
        ISO-8859-15 as Windows-1252 in part: ``ΜάΞετε``), every explanation is tried and the
        one that leaves the least wins, a whole reading before ftfy's partial one among
        equals (:meth:`whole` then leaves alone what is still half repaired)."""
        offset = seg[0]
        part = self.text[seg[0] : seg[1]]
        exact = self._sibling(seg, exact_fix(part))
        marked = exact is not None and "\ufffd" in part and exact.how.startswith("UTF-8 read as")
        if exact is not None and marked and not exact.how.endswith("(in part)"):
            accepted = self._marked(offset, rival=exact) or [exact]
        else:
            marked = False
            accepted = self.choose(offset, self.lossy.get(seg, []))
            if "\ufffd" in part:  # a page ftfy does not know marked the lost bytes: filled as dropped ones are
                accepted = self._marked(offset, spaced=True) or accepted
        options: list[list[Proposal]] = []
        if not accepted:
            options = self._options(seg, hint, exact)
            accepted = max(options, key=lambda found: (_explained(part, found), not _in_part(found)))  # then ftfy
        found = self._changes(offset, accepted)
        sig = self.signatures[seg]
        if found and (_in_part(accepted) or _leftover(self.text, seg, found, sig)):
            options = options or self._options(seg, hint, exact)
            if not marked:
                options.append(self._lossy_anyway(seg))
            options = [[p for p in option if p.trusted or self._worded(p, part)] for option in options]
            tried = [(option, self._changes(offset, option)) for option in options if option]
            if tried:
                accepted, found = min(
                    tried,
                    key=lambda item: (
                        _leftover_size(self.text, seg, item[1], sig),
                        -_explained(part, item[0]),
                        _in_part(item[0]),
                    ),
                )
        self.accepted.update(p.how for p in accepted if p.piece is not None)
        return found

    def _sibling(self, seg: tuple[int, int], exact: Proposal | None) -> Proposal | None:
        """ftfy's repair ``exact`` of line part ``seg``, or the same stretches read with a
        sibling code page whose letters read clearly better.

        ftfy takes the first code page of its list under which the text makes UTF-8, and
        pages that share most of their letters often both do: ``Ć©`` is ``Ʃ`` read back
        with Windows-1250 (its ``Ć`` is C6), ``é`` with Windows-1257 (C3), ``Ã€`` is ``À``
        with Windows-1252 and ``ä`` with ISO-8859-15, a page ftfy does not try.  Then only
        the letters that differ can decide, judged in the language of the document's words
        in their script (:meth:`_siblings_language`), and a reading likelier than ftfy's
        by :data:`MIN_GAIN` wins."""
        readings = self._readings(seg, exact)
        if exact is None or exact.fixed is None or len(readings) == 1:
            return exact
        costs = dict(zip(readings, self._reading_costs(list(readings)), strict=True))
        best = min(readings, key=costs.__getitem__)
        if costs[best] > costs[exact.fixed] - MIN_GAIN:
            return exact
        return replace(exact, fixed=best, how=readings[best])

    def _reading_costs(self, readings: list[str]) -> list[float]:
        """The language model's cost of each of several readings of one line part, in the
        language their differing letters are judged in (:meth:`_siblings_language`)."""
        lex = lexicon(self._siblings_language(readings))
        return [langmodel.decode([(c,) for c in text], lex, self.cache).cost for text in readings]

    def _by_letters(self, seg: tuple[int, int], options: list[list[Proposal]]) -> list[list[Proposal]]:
        """``options``, readings of line part ``seg`` with one code page each, the
        likeliest first (stable: the more common page first among equals).  Of sibling
        pages that both read a word as UTF-8, the first of :data:`.codepages.PAGES` would
        otherwise win whatever its letters (``estĂĄ`` is ``está`` in ISO-8859-2, ``estå``
        in Windows-1250), as ftfy's first page does (:meth:`_sibling`).  Only options that
        explain as many characters as another compete so (the most explaining wins first):
        only they are read."""
        part = self.text[seg[0] : seg[1]]
        explained = [_explained(part, option) for option in options]
        tied = [k for k, n in enumerate(explained) if n and explained.count(n) > 1]
        texts = {k: _applied(self.text, seg, self._changes(seg[0], options[k])) for k in tied}
        distinct = list(dict.fromkeys(texts.values()))
        if len(distinct) < 2:
            return options
        costs = dict(zip(distinct, self._reading_costs(distinct), strict=True))
        order = sorted(range(len(options)), key=lambda k: (-explained[k], costs.get(texts.get(k, ""), 0.0)))
        return [options[k] for k in order]

    def _readings(self, seg: tuple[int, int], exact: Proposal | None) -> dict[str, str]:
        """ftfy's repair of line part ``seg`` (``exact``) and, where ftfy re-read it in one
        step, its readings with every other page with a signature there that turns each
        stretch ftfy re-read into UTF-8: reading -> how it was read."""
        if exact is None or exact.fixed is None:
            return {}
        readings = {exact.fixed: exact.how}
        if not exact.how.startswith("UTF-8 read as ") or " then " in exact.how:
            return readings  # no re-reading, or more than one
        part = self.text[seg[0] : seg[1]]
        stretches = [(i1, i2) for i1, i2, _, _ in _differences(part, exact.fixed)]
        for name in sorted(self.signatures[seg].pages, key=codepages.PAGES.index):
            reading = _reread(part, stretches, codepages.page(name).encode)
            if reading is not None:
                readings.setdefault(reading, f"UTF-8 read as {codepages.page(name).label}")
        return readings

    def _siblings_language(self, readings: Collection[str]) -> str:
        """The language that decides between ``readings``: that of the words, in the
        script of the letters where the readings differ, of what the note shows intact and
        of its damaged words read back with each code page they have the signature of --
        a German list of translators quotes their Russian names, and only its German words
        tell ``ä`` from ``Ƥ``; the wrong pages' readings are no words of any language."""
        counts = Counter(langmodel.script(c) for c in set("".join(readings)) if not all(c in r for r in readings))
        counts.pop("", None)
        name = counts.most_common(1)[0][0] if counts else ""
        if name not in self.sibling_languages:
            found = [self.cache.text]
            for (start, end), sig in self.signatures.items():
                for page, spans in sig.words:
                    found.append(_reread(self.text[start:end], spans, codepages.page(page).encode) or "")
            words = " ".join(found).split()
            self.sibling_languages[name] = language(
                " ".join(w for w in words if all(langmodel.script(c) in (name, "") for c in w))
            )
        return self.sibling_languages[name]

    def _changes(self, offset: int, accepted: list[Proposal]) -> list[_Change]:
        return [change for p in accepted for change in _changes(self.text, offset, p, self.judged(p))]

    def _options(self, seg: tuple[int, int], hint: str | None, exact: Proposal | None) -> list[list[Proposal]]:
        """Every lossless explanation of the line part: ftfy's, GBK-family bytes read as
        Latin-1, an exact re-reading with the document's code page (or else with each page
        whose signature the part has), UTF-8 read as a double-byte codec."""
        offset = seg[0]
        part = self.text[seg[0] : seg[1]]
        options = [[exact] if exact else []]
        if cjk.LATIN1_RUN.search(part):
            options.append(self.choose(offset, cjk.legacy_proposals(part)))
        if hint:
            options.append(self.choose(offset, lossless_proposals(part, hint)))
        else:  # pages ftfy does not try (KOI8-R, IBM850, MacRoman for Cyrillic): only repairs into words
            by_page = [
                [p for p in self.choose(offset, lossless_proposals(part, name)) if self._worded(p, part)]
                for name in sorted(self.signatures[seg].pages, key=codepages.PAGES.index)
            ]
            options.extend(self._by_letters(seg, by_page))
        codecs = self.signatures[seg].codecs
        if codecs:
            options.append(self.choose(offset, cjk.double_byte_proposals(part, codecs)))
            options.append(self.choose(offset, cjk.alphabet_proposals(part, codecs)))
        return options

    def _worded(self, p: Proposal, part: str) -> bool:
        """Whether a repair of line part ``part`` reads as text (:func:`_readable`), or is
        damage the document has shown for sure."""
        judged = self.judged(p)
        return p.how in self.established or (judged is not None and _readable(part[p.start : p.end], p, judged[0]))

    def _lossy_anyway(self, seg: tuple[int, int]) -> list[Proposal]:
        """Lossy proposals for one line part even where the document as a whole did not
        show lost bytes: the last resort before a half repair.  A proposal that does not
        read as text with its guesses is offered without them (U+FFFD for each open slot):
        in a script without a word list (Thai read as Windows-1251, ``อ`` or ``ธ`` short of
        its last byte) nothing can tell the candidates apart, yet every other character
        comes back whole -- a repair that owns up to the letters it cannot decide beats
        mojibake left as it is (:func:`_readable` judges it as one that guesses nothing), if
        it lost no more bytes than the page drops (:func:`_plausible_loss`: a hopeless garble
        would come out as U+FFFD and little else)."""
        part = self.text[seg[0] : seg[1]]
        by_page = _signed(
            lossy_proposals(part, self.signatures[seg].pages, rare=True, shy=self.shy), self.signatures[seg]
        )
        if not by_page:
            return []
        best = max(by_page.values(), key=lambda found: (coverage(found, part), -_lost(found)))
        return [
            replace(p, guess=False) if not self._worded(p, part) and _plausible_loss([p]) else p
            for p in self.choose(seg[0], best)
        ]

    def _marked(self, offset: int, spaced: bool = False, rival: Proposal | None = None) -> list[Proposal]:
        """Single-byte mojibake with U+FFFD for lost bytes: where ftfy repairs it, ftfy keeps
        the U+FFFD (its test corpus expects ``Ру��кий``) and so does vaultkit in alphabetic
        scripts, in a label at least (below); in Chinese, Japanese and Korean, where every character has two or three
        bytes of context and words pin it down, the language model fills them.  With
        ``spaced`` (a code page ftfy does not know, Windows-1258 or -1255), alphabetic
        scripts are filled too, as the bytes that page drops are.  Elsewhere a U+FFFD that
        only one character of the script around it can be (:func:`.mojibake._narrowed`:
        Khmer's ``E1 \ufffd 9E``) is filled and the others stay.  ``offset``: where the
        line part starts (its reading is :attr:`marked`'s).

        ftfy's cases are names and phrases of a few words (``Ру��кий``, ``Europa, Asia,
        �frica``), where a word list is thin evidence: a name, or a word of a neighbouring
        language (``Àfrica`` is Catalan).  A note that spells out :data:`NOTE_WORDS` words
        is a sentence at least, not a label: there a U+FFFD inside a word that a word list
        pins, far ahead of the runner-up, is filled, and only there (no guess in Thai, which
        has no word list, nor in a symbol) -- where the reading explains as much as ftfy's
        repair (``rival``), which also undoes damage piled on damage."""
        accepted = self.choose(offset, self.marked.get(offset, []))
        if accepted and (spaced or all(self.judged(p)[1].lang in langmodel.UNSPACED for p in accepted)):  # type: ignore[index]
            return accepted
        rest = self.text[offset:]
        if (
            accepted
            and self.words >= NOTE_WORDS
            and (rival is None or _explained(rest, accepted) >= _explained(rest, [rival]))
        ):
            return [replace(p, worded=True) for p in accepted]
        if any(len(s.choices) == 1 for p in accepted for s in p.slots if s.lost):
            return [replace(p, guess=False) for p in accepted]  # pinned by the script around: no guess
        return []

    def judged(self, p: Proposal) -> Judged | None:
        if p.fixed is not None:
            return None
        known = self.decoded.get(id(p))
        if known is None or known[0] is not p:
            known = self.decoded[id(p)] = (p, self.decode(p))
        return known[1]

    def choose(self, offset: int, proposals: list[Proposal]) -> list[Proposal]:
        """The proposals worth applying: ftfy's exact repairs as they are; others only when
        the repaired text beats the damaged text (of several for one stretch, the best)."""
        best: dict[tuple[int, int], tuple[float, Proposal]] = {}
        for p in proposals:
            if p.trusted:
                best[(p.start, p.end)] = (INF, p)
                continue
            gain = self.gain(self.text[offset + p.start : offset + p.end], p)
            if gain >= MIN_GAIN and gain > best.get((p.start, p.end), (-INF,))[0]:
                best[(p.start, p.end)] = (gain, p)
        return [p for _, p in sorted(best.values(), key=lambda item: item[1].start)]

    def gain(self, damaged: str, p: Proposal) -> float:
        """How much likelier (cB) the repair is than the damaged text; -INF if a gate fails."""
        strict = p.how not in self.established
        if p.piece is None and strict and _cjk_count_of(p.fixed or "") < MIN_CJK:
            return -INF  # too short to judge (known before any word list is loaded)
        if _double_byte(p) and strict and _too_few_letters(p):
            return -INF  # the gates below fail whatever the decoding picks: known before decoding it
        judged = self.judged(p)
        if judged is None:  # an exact repair: GBK-family bytes read as Latin-1
            lex = lexicon(language(p.fixed or ""))
            decoding = langmodel.decode([(c,) for c in p.fixed or ""], lex)
        else:
            decoding, lex = judged
        if _double_byte(p) and strict and cjk.foreign(decoding.chars):
            if not _script_text(p, decoding):
                return -INF  # another script's letters, but not its words
        elif (
            (p.piece is None or _double_byte(p))
            and strict
            and (_cjk_count(decoding) < MIN_CJK or _word_share(decoding) < MIN_WORDS)
        ):
            return -INF  # too short to judge, or not words: byte pairs read as Chinese
        if p.piece is not None and not _double_byte(p) and not _self_evident(p):
            from ftfy.badness import is_bad

            if not is_bad(damaged) and strict and not _readable(damaged, p, decoding):
                return -INF  # neither looks like mojibake to ftfy nor reads as text
        repaired = decoding.cost + LOST_BYTE * _unexplained(p) + SCRIPT_SWITCH * _switches(decoding.chars)
        return (
            _cost(damaged, lex, double=p.piece is None or _double_byte(p))
            + SCRIPT_SWITCH * _switches(damaged)
            - repaired
        )


def _switches(chars: Iterable[str]) -> int:
    """Adjacent letters of two different alphabets (``ցА``, ``ΏıʼǣA``): words keep to one
    alphabet, wrong repairs and mojibake do not.  Chinese, Japanese and Korean characters
    mix freely with each other and with Latin (``RNN中``) and do not count.  A mark of a
    script counts as its letters do: Latin read as Windows-1255 is Latin letters run into
    Hebrew points (``Kerֳ¼lje``), not into Hebrew letters."""
    count, previous = 0, ""
    for char in chars:
        name = langmodel.script(char) or ("" if char.isalnum() else langmodel.script_of(char))
        if name and name not in langmodel.CJK_SCRIPTS and previous and name != previous:
            count += 1
        previous = name if name not in langmodel.CJK_SCRIPTS else ""
    return count


def _in_part(proposals: list[Proposal]) -> bool:
    """Whether ftfy repaired only part of the text: a full reading that explains as much wins."""
    return any(p.how.endswith("(in part)") for p in proposals)


def _explained(text: str, proposals: list[Proposal]) -> int:
    """How many characters of ``text`` the proposals account for: those an exact repair
    replaces, the whole stretch of the others."""
    total = 0
    for p in proposals:
        if p.trusted and p.fixed is not None:
            total += sum(i2 - i1 for i1, i2, _, _ in _differences(text[p.start : p.end], p.fixed))
        else:
            total += sum(1 for c in text[p.start : p.end] if not c.isascii())
    return total


def _differences(damaged: str, fixed: str) -> list[tuple[int, int, int, int]]:
    """The stretches ``damaged[i1:i2]`` that an exact repair replaces by ``fixed[j1:j2]``, in
    linear time.  A re-decoding turns runs of non-ASCII characters into other runs of
    non-ASCII characters and keeps ASCII as it is, so the two texts are walked side by side
    and re-synchronised at the next ASCII character after each differing run (a run that
    swallowed the space after it -- ftfy's ``restore_byte_a0`` -- too).  Where that fails,
    difflib aligns the rest when it is short, else the rest is one replacement: always a
    correct edit, and never quadratic on a long line."""
    out: list[tuple[int, int, int, int]] = []
    i = j = 0
    n, m = len(damaged), len(fixed)
    while i < n and j < m:
        if damaged[i] == fixed[j]:
            i, j = i + 1, j + 1
            continue
        i2, j2 = _run_end(damaged, i), _run_end(fixed, j)
        if (
            i2 < n
            and damaged[i2] == " "
            and (j2 >= m or damaged[i2 + 1 : i2 + 2] == fixed[j2])
            and (i2 + 1 >= n or j2 >= m or damaged[i2] != fixed[j2])
        ):
            i2 += 1  # the space after the run was a no-break space's byte
        if (i2 < n) != (j2 < m) or (i2 < n and damaged[i2] != fixed[j2]):
            return out + _rest(damaged, fixed, i, j)
        out.append(_trimmed(damaged, fixed, i, i2, j, j2))
        i, j = i2, j2
    if i < n or j < m:
        out.append((i, n, j, m))
    return out


def _applied(text: str, seg: tuple[int, int], changes: list[_Change]) -> str:
    """Line part ``seg`` of ``text`` with ``changes`` (note offsets, in order) made."""
    out, pos = [], seg[0]
    for change in changes:
        out.append(text[pos : change.start] + change.text)
        pos = change.end
    return "".join(out) + text[pos : seg[1]]


def _reread(text: str, stretches: Iterable[tuple[int, int]], encode: dict[str, int]) -> str | None:
    """``text`` with each stretch ``text[i1:i2]`` encoded with a code page (``encode``) and
    decoded as UTF-8; None if the page cannot spell one or its bytes are no UTF-8.  A
    U+FFFD marked a lost byte (``errors='replace'``): it stays, and the character cut
    short before it (whose continuation byte it was) is part of it."""
    out, pos = [], 0
    for i1, i2 in stretches:
        out.append(text[pos:i1])
        chunks = text[i1:i2].split("\ufffd")
        for k, chunk in enumerate(chunks):
            data = [encode.get(c) for c in chunk]
            if None in data:
                return None
            cut = k < len(chunks) - 1 or text[i2 : i2 + 1] == "\ufffd"
            read = _utf8(bytes(data), cut)  # type: ignore[arg-type]
            if read is None:
                return None
            out.append(read if k == len(chunks) - 1 else read + "\ufffd")
        pos = i2
    return "".join(out) + text[pos:]


def _utf8(data: bytes, cut: bool) -> str | None:
    """``data`` decoded as UTF-8, or None; with ``cut``, a character cut short at the end
    (its continuation bytes lost) is left out."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if cut and error.reason == "unexpected end of data":
            return data[: error.start].decode("utf-8")
        return None


def _run_end(text: str, pos: int) -> int:
    """The end of the run of non-ASCII characters at ``pos`` (at least one character)."""
    end = pos + 1
    while end < len(text) and not text[end].isascii():
        end += 1
    return end


def _trimmed(damaged: str, fixed: str, i1: int, i2: int, j1: int, j2: int) -> tuple[int, int, int, int]:
    """A replacement without the characters it keeps at its end (``Ã©é`` -> ``éé``)."""
    while i2 > i1 and j2 > j1 and damaged[i2 - 1] == fixed[j2 - 1]:
        i2, j2 = i2 - 1, j2 - 1
    return i1, i2, j1, j2


DIFFLIB_LIMIT = 2000  # characters from which difflib's alignment is not worth its quadratic cost


def _rest(damaged: str, fixed: str, i: int, j: int) -> list[tuple[int, int, int, int]]:
    """The differences of what is left of both texts, from ``i`` and ``j`` on."""
    a, b = damaged[i:], fixed[j:]
    if len(a) + len(b) > DIFFLIB_LIMIT:
        end_a, end_b = len(a), len(b)
        while end_a and end_b and a[end_a - 1] == b[end_b - 1]:
            end_a, end_b = end_a - 1, end_b - 1
        return [(i, i + end_a, j, j + end_b)]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return [(i + i1, i + i2, j + j1, j + j2) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def _cost(text: str, lex: langmodel.Lexicon, double: bool) -> float:
    """The language model's cost of ``text`` as it stands.  Mojibake of a single-byte page
    is Latin-1-like symbols and letters: in a language without spaces no dictionary word
    can hide in it, so the sum of its characters' costs is the cost, without the lattice."""
    if double or lex.spaced:
        return langmodel.decode([(c,) for c in text], lex).cost
    return sum(min(lex.char_cost(c), langmodel.INVISIBLE) for c in text if not c.isascii())


def _certain(p: Proposal) -> str:
    return "".join(s.choices[0] for s in p.slots if len(s.choices) == 1)


def _holed(p: Proposal) -> str:
    """The certain characters of ``p`` with an ASCII letter for each open slot, for
    :func:`.langmodel.language` (which counts no ASCII letter towards a script): a word
    with a lost letter is then no word of any language, rather than a fragment that is one
    by chance -- ``може`` of Russian ``можете`` short of its ``т`` is Ukrainian for "can"."""
    return "".join(s.choices[0] if len(s.choices) == 1 else "x" for s in p.slots)


THREE_BYTE_LEADS = 16  # E0-EF: the candidates of a three-byte character that lost its lead byte alone


def _kana_lost(slots: tuple[tuple[str, ...], ...]) -> bool:
    """Whether some open slot is a character that lost its lead byte alone -- at most
    :data:`THREE_BYTE_LEADS` candidates, one per lead -- and may have been kana.  Japanese
    read as EUC-KR loses the E3 of every kana and keeps kanji whole: its intact letters
    are Chinese characters only, or none (``Bear`` between a lost ``。`` and lost kana), and
    judged as Chinese its kana become ideographs (``イ想郝ーター`` for ``インポーター``),
    judged as English they spell no word: so Japanese is tried too."""
    return any(
        1 < len(choices) <= THREE_BYTE_LEADS and any(langmodel.script(c) in langmodel.KANA for c in choices)
        for choices in slots
    )


def _self_evident(p: Proposal) -> bool:
    """Two intact characters of three or four UTF-8 bytes: a lead letter then two or three
    symbols from the continuation range, twice -- no clean text is written like that, even
    where ftfy's badness measure sees too little to judge."""
    return sum(1 for s in p.slots if not s.lost and s.end - s.start >= 3) >= 2


def _readable(damaged: str, p: Proposal, decoding: Decoding) -> bool:
    """Whether a single-byte repair of ``damaged`` reads as text in itself, not only better
    than the damaged text.  Either most of its letters sit in dictionary words -- and, if it
    had to guess lost bytes, the damaged text is not words as it stands (Russian read as
    Windows-1253 is Greek letters that spell no Greek word) -- or it restores every byte
    (or the one value a lost byte can have had: Latin-1 drops only the soft hyphen's) and
    undoes what only mojibake shows while leaving none of it: characters of three or
    more intact UTF-8 bytes (:func:`_self_evident`: how scripts without a word list, Thai
    or Khmer, are judged; where no Khmer character came through, its well-formed spelling,
    :func:`_khmer_only`; a proposal that may not guess leaves its open slots U+FFFD, and so
    guesses nothing either) or letters of two alphabets run together (``Kerأ¼lje``), which
    words never do, rare as their words may be in a word list (Hungarian compounds)."""
    forced = not p.guess or all(len(s.choices) == 1 for s in p.slots)  # nothing left to a guess
    if _word_share(decoding, letters=True) >= MIN_WORDS:
        return forced or _word_share(_as_is(damaged), letters=True) < MIN_WORDS
    return (
        forced
        and not _switches(decoding.chars)
        and (_self_evident(p) or _switches(damaged) >= MIN_SWITCHES or _khmer_only(p))
    )


def _unexplained(p: Proposal) -> int:
    """The lost bytes of ``p`` that its script does not explain: Khmer's middle bytes, where
    none came through (:func:`_khmer_only`), were lost with certainty, not by chance."""
    return p.lost - sum(1 for s in p.slots if s.lost) if _khmer_only(p) else p.lost


def _khmer_only(p: Proposal) -> bool:
    """Whether ``p`` is Khmer none of whose characters came through whole, spelt well
    (:func:`.mojibake.khmer_only`): the evidence of mojibake that intact characters of three
    bytes give elsewhere (:func:`_self_evident`)."""
    return p.piece is not None and khmer_only(p.piece)


def _script_text(p: Proposal, decoding: Decoding) -> bool:
    """Whether a double-byte repair into a script other than Chinese, Japanese and Korean
    (Russian or Thai read as GBK) reads as text of that script, judged by its own language
    model: most of its letters sit in words of the language its intact letters show, or --
    a script without a word list, Thai or Khmer, or names no word list holds -- it keeps to
    one script and holds what clean Chinese, Japanese and Korean text does not encode back
    to: intact characters of three UTF-8 bytes (:func:`_self_evident`) or intact letters of
    one two-byte alphabet in a row (:func:`_alphabet_run`)."""
    if _word_share(decoding, letters=True) >= MIN_WORDS:
        return True
    return not _switches(decoding.chars) and (_self_evident(p) or _alphabet_run(p) or _pinned_leads(p))


def _pinned_leads(p: Proposal) -> bool:
    """Whether :data:`.signature.DOUBLE_RUN` characters of ``p`` lost their lead byte and
    took the one lead that reads them all as one script (:func:`.cjk._one_lead`), as strong
    a sign as the intact letters of :func:`_self_evident`.  A lost lead that only one value
    reproduces is no such sign: Khmer read as Big5 leaves ``C8`` alone before some bytes."""
    return sum(1 for s in p.slots if s.led) >= DOUBLE_RUN


def _alphabet_run(p: Proposal) -> bool:
    """Whether the intact characters of ``p`` hold :data:`.signature.ALPHABET_RUN`, the
    double-byte signature of a word of Cyrillic, Greek, Hebrew or Arabic letters: Russian
    names read as EUC-KR (``Константин``, whose first lead byte, D0 before 9A, is lost, the
    rest read as Hangul one byte out of step) are in no word list, and are that evidence."""
    intact = "".join(s.choices[0] if len(s.choices) == 1 and not s.lost else "\0" for s in p.slots)
    return ALPHABET_RUN.search(intact.encode("utf-8")) is not None


def _as_is(text: str) -> Decoding:
    """``text`` segmented into the words of its own language, unchanged."""
    return langmodel.decode([(c,) for c in text], lexicon(language(text)))


def _double_byte(p: Proposal) -> bool:
    return any(p.how == f"UTF-8 read as {label}" for _, label in cjk.CODECS)


def _too_few_letters(p: Proposal) -> bool:
    """Whether every decoding of the double-byte proposal ``p`` fails :meth:`_Judge.gain`'s
    gates: fewer than :data:`MIN_CJK` of its slots can be a Chinese, Japanese or Korean
    character and fewer than :data:`.cjk.FOREIGN_LETTERS` a letter of another script (a
    decoding picks each slot's character among its candidates).  Double-byte readings of
    single-byte mojibake are mostly such fragments: 268 of the 508 that the bench vault's
    damaged notes (Chinese read as Windows-1252) offer when read back as GBK; the 461 of
    them turned down took a third of those notes' analysis, each decoded first."""
    cjk_slots = alien_slots = 0
    for s in p.slots:
        names = {langmodel.script(c) for c in s.choices if not c.isascii()}
        cjk_slots += not names.isdisjoint(langmodel.CJK_SCRIPTS)
        alien_slots += bool(names - langmodel.CJK_SCRIPTS - {""})
        if cjk_slots >= MIN_CJK or alien_slots >= cjk.FOREIGN_LETTERS:
            return False
    return True


def _cjk_count(decoding: Decoding) -> int:
    return _cjk_count_of(decoding.chars)


def _cjk_count_of(chars: Iterable[str]) -> int:
    return sum(1 for c in chars if langmodel.script(c) in langmodel.CJK_SCRIPTS)


def _word_share(decoding: Decoding, letters: bool = False) -> float:
    """Share of a repair's CJK characters (with ``letters``, its non-ASCII letters of any
    script: Bengali has a word list as Greek has) that sit inside dictionary words."""
    positions = [
        k
        for k, c in enumerate(decoding.chars)
        if not c.isascii() and (langmodel.script(c) != "" if letters else langmodel.script(c) in langmodel.CJK_SCRIPTS)
    ]
    if len(positions) < 2:
        return 0.0
    inside = {k for i, j in decoding.words for k in range(i, j)}
    return sum(1 for k in positions if k in inside) / len(positions)


@dataclass(frozen=True)
class _Change:
    """One replacement in note offsets, and the proposal slots ``[first, last)`` behind it."""

    start: int
    end: int
    text: str
    proposal: Proposal
    judged: Judged | None = None
    first: int = 0
    last: int = 0

    @property
    def lost(self) -> int:
        return sum(s.lost for s in self.proposal.slots[self.first : self.last])

    def doubtful(self) -> Iterable[tuple[str, tuple[str, ...]]]:
        if self.judged is None:
            return
        decoding = self.judged[0]
        for k in range(self.first, self.last):
            if (
                len(self.proposal.slots[k].choices) > 1
                and _guessed(decoding, k, self.proposal)
                and decoding.margins[k] < REVIEW_MARGIN
                and decoding.alternatives[k]
            ):
                yield decoding.chars[k], decoding.alternatives[k]


def _changes(text: str, offset: int, p: Proposal, judged: Judged | None) -> list[_Change]:
    """The note changes of one proposal: minimal replacements of damaged characters."""
    base = offset + p.start
    if judged is None:
        fixed = p.fixed or ""
        return [
            _Change(base + i1, base + i2, fixed[j1:j2], p)
            for i1, i2, j1, j2 in _differences(text[base : offset + p.end], fixed)
        ]
    assert p.template is not None and p.piece is not None
    decoding, lex = judged
    out = []
    double = _double_byte(p) and not cjk.foreign(decoding.chars)
    for chars_from, chars_to, slot_from, slot_to in _groups(p.template, p.piece.slots):
        new = "".join(_fill(decoding, lex, k, p) for k in range(slot_from, slot_to))
        if double and new and all(langmodel.script(c) in langmodel.ALPHABETS for c in new):
            continue  # a Latin or Greek letter amid CJK mojibake: bytes read out of step, not a repair
        if new != text[offset + chars_from : offset + chars_to]:
            out.append(_Change(offset + chars_from, offset + chars_to, new, p, judged, slot_from, slot_to))
    return out


def _fill(decoding: Decoding, lex: langmodel.Lexicon, k: int, p: Proposal) -> str:
    """The repaired character of slot ``k``; U+FFFD for an open slot of a proposal that may
    not guess, or outside every word whose lead byte was lost with more (thousands of
    candidates) or whose best candidate is unlikely.  A lead byte lost alone, before the
    continuation bytes that came through, leaves a handful of candidates, one per block of
    code points (``�닔`` in EUC-KR is ``수`` or a Yi syllable or a CJK character at the same
    offset): the script around picks one, as it picks a lost continuation byte."""
    char = decoding.chars[k]
    slot = p.slots[k]
    if len(slot.choices) > 1 and not _guessed(decoding, k, p):
        return "\ufffd"
    if len(slot.choices) == 1 or any(i <= k < j for i, j in decoding.words):
        return char
    if (slot.blind and slot.lost > 1) or lex.char_cost(char, True) > UNRESOLVED:
        return "\ufffd"  # a lost lead byte outside any word, or no likely candidate: not guessed
    return char


def _guessed(decoding: Decoding, k: int, p: Proposal) -> bool:
    """Whether open slot ``k`` of ``p`` may take the language model's pick: ``p`` may guess,
    and, if only where a word list pins it (``worded``), the pick sits in a dictionary word
    :data:`TRUSTED` ahead of its runner-up."""
    if not p.guess:
        return False
    return not p.worded or (decoding.margins[k] >= TRUSTED and any(i <= k < j for i, j in decoding.words))


def _groups(template: Template, slots: tuple) -> list[tuple[int, int, int, int]]:
    """Split slots into groups whose bytes start and end on damaged-character boundaries:
    (first damaged char, end damaged char, first slot, end slot)."""
    out = []
    first = 0
    for k, slot in enumerate(slots):
        if template.boundary(slot.end):
            start_byte = slots[first].start
            out.append((template.origin[start_byte], template.origin[slot.end - 1] + 1, first, k + 1))
            first = k + 1
    return out


def _runs(changes: list[_Change]) -> list[Damage]:
    """Group a line's changes into runs parted by at least :data:`RUN_GAP` unchanged characters."""
    runs: list[list[_Change]] = []
    for change in sorted(changes, key=lambda c: c.start):
        if runs and change.start - runs[-1][-1].end < RUN_GAP:
            runs[-1].append(change)
        else:
            runs.append([change])
    return [
        Damage(
            run[0].start,
            run[-1].end,
            tuple((c.start, c.end, c.text) for c in run),
            run[0].proposal.how,
            sum(c.lost for c in run),
            sum(c.text.count("\ufffd") for c in run),
            tuple(d for c in run for d in c.doubtful()),
        )
        for run in runs
    ]


def _leftover(text: str, seg: tuple[int, int], changes: list[_Change], sig: Signature) -> list[tuple[int, int]]:
    """The stretches (note offsets) of line part ``seg`` that would still be mojibake once
    ``changes`` are made: words with a single-byte signature, C1 controls, or (the whole
    part) a double-byte signature.  U+FFFD is a lost character the repair owns up to, not
    damage left."""
    out: list[str] = []
    starts: list[int] = []  # per repaired character, the note offsets of what it replaces
    ends: list[int] = []
    pos = seg[0]
    repaired: list[tuple[int, int]] = []  # where the changes' texts are, in the repaired part
    pieces = [  # what each change really replaces: an exact repair of a stretch keeps some of it
        (change.start + i1, change.start + i2, change.text[j1:j2])
        for change in sorted(changes, key=lambda c: c.start)
        for i1, i2, j1, j2 in _differences(text[change.start : change.end], change.text)
    ]
    for start, end, new in pieces:
        out.append(text[pos:start])
        starts.extend(range(pos, start))
        ends.extend(range(pos + 1, start + 1))
        repaired.append((len(starts), len(starts) + len(new)))
        out.append(new)
        starts.extend([start] * len(new))
        ends.extend([end] * len(new))
        pos = end
    out.append(text[pos : seg[1]])
    starts.extend(range(pos, seg[1]))
    ends.extend(range(pos + 1, seg[1] + 1))
    probe = "".join(out)
    untouched = list(probe)  # what the changes left as it was: their own text is no remnant
    for start, end in repaired:
        untouched[start:end] = " " * (end - start)
    rest = "".join(untouched)
    found = signature(rest.replace("\ufffd", " "))  # a U+FFFD alone is a lost character, owned up to
    if found.codecs & sig.codecs:
        return [seg]
    spans = {span for name, words in found.words if name in sig.pages for span in words}
    spans.update(m.span() for m in _C1.finditer(probe))
    spans.update(
        (a, b)
        for a, b in _short_words(rest, codepages.PAGES)
        if any(a < end + RUN_GAP and start - RUN_GAP < b for start, end in repaired)
    )
    spans.update((k, k + 1) for k in _strays(probe, rest, sig.pages))
    return sorted((starts[a], ends[b - 1]) for a, b in spans)


def _strays(probe: str, rest: str, pages: Iterable[str]) -> list[int]:
    """Positions of letters the repair left between two letters it made (``rest`` has the
    former, the repaired ``probe`` the latter) that, in one of the code pages the line
    showed damage in, are a UTF-8 lead byte whose continuation bytes were all lost, in a
    word of another alphabet: ``המפורЧות`` (``ט`` without its 0x98).  A word does not
    switch alphabets for one letter; a repair that skipped a character does."""
    found = []
    leads = [codepages.page(name).encode for name in pages]
    for k in range(1, len(rest) - 1):
        char = rest[k]
        if char.isascii() or not char.isalpha() or not any(0xC2 <= e.get(char, 0) <= 0xF4 for e in leads):
            continue
        around = {langmodel.script(probe[k - 1]), langmodel.script(probe[k + 1])}
        if rest[k - 1] == rest[k + 1] == " " and len(around) == 1 and around - {"", langmodel.script(char)}:
            found.append(k)
    return found


_C1 = re.compile("[\x80-\x9f]")


_HIGH_RUN = re.compile("[^\x00-\x7f]+")
_MARKED = 0x80  # a U+FFFD inside a damaged word: a lost continuation byte, as far as shape goes
# Lead bytes, each followed by one up to all of the continuation bytes it announces.
_REMNANT = re.compile(b"(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{1,2}|[\xf0-\xf4][\x80-\xbf]{1,3})+")


def _short_words(text: str, pages: Iterable[str]) -> list[tuple[int, int]]:
    """Runs of ``text`` that spell, in one of the code pages the line showed damage in,
    UTF-8 short of bytes: lead bytes each followed by at least one of their continuation
    bytes (``ã¯`` for ``は`` without its 0x81; ``å�·`` with a U+FFFD for it).  The
    signature demands one whole sequence
    per word, to keep clean text out (``æœ`` is Latin); next to a repair in that page, a
    word of such remnants is what the repair left behind."""
    found = []
    for name in pages:
        encode = codepages.page(name).encode
        for match in _HIGH_RUN.finditer(text):
            data = [_MARKED if c == "\ufffd" else encode.get(c) for c in match.group()]
            if None not in data and _REMNANT.fullmatch(bytes(data)):  # type: ignore[arg-type]
                found.append(match.span())
    return found


def _leftover_size(text: str, seg: tuple[int, int], changes: list[_Change], sig: Signature) -> int:
    return sum(b - a for a, b in _leftover(text, seg, changes, sig))


_EUC_KR = f"UTF-8 read as {dict(cjk.CODECS)['cp949']}"
_NON_ASCII_WORD = re.compile(r"[^\x00-\x7f\s]+")


def _owned(text: str, seg: tuple[int, int], changes: list[_Change]) -> list[_Change]:
    """U+FFFD for what a repair of UTF-8 read as EUC-KR left unread inside its own word: a
    stretch of non-ASCII characters without a space that holds a repaired character and a
    Hangul syllable only EUC-KR's extension spells (:func:`.langmodel.extension_hangul`).
    Those syllables are what that damage is made of (bytes paired out of step once a lead
    byte is lost: ``걲`` is ``す`` short of its E3) and Korean does not write them; each,
    and whatever the stretch holds between two such damaged characters (a repaired one,
    U+FFFD, an extension syllable: ``널`` in ``δημιο끥곊널σετε``), becomes a lost
    character the repair owns up to.  Too short for a signature (:func:`_leftover` misses
    them), they would otherwise stay as mojibake inside a repaired run.  Clean Korean
    never shares a word with such a syllable; a word of it beside the run, parted by a
    space or ASCII, is not looked at."""
    korean = {
        k: change.proposal
        for change in changes
        if change.proposal.how == _EUC_KR
        for k in range(change.start, change.end)
    }
    if not korean:
        return []
    changed = {k for change in changes for k in range(change.start, change.end)}
    out = []
    for word in _NON_ASCII_WORD.finditer(text, *seg):
        start, end = word.span()
        proposal = next((korean[k] for k in range(start, end) if k in korean), None)
        odd = {k for k in range(start, end) if k not in changed and langmodel.extension_hangul(text[k])}
        if proposal is None or not odd:
            continue
        damaged = [k for k in range(start, end) if k in changed or k in odd or text[k] == "\ufffd"]
        lost = [k for k in range(damaged[0], damaged[-1] + 1) if k not in changed and text[k] != "\ufffd"]
        for _, group in itertools.groupby(enumerate(lost), key=lambda item: item[1] - item[0]):
            ks = [k for _, k in group]
            out.append(_Change(ks[0], ks[-1] + 1, "\ufffd" * len(ks), proposal))
    return out


def _whole(text: str, seg: tuple[int, int], changes: list[_Change], sig: Signature) -> list[Damage]:
    """The runs of one line part, each repaired in full or not at all: what a repair left
    unread in its own words becomes U+FFFD where that is sure to be damage (:func:`_owned`);
    runs and the mojibake their repair would leave are grouped where less than
    :data:`RUN_GAP` apart, and a group with any mojibake left keeps its text and names that
    mojibake as undecided."""
    changes = changes + _owned(text, seg, changes)
    runs = _runs(changes)
    left = _leftover(text, seg, changes, sig) if changes else []
    if not left:
        return runs
    items: list[tuple[int, int, Damage | None]] = sorted(
        [(run.start, run.end, run) for run in runs] + [(a, b, None) for a, b in left], key=lambda item: item[:2]
    )
    groups: list[list[tuple[int, int, Damage | None]]] = []
    for item in items:
        if groups and item[0] < max(end for _, end, _ in groups[-1]) + RUN_GAP:
            groups[-1].append(item)
        else:
            groups.append([item])
    out = []
    for group in groups:
        members = [run for _, _, run in group if run is not None]
        spans = [(a, b) for a, b, run in group if run is None]
        if not spans:
            out.extend(members)
            continue
        how = members[0].how if members else runs[0].how
        words = tuple(dict.fromkeys(text[a:b] for a, b in spans))
        end = max(b for _, b, _ in group)
        out.append(Damage(group[0][0], end, (), how, sum(m.lost for m in members), 0, (), words))
    return out
