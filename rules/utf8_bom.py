from vaultkit.api import Diagnostic, Fix, rule


@rule("VK302", "utf8-bom", fixable=True)
def utf8_bom(note, vault, options):
    """A UTF-8 file that starts with a byte-order mark.

    ## What it does
    Reports UTF-8 notes whose first bytes are the byte-order mark `EF BB BF`.

    ## Why is this bad?
    UTF-8 has no byte order to mark.  The invisible character before `---` hides the front
    matter from several tools (static site generators, scripts, older plugins), and it
    travels into every file made from the note.

    ## Example
    ```markdown bytes
    b"\\xef\\xbb\\xbf---\\ntitle: Note\\n---\\n"
    ```

    Use instead:
    ```markdown
    ---
    title: Note
    ---
    ```

    ## Fix safety
    Removing the mark is safe: it carries no text.
    """
    if note.decoded.bom and note.decoded.encoding == "utf-8" and not note.read_error:
        yield Diagnostic(
            "UTF-8 byte-order mark at the start of the file", 0, 0, Fix("remove the byte-order mark", bom=False)
        )
