"""The language server's pure parts, without a server: positions and the index it reads."""

from __future__ import annotations

import threading
import time

import pytest
from lsprotocol import types
from pygls.workspace import PositionCodec, TextDocument

from vaultkit.check import engine, live
from vaultkit.check.live import VaultState
from vaultkit.check.run import resolve_run
from vaultkit.lsp.positions import LineIndex
from vaultkit.lsp.server import Worker
from vaultkit.lsp.vaults import Settings, Vault
from vaultkit.read.parse import parse_text
from vaultkit.vault.index import VaultIndex

TEXT = "a😀b\r\n中文\rx\n\nlast"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_offsets_and_positions_agree_with_pygls_documents(encoding):
    lines = LineIndex(TEXT, PositionCodec(encoding))
    document = TextDocument("file:///n.md", TEXT, position_codec=PositionCodec(encoding))
    for offset in range(len(TEXT) + 1):
        if TEXT[offset - 1 : offset + 1] == "\r\n":
            continue  # between \r and \n is no position of its own
        position = lines.position(offset)
        assert lines.offset(position) == offset
        assert document.offset_at_position(position) == offset, (offset, position)


def test_lone_carriage_returns_end_lines_as_lsp_says():
    lines = LineIndex(TEXT, PositionCodec("utf-16"))
    assert lines.position(TEXT.index("x")) == types.Position(2, 0)
    assert lines.position(TEXT.index("b")) == types.Position(0, 3)  # the emoji is two UTF-16 units
    assert lines.position(len(TEXT)) == types.Position(4, 4)


def test_positions_past_the_end_clamp():
    lines = LineIndex(TEXT, PositionCodec("utf-16"))
    assert lines.offset(types.Position(0, 99)) == TEXT.index("\r")
    assert lines.offset(types.Position(99, 0)) == len(TEXT)


def test_an_edit_that_changes_aliases_rebuilds_the_alias_table():
    a = parse_text("A.md", "---\naliases: [Old]\n---\n")
    b = parse_text("B.md", "text\n")
    index = VaultIndex([a, b], ["A.md", "B.md"])
    assert index.aliases == {"old": ("A.md",)}
    same = index.with_notes({"A.md": a, "B.md": parse_text("B.md", "more\n")}, ["B.md"], None)
    assert same.aliases == {"old": ("A.md",)}
    renamed = parse_text("A.md", "---\naliases: [New]\n---\n")
    changed = same.with_notes({"A.md": renamed, "B.md": b}, ["A.md"], None)
    assert changed.aliases == {"new": ("A.md",)}


def test_open_notes_are_checked_from_their_unsaved_text_and_only_what_they_affect(tmp_path):
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / "A.md").write_text("# Alpha\n\ntext\n", encoding="utf-8")
    (tmp_path / "B.md").write_text("[[A#Alpha]]\n", encoding="utf-8")
    config, active = resolve_run(tmp_path)
    state = VaultState(tmp_path, config, active)
    state.load(jobs=1)
    state.overlay["A.md"] = "# Alpha\n\nmore text\n"  # typing in a paragraph: no link into A can tell
    update = state.apply(["A.md"])
    assert update.rechecked == 1 and state.notes["A.md"].text.endswith("more text\n")
    state.overlay["A.md"] = "# Beta\n\nmore text\n"  # a heading renamed: B's link breaks
    update = state.apply(["A.md"])
    assert update.rechecked == 2
    assert [p.code for p in update.problems["B.md"]] == ["VK202"]
    assert (tmp_path / "A.md").read_text(encoding="utf-8") == "# Alpha\n\ntext\n"
    del state.overlay["A.md"]  # closed unsaved: the disk counts again
    update = state.apply(["A.md"])
    assert update.problems["B.md"] == []


