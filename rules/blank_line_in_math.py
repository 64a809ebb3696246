from vaultkit.api import Diagnostic, Edit, Fix, rule
from vaultkit.rulekit.math import BLANK_LINE, delimiter_findings


@rule("VK405", "blank-line-in-math", fixable=True)
def blank_line_in_math(note, vault, options):
    """An empty line inside a `$$ … $$` block.

    ## What it does
    Reports blank lines (in a callout: lines holding only `>`) between an opening `$$` and
    its closing `$$`.  Blocks are paired within their paragraph first; only when the
    paragraph ends before the closer are the next paragraphs searched for it, so a `$$` that
    never closes is reported by `unclosed-math` instead.

    ## Why is this bad?
    A blank line ends the Markdown paragraph, so in reading view the block falls apart into
    raw TeX and two stray `$$`; live preview may still show it, which hides the problem.
    Other renderers (GitHub, pandoc, publishing tools) break the same way.

    ## Example
    ```markdown
    $$\\begin{array}{l}
    i_t = \\sigma(x) \\\\

    \\end{array}$$
    ```

    Use instead:
    ```markdown
    $$\\begin{array}{l}
    i_t = \\sigma(x) \\\\
    \\end{array}$$
    ```

    ## Fix safety
    Deleting the blank lines is safe: MathJax treats a line break as a space, so the
    formula renders exactly as intended, and nothing outside the block changes.
    """
    text = note.text
    for finding in delimiter_findings(note, vault):
        if finding.rule == BLANK_LINE:
            stop = finding.end + (2 if text.startswith("\r\n", finding.end) else 1)
            fix = Fix("Delete the blank line", (Edit(finding.start, stop, ""),))
            yield Diagnostic(finding.message, finding.start, finding.end, fix)
