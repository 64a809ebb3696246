"""The encoding screen works on the characters, and the word lists are compact: same answers.

The signature of mojibake is defined on bytes (UTF-8 sequences in the text encoded back with a
code page or a double-byte codec); the screen finds it in the characters themselves, without
encoding every note sixteen times.  These tests hold the two equal -- the byte-level definition
is spelt out here, independently -- on clean text in many scripts and on mojibake made with every
page and codec.  The lexicons keep each word as a 64-bit key instead of a dict entry; they must
answer every look-up as a dict of the same word list would.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.rulekit.encoding import repair_text
from vaultkit.text.encoding import codepages, langmodel, signature
from vaultkit.text.encoding.langmodel import Words

SAMPLES = [
    "Le café est très élégant, déjà vu à Noël ; « guillemets ».",
    "Die Größe der Äpfel hängt vom Öl ab, schöne Grüße aus Köln.",
    "Свёрточные нейронные сети: всё, её, ещё, объём. Ёлка!",
    "Згорткові мережі: дії, її, Ці, їжак, ґанок, єдність.",
    "Τα νευρωνικά δίκτυα μαθαίνουν· ώρα, έψιλον, ΝΈΟ.",
    "شبكة عصبية، كلمة، معلومات؛ نعم؟ پیکربندی، گزینه‌ها",
    "שלום עולם. Tiếng Việt: Mạng nơ-ron tích chập.",
    "卷积神经网络与深度学习：长短时记忆网络通过门控机制缓解了梯度消失问题。",
    "繁體中文：卷積神經網路的計算可以平行化，長短期記憶網路解決梯度消失問題。",
    "日本語：畳み込みニューラルネットワークは画像を処理する。ｱｲｳｴｵ",
    "한국어: 합성곱 신경망은 이미지를 처리하고 기울기 소실 문제를 완화한다.",
    "Math ∑∫∂∇ ≤ ≥ 𝑥 𝑦 𝐷 𝛼, emoji 😀 👍🏽 ❤️, box ┌─┐, € £ ¥ ₹ © ™ NBSP: a\xa0b.",
    "นี่คือภาษาไทย และนี่คือบันทึก नमस्ते दुनिया",
]


def _damaged() -> list[str]:
    """Every sample's UTF-8 read with every single-byte page and double-byte codec, whole and
    with the bytes a decoder drops or replaces."""
    out = []
    for text in SAMPLES:
        data = text.encode("utf-8")
        for name in codepages.PAGES + signature.DOUBLE_BYTE:
            out += [data.decode(name, "replace"), data.decode(name, "ignore")]
    return out


TEXTS = SAMPLES + _damaged() + ["".join(SAMPLES)]


def _single_by_bytes(name: str, part: str) -> tuple[tuple[int, int], ...]:
    """The damaged words of page ``name`` found on the encoded bytes, as the signature defines
    them: a run of high bytes around a lead-then-continuation pair, UTF-8 throughout (a page
    that drops lead bytes may leave stray continuation bytes), unless
    it is a word of the note's own script (decided on the characters, with what the note
    writes outside the runs found here)."""
    data = signature._bytes(name, part)
    runs = [
        run.span()
        for run in re.finditer(b"[\x80-\xff]+", data)
        if re.search(b"[\xc2-\xf4][\x80-\xbf]", run.group())
        and signature._utf8_run(run.group(), signature._lossy(name), signature._drops_leads(name))
        and not signature._word_then_mark(part, *run.span())
    ]
    chars = Counter(part)
    for a, b in runs:
        chars.subtract(part[a:b])
    inside = sum(c.isalpha() for a, b in runs for c in part[a:b])
    scripts = Counter(
        langmodel.script(c) for c, n in chars.items() for _ in range(n) if c.isalpha() and not c.isascii()
    )
    script, most = scripts.most_common(1)[0] if scripts else ("", 0)
    strong = any(not all(c.isalpha() or unicodedata.category(c)[0] == "P" for c in part[a:b]) for a, b in runs)
    outside = signature._Outside(chars, script if most > inside else "", strong)
    return tuple(span for span in runs if not signature._native(name, part, *span, lambda: outside))


def _extension_run(text: str) -> bool:
    """:data:`.signature.DOUBLE_RUN` Hangul syllables in a row that EUC-KR spells with a
    byte from 81 to A0 (outside KS X 1001)."""
    run = 0
    for char in text:
        run = run + 1 if "\uac00" <= char <= "\ud7a3" and min(char.encode("cp949")) <= 0xA0 else 0
        if run == signature.DOUBLE_RUN:
            return True
    return False


def _codecs_by_bytes(text: str) -> frozenset[str]:
    """The double-byte codecs whose signature ``text`` has, found on each codec's bytes."""
    return frozenset(
        codec
        for codec in signature.DOUBLE_BYTE
        if "\ufffd" in text
        or signature._DOUBLE.search(text.encode(codec, "replace"))
        or signature.ALPHABET_RUN.search(text.encode(codec, "replace"))
        or len(signature.LATIN_INSIDE.findall(text.encode(codec, "replace"))) >= signature.LATIN_TWICE
        or (codec == "cp949" and _extension_run(text))
    )


