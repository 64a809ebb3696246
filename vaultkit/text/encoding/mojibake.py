"""UTF-8 read with a single-byte code page (Windows-125x, Latin-1, MacRoman, ...).

Lossless damage is ftfy's home ground: its badness heuristic decides whether text is
mojibake and its exact re-decoding repairs it, so :func:`exact_fix` hands such text to
``ftfy.fix_encoding`` (never ``fix_text``, whose quote uncurling and width folding would
rewrite clean CJK text).  ftfy does not model bytes that were *dropped* -- the undefined
bytes of the code page under ``errors='ignore'``, a stripped soft hyphen -- so
:func:`lossy_proposals` finds those stretches itself and leaves the lost bytes to the
language model.  Text with evidence of lost bytes goes the lossy way first, everything
else to ftfy first: ftfy would otherwise mend the intact characters of a lossy line and
turn the damaged ones into U+FFFD or into wrong characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from vaultkit.text.encoding import khmer
from vaultkit.text.encoding.codepages import page, pages
from vaultkit.text.encoding.langmodel import CJK_SCRIPTS, block_cost, script_of
from vaultkit.text.encoding.lossy import Piece, Reader, Slot, Template, sequence_length, template_of
from vaultkit.text.encoding.signature import MIN_DROPS

# ftfy's names for the code pages it tries, as people know them.
_FTFY_LABELS = {
    "latin-1": "Latin-1",
    "sloppy-windows-1252": "Windows-1252",
    "sloppy-windows-1251": "Windows-1251",
    "sloppy-windows-1250": "Windows-1250",
    "sloppy-windows-1253": "Windows-1253",
    "sloppy-windows-1254": "Windows-1254",
    "sloppy-windows-1257": "Windows-1257",
    "iso-8859-2": "ISO-8859-2",
    "macroman": "MacRoman",
    "cp437": "IBM437",
}


@dataclass(frozen=True)
class Proposal:
    """A stretch ``[start, end)`` of a text segment that one kind of damage explains.

    Either ``fixed`` is the exact repair (lossless; ``trusted`` when ftfy judged it), or
    ``slots`` leave characters open for the language model (``template`` maps them back to
    the damaged characters); without ``guess``, only the slots with one candidate are filled;
    with ``worded``, open slots only inside a dictionary word, by a clear margin.
    """

    start: int
    end: int
    how: str
    lost: int = 0
    fixed: str | None = None
    slots: tuple[Slot, ...] = ()
    template: Template | None = None
    piece: Piece | None = None
    trusted: bool = False
    drop_rate: float = 0.0  # chance that the damage dropped a given continuation byte
    guess: bool = True  # open slots take the language model's pick (else they stay U+FFFD)
    worded: bool = False  # ... only where a word list pins it (elsewhere they stay U+FFFD)

    @classmethod
    def read_as(
        cls, label: str, piece: Piece, template: Template, drop_rate: float = 0.0, guess: bool = True
    ) -> Proposal:
        """That ``piece`` of ``template`` is UTF-8 read as the codec or page ``label``: its
        stretch, its lost bytes and its open slots (every reader of pieces proposes this way)."""
        return cls(
            piece.char_start,
            piece.char_end,
            f"UTF-8 read as {label}",
            lost=piece.lost,
            slots=piece.slots,
            template=template,
            piece=piece,
            drop_rate=drop_rate,
            guess=guess,
        )


def exact_fix(segment: str) -> Proposal | None:
    """ftfy's lossless repair of ``segment``, if it finds mojibake there."""
    from ftfy import fix_encoding_and_explain

    fixed, plan = fix_encoding_and_explain(segment)
    if fixed == segment:
        return None
    return Proposal(0, len(segment), _describe(plan or []), fixed=fixed, trusted=True)


def _describe(plan: Sequence[tuple[str, str]]) -> str:
    encodings = [name for step, name in plan if step == "encode"]
    if encodings:
        pages_used = " then ".join(_FTFY_LABELS.get(e, e) for e in encodings)
        return f"UTF-8 read as {pages_used}"
    if any(name == "fix_c1_controls" for _, name in plan):
        return "Windows-1252 read as Latin-1"
    return "UTF-8 read as Windows-1252 (in part)"


