from vaultkit.api import Applicability, Diagnostic, Fix, Severity, rule
from vaultkit.text.encoding.detect import SURE, label


@rule("VK301", "non-utf8-encoding", severity=Severity.ERROR, fixable=True)
def non_utf8_encoding(note, vault, options):
    """A note that is not stored as UTF-8.

    ## What it does
    Reports files whose bytes are not valid UTF-8 and names the encoding they most likely
    use (GB18030/GBK, Big5, Shift-JIS, EUC-KR, Windows-125x, UTF-16 with or without a
    byte-order mark, or UTF-8 with some lines in a legacy code page) with how sure that
    guess is.  The guess weighs every plausible reading with word frequencies of the
    language it produces, so Windows-1252 French is not mistaken for a Baltic code page.

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

    ## Fix safety
    The fix rewrites the file as UTF-8 from the text as read.  It is safe when the reading
    is unambiguous: a byte-order mark, or a reading at least 99% likely against every other
    that gives a different text.  Otherwise (a close call between encodings, a file mixing
    UTF-8 and legacy lines) it is unsafe: check the text before applying it.
    """
    decoded = note.decoded
    if decoded.error is None or note.read_error:
        return
    name = label(decoded.encoding)
    message = f"file is not UTF-8 ({decoded.error}); it reads as {name} (confidence {decoded.confidence:.0%})"
    fix = None
    if decoded.encoding != "unknown":
        sure = decoded.confidence >= SURE and "+" not in decoded.encoding
        fix = Fix(
            f"transcode from {name} to UTF-8",
            encoding="utf-8",
            applicability=Applicability.SAFE if sure else Applicability.UNSAFE,
        )
    yield Diagnostic(message, 0, 0, fix)
