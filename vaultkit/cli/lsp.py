"""``vaultkit lsp``: the language server for editors (Neovim, VS Code, Helix, Zed, ...).

The server itself lives in :mod:`vaultkit.lsp`; pygls is imported when the command runs, so
that ``vaultkit check`` does not pay for it.  The editor starts this command and speaks LSP
on its stdin and stdout; the vault is found from the editor's workspace folder, so there is
no vault argument.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vaultkit.cli.common import EXIT_CLEAN, VaultOptions, debounce_option, pass_options, selection_options, split


@click.command("lsp")
@selection_options
@debounce_option(0.2, "an edited note")
@click.option("--stdio", is_flag=True, help="Speak LSP on stdin/stdout (the default and only transport).")
@click.option("--verbose", "-v", is_flag=True, help="Log every check on stderr (editors show it in their LSP log).")
@pass_options
def lsp_command(options: VaultOptions, debounce: float, stdio: bool, verbose: bool) -> int:
    """Run the language server on stdin/stdout (started by the editor).

    Diagnostics for the open notes as you type and for the whole vault, quick fixes,
    go-to-definition, completion and hover on links, and the outline of headings.
    """
    import logging

    from vaultkit.lsp.server import serve
    from vaultkit.lsp.vaults import Settings

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="vaultkit lsp: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("watchdog").setLevel(logging.WARNING)
    logging.getLogger("pygls").setLevel(logging.DEBUG if verbose else logging.WARNING)
    config = Path(options.config).resolve() if options.config else None
    serve(Settings(config, split(options.select), split(options.ignore), options.isolated, debounce))
    return EXIT_CLEAN
