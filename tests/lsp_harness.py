"""Drive the real ``vaultkit lsp`` over stdio with pytest-lsp's client, on vaults in tmp_path.

Every server is started by :func:`running`, which always reaps it: a polite
``shutdown``/``exit`` first, then a kill if it is still alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace import PositionCodec, TextDocument
from pytest_lsp import ClientServerConfig, LanguageClient

DEBOUNCE = 0.05
SERVER = [sys.executable, "-m", "vaultkit", "lsp", "--debounce", str(DEBOUNCE)]


@contextlib.asynccontextmanager
async def running(env: dict[str, str] | None = None, args: Sequence[str] = ()) -> AsyncIterator[LanguageClient]:
    """A client connected to a fresh server process."""
    client = await ClientServerConfig(server_command=[*SERVER, *args], server_env=env).start()
    assert isinstance(client, LanguageClient)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), 10)
        server = client._server
        if server is not None and server.returncode is None:
            server.kill()
            await server.wait()
        await client.stop()


def uri(path: Path) -> str:
    return from_fs_path(str(path)) or ""


async def start(
    client: LanguageClient,
    root: Path,
    encodings: Sequence[str] | None = None,
    watch_files: bool = False,
) -> types.InitializeResult:
    """Initialise the session with ``root`` as the workspace folder."""
    capabilities = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=list(encodings)) if encodings else None,
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=watch_files)
        ),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
        ),
    )
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=uri(root),
            workspace_folders=[types.WorkspaceFolder(uri(root), root.name)],
        )
    )


async def until(predicate: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Wait (without blocking the client's loop) until ``predicate`` returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def cleared(client: LanguageClient, path: Path) -> bool:
    """Whether the last diagnostics published for ``path`` were an empty list."""
    found = client.diagnostics.get(uri(path))
    return found is not None and len(found) == 0


def codes(client: LanguageClient, path: Path) -> list[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(uri(path), []))


def open_note(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    """``didOpen`` with ``text`` (default: the file's content); returns the note's URI."""
    text = path.read_text(encoding="utf-8") if text is None else text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri(path), "markdown", version, text))
    )
    return uri(path)


def change(client: LanguageClient, path: Path, version: int, edits: Sequence[tuple[types.Range, str]]) -> None:
    """Incremental ``didChange``: each edit replaces a range (in the negotiated units)."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
            [types.TextDocumentContentChangePartial(range=r, text=t) for r, t in edits],
        )
    )


def apply(text: str, edits: Sequence[types.TextEdit], encoding: str = types.PositionEncodingKind.Utf16) -> str:
    """Apply a server's text edits with pygls' own document model (not the server's code)."""
    document = TextDocument("file:///x.md", text, position_codec=PositionCodec(encoding))
    starts = [document.offset_at_position(e.range.start) for e in edits]
    for _, edit in sorted(zip(starts, edits, strict=True), key=lambda pair: pair[0], reverse=True):
        document.apply_change(types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text))
    return document.source


def rng(line: int, start: int, end_line: int, end: int) -> types.Range:
    return types.Range(types.Position(line, start), types.Position(end_line, end))
