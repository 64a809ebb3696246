"""Every kind of damage the mojibake rule repairs, in several languages.

Each case damages clean text the way real software does, then checks the repair: exact for
lossless damage (and a safe fix), close for lossy damage (and an unsafe fix).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from vaultkit.api import Applicability
from vaultkit.check.run import lint_text
from vaultkit.fix.loop import fix_text
from vaultkit.rulekit.encoding import repair_text


def read_as(codec: str, errors: str = "strict"):
    return lambda text: text.encode("utf-8").decode(codec, errors=errors)


def sloppy_1252(text: str) -> str:
    """Windows-1252 as browsers decode it: undefined bytes pass through as C1 controls."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8"))


def twice(damage):
    return lambda text: damage(damage(text))


def legacy_as_latin1(codec: str):
    return lambda text: text.encode(codec).decode("latin-1")


def accuracy(got: str, want: str) -> float:
    blocks = difflib.SequenceMatcher(None, got, want, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(want)


LOSSLESS = [
    ("French, Windows-1252", "Le café est très élégant, déjà vu à Noël.", read_as("cp1252")),
    ("German, Windows-1252", "Die Größe der Äpfel hängt vom Öl ab, schöne Grüße.", read_as("cp1252")),
    ("Russian, Windows-1251", "Свёрточные нейронные сети обрабатывают изображения.", read_as("cp1251")),
    ("Turkish, Windows-1254", "Yapay sinir ağları görüntüleri işler ve öğrenir.", read_as("cp1254")),
    ("Chinese, Windows-1252 with C1", "卷积核的个数决定了输出特征图的通道数。", sloppy_1252),
    ("French, twice over", "Le café est très élégant.", twice(read_as("cp1252"))),
    ("Chinese, GBK bytes as Latin-1", "中文笔记：卷积神经网络", legacy_as_latin1("gbk")),
    ("Chinese, Big5 bytes as Latin-1", "中文筆記：卷積神經網路", legacy_as_latin1("big5")),
    # Pages ftfy does not try, scripts without a word list or words a word list lacks:
    ("Thai, KOI8-R", "ที่คุณสามารถใช้แบบออฟไลน์กับ Obsidian และแอปอื่นๆ", read_as("koi8-r")),
    ("Khmer, Windows-1256", "ជម្លោះកើតឡើងនៅពេលអ្នកផ្លាស់ប្ដូរឯកសារដូចគ្នា", read_as("cp1256")),
    ("Bengali, IBM850", "আপনি যদি একজন ডেভেলপার হন, তাহলে আপনি অবদান রাখতে পারেন।", read_as("cp850")),
    (
        "Hungarian, Windows-1256",
        "Használhatok külső féltől származó szinkronizációs szolgáltatást felhőalapú tárolóval?",
        read_as("cp1256"),
    ),
]

LOSSY = [
    (
        "Chinese, Windows-1254 dropping bytes",
        "长短时记忆网络通过门控机制缓解了梯度消失问题。",
        read_as("cp1254", "ignore"),
    ),
    (
        "Russian, Windows-1252 dropping bytes",
        "Свёрточные нейронные сети обрабатывают изображения.",
        read_as("cp1252", "ignore"),
    ),
    (
        "Japanese, Windows-1252 dropping bytes",
        "畳み込みニューラルネットワークは画像を処理する。",
        read_as("cp1252", "ignore"),
    ),
    ("Korean, Windows-1252 dropping bytes", "합성곱 신경망은 이미지를 처리한다.", read_as("cp1252", "ignore")),
    (  # every consonant but one loses its 0x9E: far more than uniform bytes would lose
        "Khmer, Windows-1254 dropping bytes",
        "ជម្លោះកើតឡើងនៅពេលអ្នកផ្លាស់ប្ដូរឯកសារដូចគ្នា",
        read_as("cp1254", "ignore"),
    ),
    (  # ftfy reads it as Windows-1252 in part (``ΜάΞετε``, ``πτυχÎς``): the whole reading wins
        "Greek, ISO-8859-15 without soft hyphens",
        "Μάθετε πώς να τροποποιείτε πτυχές της εμφάνισης της εφαρμογής Obsidian.",
        lambda text: read_as("iso8859-15")(text).replace("\u00ad", ""),
    ),
    (
        "Chinese, GBK with U+FFFD",
        "卷积核的个数决定了输出特征图的通道数。 一乘一卷积可以改变通道数。",
        read_as("gbk", "replace"),
    ),
    ("Chinese, GBK dropping bytes", "卷积核的个数决定了输出特征图的通道数。", read_as("gbk", "ignore")),
    ("Japanese, GBK with U+FFFD", "畳み込みニューラルネットワークは画像を処理する。", read_as("gbk", "replace")),
    (
        "Japanese, Shift-JIS",
        "こんにちは、畳み込みニューラルネットワークの勉強をしています。",
        read_as("cp932", "replace"),
    ),
    # Alphabets and Thai read as a double-byte codec: judged by their own words, not Chinese ones.
    (
        "Russian, Shift-JIS with U+FFFD",
        "Вы можете использовать символические ссылки для хранения файлов за пределами хранилища.",
        read_as("cp932", "replace"),
    ),
    (
        "Ukrainian, Shift-JIS dropping bytes",
        "Згорткові нейронні мережі обробляють зображення, і це дуже корисно.",
        read_as("cp932", "ignore"),
    ),
    (
        "Persian, GBK dropping bytes",
        "الگوها یک افزونه اصلی است که به شما امکان می‌دهد قطعه‌هایی از متن را درج کنید.",
        read_as("gbk", "ignore"),
    ),
    ("Russian, EUC-KR dropping bytes", "Вы можете использовать символические ссылки.", read_as("cp949", "ignore")),
    (  # each U+FFFD a lead byte lost before known continuation bytes: a handful of leads, one per script
        "Korean, EUC-KR with U+FFFD",
        "개발자라면 다양한 방법으로 Obsidian에 기여할 수 있어요.",
        read_as("cp949", "replace"),
    ),
    (  # every kana loses its lead byte, the kanji come through: Chinese by its intact letters
        "Japanese, EUC-KR with U+FFFD",
        "[[インポーター|インポータープラグイン]]を使用してBearからノートを簡単に移行できます。",
        read_as("cp949", "replace"),
    ),
    (  # names no word list holds; EUC-KR loses the first letter's lead and reads the rest out of step
        "Russian names, EUC-KR with U+FFFD",
        "- k-andzhanovskii, Константин Анджановский (Russisch)",
        read_as("cp949", "replace"),
    ),
    (  # one accented letter inside a word per line: the note shows the signature, no line does
        "Romanian, EUC-KR dropping bytes, line by line",
        "1. **Obsidian Sync** poate fi găsit în secțiunea **Sync**.\n"
        "2. **Obsidian Publish** poate fi găsit în secțiunea **Publish**.\n"
        "3. **Obsidian Credit** poate fi găsit în secțiunea **Billing**.",
        read_as("cp949", "ignore"),
    ),
    ("Thai, GBK dropping bytes", "Obsidian ช่วยให้คุณย้ายโน้ตจาก Notion ได้ง่ายๆ โดยใช้ปลั๊กอิน", read_as("gbk", "ignore")),
    ("Thai, GBK with U+FFFD", "ที่คุณสามารถใช้แบบออฟไลน์กับ Obsidian และแอปอื่นๆ อีกมากมาย", read_as("gbk", "replace")),
]


@pytest.mark.parametrize(("name", "clean", "damage"), LOSSLESS, ids=[c[0] for c in LOSSLESS])
def test_lossless_damage_is_repaired_exactly_and_safely(name, clean, damage):
    damaged = damage(clean)
    assert damaged != clean
    assert repair_text(damaged) == clean
    problems = lint_text(damaged, select=["VK303"])
    assert problems and all(p.rule == "mojibake" for p in problems)
    expected = Applicability.UNSAFE if "as Latin-1" in name else Applicability.SAFE  # a codec guess
    assert {p.fix.applicability for p in problems} == {expected}


@pytest.mark.parametrize(("name", "clean", "damage"), LOSSY, ids=[c[0] for c in LOSSY])
def test_lossy_damage_is_repaired_closely_and_flagged_unsafe(name, clean, damage):
    damaged = damage(clean)
    assert damaged != clean
    repaired = repair_text(damaged)
    assert accuracy(repaired, clean) >= 0.93, repaired
    problems = lint_text(damaged, select=["VK303"])
    assert problems and {p.fix.applicability for p in problems} == {Applicability.UNSAFE}
    assert all("lost" in p.message for p in problems)


def test_the_fix_repairs_the_note_in_place_and_nothing_else():
    note = (
        "---\ntitle: Ã‰tude\ntags: [cafÃ©]\n---\n"
        "# Notes sur le cafÃ©\n\n"
        "Voir [[RÃ©seaux]] et `cafÃ©` (exemple) Ã  https://example.org/cafÃ©?x=1.\n"
    )
    fixed = fix_text(note, select=["VK303"]).data.decode("utf-8")
    assert fixed == (
        "---\ntitle: Étude\ntags: [café]\n---\n"
        "# Notes sur le café\n\n"
        "Voir [[Réseaux]] et `cafÃ©` (exemple) à https://example.org/café?x=1.\n"
    )


def test_findings_point_at_the_run_and_quote_the_repair():
    note = "intro\n\nLe cafÃ© est trÃ¨s bon.\n"
    (problem,) = lint_text(note, select=["VK303"])
    assert (problem.line, problem.column) == (3, 7)  # the first damaged character
    assert "UTF-8 read as" in problem.message and "café est très" in problem.message


def test_two_damaged_runs_on_one_line_are_two_findings():
    line = "cafÃ© " + "x" * 40 + " trÃ¨s"
    problems = lint_text(line, select=["VK303"])
    assert [p.column for p in problems] == [4, 50]


def test_heavy_loss_is_repaired_where_words_say_so_and_otherwise_left_alone():
    """UTF-8 read as Big5 loses lead bytes: the decoder gives up on most characters.  Where
    dictionary words pin the text down it is restored; the rest is left as it was (for the
    replacement-character rule to report), never filled with invented letters."""
    damaged = read_as("big5", "replace")("卷積神經網路的計算可以平行化，長短期記憶網路解決梯度消失。")
    repaired = repair_text(damaged)
    assert "神經網路" in repaired and "解決梯度消失。" in repaired
    assert "\ufffd" in repaired
    invented = [c for c in repaired if c not in damaged and not ("\u4e00" <= c <= "\u9fff" or c in "，。")]
    assert invented == []


def repaired_in_vault(root: Path, notes: dict[str, str], damaged: str) -> str:
    """``damaged``, saved as ``note.md`` in a vault of ``notes`` (path -> text), after the
    fix of the one damaged run ``vaultkit check`` finds there."""
    from vaultkit.check.run import check_vault
    from vaultkit.fix.loop import apply_edits

    (root / ".obsidian").mkdir()
    for rel, text in notes.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / "note.md").write_text(damaged + "\n", encoding="utf-8")
    (problem,) = check_vault(root, select=["VK303"]).problems
    return apply_edits((root / "note.md").read_text(encoding="utf-8"), problem.fix.edits)