def lossy_proposals(
    segment: str, names: Collection[str] | None = None, marked: bool = False, rare: bool = False, shy: bool = True
) -> dict[str, list[Proposal]]:
    """Per code page (of ``names`` only, when given: the pages whose byte-level signature
    the segment has), the stretches of ``segment`` that read as UTF-8 once bytes the page
    drops are put back (pages under which nothing reads as UTF-8 are left out); with
    ``marked``, a U+FFFD is a lost byte too (``errors='replace'``).

    Pages that turn ``segment`` into the same bytes cannot be told apart, so a lost byte
    may be any byte that one of them drops.  The caller picks the page that explains the
    most (:func:`coverage`) with the fewest lost bytes; only if that page needs lost bytes
    is the damage lossy.  Pages that hardly ever drop a byte (Latin-1 only drops the soft
    hyphen's 0xAD) are left out unless ``rare``: for a line part already known damaged in
    such a page, that one byte is all a lost byte can be.  A U+FFFD that ``marked`` a lost
    byte is evidence enough: Windows-1251 leaves one byte undefined, and that is the one.
    Without ``shy`` (the note shows a soft hyphen: nothing stripped them), the soft
    hyphen's byte is not one a page drops (:meth:`.CodePage.lossy_fillers`).
    """
    out: dict[str, list[Proposal]] = {}
    high = {c for c in segment if ord(c) > 0x7F and c != "\ufffd"}
    reach = {cp.name: sum(1 for c in high if c in cp.encode) for cp in pages()}
    most = max(reach.values(), default=0)
    parsed: dict[tuple[int | None, ...], tuple[Template, tuple[int, ...], list[Piece]]] = {}
    for cp in pages():
        encode = cp.encode
        if (
            (names is not None and cp.name not in names) or not most or reach[cp.name] < most
        ):  # a page that cannot even spell the text loses anyway
            continue
        spelling = tuple(encode.get(c) for c in sorted(high))
        if spelling not in parsed:  # twins give the same bytes: parse them once
            template = template_of(segment, _spelling(encode), marked)
            twins = [p for p in pages() if all(p.encode.get(c) == encode.get(c) for c in high)]
            fillers = tuple(sorted({b for p in twins for b in p.lossy_fillers(shy)}))
            pieces = Reader(fillers, drops=True, paired=marked, leadless=not marked).pieces(template)
            parsed[spelling] = (
                template,
                fillers,
                [
                    kept
                    for piece in pieces
                    for part in _credible(piece, template, segment)
                    for kept in _anchored(_narrowed(part), template)
                ],
            )
        template, fillers, parts = parsed[spelling]
        drops = sum(1 for b in fillers if 0x80 <= b < 0xC0)  # continuation bytes the page drops
        if drops < (1 if rare or marked else MIN_DROPS):
            continue  # the page (and its twins) hardly drop bytes: text short of bytes is not its damage
        found = []
        for part in parts:
            khmer = khmer_only(part)  # no character whole, yet Khmer spelt well: kept, guessing nothing
            if khmer or _came_through(part):
                found.append(Proposal.read_as(cp.label, part, template, drop_rate=drops / 64, guess=not khmer))
        if found:
            out[cp.name] = found
    return out


def _came_through(piece: Piece) -> bool:
    """Whether some character of ``piece`` came through whole: evidence that it is UTF-8,
    and letters the document shows intact, by which the language model ranks lost ones."""
    return any(s.end - s.start > 1 and not s.lost for s in piece.slots)


def _spelling(encode: dict[str, int]) -> Callable[[str], bytes | None]:
    """A character's byte in a code page (None: the page cannot make it)."""

    def spell(char: str) -> bytes | None:
        byte = encode.get(char)
        return None if byte is None else bytes((byte,))

    return spell


def ftfy_case(p: Proposal) -> bool:
    """Whether every character of ``p`` short of a byte is followed by a space or a ``?``:
    a no-break space that became a space (ftfy's ``restore_byte_a0``) or a byte a decoder
    marked with ``?`` -- ftfy's cases, which it repairs without guessing.  Unless the
    document shows bytes lost for sure elsewhere, such a stretch is left to ftfy."""
    assert p.template is not None
    short = [s for s in p.slots if s.lost]
    return bool(short) and all(_marked(s, p.template.data) for s in short)


def _marked(slot: Slot, data: tuple[int | None, ...]) -> bool:
    lead = data[slot.start]
    return (
        slot.lost == 1
        and lead is not None
        and slot.end < len(data)
        and data[slot.end] in (0x20, 0x3F)
        and slot.end - slot.start == sequence_length(lead)
    )


def coverage(proposals: list[Proposal], segment: str) -> int:
    """How many non-ASCII characters of ``segment`` the proposals explain."""
    return sum(1 for p in proposals for c in segment[p.start : p.end] if ord(c) > 0x7F)


