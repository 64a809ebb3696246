"""``vaultkit watch``: keep the vault's diagnostics in sync and serve them to the Obsidian plugin.

The daemon itself lives in :mod:`vaultkit.watch`; it is imported when the command runs, so
that ``vaultkit check`` in a pre-commit hook does not pay for watchdog and the HTTP server.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Any

import click

from vaultkit.check.config import ActiveRule, Config
from vaultkit.cli.common import EXIT_CLEAN, VaultOptions, debounce_option, pass_options, prepare, vault_options
from vaultkit.errors import CannotStart, VaultkitError


def _text(kind: str, data: dict[str, Any]) -> str | None:
    """One event as the line a person (or an editor's problem matcher) reads."""
    if kind == "diagnostics":
        if not data["problems"]:
            return f"{data['path']}: no problems"
        return "\n".join(
            f"{p['path']}:{p['line']}:{p['column']}: {p['code']} [{p['rule']}] {p['message']}" for p in data["problems"]
        )
    if kind == "removed":
        return f"{data['path']}: removed"
    if kind == "renamed":
        return f"{data['from']}: renamed to {data['to']}"
    if kind == "fix":
        return f"{data['path']}: fixed: " + "; ".join(f"{c['code']} {c['title']}" for c in data["changes"])
    if kind == "relink":
        return f"{data['path']}: links updated: " + "; ".join(f"{c['from']} -> {c['to']}" for c in data["changes"])
    if kind == "reload":
        return f"settings or configuration changed: vault read again ({data['notes']} notes)"
    return None


@click.command("watch")
@vault_options
@click.option(
    "--fix", "fix", is_flag=True, help="Apply safe fixes to a note once it has been quiet for the debounce window."
)
@click.option(
    "--update-links",
    is_flag=True,
    help="When a note or attachment is renamed or moved outside Obsidian, rewrite the links to it.",
)
@click.option("--polling", is_flag=True, help="Poll the disk instead of native events (network and synced folders).")
@click.option(
    "--poll-interval", type=click.FloatRange(0.1, 60), default=1.0, show_default=True, help="Seconds between polls."
)
@debounce_option(0.3, "a file")
@click.option("--serve/--no-serve", default=True, show_default=True, help="Serve the plugin API on 127.0.0.1.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="API port; 0 picks a free one (clients find it in .vaultkit/watch.json).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but warnings and errors.")
@pass_options
def watch_command(
    options: VaultOptions, fix: bool, update_links: bool, polling: bool, poll_interval: float, debounce: float,
    serve: bool, port: int, fmt: str, quiet: bool,
) -> int:  # fmt: skip
    """Check the vault, then keep its diagnostics in sync as files change.

    Serves them to the Obsidian plugin over HTTP on 127.0.0.1 (token in
    .vaultkit/watch-token, API in vaultkit/openapi.json).  Stop with Ctrl-C or SIGTERM.
    """
    import logging

    from vaultkit.watch.daemon import Daemon, Options
    from vaultkit.watch.runtime import AlreadyRunning

    run = prepare(options)
    logging.basicConfig(
        level=logging.DEBUG if options.verbose else logging.INFO if not quiet else logging.WARNING,
        format="vaultkit watch: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("watchdog", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log = logging.getLogger("vaultkit.watch")

    def reconfigure() -> tuple[Config, list[ActiveRule]]:
        return options.resolve(run.root)

    def report(kind: str, data: dict[str, Any]) -> None:
        if fmt == "json":
            click.echo(json.dumps({"event": kind, **data}, ensure_ascii=False))
        elif not quiet and (line := _text(kind, data)):
            click.echo(line)
        if kind == "ready":  # the first full result: every note that has problems
            found = daemon.diagnostics(None)
            by_path: dict[str, list[dict[str, Any]]] = {}
            for problem in found["problems"]:
                by_path.setdefault(problem["path"], []).append(problem)
            for path, problems in by_path.items():
                report("diagnostics", {"generation": found["generation"], "path": path, "problems": problems})
            log.info(
                "%d notes checked in %.1f s, %d problems; watching for changes",
                data["checked"],
                data["seconds"],
                data["problems"],
            )

    settings = Options(fix, update_links, polling, poll_interval, debounce, serve, port, options.jobs)
    daemon = Daemon(run.root, run.config, run.active, settings, run.targets, reconfigure, report)
    try:
        daemon.start()
    except AlreadyRunning as exc:
        raise CannotStart(str(exc)) from exc
    except OSError as exc:
        raise CannotStart(f"cannot start: {exc}") from exc
    except KeyboardInterrupt:  # Ctrl-C while the first check runs: a clean stop, not a crash
        daemon.stop()
        return EXIT_CLEAN
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if daemon.server is not None:
        log.info("serving %s (token in %s)", daemon.server.url, daemon.runtime.folder / "watch-token")
    try:
        while not stop.wait(0.5) and not daemon.wait(0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        daemon.stop()
    if daemon.failed:
        raise VaultkitError(str(daemon.failed))
    return EXIT_CLEAN
