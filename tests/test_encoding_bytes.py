"""Single-byte damage that lost bytes: which characters the lost bytes may have made.

A lost continuation byte leaves candidates from every Unicode block its lead byte reaches;
these tests hold the candidates to what the intact text around them shows.
"""

from __future__ import annotations

import difflib
import unicodedata

from vaultkit.rulekit.encoding import repair_text
from vaultkit.text.encoding import locate
from vaultkit.text.encoding.langmodel import languages, script_of
from vaultkit.text.encoding.mojibake import lossy_proposals
from vaultkit.text.encoding.signature import signature

KHMER = "ជម្លោះកើតឡើងនៅពេលអ្នកផ្លាស់ប្ដូរឯកសារដូចគ្នា"


def test_an_open_slot_keeps_to_the_script_of_the_intact_characters_around_it():
    """Windows-1257 drops 0x98 and 0x9F, so ``ម`` (E1 9E 98) and the vowel ``េ`` (E1 9F 81)
    lose a byte; E1 with one byte lost reaches Myanmar, Georgian, Ethiopic, Balinese...  The
    intact Khmer letters around each such slot leave only Khmer candidates, and a slot whose
    bytes can only be Khmer one way is no longer open at all."""
    damaged = KHMER.encode("utf-8").decode("cp1257", errors="ignore")
    (proposal,) = lossy_proposals(damaged)["cp1257"]
    open_slots = [s.choices for s in proposal.slots if len(s.choices) > 1]
    assert open_slots
    assert all(unicodedata.name(c).startswith("KHMER ") for choices in open_slots for c in choices)
    assert any("ម" in choices for choices in open_slots)


def test_each_slot_with_no_intact_letter_in_its_word_keeps_to_the_script_of_the_piece():
    """Persian read as Windows-1255 dropping bytes: ``ک`` (DA A9) and ``ه`` (D9 87) both
    lost their lead byte, so ``که`` is ``©‡``, no letter of it intact.  Each of its slots
    keeps to the script of the piece's intact letters -- the second too, not only the
    first: ``‡`` was cut out of the piece as a byte of no script, and left as it was
    beside its repaired ``ک``."""
    original = "گفت که هوا خوب است."
    damaged = original.encode().decode("cp1255", errors="ignore")
    word = damaged.index("©‡")
    (proposal,) = [p for p in lossy_proposals(damaged)["cp1255"] if p.start <= word < p.end]
    assert proposal.end >= word + 2
    assert all(script_of(c) in ("ARABIC", "") for s in proposal.slots for c in s.choices)  # "": ۩, a sign
    assert " که هوا خوب است." in repair_text(damaged)  # (ف of گفت lost both bytes: no trace)


def test_kana_and_kanji_are_not_kept_apart():
    """Japanese writes kana and kanji in one word (``畳み込み``): a slot beside a kanji keeps
    its kana candidates, as Chinese and Korean slots keep theirs."""
    damaged = "畳み込みニューラルネットワーク".encode().decode("cp1252", errors="ignore")
    (proposal,) = lossy_proposals(damaged)["cp1252"]
    first = next(s.choices for s in proposal.slots if len(s.choices) > 1)  # み, beside 畳
    assert "み" in first and any(script_of(c) == "CJK" for c in first)


def test_a_marked_lost_byte_is_filled_only_where_one_character_of_its_script_fits():
    """Windows-1254 marks Khmer's lost 0x9E with U+FFFD.  ftfy keeps every U+FFFD of an
    alphabetic script (its corpus expects ``Ру��кий``: ``с``, ``э``, ``я`` all fit), and so
    does vaultkit where letters of the script compete; where the intact Khmer around it
    leaves one candidate, the U+FFFD is filled."""
    damaged = KHMER.encode().decode("cp1254", errors="replace")
    repaired = repair_text(damaged)
    assert repaired.count("\ufffd") < damaged.count("\ufffd") // 4
    assert sum(a == b for a, b in zip(repaired, KHMER, strict=False)) >= 0.9 * len(KHMER)
    russian = "Русский язык".encode().decode("cp1252", errors="replace")
    assert repair_text(russian) == "Ру\ufffd\ufffdкий \ufffdзык"