@pytest.mark.parametrize("text", TEXTS)
def test_the_screen_on_characters_equals_the_signature_on_bytes(text):
    expected_words = tuple((name, spans) for name in codepages.PAGES if (spans := _single_by_bytes(name, text)))
    expected_codecs = _codecs_by_bytes(text)
    found = signature.signature(text)
    assert found.words == expected_words
    assert found.codecs == expected_codecs
    assert signature.suspicious(text) == bool(expected_words or expected_codecs or found.marked)


def test_mojibake_is_found_and_clean_text_in_any_script_is_not():
    assert signature.suspicious("Le cafÃ© est trÃ¨s bon.")
    assert signature.suspicious("鍗风Н绁炵粡缃戠粶")  # UTF-8 of 卷积神经网络 read as GBK
    assert not any(signature.suspicious(text) for text in SAMPLES[7:])
    assert signature.suspicious("ascii only" * 100) is False


CLEAN_WORDS = [
    "Вы можете открыть её в новой вкладке.",  # KOI8-R: the bytes of ţ
    "Ці файли зберігають дії тієї самої теки. Ні.",  # Windows-1251: ֳ, 䳿, an unassigned point
    "محتوای تگ متای این پاپ آپ. سپس، به اتصال",  # Windows-1256: ʐ, a C1 control, Ӂӡ
    "Τα βήματα: επιλέξτε **ΝΈΟ** για να συνεχίσετε.",  # Windows-1253: an unassigned point
    "Je obzvlášť užitočné, keď výška (VÝŠKA) je väčšia než šírka; ďalšie údaje zvlášť.",  # Windows-1250 and ISO 8859-2: Ogham, Syriac, ṻ
    "Başlangıç tarihi ve başlangıç saati; gösterilen öğeler için ayrıntılı ölçüler.",  # CP850: Armenian
    "Bruk «åpne» i stedet. Å navigere er lett. Dato i ÅÅÅÅ-MM-DD.",  # MacRoman ǌ, marks
    "Sortering (A–Ö) och (Ö–A): välj ordning för filnamn, ändrad tid och skapad tid.",  # MacRoman Ѕ, Windows-1252 ז
]


@pytest.mark.parametrize("text", CLEAN_WORDS)
def test_words_of_the_notes_own_script_are_not_mojibake(text):
    assert not signature.suspicious(text)
    assert not signature.signature(text)


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("Текст: Рё ещё РЅР°", "cp1251"),  # и, на: Windows-1251 damage of Cyrillic reads back as Cyrillic
        ("Le mot äºº est chinois.", "cp1252"),  # 人: an ordinal indicator is no Latin letter
        ("Привет, aеёi и всё.", "koi8-r"),  # ţ inside a Latin word
        ("Её вы найдёте в п╟п╠ и её.", "koi8-r"),  # the page's damage elsewhere in the note keeps her
    ],
)
def test_short_damage_shaped_like_a_word_is_still_found(text, page):
    assert page in signature.signature(text).pages
    assert signature.suspicious(text)


ALPHABETS = [
    "Привет мир, это проверка",
    "Καλημέρα κόσμε, τι κάνεις",
    "שלום עולם, מה שלומך",
    "سلام دنیا برای شما",
    "Základní pluginy: Paleta příkazů umožňuje spouštět",
    "Özellikler, bir not hakkındaki bilgileri düzenlemenizi sağlar",
]


