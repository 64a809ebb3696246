"""Issue figures for the foundation: planted defects found exactly, real data left alone."""

from __future__ import annotations

import pytest

from vaultkit.check.run import check_vault

pytestmark = pytest.mark.slow  # runs in CI; `pytest -m 'not slow'` is the quick local suite

RULES = ("invalid-front-matter", "empty-date", "placeholder-link-title")


def test_every_planted_front_matter_defect_and_nothing_else(synthetic_vault):
    out, manifest = synthetic_vault(2000, 7, 0.3)
    planted = {(d["path"], d["line"], d["rule"]) for d in manifest["defects"] if d["rule"] in RULES}
    assert len(planted) > 100  # the generator did plant them
    result = check_vault(out, select=RULES)
    found = {(p.path, p.line, p.rule) for p in result.problems}
    assert found == planted


def test_sample_note(shared):
    result = check_vault(shared / "samples", targets=["damaged-note.md"], select=["VK1"])
    assert [(p.rule, p.line) for p in result.problems] == [("empty-date", 10), ("placeholder-link-title", 37)]


def test_real_vaults_have_no_front_matter_problems(shared):
    for name in ("mathwiki", "obsidian-math-zh"):
        result = check_vault(shared / "corpora" / name, select=["VK0", "VK1"])
        assert result.problems == [], name
        assert len(result.checked) > 100
