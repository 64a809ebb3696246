"""The daemon in a thread, with the real observer on a temporary vault: what it survives, and
what makes it read the whole vault again."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support import wait_for

from vaultkit.api import rule
from vaultkit.check.config import ActiveRule, Config
from vaultkit.check.run import resolve_run
from vaultkit.errors import NotFound, NotReady
from vaultkit.watch.daemon import Daemon, Options


@rule("XX901", "explodes")
def explodes(note, vault, options):
    """A test rule that raises on notes that say "boom"."""
    if "boom" in note.text:
        raise RuntimeError("kaboom")
    return ()


@contextmanager
def running(root: Path, active: list[ActiveRule] | None = None, config: Config | None = None) -> Iterator[Daemon]:
    (root / ".obsidian").mkdir(parents=True, exist_ok=True)
    found_config, found_active = resolve_run(root)
    daemon = Daemon(
        root,
        config or found_config,
        active if active is not None else found_active,
        Options(debounce=0.05, serve=False, jobs=1),
        reconfigure=lambda: resolve_run(root),
    )
    daemon.start()
    try:
        assert daemon.wait_ready(30)
        yield daemon
    finally:
        daemon.stop()


def codes(daemon: Daemon, rel: str) -> list[str] | None:
    try:
        payload = daemon.diagnostics(rel)
    except (NotFound, NotReady):
        return None
    return [p["code"] for p in payload["problems"]]


def test_a_rule_that_raises_is_reported_and_the_daemon_keeps_going(tmp_path):
    (tmp_path / "A.md").write_text("calm\n")
    _, active = resolve_run(tmp_path)
    with running(tmp_path, [*active, ActiveRule(explodes, explodes.severity, {})]) as daemon:
        (tmp_path / "A.md").write_text("boom\n")
        wait_for(lambda: codes(daemon, "A.md") == ["VK000"], what="the crash to be reported")
        payload = daemon.diagnostics("A.md")
        assert "explodes (XX901) crashed: RuntimeError: kaboom" in payload["problems"][0]["message"]
        (tmp_path / "B.md").write_text("[Fetching Title#ab12](https://e.x)\n")
        wait_for(lambda: codes(daemon, "B.md") == ["VK105"], what="the next change to be checked")
        assert daemon.status()["counters"].get("errors", 0) == 0


def test_excluded_files_setting_reloads_the_vault(tmp_path):
    (tmp_path / "Drafts").mkdir()
    (tmp_path / "Drafts" / "D.md").write_text("[Fetching Title#ab12](https://e.x)\n")
    with running(tmp_path) as daemon:
        assert codes(daemon, "Drafts/D.md") == ["VK105"]
        (tmp_path / ".obsidian" / "app.json").write_text(json.dumps({"userIgnoreFilters": ["Drafts/"]}))
        wait_for(lambda: codes(daemon, "Drafts/D.md") is None, what="the excluded note to leave the report")
        assert daemon.status()["notes"] == 1  # still indexed: links into excluded files resolve


def test_a_configuration_change_is_picked_up(tmp_path):
    (tmp_path / "A.md").write_text("[Fetching Title#ab12](https://e.x)\n")
    with running(tmp_path) as daemon:
        assert codes(daemon, "A.md") == ["VK105"]
        (tmp_path / ".vaultkit.toml").write_text('ignore = ["placeholder-link-title"]\n')
        wait_for(lambda: codes(daemon, "A.md") == [], what="the ignored rule to stop reporting")
        (tmp_path / ".vaultkit.toml").write_text("this is = not toml [\n")  # broken: keep the last good one
        time.sleep(0.5)
        assert codes(daemon, "A.md") == []
