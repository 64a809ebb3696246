"""VaultIndex resolves links the way Obsidian's getLinkpathDest does (docs/obsidian-behaviour.md section 1)."""

from __future__ import annotations

import unicodedata

import pytest

from vaultkit.read.parse import parse_text
from vaultkit.vault.index import VaultIndex, VaultSettings


def vault(*paths: str, app: dict | None = None) -> VaultIndex:
    notes = [parse_text(p, f"# {p}\n\nText ^blk-1\n") for p in paths if p.endswith(".md")]
    return VaultIndex(notes, paths, VaultSettings(app=app or {}))


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("Note", "A/Note.md"),
        ("note", "A/Note.md"),
        ("Note.md", "A/Note.md"),
        ("NOTE.MD", "A/Note.md"),
        ("  Note  ", "A/Note.md"),  # link paths are trimmed
        ("A/Note", "A/Note.md"),
        ("/A/Note", "A/Note.md"),
        ("figure.png", "img/figure.png"),
        ("figure", None),  # attachments need their extension
        ("Chapter 3.1", "Chapter 3.1.md"),  # a dotted name is retried with .md
        ("B/Note", None),
        ("/Note", None),  # vault-absolute: no fallback to the name
        ("Missing", None),
    ],
)
def test_resolution_by_name_and_path(link, expected):
    index = vault("A/Note.md", "img/figure.png", "Chapter 3.1.md", "Other.md")
    assert index.resolve(link, "Other.md") == expected


def test_empty_path_is_the_source_note():
    index = vault("A/Note.md", "Other.md")
    assert index.resolve("", "A/Note.md") == "A/Note.md"


def test_nfc_and_nfd_spellings_meet():
    name = "Café.md"
    index = vault(unicodedata.normalize("NFC", name), "Other.md")
    assert index.resolve(unicodedata.normalize("NFD", "Café"), "Other.md") == name


def test_relative_links_must_match_exactly():
    index = vault("A/B/Note.md", "A/Other.md", "A/B/C/Here.md", "Note.md")
    assert index.resolve("./Note", "A/B/C/Here.md") is None
    assert index.resolve("../Note", "A/B/C/Here.md") == "A/B/Note.md"
    assert index.resolve("../../../Note", "A/B/C/Here.md") == "Note.md"
    assert index.resolve("../../../../Note", "A/B/C/Here.md") is None


def test_suffix_match_is_a_raw_string_test_like_obsidians():
    index = vault("ab/note.md", "Other.md")
    assert index.resolve("b/note", "Other.md") == "ab/note.md"


def test_duplicates_prefer_the_source_folder_then_the_shortest_path():
    index = vault("Projects/Meetings.md", "Archive/2023/Meetings.md", "Archive/2023/Today.md", "Root.md")
    assert index.candidates("Meetings", "Archive/2023/Today.md") == ("Archive/2023/Meetings.md", "Projects/Meetings.md")
    assert index.candidates("Meetings", "Root.md") == ("Projects/Meetings.md", "Archive/2023/Meetings.md")
    assert index.candidates("2023/Meetings", "Root.md") == ("Archive/2023/Meetings.md",)


def test_alphabetical_order_breaks_a_tie_in_length():
    index = vault("b/Same.md", "a/Same.md", "Root.md")
    assert index.candidates("Same", "Root.md") == ("a/Same.md", "b/Same.md")


def test_aliases_never_resolve_but_are_indexed():
    note = parse_text("Artificial Intelligence.md", "---\naliases: [AI]\n---\n")
    index = VaultIndex([note], ["Artificial Intelligence.md"])
    assert index.resolve("AI", "Artificial Intelligence.md") is None
    assert index.aliases["ai"] == ("Artificial Intelligence.md",)


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("shortest", ["Unique", "Twin", "Other/Twin", "x.png"]),  # Dup/Twin wins a bare [[Twin]]
        ("absolute", ["Deep/Unique", "Dup/Twin", "Other/Twin", "img/x.png"]),
        ("relative", ["../Deep/Unique", "../Dup/Twin", "../Other/Twin", "../img/x.png"]),
    ],
)
def test_link_text_follows_new_link_format(style, expected):
    files = ("Deep/Unique.md", "Dup/Twin.md", "Other/Twin.md", "img/x.png")
    index = vault(*files, "Src/Here.md", app={"newLinkFormat": style})
    assert [index.link_text(rel, "Src/Here.md") for rel in files] == expected


def test_outgoing_resolves_each_internal_link_once_and_skips_urls():
    source = parse_text("Src.md", "[[Note]] [x](https://example.org) [y](Missing.md) ![[a.png]]\n")
    index = VaultIndex([source, parse_text("Note.md", "")], ["Src.md", "Note.md", "a.png"])
    found = index.outgoing(source)
    assert [(t.link.target, t.path) for t in found] == [("Note", "Note.md"), ("Missing.md", None), ("a.png", "a.png")]
    assert index.outgoing(source) is found


def test_heading_keys_and_block_ids_are_folded():
    note = parse_text("N.md", "# TCP/IP Model\n## Détails: Part\n\npara ^Block-ID\n")
    index = VaultIndex([note], ["N.md"])
    assert index.heading_keys("N.md") == ((1, "tcp ip model"), (2, "détails part"))
    assert index.block_ids("N.md") == frozenset({"block-id"})
    assert index.heading_keys("Missing.md") == ()


def test_one_index_answers_each_folder_in_turn():
    """The index keeps the candidates of a link path; an answer that depends on the linking
    note's folder (several suffix matches, a relative path) must not be served to another."""
    index = vault("A/Note.md", "B/Note.md", "A/Here.md", "B/Here.md", "Top.md")
    for _ in range(2):  # the second round is answered from what the first kept
        assert index.candidates("Note", "A/Here.md") == ("A/Note.md", "B/Note.md")
        assert index.candidates("Note", "B/Here.md") == ("B/Note.md", "A/Note.md")
        assert index.resolve("./Note", "A/Here.md") == "A/Note.md"
        assert index.resolve("./Note", "B/Here.md") == "B/Note.md"
        assert index.resolve("Top", "A/Here.md") == index.resolve("Top", "B/Here.md") == "Top.md"
        assert index.resolve("", "B/Here.md") == "B/Here.md"