@pytest.mark.parametrize("text", ALPHABETS)
@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_an_alphabet_read_as_gbk_is_screened_and_repaired_exactly(text, codec):
    damaged = text.encode("utf-8").decode(codec)
    assert codec in signature.signature(damaged).codecs
    assert repair_text(damaged) == text


@pytest.mark.parametrize("text", ["Grüße aus Köln", "Viele Grüße, Jörg"])
def test_accented_letters_whose_last_byte_takes_the_next_letter_are_screened_and_repaired(text):
    """Read as Shift-JIS, ``Grüße`` is ``Grﾃｼﾃ歹``: ß's last byte and the ``e`` make ``歹``,
    so no ASCII letter follows the accented letters' characters, yet their bytes are inside
    a word -- with ``Köln`` or ``Jörg``, twice in the note, as the bytes show."""
    damaged = text.encode("utf-8").decode("cp932")
    assert signature.signature(damaged).codecs == _codecs_by_bytes(damaged) == {"cp932"}
    assert repair_text(damaged) == text


def test_korean_read_as_euc_kr_dropping_bytes_is_screened_and_repaired():
    """EUC-KR drops the lead byte of many Korean syllables and pairs the continuation bytes
    left over into syllables only its extension spells: no run of whole wide sequences is
    left, those syllables are the signature (and clean Korean has none of them)."""
    clean = "노트를 만들고 링크로 연결하면 생각을 쉽게 정리할 수 있습니다."
    damaged = clean.encode("utf-8").decode("cp949", "ignore")
    assert "cp949" in signature.signature(damaged).codecs
    assert repair_text(damaged) == clean
    assert not _extension_run(SAMPLES[10]) and not _extension_run(clean)


def test_clean_chinese_never_encodes_back_to_an_alphabet():
    """Short runs happen (小写 in GBK is the UTF-8 of Сд): four letters in a row do not."""
    assert "小写".encode("gbk").decode("utf-8") == "Сд"
    assert not any(
        signature.ALPHABET_RUN.search(text.encode(codec, "replace"))
        for text in SAMPLES[7:11]
        for codec in signature.DOUBLE_BYTE
    )


@pytest.mark.parametrize("name", codepages.PAGES)
def test_each_code_page_spells_a_character_with_one_byte(name):
    """What lets the screen work on characters: ASCII below 80, 256 distinct characters."""
    table = signature._table(name)
    assert table[:128] == "".join(map(chr, range(128)))
    assert len(set(table)) == 256 and not any(char.isascii() for char in table[128:])
    assert signature._bytes(name, table) == bytes(range(256))


@pytest.mark.parametrize("codec", signature.DOUBLE_BYTE)
def test_the_double_byte_screen_knows_every_character_that_can_be_inside_a_signature(codec):
    wide = set(signature._wide_chars(codec))
    assert "\u4e2d" not in wide or "\u4e2d".encode(codec)[1] in signature._WIDE_BYTES  # 中
    for char in wide:
        data = char.encode(codec)
        assert 1 <= len(data) <= 2 and all(b in signature._WIDE_BYTES for b in data)
    # and the other way round, on a sample of the codec's characters
    for char in map(chr, range(0x3000, 0xA000, 7)):
        data = char.encode(codec, "replace")
        if data != b"?" and len(data) <= 2 and all(b in signature._WIDE_BYTES for b in data):
            assert char in wide


def _buckets() -> list[list[str]]:
    return [["the", "of", "sr"], [], ["café", "the"], ["牳", "卷积", "卷积神经", "卷积神经网络"], ["ab" * 40]]


def test_words_answer_as_a_dict_of_the_list_would():
    buckets = _buckets()
    words = Words([key for bucket, group in enumerate(buckets) for key in Words.keys(group, bucket)])
    expected: dict[str, float] = {}
    for bucket in range(len(buckets) - 1, -1, -1):  # the most frequent bucket wins a duplicate
        expected.update(dict.fromkeys(buckets[bucket], float(bucket)))
    for word, cost in expected.items():
        assert words.get(word) == cost and word in words
    assert words.get("the") == 0.0  # listed twice: its most frequent bucket
    assert words.get("牳") == 3.0 and words.get("sr") == 0.0  # the same stored bytes, told apart
    for other in ("", "th", "thee", "卷", "卷积神", "SR", "café "):
        assert words.get(other) is None and words.get(other, langmodel.INF) == langmodel.INF
        assert other not in words
    assert len(words) == 10  # one key per listing, the duplicate included


