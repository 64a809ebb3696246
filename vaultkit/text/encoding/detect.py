"""Which encoding a file that is not UTF-8 is in, and how sure that is.

charset-normalizer proposes encodings and is right about the double-byte CJK ones (GBK and
GB18030, Big5, Shift-JIS, EUC-KR) but happily calls French Windows-1252 "cp1257" or
"cp1006": single-byte pages differ in only a few letters, and its measure of chaos does
not know which letters make words.  So every plausible reading -- its proposals plus the
common code pages -- is decoded and scored with the language model (cost per non-ASCII
byte, on a sample of the lines that need decoding), and the best one wins.  Readings that
decode to the same text are the same answer; otherwise the cost gap to the runner-up is a
likelihood ratio, which gives the confidence.

A file that is mostly UTF-8 with some lines in a legacy code page (a paste from an old
editor) is decoded line by line instead: transcoding it whole with either encoding would
damage the other part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vaultkit.text.encoding import langmodel

SINGLE_BYTE = (
    "cp1252",
    "latin-1",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1257",
    "iso8859-15",
    "mac-roman",
    "koi8-r",
)
DOUBLE_BYTE = ("gb18030", "big5", "cp932", "cp949", "euc-jp")
SAMPLE_BYTES = 4000  # non-ASCII bytes scored per reading
SURE = 0.99  # confidence from which transcoding is safe
LABELS = {
    "gb18030": "GB18030/GBK",
    "big5": "Big5",
    "cp932": "Shift-JIS",
    "cp949": "EUC-KR",
    "euc-jp": "EUC-JP",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "latin-1": "Latin-1",
    "iso8859-15": "ISO-8859-15",
    "mac-roman": "MacRoman",
    "koi8-r": "KOI8-R",
}


@dataclass(frozen=True)
class Detection:
    """A reading of bytes that are not UTF-8: its codec (``utf-8+cp1252`` for a mixed
    file), the text, how sure it is and what it is called."""

    encoding: str
    text: str
    confidence: float

    @property
    def label(self) -> str:
        return label(self.encoding)


def label(encoding: str) -> str:
    """``GB18030/GBK`` for ``gb18030``, ``Windows-1252`` for ``cp1252``..."""
    parts = encoding.split("+")
    return " with lines in ".join(
        LABELS.get(p, "UTF-8" if p == "utf-8" else f"Windows-{p[2:]}" if p.startswith("cp125") else p) for p in parts
    )


def detect(data: bytes) -> Detection | None:
    """The best reading of ``data`` (which is not valid UTF-8), or None if nothing fits."""
    lines = data.splitlines(keepends=True)
    good = [line for line in lines if not line.isascii() and _utf8(line)]
    bad = [line for line in lines if not _utf8(line)]
    if good and bad:
        return _mixed(lines, bad)
    readings = _readings(data)
    if not readings:
        return None
    sample = _sample(bad or lines)
    scored = sorted((_score(sample, codec), rank, codec) for rank, codec in enumerate(readings))
    best_cost, _, best = scored[0]
    text = data.decode(best)
    rivals = [(cost, codec) for cost, _, codec in scored[1:] if data.decode(codec) != text]
    gap = rivals[0][0] - best_cost if rivals else math.inf
    return Detection(best, text, _confidence(gap))


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _readings(data: bytes) -> list[str]:
    """Codecs that decode ``data`` without error, most usual first: the double-byte ones when
    charset-normalizer's best guess is double-byte, else the single-byte code pages."""
    from charset_normalizer import from_bytes

    proposed = [match.encoding for match in from_bytes(data)]
    wide = bool(proposed) and _wide(proposed[0])
    usual = DOUBLE_BYTE if wide else SINGLE_BYTE
    found = []
    for codec in dict.fromkeys([*usual, *proposed]):
        if _wide(codec) != wide:
            continue
        try:
            data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        found.append(codec)
    return found


def _wide(codec: str) -> bool:
    """Whether ``codec`` has characters of more than one byte."""
    try:
        return any(len(c.encode(codec)) > 1 for c in "中あ한")
    except (UnicodeEncodeError, LookupError):
        return False


def _sample(lines: list[bytes]) -> bytes:
    """Lines with non-ASCII bytes, up to :data:`SAMPLE_BYTES` of them."""
    out, high = [], 0
    for line in lines:
        count = sum(1 for b in line if b > 0x7F)
        if count:
            out.append(line)
            high += count
            if high >= SAMPLE_BYTES:
                break
    return b"".join(out)


def _score(sample: bytes, codec: str) -> float:
    """Language-model cost per non-ASCII byte of ``sample`` read as ``codec`` (lower is better)."""
    try:
        text = sample.decode(codec)
    except UnicodeDecodeError:
        return math.inf
    high = sum(1 for b in sample if b > 0x7F) or 1
    lex = langmodel.lexicon(langmodel.language(text))
    cost = sum(langmodel.decode([(c,) for c in line], lex).cost for line in text.splitlines() if not line.isascii())
    return cost / high


def _confidence(gap: float) -> float:
    """The odds of the best reading against the runner-up, as a probability.  ``gap`` is in
    cB per non-ASCII byte, taken over (at most) :data:`SAMPLE_BYTES` bytes: capped at 100
    bytes' worth of evidence, so a long file does not become absolutely certain."""
    if gap == math.inf:
        return 1.0
    evidence = gap * min(100, SAMPLE_BYTES)
    return round(1 / (1 + 10 ** (-evidence / 100)), 3)


def _mixed(lines: list[bytes], bad: list[bytes]) -> Detection | None:
    """UTF-8 with some lines in a legacy encoding: each line read the way that fits it."""
    legacy = detect(b"".join(bad))
    if legacy is None or "+" in legacy.encoding:
        return None
    text = "".join(line.decode("utf-8") if _utf8(line) else line.decode(legacy.encoding) for line in lines)
    return Detection(f"utf-8+{legacy.encoding}", text, min(legacy.confidence, 0.9))
