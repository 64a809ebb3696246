import bisect
import re

from vaultkit.api import Applicability, Diagnostic, Edit, Fix, rule
from vaultkit.rulekit.math import BLANK_LINE, delimiter_findings

_LINE_PREFIX = re.compile(r"[ \t>]*")  # indentation and callout / quote markers


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
    Deleting the blank lines is safe when the block stands on its own lines (the opening
    `$$` starts a line, the closing one ends a line): MathJax treats a line break as a
    space, so the formula renders exactly as intended, and nothing outside the block
    changes.  When a `$$` sits inside prose it may be a stray one that paired with another
    across paragraphs, and deleting the blank line would merge two paragraphs: that fix is
    unsafe.
    """
    text = note.text
    blocks = [r for r in note.regions if r.kind == "display-math"]
    starts = [r.start for r in blocks]
    for finding in delimiter_findings(note, vault):
        if finding.rule == BLANK_LINE:
            i = bisect.bisect_right(starts, finding.start) - 1
            own = i >= 0 and finding.start < blocks[i].end and _on_own_lines(text, blocks[i].start, blocks[i].end)
            safety = Applicability.SAFE if own else Applicability.UNSAFE
            stop = finding.end + (2 if text.startswith("\r\n", finding.end) else 1)
            fix = Fix("Delete the blank line", (Edit(finding.start, stop, ""),), safety)
            yield Diagnostic(finding.message, finding.start, finding.end, fix)


def _on_own_lines(text, start, end):
    """Does the ``$$`` block at ``text[start:end]`` open at the start of a line (after any
    indentation or ``>``) and close at the end of one?"""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    after = text[end : len(text) if line_end == -1 else line_end]
    return _LINE_PREFIX.fullmatch(text, line_start, start) is not None and not after.strip()
