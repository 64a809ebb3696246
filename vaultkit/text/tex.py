"""Reading TeX the way MathJax does, for the math checks: tokens, definitions, span helpers.

Shared by :mod:`vaultkit.rulekit.math` (delimiters and nesting) and :mod:`vaultkit.text.mathjax`
(unknown commands).  MathJax's tokenisation is simple: a control sequence is ``\\`` plus
ASCII letters or one other character, ``{ }`` group, ``%`` comments to the end of the line,
and ``\\verb`` takes a delimited argument verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vaultkit.model import Note, Region

MATH_KINDS = ("math", "display-math")
TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|[{}%$]", re.DOTALL)
ENV_NAME = re.compile(r"[ \t\r\n]*\{([^{}\\]*)\}")
DELIM = re.compile(r"[ \t\r\n]*(\\(?:[A-Za-z]+|.)|[^ \t\r\n])", re.DOTALL)
_LET_TARGET = re.compile(r"[ \t]*=?[ \t]*(\\(?:[A-Za-z]+|.)|.)", re.DOTALL)
# Spans that need the full tokeniser: comments, \verb, and definitions whose bodies are skipped.
NEEDS_TOKENS = re.compile(r"%|\\(?:verb|newcommand|renewcommand|def|let|DeclareMathOperator|(?:re)?newenvironment)")
_ESCAPED = re.compile(r"\\[^A-Za-z]", re.DOTALL)
_LEFT = re.compile(r"\\left(?![A-Za-z])")
_RIGHT = re.compile(r"\\right(?![A-Za-z])")
_ENV = re.compile(r"\\(begin|end)[ \t\r\n]*\{([^{}\\]*)\}")
_NOT_MARK = re.compile(r"[^{}\x01-\x04]+")
_MARKS = re.compile(r"[\x01-\x04]")  # the characters the fast verdict uses as pair marks
DEFINERS = frozenset(
    {"newcommand", "renewcommand", "def", "let", "DeclareMathOperator", "newenvironment", "renewenvironment"}
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a note's math: the rule name it belongs to, offsets, and the message."""

    rule: str
    start: int
    end: int
    message: str


def math_spans(note: Note) -> list[Region]:
    """The note's ``$`` and ``$$`` spans (delimiters included), in order."""
    return [r for r in note.regions if r.kind in MATH_KINDS and r.start >= note.body_start]


def span_body(region: Region) -> tuple[int, int]:
    """Offsets of the TeX inside a math span, without its delimiters."""
    n = 2 if region.kind == "display-math" else 1
    return region.start + n, region.end - n


def at(note: Note, offset: int) -> str:
    """``line:column`` of an offset, for messages that point at a second token."""
    line, col = note.position(offset)
    return f"{line}:{col}"


class Tokens:
    """TeX tokens of ``text[start:end]``: control sequences, braces and ``$``, skipping
    ``\\verb`` arguments and (when ``comments``) ``%`` comments.  ``skip_to`` jumps ahead."""

    def __init__(self, text: str, start: int, end: int, comments: bool) -> None:
        self.text, self.pos, self.end, self.comments = text, start, end, comments

    def __iter__(self) -> Tokens:
        return self

    def __next__(self) -> re.Match[str]:
        text, end = self.text, self.end
        while True:
            m = TOKEN.search(text, self.pos, end)
            if not m:
                raise StopIteration
            tok = m.group()
            self.pos = m.end()
            if tok == "%":
                if self.comments:
                    nl = text.find("\n", self.pos, end)
                    self.pos = end if nl == -1 else nl
                continue
            if tok == "\\verb":
                pos = self.pos + (self.pos < end and text[self.pos] == "*")
                if pos < end:
                    close = text.find(text[pos], pos + 1, end)
                    self.pos = end if close == -1 else close + 1
                continue
            return m

    def skip_to(self, pos: int) -> None:
        self.pos = max(self.pos, pos)


def definition(text: str, pos: int, end: int, name: str) -> tuple[list[str], int]:
    """Skip a ``\\newcommand``-like definition starting at ``pos`` (just after its name).

    Returns the names it defines (``\\foo``, or ``env:name`` for environments) and where the
    definition ends.  Bodies are skipped whole: what they contain is a template, not math.
    """
    defined: list[str] = []
    pos = _skip_space(text, pos, end)
    if pos < end and text[pos] == "*":
        pos += 1
    pos = _skip_space(text, pos, end)
    if name in ("newenvironment", "renewenvironment"):
        m = ENV_NAME.match(text, pos, end)
        if not m:
            return defined, pos
        defined.append("env:" + m.group(1).strip())
        pos = m.end()
        bodies = 2
    elif pos < end and text[pos] == "{":
        close = group_end(text, pos, end)
        if close == -1:
            return defined, pos
        defined.append(text[pos + 1 : close].strip())
        pos = close + 1
        bodies = 1
    else:
        m = DELIM.match(text, pos, end)
        if not m:
            return defined, pos
        defined.append(m.group(1))
        pos = m.end()
        bodies = 0 if name == "let" else 1
    if name == "let":
        m = _LET_TARGET.match(text, pos, end)
        return defined, (m.end() if m else pos)
    for _ in range(bodies):
        # optional [n] [default] / \def parameter text, up to the body's brace
        brace = text.find("{", pos, end)
        if brace == -1:
            return defined, end
        close = group_end(text, brace, end)
        if close == -1:
            return defined, brace  # unbalanced: let the brace check report it
        pos = close + 1
    return defined, pos


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in " \t\r\n":
        pos += 1
    return pos


def group_end(text: str, brace: int, end: int) -> int:
    """Offset of the ``}`` matching the ``{`` at ``brace`` (escapes respected), or -1."""
    depth = 0
    pos = brace
    while pos < end:
        c = text[pos]
        if c == "\\":
            pos += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return -1


_OPENERS = {"{": "}", "\x01": "\x02", "\x03": "\x04"}  # brace, \left, \begin -> their closers


def plainly_nested(body: str) -> bool:
    """A fast verdict for the common span, in C-speed string operations: no comment,
    definition or ``\\middle``, environments opened and closed by the same names, and braces,
    ``\\left``/``\\right`` and environments that cancel out innermost-first."""
    if _MARKS.search(body):
        return False
    if "\\" in body:
        if NEEDS_TOKENS.search(body) or "\\middle" in body:
            return False
        body = _ESCAPED.sub("", body)
        if "\\begin" in body or "\\end" in body:
            names: list[str] = []
            for kind, name in _ENV.findall(body):
                if kind == "begin":
                    names.append(name.strip())
                elif not names or names.pop() != name.strip():
                    return False
            if names:
                return False
            body = _ENV.sub(lambda m: "\x03" if m.group(1) == "begin" else "\x04", body)
        body = _RIGHT.sub("\x02", _LEFT.sub("\x01", body))
    # one pass with a stack, not pairs removed round after round: that was quadratic in the
    # depth, minutes for a formula nested 100,000 deep (issue 18)
    stack: list[str] = []
    for mark in _NOT_MARK.sub("", body):
        if mark in _OPENERS:
            stack.append(_OPENERS[mark])
        elif not stack or stack.pop() != mark:
            return False
    return not stack
