"""A persistent cache of each note's facts and findings: ``.vaultkit/cache.sqlite``.

Per note it keeps the stat signature (size, mtime_ns, ctime_ns, inode), the BLAKE2b digest of
the bytes, its :class:`~vaultkit.vault.index.NoteFacts` (what the index needs of it: a run
builds its index from these and parses only the notes it checks), and the findings of the
note's last check.  Parsed notes are not kept: a run that checks a note again, or a rule that
reads one, parses it from its file (0.16 ms a note), and pickling, piping and writing every
note of a cold run cost 0.9 s of CPU on 10,000 notes, about a tenth of the run (measured).

* A note's facts are reused when its digest is the same and the *parse key* is (cache schema,
  vaultkit and Python version, the size and time of each of vaultkit's own source files --
  a development install changes code without changing version -- ``max-file-size``).  When the stat signature is the one stored,
  the file is not even read.
* A note's findings are reused when its digest is the same, the *run key* is (the parse key,
  the active rules with their levels, options and excludes, every installed rule plugin and
  its version, the vault's ``.obsidian`` settings) and its *dependency fingerprint* is: while
  a note is checked, the rules see the index through a :class:`Tracker` that records which
  facts of the rest of the vault they read -- a link's resolution, a target's headings or
  block ids, whether a note exists, the set of files, the aliases, date evidence, vault-wide
  analyses (rumdl's "dependency fingerprint").  The next run reads the same facts from the
  new index (:class:`Facts`); any difference re-checks the note.  Rules declare nothing; a
  fact the tracker does not know is taken as "the whole vault".  A vault-wide analysis
  (``derived``) whose inputs are known (:data:`READS`) keeps its answer in the cache with a
  fingerprint of those inputs, and is computed again only when they changed.
* When the whole vault's *state* (run key, every file's path, every note's stat signature,
  git HEAD) is the one of the last run, every note's findings are taken as stored and no
  note is loaded at all (the index is built only if someone asks for it).
* When only some notes changed and no file came or went, the stored map of who read what
  (:class:`Readers`, written with the last run's findings, its state trusted or not) names
  the notes whose findings may not hold: those that read a changed note's facts, and those
  that read something vault-wide.  Only theirs are judged as above; every other note's findings are the last
  run's, without loading its stored result.

**A content change that keeps the stat.**  The signature includes ``ctime``, which no tool
can set back (restoring ``mtime`` with ``utime`` moves ``ctime``), so only a write within
the file system's timestamp granularity of the previous stat keeps all four.  Git's
"racily clean" rule covers that: a file whose ``mtime`` or ``ctime`` is less than
:data:`RACY` seconds older than the run that stored it is stored without a signature, so
the next run hashes it.  ``--no-cache`` and the watch daemon's reconciliation (which hashes
every file it reads) do not depend on the stat at all.

**Trust.**  The cache lives in the vault, and a vault can come from anywhere: every stored
blob carries a keyed BLAKE2b MAC made with a per-user secret kept outside the vault
(``$XDG_CACHE_HOME/vaultkit/cache-key``, mode 0600) and is unpickled only when the MAC
matches -- a cache copied from elsewhere, tampered with, truncated, or written by another
version is not trusted and is rebuilt.  Any SQLite error (a corrupt or truncated file, a
file that is not a database) deletes the file and starts afresh; the cache is an
optimisation and never makes a run fail.  Everything a run learned is written in one
transaction at its end; when another process holds the write lock, this run does not wait
and does not write.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import functools
import hashlib
import hmac
import io
import itertools
import marshal
import operator
import os
import pickle
import sqlite3
import sys
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from vaultkit.api import Edit, Fix
from vaultkit.check.config import ActiveRule
from vaultkit.check.registry import GROUP
from vaultkit.model import BlockId, Decoded, FrontMatter, Heading, Link, Note, Region, YamlKey
from vaultkit.read.parse import digest_of
from vaultkit.vault.files import Listing, on_disk
from vaultkit.vault.index import NoteFacts, VaultIndex, VaultSettings
from vaultkit.vault.lexcache import user_cache
from vaultkit.vault.statedir import state_dir
from vaultkit.version import __version__

SCHEMA = 12
FILE = "cache.sqlite"
REPORT = "report.bin"  # the last run's whole report (vaultkit.check.warm)
RACY = 2.0  # seconds: a file changed this close to the run that stored it is hashed next time
MAC_SIZE = 32
PART_SIZE = 100  # notes' facts in one stored part, when this process parsed them (:data:`FACTS`)

Token = tuple[str, ...]
Signature = str  # "size:mtime_ns:ctime_ns:inode" in hex, or "" when the stat must not be trusted


def digest(*parts: object) -> str:
    """The content hash (:func:`~vaultkit.read.parse.digest_of`) of ``parts``: marshalled
    where they are plain data (strings, numbers, bytes, None, tuples of these), else their
    repr.  A cold run digests every note's answers (:meth:`Facts.answers`), which their repr
    made 0.15 s of each worker's time on 10,000 notes; marshal writes the same tuples 4 times
    faster.  Format 2: the one before back-references, whose use depends on reference counts,
    so equal values give equal bytes in every process.  The tag byte keeps the two encodings
    apart; marshal may change with Python's version, which :func:`parse_key` holds."""
    try:
        data = b"m" + marshal.dumps(cast(Any, parts), 2)
    except ValueError:  # not plain data
        data = b"r" + repr(parts).encode("utf-8", "surrogatepass")
    return digest_of(data)


