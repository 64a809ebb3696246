from vaultkit.api import Diagnostic, Severity, rule


@rule("VK001", "unreadable-file", severity=Severity.ERROR)
def unreadable_file(note, vault, options):
    """A `.md` file that could not be read as a note.

    ## What it does
    Reports files that vaultkit (and Obsidian) cannot treat as notes: binary data named
    `.md`, files over the size limit, files the system will not let us read, broken symlinks.

    ## Why is this bad?
    Such a file is in the vault but none of its content is checked, linked or searchable; it
    is often the sign of a failed sync, a crashed editor or a misnamed attachment.

    ## Example
    ```markdown bytes
    b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR"
    ```

    Use instead:
    ```markdown
    A readable note.
    ```
    """
    if note.read_error:
        yield Diagnostic(note.read_error, 0, 0)
