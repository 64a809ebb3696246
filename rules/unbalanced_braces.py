from vaultkit.api import Diagnostic, Severity, rule
from vaultkit.rulekit.math import BRACES, structure_findings


@rule("VK402", "unbalanced-braces", severity=Severity.ERROR)
def unbalanced_braces(note, vault, options):
    """A `{` or `}` without its partner inside one math span.

    ## What it does
    Pairs the braces of every `$…$` and `$$…$$` span as MathJax reads them: `\\{` and `\\}`
    are literal braces, not groups, and `\\verb` arguments are skipped.  Reports the `{` that
    is never closed, or the `}` that closes nothing.  A `%` comment is taken into account
    both ways (MathJax ignores it inside macro arguments), and only a brace wrong under both
    readings is reported.

    ## Why is this bad?
    MathJax refuses the whole formula: Obsidian shows a red "Missing close brace" or "Extra
    close brace" error instead of the math.

    ## Example
    ```markdown
    The ratio $\\frac{a}{b + c$ is small.
    ```

    Use instead:
    ```markdown
    The ratio $\\frac{a}{b + c}$ is small.
    ```
    """
    for finding in structure_findings(note, vault):
        if finding.rule == BRACES:
            yield Diagnostic(finding.message, finding.start, finding.end)
