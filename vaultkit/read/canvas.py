"""Read a JSON Canvas file (``.canvas``, https://jsoncanvas.org/spec/1.0/) without judging it.

The index needs the ``file`` nodes of every canvas (they are links: a note placed on a board
has a backlink, a board pointing at a missing file is broken), and ``invalid-canvas`` needs the
parsed document and where things are in its text.  The standard library's JSON parser gives no
positions, so a node is located by searching for its ``"key": value`` pair in the text, which
is how Obsidian writes it (one pair per key, no reordering); a pair that is not found is
reported at the start of the file rather than guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FileNode:
    """A ``file`` node, or a group with a background image: ``file`` is the vault-relative
    path of the file it shows."""

    id: str
    file: str
    subpath: str | None
    key: str  # "file", or "background" for a group's image
    start: int  # offsets of the value (a JSON string, quotes included) in the text; 0, 0 when not found
    end: int


@dataclass(frozen=True, slots=True)
class Canvas:
    """A parsed canvas: ``data`` is None when the text is not JSON (``error`` says why)."""

    data: Any
    text: str = ""
    error: str | None = None
    error_offset: int = 0
    files: tuple[FileNode, ...] = ()

    def span(self, key: str, value: Any) -> tuple[int, int]:
        """Offsets of the first ``"key": value`` pair in the text, else (0, 0)."""
        return locate(self.text, key, value)


def locate(text: str, key: str, value: Any, pos: int = 0) -> tuple[int, int]:
    """Offsets of ``value`` written as the value of ``"key"`` in JSON ``text`` (the first
    such pair from ``pos`` on), else (0, 0)."""
    for written in dict.fromkeys([json.dumps(value, ensure_ascii=False), json.dumps(value)]):
        m = re.compile(rf'"{re.escape(key)}"\s*:\s*({re.escape(written)})').search(text, pos)
        if m:
            return m.start(1), m.end(1)
    return 0, 0


def read_canvas(text: str) -> Canvas:
    """Parse a canvas.  An empty file is an empty board, as Obsidian opens it."""
    if not text.strip():
        return Canvas({}, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Canvas(None, text, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", exc.pos)
    except RecursionError:
        return Canvas(None, text, "not valid JSON: nested too deeply")
    nodes = data.get("nodes") if isinstance(data, dict) else None
    files = []
    cursor = 0  # nodes are written in list order: each is searched for after the one before
    for node in nodes if isinstance(nodes, list) else ():
        if not isinstance(node, dict):
            continue
        key = {"file": "file", "group": "background"}.get(node.get("type"))  # type: ignore[arg-type]
        if key and isinstance(node.get(key), str) and node[key].strip():
            start, end = locate(text, key, node[key], cursor)
            cursor = max(cursor, end)
            subpath = node.get("subpath") if isinstance(node.get("subpath"), str) else None
            files.append(FileNode(str(node.get("id", "")), node[key], subpath, key, start, end))
    return Canvas(data, text, files=tuple(files))
