"""CPU of the mojibake analysis of a vault's damaged notes, in one process (issue 13).

    python bench/bench_damaged.py VAULT [--repeat 3] [--note NOTE.md] [--profile]

The damaged notes are those whose analysis (:func:`vaultkit.text.encoding.locate.analyse`,
with the vault's language context, as ``vaultkit check`` runs it) finds damage: on the
10,000-note bench vault, the 125 that ``vaultkit check --select VK303`` reports.  The word
lists their damage needs are loaded first and not timed (loading is another part's cost);
then each repeat analyses every damaged note afresh (the analysis cache emptied, the lexicons'
look-up memo kept, as in one check) and the best CPU seconds (``time.process_time``) are
printed, in all and per note.  ``--note`` times one note instead (say the project's damaged
sample), from a fresh memo; ``--profile`` prints cProfile's top functions of one more run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time
from pathlib import Path

from vaultkit.model import Note
from vaultkit.read.parse import parse_text
from vaultkit.text.encoding import langmodel, locate


def _notes(root: Path) -> tuple[dict[str, Note], locate.Context]:
    """Every readable note of the vault (parsed) and the vault's language context."""
    notes = {}
    for path in sorted(root.rglob("*.md")):
        if ".vaultkit" in path.parts or ".obsidian" in path.parts:
            continue
        rel = path.relative_to(root).as_posix()
        notes[rel] = parse_text(rel, path.read_text(encoding="utf-8", errors="replace"))
    return notes, locate.context_from(notes, lambda rel: notes[rel].text)


def _run(notes: list[Note], context: locate.Context) -> float:
    """CPU seconds of analysing ``notes`` afresh, with the word lists loaded but the look-ups
    they remember forgotten: what a check pays once the lexicons are in memory."""
    locate._analyse.cache_clear()
    for lex in _lexicons():
        lex.seen.clear()
    start = time.process_time()
    for note in notes:
        locate.analyse(note.text, note.regions, context)
    return time.process_time() - start


def _lexicons() -> list[langmodel.Lexicon]:
    """The lexicons this process has loaded (langmodel.lexicon keeps one per language)."""
    return [obj for obj in gc.get_objects() if isinstance(obj, langmodel.Lexicon)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--note", type=Path, help="time this one note (in the vault's context)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    notes, context = _notes(args.vault)
    if args.note:
        damaged = [parse_text(args.note.name, args.note.read_text(encoding="utf-8"))]
    else:
        damaged = [n for n in notes.values() if locate.suspicious(n.text)]
    damaged = [n for n in damaged if locate.analyse(n.text, n.regions, context)]  # loads their word lists
    best = min(_run(damaged, context) for _ in range(max(1, args.repeat)))
    print(f"{len(damaged)} damaged notes: {best:.3f} s CPU, {best / max(1, len(damaged)) * 1000:.1f} ms a note")
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.runcall(_run, damaged, context)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
