"""``vaultkit rules`` and ``vaultkit rule NAME``: the rule documentation."""

from __future__ import annotations

import sys

import click

from vaultkit.cli.common import EXIT_USAGE
from vaultkit.registry import PluginError, load_rules


@click.command("rules")
@click.option("--isolated", is_flag=True, help="Only vaultkit's own rules.")
def rules_command(isolated: bool) -> None:
    """List every available rule."""
    try:
        rules = load_rules(isolated)
    except PluginError as exc:
        click.echo(f"vaultkit: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    for rule in sorted(rules.values(), key=lambda r: r.code):
        flags = ("fix " if rule.fixable else "    ") + ("on " if rule.enabled_by_default else "off")
        click.echo(f"{rule.code}  {rule.name:28s} {rule.severity.value:8s} {flags}  {rule.summary}")


@click.command("rule")
@click.argument("name")
def rule_command(name: str) -> None:
    """Show the documentation of one rule (by name or code)."""
    rules = load_rules()
    found = rules.get(name) or next((r for r in rules.values() if r.code == name.upper()), None)
    if found is None:
        raise click.UsageError(f"no rule named {name!r} (see `vaultkit rules`)")
    click.echo(f"# {found.name} ({found.code})\n")
    click.echo(
        f"Severity: {found.severity.value}. Enabled by default: {'yes' if found.enabled_by_default else 'no'}. "
        f"Fixable: {'yes' if found.fixable else 'no'}.\n"
    )
    click.echo(found.doc)
