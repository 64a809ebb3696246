"""``vaultkit lsp`` keeps serving through malformed requests and rules that raise, and exits
when the editor says so."""

from __future__ import annotations

import json
import os
import textwrap

import pytest
from lsp_harness import change, cleared, codes, open_note, rng, running, start, until, uri
from lsprotocol import types

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]  # each test starts a server process

RAISING = '''
from vaultkit.api import Diagnostic, rule

@rule("ACM001", "explodes")
def explodes(note, vault, options):
    """Raises on notes that say BOOM."""
    if "BOOM" in note.text:
        raise RuntimeError("kaboom")
    return ()

RULES = [explodes]
'''


def raw(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def test_malformed_requests_do_not_stop_the_server(vault):
    root = vault({"A.md": "# A\n", "N.md": "see [[A]] here\n"}).resolve()
    async with running() as client:
        await start(client, root)
        open_note(client, root / "N.md")
        await until(lambda: uri(root / "N.md") in client.diagnostics, "the first check")
        stdin = client._server.stdin
        stdin.write(raw(b"{this is not json"))
        stdin.write(
            raw(
                json.dumps(
                    {"jsonrpc": "2.0", "id": 9001, "method": "textDocument/hover", "params": {"textDocument": 5}}
                ).encode()
            )
        )
        stdin.write(
            raw(json.dumps({"jsonrpc": "2.0", "id": 9002, "method": "vaultkit/nonsense", "params": {}}).encode())
        )
        await stdin.drain()
        far = types.Position(999, 999)
        for position in (far, types.Position(0, 10**6)):
            assert (
                await client.text_document_definition_async(
                    types.DefinitionParams(types.TextDocumentIdentifier(uri(root / "N.md")), position)
                )
                is None
            )
        never_opened = root / "missing.md"
        with pytest.raises(Exception):  # noqa: B017 -- any JSON-RPC error will do; the point is what follows
            await client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(uri(never_opened)), types.Position(0, 0))
            )
        hover = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri(root / "N.md")), types.Position(0, 6))
        )
        assert "`A.md`" in hover.contents.value
        change(client, root / "N.md", 2, [(rng(0, 6, 0, 7), "Nope")])
        await until(lambda: codes(client, root / "N.md") == ["VK201"], "checks to go on")


async def test_a_rule_that_raises_is_reported_and_the_server_goes_on(vault, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "boom_rules.py").write_text(textwrap.dedent(RAISING))
    info = site / "boom_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: boom_rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[vaultkit.rules]\nboom_rules = boom_rules:RULES\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    root = vault({"A.md": "# A\n", "N.md": "fine\n"}).resolve()
    async with running(env=env) as client:
        await start(client, root)
        open_note(client, root / "N.md", "BOOM [[Missing]]\n")
        await until(
            lambda: codes(client, root / "N.md") == ["VK000", "VK201"], "the crash and the other rule's finding"
        )
        crash = next(d for d in client.diagnostics[uri(root / "N.md")] if d.code == "VK000")
        assert "explodes" in crash.message and "kaboom" in crash.message
        change(client, root / "N.md", 2, [(rng(0, 0, 0, 4), "calm")])
        await until(lambda: codes(client, root / "N.md") == ["VK201"], "the rule to run again without raising")
        change(client, root / "N.md", 3, [(rng(0, 7, 0, 14), "A")])
        await until(lambda: cleared(client, root / "N.md"), "a clean note")


async def test_the_server_exits_when_the_editor_says_so(vault):
    root = vault({"A.md": "# A\n"}).resolve()
    async with running() as client:
        await start(client, root)
        await client.shutdown_session()
        assert client._server.returncode == 0
