"""The ``vaultkit`` command line (click): one module per command, registered here."""

from __future__ import annotations

import click

from vaultkit.cli.cache import cache_command
from vaultkit.cli.check import check_command
from vaultkit.cli.fix import fix_command, undo_command
from vaultkit.cli.inspect import inspect_command
from vaultkit.cli.lsp import lsp_command
from vaultkit.cli.obsidian import obsidian_command
from vaultkit.cli.rules import rule_command, rules_command
from vaultkit.cli.watch import watch_command
from vaultkit.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaultkit")
def main() -> None:
    """Lint, fix and watch Obsidian vaults."""


main.add_command(check_command)
main.add_command(fix_command)
main.add_command(undo_command)
main.add_command(rules_command)
main.add_command(rule_command)
main.add_command(inspect_command)
main.add_command(watch_command)
main.add_command(lsp_command)
main.add_command(obsidian_command)
main.add_command(cache_command)
