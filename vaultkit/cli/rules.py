"""``vaultkit rules`` and ``vaultkit rule NAME``: the rule documentation."""

from __future__ import annotations

import sys

import click

from vaultkit.api import Rule
from vaultkit.check.registry import PluginError, find_rule, load_rules
from vaultkit.cli.common import EXIT_USAGE


def markdown_table(rules: list[Rule]) -> str:
    """The rule index as a Markdown table (the README's table is this output, checked by a test)."""
    rows = ["| code | name | severity | fix | default | what it reports |", "|---|---|---|---|---|---|"]
    for rule in rules:
        fix = "yes" if rule.fixable else ""
        default = "on" if rule.enabled_by_default else "off"
        rows.append(f"| {rule.code} | `{rule.name}` | {rule.severity.value} | {fix} | {default} | {rule.summary} |")
    return "\n".join(rows)


@click.command("rules")
@click.option("--isolated", is_flag=True, help="Only vaultkit's own rules.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
def rules_command(isolated: bool, fmt: str) -> None:
    """List every available rule."""
    try:
        rules = sorted(load_rules(isolated).values(), key=lambda r: r.code)
    except PluginError as exc:
        click.echo(f"vaultkit: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if fmt == "markdown":
        click.echo(markdown_table(rules))
        return
    for rule in rules:
        flags = ("fix " if rule.fixable else "    ") + ("on " if rule.enabled_by_default else "off")
        click.echo(f"{rule.code}  {rule.name:28s} {rule.severity.value:8s} {flags}  {rule.summary}")


@click.command("rule")
@click.argument("name")
def rule_command(name: str) -> None:
    """Show the documentation of one rule (by name or code)."""
    found = find_rule(load_rules(), name)
    if found is None:
        raise click.UsageError(f"no rule named {name!r} (see `vaultkit rules`)")
    click.echo(found.manual)