@functools.cache
def _code() -> str:
    """vaultkit's own source files, by size and modification time: a development install
    changes its code without changing its version, and a cache must not outlive that."""
    folders = {Path(__file__).resolve().parents[1]}  # the vaultkit package
    rules = _rules_file()  # shipped from rules/
    if rules:
        folders.add(Path(rules).resolve().parent)
    files = []
    for folder in folders:
        for top, _, names in os.walk(folder):  # (half the time of Path.rglob: every run takes it)
            for name in names:
                if name.endswith(".py"):
                    path = os.path.join(top, name)
                    with contextlib.suppress(OSError):
                        info = os.stat(path)
                        files.append((path, info.st_size, info.st_mtime_ns))
    return digest(sorted(files))


def _rules_file() -> str | None:
    """Where the built-in rules' package is, found without importing it (importing it imports
    every rule): the same answer whether or not this run loaded the rules."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("vaultkit.rules")
    except (ImportError, ValueError):
        return None
    return spec.origin if spec is not None else None


def parse_key(max_bytes: int) -> str:
    """What a parsed note depends on besides its bytes."""
    return digest(SCHEMA, __version__, _code(), sys.version_info[:2], max_bytes)


def run_key(max_bytes: int, active: Sequence[ActiveRule], settings: VaultSettings) -> str:
    """What every note's findings depend on besides the vault's contents."""
    rules = [
        (a.rule.code, a.rule.name, a.rule.check.__module__, a.severity.value, sorted(a.options.items()), a.exclude)
        for a in active
    ]
    from importlib.metadata import entry_points  # (here: the unchanged run's path does not need it)

    plugins = sorted((ep.name, ep.value, ep.dist.version if ep.dist else "") for ep in entry_points(group=GROUP))
    return digest(parse_key(max_bytes), rules, plugins, sorted(settings.property_types.items()), settings.app)


def signatures(root: Path, listing: Listing) -> dict[str, Signature]:
    """The stat signature of every note and document of ``listing``, taken once per run,
    before it reads any note: the stored report's key (:func:`vaultkit.check.warm.state`) and
    the per-note entries (``_check_cached``) both come from it.  A file gone since the listing
    has none; one changed less than :data:`RACY` seconds ago has "" (not to be trusted).

    The loop runs per file on every run, an unchanged one included, so it is written for
    speed: paths joined as strings, and the numbers in hex, %-formatted (three 19-digit
    numbers in decimal through an f-string cost twice as much, 3% of an unchanged run)."""
    recent = time.time() - RACY
    found: dict[str, Signature] = {}
    base, spelled = f"{root}{os.sep}", listing.spelled
    for rel in (*listing.notes, *listing.ignored_notes, *listing.documents):
        try:
            info = os.stat(base + (on_disk(rel, spelled) if rel in spelled else rel))
        except OSError:
            continue
        if max(info.st_mtime, info.st_ctime) > recent:
            found[rel] = ""
        else:
            found[rel] = "%x:%x:%x:%x" % (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)  # noqa: UP031
    return found


def git_head(root: Path) -> str:
    """The commit the vault's repository is at ("" outside git): date evidence comes from
    git history, which can change without any note changing.  Read from ``.git`` directly;
    spawning ``git`` would cost more than the whole unchanged run."""
    for folder in (root, *root.parents):
        dot = folder / ".git"
        try:
            if dot.is_file():  # a worktree or submodule: "gitdir: <path>"
                dot = (folder / dot.read_text().split(":", 1)[1].strip()).resolve()
            if not dot.is_dir():
                continue
            head = (dot / "HEAD").read_text().strip()
            if head.startswith("ref: "):
                common = dot / (dot / "commondir").read_text().strip() if (dot / "commondir").is_file() else dot
                for base in (dot, common):
                    if (base / head[5:]).is_file():
                        return (base / head[5:]).read_text().strip()
                packed = common / "packed-refs"
                return digest(head, packed.read_bytes() if packed.is_file() else b"")
            return head
        except (OSError, IndexError, UnicodeDecodeError):
            return "?"
    return ""


# -- dependency tracking ----------------------------------------------------------------------


class _TrackedNotes(Mapping[str, Note]):
    """``index.notes`` as a rule sees it: a lookup depends on that note, a walk on all."""

    def __init__(self, notes: Mapping[str, Note], tokens: set[Token]) -> None:
        self._notes, self._tokens = notes, tokens

    def __getitem__(self, rel: str) -> Note:
        self._tokens.add(("note", rel))
        return self._notes[rel]

    def __contains__(self, rel: object) -> bool:
        self._tokens.add(("note", str(rel)))
        return rel in self._notes

    def __iter__(self) -> Iterator[str]:
        self._tokens.add(("all",))
        return iter(self._notes)

    def __len__(self) -> int:
        self._tokens.add(("all",))
        return len(self._notes)


class Tracker:
    """The index as the rules of one note see it, recording which facts they read.

    Methods compute on the real index (so its caches are shared); only the question asked is
    recorded, as a token :class:`Facts` can answer again on another run's index."""

    def __init__(self, index: VaultIndex) -> None:
        self._index = index
        self.tokens: set[Token] = set()
        # Per-note analyses (what ``compute`` reads is tracked), allowances and what ran out read
        # no vault fact: the index's own methods, called without a frame of the tracker's in
        # between (rules call them 13 times a note).
        self.analysis = index.analysis
        self.budget = index.budget
        self.exhausted = index.exhausted

    def outgoing(self, note: Note) -> Any:
        self.tokens.add(("outgoing", note.rel))
        return self._index.outgoing(note)

    def heading_keys(self, rel: str) -> Any:
        self.tokens.add(("heading_keys", rel))
        return self._index.heading_keys(rel)

    def block_ids(self, rel: str) -> Any:
        self.tokens.add(("block_ids", rel))
        return self._index.block_ids(rel)

    def candidates(self, linkpath: str, source: str) -> Any:
        self.tokens.add(("candidates", linkpath, source))
        return self._index.candidates(linkpath, source)

    def resolve(self, linkpath: str, source: str) -> Any:
        self.tokens.add(("candidates", linkpath, source))
        return self._index.resolve(linkpath, source)

    def link_text(self, rel: str, source: str) -> Any:
        self.tokens.add(("candidates", rel.rsplit("/", 1)[-1].removesuffix(".md"), source))
        return self._index.link_text(rel, source)

    def note(self, rel: str) -> Any:
        self.tokens.add(("note", rel))
        return self._index.note(rel)

    def outline(self, rel: str) -> Any:
        self.tokens.add(("note", rel))  # the facts of a note change only with its bytes
        return self._index.outline(rel)

    @property
    def notes(self) -> Mapping[str, Note]:
        return _TrackedNotes(self._index.notes, self.tokens)

    @property
    def files(self) -> Any:
        self.tokens.add(("files",))
        return self._index.files

    @property
    def names(self) -> Any:
        self.tokens.add(("files",))
        return self._index.names

    @property
    def aliases(self) -> Any:
        self.tokens.add(("aliases",))
        return self._index.aliases

    @property
    def dates(self) -> Any:
        self.tokens.add(("dates",))
        return self._index.dates

    @property
    def settings(self) -> VaultSettings:  # part of the run key
        return self._index.settings

    def derived(self, key: str, compute: Callable[[VaultIndex], Any]) -> Any:
        module, name = getattr(compute, "__module__", ""), getattr(compute, "__qualname__", "")
        self.tokens.add(("derived", key, module, name) if _named(module, name) is compute else ("all",))
        return self._index.derived(key, compute)

    def __getattr__(self, name: str) -> Any:  # anything else: depend on the whole vault
        self.tokens.add(("all",))
        return getattr(self._index, name)


