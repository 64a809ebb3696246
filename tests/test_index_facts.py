"""An index built from notes' facts answers exactly as one built from the notes; a run whose
workers parse their own share finds exactly what a run in one process finds; a cached run
after an edit loads only the notes it checks again."""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

from vaultkit.api import Severity
from vaultkit.check import cache as vcache
from vaultkit.check import engine
from vaultkit.check.run import resolve_run
from vaultkit.read.parse import read_note
from vaultkit.text.encoding.locate import SAMPLE_NOTES
from vaultkit.vault.files import list_files, load_settings
from vaultkit.vault.index import LazyNotes, NoteFacts, VaultIndex, facts_of

NOTES = {
    "A.md": "# A\n\nSee [[B]], [[B#Section]], [[C#^blk]], [[c#^BLK]] and [[Gone]].\n",
    "B.md": "---\naliases: [Bee, ' bee2 ']\ndate: 2024-01-02\n---\n# B\n\n## Section\n\ntext ![[pic.png]]\n",
    "C.md": "# C\n\na paragraph ^blk\n\n[[A]] [[Missing note]] [web](https://example.com)\n",
    "sub/D.md": "---\ndate:\ncreated: '2023-05-06'\n---\nLe cafÃ© est trÃ¨s bon. [[B]] [[../A]]\n",
    "sub/E.md": "$x^2$ and $$\n\n$$ and [[A#Nope]] [[sub/D]]\n",
    "pic.png": b"\x89PNG\r\n",
}


@pytest.fixture(autouse=True)
def private_key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(vcache, "RACY", 0.0)


def _indexes(root: Path) -> tuple[VaultIndex, VaultIndex, list[str]]:
    listing = list_files(root, (), False)
    notes = [read_note(str(root), rel, 1 << 20, rel) for rel in listing.notes]
    loaded: list[str] = []
    by_rel = {note.rel: note for note in notes}

    def load(rel: str):
        loaded.append(rel)
        return by_rel[rel]

    whole = VaultIndex(notes, listing.files)
    lean = VaultIndex((), listing.files, facts=[facts_of(n) for n in notes], load=load)
    return whole, lean, loaded


def test_an_index_of_facts_answers_as_the_index_of_notes(vault) -> None:
    whole, lean, loaded = _indexes(vault(NOTES))
    assert isinstance(lean.notes, LazyNotes) and set(lean.notes) == set(whole.notes)
    assert lean.files == whole.files and lean.aliases == whole.aliases and lean.backlinks == whole.backlinks
    for rel in [*whole.notes, "Gone.md", "pic.png"]:
        assert lean.heading_keys(rel) == whole.heading_keys(rel)
        assert lean.block_ids(rel) == whole.block_ids(rel)
        assert lean.linked_from(rel) == whole.linked_from(rel)
        assert lean.stamp(rel) == whole.stamp(rel)
        assert lean.outline(rel) == whole.outline(rel)
        assert lean.link_targets(rel) == whole.link_targets(rel)
    assert sorted(lean.stamps()) == sorted(whole.stamps())
    assert loaded == []  # none of that needed a note
    assert lean.notes["B.md"] is whole.notes["B.md"] and loaded == ["B.md"]
    assert lean.outgoing(whole.notes["A.md"]) == whole.outgoing(whole.notes["A.md"])


def test_a_note_changed_on_disk_since_it_was_indexed_comes_back_without_a_digest(vault) -> None:
    """So that the fixer re-reads it rather than apply findings made on the old text."""
    root = vault(NOTES)
    run = resolve_run(root)
    result = engine.check(root, run[1], None, jobs=2)
    (root / "C.md").write_text("# C changed\n", encoding="utf-8")
    listing = list_files(root, (), False)
    run_of = engine._Run(root, listing, result.index.settings, (), run[1], 1 << 20, 1, None, None)
    note = run_of.facts_index([], result.index.facts(), None, {}).notes["C.md"]
    assert note.text == "# C changed\n" and note.digest == ""


def _copy(synthetic_vault, tmp_path: Path) -> Path:
    source, _ = synthetic_vault(300, 3, 0.1)
    root = tmp_path / "v"
    shutil.copytree(source, root)
    return root


