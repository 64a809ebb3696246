"""The language server: pygls on stdio, a thin front on the engine and the daemon's state.

Threads: pygls' asyncio loop answers requests and sends every message; one worker thread
(:class:`Worker`) runs the checks -- the first full check of each vault, debounced edits,
file events -- in the order they came, and hands the diagnostics back to the loop to
publish.  Requests (definition, completion, hover, code actions) read the current index
snapshot on the loop: an index is never changed once built, and a note is parsed from the
editor's text as it is at that moment, so answers never wait for a check.

Failures never end the server: a rule that raises is an ``internal-error`` diagnostic (the
engine's own rule), a request that fails is answered with a JSON-RPC error by pygls, and a
check that fails is logged and the vault read again.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from vaultkit.api import Applicability, Fix
from vaultkit.check.engine import Problem, check_note
from vaultkit.check.live import VaultState
from vaultkit.fix.loop import fix_note
from vaultkit.lsp import navigate
from vaultkit.lsp.positions import LineIndex
from vaultkit.lsp.vaults import Publication, Settings, Vault, to_diagnostic
from vaultkit.model import Note
from vaultkit.vault.debounce import Debouncer
from vaultkit.vault.files import find_root
from vaultkit.vault.observer import relative, start_observer
from vaultkit.version import __version__

log = logging.getLogger("vaultkit.lsp")

FIX_ALL = "source.fixAll.vaultkit"
DISABLE = "%% vaultkit-disable-next-line {} %%"
_INDENT = re.compile(r"[ \t]*")
Job = Callable[[], list[Publication]]


class Worker:
    """One daemon thread that runs jobs in order (a daemon thread, so that ``exit`` never
    waits for a long first check to finish), and background work while no job waits:
    each ``idle`` step does a little (screening a few notes) and says whether it did any, so
    a job that arrives waits for one step at most."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Job, Future] | None] = queue.SimpleQueue()
        self._idle: list[Callable[[], bool]] = []
        self._thread = threading.Thread(target=self._run, name="vaultkit-lsp-worker", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> Future:
        future: Future = Future()
        self._jobs.put((job, future))
        return future

    def idle(self, step: Callable[[], bool]) -> None:
        """Run ``step`` whenever no job is waiting, for as long as the server runs: it is asked
        again after every job, since a job can give it work again (a vault read anew has every
        note to screen).  Add it before the job that gives it its first work: the worker
        looks at its steps only once its queue is empty."""
        self._idle.append(step)

    def _run(self) -> None:
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                if self._step():
                    continue
                item = self._jobs.get()
            if item is None:
                return
            job, future = item
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to the loop, which logs it
                future.set_exception(exc)

    def _step(self) -> bool:
        """One step of the first background work that has any; whether one did."""
        return any(step() for step in list(self._idle))

    def stop(self) -> None:
        self._jobs.put(None)


@dataclass(frozen=True)
class Editing:
    """A request's note with its vault, the vault's state and the note's line index."""

    vault: Vault
    state: VaultState
    note: Note
    lines: LineIndex


class VaultkitServer(LanguageServer):
    """vaultkit's language server: one :class:`~vaultkit.lsp.vaults.Vault` per vault root."""

    def __init__(self, settings: Settings) -> None:
        super().__init__("vaultkit", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = settings
        self.vaults: dict[Path, Vault] = {}
        self.worker = Worker()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.uris: dict[tuple[Path, str], str] = {}  # open notes: (root, path) -> the URI the editor uses
        self.watchers: dict[Path, tuple[Any, Debouncer]] = {}
        self.client_watches = False
        self.reported: dict[Path, str | None] = {}  # the configuration error last shown, per vault

    # -- vaults and documents --------------------------------------------------------------

    def vault_for(self, path: Path) -> Vault:
        """The vault holding ``path`` (a workspace folder or a file); a new one is loaded."""
        for root in sorted(self.vaults, key=lambda r: len(r.parts), reverse=True):
            if path == root or path.is_relative_to(root):
                return self.vaults[root]
        root = find_root(path).path
        vault = self.vaults[root] = Vault(root, self.settings, self.workspace.position_codec)
        self.worker.idle(vault.screen_some)
        self.run(vault.load, vault, recover=False)
        if not self.client_watches:
            self.watch(vault)
        return vault

    def locate(self, uri: str) -> tuple[Vault, str] | None:
        """The vault and vault-relative path of a note's URI (None for anything that is not a
        Markdown file on disk, or that sits in a hidden folder)."""
        path = to_fs_path(uri)
        if not path or not path.lower().endswith(".md"):
            return None
        full = Path(path).resolve()
        vault = self.vault_for(full.parent)
        rel = relative(str(vault.root), str(full))
        return (vault, rel) if rel else None

    def uri_of(self, vault: Vault, rel: str) -> str:
        return self.uris.get((vault.root, rel)) or from_fs_path(str(vault.root / rel)) or ""

    def text_of(self, uri: str) -> str:
        return self.workspace.get_text_document(uri).source

    def editing(self, uri: str) -> Editing | None:
        """What a request about ``uri`` works on: the note as the editor holds it now, parsed
        as the checks parse it (None for a file that is not a note of a loaded vault)."""
        found = self.locate(uri)
        if found is None or found[0].state is None:
            return None
        vault, rel = found
        state = found[0].state
        note = state.overlaid(rel, self.text_of(uri))
        return Editing(vault, state, note, self.lines(note.text))

    # -- running checks --------------------------------------------------------------------

    def run(self, job: Job, vault: Vault, recover: bool = True) -> None:
        """Run ``job`` on the worker, then publish what it returns (callable from any thread);
        when it fails and ``recover`` is set, the vault is read again."""
        future = self.worker.submit(job)
        loop = self.loop
        if loop is None:
            return

        def done(_: Future) -> None:
            loop.call_soon_threadsafe(self._finish, future, vault, recover)

        future.add_done_callback(done)

    def _finish(self, future: Future, vault: Vault, recover: bool) -> None:
        try:
            publications = future.result()
        except Exception:
            log.exception("a check of %s failed%s", vault.root, "; reading the vault again" if recover else "")
            if recover:
                self.run(vault.load, vault, recover=False)
            return
        if vault.error and self.reported.get(vault.root) != vault.error:  # once, not on every keystroke
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"vaultkit: {vault.error}"))
        self.reported[vault.root] = vault.error
        for item in publications:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=self.uri_of(vault, item.rel), diagnostics=item.diagnostics, version=item.version
                )
            )

    def schedule(self, uri: str) -> None:
        """Check an edited note once it has been quiet for the debounce window."""
        if (timer := self.timers.pop(uri, None)) is not None:
            timer.cancel()
        assert self.loop is not None
        self.timers[uri] = self.loop.call_later(self.settings.debounce, self.flush, uri)

    def flush(self, uri: str) -> None:
        self.timers.pop(uri, None)
        found = self.locate(uri)
        if found is None or unquote(uri) not in self.workspace.text_documents:  # pygls keys them unquoted
            return
        vault, rel = found
        document = self.workspace.get_text_document(uri)
        text, version = document.source, document.version
        self.run(lambda: vault.edit(rel, text, version), vault)

    def watch(self, vault: Vault) -> None:
        """Follow the disk with the daemon's own watcher (for clients that do not send
        ``workspace/didChangeWatchedFiles``), debounced as ``vaultkit watch`` does."""
        debouncer = Debouncer(self.settings.debounce)
        try:
            observer = start_observer(str(vault.root), debouncer.add)
        except OSError as exc:
            log.warning("cannot watch %s: %s", vault.root, exc)
            return
        self.watchers[vault.root] = (observer, debouncer)

        def follow() -> None:
            while (batch := debouncer.take()) is not None:
                self.run(partial(vault.changed, batch.paths, batch.moves), vault)

        threading.Thread(target=follow, name="vaultkit-lsp-events", daemon=True).start()

    def stop(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        for observer, debouncer in self.watchers.values():
            debouncer.close()
            observer.stop()
        self.watchers.clear()
        self.worker.stop()

    # -- conversions -----------------------------------------------------------------------

    def lines(self, text: str) -> LineIndex:
        return LineIndex(text, self.workspace.position_codec)

    def text_edits(self, lines: LineIndex, fix: Fix) -> list[types.TextEdit]:
        return [types.TextEdit(lines.range(e.start, e.end), e.text) for e in fix.edits]

    def location(self, vault: Vault, place: navigate.Place) -> types.Location:
        note = vault.state.index.notes.get(place.path) if vault.state else None
        lines = self.lines(note.text if note is not None else "")
        return types.Location(self.uri_of(vault, place.path), lines.range(place.start, place.end))


def _offered(fix: Fix) -> bool:
    """Whether a quick fix offers ``fix``: a safe or unsafe one (display fixes are suggestions
    only) made of text edits (a new encoding or a dropped BOM is how the file is stored, which
    only ``vaultkit fix`` can change)."""
    return (
        fix.applicability is not Applicability.DISPLAY and bool(fix.edits) and fix.encoding is None and fix.bom is None
    )


def _wants(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a code action of ``kind`` was asked for (``only`` lists kinds or their prefixes)."""
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def _whole_edit(lines: LineIndex, old: str, new: str) -> types.TextEdit:
    """One edit turning ``old`` into ``new``: the changed middle, common ends left alone."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return types.TextEdit(lines.range(start, len(old) - end), new[start : len(new) - end])


def _disable_edit(note: Note, problem: Problem, lines: LineIndex) -> types.TextEdit | None:
    """Insert the suppression comment above the problem's line, indented like it; None in
    front matter, where a ``%%`` line would break the YAML."""
    if problem.start < note.body_start or problem.rule == "internal-error":
        return None
    start = note.source_map.line_start(problem.line)
    if any(region.start < start < region.end for region in note.regions):
        return None  # inside code, math or a comment the line would change what the block says
    found = _INDENT.match(note.text, start)  # the line's own indent, without copying the note
    indent = found.group() if found else ""
    comment = indent + DISABLE.format(problem.rule) + note.decoded.newline
    return types.TextEdit(lines.range(start, start), comment)


def build(settings: Settings) -> VaultkitServer:
    """The server with every feature registered."""
    server = VaultkitServer(settings)

    @server.feature(types.INITIALIZED)
    def initialized(ls: VaultkitServer, params: types.InitializedParams) -> None:
        ls.loop = asyncio.get_running_loop()
        capabilities = ls.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities else None
        ls.client_watches = bool(watched and watched.dynamic_registration)
        if ls.client_watches:
            ls.client_register_capability(
                types.RegistrationParams(
                    [
                        types.Registration(
                            "vaultkit-files",
                            types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            types.DidChangeWatchedFilesRegistrationOptions([types.FileSystemWatcher("**/*")]),
                        )
                    ]
                )
            )
        folders = [f.uri for f in ls.workspace.folders.values()] or [ls.workspace.root_uri or ""]
        for uri in folders:
            path = to_fs_path(uri) if uri else None
            if path:
                ls.vault_for(Path(path).resolve())

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: VaultkitServer, params: None) -> None:
        ls.stop()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(ls: VaultkitServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        for folder in params.event.added:
            if path := to_fs_path(folder.uri):
                ls.vault_for(Path(path).resolve())

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: VaultkitServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        found = ls.locate(document.uri)
        if found is not None:
            vault, rel = found
            ls.uris[(vault.root, rel)] = document.uri
            ls.run(lambda: vault.edit(rel, document.text, document.version), vault)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: VaultkitServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: VaultkitServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if (timer := ls.timers.pop(uri, None)) is not None:
            timer.cancel()
        found = ls.locate(uri)
        if found is not None:
            vault, rel = found
            ls.run(lambda: vault.edit(rel, None), vault)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(ls: VaultkitServer, params: types.DidChangeWatchedFilesParams) -> None:
        by_vault: dict[Path, list[str]] = {}
        for change in params.changes:
            path = to_fs_path(change.uri)
            if not path:
                continue
            full = Path(path).resolve()
            vault = ls.vault_for(full.parent)
            rel = relative(str(vault.root), str(full))
            if rel is not None:
                by_vault.setdefault(vault.root, []).append(rel)
        for root, paths in by_vault.items():
            vault = ls.vaults[root]
            ls.run(partial(vault.changed, paths), vault)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: VaultkitServer, params: types.DefinitionParams) -> types.Location | None:
        at = ls.editing(params.text_document.uri)
        link = navigate.link_at(at.note, at.lines.offset(params.position)) if at else None
        place = navigate.destination(at.note, at.state.index, link) if at and link else None
        return ls.location(at.vault, place) if at and place else None

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: VaultkitServer, params: types.HoverParams) -> types.Hover | None:
        at = ls.editing(params.text_document.uri)
        link = navigate.link_at(at.note, at.lines.offset(params.position)) if at else None
        if at is None or link is None:
            return None
        text = navigate.hover_text(at.note, at.state.index, link)
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text), at.lines.range(link.start, link.end))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["[", "#", "^", "/"]))
    def completion(ls: VaultkitServer, params: types.CompletionParams) -> types.CompletionList | None:
        at = ls.editing(params.text_document.uri)
        if at is None:
            return None
        lines = at.lines
        items, cut = navigate.completions(at.note, at.state.index, lines.offset(params.position))
        kinds = {
            "note": types.CompletionItemKind.File,
            "file": types.CompletionItemKind.File,
            "heading": types.CompletionItemKind.Reference,
            "block": types.CompletionItemKind.Reference,
        }
        return types.CompletionList(
            is_incomplete=cut,
            items=[
                types.CompletionItem(
                    label=item.label,
                    kind=kinds[item.kind],
                    detail=item.detail,
                    text_edit=types.TextEdit(lines.range(item.start, item.end), item.text),
                    sort_text=f"{rank:05d}",
                )
                for rank, item in enumerate(items)
            ],
        )

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls: VaultkitServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
        at = ls.editing(params.text_document.uri)
        if at is None:
            return None
        note, lines = at.note, at.lines

        def symbol(item: navigate.Symbol) -> types.DocumentSymbol:
            heading = item.heading
            return types.DocumentSymbol(
                name=heading.text.strip() or "#" * heading.level,
                kind=types.SymbolKind.String,
                range=lines.range(heading.start, navigate.section_end(note, item)),
                selection_range=lines.range(heading.start, heading.end),
                detail="#" * heading.level,
                children=[symbol(child) for child in item.children],
            )

        return [symbol(item) for item in navigate.outline(note)]

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_actions(ls: VaultkitServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        at = ls.editing(uri)
        if at is None:
            return None
        vault, note, lines = at.vault, at.note, at.lines
        index, active = at.state.index, at.state.active
        first, last = lines.offset(params.range.start), lines.offset(params.range.end)
        problems = check_note(note, index, active)
        only = params.context.only
        actions: list[types.CodeAction] = []
        for problem in problems:
            if problem.start > last or max(problem.end, problem.start) < first:
                continue
            diagnostic = to_diagnostic(problem, lines, vault.docs)
            fix = problem.fix
            if fix is not None and _wants(only, types.CodeActionKind.QuickFix) and _offered(fix):
                safe = fix.applicability is Applicability.SAFE
                actions.append(
                    types.CodeAction(
                        title=f"{fix.title} ({'safe' if safe else 'unsafe'} fix, {problem.code})",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=safe,
                        edit=types.WorkspaceEdit(changes={uri: ls.text_edits(lines, fix)}),
                    )
                )
            disable = _disable_edit(note, problem, lines)
            if disable is not None and _wants(only, types.CodeActionKind.QuickFix):
                actions.append(
                    types.CodeAction(
                        title=f"Disable {problem.rule} for this line",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=types.WorkspaceEdit(changes={uri: [disable]}),
                    )
                )
        if _wants(only, FIX_ALL):
            result = fix_note(note, index, active, unsafe=False, problems=problems)
            if result.error is None and result.note.text != note.text:
                actions.append(
                    types.CodeAction(
                        title="Fix all safe vaultkit problems",
                        kind=FIX_ALL,
                        edit=types.WorkspaceEdit(changes={uri: [_whole_edit(lines, note.text, result.note.text)]}),
                    )
                )
        return actions

    return server


def serve(settings: Settings) -> None:
    """Run the server on stdin/stdout until the client says ``exit`` (or goes away)."""
    server = build(settings)
    try:
        server.start_io()
    finally:
        server.stop()
