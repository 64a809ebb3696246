"""The link rules (VK201-VK206): what they report, what they leave alone, and their fixes."""

from __future__ import annotations

from vaultkit.rules.broken_heading_link import broken_heading_link
from vaultkit.rules.broken_wikilink import broken_wikilink

from vaultkit.api import Applicability, Severity
from vaultkit.check.run import lint_text
from vaultkit.model import Decoded
from vaultkit.read.parse import parse_text
from vaultkit.vault.index import VaultIndex

LINK_RULES = ["VK201", "VK202", "VK203", "VK204", "VK205", "VK206"]
OTHER = {
    "Gradient Descent.md": "# Gradient Descent\n## Update rule\n### Step size\n## FAQ: Why?\nPara ^Key-Idea\n",
    "Courses/ML/Backpropagation.md": "# Backpropagation\n",
    "Artificial Intelligence.md": "---\naliases: [AI]\n---\n# AI\n",
    "attachments/figure-1.png": b"",
    "attachments/handout.pdf": b"",
}


def check(text: str, files=None, rules=LINK_RULES, path="Note.md", config=None):
    return lint_text(text, path, files=OTHER if files is None else files, select=rules, config=config)


def found(text: str, **kwargs) -> list[tuple[str, int]]:
    return [(p.rule, p.column) for p in check(text, **kwargs)]


