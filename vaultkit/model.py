"""What vaultkit knows about one note: immutable records with exact source offsets.

Every offset is an index into ``Note.text`` -- the decoded file content exactly as it is on
disk (no newline normalisation, BOM removed), so a text edit at those offsets changes nothing
else in the file.  Lines and columns are derived through ``SourceMap`` only when reporting.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

_T = TypeVar("_T")
_LINE_BREAK = re.compile("\n")

if TYPE_CHECKING:  # (typing_extensions for Python 3.10's type checker; nothing of it runs)
    from typing_extensions import dataclass_transform

    @dataclass_transform(frozen_default=True)
    def record(cls: type[_T]) -> type[_T]: ...
else:

    def record(cls: type[_T]) -> type[_T]:
        """A slotted dataclass for the records a parse makes by the hundred thousand (links,
        headings, regions...).  They are immutable by contract, and the type checker holds
        every caller to it (``frozen_default`` above: assigning a field is a type error); at
        run time they are not frozen, since a frozen dataclass sets each field through
        ``object.__setattr__``, which made constructing one five times slower and cost
        about a tenth of a cold check (issue 13).  Equality and hashing are a frozen
        dataclass's (``unsafe_hash``: the hash of the fields)."""
        return dataclass(slots=True, unsafe_hash=True)(cls)

# Name keys.  Obsidian compares file names and link paths after NFC normalisation (macOS file
# systems hand out NFD names) and case-insensitively; every layer uses these three, so that a
# name is never folded two ways.


def nfc(text: str) -> str:
    """``text`` in Unicode NFC, the form Obsidian stores and compares names in."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """The key Obsidian compares names with: NFC, lower case."""
    return nfc(text).lower()


def link_key(path: str) -> str:
    """Folded last path segment without ``.md``: what links and files are matched on."""
    last = fold(path).rstrip("/").rsplit("/", 1)[-1]
    return last[:-3] if last.endswith(".md") else last


def folder_of(rel: str) -> str:
    """The folder of vault path ``rel`` ('' for the vault root)."""
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def note_name(rel: str) -> str:
    """The name of the note at vault path ``rel``: no folder, no ``.md`` extension."""
    base = rel.rsplit("/", 1)[-1]
    return base[:-3] if base.lower().endswith(".md") else base


@dataclass(slots=True)
class Budget:
    """A note's allowance of work for one kind of search, in units its searcher defines.

    Some searches cost more than linear time on hostile input: a link suggestion compares
    the target with every name in the vault, and TeX nesting rescans its stack.  They spend
    from a budget sized by the note's length; when it runs out the search stops, and the
    engine reports once that the note was too damaged to analyse fully, rather than let one
    note hold up the run (issue 18)."""

    what: str  # what stopped, for the message: "link suggestions", "math nesting"
    left: int
    exhausted: bool = False

    def spend(self, units: int) -> bool:
        """Take ``units`` of work; False (and exhausted from then on) when they are not left."""
        if self.exhausted or units > self.left:
            self.exhausted = True
            return False
        self.left -= units
        return True


@record
class SourceMap:
    """Maps offsets to 1-based (line, column); columns count code points, like ruff."""

    line_starts: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> SourceMap:
        # each line starts one past a line break: the ends of the breaks, found by the regex
        # engine and read by ``Match.end`` in C, take a quarter less CPU than sums of the
        # lengths of split lines (the split copied every line; issue 13)
        return cls((0, *map(re.Match.end, _LINE_BREAK.finditer(text))))

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based line and column of ``offset``."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based ``line``."""
        return self.line_starts[line - 1]


@record
class Decoded:
    """How the file's bytes became text.

    ``encoding`` is ``"utf-8"`` for clean files.  For files that are not UTF-8 it names the
    encoding the text was read with (a best guess, see ``confidence``) and ``error`` says why
    strict UTF-8 failed; such text is indexed but must never be written back blindly.
    """

    encoding: str = "utf-8"
    bom: bool = False
    error: str | None = None
    confidence: float = 1.0
    newline: str = "\n"


@record
class YamlKey:
    """A top-level front-matter key with the offsets of its key and value text."""

    key: str
    key_start: int
    key_end: int
    value_start: int
    value_end: int
    style: str | None  # None for plain scalars / collections, else the quote character or "|" ">"
    tag: str  # YAML node tag, e.g. "tag:yaml.org,2002:str", "...:seq", "...:null"


