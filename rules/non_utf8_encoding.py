from vaultkit.api import Applicability, Diagnostic, Fix, Severity, rule
from vaultkit.text.encoding.detect import PLAUSIBLE, SURE, label


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
    b"\\xd6\\xd0\\xce\\xc4\\xb1\\xca\\xbc\\xc7\\xa3\\xba\\xbe\\xed\\xbb\\xfd\\xc9\\xf1\\xbe\\xad\\xcd\\xf8\\xc2\\xe7\\n"
    ```

    Use instead:
    ```markdown
    中文笔记：卷积神经网络
    ```

    ## Fix safety
    The fix rewrites the file as UTF-8 from the text as read.  It is safe only when the
    reading is certain: a byte-order mark, or bytes that round-trip exactly through an
    encoding whose reading is real text of its language (most of its words are in the
    language's word list, and there are enough of them) and beats every other reading on
    the words where they differ (sibling code pages differ in a few letters).  A reading
    that looks like its language but is short or close to a rival, or a file mixing UTF-8
    and legacy lines, gets an unsafe fix: check the text before applying it.  When no
    reading looks like real text (confidence under 50%: an encoding vaultkit does not know,
    a note too short to judge), the note is reported with the best guess and no fix.
    """
    decoded = note.decoded
    if decoded.error is None or note.read_error:
        return
    name = label(decoded.encoding)
    message = f"file is not UTF-8 ({decoded.error}); it reads as {name} (confidence {decoded.confidence:.0%})"
    fix = None
    if decoded.encoding != "unknown" and decoded.confidence >= PLAUSIBLE:
        sure = decoded.confidence >= SURE and "+" not in decoded.encoding
        fix = Fix(
            f"transcode from {name} to UTF-8",
            encoding="utf-8",
            applicability=Applicability.SAFE if sure else Applicability.UNSAFE,
        )
    yield Diagnostic(message, 0, 0, fix)
