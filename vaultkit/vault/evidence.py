"""Gather date evidence that needs I/O, at the edge, before the rules run.

Only notes that have an empty date property are looked at, so ``vaultkit check`` pays
nothing on a vault without empty dates.  Sources:

* git: the commit that first added the file, following renames.  One ``git log`` walks
  the history (newest first, stopping as soon as every wanted file is placed) instead of
  one ``git log --follow`` per file.  The author date is used: it survives rebases and
  cherry-picks, which rewrite the committer date.  Commits at the edge of a shallow clone
  add every file at once and prove nothing, so they are not evidence.
* file times: birth time where the system records one, and modification time.  Both are
  reset by copies, clones and syncs; they are collected here but used only when the user
  opts in through the rule's options.  Timestamps near the epoch or in the future are dropped.

The result is a :class:`~vaultkit.text.dates.DateFacts` for ``VaultIndex(dates=...)``.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from vaultkit.model import nfc
from vaultkit.text.dates import (
    BIRTH_TIME,
    EARLIEST,
    GIT,
    MODIFIED_TIME,
    DateEvidence,
    DateFacts,
    common_formats,
)
from vaultkit.vault.index import NoteFacts

GIT_TIMEOUT = 120  # seconds; a history walk longer than this is abandoned (no git evidence)


def gather(root: Path, notes: Sequence[NoteFacts], keys: Iterable[str]) -> DateFacts | None:
    """Evidence for every note of ``notes`` with an empty date key, plus the vault's date
    formats (from all ``notes``); None when no note has an empty date (nothing to do).
    Read from each note's :class:`~vaultkit.vault.index.NoteFacts` (the same tests as
    :func:`~vaultkit.text.dates.empty_keys` and :func:`~vaultkit.text.dates.vault_formats`),
    so no note need be at hand."""
    folded = {k.casefold() for k in keys}
    wanted = [f.rel for f in notes if not f.read_error and not folded.isdisjoint(f.empty_keys)]
    if not wanted:
        return None
    found: dict[str, list[DateEvidence]] = {rel: [] for rel in wanted}
    for rel, item in git_first_added(root, wanted).items():
        found[rel].append(item)
    for rel in wanted:
        found[rel].extend(file_times(root / rel))
    formats = common_formats((pair for facts in notes for pair in facts.date_shapes), folded)
    return DateFacts(evidence={rel: tuple(items) for rel, items in found.items()}, formats=formats)


def _plausible(timestamp: float) -> bool:
    return dt.datetime.fromtimestamp(timestamp).date() >= EARLIEST and timestamp <= time.time() + 86400


def file_times(path: Path) -> list[DateEvidence]:
    """Birth time (when recorded) and modification time, in local time."""
    try:
        info = os.stat(path)
    except OSError:
        return []
    out = []
    birth = getattr(info, "st_birthtime", None)
    for source, stamp, words in (
        (BIRTH_TIME, birth, "creation time"),
        (MODIFIED_TIME, info.st_mtime, "modification time"),
    ):
        if stamp is not None and _plausible(stamp):
            when = dt.datetime.fromtimestamp(stamp).astimezone()
            out.append(DateEvidence(source, when, f"the file's {words} ({when:%Y-%m-%d %H:%M})"))
    return out


def git(root: Path, *args: str) -> subprocess.Popen[bytes] | None:
    """Start ``git -C root ARGS`` (output on a pipe; no locks taken, no pager); None when git
    is not installed.  The one way vaultkit runs git."""
    try:
        return subprocess.Popen(
            ["git", "-C", str(root), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_PAGER": "cat"},
        )
    except OSError:  # git is not installed
        return None


def _repository(root: Path) -> tuple[str, set[str]] | None:
    """The vault's path inside its repository (``""`` or ``"sub/dir/"``) and the shallow
    boundary commits; None when the vault is not in a git work tree."""
    proc = git(root, "rev-parse", "--show-toplevel", "--git-path", "shallow")
    if proc is None:
        return None
    out, _ = proc.communicate()
    lines = out.decode("utf-8", "surrogateescape").splitlines()
    if proc.returncode != 0 or len(lines) < 2:
        return None
    top = os.path.realpath(lines[0])
    prefix = os.path.relpath(os.path.realpath(root), top).replace(os.sep, "/")
    if prefix.startswith(".."):
        return None
    shallow_file = Path(lines[1]) if os.path.isabs(lines[1]) else Path(root) / lines[1]
    try:
        shallow = set(shallow_file.read_text(encoding="ascii").split())
    except OSError:
        shallow = set()
    return ("" if prefix == "." else prefix + "/"), shallow


def _tracked(root: Path) -> set[str]:
    """Repository-relative paths of the files git tracks under the vault."""
    proc = git(root, "ls-files", "-z", "--full-name")
    if proc is None:
        return set()
    out, _ = proc.communicate()
    return {_nfc(raw) for raw in out.split(b"\x00") if raw} if proc.returncode == 0 else set()


def _nfc(raw: bytes) -> str:
    return nfc(raw.decode("utf-8", "surrogateescape"))


def git_first_added(root: Path, rels: Iterable[str]) -> dict[str, DateEvidence]:
    """For each vault-relative path, the commit that first added the file (renames followed).

    ``git log -z --name-status -M --topo-order`` lists commits children-first with their
    added (A), renamed (R) and other changes.  Walking it, each wanted file is known under
    the name it had at that point of history; a rename moves it to its old name, and the
    add ends its search.  The walk stops when every file is placed.  Files git does not
    track are left out first, so they never make it walk the whole history in vain.
    """
    repo = _repository(root)
    if repo is None:
        return {}
    prefix, shallow = repo
    tracked = _tracked(root)
    alias = {prefix + rel: rel for rel in rels if prefix + rel in tracked}  # name in history -> path today
    if not alias:
        return {}
    found: dict[str, DateEvidence] = {}
    proc = git(
        root,
        "-c",
        "core.quotepath=off",
        "log",
        "-z",
        "--topo-order",
        "--name-status",
        "-M",
        "--root",
        "--format=%x01%H %aI",
    )
    if proc is None or proc.stdout is None:
        return {}
    deadline = time.monotonic() + GIT_TIMEOUT
    buffer = b""
    try:
        while alias and time.monotonic() < deadline:
            chunk = proc.stdout.read1(1 << 16)  # type: ignore[attr-defined]  # a BufferedReader
            buffer += chunk
            records = buffer.split(b"\x01")
            buffer = records.pop() if chunk else b""
            for record in records:
                if record:
                    _walk_commit(record, alias, found, shallow)
            if not chunk:
                break
    finally:
        proc.kill()
        proc.communicate()
    return found


def _walk_commit(record: bytes, alias: dict[str, str], found: dict[str, DateEvidence], shallow: set[str]) -> None:
    fields = record.split(b"\x00")
    commit, _, stamp = fields[0].decode("ascii", "replace").partition(" ")
    items = [f.lstrip(b"\n") for f in fields[1:]]
    i = 0
    while i < len(items):
        status = items[i][:1]
        if status in (b"R", b"C"):
            old, new = _nfc(items[i + 1]), _nfc(items[i + 2])
            if status == b"R" and new in alias:
                alias[old] = alias.pop(new)
            i += 3
            continue
        if status == b"A" and i + 1 < len(items):
            path = _nfc(items[i + 1])
            rel = alias.pop(path, None)
            if rel is not None and commit not in shallow:
                when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
                found[rel] = DateEvidence(
                    GIT, when, f"the first git commit of the file ({commit[:7]}, {when:%Y-%m-%d})"
                )
        i += 2 if status else 1
