"""Hostile notes: time and peak memory of `vaultkit check` per size, which must grow linearly.

    python bench/bench_adversarial.py [--select VK] [--sizes 600,1200,2400,8192,100000,1000000,5000000]

Each case is one line repeated to the size (no line break: one huge line), alone in a
vault, checked cold by a separate ``vaultkit check`` process whose wall time and peak RSS
(``os.wait4``) are printed.  The cases are the damaged phrases of issue 18: a mojibake
word (``cafÃ©``) and a line mixing a link, math, mojibake and a control character.  The
bar: the 2,400-character line and the 8 KB note each under 0.5 s of checking, time and
memory linear in size.  "in process" is the check of the note alone in this process
(``lint_text``, after a warm-up: imports and code-page tables are paid once per process),
"process" the whole cold command with its start-up.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench_locales import check  # one cold `vaultkit check` with its wall time and peak RSS

from vaultkit.check.run import lint_text

CASES = {
    "mojibake word": "cafÃ© ",
    "link, math, mojibake, control": "word [[Welcome]] $a$ cafÃ© \x01 ",
}
SIZES = (600, 1200, 2400, 8192, 100_000, 1_000_000, 5_000_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--select", default="VK", help="rules to run (default: every default rule)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="characters per note")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        empty = root / "empty"
        (empty / ".obsidian").mkdir(parents=True)
        (empty / "a.md").write_text("# A\n", encoding="utf-8")
        base, base_rss, _ = check(empty, args.select, 1)
        print(f"start-up (one clean note): {base:.2f} s, {base_rss:.0f} MB")
        lint_text("warm-up: cafÃ© [[x]] $a$ \x01\n", select=[args.select])
        print(f"{'case':32} {'chars':>9} {'in process':>10} {'process':>8} {'peak MB':>8}")
        for name, line in CASES.items():
            for size in sizes:
                vault = root / f"{name[:4]}-{size}"
                (vault / ".obsidian").mkdir(parents=True)
                text = (line * (size // len(line) + 1))[:size]
                (vault / "note.md").write_text(text, encoding="utf-8")
                wall, rss, _ = check(vault, args.select, 1)
                start = time.perf_counter()
                lint_text(text, select=[args.select])
                inside = time.perf_counter() - start
                print(f"{name:32} {size:9} {inside:10.3f} {wall:8.2f} {rss:8.1f}", flush=True)


if __name__ == "__main__":
    main()
