from vaultkit.api import Diagnostic, rule
from vaultkit.rulekit.links import is_ambiguous, or_list, target_edits, unsafe, why_opened


@rule("VK205", "ambiguous-link", fixable=True)
def ambiguous_link(note, vault, options):
    """A link that more than one file could satisfy, where Obsidian's choice is not obvious.

    ## What it does
    Reports a link such as `[[Notes]]` or `[[sub/Notes]]` that fits several files
    (`Projects/Notes.md`, `Archive/2023/Notes.md`) when the file Obsidian opens is not the
    one in the linking note's own folder.  Obsidian then prefers files under the note's
    folder, then the shortest path, then alphabetical order (the last two are reconstructed
    from Obsidian's code, not documented).  The message says which file wins and why.

    ## Why is this bad?
    The link works today, but which note it opens depends on where files happen to lie:
    moving or adding a note with the same name silently retargets it, and readers of the
    Markdown outside Obsidian cannot tell which note is meant.

    ## Example
    ```markdown
    See [[Meetings]].
    ```

    ```markdown file=Projects/Meetings.md
    ```

    ```markdown file=Archive/2023/Meetings.md
    ```

    Use instead:
    ```markdown
    See [[Projects/Meetings|Meetings]].
    ```

    ```markdown file=Projects/Meetings.md
    ```

    ```markdown file=Archive/2023/Meetings.md
    ```

    ## Fix safety
    Writing the full path of the file Obsidian opens now is offered as an unsafe fix: the
    order among the other candidates is reconstructed, not documented, and the writer may
    have meant another one.  A wiki-link keeps the text it showed as alias text.
    """
    for target in vault.outgoing(note):
        if not is_ambiguous(note, target):
            continue
        link, winner = target.link, target.candidates[0]
        others = list(target.candidates[1:])
        full = winner[:-3] if winner.lower().endswith(".md") and not link.target.lower().endswith(".md") else winner
        shown = link.target if link.kind == "wiki" else None
        yield Diagnostic(
            f"'{link.target}' fits {len(target.candidates)} files; Obsidian opens '{winner}' "
            f"({why_opened(note.rel, winner, others)}), not {or_list(others[:3])}",
            link.start,
            link.end,
            unsafe(f"Link to '{full}' explicitly", target_edits(note, link, full, shown)),
        )
