"""Every rule documents itself, and its documentation's examples are executable.

The Example block must trigger the rule; the "Use instead" block must not (pycodestyle's
self-test idea).  A fenced block whose info string reads ``<lang> file=NAME`` adds another
file to the example's vault; ``markdown bytes`` holds a Python bytes literal.
"""

from __future__ import annotations

import ast
import re

import pytest

from vaultkit.lint import lint_text
from vaultkit.registry import load_rules

RULES = sorted(load_rules(isolated=True).values(), key=lambda r: r.code)
REQUIRED = ("## What it does", "## Why is this bad?", "## Example", "Use instead:")
BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def example_vault(section: str) -> tuple[str | bytes, dict[str, str | bytes]]:
    """The note under test and the other files of a docs example section."""
    note: str | bytes | None = None
    files: dict[str, str | bytes] = {}
    for info, body in BLOCK.findall(section):
        m = re.search(r"file=(\S+)", info)
        if m:
            files[m.group(1)] = body
        elif note is None:
            note = ast.literal_eval(body.strip()) if "bytes" in info else body
    assert note is not None, "no example note block"
    return note, files


def sections(doc: str) -> tuple[str, str]:
    example = doc.split("## Example", 1)[1]
    bad, good = example.split("Use instead:", 1)
    good = good.split("\n## ", 1)[0]
    return bad, good


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_has_documentation_sections(rule):
    for heading in REQUIRED:
        assert heading in rule.doc, f"{rule.name}: missing {heading!r}"
    if rule.options:
        assert "## Options" in rule.doc
        for key in rule.options:
            assert f"`{key}`" in rule.doc.split("## Options", 1)[1], f"{rule.name}: option {key} undocumented"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_example_triggers_and_use_instead_does_not(rule):
    bad, good = sections(rule.doc)
    note, files = example_vault(bad)
    found = [p.rule for p in lint_text(note, files=files, select=[rule.code])]
    assert rule.name in found, f"{rule.name}: its Example does not trigger it"
    note, files = example_vault(good)
    found = [p.rule for p in lint_text(note, files=files, select=[rule.code])]
    assert rule.name not in found, f"{rule.name}: its 'Use instead' triggers it: {found}"
