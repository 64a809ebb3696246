"""The parts under the mojibake rule: reading bytes back with lost ones, and the lattice
language model that picks among candidates."""

from __future__ import annotations

import math
from collections import Counter

from vaultkit.rulekit.encoding import repair_text
from vaultkit.text.encoding import langmodel
from vaultkit.text.encoding.codepages import page
from vaultkit.text.encoding.langmodel import Decoding, DocumentCache, decode, lexicon
from vaultkit.text.encoding.locate import _binomial_tail
from vaultkit.text.encoding.lossy import Reader, template_of


def slots_of(damaged: str, codepage: str = "cp1254"):
    cp = page(codepage)
    template = template_of(damaged, lambda c: bytes((cp.encode[c],)) if c in cp.encode else None, False)
    (piece,) = Reader(cp.lossy_fillers(), drops=True).pieces(template)
    return piece.slots


def test_undefined_bytes_and_the_soft_hyphen_are_what_a_code_page_drops():
    assert page("cp1254").lossy_fillers() == (0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD)
    assert page("cp1252").lossy_fillers() == (0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xAD)
    assert page("cp1252").lossy_fillers(shy=False) == (0x81, 0x8D, 0x8F, 0x90, 0x9D)  # none was stripped
    assert page("latin-1").lossy_fillers(shy=False) == ()


def test_a_character_short_of_a_byte_gets_every_candidate_that_fits():
    """中, 与 and 不 are E4 B8 AD/8E/8D: read as Windows-1254, all three lose their last byte
    and leave the same ``ä¸``."""
    damaged = "中".encode().decode("cp1254", errors="ignore").replace("\u00ad", "")
    assert damaged == "ä¸"
    (slot,) = slots_of(damaged)
    assert {"中", "与", "不"} <= set(slot.choices) and slot.lost == 1
    intact = slots_of("å·ç§¯")  # 卷积 lost nothing but 卷's 0x8D
    assert [len(s.choices) > 1 for s in intact] == [True, False]


def test_a_lost_byte_marked_by_u_fffd_must_reproduce_the_damage():
    from vaultkit.text.encoding.cjk import _encoder, _reader

    damaged = "一乘一".encode().decode("gbk", errors="replace")
    template = template_of(damaged, _encoder("gbk"))
    (piece,) = _reader("gbk").pieces(template)
    first = piece.slots[0]
    assert "一" in first.choices
    for char in first.choices:  # every candidate turns into the same damage again
        assert (char + "乘").encode().decode("gbk", errors="replace").startswith(damaged[:2])


def test_two_lost_bytes_in_a_row_can_be_one_two_byte_letter():
    """EUC-KR has no character for D1 8F nor for 8F 20: ``я`` before a space loses both
    bytes, and the piece must go on through it rather than end there."""
    from vaultkit.text.encoding.cjk import _encoder, _reader

    damaged = "для хранения".encode().decode("cp949", errors="replace")
    assert "\ufffd\ufffd " in damaged
    (piece,) = _reader("cp949").pieces(template_of(damaged, _encoder("cp949")))
    lost = [slot for slot in piece.slots if slot.lost == 2]
    assert lost and all("я" in slot.choices and slot.blind for slot in lost)
    for char in lost[0].choices:  # each candidate loses both bytes again before the space
        assert (char + " ").encode().decode("cp949", errors="replace") == "\ufffd\ufffd "


def test_two_lost_bytes_before_a_continuation_byte_are_no_letter():
    """Chinese read as Big5 loses runs of bytes: two lost ones before a continuation byte
    end one character and start the next, and read as one letter they would only make
    lattices of a thousand candidates per slot."""
    from vaultkit.text.encoding.cjk import _encoder, _reader

    damaged = "卷積神經網路的計算".encode().decode("big5", errors="replace")
    data = template_of(damaged, _encoder("big5")).data
    assert data[:2] == (None, None) and 0x80 <= data[2] < 0xC0  # type: ignore[operator]
    for piece in _reader("big5").pieces(template_of(damaged, _encoder("big5"))):
        for slot in piece.slots:
            if slot.lost == 2 and slot.end - slot.start == 2:
                after = data[slot.end] if slot.end < len(data) else None
                assert after is None or not 0x80 <= after < 0xC0


def test_a_dropped_lead_byte_leaves_its_continuation_bytes_to_read():
    """EUC-KR dropping bytes drops ``В``'s D0 (no character starts D0 92) and keeps 0x92:
    the character is read from its continuation byte, its lead byte guessed."""
    from vaultkit.text.encoding.cjk import _encoder, _reader

    damaged = "Вы можете".encode().decode("cp949", errors="ignore")
    (piece, *_) = _reader("cp949", drops=True).pieces(template_of(damaged, _encoder("cp949")))
    first = piece.slots[0]
    assert piece.char_start == 0 and first.blind and "В" in first.choices
    assert all(0xC2 <= char.encode()[0] <= 0xDF for char in first.choices)  # two-byte characters, lead guessed


