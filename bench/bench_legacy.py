"""Real notes saved in the legacy encodings their languages used: does `vaultkit fix` restore them, and never worse?

    python bench/bench_legacy.py HELP [--notes 20] [--only fr,ru,zh]

HELP is a checkout of the public ``obsidianmd/obsidian-help`` repository (each language
folder holds the same notes, translated); nothing of it is kept in this repository.  Each
locale's notes are saved in every legacy encoding its language really used, as a writer of
that encoding typed them (see :func:`saved`: ASCII quotes and dashes where the page has no
typographic ones, Romanian ş for ș, Vietnamese tone marks as combining marks), and as
UTF-16 and UTF-32 with and without a byte-order mark, then fixed as ``vaultkit fix`` would
(``VK301``, safe fixes; then with ``--unsafe-fixes``):

* restored: the fixed file is that text's UTF-8, byte for byte;
* left: the file is unchanged (reported, not rewritten);
* wrong: the file was rewritten to anything else -- the figure that must be zero.

The clean UTF-8 notes of the same locales go through every encoding rule's safe fixes and
must come back unchanged.  The bar (issue 20): at least 97% restored by the safe fix, zero
wrong rewrites either way, zero clean notes changed.
"""

from __future__ import annotations

import argparse
import codecs
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from vaultkit.fix.loop import fix_text

# The legacy encodings each language of the help vault was really written in.
LEGACY = {
    "en": ("cp1252", "mac-roman"),
    "fr": ("cp1252", "iso8859-15", "mac-roman"),
    "de": ("cp1252", "iso8859-15", "mac-roman"),
    "es": ("cp1252", "iso8859-15"),
    "it": ("cp1252", "iso8859-15"),
    "pt": ("cp1252", "iso8859-15"),
    "pt-br": ("cp1252", "iso8859-15"),
    "nl": ("cp1252", "iso8859-15"),
    "ca": ("cp1252", "iso8859-15"),
    "da": ("cp1252", "iso8859-15"),
    "no": ("cp1252", "iso8859-15"),
    "sv": ("cp1252", "iso8859-15"),
    "fi": ("cp1252", "iso8859-15"),
    "id": ("cp1252",),
    "cs": ("cp1250", "iso8859-2"),
    "sk": ("cp1250", "iso8859-2"),
    "pl": ("cp1250", "iso8859-2"),
    "hu": ("cp1250", "iso8859-2"),
    "ro": ("cp1250", "iso8859-2", "iso8859-16"),
    "ru": ("cp1251", "koi8-r", "iso8859-5", "mac-cyrillic"),
    "uk": ("cp1251", "koi8-u"),
    "el": ("cp1253", "iso8859-7"),
    "tr": ("cp1254", "iso8859-9"),
    "he": ("cp1255", "iso8859-8"),
    "ar": ("cp1256", "iso8859-6"),
    "fa": ("cp1256",),
    "vi": ("cp1258",),
    "th": ("cp874", "iso8859-11"),
    "ja": ("cp932", "euc-jp"),
    "ko": ("cp949", "euc-kr"),
    "zh": ("gb18030", "gbk"),
    "zh-TW": ("big5", "cp950"),
    "bn": (),
    "km": (),
}
UNICODE = ("utf-16-bom", "utf-16-le", "utf-16-be", "utf-32-bom", "utf-32-le")
BOMS = {"utf-16-bom": (codecs.BOM_UTF16_LE, "utf-16-le"), "utf-32-bom": (codecs.BOM_UTF32_LE, "utf-32-le")}
# What a writer typed for a character their encoding lacks: ASCII for typographic punctuation
# (ISO-8859 and KOI8 pages have none), the cedilla letters Romanian was written with before
# Unicode 3.0 added ș and ț, the Arabic letters Persian used in Windows-1256.
TYPED = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "•": "*",
        "\u00a0": " ",
        "ș": "ş",
        "ț": "ţ",
        "Ș": "Ş",
        "Ț": "Ţ",
        "ی": "ي",
        "ک": "ك",
    }
)


def saved(text: str, encoding: str) -> tuple[bytes, str] | None:
    """``text`` as a file in ``encoding`` and the text that file holds, as a writer of that
    encoding typed it; None when the encoding cannot hold it even so."""
    if encoding in BOMS:
        bom, codec = BOMS[encoding]
        return bom + text.encode(codec), text
    for typed in (text, text.translate(TYPED)):
        if encoding == "cp1258":  # Vietnamese in Windows-1258: base letters with combining tone marks
            typed = "".join(_cp1258(c) for c in typed)
        try:
            return typed.encode(encoding), typed
        except UnicodeEncodeError:
            continue
    return None


