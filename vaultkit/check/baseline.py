"""A baseline: the problems a vault had when vaultkit was adopted, so that only new ones fail.

``vaultkit check --write-baseline FILE`` records every problem; ``--baseline FILE`` then
reports only those not recorded.  A problem is recorded by its note, its rule code and the
text it flags -- not its line or column -- with a count, so an edit above a finding (or a
second copy of the same text elsewhere in the note) does not make an old finding new, and
fixing one of two identical findings is noticed.  The idea is detekt's and PHPStan's baseline
files; the file is JSON, sorted, one entry per line group, so it diffs well in review.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from vaultkit.check.engine import Problem
from vaultkit.errors import UsageError
from vaultkit.vault.index import VaultIndex

VERSION = 1
Key = tuple[str, str, str]


def key(problem: Problem, index: VaultIndex) -> Key:
    """What identifies a problem across unrelated edits: note, code, flagged text."""
    note = index.notes.get(problem.path)
    flagged = note.text[problem.start : problem.end] if note is not None else ""
    return problem.path, problem.code, flagged


def write(path: Path, problems: Iterable[Problem], index: VaultIndex) -> int:
    """Record ``problems`` in ``path``; returns how many were recorded."""
    counts = Counter(key(p, index) for p in problems)
    entries = [{"path": rel, "code": code, "text": text, "count": n} for (rel, code, text), n in sorted(counts.items())]
    try:
        path.write_text(
            json.dumps({"version": VERSION, "problems": entries}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the baseline: {exc.strerror}") from exc
    return sum(counts.values())


def read(path: Path) -> Counter[Key]:
    """The problems recorded in ``path`` (raises :class:`~vaultkit.errors.UsageError`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        return Counter({(e["path"], e["code"], e["text"]): int(e["count"]) for e in data["problems"]})
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the baseline: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"{path}: not a vaultkit baseline ({exc}); write one with --write-baseline") from exc


def new_problems(problems: Sequence[Problem], index: VaultIndex, recorded: Counter[Key]) -> list[Problem]:
    """The problems beyond those recorded (each recorded one absorbs one finding)."""
    left = Counter(recorded)
    out = []
    for problem in problems:
        k = key(problem, index)
        if left[k] > 0:
            left[k] -= 1
        else:
            out.append(problem)
    return out
