"""MathJax's command list and the unknown-math-command rule (VK406)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from vaultkit.check.run import lint_text
from vaultkit.text.mathjax import commands, loaded_macros

REPO = Path(__file__).resolve().parents[1]


def found(text: str, **options) -> list[tuple[int, int, str]]:
    config = {"rules": {"unknown-math-command": options}} if options else None
    return [(p.line, p.column, p.message) for p in lint_text(text, select=["VK406"], config=config)]


def test_command_list_is_mathjax_32_with_its_source_named():
    table = commands()
    assert len(table.macros) > 1200 and len(table.environments) > 60
    assert {"\\frac", "\\left", "\\operatorname", "\\require", "\\degree", "\\textcolor", "\\ce"} <= loaded_macros()
    assert {"aligned", "cases", "dcases", "CD"} <= set(table.environments)
    assert table.macros["\\dv"] == ("physics",) and "\\dv" not in loaded_macros()
    assert "\\arccos" in loaded_macros()  # base and physics both define it
    assert {"\\textbf", "\\emph", "\\ref"} <= table.text and "\\alpha" not in table.text


def test_unknown_command_with_a_suggestion():
    ((line, col, message),) = found("The slope is $\\farc{a}{b}$.")
    assert (line, col) == (1, 15)
    assert message.startswith("`\\farc` at 1:15 is not a MathJax command (did you mean `\\frac`?)")


def test_known_commands_and_environments_pass():
    text = (
        "$\\alpha + \\mathbb{R} \\xrightarrow{f} \\degree \\coloneqq \\textcolor{red}{x}$\n\n"
        "$$\\begin{dcases} a & b \\end{dcases} \\ce{H2O} \\operatorname*{arg\\,max}$$\n"
    )
    assert found(text) == []


def test_physics_commands_are_not_loaded_by_obsidian():
    ((_, _, message),) = found("$\\dv{f}{x}$")
    assert "physics package, which Obsidian does not load" in message


def test_text_mode_takes_text_macros_only():
    assert found("$\\text{if } x \\textbf{bold \\emph{em}} \\text{cost \\textbackslash}$") == []
    assert found("$\\text{for all $\\alpha$}$") == []  # `$` switches back to math inside \text
    ((_, col, message),) = found("$\\text{for all \\alpha}$")
    assert col == 16 and "only works in math mode" in message


def test_user_macros_from_options_and_from_the_note():
    assert len(found("$\\R \\abs{x}$")) == 2
    assert found("$\\R \\abs{x}$", macros=["\\R", "abs"]) == []
    assert found("$\\begin{myenv} x \\end{myenv}$", environments=["myenv"]) == []
    # a \newcommand counts from its definition on, in later spans too
    text = "$\\abs{x}$ then $\\newcommand{\\abs}[1]{\\left|#1\\right|}$ and $\\abs{y}$ and $\\def\\R{\\mathbb{R}}\\R$"
    assert [col for _, col, _ in found(text)] == [2]


def test_unknown_environment():
    ((_, _, message),) = found("$$\\begin{algn} a \\end{algn}$$")
    assert message == "environment `algn` at 1:3 is not a MathJax environment (did you mean `align`?)"


def test_off_by_default():
    assert [p for p in lint_text("$\\farc{a}{b}$") if p.code == "VK406"] == []


def test_dollar_switches_mode_only_inside_text():
    # a `$` in a math group (inside display math) is no switch to text mode
    assert [m for _, _, m in found("$$ {a $ \\alpha} $$")] == []
    assert found("$$\\text{a $\\beta$ and \\gamma}$$")[0][2].startswith("`\\gamma` at 1:23 only works in math mode")


def test_verb_and_environment_definitions():
    assert found("$\\verb|\\farc{|$") == []
    assert found("$$\\newenvironment{pf}{\\text{Proof}}{\\blacksquare}\\begin{pf} x \\end{pf}$$") == []


def test_generator_reads_mathjax_tables():
    spec = importlib.util.spec_from_file_location("gen", REPO / "tools" / "gen_mathjax_commands.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    rst = (
        "Symbols\n-------\n\n.. list-table::\n\n   * - ``\\``  (backslash-space)\n     -\n"
        "   * - ``\\abs``\n     - *physics*\n   * - ``\\arccos``\n     - **base**, *physics*\n\n"
        "Environments\n------------\n\n.. list-table::\n\n   * - ``align*``\n     - **ams**\n"
    )
    rows = [(section, gen.name_of(cell), packages) for section, cell, packages in gen.rows(rst)]
    assert rows == [
        ("Symbols", "\\", []),
        ("Symbols", "\\abs", ["physics"]),
        ("Symbols", "\\arccos", ["base", "physics"]),
        ("Environments", "align*", ["ams"]),
    ]


def test_data_file_names_its_source():
    header = (REPO / "vaultkit" / "data" / "mathjax_tex.tsv").read_text(encoding="utf-8").splitlines()[:3]
    assert "mathjax/MathJax-docs @ v3.2" in header[1] and "tools/gen_mathjax_commands.py" in header[1]
