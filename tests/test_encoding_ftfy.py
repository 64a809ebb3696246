"""ftfy's own test corpus: vaultkit's repair matches ftfy wherever ftfy is right.

The corpus is read from ``../shared/peers/ftfy-test-cases/`` at test time (the repository is
checked out beside ``shared/``); without it the test fails, it does not skip.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vaultkit.rulekit.encoding import repair_text

CASES = Path(__file__).resolve().parents[2] / "shared" / "peers" / "ftfy-test-cases"


def load(name: str) -> list[dict]:
    path = CASES / name
    assert path.is_file(), f"{path} is missing: the shared/ folder must sit beside the checkout"
    return json.loads(path.read_text(encoding="utf-8"))


def passing_cases() -> list[dict]:
    names = ("in-the-wild.json", "synthetic.json", "language-names.json", "negative.json")
    return [case for name in names for case in load(name) if case["expect"] == "pass"]


def test_the_corpus_is_all_there():
    cases = passing_cases()
    assert len(cases) == 151
    assert len(load("negative.json")) == 31
    assert len(load("known-failures.json")) == 10


@pytest.mark.parametrize("case", passing_cases(), ids=lambda c: c["label"][:60])
def test_repair_gives_the_expected_text(case):
    expected = case.get("fixed-encoding", case["fixed"])
    assert repair_text(case["original"]) == expected


def test_negative_cases_stay_unchanged_except_the_c1_control():
    """ftfy expects exactly one negative case to change: a lone U+0085 that is "…" in
    Windows-1252.  Every other negative case must come back byte for byte."""
    changed = [c["label"] for c in load("negative.json") if repair_text(c["original"]) != c["original"]]
    assert changed == ["Mostly negative: we only need to fix C1 control characters"]
