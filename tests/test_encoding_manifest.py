"""The issue's acceptance figures on make_vault.py's vault (3,000 notes, seed 13, defect rate
0.3): every planted mojibake and non-UTF-8 note is found, nothing else is, and the repairs
give back the manifest's ``original`` -- exactly for Windows-1252 damage, for at least 97%
of the characters of the lossy Windows-1254 and GBK damage."""

from __future__ import annotations

import difflib
from collections import defaultdict

import pytest

from vaultkit.check.run import check_vault
from vaultkit.fix.loop import apply_edits
from vaultkit.read.parse import read_note
from vaultkit.text.encoding.locate import EMPTY, analyse

pytestmark = pytest.mark.slow  # runs in CI; `pytest -m 'not slow'` is the quick local suite

KINDS = ("cp1252", "cp1254-lossy", "gbk")


@pytest.fixture(scope="module")
def planted(synthetic_vault):
    root, manifest = synthetic_vault(3000, 13, 0.3)
    return root, [d for d in manifest["defects"] if d["rule"] in ("mojibake", "non-utf8-encoding")]


@pytest.fixture(scope="module")
def result(planted):
    return check_vault(planted[0], select=["VK3"])


def line_of(text: str, line: int) -> tuple[int, int]:
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    return start, len(text) if end == -1 else end


def test_every_planted_defect_is_found_and_nothing_else(planted, result):
    _, defects = planted
    assert {d.get("kind") for d in defects if d["rule"] == "mojibake"} == set(KINDS)
    wanted = {(d["path"], d["line"], d["rule"]) for d in defects}
    found = {(p.path, p.line, p.rule) for p in result.problems}
    assert wanted - found == set()
    assert found - wanted == set()


def repaired_line(root, defect, problems) -> str:
    note = read_note(str(root), defect["path"])
    start, end = line_of(note.text, defect["line"])
    edits = [e for p in problems for e in p.fix.edits if start <= e.start and e.end <= end]
    return apply_edits(note.text, edits)[start : end + sum(len(e.text) - (e.end - e.start) for e in edits)]


def accuracy(pairs: list[tuple[str, str]]) -> float:
    matched = total = 0
    for got, want in pairs:
        blocks = difflib.SequenceMatcher(None, got, want, autojunk=False).get_matching_blocks()
        matched += sum(b.size for b in blocks)
        total += len(want)
    return matched / total


def test_repairs_restore_the_original_text(planted, result):
    root, defects = planted
    by_line = defaultdict(list)
    for p in result.problems:
        if p.rule == "mojibake":
            by_line[(p.path, p.line)].append(p)
    pairs = defaultdict(list)
    for d in defects:
        if d["rule"] == "mojibake":
            pairs[d["kind"]].append((repaired_line(root, d, by_line[(d["path"], d["line"])]), d["original"]))
    assert all(got == want for got, want in pairs["cp1252"])
    assert accuracy(pairs["cp1254-lossy"]) >= 0.97
    assert accuracy(pairs["gbk"]) >= 0.97


def test_the_language_model_alone_also_reaches_97_percent(planted):
    """The same repairs without what the rest of the vault teaches (its note names and
    punctuation): wordfreq's frequencies on their own."""
    root, defects = planted
    pairs = defaultdict(list)
    for d in defects:
        if d["rule"] != "mojibake":
            continue
        note = read_note(str(root), d["path"])
        start, end = line_of(note.text, d["line"])
        runs = [r for r in analyse(note.text, note.regions, EMPTY) if start <= r.start < end]
        edits = [e for r in runs for e in r.edits]
        fixed = note.text[start:end]
        for s, e, new in sorted(edits, reverse=True):
            fixed = fixed[: s - start] + new + fixed[e - start :]
        pairs[d["kind"]].append((fixed, d["original"]))
    assert all(got == want for got, want in pairs["cp1252"])
    assert accuracy(pairs["cp1254-lossy"]) >= 0.97
    assert accuracy(pairs["gbk"]) >= 0.97
