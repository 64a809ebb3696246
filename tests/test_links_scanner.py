"""The scanner finds links, headings and block ids the way Obsidian indexes them."""

from __future__ import annotations

from vaultkit.read.parse import parse_text


def links(text: str):
    return parse_text("Note.md", text).links


def test_table_pipe_escape_separates_target_and_display():
    (link,) = links("| a | [[Basic syntax\\|Markdown syntax]] |\n")
    assert (link.target, link.subpath, link.display) == ("Basic syntax", None, "Markdown syntax")
    (embed,) = links("| ![[Engelbart.jpg\\|200]] |\n")
    assert (embed.target, embed.display, embed.embed) == ("Engelbart.jpg", "200", True)


def test_wikilink_parts_and_offsets():
    text = "See [[Folder/Note#Part#Sub|shown]] now"
    (link,) = links(text)
    assert (link.target, link.subpath, link.display) == ("Folder/Note", "#Part#Sub", "shown")
    assert text[link.target_start : link.target_end] == "Folder/Note"
    assert text[link.start : link.end] == "[[Folder/Note#Part#Sub|shown]]"


def test_markdown_link_is_percent_decoded_and_its_target_span_excludes_the_subpath():
    text = "[x](Folder/My%20Note.md#How%20it%20works) [y](<My Note.md>)"
    first, second = links(text)
    assert (first.target, first.subpath) == ("Folder/My Note.md", "#How it works")
    assert text[first.target_start : first.target_end] == "Folder/My%20Note.md"
    assert (second.target, text[second.target_start : second.target_end]) == ("My Note.md", "My Note.md")


def test_links_in_code_and_math_are_not_links():
    text = "`[[a]]`\n\n```\n[[b]]\n```\n\n$x [[c]] y$ costs $5 and [[d]] and $10\n"
    assert [link.target for link in links(text)] == ["d"]


def test_block_comments_hide_links_and_inline_comments_do_not():
    text = "%%\n[[hidden]]\n%%\n\nText %% see [[shown]] %% more\n"
    (link,) = links(text)
    assert link.target == "shown" and link.in_comment


def test_escaped_brackets_are_not_a_link():
    assert links("\\[\\[#Escaped Links\\]\\] and \\[[x]]") == ()


def test_quoted_whole_property_values_are_links():
    text = '---\nup: "[[Index#Top]]"\nrelated:\n  - "[[A]]"\n  - \'[[B|b]]\'\nnested: [[C]]\nabout: "see [[D]] too"\n---\nbody [[E]]\n'
    found = links(text)
    assert [(link.target, link.in_property) for link in found] == [
        ("Index", "up"),
        ("A", "related"),
        ("B", "related"),
        ("E", None),
    ]
    assert text[found[0].start : found[0].end] == "[[Index#Top]]"


def test_heading_text_keeps_inline_code_and_drops_closing_hashes():
    note = parse_text("N.md", "### `hasTag()`\n## Foo `bar` ##\n```\n# not a heading\n```\nTitle\n===\n")
    assert [(h.level, h.text) for h in note.headings] == [(3, "`hasTag()`"), (2, "Foo `bar`"), (1, "Title")]


def test_block_ids_including_one_glued_to_an_embed():
    note = parse_text("N.md", "Para ^abc-1\n\n![[pic.png]]^Glued\n\nnot^an-id\n\n- item ^LIST\n")
    assert [b.id for b in note.blocks] == ["abc-1", "Glued", "LIST"]
