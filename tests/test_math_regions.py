"""Where math is: Obsidian's `$` / `$$` tokenisation as vaultkit.read.regions finds it."""

from __future__ import annotations

import pytest

from vaultkit.read.parse import parse_text


def math(text: str) -> list[tuple[str, str]]:
    note = parse_text("A.md", text)
    return [(r.kind, text[r.start : r.end]) for r in note.regions if r.kind in ("math", "display-math")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a $x$ b", [("math", "$x$")]),
        ("costs $5 and $10", []),  # the second `$` follows a space: prose
        ("$ x$ and $x $", []),  # space after the opener / before the closer
        ("$x$5 and y$", [("math", "$x$5 and y$")]),  # a closer may not be followed by a digit
        ("1024$^2$ and dim$(V) =$", [("math", "$^2$"), ("math", "$(V) =$")]),  # glued openers
        ("$a$$b$", [("math", "$a$"), ("math", "$b$")]),  # adjacent inline maths
        ("$0$$\\textrm{'}$s", [("math", "$0$"), ("math", "$\\textrm{'}$")]),
        ("$$a$$$$b$$", [("display-math", "$$a$$"), ("display-math", "$$b$$")]),  # a junction
        ("t $$x$$ t", [("display-math", "$$x$$")]),  # display math may start mid-line
        ("$$\\tag*{$\\blacksquare$}$$", [("display-math", "$$\\tag*{$\\blacksquare$}$$")]),
        ("\\$5 and \\$x$", []),  # escaped dollars
        ("$x \\\\$ y", [("math", "$x \\\\$")]),  # `\\` is a TeX line break, not an escaped `$`
        ("`$x$` and $y$", [("math", "$y$")]),  # code binds first
        ("$a\nb$", [("math", "$a\nb$")]),  # inline math may wrap inside its paragraph
        ("$a\n\nb$", []),  # ...but not across a blank line
        ("- $a\n- b$", []),  # nor across list items
        ("# T $a\nb$", []),  # a heading is one line
        ("where $x\n$$y$$", [("display-math", "$$y$$")]),  # `$$` cannot sit inside inline math
    ],
)
def test_inline_and_display_spans(text, expected):
    assert math(text) == expected


def test_table_cells_split_math():
    text = "| a | b |\n|---|---|\n| $5 | $x$ |\n| $a\\|b$ | c |\n"
    assert math(text) == [("math", "$x$"), ("math", "$a\\|b$")]


def test_table_interrupting_a_paragraph_still_splits_cells():
    text = "a | b in prose\n| x | y |\n| --- | --- |\n| $5 | $\\alpha$ |\n"
    assert math(text) == [("math", "$\\alpha$")]


def test_pipe_outside_a_table_does_not_split():
    assert math("a $|x|$ b\n") == [("math", "$|x|$")]


def test_display_math_in_callouts_and_lists():
    callout = "> [!note]\n> $$\n> \\begin{aligned}\n> a &= b\n> \\end{aligned}\n> $$\n"
    assert [k for k, _ in math(callout)] == ["display-math"]
    listed = "- item\n  $$\n  x = 1\n  $$\n- next $y$\n"
    assert [k for k, _ in math(listed)] == ["display-math", "math"]


def test_blank_line_inside_display_math_is_bridged_only_when_the_closer_follows():
    broken = "$$\\begin{array}{l}\na \\\\\n\n\\end{array}$$\ntext\n"
    assert math(broken) == [("display-math", "$$\\begin{array}{l}\na \\\\\n\n\\end{array}$$")]
    quoted = "> $$\n> a\n>\n> b\n> $$\n"
    assert math(quoted) == [("display-math", "$$\n> a\n>\n> b\n> $$")]
    # an unclosed `$$` followed by an ordinary block: the block keeps its own pair
    unclosed = "$$ x = 1\n\nprose\n\n$$\ny\n$$\n"
    assert math(unclosed) == [("display-math", "$$\ny\n$$")]
    # a following paragraph with inline math is not part of a broken block
    assert math("$$ x\n\nsee $y$ and\n\n$$z$$\n") == [("math", "$y$"), ("display-math", "$$z$$")]


def test_crlf_text_keeps_offsets():
    text = "a $x$\r\n\r\n$$\r\ny\r\n$$\r\n"
    assert math(text) == [("math", "$x$"), ("display-math", "$$\r\ny\r\n$$")]


def test_matrix_rows_inside_display_math_are_not_list_items():
    # `\t* & *` is TeX; a list item there would stop the indented code block below from being code
    text = "$$\n\\begin{matrix}\n\t* & * \\\\\n\\end{matrix}\n$$\n\n    $x = \\alpha\n"
    note = parse_text("A.md", text)
    kinds = [(r.kind, text[r.start : r.end].strip()) for r in note.regions]
    assert kinds[-1] == ("code", "$x = \\alpha")


def test_blank_lines_bridged_when_the_tex_after_them_completes_the_block():
    # the paragraph after the blank line holds four `$$` (its own block plus ours), but the
    # `\end{align}` before the first one completes what the block opened
    text = "$$\n\\begin{align}\n\na \\\\\n\\end{align}\n$$\n$$\nb\n$$\n"
    assert [t for _, t in math(text)] == ["$$\n\\begin{align}\n\na \\\\\n\\end{align}\n$$", "$$\nb\n$$"]
    # several blank lines, the TeX complete before the last one
    text = "$$\n\\begin{align}\n\nx\n\n\\end{align}\n\n$$\n$$\ny\n$$\n$$\nz\n$$\n"
    assert math(text)[0] == ("display-math", "$$\n\\begin{align}\n\nx\n\n\\end{align}\n\n$$")


def test_indented_tex_after_a_blank_line_inside_display_math_is_not_code():
    text = "- item\n\n$$\n\\begin{array}{l}\n\ta \\\\\n\t\n\tb\n\\end{array}\n$$\n"
    note = parse_text("A.md", text)
    assert [r.kind for r in note.regions] == ["display-math"]
    # a real indented code block after a closed display block stays code
    text = "$$\na\n$$\n\n    code $x\n"
    assert [r.kind for r in parse_text("A.md", text).regions] == ["display-math", "code"]


def test_display_math_in_a_table_cell():
    text = "| a | b |\n|---|---|\n| $$x$$ | $$y |\n"
    assert math(text) == [("display-math", "$$x$$")]
