"""Clean text is never touched: a multilingual note, adversarial look-alikes, real vaults.

The encoding rules must report nothing on text in any script, on the symbols notes are full
of (emoji, mathematics, full-width and curly punctuation), and on mojibake deliberately
shown inside code.  The bar is exactly zero findings.
"""

from __future__ import annotations

import pytest

from vaultkit.check.run import check_vault, lint_text
from vaultkit.rulekit.encoding import repair_text

CLEAN_NOTE = """---
title: 多语言笔记 Multilingual notes
aliases: [「測試」, "Ünïcödé"]
tags: [中文, 日本語, 한국어]
---
# 卷积神经网络与深度学习

卷积核的个数决定了输出特征图的通道数。长短时记忆网络通过门控机制缓解了梯度消失问题，“注意力”机制则——如《神经网络与深度学习》所述——能建模长距离依赖……
全角标点：，。：；！？（）【】「」『』、～ 全角字母：ＡＢＣ１２３ ｱｲｳ（半角片假名）
繁體中文：卷積神經網路的計算可以平行化，長短期記憶網路解決梯度消失問題。
日本語：畳み込みニューラルネットワークは画像を処理する。こんにちは、世界！
한국어: 합성곱 신경망은 이미지를 처리하고 기울기 소실 문제를 완화한다.
Русский: Свёрточные нейронные сети обрабатывают изображения. Ёлка, объём, съёмка.
Українська: Згорткові нейронні мережі обробляють зображення. Ґанок, їжак, єдність.
Türkçe: Yapay sinir ağları görüntüleri işler; İstanbul'da ılık bir gün, şüphesiz.
Ελληνικά: Τα νευρωνικά δίκτυα μαθαίνουν από τα δεδομένα· άλφα, έψιλον, ώρα, ϊ, ΰ.
Tiếng Việt: Mạng nơ-ron tích chập xử lý hình ảnh rất hiệu quả và đẹp đẽ.
Français : Le café est très élégant, déjà vu à Noël ; « guillemets » et ‹ simples ›.
Deutsch: Die Größe der Äpfel hängt vom Öl ab, schöne Grüße aus Köln. „Zitat“.
Español: ¿Dónde está el niño? ¡Mañana! Português: São Paulo, ação, coração.
Polski: Łódź, źdźbło, gęś, żółć. Čeština: Dvořák, příliš žluťoučký kůň. Magyar: őrült, fűzfa.
Íslenska: Þetta er ðæði. Dansk/Norsk: Ærø, Ålborg, smørbrød. Română: știință, țară.
Accents in a row: àâäéèêëïîôöùûüÿç ÀÂÄÉÈÊËÏÎÔÖÙÛÜŸÇ æœ ÆŒ ß ñÑ ãõ åÅ øØ
Emoji: 😀 👍🏽 👨‍👩‍👧 🇨🇳 ❤️ ✔ ⚠️ 🚀 — and ☃ ☕.
Math: ∑∫∂∇ ≤ ≥ ≠ ≈ ∞ → ⇒ ⟹ × ÷ ± x² x³ ½ ¼ ‰ ° µm ℝ ℕ ℤ 𝔼 𝑥 𝑦 𝐷 𝛼 𝛽 𝜃 ∀∃∈∉⊂⊆∪∩.
Inline math $𝑦 = \\max(𝑥_1,⋯,𝑥_𝐷)$ and $\\alpha \\cdot β$.
Curly quotes: “double” ‘single’ „low“ «guillemets» ‚low‘ — en–dash, ellipsis…
Currency: € £ ¥ ₹ ₩ ₽ ¢ ©®™ § ¶ † ‡ • · NBSP: a b.
Box: ┌─┐│└┘├┤ ■□▲△●○ ← ↑ → ↓
Hebrew: שלום עולם. Arabic: مرحبا بالعالم. Hindi: नमस्ते दुनिया. Thai: สวัสดีชาวโลก
Mixed: RNN中存在的问题 İstanbul 中文 naïve café résumé Ångström 10 µm ± 2 °C.
A 1×1 convolution; 5 × 3 = 15; 温度 30℃; 第1章；①②③。
Links: [[卷积神经网络#长短时记忆网络（LSTM）]] [知乎](https://zhuanlan.zhihu.com/p/40050371)

Mojibake shown as an example stays: `cafÃ©`, `å·ç§¯`, `涓枃`, `锟斤拷`, `ÖÐÎÄ`.

```text
Le cafÃ© est trÃ¨s bon.
å·ç§¯ç¥žç»ç½‘络
鍗风Н鏍哥殑涓�鏁板喅瀹氫簡
ÖÐÎÄ±Ê¼Ç
```

    indented code: cafÃ© å·ç§¯ 涓枃
"""

LOOK_ALIKES = [
    "àâäéèêëïîôöùûüÿç",  # accents in a row read as GBK bytes would be Chinese
    "ÀÂÄÉÈÊËÏÎÔÖÙÛÜŸÇ",
    "ÆØÅ æøå, Þórður Ævarsson, Ñoño",
    "ĞÜŞİÖÇ ğüşiöç ı — İstanbul 中文",
    "Ça va ? Oui. Âme. ÉCOLE ÉLÉMENTAIRE",
    "中文",
    "你好",
    "烫烫烫",
    "屯屯屯",  # short CJK, and debug-memory patterns (not encoding damage)
    "ｶﾀｶﾅ ﾃｷｽﾄ",
    "αβγδ ΑΒΓΔ",
    "Ⅰ Ⅱ Ⅲ ①②③",
    "¥100 £20 €5 ±×÷ ™®© …—– ½¼¾ µ° ¿¡ «» ª º ¬¦ ¨´¸ ¹²³",
    "Größe: 10 µm ± 2 °C — naïve café résumé Ångström",
    "RNN中存在的问题；𝑥 ∈ ℝ，𝑦 = max(𝑥_1,⋯,𝑥_𝐷)",
]


def test_the_multilingual_note_has_no_encoding_finding():
    assert lint_text(CLEAN_NOTE, select=["VK3"]) == []
    assert repair_text(CLEAN_NOTE) == CLEAN_NOTE


EXAMPLES = ("Ã", "å·", "涓", "ÖÐ")  # the mojibake examples: clean only inside their code span or block


@pytest.mark.parametrize(
    "line", [line for line in CLEAN_NOTE.split("\n") if not line.isascii() and not any(e in line for e in EXAMPLES)]
)
def test_each_line_alone_is_clean_too(line):
    assert lint_text(line, select=["VK3"]) == []


def test_mojibake_inside_code_is_an_example_not_damage():
    note = "Inline `cafÃ©` and `å·ç§¯`.\n\n```\nLe cafÃ© est trÃ¨s bon.\n涓枃 鍗风Н鏍哥殑涓�鏁板\n```\n"
    assert lint_text(note, select=["VK3"]) == []
    outside = "Le cafÃ© est trÃ¨s bon."
    assert [p.rule for p in lint_text(outside, select=["VK3"])] == ["mojibake"]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_left_alone(text):
    assert lint_text(text, select=["VK3"]) == []
    assert repair_text(text) == text


@pytest.mark.parametrize("corpus", ["mathwiki", "obsidian-math-zh"])
def test_real_vaults_have_no_encoding_finding(shared, corpus):
    result = check_vault(shared / "corpora" / corpus, select=["VK3"])
    assert len(result.checked) > 100
    assert [(p.path, p.line, p.message) for p in result.problems] == []