def test_the_lattice_prefers_words_and_reports_close_calls():
    lex = lexicon("zh")
    slots = [("卷", "号"), ("积",), ("神",), ("经",), ("网",), ("络",)]
    result = decode(slots, lex)
    assert "".join(result.chars) == "卷积神经网络"
    assert result.margins[0] > 100 and result.margins[1] == math.inf
    close = decode([("在",), ("中", "不", "与"), ("改",), ("变",)], lex)
    assert close.margins[1] < 100 and set(close.alternatives[1]) <= {"中", "不", "与"}


def test_simplified_text_does_not_take_traditional_fills():
    lex = lexicon("zh")
    slots = [("大",), ("于",), ("或",), ("小", "對"), ("于",)]
    assert "".join(decode(slots, lex).chars) == "大于或小于"


def test_the_document_cache_carries_style_and_paired_marks():
    lex = lexicon("zh")
    cache = DocumentCache("“引文", {})
    cache.add_styles("𝑥")
    assert decode([("𝐷", "𝝷", "𝞷")], lex, cache).chars == ("𝐷",)
    assert decode([("⁀", "”")], lex, cache).chars == ("”",)


def test_a_character_the_vault_shows_is_likelier_than_one_it_never_shows():
    """``、`` and ``」`` cost the same in the word list (and share their surviving bytes): the
    vault, which writes ``、`` (rarely, as prose does) and never ``」``, decides: mixed with
    the caches, every candidate keeps only part of its word-list probability, not only the
    ones they show."""
    lex = lexicon("zh")
    line = [("、", "」") if c == "?" else (c,) for c in "苹果?香蕉"]
    for note in ("", "今天天气很好"):
        cache = DocumentCache(note, vault_chars=Counter({"的": 999, "、": 1}))
        assert decode(line, lex, cache).chars[2] == "、"


def test_a_closing_mark_closes_what_its_line_left_open():
    """A note damaged throughout shows nothing intact, but ``“`` (E2 80 9C) comes through
    Windows-1254 whole where ``”`` loses its 9D: the open quotation on the line tells the
    lost mark from the other symbols of its row; a line with none open, or that closed
    its quotation, does not (``、`` and ``」`` share their surviving bytes as well)."""
    lex = lexicon("zh")

    def lost(line: str) -> Decoding:
        return decode([("⁀", "”") if c == "?" else (c,) for c in line], lex, DocumentCache())

    quoted = lost("他说“好?的")
    assert quoted.chars[4] == "”" and quoted.margins[4] >= 100
    assert lost("他说好?的").margins[3] < 100  # nothing open: a tie, flagged
    assert lost("他说“好”?的").margins[5] < 100  # closed already
    assert lost("“好\n他说?的").margins[5] < 100  # opened on another line
    assert lost("他说“好?的?").margins[4] < 100  # either could close it


def test_a_lost_letter_inside_a_word_is_of_the_word_s_script():
    """Thai has no word list: only its neighbours tell a Thai fill from a Tamil or Samaritan
    one that every other cost ties with."""
    lex = lexicon("en")  # what a Thai note is judged by
    thai, tamil = "ก", "\u0bf8"  # E0 B8 81 and E0 AF B8: as likely as each other alone
    slots = [("จ",), ("า",), (tamil, thai), (" ",)]
    assert decode(slots, lex).chars[2] == thai


def test_a_lost_letter_takes_the_case_of_its_word():
    """Case-folded, ``можетЕ`` is the word ``можете``: the small letter must win the tie,
    in a dictionary word and in a word the dictionary lacks alike."""
    lex = lexicon("ru")
    second = tuple(bytes((0xD0, b)).decode() for b in range(0x80, 0xC0))  # Ѐ..Я, а..п: Е before е
    assert "".join(decode([*[(c,) for c in "может"], second, (" ",)], lex).chars) == "можете "
    assert decode([*[(c,) for c in "щывк"], second], lex).chars[-1].islower()


def test_a_word_short_of_a_letter_does_not_pick_the_language():
    """Russian read as EUC-KR: joined around its lost letters, ``можете`` is ``може``,
    Ukrainian for "can", and so are other fragments; only whole words count."""
    from vaultkit.text.encoding.cjk import double_byte_proposals
    from vaultkit.text.encoding.locate import _certain, _holed

    text = "Вы можете использовать символические ссылки для хранения файлов за пределами хранилища."
    proposals = double_byte_proposals(text.encode().decode("cp949", errors="replace"))
    assert proposals and all(langmodel.language(_holed(p)) == "ru" for p in proposals)
    assert any(langmodel.language(_certain(p)) != "ru" for p in proposals)  # what fragments said


