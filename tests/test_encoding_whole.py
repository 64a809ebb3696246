"""Repairs are whole or not at all, and grammar decides the Chinese close calls it can.

Clean sentences in seven scripts are damaged through every code page and codec vaultkit
knows, decoded strictly, with U+FFFD for undefined bytes, dropping them, and dropping the
soft hyphen too.  Whatever the analysis makes of them, no run may come out half repaired:
a run with edits leaves no mojibake behind, a run without edits names what it could not
decide, and the mojibake rule offers no fix for it.
"""

from __future__ import annotations

import itertools

import pytest
from test_encoding_sample import ZHONG_YU_BU  # (E4 B8 AD / 8E / 8D: the same ``ä¸`` once the last byte is lost)

from vaultkit.api import Applicability
from vaultkit.check.run import lint_text
from vaultkit.fix.loop import fix_text
from vaultkit.rulekit.encoding import repair_text
from vaultkit.text.encoding import langmodel
from vaultkit.text.encoding.codepages import PAGES
from vaultkit.text.encoding.locate import analyse
from vaultkit.text.encoding.signature import suspicious

SENTENCES = {
    "ja": "このページでは、Obsidian Basesでフィルターや数式のプロパティからデータを操作するために使用される関数について詳しく説明します。",
    "ru": "Вы можете использовать символические ссылки, чтобы добавить в хранилище папки из других мест.",
    "uk": "Дізнайтеся, як співпрацювати на вашому сайті з іншими людьми.",
    "zh": "卷积核的个数决定了输出特征图的通道数。一乘一卷积可以改变通道数。",
    "el": "Μάθετε πώς να τροποποιείτε πτυχές της εμφάνισης της εφαρμογής Obsidian.",
    "fr": "Le café est très élégant, déjà vu à Noël ; « où êtes-vous ? » dit-il.",
    "ko": "합성곱 신경망은 이미지를 처리하고 기울기 소실 문제를 완화한다.",
}
CODECS = (*PAGES, "gbk", "big5", "cp932", "cp949")
MODES = ("strict", "replace", "ignore", "soft hyphen")


def damage(text: str, codec: str, mode: str) -> str | None:
    """``text``'s UTF-8 read with ``codec``; None where a strict decoder rejects it."""
    try:
        damaged = text.encode("utf-8").decode(codec, errors="ignore" if mode == "soft hyphen" else mode)
    except UnicodeDecodeError:
        return None
    return damaged.replace("\u00ad", "") if mode == "soft hyphen" else damaged


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("lang", SENTENCES)
def test_every_run_is_repaired_in_full_or_left_as_it_is(lang, codec):
    for mode in MODES:
        damaged = damage(SENTENCES[lang], codec, mode)
        if damaged is None:
            continue
        runs = analyse(damaged)
        assert all(a.end <= b.start for a, b in itertools.pairwise(runs)), (mode, runs)  # no two overlap
        for run in runs:
            if run.edits:
                repaired = run.repaired(damaged).replace("\ufffd", " ")  # a lost character, owned up to
                assert not suspicious(repaired), (mode, repaired)
                assert not any(map(langmodel.extension_hangul, repaired)), (
                    mode,
                    repaired,
                )  # too short to be suspicious
                assert not run.undecided
            else:
                assert run.undecided, (mode, run)


def test_a_run_no_repair_explains_in_full_is_reported_without_a_fix():
    """Czech read as Windows-1255 with soft hyphens stripped: the ``í`` of ``nastavení``
    lost its 0xAD, leaving the Hebrew point ``ֳ`` (its 0xC3) alone before a space, and no
    repair explains it (the byte before a space may as well be a no-break space's).  So
    the run of ``Otevřete`` beside it stays exactly as it is (not its easy letter repaired
    and the rest left as mojibake beside it), and the finding names the words nobody could
    decide; the end of the line, a run of its own, is repaired."""
    damaged = damage("Otevřete nastavení a vyberte složku pro zálohy.", "cp1255", "soft hyphen")
    assert damaged is not None
    (problem,) = [p for p in lint_text(damaged, select=["VK303"]) if p.fix is None]
    assert "not repaired" in problem.message and "undecided: “ֵ™”" in problem.message
    fixed = fix_text(damaged, select=["VK303"], unsafe=True).data.decode("utf-8")
    assert fixed == "Otevֵ™ete nastavenֳ a vyberte složku pro zálohy."


def test_letters_no_word_list_tells_apart_are_owned_up_to_in_a_whole_repair():
    """Thai read as Windows-1251 with soft hyphens stripped: ``อ`` (E0 B8 AD) lost its last
    byte, which Windows-1251's undefined 0x98 (``ธ``) could have been as well, and Thai has
    no word list to tell them apart.  Every other character reads back whole (three intact
    UTF-8 bytes each: no clean text looks so), so the line is repaired in full -- as a fix
    that needs ``--unsafe-fixes`` -- with U+FFFD for each letter nobody can decide, not
    guessed and not left as mojibake beside the repair."""
    original = "Obsidian ช่วยให้คุณย้ายโน้ตจาก Notion ได้ง่ายๆ โดยใช้ปลั๊กอิน Importer ซึ่งจะแปลงข้อมูลของคุณเป็นไฟล์"
    damaged = damage(original, "cp1251", "soft hyphen")
    assert damaged is not None
    (problem,) = lint_text(damaged, select=["VK303"])
    assert problem.fix is not None and problem.fix.applicability == Applicability.UNSAFE
    assert "3 characters lost for good" in problem.message
    assert fix_text(damaged, select=["VK303"], unsafe=True).data.decode("utf-8") == original.replace("อ", "\ufffd")
    assert fix_text(damaged, select=["VK303"]).data.decode("utf-8") == damaged


