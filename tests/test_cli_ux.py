"""What ruff and markdownlint users expect of the command line (issue 16): paths they can
open, statistics, summaries, stdin, an output file, extend-select, did-you-mean, progress."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys

import pytest
from conftest import write_vault
from support import run_cli

from vaultkit.cli.common import PROGRESS_AFTER, Progress

EMPTY_DATE = "---\ndate:\n---\n"
GOOD = "---\ndate: 2024-01-01\n---\nAll fine.\n"


@pytest.mark.parametrize(
    ("encoding", "bom", "named"),
    [("utf-16", b"", "UTF-16"), ("utf-8", codecs.BOM_UTF8, "UTF-8 with a byte-order mark")],
)
def test_a_config_saved_as_utf16_or_with_a_bom_exits_2_naming_the_encoding(vault, encoding, bom, named):
    root = vault({"A.md": GOOD})
    (root / ".vaultkit.toml").write_bytes(bom + 'select = ["VK1"]\n'.encode(encoding))
    result = run_cli("check", str(root))
    assert result.exit_code == 2, result.output
    assert named in result.stderr and "UTF-8" in result.stderr and "Traceback" not in result.output


def test_text_paths_are_relative_to_the_current_directory(vault, monkeypatch):
    root = vault({"Sub/Bad.md": EMPTY_DATE})
    monkeypatch.chdir(root.parent)
    out = run_cli("check", "vault").stdout
    assert out.startswith("vault/Sub/Bad.md:2:1: VK102"), out
    monkeypatch.chdir(root / "Sub")  # below the vault root
    assert run_cli("check", "Bad.md").stdout.startswith("Bad.md:2:1: VK102")
    elsewhere = root.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert run_cli("check", str(root)).stdout.startswith(f"{root.as_posix()}/Sub/Bad.md:2:1: VK102")


def test_statistics_print_only_the_table_and_mark_safe_fixes_only(vault):
    root = vault({"A.md": EMPTY_DATE, "B.md": EMPTY_DATE, "C.md": "[[Gradiant]]\n", "Gradient.md": "x\n"})
    result = run_cli("check", str(root), "--statistics")
    lines = result.stdout.splitlines()
    assert lines[0] == "     2  VK102  empty-date"  # no evidence: no fix at all, so no [*]
    assert lines[1] == "     1  VK201  broken-wikilink"  # its fix (a retarget) is unsafe: no [*]
    assert "Found" not in result.stdout and "C.md:1" not in result.output


def test_summary_counts_notes_with_problems_and_hints_at_unsafe_fixes(vault, tmp_path):
    root = vault({"A.md": EMPTY_DATE, "C.md": "[[Gradiant]]\n", "Gradient.md": "x\n", "D.md": GOOD})
    summary = run_cli("check", str(root)).stderr
    assert "Found 2 problems (2 warnings) in 2 of 4 notes." in summary
    assert "1 more fix is available with `--unsafe-fixes`." in summary
    one = write_vault(tmp_path / "one", {"A.md": EMPTY_DATE})
    assert "Found 1 problem (1 warning) in 1 of 1 note." in run_cli("check", str(one)).stderr


def test_output_file(vault, tmp_path):
    root = vault({"A.md": EMPTY_DATE})
    target = tmp_path / "report.json"
    result = run_cli("check", str(root), "--format", "json", "--output-file", str(target))
    assert result.exit_code == 1 and result.stdout == ""
    assert [p["rule"] for p in json.loads(target.read_text(encoding="utf-8"))] == ["empty-date"]


def test_extend_select_and_extend_ignore(vault):
    root = vault({"A.md": EMPTY_DATE + "$\\nosuchcommand$ and [[Nowhere]]\n"})
    (root / ".vaultkit.toml").write_text('select = ["VK1"]\n')

    def rules(*args: str) -> set[str]:
        return {p["rule"] for p in json.loads(run_cli("check", str(root), "--format", "json", *args).stdout)}

    assert rules() == {"empty-date"}
    assert rules("--extend-select", "VK406") == {"empty-date", "unknown-math-command"}  # added, not replacing
    assert rules("--extend-select", "VK406", "--extend-ignore", "VK102") == {"unknown-math-command"}


def test_did_you_mean_for_a_misspelled_rule(vault):
    root = vault({"A.md": GOOD})
    result = run_cli("check", str(root), "--ignore", "emtpy-date")
    assert result.exit_code == 2 and "did you mean 'empty-date'?" in result.stderr
    (root / ".vaultkit.toml").write_text("[rules.broken-wikilnk]\nlevel = 'info'\n")
    assert "did you mean 'broken-wikilink'?" in run_cli("check", str(root)).stderr


def test_stdin_check_and_fix(vault, tmp_path):
    root = vault({"Home.md": "x\n", "Old.md": "on disk\n"})
    env = dict(os.environ)

    def vaultkit(*args: str, text: bytes) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "vaultkit", *args], input=text, capture_output=True, env=env)

    checked = vaultkit("check", "--stdin-filename", str(root / "New.md"), "-", text=b"[[Home]] and [[Nowhere]]\n")
    assert checked.returncode == 1, checked.stderr
    assert b"New.md:1:14: VK201" in checked.stdout and b"Home" not in checked.stdout.split(b"VK201")[1]
    fixed = vaultkit("fix", "--stdin-filename", str(root / "Old.md"), "-", text=b"\xef\xbb\xbfpiped\n")
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == b"piped\n"  # the BOM is gone from what is printed...
    assert (root / "Old.md").read_bytes() == b"on disk\n"  # ...and the file is untouched
    missing = vaultkit("check", "-", text=b"x\n")
    assert missing.returncode == 2 and b"--stdin-filename" in missing.stderr


def test_progress_appears_for_any_run_longer_than_a_second(capsys):
    now = [0.0]
    progress = Progress(True, clock=lambda: now[0])
    progress("parsing", 3, 10)  # a small vault: no bar yet
    assert capsys.readouterr().err == ""
    now[0] = PROGRESS_AFTER + 0.5
    progress("parsing", 3, 10)  # slow all the same: now a bar, counting what was done before
    progress.close()
    assert "parsing" in capsys.readouterr().err
    assert progress.done == 6


def test_vk301_says_what_the_file_reads_as_once(vault):
    root = vault({"Legacy.md": "中文笔记，内容是关于数学的学习记录。\n".encode("gbk")})
    (problem,) = json.loads(run_cli("check", str(root), "--format", "json", "--select", "VK301").stdout)
    assert problem["message"].count("reads as") == 1, problem["message"]


def test_undo_refusal_offers_the_original_beside_the_file(vault):
    root = vault({"A.md": "fine\n"})
    original = b"\xef\xbb\xbfa note with a BOM\n"
    (root / "B.md").write_bytes(original)
    assert run_cli("fix", str(root)).exit_code == 0
    (root / "B.md").write_bytes(b"edited after the fix\n")
    refused = run_cli("undo", str(root))
    assert refused.exit_code == 1 and "refused" in refused.stdout and "undo --orig" in refused.stderr
    assert (root / "B.md").read_bytes() == b"edited after the fix\n"  # the edit is kept
    wrote = run_cli("undo", str(root), "--orig")
    assert wrote.exit_code == 0 and "wrote    B.md.orig" in wrote.stdout
    assert (root / "B.md.orig").read_bytes() == original
    again = run_cli("undo", str(root), "--orig")
    assert again.exit_code == 1 and "left as it is" in again.stdout  # never overwritten
