"""vaultkit's mojibake repair against ftfy's, on the same damaged inputs: accuracy and time.

    python bench/bench_encoding.py [--notes 40]
    python bench/bench_encoding.py --help-vault HELP [--per-locale 1] [--size 600]

The second form damages real text in many languages -- paragraphs of the official Obsidian
help vault, one folder per locale -- through every single-byte code page vaultkit knows and
the double-byte ones (GBK, Big5, Shift-JIS, EUC-KR), decoded strictly, with U+FFFD for
undefined bytes, dropping them, and (single-byte pages) dropping them and the soft hyphen
too; it prints the mean share of characters restored per kind of damage, for vaultkit and
ftfy, and the worst kind.  Inputs the damage leaves unchanged, or that a strict decoder
rejects, are not counted.  ``clean after`` counts the damaged inputs vaultkit left with
no mojibake signature at all (U+FFFD aside) or exactly as they were; an input with a run
repaired and another left undecided (reported, not half repaired: tests/test_encoding_whole.py
checks that per run) counts against it.  ``chars keeping all / some bytes`` bounds what any
repair can do: the share of characters whose every byte came through the damage (restorable
for certain), and whose bytes at least one did (the rest left nothing, or a bare U+FFFD, to
guess from); see :meth:`ReadAs.kept`.

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
import codecs
import difflib
import importlib.util
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ReadAs:
    """UTF-8 read as ``codec`` with ``errors``, dropping soft hyphens too with ``shy``: a damage
    that can also say how many of each character's bytes came through it (:meth:`kept`)."""

    codec: str
    errors: str
    shy: bool = False

    def __call__(self, text: str) -> str:
        damaged = text.encode("utf-8").decode(self.codec, errors=self.errors)
        return damaged.replace("\u00ad", "") if self.shy else damaged

    def kept(self, text: str) -> tuple[float, float]:
        """The shares of ``text``'s characters that keep all their bytes, and at least one, in
        the damaged text: a byte is lost where the decoder rejects it (the error handler sees
        exactly those) or, with ``shy``, where it reads as the soft hyphen that is then
        dropped.  A repair can put back for certain only what kept all its bytes; what kept
        some is guessed from the rest; what kept none left no trace (dropped) or a bare U+FFFD.
        This is what bounds the Big5 rows: it loses whole characters."""
        data = text.encode("utf-8")
        lost = bytearray(len(data))

        def record(exc: UnicodeError) -> tuple[str, int]:
            assert isinstance(exc, UnicodeDecodeError)
            lost[exc.start : exc.end] = b"\1" * (exc.end - exc.start)
            return "", exc.end

        codecs.register_error("bench-record", record)
        data.decode(self.codec, errors="bench-record")
        if self.shy:  # a single-byte page: one byte, one character
            for i, byte in enumerate(data):
                if not lost[i] and bytes([byte]).decode(self.codec, errors="ignore") == "\u00ad":
                    lost[i] = 1
        whole = some = 0
        position = 0
        for char in text:
            width = len(char.encode("utf-8"))
            gone = sum(lost[position : position + width])
            whole += gone == 0
            some += gone < width
            position += width
        return whole / len(text), some / len(text)


def sloppy_1252(text: str) -> str:
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8"))


