"""The rules about the vault's files and typed properties (issue 17), on a vault shaped like a
real one: `.obsidian/types.json` as Obsidian writes it, JSON Canvas 1.0 boards, Bases files.
Every planted case is found and nothing else is reported."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from vaultkit.api import Diagnostic, Scope, Severity, rule
from vaultkit.check.config import ActiveRule
from vaultkit.check.engine import build_index, check, check_files
from vaultkit.check.registry import INTERNAL_ERROR
from vaultkit.check.run import check_vault

TYPES = {
    "types": {
        "aliases": "aliases",
        "cssclasses": "multitext",
        "tags": "tags",
        "due": "date",
        "start": "datetime",
        "done": "checkbox",
        "pages": "number",
        "title": "text",
        "authors": "multitext",
    }
}

# A board as Obsidian saves it (tabs, one node per line), with one broken file node and one
# edge to a node that is not there.
BOARD = """{
\t"nodes":[
\t\t{"id":"6f0ad84f44ce9c17","type":"file","file":"Projects/Plan.md","x":-400,"y":-200,"width":400,"height":400},
\t\t{"id":"a1b2c3d4e5f60718","type":"file","file":"Projects/Gone.md","x":100,"y":-200,"width":400,"height":400},
\t\t{"id":"0c1d2e3f40516273","type":"file","file":"assets/board-only.png","x":100,"y":300,"width":300,"height":200},
\t\t{"id":"9f8e7d6c5b4a3921","type":"group","label":"Ideas","background":"assets/bg.jpg","x":-450,"y":-250,"width":1000,"height":800},
\t\t{"id":"1234abcd5678ef90","type":"text","text":"Next: ship it","x":600,"y":-200,"width":250,"height":60}
\t],
\t"edges":[
\t\t{"id":"e0","fromNode":"6f0ad84f44ce9c17","fromSide":"right","toNode":"1234abcd5678ef90","toSide":"left"},
\t\t{"id":"e1","fromNode":"6f0ad84f44ce9c17","fromSide":"bottom","toNode":"ffffffffffffffff","toSide":"top","toEnd":"arrow"}
\t]
}
"""
GOOD_BOARD = """{"nodes":[{"id":"x","type":"file","file":"Projects/Plan.md","subpath":"#Goals","x":0,"y":0,"width":400,"height":300}],"edges":[]}"""

# The example of Obsidian Help's "Bases syntax" page, shortened, with one formula renamed.
BASE = """filters:
  and:
    - file.hasTag("book")
formulas:
  formatted_price: 'if(price, price.toFixed(2) + " dollars")'
  ppu: "(price / age).toFixed(2)"
properties:
  formula.formatted_price:
    displayName: "Price"
views:
  - type: table
    name: "My table"
    order:
      - file.name
      - formula.ppu
      - formula.price_per_unit
    summaries:
      formula.ppu: Average
