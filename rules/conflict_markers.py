import re

from vaultkit.api import Diagnostic, Severity, rule

# git's markers (git-merge(1), "How conflicts are presented"): seven characters at the start of
# a line, the outer two followed by a space and a label or by the end of the line.
_MARKER = re.compile(r"^(?:<{7}|\|{7}|={7}|>{7})(?=[ \t]|\r?$)", re.MULTILINE)
_CODE = frozenset({"code", "inline-code"})


@rule("VK502", "conflict-markers", severity=Severity.ERROR)
def conflict_markers(note, vault, options):
    """A merge-conflict block (`<<<<<<<` … `=======` … `>>>>>>>`) left in a note.

    ## What it does
    Reports each complete block of conflict markers that git, or a sync client that merges
    with git (Obsidian Git, Working Copy), left in the note: a `<<<<<<<` line, a `=======`
    line, a `>>>>>>>` line, in that order (diff3's `|||||||` section included).  Markers in
    code blocks are examples, not conflicts, and a lone `=======` is a Markdown heading
    underline, so neither is reported.

    ## Why is this bad?
    Both versions of the passage are in the note with the markers between them: the note
    reads wrong, `=======` turns the line above it into a heading, and until someone picks a
    version, the next merge may make it worse.

    ## Example
    ```markdown
    Meeting on
    <<<<<<< HEAD
    Monday.
    =======
    Tuesday.
    >>>>>>> phone
    ```

    Use instead:
    ```markdown
    Meeting on
    Tuesday.
    ```
    """
    text = note.text
    if "<<<<<<<" not in text:
        return
    code = [(r.start, r.end) for r in note.regions if r.kind in _CODE]
    start = middle = None
    for m in _MARKER.finditer(text):
        if any(s <= m.start() < e for s, e in code):
            continue
        mark = text[m.start()]
        if mark == "<":
            start, middle = m.start(), None
        elif mark == "=" and start is not None:
            middle = m.start()
        elif mark == ">" and start is not None and middle is not None:
            line = note.position(start)[0]
            lines = note.position(m.start())[0] - line + 1
            yield Diagnostic(
                f"unresolved merge conflict ({lines} lines): keep one version and delete the markers", start, m.end()
            )
            start = middle = None
