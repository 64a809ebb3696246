"""Per-path, trailing-edge debouncing of file events.

Editors and Obsidian fire several events per save (Obsidian writes a temporary file and
renames it over the note), and sync clients touch hundreds of files at once.  A path becomes
*due* once it has been quiet for ``delay`` seconds since its last event (mkdocs' livereload
loop).  The observer thread only records ``pending[path] = now`` under a condition; the
worker takes the due paths out under the lock and processes them with the lock released, so
events keep flowing while a batch is checked (the flaw of a debouncer that holds its lock
while calling back).

A move is kept as a pair: when either end becomes due the other goes with it, so the worker
sees a rename as one change rather than a deletion in one batch and a creation in the next.
For the same reason a batch also takes the paths that became quiet just after the due one
(within ``grace``): the two halves of a move that the back-end reported as a deletion and a
creation a few milliseconds apart, or the files of a folder copied in one go.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Batch:
    """Paths whose events have settled, and the moves among them (destination -> source)."""

    paths: list[str] = field(default_factory=list)
    moves: dict[str, str] = field(default_factory=dict)


class Debouncer:
    """Collects paths from the observer thread and hands settled batches to one worker."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic, grace: float | None = None) -> None:
        self.delay = delay
        self.grace = min(0.05, delay / 2) if grace is None else grace
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: dict[str, float] = {}
        self._moves: dict[str, str] = {}  # destination -> source
        self._closed = False

    def add(self, path: str, moved_from: str | None = None) -> None:
        """Record an event for ``path`` (a move also records its source).  Observer thread."""
        with self._cond:
            now = self._clock()
            self._pending[path] = now
            if moved_from is not None and moved_from != path:
                self._pending[moved_from] = now
                self._moves[path] = moved_from
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._pending)

    def waiting(self) -> bool:
        """Whether a batch is due now, or the debouncer closed: the worker's idle work yields."""
        with self._cond:
            return self._closed or (bool(self._pending) and min(self._pending.values()) <= self._clock() - self.delay)

    def due(self, now: float) -> Batch | None:
        """Take out every path quiet since ``now - delay`` (with the paths that settle within
        ``grace`` after it, and move partners), or None when no path is due yet."""
        with self._cond:
            return self._take_due(now)

    def _take_due(self, now: float) -> Batch | None:
        if not self._pending or min(self._pending.values()) > now - self.delay:
            return None
        limit = now - self.delay + self.grace
        due = {p for p, t in self._pending.items() if t <= limit}
        partners = {src for dest, src in self._moves.items() if dest in due}
        partners |= {dest for dest, src in self._moves.items() if src in due}
        due |= partners & self._pending.keys()
        batch = Batch(sorted(due), {d: s for d, s in self._moves.items() if d in due})
        for path in due:
            del self._pending[path]
        for dest in batch.moves:
            del self._moves[dest]
        return batch

    def take(self, max_wait: float = 1.0) -> Batch | None:
        """Block until a batch is due and return it; None once closed.

        Waits in slices of at most ``max_wait`` seconds so that a close is noticed promptly
        on every platform (Condition.wait without a timeout cannot be interrupted on Windows).
        """
        with self._cond:
            while not self._closed:
                now = self._clock()
                batch = self._take_due(now)
                if batch is not None:
                    return batch
                wait = max_wait
                if self._pending:
                    wait = min(wait, min(self._pending.values()) + self.delay - now)
                self._cond.wait(max(wait, 0.001))
            return None

    def close(self) -> None:
        """Wake the worker and make :meth:`take` return None from now on."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
