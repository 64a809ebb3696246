"""The check cache is correct, not only fast: after every kind of change a cached run gives
exactly the findings of a run without the cache, and a damaged or foreign cache is rebuilt."""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support import rewrite_keeping_size_and_mtime

from vaultkit.check import cache as vcache
from vaultkit.check import engine
from vaultkit.check.run import resolve_run

NOTES = {
    "A.md": "# A\n\nSee [[B]], [[B#Section]], [[C#^blk]] and [[Gone]].\n",
    "B.md": "---\naliases: [Bee]\n---\n# B\n\ntext\n",
    "C.md": "# C\n\na paragraph ^blk\n\n[[A]] [[Missing note]]\n",
    "sub/D.md": "---\ndate:\n---\nLe cafÃ© est trÃ¨s bon. [[B]]\n",
    "E.md": "$x^2$ and $$\n\n$$ and [[A#Nope]]\n",
}


@pytest.fixture(autouse=True)
def private_key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own cache key; stat signatures count at once (no racy window)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(vcache, "RACY", 0.0)


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notes the rules actually ran on (as opposed to findings taken from the cache)."""
    seen: list[str] = []
    real = engine.check_note

    def spy(note, index, active):
        seen.append(note.rel)
        return real(note, index, active)

    monkeypatch.setattr(engine, "check_note", spy)
    return seen


def run(root: Path, cache: bool = True) -> list[engine.Problem]:
    config, active = resolve_run(root)
    return engine.check(root, active, None, config.exclude, config.max_file_size, jobs=1, cache=cache).problems


def same_as_uncached(root: Path) -> list[engine.Problem]:
    cached = run(root)
    assert cached == run(root, cache=False)
    return cached


def test_unchanged_vault_is_answered_from_the_cache(vault, checked: list[str]) -> None:
    root = vault(NOTES)
    first = same_as_uncached(root)
    assert {p.rule for p in first} >= {"broken-wikilink", "broken-heading-link", "mojibake", "empty-date"}
    checked.clear()
    assert run(root) == first
    assert checked == []
    assert (root / ".vaultkit" / "cache.sqlite").is_file()
    assert (root / ".vaultkit" / ".gitignore").read_text().strip().endswith("*")


def test_editing_a_note(vault, checked: list[str]) -> None:
    root = vault(NOTES)
    same_as_uncached(root)
    (root / "C.md").write_text("# C\n\nno block id now\n\n[[A]]\n", encoding="utf-8")
    checked.clear()
    after = run(root)
    rechecked = set(checked)
    assert after == run(root, cache=False)
    assert any(p.rule == "broken-block-ref" and p.path == "A.md" for p in after)
    assert {"A.md", "C.md"} <= rechecked  # C changed; A links to its block id
    assert not rechecked & {"B.md", "E.md"}  # neither changed nor read anything of C


@pytest.mark.parametrize("how", ["rename", "delete"])
def test_renaming_or_deleting_a_link_target(vault, how: str) -> None:
    root = vault(NOTES)
    before = same_as_uncached(root)
    assert not any(p.path == "A.md" and p.rule == "broken-wikilink" and "'B'" in p.message for p in before)
    if how == "rename":
        (root / "B.md").rename(root / "Bravo.md")
    else:
        (root / "B.md").unlink()
    after = same_as_uncached(root)
    assert any(p.path == "A.md" and p.rule == "broken-wikilink" and "'B'" in p.message for p in after)


def test_adding_a_heading_another_note_needs(vault) -> None:
    root = vault(NOTES)
    before = same_as_uncached(root)
    assert any(p.path == "A.md" and p.rule == "broken-heading-link" for p in before)
    (root / "B.md").write_text("---\naliases: [Bee]\n---\n# B\n\n## Section\n", encoding="utf-8")
    after = same_as_uncached(root)
    assert not any(p.path == "A.md" and p.rule == "broken-heading-link" for p in after)


def test_a_new_note_resolves_a_broken_link(vault) -> None:
    root = vault(NOTES)
    same_as_uncached(root)
    (root / "Gone.md").write_text("back\n", encoding="utf-8")
    after = same_as_uncached(root)
    assert not any("Gone" in p.message for p in after)


def cached_run(root: Path, computed: list[int]) -> int:
    """How often ``computed`` grew in a cached run, whose findings must be the cache-less ones."""
    computed.clear()
    found = run(root)
    calls = len(computed)
    assert found == run(root, cache=False)
    return calls


def test_the_vault_vocabulary_is_kept_until_a_note_it_reads_changes(vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The encoding rules' vocabulary of the vault (``derived``) is worked out again only when
    the readable notes changed or a note it samples adds other characters or Chinese runs to it
    (vcache.READS)."""
    from vaultkit.rulekit import encoding
    from vaultkit.text.encoding import locate

    monkeypatch.setattr(locate, "SAMPLE_NOTES", 1)  # the vocabulary samples one note: A.md, the first
    computed: list[int] = []
    real = encoding.context_of_parts

    def counted(rels, part_of):
        computed.append(1)
        return real(rels, part_of)

    monkeypatch.setattr(encoding, "context_of_parts", counted)
    root = vault(NOTES)
    same_as_uncached(root)

    (root / "E.md").write_text("$x^2$ and [[A#Nope]] edited\n", encoding="utf-8")  # not sampled
    assert cached_run(root, computed) == 0
    (root / "A.md").write_text(NOTES["A.md"] + "\nplain words added\n", encoding="utf-8")  # sampled: adds no character
    assert cached_run(root, computed) == 0
    (root / "A.md").write_text("# A\n\nCafé crème, très bon. [[B]]\n", encoding="utf-8")  # sampled, adds some
    assert cached_run(root, computed) == 1
    (root / "A.md").write_text("# A\n\n向量组 秩\n", encoding="utf-8")
    assert cached_run(root, computed) == 1
    (root / "A.md").write_text("# A\n\n向量 组秩\n", encoding="utf-8")  # the same characters, other Chinese runs
    assert cached_run(root, computed) == 1
    (root / "New.md").write_text("a new readable note\n", encoding="utf-8")  # the readable notes moved
    assert cached_run(root, computed) == 1