def _named(module: str, name: str) -> Any:
    """The module-level function ``module.name`` when it is loaded (a lambda or nested function
    cannot be found again on the next run: a rule using one depends on the whole vault)."""
    found: Any = sys.modules.get(module)
    for part in name.split("."):
        found = getattr(found, part, None)
    return found if callable(found) else None


def _canonical(value: Any) -> Any:
    """``value`` as nested tuples in a fixed order, so its digest is the same in every
    process (sets and dicts iterate in an order that depends on the hash seed)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(_canonical(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, Mapping):
        return tuple(sorted((repr(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_canonical(v)) for v in value))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return repr(value)


Memo = dict[Token, tuple[str, str]]  # token -> (what it read, its answer): Facts.memo
PART = "context part"  # a memo token (PART, rel): a sampled note's digest and what it adds to the vocabulary


def _context_reads(index: VaultIndex, memo: Memo, load: bool) -> object | None:
    """What the encoding rules' vault vocabulary (``vaultkit.rulekit.encoding.vault_context``)
    takes from the vault: the paths of the readable notes, and what each note it samples
    (:func:`~vaultkit.text.encoding.locate.sampled`) adds to it
    (:func:`~vaultkit.text.encoding.locate.contribution`), so that an edit to a sampled note
    that adds no character to it does not move the vocabulary (computing it again read the
    other 99 sampled notes).  What a note adds is kept in ``memo`` by its bytes' digest, taken
    from the index when the vocabulary was worked out on it (``CONTEXT_PARTS``); one not known
    stands as that digest, or, with ``load``, is worked out from the note's text.  None when a
    sampled note's bytes are not known by digest.  The watch daemon keeps that vocabulary by
    a like rule (``VaultState._new_context``)."""
    # (imported here: the unchanged run's path does not need the encoding library)
    from vaultkit.text.encoding.locate import CONTEXT_PARTS, Parts, record_part, sampled

    readable = sorted(rel for rel, _, error in index.stamps() if not error)
    sample = sampled(readable)
    kept_now = set(sample)
    for token in [t for t in memo if t[0] == PART and t[1] not in kept_now]:
        del memo[token]  # no longer sampled
    seen: Parts = index.derived(CONTEXT_PARTS, lambda _: {})
    parts = []
    for rel in sample:
        stamp = index.stamp(rel)
        if not (stamp and stamp[0]):
            return None  # unknown bytes
        kept = memo.get((PART, rel))
        if kept is None or kept[0] != stamp[0]:
            if seen.get(rel, ("",))[0] != stamp[0] and load:
                record_part(seen, index.notes[rel])
            if seen.get(rel, ("",))[0] == stamp[0]:  # (a note changed since it was indexed is not)
                kept = memo[(PART, rel)] = (stamp[0], digest(_canonical(seen[rel][1])))
        parts.append((rel, kept[1] if kept is not None and kept[0] == stamp[0] else f"bytes {stamp[0]}"))
    return readable, parts


def _names_reads(index: VaultIndex, memo: Memo, load: bool) -> object:
    """What the link-name suggestions' table (``vaultkit.rulekit.suggest.names_by_length``)
    reads: ``index.names``, which is made from the vault's file paths alone."""
    return files_digest(index.files)


# What a vault-wide analysis (``derived``) reads, by the module and name of its function: its
# answer is computed again only when that changed (a one-note edit otherwise recomputed the
# encoding rules' vocabulary, loading the 100 sampled notes, and the suggestions' table of
# names: a fifth of the run).  An analysis not named here is computed on every run that asks.
# Each is given the memo, and whether it may load notes to tell (see Facts._derived).
READS: dict[tuple[str, ...], Callable[[VaultIndex, Memo, bool], object | None]] = {
    ("vaultkit.rulekit.encoding", "vault_context"): _context_reads,
    ("vaultkit.rulekit.suggest", "names_by_length"): _names_reads,
}


