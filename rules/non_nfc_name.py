import unicodedata

from vaultkit.api import Diagnostic, Scope, rule


def _marks(spelling):
    """The combining marks (and Hangul jamo) of ``spelling`` that NFC composes, as ``U+0301``."""
    composed = unicodedata.normalize("NFC", spelling)
    marks = {c for c in spelling if c not in composed and (unicodedata.combining(c) or "\u1160" <= c <= "\u11ff")}
    return sorted(f"U+{ord(c):04X}" for c in marks) or ["a decomposed character"]


@rule("VK503", "non-nfc-name", scope=Scope.VAULT)
def non_nfc_name(vault, options):
    """A file or folder name that is not in Unicode NFC, or two names that differ only so.

    ## What it does
    Reports notes and attachments whose path, as stored on disk, is not in Unicode
    normalisation form C: `Café.md` written as `Cafe` + a combining accent (NFD), as macOS
    file systems and some sync clients store names.  It also reports two files in one folder
    whose names are the same text in different normalisations.

    ## Why is this bad?
    The two spellings look identical but are different bytes.  Obsidian matches links in NFC,
    so on Linux, Android and in git such a file may be missing for links and embeds, and two
    files whose names differ only by normalisation are one name to Obsidian: a link opens
    either.  Syncing between systems can then duplicate or overwrite the file.

    ## Example
    ```markdown path=Café.md
    A note whose name was written on macOS.
    ```

    Use instead:
    ```markdown path=Café.md
    The same note, renamed to the NFC spelling.
    ```

    ## Fix safety
    There is no fix: renaming files is the user's call (and a link-updating rename is best
    done in Obsidian).
    """
    for rel, spellings in sorted(vault.spelled.items()):
        if len(spellings) > 1:
            others = ", ".join(f"`{s}` ({'NFC' if s == rel else 'not NFC'})" for s in spellings)
            yield Diagnostic(
                f"{len(spellings)} files have this name in different Unicode normalisations: {others}; keep one",
                0,
                0,
                path=rel,
            )
        else:
            marks = ", ".join(_marks(spellings[0]))
            yield Diagnostic(
                f"name is not in Unicode NFC on disk (it has the combining {marks}, as macOS writes names): "
                "links to it break on other systems; rename it",
                0,
                0,
                path=rel,
            )