def test_a_cold_runs_workers_tell_what_the_sampled_notes_add(vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers of a cold run work the vocabulary out; what each sampled note added to it
    comes back with them, so the first edit after it of a sampled note, adding no character,
    does not work the vocabulary out again (the bench's edit is such an edit)."""
    from vaultkit.rulekit import encoding
    from vaultkit.text.encoding import locate

    monkeypatch.setattr(locate, "SAMPLE_NOTES", 1)  # A.md is the sample
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 1)  # five notes are worth two workers
    computed: list[int] = []
    real = encoding.context_of_parts
    monkeypatch.setattr(encoding, "context_of_parts", lambda rels, part_of: computed.append(1) or real(rels, part_of))
    root = vault(NOTES)
    config, active = resolve_run(root)
    cold = engine.check(root, active, None, config.exclude, config.max_file_size, jobs=2, cache=True)
    assert cold.problems == run(root, cache=False)
    assert computed == [1]  # (the uncached run's, in this process: the workers' own are theirs)
    (root / "A.md").write_text(NOTES["A.md"] + "\nplain words added\n", encoding="utf-8")
    assert cached_run(root, computed) == 0


def test_the_table_of_names_is_kept_until_a_file_comes_or_goes(vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The suggestions' names by length (``derived``) are worked out again only when the set
    of files changed, and a broken link's findings stay the cache-less ones either way."""
    from vaultkit.rulekit import suggest

    computed: list[int] = []
    real = suggest.names_by_length

    @functools.wraps(real)  # the same module and name: the cache finds it again (cache._named)
    def counted(index):
        computed.append(1)
        return real(index)

    monkeypatch.setattr(suggest, "names_by_length", counted)
    root = vault({**NOTES, "F.md": "[[Bravoo]]\n"})
    same_as_uncached(root)

    (root / "E.md").write_text("$x^2$ and [[A#Nope]] edited\n", encoding="utf-8")
    assert cached_run(root, computed) == 0
    (root / "Bravoo.md").write_text("now it exists\n", encoding="utf-8")
    assert cached_run(root, computed) >= 1
    assert not any(p.path == "F.md" and p.rule == "broken-wikilink" for p in run(root))


def test_changing_the_config(vault) -> None:
    root = vault(NOTES)
    same_as_uncached(root)
    (root / ".vaultkit.toml").write_text('ignore = ["VK3"]\n[rules.broken-wikilink]\nlevel = "info"\n')
    after = same_as_uncached(root)
    assert not any(p.code.startswith("VK3") for p in after)
    assert {p.severity.value for p in after if p.rule == "broken-wikilink"} == {"info"}


def test_obsidian_settings_are_part_of_the_key(vault) -> None:
    root = vault(NOTES)
    same_as_uncached(root)
    (root / ".obsidian" / "app.json").write_text('{"newLinkFormat": "absolute"}')
    same_as_uncached(root)


@pytest.mark.parametrize("change", ["version", "source"])
def test_upgrading_vaultkit_rebuilds_the_cache(
    vault, checked: list[str], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A new version, or (in a development install) changed source files at the same version."""
    root = vault(NOTES)
    same_as_uncached(root)
    if change == "version":
        monkeypatch.setattr(vcache, "__version__", "99.0")
    else:
        monkeypatch.setattr(vcache, "_code", lambda: "edited sources")
    checked.clear()
    assert run(root) == run(root, cache=False)
    assert sorted(checked[: len(NOTES)]) == sorted(NOTES)  # nothing was taken from the old cache


def test_content_change_with_the_same_size_and_mtime(vault) -> None:
    """Found by the stat signature's ctime, which restoring mtime cannot set back."""
    root = vault(NOTES)
    same_as_uncached(root)
    rewrite_keeping_size_and_mtime(root / "C.md", "^blk", "^xyz")
    after = same_as_uncached(root)
    assert any(p.rule == "broken-block-ref" for p in after)


def test_a_racy_file_is_hashed_next_time(vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file changed just before the run is stored without a signature."""
    monkeypatch.setattr(vcache, "RACY", 3600.0)
    root = vault(NOTES)
    same_as_uncached(root)
    rows = sqlite3.connect(root / ".vaultkit" / "cache.sqlite").execute("SELECT sig FROM notes").fetchall()
    assert rows and all(sig == "" for (sig,) in rows)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "tampered-blob", "not-a-file"])
def test_a_damaged_cache_is_rebuilt_never_trusted(vault, checked: list[str], damage: str) -> None:
    root = vault(NOTES)
    expected = same_as_uncached(root)
    path = root / ".vaultkit" / "cache.sqlite"
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "not-a-file":
        path.unlink()
        path.mkdir()
    else:  # a blob changed in place: same length, valid database
        db = sqlite3.connect(path)
        (blob,) = db.execute("SELECT result FROM notes WHERE rel = 'A.md'").fetchone()
        db.execute("UPDATE notes SET result = ? WHERE rel = 'A.md'", (blob[:-8] + bytes(8),))
        (blob,) = db.execute("SELECT value FROM meta WHERE key = 'findings'").fetchone()
        db.execute("UPDATE meta SET value = ? WHERE key = 'findings'", (blob[:-8] + bytes(8),))
        db.commit()
        db.close()
    checked.clear()
    assert run(root) == expected
    if damage == "tampered-blob":
        assert checked == ["A.md"]  # the one forged entry; the others' signatures hold
    elif damage != "not-a-file":
        assert sorted(checked) == sorted(NOTES)
        checked.clear()
        assert run(root) == expected  # and the rebuilt cache serves the next run
        assert checked == []


def test_a_cache_from_another_user_is_not_trusted(vault, checked: list[str], monkeypatch, tmp_path) -> None:
    """Blobs are signed with a key outside the vault: a cache that came with the vault is
    never unpickled."""
    root = vault(NOTES)
    expected = same_as_uncached(root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    checked.clear()
    assert run(root) == expected
    assert sorted(checked) == sorted(NOTES)


def test_facts_are_stored_in_parts_that_verify_and_go_when_no_note_names_them(vault) -> None:
    """Notes' facts are stored in parts of many notes (one per worker message): a damaged part
    is not trusted (its notes are parsed again), and a part that no note names any more (all
    its notes were parsed again) is deleted; one whose notes partly changed stays for the rest."""
    root = vault(NOTES)
    expected = same_as_uncached(root)
    path = root / ".vaultkit" / vcache.FILE

    def parts() -> dict[int, list[str]]:
        with sqlite3.connect(path) as db:
            ids = [part for (part,) in db.execute("SELECT id FROM parts")]
            named = db.execute("SELECT part, rel FROM notes").fetchall()
        return {part: sorted(rel for of, rel in named if of == part) for part in ids}

    (first,) = parts()
    with sqlite3.connect(path) as db:
        (blob,) = db.execute("SELECT facts FROM parts").fetchone()
        db.execute("UPDATE parts SET facts = ?", (blob[:-8] + bytes(8),))
    (root / "B.md").write_text(NOTES["B.md"], encoding="utf-8")  # the same bytes: no note changed
    assert run(root) == expected
    (second,) = parts()
    assert second != first
    (root / "C.md").write_text(NOTES["C.md"] + "\nmore [[B#Nowhere]]\n", encoding="utf-8")
    assert same_as_uncached(root)
    assert sorted(parts().values()) == [["A.md", "B.md", "E.md", "sub/D.md"], ["C.md"]]


def test_a_concurrent_writer_neither_blocks_nor_breaks_a_run(vault) -> None:
    """A run that finds the cache locked runs without it, and leaves the writer's cache alone."""
    root = vault(NOTES)
    expected = same_as_uncached(root)
    (root / "C.md").write_text("# C\n", encoding="utf-8")
    path = root / ".vaultkit" / "cache.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        inode = path.stat().st_ino
        assert run(root) == run(root, cache=False) != expected
        assert path.stat().st_ino == inode  # the writer's file, not deleted as if it were damaged
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run(root) == run(root, cache=False)


def test_the_synthetic_vault_gives_the_same_findings_warm(synthetic_vault, tmp_path: Path) -> None:
    source, _ = synthetic_vault(300, 3, 0.1)
    root = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(source), str(root)], check=True)
    cold = run(root, cache=False)
    assert run(root) == cold
    assert run(root) == cold
    note = sorted(root.glob("*.md"))[0]
    note.write_text(note.read_text(encoding="utf-8") + "\n[[Nowhere at all]]\n", encoding="utf-8")
    assert run(root) == run(root, cache=False) != cold


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vaultkit", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_cli_no_cache_and_cache_clear(vault) -> None:
    root = vault(NOTES)
    first = _cli("check", ".", "--no-cache", "--format", "json", cwd=root)
    assert not (root / ".vaultkit" / "cache.sqlite").exists()
    assert _cli("check", ".", "--format", "json", cwd=root).stdout == first.stdout
    assert (root / ".vaultkit" / "cache.sqlite").exists()
    assert _cli("check", ".", "--format", "json", cwd=root).stdout == first.stdout
    cleared = _cli("cache", "clear", cwd=root)
    assert cleared.returncode == 0 and "cleared" in cleared.stdout
    assert not (root / ".vaultkit" / "cache.sqlite").exists()
    assert "no cache" in _cli("cache", "clear", cwd=root).stdout


def test_vault_scope_rules_see_a_changed_canvas(vault) -> None:
    """Canvases are no notes, but their stat is part of the vault's state: a changed one is
    checked again by the vault-scope rules."""
    root = vault({**NOTES, "Board.canvas": '{"nodes": [], "edges": []}'})
    assert not any(p.path == "Board.canvas" for p in same_as_uncached(root))
    (root / "Board.canvas").write_text('{"nodes": [', encoding="utf-8")
    assert any(p.path == "Board.canvas" and p.rule == "invalid-canvas" for p in same_as_uncached(root))
    assert run(root) == run(root, cache=False)  # and answered from the cache the same way


def test_the_daemon_starts_from_the_cache(vault, checked: list[str]) -> None:
    from vaultkit.check.live import VaultState

    root = vault(NOTES)
    expected = same_as_uncached(root)
    config, active = resolve_run(root)
    state = VaultState(root, config, active)
    checked.clear()
    state.load(jobs=1)
    assert checked == []  # every finding came from the cache
    assert state.all_problems() == expected
    assert set(state.notes) == set(NOTES)  # and the notes, for what the daemon does next
    assert state.notes["C.md"].text == NOTES["C.md"]


@pytest.mark.parametrize("racy", [False, True])
def test_a_few_changed_notes_ask_only_their_readers(
    vault, checked: list[str], monkeypatch: pytest.MonkeyPatch, racy: bool
) -> None:
    """With the set of files unchanged, only the notes whose findings read a changed note (or
    something vault-wide) have their stored results loaded and judged; the others' findings
    are the last run's as they stand -- and every run still equals a cache-less one.  Also
    when every note was edited just before each run (``racy``): such a run stores no vault
    state, but it stores its findings and who read what (it had stored neither, and the next
    edit's run loaded and judged every note's stored result)."""
    if racy:
        monkeypatch.setattr(vcache, "RACY", 3600.0)  # every file changed "just now"
    root = vault({**NOTES, "F.md": "# F\n\nplain text, no links\n"})
    same_as_uncached(root)
    same_as_uncached(root)  # the map of who read what is now stored beside the findings
    asked: list[str] = []
    real = vcache.Store.result
    monkeypatch.setattr(
        vcache.Store, "result", lambda store, rel, digest: asked.append(rel) or real(store, rel, digest)
    )
    (root / "B.md").write_text("---\naliases: [Bee]\n---\n# B\n\n## Section\n\ntext\n", encoding="utf-8")
    checked.clear()
    found = run(root)
    assert "F.md" not in checked
    assert found == run(root, cache=False)
    assert not any(p.path == "A.md" and "Section" in p.message for p in found)  # A's link into B resolves now
    assert "A.md" in asked and "F.md" not in asked  # A read B's headings; F read nothing of B
    (root / "F.md").write_text("# F\n\nnow [[B#Nowhere]]\n", encoding="utf-8")
    asked.clear()
    found = same_as_uncached(root)
    assert any(p.path == "F.md" and "Nowhere" in p.message for p in found)
    assert "E.md" not in asked and "B.md" not in asked  # E read A's headings, B nothing: not F
    with sqlite3.connect(root / ".vaultkit" / vcache.FILE) as db:
        assert (db.execute("SELECT value FROM meta WHERE key = 'state'").fetchone() is None) == racy


def test_digests_of_equal_values_are_equal_however_the_values_were_made() -> None:
    """Answers are digested in the workers and compared in later runs: equal values must give
    equal digests whether their strings are interned, shared or built at run time, and
    unequal ones (a number and its text, a tuple and a list) must not."""
    shared = "Folder/Note.md"
    built = "".join(["Folder/", "Note.md"])
    assert shared is not built
    assert vcache.digest((shared, shared), 1) == vcache.digest((built, "".join(["Folder/", "Note.md"])), 1)
    assert vcache.digest(sys.intern("abc_def")) == vcache.digest("".join(["abc", "_def"]))
    values = [1, "1", True, 1.0, (1,), [1], None, b"1", ("a", "b"), ("a", ("b",))]
    assert len({vcache.digest(v) for v in values}) == len(values)
    stamp = vcache.Entry("1:2:3:4", "abc")  # not plain data: digested by its repr, the same each time
    assert vcache.digest(stamp) == vcache.digest(vcache.Entry("1:2:3:4", "abc")) != vcache.digest(("1:2:3:4", "abc"))
