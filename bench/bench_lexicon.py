"""Loading a language's word list: compiled from wordfreq's file, against mapped from the store.

    python bench/bench_lexicon.py [--langs ru,de,zh,fr,ja,en,uk]

Each figure is the CPU time of one fresh process (so nothing is cached in memory between
them): first with an empty store folder (the process compiles every list and writes it),
then again (every list is mapped from the store).  The store folder is a temporary one,
removed afterwards; the user's own cache is not touched.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

CHILD = """
import resource, sys, time
from vaultkit.vault import lexcache
from vaultkit.text.encoding import langmodel
lexcache.install()
times = []
for lang in sys.argv[1].split(","):
    start = time.process_time()
    langmodel.lexicon(lang)
    times.append(time.process_time() - start)
start = time.process_time()
langmodel.chinese_tags()
times.append(time.process_time() - start)
print(" ".join(f"{t * 1000:.0f}" for t in times), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def run(langs: str, folder: str) -> tuple[list[str], str]:
    env = {**os.environ, "VAULTKIT_LEXICON_DIR": folder}
    out = subprocess.run([sys.executable, "-c", CHILD, langs], env=env, capture_output=True, text=True, check=True)
    *times, peak = out.stdout.split()
    return times, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--langs", default="ru,de,zh,fr,ja,en,uk", help="wordfreq language codes")
    args = parser.parse_args()
    names = [*args.langs.split(","), "zh tags"]
    with tempfile.TemporaryDirectory() as folder:
        rows = [("empty store (compile)", *run(args.langs, folder)), ("warm store (map)", *run(args.langs, folder))]
    print(f"{'':22} " + " ".join(f"{n:>8}" for n in names) + f" {'sum':>8} {'peak MB':>8}   (CPU ms)")
    for label, times, peak in rows:
        total = sum(int(t) for t in times)
        print(f"{label:22} " + " ".join(f"{t:>8}" for t in times) + f" {total:>8} {peak:>8}")


if __name__ == "__main__":
    main()
