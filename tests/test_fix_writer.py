"""The writer: exact bytes back (encoding, BOM, line endings), compare-and-swap, atomic
replace that keeps the mode, no leftovers on failure, and no way out of the vault."""

from __future__ import annotations

import codecs
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from vaultkit.fix import writer
from vaultkit.fix.writer import UnsafePath, Unwritable, encode, write_atomic
from vaultkit.read.decode import decode
from vaultkit.vault.atomic import TEMP_SUFFIX, sweep_temp_files


@pytest.mark.parametrize(
    "data",
    [
        b"---\ndate: 2024-01-01\n---\nplain\n",
        b"\xef\xbb\xbf---\r\ndate:\r\n---\r\nBOM and CRLF\r\n",
        codecs.BOM_UTF16_LE + "中文 note\r\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "中文 note\n".encode("utf-16-be"),
        codecs.BOM_UTF32_LE + "note\n".encode("utf-32-le"),
        "中文笔记，一乘一卷积可以改变通道数。\n".encode("gb18030"),
        b"mixed\r\nendings\nkept\r\n",
    ],
)
def test_unchanged_text_encodes_to_the_same_bytes(data):
    text, decoded = decode(data)
    assert encode(text, decoded, data) == data


def test_edited_text_keeps_encoding_bom_and_byte_order():
    data = codecs.BOM_UTF16_BE + "date:\n".encode("utf-16-be")
    text, decoded = decode(data)
    assert encode(text.replace("date:", "date: 2024-01-01"), decoded, data) == (
        codecs.BOM_UTF16_BE + "date: 2024-01-01\n".encode("utf-16-be")
    )
    data = "中文笔记，一乘一卷积可以改变通道数。date:\n".encode("gb18030")
    text, decoded = decode(data)
    assert decoded.encoding == "gb18030"
    assert encode(text + "新\n", decoded, data) == data + "新\n".encode("gb18030")


def test_transcoding_writes_utf8_without_bom_and_bom_fix_drops_it():
    words = "中文笔记，一乘一卷积可以改变通道数。\n"
    data = words.encode("gb18030")
    text, decoded = decode(data)
    assert encode(text, decoded, data, encoding="utf-8") == words.encode()
    data = codecs.BOM_UTF16_LE + "x\n".encode("utf-16-le")
    text, decoded = decode(data)
    assert encode(text, decoded, data, encoding="utf-8") == b"x\n"
    data = b"\xef\xbb\xbfx\n"
    text, decoded = decode(data)
    assert encode(text, decoded, data, bom=False) == b"x\n"


def test_a_legacy_guess_that_does_not_round_trip_is_not_written():
    text, decoded = decode("中文笔记，一乘一卷积可以改变通道数。".encode("gb18030"))
    with pytest.raises(Unwritable):
        encode(text, decoded, None)  # without the original bytes nothing proves the guess
    from vaultkit.model import Decoded

    with pytest.raises(Unwritable):
        encode("x", Decoded(encoding="unknown", error="no known encoding fits"), b"\x81x")
    with pytest.raises(Unwritable):
        encode("x", Decoded(), b"x", encoding="gb18030")  # vaultkit only converts to UTF-8


def test_write_atomic_replaces_and_keeps_mode(tmp_path):
    note = tmp_path / "Note.md"
    note.write_bytes(b"old\n")
    note.chmod(0o640)
    assert write_atomic(note, b"new\n", b"old\n", tmp_path)
    assert note.read_bytes() == b"new\n"
    assert stat.S_IMODE(note.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["Note.md"]  # no temporary file left


def test_write_atomic_refuses_when_the_file_changed_since_it_was_read(tmp_path):
    note = tmp_path / "Note.md"
    note.write_bytes(b"what Obsidian just saved\n")
    assert write_atomic(note, b"fixed\n", b"what we read\n", tmp_path) is False
    assert note.read_bytes() == b"what Obsidian just saved\n"
    assert [p.name for p in tmp_path.iterdir()] == ["Note.md"]


def test_a_write_by_another_process_between_read_and_replace_wins(tmp_path, monkeypatch):
    """The hook runs a real other process that writes the note after vaultkit read it and
    after the temporary file is complete, right before the compare-and-swap."""
    note = tmp_path / "Note.md"
    note.write_bytes(b"date:\n")
    real_read = writer._read_exact

    def other_process_writes_first(dir_fd, name):
        script = f"open({str(note)!r}, 'wb').write(b'edited in Obsidian\\n')"
        subprocess.run([sys.executable, "-c", script], check=True)
        return real_read(dir_fd, name)

    monkeypatch.setattr(writer, "_read_exact", other_process_writes_first)
    assert write_atomic(note, b"date: 2024-01-01\n", b"date:\n", tmp_path) is False
    assert note.read_bytes() == b"edited in Obsidian\n"
    assert [p.name for p in tmp_path.iterdir()] == ["Note.md"]


def test_expected_none_creates_only_a_new_file(tmp_path):
    assert write_atomic(tmp_path / "New.md", b"x\n", None, tmp_path)
    assert (tmp_path / "New.md").read_bytes() == b"x\n"
    assert write_atomic(tmp_path / "New.md", b"y\n", None, tmp_path) is False


@pytest.fixture(params=["exchange", "link-and-replace"])
def swap(request, monkeypatch) -> str:
    """Run a test with Linux's atomic exchange and with the fallback used elsewhere."""
    if request.param == "exchange" and writer._RENAMEAT2 is None:
        pytest.skip("renameat2 is not available here")
    if request.param != "exchange":
        monkeypatch.setattr(writer, "_RENAMEAT2", None)
    return request.param


def test_failed_swap_leaves_the_file_and_no_temporary(tmp_path, monkeypatch, swap):
    note = tmp_path / "Note.md"
    note.write_bytes(b"old\n")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_exchange", broken) if swap == "exchange" else monkeypatch.setattr(
        writer.os, "replace", broken
    )
    with pytest.raises(OSError):
        write_atomic(note, b"new\n", b"old\n", tmp_path)
    assert note.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["Note.md"]


