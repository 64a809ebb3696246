"""watchdog on the vault root: turn file-system events into vault-relative paths.

Nothing happens on the observer thread but filtering and handing the path to the debouncer.
Ignored: hidden entries (``.obsidian/``, ``.trash/``, ``.git/``, ``.vaultkit/``, editors' and
our own writer's dot-temp files), ``opened`` / ``closed_no_write`` events and directory
*modifications* (a file event always accompanies them).  Two files inside ``.obsidian/``
change how notes are read -- ``app.json`` (excluded files, link settings) and ``types.json``
(property types) -- so they pass, as do the root's configuration files; the worker reloads
the vault when it sees them.

Created, deleted and moved directories are passed on as directories: the worker reconciles
the whole folder with the disk, which also covers watchdog back-ends that do not report the
files inside a moved folder.  When the kernel's inotify queue overflows, watchdog logs a
warning and events are lost; :class:`OverflowWatch` turns that warning into a request to
reconcile the whole vault.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from vaultkit.model import nfc

SETTINGS_FILES = frozenset({".obsidian/app.json", ".obsidian/types.json", ".vaultkit.toml"})
ROOT = ""  # the path that stands for "reconcile the whole vault"

Sink = Callable[[str, "str | None"], None]  # (path, moved_from)


def relative(root: str, path: str | bytes) -> str | None:
    """The vault-relative, NFC, ``/``-separated form of an event path; None when the path is
    outside the vault or hidden (any part starting with a dot), except the settings files."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if path == root:
        return ROOT
    if not path.startswith(root + os.sep):
        return None
    rel = nfc(path[len(root) + 1 :].replace(os.sep, "/"))
    if rel in SETTINGS_FILES:
        return rel
    if any(part.startswith(".") for part in rel.split("/")):
        return None
    return rel


class VaultEventHandler(FileSystemEventHandler):
    """Forwards the vault paths of relevant events to ``sink(path, moved_from)``."""

    def __init__(self, root: str, sink: Sink) -> None:
        self.root = root
        self.sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        if kind in (EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE):
            return
        if event.is_directory and kind == EVENT_TYPE_MODIFIED:
            return
        src = relative(self.root, event.src_path)
        if kind == EVENT_TYPE_MOVED:
            dest = relative(self.root, event.dest_path)
            if dest is not None:
                self.sink(dest, src)
            elif src is not None:
                self.sink(src, None)  # moved out of the vault, or to a hidden name
            return
        if src is not None:
            self.sink(src, None)


class OverflowWatch(logging.Handler):
    """Calls ``on_overflow`` when watchdog reports that the kernel dropped events."""

    def __init__(self, on_overflow: Callable[[], None]) -> None:
        super().__init__(logging.WARNING)
        self.on_overflow = on_overflow

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.on_overflow()


def start_observer(root: str, sink: Sink, polling: bool = False, poll_interval: float = 1.0) -> BaseObserver:
    """Watch ``root`` recursively (native events, or polling for network and synced folders)."""
    observer: BaseObserver = PollingObserver(timeout=poll_interval) if polling else Observer()
    observer.schedule(VaultEventHandler(root, sink), root, recursive=True)
    observer.daemon = True
    observer.start()
    return observer
