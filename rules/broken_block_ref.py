from vaultkit.api import rule
from vaultkit.rulekit.links import block_problems


@rule("VK203", "broken-block-ref", fixable=True)
def broken_block_ref(note, vault, options):
    """A link to a `^block` id that the target note does not have.

    ## What it does
    Reports `[[Note#^id]]`, `[[#^id]]` and `![[Note#^id]]` when the note exists but no
    block carries `^id`.  Block ids are Latin letters, digits and dashes, written at the end
    of a paragraph or list item, or on their own line after a list, quote, callout or table.

    Readings chosen where Obsidian's behaviour is not documented (the lenient ones): ids
    match case-insensitively; an id counts at the end of any line, also straight after an
    embed (`![[image.png]]^id`), with or without a blank line around it.

    ## Why is this bad?
    Obsidian opens the note at the top instead of the block, and an embed of the block
    shows nothing; the id was usually deleted or changed together with its paragraph.

    ## Example
    ```markdown
    As the lecture put it: ![[Lecture3#^key-idea]]
    ```

    ```markdown file=Lecture3.md
    Gradients flow backwards through the graph. ^keyidea
    ```

    Use instead:
    ```markdown
    As the lecture put it: ![[Lecture3#^keyidea]]
    ```

    ```markdown file=Lecture3.md
    Gradients flow backwards through the graph. ^keyidea
    ```

    ## Fix safety
    The closest existing id is offered as an unsafe fix: only the writer knows which block
    was meant.
    """
    return block_problems(note, vault)
