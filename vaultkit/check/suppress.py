"""Inline suppression with comments that stay invisible in Obsidian's reading view.

    %% vaultkit-disable-next-line broken-wikilink %%
    %% vaultkit-disable-line %%                      (on the line it is on)
    %% vaultkit-disable VK201 mojibake %%  ...  %% vaultkit-enable VK201 mojibake %%
    %% vaultkit-disable-file %%

HTML comments (``<!-- vaultkit-disable ... -->``) work the same.  Without rule names a
directive covers every rule.  A suppression can only switch findings off, never on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vaultkit.model import Note

_DIRECTIVE = re.compile(
    r"(?:%%|<!--)\s*vaultkit-(disable-next-line|disable-line|disable-file|disable|enable)\b([^%>]*?)\s*(?:%%|-->)?\s*$"
)
_COMMENT_KINDS = ("comment", "inline-comment", "html-comment")


@dataclass(frozen=True, slots=True)
class Suppression:
    rules: frozenset[str] | None  # names or codes; None means every rule
    first_line: int
    last_line: int  # inclusive

    def covers(self, line: int, name: str, code: str) -> bool:
        return self.first_line <= line <= self.last_line and (
            self.rules is None or name in self.rules or code in self.rules
        )


def suppressions(note: Note) -> tuple[Suppression, ...]:
    """Read the note's suppression directives."""
    if "vaultkit-" not in note.text:
        return ()
    found: list[Suppression] = []
    open_ranges: dict[str | None, int] = {}
    last = len(note.source_map.line_starts) + 1
    for region in note.regions:
        if region.kind not in _COMMENT_KINDS:
            continue
        m = _DIRECTIVE.match(note.text, region.start, region.end)
        if not m:
            continue
        kind, names = m.group(1), m.group(2).replace(",", " ").split()
        rules = frozenset(names) or None
        line = note.position(region.start)[0]
        if kind == "disable-next-line":
            end_line = note.position(region.end)[0]
            found.append(Suppression(rules, end_line + 1, end_line + 1))
        elif kind == "disable-line":
            found.append(Suppression(rules, line, line))
        elif kind == "disable-file":
            found.append(Suppression(rules, 0, last))
        elif kind == "disable":
            for key in names or [None]:
                open_ranges.setdefault(key, line)
        else:  # enable
            for key in names or list(open_ranges):
                start = open_ranges.pop(key, None)
                if start is not None:
                    found.append(Suppression(None if key is None else frozenset([key]), start, line))
    found.extend(
        Suppression(None if key is None else frozenset([key]), start, last) for key, start in open_ranges.items()
    )
    return tuple(found)
