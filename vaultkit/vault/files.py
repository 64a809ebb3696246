"""Where a vault starts and which files belong to it.

The root is the nearest folder (upwards) holding ``.obsidian/``, else one holding
``.vaultkit.toml``, else the folder given.  Walking skips hidden entries (``.obsidian``,
``.trash``, ``.git``, ``.vaultkit`` -- Obsidian does not index dot-files either), the
vault's ``userIgnoreFilters`` and configured excludes; directory symlinks are followed once
(a loop is reported, not followed forever).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaultkit.model import fold, nfc
from vaultkit.vault.index import VaultSettings

NOTE_SUFFIX = ".md"
STATE_DIR = ".vaultkit"


def state_dir(root: Path) -> Path:
    """The vault's ``.vaultkit/`` folder (undo journal, daemon files, check cache), created
    with a ``.gitignore`` of ``*`` when missing so that it never reaches a repository."""
    folder = Path(root) / STATE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        write_durably(ignore, b"# vaultkit's own state: undo journal, daemon files, check cache\n*\n")
    return folder


def write_durably(path: Path, data: bytes) -> None:
    """Write a small state file completely (temp + fsync + replace)."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def find_root(start: Path) -> Path:
    """The vault root for ``start`` (a file or folder)."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for marker in (".obsidian", ".vaultkit.toml"):
        for folder in (start, *start.parents):
            if (folder / marker).exists() and (marker != ".obsidian" or (folder / marker).is_dir()):
                return folder
    return start


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_settings(root: Path) -> VaultSettings:
    """Read ``.obsidian/app.json`` and ``types.json``; missing or broken files mean defaults."""
    app = _read_json(root / ".obsidian" / "app.json")
    types = _read_json(root / ".obsidian" / "types.json").get("types", {})
    types = {fold(k): v for k, v in types.items() if isinstance(v, str)} if isinstance(types, dict) else {}
    return VaultSettings(property_types=types, app=app)


def ignore_matcher(filters: Iterable[str], excludes: Iterable[str]):
    """A predicate for vault-relative paths: Obsidian filters (path prefix, or ``/regex/``)
    and vaultkit excludes (glob patterns such as ``Templates/**``)."""
    prefixes: list[str] = []
    patterns: list[re.Pattern[str]] = []
    for item in filters:
        if not isinstance(item, str) or not item:
            continue
        if len(item) > 2 and item.startswith("/") and item.endswith("/"):
            try:
                patterns.append(re.compile(item[1:-1]))
            except re.error:
                continue
        else:
            prefixes.append(item.lstrip("/"))
    globs = list(excludes)

    def ignored(rel: str) -> bool:
        return (
            any(rel.startswith(p) for p in prefixes)
            or any(p.search(rel) for p in patterns)
            or any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(rel + "/", g) for g in globs)
        )

    return ignored


@dataclass
class Listing:
    """The files of a vault: notes to parse, every file for name resolution, and problems."""

    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    ignored_notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def list_files(root: Path, excludes: Iterable[str] = ()) -> Listing:
    """Walk the vault once.  Excluded files -- Obsidian's ``userIgnoreFilters`` and vaultkit's
    ``exclude`` globs -- are not checked, but they still resolve links (as in Obsidian), so
    they stay in ``files`` and excluded notes are still parsed for the index."""
    settings_filters = _read_json(root / ".obsidian" / "app.json").get("userIgnoreFilters") or []
    ignored = ignore_matcher(settings_filters, excludes)
    listing = Listing()
    seen_dirs: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        listing.warnings.append(f"{exc.filename}: cannot list folder: {exc.strerror}")

    for folder, dirs, files in os.walk(root, followlinks=True, onerror=on_error):
        try:
            stat = os.stat(folder)
        except OSError:
            dirs[:] = []
            continue
        key = (stat.st_dev, stat.st_ino)
        if key in seen_dirs:
            listing.warnings.append(f"{os.path.relpath(folder, root)}: symlink loop, not followed")
            dirs[:] = []
            continue
        seen_dirs.add(key)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if rel_folder == "." else nfc(rel_folder) + "/"
        for name in sorted(files):
            if name.startswith("."):
                continue
            rel = prefix + nfc(name)
            listing.files.append(rel)
            if name.lower().endswith(NOTE_SUFFIX):
                (listing.ignored_notes if ignored(rel) else listing.notes).append(rel)
    return listing
