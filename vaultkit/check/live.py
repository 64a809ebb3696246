"""The picture of the vault that ``vaultkit watch`` and ``vaultkit lsp`` keep -- notes, files,
problems -- in step with the disk.

:meth:`VaultState.load` does what ``vaultkit check`` does, from the same cache
(:mod:`vaultkit.check.cache`): on a vault checked before, only what changed since is
parsed and checked again.  After that, :meth:`VaultState.apply` takes a batch of
vault-relative paths whose events have settled and reconciles each with the disk: whatever
the events said, a path that exists is (re-)read and one that does not is dropped, so a
burst of events, a lost event or a folder moved in one go all end in the same state.  A
note is parsed again only when the hash of its bytes changed.

Only what a change can affect is checked again:

* the changed notes themselves;
* every note that links to the name of a file that appeared or went away, or of a note whose
  headings, block ids or readability changed (what a link into it can see: typing in a
  paragraph re-checks that note alone) -- by the old and the new name of a renamed file, and
  by the old and new aliases of a changed note (the reverse map ``link name -> notes`` is
  kept up to date here);
* the notes a changed note started or stopped linking to (rules about backlinks);
* when a file appears or goes away: the notes that share its name (ambiguity) and the
  files beside it whose name starts with its name (sync-conflict copies);
* when the vault's set of names or aliases changes: the notes that have unresolved links,
  whose "did you mean" suggestions are drawn from all names;
* when the vault's usual date format changes: the notes with an empty date;
* when what the vault says about its language changes (the characters of its clean notes,
  the words of its note names: :func:`~vaultkit.text.encoding.locate.context_of`): the notes
  that may hold damaged text, whose repairs draw on it -- so what is served always equals
  a fresh check's, even after a batch that seems unrelated to them;
* after every batch, the vault-scope rules (canvases, bases, attachments, names) run again
  over the whole index -- they are cheap, and what they report depends on any file.

Notes open in an editor (the language server, :mod:`vaultkit.lsp`) are checked from the text
the editor holds: :attr:`VaultState.overlay` maps their paths to that text, which wins over
the disk until the editor closes them.

Everything runs on the daemon's one worker thread; :attr:`VaultState.lock` is held while the
state changes, and readers (the HTTP threads) take it to read a consistent picture.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from operator import attrgetter
from pathlib import Path

from vaultkit.api import Scope
from vaultkit.check.config import ActiveRule, Config
from vaultkit.check.engine import Cancel, Problem, check, check_files, check_note, date_keys, no_gc, targeted
from vaultkit.model import Decoded, Note, fold, folder_of, link_key
from vaultkit.read.decode import newline_style
from vaultkit.read.parse import digest_of, parse_bytes, parse_document, parse_text, read_bytes
from vaultkit.text.encoding.locate import Context, context_from, sampled, suspicious
from vaultkit.vault.datefacts import DateTracker
from vaultkit.vault.files import (
    DOCUMENT_SUFFIXES,
    NOTE_SUFFIX,
    ignore_matcher,
    leads_out,
    list_files,
    on_disk,
    spelled_on_disk,
)
from vaultkit.vault.index import NoteFacts, VaultIndex


def _damaged(note: Note) -> bool:
    return not note.read_error and suspicious(note.text)


def _next_index(
    old: VaultIndex, notes: Mapping[str, Note], files: set[str], changed: set[str], dates, documents: dict[str, Note]
) -> VaultIndex:
    """The index after a batch: shared name tables when the set of files and the documents
    (canvases, bases) are unchanged."""
    if files != old.files or documents != old.documents:
        return old.rebuilt(notes, changed, files, dates, documents.values())
    return old.with_notes(notes, changed, dates)


def read_file(root: str, rel: str, max_bytes: int) -> bytes | Note | None:
    """The bytes of a vault file; a Note carrying ``read_error`` when it cannot be read as a
    note; None when it is gone -- deleted or moved away, even in the middle of the read."""
    data = read_bytes(root, rel, max_bytes)
    return data if isinstance(data, bytes) or os.path.lexists(os.path.join(root, rel)) else None


Signature = tuple[int, int, int, int]
SCREEN_CHUNK = 25  # notes screened at a time while no edit waits (see VaultState.screen_some)
RECENT = 2.0  # seconds a new file is remembered as a possible move destination (see _pairs)


def signature(path: str) -> Signature | None:
    """Device, inode, size and modification time: what a rename keeps and little else does
    (an inode number reused by a new file comes with a new modification time)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def _aliases(facts: NoteFacts | None) -> frozenset[str]:
    """The link names a note's aliases would be written as (see ``VaultIndex.aliases``)."""
    return frozenset(link_key(alias) for alias in facts.aliases) if facts is not None else frozenset()


