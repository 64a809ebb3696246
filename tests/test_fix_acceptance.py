"""Issue 6 acceptance: a 2,000-note bench vault in git, fixed, fixed again, undone.

The vault comes from ``make_vault.py --notes 2000 --seed 19 --defect-rate 0.3``, committed
by ``bench/git_vault.py`` in dated batches (a quarter of them through a later rename), so
every note's first-commit date is known.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from vaultkit.api import Applicability
from vaultkit.check.run import check_vault
from vaultkit.read.decode import decode

pytestmark = pytest.mark.slow  # runs in CI; `pytest -m 'not slow'` is the quick local suite

REPO = Path(__file__).resolve().parents[1]


def _load_builder():
    spec = importlib.util.spec_from_file_location("git_vault", REPO / "bench" / "git_vault.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the work tree (not .git, not vaultkit's own state)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] not in (".git", ".vaultkit")
    }


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vaultkit", *args], cwd=root, capture_output=True, text=True)


def safe_fixable(problems) -> set[tuple[str, int, str]]:
    return {(p.path, p.line, p.rule) for p in problems if p.fix and p.fix.applicability is Applicability.SAFE}


def git_changed_lines(root: Path) -> dict[str, set[int]]:
    """Old-side line numbers of every hunk of ``git diff -U0``, per file."""
    out = subprocess.run(
        ["git", "-c", "core.quotepath=off", "diff", "-U0", "--no-color", "--no-ext-diff", "--no-renames"],
        cwd=root, capture_output=True, check=True,
    ).stdout.decode("utf-8", "replace")  # fmt: skip
    changed: dict[str, set[int]] = defaultdict(set)
    path = None
    for line in out.splitlines():
        if line.startswith("--- a/"):
            path = line[6:].rstrip("\t")
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+", line)
        if m and path:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            changed[path].update(range(start, start + max(count, 1)))
    return changed


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("accept") / "vault"
    dates = _load_builder().build(out, notes=2000, seed=19, defect_rate=0.3)
    manifest = json.loads(out.with_name("vault.manifest.json").read_text(encoding="utf-8"))["defects"]
    return out, dates, manifest


def test_fix_fills_dates_from_git_fixes_planted_lines_only_and_undoes(bench):
    root, dates, manifest = bench
    pristine = snapshot(root)
    before = check_vault(root)
    fixable = safe_fixable(before.problems)
    planted_dates = [d for d in manifest if d["rule"] == "empty-date"]
    assert len(planted_dates) > 20
    for d in planted_dates:  # git evidence exists for every one of them
        assert (d["path"], d["line"], "empty-date") in fixable, d

    done = run(root, "fix", "--show-fixes")
    assert done.returncode in (0, 1), done.stderr
    assert "Fixed" in done.stderr

    # every planted empty date holds its note's first-commit date, in the vault's format
    for d in planted_dates:
        line = (root / d["path"]).read_text(encoding="utf-8").split("\n")[d["line"] - 1]
        assert line == f"date: {dates[d['path']]}", (d["path"], line)

    # every fixable planted defect is gone, and nothing fixable remains anywhere
    after = check_vault(root)
    left = {(p.path, p.line, p.rule) for p in after.problems}
    planted_fixable = [d for d in manifest if (d["path"], d["line"], d["rule"]) in fixable]
    assert not [d for d in planted_fixable if (d["path"], d["line"], d["rule"]) in left]
    assert not safe_fixable(after.problems)

    # changes are on planted lines only: per git diff, or -- for a file transcoded to
    # UTF-8, where every non-ASCII byte changes by design -- per decoded line
    fixed = snapshot(root)
    planted_lines: dict[str, set[int]] = defaultdict(set)
    for d in planted_fixable:
        planted_lines[d["path"]].add(d["line"])
    git_lines = git_changed_lines(root)
    changed_files = {rel for rel in fixed if fixed[rel] != pristine.get(rel)}
    assert changed_files == set(git_lines)
    assert changed_files <= set(planted_lines)
    for rel in changed_files:
        try:
            pristine[rel].decode("utf-8")
        except UnicodeDecodeError:
            old, new = decode(pristine[rel])[0].split("\n"), decode(fixed[rel])[0].split("\n")
            lines = {
                i + 1
                for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
                if tag != "equal"
                for i in range(i1, max(i2, i1 + 1))
            }
        else:
            lines = git_lines[rel]
        assert lines <= planted_lines[rel], (rel, sorted(lines - planted_lines[rel]))

    # fixing again changes nothing
    again = run(root, "fix")
    assert "Fixed 0 problems in 0 files" in again.stderr
    assert snapshot(root) == fixed

    # undo restores the tree byte for byte, and the journal never shows up in git
    undone = run(root, "undo")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert snapshot(root) == pristine
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True)
    assert status.stdout == ""
