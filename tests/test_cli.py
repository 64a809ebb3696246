"""The CLI: exit codes, output formats, and reporting only on the files asked about."""

from __future__ import annotations

import json
import subprocess
import sys

from support import run_cli

GOOD = "---\ndate: 2024-01-01\n---\nAll fine.\n"
BAD = "---\ndate:\n---\n[Fetching Title#abcd](https://x.org)\n"


def invoke(*args):
    return run_cli(*args)


def test_exit_codes(vault):
    root = vault({"Good.md": GOOD})
    assert invoke("check", str(root)).exit_code == 0
    root = vault({"Good.md": GOOD, "Bad.md": BAD})
    assert invoke("check", str(root)).exit_code == 1
    assert invoke("check", str(root), "--exit-zero").exit_code == 0
    assert invoke("check", str(root), "--select", "NOPE").exit_code == 2
    assert invoke("check", str(root / "missing.md")).exit_code == 2


def test_config_error_exits_2_with_a_clear_message(vault):
    root = vault({"A.md": GOOD, ".vaultkit.toml": "selekt = []\n"})
    result = invoke("check", str(root))
    assert result.exit_code == 2 and "unknown key" in result.output


def test_json_contract(vault):
    root = vault({"sub/Bad.md": BAD})
    result = invoke("check", str(root), "--format", "json")
    items = json.loads(result.output)
    assert {i["rule"] for i in items} == {"empty-date", "placeholder-link-title"}
    keys = {"path", "line", "column", "end_line", "end_column", "rule", "code", "severity", "message", "fix"}
    for item in items:
        assert keys <= set(item)
        assert item["path"] == "sub/Bad.md"
        assert item["severity"] in ("error", "warning", "info")
        assert item["line"] >= 1 and item["column"] >= 1


def test_github_and_sarif(vault):
    root = vault({"Bad.md": BAD})
    gh = invoke("check", str(root), "--format", "github").output.splitlines()
    assert gh and all(line.startswith("::warning file=") and ",line=" in line for line in gh)
    sarif = json.loads(invoke("check", str(root), "--format", "sarif").output)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"VK102", "VK105"}
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_statistics_quiet_and_text(vault):
    root = vault({"Bad.md": BAD, "Bad2.md": BAD})
    out = invoke("check", str(root), "--statistics").output
    assert "     2  VK102  empty-date" in out
    quiet = invoke("check", str(root), "-q").output
    assert "Found" not in quiet and "Bad.md:2:1: VK102 [empty-date]" in quiet


def test_paths_limit_the_report_but_the_whole_vault_is_indexed(vault):
    root = vault({"A.md": BAD, "B.md": BAD, ".vaultkit.toml": 'select = ["VK1"]\n'})
    out = json.loads(invoke("check", str(root / "A.md"), "--format", "json").output)
    assert {i["path"] for i in out} == {"A.md"}


def test_rules_and_rule_commands():
    listing = invoke("rules").output
    assert "VK102  empty-date" in listing
    doc = invoke("rule", "VK102").output
    assert "## What it does" in doc and "empty-date" in doc
    assert invoke("rule", "nope").exit_code == 2


def test_python_dash_m_works(vault):
    root = vault({"A.md": GOOD})
    proc = subprocess.run([sys.executable, "-m", "vaultkit", "check", str(root)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
