import re

from vaultkit.api import Diagnostic, rule
from vaultkit.rulekit.encoding import outside_damage

# U+FFFD, and what two U+FFFD become when their UTF-8 is read as GBK (``锟斤拷``), Big5
# (``嚙踝蕭``) or EUC-KR (``占쏙옙``): data lost twice over.
MARKS = ("\ufffd", *((b"\xef\xbf\xbd" * 2).decode(codec, errors="replace") for codec in ("gbk", "big5", "cp949")))
LOST = re.compile("(?:" + "|".join(re.escape(mark) for mark in MARKS) + ")+")


@rule("VK304", "replacement-character")
def replacement_character(note, vault, options):
    """Characters that were already lost: U+FFFD and `锟斤拷`-style runs.

    ## What it does
    Reports runs of the replacement character `�` and of what that character turns into
    when it is itself misread (`锟斤拷` in GBK, `嚙踝蕭` in Big5, `占쏙옙` in EUC-KR),
    outside code.  Replacement characters inside a mojibake run that the `mojibake` rule
    repairs are left to that rule.

    ## Why is this bad?
    Each `�` marks text that a program could not decode and threw away; the original
    characters are gone from this copy.  They may survive in a backup, an older version
    or the source the note was copied from -- nothing can repair them automatically.

    ## Example
    ```markdown
    The price is 10 � per month, 锟斤拷锟斤拷.
    ```

    Use instead:
    ```markdown
    The price is 10 € per month.
    ```
    """
    text = note.text
    if not any(mark in text for mark in MARKS):  # substring tests: far cheaper than the pattern
        return
    for match in outside_damage(note, vault, LOST):
        start, end = match.span()
        yield Diagnostic(
            f"{len(match.group())} character{'s' if end - start != 1 else ''} lost by an earlier decoding "
            "(replacement characters); restore them from a backup or the source",
            start,
            end,
        )