def _credible(piece: Piece, template: Template, segment: str) -> list[Piece]:
    """Split ``piece`` at characters whose every continuation byte would have been lost and
    that have no damaged neighbour: a lone ``é`` in ``café`` is a letter, not a wreck.  A
    capital letter after a small one is not one (``hasznĆlat``: ``á`` read as
    Windows-1257, its 0xA1 dropped): no word is written so.  Nor is one that stands as a
    word of its own between two damaged words: Korean read as Windows-1253 drops both
    continuation bytes of about one syllable in eighteen, and ``수`` in ``할 수 있어요`` is a lone
    ``μ`` whose line, cut there, was left half repaired.  Nor is a mark of a script other than
    the letter it sits on, or a right-to-left letter joined to a Latin one (:func:`_stray`)."""
    slots = piece.slots

    def multibyte(k: int) -> bool:
        return 0 <= k < len(slots) and slots[k].end - slots[k].start + slots[k].lost > 1

    def spaced(k: int, step: int) -> bool:  # a space, then a damaged word
        return 0 <= k + step < len(slots) and slots[k + step].choices == (" ",) and multibyte(k + 2 * step)

    return _split(
        piece,
        template,
        lambda k, slot: bool(
            slot.lost
            and slot.end - slot.start == 1
            and not (multibyte(k - 1) or multibyte(k + 1) or (spaced(k, -1) and spaced(k, 1)))
            and not _wedged(segment, template.origin[slot.start])
            and not _stray(segment, template.origin[slot.start])
        ),
    )


def _split(piece: Piece, template: Template, cut: Callable[[int, Slot], bool]) -> list[Piece]:
    """The parts of ``piece`` between the slots that ``cut`` (index, slot) leaves out."""
    parts: list[Piece] = []
    current: list[Slot] = []
    for k, slot in enumerate(piece.slots):
        if cut(k, slot):
            if current:
                parts.append(_piece(current, template))
            current = []
        else:
            current.append(slot)
    if current:
        parts.append(_piece(current, template))
    return parts


def _wedged(text: str, k: int) -> bool:
    """Whether ``text[k]`` is a capital letter after a small one, not before another capital
    (``dacÄ``, ``fÄrÄ``; ``McDonald`` is ASCII, and never in question)."""
    return k > 0 and text[k].isupper() and text[k - 1].islower() and not text[k + 1 : k + 2].isupper()


def _stray(text: str, k: int) -> bool:
    """Whether ``text[k]`` is a combining mark of a script that the character before it is
    not of: no text puts a Hebrew point on a Latin letter, yet Windows-1255 reads UTF-8's
    lead bytes C2-C9 as such points, and ``lֳnia`` is ``línia`` (C3 AD) with its soft hyphen's
    byte dropped.  Nor does any word join a right-to-left letter to a Latin one: Windows-1256
    reads the same lead byte C3 as ``أ``, and ``lأnia`` and ``závisأ`` are the same wreck."""
    mark = script_of(text[k])
    before = script_of(text[k - 1]) if k else ""
    if mark in _RIGHT_TO_LEFT and before == "LATIN":
        return True
    return bool(mark) and unicodedata.category(text[k])[0] == "M" and before != mark


_RIGHT_TO_LEFT = frozenset({"ARABIC", "HEBREW", "SYRIAC", "THAANA", "NKO"})


def _narrowed(piece: Piece) -> Piece:
    """``piece`` with each open slot kept to the script of the intact characters beside it.

    A lost byte leaves candidates from every block its lead byte reaches (``E1`` with a lost
    second byte: Khmer, Myanmar, Ethiopic, Georgian...), and where no word list knows the
    script, nothing in the language model tells them apart.  Words keep to one script: when
    the nearest intact characters on either side of a slot within its word (no ASCII
    between) -- or, in a word with none, all intact characters of the piece -- are
    letters or marks of one script, the slot keeps that script's characters
    and common punctuation and symbols (:func:`_fits`).  Only a slot with a letter or mark
    of that script is narrowed, and not in Chinese, Japanese or Korean, whose scripts mix.
    After a small letter (and not before a capital) a slot keeps no capitals
    (``hasznĆlat`` is ``használat``, not ``hasznÁlat``: the word list folds case and
    cannot tell).  Where no script but Khmer's pins a slot -- Khmer's own intact letters, or
    none at all (every Khmer character short of its middle byte) -- the run of Khmer
    characters around it keeps what well-formed Khmer spelling allows (:func:`_spelt`)."""
    slots = piece.slots
    intact = [script_of(s.choices[0]) if len(s.choices) == 1 and s.end - s.start > 1 else None for s in slots]
    scripts = {s for s in intact if s}
    out = list(slots)
    unpinned: list[int] = []  # open slots no script but Khmer pins
    for k, slot in enumerate(slots):
        if len(slot.choices) < 2:
            continue
        if _small(slots, k - 1) and not _capital(slots, k + 1) and any(c.islower() for c in slot.choices):
            slot = out[k] = replace(slot, choices=tuple(c for c in slot.choices if not c.isupper()))
        near = {_beside(slots, intact, k, -1), _beside(slots, intact, k, 1)} - {""} or scripts
        if near <= {_KHMER}:
            unpinned.append(k)
        if len(near) != 1 or near & CJK_SCRIPTS:  # kana and kanji share words
            continue
        (wanted,) = near  # unpacked, not popped: near may be the piece's scripts, shared by every slot
        kept = tuple(c for c in slot.choices if _fits(c, wanted))
        if len(kept) < len(slot.choices) and any(script_of(c) == wanted for c in kept):
            out[k] = replace(slot, choices=kept)
    return replace(piece, slots=tuple(_spelt(out, unpinned)))


