"""Front matter: exact split, hardened YAML, problems at the right line."""

from __future__ import annotations

from vaultkit.check.run import lint_text
from vaultkit.read.frontmatter import VaultYAMLHandler, split


def codes(text, select="VK1"):
    return [(p.rule, p.line) for p in lint_text(text, select=[select])]


def test_split_offsets_and_keys():
    text = "---\ntitle: 'x'\ndate:\n---\nbody"
    fm = split(text)
    assert (fm.start, fm.end) == (0, text.index("body"))
    assert text[fm.inner_start : fm.inner_end] == "title: 'x'\ndate:\n"
    title = fm.key("TITLE")
    assert text[title.value_start : title.value_end] == "'x'" and title.style == "'"
    assert fm.key("date").tag.endswith(":null")


def test_no_front_matter_unless_first_line_is_exactly_three_dashes():
    assert split("text\n---\na: 1\n---\n") is None
    assert split("----\na: 1\n----\n") is None


def test_invalid_yaml_is_reported_where_the_construct_opened():
    text = "---\ntitle: x\ntags: [unclosed, list\ndate: 2024-01-01\n---\n"
    assert codes(text) == [("invalid-front-matter", 3)]


def test_bad_indentation_is_reported_on_its_line():
    text = "---\na: 1\n  b: 2\nc: 3\n---\n"
    assert codes(text) == [("invalid-front-matter", 3)]


def test_duplicate_keys_are_reported_at_the_second_key():
    text = "---\ntags: [a]\ntitle: x\ntags: [b]\n---\n"
    assert codes(text) == [("invalid-front-matter", 4)]


def test_unclosed_block_is_reported():
    assert codes("---\ntitle: x\nno end\n") == [("invalid-front-matter", 1)]


def test_alias_bomb_is_refused_quickly():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "---\n" + "\n".join(lines) + "\n---\n"
    fm = split(text)
    assert fm.data is None and "alias" in fm.error
    assert codes(text) == [("invalid-front-matter", 2)]


def test_deep_nesting_does_not_crash():
    text = "---\na: " + "[" * 5000 + "]" * 5000 + "\n---\n"
    assert [rule for rule, _ in codes(text)] in ([], ["invalid-front-matter"])


def test_dates_stay_text_and_impossible_dates_do_not_break_the_block():
    fm = split("---\ndate: 2024-13-45\ncreated: 2024-01-02\n---\n")
    assert fm.data == {"date": "2024-13-45", "created": "2024-01-02"}
    assert codes("---\ndate: 2024-13-45\n---\n") == [("invalid-date", 2)]


def test_handler_refuses_to_dump():
    handler = VaultYAMLHandler()
    try:
        handler.export({"a": 1})
    except NotImplementedError:
        return
    raise AssertionError("export must refuse")


def test_empty_date_variants():
    assert codes("---\ndate:\ncreated: ''\ndate created: 2024-01-01\n---\n", "VK102") == [
        ("empty-date", 2),
        ("empty-date", 3),
    ]
    assert codes("---\nDate:\n---\n", "VK102") == [("empty-date", 2)]
    assert codes("---\ndue:\n---\n", "VK102") == []


def test_invalid_date_accepts_iso_forms_and_vault_types():
    ok = "---\ndate: 2024-03-01\ncreated: 2024-03-01T10:30\nupdated: 2024-03-01 10:30:00+02:00\n---\n"
    assert codes(ok, "VK103") == []
    assert codes("---\ndate: 01/03/2024\nmodified: yesterday\n---\n", "VK103") == [
        ("invalid-date", 2),
        ("invalid-date", 3),
    ]


def test_property_types():
    text = "---\ntags:\n  - #project\n  - my tag\naliases: 3\nrelated: [[Plan]]\ncssclasses: wide\n---\n"
    found = codes(text, "VK104")
    assert found == [("property-type", 3), ("property-type", 3), ("property-type", 5), ("property-type", 6)]
    fixed = [p for p in lint_text(text, select=["VK104"]) if p.fix]
    assert [e.text for p in fixed for e in p.fix.edits] == ['"[[Plan]]"']


def test_quoted_links_and_string_tags_are_fine():
    assert codes('---\ntags: journal\nrelated: "[[Plan]]"\nlinks:\n  - "[[A]]"\n---\n', "VK104") == []


def test_placeholder_link_title():
    text = "[Fetching Title#6dum](https://x.org/p/1)\n[Real title](https://x.org/p/2)\n"
    assert codes(text, "VK105") == [("placeholder-link-title", 1)]
