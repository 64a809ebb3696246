"""Whole-file encodings and the small encoding rules: non-UTF-8 files (VK301), the UTF-8 BOM
(VK302), replacement characters (VK304) and control characters (VK305)."""

from __future__ import annotations

import codecs
import random

import pytest

from vaultkit.api import Applicability
from vaultkit.check.run import lint_text
from vaultkit.fix.loop import fix_text
from vaultkit.read.decode import NotText, decode
from vaultkit.text.encoding.detect import detect

ZH = "# 卷积神经网络\n\n卷积核的个数决定了输出特征图的通道数。长短时记忆网络通过门控机制缓解了梯度消失问题。\n"
LEGACY = [
    ("gb18030", ZH, "gb18030"),
    (
        "big5",
        "# 卷積神經網路\n\n卷積核的個數決定了輸出特徵圖的通道數。長短時記憶網路通過門控機制緩解了梯度消失問題。\n",
        "big5",
    ),
    (
        "cp932",
        "# 畳み込みニューラルネットワーク\n\nカーネルの数が出力チャネル数を決める。勾配消失問題を緩和する。\n",
        "shift_jis",
    ),
    ("cp949", "# 합성곱 신경망\n\n커널의 개수가 출력 채널 수를 결정한다. 기울기 소실 문제를 완화한다.\n", "euc_kr"),
    ("cp1252", "# Réseaux\n\nLe noyau détermine le nombre de canaux. C'est très élégant, déjà vu.\n", "cp1252"),
    ("cp1251", "# Свёрточные сети\n\nЧисло ядер определяет число каналов на выходе.\n", "cp1251"),
    ("cp1253", "# Νευρωνικά δίκτυα\n\nΟ αριθμός των πυρήνων καθορίζει τα κανάλια.\n", "cp1253"),
    ("cp1254", "# Sinir ağları\n\nÇekirdek sayısı çıkış kanallarını belirler. Güzel ölçüm.\n", "cp1254"),
]


@pytest.mark.parametrize(("expected", "text", "codec"), LEGACY, ids=[c[0] for c in LEGACY])
def test_legacy_files_are_read_right_and_named(expected, text, codec):
    """charset-normalizer alone calls the French cp1252 note "cp1257" and garbles è; the
    language model picks the reading that makes words."""
    data = text.encode(codec)
    decoded_text, decoded = decode(data)
    assert decoded_text == text
    assert decoded.encoding == expected and decoded.confidence >= 0.99
    (problem,) = lint_text(data, select=["VK301"])
    assert problem.fix.encoding == "utf-8" and problem.fix.applicability == Applicability.SAFE
    assert "99%" in problem.message or "100%" in problem.message


def test_transcoding_writes_the_same_text_as_utf8():
    result = fix_text(ZH.encode("gb18030"), select=["VK301"])
    assert result.data == ZH.encode("utf-8")


def test_a_utf8_file_with_some_legacy_lines_is_read_line_by_line():
    data = "# 笔记\n\n中文内容正常。\n".encode() + "Réseau collé d'un vieux éditeur\n".encode("cp1252")
    text, decoded = decode(data)
    assert text == "# 笔记\n\n中文内容正常。\nRéseau collé d'un vieux éditeur\n"
    assert decoded.encoding == "utf-8+cp1252"
    (problem,) = lint_text(data, select=["VK301"])
    assert "UTF-8 with lines in Windows-1252" in problem.message
    assert problem.fix.applicability == Applicability.UNSAFE  # two encodings in one file


def test_utf16_with_and_without_bom():
    with_bom = codecs.BOM_UTF16_LE + "Notes\n".encode("utf-16-le")
    (problem,) = lint_text(with_bom, select=["VK301"])
    assert problem.fix.applicability == Applicability.SAFE
    text, decoded = decode("Plain ASCII notes, UTF-16 without a mark\n".encode("utf-16-le"))
    assert text.startswith("Plain ASCII") and decoded.encoding == "utf-16-le"


def test_detect_gives_up_only_on_nothing():
    assert detect(b"caf\xe9\n").text == "café\n"


def test_stray_nul_is_text_with_a_finding_and_nul_padding_is_recovered():
    text, _ = decode(b"Meeting notes\x00 here\n")
    assert text == "Meeting notes\x00 here\n"
    padded = b"# Note\n\nBody text.\n" + b"\x00" * 4096
    (problem,) = lint_text(padded, select=["VK305"])
    assert "U+0000" in problem.message and problem.fix.applicability == Applicability.SAFE
    assert fix_text(padded, select=["VK305"]).data == b"# Note\n\nBody text.\n"


