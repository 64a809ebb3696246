"""What every vault command shares: options, vault discovery, progress, output.

Exit status: 0 clean, 1 problems found, 2 usage or configuration error.  The options every
vault command takes are gathered into one :class:`VaultOptions` object (click's
``make_pass_decorator``), so ``--vault``, ``--config``, ``--select`` and ``--ignore`` mean the
same everywhere; :func:`prepare` turns it into a :class:`Run`.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from vaultkit.api import Severity
from vaultkit.check import cache as vcache
from vaultkit.check import warm
from vaultkit.check.config import ActiveRule, Config, load_config
from vaultkit.check.engine import CheckResult, Problem, check, default_jobs, no_gc
from vaultkit.errors import UsageError
from vaultkit.model import nfc
from vaultkit.vault.files import Listing, Root, find_root, list_files

if TYPE_CHECKING:
    from vaultkit.check.run import Selection

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
# An unmarked root (a guess) indexing this many notes, and this many times those asked about,
# was probably not meant as the vault: say so rather than silently index a whole disk.
UNMARKED_WARNING, UNMARKED_RATIO = 200, 20
PROGRESS_AFTER = 1.0  # seconds: a run that takes longer shows a progress bar on a terminal


@dataclass
class VaultOptions:
    """The options shared by the vault commands, as one object (see :data:`pass_options`)."""

    paths: tuple[str, ...] = ()
    vault: str | None = None
    config: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    isolated: bool = False
    jobs: int | None = None
    verbose: bool = False
    stdin_filename: str | None = None

    @property
    def stdin(self) -> bool:
        """Whether the note comes from stdin (``--stdin-filename PATH -``)."""
        if "-" not in self.paths:
            if self.stdin_filename:
                raise UsageError("--stdin-filename names the note read from stdin: pass `-` as the path")
            return False
        if self.paths != ("-",) or not self.stdin_filename:
            raise UsageError("to read a note from stdin, pass `-` alone and --stdin-filename PATH (where it belongs)")
        return True

    @property
    def selection(self) -> Selection:
        """The rules chosen on the command line (``--select``, ``--ignore``, ``--isolated``...)."""
        from vaultkit.check.run import Selection

        return Selection(
            split(self.select), split(self.ignore), self.isolated, split(self.extend_select), split(self.extend_ignore)
        )

    def resolve(self, root: Path) -> tuple[Config, list[ActiveRule]]:
        """Load the configuration at ``root`` and decide the active rules (raises
        :class:`~vaultkit.errors.ConfigError` / :class:`~vaultkit.errors.PluginError`)."""
        from vaultkit.check.run import resolve_run

        return resolve_run(root, Path(self.config) if self.config else None, *self.selection)


pass_options = click.make_pass_decorator(VaultOptions, ensure=True)


@dataclass
class Run:
    """What a command needs to work on a vault: where, which notes, which rules.  The rules
    are loaded when first asked for: a check answered from the stored report
    (:mod:`vaultkit.check.warm`) loads none."""

    root: Path
    targets: list[str] | None
    config: Config
    selection: Selection | None  # None: no rule is active
    marked: bool = True  # whether something marks the root as a vault (else it is a guess)
    listing: Listing | None = field(default=None, repr=False)  # the vault's files, once listed

    @cached_property
    def active(self) -> list[ActiveRule]:
        """The active rules (raises :class:`~vaultkit.errors.ConfigError` / :class:`~vaultkit.errors.PluginError`)."""
        from vaultkit.check.run import choose_rules

        return choose_rules(self.config, self.selection) if self.selection is not None else []


def _vault_path(root: Path, raw: str) -> str:
    """``raw`` (relative to the current directory) as a vault-relative path."""
    try:
        rel = Path(raw).resolve().relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{raw} is outside the vault at {root}") from None
    return "" if rel == "." else nfc(rel)


def _targets(root: Path, paths: Sequence[str]) -> list[str] | None:
    if not paths:
        return None
    out = []
    for raw in paths:
        rel = _vault_path(root, raw)
        if not Path(raw).exists():
            raise UsageError(f"{raw}: no such file or folder")
        out.append(rel + "/" if Path(raw).is_dir() and rel else rel)
    return None if "" in out else out


def vault_root(options: VaultOptions) -> Root:
    """The vault the command works on: ``--vault``, else found from the paths given (the
    current folder only when no path is given), the same for all of them."""
    if options.vault:
        root = Root(Path(options.vault).resolve(), "--vault names it", True)
    else:
        paths = [options.stdin_filename] if options.stdin and options.stdin_filename else options.paths or ["."]
        starts = [_existing(raw, may_be_new=options.stdin) for raw in paths]
        found = {find_root(start) for start in starts}
        if len({r.path for r in found}) > 1:
            if any(r.marked for r in found):
                where = ", ".join(sorted(str(r.path) for r in found))
                raise UsageError(f"the paths given belong to different vaults ({where}); check one at a time")
            common = Path(os.path.commonpath([r.path for r in found]))
            found = {Root(common, "it is the folder holding every path given (none is in a marked vault)", False)}
        (root,) = found
    if options.verbose:
        click.echo(f"vaultkit: vault root {root.path}: {root.why}", err=True)
    return root


def _existing(raw: str, may_be_new: bool) -> Path:
    """``raw`` as a path that exists (for a note read from stdin, its folder will do)."""
    path = Path(raw)
    if path.exists():
        return path
    if may_be_new and path.parent.is_dir():
        return path.parent
    raise UsageError(f"{raw}: no such file or folder")


def prepare(options: VaultOptions, rules: bool = True) -> Run:
    """Find the vault, load and validate configuration (raises :class:`~vaultkit.errors.VaultkitError`;
    the rules are loaded and the selection checked when :attr:`Run.active` is first read).
    Without ``rules`` no rule is active (for commands that only read the vault)."""
    root = vault_root(options)
    config = load_config(root.path, Path(options.config) if options.config else None)
    if options.stdin and options.stdin_filename:
        targets: list[str] | None = [_vault_path(root.path, options.stdin_filename)]
    else:
        targets = _targets(root.path, options.paths)
    return Run(root.path, targets, config, options.selection if rules else None, root.marked)


def split(values: Sequence[str]) -> list[str]:
    """Selectors given as repeated and/or comma-separated options."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Put an option's value on the command's :class:`VaultOptions`."""
    setattr(ctx.ensure_object(VaultOptions), param.name or "", value)
    return value


