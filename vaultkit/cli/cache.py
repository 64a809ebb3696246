"""``vaultkit cache clear``: forget what earlier runs stored in ``.vaultkit/cache.sqlite``."""

from __future__ import annotations

from pathlib import Path

import click

from vaultkit.check import cache
from vaultkit.vault.files import find_root


@click.group("cache")
def cache_command() -> None:
    """Manage the check cache (parsed notes and findings, in .vaultkit/)."""


@click.command("clear")
@click.option("--vault", type=click.Path(file_okay=False, exists=True), help="Vault root (default: the current one).")
def clear_command(vault: str | None) -> None:
    """Delete the vault's check cache; the next check starts from nothing."""
    root = Path(vault).resolve() if vault else find_root(Path.cwd()).path
    click.echo(f"cache cleared: {root}" if cache.clear(root) else f"no cache in {root}")


cache_command.add_command(clear_command)
