"""What every vault command shares: options, vault discovery, progress, output.

Exit status: 0 clean, 1 problems found, 2 usage or configuration error.  Every command that
works on a vault uses :func:`vault_options` and :func:`prepare`, so ``--vault``,
``--config``, ``--select`` and ``--ignore`` mean the same everywhere.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from vaultkit.api import Severity
from vaultkit.check import report
from vaultkit.check.config import ActiveRule, Config, ConfigError
from vaultkit.check.engine import CheckResult, Problem, check, default_jobs
from vaultkit.check.registry import PluginError
from vaultkit.check.run import resolve_run
from vaultkit.model import nfc
from vaultkit.vault.files import find_root

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
PROGRESS_AFTER = 1.0  # seconds a run goes before it shows a progress bar


@dataclass
class Run:
    """What a command needs to work on a vault: where, which notes, which rules."""

    root: Path
    targets: list[str] | None
    config: Config
    active: list[ActiveRule]


def _targets(root: Path, paths: Sequence[str]) -> list[str] | None:
    if not paths:
        return None
    out = []
    for raw in paths:
        path = Path(raw).resolve()
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            raise click.UsageError(f"{raw} is outside the vault at {root}") from None
        if not path.exists():
            raise click.UsageError(f"{raw}: no such file or folder")
        rel = "" if rel == "." else nfc(rel)
        out.append(rel + "/" if path.is_dir() and rel else rel)
    return None if "" in out else out


def prepare(
    paths: Sequence[str],
    vault: str | None,
    config: str | None,
    select: Sequence[str],
    ignore: Sequence[str],
    isolated: bool = False,
) -> Run:
    """Find the vault, load and validate configuration; exits with status 2 on errors."""
    start = Path(vault) if vault else Path(paths[0]) if paths else Path.cwd()
    if not start.exists():
        raise click.UsageError(f"{start}: no such file or folder")
    root = Path(vault).resolve() if vault else find_root(start)
    if paths and not vault and all(Path(p).is_file() for p in paths) and not (root / ".obsidian").is_dir():
        cwd = Path.cwd().resolve()  # pre-commit passes files relative to the repository root
        if all(Path(p).resolve().is_relative_to(cwd) for p in paths):
            root = find_root(cwd)
    try:
        cfg, active = resolve_run(root, Path(config) if config else None, _split(select), _split(ignore), isolated)
    except (ConfigError, PluginError) as exc:
        click.echo(f"vaultkit: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    return Run(root, _targets(root, paths), cfg, active)


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _apply(decorators: Sequence[Callable[..., Any]], func: Callable[..., Any]) -> Callable[..., Any]:
    return functools.reduce(lambda f, d: d(f), reversed(decorators), func)


def rule_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options that decide which rules run, how (also taken by ``vaultkit lsp``)."""
    return _apply(
        [
            click.option(
                "--config",
                type=click.Path(dir_okay=False),
                help="Configuration file (default: .vaultkit.toml at the vault root).",
            ),
            click.option(
                "--select", multiple=True, help="Rules to run: codes, code prefixes (VK2) or names; comma-separated."
            ),
            click.option("--ignore", multiple=True, help="Rules to skip, same syntax as --select."),
            click.option("--isolated", is_flag=True, help="Load only vaultkit's own rules, no third-party plugins."),
        ],
        func,
    )


def vault_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every vault command takes."""
    return _apply(
        [
            click.argument("paths", nargs=-1, type=click.Path()),
            click.option(
                "--vault",
                type=click.Path(file_okay=False),
                help="Vault root (default: nearest folder with .obsidian/).",
            ),
            rule_options,
            click.option(
                "--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Worker processes (default: CPU count)."
            ),
        ],
        func,
    )


def debounce_option(default: float, what: str) -> Callable[..., Any]:
    """``--debounce``: how long ``what`` must be quiet before it is checked."""
    return click.option(
        "--debounce",
        type=click.FloatRange(0, 10),
        default=default,
        show_default=True,
        help=f"Seconds {what} must be quiet before it is checked.",
    )


class _Progress:
    """A progress bar on stderr, only when stderr is a terminal and only once a run has taken
    :data:`PROGRESS_AFTER` seconds: quick runs stay quiet, whatever the vault's size."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.phase = ""
        self.done = 0
        self.started = time.monotonic()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if phase != self.phase:
            self.close()
            self.phase, self.done = phase, 0
        self.done += done
        if self.bar is None:
            if time.monotonic() - self.started < PROGRESS_AFTER:
                return
            self.bar = click.progressbar(length=total, label=phase.ljust(8), file=sys.stderr)
            self.bar.__enter__()
            done = self.done
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _terminate(signum: int, _frame: Any) -> None:
    """SIGTERM ends a run as Ctrl-C does: at once, its worker processes killed on the way out."""
    raise SystemExit(128 + signum)


def run_check(run: Run, jobs: int | None, quiet: bool, cache: bool = False) -> CheckResult:
    """Check the vault with a progress bar when it is worth one (``cache``: use the vault's
    check cache, :mod:`vaultkit.check.cache`)."""
    progress = _Progress(not quiet and sys.stderr.isatty())
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return check(
            run.root,
            run.active,
            run.targets,
            run.config.exclude,
            run.config.max_file_size,
            jobs or default_jobs(),
            progress,
            cache=cache,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.close()


def emit(
    result: CheckResult, problems: list[Problem], fmt: str, active: list[ActiveRule], quiet: bool, stats: bool
) -> None:
    """Print problems in the chosen format (and the summary for people)."""
    prefix = _repo_prefix(result.root)
    if fmt == "json":
        click.echo(report.format_json(problems, result.index))
    elif fmt == "github":
        if problems:
            click.echo(report.format_github(problems, prefix))
    elif fmt == "sarif":
        click.echo(report.format_sarif(problems, {a.rule.name: a.rule for a in active}, prefix))
    else:
        if problems:
            click.echo(report.format_text(problems, colour=sys.stdout.isatty() and "NO_COLOR" not in os.environ))
        if stats and problems:
            click.echo(report.statistics(problems))
        if not quiet:
            click.echo(report.summary(problems, len(result.checked)), err=bool(problems))
    for warning in result.warnings:
        click.echo(f"vaultkit: warning: {warning}", err=True)


def _repo_prefix(root: Path) -> str:
    """Path from the current directory to the vault, so CI annotations point at real files."""
    try:
        rel = root.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel + "/"


def failing(problems: list[Problem]) -> bool:
    return any(p.severity is not Severity.INFO for p in problems)
