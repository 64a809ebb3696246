"""``vaultkit check``: report problems."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click

from vaultkit.check import baseline as baselines
from vaultkit.check.report import plural
from vaultkit.cli.common import (
    EXIT_CLEAN,
    EXIT_PROBLEMS,
    VaultOptions,
    emit,
    failing,
    pass_options,
    prepare,
    run_check,
    stdin_option,
    vault_options,
)
from vaultkit.cli.fix import fix_vault, read_stdin
from vaultkit.errors import UsageError


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
@click.option(
    "--output-file", "-o", type=click.File("w", encoding="utf-8", lazy=True), help="Write the report to this file."
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only problems not recorded in this baseline file (see --write-baseline).",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record every problem found in this file and exit 0: adopt vaultkit on a vault as it is.",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor update the check cache in .vaultkit/.")
@stdin_option
@pass_options
def check_command(
    options: VaultOptions,
    fmt: str,
    exit_zero: bool,
    stats: bool,
    quiet: bool,
    fix: bool,
    unsafe_fixes: bool,
    output_file: TextIO | None,
    baseline: Path | None,
    write_baseline: Path | None,
    no_cache: bool,
) -> int:
    """Check notes (default: the whole vault) and report problems."""
    run = prepare(options)
    known = baselines.read(baseline) if baseline is not None else None  # a bad file fails before the run
    if options.stdin:
        if fix:
            raise UsageError("--fix does not apply to a note read from stdin; use `vaultkit fix --stdin-filename`")
        result = read_stdin(run)[1]
    else:
        result = run_check(run, options.jobs, quiet or fmt != "text", cache=not no_cache)
    problems = fix_vault(run, result, unsafe_fixes, show_fixes=False).remaining if fix else result.problems
    if write_baseline is not None:
        recorded = baselines.write(write_baseline, problems, result.index)
        click.echo(f"Recorded {plural(recorded, 'problem')} in {write_baseline}.", err=True)
        return EXIT_CLEAN
    if known is not None:
        problems = baselines.new_problems(problems, result.index, known)
    emit(result, problems, fmt, lambda: run.active, quiet, stats, output_file)
    return EXIT_PROBLEMS if failing(problems) and not exit_zero else EXIT_CLEAN
