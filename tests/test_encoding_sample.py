"""The sample that started the project: ``../shared/samples/damaged-note.md``.

A Chinese course note whose UTF-8 was read as Windows-1254, the bytes that page leaves
undefined dropped and soft hyphens stripped.  The original is not available, so these tests
pin what can be known for certain: every damaged run is found, every math-italic letter is
restored, nothing outside the damaged runs changes, no mojibake is left, and the repair
reads as the course's own terms.  ``test_heldout_accuracy`` measures the same repair on
clean Chinese notes damaged the same way.
"""

from __future__ import annotations

import difflib
import random
import re
import unicodedata
from pathlib import Path

import pytest

from vaultkit.check.run import lint_text
from vaultkit.fix.loop import fix_text
from vaultkit.rulekit.encoding import repair_text
from vaultkit.text.encoding.langmodel import DocumentCache, decode, lexicon

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="module")
def damaged() -> bytes:
    path = SHARED / "samples" / "damaged-note.md"
    assert path.is_file(), f"{path} is missing: the shared/ folder must sit beside the checkout"
    return path.read_bytes()


@pytest.fixture(scope="module")
def repaired(damaged) -> str:
    result = fix_text(damaged, select=["VK3"], unsafe=True)
    assert result.converged and result.error is None
    return result.data.decode("utf-8")


def damage_like_the_sample(text: str) -> str:
    """UTF-8 read as Windows-1254 with undefined bytes dropped, then soft hyphens stripped."""
    return text.encode("utf-8").decode("cp1254", errors="ignore").replace("\u00ad", "")


def math_italic(text: str) -> list[str]:
    return [c for c in text if unicodedata.name(c, "").startswith("MATHEMATICAL ITALIC")]


def test_every_damaged_line_is_reported_once_per_run(damaged):
    problems = lint_text(damaged, select=["VK303"])
    lines = {p.line for p in problems}
    text = damaged.decode("utf-8").split("\n")
    damaged_lines = {n for n, line in enumerate(text, 1) if not line.isascii()}
    assert lines == damaged_lines
    assert all(p.fix is not None and p.fix.edits for p in problems)
    assert any("Windows-1254" in p.message and "lost" in p.message for p in problems)


def test_all_25_math_italic_letters_are_restored(damaged, repaired):
    assert "ğ" in damaged.decode("utf-8")
    letters = math_italic(repaired)
    assert len(letters) == 25
    assert sorted(set(letters)) == ["𝐷", "𝑖", "𝑥", "𝑦"]
    assert "max(𝑥_1,⋯,𝑥_𝐷)" in repaired


def test_nothing_outside_the_damaged_runs_changes(damaged, repaired):
    """Keys, LaTeX, URLs and Markdown syntax are ASCII: the repaired note must keep every
    ASCII character of the damaged one, in order, and add none."""
    before = damaged.decode("utf-8")
    assert [c for c in repaired if c.isascii()] == [c for c in before if c.isascii()]
    for line_before, line_after in zip(before.split("\n"), repaired.split("\n"), strict=True):
        if line_before.isascii():
            assert line_after == line_before


def test_no_mojibake_is_left(repaired):
    assert "\ufffd" not in repaired
    latin1 = [c for c in repaired if "\u00c0" <= c <= "\u00ff" and c != "\u00d7"]  # × is the author's
    assert latin1 == []
    assert lint_text(repaired, select=["VK3"]) == []


@pytest.mark.parametrize(
    "phrase",
    [
        "title: A6分析",
        "  - 神经网络",
        "  - 深度学习",
        "分析卷积神经网络",
        "用1×1的卷积核的作用。",
        "当卷积核的个数大于或小于输入通道数时，可以改变输出的通道数",
        "[[循环神经网络#长短时记忆网络（LSTM）]]",
        "[LSTM - 长短期记忆递归神经网络 - 知乎](https://zhuanlan.zhihu.com/p/123857569)",
        "遗忘门\n",
        "单元状态更新",
        "具体计算后得到，",
        "每一步",
        "也就不会一直减小，远距离梯度不至于完全消失",
        "当将自注意力模型作为神经网络的一层使用时，分析它和卷积层以及循环层在建模长距离依赖关系的效率和计算复杂度方面的差异。",
    ],
)
def test_repair_reads_as_the_course_text(repaired, phrase):
    assert phrase in repaired


