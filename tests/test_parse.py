"""The scanner: exact offsets, and Obsidian's idea of what is (not) a link, tag or heading."""

from __future__ import annotations

import os

from vaultkit.model import Note
from vaultkit.read.parse import parse_bytes, parse_text, read_bytes


def spans(note, items):
    return [note.text[i.start : i.end] for i in items]


def test_links_have_exact_offsets_and_parts():
    note = parse_text("A.md", "x [[Note#Head|alias]] ![[img.png|100x200]] [t](My%20Note.md#Sec%201)\n")
    wiki, embed, md = note.links
    assert spans(note, note.links) == ["[[Note#Head|alias]]", "![[img.png|100x200]]", "[t](My%20Note.md#Sec%201)"]
    assert (wiki.target, wiki.subpath, wiki.display, wiki.embed) == ("Note", "#Head", "alias", False)
    assert note.text[wiki.target_start : wiki.target_end] == "Note"
    assert (embed.target, embed.display, embed.embed) == ("img.png", "100x200", True)
    assert (md.kind, md.target, md.subpath) == ("markdown", "My Note.md", "#Sec 1")


def test_code_math_and_block_comments_hide_links_and_tags():
    text = (
        "`[[a]]` $[[b]]$ #real\n\n```\n[[c]] #nottag\n```\n\n%%\n[[d]]\n%%\n\n"
        "    [[indented code]]\n\n<!-- [[e]] #hidden -->\n$$\n[[f]]\n$$\n"
    )
    note = parse_text("A.md", text)
    assert note.links == ()
    assert [t.tag for t in note.tags] == ["#real"]


def test_inline_comment_links_are_indexed_like_obsidian():
    note = parse_text("A.md", "text %% see [[Other]] #t %% more\n")
    assert [(link.target, link.in_comment) for link in note.links] == [("Other", True)]
    assert [t.tag for t in note.tags] == ["#t"]


def test_escaped_and_table_pipes():
    note = parse_text("A.md", "| a | [[T\\|shown]] |\n\\[[not a link]]\n")
    assert [(link.target, link.display) for link in note.links] == [("T", "shown")]


def test_dollar_amounts_are_not_math():
    note = parse_text("A.md", "costs $5 and $10 [[Link]]\n")
    assert [r.kind for r in note.regions] == []
    assert [link.target for link in note.links] == ["Link"]


def test_tags_need_a_non_digit_and_a_boundary():
    note = parse_text("A.md", "#ok #123 issue#5 #y1984 #日本語 (#x)\n")
    assert [t.tag for t in note.tags] == ["#ok", "#y1984", "#日本語"]


def test_headings_atx_and_setext_and_block_ids():
    text = "---\ntitle: x\n---\n# One #\n\nTwo\n---\n\npara ^blk-1\n\n#notheading\n"
    note = parse_text("A.md", text)
    assert [(h.level, h.text) for h in note.headings] == [(1, "One"), (2, "Two")]
    assert [b.id for b in note.blocks] == ["blk-1"]
    assert note.body_start == len("---\ntitle: x\n---\n")


def test_crlf_text_is_kept_byte_for_byte_and_offsets_hold():
    raw = b"---\r\ndate:\r\n---\r\n# Head\r\n[[Link]]\r\n"
    note = parse_bytes("A.md", raw)
    assert note.text.encode() == raw
    assert note.decoded.newline == "\r\n"
    assert [h.text for h in note.headings] == ["Head"]
    assert note.position(note.links[0].start) == (5, 1)


def test_bom_is_recorded_and_not_part_of_the_text():
    note = parse_bytes("A.md", b"\xef\xbb\xbf---\ntitle: x\n---\nbody\n")
    assert note.decoded.bom and note.text.startswith("---")
    assert note.frontmatter.data == {"title": "x"}


def test_binary_and_legacy_bytes_never_raise():
    binary = parse_bytes("img.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert binary.read_error and "not a text file" in binary.read_error
    legacy = parse_bytes("gbk.md", "中文笔记，测试一下编码检测是否可靠。".encode("gb18030"))
    assert legacy.read_error is None and legacy.text
    assert legacy.decoded.error.startswith("invalid UTF-8 at byte 0")


def test_indented_code_follows_commonmark_list_continuation():
    # `   text` continues the list item, so the 4-space line after it is item text, not code;
    # a line scan alone gets this wrong, mistune's block parser does not.
    text = "1. item\n\n   text\n\n    still the item [[kept]] $x$\n\npara\n\n    real code [[hidden]]\n"
    note = parse_text("A.md", text)
    assert [link.target for link in note.links] == ["kept"]
    assert [(r.kind, text[r.start : r.end]) for r in note.regions] == [
        ("math", "$x$"),
        ("code", "    real code [[hidden]]\n"),
    ]


def test_a_list_item_of_inline_code_is_not_a_setext_underline():
    note = parse_text("A.md", "- `obsidian://open?vault=x`\n  This opens the vault.\n- `obsidian://search`\n  More.\n")
    assert note.headings == ()


def test_links_stay_in_order_and_tags_may_follow_them():
    """Wiki-links alone are taken in scan order; Markdown links are merged in by offset."""
    for markdown in ("", " [m](Other.md)"):
        note = parse_text("A.md", f"![[img.png]]#t1 [[B]]#t2 x{markdown} [[C]] #t3\n")
        assert [link.target for link in note.links] == ["img.png", "B", *(["Other.md"] if markdown else []), "C"]
        assert [tag.tag for tag in note.tags] == ["#t1", "#t2", "#t3"]


def test_parsed_records_compare_and_hash_by_value_and_are_slotted():
    first, second = (parse_text("A.md", "# Head\n[[x#y]] #t ^id\n") for _ in range(2))
    assert first.links == second.links and first.headings == second.headings and first.tags == second.tags
    assert len({first.links[0], second.links[0]}) == 1
    assert hash(first.blocks[0]) == hash(second.blocks[0])
    assert first.links[0] != parse_text("A.md", "[[x#z]]\n").links[0]
    assert not hasattr(first.links[0], "__dict__")  # slotted: a few hundred thousand of them per vault


def test_link_parts_come_from_the_text_not_its_masked_copy():
    note = parse_text("A.md", "[see `x` and $y$](Note.md) [[T#$a$|b `c`]]\n")
    md, wiki = sorted(note.links, key=lambda link: link.kind)
    assert (md.display, md.target) == ("see `x` and $y$", "Note.md")
    assert (wiki.target, wiki.subpath, wiki.display) == ("T", "#$a$", "b `c`")


def test_read_bytes_reads_on_after_a_short_read_and_when_the_file_grew(tmp_path, monkeypatch):
    data = bytes(range(256)) * 40
    (tmp_path / "a.md").write_bytes(data)
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: real_read(fd, min(n, 1000)))  # short reads
    assert read_bytes(str(tmp_path), "a.md") == data
    real_stat = os.stat

    def older_stat(path, *args, **kwargs):  # the size before the file grew
        info = real_stat(path, *args, **kwargs)
        return os.stat_result((*info[:6], 100, *info[7:]))

    monkeypatch.setattr(os, "stat", older_stat)
    assert read_bytes(str(tmp_path), "a.md") == data
    too_big = read_bytes(str(tmp_path), "a.md", max_bytes=5000)
    assert isinstance(too_big, Note) and "over the" in (too_big.read_error or "")
