"""The watch daemon's parts on their own: debouncer (fake clock), event handler (synthetic
watchdog events), request paths, SSE queues, runtime files, link rewriting, the OpenAPI
document, and the vault state driven by real files."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from watchdog.events import (
    DirCreatedEvent,
    DirModifiedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from vaultkit.check import live as state_module
from vaultkit.check.live import VaultState, read_file
from vaultkit.check.report import problem_dict
from vaultkit.check.run import check_vault, resolve_run
from vaultkit.errors import NotReady
from vaultkit.fix.loop import apply_edits
from vaultkit.read.parse import parse_bytes
from vaultkit.vault.debounce import Debouncer
from vaultkit.vault.index import VaultIndex, VaultSettings
from vaultkit.vault.observer import OverflowWatch, VaultEventHandler
from vaultkit.watch.relink import rewrites
from vaultkit.watch.runtime import AlreadyRunning, Runtime
from vaultkit.watch.server import ApiServer, BadPath, Event, Handler, Hub, Subscriber, openapi, vault_path

# -- debouncer ------------------------------------------------------------------------------


def test_a_path_is_due_only_after_it_has_been_quiet_for_the_window():
    clock = [0.0]
    bouncer = Debouncer(0.3, clock=lambda: clock[0], grace=0.0)
    bouncer.add("A.md")
    clock[0] = 0.2
    bouncer.add("A.md")  # a second event restarts A's window
    bouncer.add("B.md")
    assert bouncer.due(0.45) is None
    batch = bouncer.due(0.5)
    assert batch is not None and batch.paths == ["A.md", "B.md"]
    assert bouncer.due(10.0) is None and bouncer.pending() == 0


def test_paths_settle_independently_and_near_simultaneous_ones_go_together():
    clock = [0.0]
    bouncer = Debouncer(0.3, clock=lambda: clock[0], grace=0.05)
    bouncer.add("A.md")
    clock[0] = 0.04
    bouncer.add("B.md")  # within the grace: rides with A
    clock[0] = 0.2
    bouncer.add("C.md")
    assert bouncer.due(0.3).paths == ["A.md", "B.md"]
    assert bouncer.due(0.45) is None
    assert bouncer.due(0.5).paths == ["C.md"]


def test_a_move_stays_together_even_when_one_end_is_touched_again():
    clock = [0.0]
    bouncer = Debouncer(0.3, clock=lambda: clock[0], grace=0.0)
    bouncer.add("New.md", moved_from="Old.md")
    clock[0] = 0.25
    bouncer.add("New.md")  # the destination is written right after the move
    batch = bouncer.due(0.31)  # Old.md is due; its partner comes with it
    assert batch.paths == ["New.md", "Old.md"]
    assert batch.moves == {"New.md": "Old.md"}


def test_the_idle_work_yields_only_to_a_batch_that_is_due_or_to_a_close():
    """The daemon screens notes while a path is still settling (the debounce window is idle
    time), and stops at once when one is due or the daemon stops."""
    clock = [0.0]
    bouncer = Debouncer(0.3, clock=lambda: clock[0], grace=0.0)
    assert not bouncer.waiting()
    bouncer.add("A.md")
    clock[0] = 0.29
    assert not bouncer.waiting() and bouncer.pending() == 1
    clock[0] = 0.3
    assert bouncer.waiting()
    bouncer.due(0.3)
    assert not bouncer.waiting()
    bouncer.close()
    assert bouncer.waiting()


def test_take_blocks_until_due_and_close_releases_the_worker():
    bouncer = Debouncer(0.05)
    bouncer.add("A.md")
    started = time.monotonic()
    batch = bouncer.take()
    assert batch.paths == ["A.md"] and time.monotonic() - started >= 0.04
    results = []
    worker = threading.Thread(target=lambda: results.append(bouncer.take()))
    worker.start()
    time.sleep(0.05)
    bouncer.close()
    worker.join(timeout=5)
    assert not worker.is_alive() and results == [None]


# -- the watchdog handler -----------------------------------------------------------------


@pytest.fixture
def handler(tmp_path):
    seen: list[tuple[str, str | None]] = []
    root = str(tmp_path)
    return root, VaultEventHandler(root, lambda path, moved_from: seen.append((path, moved_from))), seen


def test_handler_passes_vault_files_and_drops_hidden_and_noise(handler):
    root, h, seen = handler
    j = os.path.join
    for event in [
        FileModifiedEvent(j(root, "A.md")),
        FileCreatedEvent(j(root, "Sub", "img.png")),
        FileDeletedEvent(j(root, "Sub", "B.md")),
        FileClosedEvent(j(root, "A.md")),
        FileModifiedEvent(j(root, ".obsidian", "workspace.json")),
        FileModifiedEvent(j(root, ".obsidian", "app.json")),
        FileCreatedEvent(j(root, ".trash", "Old.md")),
        FileModifiedEvent(j(root, ".git", "index")),
        FileModifiedEvent(j(root, ".vaultkit", "watch.json")),
        FileModifiedEvent(j(root, "Sub", ".A.md.swp")),
        FileOpenedEvent(j(root, "A.md")),
        FileClosedNoWriteEvent(j(root, "A.md")),
        DirModifiedEvent(j(root, "Sub")),
        DirCreatedEvent(j(root, "New")),
        FileModifiedEvent("/elsewhere/A.md"),
        FileModifiedEvent(j(root, unicodedata.normalize("NFD", "Café.md"))),
    ]:
        h.dispatch(event)
    assert seen == [
        ("A.md", None),
        ("Sub/img.png", None),
        ("Sub/B.md", None),
        ("A.md", None),
        (".obsidian/app.json", None),
        ("New", None),
        ("Café.md", None),
    ]


def test_handler_reports_moves_with_their_source(handler):
    root, h, seen = handler
    j = os.path.join
    h.dispatch(FileMovedEvent(j(root, ".Note.md.tmp"), j(root, "Note.md")))  # a save through a temp file
    h.dispatch(FileMovedEvent(j(root, "A.md"), j(root, "Sub", "B.md")))
    h.dispatch(FileMovedEvent(j(root, "C.md"), j(root, ".trash", "C.md")))  # deleted into Obsidian's trash
    h.dispatch(FileMovedEvent(j(root, "D.md"), "/elsewhere/D.md"))
    h.dispatch(DirMovedEvent(j(root, "Old"), j(root, "New")))
    assert seen == [("Note.md", None), ("Sub/B.md", "A.md"), ("C.md", None), ("D.md", None), ("New", "Old")]


def test_an_inotify_overflow_asks_for_a_full_reconcile():
    calls = []
    watch = OverflowWatch(lambda: calls.append(1))
    logger = logging.getLogger("watchdog.observers.inotify_c")
    logger.addHandler(watch)
    try:
        logger.warning("Inotify queue overflowed; filesystem events were lost")
        logger.warning("something else")
    finally:
        logger.removeHandler(watch)
    assert calls == [1]


# -- request paths, SSE queues ------------------------------------------------------------


@pytest.mark.parametrize("good", ["A.md", "Sub/Note.md", "课程/笔记.md", "a..b.md", "Folder with spaces/x y.md"])
def test_vault_paths_that_are_accepted(good):
    assert vault_path(good) == good


@pytest.mark.parametrize(
    "bad",
    ["", "../../etc/passwd", "/etc/passwd", "Sub/../../x.md", "./A.md", "A//B.md", "Sub/", "..",
     ".vaultkit/watch-token", ".obsidian/app.json", "Sub/.hidden.md", "C:/x.md", "a\\..\\b.md", "A\x00.md"],
)  # fmt: skip
def test_vault_paths_that_are_refused(bad):
    with pytest.raises(BadPath):
        vault_path(bad)


def test_a_slow_sse_client_is_told_to_resync_instead_of_growing_without_bound():
    sub = Subscriber(limit=3)
    for n in range(5):
        sub.put(Event("diagnostics", {"n": n}, n))
    names = [sub.get(0).name for _ in range(2)]
    assert names == ["resync", "diagnostics"]
    sub.close()
    assert sub.get(0) is None and sub.closed


# -- runtime files -------------------------------------------------------------------------


def test_the_token_is_private_and_kept_and_the_lock_is_exclusive(tmp_path):
    runtime = Runtime(tmp_path)
    token = runtime.token()
    path = tmp_path / ".vaultkit" / "watch-token"
    assert len(token) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (tmp_path / ".vaultkit" / ".gitignore").read_text().strip().endswith("*")
    assert runtime.token() == token  # kept across restarts
    os.chmod(path, 0o644)  # others could have read it: a new secret, not a chmod
    replaced = runtime.token()
    assert replaced != token and len(replaced) >= 32
    assert path.read_text().strip() == replaced and stat.S_IMODE(path.stat().st_mode) == 0o600
    runtime.lock()
    try:
        with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
            Runtime(tmp_path).lock()
    finally:
        runtime.release()
    other = Runtime(tmp_path)
    other.lock()
    other.release()


# -- link rewriting ------------------------------------------------------------------------


def _index(files: dict[str, str], app: dict | None = None) -> VaultIndex:
    notes = [parse_bytes(rel, text.encode()) for rel, text in files.items() if rel.endswith(".md")]
    return VaultIndex(notes, files, VaultSettings(app=app or {}))


def _rewritten(before: dict[str, str], after: dict[str, str], renamed, app=None) -> dict[str, str]:
    old, new = _index(before, app), _index(after, app)
    out = {}
    for rewrite in rewrites(renamed, old, new, lambda rel: [r for r in after if r.endswith(".md")]):
        note = new.notes[rewrite.path]
        out[rewrite.path] = apply_edits(note.text, rewrite.edits)
    return out


def test_links_to_a_moved_note_follow_it_keeping_subpath_display_and_style():
    a = "See [[B]], [[B#Part|the part]], [[B.md]], [b](B.md#Part), [c](<B.md>) and\n| [[B\\|in a table]] |\n"
    before = {"A.md": a, "B.md": "# Part\n", "img.png": ""}
    after = {"A.md": a, "Sub/Renamed note.md": "# Part\n", "img.png": ""}
    out = _rewritten(before, after, [("B.md", "Sub/Renamed note.md")])
    assert out == {
        "A.md": "See [[Renamed note]], [[Renamed note#Part|the part]], [[Renamed note.md]], "
        "[b](Renamed%20note.md#Part), [c](<Renamed note.md>) and\n| [[Renamed note\\|in a table]] |\n"
    }


def test_links_that_still_resolve_are_left_alone_and_new_link_format_is_followed():
    before = {"A.md": "[[B]] ![[img.png]]\n", "B.md": "b\n", "img.png": ""}
    moved_only = {"A.md": "[[B]] ![[img.png]]\n", "Sub/B.md": "b\n", "img.png": ""}
    assert _rewritten(before, moved_only, [("B.md", "Sub/B.md")]) == {}  # [[B]] still opens it
    renamed = {"A.md": "[[B]] ![[img.png]]\n", "Sub/C.md": "b\n", "Pics/photo.png": ""}
    out = _rewritten(before, renamed, [("B.md", "Sub/C.md"), ("img.png", "Pics/photo.png")],
                     app={"newLinkFormat": "absolute"})  # fmt: skip
    assert out == {"A.md": "[[Sub/C]] ![[Pics/photo.png]]\n"}


def test_a_moved_note_gets_its_own_relative_links_fixed():
    before = {"Notes/B.md": "[x](./D.md) [[../Top]]\n", "Notes/D.md": "d\n", "Top.md": "t\n"}
    after = {"Notes/Deep/B.md": "[x](./D.md) [[../Top]]\n", "Notes/D.md": "d\n", "Top.md": "t\n"}
    out = _rewritten(before, after, [("Notes/B.md", "Notes/Deep/B.md")])
    assert out == {"Notes/Deep/B.md": "[x](D.md) [[Top]]\n"}


# -- the OpenAPI document -----------------------------------------------------------------


def test_the_openapi_document_matches_the_server_and_the_json_report():
    spec = json.loads(openapi())
    assert spec["openapi"] == "3.1.0"
    source = Path(Handler.__module__.replace(".", "/") + ".py")
    code = (Path(__file__).parents[1] / source).read_text()
    routes = set(re.findall(r'"(/v1/[a-z.]+)"', code))
    routes |= {f"{prefix}{{name}}" for prefix in re.findall(r'"(/v1/[a-z.]+/)"', code)}  # /v1/rules/{name}
    assert set(spec["paths"]) == routes
    text = json.dumps(spec)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', text)):
        assert ref in spec["components"]["schemas"], ref
    problem = parse_bytes("A.md", b"[Fetching Title#ab12](https://e.x)\n")
    from vaultkit.check.run import lint_text

    found = problem_dict(lint_text(problem.text, select=["VK105"])[0])
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == set(found)
    for route, methods in spec["paths"].items():
        for method, operation in methods.items():
            if route != "/v1/health":
                assert "401" in operation["responses"], (route, method)


class StartingBackend:
    """A daemon still in its first check, as the HTTP layer sees it."""

    token = "t" * 43

    def __init__(self) -> None:
        self.hub = Hub()

    def ready(self) -> bool:
        return False

    def health(self):
        return {"ok": True, "ready": False, "version": "0", "api": 1}

    def diagnostics(self, rel):
        raise NotReady("the first check is still running")  # the server maps it to 503


def test_every_answer_says_whether_the_first_check_is_done():
    import urllib.error
    import urllib.request

    server = ApiServer(0, StartingBackend())  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        auth = {"Authorization": f"Bearer {StartingBackend.token}", "Origin": "app://obsidian.md"}
        with urllib.request.urlopen(urllib.request.Request(server.url + "/v1/health"), timeout=10) as response:
            assert response.headers["X-Vaultkit-Ready"] == "false"
        for route, headers in [("/v1/diagnostics", auth), ("/v1/status", {})]:  # a refusal says it too
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(urllib.request.Request(server.url + route, headers=headers), timeout=10)
            assert refused.value.headers["X-Vaultkit-Ready"] == "false"
            assert refused.value.code == (503 if headers else 401)
        # Obsidian may read the header: CORS exposes it to the app's origin
        with pytest.raises(urllib.error.HTTPError) as starting:
            urllib.request.urlopen(urllib.request.Request(server.url + "/v1/diagnostics", headers=auth), timeout=10)
        assert starting.value.headers["Access-Control-Expose-Headers"] == "X-Vaultkit-Ready"
    finally:
        server.shutdown()
        server.server_close()


# -- the vault state, on real files -------------------------------------------------------


def _state(root: Path, **files: str) -> VaultState:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / ".obsidian").mkdir(exist_ok=True)
    config, active = resolve_run(root)
    state = VaultState(root, config, active)
    state.load(jobs=1)
    return state


def _same_as_fresh(state: VaultState) -> None:
    fresh = check_vault(state.root, jobs=1)
    assert [problem_dict(p) for p in state.all_problems()] == [problem_dict(p) for p in fresh.problems]


def test_an_unchanged_file_is_not_checked_again_and_an_edit_is(tmp_path):
    state = _state(tmp_path, **{"A.md": "a\n", "B.md": "[[A]]\n"})
    os.utime(tmp_path / "A.md")  # touched, same bytes
    assert not state.apply(["A.md"])
    (tmp_path / "A.md").write_text("[Fetching Title#ab12](https://e.x)\n")
    update = state.apply(["A.md"])
    assert list(update.problems) == ["A.md"] and update.changed
    _same_as_fresh(state)


def test_the_daemons_own_write_is_recognised_by_its_hash(tmp_path):
    state = _state(tmp_path, **{"A.md": "a\n"})
    state.expect("A.md", b"written by us\n")
    (tmp_path / "A.md").write_bytes(b"written by us\n")
    update = state.apply(["A.md"])
    assert update.own == ["A.md"] and not update.changed
    state.expect("A.md", b"what we meant to write\n")
    (tmp_path / "A.md").write_bytes(b"what the user typed meanwhile\n")
    update = state.apply(["A.md"])
    assert update.own == [] and list(update.changed) == ["A.md"]


def test_a_file_that_vanishes_mid_read_is_a_deletion(tmp_path, monkeypatch):
    (tmp_path / "A.md").write_text("a\n")
    real_stat = os.stat

    def stat_then_vanish(path, *args, **kwargs):
        info = real_stat(path, *args, **kwargs)
        if str(path).endswith("A.md"):
            os.unlink(path)
        return info

    monkeypatch.setattr(state_module.os, "stat", stat_then_vanish)
    assert read_file(str(tmp_path), "A.md", 1 << 20) is None


def test_unreadable_files_are_reported_not_fatal(tmp_path):
    state = _state(tmp_path, **{"A.md": "a\n"})
    os.mkfifo(tmp_path / "pipe.md")
    update = state.apply(["pipe.md"])
    assert [p.code for p in update.problems["pipe.md"]] == ["VK001"]
    _same_as_fresh(state)


def test_moving_a_folder_renames_every_file_in_it_and_rechecks_backlinks(tmp_path):
    state = _state(tmp_path, **{"A.md": "[[Old/B]] [[C]]\n", "Old/B.md": "b\n", "Old/C.md": "c\n"})
    os.rename(tmp_path / "Old", tmp_path / "New")
    update = state.apply(["Old", "New"])  # as a back-end without a move event reports it
    assert update.renamed == [("Old/B.md", "New/B.md"), ("Old/C.md", "New/C.md")]
    assert [p.code for p in update.problems["A.md"]] == ["VK201"]  # [[Old/B]] broke, [[C]] still resolves
    assert update.removed == ["Old/B.md", "Old/C.md"]
    _same_as_fresh(state)


def test_a_conflict_copy_names_the_note_it_shadows_once_that_note_appears(tmp_path):
    copy = "Meeting (conflicted copy 2024-01-15 103000).md"
    state = _state(tmp_path, **{copy: "phone\n"})
    assert "no longer in the vault" in state.problems[copy][0].message
    (tmp_path / "Meeting.md").write_text("laptop\n")
    update = state.apply(["Meeting.md"])
    assert "another version of `Meeting.md`" in update.problems[copy][0].message
    _same_as_fresh(state)


def test_the_fast_index_path_matches_a_full_build(tmp_path):
    state = _state(tmp_path, **{"A.md": "[[B#H]] [[C]]\n", "B.md": "# H\n", "Sub/C.md": "c\n"})
    (tmp_path / "B.md").write_text("# Other\n")
    state.apply(["B.md"])
    fresh = VaultIndex(state.notes.values(), state.files, state.index.settings, dates=state.index.dates)
    for rel, note in state.notes.items():
        assert state.index.outgoing(note) == fresh.outgoing(note)
        assert state.index.heading_keys(rel) == fresh.heading_keys(rel)
    assert state.index.names == fresh.names
    _same_as_fresh(state)


def test_damaged_notes_are_rechecked_when_the_vaults_language_context_changes(vault):
    """A mojibake repair draws on the whole vault (its characters, its note names), so a
    batch that changes that context re-checks every note that may hold damaged text, and
    what is served stays equal to a fresh check."""
    root = vault({"Damaged.md": "Un cafÃ© trÃ¨s fort.\n", "Plain.md": "plain\n"})
    config, active = resolve_run(root)
    live = VaultState(root, config, active)
    live.load(jobs=1)
    (root / "新的笔记.md").write_text("neutral\n")  # a name with new CJK words
    update = live.apply(["新的笔记.md"])
    assert update.rechecked == 2  # the new note, and the damaged one
    (root / "Other.md").write_text("neutral\n")  # no new characters nor words: no re-check
    assert live.apply(["Other.md"]).rechecked == 1
    (root / "Plain.md").write_text("Ça me plaît.\n")  # a sampled note's new letters move it
    assert live.apply(["Plain.md"]).rechecked == 2
    fresh = check_vault(root, jobs=1).problems
    assert [problem_dict(p) for p in live.all_problems()] == [problem_dict(p) for p in fresh]


def test_vault_scope_findings_follow_canvases_and_the_notes_they_show(tmp_path):
    board = '{"nodes":[{"id":"a","type":"file","file":"B.md","x":0,"y":0,"width":10,"height":10}]}'
    state = _state(tmp_path, **{"A.md": "a\n", "Board.canvas": board})
    assert [(p.path, p.rule) for p in state.all_problems()] == [("Board.canvas", "invalid-canvas")]
    (tmp_path / "B.md").write_text("b\n")
    update = state.apply(["B.md"])
    assert "Board.canvas" in update.removed
    assert state.all_problems() == []
    (tmp_path / "Board.canvas").write_text(board[:-1])  # no longer JSON
    update = state.apply(["Board.canvas"])
    assert [p.message.split(":")[0] for p in update.problems["Board.canvas"]] == ["canvas not valid JSON"]
    _same_as_fresh(state)
    (tmp_path / "Board.canvas").unlink()
    state.apply(["Board.canvas"])
    assert state.all_problems() == []
    _same_as_fresh(state)


def test_canvas_file_nodes_follow_a_moved_note():
    from vaultkit.read.parse import parse_document

    board = (
        '{"nodes":[\n{"id":"a","type":"file","file":"B.md","x":0,"y":0,"width":1,"height":1},\n'
        '{"id":"b","type":"file","file":"B.md","subpath":"#Part","x":0,"y":0,"width":1,"height":1},\n'
        '{"id":"c","type":"file","file":"C.md","x":0,"y":0,"width":1,"height":1},\n'
        '{"id":"g","type":"group","background":"img.png","x":0,"y":0,"width":1,"height":1}]}\n'
    )

    def index(files: list[str]) -> VaultIndex:
        notes = [parse_bytes(rel, b"x\n") for rel in files if rel.endswith(".md")]
        return VaultIndex(notes, [*files, "Board.canvas"], documents=[parse_document("Board.canvas", board.encode())])

    before = index(["B.md", "C.md", "img.png"])
    after = index(["Sub/Café.md", "C.md", "Pics/img.png"])
    renamed = [("B.md", "Sub/Café.md"), ("img.png", "Pics/img.png")]
    (rewrite,) = rewrites(renamed, before, after, lambda rel: [])
    assert rewrite.path == "Board.canvas"
    assert apply_edits(board, rewrite.edits) == board.replace('"B.md"', '"Sub/Café.md"').replace(
        '"img.png"', '"Pics/img.png"'
    )


def test_a_note_whose_name_is_not_nfc_on_disk_is_followed(tmp_path):
    import unicodedata

    disk = unicodedata.normalize("NFD", "Résumé.md")
    state = _state(tmp_path, **{disk: "[[Missing]]\n", "A.md": "a\n"})
    assert {p.rule for p in state.problems["Résumé.md"]} == {"broken-wikilink", "non-nfc-name"}
    (tmp_path / disk).write_text("[[A]]\n")
    update = state.apply(["Résumé.md"])  # events name files in NFC
    assert "Résumé.md" not in update.removed
    assert [p.rule for p in state.problems["Résumé.md"]] == ["non-nfc-name"]
    _same_as_fresh(state)
