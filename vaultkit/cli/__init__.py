"""The ``vaultkit`` command line (click): one module per command, registered here.

:func:`main` is the one place where errors become exit statuses (as in pre-commit-hooks and
flake8): commands return their status, and a :class:`~vaultkit.errors.VaultkitError` raised
anywhere below is printed as one line and mapped to a status by :data:`EXIT_STATUS`.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Sequence

import click

from vaultkit.cli.cache import cache_command
from vaultkit.cli.check import check_command
from vaultkit.cli.common import EXIT_USAGE
from vaultkit.cli.fix import fix_command, undo_command
from vaultkit.cli.inspect import inspect_command
from vaultkit.cli.lsp import lsp_command
from vaultkit.cli.obsidian import obsidian_command
from vaultkit.cli.rules import rule_command, rules_command
from vaultkit.cli.watch import watch_command
from vaultkit.errors import VaultkitError
from vaultkit.version import __version__

# What a run leaves in memory dies with the process, but the interpreter's last full collection
# at exit walks it all first: after a check of the 10,000-note bench vault, 0.12-0.14 s of CPU
# (and 0.35-0.5 s of wall on a busy host) once the report was out, measured.  Frozen, it is
# out of the collector's sight; exit handlers and the freeing of what is not in a cycle run
# as before (issue 13).
atexit.register(gc.freeze)

#: Exit status per error class (the first match in this order wins).  Every user-facing error
#: is a usage or configuration problem today; the table is where a new kind gets its own.
EXIT_STATUS: tuple[tuple[type[VaultkitError], int], ...] = ((VaultkitError, EXIT_USAGE),)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaultkit")
def cli() -> None:
    """Lint, fix and watch Obsidian vaults."""


for _command in (
    check_command,
    fix_command,
    undo_command,
    rules_command,
    rule_command,
    inspect_command,
    watch_command,
    lsp_command,
    obsidian_command,
    cache_command,
):
    cli.add_command(_command)


def exit_status(error: VaultkitError) -> int:
    """The exit status for a user-facing error."""
    return next(status for kind, status in EXIT_STATUS if isinstance(error, kind))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    try:
        status = cli.main(args=list(argv) if argv is not None else None, prog_name="vaultkit", standalone_mode=False)
    except VaultkitError as exc:
        click.echo(f"vaultkit: error: {exc}", err=True)
        return exit_status(exc)
    except click.ClickException as exc:  # click's own usage errors (unknown option, bad value)
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted!", err=True)
        return 1
    return status if isinstance(status, int) else 0
