"""Adopting vaultkit on a vault that already has problems (issue 16): a baseline, so that
only new problems fail, keyed so that unrelated edits do not resurrect old ones."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from support import run_cli

OLD = "---\ndate:\n---\nSee [[Nowhere]].\n"


def test_only_new_problems_fail_after_the_baseline(vault, tmp_path):
    root = vault({"Old.md": OLD, "Fine.md": "fine\n"})
    baseline = tmp_path / "baseline.json"
    written = run_cli("check", str(root), "--write-baseline", str(baseline))
    assert written.exit_code == 0 and "Recorded 2 problems" in written.stderr
    assert run_cli("check", str(root), "--baseline", str(baseline)).exit_code == 0

    # unrelated edits above the old findings move them down: still known
    (root / "Old.md").write_text(OLD.replace("---\nSee", "---\nA new first paragraph.\n\nMore text.\n\nSee"))
    assert run_cli("check", str(root), "--baseline", str(baseline)).exit_code == 0

    # a second copy of an old finding, and a new one in another note, are new
    (root / "Old.md").write_text(OLD + "And again [[Nowhere]].\n")
    (root / "Fine.md").write_text("now [[Missing]]\n")
    result = run_cli("check", str(root), "--baseline", str(baseline), "--format", "json")
    assert result.exit_code == 1
    found = sorted((p["path"], p["line"]) for p in json.loads(result.stdout))
    assert found == [("Fine.md", 1), ("Old.md", 5)]


def test_a_broken_baseline_is_a_clear_error(vault, tmp_path):
    root = vault({"A.md": "fine\n"})
    bad = tmp_path / "baseline.json"
    bad.write_text("[1, 2]")
    result = run_cli("check", str(root), "--baseline", str(bad))
    assert result.exit_code == 2 and "not a vaultkit baseline" in result.stderr
    result = run_cli("check", str(root), "--baseline", str(tmp_path / "missing.json"))
    assert result.exit_code == 2 and "cannot read the baseline" in result.stderr


def test_the_readme_adoption_commands_work_as_shown(vault, monkeypatch):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Adopting vaultkit on an existing vault", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line.split("#", 1)[0]) for line in block.splitlines() if line.strip()]
    assert [c[:2] for c in commands] == [["vaultkit", "check"]] * 2
    root = vault({"Old.md": OLD})
    monkeypatch.chdir(root)
    assert run_cli(*commands[0][1:]).exit_code == 0
    assert run_cli(*commands[1][1:]).exit_code == 0
    (root / "New.md").write_text("[[Missing]]\n")
    assert run_cli(*commands[1][1:]).exit_code == 1
