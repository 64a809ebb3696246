"""Compare what vaultkit reports on a synthetic vault with the defects planted in it.

    python bench/compare_manifest.py VAULT MANIFEST RULE [RULE ...] [--tolerance N] [--show N]

``VAULT`` and ``MANIFEST`` come from ``shared/bench/make_vault.py`` (the manifest lists every
planted defect as ``{"path", "line", "rule", ...}``).  For each rule named, vaultkit is run
with exactly those rules selected and its findings are matched with the planted defects of
that rule by path and line (``--tolerance`` allows a line difference).  Prints, per rule,
how many defects were planted, found and missed, and how many findings are extra (reported
where nothing was planted), with a few examples of each.  Exit status 0 only when nothing
was missed and nothing is extra.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from vaultkit.check.run import check_vault


def planted(manifest: Path, rules: list[str]) -> dict[str, list[tuple[str, int]]]:
    """Rule -> (path, line) of every defect the manifest records for it."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    found: dict[str, list[tuple[str, int]]] = {rule: [] for rule in rules}
    for defect in data["defects"]:
        if defect["rule"] in found:
            found[defect["rule"]].append((defect["path"], int(defect["line"])))
    return found


def match(
    expected: list[tuple[str, int]], reported: list[tuple[str, int, str]], tolerance: int
) -> tuple[int, list[tuple[str, int]], list[tuple[str, int, str]]]:
    """Pair findings with planted defects one to one (same path, line within ``tolerance``).

    Returns the number paired, the defects left unpaired (missed) and the findings left
    unpaired (extra).
    """
    waiting: dict[str, list[int]] = defaultdict(list)
    for path, line in expected:
        waiting[path].append(line)
    extra = []
    paired = 0
    for path, line, message in sorted(reported):
        lines = waiting.get(path, [])
        near = [x for x in lines if abs(x - line) <= tolerance]
        if near:
            lines.remove(min(near, key=lambda x: abs(x - line)))
            paired += 1
        else:
            extra.append((path, line, message))
    missed = sorted((path, line) for path, lines in waiting.items() for line in lines)
    return paired, missed, extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("rules", nargs="+", help="rule names as the manifest spells them (e.g. broken-wikilink)")
    parser.add_argument("--tolerance", type=int, default=0, help="lines a finding may be off (default 0)")
    parser.add_argument("--show", type=int, default=5, help="examples of missed and extra per rule (default 5)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for vaultkit")
    args = parser.parse_args(argv)

    expected = planted(args.manifest, args.rules)
    result = check_vault(args.vault, select=args.rules, jobs=args.jobs)
    reported: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for problem in result.problems:
        reported[problem.rule].append((problem.path, problem.line, problem.message))

    clean = True
    print(f"{'rule':28s} {'planted':>8s} {'found':>8s} {'missed':>8s} {'extra':>8s}")
    details = []
    for rule in args.rules:
        paired, missed, extra = match(expected[rule], reported[rule], args.tolerance)
        clean = clean and not missed and not extra
        print(f"{rule:28s} {len(expected[rule]):8d} {paired:8d} {len(missed):8d} {len(extra):8d}")
        details += [f"  missed {rule}: {path}:{line}" for path, line in missed[: args.show]]
        details += [f"  extra  {rule}: {path}:{line}: {message}" for path, line, message in extra[: args.show]]
    other = sorted({p.rule for p in result.problems} - set(args.rules))
    if other:
        details.append(f"  (also reported: {', '.join(other)})")
    print("\n".join(details))
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