def test_a_write_landing_after_the_check_and_before_the_swap_is_swapped_back(tmp_path, monkeypatch, swap):
    """The window issue 18 measured (0-4 ms before the rename): another process writes the
    note in place right after vaultkit compared it.  What the swap took out is compared
    again, so the other program's text goes back and nothing is written."""
    note = tmp_path / "Note.md"
    note.write_bytes(b"date:\n")
    real_read = writer._read_exact
    calls = []

    def compared_then_written(dir_fd, name):
        found = real_read(dir_fd, name)
        if not calls:
            script = f"open({str(note)!r}, 'ab').write(b'typed in Obsidian\\n')"
            subprocess.run([sys.executable, "-c", script], check=True)
        calls.append(name)
        return found

    monkeypatch.setattr(writer, "_read_exact", compared_then_written)
    assert write_atomic(note, b"date: 2024-01-01\n", b"date:\n", tmp_path) is False
    assert note.read_bytes() == b"date:\ntyped in Obsidian\n"
    assert [p.name for p in tmp_path.iterdir()] == ["Note.md"]
    assert len(calls) >= 2  # the first check passed: the swap's own check caught it


def test_a_long_name_gets_a_short_temporary_name(tmp_path, swap):
    name = "é" * 120 + ".md"  # 243 bytes: with the old temp name it could never be written
    note = tmp_path / name
    note.write_bytes(b"old\n")
    assert write_atomic(note, b"new\n", b"old\n", tmp_path)
    assert note.read_bytes() == b"new\n" and [p.name for p in tmp_path.iterdir()] == [name]


def test_a_read_only_note_is_refused(tmp_path):
    note = tmp_path / "Note.md"
    note.write_bytes(b"old\n")
    note.chmod(0o444)
    with pytest.raises(UnsafePath, match="read-only"):
        write_atomic(note, b"new\n", b"old\n", tmp_path)
    assert note.read_bytes() == b"old\n" and [p.name for p in tmp_path.iterdir()] == ["Note.md"]


def test_symlink_inside_the_vault_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "real.md").write_bytes(b"old\n")
    (tmp_path / "link.md").symlink_to("real.md")
    assert write_atomic(tmp_path / "link.md", b"new\n", b"old\n", tmp_path)
    assert (tmp_path / "link.md").is_symlink()
    assert (tmp_path / "real.md").read_bytes() == b"new\n"


def test_symlink_out_of_the_vault_is_refused(tmp_path):
    vault, outside = tmp_path / "vault", tmp_path / "outside"
    vault.mkdir()
    outside.mkdir()
    (outside / "secret.md").write_bytes(b"old\n")
    (vault / "note.md").symlink_to(outside / "secret.md")
    (vault / "folder").symlink_to(outside)
    for path in (vault / "note.md", vault / "folder" / "secret.md"):
        with pytest.raises(UnsafePath):
            write_atomic(path, b"new\n", b"old\n", vault)
    assert (outside / "secret.md").read_bytes() == b"old\n"


def test_non_regular_files_are_refused(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(UnsafePath):
        write_atomic(fifo, b"x", b"", tmp_path)


def test_sweep_removes_temporaries_of_dead_processes_only(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".Note.md.{dead.stdout.strip()}.abcd{TEMP_SUFFIX}"
    mine = tmp_path / f".Other.md.{os.getpid()}.abcd{TEMP_SUFFIX}"
    note = tmp_path / "Note.md"
    for path in (stale, mine, note):
        path.write_bytes(b"x")
    assert sweep_temp_files(Path(tmp_path)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, note.name])