def test_a_word_with_two_lost_letters_of_two_thousand_candidates_is_found():
    """A letter whose two bytes were both lost could be any of some 1,800 printable
    two-byte characters: two in one word are millions of combinations, too many to try,
    unless narrowed to the word's script and case and its likeliest letters."""
    lex = lexicon("ru")
    two_bytes = tuple(
        char
        for lead in range(0xC2, 0xE0)
        for cont in range(0x80, 0xC0)
        if (char := bytes((lead, cont)).decode()).isprintable()
    )
    for word in ("хранения", "пределами", "использовать"):
        slots = [(c,) for c in word]
        slots[3] = slots[-1] = two_bytes
        assert "".join(decode(slots, lex).chars) == word


def test_language_follows_the_script():
    assert langmodel.language("卷积神经网络") == "zh"
    assert langmodel.language("畳み込み") == "ja"
    assert langmodel.language("신경망") == "ko"
    assert langmodel.language("Свёрточные") == "ru"
    assert langmodel.language("Größe Äpfel schöne") == "de"


def test_loss_far_beyond_what_a_code_page_drops_is_implausible():
    assert _binomial_tail(1000, 140, 0.125) > 0.01  # the sample: about one byte in eight
    assert _binomial_tail(45, 18, 0.094) < 1e-4  # ftfy's "hopeless garble"


def test_a_lost_joiner_parts_a_compound_into_its_words():
    """Persian joins ``افزونه`` and ``های`` with a zero-width non-joiner (E2 80 8C) that a
    Windows page drops the last byte of: a slot that can be no letter, only a joiner or
    punctuation.  The compound is no dictionary word, but the words either side are, and
    they pick the lost ``ف`` (D9 81) where letter costs alone would pick Persian's ``ی``
    (DB 8C), its commonest letter."""
    lex = lexicon("fa")
    joiner = tuple(bytes((0xE2, 0x80, b)).decode() for b in (0x8A, 0x8C, 0x8E, 0x90, 0x9A))
    both_lost = (0x81, 0x8C, 0x8E, 0x90)
    lost = tuple(bytes((lead, b)).decode() for lead in (0xD9, 0xDB) for b in both_lost)
    slots = [("ا",), lost, *[(c,) for c in "زونه"], joiner, *[(c,) for c in "های"]]
    assert decode(slots, lex).chars[1] == "ف"


def test_a_lost_joiner_is_tried_inside_dictionary_words():
    """Persian writes ``می‌دهد`` with a zero-width non-joiner (E2 80 8C), whose last byte
    Windows-1255 leaves undefined, as it leaves ``ی`` (DB 8C) and the lead byte of ``م``
    and ``ه``: too many combinations to try inside the word, so each open slot keeps its
    likeliest candidates -- likeliest by the word list's letters, where the joiner is
    common, not as a guessed invisible character, which put it behind every space and
    hyphen and out of the word (``می‐دهد``)."""
    original = "این برنامه به شما اجازه می\u200cدهد یادداشت بنویسید."
    damaged = original.encode().decode("cp1255", errors="replace")
    assert repair_text(damaged) == original


def test_candidates_that_cannot_change_the_decoding_are_left_out_of_the_lattice(monkeypatch):
    """UTF-8 read as Big5 loses most lead bytes: a lost one with its continuation byte has
    thousands of candidates.  Only a slot's cheapest single characters (and those within the
    review margin) can be picked, set its margin or be an alternative; the rest are dropped,
    and the decoding is exactly what the whole lattice gives."""
    from vaultkit.text.encoding.cjk import _encoder, _reader

    damaged = "卷積神經網路的計算可以平行化，長短期記憶網路解決梯度消失。".encode().decode("big5", errors="replace")
    pieces = _reader("big5").pieces(template_of(damaged, _encoder("big5")))
    slots = [s.choices for s in max(pieces, key=lambda p: len(p.slots)).slots]
    assert max(len(choices) for choices in slots) > 1000
    lex = lexicon("zh")
    neighbours = langmodel._Neighbours(slots, lex, None, None)
    kept = langmodel._edges(slots, lex, None, neighbours, 100.0)
    assert len(kept) * 10 < len(langmodel._edges(slots, lex, None, neighbours, math.inf))
    pruned = decode(slots, lex)
    monkeypatch.setattr(langmodel, "_contenders", lambda singles, margin: singles)
    assert decode(slots, lex) == pruned


def test_two_open_slots_in_a_row_are_not_paired_past_the_budget(monkeypatch):
    """Chinese read as Big5 loses the lead bytes of characters side by side, each then with
    hundreds of candidates: every pair of them is a dictionary look-up, and a few such pairs
    per line were most of the time a Big5-damaged note took, for words that the lattice
    could not pick among that many guesses anyway (the help-vault bench restored the same
    characters without them).  Two slots of 150 candidates are not paired."""
    lex = lexicon("zh")
    candidates = tuple(map(chr, range(0x4E00, 0x4E00 + 150)))
    looked_up = []
    get = langmodel.Words.get
    monkeypatch.setattr(
        langmodel.Words, "get", lambda self, word, *default: looked_up.append(word) or get(self, word, *default)
    )
    decode([("卷",), candidates, candidates, ("網",)], lex)
    assert len(looked_up) < len(candidates) ** 2 < langmodel.MAX_COMBINATIONS * 2
