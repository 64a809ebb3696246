"""Suppression comments, invisible in Obsidian's reading view."""

from __future__ import annotations

from vaultkit.check.run import lint_text

BAD = "[Fetching Title#aaaa](https://x.org)"


def lines(text):
    return [p.line for p in lint_text(text, select=["VK105"])]


def test_next_line_and_same_line():
    text = f"%% vaultkit-disable-next-line placeholder-link-title %%\n{BAD}\n{BAD}\n{BAD} %% vaultkit-disable-line %%\n"
    assert lines(text) == [3]


def test_range_by_code_and_html_comment():
    text = f"{BAD}\n<!-- vaultkit-disable VK105 -->\n{BAD}\n<!-- vaultkit-enable VK105 -->\n{BAD}\n"
    assert lines(text) == [1, 5]


def test_other_rules_are_not_suppressed():
    text = f"%% vaultkit-disable-next-line empty-date %%\n{BAD}\n"
    assert lines(text) == [2]


def test_whole_file():
    assert lines(f"{BAD}\n\n%% vaultkit-disable-file %%\n{BAD}\n") == []


def test_directive_inside_code_is_not_a_directive():
    assert lines(f"```\n%% vaultkit-disable-file %%\n```\n{BAD}\n") == [4]
