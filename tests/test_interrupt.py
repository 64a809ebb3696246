"""SIGINT and SIGTERM end a running check, and the daemon's first check, within a second,
leaving no worker process behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import children as children_of
from support import wait_for

pytestmark = pytest.mark.slow
LIMIT = 1.0  # seconds from the signal to the end of the process


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def big_vault(tmp_path: Path, synthetic_vault) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(synthetic_vault(4000, 3)[0], root)  # about 4 s of checking in one process
    return root


def _interrupt(command: list[str], ready, sig: int) -> tuple[float, set[int]]:
    """Start ``command``, wait until ``ready(proc)``, send ``sig``; (seconds to exit, children)."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: set[int] = set()
    try:
        wait_for(lambda: ready(proc), timeout=120, what="the run to be under way")
        assert proc.poll() is None, "the run ended before it could be interrupted: use a larger vault"
        children = set(children_of(proc.pid))
        proc.send_signal(sig)
        started = time.monotonic()
        proc.wait(timeout=60)
        return time.monotonic() - started, children
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for child in children:
            if _alive(child):
                os.kill(child, signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_running_check_ends_within_a_second(big_vault: Path, sig: int, jobs: str) -> None:
    command = [sys.executable, "-m", "vaultkit", "check", str(big_vault), "--no-cache", "-j", jobs, "-q"]
    # under way: past the imports and into the vault (a worker forked, or a second of parsing,
    # well before the end of the run)
    began = time.monotonic()
    seconds, children = _interrupt(
        command, lambda proc: set(children_of(proc.pid)) if jobs == "2" else time.monotonic() - began > 1.0, sig
    )
    assert seconds < LIMIT
    wait_for(lambda: not any(_alive(c) for c in children), timeout=5, what="the workers to end")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_the_daemons_first_check_ends_within_a_second(big_vault: Path, sig: int) -> None:
    command = [sys.executable, "-m", "vaultkit", "watch", str(big_vault), "--no-serve", "-j", "1", "-q"]
    lock = big_vault / ".vaultkit"
    seconds, _ = _interrupt(command, lambda proc: lock.is_dir() and any(lock.iterdir()), sig)
    assert seconds < LIMIT