def test_a_line_left_half_repaired_is_judged_again_on_what_the_rest_of_the_note_shows():
    """Russian names in a German list read as Windows-1253 with U+FFFD for lost bytes: alone,
    ``Лисачев`` is no dictionary word, and the line was left as mojibake.  The other lines
    show Windows-1253 damage for sure, so the line is judged again with the evidence a
    damaged document gives (and is not left half repaired: ``ЛиΡ�ачев``)."""
    original = (
        "- cvyl, Mikka (Niederländisch)\n- Daniel Mathiot (Französisch)\n- Diego (Português)\n"
        "- lisachev, Сергей Лисачев (Russisch)\n- k-andzhanovskii, Константин Анджановский (Russisch)\n"
    )
    repaired = repair_text(original.encode().decode("cp1253", errors="replace"))
    assert "- lisachev, Сергей Лисачев (Russisch)" in repaired
    assert "Niederländisch" in repaired and "Константин" in repaired


def test_a_letter_the_repair_skipped_inside_a_word_is_not_left_behind():
    """Windows-1251 drops only 0x98, so ``ט`` (D7 98) comes out as a lone ``Ч``; an exact
    re-reading repairs every other letter and used to leave ``המפורЧות``.  A Cyrillic
    letter between two Hebrew letters the repair made is a remnant, so the line is
    repaired with the lost byte put back."""
    original = "תיעוד Obsidian מבוסס על הנחיות הסגנון המפורטות בדף זה."
    assert repair_text(original.encode().decode("cp1251", errors="ignore")) == original


def test_latin_text_read_as_windows_1255_is_latin_letters_run_into_hebrew_points():
    """Windows-1255 reads UTF-8's 0xC3 as a Hebrew point, so ``é`` becomes ``ֳ©``: Latin
    letters run into a mark of another script, which words never do.  Hungarian's long
    compounds are rare in a word list, and a line of them was left as it was."""
    original = (
        "> [[Gyakran ismételt kérdések#Használhatok külső féltől származó szinkronizációs szolgáltatást"
        " az Obsidian Sync mellett?|Nem javasoljuk]] az Obsidian Sync használatát felhőalapú"
        " tárolószolgáltatásokkal (pl. iCloud, Dropbox, OneDrive, Google Drive) egyidejűleg, mivel ez"
        " ütközéseket okozhat. A felhőalapú tárolószolgáltatások azonban szerepet játszhatnak a"
        " [[Obsidian fájlok biztonsági mentése|biztonsági mentési]] stratégiájában."
    )
    assert repair_text(original.encode().decode("cp1255")) == original


def test_a_script_several_languages_write_is_read_in_the_one_that_reads_best():
    """Persian read as Windows-1255: the lead bytes of ``گ``, ``و``, ``ه`` (0xD9, 0xDA) are
    undefined there, so only letters Arabic shares come through, and the intact letters
    cannot tell Persian from Arabic; the Arabic word list does not know ``الگوها``.  Each
    language the letters allow is tried and the reading that costs least is kept."""
    assert languages("[[اا]]") == ("ar", "fa", "ur")  # no word to go by
    damaged = "[[الگوها]]".encode().decode("cp1255", errors="replace")
    (proposal,) = lossy_proposals(damaged, marked=True)["cp1255"]
    decoding, lex = locate._Judge(damaged, {}, {}, locate.EMPTY).decode(proposal)
    assert lex.lang == "fa" and "".join(decoding.chars) == "[[الگوها]]"


