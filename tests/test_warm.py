"""The unchanged re-run (``vaultkit check`` answered from ``.vaultkit/report.bin``) is cheap
and never stale: it loads no rule and no parser, and any change to the vault, the
configuration, the selection or the report itself sends the run the long way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import rewrite_keeping_size_and_mtime, run_cli
from test_cache import private_key_home  # noqa: F401  (autouse: a private cache key, no racy window)

from vaultkit.check import cache as vcache
from vaultkit.check import engine as cache_engine
from vaultkit.check import live
from vaultkit.check.run import resolve_run
from vaultkit.cli import common
from vaultkit.read.parse import parse_text
from vaultkit.text.dates import vault_formats
from vaultkit.text.encoding import locate

RACY = vcache.RACY  # (the tests below run with no racy window; the probe cannot)
NOTES = {
    "A.md": "# A\n\nSee [[B]], [[B#Section]] and [[Gone]].\n",
    "B.md": "---\naliases: [Bee]\n---\n# B\n\ntext  \n",
    "C.md": "# C\n\na paragraph ^blk\n\n[[A]] [[Missing note]]\n",
    "sub/D.md": "---\ndate:\n---\nLe cafÃ© est trÃ¨s bon. [[B]]\n",
}

# Runs `vaultkit check` in a fresh interpreter and reports, after its output, which of the
# heavy modules it imported: the rules, the parsers and what they need.
PROBE = """
import sys
from vaultkit.cli import main
status = main(sys.argv[1:])
heavy = ["vaultkit.rules", "vaultkit.read.regions", "yaml", "mistune", "frontmatter", "importlib.metadata",
         "multiprocessing", "vaultkit.fix.run", "watchdog", "pygls"]
