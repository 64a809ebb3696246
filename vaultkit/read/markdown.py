"""Obsidian's own syntax -- wiki-links, embeds, Markdown links, headings, block ids, tags --
found with exact offsets.

The scanner works on a *masked* copy of the note: every region that is not prose (code,
math, block comments, HTML comments; see :mod:`vaultkit.read.regions`) is blanked with spaces,
keeping newlines, so offsets in the masked text are offsets in the note.  Inline ``%% %%``
comments are not masked: Obsidian indexes the links and tags inside them.
"""

from __future__ import annotations

import bisect
import re
import sys
from operator import attrgetter
from urllib.parse import unquote

from vaultkit.model import BlockId, FrontMatter, Heading, Link, Note, Region, Tag

_MASKED_KINDS = frozenset({"code", "inline-code", "math", "display-math", "comment", "html-comment"})

# Patterns start with a literal character (an optional "!" or a "^" alternative would make the
# regex engine try every position); the "!" of an embed is looked at by hand.  A link's text
# cannot hold a bare ``]``, so it can end in one place only: WIKILINK takes it greedily (the
# lazy ``+?`` tried the closing ``]]`` after every character), and MDLINK reads it once in a
# lookahead, which is never backtracked into (``(?=(...))\1``: Python 3.10 has no atomic
# groups), as runs of plain characters between ``[...]`` pairs, not an alternative per
# character.  Same matches; the wiki-link scan a quarter faster, the Markdown one twice (issue 13).
WIKILINK = re.compile(r"\[\[([^\[\]\n]+)\]\]")
PROPERTY_LINK = re.compile(r"([\"'])(\[\[([^\[\]\n]+?)\]\])\1")
MDLINK = re.compile(
    r"\[(?=([^\[\]\n]*(?:\[[^\[\]\n]*\][^\[\]\n]*)*))\1\]"
    r"\((<[^<>\n]*>|[^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*\)"
)
ATX = re.compile(r"^[ \t]{0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*\r?$", re.MULTILINE)
UNDERLINE = re.compile(r"\n[ \t]{0,3}(=+|-+)[ \t]*\r?$", re.MULTILINE)  # a setext heading's second line
# An id glued to an embed (``![[x.png]]^id``) is accepted: the help vault writes it in every
# locale, and whether Obsidian indexes it is unverified -- the lenient reading.
BLOCK_ID = re.compile(r"\^([A-Za-z0-9-]+)[ \t]*\r?$", re.MULTILINE)
_FIRST_HASH = re.compile(r"[ \t]*#")
# A line that may be an ATX heading (``#``) or a setext underline (``=`` or ``-``): both kinds
# looked for in one pass over the note, which cost as much as each pass did alone (issue 13).
_MARKED_LINE = re.compile(r"\n[ \t]{0,3}([#=-])")
TAG = re.compile(r"#([^\u2000-\u206F\u2E00-\u2E7F'!\"#$%&()*+,.:;<=>?@^`{|}~\[\]\\\s]+)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_START = attrgetter("start")
_NOT_PARAGRAPH = re.compile(r"[ \t]*(?:[-*+>#|]|\d{1,9}[.)]|```|~~~|\$\$)")


def _blank(chunk: str) -> str:
    """Spaces for every character of ``chunk`` but its line breaks."""
    if "\n" not in chunk:
        return " " * len(chunk)
    if "\r" not in chunk:
        return "\n".join([" " * len(line) for line in chunk.split("\n")])
    return "\n".join(
        [" " * (len(line) - 1) + "\r" if line.endswith("\r") else " " * len(line) for line in chunk.split("\n")]
    )


def mask(text: str, regions: tuple[Region, ...], start: int) -> str:
    """``text`` with front matter and masked regions blanked (newlines kept)."""
    return _mask_spans(text, [(0, start)] + [(r.start, r.end) for r in regions if r.kind in _MASKED_KINDS])


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    parts = []
    pos = 0
    for s, e in spans:
        if e <= pos:
            continue
        if s > pos:
            parts.append(text[pos:s])
        else:
            s = pos
        # most spans (inline math and code) hold no line break: blank them without a copy
        parts.append(" " * (e - s) if text.find("\n", s, e) == -1 else _blank(text[s:e]))
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted by start, overlapping ones merged (so that :func:`_inside` is exact)."""
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _wikilink(
    embed: bool,
    inner: str,
    start: int,
    end: int,
    inner_start: int,
    in_comment: bool = False,
    in_property: str | None = None,
) -> Link:
    """The link ``[[inner]]`` found at ``start``-``end``, ``inner`` starting at ``inner_start``.

    The display text starts after the first ``|`` (``\\|`` in tables); the path ends at the
    first ``#`` (Obsidian's ``parseLinktext``).  An empty path before ``|`` is not an alias
    separator (``[[|x]]`` links to "|x").  Split here rather than in a helper of its own: a
    vault has tens of thousands of links, and a call per link costs.
    """
    bar = inner.find("|")
    display = None
    head = inner
    if bar > 0:
        head, display = inner[:bar], inner[bar + 1 :]
        if head.endswith("\\"):
            head = head[:-1]
    hash_pos = head.find("#")
    path, subpath = (head, None) if hash_pos == -1 else (head[:hash_pos], head[hash_pos:])
    # positional: keywords cost a third more here
    return Link(
        "wiki",
        embed,
        path.strip(),
        subpath,
        display,
        start,
        end,
        inner_start,
        inner_start + len(path),
        False,
        in_comment,
        in_property,
    )


def wikilinks(text: str, masked: str, comment_spans: list[tuple[int, int]]) -> list[Link]:
    """Wiki-links found in ``masked``; their parts are read from ``text``, so that math or
    code inside a link (``[[#$y'' = f(x)$ type]]``) stays part of its target."""
    found = []
    for m in WIKILINK.finditer(masked):
        start, end = m.span()
        embed = start > 0 and masked[start - 1] == "!"
        start -= embed
        if start and masked[start - 1] == "\\":
            continue
        inner_start, inner_end = m.span(1)
        inner = text[inner_start:inner_end]
        if inner.isspace():  # (never empty: the pattern takes one character or more)
            continue
        in_comment = bool(comment_spans) and _inside(start, comment_spans)
        found.append(_wikilink(embed, inner, start, end, inner_start, in_comment))
    return found


def property_links(text: str, fm: FrontMatter | None) -> list[Link]:
    """Links in properties, as Obsidian indexes them (its ``frontmatterLinks``).

    A property value -- or one item of a list value -- that is a quoted string holding
    exactly one wiki-link (``up: "[[Index]]"``, ``- "[[Note#Part]]"``).  An unquoted
    ``[[x]]`` is YAML for a nested list, not a link.  A link inside a longer text value is
    not taken: whether Obsidian indexes those is unverified, and skipping them is the
    lenient reading.
    """
    if fm is None or not fm.data or "[[" not in text[fm.inner_start : fm.inner_end]:
        return []
    found = []
    for key in fm.keys:
        value = fm.data.get(key.key)
        whole = {v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)}
        for m in PROPERTY_LINK.finditer(text, key.value_start, key.value_end):
            inner = m.group(3)
            if m.group(2) in whole and inner.strip():
                found.append(_wikilink(False, inner, m.start(2), m.end(2), m.start(3), in_property=key.key))
    return found


def markdown_links(
    text: str, masked: str, taken: list[tuple[int, int]], comment_spans: list[tuple[int, int]]
) -> list[Link]:
    """Markdown links found in ``masked``, their parts read from ``text`` (as for wiki-links)."""
    found = []
    for m in MDLINK.finditer(masked):
        start = m.start()
        embed = start > 0 and masked[start - 1] == "!"
        start -= embed
        if _inside(start, taken) or (start and masked[start - 1] == "\\"):
            continue
        dest = text[m.start(2) : m.end(2)]
        t_start, t_end = m.start(2), m.end(2)
        if dest.startswith("<"):
            dest, t_start, t_end = dest[1:-1], t_start + 1, t_end - 1
        if not dest:
            continue  # [alias]() is not indexed
        external = bool(SCHEME.match(dest))
        if external:
            path, subpath = dest, None
        else:
            hash_pos = dest.find("#")
            raw_path, raw_sub = (dest, None) if hash_pos == -1 else (dest[:hash_pos], dest[hash_pos:])
            path, subpath = unquote(raw_path).strip(), unquote(raw_sub) if raw_sub else None
            t_end = t_start + len(raw_path)
        in_comment = bool(comment_spans) and _inside(start, comment_spans)
        # (positional, as in _wikilink)
        found.append(
            Link(
                "markdown",
                embed,
                path,
                subpath,
                text[m.start(1) : m.end(1)],
                start,
                m.end(),
                t_start,
                t_end,
                external,
                in_comment,
            )
        )
    return found


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """Is ``pos`` in one of ``spans`` (sorted, not overlapping)?  Bisected: a scan of every
    span per link made a note with thousands of comments and links quadratic (issue 18)."""
    i = bisect.bisect_right(spans, (pos, sys.maxsize)) - 1
    return i >= 0 and pos < spans[i][1]


def headings(text: str, masked: str) -> list[Heading]:
    """ATX and setext headings, found in line order, which is the order of their starts (a
    setext heading starts on the line before its underline, and no line is both)."""
    found: list[Heading] = []
    if _FIRST_HASH.match(masked):
        _atx(text, masked, 0, found)
    taken = -1  # a line that underlines one heading cannot be the text of the next
    for mark in _MARKED_LINE.finditer(masked):
        if mark.group(1) == "#":
            _atx(text, masked, mark.start() + 1, found)
            continue
        m = UNDERLINE.match(masked, mark.start())
        if m is None:
            continue
        s = masked.rfind("\n", 0, m.start()) + 1
        line = masked[s : m.start()]
        indent = len(line) - len(line.lstrip(" \t"))
        if s <= taken or indent > 3 or not line.strip() or _NOT_PARAGRAPH.match(line):
            continue
        if not UNDERLINE.match(text, m.start()):
            continue  # only looked like one once masked: ``- `code` `` is a list item
        level = 1 if m.group(1)[0] == "=" else 2
        found.append(Heading(level=level, text=text[s : m.start()].strip(), start=s + indent, end=m.end()))
        taken = m.end()
    return found


def _atx(text: str, masked: str, line_start: int, found: list[Heading]) -> None:
    """The ATX heading on the line at ``line_start``, if it is one, added to ``found``."""
    m = ATX.match(masked, line_start)
    if m is None:
        return
    # The masked line says where a heading is; its text comes from the real line, so
    # that inline code, math and comments in it stay part of it (`### `hasTag()``).
    start, end = m.span()
    if masked.startswith(text[start:end], start):  # nothing on the line was masked
        content = m.group(2)
    else:
        real = ATX.match(text, start, end)
        content = real.group(2) if real else None
    found.append(Heading(len(m.group(1)), (content or "").strip(), start, end))


def block_ids(masked: str) -> list[BlockId]:
    found = []
    for m in BLOCK_ID.finditer(masked):
        s = m.start()
        # after a space, at the start of a line, or glued to an embed (see BLOCK_ID)
        if s == 0 or masked[s - 1] in " \t\n" or masked.startswith("]]", s - 2):
            found.append(BlockId(id=m.group(1), start=s, end=m.end(1)))
    return found


def note_tags(note: Note) -> tuple[Tag, ...]:
    """The tags of a parsed note (what :attr:`Note.tags <vaultkit.model.Note.tags>` gives, found
    on first use): its body masked again, with the spans of its links."""
    masked = mask(note.text, note.regions, note.body_start)
    if "#" not in masked:
        return ()
    return tuple(tags(masked, _union([(link.start, link.end) for link in note.links if link.in_property is None])))


def tags(masked: str, links: list[tuple[int, int]]) -> list[Tag]:
    """Tags in ``masked`` outside ``links`` (sorted, merged spans), read as if the links were
    blanked too: a tag may follow a link directly.  A tag cannot run into or out of a link (its
    characters exclude the brackets and parentheses that start and end one), so this is the
    scan of a second masked copy without making it (issue 13)."""
    found = []
    for m in TAG.finditer(masked):
        s = m.start()
        if links and _inside(s, links):
            continue
        if s and not masked[s - 1].isspace() and not (links and _inside(s - 1, links)):
            continue  # a tag starts a line or follows whitespace (`a#b`, URL fragments are not tags)
        body = m.group(1)
        if body.isdigit():  # (every character of ``\d`` is a digit: ``#1984`` is no tag)
            continue
        found.append(Tag(tag="#" + body, start=s, end=m.end()))
    return found


def scan(text: str, regions: tuple[Region, ...], body_start: int) -> tuple[list[Link], list[Heading], list[BlockId]]:
    """Find the links, headings and block ids of a note's body (its tags are found when asked
    for: :func:`note_tags`)."""
    masked = mask(text, regions, body_start)
    comments = [(r.start, r.end) for r in regions if r.kind == "inline-comment"]
    wiki = wikilinks(text, masked, comments) if "[[" in masked else []
    taken = [(link.start, link.end) for link in wiki]
    md = markdown_links(text, masked, taken, comments) if "](" in masked else []
    # Wiki-links come out of one left-to-right scan: in order and apart, as their spans are.
    # Only Markdown links need merging into them (most notes have none).
    links = sorted(wiki + md, key=_START) if md else wiki
    return (
        links,
        headings(text, masked) if "#" in masked or "\n=" in masked or "\n-" in masked else [],
        block_ids(masked) if "^" in masked else [],
    )