def test_a_script_with_a_word_list_is_judged_by_its_words():
    """Bengali read as Latin-1 with soft hyphens stripped: the soft hyphen's 0xAD is the one
    byte Latin-1 loses, so every lost byte is known, and Bengali words (not only Latin,
    Greek or Cyrillic ones) vouch for the repair: the line is repaired in full, as a fix
    that needs ``--unsafe-fixes`` since bytes were lost."""
    original = "আপনি যদি একজন ডেভেলপার হন, তাহলে আপনি বিভিন্নভাবে Obsidian-এ অবদান রাখতে পারেন।"
    damaged = damage(original, "latin-1", "soft hyphen")
    assert damaged is not None
    (problem,) = lint_text(damaged, select=["VK303"])
    assert problem.fix is not None and problem.fix.applicability == Applicability.UNSAFE
    assert fix_text(damaged, select=["VK303"], unsafe=True).data.decode("utf-8") == original
    assert fix_text(damaged, select=["VK303"]).data.decode("utf-8") == damaged


@pytest.mark.parametrize(
    ("lang", "codec"),
    [("ru", "mac-roman"), ("uk", "koi8-r"), ("ru", "cp850"), ("el", "koi8-r"), ("ru", "iso8859-15")],
)
def test_pages_ftfy_does_not_try_are_read_back_exactly_and_safely(lang, codec):
    """ftfy tries a few code pages only; a line part that re-reads into dictionary words
    through another page the signature names is repaired exactly -- in the language whose
    common words it uses (Ukrainian is not Russian)."""
    damaged = damage(SENTENCES[lang], codec, "strict")
    assert damaged is not None and damaged != SENTENCES[lang]
    assert repair_text(damaged) == SENTENCES[lang]
    problems = lint_text(damaged, select=["VK303"])
    assert problems and {p.fix.applicability for p in problems if p.fix} == {Applicability.SAFE}


def test_language_tells_apart_languages_that_share_a_script():
    assert langmodel.language("Дізнайтеся, як співпрацювати на вашому сайті") == "uk"
    assert langmodel.language("Вы можете использовать символические ссылки") == "ru"
    assert langmodel.language("این یک آزمایش است و ما می‌خواهیم") == "fa"


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ("卷积神经网络?的卷积核", "中"),  # an adverb never precedes 的, a preposition needs an object
        ("在迭代过程?，针对", "中"),  # nor a pause
        ("推导网络?参数的梯度", "中"),  # an adverb never precedes a noun
        ("可以在?改变特征维度", "不"),  # a locative never follows a preposition
    ],
)
def test_grammar_decides_a_lost_byte_between_function_words(context, expected):
    lex = langmodel.lexicon("zh")
    slots = [ZHONG_YU_BU if c == "?" else (c,) for c in context]
    decoding = langmodel.decode(slots, lex)
    assert decoding.chars[context.index("?")] == expected


def test_grammar_facts_come_from_the_shipped_tags():
    tags = langmodel.chinese_tags()
    assert (tags["不"], tags["与"], tags["中"], tags["的"]) == ("d", "p", "f", "uj")
    assert langmodel.misplaced("不", "n", "uj")  # 网络不的
    assert not langmodel.misplaced("不", "p", "v")  # 在不改变
    assert langmodel.misplaced("中", "p", "v")  # 在中改变
    assert not langmodel.misplaced("中", "n", "uj")  # 网络中的
    assert langmodel.misplaced("与", "n", "x")  # 过程与，


def test_what_a_double_byte_repair_could_not_read_is_owned_up_to_in_it():
    """Japanese read as EUC-KR dropping bytes: ``す。`` before ASCII loses its lead bytes,
    leaving ``걲`` (81 99, ``す`` short of its E3) beside the repair, and ``は、`` leaves
    ``겘``.  Both are syllables only EUC-KR's extension spells -- what UTF-8 read as EUC-KR
    is made of, never Korean -- and no candidate explains them: the run owns up to them as
    lost characters (U+FFFD) instead of keeping mojibake inside its repair.  Clean Korean
    stays as it is: beside the run, after a space where reading could resume or written
    against its first word (``널``), and on the line before, an extension syllable (``똠``)
    among it."""
    original = "テーマは設定画面からいつでも変更できます。Obsidianの外観は、スニペットを使って自由に調整できます。"
    damaged = damage(original, "cp949", "ignore")
    assert damaged is not None and "걲" in damaged and "겘" in damaged
    clean = "똠방각하 널\n설명 널: 널"
    note = clean + damaged
    runs = [run for run in analyse(note) if run.edits]
    assert runs and all(not run.undecided for run in runs)
    repaired = "".join(run.repaired(note) for run in runs)
    assert not any(langmodel.extension_hangul(c) for c in repaired), repaired
    assert "できま\ufffd" in repaired and "外観\ufffd" in repaired
    assert sum(run.unresolved for run in runs) == repaired.count("\ufffd")
    fixed = fix_text(note, select=["VK303"], unsafe=True).data.decode("utf-8")
    assert fixed.startswith(clean + original[:10])
    assert not any(langmodel.extension_hangul(c) for c in fixed[len(clean) :])