def _face(facts: NoteFacts | None) -> tuple[object, ...] | None:
    """What a link into a note can see of it: whether it reads, its headings, its block ids."""
    if facts is None:
        return None
    return facts.read_error, tuple((h.level, h.text) for h in facts.headings), tuple(b.id for b in facts.blocks)


def _link_keys(facts: NoteFacts | None) -> frozenset[str]:
    return _keys_of(facts.links) if facts is not None else frozenset()


def _keys_of(targets: Iterable[str]) -> frozenset[str]:
    """The link names that links to ``targets`` are written with."""
    return frozenset(link_key(target) for target in targets if target)


class OnDemand(MutableMapping[str, Note]):
    """The notes of a state loaded from the cache: every path known at once, each note loaded
    from ``source`` (the index's notes, which parses it from its file) the first time it is
    asked for, then kept.

    The first result needs no note's text (it is the stored findings), nor does
    :meth:`VaultState.prime` (it reads the index's facts), nor a batch beyond the notes it
    checks (the index stays built from facts: :meth:`~vaultkit.vault.index.LazyNotes.after`);
    :meth:`VaultState.screen` reads them all, a few at a time between the daemon's batches
    (1.6 s of CPU on 10,000 notes)."""

    def __init__(self, source: Mapping[str, Note]) -> None:
        self._source = source
        self._paths: dict[str, None] = dict.fromkeys(source)  # (a dict: the index's order)
        self._held: dict[str, Note] = {}

    def __getitem__(self, rel: str) -> Note:
        note = self._held.get(rel)
        if note is None:
            if rel not in self._paths:
                raise KeyError(rel)
            note = self._held[rel] = self._source[rel]
        return note

    def held(self, rel: str) -> Note | None:
        """The note ``rel`` when it was loaded or set (None: not yet); loads nothing."""
        return self._held.get(rel)

    def load_all(self) -> None:
        """Load every note not loaded yet."""
        for rel in self._paths:
            self[rel]  # (loads it)

    def __setitem__(self, rel: str, note: Note) -> None:
        self._paths[rel] = None
        self._held[rel] = note

    def __delitem__(self, rel: str) -> None:
        del self._paths[rel]
        self._held.pop(rel, None)

    def __contains__(self, rel: object) -> bool:
        return rel in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _targets(facts: NoteFacts | None, index: VaultIndex) -> set[str]:
    """The files a note's links open (as ``index.outgoing`` resolves them)."""
    if facts is None:
        return set()
    return {found[0] for target in facts.links if (found := index.candidates(target, facts.rel))}


def _stem(rel: str) -> str:
    name = fold(rel.rsplit("/", 1)[-1])
    return name.rsplit(".", 1)[0] if "." in name[1:] else name


@dataclass
class Update:
    """What one batch changed."""

    generation: int = 0
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # notes whose problems changed
    removed: list[str] = field(default_factory=list)  # notes no longer checked (deleted, moved away)
    changed: dict[str, bytes] = field(default_factory=dict)  # notes edited by someone else: bytes read
    own: list[str] = field(default_factory=list)  # notes that now hold what the daemon wrote
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old path, new path) of moved files
    before: VaultIndex | None = None  # the index before the batch (to see where links used to go)
    rechecked: int = 0

    def __bool__(self) -> bool:
        return bool(self.problems or self.removed or self.changed or self.own or self.renamed)


