"""Configuration is validated up front; selection follows the most specific selector."""

from __future__ import annotations

import pytest

from vaultkit.api import Severity
from vaultkit.check.config import ConfigError, active_rules, load_config, parse_config
from vaultkit.check.registry import load_rules

RULES = load_rules(isolated=True)


def names(config: dict, select=(), ignore=()):
    return {a.rule.name for a in active_rules(parse_config(config, "test.toml"), RULES, select, ignore)}


def test_defaults_run_every_rule_enabled_by_default():
    assert names({}) == {r.name for r in RULES.values() if r.enabled_by_default}


def test_select_by_prefix_name_and_ignore_most_specific_wins():
    assert names({"select": ["VK1"]}) == {r.name for r in RULES.values() if r.code.startswith("VK1")}
    assert names({"select": ["VK1"], "ignore": ["empty-date"]}) == names({"select": ["VK1"]}) - {"empty-date"}
    assert names({"select": ["empty-date"], "ignore": ["VK1"]}) == {"empty-date"}
    assert names({}, select=["VK102"]) == {"empty-date"}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"selct": ["VK1"]}, "unknown key"),
        ({"select": ["VK999"]}, "matches no rule"),
        ({"rules": {"no-such-rule": {}}}, "no such rule"),
        ({"rules": {"empty-date": {"kyes": ["date"]}}}, "unknown option"),
        ({"rules": {"empty-date": {"keys": "date"}}}, "must be tuple"),
        ({"rules": {"empty-date": {"level": "fatal"}}}, "level must be one of"),
        ({"max-file-size": -1}, "max-file-size"),
        ({"exclude": "Templates/**"}, "list of strings"),
    ],
)
def test_invalid_configuration_is_an_error(config, message):
    with pytest.raises(ConfigError, match=message):
        active_rules(parse_config(config, "test.toml"), RULES)


def test_level_options_and_exclude_are_applied():
    config = {"rules": {"empty-date": {"level": "error", "keys": ["due"], "exclude": ["Templates/**"]}}}
    (item,) = [a for a in active_rules(parse_config(config, "t"), RULES) if a.rule.name == "empty-date"]
    assert item.severity is Severity.ERROR
    assert tuple(item.options["keys"]) == ("due",)
    assert item.exclude == ("Templates/**",)


def test_config_files_are_found_at_the_vault_root(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.vaultkit]\nselect = ["VK1"]\n')
    assert load_config(tmp_path).select == ["VK1"]
    (tmp_path / ".vaultkit.toml").write_text('ignore = ["VK105"]\n')
    config = load_config(tmp_path)
    assert config.select is None and config.ignore == ["VK105"]
    (tmp_path / ".vaultkit.toml").write_text("ignore = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(tmp_path)