def test_vault_vocabulary_and_punctuation_inform_the_repair(tmp_path):
    """A damaged line in a note: the vault's note names and its clean notes make rare words
    and punctuation likely (a cache language model)."""
    clean = "词向量把离散的词语映射到连续的向量空间中。"
    notes = {"词向量.md": "词向量是一种表示。它很有用。\n"}
    assert repaired_in_vault(tmp_path, notes, read_as("gbk", "replace")(clean)) == clean + "\n"


def test_the_words_of_note_and_folder_names_inform_the_repair(tmp_path):
    """A name is often a phrase: ``词嵌入的训练`` holds the word ``词嵌入``, which no word list
    has, joined by ``的``; a folder names a topic as a note does.  A lost byte then reads as
    the vault's word, not as ``话嵌入`` or ``感受重``."""
    clean = "词嵌入是本章的重点，下面先看词嵌入和感受野的定义。"
    notes = {"感受野/计算.md": "步长和填充。\n", "词嵌入的训练.md": "负采样。\n"}
    assert repaired_in_vault(tmp_path, notes, read_as("cp1254", "ignore")(clean)) == clean + "\n"


def test_the_words_the_vault_repeats_inform_the_repair(tmp_path):
    """No word list has ``偏置项``; a vault that writes it again and again makes it its
    word, and a lost byte reads as it, not as ``后置项``."""
    clean = "每一层都有偏置项，感受野随层数变大。"
    notes = {
        "卷积.md": "偏置项加在卷积之后。感受野是输出看到的输入区域。\n偏置项可以省略，感受野可以计算。\n"
        "批归一化之后不需要偏置项；更深的层感受野更大。\n"
    }
    assert repaired_in_vault(tmp_path, notes, read_as("cp1254", "ignore")(clean)) == clean + "\n"


