import math
import re

from vaultkit.api import Diagnostic, Edit, Fix, fold, rule
from vaultkit.text.dates import is_date_text

# Their shape is property-type's business (VK104), whatever types.json says.
BUILT_IN = frozenset({"tags", "aliases", "cssclasses"})
# YAML 1.2's core schema, which Obsidian reads properties with: only these are booleans
# (PyYAML, a YAML 1.1 parser, also reads yes/no/on/off as booleans).
_BOOLEAN = re.compile(r"true|True|TRUE|false|False|FALSE")
_QUOTED_BOOLEAN = re.compile(r"""(["'])(true|false)\1""", re.IGNORECASE)


def _shape(value):
    return {list: "a list", dict: "a nested mapping", bool: "a checkbox value", str: "text"}.get(
        type(value), "a number"
    )


def _is_number(value):
    """A YAML 1.2 number: PyYAML keeps ``1e3`` as text, Obsidian reads it as 1000."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:
        return isinstance(value, str) and not math.isnan(float(value)) and value.strip() == value
    except ValueError:
        return False


def _nested_link(value):
    """An unquoted ``[[Note]]`` (a list in a list): property-type reports and fixes it."""
    return isinstance(value, list) and len(value) == 1 and isinstance(value[0], str)


def _problem(kind, value, raw):
    """Why ``value`` (written ``raw``) does not fit the type ``kind``, or None when it does."""
    if value is None or value == "" or value == [] or value == {}:
        return None  # empty fits every type (an empty date is empty-date's business)
    if kind == "text":
        if isinstance(value, list) and all(_nested_link(v) for v in value):
            return None
        return f"is {_shape(value)}" if isinstance(value, list | dict) else None
    if kind == "multitext":
        if isinstance(value, dict):
            return "is a nested mapping"
        if isinstance(value, list) and any(
            isinstance(v, dict) or (isinstance(v, list) and not _nested_link(v)) for v in value
        ):
            return "holds a nested list or mapping"
        return None
    if kind == "number":
        return None if _is_number(value) else f"is {_shape(value)}, not a number"
    if kind == "checkbox":
        if isinstance(value, bool) and _BOOLEAN.fullmatch(raw.strip()):
            return None
        if isinstance(value, bool):
            return f"is the text {raw.strip()!r} to Obsidian (only true and false are checkbox values)"
        return f"is {_shape(value)}, not true or false"
    if kind in ("date", "datetime"):
        if isinstance(value, str) and is_date_text(value):
            return None
        example = "YYYY-MM-DD" if kind == "date" else "YYYY-MM-DDTHH:MM"
        return f"is not a date ({example})"
    return None  # a type a plugin added: nothing known to check


@rule("VK106", "property-value-type", fixable=True)
def property_value_type(note, vault, options):
    """A property whose value does not fit the type the vault gave it in `types.json`.

    ## What it does
    Obsidian records one type per property name in `.obsidian/types.json` (`text`,
    `multitext` -- shown as *List* --, `number`, `checkbox`, `date`, `datetime`).  This rule
    reads the note's properties as Obsidian does (YAML 1.2: `yes` is text, `1e3` a number)
    and reports values that do not fit: a list where `text` is expected, `12 pages` for a
    number, `"yes"` or `"true"` for a checkbox, `tomorrow` for a date.  A date property takes
    a date or a date-time (`2024-01-05`, `2024-01-05T10:00`).  Empty values fit every type.
    `tags`, `aliases` and `cssclasses` are left to `property-type`, which knows their shape,
    and properties without a recorded type to `invalid-date`.

    ## Why is this bad?
    Obsidian shows a warning instead of the value in the Properties view, and search, sorting,
    Bases and Dataview treat the value as missing or as text: a `done: "true"` note never
    counts as done, `due: tomorrow` never comes up as due.

    ## Example
    ```markdown
    ---
    done: "true"
    pages: 12 pages
    due: tomorrow
    ---
    ```

    ```json file=.obsidian/types.json
    {"types": {"done": "checkbox", "pages": "number", "due": "date"}}
    ```

    Use instead:
    ```markdown
    ---
    done: true
    pages: 12
    due: 2024-01-05
    ---
    ```

    ```json file=.obsidian/types.json
    {"types": {"done": "checkbox", "pages": "number", "due": "date"}}
    ```

    ## Fix safety
    Only a quoted `"true"` or `"false"` in a checkbox property is fixed (to `true` / `false`),
    safely: that is certainly the value meant.  Which number or date was meant is not certain,
    so the rest has no fix.
    """
    fm = note.frontmatter
    types = vault.settings.property_types
    if fm is None or not fm.data or not types:
        return
    text = note.text
    for key in fm.keys:
        folded = fold(key.key)
        kind = types.get(folded)
        if kind is None or folded in BUILT_IN or key.key not in fm.data:
            continue
        raw = text[key.value_start : key.value_end]
        problem = _problem(kind, fm.data[key.key], raw)
        if problem is None:
            continue
        first = raw.strip().splitlines()[0] if raw.strip() else raw
        shown = "its value" if "\n" in raw.strip() else f"`{first if len(first) <= 40 else first[:39] + '…'}`"
        fix = None
        quoted = _QUOTED_BOOLEAN.fullmatch(raw.strip()) if kind == "checkbox" else None
        if quoted:
            fix = Fix(
                f"Write {quoted.group(2).lower()}", (Edit(key.value_start, key.value_end, quoted.group(2).lower()),)
            )
        label = {"multitext": "a list", "datetime": "a date & time", "checkbox": "a checkbox"}.get(kind, f"a {kind}")
        yield Diagnostic(f"`{key.key}` is {label} property, but {shown} {problem}", key.value_start, key.value_end, fix)