def test_two_marked_lost_bytes_in_a_row_may_be_one_character():
    """Windows-1255 leaves both bytes of ``ف`` (D9 81) undefined: ``افزونه`` comes out as
    ``ا��ز…``.  The two U+FFFD are one character whose lead byte was lost too, so the word
    reads on as one stretch instead of breaking there."""
    damaged = "افزونه اصلی".encode().decode("cp1255", errors="replace")
    (proposal,) = lossy_proposals(damaged, marked=True)["cp1255"]
    assert (proposal.start, proposal.end) == (0, len(damaged))
    assert any("ف" in s.choices and s.end - s.start == 2 for s in proposal.slots)


def test_a_dropped_lead_byte_is_put_back_among_the_leads_the_page_drops():
    """Windows-1255 drops 0xD9 and 0xDA, the lead bytes of ``ل``, ``گ``, ``و``, ``ه``:
    ``الگوها`` comes out as ``״§„¯ˆ‡״§``, continuation bytes with no lead.  Each is read as
    a two-byte character whose lead was dropped, kept to Arabic script by the intact
    ``ا`` around it, for the language model to pick."""
    damaged = "الگوها".encode().decode("cp1255", errors="ignore")
    (proposal,) = lossy_proposals(damaged)["cp1255"]
    assert (proposal.start, proposal.end) == (0, len(damaged))
    blind = [s.choices for s in proposal.slots if s.blind]
    assert len(blind) == 4 and all(script_of(c) == "ARABIC" for choices in blind for c in choices)
    assert [c for choices, c in zip(blind, "لگوه", strict=True) if c in choices] == list("لگوه")


def test_a_continuation_byte_no_script_around_claims_starts_no_character():
    """An ellipsis typed right after Hebrew read as Windows-1255 (after ``ו``, whose two
    bytes came through) is the byte 0x85, which could be the continuation of a letter of
    Arabic, Syriac, Thaana or N'Ko whose lead was dropped; the Hebrew beside it claims
    none of them, so no repair reaches over it."""
    damaged = "שלום עולו".encode().decode("cp1255", errors="ignore") + "…"
    proposals = lossy_proposals(damaged)["cp1255"]
    assert proposals and all(p.end < len(damaged) for p in proposals)


def test_a_capital_between_small_letters_is_a_lead_byte_whose_continuation_was_lost():
    """Windows-1257 drops 0xA1, so Hungarian ``á`` (C3 A1) comes out as a lone ``Ć``: alone
    it looks like a letter of its own, but no word puts a capital between small letters.
    It is read back, and as ``á``, not ``Á`` (C3 81, also dropped): the word list folds
    case, so only the word's own case can tell."""
    original = "Kerülje több megoldás használatát ugyanazok a fájlok szinkronizálásához"
    assert repair_text(original.encode().decode("cp1257", errors="ignore")) == original


def test_a_capital_ending_a_word_of_small_letters_is_one_too():
    """Romanian ``ă`` (C4 83) read as Windows-1257, which drops 0x83, is a lone ``Ä`` --
    at the end of ``dacă`` and ``fără`` as well as inside a word."""
    original = "Dacă folosești Obsidian fără cont, notițele rămân pe dispozitivul tău."
    assert repair_text(original.encode().decode("cp1257", errors="ignore")) == original


def test_a_page_that_drops_lead_bytes_leaves_stray_continuation_bytes_in_its_mojibake():
    """Arabic read as Windows-1255 with undefined bytes dropped loses the 0xD9 of ``ل``,
    ``م``, ``ن``...: its words hold stray continuation bytes, which in other pages mark a
    word as text in that page.  Windows-1255 drops lead bytes, so they are the signature of
    its damage, and the line is repaired in part at least."""
    original = "مقدمة عن Obsidian Sync والخزائن المحلية والبعيدة"
    damaged = original.encode().decode("cp1255", errors="ignore")
    assert "cp1255" in signature(damaged).pages
    before = difflib.SequenceMatcher(None, damaged, original, autojunk=False).ratio()
    after = difflib.SequenceMatcher(None, repair_text(damaged), original, autojunk=False).ratio()
    assert after > before + 0.2