def test_close_calls_are_flagged_with_their_alternatives(damaged):
    messages = [p.message for p in lint_text(damaged, select=["VK303"])]
    flagged = [m for m in messages if re.search("check [中与不] \\(or [中与不]", m)]
    assert len(flagged) >= 5  # 中/与/不 share their surviving bytes: the reader must look


# Every pick between 中, 与 and 不 in the sample (their last byte is lost: ``ä¸``), 13 in all,
# as a reader of the course text settles each one.  All 13 are settled by the text; the repair
# gets them right from grammar (langmodel.misplaced, langmodel.context_cost) and the note's own
# words, 10 of them by a margin it trusts and the 3 of TIPPED only just: those stay flagged.
DECIDED = [
    # "Analyse the role of 1×1 kernels in CNNs": a locative after the noun, as in the next
    # line's title; 不用 ("without") would ask for the role of kernels the net does not use.
    # The note spells 网络中 elsewhere (网络中的).
    "分析卷积神经网络中用1×1的卷积核的作用",
    "卷积神经网络中的1x1卷积核",  # not 不的: an adverb never precedes 的
    "对于输入向量中的某个元素",  # twice, both 中: an adverb never precedes 的
    "推导LSTM网络中参数的梯度",  # the network's parameters: the note spells 网络中 elsewhere
    "在LSTM迭代过程中，针对",  # not 不，: an adverb never precedes a pause
    "可以在不改变特征维度",  # "without changing": not 在中, a locative never follows a preposition
    "也就不会一直减小",  # 不会, "will not": 中会 and 与会 are no reading here
    "梯度不至于完全消失",  # 不至于, "not so far as to"
    # "its index is the same as the position of the maximum": 与…相同 compares two positions
    "它的索引位置与最大值所在的位置相同",
]
# Picked right by grammar, but by a margin under the review margin: each stays flagged, with
# the runner-up among the alternatives -- a close call is never passed off as certain.
TIPPED = [
    # "A6 分析与简答", "analysis and short answers": the assignment's title, two kinds of task.
    # A clause of two verbs (分析 is also a noun) joined by 与 names things, as a title does;
    # 分析不简答 would be a sentence, "analysis does not answer briefly".
    ("分析", "与", "简答"),
    # "解决RNN中存在的梯度消失问题", "solves the vanishing gradient that exists in RNNs" (which
    # LSTM's memory cell does): "X中存在Y" is Mandarin's existential sentence, but 不存在 is
    # grammatical too, and would reverse the meaning.
    ("RNN", "中", "存在"),
    # "神经网络与深度学习": Neural Networks and Deep Learning, the course (and its textbook),
    # a list item of two nouns, both the note's own tags.  But the note spells 神经网络中
    # elsewhere, so 中 stays the runner-up.
    ("神经网络", "与", "深度学习"),
]


@pytest.mark.parametrize("phrase", DECIDED)
def test_context_decides_the_close_calls_it_can(repaired, phrase):
    assert phrase in repaired


@pytest.mark.parametrize(("before", "right", "after"), TIPPED)
def test_close_calls_are_picked_right_and_flagged(damaged, repaired, before, right, after):
    picked = re.search(f"{before}([中与不]){after}", repaired)
    assert picked is not None
    assert picked.group(1) == right
    line = repaired.count("\n", 0, picked.start()) + 1
    messages = [p.message for p in lint_text(damaged, select=["VK303"]) if p.line == line]
    assert any(re.search(f"check {right} \\(or ", m) for m in messages), messages


ZHONG_YU_BU = ("中", "与", "不")  # the candidates of ``ä¸`` once its last byte is lost


def pick(text: str, cache: DocumentCache, close: bool = False) -> str:
    """The pick at the ``?`` of ``text``, an open slot of 中, 与 or 不; ``?`` for a close call
    (a margin under the review margin of 100 cB: flagged) unless ``close``."""
    slots = [ZHONG_YU_BU if c == "?" else (c,) for c in text]
    decoding = decode(slots, lexicon("zh"), cache)
    k = text.index("?")
    return decoding.chars[k] if close or decoding.margins[k] >= 100 else "?"


