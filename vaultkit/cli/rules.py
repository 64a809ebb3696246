"""``vaultkit rules`` and ``vaultkit rule NAME``: the rule documentation."""

from __future__ import annotations

import click

from vaultkit.api import Rule
from vaultkit.check.registry import find_rule, load_rules
from vaultkit.cli.common import EXIT_CLEAN
from vaultkit.errors import UsageError


def markdown_table(rules: list[Rule]) -> str:
    """The rule index as a Markdown table (the README's table is this output, checked by a test)."""
    rows = ["| code | name | severity | fix | default | what it reports |", "|---|---|---|---|---|---|"]
    for rule in rules:
        fix = "yes" if rule.fixable else ""
        default = "on" if rule.enabled_by_default else "off"
        rows.append(f"| {rule.code} | `{rule.name}` | {rule.severity.value} | {fix} | {default} | {rule.summary} |")
    return "\n".join(rows)


_ISOLATED = click.option("--isolated", is_flag=True, help="Only vaultkit's own rules, no third-party plugins.")


@click.command("rules")
@_ISOLATED
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
def rules_command(isolated: bool, fmt: str) -> int:
    """List every available rule."""
    rules = sorted(load_rules(isolated).values(), key=lambda r: r.code)
    if fmt == "markdown":
        click.echo(markdown_table(rules))
        return EXIT_CLEAN
    for rule in rules:
        flags = ("fix " if rule.fixable else "    ") + ("on " if rule.enabled_by_default else "off")
        click.echo(f"{rule.code}  {rule.name:28s} {rule.severity.value:8s} {flags}  {rule.summary}")
    return EXIT_CLEAN


@click.command("rule")
@click.argument("name")
@_ISOLATED
def rule_command(name: str, isolated: bool) -> int:
    """Show the documentation of one rule (by name or code)."""
    found = find_rule(load_rules(isolated), name)
    if found is None:
        raise UsageError(f"no rule named {name!r} (see `vaultkit rules`)")
    click.echo(found.manual)
    return EXIT_CLEAN
