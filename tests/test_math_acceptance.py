"""Issue 5's figures: every planted math defect found at its line, nothing else, and no
finding at all on real math vaults that render in Obsidian."""

from __future__ import annotations

from collections import Counter

import pytest

from vaultkit.check.run import check_vault

pytestmark = pytest.mark.slow  # runs in CI; `pytest -m 'not slow'` is the quick local suite

RULES = ("unclosed-math", "unbalanced-braces", "unmatched-left-right", "unmatched-environment", "blank-line-in-math")


def test_every_planted_math_defect_and_nothing_else(synthetic_vault):
    out, manifest = synthetic_vault(3000, 17, 0.3)
    planted = Counter((d["path"], d["line"], d["rule"]) for d in manifest["defects"] if d["rule"] in RULES)
    assert {rule for _, _, rule in planted} == set(RULES) and sum(planted.values()) > 300
    result = check_vault(out, select=RULES)
    assert Counter((p.path, p.line, p.rule) for p in result.problems) == planted


def test_sample_note_has_only_the_blank_line(shared):
    result = check_vault(shared / "samples", targets=["damaged-note.md"], select=["VK4"])
    assert [(p.rule, p.line, p.column) for p in result.problems] == [("blank-line-in-math", 46, 1)]
    assert "opened at 43:1" in result.problems[0].message


def test_real_math_vaults_have_no_math_findings(shared):
    for name in ("mathwiki", "obsidian-math-zh"):
        result = check_vault(shared / "corpora" / name, select=list(RULES))
        assert result.problems == [], name
        assert len(result.checked) > 100


def test_standard_mathjax_vault_uses_only_known_commands(shared):
    # obsidian-math-zh has no preamble plugin: every command it uses is MathJax's own
    result = check_vault(shared / "corpora" / "obsidian-math-zh", select=["unknown-math-command"])
    assert result.problems == []