def test_accented_letters_read_with_the_ascii_letter_after_them_are_found():
    """Shift-JIS pairs ț's second byte with the ``i`` after it (``secﾈ嬖unea``): the screen
    must see the accented letter through that character, or the line is never repaired."""
    clean = "Navighează la secțiunea corespunzătoare articolului pe care dorești să-l achiziționezi."
    damaged = read_as("cp932", "ignore")(clean)
    assert "ﾈ嬖" in damaged
    assert repair_text(damaged) == clean


def test_a_lost_byte_next_to_an_exact_repair_stays_owned_up_to():
    """EUC-KR loses the E2 of ``→`` (U+FFFD, then 86 92 read as Hangul) on a line whose
    ``æ`` it read exactly: the exact repair of the line must not turn that U+FFFD into
    ``?``, a character the codec cannot encode being no byte of the UTF-8."""
    clean = "I filvælgervinduet skal du navigere til **iCloud Drev → Obsidian**."
    damaged = read_as("cp949", "replace")(clean)
    repaired = repair_text(damaged)
    assert "vælger" in repaired and "?" not in repaired


def test_khmer_whose_every_lead_byte_was_lost_reads_as_khmer():
    """EUC-KR loses the E1 of every Khmer letter and reads the rest as Hangul: no letter is
    intact and Khmer has no word list, but one lead byte, E1, reads all of them as letters of
    one script (a dingbat, at the same offset under E2, would cost less one by one).  What
    is not restored stays U+FFFD: no Hangul, symbol or other script is left or invented."""
    clean = "ជម្លោះកើតឡើងនៅពេលអ្នកផ្លាស់ប្ដូរឯកសារដូចគ្នា"
    repaired = repair_text(read_as("cp949", "replace")(clean))
    assert accuracy(repaired, clean) >= 0.9
    assert all(c == "\ufffd" or "\u1780" <= c <= "\u17ff" for c in repaired), repaired
    # The script's full stop ``។`` (punctuation under every lead) does not break the run.
    repaired = repair_text(read_as("cp949", "replace")("ធ្វើសមកាលកម្ម។ ឧទាហរណ៍ អ្នកកែកំណត់ត្រានៅលើកុំព្យូទ័ររបស់អ្នក។"))
    assert "ម្ម។ ឧទាហរណ៍ អ្ន" in repaired


