"""Code actions of ``vaultkit lsp``: quick fixes, fix-all and suppressions give the same text
as ``vaultkit fix`` does on disk."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_harness import apply, codes, open_note, rng, running, start, until, uri
from lsprotocol import types

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]  # each test starts a server process

NOTE = "中文😀 see [[Gradiant Descent]]\n$$\na\n\nb\n$$\n"  # one unsafe fix (VK201), one safe (VK405)
TWO_SAFE = NOTE + "\nSome text.\n\n$$\nc\n\nd\n$$\n"


def cli_fix(root: Path, rel: str, tmp_path: Path, *options: str) -> str:
    """What ``vaultkit fix`` writes, on a copy of the vault."""
    copy = tmp_path / f"copy{len(list(tmp_path.glob('copy*')))}"
    shutil.copytree(root, copy)
    subprocess.run([sys.executable, "-m", "vaultkit", "fix", str(copy), *options], capture_output=True, check=False)
    return (copy / rel).read_text(encoding="utf-8")


async def actions(client, path: Path, where: types.Range, only: list[str] | None = None) -> list[types.CodeAction]:
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri(path)),
            range=where,
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )
    return list(found or [])


def edits_of(action: types.CodeAction, path: Path) -> list[types.TextEdit]:
    assert action.edit is not None and action.edit.changes is not None
    return list(action.edit.changes[uri(path)])


async def test_quick_fixes_give_the_text_vaultkit_fix_gives(vault, tmp_path):
    root = vault({"N.md": NOTE, "Gradient Descent.md": "# G\n"}).resolve()
    async with running() as client:
        await start(client, root)
        open_note(client, root / "N.md")
        await until(lambda: codes(client, root / "N.md") == ["VK201", "VK405"], "N's diagnostics")
        found = await actions(client, root / "N.md", rng(0, 0, 6, 0), [types.CodeActionKind.QuickFix])
        by_title = {a.title: a for a in found}
        safe = by_title["Delete the blank line (safe fix, VK405)"]
        unsafe = by_title["Link to 'Gradient Descent' (unsafe fix, VK201)"]
        assert safe.is_preferred and not unsafe.is_preferred
        assert {a.kind for a in found} == {types.CodeActionKind.QuickFix}
        assert "Disable broken-wikilink for this line" in by_title
        assert "Disable blank-line-in-math for this line" not in by_title  # a %% line inside $$ changes the math
        assert apply(NOTE, edits_of(safe, root / "N.md")) == cli_fix(root, "N.md", tmp_path)
        assert apply(NOTE, edits_of(unsafe, root / "N.md")) == "中文😀 see [[Gradient Descent]]\n$$\na\n\nb\n$$\n"
        both = apply(apply(NOTE, edits_of(unsafe, root / "N.md")), edits_of(safe, root / "N.md"))
        assert both == cli_fix(root, "N.md", tmp_path, "--unsafe-fixes")
        # only the problems under the range: the first line holds just the link
        first_line = await actions(client, root / "N.md", rng(0, 9, 0, 9), [types.CodeActionKind.QuickFix])
        assert {a.title for a in first_line} == {
            "Link to 'Gradient Descent' (unsafe fix, VK201)",
            "Disable broken-wikilink for this line",
        }


async def test_fix_all_applies_the_safe_fixes_only_as_vaultkit_fix_does(vault, tmp_path):
    root = vault({"N.md": TWO_SAFE, "Gradient Descent.md": "# G\n"}).resolve()
    async with running() as client:
        await start(client, root)
        open_note(client, root / "N.md")
        await until(lambda: codes(client, root / "N.md") == ["VK201", "VK405", "VK405"], "N's diagnostics")
        (fix_all,) = await actions(client, root / "N.md", rng(0, 0, 0, 0), ["source.fixAll.vaultkit"])
        assert fix_all.kind == "source.fixAll.vaultkit"
        fixed = apply(TWO_SAFE, edits_of(fix_all, root / "N.md"))
        assert fixed == cli_fix(root, "N.md", tmp_path)
        assert "[[Gradiant Descent]]" in fixed and "a\nb" in fixed and "c\nd" in fixed  # unsafe left, safe ones done
        # a clean note offers nothing to fix
        open_note(client, root / "Gradient Descent.md")
        assert await actions(client, root / "Gradient Descent.md", rng(0, 0, 0, 0), ["source.fixAll"]) == []


async def test_disabling_a_rule_for_a_line_silences_it(vault):
    text = "# Title\n  - item [[Nowhere]]\n"
    root = vault({"N.md": text}).resolve()
    async with running() as client:
        await start(client, root)
        open_note(client, root / "N.md")
        await until(lambda: codes(client, root / "N.md") == ["VK201"], "N's diagnostic")
        found = await actions(client, root / "N.md", rng(1, 12, 1, 12))
        (disable,) = [a for a in found if a.title == "Disable broken-wikilink for this line"]
        new = apply(text, edits_of(disable, root / "N.md"))
        assert new == "# Title\n  %% vaultkit-disable-next-line broken-wikilink %%\n  - item [[Nowhere]]\n"
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri(root / "N.md"), version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)],
            )
        )
        await until(lambda: codes(client, root / "N.md") == [] and uri(root / "N.md") in client.diagnostics, "silence")
