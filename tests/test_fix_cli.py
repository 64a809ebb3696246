"""``vaultkit fix`` / ``check --fix`` / ``undo`` through the command line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

from support import run_cli

from vaultkit.api import Diagnostic, Fix, Severity, rule
from vaultkit.check.config import ActiveRule
from vaultkit.check.registry import load_rules
from vaultkit.check.run import check_vault
from vaultkit.cli.fix import unified_diff
from vaultkit.fix import run as fixrun
from vaultkit.fix.loop import fix_note
from vaultkit.fix.run import FileFix
from vaultkit.read.parse import parse_bytes
from vaultkit.vault.index import VaultIndex

FIXABLE = "---\ndate:\ntags: [a]\n---\nbody\n"


def invoke(root, monkeypatch, *args):
    monkeypatch.chdir(root)
    return run_cli(*args)


def test_fix_writes_reports_and_exits_by_what_remains(vault, monkeypatch):
    root = vault({"Daily/2023-01-05.md": FIXABLE, "Ok.md": "fine\n"})
    result = invoke(root, monkeypatch, "fix", "--show-fixes")
    assert result.exit_code == 0, result.output
    assert (root / "Daily/2023-01-05.md").read_text() == FIXABLE.replace("date:", "date: 2023-01-05")
    assert re.search(r"Daily/2023-01-05.md:\n\s+2:6 VK102 \[empty-date\] Fill `date` with 2023-01-05", result.stderr)
    assert (root / ".vaultkit" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert invoke(root, monkeypatch, "fix").exit_code == 0  # nothing left
    (root / "Daily/2024-02-02.md").write_text(FIXABLE)
    assert invoke(root, monkeypatch, "fix", "--exit-non-zero-on-fix").exit_code == 1
    (root / "Broken.md").write_text("See [[Nowhere]].\n")
    result = invoke(root, monkeypatch, "fix")
    assert result.exit_code == 1 and "VK201" in result.stdout


def test_diff_writes_nothing_and_is_a_patch(vault, monkeypatch):
    root = vault({"Daily/2023-01-05.md": FIXABLE, "20220304 Meet.md": "---\r\ncreated: ''\r\n---\r\n"})
    before = {p: p.read_bytes() for p in root.rglob("*.md")}
    result = invoke(root, monkeypatch, "fix", "--diff")
    assert result.exit_code == 1
    assert {p: p.read_bytes() for p in root.rglob("*.md")} == before
    assert not (root / ".vaultkit").exists()
    assert "-date:\n+date: 2023-01-05\n" in result.stdout
    assert result.stdout.count("+++ b/") == 2
    patch = root / "fix.patch"
    patch.write_bytes(result.stdout_bytes)  # .stdout would turn CRLF into LF
    subprocess.run(["git", "apply", "--unsafe-paths", "fix.patch"], cwd=root, check=True)
    assert (root / "20220304 Meet.md").read_bytes() == b"---\r\ncreated: '2022-03-04'\r\n---\r\n"


def test_check_fix_fixes_then_reports_the_rest(vault, monkeypatch):
    root = vault({"2023-01-05.md": FIXABLE + "[[Nowhere]]\n"})
    result = invoke(root, monkeypatch, "check", "--fix", "--format", "json")
    assert result.exit_code == 1
    assert [p["rule"] for p in json.loads(result.stdout)] == ["broken-wikilink"]
    assert "date: 2023-01-05" in (root / "2023-01-05.md").read_text()


def test_undo_restores_the_last_run_and_refuses_files_changed_since(vault, monkeypatch):
    root = vault({"2023-01-05.md": FIXABLE, "2023-01-06.md": FIXABLE, "Other.md": "x\n"})
    invoke(root, monkeypatch, "fix")
    (root / "2023-01-06.md").write_text("edited after the fix\n")
    result = invoke(root, monkeypatch, "undo")
    assert result.exit_code == 1
    assert "restored  2023-01-05.md" in result.stdout and "refused   2023-01-06.md: changed since" in result.stdout
    assert (root / "2023-01-05.md").read_text() == FIXABLE
    assert (root / "2023-01-06.md").read_text() == "edited after the fix\n"
    (root / "2023-01-06.md").write_text(FIXABLE.replace("date:", "date: 2023-01-06"))  # the user puts it back
    result = invoke(root, monkeypatch, "undo")
    assert result.exit_code == 0 and (root / "2023-01-06.md").read_text() == FIXABLE
    assert invoke(root, monkeypatch, "undo").stdout == "Nothing to undo.\n"


def test_a_file_changed_by_another_process_during_the_run_is_left_alone(vault, monkeypatch):
    root = vault({"2023-01-05.md": FIXABLE, "2023-01-06.md": FIXABLE})
    real = fixrun.write_atomic

    def obsidian_saves_first(path, data, expected, *args, **kwargs):
        if path.name == "2023-01-06.md":  # another process writes between our read and our replace
            subprocess.run(
                [sys.executable, "-c", f"open({str(path)!r}, 'w').write('typed in Obsidian\\n')"], check=True
            )
        return real(path, data, expected, *args, **kwargs)

    monkeypatch.setattr(fixrun, "write_atomic", obsidian_saves_first)
    result = invoke(root, monkeypatch, "fix")
    assert "2023-01-06.md: changed on disk while it was being fixed" in result.stderr
    assert (root / "2023-01-06.md").read_text() == "typed in Obsidian\n"
    assert (root / "2023-01-05.md").read_text() == FIXABLE.replace("date:", "date: 2023-01-05")
    result = invoke(root, monkeypatch, "undo")
    assert result.exit_code == 0 and "2023-01-06" not in result.stdout
    assert (root / "2023-01-06.md").read_text() == "typed in Obsidian\n"


def test_a_note_linked_from_outside_the_vault_is_not_written(vault, monkeypatch, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "2023-01-05.md").write_text(FIXABLE)
    root = vault({})
    (root / "2023-01-05.md").symlink_to(outside / "2023-01-05.md")
    result = invoke(root, monkeypatch, "fix")
    assert "leads out of the vault" in result.stderr
    assert (outside / "2023-01-05.md").read_text() == FIXABLE


def old_lines(patch: str) -> set[int]:
    """Line numbers (before the fix) that a unified diff removes or replaces."""
    changed = set()
    for m in re.finditer(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@.*\n((?:[-+ \\].*\n)*)", patch, re.M):
        line = int(m.group(1))
        for row in m.group(2).splitlines():
            if row.startswith("-"):
                changed.add(line)
            if row[:1] in ("-", " "):
                line += 1
    return changed


def test_damaged_sample_diff_repairs_text_only_and_keeps_the_empty_date(shared, tmp_path, monkeypatch):
    sample = shared / "samples" / "damaged-note.md"
    original = sample.read_bytes()
    monkeypatch.chdir(tmp_path)
    result = run_cli("fix", "--diff", str(sample))
    assert sample.read_bytes() == original
    assert re.search(r"damaged-note.md:10:1: VK102 \[empty-date\] .*no evidence", result.stderr)
    shutil.copy(sample, tmp_path / "damaged-note.md")
    safe_lines = {p.line for p in check_vault(tmp_path).problems if p.fix and p.fix.applicability.value == "safe"}
    changed = old_lines(result.stdout)
    assert changed <= safe_lines and 10 not in changed  # only what a safe fix repairs; never the date
    if "mojibake" in load_rules():  # the encoding rules' repairs, safe or not, show the Chinese text
        result = run_cli("fix", "--diff", "--unsafe-fixes", str(sample))
        assert sample.read_bytes() == original and 10 not in old_lines(result.stdout)
        repaired = [row for row in result.stdout.splitlines() if row.startswith("+") and not row.startswith("+++")]
        assert any(re.search(r"[\u4e00-\u9fff]{4}", row) for row in repaired), "no repaired Chinese in the diff"


def test_fix_options_are_documented():
    output = run_cli("fix", "--help").output
    for option in ("--unsafe-fixes", "--diff", "--show-fixes", "--exit-non-zero-on-fix", "--vault", "--select"):
        assert option in output
    assert "--fix" in run_cli("check", "--help").output


def test_without_a_journal_nothing_is_written(vault, monkeypatch):
    root = vault({"2023-01-05.md": FIXABLE})
    (root / ".vaultkit").write_text("a file where the state folder should be\n")
    result = invoke(root, monkeypatch, "fix")
    assert "nothing written: cannot keep the undo journal" in result.stderr
    assert (root / "2023-01-05.md").read_text() == FIXABLE
    assert result.exit_code == 1


def test_diff_names_a_change_of_encoding():
    def drop_bom(note, vault, options):
        if note.decoded.bom:
            yield Diagnostic("BOM", 0, 0, Fix("Remove the BOM", bom=False))

    active = [ActiveRule(rule("TS007", "test-bom")(drop_bom), Severity.WARNING, {})]
    data = b"\xef\xbb\xbfsame text\n"
    note = parse_bytes("A.md", data)
    result = fix_note(note, VaultIndex([note], ["A.md"]), active, original=data)
    assert result.data == b"same text\n"
    assert unified_diff(FileFix("A.md", result, [])) == "# A.md: UTF-8 with BOM -> UTF-8\n"
