from functools import lru_cache

from vaultkit.api import Diagnostic, fold, rule
from vaultkit.text.dates import is_date_text


@lru_cache(maxsize=32)
def _folded(keys: tuple[str, ...]) -> frozenset[str]:
    """The configured keys, folded once per configuration rather than once per note."""
    return frozenset(fold(k) for k in keys)


@rule("VK103", "invalid-date", options={"keys": ("date", "created", "date created", "modified", "updated")})
def invalid_date(note, vault, options):
    """A date property whose value is not a date.

    ## What it does
    Reports date properties -- the configured keys -- whose value is not an ISO date
    (`2024-03-01`) or date-time (`2024-03-01T10:30`).  A property that the vault's
    `.obsidian/types.json` gives a type is checked against that type by
    `property-value-type` instead, so no value is reported twice.

    ## Why is this bad?
    Obsidian shows such a value as invalid in the Properties view and does not sort or
    filter by it; Dataview reads it as text.  `2024-13-01`, `01/03/2024` and `yesterday` are
    all silently ignored.

    ## Example
    ```markdown
    ---
    date: 2024-13-45
    ---
    ```

    Use instead:
    ```markdown
    ---
    date: 2024-12-31
    ---
    ```

    ## Options
    - `keys` (list of strings, default `["date", "created", "date created", "modified",
      "updated"]`): properties that hold dates (unless `types.json` types them).
    """
    fm = note.frontmatter
    if fm is None or not fm.data:
        return
    wanted = _folded(tuple(options["keys"]))
    types = vault.settings.property_types
    for key in fm.keys:
        folded = fold(key.key)
        if folded not in wanted or folded in types:
            continue
        value = fm.data.get(key.key)
        if value is None or value == "":
            continue  # empty dates are empty-date's business
        if isinstance(value, str) and is_date_text(value):
            continue
        shown = note.text[key.value_start : key.value_end]
        yield Diagnostic(f"`{key.key}` is not a date: {shown[:40]!s} (use YYYY-MM-DD)", key.value_start, key.value_end)
