"""Every rule documents itself, and its documentation's examples are executable.

The Example block must trigger the rule; the "Use instead" block must not (pycodestyle's
self-test idea), and when the rule's safe fixes repair the Example, the result is "Use
instead".  A fenced block whose info string reads ``<lang> file=NAME`` adds another
file to the example's vault; ``markdown bytes`` holds a Python bytes literal.
"""

from __future__ import annotations

import ast
import re

import pytest

from vaultkit.api import Applicability
from vaultkit.check.registry import INTERNAL_ERROR, load_rules
from vaultkit.check.run import lint_text
from vaultkit.fix.loop import fix_text

# internal-error reports rules that crash, so no note can be its Example
RULES = sorted((r for r in load_rules(isolated=True).values() if r is not INTERNAL_ERROR), key=lambda r: r.code)
REQUIRED = ("## What it does", "## Why is this bad?", "## Example", "Use instead:")
BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def example_vault(section: str) -> tuple[str | bytes, dict[str, str | bytes], str]:
    """The note under test, the other files of a docs example section, and the note's path
    (``Note.md`` unless its block's info string says ``path=NAME``)."""
    note: str | bytes | None = None
    path = "Note.md"
    files: dict[str, str | bytes] = {}
    for info, body in BLOCK.findall(section):
        m = re.search(r"file=(\S+)", info)
        if m:
            files[m.group(1)] = body
        elif note is None:
            note = ast.literal_eval(body.strip()) if "bytes" in info else body
            path = next(iter(re.findall(r"path=(\S+)", info)), path)
    assert note is not None, "no example note block"
    return note, files, path


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
    note, files, path = example_vault(bad)
    found = [p.rule for p in lint_text(note, path, files=files, select=[rule.code])]
    assert rule.name in found, f"{rule.name}: its Example does not trigger it"
    note, files, path = example_vault(good)
    found = [p.rule for p in lint_text(note, path, files=files, select=[rule.code])]
    assert rule.name not in found, f"{rule.name}: its 'Use instead' triggers it: {found}"


def safe_fixes(rule) -> tuple[bool, bool]:
    """Whether the rule offers a safe fix for its Example, and whether every finding has one."""
    note, files, path = example_vault(sections(rule.doc)[0])
    found = [p for p in lint_text(note, path, files=files, select=[rule.code]) if p.rule == rule.name]
    safe = [p.fix is not None and p.fix.applicability is Applicability.SAFE for p in found]
    return any(safe), bool(safe) and all(safe)


SAFE_FIXED = [r for r in RULES if safe_fixes(r)[0]]


def test_some_rules_show_their_safe_fix_in_their_docs():
    assert "empty-date" in {r.name for r in SAFE_FIXED}


@pytest.mark.parametrize("rule", SAFE_FIXED, ids=lambda r: r.name)
def test_safe_fix_of_example_gives_use_instead(rule):
    """Fixing the Example with the rule's safe fixes yields "Use instead" byte for byte when
    every finding has one; otherwise at least nothing safely fixable is left."""
    bad, good = sections(rule.doc)
    note, files, path = example_vault(bad)
    result = fix_text(note, path, files=files, select=[rule.code])
    assert result.converged
    assert fix_text(result.data, path, files=files, select=[rule.code]).data == result.data  # fix(fix(x)) == fix(x)
    assert not [p for p in result.remaining if p.fix and p.fix.applicability is Applicability.SAFE]
    if safe_fixes(rule)[1]:
        wanted, _, _ = example_vault(good)
        assert result.data == (wanted if isinstance(wanted, bytes) else wanted.encode("utf-8"))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_fixable_is_what_the_example_shows(rule):
    """``fixable`` (the README table's "fix" column, `vaultkit rules`) is declared by hand; a
    rule is fixable exactly when its documented Example yields a fix that can be applied."""
    note, files, path = example_vault(sections(rule.doc)[0])
    found = [p for p in lint_text(note, path, files=files, select=[rule.code]) if p.rule == rule.name]
    applicable = any(p.fix is not None and p.fix.applicability is not Applicability.DISPLAY for p in found)
    assert rule.fixable == applicable, f"{rule.name}: fixable={rule.fixable}, but its Example's fixes say {applicable}"
