"""Check the math of a note the way Obsidian pairs its delimiters and MathJax reads its TeX.

:mod:`vaultkit.read.regions` decides *where* math is (Obsidian's ``$`` / ``$$`` tokenisation);
this module reads what is there:

* delimiters that paired with nothing (an opening ``$`` or ``$$`` that never closes), an
  inline span that swallowed prose because a ``$`` is missing, and blank lines inside
  ``$$`` blocks -- :func:`delimiter_findings`;
* the TeX of each span: ``{ }``, ``\\left \\middle \\right`` and ``\\begin \\end`` nesting --
  :func:`structure_findings`.

Only what is certainly wrong is reported: a ``$`` is an unclosed math opener only with TeX
evidence after it (currency is common), and a missing ``\\right`` or ``\\end`` is not reported
in a span that uses a macro MathJax does not know (it may be the user's own ``\\left``).
Unknown commands themselves are :mod:`vaultkit.text.mathjax`' job.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vaultkit.model import Budget, Note, Region
from vaultkit.read.regions import escaped, inline_limits
from vaultkit.text.mathjax import loaded_macros
from vaultkit.text.tex import (
    DEFINERS,
    DELIM,
    ENV_NAME,
    NEEDS_TOKENS,
    Finding,
    Tokens,
    at,
    definition,
    math_spans,
    plainly_nested,
    span_body,
)
from vaultkit.vault.index import VaultIndex

UNITS_PER_CHARACTER = 20  # open groups a closer may look past, per character of the note
UNITS_FLOOR = 100_000

UNCLOSED = "unclosed-math"
BRACES = "unbalanced-braces"
LEFT_RIGHT = "unmatched-left-right"
ENVIRONMENT = "unmatched-environment"
BLANK_LINE = "blank-line-in-math"

_BLANK_IN_MATH = re.compile(r"\n((?:[ \t]*\r?\n)+)")
_BLANK_IN_QUOTED_MATH = re.compile(r"\n((?:[ \t>]*\r?\n)+)")  # a `>`-only line is blank in a callout
_EVIDENCE = re.compile(r"\\(?:([A-Za-z]+)|.)|([_^]\{)", re.DOTALL)
_CONTROL_SEQUENCE = re.compile(r"\\(?:[A-Za-z]+|.)", re.DOTALL)
_TEX_MARK = re.compile(r"\\[A-Za-z]|[_^]\{")
# The tokens that matter for nesting; `\\x` for any other character skips `\\{`, `\\}` and `\\\\`.
_STRUCTURE = re.compile(r"\\(?:left|right|middle|begin|end)(?![A-Za-z])|\\[^A-Za-z]|[{}]", re.DOTALL)
_MIRROR = {
    "(": ")",
    "[": "]",
    "\\{": "\\}",
    "\\lbrace": "\\rbrace",
    "\\langle": "\\rangle",
    "\\lvert": "\\rvert",
    "\\lVert": "\\rVert",
    "\\lfloor": "\\rfloor",
    "\\lceil": "\\rceil",
    "\\lgroup": "\\rgroup",
    "\\lmoustache": "\\rmoustache",
    "\\lbrack": "\\rbrack",
    "<": ">",
    "/": "\\backslash",
}
_MIRROR.update({v: k for k, v in list(_MIRROR.items())})


# --------------------------------------------------------------------------- delimiters


def delimiter_findings(note: Note, vault: VaultIndex) -> tuple[Finding, ...]:
    """Unclosed ``$`` / ``$$`` (rule ``unclosed-math``) and blank lines inside ``$$`` blocks
    (rule ``blank-line-in-math``)."""
    return vault.analysis(note, "math.delimiters", lambda n: tuple(_delimiters(n)))


def _delimiters(note: Note) -> Iterator[Finding]:
    spans = math_spans(note)
    yield from _stray_dollars(note)
    for region in spans:
        if region.kind == "display-math":
            yield from _blank_lines(note, region)
        else:
            yield from _swallowed_prose(note, region)


def _gaps(note: Note) -> Iterator[tuple[int, int]]:
    """Stretches of the body outside every region (prose)."""
    pos = note.body_start
    for region in note.regions:
        if region.start > pos:
            yield pos, region.start
        pos = max(pos, region.end)
    if pos < len(note.text):
        yield pos, len(note.text)


def _stray_dollars(note: Note) -> Iterator[Finding]:
    """Dollars that opened nothing.  ``$$`` always means display math, so one left over never
    closed; a single ``$`` is reported only with TeX right after it (``$5 and $10`` is prose)."""
    text = note.text
    limits = inline_limits(text)
    for start, end in _gaps(note):
        pos = text.find("$", start, end)
        while pos != -1:
            run = pos
            while run < end and text[run] == "$":
                run += 1
            if escaped(text, pos):
                pos = text.find("$", pos + 1, end)
                continue
            if run - pos >= 2:
                yield Finding(
                    UNCLOSED,
                    pos,
                    pos + 2,
                    f"`$$` at {at(note, pos)} opens display math that never closes: add the closing `$$` "
                    "(a blank line also ends the block), or write `\\$\\$` for literal dollars",
                )
            elif run < len(text) and not text[run].isspace():
                finding = _unclosed_inline(note, pos, limits)
                if finding:
                    yield finding
            pos = text.find("$", run, end)


def _unclosed_inline(note: Note, pos: int, limits: Callable[[int], int]) -> Finding | None:
    text = note.text
    ahead = text.find("$", pos + 1)
    if ahead != -1 and not escaped(text, ahead) and not _TEX_MARK.search(text, pos + 1, ahead):
        return None  # cheap test first: no TeX before the next `$` (the window is no longer)
    limit = limits(pos)
    nxt = text.find("$", pos + 1, limit)
    while nxt != -1 and escaped(text, nxt):
        nxt = text.find("$", nxt + 1, limit)
    window = text[pos + 1 : limit if nxt == -1 else nxt]
    if not _looks_like_tex(window):
        return None
    if nxt == -1 and text.startswith("|", limit):
        why = (
            f"the `|` at {at(note, limit)} ends the table cell first: write `\\vert` (or `\\|`) for a bar "
            "inside math in a table"
        )
    elif nxt == -1:
        why = "nothing closes it before the end of the paragraph: add the closing `$`"
    elif text[nxt - 1].isspace():
        why = (
            f"the `$` at {at(note, nxt)} cannot close it because a space comes before it: "
            "remove the space before the closing `$`"
        )
    else:
        why = f"the `$` at {at(note, nxt)} cannot close it because a digit follows it: add a space after that `$`"
    return Finding(UNCLOSED, pos, pos + 1, f"`$` at {at(note, pos)} opens inline math that never closes; {why}")


def _looks_like_tex(window: str) -> bool:
    """A known MathJax command or a braced sub/superscript: text that was meant as math."""
    known = loaded_macros()
    return any(m.group(2) or (m.group(1) and "\\" + m.group(1) in known) for m in _EVIDENCE.finditer(window))


def _swallowed_prose(note: Note, region: Region) -> Iterator[Finding]:
    """An inline span holding a ``$`` after a space: that ``$`` could not close, so a ``$`` is
    missing (or one too many) and the prose between renders as math."""
    text = note.text
    start, end = span_body(region)
    pos = text.find("$", start, end)
    while pos != -1:
        if not escaped(text, pos) and text[pos - 1].isspace():
            yield Finding(
                UNCLOSED,
                region.start,
                region.start + 1,
                f"`$` at {at(note, region.start)} pairs with the `$` at {at(note, end)}, so the text between "
                f"renders as math; the `$` at {at(note, pos)} follows a space and cannot close it: "
                "a `$` is missing, or a literal dollar needs `\\$`",
            )
            return
        pos = text.find("$", pos + 1, end)


def _blank_pattern(text: str, offset: int) -> re.Pattern[str]:
    """Blank lines inside a block opened on a ``>`` line may keep their ``>``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return _BLANK_IN_QUOTED_MATH if text[line_start:offset].lstrip().startswith(">") else _BLANK_IN_MATH


