"""One vault as the language server keeps it: the daemon's incremental state plus the text
of the notes open in the editor, and the diagnostics last published for each note.

The checking is :class:`~vaultkit.check.live.VaultState`'s, unchanged: a full check at
start, then :meth:`~vaultkit.check.live.VaultState.apply` for every edit, save or file
event, which re-checks the note and the notes that link to it.  Open notes enter it
through :attr:`~vaultkit.check.live.VaultState.overlay`, so an unsaved heading rename
already breaks the links to it in other notes.  Everything here runs on the server's one
worker thread.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.workspace import PositionCodec

from vaultkit.api import Severity
from vaultkit.check.config import ActiveRule, ConfigError
from vaultkit.check.engine import Problem
from vaultkit.check.live import VaultState
from vaultkit.check.registry import PluginError
from vaultkit.check.run import resolve_run
from vaultkit.lsp.positions import LineIndex
from vaultkit.vault.observer import SETTINGS_FILES

log = logging.getLogger("vaultkit.lsp")

RELOAD_FILES = SETTINGS_FILES | {"pyproject.toml"}  # a change to one of these reads the vault again
DOCS = "https://github.com/vaultkit/vaultkit/blob/main/rules/{}.py"  # a built-in rule's docs: its docstring
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


@dataclass(frozen=True)
class Settings:
    """How the server was started (the ``vaultkit lsp`` options), the same for every vault."""

    config: Path | None = None
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    isolated: bool = False
    debounce: float = 0.2


@dataclass
class Publication:
    """The diagnostics of one note, ready for ``textDocument/publishDiagnostics``."""

    rel: str
    diagnostics: list[types.Diagnostic]
    version: int | None = None


def docs_links(active: Iterable[ActiveRule]) -> dict[str, types.CodeDescription]:
    """Rule name -> where its documentation is, for the built-in rules (a third-party rule's
    documentation is wherever its author keeps it, so it gets none)."""
    found = {}
    for item in active:
        module = item.rule.check.__module__
        if module.startswith("vaultkit.rules."):
            found[item.rule.name] = types.CodeDescription(href=DOCS.format(module.rsplit(".", 1)[1]))
    return found


def to_diagnostic(problem: Problem, lines: LineIndex, docs: Mapping[str, types.CodeDescription]) -> types.Diagnostic:
    """A problem as LSP shows it, its range in the client's position units."""
    return types.Diagnostic(
        range=lines.range(problem.start, problem.end),
        message=problem.message,
        severity=_SEVERITY[problem.severity],
        code=problem.code,
        code_description=docs.get(problem.rule),
        source="vaultkit",
        data={"rule": problem.rule},
    )


@dataclass
class Vault:
    """One vault root and everything the server knows about it."""

    root: Path
    settings: Settings
    codec: PositionCodec
    state: VaultState | None = None
    error: str | None = None  # why the configuration could not be loaded
    overlay: dict[str, str] = field(default_factory=dict)  # open notes: path -> editor text
    versions: dict[str, int] = field(default_factory=dict)  # open notes: path -> document version
    published: set[str] = field(default_factory=set)  # notes whose last publication was not empty
    docs: dict[str, types.CodeDescription] = field(default_factory=dict)
    screen_failed: bool = False  # a screen raised: not tried again for this state

    def load(self) -> list[Publication]:
        """Read the configuration and check the whole vault (again, after a settings change)."""
        started = time.monotonic()
        try:
            config, active = resolve_run(
                self.root, self.settings.config, self.settings.select, self.settings.ignore, self.settings.isolated
            )
        except (ConfigError, PluginError) as exc:
            self.error, self.state = str(exc), None
            return [Publication(rel, []) for rel in sorted(self.published)]
        state = VaultState(self.root, config, active)
        state.overlay = self.overlay
        state.load(jobs=1)  # no worker processes: forking a process that runs threads can deadlock the child
        if self.overlay:
            state.apply(sorted(self.overlay))
        self.state, self.error, self.docs, self.screen_failed = state, None, docs_links(active), False
        gc.freeze()  # the index is long-lived: keep full collections (pauses on every edit) from walking it
        log.info("%s: %d notes checked in %.1f s", self.root, len(state.problems), time.monotonic() - started)
        wanted = {rel for rel, problems in state.problems.items() if problems} | self.published
        return [self.publication(rel) for rel in sorted(wanted)]

    def screen_some(self) -> bool:
        """Screen a few more notes for damaged text, as the daemon does between batches
        (:meth:`VaultState.screen_some`): the server's worker calls this whenever no job is
        waiting, so that neither the first diagnostics nor the first keystroke wait for the
        whole screen.  Whether it did any work: False once the vault is screened, when it has
        no state, or after a screen that failed (logged once; edits screen their own notes)."""
        state = self.state
        if state is None or state.screened or self.screen_failed:
            return False
        try:
            state.screen_some()
        except Exception:
            log.exception("screening the notes of %s for damaged text failed", self.root)
            self.screen_failed = True
        return True

    def edit(self, rel: str, text: str | None, version: int | None = None) -> list[Publication]:
        """The editor opened or changed ``rel`` (``text``), or closed it (None: the disk wins
        again).  The note's own diagnostics are always published, also when unchanged, so the
        editor knows they are current for this version."""
        if text is None:
            self.overlay.pop(rel, None)
            self.versions.pop(rel, None)
        else:
            self.overlay[rel] = text
            if version is not None:
                self.versions[rel] = version
        found = self.changed([rel])
        if self.state is not None and all(item.rel != rel for item in found):
            found.append(self.publication(rel))
        return found

    def changed(self, paths: Sequence[str], moves: Mapping[str, str] | None = None) -> list[Publication]:
        """Files changed on disk (vault-relative paths): re-check what that affects."""
        if any(path in RELOAD_FILES for path in paths):
            return self.load()
        if self.state is None:
            return []
        update = self.state.apply(paths, moves)
        found = [self.publication(rel) for rel in sorted(update.problems)]
        found += [self.publication(rel) for rel in update.removed]
        return found

    def publication(self, rel: str) -> Publication:
        """The current diagnostics of ``rel`` (none when it is gone or not checked)."""
        state = self.state
        problems = state.problems.get(rel, []) if state is not None else []
        note = state.notes.get(rel) if state is not None else None
        if not problems or note is None:
            self.published.discard(rel)
            return Publication(rel, [], self.versions.get(rel))
        lines = LineIndex(note.text, self.codec)
        self.published.add(rel)
        return Publication(rel, [to_diagnostic(p, lines, self.docs) for p in problems], self.versions.get(rel))
