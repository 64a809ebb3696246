from vaultkit.api import rule
from vaultkit.rulekit.links import heading_problems


@rule("VK202", "broken-heading-link", fixable=True)
def broken_heading_link(note, vault, options):
    """A link to a heading that the target note does not have.

    ## What it does
    Reports `[[Note#Heading]]`, `[[#Heading]]`, `![[Note#Section]]` and
    `[text](Note.md#Heading%20Text)` when the note exists but the heading does not.
    Headings are compared the way Obsidian compares them: both sides through
    `stripHeading` (ASCII punctuation such as `:` `/` `.` `?` becomes a space, spaces
    collapse), so `[[#TCP IP Model]]` finds `# TCP/IP Model`.  Full-width punctuation is not
    stripped (`？` stays).  A path `[[Note#Part#Detail]]` finds the first `Part`, then the
    first later heading deeper than it named `Detail`; a repeated heading is reached
    through its parent.  Subpaths of attachments (`#page=3`) are not headings.

    Readings chosen where Obsidian's behaviour is not documented (the lenient ones):
    headings match case-insensitively; a deeper segment of a heading path may be found past
    the end of its parent's section.

    ## Why is this bad?
    Obsidian opens the note at the top instead of the section, and an embed of the section
    shows nothing.  It usually means the heading was renamed after the link was written.

    ## Example
    ```markdown
    The update rule is in [[Optimizers#Adam Optimiser]].
    ```

    ```markdown file=Optimizers.md
    # Optimizers
    ## Adam optimizer
    ```

    Use instead:
    ```markdown
    The update rule is in [[Optimizers#Adam optimizer]].
    ```

    ```markdown file=Optimizers.md
    # Optimizers
    ## Adam optimizer
    ```

    ## Fix safety
    The closest heading -- first one that differs only in case or punctuation, like
    `？` for `?` -- is offered as an unsafe fix: only the writer knows the section meant.
    """
    return heading_problems(note, vault)