def _blank_lines(note: Note, region: Region) -> Iterator[Finding]:
    text = note.text
    start, end = span_body(region)
    for m in _blank_pattern(text, region.start).finditer(text, start, end):
        first, last = m.start(1), m.end(1) - 1  # the run of blank lines, without its final newline
        yield Finding(
            BLANK_LINE,
            first,
            last - 1 if text[last - 1 : last] == "\r" and last > first else last,
            f"blank line inside the `$$` block opened at {at(note, region.start)} and closed at "
            f"{at(note, region.end - 2)}: it ends the block in reading view; delete the blank line",
        )


# --------------------------------------------------------------------------- TeX structure


def structure_findings(note: Note, vault: VaultIndex) -> tuple[Finding, ...]:
    """Unbalanced braces, unmatched ``\\left``/``\\right`` and ``\\begin``/``\\end``, per span."""
    allowance = vault.budget(note, "math nesting", UNITS_FLOOR + UNITS_PER_CHARACTER * len(note.text))
    return vault.analysis(note, "math.structure", lambda n: tuple(_structure(n, allowance)))


_cached_verdict = functools.lru_cache(maxsize=4096)(plainly_nested)


def _plainly_nested(body: str) -> bool:
    """:func:`plainly_nested`, remembered for short formulas: a vault writes the same ones
    (``$x$``, ``$\\alpha$``) again and again.  Long ones are not kept, so the cache stays small."""
    return _cached_verdict(body) if len(body) <= 200 else plainly_nested(body)


