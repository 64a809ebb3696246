"""Adversarial inputs: time and peak memory per size, to show cost stays linear (issue 18).

    python bench/bench_adversarial.py [--cases NAME,...] [--timeout 120] [--max-size 5000000]

Each case is run at growing sizes, every run in a fresh process (so the peak RSS printed is
that run's own, and a run that explodes is stopped at ``--timeout`` instead of hanging the
bench).  Cases: a damaged line repeated (600 characters to 5 MB, with and without the
encoding rules), 10,000-deep nesting of braces, ``\\left``, quotes and brackets, 100,000
links (check and an unsafe fix), 8,000 and more control characters to fix, and a 50 MB note
read from disk with ``max-file-size`` raised.  Linear cost shows as seconds and megabytes
growing no faster than the size column.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DAMAGED = "word [[Welcome]] $a$ cafÃ© \x01 "
PROSE = (
    "# Heading\n\nA paragraph with a [[Welcome]] link, a [[Welcom]] typo, `code`, $x^2$ and "
    "%% a comment %%.\n\n```python\nprint('code')\n```\n\n$$\n\\begin{aligned}a &= b\\end{aligned}\n$$\n\n"
)
WELCOME = {"Welcome.md": "# Welcome\n"}


def _repeat(unit: str, size: int) -> str:
    """``unit`` repeated to exactly ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


# name -> (operation, text for a size, sizes, rules ignored)
CASES: dict[str, tuple[str, Callable[[int], str], list[int], list[str]]] = {
    "damaged-line": ("check", lambda n: _repeat(DAMAGED, n), [600, 2400, 8_000, 80_000, 800_000, 5_000_000], []),
    "damaged-line-no-encoding": (
        "check",
        lambda n: _repeat(DAMAGED, n),
        [600, 2400, 8_000, 80_000, 800_000, 5_000_000],
        ["VK3"],
    ),
    "mojibake-line": ("check", lambda n: _repeat("cafÃ© ", n), [600, 1200, 2400, 24_000], []),
    "nested-braces": ("check", lambda n: "$$" + "{" * n + "}" * n + "$$\n", [1_000, 10_000, 100_000], []),
    "nested-left": ("check", lambda n: "$$" + "\\left( " * n + "\\right) " * n + "$$\n", [1_000, 10_000, 100_000], []),
    "unclosed-left": ("check", lambda n: "$$" + "\\left( " * n + "\\right] }" * n + "$$\n", [1_000, 10_000], []),
    "nested-quotes": ("check", lambda n: ">" * n + " deep\n", [1_000, 10_000, 100_000], []),
    "nested-brackets": ("check", lambda n: "[" * n + "x" + "]" * n + "\n", [1_000, 10_000, 100_000], []),
    "nested-lists": (
        "check",
        lambda n: _repeat("".join("  " * i + "- x\n" for i in range(1_000)), n),
        [1_000_000, 5_000_000],
        [],
    ),
    "links-check": ("check", lambda n: "see [[Welcom]] " * n, [1_000, 10_000, 100_000], []),
    "links-fix": ("fix", lambda n: "see [[Welcom]] " * n, [1_000, 10_000, 100_000], []),
    "control-fix": ("fix", lambda n: "some words here and there\x01\n" * n, [1_000, 8_000, 80_000], []),
    "inline-dollars": ("check", lambda n: "a $x " * n, [1_000, 10_000, 100_000], []),
    "backtick-runs": ("check", lambda n: "".join("`" * k + " " for k in range(1, n)), [100, 1_000, 3_000], []),
    "big-note": ("disk", lambda n: _repeat(PROSE, n), [5_000_000, 50_000_000], []),
}


def one(case: str, size: int) -> dict[str, object]:
    """Run one case at one size in this process; the figures for the table."""
    from vaultkit.check.run import check_vault, lint_text, memory_vault
    from vaultkit.fix.loop import fix_text

    operation, make, _, ignore = CASES[case]
    text = make(size)
    memory_vault("", ignore=ignore)  # rules loaded before the clock starts
    began = time.perf_counter()
    if operation == "check":
        found = len(lint_text(text, files=WELCOME, ignore=ignore))
    elif operation == "fix":
        found = len(fix_text(text, files=WELCOME, ignore=ignore, unsafe=True).applied)
    else:
        with tempfile.TemporaryDirectory() as root:
            Path(root, ".vaultkit.toml").write_text(f"max-file-size = {len(text.encode()) + 1}\n")
            Path(root, "Welcome.md").write_text(WELCOME["Welcome.md"])
            Path(root, "Big.md").write_text(text)
            began = time.perf_counter()
            found = len(check_vault(root, jobs=1).problems)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"seconds": round(seconds, 2), "peak_mb": round(peak), "found": found}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds before a run is stopped")
    ap.add_argument("--max-size", type=int, default=50_000_000, help="skip sizes above this")
    ap.add_argument("--one", nargs=2, metavar=("CASE", "SIZE"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one[0], int(a.one[1]))))
        return
    print(f"{'case':26} {'op':5} {'size':>11} {'seconds':>9} {'peak MB':>8} {'found':>8}")
    for case in a.cases.split(","):
        operation, _, sizes, _ = CASES[case]
        for size in (s for s in sizes if s <= a.max_size):
            try:
                run = subprocess.run(
                    [sys.executable, __file__, "--one", case, str(size)],
                    capture_output=True,
                    text=True,
                    timeout=a.timeout,
                    check=True,
                )
                figures = json.loads(run.stdout)
                print(
                    f"{case:26} {operation:5} {size:>11,} {figures['seconds']:>9} {figures['peak_mb']:>8} "
                    f"{figures['found']:>8}",
                    flush=True,
                )
            except subprocess.TimeoutExpired:
                print(
                    f"{case:26} {operation:5} {size:>11,} {'>' + str(int(a.timeout)):>9} {'-':>8} {'-':>8}", flush=True
                )
                break  # larger sizes would only take longer
            except subprocess.CalledProcessError as exc:
                print(f"{case:26} {operation:5} {size:>11,} failed: {exc.stderr.strip().splitlines()[-1:]}")
                break


if __name__ == "__main__":
    main()
