"""``vaultkit lsp``: the language server for editors (Neovim, VS Code, Helix, Zed, ...).

The server itself lives in :mod:`vaultkit.lsp`; pygls is imported when the command runs, so
that ``vaultkit check`` does not pay for it.  The editor starts this command and speaks LSP
on its stdin and stdout; the vault is found from the editor's workspace folder, so there is
no vault argument.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from vaultkit.cli.common import _split, debounce_option, rule_options


@click.command("lsp")
@rule_options
@debounce_option(0.2, "an edited note")
@click.option("--stdio", is_flag=True, help="Speak LSP on stdin/stdout (the default and only transport).")
@click.option("--verbose", "-v", is_flag=True, help="Log every check on stderr (editors show it in their LSP log).")
def lsp_command(config, select, ignore, isolated, debounce, stdio, verbose) -> None:
    """Run the language server on stdin/stdout (started by the editor).

    Diagnostics for the open notes as you type and for the whole vault, quick fixes,
    go-to-definition, completion and hover on links, and the outline of headings.
    """
    from vaultkit.lsp.server import serve
    from vaultkit.lsp.vaults import Settings

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="vaultkit lsp: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("watchdog").setLevel(logging.WARNING)
    logging.getLogger("pygls").setLevel(logging.DEBUG if verbose else logging.WARNING)
    settings = Settings(Path(config).resolve() if config else None, _split(select), _split(ignore), isolated, debounce)
    serve(settings)
