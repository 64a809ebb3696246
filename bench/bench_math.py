"""Time the math rules (VK4xx) and the math part of parsing, in one process, per vault.

    python bench/bench_math.py VAULT [VAULT ...] [--repeat 5]

Parses every note once, then runs the VK401-VK405 rules (and, separately, VK406) over all
notes with the engine's own ``check_note``, and the region scan (which finds the math spans)
on its own.  One process and the best of ``--repeat`` runs, so the figures are CPU seconds
the rules add, not wall time skewed by other processes; `vaultkit check` spreads the same
work over its worker processes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from vaultkit.check.config import Config, active_rules
from vaultkit.check.engine import check_note
from vaultkit.check.registry import load_rules
from vaultkit.model import Note
from vaultkit.read.parse import read_note
from vaultkit.read.regions import find_regions
from vaultkit.vault.files import list_files
from vaultkit.vault.index import VaultIndex


def best(repeat: int, func, *args) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def scan_regions(notes: list[Note]) -> None:
    for note in notes:
        find_regions(note.text, note.body_start)


def run_rules(notes: list[Note], index: VaultIndex, active: list) -> None:
    for note in notes:
        check_note(index.notes[note.rel], index, active)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("vaults", type=Path, nargs="+")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rules = load_rules(isolated=True)
    structure = active_rules(Config(), rules, ["VK401", "VK402", "VK403", "VK404", "VK405"])
    unknown = active_rules(Config(), rules, ["VK406"])
    for root in a.vaults:
        listing = list_files(root.resolve())
        notes = [read_note(str(root), rel) for rel in listing.notes]
        index = VaultIndex(notes, listing.files)
        dollars = sum(n.text.count("$") for n in notes)
        print(f"{root}: {len(notes)} notes, {dollars} '$' characters (best of {a.repeat}, one process)")
        regions = best(a.repeat, scan_regions, notes)
        print(f"  region scan (code, comments, math spans): {regions:6.3f} s")
        for label, active in (("VK401-VK405", structure), ("VK406 (off by default)", unknown)):
            took = best(a.repeat, run_rules, notes, index, active)
            print(f"  {label:24s} rules:          {took:6.3f} s")


if __name__ == "__main__":
    main()