class _OutOfBudget(Exception):
    """The nesting scan ran out of its budget: what was found so far stands."""


def _structure(note: Note, allowance: Budget) -> Iterator[Finding]:
    """Check every span, until ``allowance`` (one unit per open group looked at when a
    ``\\right`` or ``\\end`` searches the stack) runs out: only a note nested thousands deep
    with thousands of mismatched closers gets there (issue 18)."""
    try:
        yield from _spans(note, allowance)
    except _OutOfBudget:
        return


def _spans(note: Note, allowance: Budget) -> Iterator[Finding]:
    text = note.text
    for region in math_spans(note):
        start, end = span_body(region)
        if _plainly_nested(text[start:end]):
            continue
        found = _check_span(note, region, False, allowance)
        if found and "%" in text[start:end]:
            # `%` is a TeX comment at group level but not inside macro arguments: report only
            # what is wrong under both readings.
            keys = {(f.rule, f.start) for f, _ in _check_span(note, region, True, allowance)}
            found = [item for item in found if (item[0].rule, item[0].start) in keys]
        if any(needs_partner for _, needs_partner in found) and _uses_unknown_macro(text, start, end):
            # an unknown macro may be the user's \left / \right / \begin / \end
            found = [item for item in found if not item[1]]
        for finding, _ in found:
            yield finding


def _uses_unknown_macro(text: str, start: int, end: int) -> bool:
    known = loaded_macros()
    return any(cs[1].isalpha() and cs not in known for cs in _CONTROL_SEQUENCE.findall(text, start, end))


@dataclass(slots=True)
class _Open:
    kind: str  # "{" | "left" | "begin"
    start: int
    end: int
    name: str  # the \left delimiter or the environment name


def _check_span(note: Note, region: Region, comments: bool, allowance: Budget) -> list[tuple[Finding, bool]]:
    """Check one span's nesting.  Returns (finding, whether a user macro could explain it)."""
    text = note.text
    start, end = span_body(region)
    if NEEDS_TOKENS.search(text, start, end):
        tokens: Iterator[re.Match[str]] = Tokens(text, start, end, comments)
    else:  # the common case: only braces and the paired commands matter
        tokens = _STRUCTURE.finditer(text, start, end)
    stack: list[_Open] = []
    braces = 0  # open `{` on the stack: counted, as a scan per `}` made deep nesting quadratic
    found: list[tuple[Finding, bool]] = []
    for m in tokens:
        tok = m.group()
        s = m.start()
        if tok == "{":
            stack.append(_Open("{", s, s + 1, ""))
            braces += 1
        elif tok == "}":
            if not braces:
                message = f"`}}` at {at(note, s)} has no matching `{{`: remove it or add the `{{` it should close"
                found.append((Finding(BRACES, s, s + 1, message), False))
                continue
            while stack[-1].kind != "{":
                found.append((_unclosed(note, stack.pop(), f"the `}}` at {at(note, s)}"), True))
            stack.pop()
            braces -= 1
        elif tok == "\\left":
            d = DELIM.match(text, m.end(), end)
            stack.append(_Open("left", s, d.end() if d else m.end(), d.group(1) if d else ""))
        elif tok in ("\\right", "\\middle"):
            d = DELIM.match(text, m.end(), end)
            inner = _innermost(stack, ("{", "left"), allowance)
            found.extend(_close_left(note, stack, inner, tok, s, d.end() if d else m.end(), d.group(1) if d else ""))
        elif tok in ("\\begin", "\\end"):
            env = ENV_NAME.match(text, m.end(), end)
            if env is None:
                continue
            name = env.group(1).strip()
            if tok == "\\begin":
                stack.append(_Open("begin", s, env.end(), name))
            else:
                found.extend(_close_env(note, stack, _innermost(stack, ("begin",), allowance), name, s, env.end()))
        elif tok[1:] in DEFINERS and isinstance(tokens, Tokens):
            tokens.skip_to(definition(text, m.end(), end, tok[1:])[1])
    if stack:
        closer = f"the closing `{'$$' if region.kind == 'display-math' else '$'}` at {at(note, end)}"
        found.extend((_unclosed(note, item, closer), item.kind != "{") for item in reversed(stack))
    return found