class Facts:
    """Answers :class:`Tracker` tokens on one run's index.

    ``changed`` are the notes whose bytes changed, appeared or went away since the stored
    run, and ``files_same`` tells whether the set of files is the one it had: a token about
    a single note that did not change, or a link resolution while no file came or went,
    has the answer it had then and is not asked again (None: ask every token)."""

    def __init__(
        self,
        index: VaultIndex,
        changed: set[str] | None = None,
        files_same: bool = False,
        memo: Memo | None = None,
    ) -> None:
        self.index = index
        self.changed = changed
        self.files_same = files_same
        self.memo = {} if memo is None else memo  # derived token -> (what it read, its answer)
        self._vault: dict[str, str] = {}
        self._answers: dict[Token, str] = {}

    def _vault_wide(self, kind: str) -> str:
        if kind not in self._vault:
            index = self.index
            if kind == "files":
                value = files_digest(index.files)
            elif kind == "aliases":
                value = digest(sorted(index.aliases.items()))
            elif kind == "dates":
                value = digest(_canonical(index.dates))
            else:  # "all"
                notes = sorted(index.stamps())
                value = digest(self._vault_wide("files"), notes)
            self._vault[kind] = value
        return self._vault[kind]

    def answer(self, token: Token) -> str:
        """The digest of what ``token`` asks, on this index (memoised: many notes ask the same)."""
        found = self._answers.get(token)
        if found is None:
            found = self._answers[token] = self._answer(token)
        return found

    def _answer(self, token: Token) -> str:
        index, kind = self.index, token[0]
        if kind == "outgoing":  # the candidates of each internal link, as index.outgoing gives them
            targets = index.link_targets(token[1])
            value: object = tuple(index.candidates(t, token[1]) for t in targets) if targets is not None else None
        elif kind == "heading_keys":
            value = index.heading_keys(token[1])
        elif kind == "block_ids":
            value = tuple(sorted(index.block_ids(token[1])))
        elif kind == "candidates":
            value = index.candidates(token[1], token[2])
        elif kind == "note":
            value = index.stamp(token[1])
            if value is not None and value[1] is None:  # a readable note's facts are its bytes': their digest,
                return f"b{value[0]}"  # not hashed again (a third of the answers, 20,000 on a cold run)
        elif kind == "derived" and (compute := _named(token[2], token[3])) is not None:
            return self._derived(token, compute)
        else:
            return self._vault_wide(kind if kind in ("files", "aliases", "dates") else "all")
        return digest(value)

    def _derived(self, token: Token, compute: Callable[[VaultIndex], Any]) -> str:
        """The answer to a vault-wide analysis' token: the stored one when what the analysis
        reads (:data:`READS`) is what it read when that answer was stored, else computed.
        What it reads is first told from what the memo knows, loading no note (an answer
        learnt from a cold run's workers was stored so), and only then, where that differs,
        by loading the notes the memo does not know."""
        reads = READS.get((token[2], token[3]))
        kept = self.memo.get(token)
        read = None
        for load in (False, True) if kept is not None else (False,):  # (nothing to tell apart: compute)
            found = reads(self.index, self.memo, load) if reads is not None else None
            read = digest(found) if found is not None else None
            if read is not None and kept is not None and kept[0] == read:
                return kept[1]
        value = digest(_canonical(self.index.derived(token[1], compute)))
        if read is not None:
            self.memo[token] = (read, value)
        return value

    def learn(self, learnt: Mapping[Token, str]) -> None:
        """Keep the answers to vault-wide analyses that checking notes worked out
        (:attr:`Sealed.derived`: in worker processes, on an index with these very facts), so
        that the next run need not compute them."""
        for token, answer in learnt.items():
            found = READS[token[2:4]](self.index, self.memo, False)
            if found is not None:
                self.memo[token] = (digest(found), answer)

    def answers(self, tokens: Iterable[Token]) -> dict[Token, str]:
        return {token: self.answer(token) for token in tokens}

    def _unchanged(self, token: Token) -> bool:
        """Whether ``token`` cannot have a new answer (see the class docstring)."""
        if self.changed is None or token[0] not in ("outgoing", "candidates", "heading_keys", "block_ids", "note"):
            return False
        if token[0] == "candidates":
            return self.files_same
        return token[1] not in self.changed and (self.files_same or token[0] != "outgoing")

    def holds(self, answers: Mapping[Token, str]) -> bool:
        """Whether every fact a note's findings used still has the answer it had."""
        return all(self._unchanged(t) or self.answer(t) == answer for t, answer in answers.items())


# -- the store --------------------------------------------------------------------------------


@dataclass
class Entry:
    """What the cache knows about one note path."""

    signature: Signature
    digest: str
    part: int | None = None  # the stored part (:data:`FACTS`) that holds its facts


@dataclass
class Result:
    """A note's stored findings and what they depended on."""

    digest: str
    answers: dict[Token, str]  # each fact the findings used, and its answer then
    problems: list[Any]


NOTE_FACTS = ("outgoing", "heading_keys", "block_ids", "note")  # tokens about one note, named second


