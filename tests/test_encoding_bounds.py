"""Cost that does not depend on the language, and a bounded cost per note.

Clean text in any script stops at the byte-level signature of mojibake, before any scoring;
a huge or pathological note spends a work budget, gets one finding saying where the
analysis stopped, and the run goes on.
"""

from __future__ import annotations

import pytest

from vaultkit.check.run import check_vault, lint_text
from vaultkit.rulekit.encoding import repair_text
from vaultkit.text.encoding import locate
from vaultkit.text.encoding.locate import BUDGET, _differences
from vaultkit.text.encoding.signature import signature, suspicious

CLEAN = [
    "Свёрточные нейронные сети: всё, её, ещё, объём.",  # KOI8-R reads ``её`` as a valid pair
    "Згорткові мережі: дії, її, Ці, їжак, ґанок.",  # ``дії`` is valid UTF-8 in Windows-1251
    "شبكة عصبية، كلمة، معلومات؛ نعم؟",  # Arabic letters before the Windows-1256 comma
    "پیکربندی، یک کتاب، گزینه‌ها و ژرفا",  # Persian letters that are continuation bytes
    "Τα νευρωνικά δίκτυα μαθαίνουν· ώρα, έψιλον.",
    "นี่คือภาษาไทย และนี่คือบันทึก",
    "繁體中文：卷積神經網路的計算可以平行化。",
    "日本語：畳み込みニューラルネットワークは画像を処理する。",
    "한국어: 합성곱 신경망은 이미지를 처리한다.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_in_any_script_is_scored_only_where_it_has_a_signature(text, monkeypatch):
    """The language model sees nothing of clean text but the rare words whose bytes happen to
    be valid UTF-8 in some code page (``дії`` in Windows-1251), and only those words."""
    scored = []
    decode = locate.langmodel.decode

    def counting(slots, *args, **kwargs):
        scored.append(len(slots))
        return decode(slots, *args, **kwargs)

    monkeypatch.setattr(locate.langmodel, "decode", counting)
    locate._analyse.cache_clear()
    assert lint_text(text + "\n", select=["VK3"]) == []
    assert repair_text(text) == text
    found = signature(text)
    signed = {span for name in found.pages for span in found.spans(name)}
    if not signed:
        assert scored == []
    else:  # each scoring covers one signed word and the characters next to it, no more
        assert max(scored, default=0) <= max(b - a for a, b in signed) + 4


def test_the_signature_names_the_page_and_the_damaged_words():
    found = signature("Le cafÃ© est trÃ¨s bon.")
    assert "cp1252" in found.pages
    assert found.spans("cp1252") == ((6, 8), (15, 17))
    assert signature("鍗风Н绁炵粡缃戠粶").codecs >= {"gbk"}  # 卷积神经网络 read as GBK
    assert not suspicious("Свёрточные нейронные сети обрабатывают изображения.")


def test_an_exact_repair_of_a_long_line_is_diffed_in_linear_time():
    damaged = "cafÃ© " * 2000
    fixed = "café " * 2000
    edits = _differences(damaged, fixed)
    assert len(edits) == 2000
    out, pos = [], 0
    for i1, i2, j1, j2 in edits:
        out.append(damaged[pos:i1] + fixed[j1:j2])
        pos = i2
    assert "".join(out) + damaged[pos:] == fixed


def test_a_note_beyond_the_budget_gets_one_finding_and_the_run_goes_on(tmp_path):
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / "huge.md").write_text("Le cafÃ© est trÃ¨s bon.\n" * (BUDGET // 10), encoding="utf-8")
    (tmp_path / "small.md").write_text("Une autre cafÃ©.\n", encoding="utf-8")
    problems = check_vault(tmp_path, select=["VK303"]).problems
    stopped = [p for p in problems if "too damaged to analyse fully" in p.message]
    assert len(stopped) == 1 and stopped[0].path == "huge.md" and stopped[0].fix is None
    repaired = [p for p in problems if p.path == "huge.md" and p.fix is not None]
    assert 0 < len(repaired) < BUDGET // 10  # the start of the note is still repaired
    assert [p.path for p in problems if p.path == "small.md"] == ["small.md"]


def test_one_huge_line_is_analysed_in_parts():
    text = "cafÃ© " * 1000  # 6,000 characters, no line break
    problems = lint_text(text, select=["VK303"])
    assert problems and all(p.fix is not None for p in problems)
    assert repair_text(text) == "café " * 1000
