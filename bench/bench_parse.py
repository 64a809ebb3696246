"""CPU of parsing a vault's notes (bytes -> Note), in one process, by phase (issue 13).

    python bench/bench_parse.py VAULT [--repeat 5]

Every ``.md`` file is read into memory first, so no disk time is counted; then the notes are
parsed ``--repeat`` times and the best CPU seconds (``time.process_time``) are printed for
the whole parse and for each phase: decode, front matter, regions (code, math, comments),
the Markdown scan (links, headings, block ids, tags).  CPU time is steadier than wall time
on a shared machine; the phases are timed in a separate pass, so they need not add up to
the whole exactly.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

from vaultkit.read import frontmatter, markdown, regions
from vaultkit.read.decode import NotText, decode
from vaultkit.read.parse import parse_bytes


def best(repeat: int, run: Callable[[], object]) -> float:
    """Best CPU seconds of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    files = [(str(p.relative_to(args.vault)), p.read_bytes()) for p in sorted(args.vault.rglob("*.md")) if p.is_file()]
    texts = []
    for _, data in files:
        try:
            texts.append(decode(data)[0])
        except NotText:
            continue
    splits = [frontmatter.split(text) for text in texts]
    starts = [fm.end if fm is not None and fm.closed else 0 for fm in splits]
    found = [regions.find_regions(text, start) for text, start in zip(texts, starts, strict=True)]

    def decode_all() -> None:
        for _, data in files:
            try:
                decode(data)
            except NotText:
                continue

    phases = {
        "whole parse": lambda: [parse_bytes(rel, data) for rel, data in files],
        "  decode": decode_all,
        "  front matter": lambda: [frontmatter.split(text) for text in texts],
        "  regions": lambda: [regions.find_regions(t, s) for t, s in zip(texts, starts, strict=True)],
        "  markdown scan": lambda: [markdown.scan(t, r, s) for t, r, s in zip(texts, found, starts, strict=True)],
    }
    print(f"{args.vault}: {len(files)} notes, best of {args.repeat}, load average {os.getloadavg()[0]:.1f}")
    for name, run in phases.items():
        print(f"  {name:16} {best(args.repeat, run):6.2f} s CPU")


if __name__ == "__main__":
    main()
