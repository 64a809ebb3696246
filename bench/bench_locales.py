"""`vaultkit check` on every language folder of the Obsidian help vault: cost must not depend on the language.

    python bench/bench_locales.py HELP [--select VK] [--jobs 1] [--only en,ru,zh-TW]

HELP is a checkout of the public ``obsidianmd/obsidian-help`` repository (one folder per
language, each its own vault of the same notes).  Nothing of it is kept in this repository:
the path is given on the command line.  Each folder is checked cold by a separate
``vaultkit check`` process; its wall time and peak RSS (``os.wait4``'s resource usage of
that process) are printed per locale with the ratio to ``en/`` and the figures of issue 13:
no locale more than 2x ``en/``, the sum at most 40 s, peak RSS at most 150 MB per locale.
The CPU time of each check (user + system, also from ``wait4``) is printed beside it, with
its own ratio: on a machine shared with other work, wall times say more about the load than
about the language.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

LOCALE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2})?$")  # en, pt-br, zh-TW: a language folder
MAX_RATIO = 2.0
MAX_SUM = 40.0
MAX_RSS_MB = 150.0


def locales(root: Path) -> list[Path]:
    """The language folders of the help vault, ``en`` first."""
    found = sorted(p for p in root.iterdir() if p.is_dir() and LOCALE.match(p.name))
    return sorted(found, key=lambda p: p.name != "en")


def check(folder: Path, select: str, jobs: int) -> tuple[float, float, float, int]:
    """One cold `vaultkit check`: (wall seconds, CPU seconds, peak RSS in MB, exit status)."""
    command = [sys.executable, "-m", "vaultkit", "check", str(folder), "-q", "--exit-zero", "--select", select]
    command += ["--jobs", str(jobs), "--no-cache"]  # cold: a cache left by an earlier run would answer it
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if proc.poll() is None:
            proc.kill()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        print(f"{folder.name}: exit {proc.returncode}: {err[-500:]}", file=sys.stderr)
    if proc.stderr:
        proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("help", type=Path, help="a checkout of obsidianmd/obsidian-help")
    parser.add_argument("--select", default="VK", help="rules to run (default: every default rule)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes per check (default 1)")
    parser.add_argument("--only", default="", help="comma-separated locales (default: all)")
    args = parser.parse_args()
    folders = locales(args.help)
    if args.only:
        wanted = set(args.only.split(","))
        folders = [f for f in folders if f.name in wanted]
    if not folders:
        sys.exit(f"no language folders under {args.help}")
    print(f"{'locale':8} {'notes':>5} {'seconds':>8} {'x en':>6} {'CPU s':>6} {'x en':>6} {'peak MB':>8}")
    rows = []
    for folder in folders:
        notes = sum(1 for _ in folder.rglob("*.md"))
        wall, cpu, rss, status = check(folder, args.select, args.jobs)
        rows.append((folder.name, wall, cpu, rss, status))
        en = rows[0] if rows[0][0] == "en" else None
        ratio = f"{wall / en[1]:6.2f}" if en else "     -"
        cpu_ratio = f"{cpu / en[2]:6.2f}" if en else "     -"
        print(f"{folder.name:8} {notes:5} {wall:8.2f} {ratio} {cpu:6.2f} {cpu_ratio} {rss:8.1f}", flush=True)
    total, total_cpu = sum(r[1] for r in rows), sum(r[2] for r in rows)
    worst = max(rows, key=lambda r: r[1])
    heaviest = max(rows, key=lambda r: r[3])
    print(
        f"sum {total:.1f} s ({total_cpu:.1f} s CPU) over {len(rows)} locales; slowest {worst[0]} {worst[1]:.2f} s; "
        f"peak RSS {heaviest[3]:.0f} MB ({heaviest[0]})"
    )
    if rows[0][0] == "en":
        for label, k in (("wall", 1), ("CPU", 2)):
            base = rows[0][k]
            slow = [r[0] for r in rows if r[k] > MAX_RATIO * base]
            worst_ratio = max(r[k] / base for r in rows)
            verdict = "PASS" if not slow else "FAIL " + ", ".join(slow)
            print(f"no locale > {MAX_RATIO}x en ({label}, worst {worst_ratio:.2f}x): {verdict}")
    print(
        f"sum <= {MAX_SUM:.0f} s: {'PASS' if total <= MAX_SUM else 'FAIL'} (CPU: {'PASS' if total_cpu <= MAX_SUM else 'FAIL'})"
    )
    heavy = [r[0] for r in rows if r[3] > MAX_RSS_MB]
    print(f"peak RSS <= {MAX_RSS_MB:.0f} MB: {'PASS' if not heavy else 'FAIL ' + ', '.join(heavy)}")
    failed = [r[0] for r in rows if r[4] != 0]
    if failed:
        print(f"checks that failed: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
