"""How well the lossy repair picks between characters that share their surviving bytes.

    python bench/bench_picks.py [--help-vault /tmp/help-m] [--limit N] [--show]

UTF-8 Chinese read as Windows-1254 with its undefined bytes dropped and soft hyphens stripped
(the damage of tests/test_encoding_sample.py's sample note) leaves 中, 与 and 不 as the same
two characters ``ä¸``: each of their places is a multi-way pick, as are many others.  Real
Chinese notes nobody on the project wrote -- ``shared/corpora/obsidian-math-zh`` beside the
checkout and the official help vault's ``zh`` and ``zh-TW`` folders -- are damaged that way
and, a second set, read as GBK with U+FFFD for what GBK cannot decode; then every open slot
of the repair's word lattice (``langmodel.decode``, its last pass) is compared with the clean
text.  A pick is *right*, *wrong* (a silent wrong guess: the worst outcome), or *flagged*
(its margin is under the review margin: vaultkit reports it, "check 中 (or 与/不)", with the
alternatives).  Printed per source and damage kind, for 中/与/不 and for every pick.  A
slot is matched to the clean text by the certain characters around it; runs that cannot be
placed so are not counted (printed as ``unplaced``).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from vaultkit.rulekit.encoding import repair_text
from vaultkit.text.encoding import langmodel
from vaultkit.text.encoding.locate import REVIEW_MARGIN

SHARED = Path(__file__).resolve().parents[2] / "shared"
FUNCTION_WORDS = frozenset("中与不")

Damage = Callable[[str], str]
DAMAGES: dict[str, Damage] = {
    "cp1254-dropped": lambda text: text.encode("utf-8").decode("cp1254", errors="ignore").replace("\u00ad", ""),
    "gbk-replaced": lambda text: text.encode("utf-8").decode("gbk", errors="replace"),
}


def sources(help_vault: Path | None) -> dict[str, list[Path]]:
    found = {"obsidian-math-zh": sorted((SHARED / "corpora" / "obsidian-math-zh").rglob("*.md"))}
    if help_vault is not None:
        for locale in ("zh", "zh-TW"):
            found[f"help {locale}"] = sorted((help_vault / locale).rglob("*.md"))
    return found


def picks(clean: str, damaged: str, show: bool = False) -> tuple[Counter[str], int]:
    """Counts of ``{right,wrong,flagged}`` and ``fw-{...}`` (中/与/不 only) over the open
    slots of ``damaged``'s repair, and the number of decoded runs that could not be placed."""
    last: dict[tuple[tuple[str, ...], ...], langmodel.Decoding] = {}
    original = langmodel.decode

    def spy(
        slots: Sequence[tuple[str, ...]],
        lex: langmodel.Lexicon,
        cache: langmodel.DocumentCache | None = None,
        review_margin: float = 100.0,
    ) -> langmodel.Decoding:
        decoding = original(slots, lex, cache, review_margin)
        if any(len(choices) > 1 for choices in slots):
            last[tuple(slots)] = decoding  # a second pass over the same slots replaces the first
        return decoding

    langmodel.decode = spy  # type: ignore[assignment]
    try:
        repair_text(damaged)
    finally:
        langmodel.decode = original  # type: ignore[assignment]
    counts: Counter[str] = Counter()
    unplaced = 0
    for slots, decoding in last.items():
        pattern = "".join(re.escape(c[0]) if len(c) == 1 else "[" + re.escape("".join(c)) + "]" for c in slots)
        found = re.search(pattern, clean)
        if found is None:
            unplaced += 1
            continue
        for k, choices in enumerate(slots):
            if len(choices) == 1:
                continue
            truth = clean[found.start() + k]
            if decoding.margins[k] < REVIEW_MARGIN and decoding.alternatives[k]:
                verdict = "flagged"
            else:
                verdict = "right" if decoding.chars[k] == truth else "wrong"
            counts[verdict] += 1
            if truth in FUNCTION_WORDS or decoding.chars[k] in FUNCTION_WORDS:
                counts["fw-" + verdict] += 1
                if show and verdict != "right":
                    at = found.start() + k
                    print(f"  {verdict:7} {decoding.chars[k]} for {truth} ({decoding.margins[k]:.0f} cB): "
                          f"{clean[max(0, at - 8) : at + 8]!r}")  # fmt: skip
    return counts, unplaced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--help-vault", type=Path, help="the help vault, one folder per locale (zh, zh-TW used)")
    parser.add_argument("--limit", type=int, default=0, help="notes per source (0: all)")
    parser.add_argument("--show", action="store_true", help="print every 中/与/不 pick not right, in context")
    args = parser.parse_args()
    print(f"{'source':18} {'damage':15} {'中/与/不 right':>14} {'wrong':>6} {'flagged':>8}   "
          f"{'all right':>9} {'wrong':>6} {'flagged':>8} {'unplaced':>9}")  # fmt: skip
    total: Counter[str] = Counter()
    for name, paths in sources(args.help_vault).items():
        for kind, damage in DAMAGES.items():
            counts: Counter[str] = Counter()
            unplaced = 0
            for path in paths[: args.limit or None]:
                clean = path.read_text(encoding="utf-8")
                found, lost = picks(clean, damage(clean), args.show)
                counts += found
                unplaced += lost
            total += counts
            print(
                f"{name:18} {kind:15} {counts['fw-right']:14} {counts['fw-wrong']:6} {counts['fw-flagged']:8}   "
                f"{counts['right']:9} {counts['wrong']:6} {counts['flagged']:8} {unplaced:9}"
            )
    print(
        f"{'total':34} {total['fw-right']:14} {total['fw-wrong']:6} {total['fw-flagged']:8}   "
        f"{total['right']:9} {total['wrong']:6} {total['flagged']:8}"
    )


if __name__ == "__main__":
    main()
