"""Apply the fixes rules return, until the note is stable -- in memory, no I/O.

One pass: lint the note, keep the fixes the applicability policy allows (SAFE, plus UNSAFE
with ``unsafe=True``; DISPLAY never), take them in source order and drop any fix with an
edit that overlaps one already taken (it is reconsidered on the next pass, when its rule
has seen the new text), and apply the edits in one sweep.  A fix's edits are applied all
together or not at all.  Then re-parse and re-lint.  Stop when no fix is left, when a pass
changes nothing, when a pass would bring back an earlier state (a cycle between rules), or
after ``max_passes``.  So ``fix(fix(x)) == fix(x)`` whenever the run converged.

Encoding fixes (``Fix(encoding="utf-8")``, ``Fix(bom=False)``) change how the text is
stored, not the text; they travel with the state and are honoured by the writer's
:func:`~vaultkit.fix.writer.encode`.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from vaultkit.api import Applicability, Edit, Fix
from vaultkit.check.config import ActiveRule
from vaultkit.check.engine import Problem, check_note
from vaultkit.check.run import memory_vault
from vaultkit.fix.writer import Unwritable, encode
from vaultkit.model import Decoded, Note
from vaultkit.read.decode import NotText, decode, newline_style
from vaultkit.read.parse import digest_of, parse_text
from vaultkit.text.dates import DateFacts
from vaultkit.vault.index import VaultIndex

MAX_PASSES = 10
_CODE = ("code", "inline-code")
_BARE_LF = re.compile(r"(?<!\r)\n")


@dataclass(frozen=True, slots=True)
class AppliedFix:
    """One fix that was applied: what ``--show-fixes`` lists."""

    code: str
    rule: str
    title: str
    line: int
    column: int
    applicability: Applicability


@dataclass(frozen=True)
class FixResult:
    """The outcome of fixing one note.

    ``source`` is the note as read and ``original`` its bytes; ``data`` holds the bytes to
    write (the original bytes when nothing changed or when the result cannot be written,
    ``error`` then says why); ``note`` is the fixed note, parsed; ``remaining`` the problems
    it still has; ``converged`` is False when the passes ran out or rules undid each
    other's fixes.
    """

    source: Note
    note: Note
    data: bytes
    original: bytes
    applied: tuple[AppliedFix, ...]
    remaining: tuple[Problem, ...]
    converged: bool
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.error is None and self.data != self.original

    @property
    def text(self) -> str:
        return self.note.text


@dataclass(frozen=True)
class _State:
    text: str
    encoding: str | None = None  # set by a transcoding fix
    bom: bool | None = None  # set by a BOM fix

    def key(self) -> str:
        return digest_of(f"{self.encoding}\x00{self.bom}\x00{self.text}".encode("utf-8", "surrogatepass"))


def allowed(fix: Fix, unsafe: bool) -> bool:
    """Whether a run applies ``fix``: safe ones always, unsafe ones on request, display never."""
    return fix.applicability is Applicability.SAFE or (unsafe and fix.applicability is Applicability.UNSAFE)


def _overlaps(a: Edit, b: Edit) -> bool:
    """Edits conflict when their spans intersect or both insert at the same point."""
    return (a.start < b.end and b.start < a.end) or a.start == b.start


def _fits(edits: Sequence[Edit], size: int) -> bool:
    """The fix's edits lie inside the text and do not overlap one another (sorted once, so
    each edit meets only its neighbour: linear in the number of edits, bar the sort)."""
    if any(not 0 <= e.start <= e.end <= size for e in edits):
        return False
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    return not any(_overlaps(a, b) for a, b in itertools.pairwise(ordered))


class _Taken:
    """The edits chosen so far, kept sorted by start for a logarithmic overlap test.

    Chosen edits never overlap one another, so their starts are distinct and their ends
    ascend with them; an edit can then only conflict with the taken edit starting at or
    after it and the one starting just before it.  Testing every pair instead made one note
    with 8,000 fixes take 20 s (issue 18)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.edits: list[Edit] = []

    def conflicts(self, edit: Edit) -> bool:
        i = bisect.bisect_left(self.starts, edit.start)
        return any(_overlaps(edit, self.edits[j]) for j in (i - 1, i) if 0 <= j < len(self.edits))

    def add(self, edit: Edit) -> None:
        i = bisect.bisect_left(self.starts, edit.start)
        self.starts.insert(i, edit.start)
        self.edits.insert(i, edit)


def _changes(fix: Fix, text: str) -> bool:
    return fix.encoding is not None or fix.bom is not None or any(text[e.start : e.end] != e.text for e in fix.edits)