def test_khmer_read_as_euc_kr_dropping_bytes_reads_as_khmer():
    """Dropped without a mark, the E1 of every Khmer letter leaves Hangul syllables that
    only EUC-KR's extension spells.  Priced as the syllables Korean is written with, they
    cost less than Khmer's combining signs plus the lost bytes, and the text stayed Hangul;
    they are as rare in Korean as a historic script's letters.  Letters all of whose bytes
    were dropped (``ក``, E1 9E 80) leave no trace and stay lost."""
    clean = "ជម្លោះកើតឡើងនៅពេលអ្នកផ្លាស់ប្ដូរឯកសារដូចគ្នា"
    repaired = repair_text(read_as("cp949", "ignore")(clean))
    assert accuracy(repaired, clean) >= 0.9
    assert all("\u1780" <= c <= "\u17ff" for c in repaired), repaired


def test_kana_whose_lead_bytes_were_dropped_are_read_one_damaged_character_each():
    """EUC-KR drops the E3 of every kana and reads each kana's two continuation bytes as one
    Hangul syllable: four continuation bytes in a row are two characters, and the damaged
    characters say which bytes go together."""
    clean = (
        "Obsidianでは、[[インポーター|インポータープラグイン]]を使用してBearからノートを簡単に移行できます。"
        "Bearのデータは耐久性のあるMarkdownファイルに変換され、Obsidianやその他の多くのアプリで使用できます。"
    )
    repaired = repair_text(read_as("cp949", "ignore")(clean))
    assert "[[インポーター|インポータープラグイン]]を使用してBearからノートを簡単に移行" in repaired
    assert accuracy(repaired, clean) >= 0.85


def test_kana_beside_nothing_but_ascii_are_judged_as_japanese():
    """A damaged stretch whose only intact letters are ASCII (``Bear``, after a ``。`` and
    before kana that lost their E3 bytes) shows no script of its own: judged as English, its
    kana spelt no word and it stayed Hangul beside the repaired rest of the line."""
    clean = (
        "プラグインを使用して、メモを簡単に移行できます。Bearのデータは耐久性のあるMarkdown"
        "ファイルに変換され、Obsidianや他の多くのアプリで使用できます。"
    )
    for errors in ("replace", "ignore"):
        assert "Bearのデータ" in repair_text(read_as("cp949", errors)(clean))


def test_khmer_read_as_big5_gets_no_letters_that_one_lost_lead_alone_reproduces():
    """Big5 loses most of Khmer's bytes; before some of them only one lead byte (C8) can
    have been lost, which pins a Latin letter there.  That is no reading of the run: the
    text is left as it was rather than \"repaired\" into Latin letters and Ethiopic marks."""
    damaged = read_as("big5", "replace")("ជម្លោះកើតឡើងនៅពេលអ្នកផ្លាស់ប្ដូរឯកសារដូចគ្នានៅលើឧបករណ៍ពីរ ឬច")
    repaired = repair_text(damaged)
    assert [c for c in repaired if c not in damaged and not "\u1780" <= c <= "\u17ff"] == []
