"""The one write transaction, as `vaultkit fix` and the `watch --fix` daemon both use it:
journal first, compare-and-swap, one writer at a time, an undo history, temp files swept."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support import wait_for
from test_watch_resilience import running

from vaultkit.fix import journal
from vaultkit.fix.transaction import NotWritten, Transaction
from vaultkit.vault.atomic import TEMP_SUFFIX

TYPED = "---\nrelated: [[Project Plan]]\n---\n# A\n"
FIXED = '---\nrelated: "[[Project Plan]]"\n---\n# A\n'


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_a_transaction_journals_before_it_writes_and_undo_steps_back_one_run_at_a_time(tmp_path):
    note = tmp_path / "A.md"
    note.write_bytes(b"one\n")
    seen_in_journal = []

    def before_write(rel: str, data: bytes) -> None:  # the journal already holds the original
        last = journal.Journal.last(tmp_path)
        seen_in_journal.append(last is not None and last.original(last.entries[rel]) == b"one\n")

    with Transaction(tmp_path, before_write=before_write) as tx:
        assert tx.write("A.md", b"one\n", b"two\n").state == "written"
    with Transaction(tmp_path) as tx:
        assert tx.write("A.md", b"two\n", b"three\n").state == "written"
    assert seen_in_journal == [True] and len(journal.history(tmp_path)) == 2
    with Transaction(tmp_path) as tx:  # compare-and-swap: the file no longer holds "one"
        outcome = tx.write("A.md", b"one\n", b"four\n")
    assert outcome.state == "skipped" and "changed on disk" in outcome.reason
    assert note.read_bytes() == b"three\n"
    assert len(journal.history(tmp_path)) == 2  # a run that wrote nothing leaves the history alone
    journal.undo(tmp_path)
    assert note.read_bytes() == b"two\n" and len(journal.history(tmp_path)) == 1
    journal.undo(tmp_path)
    assert note.read_bytes() == b"one\n" and journal.history(tmp_path) == []
    assert journal.undo(tmp_path) == (None, [])


def test_no_journal_no_write(tmp_path):
    (tmp_path / "A.md").write_bytes(b"one\n")
    (tmp_path / ".vaultkit").write_text("a file where the state folder should be\n")
    with pytest.raises(NotWritten, match="cannot keep the undo journal"), Transaction(tmp_path) as tx:
        tx.write("A.md", b"one\n", b"two\n")
    assert (tmp_path / "A.md").read_bytes() == b"one\n"


def test_a_second_writer_waits_for_the_first(tmp_path):
    (tmp_path / "A.md").write_bytes(b"one\n")
    with (
        Transaction(tmp_path),
        pytest.raises(NotWritten, match="another vaultkit process is writing"),
        Transaction(tmp_path, wait=0.1),
    ):
        pass


def test_the_daemon_fix_sweeps_temporary_files_and_is_journalled(tmp_path):
    (tmp_path / "Project Plan.md").write_text("plan\n")
    (tmp_path / "A.md").write_text("# A\n")
    stale = tmp_path / f".A.md.{dead_pid()}.abcd{TEMP_SUFFIX}"
    stale.write_text("left by a killed run\n")
    with running(tmp_path, fix=True) as daemon:
        (tmp_path / "A.md").write_text(TYPED)
        wait_for(lambda: (tmp_path / "A.md").read_text() == FIXED, what="the daemon's fix")
        wait_for(lambda: daemon.counters["fix"] == 1, what="the fix to be counted")
        assert not stale.exists()
    assert journal.Journal.last(tmp_path).original(journal.Journal.last(tmp_path).entries["A.md"]) == TYPED.encode()


def test_the_daemon_writes_nothing_without_a_journal_and_keeps_going(tmp_path, caplog):
    (tmp_path / "Project Plan.md").write_text("plan\n")
    (tmp_path / "A.md").write_text("# A\n")
    with running(tmp_path, fix=True) as daemon:
        os.rename(tmp_path / ".vaultkit", tmp_path / "moved-state")
        (tmp_path / ".vaultkit").write_text("a file where the state folder should be\n")
        (tmp_path / "A.md").write_text(TYPED)
        wait_for(lambda: "nothing written: cannot keep the undo journal" in caplog.text, what="a refused write")
        wait_for(lambda: daemon.diagnostics("A.md")["problems"] != [], what="the diagnostics")
        assert (tmp_path / "A.md").read_text() == TYPED
        assert daemon.counters["errors"] == 0 and daemon.counters["fix"] == 0


def test_the_daemon_preview_marks_a_last_line_without_newline(tmp_path):
    (tmp_path / "Project Plan.md").write_text("plan\n")
    (tmp_path / "A.md").write_text("---\nrelated: [[Project Plan]]\n---\nlast line")
    with running(tmp_path) as daemon:
        preview = daemon.fix("A.md", apply=False, unsafe=False)
    assert preview["changed"]
    assert '+related: "[[Project Plan]]"\n' in preview["diff"]
    assert preview["diff"].endswith(" last line\n\\ No newline at end of file\n")


def test_a_journal_keeps_file_names_that_are_not_utf8(tmp_path):
    name = os.fsdecode(b"caf\xe9.md")  # Latin-1 bytes: a lone surrogate in Python
    (tmp_path / name).write_bytes(b"one\n")
    with Transaction(tmp_path) as tx:
        assert tx.write(name, b"one\n", b"two\n").state == "written"
    run = json.loads((journal.Journal.last(tmp_path).folder / journal.RUN).read_text())
    assert run["files"][0]["path"] == name
    journal.undo(tmp_path)
    assert (tmp_path / name).read_bytes() == b"one\n"