def test_the_worker_runs_jobs_first_and_background_steps_only_while_none_waits():
    """The server's worker screens notes in the background (``Worker.idle``): a step runs only
    when no job is waiting, a job that arrives meanwhile runs before the next step, and the
    steps stop when they say they have no more work."""
    worker = Worker()
    order: list[str] = []
    stop = threading.Event()
    steps = 0

    def step() -> bool:
        nonlocal steps
        if stop.is_set():
            return False
        steps += 1
        order.append("step")
        time.sleep(0.005)
        return True

    try:
        worker.idle(step)
        assert not order  # nothing runs before a job wakes the worker
        worker.submit(lambda: order.append("first") or []).result(timeout=5)
        deadline = time.monotonic() + 5
        while steps < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert order[0] == "first" and steps >= 3  # steps follow the job, one after another
        worker.submit(lambda: order.append("second") or []).result(timeout=5)
        assert order[order.index("second") + 1 :].count("step") < steps  # it cut in between two steps
        stop.set()
        time.sleep(0.05)
        settled = steps
        worker.submit(lambda: order.append("third") or []).result(timeout=5)
        assert steps == settled and order[-1] == "third"  # no step has work: the worker waits for jobs
    finally:
        stop.set()
        worker.stop()
        worker._thread.join(5)
    assert not worker._thread.is_alive()


def test_the_server_publishes_before_screening_and_screens_a_chunk_at_a_time(tmp_path, monkeypatch, caplog):
    """``Vault.load`` serves the first result without reading every note for damaged text;
    ``Vault.screen_some`` (what the worker runs while idle) screens a chunk at a time, an edit
    in between gives what a fresh load gives, and a screen that raises is logged once."""
    (tmp_path / ".obsidian").mkdir()
    for n in range(60):
        (tmp_path / f"N{n}.md").write_text(f"# N{n}\n\n[[N{(n + 1) % 60}]]\n", encoding="utf-8")
    (tmp_path / "Bad.md").write_text("Ð¡Ð²Ñ‘Ñ€Ñ‚Ð¾Ñ‡Ð½Ñ‹Ðµ Ð½ÐµÐ¹Ñ€Ð¾Ð½Ð½Ñ‹Ðµ ÑÐµÑ‚Ð¸\n", encoding="utf-8")
    VaultState(tmp_path, *resolve_run(tmp_path)).load(jobs=1)  # fills the check cache
    screened: list[str] = []
    real = live._damaged
    monkeypatch.setattr(live, "_damaged", lambda note: screened.append(note.rel) or real(note))
    loaded: list[str] = []
    read = engine.read_note
    monkeypatch.setattr(engine, "read_note", lambda *args: loaded.append(args[1]) or read(*args))
    vault = Vault(tmp_path, Settings(), PositionCodec(types.PositionEncodingKind.Utf16))
    published = vault.load()
    assert not screened and vault.state is not None and not vault.state.screened
    assert loaded == ["Bad.md"]  # only what it publishes: not every note before it serves
    assert {item.rel for item in published} == {"Bad.md"}
    assert vault.screen_some() and len(screened) == live.SCREEN_CHUNK
    vault.edit("N3.md", "# N3\n\n[[Nowhere]]\n")
    while vault.screen_some():
        pass
    assert vault.state.screened and set(screened) >= {f"N{n}.md" for n in range(60)} | {"Bad.md"}
    fresh = Vault(tmp_path, Settings(), vault.codec, overlay=dict(vault.overlay))  # the editor's text too
    fresh.load()
    assert fresh.state is not None and vault.state.all_problems() == fresh.state.all_problems()
    assert "VK201" in {p.code for p in vault.state.problems["N3.md"]}

    def broken(note):
        raise RuntimeError("kaboom")

    vault.edit("N3.md", None)  # closed: nothing for the reload to lay over the disk
    monkeypatch.setattr(live, "_damaged", broken)
    vault.load()
    assert vault.screen_some() and not vault.screen_some()  # tried once, then left
    assert caplog.text.count("damaged text failed") == 1
    monkeypatch.setattr(live, "_damaged", real)
    assert [p.code for p in vault.edit("N5.md", "# N5\n\n[[Nowhere]]\n")[0].diagnostics] == ["VK201"]
