from vaultkit.api import Applicability, Diagnostic, Edit, Fix, rule

LIST_PROPERTIES = ("tags", "aliases", "cssclasses")


def _nested_link(value):
    """An unquoted ``[[Note]]`` in YAML is a list holding a list holding the name."""
    return (
        isinstance(value, list)
        and len(value) == 1
        and isinstance(value[0], list)
        and len(value[0]) == 1
        and isinstance(value[0][0], str)
    )


def _unquoted_links(note, key):
    """Offsets of unquoted ``[[...]]`` inside one property's value text."""
    text = note.text
    pos = key.value_start
    while True:
        start = text.find("[[", pos, key.value_end)
        if start == -1:
            return
        end = text.find("]]", start, key.value_end)
        if end == -1:
            return
        before = text[key.value_start : start].rstrip(" \t-")
        if not before.endswith(("'", '"')):
            yield start, end + 2
        pos = end + 2


@rule("VK104", "property-type", fixable=True)
def property_type(note, vault, options):
    """A property whose value has the wrong shape for Obsidian.

    ## What it does
    Reports `tags`, `aliases` and `cssclasses` that are not a list or a single string; tags
    written with a leading `#` or with spaces; empty list items (a `- #tag` item is a YAML
    comment, so the tag is lost); and `[[links]]` in properties that are not quoted.

    ## Why is this bad?
    Since Obsidian 1.9 these three properties must be lists (a single string is tolerated);
    anything else is ignored.  A space splits nothing -- `tags: [my tag]` is one invalid tag.
    An unquoted `[[Note]]` is YAML for a nested list, so Obsidian sees no link.

    ## Example
    ```markdown
    ---
    tags:
      - #project
    related: [[Project Plan]]
    ---
    ```

    Use instead:
    ```markdown
    ---
    tags:
      - project
    related: "[[Project Plan]]"
    ---
    ```

    ## Fix safety
    Quoting an unquoted link is safe: the link is then what Obsidian reads, and nothing else
    in the value changes.  The other findings have no automatic fix.
    """
    fm = note.frontmatter
    if fm is None or not fm.data:
        return
    for key in fm.keys:
        value = fm.data.get(key.key)
        name = key.key.casefold()
        if name in LIST_PROPERTIES:
            yield from _list_property(note, key, value, name)
        elif _nested_link(value) or (isinstance(value, list) and any(_nested_link([v]) for v in value)):
            for start, end in _unquoted_links(note, key):
                quoted = '"' + note.text[start:end] + '"'
                yield Diagnostic(
                    f"link in property `{key.key}` must be quoted: {quoted}",
                    start,
                    end,
                    fix=Fix("Quote the link", (Edit(start, end, quoted),), Applicability.SAFE),
                )


def _list_property(note, key, value, name):
    if value is None:
        return
    values: list[object]
    if isinstance(value, str):
        values = [value]
    elif isinstance(value, list):
        values = value
    else:
        yield Diagnostic(
            f"`{key.key}` must be a list (or a single text value), not {type(value).__name__}",
            key.value_start,
            key.value_end,
        )
        return
    for item in values:
        if item is None:
            yield Diagnostic(
                f"`{key.key}` has an empty item (an unquoted `#` starts a YAML comment)", key.value_start, key.value_end
            )
        elif not isinstance(item, str):
            yield Diagnostic(f"`{key.key}` item {item!r} is not text", key.value_start, key.value_end)
        elif name == "tags" and item.startswith("#"):
            yield Diagnostic(f"tag {item!r} in properties is written without `#`", key.value_start, key.value_end)
        elif name == "tags" and (" " in item.strip() or "," in item):
            yield Diagnostic(f"tag {item!r} contains a space or comma; tags cannot", key.value_start, key.value_end)
