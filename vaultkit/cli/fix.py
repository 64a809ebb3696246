"""``vaultkit fix``: apply fixes in place (or show them as a diff); ``vaultkit undo``.

Exit status: 0 when no problem remains, 1 when problems remain (or, with
``--exit-non-zero-on-fix``, when a file was changed; with ``--diff``, when a file would be),
2 on usage or configuration errors.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from vaultkit.check import report
from vaultkit.check.engine import CheckResult
from vaultkit.cli.common import EXIT_CLEAN, EXIT_PROBLEMS, Run, failing, prepare, run_check, vault_options
from vaultkit.fix.journal import WRITTEN, undo
from vaultkit.fix.run import PLANNED, FileFix, VaultFix, commit, patch, plan
from vaultkit.vault.files import find_root, printable


def fix_vault(run: Run, result: CheckResult, unsafe: bool, show_fixes: bool, write: bool = True) -> VaultFix:
    """Fix the checked notes (write them unless ``write`` is false) and tell the user on
    stderr what was applied and what went wrong; shared by ``fix`` and ``check --fix``."""
    outcome = plan(result, run.active, unsafe)
    if write:
        commit(outcome)
    done = _done(outcome)
    if show_fixes and done:
        click.echo("\n".join(_applied(done)), err=True)
    for warning in outcome.warnings():
        click.echo(f"vaultkit: warning: {warning}", err=True)
    return outcome


def _done(outcome: VaultFix) -> list[FileFix]:
    """The files changed (or, without writing, that would be)."""
    return [f for f in outcome.changed if f.state in (PLANNED, WRITTEN)]


def _applied(done: list[FileFix]) -> Iterator[str]:
    for item in done:
        yield f"{item.rel}:"
        for fix in item.result.applied:
            yield f"  {fix.line}:{fix.column} {fix.code} [{fix.rule}] {fix.title}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(done: list[FileFix], remaining: int, written: bool) -> str:
    fixed = sum(len(f.result.applied) for f in done)
    verb = "Fixed" if written else "Would fix"
    undo_hint = " Undo with `vaultkit undo`." if written and done else ""
    return f"{verb} {_count(fixed, 'problem')} in {_count(len(done), 'file')}; {remaining} remaining.{undo_hint}"


@click.command("fix")
@vault_options
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change meaning (see each rule's docs).")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the fixes; write nothing.")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied, per file (rule, line, what).")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when a file was changed (for pre-commit hooks).")
@click.option("--quiet", "-q", is_flag=True, help="Print remaining problems only: no summary, no progress.")
def fix_command(
    paths,
    vault,
    config,
    select,
    ignore,
    isolated,
    jobs,
    unsafe_fixes,
    show_diff,
    show_fixes,
    exit_non_zero_on_fix,
    quiet,
) -> None:
    """Fix problems in place: safe fixes, and unsafe ones with --unsafe-fixes.

    Every changed file's original is kept in the vault's .vaultkit/ folder first;
    each `vaultkit undo` steps back one run.
    """
    run = prepare(paths, vault, config, select, ignore, isolated)
    result = run_check(run, jobs, quiet)
    outcome = fix_vault(run, result, unsafe_fixes, show_fixes, write=not show_diff)
    remaining, done = outcome.remaining, _done(outcome)
    if show_diff:
        for item in done:
            click.echo(patch(item.rel, item.result), nl=False)
        if remaining:  # the patch stays clean on stdout; what it would leave goes to stderr
            click.echo(report.format_text(remaining), err=True)
    elif remaining:
        click.echo(report.format_text(remaining))
    if not quiet:
        click.echo(_summary(done, len(remaining), written=not show_diff), err=True)
    unsettled = any(not f.result.converged for f in outcome.files)
    changed = bool(done) and (show_diff or exit_non_zero_on_fix)
    sys.exit(EXIT_PROBLEMS if failing(remaining) or unsettled or changed else EXIT_CLEAN)


@click.command("undo")
@click.option("--vault", type=click.Path(file_okay=False, exists=True), help="Vault root (default: the current one).")
def undo_command(vault: str | None) -> None:
    """Step back one run: restore the files the last `vaultkit fix` (or `watch --fix`)
    changed, each only if unchanged since."""
    root = Path(vault).resolve() if vault else find_root(Path.cwd())
    try:
        journal, results = undo(root)
    except OSError as exc:  # another writer holds the vault, or its .vaultkit/ is unsafe
        click.echo(f"vaultkit: error: nothing undone: {exc}", err=True)
        sys.exit(EXIT_PROBLEMS)
    if journal is None:
        click.echo("Nothing to undo.")
        sys.exit(EXIT_CLEAN)
    for item in results:
        click.echo(f"{item.status:9s} {printable(item.path)}" + (f": {item.reason}" if item.reason else ""))
    refused = sum(r.status == "refused" for r in results)
    restored = sum(r.status == "restored" for r in results)
    refusals = f"; refused {refused}." if refused else "."
    click.echo(f"Restored {_count(restored, 'file')} of the run of {journal.created}{refusals}", err=True)
    sys.exit(EXIT_PROBLEMS if refused else EXIT_CLEAN)
