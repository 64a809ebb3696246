from vaultkit.api import Diagnostic, rule


@rule("VK102", "empty-date", options={"keys": ("date", "created", "date created")}, fixable=True)
def empty_date(note, vault, options):
    """A date property that is present but empty.

    ## What it does
    Reports date properties (by default `date`, `created` and `date created`) that have a key
    but no value, like `date:`.

    ## Why is this bad?
    An empty date sorts as "no date" in Dataview, Bases and the file explorer, and templates
    that were meant to fill it did not.  `vaultkit fix` fills it from real evidence (the
    note's first git commit, or a date in its file name), never with "now".

    ## Example
    ```markdown
    ---
    date:
    ---
    ```

    Use instead:
    ```markdown
    ---
    date: 2024-03-01
    ---
    ```

    ## Options
    - `keys` (list of strings, default `["date", "created", "date created"]`): the properties
      that hold dates; matched case-insensitively.
    """
    fm = note.frontmatter
    if fm is None or fm.data is None:
        return
    wanted = {k.casefold() for k in options["keys"]}
    for key in fm.keys:
        if key.key.casefold() not in wanted:
            continue
        if (
            key.tag.endswith(":null")
            or (key.tag.endswith(":str") and key.value_start == key.value_end and not key.style)
            or (key.tag.endswith(":str") and not note.text[key.value_start : key.value_end].strip("'\" "))
        ):
            yield Diagnostic(f"date property `{key.key}` is empty", key.key_start, key.value_end)