@pytest.mark.parametrize(
    "data",
    [b"\x00" * 64, bytes(range(1, 32)) * 20, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"],
    ids=["nul", "controls", "png"],
)
def test_binary_data_is_refused(data):
    with pytest.raises(NotText):
        decode(data)


def test_utf8_bom_is_reported_and_removed():
    data = codecs.BOM_UTF8 + b"---\ntitle: x\n---\nbody\n"
    (problem,) = lint_text(data, select=["VK302"])
    assert problem.fix.bom is False
    assert fix_text(data, select=["VK302"]).data == b"---\ntitle: x\n---\nbody\n"
    assert lint_text(b"---\ntitle: x\n---\n", select=["VK302"]) == []


def test_replacement_characters_are_reported_but_never_repaired():
    note = "Price: 10 \ufffd\ufffd per month. 锟斤拷锟斤拷 and 占쏙옙.\n`\ufffd in code`\n"
    problems = lint_text(note, select=["VK304"])
    assert [(p.column, p.end - p.start) for p in problems] == [(11, 2), (25, 6), (36, 3)]
    assert all(p.fix is None for p in problems)
    assert lint_text("烫烫烫 屯屯屯 is debug memory, not encoding damage\n", select=["VK304"]) == []


def test_replacement_characters_inside_a_repaired_run_are_left_to_mojibake():
    damaged = "卷积核的个数决定了输出特征图的通道数。".encode().decode("gbk", errors="replace")
    assert "\ufffd" in damaged
    assert lint_text(damaged, select=["VK304"]) == []
    assert [p.rule for p in lint_text(damaged, select=["VK303", "VK304"])] == ["mojibake"]


def test_control_characters_outside_code_are_removed_safely():
    note = "a\x07b\x1b[0m c\x7f\n`\x07 in code`\n\ttab and\r\nCRLF are fine\n"
    problems = lint_text(note, select=["VK305"])
    assert [note[p.start : p.end] for p in problems] == ["\x07", "\x1b", "\x7f"]
    fixed = fix_text(note, select=["VK305"]).data.decode()
    assert fixed == "ab[0m c\n`\x07 in code`\n\ttab and\r\nCRLF are fine\n"


def test_c1_controls_of_a_mojibake_run_are_left_to_mojibake():
    damaged = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in "卷积神经网络".encode())
    assert any("\x80" <= c <= "\x9f" for c in damaged)
    assert lint_text(damaged, select=["VK305"]) == []
    assert [p.rule for p in lint_text(damaged, select=["VK3"])] == ["mojibake"]


UK = "# Згорткові мережі\n\nЇхні шари обробляють зображення. Ґанок, їжак, єдність і дії мережі.\n"
TH = "# บันทึก\n\nนี่คือบันทึกภาษาไทย เครือข่ายประสาทเทียมประมวลผลภาพ\n"


def test_koi8_u_ukrainian_is_not_read_as_koi8_r():
    """KOI8-R and KOI8-U differ in і, ї, є, ґ only: those words decide."""
    text, decoded = decode(UK.encode("koi8-u"))
    assert text == UK and decoded.encoding == "koi8-u" and decoded.confidence >= 0.99


def test_thai_in_windows_874_is_restored_by_its_spelling():
    """Thai has no word list here: the reading whose vowel signs and tone marks all sit on
    consonants is sure, every other page's reading puts letters where no text has them."""
    data = TH.encode("cp874")
    text, decoded = decode(data)
    assert text == TH and decoded.encoding == "cp874" and decoded.confidence >= 0.99
    assert fix_text(data, select=["VK301"]).data == TH.encode("utf-8")


def test_bytes_of_thai_letters_in_no_thai_order_are_never_transcoded_safely():
    """The letters of Windows-874 in a random order are no Thai spelling (vowel signs and
    tone marks off their consonants), and no other page reads them as text either."""
    rng = random.Random(20)
    letters = bytes(range(0xA1, 0xFB)).decode("cp874", errors="replace").replace("\ufffd", "")
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(40)]
    data = ("# " + " ".join(words) + "\n").encode("cp874")
    assert fix_text(data, select=["VK301"]).data == data


EN_PUNCT = (
    "# Notes\n\nIt’s a note about the vault — the one we share. “Quotes” and dashes – that’s all; "
    "nothing else here is special, and there is no reason to change it…\n"
)


@pytest.mark.parametrize("codec", ["cp1252", "mac-roman"])
def test_an_english_note_with_only_dashes_and_quotes_is_restored(codec):
    """Too few words hold a non-ASCII letter to judge by words: where the characters sit
    decides.  Windows-1252's quotes and dashes are MacRoman letters inside English words
    (``Itís``), Latin-1 controls; MacRoman's are Windows-1252 capitals (``ItÕs``)."""
    data = EN_PUNCT.encode(codec)
    text, decoded = decode(data)
    assert text == EN_PUNCT and decoded.encoding == codec and decoded.confidence >= 0.99
    assert fix_text(data, select=["VK301"]).data == EN_PUNCT.encode("utf-8")


