from vaultkit.api import Diagnostic, Severity, rule
from vaultkit.rulekit.math import LEFT_RIGHT, structure_findings


@rule("VK403", "unmatched-left-right", severity=Severity.ERROR)
def unmatched_left_right(note, vault, options):
    """A `\\left` without its `\\right`, or the reverse, inside one math span.

    ## What it does
    Pairs `\\left`, `\\middle` and `\\right` in every math span, respecting braces and
    environments (a `\\left` opened inside `{…}` must close there).  `\\left.` and `\\right.`
    are valid invisible delimiters.  Reports a `\\left` that never closes, a `\\right` with no
    `\\left`, and a `\\middle` outside any pair.  When the span uses a macro MathJax does not
    know, a missing partner is not reported: that macro may be your own `\\left` or `\\right`.

    ## Why is this bad?
    MathJax refuses the formula with "Missing \\right or extra \\left" (or the reverse), so
    Obsidian shows a red error instead of the math.

    ## Example
    ```markdown
    Bracket $\\left( x + y$ here.
    ```

    Use instead:
    ```markdown
    Bracket $\\left( x + y \\right)$ here.
    ```
    """
    for finding in structure_findings(note, vault):
        if finding.rule == LEFT_RIGHT:
            yield Diagnostic(finding.message, finding.start, finding.end)
