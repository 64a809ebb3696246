"""The math rules on small notes: what each reports, where, and what it leaves alone."""

from __future__ import annotations

import random

import pytest

from vaultkit.check.run import lint_text
from vaultkit.read.parse import parse_text
from vaultkit.rulekit.math import structure_findings
from vaultkit.text.tex import plainly_nested
from vaultkit.vault.index import VaultIndex

MATH = ["VK401", "VK402", "VK403", "VK404", "VK405"]


def found(text: str) -> list[tuple[str, int, int]]:
    return [(p.rule, p.line, p.column) for p in lint_text(text, select=MATH)]


def messages(text: str) -> list[str]:
    return [p.message for p in lint_text(text, select=MATH)]


@pytest.mark.parametrize(
    "text",
    [
        "costs $5 and $10 today",
        "price: $ 3 \\times 4",  # not an opener: a space follows
        "`$\\alpha` in code",
        "```\n$\\frac{a\n```\n",
        "%% $\\alpha %%",
        "$\\left( a \\middle| b \\right)$ and $\\left. x \\right|_0^1$",
        "$\\{ a \\}$ and $\\verb|{|$",
        "$$\n\\begin{cases} a & b \\\\ c & d \\end{cases}\n$$",
        "$\\text{50%}$",  # `%` inside an argument is not a comment in MathJax
        "$\\newcommand{\\lp}{\\left(} \\lp x \\right)$",  # definition bodies are templates
        "$\\l( x \\right)$",  # an unknown macro may be the user's \left
        "---\nprice: $\\alpha\n---\ntext",  # front matter is not math
    ],
)
def test_valid_math_and_prose_are_left_alone(text):
    assert found(text) == []


def test_unclosed_inline_math_needs_tex_after_it():
    assert found("The loss is $L = \\sum_i y_i^2 and it is convex.") == [("unclosed-math", 1, 13)]
    assert found("a $x_{1} + y") == [("unclosed-math", 1, 3)]
    assert found("a $x + y") == []  # no TeX: could be a price


def test_unclosed_inline_math_explains_the_invalid_closer():
    assert "a space comes before it" in messages("$x^2 + \\alpha $ and")[0]
    assert "a digit follows it" in messages("$\\alpha$5 and more")[0]
    table = "| a | b |\n|---|---|\n| $\\alpha|x$ | c |\n"
    assert found(table) == [("unclosed-math", 3, 3)]
    assert "`\\vert`" in messages(table)[0]


def test_unclosed_display_math():
    assert found("text\n\n$$\n\\frac{a}{b}\n") == [("unclosed-math", 3, 1)]
    # the paragraph after the blank line pairs its own `$$`, so ours never closed
    assert found("$$ x = 1\n\nprose\n\n$$\ny\n$$\n") == [("unclosed-math", 1, 1)]


def test_missing_dollar_that_still_pairs():
    assert found("$a$ and $b and $c$ end") == [("unclosed-math", 1, 9)]
    assert "the text between renders as math" in messages("$a$ and $b and $c$ end")[0]
    # a price before real math pairs with it: `5, and $\alpha` renders as math
    assert found("costs $5, and $\\alpha$ is a letter") == [("unclosed-math", 1, 7)]
    assert "`\\$`" in messages("costs $5, and $\\alpha$ is a letter")[0]


def test_braces():
    assert found("Ratio $\\frac{a}{b + c$ here.") == [("unbalanced-braces", 1, 16)]
    assert found("a $x}$ b") == [("unbalanced-braces", 1, 5)]
    assert messages("$x}$")[0].startswith("`}` at 1:3 has no matching `{`")
    # `%` hides the rest of the line at group level; report only what both readings call wrong
    assert found("$$\na % {\n$$") == []
    assert found("$$\n{a % }\n$$") == []
    assert found("$$\n{a % b\n$$") == [("unbalanced-braces", 2, 1)]


def test_left_right():
    assert found("Bracket $\\left( x + y$ here.") == [("unmatched-left-right", 1, 10)]
    assert "add `\\right)`" in messages("$\\left( x$")[0]
    assert found("$x \\right\\}$") == [("unmatched-left-right", 1, 4)]
    assert "add `\\left\\{`" in messages("$x \\right\\}$")[0]
    assert found("$a \\middle| b$") == [("unmatched-left-right", 1, 4)]
    # a \left opened inside a group must close there
    assert found("$\\frac{\\left( a}{b} \\right)$") == [
        ("unmatched-left-right", 1, 8),
        ("unmatched-left-right", 1, 21),
    ]


def test_environments():
    text = "$$\n\\begin{aligned}\na &= b \\\\\n\\end{align}\n$$\n"
    assert found(text) == [("unmatched-environment", 2, 1)]
    assert messages(text) == [
        "`\\begin{aligned}` at 2:1 is closed by `\\end{align}` at 4:1: use the same name in both "
        "(`\\end{aligned}` or `\\begin{align}`)"
    ]
    assert found("$$\\begin{pmatrix} a\n$$") == [("unmatched-environment", 1, 3)]
    assert found("$$ a \\end{pmatrix}$$") == [("unmatched-environment", 1, 6)]


def test_blank_line_in_math_points_at_the_blank_line():
    text = "intro\n$$\\begin{array}{l}\na \\\\\n\n\\end{array}$$\nafter\n"
    assert found(text) == [("blank-line-in-math", 4, 1)]
    assert "opened at 2:1 and closed at 5:12" in messages(text)[0]


def test_blank_line_fix_deletes_the_blank_lines_only():
    text = "> $$\n> a\n>\n>\n> b\n> $$\n"
    (problem,) = lint_text(text, select=["VK405"])
    assert (problem.line, problem.column) == (3, 1)
    (edit,) = problem.fix.edits
    assert text[: edit.start] + edit.text + text[edit.end :] == "> $$\n> a\n> b\n> $$\n"
    crlf = "$$\r\na\r\n\r\nb\r\n$$\r\n"
    (problem,) = lint_text(crlf, select=["VK405"])
    (edit,) = problem.fix.edits
    assert crlf[: edit.start] + crlf[edit.end :] == "$$\r\na\r\nb\r\n$$\r\n"


def test_findings_can_be_suppressed():
    text = "%% vaultkit-disable-next-line unclosed-math %%\nThe loss is $L = \\sum_i y_i^2 and more.\n"
    assert found(text) == []


def test_fast_verdict_never_hides_a_finding():
    # the string-operation shortcut must only pass spans the full nesting check also passes
    pieces = ["{", "}", "\\{", "\\}", "\\\\", "\\left(", "\\right)", "\\left.", "\\right|", "\\begin{a}", "\\end{a}",
              "\\end{b}", "\\leftarrow", "x", " ", "\\frac", "%", "\\middle|"]  # fmt: skip
    rng = random.Random(5)
    passed = 0
    for _ in range(3000):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        if plainly_nested(body):
            passed += 1
            note = parse_text("A.md", f"$${body}$$")
            assert structure_findings(note, VaultIndex([note], [])) == (), body
    assert passed > 100