_KHMER = "KHMER"  # the script whose spelling decides slots nothing else pins (:mod:`.khmer`)


def khmer_only(piece: Piece) -> bool:
    """Whether no character of ``piece`` came through whole, and every one short of bytes is
    one of Khmer's, a well-formed spelling (:func:`_spelt`) kept them to, :data:`MIN_DROPS`
    of them at least: UTF-8 all the same (Windows-1253 and -1255 leave 0x9E and 0x9F
    undefined, the middle byte of every Khmer character), whose losses the script explains
    and whose open pairs nothing ranks (no word list, no intact letter): such a proposal
    guesses nothing."""
    short = [s for s in piece.slots if s.lost]
    return (
        not _came_through(piece)
        and len(short) >= MIN_DROPS
        and all(all(khmer.kind(c) for c in s.choices) for s in short)
    )


def _spelt(slots: list[Slot], open_slots: list[int]) -> list[Slot]:
    """``slots`` with each run of Khmer characters around ``open_slots`` (slots that nothing
    but Khmer pins) kept to the candidates some well-formed Khmer spelling of the run uses
    (:func:`.khmer.spellable`); a run that has none is left as it is."""
    out = list(slots)
    done: set[int] = set()
    for k in open_slots:
        if k in done:
            continue
        a, b = k, k + 1
        while a > 0 and any(khmer.kind(c) for c in slots[a - 1].choices):
            a -= 1
        while b < len(slots) and any(khmer.kind(c) for c in slots[b].choices):
            b += 1
        done.update(range(a, b))
        kept = khmer.spellable([s.choices for s in slots[a:b]])
        if kept is not None:
            out[a:b] = [replace(s, choices=c) for s, c in zip(slots[a:b], kept, strict=True)]
    return out


def _anchored(piece: Piece, template: Template) -> list[Piece]:
    """``piece`` split at each character whose dropped lead byte the intact letters around
    it did not pin to one script (:func:`_narrowed`): a stray continuation byte after a
    symbol is no letter of any word."""
    return _split(
        piece,
        template,
        lambda _, slot: (
            slot.blind
            and template.data[slot.start] is not None
            and len({script_of(c) for c in slot.choices} - {""}) != 1
        ),
    )


def _small(slots: tuple[Slot, ...], k: int) -> bool:
    """Whether slot ``k`` is certain and a small letter."""
    return 0 <= k < len(slots) and len(slots[k].choices) == 1 and slots[k].choices[0].islower()


def _capital(slots: tuple[Slot, ...], k: int) -> bool:
    """Whether slot ``k`` may be a capital letter."""
    return 0 <= k < len(slots) and any(c.isupper() for c in slots[k].choices)


REGIONAL = 1000.0  # cB: langmodel.block_cost of the blocks of regional scripts, and up


@lru_cache(maxsize=65536)
def _fits(char: str, wanted: str) -> bool:
    """Whether ``char`` can stand inside a word of the script ``wanted``: a character of
    that script (its Unicode name says so: ``KHMER SIGN KHAN``, not only its letters), a
    combining mark any script uses, or punctuation or a symbol of the common blocks -- not
    a sign of another regional script (``BALINESE CARIK SIKI``)."""
    if unicodedata.name(char, " ").split(" ", 1)[0] == wanted:
        return True
    return script_of(char) == "" and (block_cost(char) < REGIONAL or unicodedata.category(char)[0] == "M")


def _beside(slots: tuple[Slot, ...], intact: list[str | None], k: int, step: int) -> str:
    """The script of the nearest intact character from slot ``k`` in direction ``step``,
    over open slots; "" at an ASCII character, a symbol or the end of the piece."""
    k += step
    while 0 <= k < len(slots):
        script = intact[k]
        if script is not None:
            return script
        if len(slots[k].choices) == 1:  # ASCII
            return ""
        k += step
    return ""


def _piece(slots: list[Slot], template: Template) -> Piece:
    return Piece(template.origin[slots[0].start], template.origin[slots[-1].end - 1] + 1, tuple(slots))


def lossless_proposals(segment: str, name: str) -> list[Proposal]:
    """Stretches of ``segment`` that are intact UTF-8 read with the code page ``name``: for a
    document already known to be damaged that way, where ftfy's stricter heuristic declines."""
    encode = page(name).encode
    template = template_of(segment, lambda c: bytes((encode[c],)) if c in encode else None)
    return [
        Proposal.read_as(page(name).label, piece, template) for piece in Reader(()).pieces(template) if piece.multibyte
    ]
