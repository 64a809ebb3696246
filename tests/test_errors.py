"""One error family mapped to exit statuses in one place, the rule registry's edge cases, and
the contracts around them (issue 12: the CLI, registry and API defects)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import run_cli
from test_registry import PLUGIN, install_fake_distribution

from vaultkit.api import Diagnostic, rule
from vaultkit.check.config import ActiveRule
from vaultkit.check.engine import check
from vaultkit.check.registry import INTERNAL_ERROR, load_rules
from vaultkit.check.run import resolve_run
from vaultkit.cli import main
from vaultkit.errors import ConfigError, PluginError, UsageError, VaultkitError

REPO = Path(__file__).resolve().parents[1]
BAD = "---\ndate:\n---\n[Fetching Title#abcd](https://x.org)\n"


def test_star_import_of_the_api_works():
    namespace: dict[str, object] = {}
    exec("from vaultkit.api import *", namespace)
    assert {"Diagnostic", "Rule", "rule", "VaultIndex"} <= set(namespace)


def test_user_facing_errors_share_one_base():
    assert all(issubclass(kind, VaultkitError) for kind in (ConfigError, PluginError, UsageError))


def test_main_returns_the_status_instead_of_exiting(vault):
    root = vault({"Bad.md": BAD, ".vaultkit.toml": "selekt = []\n"})
    assert main(["check", str(root)]) == 2  # a config error: returned, not raised as SystemExit
    (root / ".vaultkit.toml").unlink()
    assert main(["check", str(root), "-q"]) == 1
    assert main(["check", str(root), "--exit-zero", "-q"]) == 0
    assert main(["check", str(root / "nowhere.md")]) == 2
    assert main(["check", "--no-such-option"]) == 2
    assert main(["--version"]) == 0


def test_a_broken_plugin_is_an_error_message_not_a_traceback(tmp_path, monkeypatch):
    install_fake_distribution(
        tmp_path, monkeypatch, "broken_rules", "raise ImportError('nope')\n", "broken_rules:RULES"
    )
    for args in (["rule", "VK102"], ["rules"], ["check", str(tmp_path)]):
        result = run_cli(*args)
        assert result.exit_code == 2, args
        assert "broken_rules[broken_rules]" in result.stderr and "Traceback" not in result.output
    isolated = run_cli("rule", "VK102", "--isolated")
    assert isolated.exit_code == 0 and "## What it does" in isolated.stdout


def test_isolated_decides_by_distribution_not_entry_point_name(tmp_path, monkeypatch):
    install_fake_distribution(tmp_path, monkeypatch, "coreish_rules", PLUGIN, "coreish_rules:RULES")
    entry_points = tmp_path / "coreish_rules-1.0.dist-info" / "entry_points.txt"
    entry_points.write_text("[vaultkit.rules]\ncore = coreish_rules:RULES\n")
    assert "no-todo" in load_rules()
    assert "no-todo" not in load_rules(isolated=True)
    assert "empty-date" in load_rules(isolated=True)


def test_a_duplicate_rule_name_names_who_defined_it_first(tmp_path, monkeypatch):
    clash = PLUGIN.replace('"ACM001", "no-todo"', '"ACM001", "empty-date"')
    install_fake_distribution(tmp_path, monkeypatch, "dupname_rules", clash, "dupname_rules:RULES")
    with pytest.raises(PluginError) as caught:
        load_rules()
    message = str(caught.value)
    assert "?" not in message and "empty-date" in message and "vaultkit[core]" in message


@rule("XX900", "always-crashes")
def always_crashes(note, vault, options):
    """Raises on every note."""
    raise KeyError(note.rel)
    yield Diagnostic("never", 0, 0)  # pragma: no cover - makes this a generator like real rules


def _crash_run(root: Path, ignore: tuple[str, ...] = ()):
    _, active = resolve_run(root, ignore=ignore)
    return check(root, [*active, ActiveRule(always_crashes, always_crashes.severity, {})], jobs=1)


def test_a_crashing_rule_is_reported_once_per_run_with_the_count(vault):
    root = vault({f"N{i}.md": "fine\n" for i in range(12)})
    problems = [p for p in _crash_run(root).problems if p.rule == "internal-error"]
    assert len(problems) == 1
    (problem,) = problems
    assert problem.code == INTERNAL_ERROR.code == "VK000"
    assert "always-crashes (XX900) crashed: KeyError" in problem.message
    assert "and on 11 more notes" in problem.message


def test_internal_errors_have_a_code_that_select_ignore_and_rule_know(vault):
    root = vault({"A.md": "fine\n"})
    assert not [p for p in _crash_run(root, ignore=("VK000",)).problems if p.rule == "internal-error"]
    assert not [p for p in _crash_run(root, ignore=("internal-error",)).problems if p.rule == "internal-error"]
    doc = run_cli("rule", "internal-error")
    assert doc.exit_code == 0 and "# internal-error (VK000)" in doc.stdout
    assert run_cli("check", str(root), "--select", "VK000").exit_code == 0


def test_json_contract_pins_the_fix_object(vault):
    root = vault({"Bad.md": "---\ndate:\n---\n", "BOM.md": "\ufeffhello\n".encode()})
    items = json.loads(run_cli("check", str(root), "--format", "json").stdout)
    fixes = [i["fix"] for i in items if i["fix"] is not None]
    assert fixes, "the vault must yield fixes"
    edit_keys = {"start", "end", "content", "line", "column", "end_line", "end_column"}
    for fix in fixes:
        assert {"applicability", "title", "edits"} <= set(fix) <= {"applicability", "title", "edits", "encoding", "bom"}
        assert fix["applicability"] in ("safe", "unsafe", "display") and isinstance(fix["title"], str)
        for edit in fix["edits"]:
            assert set(edit) == edit_keys
            assert all(isinstance(edit[k], int) for k in edit_keys - {"content"}) and isinstance(edit["content"], str)
    bom = next(i["fix"] for i in items if i["rule"] == "utf8-bom")
    assert bom["bom"] is False


def test_ruff_enforces_the_banned_api(tmp_path):
    """``banned-api`` only acts when the TID rules are selected."""
    source = "import rules\n\nprint(rules)\n"
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--stdin-filename", "vaultkit/example.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert "TID251" in proc.stdout, proc.stdout + proc.stderr


def test_python_dash_m_maps_errors_to_status_2(vault):
    root = vault({"A.md": "fine\n", ".vaultkit.toml": textwrap.dedent("select = 3\n")})
    proc = subprocess.run([sys.executable, "-m", "vaultkit", "check", str(root)], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("vaultkit: error:") and "Traceback" not in proc.stderr


def test_the_builtin_bundle_listed_twice_loads_once(tmp_path, monkeypatch):
    """Stale metadata of the old distribution name (pip leaves it when a checkout is renamed
    and reinstalled) points at the same rules: they load once, not as a clash."""
    install_fake_distribution(tmp_path, monkeypatch, "stale_vaultkit", "", "vaultkit.rules:RULES")
    rules = load_rules()
    assert rules["empty-date"].code == "VK102"
