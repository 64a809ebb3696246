"""Benchmark `vaultkit lsp` on the 10,000-note bench vault: start-up, edit latency, completion, memory.

    python bench/bench_lsp.py [--vault /tmp/lspv] [--edits 200] [--debounce 0.2]

The server runs as a subprocess on the vault (nothing is written: edits stay in the
editor's buffer) and is driven over stdio by pygls' own client, as an editor would:

* start-up: from launching the process to the first ``publishDiagnostics`` of a note opened
  right after ``initialize`` (the whole vault is checked first, as the server does);
* latency: N ``didChange`` edits, spread over 20 open notes (each appends a link to a note
  that does not exist, so the note's problems change), from sending the change to receiving
  the diagnostics for that document version -- reported with the debounce window
  subtracted, since the server deliberately waits that long after the last keystroke;
* completion: ``[[`` followed by the first two or three letters of a random note name,
  N requests, from request to response;
* memory: the server's resident set size after all that (VmRSS) and its peak (VmHWM).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

TARGETS = {"edit p95 ms": 100.0, "completion p95 ms": 50.0, "RSS MB": 400.0}


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB (Linux /proc)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def forward(stream: asyncio.StreamReader) -> None:
    """Copy the server's log to ours (an undrained pipe would block the server once full)."""
    while line := await stream.readline():
        sys.stderr.write(line.decode(errors="replace"))


class Client(LanguageClient):
    """Records when the diagnostics of each (document, version) arrive."""

    def __init__(self) -> None:
        super().__init__("vaultkit-bench", "1")
        self.arrived: dict[tuple[str, int | None], float] = {}
        self.event = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            self.arrived[(params.uri, params.version)] = time.perf_counter()
            self.event.set()

    async def wait_for(self, key: tuple[str, int | None], timeout: float = 60.0) -> float:
        deadline = time.perf_counter() + timeout
        while key not in self.arrived:
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), max(0.0, deadline - time.perf_counter()))
        return self.arrived[key]


async def run(args: argparse.Namespace) -> int:
    root = Path(args.vault).resolve()
    notes = sorted(p for p in root.rglob("*.md") if not any(part.startswith(".") for part in p.relative_to(root).parts))
    rng = random.Random(1)
    opened = rng.sample(notes, 20)
    command = [sys.executable, "-m", "vaultkit", "lsp", "--debounce", str(args.debounce)]
    client = Client()
    started = time.perf_counter()
    await client.start_io(*command)
    drain = asyncio.create_task(forward(client._server.stderr))  # type: ignore[union-attr]
    try:
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                workspace_folders=[types.WorkspaceFolder(from_fs_path(str(root)) or "", root.name)],
            )
        )
        client.initialized(types.InitializedParams())
        texts = {}
        for path in opened:
            uri = from_fs_path(str(path)) or ""
            texts[uri] = path.read_text(encoding="utf-8")
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "markdown", 1, texts[uri]))
            )
        first = await client.wait_for((from_fs_path(str(opened[0])) or "", 1), timeout=600) - started
        for uri in texts:
            await client.wait_for((uri, 1))
        print(f"start to first diagnostics of an opened note: {first:.1f} s ({len(notes)} notes)")

        latencies = []
        versions = dict.fromkeys(texts, 1)
        for n in range(args.edits):
            uri = rng.choice(list(texts))
            versions[uri] += 1
            texts[uri] += f"\nSee [[Placeholder {n}]].\n"
            sent = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=versions[uri]),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=texts[uri])],
                )
            )
            arrived = await client.wait_for((uri, versions[uri]))
            latencies.append((arrived - sent - args.debounce) * 1000)

        uri = next(iter(texts))
        names = [p.stem for p in notes]
        completion = []
        for _ in range(args.edits):
            typed = rng.choice(names)[: rng.choice((2, 3))]
            versions[uri] += 1
            line = f"[[{typed}"
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=versions[uri]),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=line)],
                )
            )
            sent = time.perf_counter()
            result = await client.text_document_completion_async(
                types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(0, len(line)))
            )
            completion.append((time.perf_counter() - sent) * 1000)
            assert isinstance(result, types.CompletionList) and result.items, f"no completion for {line!r}"

        rss, peak = memory(client._server.pid)  # type: ignore[union-attr]
        figures = {
            "edit p50 ms": pct(latencies, 50),
            "edit p95 ms": pct(latencies, 95),
            "completion p50 ms": pct(completion, 50),
            "completion p95 ms": pct(completion, 95),
            "RSS MB": rss,
        }
        print(f"didChange to diagnostics over {args.edits} edits (debounce {args.debounce} s excluded):")
        print(
            f"  p50 {figures['edit p50 ms']:.1f} ms, p95 {figures['edit p95 ms']:.1f} ms, max {max(latencies):.1f} ms"
        )
        print(f"completion after '[[' + 2-3 letters, {args.edits} requests:")
        print(f"  p50 {figures['completion p50 ms']:.1f} ms, p95 {figures['completion p95 ms']:.1f} ms")
        print(f"memory: {rss:.0f} MB resident, {peak:.0f} MB peak")
        missed = [f"{k} {figures[k]:.1f} > {limit:.0f}" for k, limit in TARGETS.items() if figures[k] > limit]
        print("targets met" if not missed else "targets missed: " + "; ".join(missed))
        return 1 if missed else 0
    finally:
        server = client._server
        try:
            await asyncio.wait_for(client.shutdown_async(None), 30)
            client.exit(None)
            await asyncio.wait_for(server.wait(), 30)  # type: ignore[union-attr]
        finally:
            if server is not None and server.returncode is None:
                server.kill()
            await client.stop()
            drain.cancel()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vault", default="/tmp/lspv")
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--debounce", type=float, default=0.2)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
