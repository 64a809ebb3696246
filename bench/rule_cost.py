"""What a set of rules adds to `vaultkit check`, measured so that a busy machine blurs it least.

    python bench/rule_cost.py VAULT --rules VK2 [--base VK001] [--repeat 5]

Two figures:

* end to end: `vaultkit check VAULT -q --select BASE` against `--select BASE,RULES`, run
  alternately ``--repeat`` times each; the best wall time of each and the best CPU time
  (user + system of the whole process tree) are compared.  Wall time is what users see;
  CPU time is steadier when other jobs share the machine.
* in process: the vault is parsed once, then RULES alone run over every note (and the
  vault-scope ones once over the vault's files) in one process, each run on a fresh index (so per-index caches are rebuilt as in a real run);
  best CPU seconds of ``--repeat`` runs.  This is the rules' own cost, before it is split
  across worker processes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from vaultkit.check.engine import build_index, check_files, check_note
from vaultkit.check.run import resolve_run
from vaultkit.vault.index import VaultIndex


def cli_run(vault: Path, select: str) -> tuple[float, float]:
    """One `vaultkit check` run: (wall seconds, CPU seconds of it and its workers)."""
    before = os.times()
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "vaultkit", "check", str(vault), "-q", "--select", select], capture_output=True
    )
    wall = time.perf_counter() - start
    after = os.times()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"vaultkit failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def in_process(vault: Path, rules: str, repeat: int) -> tuple[float, int, int]:
    """Best CPU seconds for running ``rules`` over every note serially; notes and problems."""
    root = vault.resolve()
    index, notes, others, _ = build_index(root)
    checked = set(notes).union(others)
    _, active = resolve_run(root, select=rules.split(","))
    best, problems = float("inf"), 0
    for _ in range(repeat):
        fresh = VaultIndex(
            index.notes.values(), index.files, index.settings, index.dates, index.documents.values(), index.spelled
        )
        start = time.process_time()
        problems = sum(len(check_note(fresh.notes[rel], fresh, active)) for rel in notes)
        problems += len(check_files(fresh, active, checked.__contains__))
        best = min(best, time.process_time() - start)
    return best, len(notes), problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--rules", required=True, help="the rules to cost, as for --select (e.g. VK2)")
    parser.add_argument("--base", default="VK001", help="a cheap selection to compare with (default VK001)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    runs: dict[str, list[tuple[float, float]]] = {args.base: [], f"{args.base},{args.rules}": []}
    for _ in range(args.repeat):
        for select, results in runs.items():
            results.append(cli_run(args.vault, select))
    (base_wall, base_cpu), (with_wall, with_cpu) = ((min(w for w, _ in r), min(c for _, c in r)) for r in runs.values())
    print(f"vault: {args.vault}   best of {args.repeat} alternating runs, load average {os.getloadavg()[0]:.1f}")
    print(f"  --select {args.base}: {base_wall:6.2f} s wall {base_cpu:6.2f} s CPU")
    print(f"  --select {args.base},{args.rules}: {with_wall:6.2f} s wall {with_cpu:6.2f} s CPU")
    print(f"  {args.rules} adds {with_wall - base_wall:+.2f} s wall, {with_cpu - base_cpu:+.2f} s CPU")
    cpu, notes, problems = in_process(args.vault, args.rules, args.repeat)
    print(
        f"  in process: {args.rules} alone over {notes} notes: {cpu:.2f} s CPU (best of {args.repeat}), {problems} problems"
    )


if __name__ == "__main__":
    main()
