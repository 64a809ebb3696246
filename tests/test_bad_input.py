"""Bad input gets a clear diagnostic or message -- never a traceback, never a dead run."""

from __future__ import annotations

import os

import pytest

from vaultkit.api import Diagnostic, Rule
from vaultkit.check.config import ActiveRule, Config, active_rules
from vaultkit.check.engine import check
from vaultkit.check.registry import load_rules

GOOD_BROKEN = "---\ndate:\n---\nok\n"  # one empty-date finding proves the note was checked


def run(root, jobs=1, extra=()):
    active = active_rules(Config(), load_rules(isolated=True)) + list(extra)
    return check(root, active, jobs=jobs)


def by_path(result):
    out: dict[str, list[str]] = {}
    for p in result.problems:
        out.setdefault(p.path, []).append(p.rule)
    return out


def test_binary_file_named_md(vault):
    root = vault({"img.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "ok.md": GOOD_BROKEN})
    found = by_path(run(root))
    assert found == {"img.md": ["unreadable-file"], "ok.md": ["empty-date"]}


def test_huge_note_is_reported_not_loaded(vault):
    root = vault({"ok.md": GOOD_BROKEN})
    with open(root / "huge.md", "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse 50 MB file
    result = run(root)
    (problem,) = [p for p in result.problems if p.path == "huge.md"]
    assert problem.rule == "unreadable-file" and "52.4 MB" in problem.message
    assert by_path(result)["ok.md"] == ["empty-date"]


def test_invalid_yaml_and_alias_bomb(vault):
    bomb = (
        "---\na: &a [x,x,x,x,x,x,x,x,x]\n"
        + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
        + "---\n"
    )
    root = vault({"bad.md": "---\na: [\n---\n", "bomb.md": bomb, "ok.md": GOOD_BROKEN})
    found = by_path(run(root))
    assert found == {"bad.md": ["invalid-front-matter"], "bomb.md": ["invalid-front-matter"], "ok.md": ["empty-date"]}


def test_unreadable_file(vault, monkeypatch):
    root = vault({"secret.md": "x", "ok.md": GOOD_BROKEN})
    real_open = os.open

    def deny(path, *args, **kwargs):
        if str(path).endswith("secret.md"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)  # (notes are read through a bare descriptor)
    result = run(root)
    (problem,) = [p for p in result.problems if p.path == "secret.md"]
    assert problem.rule == "unreadable-file" and "Permission denied" in problem.message
    assert by_path(result)["ok.md"] == ["empty-date"]


def test_fifo_and_broken_symlink(vault):
    root = vault({"ok.md": GOOD_BROKEN})
    os.mkfifo(root / "pipe.md")
    os.symlink(root / "nowhere.md", root / "dangling.md")
    found = by_path(run(root))
    assert found["pipe.md"] == ["unreadable-file"] and found["dangling.md"] == ["unreadable-file"]
    assert found["ok.md"] == ["empty-date"]


def test_symlink_loop_is_reported_and_not_followed(vault):
    root = vault({"sub/ok.md": GOOD_BROKEN})
    os.symlink("..", root / "sub" / "loop")
    result = run(root)
    assert any("symlink loop" in w for w in result.warnings)
    assert by_path(result) == {"sub/ok.md": ["empty-date"]}


def test_legacy_encoding_is_indexed_and_reported(vault):
    root = vault(
        {"gbk.md": "# 标题\n中文笔记内容，这是一段用国标编码保存的文字。\n".encode("gb18030"), "ok.md": GOOD_BROKEN}
    )
    result = run(root)
    assert by_path(result)["gbk.md"] == ["non-utf8-encoding"]
    assert result.index.notes["gbk.md"].headings


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_crashing_rule_is_reported_and_the_run_goes_on(vault, jobs, monkeypatch):
    monkeypatch.setattr("vaultkit.check.engine.PARALLEL_THRESHOLD", 1)

    def explode(note, vault, options):
        raise ZeroDivisionError("boom")
        yield Diagnostic("never", 0, 0)

    crashing = ActiveRule(Rule("XX001", "explodes", explode), load_rules()["empty-date"].severity, {})
    root = vault({"a.md": GOOD_BROKEN, "b.md": GOOD_BROKEN})
    result = run(root, jobs=jobs, extra=[crashing])
    crashes = [p for p in result.problems if p.rule == "internal-error"]
    (crash,) = crashes  # once per run, not once per note (issue 12)
    assert "explodes (XX001) crashed: ZeroDivisionError: boom" in crash.message
    assert crash.message.endswith("(and on 1 more note)")
    assert sorted(p.path for p in result.problems if p.rule == "empty-date") == ["a.md", "b.md"]


def test_excluded_notes_are_not_checked_but_still_resolve(vault):
    root = vault(
        {
            ".vaultkit.toml": 'exclude = ["Templates/**"]\n',
            "Templates/Daily.md": "---\ndate:\n---\n# Plan\n",
            "Note.md": "---\ndate: 2024-01-01\n---\nSee [[Daily#Plan]].\n",
        }
    )
    from vaultkit.check.run import check_vault

    result = check_vault(root)
    assert result.problems == [] and result.checked == ["Note.md"]
