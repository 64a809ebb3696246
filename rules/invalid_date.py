import datetime as dt
import re

from vaultkit.api import Diagnostic, fold, rule

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def is_date_text(value: str) -> bool:
    """True for the ISO 8601 dates and date-times Obsidian stores and Dataview reads."""
    if not _DATE.fullmatch(value.strip()):
        return False
    try:
        dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return False
    return True


@rule("VK103", "invalid-date", options={"keys": ("date", "created", "date created", "modified", "updated")})
def invalid_date(note, vault, options):
    """A date property whose value is not a date.

    ## What it does
    Reports date properties -- the configured keys, plus every property that the vault's
    `.obsidian/types.json` declares as `date` or `datetime` -- whose value is not an ISO
    date (`2024-03-01`) or date-time (`2024-03-01T10:30`).

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
      "updated"]`): properties that hold dates, besides those typed in `types.json`.
    """
    fm = note.frontmatter
    if fm is None or not fm.data:
        return
    wanted = {fold(k) for k in options["keys"]}
    types = vault.settings.property_types
    for key in fm.keys:
        folded = fold(key.key)
        if folded not in wanted and types.get(folded) not in ("date", "datetime"):
            continue
        value = fm.data.get(key.key)
        if value is None or value == "":
            continue  # empty dates are empty-date's business
        if isinstance(value, str) and is_date_text(value):
            continue
        shown = note.text[key.value_start : key.value_end]
        yield Diagnostic(f"`{key.key}` is not a date: {shown[:40]!s} (use YYYY-MM-DD)", key.value_start, key.value_end)
