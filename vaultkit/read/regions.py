"""Find the parts of a note that are not prose: code, comments and math.

Everything Obsidian does not treat as Markdown prose is found here once, as
:class:`~vaultkit.model.Region` spans, and masked before links, tags, headings and block ids
are looked for.  Order follows Obsidian: code binds first (fenced and indented blocks, then
inline code spans, scanned left to right together with ``%%`` / ``<!-- -->`` comments and
``$`` / ``$$`` math, whichever starts first).

Math follows Obsidian (``docs/obsidian-behaviour.md`` section 3): inline ``$…$`` opens
at a ``$`` not followed by whitespace and closes at the first ``$`` of a run that is not
preceded by whitespace nor followed by a digit, inside one paragraph, heading line or table
cell; ``$$…$$`` may start mid-line and span lines, ``$$$$`` is a closer then an opener, and
a ``$$`` block broken by a blank line keeps its span when the paragraphs after the blank
line close it (the math rules then report the blank line, not an unclosed ``$$``).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator

from vaultkit.model import Region
from vaultkit.text.tex import plainly_nested

_CONTAINER = r"(?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))*[ \t]*"
_FENCE_OPEN = re.compile(rf"^{_CONTAINER}(`{{3,}}|~{{3,}})([^\n]*)$", re.MULTILINE)
_FENCE_RUN = re.compile("```|~~~")
_LIST_ITEM = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_BLANK = re.compile(r"\n[ \t>]*\r?\n")
# Every alternative starts with a literal (``` ``* ``, not `` `+ ``), so the regex engine skips
# ahead to the next of these characters instead of trying each alternative at every offset
# (three times faster on prose; issue 13).
_INLINE = re.compile(r"\\[\\`$%<]|``*|%%|<!--|\$\$|\$")
# A line that ends a paragraph for inline math: ATX heading, list item, fence, thematic break.
_INTERRUPT = re.compile(
    r"\n[ \t]*(?:>[ \t]*)*(?:#{1,6}(?=[ \t\r\n])|[-*+][ \t]|\d{1,9}[.)][ \t]|`{3}|~{3}|(?:[-*_=][ \t]*){3,}\r?$)",
    re.MULTILINE,
)
_HEADING = re.compile(r"[ \t]*(?:>[ \t]*)*#{1,6}(?:[ \t]|\r?$)", re.MULTILINE)
_DELIMITER_ROW = re.compile(
    r"[ \t]*(?:>[ \t]*)*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*\r?|[ \t]*(?:>[ \t]*)*\|[ \t]*:?-+:?[ \t]*\|[ \t]*\r?"
)
_BLANK_LINE = re.compile(r"[ \t>]*\r?")
_PREFIX = re.compile(r"[ \t>]*")  # what may precede a block comment's `%%` on its line
_BLANK_RUN = re.compile(r"(?:[ \t>]*\r?\n)*")
_INDENT = re.compile(r"^(?: {1,4}|\t)")
_DIGITS = "0123456789"
_TICKS = re.compile("`+")
_LOOKAHEAD = 3  # paragraphs searched for the closer of a display block broken by blank lines


def code_blocks(text: str, start: int) -> list[Region]:
    """Fenced (```/~~~, also inside lists and callouts) and indented code blocks."""
    blocks: list[Region] = []
    # A fence or a tab indent is looked for only in text that holds a backtick, tilde or tab:
    # a search for one character is several times cheaper than for a string, and these
    # searches through every note were a sixth of the region scan (issue 13).
    if ("`" in text and "```" in text) or ("~" in text and "~~~" in text):
        blocks.extend(_fenced(text, start))
    if "\n    " in text or ("\t" in text and "\n\t" in text):
        candidates = _indented(text, start, blocks)
        if candidates:
            blocks = _merge(blocks, _confirmed(text, start, candidates))
    return blocks


def _code_text(raw: str) -> str:
    """Code as CommonMark stores it: lines without trailing blanks, no trailing empty lines."""
    return "\n".join(line.rstrip() for line in raw.replace("\r\n", "\n").split("\n")).strip("\n")


def _indent_code_blocks(tokens: list[dict]) -> Iterator[str]:
    for token in tokens:
        if token.get("type") == "block_code" and token.get("style") == "indent":
            yield _code_text(token.get("raw", ""))
        yield from _indent_code_blocks(token.get("children") or [])


@functools.cache
def _block_parser() -> Callable[[str], object]:
    """mistune's block parser (no positions, no plugins), imported and built when a note first
    has an indented-code candidate: most vaults have none, and importing mistune and building
    the parser cost a cold check some 25 ms before any note was read (issue 13)."""
    import mistune

    return mistune.create_markdown(renderer=None)


def _confirmed(text: str, start: int, candidates: list[Region]) -> list[Region]:
    """Keep the indented-code candidates that a CommonMark parser (mistune) also reads as
    indented code.  Whether indented text is code or the continuation of a list item or a
    lazy paragraph line is where CommonMark is subtle; the line scan above supplies the
    offsets (mistune has none) and mistune has the last word.  Only notes with candidates
    pay for the parse."""
    tokens = _block_parser()(text[start:])  # a token list: the renderer is None
    parsed = Counter(_indent_code_blocks(tokens if isinstance(tokens, list) else []))
    kept = []
    for region in candidates:
        lines = text[region.start : region.end].split("\n")
        code = _code_text("\n".join(_INDENT.sub("", line, count=1) for line in lines))
        if parsed[code] > 0:
            parsed[code] -= 1
            kept.append(region)
    return kept


def _fenced(text: str, start: int) -> list[Region]:
    found: list[Region] = []
    pos = start
    while True:
        m = _fence_line(text, pos)
        if not m:
            return found
        fence, info = m.group(1), m.group(2)
        if fence[0] == "`" and "`" in info:  # not a fence: an inline code span
            pos = m.end()
            continue
        end_m = _closer(fence[0], len(fence)).search(text, m.end())
        end = end_m.end() if end_m else len(text)
        found.append(Region("code", m.start(), end))
        pos = end


def _fence_line(text: str, pos: int) -> re.Match[str] | None:
    """``_FENCE_OPEN.search(text, pos)``, trying only the lines that hold a run of three
    backticks or tildes: the pattern itself, tried at every line start, cost more than the rest
    of the region scan (issue 13)."""
    at = pos
    while True:
        run = _FENCE_RUN.search(text, at)
        if run is None:
            return None
        line = text.rfind("\n", 0, run.start()) + 1
        if line >= pos:
            m = _FENCE_OPEN.match(text, line)
            if m is not None:
                return m
        at = text.find("\n", run.end()) + 1
        if at == 0:
            return None


@functools.lru_cache(maxsize=64)
def _closer(char: str, length: int) -> re.Pattern[str]:
    """The line that closes a fence of ``length`` ``char`` characters (compiled once per kind)."""
    return re.compile(rf"^(?:[ \t]*>)*[ \t]*{re.escape(char)}{{{length},}}[ \t]*\r?$", re.MULTILINE)


def _indented(text: str, start: int, fences: list[Region]) -> list[Region]:
    """Indented code: 4+ columns after a blank line, outside list items (CommonMark).

    Lines inside a ``$$`` block are TeX: a matrix row such as ``\t* & *`` is not a list item,
    and an indented line after a blank line inside the block is not code when the paragraph
    it starts closes the block (the blank line is the problem, reported by the math rules).
    """
    found = []
    in_list = prev_blank = in_display = False
    opener = 0  # offset of the `$$` that opened the current display block
    block_start = None
    offset = start
    fence_iter = iter(fences)
    fence = next(fence_iter, None)
    for line in text[start:].splitlines(keepends=True):
        line_start, offset = offset, offset + len(line)
        while fence and fence.end <= line_start:
            fence = next(fence_iter, None)
        stripped = line.strip()
        if fence and fence.start <= line_start < fence.end:
            prev_blank = False
            continue
        if not stripped:
            prev_blank = True
            continue
        if prev_blank and in_display and _closer_after_blank(text, opener, line_start, len(text)) == -1:
            in_display = False
        indented = line.startswith(("    ", "\t"))
        if block_start is not None:
            if indented:
                prev_blank = False
                continue
            found.append(Region("code", block_start, line_start))
            block_start = None
        was_display = in_display
        if "$$" in line and line.count("$$") % 2:
            in_display = not in_display
            opener = line_start + line.rfind("$$")
        if indented and prev_blank and not in_list and not was_display:
            block_start = line_start
        elif not was_display and _LIST_ITEM.match(line):
            in_list = True
        elif not indented and prev_blank:
            in_list = False
        prev_blank = False
    if block_start is not None:
        found.append(Region("code", block_start, len(text)))
    return found


def _merge(a: list[Region], b: list[Region]) -> list[Region]:
    return sorted(a + b, key=lambda r: r.start)


def _paragraph_end(text: str, pos: int) -> int:
    m = _BLANK.search(text, pos)
    return m.start() + 1 if m else len(text)


def escaped(text: str, pos: int) -> bool:
    """Is ``text[pos]`` escaped by an odd number of backslashes?"""
    n = 0
    while pos > n and text[pos - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def inline_limits(text: str) -> Callable[[int], int]:
    """Where inline math opened at an offset must close: the end of its paragraph, heading
    line or table cell (for callers outside the region scan, e.g. to explain an unclosed
    ``$``).  One function per note, asked left to right: it reuses what it found, where a
    fresh scan per ``$`` made a long paragraph of them quadratic (issue 18)."""
    return _Scope(text, len(text)).inline_limit


class _Scope:
    """Where a math span opened at some offset must close, for one code-free stretch.

    Inline ``$`` math lives in one paragraph, heading line or table cell; ``$$`` display math
    in one paragraph or table cell (its lines are TeX, so list markers inside do not end it).
    Queries come left to right, so the last blank line / interrupting line found is reused.
    """

    def __init__(self, text: str, end: int) -> None:
        self.text = text
        self.end = end
        self._blank = (-1, 0)  # (query offset, next blank-line start)
        self._interrupt = (-1, 0)
        self._line = (0, 0, "")  # the last line asked about: (start, end, "heading" | "row" | "")
        self._table = (-1, -2, -1)  # the last run of `|` lines: (first line, last line, table header or -1)
        self._dollar = (-1, 0)  # (query offset, the first `$` at or after it that closes or stops inline math)
        self._ticks: dict[int, list[int]] | None = None  # backtick runs by length, found on first use
        self._bounds = (0, -1, False)  # the last line asked about: (start, end, holds a `|`)

    def paragraph_end(self, pos: int) -> int:
        asked, found = self._blank
        if not asked <= pos < found:
            found = min(_paragraph_end(self.text, pos), self.end)
            self._blank = (pos, found)
        return found

    def _interrupt_at(self, pos: int, limit: int) -> int:
        asked, found = self._interrupt
        if not asked <= pos < found:
            m = _INTERRUPT.search(self.text, pos, self.end)
            found = m.start() + 1 if m else self.end
            self._interrupt = (pos, found)
        return min(found, limit)

    def line_of(self, s: int) -> tuple[int, int, bool]:
        """Start and end of the line holding offset ``s``, and whether it holds a ``|``.  The
        last line is kept: a line of 10,000 ``$$`` or ``%%`` is read once, not once each."""
        start, end, pipe = self._bounds
        if not start <= s <= end:
            text = self.text
            start = text.rfind("\n", 0, s) + 1
            end = text.find("\n", s, self.end)
            end = self.end if end == -1 else end
            pipe = text.find("|", start, end) != -1
            self._bounds = (start, end, pipe)
        return start, end, pipe

    def inline_limit(self, s: int) -> int:
        """End of the paragraph, heading line or table cell holding offset ``s``."""
        line_start, line_end, kind = self._line
        if not line_start <= s < line_end:
            text = self.text
            line_start, line_end, pipe = self.line_of(s)
            if _HEADING.match(text, line_start, line_end):
                kind = "heading"
            elif pipe and self._in_table(line_start, line_end):
                kind = "row"
            else:
                kind = ""
            self._line = (line_start, line_end, kind)
        if kind == "heading":
            return line_end
        if kind == "row":
            return self.cell_end(s, line_end)
        return self._interrupt_at(s, self.paragraph_end(s))

    def inline_close(self, s: int, limit: int) -> Region | None:
        """``$...$`` opened at ``s``: the opener is not followed by whitespace; the closer is
        the first ``$`` of its run, not preceded by whitespace nor followed by a digit, before
        ``limit`` (:meth:`inline_limit`).  ``$a$$b$`` is two spans; a ``$$`` after whitespace
        cannot sit inside.  Whether a ``$`` closes, or stops the search, depends on its position
        only, so the last one found is reused by the openers before it: a line of 10,000
        ``$x `` is one scan, not 10,000 (issue 18)."""
        text = self.text
        if s + 1 >= limit or text[s + 1].isspace():
            return None
        found = self._dollar_event(s + 1)
        if found >= limit or text[found - 1].isspace():  # past the cell or paragraph, or `$$` after a space
            return None
        return Region("math", s, found + 1)

    def inline_math(self, s: int) -> Region | None:
        """``inline_close(s, inline_limit(s))``, without working out the limit when the ``$``
        that decides is on the opener's line and the line holds no ``|``: every limit (the end
        of a heading line, of a paragraph, the next interrupting line) is then past it.  Most
        inline math is such a line, and the limit cost more than the rest of the scan."""
        text = self.text
        if s + 1 < self.end and not text[s + 1].isspace():
            _, line_end, pipe = self.line_of(s)
            if not pipe:
                found = self._dollar_event(s + 1)
                if found < line_end:
                    return None if text[found - 1].isspace() else Region("math", s, found + 1)
        return self.inline_close(s, self.inline_limit(s))

    def _dollar_event(self, pos: int) -> int:
        """:meth:`_next_dollar_event`, reusing the last answer when it still holds."""
        asked, found = self._dollar
        if not asked <= pos <= found:
            found = self._next_dollar_event(pos)
            self._dollar = (pos, found)
        return found

    def _next_dollar_event(self, pos: int) -> int:
        """The first ``$`` from ``pos`` that closes inline math or ends the search (a ``$$``
        after whitespace); :attr:`end` when none does."""
        text, end = self.text, self.end
        while True:
            close = text.find("$", pos, end)
            if close == -1:
                return end
            if escaped(text, close):
                pos = close + 1
                continue
            double = close + 1 < end and text[close + 1] == "$"
            if text[close - 1].isspace():
                if double:
                    return close
                pos = close + 1
                continue
            if not double and close + 1 < len(text) and text[close + 1] in _DIGITS:
                pos = close + 1
                continue
            return close

    def code_close(self, s: int, n: int) -> Region | None:
        """The inline code span opened by the run of ``n`` backticks at ``s``: it closes at the
        next run of exactly ``n`` backticks in the paragraph.  The runs are listed once per
        stretch, so openers of many lengths do not each rescan the paragraph (issue 18)."""
        if self._ticks is None:
            self._ticks = {}
            for m in _TICKS.finditer(self.text, s, self.end):
                self._ticks.setdefault(m.end() - m.start(), []).append(m.start())
        starts = self._ticks.get(n, [])
        i = bisect.bisect_left(starts, s + n)
        if i == len(starts) or starts[i] + n > self.paragraph_end(s):
            return None
        return Region("inline-code", s, starts[i] + n)

    def display_limit(self, s: int) -> tuple[int, bool]:
        """End of the paragraph or table cell holding a ``$$`` at ``s``; True for a cell."""
        line_start, line_end, pipe = self.line_of(s)
        if pipe and self._in_table(line_start, line_end):
            return self.cell_end(s, line_end), True
        return self.paragraph_end(s), False

    def cell_end(self, s: int, line_end: int) -> int:
        """The end of the table cell holding ``s`` (GFM splits rows at unescaped ``|`` before
        any inline parsing)."""
        pos = s
        while True:
            bar = self.text.find("|", pos, line_end)
            if bar == -1:
                return line_end
            if not escaped(self.text, bar):
                return bar
            pos = bar + 1

    def _in_table(self, line_start: int, line_end: int) -> bool:
        """Is the line a row of a GFM table: in a run of lines holding ``|``, at or after the
        header (the line just before the run's first delimiter row ``|---|---|``)?"""
        first, last, header = self._table
        if not first <= line_start <= last:
            first, last = self._pipe_run(line_start, line_end)
            header = -1
            pos = first
            previous = -1
            while pos <= last:
                eol = self.text.find("\n", pos, self.end)
                eol = self.end if eol == -1 else eol
                if previous != -1 and _DELIMITER_ROW.fullmatch(self.text, pos, eol):
                    header = previous
                    break
                previous, pos = pos, eol + 1
            self._table = (first, last, header)
        return header != -1 and line_start >= header

    def _pipe_run(self, line_start: int, line_end: int) -> tuple[int, int]:
        """Start of the first and of the last line of the run of non-blank lines holding ``|``
        around the line at ``line_start``."""
        text = self.text
        first = line_start
        while first > 0:
            prev = text.rfind("\n", 0, first - 1) + 1
            if "|" not in text[prev : first - 1] or _BLANK_LINE.fullmatch(text, prev, first - 1):
                break
            first = prev
        last = line_start
        while line_end < self.end:
            nxt = text.find("\n", line_end + 1, self.end)
            nxt = self.end if nxt == -1 else nxt
            if "|" not in text[line_end + 1 : nxt]:
                break
            last, line_end = line_end + 1, nxt
        return first, last


def inline_regions(text: str, start: int, end: int) -> list[Region]:
    """Inline code, comments and math in ``text[start:end]`` (a stretch with no code block)."""
    found: list[Region] = []
    pos = start
    search = _INLINE.search
    scope = _Scope(text, end)
    while True:
        m = search(text, pos, end)
        if not m:
            return found
        tok = m.group()
        s = m.start()
        if tok[0] == "\\":
            pos = m.end()
            continue
        region = None
        if tok[0] == "`":
            region = scope.code_close(s, len(tok))
        elif tok == "%%":
            close = text.find("%%", s + 2, end)
            stop = end if close == -1 else close + 2
            block = _PREFIX.match(text, scope.line_of(s)[0], s).end() == s  # type: ignore[union-attr]
            region = Region("comment" if block else "inline-comment", s, stop)
        elif tok == "<!--":
            close = text.find("-->", s + 4, end)
            region = Region("html-comment", s, end if close == -1 else close + 3)
        elif tok == "$$":
            region = _display_math(text, s, end, scope)
        else:
            region = scope.inline_math(s)
        if region is None:
            pos = m.end()
            continue
        found.append(region)
        pos = region.end


def _display_close(text: str, pos: int, limit: int) -> int:
    """Offset of the first unescaped ``$$`` in ``text[pos:limit]``, or -1."""
    while True:
        close = text.find("$$", pos, limit)
        if close == -1 or not escaped(text, close):
            return close
        pos = close + 1


def _display_math(text: str, s: int, end: int, scope: _Scope) -> Region | None:
    """``$$ ... $$``: closes at the next ``$$`` of the paragraph (a lone ``$`` inside is TeX,
    and ``$$$$`` is a closer followed by an opener).  When the paragraph ends first, the
    paragraphs after the blank line are searched for the closer (see :func:`_closer_after_blank`),
    so that a blank line inside a block is told apart from a ``$$`` that never closes."""
    limit, in_cell = scope.display_limit(s)
    close = _display_close(text, s + 2, limit)
    if close == -1 and not in_cell and limit < end:
        close = _closer_after_blank(text, s, limit, end)
    return None if close == -1 else Region("display-math", s, close + 2)


def _closer_after_blank(text: str, opener: int, pos: int, end: int) -> int:
    """The ``$$`` that closes the block opened at ``opener`` when blank lines from ``pos`` on
    break it, or -1 when the block never closes.

    The paragraphs after the blank line are looked at in turn (at most :data:`_LOOKAHEAD`).
    The first ``$$`` found closes the block when its paragraph holds an odd number of them,
    or when the TeX up to it completes what the block left open (an ``\\end`` for its
    ``\\begin``, a ``}`` for its ``{``).  Otherwise that paragraph pairs its own ``$$``.  A
    paragraph with single-``$`` math, or a heading, is prose: the block never closes.
    """
    opened = text[opener + 2 : pos]  # the block's TeX before the first blank line
    for _ in range(_LOOKAHEAD):
        blank = _BLANK_RUN.match(text, pos, end)
        para = blank.end() if blank else pos
        if para >= end or _HEADING.match(text, para, end):
            return -1
        para_end = min(_paragraph_end(text, para), end)
        closers = []
        at = _display_close(text, para, para_end)
        while at != -1:
            closers.append(at)
            at = _display_close(text, at + 2, para_end)
        if closers:
            completes = not plainly_nested(opened) and plainly_nested(text[opener + 2 : closers[0]])
            return closers[0] if len(closers) % 2 or completes else -1
        if "$" in text[para:para_end]:
            return -1
        pos = para_end
    return -1


def find_regions(text: str, start: int) -> tuple[Region, ...]:
    """All non-prose regions of ``text`` from offset ``start`` (the end of front matter)."""
    blocks = code_blocks(text, start)
    found: list[Region] = []
    pos = start
    for block in blocks:
        found.extend(inline_regions(text, pos, block.start))
        found.append(block)
        pos = block.end
    found.extend(inline_regions(text, pos, len(text)))
    return tuple(found)