"""

NFD = unicodedata.normalize("NFD", "Résumé.md")


def planted_vault(vault) -> Path:
    return vault(
        {
            ".obsidian/types.json": json.dumps(TYPES, indent=2),
            "Projects/Plan.md": "---\ndue: 2024-01-05\nstart: 2024-01-05T10:00\ndone: true\npages: 12\n"
            "title: The plan\nauthors:\n  - Ann\n  - Bob\ntags:\n  - project\n---\n# Goals\n![[diagram.png]]\n",
            "Projects/Typed.md": '---\ndue: tomorrow\ndone: "true"\npages: 12 pages\ntitle:\n  - a\n  - b\n'
            "ok: yes\n---\nbody\n",  # `ok` has no recorded type: not checked
            "Projects/Old.md": "---\nalias: Old plan\ntag: x\ntags: [y]\n---\n",
            "Projects/Merge.md": "Meeting on\n<<<<<<< HEAD\nMonday.\n=======\nTuesday.\n>>>>>>> phone\n\n"
            "```\n<<<<<<< in a code block\n=======\n>>>>>>> is an example\n```\n\nSetext\n=======\n",
            NFD: "cv\n",
            "Cover.md": '---\ncover: assets/cover.jpg\n---\n<img src="assets/html.png">\n',
            "assets/diagram.png": b"",
            "assets/board-only.png": b"",
            "assets/bg.jpg": b"",
            "assets/cover.jpg": b"",
            "assets/html.png": b"",
            "assets/orphan.pdf": b"",
            "Boards/Ideas.canvas": BOARD,
            "Boards/Good.canvas": GOOD_BOARD,
            "Boards/Empty.canvas": "",
            "Boards/Broken.canvas": '{"nodes":[{"id":"a",}]}',
            "Library.base": BASE,
            "Broken.base": "views: [unclosed\n",
            ".vaultkit.toml": 'extend-select = ["unused-attachment"]\n',
        }
    )


def found(result) -> set[tuple[str, int, str]]:
    return {(p.path, p.line, p.rule) for p in result.problems}


NEW_RULES = ["VK106", "VK107", "VK502", "VK503", "VK504", "VK601", "VK602"]


def test_every_planted_case_is_found_and_nothing_else(vault):
    root = planted_vault(vault)
    result = check_vault(root, select=NEW_RULES)
    assert found(result) == {
        ("Projects/Typed.md", 2, "property-value-type"),
        ("Projects/Typed.md", 3, "property-value-type"),
        ("Projects/Typed.md", 4, "property-value-type"),
        ("Projects/Typed.md", 6, "property-value-type"),
        ("Projects/Old.md", 2, "deprecated-property"),
        ("Projects/Old.md", 3, "deprecated-property"),
        ("Projects/Merge.md", 2, "conflict-markers"),
        ("Résumé.md", 1, "non-nfc-name"),
        ("assets/orphan.pdf", 1, "unused-attachment"),
        ("Boards/Ideas.canvas", 1, "unused-attachment"),
        ("Boards/Good.canvas", 1, "unused-attachment"),
        ("Boards/Empty.canvas", 1, "unused-attachment"),
        ("Boards/Broken.canvas", 1, "unused-attachment"),
        ("Boards/Ideas.canvas", 4, "invalid-canvas"),
        ("Boards/Ideas.canvas", 11, "invalid-canvas"),
        ("Boards/Broken.canvas", 1, "invalid-canvas"),
        ("Library.base", 16, "invalid-base"),
        ("Broken.base", 1, "invalid-base"),
    }
    by_rule = {(p.path, p.line): p for p in result.problems}
    assert "Projects/Gone.md" in by_rule[("Boards/Ideas.canvas", 4)].message
    assert "ffffffffffffffff" in by_rule[("Boards/Ideas.canvas", 11)].message
    assert "formula.price_per_unit" in by_rule[("Library.base", 16)].message
    assert "U+0301" in by_rule[("Résumé.md", 1)].message
    fixes = {(p.path, p.line): p.fix for p in result.problems if p.fix}
    assert set(fixes) == {("Projects/Typed.md", 3), ("Projects/Old.md", 2)}  # "true" -> true; alias -> aliases


def test_a_note_stored_in_nfd_is_read_and_its_links_resolve(vault):
    root = vault({NFD: "[[Other]]\n", "Other.md": "[[Résumé]]\n"})
    result = check_vault(root)
    assert [p.rule for p in result.problems] == ["non-nfc-name"]  # not unreadable, no broken link
    assert result.index.notes["Résumé.md"].links[0].target == "Other"


def test_two_names_that_differ_only_by_normalisation_are_one_finding(vault):
    root = vault({NFD: "decomposed\n", "Résumé.md": "composed\n"})
    problems = check_vault(root, select=["non-nfc-name"]).problems
    assert [(p.path, p.rule) for p in problems] == [("Résumé.md", "non-nfc-name")]
    assert "2 files" in problems[0].message


def test_canvas_file_nodes_are_links_in_the_index(vault):
    root = planted_vault(vault)
    index = build_index(root)[0]
    assert index.linked_from("Projects/Plan.md") == ("Boards/Good.canvas", "Boards/Ideas.canvas")
    assert index.linked_from("assets/board-only.png") == ("Boards/Ideas.canvas",)
    assert index.linked_from("assets/orphan.pdf") == ()
    assert "Boards/Ideas.canvas" in index.backlinks["plan"]


def test_only_the_files_asked_about_are_reported(vault):
    root = planted_vault(vault)
    result = check_vault(root, targets=["Boards/Ideas.canvas"], select=NEW_RULES)
    assert {p.path for p in result.problems} == {"Boards/Ideas.canvas"}
    result = check_vault(root, targets=["Projects/"], select=NEW_RULES)
    assert {p.path for p in result.problems} == {"Projects/Typed.md", "Projects/Old.md", "Projects/Merge.md"}


def test_excluded_files_and_suppressed_notes_are_not_reported(vault):
    root = planted_vault(vault)
    (root / ".vaultkit.toml").write_text(
        'extend-select = ["unused-attachment"]\nexclude = ["Boards/**"]\n'
        '[rules.unused-attachment]\nexclude = ["assets/*.pdf"]\n'
    )
    (root / NFD).write_text("%% vaultkit-disable-file non-nfc-name %%\n")
    paths = {p.path for p in check_vault(root, select=NEW_RULES).problems}
    assert not {p for p in paths if p.startswith("Boards/")}
    assert "assets/orphan.pdf" not in paths and "Résumé.md" not in paths
    assert "Library.base" in paths


def test_a_crashing_vault_rule_is_an_internal_error_and_the_run_goes_on(vault):
    @rule("TS601", "explodes", scope=Scope.VAULT)
    def explodes(vault, options):
        """Raises."""
        raise RuntimeError("boom")

    @rule("TS602", "names-a-note", scope=Scope.VAULT)
    def names_a_note(vault, options):
        """Reports a note at an offset."""
        yield Diagnostic("here", 3, 4, path="A.md", severity=Severity.INFO)

    root = vault({"A.md": "ab\ncd\n"})
    index = build_index(root)[0]
    crashes = ActiveRule(INTERNAL_ERROR, Severity.ERROR, {})  # crashes are reported while internal-error is on
    active = [crashes, ActiveRule(explodes, Severity.ERROR, {}), ActiveRule(names_a_note, Severity.WARNING, {})]
    problems = check_files(index, active, {"A.md"}.__contains__)
    assert [(p.rule, p.path) for p in problems] == [("internal-error", "."), ("names-a-note", "A.md")]
    assert "RuntimeError: boom" in problems[0].message
    assert (problems[1].line, problems[1].column, problems[1].severity) == (2, 1, Severity.INFO)
    assert check(root, active, targets=["B/"]).problems[1:] == []  # not asked about: dropped


def test_typed_properties_are_not_reported_twice(vault):
    root = vault(
        {
            ".obsidian/types.json": json.dumps({"types": {"date": "date", "created": "text"}}),
            "A.md": "---\ndate: yesterday\ncreated: last week\nupdated: soon\n---\n",
        }
    )
    problems = check_vault(root, select=["invalid-date", "property-value-type"]).problems
    assert sorted((p.line, p.rule) for p in problems) == [(2, "property-value-type"), (4, "invalid-date")]


def test_math_macros_come_from_the_vaults_preambles(vault):
    files = {
        "preamble.sty": "\\newcommand{\\R}{\\mathbb{R}}\n",
        ".obsidian/plugins/obsidian-latex/data.json": json.dumps({"preamblePath": "tex/extra.sty"}),
        "tex/extra.sty": "\\DeclareMathOperator{\\tr}{tr}\n",
        "Meta/Preamble.md": "$$\\newcommand{\\abs}[1]{\\lvert #1\\rvert}$$\n",
        "A.md": "$\\R$ $\\tr A$ $\\abs{x}$ $\\nope$\n",
        ".vaultkit.toml": 'extend-select = ["unknown-math-command"]\n'
        '[rules.unknown-math-command]\npreamble = ["Meta/Preamble"]\n',
    }
    root = vault(files)
    problems = check_vault(root, targets=["A.md"], select=["unknown-math-command"]).problems
    assert len(problems) == 1 and "\\nope" in problems[0].message
    (root / "preamble.sty").unlink()
    problems = check_vault(root, targets=["A.md"], select=["unknown-math-command"]).problems
    assert sorted(p.column for p in problems) == [2, 25]  # \R and \nope


def test_the_demo_vault_shows_every_rule_firing():
    """The README promises that `vaultkit check examples/demo-vault` shows each rule."""
    from vaultkit.check.registry import load_rules

    root = Path(__file__).resolve().parents[1] / "examples" / "demo-vault"
    fired = {p.rule for p in check_vault(root, jobs=1).problems}
    assert set(load_rules(isolated=True)) - fired == {"internal-error"}  # no built-in rule crashes
