"""Compiled lexicons (issue 13): stored once per machine, and a stored lexicon answers exactly
as one built from wordfreq's lists; a damaged, foreign or unwritable store is never trusted
and never a crash."""

from __future__ import annotations

import bisect
import itertools
import multiprocessing
import os
import re
import subprocess
import sys
import time
from array import array
from pathlib import Path

import pytest

from vaultkit.text.encoding import langmodel, lexstore, signature
from vaultkit.text.encoding.lexstore import InMemory, StoreError
from vaultkit.vault import lexcache
from vaultkit.vault.lexcache import LexiconCache

SAMPLE = 1500  # words (and as many non-words) compared per language


def _languages() -> list[str]:
    data = Path(langmodel._wordfreq_data() or "")
    lists = [*data.glob("large_*.msgpack.gz"), *data.glob("small_*.msgpack.gz")]
    return sorted({p.name.split("_", 1)[1].removesuffix(".msgpack.gz") for p in lists})


def _expected(lang: str) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """What a lexicon must answer, computed straight from wordfreq's list as before the store:
    each word's most frequent bucket, the letter costs, and the sorted long words."""
    buckets = langmodel._wordfreq_buckets(lang)
    costs: dict[str, float] = {}
    for bucket in range(len(buckets) - 1, -1, -1):
        costs.update(dict.fromkeys(buckets[bucket], float(bucket)))
    spaced = lang not in langmodel.UNSPACED
    head, counted = [], 0
    for group in buckets:
        if counted > langmodel.CHAR_WORDS:
            break
        head.append(group)
        counted += len(group)
    chars = langmodel._char_costs(head) if spaced else {}
    longer = [] if spaced else sorted({w for group in buckets for w in group if len(w) > 2})
    return costs, chars, longer


def _continues(longer: list[str], key: str) -> bool:
    index = bisect.bisect_right(longer, key)
    return index < len(longer) and longer[index].startswith(key)


@pytest.fixture
def store(tmp_path: Path):
    """The language model with a store in a fresh folder (restored afterwards)."""
    cache = LexiconCache(tmp_path / "lexicons")
    langmodel.use_store(cache)
    yield cache
    langmodel.use_store(InMemory())


