import re

from vaultkit.api import Diagnostic, Edit, Fix, rule
from vaultkit.rulekit.encoding import outside_damage

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
ANY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # the quick test: no repetition to track


@rule("VK305", "control-character", fixable=True)
def control_character(note, vault, options):
    """Invisible control characters (C0, C1, NUL) outside code.

    ## What it does
    Reports runs of control characters other than tab, line feed and carriage return --
    NUL, the other C0 controls, DEL and the C1 controls U+0080 to U+009F -- outside code
    spans and code blocks.  C1 controls that belong to a mojibake run are left to the
    `mojibake` rule, whose repair turns them back into the characters they stand for.

    ## Why is this bad?
    They have no place in text: they are the residue of encoding damage, of a binary paste
    or of a sync that padded the file with NUL bytes.  Obsidian shows nothing or a box, and
    other tools may stop reading at a NUL.

    ## Example
    ```markdown bytes
    b"Meeting notes\\x00 with a stray NUL.\\n"
    ```

    Use instead:
    ```markdown
    Meeting notes with a stray NUL.
    ```

    ## Fix safety
    Removing them is safe: they carry no text.
    """
    text = note.text
    if not ANY.search(text):
        return
    for match in outside_damage(note, vault, CONTROL):
        start, end = match.span()
        names = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in match.group()))
        yield Diagnostic(
            f"control character{'s' if end - start > 1 else ''} {names} in the text",
            start,
            end,
            Fix("remove the control characters", (Edit(start, end, ""),)),
        )
