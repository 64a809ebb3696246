"""``vaultkit lsp`` diagnostics end to end: the real server over stdio on a vault in tmp_path."""

from __future__ import annotations

import pytest
from lsp_harness import change, cleared, codes, open_note, rng, running, start, until, uri
from lsprotocol import types

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]  # each test starts a server process

CJK_LINE = "see 中文😀 [[Missing]] end\n"  # 4 ASCII, 2 CJK (1 UTF-16 unit each), 1 emoji (2 units), 1 space


@pytest.mark.parametrize(
    ("encodings", "start_char"),
    [(None, 4 + 2 + 2 + 1), (["utf-8"], 4 + 2 * 3 + 4 + 1), (["utf-32"], 4 + 2 + 1 + 1)],
)
async def test_unsaved_broken_link_gets_an_exact_range_and_clears_when_fixed(vault, encodings, start_char):
    root = vault({"A.md": "# A\n", "B.md": "nothing yet\n"}).resolve()
    async with running() as client:
        result = await start(client, root, encodings)
        assert result.capabilities.position_encoding == (encodings[0] if encodings else "utf-16")
        open_note(client, root / "B.md", CJK_LINE)
        found = await until(lambda: client.diagnostics.get(uri(root / "B.md")), "a diagnostic for the unsaved link")
        (diagnostic,) = found
        assert diagnostic.code == "VK201"
        assert diagnostic.source == "vaultkit"
        assert diagnostic.severity == types.DiagnosticSeverity.Warning
        assert diagnostic.code_description.href.endswith("/rules/broken_wikilink.py")
        assert diagnostic.range == rng(0, start_char, 0, start_char + len("[[Missing]]"))
        # type the fix: replace "Missing" (inside the brackets) with "A"
        inner = start_char + 2
        change(client, root / "B.md", 2, [(rng(0, inner, 0, inner + len("Missing")), "A")])
        await until(lambda: cleared(client, root / "B.md"), "the diagnostic to clear")


async def test_renaming_a_heading_breaks_the_links_of_other_open_notes(vault):
    # non-ASCII file names: their URIs are percent-encoded
    root = vault({"笔记 A.md": "# Alpha\n\ntext\n", "读书 B.md": "see [[笔记 A#Alpha]]\n"}).resolve()
    a, b = root / "笔记 A.md", root / "读书 B.md"
    async with running() as client:
        await start(client, root)
        open_note(client, a)
        open_note(client, b)
        await until(lambda: uri(b) in client.diagnostics, "B's first diagnostics")
        assert codes(client, b) == []
        change(client, a, 2, [(rng(0, 2, 0, 7), "Beta")])  # unsaved: "# Beta"
        await until(lambda: codes(client, b) == ["VK202"], "B to report the broken heading link")
        (diagnostic,) = client.diagnostics[uri(b)]
        assert "no heading 'Alpha'" in diagnostic.message
        assert a.read_text() == "# Alpha\n\ntext\n"  # nothing was written


async def test_every_note_of_the_vault_is_reported_without_being_opened(vault):
    root = vault({"A.md": "[[Nowhere]]\n", "sub/C.md": "$$\na\n\nb\n$$\n", "D.md": "[[A]]\n"}).resolve()
    async with running() as client:
        await start(client, root)
        await until(lambda: codes(client, root / "sub/C.md"), "the whole-vault diagnostics")
        await until(lambda: codes(client, root / "A.md"), "A's diagnostics")
        assert codes(client, root / "A.md") == ["VK201"]
        assert codes(client, root / "sub/C.md") == ["VK405"]
        assert uri(root / "D.md") not in client.diagnostics  # a clean note is never published


async def test_a_note_changed_on_disk_is_checked_again_by_the_servers_own_watcher(vault):
    root = vault({"A.md": "# A\n", "C.md": "[[Nowhere]]\n"}).resolve()
    async with running() as client:
        await start(client, root)  # the client does not watch files: the server does
        await until(lambda: codes(client, root / "C.md") == ["VK201"], "C's diagnostic")
        (root / "C.md").write_text("[[A]]\n")
        await until(lambda: cleared(client, root / "C.md"), "C to be checked again after the disk change")
        (root / "E.md").write_text("[[Gone]]\n")
        await until(lambda: codes(client, root / "E.md") == ["VK201"], "a new file to be checked")


async def test_a_note_changed_on_disk_is_checked_again_on_did_change_watched_files(vault):
    root = vault({"A.md": "# A\n", "C.md": "[[Nowhere]]\n"}).resolve()
    async with running() as client:
        registrations: list[types.RegistrationParams] = []

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            registrations.append(params)

        await start(client, root, watch_files=True)
        await until(lambda: registrations, "the server to ask for file events")
        assert registrations[0].registrations[0].method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        await until(lambda: codes(client, root / "C.md") == ["VK201"], "C's diagnostic")
        (root / "C.md").write_text("[[A]]\n")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams([types.FileEvent(uri(root / "C.md"), types.FileChangeType.Changed)])
        )
        await until(lambda: cleared(client, root / "C.md"), "C to be checked again")


async def test_closing_an_unsaved_note_goes_back_to_the_disk(vault):
    root = vault({"A.md": "# A\n", "B.md": "[[A]]\n"}).resolve()
    async with running() as client:
        await start(client, root)
        open_note(client, root / "B.md", "[[Missing]]\n")
        await until(lambda: codes(client, root / "B.md") == ["VK201"], "the unsaved text's diagnostic")
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri(root / "B.md")))
        )
        await until(lambda: cleared(client, root / "B.md"), "the disk's (clean) text to count again")


async def test_configuration_changes_are_followed(vault):
    root = vault({"A.md": "[[Nowhere]]\n"}).resolve()
    async with running() as client:
        await start(client, root)
        await until(lambda: codes(client, root / "A.md") == ["VK201"], "A's diagnostic")
        (root / ".vaultkit.toml").write_text('ignore = ["broken-wikilink"]\n')
        await until(lambda: cleared(client, root / "A.md"), "the new configuration to apply")
        (root / ".vaultkit.toml").write_text("no-such-key = 1\n")
        await until(lambda: any("no-such-key" in m.message for m in client.messages), "the error to be shown")


async def test_workspace_folders_that_are_different_vaults_get_their_own_index(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for root, name in ((one, "Only In One.md"), (two, "Only In Two.md")):
        (root / ".obsidian").mkdir(parents=True)
        (root / name).write_text("# here\n", encoding="utf-8")
        (root / "N.md").write_text("[[Only In One]] [[Only In Two]]\n", encoding="utf-8")
    async with running() as client:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                workspace_folders=[types.WorkspaceFolder(uri(one), "one"), types.WorkspaceFolder(uri(two), "two")],
            )
        )
        await until(lambda: codes(client, one / "N.md") and codes(client, two / "N.md"), "both vaults' diagnostics")
        (in_one,) = client.diagnostics[uri(one / "N.md")]
        (in_two,) = client.diagnostics[uri(two / "N.md")]
        assert "'Only In Two'" in in_one.message and "'Only In One'" in in_two.message