def _check(root: Path, jobs: int, cache: bool) -> list[engine.Problem]:
    config, active = resolve_run(root)
    return engine.check(root, active, None, config.exclude, config.max_file_size, jobs=jobs, cache=cache).problems


def test_workers_that_parse_their_own_share_find_what_one_process_finds(
    synthetic_vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(synthetic_vault, tmp_path)
    serial = _check(root, 1, cache=False)
    started: list[int] = []
    real = engine._in_workers

    def spy(rels, jobs, *args):
        started.append(jobs)
        return real(rels, jobs, *args)

    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 50)
    monkeypatch.setattr(engine, "_in_workers", spy)
    assert serial and _check(root, 2, cache=False) == serial
    assert _check(root, 2, cache=True) == serial  # a cold cache, parsed in the workers
    assert started == [2, 2]
    assert _check(root, 2, cache=True) == serial  # answered from the cache
    monkeypatch.setattr(engine, "HELD_NOTES", 10)  # most notes parsed again when checked
    assert _check(root, 2, cache=False) == serial
    for note in sorted(root.glob("*.md"))[::2]:  # workers parse half the notes, the rest come from the cache
        note.write_text(note.read_text(encoding="utf-8") + "\n[[Nowhere at all]]\n", encoding="utf-8")
    edited = _check(root, 1, cache=False)
    assert edited != serial and _check(root, 2, cache=True) == edited
    assert started == [2, 2, 2]


