"""vaultkit's speed against rumdl and markdownlint-cli2, with and without caches, and its scaling.

    python bench/bench_speed.py [--notes 10000] [--seed 1] [--defect-rate 0.05] [--repeat 3]
                                [--rumdl PATH] [--markdownlint [PATH]] [--scale 1000,10000,50000,100000]
                                [--watch]

On one synthetic vault (../shared/bench/make_vault.py, made once and reused) it times, in the
same run so that the machine's load is shared fairly:

* vaultkit cold (``--no-cache``; and after ``vaultkit cache clear``, writing the cache), an
  unchanged re-run, a re-run after one note was edited, and peak RSS;
* rumdl (``rumdl check --flavor obsidian``) cold with ``--no-cache`` and warm (its cache filled);
* markdownlint-cli2: the one on PATH, the one ``--markdownlint PATH`` names, or with a bare
  ``--markdownlint`` one installed with ``npm install markdownlint-cli2`` into a temp folder;

and prints the best of ``--repeat`` runs of each (wall and CPU seconds: on a shared machine
the CPU time is the steadier figure) and the ratios.  ``--scale`` checks vaults of
those sizes cold (time and peak RSS, to show both grow linearly); ``--watch`` times
``vaultkit watch``'s first full result with a warm cache.  Peak RSS is the largest process's
(``wait4``; forked workers share most pages with the parent).  Figures from a shared, busy
machine vary: compare ratios from one run, not absolute times from different runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_check import ensure_vault

TARGETS = {"cold": 3.0, "unchanged": 0.5, "one edit": 0.8}


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """Run ``command`` to its end: (wall seconds, peak RSS in MB, CPU seconds -- user and
    system, of it and its waited children)."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: linters write lots to stderr
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            errors.seek(0)
            raise SystemExit(
                f"{command[:3]} failed ({proc.returncode}): {errors.read()[-2000:].decode(errors='replace')}"
            )
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def vaultkit(vault: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "vaultkit", "check", str(vault), "-q", *args]


def clear(vault: Path) -> None:
    subprocess.run([sys.executable, "-m", "vaultkit", "cache", "clear", "--vault", str(vault)], capture_output=True)


def edit(vault: Path, n: int) -> None:
    note = sorted(vault.glob("*.md"))[0]
    with open(note, "a", encoding="utf-8") as handle:
        handle.write(f"\nedited {n} [[Nowhere {n}]]\n")
    time.sleep(0.01)


Figures = tuple[float, float, float]  # wall seconds, peak MB, CPU seconds


def best(samples: list[Figures]) -> Figures:
    return min(s[0] for s in samples), max(s[1] for s in samples), min(s[2] for s in samples)


def vaultkit_figures(vault: Path, repeat: int) -> dict[str, Figures]:
    out: dict[str, list[Figures]] = {"cold --no-cache": [], "cold": [], "unchanged": [], "one edit": []}
    for n in range(repeat):
        out["cold --no-cache"].append(timed(vaultkit(vault, "--no-cache")))
        clear(vault)
        out["cold"].append(timed(vaultkit(vault)))
        timed(vaultkit(vault))  # files written in the last seconds are hashed, not trusted by stat
        out["unchanged"].append(timed(vaultkit(vault)))
        edit(vault, n)
        out["one edit"].append(timed(vaultkit(vault)))
    return {k: best(v) for k, v in out.items()}