@dataclass
class Readers:
    """Which notes' stored findings read facts of which note: the reverse of every stored
    result's tokens, kept with the last run's findings (:attr:`Store.findings`).

    A run in which a few notes changed and no file came or went asks only the readers of
    those notes, and the notes whose findings read something vault-wide (``wide``), whether
    their findings still hold; every other note's findings are the last run's, taken without
    unpickling its stored result (loading 10,000 of them was a tenth of a one-edit run).
    A token about links' candidates holds while the set of files does, so it names no note."""

    of: dict[str, set[str]] = dataclasses.field(default_factory=dict)  # note -> notes whose findings read it
    wide: set[str] = dataclasses.field(default_factory=set)  # notes whose findings read a vault-wide fact
    known: set[str] = dataclasses.field(default_factory=set)  # the notes whose reads are recorded

    def add(self, rel: str, tokens: Iterable[Token]) -> None:
        """Record that the findings of ``rel`` read ``tokens``."""
        self.known.add(rel)
        for token in tokens:
            if token[0] in NOTE_FACTS:
                self.of.setdefault(token[1], set()).add(rel)
            elif token[0] != "candidates":
                self.wide.add(rel)

    def update(self, kept: Collection[str], fresh: Readers) -> None:
        """After a run: forget what every note but ``kept`` read (checked again, gone, or not
        checked), then take in what ``fresh`` records (of the notes whose reads this run knows)."""
        dropped = (self.known - set(kept)) | fresh.known
        for readers in self.of.values():
            readers -= dropped
        self.wide -= dropped
        self.known -= dropped
        self.merge(fresh)

    def merge(self, other: Readers) -> None:
        """Take in what ``other`` records of other notes (another worker's)."""
        for rel, readers in other.of.items():
            self.of.setdefault(rel, set()).update(readers)
        self.wide |= other.wide
        self.known |= other.known

    def asking(self, changed: Iterable[str]) -> set[str]:
        """The notes whose findings may not hold once ``changed`` changed (no file came or
        went): the changed notes, their readers, and the readers of anything vault-wide."""
        found = set(self.wide)
        for rel in changed:
            found.add(rel)
            found |= self.of.get(rel, set())
        return found


def _constructor(cls: type) -> Callable[[Any], tuple[type, tuple[Any, ...]]]:
    names = [f.name for f in dataclasses.fields(cls) if f.init]  # (a note's line map is made again on use)
    fields = operator.attrgetter(*names, *names[:1])  # twice the first: always a tuple, read in C
    return lambda obj: (cls, fields(obj)[: len(names)])


@functools.cache
def _reducers() -> Mapping[type, Callable[[Any], Any]]:
    """Notes, facts and fixes are pickled as calls of their dataclasses' constructors: loading
    10,000 notes this way takes under half the time of pickle's default for slotted dataclasses
    (a Python-level ``__setstate__`` per object).  Only the cache's own pickler uses this table.
    Made on first use: the dates module is not on the unchanged run's path."""
    from vaultkit.text.dates import DateFormat

    classes = (Note, Decoded, FrontMatter, YamlKey, Link, Heading, BlockId, Region, NoteFacts, DateFormat, Fix, Edit)
    return copyreg.dispatch_table | {cls: _constructor(cls) for cls in classes}