def test_a_traditional_note_damaged_throughout_keeps_its_variant():
    """Traditional Chinese read as Windows-1253 dropping bytes: no clean text is left, but
    the characters whose three bytes all came through (``讓``, ``輕``, ``鬆``) are
    traditional, so the lost bytes are filled in that variant: ``匯入`` and ``與``, not the
    simplified reading's likelier ``可入`` and ``自``."""
    original = "這個外掛程式讓你能輕鬆匯入個別檔案與整個資料夾。"
    assert repair_text(original.encode().decode("cp1253", errors="ignore")) == original


def test_bytes_kept_whole_beside_u_fffd_show_the_variant_too():
    """The same note read as Windows-1253 or -1257 with U+FFFD for the undefined bytes: its
    characters of intact bytes show traditional Chinese as those of dropped bytes do."""
    original = "這個外掛程式讓你能輕鬆匯入個別檔案與整個資料夾。"
    for codepage in ("cp1253", "cp1257"):
        assert repair_text(original.encode().decode(codepage, errors="replace")) == original


def test_a_word_of_one_lead_byte_between_damaged_words_is_read_with_them():
    """Korean read as Windows-1253 dropping bytes: ``수`` (EC 88 98) and ``있`` (EC 9E 88)
    lost both continuation bytes and are a lone ``μ`` each.  A lone lead byte beside clean
    letters is a letter (``é`` in ``café``), but one standing as a word between damaged
    words is a syllable of their text: the line is read as one stretch and repaired in
    full, where it used to be cut there and left undecided."""
    original = "이 기능은 누구나 쉽게 쓸 수 있어요."
    damaged = original.encode().decode("cp1253", errors="ignore")
    assert " μ μμ" in damaged
    runs = locate.analyse(damaged)
    assert runs and all(run.edits and not run.undecided for run in runs)
    repaired = repair_text(damaged)
    assert repaired.startswith("이 기능은 누구나 쉽게 쓸 ") and repaired.endswith("어요.")


def test_a_point_of_another_script_on_a_letter_is_a_wreck_not_a_letter():
    """Windows-1255 reads every lead byte C0-C9 as a Hebrew point: ``í`` (C3 AD) whose soft
    hyphen was stripped is a lone ``ֳ``, ``ğ`` (C4 9F, 0x9F undefined) a lone ``ִ``.  A lone
    lead byte beside clean letters is a letter (``é`` in ``café``), but no text puts a Hebrew
    point on a Latin letter: the words are read with the rest of their line, not cut there
    and left as they were."""
    for original, errors, shy in (
        ("El camí és difícil i la línia és llarga.", "ignore", True),
        ("A física e a química são ciências.", "ignore", True),
        ("Notları kolayca düzenler. Özellikler; metin ve bağlantılar.", "ignore", False),
    ):
        damaged = original.encode().decode("cp1255", errors=errors)
        if shy:
            damaged = damaged.replace("\u00ad", "")
        assert repair_text(damaged) == original
    pointed = "Obsidian בְּרֵאשִׁית בָּרָא, café."  # points on Hebrew letters: clean text
    assert repair_text(pointed) == pointed


def test_a_right_to_left_letter_joined_to_a_latin_one_is_a_wreck_not_a_letter():
    """Windows-1256 reads the same lead byte C3 as ``أ``: ``í`` (C3 AD) whose soft hyphen was
    stripped is a lone ``أ`` after a Latin letter.  No word joins an Arabic letter to a Latin
    one, so it is read with the rest of its line, not left in a line repaired around it."""
    for original in (
        "Závisí to od nastavení: súbory sú uložené lokálne.",
        "Obsah závisí od toho, kde je súbor uložený.",
    ):
        damaged = original.encode().decode("cp1256", errors="ignore").replace("\u00ad", "")
        assert "أ" in damaged
        assert repair_text(damaged) == original
    mixed = "Obsidian يدعم الملاحظات, café."  # Arabic words beside Latin ones: clean text
    assert repair_text(mixed) == mixed


