"""`vaultkit obsidian install`: the built plugin, shipped in the package, copied into a vault.

That the shipped files equal a fresh build of obsidian-plugin/ is checked by the plugin's own
suite (obsidian-plugin/test/build/shipped.test.ts, run by `.ci/run`)."""

from __future__ import annotations

import json
from importlib import resources

from support import run_cli

SHIPPED = resources.files("vaultkit").joinpath("data", "obsidian-plugin")


def run(*args: str):
    return run_cli(*args)


def test_install_copies_the_shipped_plugin_and_keeps_its_settings(tmp_path):
    (tmp_path / ".obsidian").mkdir()
    target = tmp_path / ".obsidian" / "plugins" / "vaultkit"
    target.mkdir(parents=True)
    (target / "data.json").write_text('{"startDaemon": false}')
    (target / "main.js").write_text("an older build")
    result = run("obsidian", "install", str(tmp_path))
    assert result.exit_code == 0, result.output
    for name in ("main.js", "manifest.json", "styles.css"):
        assert (target / name).read_bytes() == SHIPPED.joinpath(name).read_bytes()
    assert (target / "data.json").read_text() == '{"startDaemon": false}'
    assert json.loads((target / "manifest.json").read_text())["isDesktopOnly"] is True
    assert "Community plugins" in result.output
    assert not (tmp_path / ".obsidian" / "community-plugins.json").exists()  # not enabled unless asked
    assert sorted(p.name for p in target.iterdir()) == ["data.json", "main.js", "manifest.json", "styles.css"]


def test_enable_adds_the_plugin_once_and_keeps_the_others(tmp_path):
    (tmp_path / ".obsidian").mkdir()
    listed = tmp_path / ".obsidian" / "community-plugins.json"
    listed.write_text('["dataview"]')
    assert run("obsidian", "install", "--enable", str(tmp_path)).exit_code == 0
    assert json.loads(listed.read_text()) == ["dataview", "vaultkit"]
    again = run("obsidian", "install", "--enable", str(tmp_path))
    assert again.exit_code == 0 and "already enabled" in again.output
    assert json.loads(listed.read_text()) == ["dataview", "vaultkit"]


def test_a_folder_that_is_not_a_vault_or_a_broken_plugin_list_is_refused_clearly(tmp_path):
    result = run("obsidian", "install", str(tmp_path))
    assert result.exit_code == 2
    assert "not an Obsidian vault" in result.output and "Traceback" not in result.output
    assert not (tmp_path / ".obsidian").exists()
    (tmp_path / ".obsidian").mkdir()
    listed = tmp_path / ".obsidian" / "community-plugins.json"
    listed.write_text('["dataview",')
    result = run("obsidian", "install", "--enable", str(tmp_path))
    assert result.exit_code == 2 and "not valid JSON" in result.output
    assert listed.read_text() == '["dataview",'  # the user's file is left as it was
