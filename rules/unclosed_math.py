from vaultkit.api import Diagnostic, rule
from vaultkit.rulekit.math import UNCLOSED, delimiter_findings


@rule("VK401", "unclosed-math")
def unclosed_math(note, vault, options):
    """An opening `$` or `$$` that never closes, or inline math that swallowed prose.

    ## What it does
    Finds math delimiters the way Obsidian pairs them: inline `$…$` opens at a `$` not
    followed by a space and closes at a `$` not preceded by a space nor followed by a digit,
    within one paragraph, heading or table cell; `$$…$$` is display math and may span lines.
    Reports a `$$` that never closes, a `$` that never closes when TeX follows it (so
    `$5 and $10` stays prose), and an inline span that contains a `$` after a space -- the
    sign of a missing `$` that made the text in between render as math.

    ## Why is this bad?
    An unclosed `$` shows the raw TeX as text; a missing `$` that still pairs with a later
    one turns the words in between into italic math.  Obsidian gives no warning either way.

    ## Example
    ```markdown
    The loss is $L = \\sum_i (y_i - \\hat{y}_i)^2 and it is convex.
    ```

    Use instead:
    ```markdown
    The loss is $L = \\sum_i (y_i - \\hat{y}_i)^2$ and it is convex.
    ```
    """
    for finding in delimiter_findings(note, vault):
        if finding.rule == UNCLOSED:
            yield Diagnostic(finding.message, finding.start, finding.end)
