"""What an editor asks about links -- where one goes, what can follow ``[[``, what a hover
says -- answered with the resolution code the link rules use, so an editor and
``vaultkit check`` never disagree about a link.

Everything here is pure: a parsed :class:`~vaultkit.model.Note` (the editor's text), the
:class:`~vaultkit.index.VaultIndex` and code-point offsets in, offsets and strings out; the
server converts offsets to LSP positions.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from typing import ClassVar

from vaultkit.model import Heading, Link, Note, fold
from vaultkit.rulekit.links import block_segment, is_ambiguous, segments, why_opened
from vaultkit.text.headings import strip_heading_for_link, walk
from vaultkit.vault.index import Target, VaultIndex

MAX_COMPLETIONS = 100  # more names than this: the list is marked incomplete and refined as the user types
# The wiki-link being typed before the cursor: [[target, [[target#heading or [[target#^block
_TYPING = re.compile(r"!?\[\[(?P<target>[^\[\]|#^\n]*)(?:#(?P<sub>[^\[\]|\n]*))?$")


@dataclass(frozen=True, slots=True)
class Place:
    """A span of a vault file (``start == end == 0`` for the file as a whole)."""

    path: str
    start: int = 0
    end: int = 0


def link_at(note: Note, offset: int) -> Link | None:
    """The internal link under ``offset`` (its brackets included)."""
    for link in note.links:
        if not link.external and link.start <= offset <= link.end:
            return link
    return None


def target_of(note: Note, index: VaultIndex, link: Link) -> Target:
    """The link's candidates exactly as the rules see them (``VaultIndex.outgoing``)."""
    for target in index.outgoing(note):
        if target.link == link:
            return target
    found = index.candidates(link.target, note.rel)
    return Target(link, found, found[0] if found else None)


def destination(note: Note, index: VaultIndex, link: Link) -> Place | None:
    """Where ``link`` leads: the heading line or block it names, else the file; None when
    it names no file.  A heading or block that does not exist leads to the file."""
    path = target_of(note, index, link).path
    if path is None:
        return None
    linked = index.notes.get(path)
    parts = segments(link.subpath)
    if linked is None or not parts:
        return Place(path)
    block = block_segment(parts)
    if block is not None:
        wanted = fold(block.text[1:].strip())
        for found in linked.blocks:
            if fold(found.id) == wanted:
                return Place(path, found.start, found.end)
        return Place(path)
    result = walk(index.heading_keys(path), [p.text for p in parts])
    if result.matched == len(parts):
        heading = linked.headings[result.after - 1]
        return Place(path, heading.start, heading.end)
    return Place(path)


def hover_text(note: Note, index: VaultIndex, link: Link) -> str:
    """Markdown saying where a link resolves, and why when several files fit."""
    target = target_of(note, index, link)
    written = link.target or note.name
    if target.path is None:
        return f"`{written}`: no file of this name in the vault"
    lines = [f"`{written}` → `{target.path}`"]
    place = destination(note, index, link)
    linked = index.notes.get(target.path)
    if link.subpath and place is not None and linked is not None:
        if place.start or place.end:
            line = linked.position(place.start)[0]
            lines.append(f"`{link.subpath}` → line {line}: `{linked.text[place.start : place.end].strip()}`")
        else:
            lines.append(f"`{link.subpath}`: not found in `{target.path}`")
    others = list(target.candidates[1:])
    if others:
        why = why_opened(note.rel, target.path, others)
        lines.append(
            f"{len(target.candidates)} files fit; Obsidian opens `{target.path}` because {why}. "
            "Also: " + ", ".join(f"`{o}`" for o in others)
        )
        if not is_ambiguous(note, target):
            lines[-1] += " (it sits in this note's folder, so the link is not ambiguous)"
    return "\n\n".join(lines)


@dataclass(frozen=True, slots=True)
class Completion:
    """One completion: ``text`` replaces ``[start, end)`` of the note (what was typed)."""

    label: str
    text: str
    start: int
    end: int
    kind: str  # "note" | "file" | "heading" | "block"
    detail: str


