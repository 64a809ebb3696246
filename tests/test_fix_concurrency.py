"""No write lost, whoever writes at once (issue 18): two `vaultkit fix` runs and a
`watch --fix` daemon on one vault, then `undo` until the history is empty, give back every
byte; and a program appending to a note while vaultkit fixes it loses no line.

``VAULTKIT_STRESS_ROUNDS`` sets how many times the three-writer test runs (20 locally)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import wait_for
from test_watch_daemon import watching

from vaultkit.fix.journal import history
from vaultkit.fix.transaction import Transaction

pytestmark = pytest.mark.slow  # real processes; `pytest -m 'not slow'` is the quick local suite
ROUNDS = int(os.environ.get("VAULTKIT_STRESS_ROUNDS", "2"))
NOTES = 30
LATE_NOTES = 10


def fixable(i: int) -> bytes:
    """A note with safe fixes of three rules (empty date, unquoted property link, control character)."""
    return f"---\ndate:\nrelated: [[Note {(i + 1) % NOTES}]]\n---\n# Note {i}\n\ntext\x01 {i}\n".encode()


def put(path: Path, data: bytes) -> None:
    """Write a note the way an editor saves: complete, then renamed into place."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.md") if ".vaultkit" not in p.parts}


def vaultkit(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "vaultkit", *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_two_fix_runs_and_a_fixing_daemon_then_undo_until_empty_give_the_originals(tmp_path, round_no):
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    for i in range(NOTES):
        put(root / f"2023-01-{i % 28 + 1:02d} Note {i}.md", fixable(i))
    originals = snapshot(root)
    runs: list[subprocess.Popen[str]] = []
    try:
        with watching(root, "--fix") as (client, _):
            runs = [vaultkit(root, "fix"), vaultkit(root, "fix")]
            for i in range(NOTES, NOTES + LATE_NOTES):  # the daemon fixes these, racing the runs
                path = root / "Late" / f"2024-02-{i % 28 + 1:02d} Note {i}.md"
                path.parent.mkdir(exist_ok=True)
                put(path, fixable(i))
                originals[path.relative_to(root).as_posix()] = fixable(i)
                time.sleep(0.02)
            for run in runs:
                _, err = run.communicate(timeout=120)
                assert "Traceback" not in err, err
            wait_for(client.settled, what="the daemon to settle")
            fixed = snapshot(root)
            assert all(b"\x01" not in data for data in fixed.values()), "a note was left unfixed"
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.communicate()
    assert len(history(root)) >= 2
    for _ in range(3 * (NOTES + LATE_NOTES)):
        if not history(root):
            break
        undone = subprocess.run([sys.executable, "-m", "vaultkit", "undo"], cwd=root, capture_output=True, text=True)
        assert undone.returncode == 0 and "refused" not in undone.stdout, undone.stdout + undone.stderr
    assert history(root) == []
    assert snapshot(root) == originals


def test_a_program_appending_to_a_note_while_it_is_fixed_loses_no_line(tmp_path):
    """A real other process appends a numbered line every few milliseconds; meanwhile vaultkit
    keeps removing control characters from the note through the write transaction."""
    note = tmp_path / "Log.md"
    note.write_bytes(b"# Log\n")
    appends = 80
    script = (  # bursts and pauses, so that some fixes land between appends and some race them
        "import random, time\n"
        f"for i in range({appends}):\n"
        f"    with open({str(note)!r}, 'ab') as f:\n"
        "        f.write(b'line %d\\x01\\n' % i)\n"
        "    time.sleep(random.choice((0.0, 0.001, 0.01, 0.08)))\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", script])
    written = skipped = 0
    try:
        while writer.poll() is None:
            data = note.read_bytes()
            if b"\x01" not in data:
                continue
            with Transaction(tmp_path) as tx:
                outcome = tx.write("Log.md", data, data.replace(b"\x01", b""))
            written += outcome.state == "written"
            skipped += outcome.state == "skipped"
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait()
    assert writer.returncode == 0
    lines = note.read_bytes().replace(b"\x01", b"").splitlines()
    assert lines == [b"# Log"] + [b"line %d" % i for i in range(appends)], "a line was lost or reordered"
    assert written >= 1, (written, skipped)  # the fixes did land between the appends


@pytest.mark.skipif(sys.platform != "linux", reason="write leases tell who holds a file open on Linux only")
def test_a_note_another_program_holds_open_is_not_swapped_away_under_it(tmp_path):
    """A program that opened the note before the swap and writes after the check (a logger
    that keeps its file open, or an appender between its ``open`` and its ``write``) would
    write into the replaced file, which is then deleted: the write is refused while another
    program holds the note open, and nothing it writes is lost."""
    note = tmp_path / "Log.md"
    note.write_bytes(b"# Log\x01\n")
    script = (
        "import sys, time\n"
        f"f = open({str(note)!r}, 'ab')\n"
        "print('open', flush=True)\n"
        "sys.stdin.readline()\n"
        "f.write(b'late line\\n'); f.close()\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"open\n"
        data = note.read_bytes()
        with Transaction(tmp_path) as tx:
            held = tx.write("Log.md", data, data.replace(b"\x01", b""))
        assert held.state == "skipped"
        holder.communicate(b"go\n", timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.communicate()
    assert note.read_bytes() == b"# Log\x01\nlate line\n"  # the late line is in the note
    data = note.read_bytes()
    with Transaction(tmp_path) as tx:  # nobody holds it now: the fix goes through
        assert tx.write("Log.md", data, data.replace(b"\x01", b"")).state == "written"
    assert note.read_bytes() == b"# Log\nlate line\n"
