from vaultkit.api import rule
from vaultkit.rulekit.links import is_attachment, missing_file, unresolved


@rule("VK204", "missing-embed", fixable=True)
def missing_embed(note, vault, options):
    """An embedded or linked attachment (image, PDF, audio, …) that is not in the vault.

    ## What it does
    Reports `![[diagram.png]]`, `![[paper.pdf#page=3]]`, `[[slides.pdf]]`, `![](img.png)`
    and `[notes](notes.pdf)` when no file of that name exists anywhere in the vault.
    Obsidian finds attachments by name alone (`[[sub/img.png]]` as a path suffix), so an
    attachment outside the folder that `attachmentFolderPath` names is not missing.  Size and
    page suffixes (`|100x200`, `#page=3`, `#height=400`) play no part in the lookup.  A
    name counts as an attachment when it ends in a file format Obsidian shows (images,
    audio, video, PDF) or a common document, archive or code format; any other name is a
    note (`broken-wikilink`, `broken-markdown-link`).

    ## Why is this bad?
    The note shows an error box or a dead link where the picture or document should be;
    usually the file was renamed, deleted or never copied along with the note.

    ## Example
    ```markdown
    ![[loss-curve.png]]
    ```

    ```markdown file=attachments/loss-curves.png
    ```

    Use instead:
    ```markdown
    ![[loss-curves.png]]
    ```

    ```markdown file=attachments/loss-curves.png
    ```

    ## Fix safety
    The closest existing file name is offered as an unsafe fix: only the writer knows
    whether it is the right picture.
    """
    for link in unresolved(note, vault):
        if is_attachment(link.target):
            yield missing_file(note, vault, link, "file")