def _cp1258(char: str) -> str:
    """``char`` as Windows-1258 writes it: precomposed when the page has it, else the letter
    with its vowel mark (â, ơ...) precomposed and the tone mark combining."""
    try:
        char.encode("cp1258")
        return char
    except UnicodeEncodeError:
        base, *marks = unicodedata.normalize("NFD", char)
        tones = [m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323"]
        rest = [m for m in marks if m not in tones]
        return unicodedata.normalize("NFC", base + "".join(rest)) + "".join(tones)


def outcome(data: bytes, want: bytes, unsafe: bool) -> str:
    result = fix_text(data, select=["VK301"], unsafe=unsafe)
    if result.error is not None:
        return "error"
    if result.data == want:
        return "restored"
    if result.data == data:
        return "left"
    return "wrong"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("help", type=Path, help="a checkout of obsidianmd/obsidian-help")
    parser.add_argument("--notes", type=int, default=20, help="notes per locale (default 20)")
    parser.add_argument("--only", default="", help="comma-separated locales (default: all)")
    args = parser.parse_args()
    locales = [loc for loc in LEGACY if not args.only or loc in args.only.split(",")]
    totals: Counter[str] = Counter()
    wrong_cases: list[str] = []
    by_encoding: defaultdict[str, Counter[str]] = defaultdict(Counter)
    start = time.perf_counter()
    print(f"{'locale':7} {'encoding':11} {'files':>5} {'restored':>8} {'left':>5} {'wrong':>5} {'wrong unsafe':>12}")
    for loc in locales:
        folder = args.help / loc
        if not folder.is_dir():
            sys.exit(f"no folder {folder}")
        notes = sorted(folder.rglob("*.md"))[: args.notes]
        texts = [(p, p.read_text(encoding="utf-8")) for p in notes]
        texts = [(p, t) for p, t in texts if not t.isascii()]  # ASCII is the same in every encoding
        clean_changed = 0
        for path, text in texts:
            result = fix_text(text.encode("utf-8"), select=["VK3"])
            if result.data != text.encode("utf-8"):
                clean_changed += 1
                wrong_cases.append(f"clean {loc}/{path.name}")
        totals["clean"] += len(texts)
        totals["clean changed"] += clean_changed
        for encoding in (*LEGACY[loc], *UNICODE):
            row: Counter[str] = Counter()
            for path, text in texts:
                found = saved(text, encoding)
                if found is None or found[0] == found[1].encode("utf-8"):
                    continue
                data, want = found[0], found[1].encode("utf-8")
                safe = outcome(data, want, unsafe=False)
                row["files"] += 1
                row[safe] += 1
                if safe == "wrong":
                    wrong_cases.append(f"safe {loc}/{path.name} {encoding}")
                if outcome(data, want, unsafe=True) == "wrong":
                    row["wrong unsafe"] += 1
                    wrong_cases.append(f"unsafe {loc}/{path.name} {encoding}")
            if row["files"]:
                print(
                    f"{loc:7} {encoding:11} {row['files']:5} {row['restored']:8} {row['left']:5} "
                    f"{row['wrong']:5} {row['wrong unsafe']:12}",
                    flush=True,
                )
                totals.update(row)
                by_encoding[encoding].update(row)
    print(f"\n{'encoding':11} {'files':>5} {'restored':>8} {'left':>5} {'wrong':>5} {'wrong unsafe':>12}")
    for encoding, row in sorted(by_encoding.items()):
        print(
            f"{encoding:11} {row['files']:5} {row['restored']:8} {row['left']:5} {row['wrong']:5} {row['wrong unsafe']:12}"
        )
    files = totals["files"] or 1
    print(
        f"\nlegacy files {totals['files']}: restored by the safe fix {totals['restored']} ({totals['restored'] / files:.1%}), "
        f"left {totals['left']}, wrong {totals['wrong']}, wrong with --unsafe-fixes {totals['wrong unsafe']}, "
        f"errors {totals['error']}"
    )
    print(f"clean UTF-8 notes {totals['clean']}: changed {totals['clean changed']}")
    print(f"{time.perf_counter() - start:.0f} s")
    for case in wrong_cases[:40]:
        print("  ", case)
    ok = totals["wrong"] == 0 and totals["wrong unsafe"] == 0 and totals["clean changed"] == 0
    print(f"zero wrong rewrites, zero clean notes changed: {'PASS' if ok else 'FAIL'}")
    print(f"safe fix restores >= 97%: {'PASS' if totals['restored'] >= 0.97 * files else 'FAIL'}")


if __name__ == "__main__":
    main()