def test_a_note_that_shows_a_soft_hyphen_lost_no_soft_hyphen_byte():
    """Arabic read as Windows-1255 dropping bytes: the comma ``،`` (D8 8C) loses its 0x8C,
    and ``ح`` (D8 AD) would leave the same lead byte had a soft hyphen's 0xAD been stripped.
    The note shows soft hyphens (each intact ``ح`` reads as ``״`` and one), so none was
    stripped: the lost byte is not 0xAD, and the commas are not read as a ``ح`` glued to
    the word before.  Stripped of its soft hyphens, the note leaves ``ح`` a candidate."""
    original = "يمكنك تحرير الملاحظات، ومزامنتها بين الأجهزة، ومشاركتها مع الآخرين."
    damaged = original.encode().decode("cp1255", errors="ignore")
    assert "\u00ad" in damaged
    repaired = repair_text(damaged)
    assert "الملاحظات، ومزامنتها" in repaired and "الأجهزة، ومشاركتها" in repaired
    kept = [s.choices for p in lossy_proposals(damaged, shy=False)["cp1255"] for s in p.slots if len(s.choices) > 1]
    assert any("،" in choices for choices in kept) and not any("ح" in choices for choices in kept)
    stripped = damaged.replace("\u00ad", "")
    assert any("ح" in s.choices and "،" in s.choices for p in lossy_proposals(stripped)["cp1255"] for s in p.slots)


RUSSIAN = (
    "Заметки хранятся в обычных текстовых файлах на вашем компьютере, поэтому вы всегда можете "
    "открыть их в любом другом редакторе. Синхронизация работает между всеми устройствами."
)


def test_a_note_read_as_windows_1257_gets_the_letters_its_word_list_pins_for_u_fffd():
    """Windows-1257 leaves 0x81 and 0x88 undefined, the last bytes of ``с`` and ``ш``: read
    with U+FFFD for them, a note of Russian prose (more than a name or a label) gets each
    letter back that the word list pins, as it does where the bytes were dropped."""
    damaged = RUSSIAN.encode().decode("cp1257", errors="replace")
    assert damaged.count("\ufffd") > 5
    assert repair_text(damaged) == RUSSIAN


def test_a_sentence_read_with_u_fffd_gets_the_letters_its_word_list_pins():
    """A sentence of a dozen words is text, not a label: Greek read as Windows-1257 with
    U+FFFD for the undefined 0x81 and 0x83 of ``ρ`` and ``σ`` gets them back."""
    original = "Η σύνοψη εμφανίζεται στην αρχή της σελίδας και μπορείτε να τη μετακινήσετε όπου θέλετε."
    damaged = original.encode().decode("cp1257", errors="replace")
    assert damaged.count("\ufffd") > 5
    assert repair_text(damaged) == original


def test_a_name_read_as_windows_1257_keeps_its_u_fffd_as_ftfy_does():
    """A lone name is no note: ``Р���кий`` stays as it is repaired (ftfy's corpus)."""
    assert repair_text("Русский".encode().decode("cp1257", errors="replace")) == "Р\ufffd\ufffd\ufffdкий"


def test_no_word_list_no_fill_for_u_fffd():
    """Thai has no word list: in a note of Thai prose read as Windows-1257 with U+FFFD for
    the undefined bytes, every U+FFFD stays (the intact letters come back)."""
    original = (
        "บันทึกของคุณจะถูกเก็บไว้ในไฟล์ข้อความธรรมดาบนคอมพิวเตอร์ของคุณ "
        "ดังนั้นคุณสามารถเปิดด้วยโปรแกรมแก้ไขอื่น ๆ ได้เสมอ และการซิงค์ทำงานระหว่างอุปกรณ์ทั้งหมดของคุณ"
    )
    damaged = original.encode().decode("cp1257", errors="replace")
    repaired = repair_text(damaged)
    assert repaired != damaged and repaired.count("\ufffd") == damaged.count("\ufffd")
    assert all(a == b for a, b in zip(repaired, original, strict=True) if a != "\ufffd")
