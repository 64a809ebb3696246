from vaultkit.api import Diagnostic, Severity, rule


@rule("VK301", "non-utf8-encoding", severity=Severity.ERROR)
def non_utf8_encoding(note, vault, options):
    """A note that is not stored as UTF-8.

    ## What it does
    Reports files whose bytes are not valid UTF-8 and names the encoding they most likely
    use (GB18030/GBK, Big5, Shift-JIS, cp1252, UTF-16, ...) with how sure that guess is.

    ## Why is this bad?
    Obsidian reads every note as UTF-8: a legacy-encoded note shows up as replacement
    characters, and saving it in Obsidian destroys the original text for good.

    ## Example
    ```markdown bytes
    b"\\xd6\\xd0\\xce\\xc4\\xb1\\xca\\xbc\\xc7\\n"
    ```

    Use instead:
    ```markdown
    中文笔记
    ```
    """
    decoded = note.decoded
    if decoded.error is None or note.read_error:
        return
    guess = f"{decoded.encoding} (confidence {decoded.confidence:.0%})"
    yield Diagnostic(f"file is not UTF-8 ({decoded.error}); it looks like {guess}", 0, 0)
