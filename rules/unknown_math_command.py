from vaultkit.api import Diagnostic, Severity, fold, rule
from vaultkit.text.mathjax import defined_in, unknown_commands


def _preamble_texts(vault, options):
    """The TeX of the vault's macro sources: what a MathJax plugin loads (``preamble.sty``,
    read at the edge into the settings) and the notes the ``preamble`` option names."""
    yield from vault.settings.math_preambles.values()
    for name in options["preamble"]:
        rel = vault.resolve(name, "") or next((r for r in vault.notes if fold(r) == fold(name)), None)
        note = vault.notes.get(rel) if rel else None
        if note is not None:
            yield note.text


@rule(
    "VK406",
    "unknown-math-command",
    severity=Severity.ERROR,
    enabled_by_default=False,
    options={"macros": (), "environments": (), "preamble": ()},
)
def unknown_math_command(note, vault, options):
    """A control sequence or environment that MathJax, as Obsidian loads it, does not define.

    ## What it does
    Checks every `\\command` and `\\begin{environment}` in math against MathJax 3.2's
    documented command list with every package Obsidian loads (all but `physics`), and
    suggests the closest known command.  Inside `\\text{…}` only text-mode macros work, so a
    math-only command there is reported too.  Macros a note defines with `\\newcommand`,
    `\\def`, `\\DeclareMathOperator`... count from their definition on.

    Macros from the vault's own sources count everywhere: the `preamble.sty` at the vault
    root that the Extended MathJax plugin (`obsidian-latex`) loads (and a file a path in its
    settings names), and the notes listed in the `preamble` option -- a "preamble note" whose
    `$$\\newcommand…$$` blocks another plugin runs first.

    Off by default: vaults may define macros in ways vaultkit cannot see (a plugin's own
    settings); select the rule, and list such macros in `macros`.

    ## Why is this bad?
    MathJax shows "Undefined control sequence \\farc" in red instead of the formula.

    ## Example
    ```markdown
    The slope is $\\farc{a}{b}$ in $\\R^2$.
    ```

    Use instead:
    ```markdown
    The slope is $\\frac{a}{b}$ in $\\R^2$.
    ```

    ```tex file=preamble.sty
    \\newcommand{\\R}{\\mathbb{R}}
    ```

    ## Options
    - `macros` (list of strings, default `[]`): your own macros, with or without the
      backslash, e.g. `["\\R", "\\abs"]`.
    - `environments` (list of strings, default `[]`): your own environment names.
    - `preamble` (list of strings, default `[]`): notes (paths or link names, e.g.
      `["Meta/Preamble"]`) whose `\\newcommand`s, `\\def`s and `\\newenvironment`s define
      macros for the whole vault.
    """
    macros, environments = list(options["macros"]), list(options["environments"])
    for tex in _preamble_texts(vault, options):
        defined, envs = defined_in(tex)
        macros += defined
        environments += envs
    for finding in unknown_commands(note, macros, environments):
        yield Diagnostic(finding.message, finding.start, finding.end)
