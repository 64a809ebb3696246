from vaultkit.api import Diagnostic, Edit, Fix, rule

# Obsidian Help, "Properties", *Deprecated properties*: deprecated in 1.4, no longer read in 1.9.
RENAMED = {"tag": "tags", "alias": "aliases", "cssclass": "cssclasses"}


@rule("VK107", "deprecated-property", fixable=True)
def deprecated_property(note, vault, options):
    """A `tag`, `alias` or `cssclass` property, which Obsidian no longer reads.

    ## What it does
    Reports the singular properties `tag`, `alias` and `cssclass`, deprecated in Obsidian 1.4
    in favour of `tags`, `aliases` and `cssclasses`.

    ## Why is this bad?
    Since Obsidian 1.9 they are ordinary properties: the note silently loses its tags, its
    aliases (links and the quick switcher no longer find it by them) and its CSS classes.

    ## Example
    ```markdown
    ---
    tag: project
    alias: The Plan
    ---
    ```

    Use instead:
    ```markdown
    ---
    tags: project
    aliases: The Plan
    ---
    ```

    ## Fix safety
    Renaming the key is safe when the note has no plural property yet: the value is kept as
    it is (a single text value is a valid one-item list).  When both are present, their
    values must be merged by hand, and there is no fix.
    """
    fm = note.frontmatter
    if fm is None or not fm.data:
        return
    for key in fm.keys:
        plural = RENAMED.get(key.key.casefold())
        if plural is None:
            continue
        if fm.key(plural) is None:
            raw = note.text[key.key_start : key.key_end]
            fix = Fix(
                f"Rename `{key.key}` to `{plural}`", (Edit(key.key_start, key.key_end, raw.replace(key.key, plural)),)
            )
            message = f"Obsidian no longer reads `{key.key}` (since 1.9): rename it to `{plural}`"
        else:
            fix = None
            message = f"Obsidian no longer reads `{key.key}` (since 1.9): merge its values into `{plural}`"
        yield Diagnostic(message, key.key_start, key.key_end, fix)