@record
class FrontMatter:
    """The ``---`` block at the top of a note.

    ``start``/``end`` cover the whole block including both delimiter lines and the final line
    break; ``inner_start``/``inner_end`` cover the YAML text only.  ``data`` is None when the
    YAML does not parse (``error`` then says why and ``error_offset`` points at it).
    """

    start: int
    end: int
    inner_start: int
    inner_end: int
    closed: bool
    data: dict[str, Any] | None
    keys: tuple[YamlKey, ...] = ()
    error: str | None = None
    error_offset: int | None = None
    duplicates: tuple[YamlKey, ...] = ()

    def key(self, name: str) -> YamlKey | None:
        """Find a top-level key case-insensitively, as Obsidian treats property names."""
        folded = name.casefold()
        for item in self.keys:
            if item.key.casefold() == folded:
                return item
        return None


@record
class Link:
    """A wiki-link, embed or Markdown link.

    ``target`` is the path before any ``#`` (unescaped, percent-decoded for Markdown links,
    trimmed), ``subpath`` the rest starting with ``#`` (``#Heading#Sub`` or ``#^id``) or None.
    ``target_start``/``target_end`` delimit the raw target text in the source (for fixes).
    ``external`` is true for URLs with a scheme (``https:``, ``mailto:``, ``obsidian:``).
    ``in_comment`` is true inside an inline ``%% %%`` comment (Obsidian still indexes those).
    ``in_property`` names the front-matter key for links found in properties.
    """

    kind: str  # "wiki" | "markdown"
    embed: bool
    target: str
    subpath: str | None
    display: str | None
    start: int
    end: int
    target_start: int
    target_end: int
    external: bool = False
    in_comment: bool = False
    in_property: str | None = None


@record
class Heading:
    level: int
    text: str
    start: int
    end: int


@record
class BlockId:
    id: str
    start: int  # offset of the "^"
    end: int


@record
class Tag:
    tag: str  # with its leading "#"
    start: int
    end: int


@record
class Region:
    """A stretch of text that is not ordinary Markdown prose.

    kinds: ``code`` (fenced/indented block), ``inline-code``, ``math`` (inline ``$``),
    ``display-math`` (``$$``), ``comment`` (``%% %%``), ``html-comment``.
    """

    kind: str
    start: int
    end: int


@record
class Note:
    """One parsed file of the vault.  Immutable; rules only read it.

    ``rel`` is the vault-relative path with ``/`` separators, NFC-normalised.  ``read_error``
    is set when the file could not be read or is not text (binary, too large, unreadable);
    such a note has empty ``text`` and only takes part in name resolution.
    """

    rel: str
    text: str
    decoded: Decoded
    frontmatter: FrontMatter | None
    body_start: int
    regions: tuple[Region, ...] = ()
    links: tuple[Link, ...] = ()
    headings: tuple[Heading, ...] = ()
    blocks: tuple[BlockId, ...] = ()
    read_error: str | None = None
    digest: str = ""
    size: int = 0
    # Made on first use, not by the parse: only a note with findings (or an editor's) needs
    # lines and columns, and finding every line start of every note was a twentieth of a
    # cold check's parse (issue 13).  Not a constructor argument, so not pickled either.
    _lines: SourceMap | None = field(default=None, init=False, repr=False, compare=False)
    # Tags too: no rule of vaultkit reads them (``vaultkit inspect`` and other programs' rules
    # may), and looking for them was a twenty-fifth of every parse.
    _tags: tuple[Tag, ...] | None = field(default=None, init=False, repr=False, compare=False)
    # How tags are found: set by :mod:`vaultkit.read.markdown`, a layer the model may not import.
    find_tags: ClassVar[Callable[[Note], tuple[Tag, ...]]]

    @property
    def source_map(self) -> SourceMap:
        """The note's line starts, found on first use."""
        lines = self._lines
        if lines is None:
            lines = SourceMap.of(self.text)
            object.__setattr__(self, "_lines", lines)  # (a cache, not a change: see ``record``)
        return lines

    @property
    def tags(self) -> tuple[Tag, ...]:
        """The note's ``#tags`` (outside code, math and comments), found on first use."""
        tags = self._tags
        if tags is None:
            tags = Note.find_tags(self)
            object.__setattr__(self, "_tags", tags)
        return tags

    @property
    def name(self) -> str:
        """File name without folder and without the ``.md`` extension."""
        return note_name(self.rel)

    @property
    def folder(self) -> str:
        """Vault-relative folder ('' for the vault root)."""
        return folder_of(self.rel)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset into ``text``."""
        return self.source_map.position(offset)