def install_markdownlint(folder: Path) -> str:
    """``npm install markdownlint-cli2`` into ``folder``; the path of its command."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("--markdownlint without a path installs markdownlint-cli2 with npm, which is not on PATH")
    done = subprocess.run(
        [npm, "install", "--prefix", str(folder), "--no-save", "markdownlint-cli2"], capture_output=True
    )
    command = folder / "node_modules" / ".bin" / "markdownlint-cli2"
    if done.returncode != 0 or not command.exists():
        raise SystemExit(f"npm install markdownlint-cli2 failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return str(command)


def others(vault: Path, repeat: int, rumdl: str | None, markdownlint: str | None) -> dict[str, Figures]:
    found: dict[str, Figures] = {}
    if rumdl:
        rumdl = os.path.abspath(shutil.which(rumdl) or rumdl)  # the peers run inside the vault
        found["rumdl cold"] = best([timed([rumdl, "check", "--flavor", "obsidian", "--no-cache", "."], vault)])
        timed([rumdl, "check", "--flavor", "obsidian", "."], vault)  # fill its cache
        found["rumdl warm"] = best([timed([rumdl, "check", "--flavor", "obsidian", "."], vault) for _ in range(repeat)])
    if markdownlint:
        found["markdownlint-cli2"] = best([timed([markdownlint, "**/*.md"], vault)])
    return found


def first_result(vault: Path) -> float:
    """Seconds from starting ``vaultkit watch`` to its first full result (the "ready" event)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "watch", str(vault), "--no-serve", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for line in proc.stdout or ():
            if json.loads(line).get("event") == "ready":
                return time.perf_counter() - start
        raise SystemExit("vaultkit watch ended without a result")
    finally:
        proc.terminate()
        proc.communicate(timeout=60)  # drain its output, or it blocks writing diagnostics


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--defect-rate", type=float, default=0.05)
    ap.add_argument("--vault", type=Path, default=None, help="where to make (or find) the vault; it is edited")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rumdl", default=shutil.which("rumdl"))
    ap.add_argument(
        "--markdownlint",
        nargs="?",
        const="",
        default=shutil.which("markdownlint-cli2"),
        help="markdownlint-cli2 to time (default: the one on PATH); bare: npm-install one into a temp folder",
    )
    ap.add_argument("--scale", default="", help="comma-separated vault sizes to check cold, e.g. 1000,10000,100000")
    ap.add_argument("--watch", action="store_true", help="also time vaultkit watch's first result (warm cache)")
    a = ap.parse_args()
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    vault = a.vault or tmp / f"vaultkit-speed-{a.notes}-{a.seed}-{a.defect_rate}"
    ensure_vault(vault, a.notes, a.seed, a.defect_rate)
    print(f"vault: {vault} ({a.notes} notes), best of {a.repeat}; load average {os.getloadavg()[0]:.1f}")
    mine = vaultkit_figures(vault, a.repeat)
    with tempfile.TemporaryDirectory(prefix="vaultkit-bench-npm-") as npm:
        markdownlint = install_markdownlint(Path(npm)) if a.markdownlint == "" else a.markdownlint
        theirs = others(vault, a.repeat, a.rumdl, markdownlint)
    print(f"{'what':28s} {'wall s':>8s} {'CPU s':>8s} {'peak MB':>8s}  target (wall)")
    for name, (seconds, peak, cpu) in {**{f"vaultkit {k}": v for k, v in mine.items()}, **theirs}.items():
        target = TARGETS.get(name.removeprefix("vaultkit "))
        print(f"{name:28s} {seconds:8.2f} {cpu:8.2f} {peak:8.0f}  {f'<= {target} s' if target else ''}")

    def ratio(label: str, theirs_: Figures, mine_: Figures, wanted: str = "") -> None:
        print(f"{label:38s} {theirs_[0] / mine_[0]:6.2f} wall, {theirs_[2] / mine_[2]:6.2f} CPU {wanted}")

    if "rumdl cold" in theirs:
        ratio("rumdl cold / vaultkit cold:", theirs["rumdl cold"], mine["cold"], "(>= 1 wanted)")
        ratio("rumdl warm / vaultkit unchanged:", theirs["rumdl warm"], mine["unchanged"], "(>= 3 wanted)")
        ratio("rumdl warm / vaultkit one edit:", theirs["rumdl warm"], mine["one edit"])
    if "markdownlint-cli2" in theirs:
        ratio("markdownlint-cli2 / vaultkit cold:", theirs["markdownlint-cli2"], mine["cold"])
    if a.watch:
        timed(vaultkit(vault))  # warm the cache for the current contents
        print(f"vaultkit watch, first full result with a warm cache: {first_result(vault):.2f} s (<= 2 s wanted)")
    sizes = [int(s) for s in a.scale.split(",") if s]
    if sizes:
        print(f"{'notes':>8s} {'cold s':>8s} {'peak MB':>8s} {'ms/note':>8s} {'KB/note':>8s}")
        for size in sizes:
            path = tmp / f"vaultkit-speed-{size}-{a.seed}-{a.defect_rate}"
            ensure_vault(path, size, a.seed, a.defect_rate)
            seconds, peak, _ = timed(vaultkit(path, "--no-cache"))
            print(f"{size:8d} {seconds:8.2f} {peak:8.0f} {seconds / size * 1000:8.3f} {peak * 1024 / size:8.1f}")


if __name__ == "__main__":
    main()
