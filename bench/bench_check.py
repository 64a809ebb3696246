"""Benchmark `vaultkit check` on a synthetic vault: wall time, peak memory, cost per rule family.

    python bench/bench_check.py [--notes 10000] [--seed 1] [--vault DIR] [--repeat 3]

Makes the vault with ../shared/bench/make_vault.py (once; reused when it exists), then runs
`vaultkit check --format json --no-cache` as a subprocess: all rules, and all rules but one family, so
the difference is that family's share.  Peak memory is the largest process's maximum RSS
(worker processes are forked and share most pages with the parent).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAKE_VAULT = REPO.parent / "shared" / "bench" / "make_vault.py"
FAMILIES = {"VK0": "file", "VK1": "front matter", "VK2": "links", "VK3": "encoding", "VK4": "math", "VK5": "sync"}


def ensure_vault(path: Path, notes: int, seed: int, defect_rate: float | None = None) -> None:
    if not (path / ".obsidian").is_dir():
        rate = () if defect_rate is None else ("--defect-rate", str(defect_rate))
        subprocess.run(
            [sys.executable, str(MAKE_VAULT), str(path), "--notes", str(notes), "--seed", str(seed), *rate], check=True
        )


def run(vault: Path, *args: str) -> tuple[float, float, int]:
    """One `vaultkit check` run: (seconds, peak RSS in MB, number of problems)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "vaultkit", "check", str(vault), "--format", "json", "--no-cache", *args],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"vaultkit failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak, len(json.loads(proc.stdout))


def best_of(repeat: int, vault: Path, *args: str) -> tuple[float, float, int]:
    runs = [run(vault, *args) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[0][2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vault", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    vault = a.vault or Path(os.environ.get("TMPDIR", "/tmp")) / f"vaultkit-bench-{a.notes}-{a.seed}"
    ensure_vault(vault, a.notes, a.seed)
    total, peak, count = best_of(a.repeat, vault)
    print(f"vault: {vault} ({a.notes} notes)")
    print(f"all rules: {total:.2f} s wall (best of {a.repeat}), peak RSS {peak:.0f} MB, {count} problems")
    listed = subprocess.run(
        [sys.executable, "-m", "vaultkit", "rules"], capture_output=True, text=True, check=True
    ).stdout
    for prefix, name in FAMILIES.items():
        if f"\n{prefix}" not in "\n" + listed:
            continue
        without, _, _ = best_of(a.repeat, vault, "--ignore", prefix)
        print(f"  {name:13s} ({prefix}xx): {max(0.0, total - without):5.2f} s")
    single, _, _ = best_of(1, vault, "--jobs", "1")
    print(f"one process (--jobs 1): {single:.2f} s wall")


if __name__ == "__main__":
    main()
