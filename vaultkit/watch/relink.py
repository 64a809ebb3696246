"""Point links at a file's new path after it was renamed or moved outside Obsidian.

What Obsidian's "Automatically update internal links" does when a file moves inside the app,
done for moves it never saw (a file manager, a sync client, ``git mv``).  A link is
rewritten only when it opened the moved file before the move and no longer does: links
that still resolve -- a bare ``[[Note]]`` whose name is still unique, or links Obsidian
already updated -- are left alone.  The moved note's own relative links are checked the
same way.  The new link path is written as Obsidian writes new links
(:meth:`~vaultkit.vault.index.VaultIndex.link_text`: the ``newLinkFormat`` setting; ``.md`` kept
when the link had it; Markdown destinations percent-encoded), and only the path changes:
the heading or block part and the display text stay as they were.  The edits are minimal
and are written through the same compare-and-swap writer as ``vaultkit fix``.

A canvas's ``file`` nodes (and group backgrounds) name files by their full vault path, as
Obsidian writes them: one that named a moved file is rewritten to its new path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from vaultkit.api import Edit
from vaultkit.rulekit.links import target_edits
from vaultkit.vault.index import VaultIndex


@dataclass(frozen=True)
class Rewrite:
    """The edits for one note, and which links they move: ``(old target, new target)``."""

    path: str
    edits: tuple[Edit, ...]
    moved: tuple[tuple[str, str], ...]


def _written(index: VaultIndex, rel: str, source: str, with_md: bool) -> str:
    text = index.link_text(rel, source)
    return text + ".md" if with_md and rel.lower().endswith(".md") and not text.lower().endswith(".md") else text


def rewrites(
    renamed: Sequence[tuple[str, str]],
    before: VaultIndex,
    after: VaultIndex,
    linkers: Callable[[str], Iterable[str]],
) -> list[Rewrite]:
    """The link rewrites that ``renamed`` (old path, new path) calls for.

    ``before`` and ``after`` are the indexes around the batch that moved the files;
    ``linkers(old_path)`` names the notes that may link to a file by that path's name.
    """
    moved: Mapping[str, str] = dict(renamed)
    origin = {new: old for old, new in renamed}
    sources = {rel for old, _ in renamed for rel in linkers(old)} | set(origin)
    out = []
    for rel in sorted(sources):
        note = after.notes.get(rel)
        if note is None or note.read_error:
            continue
        was = origin.get(rel, rel)
        edits: list[Edit] = []
        changes = []
        for link in note.links:
            if link.external or not link.target:
                continue
            target = before.resolve(link.target, was)
            if target is None:
                continue
            expected = moved.get(target, target)
            if expected not in after.files or after.resolve(link.target, rel) == expected:
                continue
            text = _written(after, expected, rel, link.target.lower().endswith(".md"))
            edits.extend(target_edits(note, link, text))
            changes.append((target, expected))
        if edits:
            out.append(Rewrite(rel, tuple(edits), tuple(changes)))
    return out + _canvas_rewrites(moved, before, after)


def _canvas_rewrites(moved: Mapping[str, str], before: VaultIndex, after: VaultIndex) -> list[Rewrite]:
    """Point canvas file nodes that showed a moved file at its new path."""
    out = []
    for rel in sorted(after.documents):
        canvas = after.canvas(rel)
        edits: list[Edit] = []
        changes: list[tuple[str, str]] = []
        for node in canvas.files if canvas else ():
            target = before.file_at(node.file)
            expected = moved.get(target) if target else None
            if target is None or expected is None or node.start == node.end or after.file_at(node.file) == expected:
                continue
            edits.append(Edit(node.start, node.end, json.dumps(expected, ensure_ascii=False)))
            changes.append((target, expected))
        if edits:
            out.append(Rewrite(rel, tuple(edits), tuple(changes)))
    return out
