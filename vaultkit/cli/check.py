"""``vaultkit check``: report problems."""

from __future__ import annotations

import sys

import click

from vaultkit.cli.common import EXIT_CLEAN, EXIT_PROBLEMS, emit, failing, prepare, run_check, vault_options
from vaultkit.cli.fix import fix_vault


@click.command("check")
@vault_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]), default="text", show_default=True
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option("--statistics", "stats", is_flag=True, help="Count problems per rule.")
@click.option("--quiet", "-q", is_flag=True, help="Print problems only: no summary, no progress.")
@click.option("--fix", is_flag=True, help="Apply safe fixes first (like `vaultkit fix`), then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix: also apply unsafe fixes.")
@click.option("--no-cache", is_flag=True, help="Neither read nor update the check cache in .vaultkit/.")
def check_command(
    paths, vault, config, select, ignore, isolated, jobs, fmt, exit_zero, stats, quiet, fix, unsafe_fixes, no_cache
) -> None:
    """Check notes (default: the whole vault) and report problems."""
    run = prepare(paths, vault, config, select, ignore, isolated)
    result = run_check(run, jobs, quiet or fmt != "text", cache=not no_cache)
    problems = fix_vault(run, result, unsafe_fixes, show_fixes=False).remaining if fix else result.problems
    emit(result, problems, fmt, run.active, quiet, stats)
    sys.exit(EXIT_PROBLEMS if failing(problems) and not exit_zero else EXIT_CLEAN)