def _same_answers(lang: str) -> None:
    costs, chars, longer = _expected(lang)
    built = langmodel.lexicon.__wrapped__(lang)  # compiles and stores
    loaded = langmodel.lexicon.__wrapped__(lang)  # maps the stored file
    words = list(costs)[:: max(1, len(costs) // SAMPLE)]
    others = [w + suffix for w in words for suffix in ("q", "\u3131", "ё") if w + suffix not in costs]
    for lex in (built, loaded):
        assert len(lex.words) >= len(costs)
        assert all(lex.words.get(w) == costs[w] for w in words), lang
        assert all(lex.words.get(w) is None for w in others), lang
        assert lex.chars == chars
        for char in {c for w in words for c in w} | set("aя中"):
            assert lex.char_cost(char) == built.char_cost(char)
        if longer:
            prefixes = {w[:end] for w in longer[:: max(1, len(longer) // SAMPLE)] for end in range(len(w) + 1)}
            assert all(lex.continues(p) == _continues(longer, p) for p in prefixes | set(others)), lang


@pytest.mark.parametrize("lang", ["ru", "zh", "ja", "en"])
def test_a_stored_lexicon_answers_as_the_word_list_does(store, lang):
    _same_answers(lang)
    assert len([p for p in store.folder.iterdir() if p.name.startswith(f"lexicon-{lang}-")]) == 1


@pytest.mark.slow
def test_every_shipped_language_is_stored_faithfully(store):
    languages = _languages()
    assert len(languages) > 40
    for lang in languages:
        _same_answers(lang)


def test_the_chinese_tags_are_stored_faithfully(store):
    expected: dict[str, str] = {}
    with open(os.path.join(langmodel._wordfreq_data() or "", "jieba_zh_orig.txt"), encoding="utf-8") as handle:
        for line in handle:
            word, _, tag = line.rstrip("\n").rpartition(" ")
            word = word.rpartition(" ")[0]
            if word and tag:
                expected[word] = tag
    assert len(expected) > 300_000
    words = list(expected)[:: max(1, len(expected) // 20_000)]
    others = [w + suffix for w in words[:2000] for suffix in ("q", "的的的") if w + suffix not in expected]
    for tags in (langmodel.chinese_tags.__wrapped__(), langmodel.chinese_tags.__wrapped__()):  # compiled, stored
        assert len(tags) == len(expected)
        assert all(tags.get(w) == expected[w] for w in words)
        assert all(tags.get(w) is None and tags.get(w, "") == "" for w in others)
    assert isinstance(tags._keys._keys, memoryview)  # the second maps the stored file


@pytest.mark.parametrize("lang", ["fr", "uk", "vi"])
def test_the_common_words_are_stored_faithfully(store, monkeypatch, lang):
    buckets = itertools.islice(langmodel._wordfreq_stream(lang, ("small",)), langmodel.COMMON_BUCKETS)
    expected = frozenset(w for bucket in buckets for w in bucket)
    assert len(expected) > 1000
    assert langmodel.common_words.__wrapped__(lang) == expected  # compiled
    monkeypatch.setattr(langmodel, "_wordfreq_stream", None)  # a later process does not read the list
    assert langmodel.common_words.__wrapped__(lang) == expected  # from the store


def test_a_later_process_maps_the_file_instead_of_compiling(store, monkeypatch):
    langmodel.lexicon.__wrapped__("ko")

    def refuse(lang: str) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(langmodel, "_compile_lexicon", refuse)
    lex = langmodel.lexicon.__wrapped__("ko")
    assert lex.words.get("사람") is not None
    assert isinstance(lex.words._keys, memoryview)  # a view of the mapped file, not a copy


def test_the_screen_keeps_its_character_classes_in_the_store(store, monkeypatch):
    """The double-byte screen's classes, read off the codecs once, come back from the store
    as they were built: a later process neither rebuilds them nor screens differently."""
    built = signature._classes.__wrapped__()
    ends = {f"{what} {codec}" for what in ("ends", "then") for codec in signature.DOUBLE_BYTE}
    assert set(built) == {"wide", "alphabet", "latin", "latin taking", "wide open", "extension hangul"} | ends
    hangul = re.compile(built["extension hangul"])
    assert all(bool(hangul.fullmatch(chr(c))) == langmodel.extension_hangul(chr(c)) for c in range(0xAC00, 0xD7A4))
    assert built["wide"] == signature._led(signature._WIDE_BYTES, signature._WIDE_LEADS)
    assert built["latin"] == signature._led(signature._LATIN_BYTES + signature._ASCII_LETTERS, signature._LATIN_BYTES)
    (path,) = [p for p in store.folder.iterdir() if p.name.startswith("screen-") and p.suffix == ".vkl"]

    def refuse(codec: str, groups: list[list[bytes]]) -> str:
        raise AssertionError("read off the codecs again")

    monkeypatch.setattr(signature, "_spelt", refuse)
    assert signature._classes.__wrapped__() == built
    path.write_bytes(path.read_bytes()[:-9])  # truncated: built again, not trusted
    monkeypatch.undo()
    assert signature._classes.__wrapped__() == built


def _stored(store: LexiconCache, lang: str) -> Path:
    (path,) = [p for p in store.folder.iterdir() if p.name.startswith(f"lexicon-{lang}-") and p.suffix == ".vkl"]
    return path


def _damage_truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _damage_flipped(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))


def _damage_foreign(path: Path) -> None:
    path.write_bytes(lexstore.pack("something else", {"words": array("Q", [1, 2, 3])}))


def _damage_empty(path: Path) -> None:
    path.write_bytes(b"")


def _damage_garbage(path: Path) -> None:
    path.write_bytes(b"\x00" * 4096)


def _damage_symlink(path: Path) -> None:
    elsewhere = path.with_name("elsewhere")
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)


@pytest.mark.parametrize(
    "damage",
    [_damage_truncated, _damage_flipped, _damage_foreign, _damage_empty, _damage_garbage, _damage_symlink],
)
def test_a_damaged_store_file_is_compiled_again(store, monkeypatch, damage):
    good = langmodel.lexicon.__wrapped__("ko")
    path = _stored(store, "ko")
    damage(path)
    compiled = []
    real = langmodel._compile_lexicon
    monkeypatch.setattr(langmodel, "_compile_lexicon", lambda lang: compiled.append(lang) or real(lang))
    again = langmodel.lexicon.__wrapped__("ko")
    assert compiled == ["ko"]
    assert not path.is_symlink() and path.stat().st_size > 4096  # replaced by a good file
    sample = ["사람", "하다", "없는단어ㄱ", "가", "대한민국"]
    assert [again.words.get(w) for w in sample] == [good.words.get(w) for w in sample]
    assert langmodel.lexicon.__wrapped__("ko").prefixes.get("대한") == good.prefixes.get("대한")


def test_an_unusable_folder_compiles_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # others may write here: not trusted
    for folder in (blocker / "lexicons", blocker, shared):
        langmodel.use_store(LexiconCache(folder))
        try:
            lex = langmodel.lexicon.__wrapped__("ko")
        finally:
            langmodel.use_store(InMemory())
        assert lex.words.get("사람") == langmodel.lexicon("ko").words.get("사람") is not None
    assert list(shared.iterdir()) == []


def test_an_unwritable_file_still_gives_the_lexicon(store, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lexcache, "replace_file", fail)
    lex = langmodel.lexicon.__wrapped__("ko")
    assert lex.words.get("사람") is not None
    assert not any(p.suffix == ".vkl" for p in store.folder.iterdir())


def test_a_new_source_replaces_only_a_stale_old_file(store):
    """Another wordfreq's file is kept while it is in use (two installs on one machine must not
    recompile on every run), and removed once it is older than STALE_DAYS."""
    calls: list[int] = []

    def build(n: int) -> bytes:
        calls.append(n)
        return lexstore.pack(f"source {n}", {"words": array("Q", [n])})

    def read(n: int):
        return lambda buffer: list(lexstore.unpack(buffer, f"source {n}")["words"])

    def name(n: int) -> str:
        return f"lexicon-xx-{n:016d}.vkl"

    assert store.compiled(name(1), lambda: build(1), read(1)) == [1]
    assert store.compiled(name(2), lambda: build(2), read(2)) == [2]
    assert store.compiled(name(1), lambda: build(1), read(1)) == [1]
    assert store.compiled(name(2), lambda: build(2), read(2)) == [2]
    assert calls == [1, 2]  # alternating installs each compiled once
    old = time.time() - (lexcache.STALE_DAYS + 1) * 86400
    os.utime(store.folder / name(1), (old, old))
    assert store.compiled(name(3), lambda: build(3), read(3)) == [3]
    assert sorted(p.name for p in store.folder.glob("*.vkl")) == [name(2), name(3)]


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda data: data[:10], "truncated header"),
        (lambda data: b"NOTALEXI" + data[8:], "not a compiled lexicon"),
        (lambda data: data[:8] + (99).to_bytes(4, "little") + data[12:], "not a compiled lexicon"),
        (lambda data: data[:-1] + bytes([data[-1] ^ 1]), "checksum"),
        (lambda data: data[:-8], "checksum"),
    ],
)
def test_unpack_refuses_what_it_did_not_write(mangle, message):
    data = lexstore.pack("src", {"words": array("Q", [5, 6, 7]), "costs": array("d", [1.5])})
    sections = lexstore.unpack(memoryview(data), "src")
    assert list(sections["words"]) == [5, 6, 7] and list(sections["costs"]) == [1.5]
    with pytest.raises(StoreError, match="compiled from other data"):
        lexstore.unpack(memoryview(data), "other src")
    with pytest.raises(StoreError, match=message):
        lexstore.unpack(memoryview(mangle(data)), "src")


def test_keys_are_the_same_in_every_process():
    """Stored keys must not depend on the per-process string hash (PYTHONHASHSEED)."""
    words = ["сделать", "卷积神经网络", "café", "sr", "牳", "\ud800"]
    code = f"from vaultkit.text.encoding.langmodel import Words; print(Words.keys({words!r}, 7))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "random")
    }
    assert len(runs) == 1
    assert runs == {str(langmodel.Words.keys(words, 7)) + "\n"}


def _race(folder: str, log: str) -> None:
    def build() -> bytes:
        with open(log, "a") as handle:
            handle.write("built\n")
        time.sleep(0.5)
        return lexstore.pack("raced", {"words": array("Q", [42])})

    found = LexiconCache(Path(folder)).compiled(
        "lexicon-race-0000000000000000.vkl", build, lambda b: list(lexstore.unpack(b, "raced")["words"])
    )
    os._exit(0 if found == [42] else 1)


def test_two_processes_needing_one_lexicon_compile_it_once(tmp_path):
    log = tmp_path / "log"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_race, args=(str(tmp_path / "lexicons"), str(log))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert [w.exitcode for w in workers] == [0, 0]
    assert log.read_text() == "built\n"


def test_the_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(lexcache.ENV, str(tmp_path / "mine"))
    assert lexcache.lexicon_folder() == tmp_path / "mine"
    monkeypatch.delenv(lexcache.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert lexcache.lexicon_folder() == tmp_path / "xdg" / "vaultkit" / "lexicons"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert lexcache.lexicon_folder() == tmp_path / "home" / ".cache" / "vaultkit" / "lexicons"


def test_a_check_compiles_into_the_configured_folder_and_reuses_it(vault, tmp_path):
    damaged = "Сегодня хорошая погода, и мы пойдём гулять в парк.\n".encode().decode("cp1252", errors="ignore")
    root = vault({"A.md": f"# Заметка\n\n{damaged}"})
    env = {**os.environ, lexcache.ENV: str(tmp_path / "lexicons")}
    command = [sys.executable, "-m", "vaultkit", "check", "--no-cache", "--format", "json", str(root)]
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    stored = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "lexicons").glob("lexicon-ru-*.vkl")}
    assert len(stored) == 1, first.stderr
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert second.stdout == first.stdout and '"VK30' in first.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "lexicons").glob("lexicon-ru-*.vkl")} == stored
