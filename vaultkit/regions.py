"""Find the parts of a note that are not prose: code, comments and math.

Everything Obsidian does not treat as Markdown prose is found here once, as
:class:`~vaultkit.model.Region` spans, and masked before links, tags, headings and block ids
are looked for.  Order follows Obsidian: code binds first (fenced and indented blocks, then
inline code spans, scanned left to right together with ``%%`` / ``<!-- -->`` comments and
``$`` / ``$$`` math, whichever starts first).
"""

from __future__ import annotations

import re

from vaultkit.model import Region

_CONTAINER = r"(?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))*[ \t]*"
_FENCE_OPEN = re.compile(rf"^{_CONTAINER}(`{{3,}}|~{{3,}})([^\n]*)$", re.MULTILINE)
_LIST_ITEM = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_BLANK = re.compile(r"\n[ \t>]*\r?\n")
_INLINE = re.compile(r"\\[\\`$%<]|`+|%%|<!--|\$\$|\$")


def code_blocks(text: str, start: int) -> list[Region]:
    """Fenced (```/~~~, also inside lists and callouts) and indented code blocks."""
    blocks: list[Region] = []
    if "```" in text or "~~~" in text:
        blocks.extend(_fenced(text, start))
    if "\n    " in text or "\n\t" in text:
        blocks = _merge(blocks, _indented(text, start, blocks))
    return blocks


def _fenced(text: str, start: int) -> list[Region]:
    found = []
    pos = start
    while True:
        m = _FENCE_OPEN.search(text, pos)
        if not m:
            return found
        fence, info = m.group(1), m.group(2)
        if fence[0] == "`" and "`" in info:  # not a fence: an inline code span
            pos = m.end()
            continue
        closer = re.compile(rf"^(?:[ \t]*>)*[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*\r?$", re.MULTILINE)
        end_m = closer.search(text, m.end())
        end = end_m.end() if end_m else len(text)
        found.append(Region("code", m.start(), end))
        pos = end


def _indented(text: str, start: int, fences: list[Region]) -> list[Region]:
    """Indented code: 4+ columns after a blank line, outside list items (CommonMark)."""
    found = []
    in_list = prev_blank = False
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
        indented = line.startswith(("    ", "\t"))
        if block_start is not None:
            if indented:
                prev_blank = False
                continue
            found.append(Region("code", block_start, line_start))
            block_start = None
        if indented and prev_blank and not in_list:
            block_start = line_start
        elif _LIST_ITEM.match(line):
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


def inline_regions(text: str, start: int, end: int) -> list[Region]:
    """Inline code, comments and math in ``text[start:end]`` (a stretch with no code block)."""
    found: list[Region] = []
    pos = start
    search = _INLINE.search
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
            region = _code_span(text, s, len(tok), end)
        elif tok == "%%":
            close = text.find("%%", s + 2, end)
            stop = end if close == -1 else close + 2
            line_start = text.rfind("\n", 0, s) + 1
            block = not text[line_start:s].strip(" \t>")
            region = Region("comment" if block else "inline-comment", s, stop)
        elif tok == "<!--":
            close = text.find("-->", s + 4, end)
            region = Region("html-comment", s, end if close == -1 else close + 3)
        elif tok == "$$":
            region = _display_math(text, s, end)
        else:
            region = _inline_math(text, s, end)
        if region is None:
            pos = m.end()
            continue
        found.append(region)
        pos = region.end
    return found


def _code_span(text: str, s: int, n: int, end: int) -> Region | None:
    limit = _paragraph_end(text, s)
    limit = min(limit, end)
    run = re.compile(rf"(?<!`)`{{{n}}}(?!`)")
    m = run.search(text, s + n, limit)
    return Region("inline-code", s, m.end()) if m else None


def _display_math(text: str, s: int, end: int) -> Region | None:
    """``$$ ... $$``: closes at the next ``$$`` (a lone ``$`` inside is TeX)."""
    close = s + 2
    while True:
        close = text.find("$$", close, end)
        if close == -1:
            return None
        if text[close - 1] != "\\":
            return Region("display-math", s, close + 2)
        close += 2


def _inline_math(text: str, s: int, end: int) -> Region | None:
    """``$...$``: the opener is not followed by whitespace; the closer is not preceded by
    whitespace nor followed by a digit; both lie in one paragraph."""
    if s + 1 >= end or text[s + 1].isspace():
        return None
    limit = min(_paragraph_end(text, s), end)
    pos = s + 1
    while True:
        close = text.find("$", pos, limit)
        if close == -1:
            return None
        if text[close - 1] == "\\":
            pos = close + 1
            continue
        if text[close - 1].isspace() or (close + 1 < len(text) and text[close + 1].isdigit()):
            pos = close + 1
            continue
        return Region("math", s, close + 1)


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
