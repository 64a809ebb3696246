from vaultkit.api import Diagnostic, Edit, Fix, fold, rule
from vaultkit.text.dates import (
    BIRTH_TIME,
    GIT,
    ISO_DATE,
    MODIFIED_TIME,
    TYPE_FORMATS,
    empty_keys,
    path_evidence,
    vault_formats,
)

OPT_IN = {BIRTH_TIME: "use-birth-time", MODIFIED_TIME: "use-modified-time"}


def _best_evidence(note, vault, options):
    """The first usable evidence in the order git, path, birth time, modification time."""
    facts = vault.dates
    gathered = facts.evidence.get(note.rel, ()) if facts else ()
    candidates = [e for e in gathered if e.source == GIT]
    candidates.append(path_evidence(note.rel))
    candidates += [e for e in gathered if e.source in OPT_IN and options[OPT_IN[e.source]]]
    return next((e for e in candidates if e is not None), None)


def _format(key, vault, options):
    """types.json `date`/`datetime`, else the vault's usual format for the key, else YYYY-MM-DD."""
    typed = TYPE_FORMATS.get(vault.settings.property_types.get(fold(key.key), ""))
    if typed:
        return typed
    facts = vault.dates
    formats = facts.formats if facts else None
    if formats is None:
        formats = vault_formats(vault.notes.values(), options["keys"])
    return formats.get(key.key.casefold(), ISO_DATE)


def _fill(note, key, value):
    """The one edit that writes ``value``: after the colon of ``date:``, or over ``~``/``""``."""
    text = note.text
    if key.value_start == key.value_end:
        if text[key.value_start - 1 : key.value_start] != ":":
            return None  # not a plain `key:` line (flow mapping); leave it to the user
        return Edit(key.value_start, key.value_start, " " + value)
    old = text[key.value_start : key.value_end]
    if key.style in ("'", '"') and value[:1] not in ("'", '"'):
        value = key.style + value + key.style  # keep the note's own quoting
    return Edit(key.value_start, key.value_end, value) if old != value else None


@rule(
    "VK102",
    "empty-date",
    options={"keys": ("date", "created", "date created"), "use-birth-time": False, "use-modified-time": False},
    fixable=True,
    dates_for="keys",
)
def empty_date(note, vault, options):
    """A date property that is present but empty.

    ## What it does
    Reports date properties (by default `date`, `created` and `date created`) that have a key
    but no value, like `date:`, and offers the date the note was really written, with the
    evidence named in the message.

    ## Why is this bad?
    An empty date sorts as "no date" in Dataview, Bases and the file explorer, and templates
    that were meant to fill it did not.  `vaultkit fix` fills it from real evidence, in this
    order: the date of the git commit that first added the file (renames followed), a date in
    the file name or folders (`2023-01-05.md`, `20230105 Meeting.md`, `Daily/2023/01/05.md`),
    and -- only if you opt in -- the file's creation or modification time.  Never "now", never
    the epoch: with no evidence the property stays empty and stays reported.

    ## Example
    ```markdown path=Daily/2024-03-01.md
    ---
    date:
    ---
    ```

    Use instead:
    ```markdown path=Daily/2024-03-01.md
    ---
    date: 2024-03-01
    ---
    ```

    ## Fix safety
    The fix is safe: it only fills a value that is empty, from recorded evidence, and the
    edit touches nothing but that line (key order, quoting, comments and line endings stay as
    they are).  The value is written as `.obsidian/types.json` types the property (`date` or
    `datetime`), else in the format most notes of the vault use for that key, else as
    `YYYY-MM-DD`.  A time is written only when the evidence has one.  File times are reset by
    copies, clones and syncs, which is why they are off by default.  There is no fix when
    there is no evidence.

    ## Options
    - `keys` (list of strings, default `["date", "created", "date created"]`): the properties
      that hold dates; matched case-insensitively.
    - `use-birth-time` (bool, default `false`): use the file's creation time, on systems that
      record one, when there is no git or path evidence.
    - `use-modified-time` (bool, default `false`): use the file's modification time as the
      last resort.
    """
    for key in empty_keys(note, options["keys"]):
        where = f"date property `{key.key}` is empty"
        found = _best_evidence(note, vault, options)
        if found is None:
            yield Diagnostic(
                f"{where}; no evidence for its date (no git history of the file, no date in its path)",
                key.key_start,
                key.value_end,
            )
            continue
        value = _format(key, vault, options).render(found.value)
        edit = _fill(note, key, value)
        fix = Fix(f"Fill `{key.key}` with {value} from {found.detail}", (edit,)) if edit else None
        yield Diagnostic(f"{where}; {found.detail} gives {value}", key.key_start, key.value_end, fix=fix)