def dumps(value: object) -> bytes:
    """``value`` pickled with the constructor-call reducers (:func:`_reducers`; also what the
    engine's workers send: notes' facts)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.dispatch_table = _reducers()
    pickler.dump(value)
    return out.getvalue()


def loads(data: bytes | None) -> Any:
    """What :func:`dumps` made of a blob that verified; None for no blob, or one that does not
    unpickle (another version's classes).  Callers check the type of what they get."""
    if data is None:
        return None
    try:
        return pickle.loads(data)
    except Exception:
        return None


def user_secret() -> bytes | None:
    """The per-user key that signs cache blobs (created on first use); None when there is
    no private place to keep one -- then nothing is cached."""
    base = user_cache()
    path = base / "cache-key"
    try:
        base.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                import secrets  # (here: once per user)

                handle.write(secrets.token_bytes(MAC_SIZE))
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == MAC_SIZE else None


def signing_key(secret: bytes, parse: str) -> bytes:
    """The key that signs blobs stored under the parse key ``parse``: the user's secret
    (:func:`user_secret`) bound to it, so that another version's blobs do not verify."""
    return hmac.new(secret, parse.encode(), "blake2b").digest()[:MAC_SIZE]


def mac(key: bytes, data: bytes, context: bytes) -> bytes:
    """The keyed BLAKE2b of a blob: what it is (``context``) and its bytes."""
    found = hashlib.blake2b(context, key=key, digest_size=MAC_SIZE)
    found.update(b"\0")
    found.update(data)
    return found.digest()


def seal(key: bytes, data: bytes, context: bytes) -> bytes:
    """``data`` signed with ``key`` for ``context``: what :func:`unseal` opens."""
    return mac(key, data, context) + data


def unseal(key: bytes, blob: object, context: bytes) -> bytes | None:
    """The payload of a sealed blob, or None when it was not sealed with ``key`` for
    ``context`` (another user, another version, another note, or damage)."""
    if not isinstance(blob, bytes) or len(blob) < MAC_SIZE:
        return None
    tag, data = blob[:MAC_SIZE], blob[MAC_SIZE:]
    return data if hmac.compare_digest(tag, mac(key, data, context)) else None


# What a part of the stored facts is signed for.  A part holds the facts of the notes one worker
# sent in one message, in one pickle (:meth:`Sealer.pack_facts`); each note's facts name its path
# and its bytes' digest, which a run compares with the note it looks up (:meth:`Store.facts`).
FACTS = b"facts"


def result_context(run: str, rel: str, digest: str) -> bytes:
    """What a note's findings blob is signed for: the run key, its path and its bytes' digest."""
    return f"result\0{run}\0{rel}\0{digest}".encode()


Packed = tuple[bytes, bytes | None]  # a pickle, and its MAC when the run keeps a cache (:class:`Sealer`)


@dataclass(frozen=True)
class Sealer:
    """What signs the blobs of one run's notes: the signing key and the run key
    (:meth:`Store.sealer`).  A cold run's workers are forked with one: they pickle and sign
    the facts and the findings of the notes they parse and check, as they send them, and the
    parent stores those bytes as they are (:class:`Sealed`).  The parent had pickled and
    signed every one of them again once the workers were done, alone, while the run waited:
    a sixth of its instructions in a cold run on 10,000 notes (measured)."""

    key: bytes
    run_key: str

    def pack(self, result: Result, rel: str) -> tuple[bytes, bytes]:
        """The findings of ``rel`` pickled, with the MAC that makes them the blob the cache
        stores for them (one blob per note: a run that re-checks a few notes loads theirs only)."""
        data = dumps(result)
        return data, mac(self.key, data, result_context(self.run_key, rel, result.digest))

    def pack_facts(self, facts: list[NoteFacts]) -> Packed:
        """Notes' facts in one pickle, with the MAC that makes it a stored part (:data:`FACTS`):
        every run that reads stored facts reads nearly all of them, and one pickle per note
        cost a cold run's workers and its parent twice the instructions of one per message."""
        data = dumps(facts)
        return data, mac(self.key, data, FACTS)


@dataclass
class Sealed:
    """What a run's checks taught the cache, gathered where the notes were parsed and checked
    (a cold run's workers, :class:`Sealer`): the sealed facts and findings, which
    :meth:`Store.save` stores as they are, who read what, and the answers to vault-wide
    analyses.  The parent never unpickles a note's findings: loading every one to learn what
    it read was a fifth of what writing the cache cost a cold run (measured)."""

    parts: list[tuple[bytes, list[str]]] = dataclasses.field(default_factory=list)  # (part, its notes)
    results: dict[str, bytes] = dataclasses.field(default_factory=dict)
    readers: Readers = dataclasses.field(default_factory=Readers)  # what the findings of ``results`` read
    derived: dict[Token, str] = dataclasses.field(default_factory=dict)  # their answers to READS' analyses
    memo: Memo = dataclasses.field(default_factory=dict)  # what they learnt of vault-wide analyses (Facts.memo)

    def keep(self, rel: str, result: Result, sealer: Sealer) -> None:
        """The findings of ``rel``, just checked: sealed, and what they read recorded."""
        data, tag = sealer.pack(result, rel)
        self.results[rel] = tag + data
        self.readers.add(rel, result.answers)
        self.derived.update(
            (t, answer) for t, answer in result.answers.items() if t[0] == "derived" and t[2:4] in READS
        )

    def merge(self, other: Sealed) -> None:
        """Take in what another worker's checks taught."""
        self.results.update(other.results)
        self.readers.merge(other.readers)
        self.derived.update(other.derived)
        self.memo.update(other.memo)

    def open_facts(self, packed: Packed) -> list[NoteFacts]:
        """The facts a worker sent in one message (:meth:`Sealer.pack_facts`); their part
        kept when they were sealed."""
        data, tag = packed
        facts: list[NoteFacts] = pickle.loads(data)
        if tag is not None:
            self.parts.append((tag + data, [f.rel for f in facts]))
        return facts


class Store:
    """The cache file of one vault for one run (see the module docstring)."""

    def __init__(self, root: Path, parse: str, run: str) -> None:
        self.root = root
        self.parse_key, self.run_key = parse, run
        self.entries: dict[str, Entry] = {}
        self.state: str | None = None
        self.files: str | None = None  # digest of the file list of the run that wrote the cache
        self._secret = user_secret()
        self._key: bytes | None = None
        self._findings: bytes | None = None  # the last run's findings, unpickled when asked (:attr:`findings`)
        self._readers: bytes | None = None  # and who read what (:attr:`readers`)
        self.derived: Memo = {}  # Facts.memo: vault-wide analyses' answers
        self._db: sqlite3.Connection | None = None
        self._results: dict[str, bytes] | None = None  # note -> its findings' blob, read when first needed
        self._parts: dict[int, bytes] | None = None  # the stored parts of facts, read when first needed
        self._opened: dict[int, dict[str, NoteFacts]] = {}  # and those unpickled, by note
        self._path = root / ".vaultkit" / FILE
        if self._secret is not None:
            self._load()

    # -- reading

    @functools.cached_property
    def findings(self) -> dict[str, list[Any]]:
        """The last run's findings, by note (and :data:`~vaultkit.check.engine.VAULT`): what
        an unchanged vault is answered with.  Unpickled only when asked: a run where something
        changed checks each note's own stored result instead, and unpickling every note's
        findings cost it some 40 ms on 10,000 notes."""
        found = loads(self._findings)
        return found if isinstance(found, dict) else {}

    @functools.cached_property
    def readers(self) -> Readers | None:
        """Who read what, for the findings of :attr:`findings` (None: not known)."""
        found = loads(self._readers)
        return found if isinstance(found, Readers) else None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._path, timeout=0, isolation_level=None)
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS notes (rel TEXT PRIMARY KEY, sig TEXT, digest TEXT, result BLOB, part INTEGER)"
        )
        db.execute("CREATE TABLE IF NOT EXISTS parts (id INTEGER PRIMARY KEY, facts BLOB)")
        return db

    def _load(self) -> None:
        """Read every row; a cache that cannot be read is deleted and started afresh."""
        try:
            if not self._path.parent.is_dir():
                return
            self._db = db = self._connect()
            db.execute("BEGIN")  # one snapshot, even while another run writes
            try:
                rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
                notes = db.execute("SELECT rel, sig, digest, part FROM notes").fetchall()
            finally:
                db.execute("COMMIT")
            if rows.get("schema") != f"{SCHEMA}:{__version__}:{self.parse_key}":
                self._wipe()
                return
            state, files = self._open(rows.get("state"), b"state"), self._open(rows.get("files"), b"files")
            self.state = state.decode() if state else None
            self._findings = self._open(rows.get("findings"), _last_run("findings", self.run_key, self.state))
            self._readers = self._open(rows.get("readers"), _last_run("readers", self.run_key, self.state))
            self.files = files.decode() if files else None
            derived = self._open(rows.get("derived"), f"derived\0{self.run_key}".encode())
            self.derived = pickle.loads(derived) if derived else {}
            for rel, sig, digest, part in notes:
                self.entries[rel] = Entry(sig or "", digest or "", part if isinstance(part, int) else None)
        except Exception as exc:  # whatever a damaged file makes SQLite or pickle raise
            self.entries, self.state, self._findings, self._readers, self.derived = {}, None, None, None, {}
            if _busy(exc):  # another run is writing it: run without the cache, leave the file alone
                self.close()
            else:
                self._wipe()

    def _wipe(self) -> None:
        """Start a fresh cache file (schema or version changed, or the file is damaged)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        _delete(self._path)

    def _signing(self) -> bytes:
        """The key that signs this store's blobs: the user's secret bound to the parse key
        (:func:`signing_key`), made on first use."""
        if self._key is None:
            assert self._secret is not None
            self._key = signing_key(self._secret, self.parse_key)
        return self._key

    def _seal(self, data: bytes, context: bytes) -> bytes:
        return seal(self._signing(), data, context)

    def sealer(self) -> Sealer | None:
        """What signs this run's blobs, to fork workers with (None: nothing is stored)."""
        return Sealer(self._signing(), self.run_key) if self._secret is not None else None

    def _open(self, blob: object, context: bytes) -> bytes | None:
        """The payload of a sealed blob, or None when it was not written by this user's vaultkit
        for this parse key (and context: the note path and digest it belongs to)."""
        return unseal(self._signing(), blob, context)

    def _read_all(self, query: str) -> dict[Any, bytes]:
        """Every (key, blob) row of ``query``, read at once (a run that reads one stored
        blob of a kind reads nearly all); none when there is no cache file to read."""
        try:
            db = self._reader()
            return dict(db.execute(query).fetchall()) if db else {}
        except sqlite3.Error:
            return {}

    def _part(self, part: int) -> dict[str, NoteFacts]:
        """The facts a stored part holds, by note (none when it does not verify); the parts
        are read all at once when first needed (a run that reads one reads nearly all), and
        each is unpickled when first asked."""
        if self._parts is None:
            self._parts = self._read_all("SELECT id, facts FROM parts")
        found = self._opened.get(part)
        if found is None:
            facts = loads(self._open(self._parts.pop(part, None), FACTS))
            items = facts if isinstance(facts, list) else []
            found = self._opened[part] = {f.rel: f for f in items if isinstance(f, NoteFacts)}
        return found

    def _reader(self) -> sqlite3.Connection | None:
        """The connection to read with (None: there is no cache file to read)."""
        if self._secret is None or not self._path.is_file():
            return None
        if self._db is None:
            self._db = self._connect()
        return self._db

    def _entry(self, rel: str, digest: str) -> Entry | None:
        """The stored entry of ``rel`` when its bytes had ``digest`` and the cache can be read."""
        entry = self.entries.get(rel)
        return entry if entry is not None and entry.digest == digest and self._secret is not None else None

    def facts(self, rel: str, digest: str) -> NoteFacts | None:
        """The stored facts of ``rel`` when its bytes had ``digest``; None when not stored."""
        entry = self._entry(rel, digest)
        if entry is None or entry.part is None:
            return None
        found = self._part(entry.part).get(rel)
        return found if found is not None and found.digest == digest else None

    def result(self, rel: str, digest: str) -> Result | None:
        """The findings stored for ``rel`` under this run key and ``digest``."""
        if self._entry(rel, digest) is None:
            return None
        if self._results is None:
            self._results = self._read_all("SELECT rel, result FROM notes")
        found = loads(self._open(self._results.get(rel), result_context(self.run_key, rel, digest)))
        return found if isinstance(found, Result) and found.digest == digest else None

    # -- writing

    def save(
        self,
        rels: Iterable[str],
        signatures: Mapping[str, Signature],
        parsed: Mapping[str, NoteFacts],
        checked: Mapping[str, list[Any]],
        state: str | None,
        files: str,
        reused: Mapping[str, list[Any]],
        moved: bool,
        readers: Readers | None = None,
        sealed: Sealed | None = None,
    ) -> None:
        """Store what this run learned, in one transaction; never raises, never waits.

        ``parsed`` are the facts of the notes parsed in this run, ``checked`` the findings of
        the notes checked in it (sealed in ``sealed``, :meth:`Sealed.keep`).  ``reused`` are
        the findings taken from the cache that still hold (with ``checked``, the notes whose
        findings hold for this run); when anything ``moved`` (a note changed, a file came or
        went), the stored findings of other notes are dropped, since :class:`Facts` judges
        findings against the run that stored the cache.  ``sealed`` also has the parts of
        facts that the workers sealed (:class:`Sealer`); the others are sealed here."""
        if self._secret is None:
            return
        keep = set(rels)
        made = Sealed() if sealed is None else sealed

        def sealed_result(rel: str) -> bytes | None:
            return made.results.get(rel) if rel in checked else None

        new_rows, updates, touched = [], [], []
        for rel in sorted(keep):  # in order, SQLite's index of paths takes them faster (a sixth of the save)
            entry = self.entries.get(rel)
            new = parsed.get(rel)
            digest = new.digest if new is not None else entry.digest if entry else ""
            if not digest:
                continue
            sig = signatures.get(rel, "")
            if new is not None:  # parsed in this run: a new row
                new_rows.append((rel, sig, digest))
            elif entry is None:
                continue
            elif rel in checked or (moved and rel not in reused):  # new findings, or none that hold
                updates.append((sig, sealed_result(rel), rel))
            elif entry.signature != sig:
                touched.append((sig, rel))
        # The facts not sealed by the workers are sealed as SQLite takes them, not all first: on
        # 100,000 notes they would otherwise be held twice at the run's peak of memory.
        in_part: dict[str, int] = {}  # note -> the stored part of its facts
        sent = {rel for _, notes in made.parts for rel in notes}
        loose = [parsed[rel] for rel, _, _ in new_rows if rel not in sent]
        parts = itertools.chain(
            made.parts,
            (
                (self._seal(dumps(chunk), FACTS), [f.rel for f in chunk])
                for chunk in (loose[n : n + PART_SIZE] for n in range(0, len(loose), PART_SIZE))
            ),
        )
        rows = ((rel, sig, digest, sealed_result(rel), in_part.get(rel)) for rel, sig, digest in new_rows)
        gone = [(rel,) for rel in self.entries if rel not in keep]
        state_blob = self._seal(state.encode(), b"state") if state else None
        # Every verified note's findings in one blob: an unchanged vault reads only this.  They
        # and who read what are stored when the state is not trusted too (a note edited just
        # before the run is racy): the next edit's run judges only the readers of what changed,
        # which needs the notes' digests (the rows), not the stat.
        found = {rel: list(problems) for rel, problems in checked.items()}
        found.update({rel: problems for rel, problems in reused.items() if rel not in found})
        findings_blob = self._seal(dumps(found), _last_run("findings", self.run_key, state))
        readers_blob = (
            None if readers is None else self._seal(dumps(readers), _last_run("readers", self.run_key, state))
        )
        derived_blob = self._seal(dumps(self.derived), f"derived\0{self.run_key}".encode())
        try:
            state_dir(self.root)
            if self._db is None:
                self._db = self._connect()
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM meta")
                db.execute("INSERT INTO meta VALUES ('schema', ?)", (f"{SCHEMA}:{__version__}:{self.parse_key}",))
                if state_blob is not None:
                    db.execute("INSERT INTO meta VALUES ('state', ?)", (state_blob,))
                db.execute("INSERT INTO meta VALUES ('findings', ?)", (findings_blob,))
                if readers_blob is not None:
                    db.execute("INSERT INTO meta VALUES ('readers', ?)", (readers_blob,))
                db.execute("INSERT INTO meta VALUES ('files', ?)", (self._seal(files.encode(), b"files"),))
                db.execute("INSERT INTO meta VALUES ('derived', ?)", (derived_blob,))
                for blob, notes in parts:
                    part = cast(int, db.execute("INSERT INTO parts (facts) VALUES (?)", (blob,)).lastrowid)
                    in_part.update(dict.fromkeys(notes, part))
                db.executemany("DELETE FROM notes WHERE rel = ?", gone)
                db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?, ?)", rows)
                db.executemany("UPDATE notes SET sig = ?, result = ? WHERE rel = ?", updates)
                db.executemany("UPDATE notes SET sig = ? WHERE rel = ?", touched)
                # a part whose every note was parsed again, or went, holds nothing any more
                db.execute("DELETE FROM parts WHERE id NOT IN (SELECT part FROM notes WHERE part IS NOT NULL)")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError) as exc:
            if not _busy(exc):  # another run is writing: leave it
                self._wipe()
        finally:
            self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _last_run(what: str, run: str, state: str | None) -> bytes:
    """What the last run's findings blob (or its map of who read what) is signed for: the run
    key and the vault's state, or none when the state was not trusted -- then the blob never
    answers a run whole (:attr:`Store.state` is None), only stands for the notes it names."""
    return f"{what}\0{run}\0{state or ''}".encode()