def choose(problems: Iterable[Problem], unsafe: bool, text: str) -> list[Problem]:
    """The fixes to apply this pass: allowed, well-formed, changing something, in source
    order, no overlaps."""
    size = len(text)
    candidates = [p for p in problems if p.fix is not None and allowed(p.fix, unsafe) and _changes(p.fix, text)]
    candidates.sort(key=lambda p: (min((e.start for e in p.fix.edits), default=-1), p.code, p.start))  # type: ignore[union-attr]
    taken = _Taken()
    encoding: str | None = None
    chosen = []
    for problem in candidates:
        fix = problem.fix
        assert fix is not None
        if fix.encoding is not None and encoding not in (None, fix.encoding):
            continue
        if not _fits(fix.edits, size) or any(taken.conflicts(e) for e in fix.edits):
            continue
        encoding = fix.encoding or encoding
        for edit in fix.edits:
            taken.add(edit)
        chosen.append(problem)
    return chosen


def _inserted(edit: Edit, newline: str) -> str:
    """The text ``edit`` puts in a note whose line breaks are ``newline``."""
    return _BARE_LF.sub("\r\n", edit.text) if newline == "\r\n" else edit.text


def apply_edits(text: str, edits: Iterable[Edit], newline: str = "\n") -> str:
    """Apply non-overlapping edits in one sweep; inserted line breaks follow ``newline``."""
    out, pos = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[pos : edit.start])
        out.append(_inserted(edit, newline))
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def _outside_code(problems: Iterable[Problem], note: Note) -> list[Problem]:
    """The problems whose fixes leave code alone: no edit may touch a code block or span
    (whatever a rule proposes; code is the writer's, byte for byte)."""
    code = [r for r in note.regions if r.kind in _CODE]
    starts = [r.start for r in code]

    def touches(edit: Edit) -> bool:
        i = bisect.bisect_left(starts, edit.end) - 1  # the last code region starting before the edit ends
        return i >= 0 and edit.start < code[i].end

    return [p for p in problems if p.fix is None or not any(touches(e) for e in p.fix.edits)]


def _structure_kept(before: Note, after: Note, edits: Sequence[Edit], newline: str) -> bool:
    """Did a pass leave the note's code, math and comments where they were?

    Every region of ``before`` is moved by the edits made before it (and inside it, for its
    end) and must be exactly a region of ``after``, and no region may appear.  A fix that
    passes its rule's own test can still change the structure around it: removing the NUL
    from a stray backtick run made a fence opener, and the next pass "repaired" what had
    become code (issue 18).  Such a pass is not taken."""
    if len(before.regions) != len(after.regions):
        return False
    ordered = sorted(edits, key=lambda e: e.end)
    ends = [e.end for e in ordered]
    shift = [0]
    for e in ordered:
        shift.append(shift[-1] + len(_inserted(e, newline)) - (e.end - e.start))

    dropped = len(before.text) + shift[-1] - len(after.text)  # a leading U+FEFF taken as the BOM (_step)

    def moved(pos: int, end: bool) -> int:
        i = bisect.bisect_right(ends, pos)
        while end and i and ordered[i - 1].start == ordered[i - 1].end == pos:
            i -= 1  # an insertion just after a region is not inside it
        return pos + shift[i] - dropped

    return all(
        (old.kind, moved(old.start, False), moved(old.end, True)) == (new.kind, new.start, new.end)
        for old, new in zip(before.regions, after.regions, strict=True)
    )


def _step(state: _State, chosen: Sequence[Problem], newline: str) -> _State:
    fixes = [p.fix for p in chosen if p.fix is not None]
    text = apply_edits(state.text, (e for f in fixes for e in f.edits), newline)
    if text.startswith("\ufeff") and not state.text.startswith("\ufeff"):
        # a repair that restores a byte-order mark (`ï»¿` was a UTF-8 BOM read as cp1252)
        # makes a character every reader takes for a BOM: written, the next run would read
        # the file differently and remove it.  It is a BOM, and the file keeps its own.
        text = text.lstrip("\ufeff")
    encoding = next((f.encoding for f in fixes if f.encoding), state.encoding)
    bom = False if encoding else next((f.bom for f in fixes if f.bom is not None), state.bom)
    return _State(text, encoding, bom)


def _decoded(base: Decoded, state: _State) -> Decoded:
    """How the fixed note will read back: a transcoded file is clean UTF-8."""
    newline = newline_style(state.text)
    if state.encoding is not None:
        return Decoded(encoding="utf-8", bom=False, newline=newline)
    return replace(base, bom=base.bom if state.bom is None else state.bom, newline=newline)


