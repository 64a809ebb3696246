"""``vaultkit check``: report problems."""

from __future__ import annotations

import sys

import click

from vaultkit.cli.common import EXIT_CLEAN, EXIT_PROBLEMS, emit, failing, prepare, run_check, vault_options


@click.command("check")
@vault_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]), default="text", show_default=True
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option("--statistics", "stats", is_flag=True, help="Count problems per rule.")
@click.option("--quiet", "-q", is_flag=True, help="Print problems only: no summary, no progress.")
def check_command(paths, vault, config, select, ignore, isolated, jobs, fmt, exit_zero, stats, quiet) -> None:
    """Check notes (default: the whole vault) and report problems."""
    run = prepare(paths, vault, config, select, ignore, isolated)
    result = run_check(run, jobs, quiet or fmt != "text")
    emit(result, result.problems, fmt, run.active, quiet, stats)
    sys.exit(EXIT_PROBLEMS if failing(result.problems) and not exit_zero else EXIT_CLEAN)
