"""Helpers shared by several test modules (``tests/`` is on sys.path via pytest's pythonpath)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def run_cli(*args: str) -> Any:
    """Run ``vaultkit ARGS`` through :func:`vaultkit.cli.main` -- the console script's own
    entry, where errors become exit statuses -- and capture it like click's ``CliRunner``
    (the result has ``exit_code``, ``output``, ``stdout`` and ``stderr``)."""
    import click
    from click.testing import CliRunner

    from vaultkit.cli import main

    @click.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
    @click.argument("argv", nargs=-1, type=click.UNPROCESSED)
    def console(argv: tuple[str, ...]) -> None:
        raise SystemExit(main(list(argv)))

    return CliRunner().invoke(console, list(args), catch_exceptions=False)


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def rewrite_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    """Replace ``old`` with ``new`` (as long) in the file, then set its modification time back:
    a change only the stat signature's ctime (or the content hash) can see."""
    info = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
