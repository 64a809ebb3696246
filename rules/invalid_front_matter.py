from vaultkit.api import Diagnostic, Severity, rule


@rule("VK101", "invalid-front-matter", severity=Severity.ERROR)
def invalid_front_matter(note, vault, options):
    """Front matter that Obsidian cannot read.

    ## What it does
    Reports a YAML block that does not parse (at the line of the error), a property written
    twice, and a `---` block that never closes.

    ## Why is this bad?
    Obsidian drops *all* properties of a note whose YAML does not parse: tags, aliases and
    dates silently vanish from search, graph and Dataview.  With a duplicate key PyYAML (and
    Obsidian) keep only the last value, so the first one is lost without a word.

    ## Example
    ```markdown
    ---
    tags: [unclosed, list
    ---
    ```

    Use instead:
    ```markdown
    ---
    tags: [closed, list]
    ---
    ```
    """
    fm = note.frontmatter
    if fm is None:
        return
    if fm.error:
        offset = fm.error_offset if fm.error_offset is not None else fm.start
        end = note.text.find("\n", offset)
        yield Diagnostic(fm.error, offset, len(note.text) if end == -1 else end)
    for dup in fm.duplicates:
        yield Diagnostic(
            f"property `{dup.key}` is defined more than once; only the last value is kept", dup.key_start, dup.key_end
        )
