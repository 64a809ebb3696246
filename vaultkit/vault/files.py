"""Where a vault starts and which files belong to it.

The root is the nearest folder (upwards, not past the top of a git work tree) that marks a
vault, else the git work tree, else the folder given (see :func:`find_root`).  Walking skips hidden entries (``.obsidian``,
``.trash``, ``.git``, ``.vaultkit`` -- Obsidian does not index dot-files either), the
vault's ``userIgnoreFilters`` and configured excludes.  Symlinks are followed only while they
stay inside the vault (folders once: a loop is reported, not followed forever).  One that
leads out of it is skipped with a warning that says why: a link to a private folder would
otherwise have its notes indexed, reported and served by the daemon, fix previews included.
``follow-external-symlinks = true`` opts in, for vaults that are deliberately assembled from
links.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from vaultkit.model import fold, nfc
from vaultkit.vault.index import VaultSettings

NOTE_SUFFIX = ".md"
# Files Obsidian opens as documents of their own and that vault-scope rules read: JSON Canvas
# boards and Bases views.  Their text is kept in the index; other attachments are only named.
DOCUMENT_SUFFIXES = (".canvas", ".base")
_TOOL_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*vaultkit\s*[\].]", re.MULTILINE)


def _configured(folder: Path) -> str | None:
    """Why ``folder`` holds vaultkit's configuration, if it does."""
    if (folder / ".vaultkit.toml").is_file():
        return "it holds .vaultkit.toml"
    pyproject = folder / "pyproject.toml"
    try:
        if pyproject.is_file() and _TOOL_TABLE.search(pyproject.read_text(encoding="utf-8", errors="replace")):
            return "its pyproject.toml has [tool.vaultkit]"
    except OSError:
        return None
    return None


class Root(NamedTuple):
    """A vault root, why it was chosen, and whether something marks it as a vault."""

    path: Path
    why: str
    marked: bool


def find_root(start: Path) -> Root:
    """The vault root for ``start`` (a file or folder), and why it was chosen.

    Upwards from ``start``, but not past the top of the enclosing git work tree: the nearest
    folder holding ``.obsidian/`` (so a configured subfolder never becomes a vault of its
    own), else the nearest holding ``.vaultkit.toml`` or a ``pyproject.toml`` with
    ``[tool.vaultkit]``, else the top of the git work tree (a notes repository that ignores
    ``.obsidian/``), else the folder itself or a file's folder.  The current directory plays
    no part: checking ``/tmp/x/Note.md`` from ``/`` must not index the whole disk, and
    checking a subfolder of a vault must not make it a vault of its own.
    """
    start = start.resolve()
    folder = start.parent if start.is_file() else start
    walk: list[Path] = []
    for candidate in (folder, *folder.parents):
        walk.append(candidate)
        if (candidate / ".git").exists():  # a directory, or a file in worktrees and submodules
            break
    for candidate in walk:
        if (candidate / ".obsidian").is_dir():
            return Root(candidate, "it holds .obsidian/", True)
    for candidate in walk:
        why = _configured(candidate)
        if why is not None:
            return Root(candidate, why, True)
    if (walk[-1] / ".git").exists():
        return Root(
            walk[-1], "it is the top of the git work tree, and no folder in it holds .obsidian/ or .vaultkit.toml", True
        )
    unmarked = "no .obsidian/, .vaultkit.toml or git work tree above it"
    return Root(folder, f"it is the folder {'of the file ' if folder != start else ''}given ({unmarked})", False)


# The Extended MathJax plugin (id ``obsidian-latex``) loads ``preamble.sty`` from the vault root
# (its README); a path in its settings, where a version has one, names another preamble.
LATEX_PLUGIN_SETTINGS = ".obsidian/plugins/obsidian-latex/data.json"
LATEX_PREAMBLE = "preamble.sty"


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def settings_from(read: Callable[[str], str | None]) -> VaultSettings:
    """The settings in ``.obsidian/`` (``app.json``, ``types.json``) and the math preamble a
    plugin loads, given ``read(vault-relative path) -> text or None``; missing or broken files
    mean defaults."""
    app = _json_object(read(".obsidian/app.json"))
    types = _json_object(read(".obsidian/types.json")).get("types", {})
    types = {fold(k): v for k, v in types.items() if isinstance(v, str)} if isinstance(types, dict) else {}
    named = [v for v in _json_object(read(LATEX_PLUGIN_SETTINGS)).values() if isinstance(v, str) and v.strip()]
    preambles = {}
    for path in dict.fromkeys([LATEX_PREAMBLE, *named]):
        relative = path.strip().lstrip("/")
        text = read(relative) if relative and not relative.startswith((".", "/")) and ".." not in relative else None
        if text is not None:
            preambles[relative] = text
    return VaultSettings(property_types=types, app=app, math_preambles=preambles)


def load_settings(root: Path) -> VaultSettings:
    """:func:`settings_from` the files under ``root``."""
    return settings_from(lambda rel: _read_text(root / rel))


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
    if not (prefixes or patterns or globs):
        return lambda rel: False  # (most vaults: no filter to try on every file)

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
    others: list[str] = field(default_factory=list)  # checked files that are not notes (attachments)
    documents: list[str] = field(default_factory=list)  # .canvas / .base files, excluded ones too
    # NFC path -> every spelling of it on disk, for the paths that have one that is not NFC
    spelled: dict[str, tuple[str, ...]] = field(default_factory=dict)


def on_disk(rel: str, spelled: Mapping[str, tuple[str, ...]]) -> str:
    """The path to open for the vault file ``rel``: itself when a file is spelled so on disk,
    else its first spelling there (a name in NFD, as macOS writes it, on a Linux disk)."""
    spellings = spelled.get(rel)
    return rel if not spellings or rel in spellings else spellings[0]