def test_a_worker_slow_on_one_note_parses_fewer_of_the_others(
    synthetic_vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers take the notes to parse a chunk at a time: one that meets a slow note (a legacy
    encoding's first detection, a huge note) leaves the rest to the other, which would
    otherwise wait for it with nothing to do."""
    root = _copy(synthetic_vault, tmp_path)
    serial = _check(root, 1, cache=False)
    slow = list_files(root).notes[0]  # in the first chunk
    real_read, real_in_workers = engine.read_note, engine._in_workers
    parsed_by: list[list[int]] = []

    def read_note(root, rel, max_bytes, disk):
        if rel == slow:
            time.sleep(1.5)  # the other worker parses its 150 notes in far less
        return real_read(root, rel, max_bytes, disk)

    def in_workers(rels, jobs, plan, *args):
        def spy(parsed, shares):
            parsed_by.append(sorted(len(share) for share in shares))
            return plan(parsed, shares)

        return real_in_workers(rels, jobs, spy, *args)

    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 50)
    monkeypatch.setattr(engine, "SEND_EVERY", 10)
    monkeypatch.setattr(engine, "read_note", read_note)
    monkeypatch.setattr(engine, "_in_workers", in_workers)
    assert _check(root, 2, cache=False) == serial
    assert _check(root, 2, cache=True) == serial
    assert [sum(counts) for counts in parsed_by] == [300, 300]
    assert all(fewer <= 30 for fewer, _ in parsed_by)  # the slow note's chunk, give or take one


def test_a_worker_done_with_its_checks_takes_on_the_others(
    synthetic_vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker whose notes take long to check (the mojibake analysis of a damaged note costs
    a hundred ordinary notes' checks) is helped by the other once that one is through with
    its own: the notes not yet reached are checked, and parsed again, there."""
    root = _copy(synthetic_vault, tmp_path)
    serial = _check(root, 1, cache=False)
    slow = list_files(root).notes[0]
    real_check = engine.check_note

    def check_note(note, index, active):
        if note.rel == slow:
            time.sleep(1.5)
        who = engine.Problem(note.rel, 1, 1, 1, 1, "who", "X000", Severity.WARNING, str(os.getpid()), 0, 0)
        return [*real_check(note, index, active), who]

    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 50)
    monkeypatch.setattr(engine, "SEND_EVERY", 10)
    monkeypatch.setattr(engine, "check_note", check_note)
    problems = _check(root, 2, cache=False)
    assert [p for p in problems if not p.message.isdigit()] == serial
    by_worker = Counter(p.message for p in problems if p.message.isdigit())
    assert len(by_worker) == 2 and sum(by_worker.values()) == len(list_files(root).notes)
    assert min(by_worker.values()) <= 20  # the slow note's chunk, give or take one (of 300)


def _stored(root: Path) -> dict[str, tuple[str, NoteFacts | None, vcache.Result | None]]:
    """Every note the cache of ``root`` keeps: its digest, and its facts and findings as they
    verify and unpickle."""
    config, active = resolve_run(root)
    settings = load_settings(root)
    parse = vcache.parse_key(config.max_file_size)
    store = vcache.Store(root, parse, vcache.run_key(config.max_file_size, active, settings))
    return {
        rel: (entry.digest, store.facts(rel, entry.digest), store.result(rel, entry.digest))
        for rel, entry in store.entries.items()
    }


def test_a_cold_run_in_workers_stores_what_one_process_stores_sealed_by_the_workers(
    synthetic_vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers pickle and sign each note's facts and findings; the parent stores those
    bytes and pickles none of them again."""
    root = _copy(synthetic_vault, tmp_path)
    serial = _check(root, 1, cache=True)
    alone = _stored(root)
    assert len(alone) == 300 and all(facts and result for _, facts, result in alone.values())
    vcache.clear(root)
    pickled: list[object] = []
    real_dumps = vcache.dumps

    def dumps(value: object) -> bytes:
        pickled.append(value)  # (in this process: the workers' own calls are theirs)
        return real_dumps(value)

    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 50)
    monkeypatch.setattr(vcache, "dumps", dumps)
    assert _check(root, 2, cache=True) == serial
    assert not [v for v in pickled if isinstance(v, (NoteFacts, vcache.Result))]
    assert _stored(root) == alone
    assert _check(root, 2, cache=True) == serial  # answered from what the workers sealed


def test_a_cached_run_after_an_edit_loads_only_the_notes_it_checks(
    synthetic_vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(synthetic_vault, tmp_path)
    _check(root, 1, cache=True)
    edited = sorted(root.glob("*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n[[Nowhere at all]]\n", encoding="utf-8")
    loaded: list[str] = []
    checked: list[str] = []
    real_read, real_check = engine.read_note, engine.check_note

    def read_note(root, rel, max_bytes, disk):
        loaded.append(rel)
        return real_read(root, rel, max_bytes, disk)

    def check_note(note, index, active):
        checked.append(note.rel)
        return real_check(note, index, active)

    monkeypatch.setattr(engine, "read_note", read_note)
    monkeypatch.setattr(engine, "check_note", check_note)
    problems = _check(root, 1, cache=True)
    assert edited.name in checked and len(checked) < 30
    # besides the notes checked again, only the sample the encoding rules' vault context
    # reads (its answer is asked again after any edit) is loaded; the edited note is parsed
    readable = sorted(rel for rel in list_files(root, (), False).notes)
    sample = set(readable[:: max(1, len(readable) // SAMPLE_NOTES)])
    assert set(loaded) - sample <= set(checked) - {edited.name} and len(readable) > 2 * len(loaded)
    monkeypatch.undo()
    assert problems == _check(root, 1, cache=False)


def test_the_check_phase_leaves_the_garbage_collector_as_it_found_it():
    import gc

    from vaultkit.check import engine

    before = gc.get_threshold()
    with engine._frozen():
        assert gc.get_threshold()[2] >= engine.FULL_COLLECTION_EVERY
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_what_a_chunk_of_checks_leaves_is_out_of_the_collectors_sight(vault) -> None:
    import gc

    root = vault(NOTES)
    whole, _, _ = _indexes(root)
    _, active = resolve_run(root)
    engine._WORKER.update(index=whole, active=list(active))
    try:
        with engine._frozen():
            assert gc.get_threshold()[0] >= engine.YOUNG_COLLECTION_AFTER
            found = engine._check_chunk(sorted(whole.notes))
            walked = {id(o) for o in gc.get_objects()}  # every object a collection may walk
    finally:
        engine._WORKER.clear()
    answers = list(whole._outgoing.values())  # each note's resolved links, kept for the run
    assert {rel for rel, _, _ in found} == set(whole.notes) and any(problems for _, problems, _ in found)
    assert len(answers) == len(whole.notes) and not any(id(a) in walked for a in answers)
    assert id(found) not in walked
