#!/usr/bin/env python3
"""Build a bench vault inside a git repository whose commits add each note at a known date.

    python bench/git_vault.py OUT [--notes 2000] [--seed 19] [--defect-rate 0.3] [--per-commit 50]

The vault comes from ``shared/bench/make_vault.py`` (its manifest lands beside OUT as
``OUT.manifest.json``).  Notes are committed in batches, batch k dated
``2020-01-06 12:00 +02:00`` plus 9 days per batch; every fourth batch is first committed
under ``_staging/`` and moved to its real place by a final, later commit, so a tool has to
follow renames to find the right date.  ``OUT.dates.json`` maps each note to the date of
the commit that first added it (``YYYY-MM-DD``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MAKE_VAULT = Path(__file__).resolve().parents[2] / "shared" / "bench" / "make_vault.py"
BASE = dt.datetime(2020, 1, 6, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
STAGING = "_staging"


def _git(repo: Path, *args: str, when: dt.datetime | None = None) -> None:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_SYSTEM=os.devnull)
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when.isoformat(), GIT_COMMITTER_DATE=when.isoformat())
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, stdout=subprocess.DEVNULL)


def _commit(repo: Path, message: str, when: dt.datetime) -> None:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=Bench", "-c", "user.email=bench@example.org", "commit", "-q", "-m", message, when=when)


def build(
    out: Path, notes: int = 2000, seed: int = 19, defect_rate: float = 0.3, per_commit: int = 50
) -> dict[str, str]:
    """Write the vault at ``out`` as a git work tree; return note path -> first-commit date."""
    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "vault"
        subprocess.run(
            [sys.executable, str(MAKE_VAULT), str(src), "--notes", str(notes), "--seed", str(seed),
             "--defect-rate", str(defect_rate)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        shutil.copy(src.with_name("vault.manifest.json"), out.with_name(out.name + ".manifest.json"))
        files = sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())
        out.mkdir(parents=True)
        _git(out, "init", "-q")
        for rel in (f for f in files if not f.endswith(".md")):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, out / rel)
        _commit(out, "attachments and settings", BASE - dt.timedelta(days=30))
        note_files = [f for f in files if f.endswith(".md")]
        dates: dict[str, str] = {}
        staged: list[str] = []
        batches = [note_files[i : i + per_commit] for i in range(0, len(note_files), per_commit)]
        for k, batch in enumerate(batches):
            when = BASE + dt.timedelta(days=9 * k)
            for rel in batch:
                place = f"{STAGING}/{rel}" if k % 4 == 3 else rel
                (out / place).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src / rel, out / place)
                dates[rel] = when.strftime("%Y-%m-%d")
                if place != rel:
                    staged.append(rel)
            _commit(out, f"notes batch {k}", when)
        for rel in staged:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(out / STAGING / rel, out / rel)
        shutil.rmtree(out / STAGING, ignore_errors=True)
        _commit(out, "move staged notes in place", BASE + dt.timedelta(days=9 * len(batches) + 30))
    out.with_name(out.name + ".dates.json").write_text(json.dumps(dates, ensure_ascii=False, indent=1))
    return dates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--defect-rate", type=float, default=0.3)
    parser.add_argument("--per-commit", type=int, default=50)
    args = parser.parse_args()
    dates = build(args.out, args.notes, args.seed, args.defect_rate, args.per_commit)
    print(f"{len(dates)} notes committed in git at {args.out}")


if __name__ == "__main__":
    main()
