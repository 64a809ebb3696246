"""The README documents every rule and hook, and its quick start is what CI runs."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from vaultkit.check.registry import load_rules
from vaultkit.cli.rules import markdown_table

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def test_rule_table_is_current():
    table = README.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0].strip()
    expected = markdown_table(sorted(load_rules(isolated=True).values(), key=lambda r: r.code))
    assert table == expected, "regenerate the README table with `vaultkit rules --isolated --format markdown`"


def test_every_hook_is_documented():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        assert f"id: {hook['id']}" in README


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (REPO / ".ci" / "run").read_text()


def test_the_configuration_example_is_valid():
    from vaultkit.check.config import active_rules, parse_config

    example = re.search(r"```toml\n(select = .*?)```", README, re.DOTALL).group(1)
    active = active_rules(parse_config(tomllib.loads(example), "README"), load_rules(isolated=True))
    (wikilink,) = [a for a in active if a.rule.name == "broken-wikilink"]
    assert wikilink.exclude == ("Inbox/**",) and "ambiguous-link" not in {a.rule.name for a in active}


def test_the_editor_configurations_start_vaultkit_lsp():
    editors = README.split("## Editors", 1)[1].split("\n## ", 1)[0]
    lua = re.search(r"```lua\n(.*?)```", editors, re.DOTALL).group(1)
    assert 'cmd = { "vaultkit", "lsp" }' in lua and '"source.fixAll.vaultkit"' in lua
    blocks = re.findall(r"```json\n(.*?)```", editors, re.DOTALL)
    vscode = json.loads(blocks[0])
    assert (vscode["glspc.server.command"], vscode["glspc.server.commandArguments"]) == ("vaultkit", ["lsp"])
    assert "source.fixAll.vaultkit" in vscode["editor.codeActionsOnSave"]
    assert json.loads(blocks[1])["languages"]["Markdown"]["language_servers"][0] == "vaultkit"
    tomls = [tomllib.loads(block) for block in re.findall(r"```toml\n(.*?)```", editors, re.DOTALL)]
    helix = tomls[0]
    assert helix["language-server"]["vaultkit"] == {"command": "vaultkit", "args": ["lsp"]}
    assert "vaultkit" in helix["language"][0]["language-servers"]
    zed = tomls[1]
    assert zed["language_servers"]["vaultkit"]["languages"] == ["Markdown"]
    assert 'args: vec!["lsp".into()]' in re.search(r"```rust\n(.*?)```", editors, re.DOTALL).group(1)
