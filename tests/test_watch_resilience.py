"""The daemon in a thread, with the real observer on a temporary vault: what it survives, and
what makes it read the whole vault again."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support import wait_for

from vaultkit.api import rule
from vaultkit.check import live
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
def running(
    root: Path, active: list[ActiveRule] | None = None, config: Config | None = None, fix: bool = False
) -> Iterator[Daemon]:
    (root / ".obsidian").mkdir(parents=True, exist_ok=True)
    found_config, found_active = resolve_run(root)
    daemon = Daemon(
        root,
        config or found_config,
        active if active is not None else found_active,
        Options(fix=fix, debounce=0.05, serve=False, jobs=1),
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


def test_an_edit_right_after_the_first_result_does_not_wait_for_the_screen(tmp_path, monkeypatch):
    """The screen of every note for damaged text runs a few notes at a time while no batch is
    due: an edit made as the first result is served is checked between two chunks, long
    before the screen ends (it used to run whole first: 2.1 s on 10,000 notes)."""
    for n in range(150):
        (tmp_path / f"N{n}.md").write_text(f"# N{n}\n\ncalm\n")
    real, screened, served = live._damaged, [], threading.Event()
    # Each note's screen takes 50 ms until the edit is served (7.5 s for all): a daemon that
    # screened everything first would serve it only after the 150th, however loaded the host.
    monkeypatch.setattr(live, "_damaged", lambda note: screened.append(served.wait(0.05)) or real(note))

    def edit_served(daemon) -> bool:
        if codes(daemon, "N7.md") == ["VK105"]:
            served.set()
        return served.is_set()

    with running(tmp_path) as daemon:
        (tmp_path / "N7.md").write_text("[Fetching Title#ab12](https://e.x)\n")
        wait_for(lambda: edit_served(daemon), what="the edit to be checked")
        assert len(screened) < 150  # served between two chunks of the screen
        wait_for(lambda: daemon.state.screened, what="the screen to end")
        assert codes(daemon, "N7.md") == ["VK105"]


def test_a_screen_that_raises_is_logged_and_the_daemon_keeps_serving(tmp_path, monkeypatch, caplog):
    (tmp_path / "A.md").write_text("calm\n")
    (tmp_path / "B.md").write_text("calm\n")

    def broken(note):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(live, "_damaged", broken)
    with running(tmp_path) as daemon:
        wait_for(lambda: "damaged text failed" in caplog.text, what="the failure to be logged")
        monkeypatch.undo()  # (the batch screens its own note)
        (tmp_path / "B.md").write_text("[Fetching Title#ab12](https://e.x)\n")
        wait_for(lambda: codes(daemon, "B.md") == ["VK105"], what="the next change to be checked")
        assert caplog.text.count("damaged text failed") == 1  # tried once, not in a loop
