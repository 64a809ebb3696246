"""The vault-wide index every rule may consult: names, paths, headings, block ids, aliases.

Built once per run from all parsed notes plus the list of every file in the vault
(attachments included).  Link resolution follows Obsidian's ``getLinkpathDest`` (see
``shared/docs/obsidian-semantics.md`` section 2.1): case-insensitive, NFC, file names only
(aliases never resolve a link), ``.md`` optional for notes, ``./`` and ``../`` relative,
``/`` vault-absolute, else a path-suffix match with same-folder candidates first, then the
shortest path, then alphabetical order.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from vaultkit.model import Note


def fold(text: str) -> str:
    """The key Obsidian compares names with: NFC, lower case."""
    return unicodedata.normalize("NFC", text).lower()


@dataclass(frozen=True)
class VaultSettings:
    """The parts of ``.obsidian/`` that change how notes are read."""

    property_types: Mapping[str, str] = field(default_factory=dict)  # from types.json, keys folded
    app: Mapping[str, Any] = field(default_factory=dict)  # app.json


class VaultIndex:
    """Read-only view of the whole vault, shared by all rules of a run."""

    def __init__(self, notes: Iterable[Note], files: Iterable[str], settings: VaultSettings | None = None):
        self.notes: dict[str, Note] = {note.rel: note for note in notes}
        self.files: frozenset[str] = frozenset(files) | frozenset(self.notes)
        self.settings = settings or VaultSettings()
        by_name: dict[str, list[str]] = defaultdict(list)
        for rel in self.files:
            by_name[fold(rel.rsplit("/", 1)[-1])].append(rel)
        self._by_name = {name: tuple(sorted(paths)) for name, paths in by_name.items()}

    def note(self, rel: str) -> Note | None:
        return self.notes.get(rel)

    def candidates(self, linkpath: str, source: str) -> tuple[str, ...]:
        """Every file ``linkpath`` could name, best first, as Obsidian orders them."""
        path = linkpath.strip()
        if not path:
            return (source,)
        folded = fold(path)
        last = folded.rsplit("/", 1)[-1]
        found = self._by_name.get(last, ()) if "." in last else ()
        if not found:
            last, folded = last + ".md", folded + ".md"
            found = self._by_name.get(last, ())
        if not found:
            return ()
        if folded.startswith(("./", "../")):
            base = posixpath.dirname(source)
            wanted = posixpath.normpath(posixpath.join(base, folded))
            return tuple(p for p in found if fold(p) == wanted)
        absolute = folded.startswith("/")
        folded = folded.lstrip("/")
        exact = tuple(p for p in found if fold(p) == folded)
        if exact or absolute:
            return exact
        if "/" not in folded and len(found) == 1:
            return found
        suffix = tuple(
            p for p in found if fold(p).endswith(folded) and (len(p) == len(folded) or fold(p)[-len(folded) - 1] == "/")
        )
        folder = posixpath.dirname(source)
        prefix = fold(folder + "/") if folder else ""
        return tuple(
            sorted(suffix, key=lambda p: (not (prefix and fold(p).startswith(prefix)) and bool(prefix), len(p), p))
        )

    def resolve(self, linkpath: str, source: str) -> str | None:
        """The vault-relative path a link from ``source`` opens, or None if unresolved."""
        found = self.candidates(linkpath, source)
        return found[0] if found else None

    @cached_property
    def aliases(self) -> dict[str, tuple[str, ...]]:
        """Folded alias -> notes declaring it (aliases never resolve links, but suggest them)."""
        table: dict[str, list[str]] = defaultdict(list)
        for note in self.notes.values():
            data = note.frontmatter.data if note.frontmatter else None
            values = data.get("aliases") if isinstance(data, dict) else None
            if isinstance(values, str):
                values = [values]
            if isinstance(values, list):
                for alias in values:
                    if isinstance(alias, str) and alias.strip():
                        table[fold(alias.strip())].append(note.rel)
        return {k: tuple(v) for k, v in table.items()}

    @cached_property
    def backlinks(self) -> dict[str, frozenset[str]]:
        """Folded link path (last segment, no extension) -> notes linking to that name.

        Keyed by name rather than resolved path so that the watcher can find the notes a
        newly created or deleted file affects (links that were broken or that it breaks).
        """
        table: dict[str, set[str]] = defaultdict(set)
        for note in self.notes.values():
            for link in note.links:
                if not link.external and link.target:
                    table[link_key(link.target)].add(note.rel)
        return {k: frozenset(v) for k, v in table.items()}


def link_key(path: str) -> str:
    """Folded last path segment without ``.md``: what links and files are matched on."""
    last = fold(path).rstrip("/").rsplit("/", 1)[-1]
    return last[:-3] if last.endswith(".md") else last