def _unclosed(note: Note, item: _Open, before: str) -> Finding:
    text = note.text[item.start : item.end]
    where = at(note, item.start)
    if item.kind == "{":
        return Finding(BRACES, item.start, item.end, f"`{{` at {where} is never closed: add `}}` before {before}")
    if item.kind == "left":
        partner = "\\right" + _MIRROR.get(item.name, item.name)
        return Finding(
            LEFT_RIGHT,
            item.start,
            item.end,
            f"`{text}` at {where} has no matching `\\right`: add `{partner}` (or `\\right.`) before {before}",
        )
    return Finding(
        ENVIRONMENT,
        item.start,
        item.end,
        f"`{text}` at {where} is never closed: add `\\end{{{item.name}}}` before {before}",
    )


def _innermost(stack: list[_Open], kinds: tuple[str, ...], allowance: Budget) -> tuple[int, _Open] | None:
    """The innermost open group of one of ``kinds`` and its depth, paying a unit per group
    looked at (raises :class:`_OutOfBudget` when the allowance is spent)."""
    for depth in range(len(stack) - 1, -1, -1):
        if not allowance.spend(1):
            raise _OutOfBudget
        if stack[depth].kind in kinds:
            return depth, stack[depth]
    return None


def _close_left(
    note: Note, stack: list[_Open], found: tuple[int, _Open] | None, tok: str, s: int, stop: int, delim: str
) -> Iterator[tuple[Finding, bool]]:
    """A ``\\right`` or ``\\middle`` meets ``found``, the innermost ``{`` or ``\\left``."""
    written = note.text[s:stop]
    inner = found[1] if found else None
    if inner is None or inner.kind != "left":
        if tok == "\\middle":
            yield (
                Finding(
                    LEFT_RIGHT,
                    s,
                    stop,
                    f"`{written}` at {at(note, s)} is not inside `\\left … \\right`: "
                    f"use `\\mid` or a sized delimiter such as `\\big{delim}`",
                ),
                True,
            )
        else:
            partner = "\\left" + _MIRROR.get(delim, delim)
            yield (
                Finding(
                    LEFT_RIGHT,
                    s,
                    stop,
                    f"`{written}` at {at(note, s)} has no matching `\\left`: "
                    f"add `{partner}` (or `\\left.`) before it, or write `\\bigr{delim}`",
                ),
                True,
            )
        return
    if tok == "\\middle":
        return
    while stack[-1] is not inner:
        yield _unclosed(note, stack.pop(), f"the `{written}` at {at(note, s)}"), True
    stack.pop()


def _close_env(
    note: Note, stack: list[_Open], found: tuple[int, _Open] | None, name: str, s: int, stop: int
) -> Iterator[tuple[Finding, bool]]:
    """An ``\\end`` meets ``found``, the innermost ``\\begin``."""
    written = note.text[s:stop]
    opened = found[1] if found else None
    if found is None or any(o.kind == "{" for o in stack[found[0] + 1 :]):
        yield (
            Finding(
                ENVIRONMENT,
                s,
                stop,
                f"`{written}` at {at(note, s)} has no matching `\\begin{{{name}}}`: remove it or add the `\\begin`",
            ),
            True,
        )
        return
    while stack[-1] is not opened:
        yield _unclosed(note, stack.pop(), f"the `{written}` at {at(note, s)}"), True
    stack.pop()
    if opened.name != name:
        begin = note.text[opened.start : opened.end]
        yield (
            Finding(
                ENVIRONMENT,
                opened.start,
                stop,
                f"`{begin}` at {at(note, opened.start)} is closed by `{written}` at {at(note, s)}: "
                f"use the same name in both (`\\end{{{opened.name}}}` or `\\begin{{{name}}}`)",
            ),
            False,
        )
