"""Heading links the way Obsidian matches them: ``stripHeading`` and the heading-path walk.

Obsidian never compares a link's ``#Heading`` with the heading text directly.  Both sides
go through ``stripHeading`` -- ASCII punctuation becomes a space, whitespace runs collapse,
the ends are trimmed -- and are compared case-insensitively (``docs/obsidian-behaviour.md`` section 2).
A path ``#A#B#C`` walks the headings in document order: the first heading matching ``A``,
then the first later heading *deeper* than that one matching ``B``, and so on; so a later
duplicate heading is reached only through its parent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from vaultkit.model import fold, record

_HEADING_PUNCTUATION = str.maketrans(dict.fromkeys('!"#$%&()*+,.:;<=>?@^`{|}~/[]\\\r\n', " "))
_LINK_BREAKERS = re.compile(r"[:#|^\\\r\n]|%%|\[\[|\]\]")
_SPACES = re.compile(r"\s+")


def strip_heading(text: str) -> str:
    """Obsidian's ``stripHeading``: ASCII punctuation to spaces, spaces collapsed, trimmed.

    Full-width punctuation (``？``, ``：``) is kept, exactly as Obsidian keeps it.
    """
    return " ".join(text.translate(_HEADING_PUNCTUATION).split())


def strip_heading_for_link(text: str) -> str:
    """Obsidian's ``stripHeadingForLink``: what autocomplete writes after ``#`` for a heading."""
    return _SPACES.sub(" ", _LINK_BREAKERS.sub(" ", text)).strip()


@lru_cache(maxsize=8192)
def heading_key(text: str) -> str:
    """The key a heading and a link segment are compared on: stripped, NFC, lower case
    (cached: the same headings and link segments recur across a vault)."""
    return fold(strip_heading(text))


def loose_key(text: str) -> str:
    """A looser key for suggestions only: every punctuation mark, symbol and space dropped.

    Two headings with the same loose key differ only in case or punctuation (``？`` vs
    ``?``), which makes the suggestion a near certainty.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch)[0] not in "PS")


@record  # (not a frozen dataclass: one is made per heading link of the vault, five times faster)
class Walk:
    """Where a heading path stopped.

    ``matched`` segments matched; the path resolves when it equals the number of
    segments.  ``after`` is the index just past the last heading matched and ``level`` that
    heading's level (both 0 when nothing matched), so the headings that could have matched
    the failing segment are those in ``keys[after:]`` deeper than ``level``.
    """

    matched: int
    after: int
    level: int


def walk(keys: Sequence[tuple[int, str]], segments: Sequence[str]) -> Walk:
    """Follow ``segments`` (raw ``#A#B`` parts) through ``keys`` (level, heading_key) in order.

    Each next segment must match a heading strictly deeper than the previous match.  The
    walk does not stop at the end of the previous heading's section: no public source settles
    that detail, and not stopping is the lenient reading (``docs/obsidian-behaviour.md`` 2).
    """
    wanted = [heading_key(s) for s in segments]
    matched, level, index, after = 0, 0, 0, 0
    while matched < len(wanted) and index < len(keys):
        heading_level, key = keys[index]
        index += 1
        if heading_level > level and key == wanted[matched]:
            matched, level, after = matched + 1, heading_level, index
    return Walk(matched, after, level)