def apply(text: str, problem) -> str:
    for edit in sorted(problem.fix.edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def test_every_valid_form_resolves():
    text = (
        "[[Gradient Descent]] [[gradient descent.md]] [[Courses/ML/Backpropagation]] [[/Gradient Descent]]\n"
        "[[Gradient Descent#Update rule#Step size]] [[Gradient Descent#update RULE]] [[Gradient Descent#FAQ Why]]\n"
        "[[Gradient Descent#^key-idea]] [[#Local]] [[#^here]] ![[figure-1.png|100x200]] ![[handout.pdf#page=3]]\n"
        "[x](Gradient%20Descent.md#Update%20rule) [y](<Gradient Descent.md>) [z](#Local) [w](https://e.org/x)\n"
        "| a | [[Gradient Descent\\|gd]] |\n\n# Local\n\nText ^here\n"
    )
    assert found(text) == []


def test_broken_wikilink_suggests_the_closest_note_as_an_unsafe_fix():
    text = "See [[Gradiant Descent]] now."
    (problem,) = check(text)
    assert problem.rule == "broken-wikilink"
    assert problem.message == "no note 'Gradiant Descent' — did you mean 'Gradient Descent'?"
    assert problem.fix.applicability is Applicability.UNSAFE
    assert apply(text, problem) == "See [[Gradient Descent]] now."


def test_two_swapped_letters_in_a_short_name_are_one_typo():
    (problem,) = check("[[Hoem]]", files={"Home.md": "# Home\n"})
    assert problem.message == "no note 'Hoem' — did you mean 'Home'?"
    assert apply("[[Hoem]]", problem) == "[[Home]]"


def test_no_suggestion_when_nothing_is_close():
    (problem,) = check("See [[Missing Topic 123456]].")
    assert problem.message == "no note 'Missing Topic 123456'" and problem.fix is None


def test_a_wrong_folder_suggests_the_file_with_that_name():
    text = "[[Old/Backpropagation|bp]]"
    (problem,) = check(text)
    assert apply(text, problem) == "[[Backpropagation|bp]]"


def test_an_alias_is_broken_and_the_fix_keeps_what_the_reader_sees():
    text = "| x | [[AI]] |\n"
    (problem,) = check(text)
    assert "alias of 'Artificial Intelligence'" in problem.message
    assert apply(text, problem) == "| x | [[Artificial Intelligence\\|AI]] |\n"


def test_links_in_code_math_and_block_comments_are_ignored_but_inline_comments_count():
    text = "`[[Nope]]`\n\n```\n[[Nope]]\n```\n\n$[[Nope]]$\n\n%%\n[[Nope]]\n%%\n\nText %% [[Nope2]] %%\n"
    assert [p.message for p in check(text)] == ["no note 'Nope2'"]


def test_future_notes_can_be_info_or_ignored_but_embeds_stay_broken():
    text = "[[Tomorrow]] ![[Tomorrow]] [[2030-01-01]]"
    config = {
        "rules": {"broken-wikilink": {"future-notes-as-info": True, "future-note-patterns": [r"\d{4}-\d{2}-\d{2}"]}}
    }
    problems = check(text, config=config)
    assert [(p.column, p.severity) for p in problems] == [(1, Severity.INFO), (14, Severity.WARNING)]


def test_caret_target_is_reported_as_info_only():
    (problem,) = check("[[^abc]]\n\nText ^abc\n")
    assert problem.rule == "broken-wikilink" and problem.severity is Severity.INFO


def test_broken_heading_link_and_its_suggestion():
    text = "[[Gradient Descent#Update rules]]"
    (problem,) = check(text)
    assert problem.rule == "broken-heading-link"
    assert problem.message == "no heading 'Update rules' in 'Gradient Descent' — did you mean 'Update rule'?"
    assert apply(text, problem) == "[[Gradient Descent#Update rule]]"


def test_a_heading_differing_only_in_full_width_punctuation_is_suggested():
    files = {"FAQ.md": "## 每个远程仓库可以有多大？\n"}
    text = "[[FAQ#每个远程仓库可以有多大|x]]"
    (problem,) = check(text, files=files)
    assert apply(text, problem) == "[[FAQ#每个远程仓库可以有多大？|x]]"


def test_heading_path_must_nest():
    (problem,) = check("[[Gradient Descent#Step size#Update rule]]")
    assert problem.message.startswith("no heading 'Update rule' under 'Step size'")


def test_markdown_heading_fix_is_percent_encoded():
    text = "[x](Gradient%20Descent.md#Update%20rules)"
    (problem,) = check(text)
    assert apply(text, problem) == "[x](Gradient%20Descent.md#Update%20rule)"


def test_self_heading_and_block_links():
    assert found("[[#Nowhere]] [[#^nothing]]\n\n# Here\n") == [("broken-heading-link", 1), ("broken-block-ref", 14)]


def test_block_ids_match_case_insensitively_and_misses_suggest_the_id():
    assert found("[[Gradient Descent#^KEY-IDEA]]") == []
    text = "![[Gradient Descent#^key-ideas]]"
    (problem,) = check(text)
    assert problem.rule == "broken-block-ref"
    assert apply(text, problem) == "![[Gradient Descent#^Key-Idea]]"


def test_missing_embed_and_linked_attachments():
    text = "![[figure-2.png]] [[notes.pdf]] ![](gone.png) ![[handout.pdf#page=9]]"
    problems = check(text)
    assert [(p.rule, p.column) for p in problems] == [
        ("missing-embed", 1),
        ("missing-embed", 19),
        ("missing-embed", 33),
    ]
    assert apply(text, problems[0]).startswith("![[figure-1.png]]")


def test_broken_markdown_link_with_encoded_fix():
    text = "[see](Gradiant%20Descent.md) [ok](Courses/ML/Backpropagation.md) [mail](mailto:a@b.c)"
    (problem,) = check(text)
    assert problem.rule == "broken-markdown-link"
    assert apply(text, problem).startswith("[see](Gradient%20Descent.md)")


def test_ambiguous_link_unless_the_winner_sits_beside_the_note():
    files = {"Projects/Meetings.md": "", "Archive/2023/Meetings.md": ""}
    text = "[[Meetings]]"
    (problem,) = check(text, files=files)
    assert problem.rule == "ambiguous-link" and "opens 'Projects/Meetings.md'" in problem.message
    assert apply(text, problem) == "[[Projects/Meetings|Meetings]]"
    assert found(text, files=files, path="Projects/Index.md") == []
    assert found("[[Projects/Meetings]]", files=files) == []


def test_in_notes_that_are_not_utf8_only_ascii_names_count_as_missing():
    text = "[[Missing Topic 1]] [[жэ╠╗ 1248]] [[梯度下降#No Such Section]]"
    legacy = Decoded(encoding="gb18030", error="invalid UTF-8 at byte 3", confidence=1.0)
    notes = [parse_text("Legacy.md", text, legacy), parse_text("梯度下降.md", "# 概述\n")]
    index = VaultIndex(notes, [n.rel for n in notes])
    rules = (broken_wikilink, broken_heading_link)
    assert [d.message for r in rules for d in r(notes[0], index, r.options)] == [
        "no note 'Missing Topic 1'",
        "no heading 'No Such Section' in '梯度下降'",
    ]


def test_math_inside_a_link_and_its_heading_still_matches():
    text = "See [[#$y'' = f(x,y')$ 型]].\n\n### $y'' = f(x,y')$ 型\n"
    assert found(text) == []
    assert found(text.replace("f(x,y')$ 型]]", "f(y)$ 型]]")) == [("broken-heading-link", 5)]
