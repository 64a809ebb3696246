from vaultkit.api import Diagnostic, Severity, rule
from vaultkit.text.mathjax import unknown_commands


@rule(
    "VK406",
    "unknown-math-command",
    severity=Severity.ERROR,
    enabled_by_default=False,
    options={"macros": (), "environments": ()},
)
def unknown_math_command(note, vault, options):
    """A control sequence or environment that MathJax, as Obsidian loads it, does not define.

    ## What it does
    Checks every `\\command` and `\\begin{environment}` in math against MathJax 3.2's
    documented command list with every package Obsidian loads (all but `physics`), and
    suggests the closest known command.  Inside `\\text{…}` only text-mode macros work, so a
    math-only command there is reported too.  Macros a note defines with `\\newcommand`,
    `\\def`, `\\DeclareMathOperator`... count from their definition on.

    Off by default: vaults that use a preamble plugin (such as Extended MathJax's
    `preamble.sty`) define macros vaultkit cannot see; list them in `macros` and select the
    rule.

    ## Why is this bad?
    MathJax shows "Undefined control sequence \\farc" in red instead of the formula.

    ## Example
    ```markdown
    The slope is $\\farc{a}{b}$.
    ```

    Use instead:
    ```markdown
    The slope is $\\frac{a}{b}$.
    ```

    ## Options
    - `macros` (list of strings, default `[]`): your own macros, with or without the
      backslash, e.g. `["\\R", "\\abs"]`.
    - `environments` (list of strings, default `[]`): your own environment names.
    """
    for finding in unknown_commands(note, options["macros"], options["environments"]):
        yield Diagnostic(finding.message, finding.start, finding.end)