def test_what_the_note_shows_around_a_candidate_elsewhere_decides():
    assert pick("推导卷积神经网络?参数的梯度", DocumentCache()) == "?"  # alone, a close call
    cache = DocumentCache()
    other = [("中", "与", "不") if c == "?" else (c,) for c in "卷积神经网络?的卷积核"]
    assert cache.learn(other, decode(other, lexicon("zh"), cache), 200.0)  # 中: 不的 is no Chinese
    assert pick("推导卷积神经网络?参数的梯度", cache) == "中"  # six characters shared: decided
    assert pick("推导神经网络?参数的梯度", DocumentCache("卷积神经网络中的")) == "中"  # or shown intact
    assert pick("推导网络?参数的梯度", cache) == "?"  # two only: still a close call


def test_coordination_joins_two_nouns_the_note_uses():
    # mid-clause (after the verb 了解), so no heading: the note's own words alone tip it
    assert pick("了解神经网络?深度学习", DocumentCache(), close=True) == "中"
    assert pick("了解神经网络?深度学习", DocumentCache("标签：神经网络，深度学习"), close=True) == "与"
    assert pick("了解神经网络?深度学习", DocumentCache("标签：神经网络，深度学习")) == "?"  # tipped, not decided
    assert pick("有可能?存在", DocumentCache("可能，存在")) != "与"  # verbs: no N与N
    # a list item of the note's two terms: the heading and the note's words agree
    assert pick("- 神经网络?深度学习", DocumentCache("标签：神经网络，深度学习")) == "与"


def test_与_joins_the_two_words_of_a_heading():
    assert pick("- 特征值?特征向量", DocumentCache(), close=True) == "与"  # two nouns
    assert pick("习题B2：设计?实现", DocumentCache(), close=True) == "与"  # two verbs, past a label
    assert pick("- 特征值?特征向量", DocumentCache()) == "?"  # the heading alone only tips it
    assert pick("了解特征值?特征向量", DocumentCache(), close=True) != "与"  # after a verb: mid-clause
    assert pick("计算CNN网络?参数的个数", DocumentCache(), close=True) != "与"  # CNN is part of the noun
    assert pick("$f(x)$震荡?存在", DocumentCache(), close=True) == "不"  # after a formula: its subject
    assert pick("结果?存在", DocumentCache(), close=True) == "不"  # a noun and a verb: a sentence
    assert pick("- 设置?保存文件", DocumentCache(), close=True) != "与"  # a verb and its object: a predicate
    assert pick("Web Clipper 设置?保存", DocumentCache(), close=True) != "与"  # spacing, not a pause
    assert pick("瓦片**设置?保存", DocumentCache(), close=True) != "与"  # ** may close a phrase
    assert pick("特征值?特征向量", DocumentCache(), close=True) != "与"  # the line part may follow code


def test_a_title_coordinates_the_head_of_a_modified_noun():
    """A heading or a link names a note or a section: ``X的定义与性质`` joins two nouns even
    though ``定义`` does not open the title.  Elsewhere ``X的Y`` mid-sentence may go on as a
    locative (``…的概念中``)."""
    assert pick("见 [[概率的定义?性质]]", DocumentCache(), close=True) == "与"
    assert pick("## 数列的概念?性质", DocumentCache(), close=True) == "与"
    assert pick("[[随机变量的分布?期望]]", DocumentCache(), close=True) == "与"
    assert pick("了解数列的概念?性质", DocumentCache(), close=True) != "与"  # no title
    assert pick("#标签 数列的概念?性质", DocumentCache(), close=True) != "与"  # a tag, no heading
    assert pick("## 数列的概念?性质", DocumentCache()) == "?"  # the title only tips it


@pytest.mark.parametrize(("title", "lost", "rival"), [("## 阅读?写作", "阅", "阆"), ("## 安装?配置", "安", "宊")])
def test_a_heading_coordinates_words_a_first_pass_guessed(title, lost, rival):
    """``阅`` open too: only with the first pass's guess is ``读`` part of the verb ``阅读``,
    and only then does the heading rule see two verbs to coordinate."""
    slots = [ZHONG_YU_BU if c == "?" else (rival, c) if c == lost else (c,) for c in title]
    decoding = decode(slots, lexicon("zh"), DocumentCache())
    assert decoding.chars[title.index("?")] == "与"


