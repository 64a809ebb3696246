from vaultkit.api import Diagnostic, Severity, rule
from vaultkit.rulekit.math import ENVIRONMENT, structure_findings


@rule("VK404", "unmatched-environment", severity=Severity.ERROR)
def unmatched_environment(note, vault, options):
    """A `\\begin{X}` without `\\end{X}`, or closed by a different name.

    ## What it does
    Pairs `\\begin{…}` and `\\end{…}` in every math span, respecting braces.  Reports an
    environment closed by another name (`\\begin{aligned}` … `\\end{align}`), one that never
    closes, and an `\\end` with no `\\begin`.  A missing partner is not reported in a span that
    uses a macro MathJax does not know, since that macro may expand to it.

    ## Why is this bad?
    MathJax stops at the first mismatch and Obsidian shows a red error such as
    "\\begin{aligned} ended with \\end{align}" instead of the formula.

    ## Example
    ```markdown
    $$
    \\begin{aligned}
    a &= b \\\\
    \\end{align}
    $$
    ```

    Use instead:
    ```markdown
    $$
    \\begin{aligned}
    a &= b \\\\
    \\end{aligned}
    $$
    ```
    """
    for finding in structure_findings(note, vault):
        if finding.rule == ENVIRONMENT:
            yield Diagnostic(finding.message, finding.start, finding.end)
