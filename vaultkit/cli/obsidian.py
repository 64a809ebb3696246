"""``vaultkit obsidian install VAULT``: put the Obsidian plugin into a vault, without Node.

The plugin's built files (``main.js``, ``manifest.json``, ``styles.css``) ship inside the
package, in ``vaultkit/data/obsidian-plugin/``; they are built from ``obsidian-plugin/`` in this
repository, and the plugin's test suite rebuilds them and fails if the shipped bytes differ.
Obsidian loads a community plugin from ``.obsidian/plugins/<id>/`` and turns on the ids listed
in ``.obsidian/community-plugins.json``
(https://docs.obsidian.md/Plugins/Getting+started/Build+a+plugin).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from vaultkit.cli.common import EXIT_CLEAN
from vaultkit.errors import UsageError
from vaultkit.vault.atomic import replace_file

FILES = ("main.js", "manifest.json", "styles.css")


def _bundle() -> dict[str, bytes]:
    """The built plugin files shipped with this vaultkit."""
    from importlib import resources  # (here: every other command would pay for it)

    folder = resources.files("vaultkit").joinpath("data").joinpath("obsidian-plugin")
    return {name: folder.joinpath(name).read_bytes() for name in FILES}


def _replace(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (Obsidian may be reading the plugin folder), readable
    by the app like any file it installs itself."""
    replace_file(path.parent, path.name, data, mode=0o644)


def _enable(settings: Path, plugin_id: str) -> bool:
    """Add the plugin to the vault's enabled community plugins; False if it was there already.
    A list that is not a JSON array of names is left alone (it is the user's), with an error."""
    listed: list[str] = []
    if settings.exists():
        try:
            listed = json.loads(settings.read_text(encoding="utf-8") or "[]")
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"{settings} is not valid JSON ({exc}); fix it or enable the plugin in Obsidian") from exc
        if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
            raise UsageError(f"{settings} is not a list of plugin ids; fix it or enable the plugin in Obsidian")
    if plugin_id in listed:
        return False
    _replace(settings, (json.dumps([*listed, plugin_id], indent=2) + "\n").encode())
    return True


@click.group("obsidian")
def obsidian_command() -> None:
    """The Obsidian plugin that shows vaultkit's problems in the app."""


@obsidian_command.command("install")
@click.argument("vault", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "--enable", is_flag=True, help="Also turn the plugin on (Obsidian must allow community plugins; restart it)."
)
def install_command(vault: Path, enable: bool) -> int:
    """Copy the plugin into VAULT/.obsidian/plugins/vaultkit/ (default: the current folder).

    Settings the plugin saved there are kept; installing again updates it.
    """
    config = vault / ".obsidian"
    if not config.is_dir():
        raise UsageError(
            f"{vault} is not an Obsidian vault (it has no .obsidian folder); open it in Obsidian once first"
        )
    files = _bundle()
    manifest = json.loads(files["manifest.json"])
    plugin_id, version = manifest["id"], manifest["version"]
    target = config / "plugins" / plugin_id
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            _replace(target / name, data)
        enabled = _enable(config / "community-plugins.json", plugin_id) if enable else None
    except OSError as exc:
        raise UsageError(f"cannot install into {target}: {exc}") from exc
    click.echo(f"installed the vaultkit plugin {version} into {target}")
    if enabled is None:
        click.echo("next: in Obsidian, Settings → Community plugins → turn on “vaultkit” (reload the list first)")
    else:
        click.echo("enabled it in .obsidian/community-plugins.json" if enabled else "it was already enabled")
        click.echo("next: restart Obsidian (or reload it) for the plugin to start")
    return EXIT_CLEAN