def spelled_on_disk(root: Path | str, rel: str) -> str:
    """The path to open for the NFC vault path ``rel``: itself when it exists, else the entry
    of its folder whose name is ``rel``'s in another normalisation (a name written on macOS,
    on a Linux disk); ``rel`` when there is none.  Lists the folder only in that rare case."""
    if os.path.lexists(os.path.join(root, rel)) or rel.isascii():
        return rel
    folder, _, name = rel.rpartition("/")
    parent = spelled_on_disk(root, folder) if folder else ""
    try:
        entries = os.listdir(os.path.join(root, parent))
    except OSError:
        return rel
    match = next((e for e in sorted(entries) if nfc(e) == name), None)
    return rel if match is None else (f"{parent}/{match}" if parent else match)


def leads_out(root: Path | str, rel: str) -> str | None:
    """Where ``root/rel`` really is when a symlink on the way leads out of the vault, else None."""
    base = os.path.realpath(root)
    real = os.path.realpath(os.path.join(base, rel))
    return None if real == base or real.startswith(base.rstrip(os.sep) + os.sep) else real


def printable(rel: str) -> str:
    """A path as it can be printed: bytes of a name that were not UTF-8 as ``\\udcXX``."""
    return rel.encode("utf-8", "backslashreplace").decode()


def _utf8(name: str) -> bool:
    """Whether a name from the file system was valid UTF-8 (Python keeps the bytes that were
    not as lone surrogates)."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _outside(rel: str, target: str) -> str:
    return (
        f"{rel}: a symlink out of the vault (to {target}); not read, since it may lead to private files"
        " (set follow-external-symlinks = true to include it)"
    )


def _walk(top: str, on_error: Callable[[OSError], None]) -> Iterator[tuple[str, list[str], list[str], set[str]]]:
    """``os.walk(top, followlinks=True)``, each folder also with the names in it that are
    symlinks: the folder listing says so (``DirEntry.is_symlink``), where ``os.path.islink``
    would cost a system call per file -- most of an unchanged run's listing time."""
    try:
        with os.scandir(top) as scan:
            entries = list(scan)
    except OSError as exc:
        on_error(exc)
        return
    dirs: list[str] = []
    files: list[str] = []
    links: set[str] = set()
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        (dirs if is_dir else files).append(entry.name)
        try:
            if entry.is_symlink():
                links.add(entry.name)
        except OSError:
            continue
    yield top, dirs, files, links
    for name in dirs:
        yield from _walk(os.path.join(top, name), on_error)


def list_files(root: Path, excludes: Iterable[str] = (), external_symlinks: bool = False) -> Listing:
    """Walk the vault once.  Excluded files -- Obsidian's ``userIgnoreFilters`` and vaultkit's
    ``exclude`` globs -- are not checked, but they still resolve links (as in Obsidian), so
    they stay in ``files`` and excluded notes are still parsed for the index.  Symlinks out
    of the vault are skipped (with a warning) unless ``external_symlinks``."""
    settings_filters = _json_object(_read_text(root / ".obsidian" / "app.json")).get("userIgnoreFilters") or []
    ignored = ignore_matcher(settings_filters, excludes)
    listing = Listing()
    seen_dirs: set[tuple[int, int]] = set()
    base = os.path.realpath(root)

    def skipped(folder: str, name: str, rel: str, links: set[str]) -> bool:
        """Whether ``folder/name`` (a symlink when in ``links``) leads out of the vault and is not followed."""
        if external_symlinks or name not in links:
            return False
        target = leads_out(base, os.path.relpath(os.path.join(folder, name), root))
        if target is not None:
            listing.warnings.append(_outside(rel, target))
        return target is not None

    def on_error(exc: OSError) -> None:
        listing.warnings.append(f"{exc.filename}: cannot list folder: {exc.strerror}")

    for folder, dirs, files, links in _walk(str(root), on_error):
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
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if rel_folder == "." else nfc(rel_folder) + "/"
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not skipped(folder, d, prefix + nfc(d), links))
        disk_prefix = "" if rel_folder == "." else rel_folder + "/"
        seen: set[str] = set()
        # (This loop runs once per file of the vault, on every run, an unchanged one included:
        # an ASCII name, the usual one, skips the normalisation and the UTF-8 test, and only a
        # name listed as a symlink is looked into.)
        for name in sorted(files):
            if name[0] == ".":
                continue
            ascii_name = name.isascii()
            rel = prefix + (name if ascii_name else nfc(name))
            if name in links and skipped(folder, name, rel, links):
                continue
            if not ascii_name and not _utf8(name):
                listing.warnings.append(
                    f"{printable(rel)}: the file name is not UTF-8 (shown"
                    " with escapes); vaultkit checks and fixes it, but Obsidian and sync clients may not"
                    " handle it: rename it"
                )
            disk = disk_prefix + name
            if rel in seen:  # the same name in another normalisation: one file to Obsidian's index
                listing.spelled[rel] = (*listing.spelled.get(rel, (rel,)), disk)
                continue
            seen.add(rel)
            if disk != rel:
                listing.spelled[rel] = (disk,)
            listing.files.append(rel)
            lower = name.lower()
            if lower.endswith(NOTE_SUFFIX):
                (listing.ignored_notes if ignored(rel) else listing.notes).append(rel)
                continue
            if lower.endswith(DOCUMENT_SUFFIXES):
                listing.documents.append(rel)
            if not ignored(rel):
                listing.others.append(rel)
    return listing
