"""stripHeading and the heading-path walk (docs/obsidian-behaviour.md section 2)."""

from __future__ import annotations

import pytest

from vaultkit.text.headings import heading_key, loose_key, strip_heading, strip_heading_for_link, walk


def test_strip_heading_matches_the_typings_example():
    assert strip_heading('foo!"#$%&()*+,.:;<=>?@^`{|}~/[]\\\r\nbar') == "foo bar"


def test_strip_heading_for_link_matches_the_typings_example():
    assert strip_heading_for_link("foo:#|^\\\r\n%%[[]]bar") == "foo bar"


@pytest.mark.parametrize(
    ("heading", "link"),
    [
        ("wifi 2.4 vs 5.0", "wifi 2 4 vs 5 0"),
        ("TCP/IP Model", "TCP IP Model"),
        ("CI/CD && DevOps", "CI CD DevOps"),
        ("Minecraft: The Video Game", "Minecraft The Video Game"),
        ("A link in a [[link_in_heading]]", "A link in a link_in_heading"),
        ("Property", "property"),
    ],
)
def test_headings_obsidian_links_to_have_the_same_key(heading, link):
    assert heading_key(heading) == heading_key(link)


def test_dash_underscore_apostrophe_and_full_width_punctuation_are_kept():
    assert heading_key("a-b") != heading_key("a b")
    assert heading_key("it's") == "it's"
    assert heading_key("每个远程仓库可以有多大？") != heading_key("每个远程仓库可以有多大")
    assert loose_key("每个远程仓库可以有多大？") == loose_key("每个远程仓库可以有多大")


DOC = [(1, "Week 1"), (2, "Notes"), (1, "Week 2"), (2, "Notes"), (3, "Detail"), (2, "Other")]


def keys(doc):
    return [(level, heading_key(text)) for level, text in doc]


def test_a_plain_heading_finds_the_first_match():
    result = walk(keys(DOC), ["notes"])
    assert (result.matched, result.after, result.level) == (1, 2, 2)


def test_a_path_reaches_a_later_duplicate_through_its_parent():
    result = walk(keys(DOC), ["Week 2", "Notes", "Detail"])
    assert (result.matched, result.after) == (3, 5)


def test_each_segment_must_be_deeper_than_the_previous_match():
    assert walk(keys(DOC), ["Week 1", "Week 2"]).matched == 1
    assert walk(keys(DOC), ["Notes", "Notes"]).matched == 1


def test_a_failed_walk_says_where_it_stopped():
    result = walk(keys(DOC), ["Week 2", "Missing"])
    assert (result.matched, result.after, result.level) == (1, 3, 1)
