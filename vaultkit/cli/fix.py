"""``vaultkit fix``: apply fixes in place (or show them as a diff); ``vaultkit undo``.

Exit status: 0 when no problem remains, 1 when problems remain (or, with
``--exit-non-zero-on-fix``, when a file was changed; with ``--diff``, when a file would be),
2 on usage or configuration errors.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vaultkit.check import report
from vaultkit.check.engine import CheckResult, Problem
from vaultkit.check.report import plural, unsafe_hint
from vaultkit.check.run import check_as
from vaultkit.cli.common import (
    EXIT_CLEAN,
    EXIT_PROBLEMS,
    Run,
    VaultOptions,
    failing,
    pass_options,
    prepare,
    run_check,
    shown_as,
    stdin_option,
    vault_options,
    vault_root,
    where_options,
)
from vaultkit.read.parse import digest_of
from vaultkit.vault.files import printable

if TYPE_CHECKING:  # the fixer is imported by the runs that fix (`vaultkit check` mostly does not)
    from vaultkit.fix.run import FileFix, VaultFix


def fix_vault(run: Run, result: CheckResult, unsafe: bool, show_fixes: bool, write: bool = True) -> VaultFix:
    """Fix the checked notes (write them unless ``write`` is false) and tell the user on
    stderr what was applied and what went wrong; shared by ``fix`` and ``check --fix``."""
    from vaultkit.fix.run import commit, plan

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
    from vaultkit.fix.journal import WRITTEN
    from vaultkit.fix.run import PLANNED

    return [f for f in outcome.changed if f.state in (PLANNED, WRITTEN)]


def _applied(done: list[FileFix]) -> Iterator[str]:
    for item in done:
        yield f"{item.rel}:"
        for fix in item.result.applied:
            yield f"  {fix.line}:{fix.column} {fix.code} [{fix.rule}] {fix.title}"


def _summary(done: list[FileFix], remaining: list[Problem], written: bool) -> str:
    fixed = sum(len(f.result.applied) for f in done)
    verb = "Fixed" if written else "Would fix"
    undo_hint = " Undo with `vaultkit undo`." if written and done else ""
    left = f"{len(remaining)} remaining.{unsafe_hint(remaining)}"
    return f"{verb} {plural(fixed, 'problem')} in {plural(len(done), 'file')}; {left}{undo_hint}"


def read_stdin(run: Run) -> tuple[bytes, CheckResult]:
    """Read the note piped to stdin and check it as the one note the run targets
    (``--stdin-filename``); returns its bytes and the result."""
    assert run.targets is not None
    data = sys.stdin.buffer.read()
    return data, check_as(run.root, run.targets[0], data, run.config, run.active)


def _fix_stdin(run: Run, unsafe: bool, quiet: bool) -> int:
    """Fix the note piped to stdin and print the fixed text (ruff's and vale's convention):
    the file on disk is not touched; what remains is reported on stderr."""
    from vaultkit.fix.loop import fix_note

    data, result = read_stdin(run)
    (rel,) = result.checked
    fixed = fix_note(result.index.notes[rel], result.index, run.active, unsafe, data, result.problems)
    sys.stdout.buffer.write(fixed.data)
    sys.stdout.flush()
    if fixed.remaining:
        click.echo(report.format_text(fixed.remaining, display=shown_as(run.root)), err=True)
    if not quiet:
        click.echo(f"Fixed {plural(len(fixed.applied), 'problem')}; {len(fixed.remaining)} remaining.", err=True)
    return EXIT_PROBLEMS if failing(fixed.remaining) or not fixed.converged else EXIT_CLEAN


@click.command("fix")
@vault_options
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change meaning (see each rule's docs).")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the fixes; write nothing.")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied, per file (rule, line, what).")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when a file was changed (for pre-commit hooks).")
@click.option(
    "--fixes-only",
    is_flag=True,
    help="Report only the fixes applied and exit 1 only when a file changed; leave the problems that remain "
    "to `vaultkit check` (the pre-commit hook pair, like ruff's).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print remaining problems only: no summary, no progress.")
@stdin_option
@pass_options
def fix_command(
    options: VaultOptions,
    unsafe_fixes: bool,
    show_diff: bool,
    show_fixes: bool,
    exit_non_zero_on_fix: bool,
    fixes_only: bool,
    quiet: bool,
) -> int:
    """Fix problems in place: safe fixes, and unsafe ones with --unsafe-fixes.

    Every changed file's original is kept in the vault's .vaultkit/ folder first;
    each `vaultkit undo` steps back one run.
    """
    run = prepare(options)
    if options.stdin:
        return _fix_stdin(run, unsafe_fixes, quiet)
    result = run_check(run, options.jobs, quiet)
    outcome = fix_vault(run, result, unsafe_fixes, show_fixes or fixes_only, write=not show_diff)
    remaining, done = outcome.remaining, _done(outcome)
    unsettled = any(not f.result.converged for f in outcome.files)
    if fixes_only:
        if done and not quiet:
            click.echo(f"Fixed {plural(sum(len(f.result.applied) for f in done), 'problem')} in "
                       f"{plural(len(done), 'file')}.", err=True)  # fmt: skip
        return EXIT_PROBLEMS if done or unsettled else EXIT_CLEAN
    if show_diff:
        from vaultkit.fix.run import patch

        for item in done:
            click.echo(patch(item.rel, item.result), nl=False)
        if remaining:  # the patch stays clean on stdout; what it would leave goes to stderr
            click.echo(report.format_text(remaining, display=shown_as(run.root)), err=True)
    elif remaining:
        click.echo(report.format_text(remaining, display=shown_as(run.root)))
    if not quiet:
        click.echo(_summary(done, remaining, written=not show_diff), err=True)
    changed = bool(done) and (show_diff or exit_non_zero_on_fix)
    return EXIT_PROBLEMS if failing(remaining) or unsettled or changed else EXIT_CLEAN


@click.command("undo")
@where_options
@click.option(
    "--orig",
    "keep_orig",
    is_flag=True,
    help="Instead of restoring, write each file's original from the last run beside it as NAME.orig "
    "(for files undo refused because they changed since the fix).",
)
@pass_options
def undo_command(options: VaultOptions, keep_orig: bool) -> int:
    """Step back one run: restore the files the last `vaultkit fix` (or `watch --fix`)
    changed, each only if unchanged since."""
    from vaultkit.fix.journal import undo

    root = vault_root(options).path
    if keep_orig:
        return _write_originals(root)
    try:
        journal, results = undo(root)
    except OSError as exc:  # another writer holds the vault, or its .vaultkit/ is unsafe
        click.echo(f"vaultkit: error: nothing undone: {exc}", err=True)
        return EXIT_PROBLEMS
    if journal is None:
        click.echo("Nothing to undo.")
        return EXIT_CLEAN
    for item in results:
        click.echo(f"{item.status:9s} {printable(item.path)}" + (f": {item.reason}" if item.reason else ""))
    refused = sum(r.status == "refused" for r in results)
    restored = sum(r.status == "restored" for r in results)
    refusals = f"; refused {refused}." if refused else "."
    click.echo(f"Restored {plural(restored, 'file')} of the run of {journal.created}{refusals}", err=True)
    if refused:
        click.echo("`vaultkit undo --orig` writes the original of each refused file beside it as NAME.orig.", err=True)
    return EXIT_PROBLEMS if refused else EXIT_CLEAN


def _write_originals(root: Path) -> int:
    """Put the originals the journal keeps beside their files, as ``NAME.orig``: the way back
    for a file changed since the fix, to compare and merge by hand.  An existing ``.orig`` is
    never overwritten, and an original whose checksum fails is not written."""
    from vaultkit.fix.journal import Journal

    journal = Journal.last(root)
    if journal is None:
        click.echo("Nothing to undo.")
        return EXIT_CLEAN
    failed = 0
    for entry in journal.entries.values():
        target = root / (entry.path + ".orig")
        original = journal.original(entry)
        if digest_of(original) != entry.original:
            click.echo(f"damaged  {printable(entry.path)}: its original in the journal is damaged")
            failed += 1
            continue
        try:
            with open(target, "xb") as handle:
                handle.write(original)
        except FileExistsError:
            click.echo(f"exists   {printable(entry.path)}.orig: left as it is")
            failed += 1
        except OSError as exc:
            click.echo(f"failed   {printable(entry.path)}.orig: {exc.strerror}")
            failed += 1
        else:
            click.echo(f"wrote    {printable(entry.path)}.orig")
    return EXIT_PROBLEMS if failed else EXIT_CLEAN
