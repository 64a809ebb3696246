"""The vault-wide index every rule may consult: names, paths, headings, block ids, aliases.

Built once per run from all parsed notes plus the list of every file in the vault
(attachments included).  Link resolution follows Obsidian's ``getFirstLinkpathDest`` (the
repository's ``docs/obsidian-behaviour.md`` section 1): case-insensitive, NFC, file names only
(aliases never resolve a link), ``.md`` optional for notes, ``./`` and ``../`` relative,
``/`` vault-absolute, else a path-suffix match with same-folder candidates first, then the
shortest path, then alphabetical order.  Obsidian's suffix and same-folder tests are raw
string tests (``b/note`` also matches ``ab/note.md``); they are reproduced as they are.

What rules look up per link -- a note's resolved outgoing links, the heading keys and block
ids of a target note -- is computed once per note and cached here, so no rule ever scans
the vault per link.  The caches assume the index is not changed after it is built.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from vaultkit.model import BlockId, Budget, FrontMatter, Heading, Link, Note, fold, link_key, record
from vaultkit.text.headings import heading_key

if TYPE_CHECKING:  # (the YAML and canvas readers are imported when a document is first read)
    from vaultkit.read.canvas import Canvas
    from vaultkit.text.dates import DateFacts, DateFormat

_T = TypeVar("_T")
CANDIDATES_KEPT = 200_000  # link paths whose candidates an index keeps (memory stays bounded on any vault)


@dataclass(frozen=True)
class VaultSettings:
    """The parts of ``.obsidian/`` that change how notes are read."""

    property_types: Mapping[str, str] = field(default_factory=dict)  # from types.json, keys folded
    app: Mapping[str, Any] = field(default_factory=dict)  # app.json
    math_preambles: Mapping[str, str] = field(default_factory=dict)  # path -> TeX a MathJax plugin loads first


@record
class Target:
    """An internal link of a note and every file it could name, best first (none: unresolved)."""

    link: Link
    candidates: tuple[str, ...]
    path: str | None  # the file Obsidian opens (the first candidate), None when unresolved


@record
class NoteFacts:
    """What the index and the cross-file questions need of one note, and nothing more: the
    few hundred bytes that stand for a parsed note when the note itself is not at hand.

    Worker processes parse the vault in parallel and send these back instead of whole notes
    (a note is some 20 objects to pickle; its facts are a few tuples of strings), and the check
    cache stores them beside each note, so an index can be built without loading a note.
    Every field is exactly what :class:`VaultIndex` would compute from the note itself."""

    rel: str
    digest: str
    read_error: str | None
    links: tuple[str, ...]  # the target of each internal (non-URL) link, in order
    headings: tuple[Heading, ...]  # what a link to one of them is checked and completed against
    blocks: tuple[BlockId, ...]
    aliases: tuple[str, ...]  # folded (note_aliases)
    empty_keys: tuple[str, ...]  # casefolded front-matter keys present with no value (text.dates.empty_keys)
    date_shapes: tuple[tuple[str, DateFormat], ...]  # casefolded key, shape of its date value (vault_formats)


def internal_targets(note: Note) -> tuple[str, ...]:
    """The targets of a note's links into the vault (not URLs), in order: what the index,
    its facts and the daemon's link bookkeeping all read of a note's links."""
    return tuple(link.target for link in note.links if not link.external)


def facts_of(note: Note) -> NoteFacts:
    """The :class:`NoteFacts` of a parsed note."""
    # (imported by the runs that parse; a plain import, since a ``from`` import ran importlib's
    # Python-level handling of its names on every call, once per note)
    import vaultkit.text.dates as dates

    fm = note.frontmatter
    empty: list[str] = []
    shapes: list[tuple[str, DateFormat]] = []
    if fm is not None and fm.closed:  # one walk of the keys for both (this runs for every note)
        text, loaded = note.text, bool(fm.data)
        for k in fm.keys:
            if dates.is_empty(note, k):  # (an empty value has no date shape)
                empty.append(k.key.casefold())
            elif loaded and (shape := dates.shape_of(text[k.value_start : k.value_end])) is not None:
                shapes.append((k.key.casefold(), shape))
    return NoteFacts(
        note.rel,
        note.digest,
        note.read_error,
        internal_targets(note),
        note.headings,
        note.blocks,
        note_aliases(note),
        tuple(empty),
        tuple(shapes),
    )


class LazyNotes(Mapping[str, Note]):
    """``VaultIndex.notes`` of an index built from :class:`NoteFacts`: the notes at hand
    (those this process parsed or must check) are held; any other is loaded by ``load`` when a
    rule asks for it (and the last few kept), so a run holds the facts of every note but the
    text of only the notes it works on.  Keys and length come from the facts: walking the
    mapping's keys loads nothing."""

    KEEP = 64  # notes loaded on demand that are kept (a link target is often asked again)

    def __init__(self, facts: Mapping[str, NoteFacts], held: Mapping[str, Note], load: Callable[[str], Note]):
        self._facts, self._held, self._load = facts, dict(held), load
        self._loaded: dict[str, Note] = {}

    def __getitem__(self, rel: str) -> Note:
        note = self._held.get(rel) or self._loaded.get(rel)
        if note is None:
            if rel not in self._facts:
                raise KeyError(rel)
            note = self._loaded[rel] = self._load(rel)
            if len(self._loaded) > self.KEEP:
                del self._loaded[next(iter(self._loaded))]
        return note

    def __contains__(self, rel: object) -> bool:
        return rel in self._facts

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def keep(self, notes: Iterable[Note]) -> None:
        """Hold ``notes`` too (the notes a worker process found problems in: the reporters
        and the fixer read them, and loading one again costs a parse)."""
        self._held.update((note.rel, note) for note in notes)

    def held(self, rel: str) -> Note | None:
        """The note ``rel`` when it is held (not merely loaded for a while), without loading it."""
        return self._held.get(rel)

    def after(self, notes: Mapping[str, Note], changed: Iterable[str]) -> LazyNotes:
        """These notes after a batch re-parsed, added or removed the ``changed`` ones (``notes``:
        the live vault's notes after it): the changed notes' facts computed again, the others
        shared, no note loaded.  Any other note is asked of ``notes``, so that what this mapping
        gives is what the vault holds -- never a second copy of a note, nor one read from a
        disk that moved on since."""
        facts, held = dict(self._facts), dict(self._held)
        for rel in changed:
            note = notes.get(rel)
            if note is None:
                facts.pop(rel, None)
                held.pop(rel, None)
            else:
                facts[rel], held[rel] = facts_of(note), note
        return LazyNotes(facts, held, notes.__getitem__)