def test_a_bucket_beyond_the_key_is_refused():
    with pytest.raises(ValueError):
        Words.keys(["word"], 1 << langmodel.BUCKET_BITS)


def test_a_lexicon_answers_as_the_word_list_does():
    lex = langmodel.lexicon("ko")
    buckets = langmodel._wordfreq_buckets("ko")
    expected: dict[str, float] = {}
    for bucket in range(len(buckets) - 1, -1, -1):
        expected.update(dict.fromkeys(buckets[bucket], float(bucket)))
    assert len(lex.words) >= len(expected) > 1000
    assert all(lex.words.get(word) == cost for word, cost in expected.items())
    assert not any(word + "\u3131" in lex.words for word in list(expected)[:2000] if word + "\u3131" not in expected)


_CONTINUATION = st.integers(0x80, 0xBF)
# Wide UTF-8 sequences, sequences only shaped like them (any continuation after any lead), and
# stray bytes: runs the strict pattern matches, runs only the loose one matches, and neither.
_WIDE_OR_NOT = st.lists(
    st.one_of(
        st.characters(min_codepoint=0x800, exclude_categories=["Cs"]).map(str.encode),
        st.tuples(st.integers(0xE0, 0xF4), _CONTINUATION, _CONTINUATION).map(bytes),
        st.sampled_from([bytes([b]) for b in (*range(0x80, 0xC0), *range(0xE0, 0xF5))] + [b"a"]),
    ),
    max_size=8,
).map(b"".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_WIDE_OR_NOT)
def test_the_loose_double_pattern_finds_whatever_the_strict_one_finds(data):
    """The screen asks the loose pattern first and the strict one only where it matched: a
    string the strict pattern matches and the loose one misses would be screened out."""
    if signature._DOUBLE.search(data):
        assert signature._LOOSE_DOUBLE.search(data)
    assert signature._double_run(data) == bool(signature._DOUBLE.search(data))


_LATIN_CLASS = re.compile(signature._classes()["latin"])
# Letters, a ``?`` and other ASCII, characters of the class :func:`signature._latin_inside`
# looks for between letters, and any other character: text with every shape the prefilters see.
_MIXED = st.lists(
    st.one_of(
        st.sampled_from("aZq?. \n"),
        st.sampled_from([c for c in map(chr, range(0x80, 0x10000)) if _LATIN_CLASS.fullmatch(c)]),
        st.characters(min_codepoint=0x80),
    ),
    max_size=24,
).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MIXED)
def test_the_shape_prefilters_never_hide_a_match(text):
    """The double-byte screen looks at the text's shape (one byte per character) before the
    characters: a stretch the character patterns match there and the shape rules out would be
    screened out."""
    shape = signature._shape(text)
    assert len(shape) == len(text)
    found = [text[m.start() : m.end() + 1] for m in signature._latin_inside().finditer(text)]
    assert signature._latin_stretches(text, shape) == ("\0".join(found) if len(found) >= signature.LATIN_TWICE else "")
    runs = [run.span() for run in signature._NON_ASCII_RUNS.finditer(shape)]
    for run in re.finditer(f"[^\x00-\x7f]{{{signature.DOUBLE_RUN},}}", text):
        assert any(start <= run.start() and run.end() <= end for start, end in runs)


# Bits of clean and damaged text (every sample read with every page and codec) among ASCII
# words: notes mostly ASCII and notes mostly in another script, with and without a signature.
_BITS = sorted({text[at : at + size] for text in TEXTS[:-1] for at in range(0, len(text), 5) for size in (2, 7, 16)})
_NOTES = st.lists(
    st.one_of(st.sampled_from(["a", "Zq ", "see the docs ", "?", "\n", "x-y"]), st.sampled_from(_BITS)), max_size=12
).map("".join)