print("IMPORTED", [name for name in heavy if name in sys.modules])
sys.exit(status)
"""


def probe(root: Path) -> tuple[str, list[str]]:
    """The stdout of ``vaultkit check`` run at ``root`` in a fresh interpreter, and the heavy
    modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "check", "."], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr
    out, _, imported = done.stdout.rpartition("IMPORTED ")
    return out, json.loads(imported.replace("'", '"'))


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The runs that went the long way (the engine's check), as opposed to the stored report."""
    seen: list[Path] = []
    real = common.check

    def spy(root: Path, *args, **kwargs):
        seen.append(root)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(common, "check", spy)
    return seen


def check(root: Path, *args: str) -> str:
    """The stdout of ``vaultkit check . ARGS`` at ``root`` (in this process)."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        done = run_cli("check", ".", *args)
    finally:
        os.chdir(cwd)
    assert done.exit_code in (0, 1), done.output
    return done.stdout


def test_an_unchanged_vault_loads_no_rule_and_no_parser(vault) -> None:
    root = vault(NOTES)
    time.sleep(RACY + 0.1)  # the real window: the probe runs in an interpreter of its own
    first, imported = probe(root)
    assert "vaultkit.rules" in imported  # the long way: rules loaded, notes parsed
    assert (root / ".vaultkit" / vcache.REPORT).is_file()
    again, imported = probe(root)
    assert again == first and "broken-wikilink" in first
    assert imported == []
    assert check(root, "--no-cache") == first


def test_a_just_written_vault_gets_no_report(vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its files changed within the racy window: their stat is not trusted, so no key."""
    monkeypatch.setattr(vcache, "RACY", 3600.0)
    root = vault(NOTES)
    check(root)
    assert not (root / ".vaultkit" / vcache.REPORT).exists()


def test_a_content_change_that_keeps_size_and_mtime_is_caught(vault, runs: list[Path]) -> None:
    root = vault(NOTES)
    check(root)
    rewrite_keeping_size_and_mtime(root / "C.md", "Missing note", "Missing nite")
    runs.clear()
    after = check(root)
    assert runs and "Missing nite" in after and "Missing note]" not in after


@pytest.mark.parametrize("change", ["config", "selection", "obsidian settings", "new file", "deleted note"])
def test_what_the_report_depends_on(vault, runs: list[Path], change: str) -> None:
    root = vault(NOTES)
    args: tuple[str, ...] = ()
    before = check(root)
    runs.clear()
    assert check(root) == before and runs == []  # answered from the report
    if change == "config":
        (root / ".vaultkit.toml").write_text('ignore = ["broken-wikilink"]\n', encoding="utf-8")
    elif change == "selection":
        args = ("--ignore", "broken-wikilink")
    elif change == "obsidian settings":
        (root / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": ["sub/"]}', encoding="utf-8")
    elif change == "new file":
        (root / "Gone.md").write_text("# Gone\n", encoding="utf-8")
    else:
        (root / "A.md").unlink()
    after = check(root, *args)
    assert runs and after != before
    assert after == check(root, *args, "--no-cache")


@pytest.mark.parametrize("damage", ["tampered", "truncated", "another user's"])
def test_a_report_that_does_not_verify_is_not_read(
    vault, runs: list[Path], damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = vault(NOTES)
    first = check(root)
    report = root / ".vaultkit" / vcache.REPORT
    data = report.read_bytes()
    if damage == "tampered":
        report.write_bytes(data.replace(b"broken-wikilink", b"broken-wikilunk"))
    elif damage == "truncated":
        report.write_bytes(data[:20])
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other"))
    runs.clear()
    assert check(root) == first and runs


def test_cache_clear_removes_the_report(vault) -> None:
    root = vault(NOTES)
    check(root)
    assert (root / ".vaultkit" / vcache.REPORT).is_file()
    assert run_cli("cache", "clear", "--vault", str(root)).exit_code == 0
    assert not (root / ".vaultkit" / vcache.REPORT).exists()


def test_json_from_a_stored_report_has_the_fix_positions(vault, runs: list[Path]) -> None:
    """JSON places each fix edit by line and column, which needs the notes: a run answered from
    the report loads them."""
    root = vault(NOTES)
    first = json.loads(check(root, "--format", "json"))
    assert json.loads(check(root, "--format", "json")) == first
    assert any(p["fix"] and "line" in p["fix"]["edits"][0] for p in first)


def test_the_daemons_first_result_does_not_wait_for_what_only_batches_need(
    vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Screening every note for damaged text waits for the daemon's idle moment after its
    first result (or a batch that moves the vault's language context), and a batch before it
    gives what a fresh load gives."""
    root = vault(NOTES)
    config, active = resolve_run(root)
    screened: list[str] = []
    real = live._damaged
    monkeypatch.setattr(live, "_damaged", lambda note: screened.append(note.rel) or real(note))

    def fresh() -> dict[str, list]:
        state = live.VaultState(root, config, active)
        state.load(jobs=1)
        return {rel: p for rel, p in state.problems.items() if p}

    state = live.VaultState(root, config, active)
    state.load(jobs=1)
    assert screened == [] and any(state.problems.values())
    (root / "Gone.md").write_text("# Gone\n", encoding="utf-8")
    update = state.apply(["Gone.md"])
    assert "A.md" in update.problems  # its link to Gone resolves now
    assert {rel: p for rel, p in state.problems.items() if p} == fresh()
    state.screen()
    assert set(NOTES) <= set(screened)
    (root / "sub" / "D.md").write_text("---\ndate:\n---\nLe café est très bon. [[B]]\n", encoding="utf-8")
    state.apply(["sub/D.md"])
    assert {rel: p for rel, p in state.problems.items() if p} == fresh()


def test_the_daemons_first_load_and_prime_read_no_note_until_one_is_asked_for(
    vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load from a warm cache serves the stored findings and knows every path and link,
    and priming finds the notes with a link to nowhere from the index's facts; a note is
    read only when something asks for it (the screen, after the first result, asks for all):
    the notes were most of the daemon's time to its first result."""
    root = vault(NOTES)
    config, active = resolve_run(root)
    first = live.VaultState(root, config, active)
    first.load(jobs=1)  # fills the cache
    loaded: list[str] = []
    real = cache_engine.read_note
    monkeypatch.setattr(cache_engine, "read_note", lambda *args: loaded.append(args[1]) or real(*args))
    monkeypatch.setattr(locate, "SAMPLE_NOTES", 2)  # the language context reads half the notes
    state = live.VaultState(root, config, active)
    state.load(jobs=1)
    assert loaded == []
    assert state.all_problems() == first.all_problems()
    assert set(state.notes) == set(first.notes) and len(state.notes) == len(NOTES)
    assert all(state.linking_to(rel) == first.linking_to(rel) for rel in [*NOTES, "Gone.md"])
    assert any(state.linking_to(rel) for rel in NOTES)  # (the links were known without the notes)
    assert state.notes["B.md"].text == NOTES["B.md"] and loaded == ["B.md"]
    state.prime()  # what a language server does before it serves
    assert sorted(loaded) == ["A.md", "B.md", "C.md"] == sorted({"B.md", *locate.sampled(NOTES)})
    state.screen()
    assert sorted(loaded) == sorted(NOTES)
    assert {rel: note.text for rel, note in state.notes.items()} == NOTES
    # what priming found from the facts is what the notes themselves say
    says = {rel for rel in NOTES if any(target.path is None for target in state.index.outgoing(state.notes[rel]))}
    assert state._unresolved == says == {"A.md", "C.md"}


DATED = {f"N{n}.md": f"---\ndate: 2024-01-{n + 1:02d}\n---\n# N{n}\n" for n in range(10)}


def test_the_vault_date_formats_are_counted_from_facts_without_reading_a_note(
    vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vault whose notes have dates but none empty gathers no date evidence, so the live
    state counts the vault's date formats itself: from the notes' facts, at load and when an
    edit writes a date in a new shape, as :func:`vault_formats` counts them from the notes --
    it used to read every note to do it (seconds on a large vault, before the first result)."""
    root = vault(DATED)
    config, active = resolve_run(root)
    live.VaultState(root, config, active).load(jobs=1)  # fills the cache
    loaded: list[str] = []
    real = cache_engine.read_note
    monkeypatch.setattr(cache_engine, "read_note", lambda *args: loaded.append(args[1]) or real(*args))
    monkeypatch.setattr(locate, "SAMPLE_NOTES", 2)  # the language context reads its sample
    state = live.VaultState(root, config, active)
    state.load(jobs=1)

    def counted() -> dict:
        notes = [parse_text(rel, (root / rel).read_text(encoding="utf-8")) for rel in sorted(DATED)]
        return vault_formats(notes, ["date"])

    assert loaded == [] and state._dates.formats == counted() != {}
    before = counted()
    edited = [f"N{n}.md" for n in range(6)]
    for rel in edited:  # most notes now write a time too
        (root / rel).write_text(DATED[rel].replace("\n---\n#", "T10:30\n---\n#"), encoding="utf-8")
    update = state.apply(edited)
    unread = set(DATED) - set(edited) - set(locate.sampled(list(DATED)))
    assert unread and not unread & set(loaded)  # the notes that did not change stay unread
    assert state._dates.formats == counted() != before
    assert update.rechecked >= len(edited)


OTHERS = {f"other/E{n}.md": f"# E{n}\n\nnothing to see [[E{(n + 1) % 8}]]\n" for n in range(8)}


def test_a_batch_right_after_a_warm_load_reads_only_the_notes_it_checks(vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The daemon's first edit is served before the screen has read every note: the index of
    the batch is built from facts as the loaded one was, the note's version before the edit is
    known by its facts (its file already holds the new text), and only the notes the edit
    affects are read -- with the diagnostics a fresh load gives."""
    root = vault({**NOTES, **OTHERS})
    config, active = resolve_run(root)
    live.VaultState(root, config, active).load(jobs=1)  # fills the cache
    loaded: list[str] = []
    real = cache_engine.read_note
    monkeypatch.setattr(cache_engine, "read_note", lambda *args: loaded.append(args[1]) or real(*args))
    monkeypatch.setattr(locate, "SAMPLE_NOTES", 2)
    state = live.VaultState(root, config, active)
    state.load(jobs=1)
    (root / "B.md").write_text(NOTES["B.md"] + "\n## Section\n", encoding="utf-8")
    update = state.apply(["B.md"])
    sample = set(locate.sampled([*NOTES, *OTHERS]))
    assert "A.md" in update.problems  # its link to B#Section lands now
    assert set(loaded) == {"A.md", "sub/D.md"} | sample  # the linkers, the context's sample
    assert not (set(OTHERS) - sample) & set(loaded)
    fresh = live.VaultState(root, config, active)
    fresh.load(jobs=1)
    assert state.all_problems() == fresh.all_problems()
    (root / "B.md").write_text(NOTES["B.md"], encoding="utf-8")  # back, and a second batch
    state.apply(["B.md"])
    (root / "Gone.md").write_text("# Gone\n", encoding="utf-8")  # a new file: new name tables
    state.apply(["Gone.md"])
    resampled = set(locate.sampled([*NOTES, *OTHERS, "Gone.md"]))
    assert set(loaded) == {"A.md", "C.md", "sub/D.md"} | sample | resampled  # + the links to nowhere
    assert len(loaded) < len(NOTES) + len(OTHERS)
    fresh = live.VaultState(root, config, active)
    fresh.load(jobs=1)
    assert state.all_problems() == fresh.all_problems()


def test_the_screen_goes_a_few_notes_at_a_time_and_batches_between_chunks_stay_exact(
    vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the daemon does between batches: ``screen(most)`` reads at most that many notes
    and says when it is done; a batch in the middle screens the rest only when it moves the
    vault's language context, and gives what a fresh load gives either way."""
    root = vault({**NOTES, **OTHERS})
    config, active = resolve_run(root)
    screened: list[str] = []
    real = live._damaged
    monkeypatch.setattr(live, "_damaged", lambda note: screened.append(note.rel) or real(note))
    state = live.VaultState(root, config, active)
    state.load(jobs=1)
    assert state.screen(3) is False and len(screened) == 3 and not state.screened
    (root / "other/E1.md").write_text("# E1\n\nedited [[A]]\n", encoding="utf-8")
    state.apply(["other/E1.md"])
    assert len(screened) == 4  # the edited note, screened as every batch screens its notes
    while not state.screen(3):
        pass
    assert sorted(screened) == sorted({*NOTES, *OTHERS}) and state.screened
    fresh = live.VaultState(root, config, active)
    fresh.load(jobs=1)
    assert state.all_problems() == fresh.all_problems()
    assert ("sub/D.md", "mojibake") in {(p.path, p.rule) for p in state.all_problems()}