def completions(note: Note, index: VaultIndex, offset: int) -> tuple[list[Completion], bool]:
    """What can be written at ``offset`` inside a ``[[`` link, and whether the list was cut
    short (then the editor asks again as the user types)."""
    line_start = note.text.rfind("\n", 0, offset) + 1
    typing = _TYPING.search(note.text, line_start, offset)
    if typing is None:
        return [], False
    sub = typing.group("sub")
    if sub is None:
        return _names(note, index, typing.group("target"), typing.start("target"), offset)
    path = index.resolve(typing.group("target"), note.rel) if typing.group("target").strip() else note.rel
    linked = index.notes.get(path) if path else None
    if linked is None:
        return [], False
    start = typing.start("sub")
    if sub.startswith("^"):
        wanted = fold(sub[1:])
        items = [
            Completion("^" + b.id, "^" + b.id, start, offset, "block", _line_of(linked, b.start))
            for b in linked.blocks
            if wanted in fold(b.id)
        ]
        return items, False
    wanted = fold(sub.rsplit("#", 1)[-1])
    start += len(sub) - len(sub.rsplit("#", 1)[-1])  # complete the last part of #A#B
    items = [_heading(linked, h, start, offset) for h in linked.headings if wanted in fold(h.text)]
    return items, False


def _line_of(note: Note, offset: int) -> str:
    return note.text[note.source_map.line_start(note.position(offset)[0]) : offset].strip()[:80]


def _heading(note: Note, heading: Heading, start: int, end: int) -> Completion:
    text = strip_heading_for_link(heading.text)
    return Completion(text, text, start, end, "heading", "#" * heading.level + " " + heading.text)


class _NameTable:
    """(folded link name, folded path, path) of every file, built once per set of files: the
    index shares its ``names`` table across edits, so this is rebuilt only when files come or go."""

    source: ClassVar[dict[str, tuple[str, ...]] | None] = None
    rows: ClassVar[list[tuple[str, str, str]]] = []

    @classmethod
    def of(cls, index: VaultIndex) -> list[tuple[str, str, str]]:
        names = index.names
        if cls.source is not names:
            cls.rows = [(key, fold(rel), rel) for key, paths in names.items() for rel in paths]
            cls.source = names
        return cls.rows


def _names(note: Note, index: VaultIndex, typed: str, start: int, end: int) -> tuple[list[Completion], bool]:
    """Files whose name (or path, once a ``/`` is typed) contains what was typed: names that
    start with it first, then shorter paths."""
    wanted = fold(typed.strip())
    column = 1 if "/" in wanted else 0
    found = [
        (not row[column].startswith(wanted), len(row[2]), row[2])
        for row in _NameTable.of(index)
        if wanted in row[column]
    ]
    best = heapq.nsmallest(MAX_COMPLETIONS, found)
    items = []
    for _, _, rel in best:
        is_note = rel.lower().endswith(".md")
        text = index.link_text(rel, note.rel) if is_note else rel.rsplit("/", 1)[-1]
        items.append(Completion(text, text, start, end, "note" if is_note else "file", rel))
    return items, len(found) > MAX_COMPLETIONS


@dataclass
class Symbol:
    """A heading and the headings under it."""

    heading: Heading
    children: list[Symbol]


def outline(note: Note) -> list[Symbol]:
    """The note's headings as a tree (a heading holds the deeper ones that follow it)."""
    roots: list[Symbol] = []
    stack: list[Symbol] = []
    for heading in note.headings:
        while stack and stack[-1].heading.level >= heading.level:
            stack.pop()
        symbol = Symbol(heading, [])
        (stack[-1].children if stack else roots).append(symbol)
        stack.append(symbol)
    return roots


def section_end(note: Note, symbol: Symbol) -> int:
    """Where a heading's section ends: at the next heading of its level or higher."""
    for heading in note.headings:
        if heading.start > symbol.heading.start and heading.level <= symbol.heading.level:
            return heading.start
    return len(note.text)
