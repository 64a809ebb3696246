"""Dates for empty date properties: evidence records, the vault's date format, path dates.

Everything here is pure, so rules may use it.  The evidence that needs I/O (git history,
file times) is gathered before the rules run by :mod:`vaultkit.vault.evidence` and reaches the
``empty-date`` rule through :attr:`VaultIndex.dates <vaultkit.vault.index.VaultIndex>` as a
:class:`DateFacts`.  A date found in the note's own path needs no I/O and is read here.

Never "now" and never the epoch: a date is only ever taken from something that recorded it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache

from vaultkit.model import Note, YamlKey

# Sources, best first.  File times are reset by copies, clones and syncs, so they are opt-in.
GIT, PATH, BIRTH_TIME, MODIFIED_TIME = "git", "path", "birth-time", "modified-time"

EARLIEST = dt.date(1971, 1, 1)  # anything before is a zeroed timestamp, not a note's date
LATEST_YEAR = 2200


@dataclass(frozen=True, slots=True)
class DateEvidence:
    """Where a date comes from.  ``value`` is a ``datetime`` (aware, in the zone it was
    recorded in) when a time is known, else a ``date``; ``detail`` says it in words."""

    source: str
    value: dt.date
    detail: str


@dataclass(frozen=True)
class DateFacts:
    """What the edge found for the notes that have an empty date: per note, the evidence
    that needs I/O (git, file times), and per folded key the vault's usual value format
    (None: not computed, the rule computes it from the index)."""

    evidence: Mapping[str, tuple[DateEvidence, ...]] = field(default_factory=dict)
    formats: Mapping[str, DateFormat] | None = None


@dataclass(frozen=True, slots=True)
class DateFormat:
    """The shape of a date value as written: quoting, time part, seconds, UTC offset."""

    quote: str = ""
    time_sep: str | None = None  # "T" or " " when the value carries a time
    seconds: bool = False
    offset: str | None = None  # "Z", "+hh:mm" style (":") or "+hhmm" style ("")

    def render(self, value: dt.date) -> str:
        """``value`` written in this format.  A time is written only when the evidence has
        one (a date from a file name never gets an invented midnight)."""
        text = value.strftime("%Y-%m-%d")
        if self.time_sep and isinstance(value, dt.datetime):
            text += self.time_sep + value.strftime("%H:%M:%S" if self.seconds else "%H:%M")
            offset = value.utcoffset()
            if self.offset is not None and offset is not None:
                text += _offset_text(offset, self.offset)
        return f"{self.quote}{text}{self.quote}"


ISO_DATE = DateFormat()
ISO_DATETIME = DateFormat(time_sep="T", seconds=True)  # Obsidian's "Date & time" storage
TYPE_FORMATS = {"date": ISO_DATE, "datetime": ISO_DATETIME}

_SHAPE = re.compile(
    r"""(?P<q>["']?)\d{4}-\d{2}-\d{2}
    (?:(?P<sep>[T ])\d{2}:\d{2}(?P<sec>:\d{2}(?:\.\d+)?)?(?P<tz>Z|[+-]\d{2}(?P<colon>:?)\d{2})?)?
    (?P=q)""",
    re.VERBOSE,
)


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def is_date_text(value: str) -> bool:
    """True for the ISO 8601 dates and date-times Obsidian stores and Dataview reads."""
    if not _ISO.fullmatch(value.strip()):
        return False
    try:
        dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return False
    return True


def _offset_text(offset: dt.timedelta, style: str) -> str:
    if style == "Z" and not offset:
        return "Z"
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if style != '' else ''}{mins:02d}"


def shape_of(value_text: str) -> DateFormat | None:
    """The format of an existing value's source text (quotes included), or None."""
    m = _SHAPE.fullmatch(value_text.strip())
    if not m:
        return None
    q, sep, sec, tz, colon = m.group("q", "sep", "sec", "tz", "colon")
    return _format(q, sep, bool(sec), None if tz is None else "Z" if tz == "Z" else colon)


@cache
def _format(quote: str, time_sep: str | None, seconds: bool, offset: str | None) -> DateFormat:
    """One shared :class:`DateFormat` per shape: an index asks for the shape of every
    front-matter value of every note, and there are a few dozen shapes."""
    return DateFormat(quote=quote, time_sep=time_sep, seconds=seconds, offset=offset)


def is_empty(note: Note, key: YamlKey) -> bool:
    """True when a front-matter key is present with no value: ``date:``, ``date: ~``,
    ``date: ""`` (the same test for the rule and for the edge that gathers evidence)."""
    tag = key.tag
    if tag.endswith(":null"):
        return True
    return tag.endswith(":str") and not note.text[key.value_start : key.value_end].strip("'\" ")


def empty_keys(note: Note, keys: Iterable[str]) -> list[YamlKey]:
    """The note's top-level date keys (among ``keys``, case-insensitive) that are empty."""
    fm = note.frontmatter
    if fm is None or not fm.closed:  # keys are line-scanned when the YAML does not parse
        return []
    wanted = {k.casefold() for k in keys}
    return [key for key in fm.keys if key.key.casefold() in wanted and is_empty(note, key)]


def vault_formats(notes: Iterable[Note], keys: Iterable[str]) -> dict[str, DateFormat]:
    """Per folded key, the format most notes of the vault write that key's dates in."""
    wanted = {k.casefold() for k in keys}

    def shapes() -> Iterator[tuple[str, DateFormat | None]]:
        for note in notes:
            fm = note.frontmatter
            if fm is not None and fm.data:
                for key in fm.keys:
                    if (folded := key.key.casefold()) in wanted:
                        yield folded, shape_of(note.text[key.value_start : key.value_end])

    return common_formats(shapes(), wanted)


def common_formats(shapes: Iterable[tuple[str, DateFormat | None]], keys: Iterable[str]) -> dict[str, DateFormat]:
    """Per casefolded key among ``keys``, the most common of the (key, shape) pairs
    ``shapes`` (the first seen on a tie); None shapes are not dates and do not count."""
    wanted = {k.casefold() for k in keys}
    counts: dict[str, Counter[DateFormat]] = {}
    for folded, shape in shapes:
        if shape is not None and folded in wanted:
            counts.setdefault(folded, Counter())[shape] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in counts.items()}


_SEPARATED = re.compile(r"(?<!\d)(\d{4})([-_.])(\d{2})\2(\d{2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(?!\d)")
_YEAR, _TWO = re.compile(r"\d{4}"), re.compile(r"\d{2}")


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        found = dt.date(year, month, day)
    except ValueError:
        return None
    return found if found >= EARLIEST and year <= LATEST_YEAR else None


def _date_in_name(name: str) -> tuple[dt.date, str] | None:
    m = _SEPARATED.search(name)
    if m:
        found = _valid(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        if found:
            return found, m.group(0)
    m = _COMPACT.search(name)
    if m:
        found = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if found and m.group(4):  # a Zettelkasten id: 202301051230
            hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
            if hour < 24 and minute < 60 and second < 60:
                found = dt.datetime.combine(found, dt.time(hour, minute, second))
        if found:
            return found, m.group(0)
    return None


def path_evidence(rel: str) -> DateEvidence | None:
    """A date in the note's file name (``2023-01-05.md``, ``20230105 Meeting.md``,
    ``202301051230 Idea.md``), in a folder name, or spelled by folders (``Daily/2023/01/05.md``)."""
    parts = rel.split("/")
    stem = parts[-1][:-3] if parts[-1].lower().endswith(".md") else parts[-1]
    parts[-1] = stem
    found = _date_in_name(stem)
    if found:
        return DateEvidence(PATH, found[0], f"the date {found[1]!r} in the file name")
    if len(parts) >= 3 and _YEAR.fullmatch(parts[-3]) and _TWO.fullmatch(parts[-2]) and _TWO.fullmatch(stem):
        day = _valid(int(parts[-3]), int(parts[-2]), int(stem))
        if day:
            return DateEvidence(PATH, day, f"the folders {'/'.join(parts[-3:])!r}")
    for folder in reversed(parts[:-1]):
        found = _date_in_name(folder)
        if found:
            return DateEvidence(PATH, found[0], f"the date {found[1]!r} in the folder {folder!r}")
    return None
