"""The re-run on a vault where nothing moved: the last report, read whole, no rule loaded.

``vaultkit check`` on an unchanged vault is the commonest run there is (an editor's save hook,
a pre-commit hook on a clean tree, a CI retry), and its answer is the last run's report.  The
check cache (:mod:`vaultkit.check.cache`) answers it without reading a note, but only after
the rules are loaded -- importing every rule and what it needs costs more than the rest of
the run -- and after every note's cache entry is read.  This module answers it before any of
that, from one signed blob, ``.vaultkit/report.bin``, holding the paths checked and their
problems, under a key that is :func:`state`:

* the cache's parse key (cache schema, vaultkit and Python versions, the size and time of
  vaultkit's own source files and the built-in rules', ``max-file-size``);
* the installed distributions, as each ``sys.path`` folder's modification time: installing,
  upgrading or removing a distribution adds or removes its ``.dist-info`` folder there, so
  a rule plugin that came, went or changed version changes the key (without importing
  :mod:`importlib.metadata` and scanning every distribution, which costs more than this
  whole run);
* the configuration as loaded, the rule selection given on the command line, the paths asked
  about, the vault's ``.obsidian`` settings, and git HEAD (date evidence comes from history);
* every file's path and every note's and document's stat signature
  (:func:`vaultkit.check.cache.signatures`: size, mtime, ctime, inode).  A file changed within
  :data:`vaultkit.check.cache.RACY` seconds of the run has no trusted signature; then there
  is no key and the run goes the long way, which hashes that file (the README's "a change
  that keeps the stat").

The blob is signed as the cache's blobs are (the per-user key, bound to the key above), so a
report that came with a vault, or was written for another state, is not read.  A run that
misses goes the usual way (the cache's per-note path) and writes the new report when it ends.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit.check import cache as vcache
from vaultkit.check.config import Config
from vaultkit.vault.atomic import replace_file
from vaultkit.vault.files import Listing, load_settings
from vaultkit.vault.statedir import STATE_DIR, read_private, state_dir

if TYPE_CHECKING:
    from vaultkit.check.engine import Problem


@dataclass
class Report:
    """What a run reported: the notes it checked and the problems it found, in order.  The notes
    checked are None when they are the listing's (every run over the whole vault): stored,
    they were the larger part of the report, read, verified and unpickled by every unchanged
    run, and the listing that the report's key holds has them already."""

    checked: list[str] | None
    problems: list[Problem]


def _installed() -> list[tuple[str, int, int]]:
    """Each folder Python imports from, with its modification time (see the module docstring);
    but the script's own folder, which Python puts first unless told not to (``-P``): that is
    the current folder for ``python -m vaultkit``, often the vault, whose time changes with
    every note added (the notes are in the key already), and distributions are not installed
    there."""
    found = []
    for entry in sys.path[0 if getattr(sys.flags, "safe_path", False) else 1 :]:
        try:
            info = os.stat(entry or ".")
        except OSError:
            found.append((entry, 0, 0))
        else:
            found.append((entry, info.st_mtime_ns, info.st_ino))
    return found


def state(
    root: Path,
    config: Config,
    selection: object,
    targets: Sequence[str] | None,
    listing: Listing,
    signatures: Mapping[str, vcache.Signature],
) -> str | None:
    """The key of the report a run with these inputs gives (see the module docstring); None
    when some note changed too recently for its stat to be trusted, or is gone since the
    listing.  ``signatures`` (:func:`vaultkit.check.cache.signatures`) must be taken before
    the run reads any note: a note changed afterwards then has another key."""
    if len(signatures) < len(listing.notes) + len(listing.ignored_notes) + len(listing.documents):
        return None  # gone since the listing: this run's report is not the vault's
    inputs = (
        vcache.parse_key(config.max_file_size),
        _installed(),
        repr(config),
        selection,
        targets,
        repr(load_settings(root)),
    )
    run = vcache.digest(*inputs)
    return vcache.vault_state(run, listing.files, signatures, vcache.git_head(root))


def _key(key: str) -> bytes | None:
    secret = vcache.user_secret()
    return None if secret is None else vcache.signing_key(secret, key)


def recall(root: Path, key: str) -> Report | None:
    """The report stored under ``key``; None when there is none (or it does not verify)."""
    found = read_private(root / STATE_DIR / vcache.REPORT)
    signing = _key(key) if found is not None else None
    data = vcache.unseal(signing, found[0], b"report") if found is not None and signing is not None else None
    report = vcache.loads(data)
    return report if isinstance(report, Report) else None


def remember(root: Path, key: str, report: Report) -> None:
    """Store ``report`` as the answer for ``key``; never raises (the report is an optimisation)."""
    signing = _key(key)
    if signing is None:
        return
    data = vcache.dumps(report)  # (fixes as constructor calls: the next run loads them faster)
    with contextlib.suppress(OSError):  # a read-only vault, a state folder that is not ours: run without
        replace_file(state_dir(root), vcache.REPORT, vcache.seal(signing, data, b"report"))