def _codecs_by_characters(text: str) -> frozenset[str]:
    """The double-byte codecs the screen's character patterns find in the whole of ``text``,
    without the prefilters: every stretch they match, with a character on either side."""

    def stretches(pattern: re.Pattern[str]) -> str:
        return "\0".join(text[max(0, m.start() - 1) : m.end() + 1] for m in pattern.finditer(text))

    runs, letters = stretches(signature._wide_runs()), stretches(signature._alphabet_runs())
    latin = [text[m.start() : m.end() + 1] for m in signature._latin_inside().finditer(text)]
    return frozenset(
        codec
        for codec in signature.DOUBLE_BYTE
        if (codec == "cp949" and signature._extension_hangul().search(text))
        or signature._double_run(runs.encode(codec, "replace"))
        or signature.ALPHABET_RUN.search(letters.encode(codec, "replace"))
        or (len(latin) >= signature.LATIN_TWICE and signature._latin("\0".join(latin), codec))
    )


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_NOTES)
def test_the_prefilters_change_no_answer_whatever_the_mix(text):
    """The screen runs its character patterns on the stretches its prefilters leave (the
    note's runs of non-ASCII characters, or the whole note; letters then non-ASCII characters
    then letters): the same codecs as the patterns find in the whole text."""
    assert frozenset(signature._wide(text)) == _codecs_by_characters(text)


# UTF-8 sequences of two to four bytes, single high bytes (stray continuations, leads alone,
# bytes never UTF-8) and ASCII: runs of a page's high-byte characters with and without a signature.
_HIGH_OR_NOT = st.lists(
    st.one_of(
        st.characters(min_codepoint=0x80, exclude_categories=["Cs"]).map(str.encode),
        st.integers(0x80, 0xFF).map(lambda b: bytes([b])),
        st.just(b"a"),
    ),
    max_size=8,
).map(b"".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([name for name in codepages.PAGES if not signature._lossy(name)]), _HIGH_OR_NOT)
def test_a_page_that_keeps_every_byte_is_searched_at_every_run_with_a_signature(name, data):
    """Such a page's runs are searched for from complete sequence to complete sequence, not
    from pair to pair: a run that is UTF-8 throughout missed there would be screened out."""
    text = "".join(signature._table(name)[b] for b in data)
    runs = set(signature._runs(name, text))
    for run in re.finditer(rb"[\x80-\xff]+", data):
        if signature._utf8_run(run.group(), lossy=False):
            assert run.span() in runs


# Characters spelt with the bytes of wide sequences (a lead byte first or last, continuation
# bytes only) in some codec, Greek and Cyrillic letters (which end in a lead byte in EUC-KR or
# GBK), ASCII, and wide UTF-8 characters read as a double-byte codec after a continuation byte
# or none (a character cut at the stretch's start, so that a sequence's lead may end a
# character; in UTF-8 no other byte comes before a lead): every neighbourhood the
# look-arounds of the wide runs' leads tell apart.
_WIDE_CHARS = sorted(set("".join(signature._wide_chars(codec) for codec in signature.DOUBLE_BYTE)))
_READ_AS_DOUBLE = st.tuples(
    st.sampled_from(signature.DOUBLE_BYTE),
    st.sampled_from([b""] + [bytes([b]) for b in range(0x80, 0xC0)]),
    st.lists(
        st.characters(min_codepoint=0x800, max_codepoint=0xFFFF, exclude_categories=["Cs"]), min_size=4, max_size=6
    ),
).map(lambda made: (made[1] + "".join(made[2]).encode()).decode(made[0], "ignore"))
_AROUND_LEADS = st.lists(
    st.one_of(st.sampled_from(_WIDE_CHARS), st.sampled_from("αβνξοπστυΑΝΞабопяАЁії a."), _READ_AS_DOUBLE), max_size=10
).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_AROUND_LEADS)
def test_the_wide_runs_leads_are_every_lead_of_a_sequence(text):
    """A character whose last byte is a lead counts as a lead of the wide runs only where the
    next character carries two continuation bytes in a codec it ends in a lead in: a lead of
    a sequence missed there would be screened out."""
    assert frozenset(signature._wide(text)) == _codecs_by_bytes(text)