class VaultState:
    """Notes, files, problems and the maps that find what a change affects."""

    def __init__(
        self, root: Path, config: Config, active: Sequence[ActiveRule], targets: Sequence[str] | None = None
    ) -> None:
        self.root = root
        self.config = config
        self.active = list(active)
        self.targets = list(targets) if targets is not None else None
        self.lock = threading.RLock()
        self.notes = OnDemand({})
        self.documents: dict[str, Note] = {}  # .canvas and .base files, as in VaultIndex.documents
        self.files: set[str] = set()
        self.problems: dict[str, list[Problem]] = {}
        self.index = VaultIndex((), ())
        self.generation = 0
        self.warnings: list[str] = []
        self._excluded = ignore_matcher((), config.exclude)
        self._obsidian_ignored = ignore_matcher((), ())
        self._linkers: dict[str, set[str]] = defaultdict(set)  # link name -> notes linking to it
        self._named: dict[str, set[str]] = defaultdict(set)  # link name -> files so named
        self._by_folder: dict[str, dict[str, str]] = defaultdict(dict)  # folder -> {file: folded name}
        self._folders: set[str] = set()
        self._unresolved: set[str] = set()  # checked notes with a link that names no file
        self._ledger: dict[str, str] = {}  # path -> digest of the bytes the daemon wrote there
        self._signatures: dict[str, Signature] = {}  # path -> signature when last seen, to pair moves
        self._recent: dict[Signature, tuple[str, float]] = {}  # files that appeared lately, by signature
        self._dates = DateTracker(root, (), None, ())
        self._damaged: set[str] = set()  # the screened notes that may hold damaged text
        self._unscreened: dict[str, None] = {}  # the notes not screened yet (a dict: the index's order)
        self._unprimed: list[str] | None = []  # the notes checked by load, until prime() (then None)
        self._context: Context | None = None  # the vault's language context (None: no damaged note)
        self._readable: frozenset[str] = frozenset()  # the notes the context was computed from
        self._sample: frozenset[str] = frozenset()  # those of them whose text it read
        self.overlay: dict[str, str] = {}  # path -> unsaved text of a note open in an editor
        self._file_rules = {a.rule.code for a in self.active if a.rule.scope is Scope.VAULT}

    # -- reading -------------------------------------------------------------------------

    def checked(self, rel: str) -> bool:
        """Whether ``rel`` is a note the daemon reports on (not excluded by Obsidian or targets)."""
        return rel in self.notes and self.reported(rel)

    def reported(self, rel: str) -> bool:
        """Whether findings on the vault file ``rel`` are reported (not excluded, in targets)."""
        if self._obsidian_ignored(rel) or self._excluded(rel):
            return False
        return self.targets is None or targeted(rel, self.targets)

    def all_problems(self) -> list[Problem]:
        with self.lock:
            found = [p for problems in self.problems.values() for p in problems]
        return sorted(found, key=attrgetter("order"))

    def linking_to(self, rel: str) -> set[str]:
        """The notes with a link written with the name of ``rel`` (whether it resolves or not)."""
        with self.lock:
            return set(self._linkers.get(link_key(rel), ()))

    def overlaid(self, rel: str, text: str) -> Note:
        """The note ``rel`` with the ``text`` its editor holds.  How the file is stored
        (encoding, BOM) is still the disk's, so the encoding rules keep reporting it."""
        old = self.notes.get(rel)
        decoded = replace(old.decoded if old is not None else Decoded(), newline=newline_style(text))
        data = text.encode("utf-8", "surrogatepass")
        return parse_text(rel, text, decoded, digest_of(data), len(data))

    def expect(self, rel: str, data: bytes) -> None:
        """Note that the daemon is about to write ``data`` to ``rel``: when the file is next
        read with exactly these bytes, it is the daemon's own write (never fixed again)."""
        self._ledger[rel] = digest_of(data)

    # -- loading -------------------------------------------------------------------------

    def load(self, jobs: int | None = None, cancel: Cancel | None = None) -> None:
        """Index and check the whole vault, as ``vaultkit check`` does; ``cancel`` is polled
        between notes and ends the load with :class:`~vaultkit.check.engine.Cancelled`."""
        config = self.config
        result = check(
            self.root,
            self.active,
            self.targets,
            config.exclude,
            config.max_file_size,
            jobs,
            external_symlinks=config.follow_external_symlinks,
            cache=True,
            cancel=cancel,
        )
        index = result.index
        with self.lock:
            self.index = index
            self.notes = OnDemand(index.notes)
            self.documents = dict(index.documents)
            self.files = set(index.files)
            self.warnings = result.warnings
            filters = index.settings.app.get("userIgnoreFilters") or []
            self._obsidian_ignored = ignore_matcher(filters if isinstance(filters, list) else [], ())
            self._dates = DateTracker(self.root, date_keys(self.active), index.dates, index.facts())
            self.problems = {rel: [] for rel in result.checked}
            for problem in result.problems:
                self.problems.setdefault(problem.path, []).append(problem)
            for rel in self.files:
                self._add_file(rel)
                disk = on_disk(rel, index.spelled)
                self._signatures[rel] = signature(os.path.join(self.root, disk))  # type: ignore[assignment]
            for rel in self.notes:  # from the index's facts: no note is loaded
                for key in _keys_of(index.link_targets(rel) or ()):
                    self._linkers[key].add(rel)
            self._unprimed, self._damaged, self._unscreened = list(result.checked), set(), dict.fromkeys(self.notes)
            self.generation += 1

    def prime(self) -> None:
        """Work out what a batch compares with the state after it: the notes with a link to
        no file (re-checked when files come or go) and the vault's language context.  Not
        part of :meth:`load`: resolving every link costs more than loading the vault from the
        cache, and the first result does not need it.  :meth:`apply` primes before its first
        batch; the daemon and the language server, with their first chunk of :meth:`screen`
        after their first result."""
        with self.lock:
            if self._unprimed is None:
                return
            self._unresolved = {rel for rel in self._unprimed if self._links_nowhere(rel)}
            self._context = self._new_context(())
            self._unprimed = None

    @property
    def screened(self) -> bool:
        """Whether :meth:`screen` has nothing left to do."""
        return self._unprimed is None and not self._unscreened

    def screen(self, most: int | None = None) -> bool:
        """Prime, and find the notes that may hold damaged text: those a batch re-checks when
        it moves the vault's language context.  Screening every note's text takes seconds on
        a large vault (it reads every note not read yet: 2.1 s of CPU on 10,000 notes), so the
        fronts screen ``most`` notes at a time, between batches; until every note is
        screened a batch screens the rest only when the context moved (see
        :meth:`_context_moved`).  True once every note is screened.

        The garbage collector stays off while notes are read (reading them makes many objects
        and no cycles); what they make is left unsettled here (settling costs a walk of
        everything frozen, per call): :meth:`screen_some` freezes it after each chunk."""
        with self.lock:
            self.prime()
            with no_gc(settle=False):
                for rel in list(islice(self._unscreened, most)):
                    del self._unscreened[rel]
                    if _damaged(self.notes[rel]):
                        self._damaged.add(rel)
            if self._unscreened:
                return False
            if not self._damaged:
                self._context = None
            return True

    def screen_some(self) -> bool:
        """Screen :data:`SCREEN_CHUNK` notes (:meth:`screen`), as a front does whenever no edit
        is waiting: a chunk is about 5 ms, what an edit that falls due may wait, where the whole
        screen (2.1 s on 10,000 notes) would keep the first edits after start waiting.  What the
        chunk read lives as long as the index, so it is frozen out of the garbage collector at
        once, as the index is: a batch between chunks would otherwise set off a full collection
        walking every note read so far (the daemon's p95 rose from 22 to 43 ms).  True once
        every note is screened."""
        done = self.screen(SCREEN_CHUNK)
        gc.freeze()
        return done

    def _links_nowhere(self, rel: str) -> bool:
        """Whether the note ``rel`` has a link that names no file, by the index's facts (the
        index stays built from facts across batches): priming asks it of every note, and
        loading every note for that would cost 1.6 s on 10,000 notes."""
        return any(not self.index.candidates(target, rel) for target in self.index.link_targets(rel) or ())

    def _add_file(self, rel: str) -> None:
        self._named[link_key(rel)].add(rel)
        folder = folder_of(rel)
        self._by_folder[folder][rel] = fold(rel.rsplit("/", 1)[-1])
        while folder and folder not in self._folders:
            self._folders.add(folder)
            folder = folder_of(folder)

    def _drop_file(self, rel: str) -> None:
        self._named[link_key(rel)].discard(rel)
        self._by_folder[folder_of(rel)].pop(rel, None)

    # -- reconciling ---------------------------------------------------------------------

    def _wanted(self, rel: str) -> bool:
        return (
            not any(part.startswith(".") for part in rel.split("/"))
            and not self._excluded(rel)
            and (self.config.follow_external_symlinks or leads_out(self.root, rel) is None)
        )

    def _candidates(self, paths: Iterable[str]) -> set[str]:
        """The files the batch's paths stand for: the path itself, or everything under a folder
        that exists (walked as ``vaultkit check`` walks) or that existed (known files)."""
        found: set[str] = set()
        listing = None
        for rel in paths:
            full = os.path.join(self.root, rel)
            if rel == "" or os.path.isdir(full):
                if listing is None:
                    listing = list_files(self.root, self.config.exclude, self.config.follow_external_symlinks).files
                prefix = rel + "/" if rel else ""
                found.update(f for f in listing if f.startswith(prefix))
                found.update(f for f in self.files if f.startswith(prefix))
            elif rel in self.files or rel not in self._folders:
                found.add(rel)
            else:  # a folder that is gone
                found.update(f for f in self.files if f.startswith(rel + "/"))
        return found

    def apply(self, paths: Iterable[str], moves: Mapping[str, str] | None = None) -> Update:
        """Reconcile ``paths`` with the disk and re-check what that affects.

        A file that went away and one that appeared make a rename when the back-end reported
        the move (``moves``: destination -> source, files or folders) or when the new file
        has the old one's signature (same inode, size and modification time: a move whose
        halves were reported as a deletion and a creation).
        """
        self.prime()  # (before anything changes: the batch is compared with the state before it)
        root = str(self.root)
        update = Update()
        new_notes: dict[str, Note] = {}
        new_documents: dict[str, Note] = {}
        gone: set[str] = set()
        added: set[str] = set()
        seen: dict[str, Signature] = {}
        for rel in sorted(self._candidates(paths)):
            if rel in self.overlay and self._wanted(rel):
                added.update({rel} - self.files)
                note = self.overlaid(rel, self.overlay[rel])
                if rel not in self.notes or self.notes[rel].digest != note.digest:
                    new_notes[rel] = note
                continue
            disk = spelled_on_disk(root, rel)  # an NFD name on a Linux disk is opened as it is spelled
            path = os.path.join(root, disk)
            if not (self._wanted(rel) and os.path.lexists(path) and not os.path.isdir(path)):
                if rel in self.files:
                    gone.add(rel)
                continue
            sig = signature(path)
            if sig is not None:
                seen[rel] = sig
            if rel not in self.files:
                added.add(rel)
            if rel.lower().endswith(DOCUMENT_SUFFIXES):
                self._read_document(rel, disk, new_documents)
            if not rel.lower().endswith(NOTE_SUFFIX):
                continue
            read = read_file(root, disk, self.config.max_file_size)
            old = self._stamp(rel)  # (digest, read error)
            expected = self._ledger.pop(rel, None)
            if read is None:  # vanished while we looked
                seen.pop(rel, None)
                added.discard(rel)
                if rel in self.files:
                    gone.add(rel)
                continue
            if isinstance(read, Note):  # unreadable (or became readable while we looked)
                if old is None or read.read_error is None or old[1] != read.read_error:
                    new_notes[rel] = read
                continue
            digest = digest_of(read)
            if old is not None and old[0] == digest:
                continue
            new_notes[rel] = parse_bytes(rel, read)
            if digest == expected:
                update.own.append(rel)
            else:
                update.changed[rel] = read
        update.renamed = self._pairs(moves or {}, gone, added, seen)
        now = time.monotonic()
        self._recent = {sig: item for sig, item in self._recent.items() if now - item[1] < RECENT}
        self._recent.update((seen[rel], (rel, now)) for rel in added if rel in seen)
        for rel, sig in seen.items():
            self._signatures[rel] = sig
        for rel in gone:
            self._signatures.pop(rel, None)
        if new_notes or gone or added or new_documents:
            with self.lock:
                self.documents.update(new_documents)
                self._commit(update, new_notes, gone, added)
        return update

    def _read_document(self, rel: str, disk: str, new_documents: dict[str, Note]) -> None:
        """Re-read a canvas or base whose bytes changed (vault-scope rules read its text)."""
        data = read_bytes(str(self.root), disk, self.config.max_file_size)
        doc = parse_document(rel, data) if isinstance(data, bytes) else data
        old = self.documents.get(rel)
        if old is None or old.digest != doc.digest or old.read_error != doc.read_error:
            new_documents[rel] = doc

    def _pairs(
        self, moves: Mapping[str, str], gone: set[str], added: set[str], seen: Mapping[str, Signature]
    ) -> list[tuple[str, str]]:
        """(old, new) for every file of the batch that moved.

        A move into a folder the back-end did not watch yet (just created) comes as a
        creation at once and a deletion half a second later (watchdog's inotify back-end
        waits that long for the other half): a file that went away is also paired with one
        that appeared in a recent batch with its signature and still has it.
        """
        pairs: dict[str, str] = {}
        for dest, src in moves.items():
            for new in [dest, *(f for f in added if f.startswith(dest + "/"))]:
                old = src + new[len(dest) :]
                if new in added and old in gone:
                    pairs[new] = old
        left = {sig: rel for rel in sorted(gone - set(pairs.values())) if (sig := self._signatures.get(rel))}
        for new in sorted(added - set(pairs)):
            moved_from = left.pop(seen[new], None) if new in seen else None
            if moved_from is not None:
                pairs[new] = moved_from
        for sig, old in left.items():
            new, _ = self._recent.get(sig, ("", 0.0))
            if new in self.files and new not in gone and new not in pairs and self._signatures.get(new) == sig:
                pairs[new] = old
        return sorted((old, new) for new, old in pairs.items())

    def _commit(self, update: Update, new_notes: dict[str, Note], gone: set[str], added: set[str]) -> None:
        old_index = update.before = self.index
        # The notes before the batch, by their facts: a note not loaded yet may be read only
        # from a disk that already holds its new text (OnDemand), and the facts are at hand.
        old = {rel: old_index.outline(rel) for rel in (*new_notes, *gone)}
        for rel in gone:
            self.files.discard(rel)
            self._drop_file(rel)
            self.documents.pop(rel, None)
            if rel in self.notes:
                del self.notes[rel]
        for rel in added:
            self.files.add(rel)
            self._add_file(rel)
        self.notes.update(new_notes)
        dates_moved = self._dates.update(new_notes, [r for r in gone if old.get(r) is not None], old, old_index.facts())
        facts = self._dates.facts()
        self.index = _next_index(old_index, self.notes, self.files, set(new_notes) | gone, facts, self.documents)
        new = {rel: self.index.outline(rel) for rel in new_notes}
        for rel in (*new_notes, *gone):
            for key in _link_keys(old[rel]):
                self._linkers[key].discard(rel)
            for key in _link_keys(new.get(rel)):
                self._linkers[key].add(rel)
        recheck = self._affected(new_notes, new, gone, added, old, old_index, dates_moved)
        recheck |= self._context_moved(new_notes, gone)
        self._recheck(update, recheck, gone)
        self._recheck_files(update)
        self.generation += 1
        update.generation = self.generation

    def _affected(
        self,
        new_notes: Mapping[str, Note],
        new: Mapping[str, NoteFacts | None],
        gone: set[str],
        added: set[str],
        old: Mapping[str, NoteFacts | None],
        old_index: VaultIndex,
        dates_moved: bool,
    ) -> set[str]:
        """The notes whose problems a batch may have changed (see the module docstring);
        ``old`` and ``new`` are the facts of the batch's notes before and after it."""
        names = {link_key(rel) for rel in (*gone, *added)}
        names |= {link_key(rel) for rel in new_notes if _face(old.get(rel)) != _face(new.get(rel))}
        aliases_moved = False
        for rel in (*new_notes, *gone):
            before, after = _aliases(old.get(rel)), _aliases(new.get(rel))
            if before != after:
                aliases_moved = True
                names |= before | after
        recheck = set(new_notes)
        for key in names:
            recheck |= self._linkers.get(key, set())
        for rel in (*new_notes, *gone):  # a note's links came or went: the targets' backlinks changed
            recheck |= _targets(old.get(rel), old_index) ^ _targets(new.get(rel), self.index)
        appeared_or_left = gone | added
        for rel in appeared_or_left:
            recheck |= self._named.get(link_key(rel), set())
            stem = _stem(rel)
            recheck.update(f for f, name in self._by_folder.get(folder_of(rel), {}).items() if name.startswith(stem))
        if appeared_or_left or aliases_moved:
            recheck |= self._unresolved
        if dates_moved:
            recheck |= set(self._dates.evidence)
        return {rel for rel in recheck if self.checked(rel)}

    def _new_context(self, edited: Iterable[str]) -> Context:
        """The vault's language context, computed again only when what it reads may have
        moved: the readable notes (their names and the sample) or a sampled note's text.
        Otherwise the one it is (the watch bench measured 51 ms of a 60 ms edit recomputing it)."""
        readable = frozenset(rel for rel in self.notes if not (stamp := self._stamp(rel)) or not stamp[1])
        if self._context is not None and readable == self._readable and self._sample.isdisjoint(edited):
            return self._context
        self._readable, self._sample = readable, frozenset(sampled(readable))
        return context_from(readable, lambda rel: self.notes[rel].text)

    def _stamp(self, rel: str) -> tuple[str, str | None] | None:
        """The digest and read error of the note ``rel``, without loading it: a note not
        loaded yet is as the index's facts have it (the context reads the text of its sample
        only; a batch compares what it reads with what the note was -- loading that now would
        read the file's new text)."""
        note = self.notes.held(rel)
        if note is not None:
            return note.digest, note.read_error
        return self.index.stamp(rel)

    def _context_moved(self, new_notes: Mapping[str, Note], gone: set[str]) -> set[str]:
        """The notes that may hold damaged text, when the vault's language context changed
        (about 10 ms for 10,000 notes, and only while some note may be damaged, or before the
        notes were screened: :meth:`screen`)."""
        self._damaged -= gone
        for rel, note in new_notes.items():
            self._unscreened.pop(rel, None)
            (self._damaged.add if _damaged(note) else self._damaged.discard)(rel)
        for rel in gone:
            self._unscreened.pop(rel, None)
        if not self._damaged and not self._unscreened:
            self._context = None
            return set()
        before, self._context = self._context, self._new_context(new_notes)
        if before is not None and (before.chars, before.words) == (self._context.chars, self._context.words):
            return set()
        self.screen()  # the notes not screened yet may be damaged too: screen them now
        return {rel for rel in self._damaged if self.checked(rel)}

    def _recheck(self, update: Update, recheck: set[str], gone: set[str]) -> None:
        for rel in sorted(recheck):
            note = self.notes[rel]
            problems = check_note(note, self.index, self.active)
            problems += [p for p in self.problems.get(rel, ()) if p.code in self._file_rules]
            problems.sort(key=attrgetter("order"))
            if problems != self.problems.get(rel):
                update.problems[rel] = problems
                self.problems[rel] = problems
            if self._links_nowhere(rel):
                self._unresolved.add(rel)
            else:
                self._unresolved.discard(rel)
        update.rechecked = len(recheck)
        for rel in sorted(gone):
            if self.problems.pop(rel, None) is not None:
                update.removed.append(rel)
            self._unresolved.discard(rel)

    def _recheck_files(self, update: Update) -> None:
        """Run the vault-scope rules again and replace their findings, path by path."""
        if not self._file_rules:
            return
        found: dict[str, list[Problem]] = defaultdict(list)
        for problem in check_files(self.index, self.active, self.reported):
            found[problem.path].append(problem)
        had = {rel for rel, problems in self.problems.items() if any(p.code in self._file_rules for p in problems)}
        had |= {"."} & set(self.problems)  # a vault rule that crashed last time (engine._crash)
        for rel in sorted(had | set(found)):
            kept = [p for p in self.problems.get(rel, ()) if p.code not in self._file_rules and rel != "."]
            problems = sorted(kept + found.get(rel, []), key=attrgetter("order"))
            if not problems and rel not in self.notes:
                if self.problems.pop(rel, None) is not None:
                    update.removed.append(rel)
                update.problems.pop(rel, None)
            elif problems != self.problems.get(rel):
                update.problems[rel] = problems
                self.problems[rel] = problems
