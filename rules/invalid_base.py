import re

from vaultkit.api import Diagnostic, Scope, Severity, rule

# Obsidian Help, "Bases syntax": `formula.name` (or `formula["name"]`) names a formula property;
# a dot or quote before `formula` makes it part of something else (`note.formula`, a string).
_REFERENCE = re.compile(r"""(?<![\w.$"'])formula(?:\.([^\W\d]\w*)|\[\s*(["'])(.+?)\2\s*\])""")
# The default summaries ("Bases syntax", *Default Summary Formulas*).
DEFAULT_SUMMARIES = frozenset(
    [
        "Average",
        "Min",
        "Max",
        "Sum",
        "Range",
        "Median",
        "Stddev",
        "Earliest",
        "Latest",
        "Checked",
        "Unchecked",
        "Empty",
        "Filled",
        "Unique",
    ]
)


def _strings(value):
    """Every string in a YAML value, mapping keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _check(doc, yaml_doc):
    text = doc.text
    if yaml_doc.error:
        yield Diagnostic(f"base {yaml_doc.error}", yaml_doc.error_offset or 0, yaml_doc.error_offset or 0)
        return
    data = yaml_doc.data or {}
    formulas = data.get("formulas") or {}
    views = data.get("views") or []
    if not isinstance(formulas, dict):
        yield Diagnostic("`formulas` must map formula names to expressions", 0, 0)
        formulas = {}
    if not isinstance(views, list):
        yield Diagnostic("`views` must be a list of views", 0, 0)
        views = []
    defined = {str(name) for name in formulas}
    reported = set()
    for value in _strings(data):
        for m in _REFERENCE.finditer(value):
            name = m.group(1) or m.group(3)
            if name in defined or name in reported:
                continue
            reported.add(name)
            pos = text.find(m.group())
            start, end = (pos, pos + len(m.group())) if pos != -1 else (0, 0)
            yield Diagnostic(f"`{m.group()}` refers to a formula that `formulas` does not define", start, end)
    custom = data.get("summaries") or {}
    known = DEFAULT_SUMMARIES | ({str(k) for k in custom} if isinstance(custom, dict) else set())
    for view in views:
        summaries = view.get("summaries") if isinstance(view, dict) else None
        for prop, name in summaries.items() if isinstance(summaries, dict) else ():
            if isinstance(name, str) and name not in known:
                found = re.search(rf"^[ \t]*{re.escape(str(prop))}[ \t]*:[ \t]*({re.escape(name)})[ \t]*$", text, re.M)
                start, end = found.span(1) if found else (0, 0)
                yield Diagnostic(
                    f"summary `{name}` of `{prop}` is neither a default summary nor in `summaries`", start, end
                )


@rule("VK602", "invalid-base", severity=Severity.ERROR, scope=Scope.VAULT)
def invalid_base(vault, options):
    """A `.base` file that is not valid YAML, or whose views use formulas it does not define.

    ## What it does
    Reads every Obsidian Bases file (`.base`) as Obsidian does: it must be YAML, `formulas`
    a mapping and `views` a list.  Every `formula.name` (or `formula["name"]`) used in the
    views, filters, properties, summaries or other formulas must be defined under
    `formulas`, and every summary a view assigns must be a default one (`Average`, `Sum`,
    `Earliest`, ...) or defined under `summaries`.

    ## Why is this bad?
    Obsidian shows an error instead of a base that is not YAML.  A column or sort key that
    refers to a formula that was renamed or deleted is empty for every row, and a filter on
    it silently matches nothing -- the base looks fine but shows the wrong notes.

    ## Example
    ```yaml path=Books.base
    formulas:
      ppu: "(price / pages).toFixed(2)"
    views:
      - type: table
        name: Books
        order:
          - file.name
          - formula.price_per_page
    ```

    Use instead:
    ```yaml path=Books.base
    formulas:
      ppu: "(price / pages).toFixed(2)"
    views:
      - type: table
        name: Books
        order:
          - file.name
          - formula.ppu
    ```
    """
    for rel in sorted(vault.documents):
        if rel.lower().endswith(".base"):
            for diag in _check(vault.documents[rel], vault.yaml_document(rel)):
                yield Diagnostic(diag.message, diag.start, diag.end, path=rel)
