"""Sibling code pages: pages that share most of their letters and so both read a damaged
word back as UTF-8, with different letters (Windows-1250 and -1257 both have ``Ć``, at C6
and C3).  The letters that differ decide, judged in the language of the note's words."""

from __future__ import annotations

import pytest

from vaultkit.rulekit.encoding import repair_text


@pytest.mark.parametrize(
    ("original", "codepage"),
    [
        # ftfy reads the first line as Windows-1250: ``geƶffnet``, ``wƤhrend``.
        ("Die Datei wird geöffnet, während du tippst.\nDie Änderungen werden für alle Geräte übernommen.", "cp1257"),
        # ftfy does not try ISO-8859-15 and reads ``Ã€`` as Windows-1252: ``pÀivÀn``.
        ("Kun avaat päivän muistiinpanon, näet tämän.", "iso8859-15"),
        ("Vælg en fil, så åbner den i appen.\nSøg efter noter med søgeoperatorer.", "iso8859-15"),
        # ftfy declines; of the two pages with the signature, Windows-1250 comes first: ``estå``.
        ("La canción está en el álbum de más éxito.\nLas opciones del menú están aquí.", "iso8859-2"),
    ],
)
def test_lossless_damage_is_read_with_the_sibling_page_whose_letters_make_words(original, codepage):
    assert repair_text(original.encode().decode(codepage)) == original


def test_a_line_with_a_marked_lost_byte_is_read_with_the_sibling_page_too():
    """Spanish read as Windows-1257 with U+FFFD for the undefined 0xA1 of ``á``: ftfy reads
    the line as Windows-1250 (``espaƱol``, ``inglƩs``); the U+FFFD stays one lost byte
    either way, the other letters come from Windows-1257."""
    original = "La página se guarda en español y en inglés."
    repaired = repair_text(original.encode().decode("cp1257", errors="replace"))
    assert repaired.endswith(" se guarda en español y en inglés.")


def test_lines_with_marked_lost_bytes_are_read_with_the_sibling_page_whose_letters_make_words():
    """Romanian read as Windows-1257 with U+FFFD for the undefined 0x83 of ``ă``: Windows-1250
    and -1257 read the short lines alike but for ``Ć®`` (``Ʈ`` or ``î``), and the line
    parts' lost bytes were read with the first of them."""
    original = (
        "- Temele pot fi găsite în **Setări**.\n- Pluginurile pot fi găsite în **Comunitate**.\n"
        "- Notele pot fi mutate în dosarul ales, oricând vrei tu, fără să pierzi nimic din ele."
    )
    assert repair_text(original.encode().decode("cp1257", errors="replace")) == original
