"""vaultkit's mojibake repair against ftfy's, on the same damaged inputs: accuracy and time.

    python bench/bench_encoding.py [--notes 40]

Clean text with a known original is damaged the ways real software damages it, then given
to ``ftfy.fix_encoding`` (ftfy's encoding repair alone: ``fix_text`` would also uncurl quotes
and fold full-width characters of clean CJK text) and to ``vaultkit.rulekit.encoding.repair_text``.
Character accuracy is the share of the original's characters matched in order by the repair
(difflib); "exact" counts inputs repaired to the letter.  The inputs come from beside the
checkout: Chinese notes of ``shared/corpora/obsidian-math-zh`` (text nobody on the project
wrote), make_vault.py's sentences, a few sentences per other language written here, and
ftfy's own test corpus.  Clean inputs measure false repairs: any change there is wrong.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import ftfy

from vaultkit.rulekit.encoding import repair_text

SHARED = Path(__file__).resolve().parents[2] / "shared"
OTHER = {
    "fr": "Le café est très élégant, déjà vu à Noël ; « où êtes-vous ? » dit-il.",
    "de": "Die Größe der Äpfel hängt vom Öl ab, schöne Grüße aus Köln.",
    "ru": "Свёрточные нейронные сети обрабатывают изображения и звук.",
    "tr": "Yapay sinir ağları görüntüleri işler ve öğrenir; İstanbul'da ılık bir gün.",
    "el": "Τα νευρωνικά δίκτυα μαθαίνουν από τα δεδομένα.",
    "ja": "畳み込みニューラルネットワークは画像を処理する。こんにちは、世界！",
    "ko": "합성곱 신경망은 이미지를 처리하고 기울기 소실 문제를 완화한다.",
}


def read_as(codec: str, errors: str = "strict") -> Callable[[str], str]:
    return lambda text: text.encode("utf-8").decode(codec, errors=errors)


def sloppy_1252(text: str) -> str:
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8"))


def like_the_sample(text: str) -> str:
    return text.encode("utf-8").decode("cp1254", errors="ignore").replace("\u00ad", "")


def chinese(notes: int) -> list[str]:
    paths = sorted((SHARED / "corpora" / "obsidian-math-zh").rglob("*.md"))
    random.Random(0).shuffle(paths)
    return [p.read_text(encoding="utf-8") for p in paths[:notes]]


def sentences() -> list[str]:
    spec = importlib.util.spec_from_file_location("make_vault", SHARED / "bench" / "make_vault.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    rng = random.Random(13)
    return [" ".join(rng.sample(module.ZH_SENTENCES, 2)) for _ in range(60)]


def ftfy_cases() -> tuple[list[str], list[str]]:
    originals, expected = [], []
    for name in ("in-the-wild.json", "synthetic.json", "language-names.json", "negative.json"):
        for case in json.loads((SHARED / "peers" / "ftfy-test-cases" / name).read_text(encoding="utf-8")):
            if case["expect"] == "pass":
                originals.append(case["original"])
                expected.append(case.get("fixed-encoding", case["fixed"]))
    return originals, expected


def score(repair: Callable[[str], str], damaged: list[str], originals: list[str]) -> tuple[float, int, float]:
    """(character accuracy, exact repairs, seconds)."""
    start = time.perf_counter()
    repaired = [repair(text) for text in damaged]
    elapsed = time.perf_counter() - start
    matched = total = exact = 0
    for got, want in zip(repaired, originals, strict=True):
        blocks = difflib.SequenceMatcher(None, got, want, autojunk=False).get_matching_blocks()
        matched += sum(b.size for b in blocks)
        total += len(want)
        exact += got == want
    return matched / total, exact, elapsed


def datasets(notes: int) -> list[tuple[str, list[str], list[str]]]:
    zh, bench = chinese(notes), sentences()
    other = list(OTHER.values())
    cases = [
        ("Windows-1252, U+FFFD for undefined bytes (zh notes)", zh, read_as("cp1252", "replace")),
        ("Windows-1252 + C1, lossless (zh sentences)", bench, sloppy_1252),
        ("native single-byte page, U+FFFD for undefined bytes (7 languages)", other, _native_page),
        ("Windows-1254 dropping bytes, like the sample (zh notes)", zh, like_the_sample),
        ("Windows-1254 dropping bytes (zh sentences)", bench, read_as("cp1254", "ignore")),
        ("Windows-1252 dropping bytes (7 languages)", other, read_as("cp1252", "ignore")),
        ("GBK, U+FFFD for lost bytes (zh sentences)", bench, read_as("gbk", "replace")),
        ("GBK, lost bytes dropped (zh sentences)", bench, read_as("gbk", "ignore")),
        ("GB18030 (zh notes)", zh, read_as("gb18030", "replace")),
        ("Shift-JIS, U+FFFD for lost bytes (ja)", [OTHER["ja"]], read_as("cp932", "replace")),
        ("GBK bytes read as Latin-1 (zh sentences)", bench, lambda t: t.encode("gb18030").decode("latin-1")),
    ]
    out = [(name, [damage(t) for t in texts], texts) for name, texts, damage in cases]
    out.append(("ftfy's test corpus (151 passing cases)", *ftfy_cases()))
    out.append(("clean text: zh notes and 7 languages (must not change)", zh + other, zh + other))
    return out


def _native_page(text: str) -> str:
    codec = {"ru": "cp1251", "tr": "cp1254", "el": "cp1253"}
    for lang, sample in OTHER.items():
        if sample == text:
            return text.encode("utf-8").decode(codec.get(lang, "cp1252"), errors="replace")
    raise ValueError(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=40, help="Chinese notes taken from the corpus")
    args = parser.parse_args()
    repair_text("warm up: ä¸")  # load the word list once, outside the timings
    print("| damage | inputs | ftfy chars | vaultkit chars | ftfy exact | vaultkit exact | ftfy s | vaultkit s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, damaged, originals in datasets(args.notes):
        f_acc, f_exact, f_time = score(ftfy.fix_encoding, damaged, originals)
        v_acc, v_exact, v_time = score(repair_text, damaged, originals)
        n = len(originals)
        print(
            f"| {name} | {n} | {f_acc:.2%} | {v_acc:.2%} | {f_exact}/{n} | {v_exact}/{n} | {f_time:.2f} | {v_time:.2f} |"
        )


if __name__ == "__main__":
    main()