def debounce_option(default: float, what: str) -> Callable[..., Any]:
    """``--debounce``: how long ``what`` must be quiet before it is checked."""
    return click.option(
        "--debounce",
        type=click.FloatRange(0, 10),
        default=default,
        show_default=True,
        help=f"Seconds {what} must be quiet before it is checked.",
    )


def _shared(*decorators: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Callable[..., Any]:
    def apply(func: Callable[..., Any]) -> Callable[..., Any]:
        return functools.reduce(lambda f, d: d(f), reversed(decorators), func)

    return apply


_PATHS = click.argument("paths", nargs=-1, type=click.Path(), callback=_store, expose_value=False)
_VAULT = click.option(
    "--vault",
    type=click.Path(file_okay=False),
    callback=_store,
    expose_value=False,
    help="Vault root (default: the nearest folder above the paths with .obsidian/ or .vaultkit.toml, "
    "else the git work tree, else the folder given).",
)
_CONFIG = click.option(
    "--config",
    type=click.Path(dir_okay=False),
    callback=_store,
    expose_value=False,
    help="Configuration file (default: .vaultkit.toml at the vault root).",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    callback=_store,
    expose_value=False,
    help="Worker processes (default: CPU count).",
)
_ISOLATED = click.option(
    "--isolated",
    is_flag=True,
    callback=_store,
    expose_value=False,
    help="Load only vaultkit's own rules, no third-party plugins.",
)
_SELECT = click.option(
    "--select",
    multiple=True,
    callback=_store,
    expose_value=False,
    help="Rules to run: codes, code prefixes (VK2) or names; comma-separated.",
)
_IGNORE = click.option(
    "--ignore", multiple=True, callback=_store, expose_value=False, help="Rules to skip, same syntax as --select."
)

_VERBOSE = click.option(
    "--verbose",
    "-v",
    is_flag=True,
    callback=_store,
    expose_value=False,
    help="Say which vault root was chosen and why (and, for watch, log every request and batch).",
)

stdin_option = click.option(
    "--stdin-filename",
    type=click.Path(dir_okay=False),
    callback=_store,
    expose_value=False,
    help="With `-` as the path: read the note from stdin, as if it were this note of the vault.",
)

#: Where the vault is: ``PATHS``, ``--vault``, ``--config``, ``--verbose`` (every command that opens a vault).
where_options = _shared(_PATHS, _VAULT, _CONFIG, _VERBOSE)
_EXTEND_SELECT = click.option(
    "--extend-select",
    multiple=True,
    callback=_store,
    expose_value=False,
    help="Rules to run in addition to those selected (here or in the configuration).",
)
_EXTEND_IGNORE = click.option(
    "--extend-ignore",
    multiple=True,
    callback=_store,
    expose_value=False,
    help="Rules to skip in addition to those ignored.",
)

#: Which rules run, for fronts without a vault argument (``vaultkit lsp``): ``--config``,
#: ``--select``, ``--ignore``, ``--isolated``.
selection_options = _shared(_CONFIG, _SELECT, _IGNORE, _ISOLATED)
#: Which rules run, and how: ``--select``, ``--ignore``, their ``--extend-`` forms, ``--isolated``, ``--jobs``.
rule_options = _shared(_SELECT, _EXTEND_SELECT, _IGNORE, _EXTEND_IGNORE, _ISOLATED, jobs_option)
#: Both, for the commands that check notes.
vault_options = _shared(where_options, rule_options)


class Progress:
    """A progress bar on stderr once a run has taken longer than :data:`PROGRESS_AFTER`
    seconds, whatever the note count (a small vault with a slow git history counts too), and
    only when stderr is a terminal.  ``clock`` is for tests."""

    def __init__(self, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self.clock = clock
        self.started = clock()
        self.bar: Any = None
        self.phase = ""
        self.done = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if phase != self.phase:
            self.close()
            self.phase, self.done = phase, 0
        self.done += done
        if self.bar is None:
            if self.clock() - self.started < PROGRESS_AFTER:
                return
            self.bar = click.progressbar(length=total, label=phase.ljust(8), file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done)
        else:
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
    check cache, :mod:`vaultkit.check.cache`, and answer an unchanged vault with the last
    run's report, :mod:`vaultkit.check.warm`)."""
    with no_gc():  # (tens of thousands of paths, signatures and problems, and no cycle among them)
        listing = run.listing = list_files(run.root, run.config.exclude, run.config.follow_external_symlinks)
        signatures = vcache.signatures(run.root, listing) if cache else None
        key = (
            warm.state(run.root, run.config, run.selection, run.targets, listing, signatures)
            if signatures is not None
            else None
        )
        stored = warm.recall(run.root, key) if key is not None else None
    if stored is not None:
        checked = listing.notes if stored.checked is None else stored.checked
        result = CheckResult(
            run.root, lambda: _check(run, jobs, None, cache).index, stored.problems, checked, listing.warnings
        )
    else:
        result = _check(run, jobs, Progress(not quiet and sys.stderr.isatty()), cache, signatures)
        if key is not None:
            notes = None if result.checked == listing.notes else result.checked  # (see warm.Report)
            warm.remember(run.root, key, warm.Report(notes, result.problems))
    return _guessed_root(run, result)


def _check(
    run: Run,
    jobs: int | None,
    progress: Progress | None,
    cache: bool,
    signatures: Mapping[str, vcache.Signature] | None = None,
) -> CheckResult:
    """The run itself (:func:`vaultkit.check.engine.check`), ended by SIGTERM as by Ctrl-C."""
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
            external_symlinks=run.config.follow_external_symlinks,
            cache=cache,
            listing=run.listing,
            signatures=signatures,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
        if progress is not None:
            progress.close()


def _guessed_root(run: Run, result: CheckResult) -> CheckResult:
    """``result``, warned about when an unmarked root indexed far more notes than were asked about."""
    from vaultkit.check.report import plural

    if run.marked or run.targets is None:  # (the index is built only when needed: a cached run has none)
        return result
    indexed, asked = len(result.index.notes), len(result.checked)
    if indexed >= max(UNMARKED_WARNING, UNMARKED_RATIO * asked):
        result.warnings.append(
            f"indexed {indexed} notes under {run.root} to check {plural(asked, 'note')}: nothing marks that folder "
            "as a vault; add .vaultkit.toml (or .obsidian/) at the vault's root, or pass --vault"
        )
    return result


def emit(
    result: CheckResult,
    problems: list[Problem],
    fmt: str,
    active: Callable[[], list[ActiveRule]],
    quiet: bool,
    stats: bool,
    out: TextIO | None = None,
) -> None:
    """Print problems in the chosen format to ``out`` (default: stdout), and for people the
    summary on stderr.  ``stats`` prints only the table of counts per rule, as ruff does."""
    from vaultkit.check import report

    prefix = _repo_prefix(result.root)
    if fmt == "json":
        click.echo(report.format_json(problems, result.index), file=out)
    elif fmt == "github":
        if problems:
            click.echo(report.format_github(problems, prefix), file=out)
    elif fmt == "sarif":
        base = Path.cwd() if prefix or _under_cwd(result.root) else result.root
        click.echo(report.format_sarif(problems, {a.rule.name: a.rule for a in active()}, prefix, base), file=out)
    elif stats:
        if problems:
            click.echo(report.statistics(problems), file=out)
            safe = sum(1 for p in problems if report.safe_fix(p))
            if safe and not quiet:
                click.echo(f"[*] {safe} fixable with `vaultkit fix`.{report.unsafe_hint(problems)}", file=out)
    else:
        if problems:
            colour = out is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
            click.echo(report.format_text(problems, colour, shown_as(result.root)), file=out)
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


def _under_cwd(root: Path) -> bool:
    return root.is_relative_to(Path.cwd().resolve())


def shown_as(root: Path) -> Callable[[str], str]:
    """How text output names a note of the vault at ``root``: relative to the current
    directory when it is below it (as ruff prints paths), else absolute."""
    cwd = Path.cwd().resolve()
    if root.is_relative_to(cwd):  # the usual case, joined as strings: a Path per problem costs more
        base = root.relative_to(cwd).as_posix()
        return str if base == "." else lambda rel: f"{base}/{rel}"
    if not cwd.is_relative_to(root):  # no note is below the current directory: all absolute
        absolute = root.as_posix()
        return lambda rel: f"{absolute}/{rel}"

    def show(rel: str) -> str:
        path = root / rel
        return path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else path.as_posix()

    return show


def failing(problems: Sequence[Problem]) -> bool:
    return any(p.severity is not Severity.INFO for p in problems)