class VaultIndex:
    """Read-only view of the whole vault, shared by all rules of a run.

    Built from parsed notes (``notes``), or from every note's :class:`NoteFacts` (``facts``)
    with only some notes at hand and ``load`` to read any other when a rule asks for it."""

    def __init__(
        self,
        notes: Iterable[Note],
        files: Iterable[str],
        settings: VaultSettings | None = None,
        dates: DateFacts | None = None,
        documents: Iterable[Note] = (),
        spelled: Mapping[str, tuple[str, ...]] | None = None,
        facts: Iterable[NoteFacts] | None = None,
        load: Callable[[str], Note] | None = None,
    ):
        self._facts: Mapping[str, NoteFacts] | None = None
        self.notes: Mapping[str, Note]
        if facts is None:
            self.notes = {note.rel: note for note in notes}
        else:
            assert load is not None, "an index built from facts needs a way to load a note"
            self._facts = {f.rel: f for f in facts}
            self.notes = LazyNotes(self._facts, {note.rel: note for note in notes}, load)
        # The text of .canvas and .base files (read at the edge, like notes; see vault.DOCUMENT_SUFFIXES).
        self.documents: dict[str, Note] = {doc.rel: doc for doc in documents}
        self.files: frozenset[str] = frozenset(files) | frozenset(self.notes) | frozenset(self.documents)
        # NFC path -> its spellings on disk, for paths with one that is not NFC (vault.Listing.spelled)
        self.spelled: Mapping[str, tuple[str, ...]] = spelled or {}
        self.settings = settings or VaultSettings()
        self.dates = dates  # evidence for empty dates, gathered at the edge (vaultkit.vault.evidence)
        self._canvases: dict[str, Canvas] = {}
        self._yaml: dict[str, FrontMatter] = {}
        # Each path folded once: the folded name is the last segment of the folded path (NFC
        # composes nothing across a "/", and lower case makes none), and every index of a
        # cold run (the parent's and each worker's) folds the names of every file.
        self._folded = {rel: fold(rel) for rel in self.files}
        by_name: dict[str, list[str]] = defaultdict(list)
        for rel, folded in self._folded.items():
            by_name[folded.rsplit("/", 1)[-1]].append(rel)
        self._by_name = {name: tuple(sorted(paths)) for name, paths in by_name.items()}
        self._candidates: dict[str, tuple[str, ...]] = {}  # link path -> candidates, from any folder
        # per-note caches: path -> (the note it was computed from, value); an entry counts only
        # for that very note, so indexes with the same files share them across edits
        self._outgoing: dict[str, tuple[Note, tuple[Target, ...]]] = {}
        self._heading_keys: dict[str, tuple[Note | NoteFacts | None, tuple[tuple[int, str], ...]]] = {}
        self._block_ids: dict[str, tuple[Note | NoteFacts | None, frozenset[str]]] = {}
        self._outlines: dict[str, tuple[Note, NoteFacts]] = {}
        self._derived: dict[str, object] = {}
        self._note_analyses: tuple[Note | None, dict[str, object]] = (None, {})

    def derived(self, key: str, compute: Callable[[VaultIndex], _T]) -> _T:
        """A vault-wide analysis that rules share (e.g. the encoding rules' vocabulary),
        computed once per index.  Valid because an index is never changed after it is built."""
        if key not in self._derived:
            self._derived[key] = compute(self)
        return self._derived[key]  # type: ignore[return-value]

    def analysis(self, note: Note, key: str, compute: Callable[[Note], _T]) -> _T:
        """A per-note analysis that several rules share (math delimiters, math structure),
        computed once per note.  The engine runs every rule on one note before the next, so
        only the current note's analyses are kept: memory stays flat on any vault."""
        current, memo = self._note_analyses
        if current is not note:
            memo = {}
            self._note_analyses = (note, memo)
        if key not in memo:
            memo[key] = compute(note)
        return memo[key]  # type: ignore[return-value]

    def budget(self, note: Note, what: str, units: int) -> Budget:
        """The note's shared :class:`~vaultkit.model.Budget` for ``what`` (``units`` when new):
        every rule that runs the same search spends from one allowance."""
        return self.analysis(note, f"budget:{what}", lambda _: Budget(what, units))

    def exhausted(self, note: Note) -> list[str]:
        """The searches whose budget ran out on ``note`` (asked by the engine after its rules)."""
        current, memo = self._note_analyses
        if current is not note:
            return []
        return [b.what for b in memo.values() if isinstance(b, Budget) and b.exhausted]

    def with_notes(self, notes: Mapping[str, Note], changed: Iterable[str], dates: DateFacts | None) -> VaultIndex:
        """The index after some notes were re-parsed while the set of files stayed the same
        (the watch daemon's common case, an edit).  Tables derived from file names alone are
        shared, and so are the per-note caches (an entry is only used for the note it was
        computed from), instead of folding and sorting every name again -- which costs more
        than the rest of an edit on 10,000 notes.  An index built from facts gives one built
        from facts (:meth:`LazyNotes.after`): copying every note into a dict would load them."""
        if set(notes) - self.files:
            return self.rebuilt(notes, changed, self.files, dates, self.documents.values())
        gone = set(changed)
        index = VaultIndex.__new__(VaultIndex)
        if isinstance(self.notes, LazyNotes):  # built from facts: so is the next (see LazyNotes.after)
            lazy = self.notes.after(notes, gone)
            index._facts, index.notes = lazy._facts, lazy
        else:
            index._facts, index.notes = None, dict(notes)
        index.files, index.settings, index.dates = self.files, self.settings, dates
        index.documents, index.spelled = self.documents, self.spelled
        index._canvases, index._yaml = self._canvases, self._yaml
        index._by_name, index._folded, index._candidates = self._by_name, self._folded, self._candidates
        index._outgoing, index._heading_keys, index._block_ids = self._outgoing, self._heading_keys, self._block_ids
        index._outlines = self._outlines
        index._derived, index._note_analyses = {}, (None, {})
        if "names" in vars(self):  # cached_property derived from file names only
            vars(index)["names"] = self.names
        if "aliases" in vars(self) and all(
            _declared(self.outline(rel)) == _declared(index.outline(rel)) for rel in gone
        ):  # no edited note's aliases changed: the table of every note's aliases still holds
            vars(index)["aliases"] = self.aliases
        return index

    def rebuilt(
        self,
        notes: Mapping[str, Note],
        changed: Iterable[str],
        files: Iterable[str],
        dates: DateFacts | None,
        documents: Iterable[Note],
    ) -> VaultIndex:
        """The index after a batch that changed the set of files (or documents): its name
        tables are made anew, from facts when this index is built from facts (the notes that
        did not change are not loaded: see :meth:`LazyNotes.after`)."""
        if not isinstance(self.notes, LazyNotes):
            return VaultIndex(notes.values(), files, self.settings, dates, documents, self.spelled)
        lazy = self.notes.after(notes, changed)
        held = lazy._held.values()
        return VaultIndex(held, files, self.settings, dates, documents, self.spelled, lazy._facts.values(), lazy._load)

    def note(self, rel: str) -> Note | None:
        return self.notes.get(rel)

    def outline(self, rel: str) -> NoteFacts | None:
        """The :class:`NoteFacts` of the note ``rel`` (its headings, block ids, links...)
        without loading the note: what a rule needs of a note a link points to."""
        if self._facts is not None:
            return self._facts.get(rel)
        note = self.notes.get(rel)
        if note is None:
            return None
        cached = self._outlines.get(rel)
        if cached is None or cached[0] is not note:
            cached = self._outlines[rel] = (note, facts_of(note))
        return cached[1]

    def stamp(self, rel: str) -> tuple[str, str | None] | None:
        """(digest, read error) of the note ``rel``, None when there is none; loads nothing."""
        if self._facts is not None:
            facts = self._facts.get(rel)
            return (facts.digest, facts.read_error) if facts is not None else None
        note = self.notes.get(rel)
        return (note.digest, note.read_error) if note is not None else None

    def stamps(self) -> Iterator[tuple[str, str, str | None]]:
        """(path, digest, read error) of every note; loads nothing."""
        if self._facts is not None:
            return ((f.rel, f.digest, f.read_error) for f in self._facts.values())
        return ((n.rel, n.digest, n.read_error) for n in self.notes.values())

    def facts(self) -> Iterator[NoteFacts]:
        """The :class:`NoteFacts` of every note (computed here when built from notes, once: the
        outlines a link rule asks for are the same facts)."""
        if self._facts is not None:
            return iter(self._facts.values())
        return (cast(NoteFacts, self.outline(rel)) for rel in self.notes)

    def _indexed(self, note: Note) -> bool:
        """Whether ``note`` is this index's own copy of the note (not an edited one), held for
        the whole run (a cache entry would keep a note loaded on demand alive)."""
        notes = self.notes
        return (notes.held(note.rel) if isinstance(notes, LazyNotes) else notes.get(note.rel)) is note

    def canvas(self, rel: str) -> Canvas | None:
        """The parsed ``.canvas`` file ``rel`` (None when it is not one); cached."""
        found = self._canvases.get(rel)
        doc = self.documents.get(rel)
        if found is None and doc is not None and rel.lower().endswith(".canvas"):
            from vaultkit.read.canvas import read_canvas

            found = self._canvases[rel] = read_canvas(doc.text)
        return found

    def yaml_document(self, rel: str) -> FrontMatter | None:
        """The YAML of the document ``rel`` (a ``.base``), loaded as front matter is; cached."""
        found = self._yaml.get(rel)
        doc = self.documents.get(rel)
        if found is None and doc is not None:
            from vaultkit.read.frontmatter import load_yaml

            found = self._yaml[rel] = load_yaml(doc.text)
        return found

    def file_at(self, path: str) -> str | None:
        """The file at vault path ``path`` as a canvas names it: the exact path, else the one
        path equal to it case-insensitively after NFC (the lenient reading: Obsidian's lookup is
        exact, but on macOS and Windows the file system is not case-sensitive)."""
        path = path.strip().lstrip("/")
        if path in self.files:
            return path
        folded = fold(path)
        return next((p for p in self._by_name.get(folded.rsplit("/", 1)[-1], ()) if self._folded[p] == folded), None)

    def candidates(self, linkpath: str, source: str) -> tuple[str, ...]:
        """Every file ``linkpath`` could name, best first, as Obsidian orders them.  Many notes
        link to the same names, and the answer depends on the linking note's folder only for
        relative paths and for several suffix matches: the other answers are kept per path."""
        path = linkpath.strip()
        if not path:
            return (source,)
        found = self._candidates.get(path)
        if found is None:
            found, anywhere = self._find(path, source)
            if anywhere and len(self._candidates) < CANDIDATES_KEPT:
                self._candidates[path] = found
        return found

    def _find(self, path: str, source: str) -> tuple[tuple[str, ...], bool]:
        """:meth:`candidates` of ``path`` from ``source``, and whether that is the answer from
        any folder."""
        folded = fold(path)
        last = folded.rsplit("/", 1)[-1]
        found = self._by_name.get(last, ()) if "." in last else ()
        if not found:
            last, folded = last + ".md", folded + ".md"
            found = self._by_name.get(last, ())
        if not found:
            return (), True
        if len(found) == 1 and "/" not in folded:
            return found, True
        key = self._folded
        if folded.startswith(("./", "../")):
            wanted = posixpath.normpath(posixpath.join(fold(posixpath.dirname(source)), folded))
            return tuple(p for p in found if key[p] == wanted), False
        absolute = folded.startswith("/")
        folded = folded[1:] if absolute else folded
        exact = tuple(p for p in found if key[p] == folded)
        if exact or absolute:
            return exact, True
        folder = fold(posixpath.dirname(source))
        suffix = [p for p in found if key[p].endswith(folded)]
        ordered = tuple(sorted(suffix, key=lambda p: (not key[p].startswith(folder), len(p), key[p], p)))
        return ordered, len(ordered) < 2

    def resolve(self, linkpath: str, source: str) -> str | None:
        """The vault-relative path a link from ``source`` opens, or None if unresolved."""
        found = self.candidates(linkpath, source)
        return found[0] if found else None

    def outgoing(self, note: Note) -> tuple[Target, ...]:
        """The internal (non-URL) links of ``note``, each with its candidates; cached per note."""
        cached = self._outgoing.get(note.rel)
        if cached is not None and cached[0] is note:
            return cached[1]
        if not self._indexed(note):  # a fixed copy (vaultkit fix), or a note loaded for a while:
            return self.analysis(note, "outgoing", self._targets_of)  # kept while it is checked
        found = self._targets_of(note)
        self._outgoing[note.rel] = (note, found)
        return found

    def _targets_of(self, note: Note) -> tuple[Target, ...]:
        """Each internal link with its candidates.  A link's target is already stripped, so
        the answers kept per path (:meth:`candidates`) are looked up here directly: this
        runs for every link of the vault."""
        kept, rel, found_for = self._candidates, note.rel, self.candidates
        targets = []
        for link in note.links:
            if link.external:
                continue
            found = kept.get(link.target)
            if found is None:
                found = found_for(link.target, rel)
            targets.append(Target(link, found, found[0] if found else None))
        return tuple(targets)

    def heading_keys(self, rel: str) -> tuple[tuple[int, str], ...]:
        """(level, :func:`~vaultkit.text.headings.heading_key`) of each heading of a note, in order."""
        source = self._source(rel)
        cached = self._heading_keys.get(rel)
        if cached is not None and cached[0] is source:
            return cached[1]
        keys = tuple((h.level, heading_key(h.text)) for h in source.headings) if source else ()
        self._heading_keys[rel] = (source, keys)
        return keys

    def block_ids(self, rel: str) -> frozenset[str]:
        """The folded ``^block`` ids of a note (Obsidian matches them case-insensitively)."""
        source = self._source(rel)
        cached = self._block_ids.get(rel)
        if cached is not None and cached[0] is source:
            return cached[1]
        ids = frozenset(fold(b.id) for b in source.blocks) if source else frozenset()
        self._block_ids[rel] = (source, ids)
        return ids

    def _source(self, rel: str) -> Note | NoteFacts | None:
        """What the note ``rel``'s headings and block ids are read from (its facts, or the
        note); the caches above count an entry only for that very object."""
        return self._facts.get(rel) if self._facts is not None else self.notes.get(rel)

    def link_text(self, rel: str, source: str) -> str:
        """The path Obsidian writes in a new link from ``source`` to ``rel`` (``newLinkFormat``).

        ``shortest`` (the default) writes the bare name when it resolves to ``rel``, else the
        full vault path; ``absolute`` always the full path; ``relative`` a path from the
        source's folder.  Notes lose their ``.md``.
        """
        stem = rel[:-3] if rel.lower().endswith(".md") else rel
        style = self.settings.app.get("newLinkFormat", "shortest")
        if style == "absolute":
            return stem
        if style == "relative":
            return posixpath.relpath(stem, posixpath.dirname(source) or ".")
        name = stem.rsplit("/", 1)[-1]
        return name if self.resolve(name, source) == rel else stem

    @cached_property
    def names(self) -> dict[str, tuple[str, ...]]:
        """Folded file name as a link writes it (notes without ``.md``) -> the files so named."""
        table: dict[str, list[str]] = defaultdict(list)
        for rel, folded in self._folded.items():  # (link_key and fold of the name, from the folded path)
            name = folded.rsplit("/", 1)[-1]
            table[name[:-3] if name.endswith(".md") else name].append(rel)
        return {k: tuple(sorted(v)) for k, v in table.items()}

    @cached_property
    def aliases(self) -> dict[str, tuple[str, ...]]:
        """Folded alias -> notes declaring it (aliases never resolve links, but suggest them)."""
        table: dict[str, list[str]] = defaultdict(list)
        if self._facts is not None:
            pairs: Iterable[tuple[str, tuple[str, ...]]] = ((f.rel, f.aliases) for f in self._facts.values())
        else:
            pairs = ((n.rel, note_aliases(n)) for n in self.notes.values())
        for rel, aliases in pairs:
            for alias in aliases:
                table[alias].append(rel)
        return {k: tuple(v) for k, v in table.items()}

    @cached_property
    def backlinks(self) -> dict[str, frozenset[str]]:
        """Folded link path (last segment, no extension) -> notes and canvases linking to that
        name (a canvas's ``file`` nodes are links, as in Obsidian's backlinks pane).

        Keyed by name rather than resolved path so that the watcher can find the notes a
        newly created or deleted file affects (links that were broken or that it breaks).
        """
        return self._linkers(lambda target: True)

    @cached_property
    def _dotted_backlinks(self) -> dict[str, frozenset[str]]:
        """:attr:`backlinks` of the links that can open a file other than a note: only a
        name with a dot in it can (``candidates`` adds ``.md`` to the others), and most
        links have none, so this is the cheap table to ask about attachments."""
        return self._linkers(lambda target: "." in target)

    def _linkers(self, wanted: Callable[[str], bool]) -> dict[str, frozenset[str]]:
        table: dict[str, set[str]] = defaultdict(set)
        for rel in self.notes:
            for target in self.link_targets(rel) or ():
                if target and wanted(target):
                    table[link_key(target)].add(rel)
        for rel in self.documents:
            for node in getattr(self.canvas(rel), "files", ()):
                table[link_key(node.file)].add(rel)
        return {k: frozenset(v) for k, v in table.items()}

    def link_targets(self, rel: str) -> tuple[str, ...] | None:
        """The internal link targets of the note ``rel`` (None: no such note)."""
        if self._facts is not None:
            facts = self._facts.get(rel)
            return facts.links if facts is not None else None
        note = self.notes.get(rel)
        return internal_targets(note) if note is not None else None

    def linked_from(self, rel: str) -> tuple[str, ...]:
        """The notes and canvases whose links or ``file`` nodes open ``rel``, sorted."""
        key = link_key(rel)
        table = self.backlinks if rel.lower().endswith(".md") else self._dotted_backlinks
        found = []
        for source in sorted(table.get(key, ())):
            targets = self.link_targets(source)
            if targets is not None:
                links = (t for t in targets if t and link_key(t) == key)
                hit = any(self.resolve(target, source) == rel for target in links)
            else:
                hit = any(self.file_at(node.file) == rel for node in getattr(self.canvas(source), "files", ()))
            if hit:
                found.append(source)
        return tuple(found)


def _declared(facts: NoteFacts | None) -> tuple[str, ...]:
    """The folded aliases of a note by its facts (none when there is no such note)."""
    return facts.aliases if facts is not None else ()


def note_aliases(note: Note | None) -> tuple[str, ...]:
    """The folded aliases a note declares in its ``aliases`` property (a string or a list)."""
    data = note.frontmatter.data if note is not None and note.frontmatter else None
    values = data.get("aliases") if isinstance(data, dict) else None
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return ()
    return tuple(fold(alias.strip()) for alias in values if isinstance(alias, str) and alias.strip())