def _unicode(base: Decoded, state: _State) -> str | None:
    """The Unicode encoding the fixed note will be written in; None for a legacy code page."""
    name = "utf-8" if state.encoding is not None else base.encoding
    return name if name.startswith("utf-") else None


def _read_back(base: Decoded, state: _State, original: bytes) -> Decoded | None:
    """How the next run will read the fixed note -- None when it would not read this text.

    The passes must see the note as a fresh read will, or a fix enabled by another (a
    transcoding offered as safe only once a repair made the text plainer) waits for the
    next run, and fixing twice differs from fixing once (issue 18).  Bytes that read back
    as other text (UTF-16 without a BOM whose repaired text looks like UTF-8 control
    characters) must not be written at all.  Legacy code pages are guessed by the
    decoder; the result is compared with a fresh read once, at the end (:func:`fix_note`).
    """
    if _unicode(base, state) is None:
        return _decoded(base, state)
    try:
        text, decoded = decode(encode(state.text, base, original, state.encoding, state.bom))
    except (Unwritable, NotText):
        return None
    return decoded if text == state.text else None


def _record(note: Note, problem: Problem) -> AppliedFix:
    fix = problem.fix
    assert fix is not None
    line, column = note.position(min((e.start for e in fix.edits), default=problem.start))
    return AppliedFix(problem.code, problem.rule, fix.title, line, column, fix.applicability)


def fix_note(
    note: Note,
    index: VaultIndex,
    active: Sequence[ActiveRule],
    unsafe: bool = False,
    original: bytes | None = None,
    problems: Sequence[Problem] | None = None,
    max_passes: int = MAX_PASSES,
) -> FixResult:
    """Fix one note against the vault ``index`` with the ``active`` rules.

    ``original`` is the file's bytes as read (needed to write a non-UTF-8 file back in its
    own encoding and to tell whether anything changed); ``problems`` may pass the note's
    problems from a check already made, sparing the first lint.
    """
    if original is None:
        original = encode(note.text, note.decoded)
    state = _State(note.text)
    seen = {state.key()}
    current = note
    first = found = list(problems) if problems is not None else check_note(note, index, active)
    applied: list[AppliedFix] = []
    converged = False
    for _ in range(max_passes):
        chosen = choose(_outside_code(found, current), unsafe, state.text)
        if not chosen:
            converged = True
            break
        following = _step(state, chosen, note.decoded.newline)
        if following == state:  # fixes that change nothing: nothing more will change
            converged = True
            break
        if following.key() in seen:  # rules undo each other's fixes: stop before repeating
            break
        decoded = _read_back(note.decoded, following, original)
        if decoded is None:
            break  # written, the text would read back as something else: keep the last sound pass
        parsed = parse_text(note.rel, following.text, decoded)
        edits = [e for p in chosen if p.fix is not None for e in p.fix.edits]
        if not _structure_kept(current, parsed, edits, note.decoded.newline):
            break  # the edits moved code or math: keep the note as the last sound pass left it
        seen.add(following.key())
        applied.extend(_record(current, p) for p in chosen)
        state, current = following, parsed
        found = check_note(current, index, active)
    if state == _State(note.text):
        return FixResult(note, note, original, original, (), tuple(found), converged)
    try:
        data = encode(state.text, note.decoded, original, state.encoding, state.bom)
        if _unicode(note.decoded, state) is None and decode(data)[0] != state.text:
            raise Unwritable(f"written as {note.decoded.encoding}, the fixed text would read back differently")
    except (Unwritable, NotText) as exc:
        return FixResult(note, note, original, original, (), tuple(first), converged, f"not fixed: {exc}")
    current = replace(current, digest=digest_of(data), size=len(data))
    return FixResult(note, current, data, original, tuple(applied), tuple(found), converged)


def fix_text(
    text: str | bytes,
    path: str = "Note.md",
    files: Mapping[str, str | bytes] | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    config: Mapping[str, Any] | None = None,
    unsafe: bool = False,
    dates: DateFacts | None = None,
) -> FixResult:
    """Fix one note in a throw-away in-memory vault (like :func:`vaultkit.check.run.lint_text`);
    ``dates`` stands in for the evidence the edge would gather from git and the disk."""
    note, index, active = memory_vault(text, path, files, select, ignore, config, dates)
    original = text if isinstance(text, bytes) else text.encode("utf-8")
    return fix_note(note, index, active, unsafe, original)