def _busy(exc: BaseException) -> bool:
    """Whether ``exc`` says that another process holds the cache's lock (SQLite's
    SQLITE_BUSY and SQLITE_LOCKED), as opposed to a damaged file."""
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def clear(root: Path) -> bool:
    """Delete the vault's cache (``vaultkit cache clear``), the stored report of the last run
    included (:mod:`vaultkit.check.warm`); whether there was one."""
    report = _delete(root / ".vaultkit" / REPORT)
    return _delete(root / ".vaultkit" / FILE) or report


def _delete(path: Path) -> bool:
    """Remove a cache file and SQLite's side files; whether the file was there."""
    existed = path.exists()
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")
    return existed


def files_digest(files: Iterable[str]) -> str:
    return digest(sorted(files))


def vault_state(run: str, files: Iterable[str], signatures: Mapping[str, Signature], head: str) -> str | None:
    """The whole vault's state for the fast path; None when some note's stat is not trusted.
    Digested as each of ``files`` (every signed file is one of them) with its signature beside
    it, None for an attachment or a note gone since the listing: every unchanged run takes it,
    and the sorted (path, signature) pairs after the paths marshalled and hashed each note's
    path twice."""
    if any(not sig for sig in signatures.values()):
        return None
    ordered = sorted(files)
    return digest(run, head, ordered, [signatures.get(rel) for rel in ordered])
