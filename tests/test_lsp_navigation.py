"""Definition, completion, hover and outline of ``vaultkit lsp`` on links, headings and block
ids, with CJK text and emoji before the link (UTF-16 positions by default)."""

from __future__ import annotations

import pytest
from lsp_harness import open_note, rng, running, start, until, uri
from lsprotocol import types

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]  # each test starts a server process

TARGET = "# Top\n\n## 中文 Section\n\nA 😀 paragraph ^blk1\n\n## Other\n"
NOTE = "中文😀 [[Target#中文 Section]] and [[Target#^blk1]] and [[Dup]]\n"  # the first link starts at UTF-16 unit 5
FILES = {"Target.md": TARGET, "Folder/Dup.md": "", "Other/Dup.md": "", "N.md": NOTE}


def doc(path) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri(path))


async def ready(client, root) -> None:
    await start(client, root)
    open_note(client, root / "N.md")
    await until(lambda: uri(root / "N.md") in client.diagnostics, "the first check")


async def test_definition_goes_to_the_heading_line_and_the_block(vault):
    root = vault(FILES).resolve()
    async with running() as client:
        await ready(client, root)
        heading = await client.text_document_definition_async(
            types.DefinitionParams(doc(root / "N.md"), types.Position(0, 7))
        )
        assert heading.uri == uri(root / "Target.md")
        assert heading.range == rng(2, 0, 2, len("## 中文 Section"))
        block_at = NOTE.index("[[Target#^") + 2 + 1  # the emoji counts twice in UTF-16
        block = await client.text_document_definition_async(
            types.DefinitionParams(doc(root / "N.md"), types.Position(0, block_at))
        )
        assert block.uri == uri(root / "Target.md")
        assert block.range == rng(4, 15, 4, 20)  # "A 😀 paragraph " is 15 UTF-16 units
        outside = await client.text_document_definition_async(
            types.DefinitionParams(doc(root / "N.md"), types.Position(0, 4))
        )
        assert outside is None


async def test_completion_of_names_headings_and_block_ids(vault):
    root = vault(FILES).resolve()
    async with running() as client:
        await ready(client, root)
        cases = {
            "中文😀 [[Tar": ("Tar", {"Target"}),
            "中文😀 [[Target#": ("", {"Top", "中文 Section", "Other"}),
            "中文😀 [[Target#中": ("中", {"中文 Section"}),
            "中文😀 [[Target#^": ("^", {"^blk1"}),
        }
        for version, (text, (typed, labels)) in enumerate(cases.items(), 2):
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri(root / "N.md"), version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
            end = 5 + len(text) - 4  # UTF-16 units: the emoji is two
            result = await client.text_document_completion_async(
                types.CompletionParams(doc(root / "N.md"), types.Position(0, end))
            )
            found = {item.label for item in result.items}
            if typed == "Tar":
                assert "Target" in found and not found & {"Dup", "N"}
            else:
                assert found == labels
            for item in result.items:
                assert item.text_edit.range == rng(0, end - len(typed), 0, end)


async def test_hover_says_where_a_link_goes_and_why(vault):
    root = vault(FILES).resolve()
    async with running() as client:
        await ready(client, root)
        heading = await client.text_document_hover_async(types.HoverParams(doc(root / "N.md"), types.Position(0, 7)))
        assert "`Target.md`" in heading.contents.value and "line 3" in heading.contents.value
        assert heading.range == rng(0, 5, 0, 5 + len("[[Target#中文 Section]]"))
        dup_at = NOTE.index("[[Dup") + 1 + 2
        ambiguous = await client.text_document_hover_async(
            types.HoverParams(doc(root / "N.md"), types.Position(0, dup_at))
        )
        text = ambiguous.contents.value
        assert "2 files fit" in text and "`Folder/Dup.md`" in text and "`Other/Dup.md`" in text
        assert "Obsidian opens `Other/Dup.md` because its path is the shortest" in text
        # the check says the same
        (check,) = [d for d in client.diagnostics[uri(root / "N.md")] if d.code == "VK205"]
        assert "Obsidian opens 'Other/Dup.md' (its path is the shortest)" in check.message


async def test_document_symbols_nest_headings(vault):
    root = vault(FILES).resolve()
    async with running() as client:
        await ready(client, root)
        open_note(client, root / "Target.md")
        (top,) = await client.text_document_document_symbol_async(types.DocumentSymbolParams(doc(root / "Target.md")))
        assert top.name == "Top"
        assert [c.name for c in top.children] == ["中文 Section", "Other"]
        assert top.children[0].range == rng(2, 0, 6, 0)  # the section ends where "## Other" starts
