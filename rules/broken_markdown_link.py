from vaultkit.api import rule
from vaultkit.rulekit.links import is_attachment, missing_file, unresolved


@rule("VK206", "broken-markdown-link", fixable=True)
def broken_markdown_link(note, vault, options):
    """A Markdown link to a note that does not exist.

    ## What it does
    Reports `[text](Note%20Name.md)`, `[text](<Note Name.md>)` and `[text](Folder/Note.md#part)`
    when no note fits.  Obsidian percent-decodes the destination and then resolves it like a
    wiki-link -- case-insensitively, `.md` optional, by name anywhere in the vault, not only
    relative to the note -- and so does this rule.  URLs with a scheme (`https:`,
    `mailto:`, `obsidian:`, `app:`) are not checked; neither are attachments
    (`missing-embed`).

    ## Why is this bad?
    The link leads nowhere in Obsidian, and tools that publish the vault (Quartz, Publish,
    static-site generators) turn it into a 404.

    ## Example
    ```markdown
    Read [the derivation](Backpropogation.md) first.
    ```

    ```markdown file=Backpropagation.md
    # Backpropagation
    ```

    Use instead:
    ```markdown
    Read [the derivation](Backpropagation.md) first.
    ```

    ```markdown file=Backpropagation.md
    # Backpropagation
    ```

    ## Fix safety
    The closest existing note is offered as an unsafe fix (percent-encoded as the link
    needs): it changes where the link points, which only the writer can confirm.
    """
    for link in unresolved(note, vault):
        if link.kind == "markdown" and not is_attachment(link.target):
            yield missing_file(note, vault, link, "note")
