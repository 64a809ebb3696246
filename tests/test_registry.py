"""Third-party rules arrive through the same entry-point group as the built-in ones."""

from __future__ import annotations

import importlib
import textwrap

import pytest

from vaultkit.check.registry import PluginError, load_rules
from vaultkit.check.run import lint_text


def install_fake_distribution(site, monkeypatch, name: str, module_source: str, target: str) -> None:
    """Write a minimal installed distribution (dist-info + entry point) onto sys.path."""
    (site / f"{name}.py").write_text(textwrap.dedent(module_source))
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[vaultkit.rules]\n{name} = {target}\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()


PLUGIN = '''
from vaultkit.api import Diagnostic, rule

@rule("ACM001", "no-todo")
def no_todo(note, vault, options):
    """Flags TODO markers."""
    pos = note.text.find("TODO")
    if pos != -1:
        yield Diagnostic("a TODO is left", pos, pos + 4)

RULES = [no_todo]
'''


def test_third_party_rule_runs_like_a_builtin(tmp_path, monkeypatch):
    install_fake_distribution(tmp_path, monkeypatch, "acme_rules", PLUGIN, "acme_rules:RULES")
    assert "no-todo" in load_rules()
    assert "no-todo" not in load_rules(isolated=True)
    (problem,) = lint_text("fine\nTODO: write\n", select=["ACM"])
    assert (problem.rule, problem.code, problem.line, problem.column) == ("no-todo", "ACM001", 2, 1)


def test_broken_plugin_names_itself(tmp_path, monkeypatch):
    install_fake_distribution(
        tmp_path, monkeypatch, "broken_rules", "raise ImportError('nope')\n", "broken_rules:RULES"
    )
    with pytest.raises(PluginError, match=r"broken_rules\[broken_rules\].*nope"):
        load_rules()


def test_duplicate_codes_are_refused(tmp_path, monkeypatch):
    clash = PLUGIN.replace('"ACM001", "no-todo"', '"VK101", "clash"')
    install_fake_distribution(tmp_path, monkeypatch, "clash_rules", clash, "clash_rules:RULES")
    with pytest.raises(PluginError, match="VK101"):
        load_rules()


def test_builtin_rules_have_unique_well_formed_codes():
    rules = load_rules(isolated=True)
    codes = [r.code for r in rules.values()]
    assert len(codes) == len(set(codes)) and all(c.startswith("VK") for c in codes)