like_the_sample = ReadAs("cp1254", "ignore", shy=True)


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
    cases: list[tuple[str, list[str], Callable[[str], str]]] = [
        ("Windows-1252, U+FFFD for undefined bytes (zh notes)", zh, ReadAs("cp1252", "replace")),
        ("Windows-1252 + C1, lossless (zh sentences)", bench, sloppy_1252),
        ("native single-byte page, U+FFFD for undefined bytes (7 languages)", other, _native_page),
        ("Windows-1254 dropping bytes, like the sample (zh notes)", zh, like_the_sample),
        ("Windows-1254 dropping bytes (zh sentences)", bench, ReadAs("cp1254", "ignore")),
        ("Windows-1252 dropping bytes (7 languages)", other, ReadAs("cp1252", "ignore")),
        ("GBK, U+FFFD for lost bytes (zh sentences)", bench, ReadAs("gbk", "replace")),
        ("GBK, lost bytes dropped (zh sentences)", bench, ReadAs("gbk", "ignore")),
        ("GB18030 (zh notes)", zh, ReadAs("gb18030", "replace")),
        ("Shift-JIS, U+FFFD for lost bytes (ja)", [OTHER["ja"]], ReadAs("cp932", "replace")),
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


DOUBLE_BYTE = (("gbk", "GBK"), ("big5", "Big5"), ("cp932", "Shift-JIS"), ("cp949", "EUC-KR"))
ERRORS = ("strict", "replace", "ignore")


def paragraphs(vault: Path, per_locale: int, size: int) -> list[tuple[str, str]]:
    """(locale, text): per locale folder, the first prose paragraph (not code, not only
    ASCII) of ``per_locale`` notes picked at random, cut to ``size`` characters at a line end."""
    found = []
    for folder in sorted(p for p in vault.iterdir() if p.is_dir() and not p.name.startswith(".")):
        notes = sorted(folder.rglob("*.md"))
        random.Random(folder.name).shuffle(notes)
        taken = 0
        for path in notes:
            body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
            for block in body.split("\n\n"):
                if "```" not in block and sum(not c.isascii() for c in block) >= 20:
                    cut = block[:size]
                    found.append((folder.name, cut[: cut.rfind("\n")] if "\n" in cut and len(block) > size else cut))
                    taken += 1
                    break
            if taken >= per_locale:
                break
    return found


def damage_kinds() -> list[tuple[str, ReadAs]]:
    """Every kind of damage measured: (name, damage); a damage raises UnicodeDecodeError
    where a strict decoder would reject the bytes."""
    from vaultkit.text.encoding.codepages import PAGES, page

    kinds: list[tuple[str, ReadAs]] = []
    for name in PAGES:
        label = page(name).label
        for errors in ERRORS:
            kinds.append((f"{label} {errors}", ReadAs(name, errors)))
        kinds.append((f"{label} ignore, U+00AD dropped", ReadAs(name, "ignore", shy=True)))
    for codec, label in DOUBLE_BYTE:
        for errors in ERRORS:
            kinds.append((f"{label} {errors}", ReadAs(codec, errors)))
    return kinds


def _accuracy(got: str, want: str) -> float:
    blocks = difflib.SequenceMatcher(None, got, want, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(want)


def help_vault(vault: Path, per_locale: int, size: int) -> None:
    """The per-kind table for real text in many languages (see the module docstring)."""
    from vaultkit.text.encoding.signature import suspicious

    texts = paragraphs(vault, per_locale, size)
    print(f"{len(texts)} paragraphs from {len({loc for loc, _ in texts})} locales")
    print(
        "| damage | inputs | chars keeping all / some bytes | ftfy chars | vaultkit chars | vaultkit clean after | vaultkit CPU s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    worst: list[tuple[float, str, float]] = []
    for name, damage in damage_kinds():
        pairs = []
        for _, text in texts:
            try:
                damaged = damage(text)
            except UnicodeDecodeError:
                continue
            if damaged != text:
                pairs.append((text, damaged))
        if not pairs:
            continue
        start = time.process_time()
        repaired = [repair_text(damaged) for _, damaged in pairs]
        elapsed = time.process_time() - start
        ours = sum(_accuracy(got, text) for got, (text, _) in zip(repaired, pairs, strict=True)) / len(pairs)
        theirs = sum(_accuracy(ftfy.fix_encoding(damaged), text) for text, damaged in pairs) / len(pairs)
        clean = sum(  # U+FFFD left for a lost character is owned up to, not mojibake left
            got == damaged or not suspicious(got.replace("\ufffd", " ")) or suspicious(text)
            for got, (text, damaged) in zip(repaired, pairs, strict=True)
        )
        kept = [damage.kept(text) for text, _ in pairs]
        whole, some = (sum(k[i] for k in kept) / len(kept) for i in (0, 1))
        worst.append((ours, name, theirs))
        print(
            f"| {name} | {len(pairs)} | {whole:.2%} / {some:.2%} | {theirs:.2%} | {ours:.2%} | {clean}/{len(pairs)} | {elapsed:.1f} |"
        )
    ours, name, theirs = min(worst)
    print(f"\nworst kind for vaultkit: {name}: {ours:.2%} of characters restored (ftfy {theirs:.2%})")
    print(
        f"mean over kinds: vaultkit {sum(w[0] for w in worst) / len(worst):.2%}, ftfy {sum(w[2] for w in worst) / len(worst):.2%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=40, help="Chinese notes taken from the corpus")
    parser.add_argument("--help-vault", type=Path, help="the help vault: one folder of notes per locale")
    parser.add_argument("--per-locale", type=int, default=1, help="paragraphs taken per locale")
    parser.add_argument("--size", type=int, default=600, help="characters per paragraph, at most")
    args = parser.parse_args()
    repair_text("warm up: ä¸")  # load the word list once, outside the timings
    if args.help_vault:
        help_vault(args.help_vault, args.per_locale, args.size)
        return
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