def test_a_byte_that_is_a_letter_in_one_page_and_a_mark_in_another_is_not_transcoded_safely():
    """Windows-1252 ``à`` is MacRoman ``‡``: in an English note neither is a word of the
    language, so nothing tells the pages apart -- the note is reported, never rewritten."""
    note = "# Menu\n\nThe dinner was served à la carte, and we will have the same thing again next week.\n"
    data = note.encode("cp1252")
    (problem,) = lint_text(data, select=["VK301"])
    assert problem.fix is None or problem.fix.applicability != Applicability.SAFE
    assert fix_text(data, select=["VK301"]).data == data


def test_romanian_that_reads_as_cedilla_or_comma_letters_is_never_rewritten():
    """Windows-1250 ``ş`` is ISO-8859-16 ``ș`` (same byte): both readings are the same
    Romanian words, so neither page can be told -- reported, not rewritten, even unsafely."""
    note = (
        "# Acasă\n\nAceastă notă este scrisă în limba română şi conţine câteva cuvinte "
        "obişnuite: ştiinţă, şcoală, ţară, însă şi până.\n"
    )
    data = note.encode("cp1250")
    assert data == note.replace("ş", "ș").replace("ţ", "ț").encode("iso8859-16")
    assert fix_text(data, select=["VK301"]).data == data
    assert fix_text(data, select=["VK301"], unsafe=True).data == data


def test_a_thai_line_valid_as_utf8_by_accident_is_read_with_the_rest():
    """TIS-620 ``ลบ`` is the bytes of UTF-8 ``ź``: that line is Thai like the others."""
    note = TH + "- ลบ\n"
    text, decoded = decode(note.encode("cp874"))
    assert text == note and decoded.encoding == "cp874"


def test_utf32_without_bom_is_recognised():
    for codec in ("utf-32-le", "utf-32-be"):
        text, decoded = decode(ZH.encode(codec))
        assert text == ZH and decoded.encoding == codec and decoded.confidence >= 0.99
        assert fix_text(ZH.encode(codec), select=["VK301"]).data == ZH.encode("utf-8")


def test_a_note_too_short_to_judge_gets_no_fix():
    (problem,) = lint_text(b"caf\xe9 !\n", select=["VK301"])
    assert problem.fix is None and "confidence" in problem.message


def test_a_double_byte_file_with_lines_valid_as_utf8_by_accident_is_read_whole():
    """GB18030 ``筛选`` is the bytes of UTF-8 ``ɸѡ``: that line is not UTF-8 but Chinese."""
    note = "# 筛选\n\n" + ZH.split("\n", 1)[1]
    text, decoded = decode(note.encode("gb18030"))
    assert text == note and decoded.encoding == "gb18030"


def test_utf16_without_bom_in_any_script_is_recognised_by_its_line_feeds():
    text, decoded = decode(ZH.encode("utf-16-le"))
    assert text == ZH and decoded.encoding == "utf-16-le" and decoded.confidence >= 0.99
    assert fix_text(ZH.encode("utf-16-le"), select=["VK301"]).data == ZH.encode("utf-8")


def test_a_clear_double_byte_reading_does_not_wait_for_the_single_byte_pages(monkeypatch):
    """When chardet proposes a double-byte encoding and its reading makes dictionary words,
    the single-byte pages (letter salad of the same bytes, ten times dearer to judge) are
    never judged; a note whose double-byte reading is not clear still is."""
    from vaultkit.text.encoding import detect as module

    judged: list[list[str]] = []
    real = module._judge_single
    monkeypatch.setattr(module, "_judge_single", lambda data, readings: judged.append(readings) or real(data, readings))
    found = detect(ZH.encode("gb18030"))
    assert found is not None and found.encoding == "gb18030" and found.confidence >= 0.99
    assert judged == []
    assert detect(LEGACY[5][1].encode("cp1251")).encoding == "cp1251"
    assert judged


@pytest.mark.parametrize("lang", ["en", "de", "ro", "tr", "vi"])
def test_word_lists_are_folded_as_each_word_is(lang):
    """The word lists are folded in one pass over the joined words: the same set as folding
    each word (case folding, composition, ’, the Romanian cedilla letters)."""
    from vaultkit.text.encoding import detect as module
    from vaultkit.text.encoding import langmodel

    words = [w for bucket in langmodel._wordfreq_buckets(lang, ("small",)) for w in bucket]
    words += ["Straße", "ŞTIINŢĂ", "l’aide", "Việt", "Vie\u0323\u0302t", "ǅ"]
    assert module._folded(words) == frozenset(module._fold(w) for w in words)
    assert module._folded([]) == frozenset()