def test_a_formula_a_link_or_emphasis_beside_a_function_word_is_a_noun_phrase():
    """``$M$``, ``[[收敛]]`` and ``**网络**`` are what the sentence is about: a locative may
    follow them, a conjunction join two of them, but no adverb precede one."""
    assert pick("设 $M$ ?的元素", DocumentCache()) == "中"  # not 不的: a formula is no pause
    assert pick("见 [[收敛]] ?的例子", DocumentCache()) == "中"
    assert pick("神经网络**?**的参数", DocumentCache()) == "中"  # emphasis marks the word beside it
    assert pick("求 $a$ ? $b$ 的最大公约数", DocumentCache(), close=True) == "与"  # two formulas
    assert pick("求 `x` ? `y` 的和", DocumentCache(), close=True) == "与"  # two code spans
    assert pick("求 $a$ ? $b$ 的最大公约数", DocumentCache()) == "?"  # coordination only tips it


def test_a_locative_closes_the_phrase_a_preposition_of_place_opened():
    """``在菜单中找到``, ``从文件夹中选择``: 在 or 从 opens a phrase of place that a locative
    closes.  Only a tip: ``在函数不连续时`` is Chinese too."""
    assert pick("可以在菜单?找到这个选项", DocumentCache(), close=True) == "中"
    assert pick("请从文件夹?选择图片", DocumentCache(), close=True) == "中"  # 从文 is a word, a rare one
    assert pick("也可以在 JSON ?设置", DocumentCache(), close=True) == "中"  # spaces set off a Latin word
    assert pick("可以在菜单?找到这个选项", DocumentCache()) == "?"
    assert pick("在考试时发现这个方法?适用", DocumentCache(), close=True) == "不"  # 时 closed the phrase
    assert pick("现在我们?使用它", DocumentCache(), close=True) == "不"  # 现在 is a word: no 在 of place


def test_a_locative_opens_an_existential_clause():
    assert pick("解决系统?存在的问题", DocumentCache(), close=True) == "中"
    assert pick("笔记?有三个标题", DocumentCache(), close=True) == "中"  # 有, not wordfreq's 有三个
    assert pick("解决系统?存在的问题", DocumentCache()) == "?"  # 不存在 is grammatical: still flagged
    assert pick("系统?存在，", DocumentCache(), close=True) == "不"  # nothing said to exist
    assert pick("笔记?有效", DocumentCache(), close=True) == "不"  # 有效 is no verb of existence
    assert pick("文件夹?包含另一个文件夹", DocumentCache(), close=True) == "不"  # containing is no existing


def test_与_before_a_predicate_of_comparison():
    assert pick("它的位置?最大值所在的位置相同", DocumentCache()) == "与"
    assert pick("它的位置?最大值所在的位置", DocumentCache()) != "与"
    assert pick("两个?同名列极限不同", DocumentCache()) != "与"  # a numeral takes no 与
    assert pick("两种方法的结果?一样", DocumentCache(), close=True) == "不"  # nothing to compare with


def test_heldout_accuracy(shared):
    """Clean Chinese notes (the obsidian-math-zh corpus), damaged like the sample, come back
    with at least 99% of their characters right; the sample's own estimate is in the report."""
    notes = sorted((shared / "corpora" / "obsidian-math-zh").rglob("*.md"))
    random.Random(0).shuffle(notes)
    matched = total = 0
    for path in notes[:25]:
        clean = path.read_text(encoding="utf-8")
        back = repair_text(damage_like_the_sample(clean))
        blocks = difflib.SequenceMatcher(None, back, clean, autojunk=False).get_matching_blocks()
        matched += sum(b.size for b in blocks)
        total += len(clean)
    assert matched / total >= 0.99


def test_kept_decodings_see_what_the_note_taught(damaged, monkeypatch):
    """The judge keeps one decoding per lattice (engineer B's speed-up); once its cache has
    learnt the confident fills, every decoding it still keeps must be the one a fresh decode
    gives now, or a later explanation of a line would be judged without the note's words."""
    from vaultkit.text.encoding import locate

    judges = []
    init = locate._Judge.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        judges.append(self)

    monkeypatch.setattr(locate._Judge, "__init__", spy)
    locate._analyse.cache_clear()
    locate.analyse(damaged.decode("utf-8"))
    locate._analyse.cache_clear()
    (judge,) = judges
    assert judge.cache.learned  # the sample's confident fills were learnt
    for slots, (decoding, lex) in judge.lattices.items():
        assert decode(slots, lex, judge.cache, locate.REVIEW_MARGIN) == decoding
