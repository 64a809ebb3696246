"""SIGKILL ``vaultkit fix`` at random moments while it rewrites 2,000 files.

Every note must then be exactly its original or its fixed version -- never truncated, never
a mix -- and ``vaultkit undo`` must bring back the original of every file the killed run
wrote.  Real processes are started and really killed (the whole process group, so the
parsing workers die too).  ``VAULTKIT_KILL_ROUNDS`` sets the number of kills (default 3).
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import children

pytestmark = pytest.mark.slow  # runs in CI; `pytest -m 'not slow'` is the quick local suite

NOTES = 2000
ROUNDS = int(os.environ.get("VAULTKIT_KILL_ROUNDS", "3"))


def make_kill_vault(root: Path, count: int = NOTES) -> None:
    """Notes whose every `date:` is empty and whose name holds a date: all of them get fixed.
    Sizes vary up to ~4 KB so that a torn write would show; some use CRLF or a BOM."""
    rng = random.Random(6)
    (root / ".obsidian").mkdir(parents=True)
    for i in range(count):
        day = f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        body = "\n".join(
            f"Line {n} of entry {i}: notes about the day, ünïcödé 中文 included."
            for n in range(rng.choice([3, 10, 60]))
        )
        text = f"---\ntitle: Entry {i}\ndate:\ntags: [journal]\n---\n# {day}\n\n{body}\n"
        data = text.replace("\n", "\r\n").encode() if i % 10 == 0 else text.encode()
        if i % 20 == 1:
            data = b"\xef\xbb\xbf" + data
        path = root / "Journal" / day[:4] / f"{day} entry {i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def notes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.md")}


def start_fix(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "fix", "-q"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: killpg reaches the workers too
    )


def wait_for_journal(root: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> float:
    """Block until the run has journalled its originals (its writes start right after)."""
    pointer = root / ".vaultkit" / "undo" / "history"
    deadline = time.monotonic() + timeout
    while not pointer.exists():
        assert proc.poll() is None or pointer.exists(), "vaultkit fix ended before writing anything"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    return time.monotonic()


@pytest.fixture(scope="module")
def vaults(tmp_path_factory):
    base = tmp_path_factory.mktemp("kill")
    pristine = base / "pristine"
    make_kill_vault(pristine)
    reference = base / "reference"
    shutil.copytree(pristine, reference)
    proc = start_fix(reference)
    began = wait_for_journal(reference, proc)
    proc.wait(timeout=120)
    window = time.monotonic() - began  # how long the writing phase lasts
    return base, notes(pristine), notes(reference), window


def test_reference_run_fixes_every_note(vaults):
    _, original, fixed, _ = vaults
    assert len(original) == NOTES
    assert all(fixed[rel] != original[rel] for rel in original)
    assert all(b"\ndate: 20" in data.replace(b"\r\n", b"\n") for data in fixed.values())


def test_sigkill_never_leaves_a_torn_file_and_undo_recovers(vaults):
    base, original, fixed, window = vaults
    rng = random.Random()
    torn_runs = 0
    for round_no in range(ROUNDS):
        work = base / f"round{round_no}"
        shutil.copytree(base / "pristine", work)
        proc = start_fix(work)
        wait_for_journal(work, proc)
        time.sleep(rng.uniform(0, window * 0.8))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)  # killed, or (rarely) it finished first: then nothing is torn either
        now = notes(work)
        assert set(now) == set(original), "a note vanished or a temporary file became a note"
        bad = [rel for rel, data in now.items() if data not in (original[rel], fixed[rel])]
        assert not bad, f"torn or mixed files after SIGKILL: {bad[:5]}"
        done = sum(now[rel] == fixed[rel] for rel in now)
        torn_runs += 0 < done < NOTES
        undone = subprocess.run([sys.executable, "-m", "vaultkit", "undo"], cwd=work, capture_output=True, text=True)
        assert undone.returncode == 0, undone.stdout + undone.stderr
        assert notes(work) == original
        assert not list(work.rglob(".*.vaultkit-tmp")), "undo leaves no temporary file of the killed run"
        shutil.rmtree(work)
    assert torn_runs, f"no kill landed while files were being rewritten (writing takes {window:.2f}s)"


def alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc are Linux's")
def test_workers_die_with_their_parent(vaults):
    """`kill -9` of the parent alone (not its process group) during the check phase."""
    base = vaults[0]
    work = base / "orphans"
    shutil.copytree(base / "pristine", work)
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "check", "--jobs", "2"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
            workers = children(proc.pid)
            time.sleep(0.005)
        assert len(workers) >= 2, "the check never started its workers"
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(w) for w in workers), "workers outlived their parent"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
