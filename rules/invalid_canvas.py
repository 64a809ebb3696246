from vaultkit.api import Diagnostic, Scope, Severity, rule

# JSON Canvas 1.0 (https://jsoncanvas.org/spec/1.0/): node types, edge sides and ends.
NODE_TYPES = ("text", "file", "link", "group")
SIDES = ("top", "right", "bottom", "left")
ENDS = ("none", "arrow")


def _items(data, key):
    """The objects of the list ``data[key]`` (a canvas may have neither list)."""
    found = data.get(key, [])
    return found if isinstance(found, list) else None


def _identified(canvas, items, what, problems):
    """(item, where its id is written) for each item with a text id, in order; items without
    one and repeated ids become findings in ``problems``."""
    seen = set()
    for item in items or ():
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.append(Diagnostic(f"{what} without a text `id`", 0, 0))
            continue
        where = canvas.span("id", item["id"])
        if item["id"] in seen:
            problems.append(Diagnostic(f"two {what}s have the id {item['id']!r}", *where))
        seen.add(item["id"])
        yield item, where


def _check(canvas, vault):
    if canvas.error:
        yield Diagnostic(f"canvas {canvas.error}", canvas.error_offset, canvas.error_offset)
        return
    data = canvas.data
    if not isinstance(data, dict):
        yield Diagnostic(f"a canvas is a JSON object with `nodes` and `edges`, not {type(data).__name__}", 0, 0)
        return
    nodes, edges = _items(data, "nodes"), _items(data, "edges")
    for key, items in (("nodes", nodes), ("edges", edges)):
        if items is None:
            yield Diagnostic(f"`{key}` must be a list", 0, 0)
    problems: list[Diagnostic] = []
    nodes = list(_identified(canvas, nodes, "node", problems))
    ids = {node["id"] for node, _ in nodes}
    for node, where in nodes:
        kind = node.get("type")
        if kind not in NODE_TYPES:
            problems.append(
                Diagnostic(
                    f"node {node['id']!r} has the unknown type {kind!r} (one of {', '.join(NODE_TYPES)})", *where
                )
            )
    for edge, where in _identified(canvas, edges, "edge", problems):
        for end in ("fromNode", "toNode"):
            if edge.get(end) not in ids:
                yield Diagnostic(
                    f"edge {edge['id']!r} goes {end[:-4]} node {edge.get(end)!r}, which is not on the canvas", *where
                )
        for side in ("fromSide", "toSide"):
            if side in edge and edge[side] not in SIDES:
                yield Diagnostic(
                    f"edge {edge['id']!r} has the unknown {side} {edge[side]!r} (one of {', '.join(SIDES)})", *where
                )
        for tip in ("fromEnd", "toEnd"):
            if tip in edge and edge[tip] not in ENDS:
                yield Diagnostic(f"edge {edge['id']!r} has the unknown {tip} {edge[tip]!r} (none or arrow)", *where)
    for node in canvas.files:
        if vault.file_at(node.file) is None:
            what = "shows" if node.key == "file" else "has the background image"
            yield Diagnostic(f"the canvas {what} `{node.file}`, which is not in the vault", node.start, node.end)
    yield from problems


@rule("VK601", "invalid-canvas", severity=Severity.ERROR, scope=Scope.VAULT)
def invalid_canvas(vault, options):
    """A `.canvas` file that Obsidian cannot show as it was meant.

    ## What it does
    Checks every canvas against the JSON Canvas 1.0 specification Obsidian writes: the file
    must be JSON; node ids (and edge ids) are unique; every edge's `fromNode` and `toNode` is
    a node on the canvas; node types are `text`, `file`, `link` or `group`; edge sides are
    `top`, `right`, `bottom` or `left` and ends `none` or `arrow`.  A `file` node (or a
    group's background image) must name a file that is in the vault.

    ## Why is this bad?
    Obsidian opens a canvas that is not JSON as an empty board, and drops what it cannot
    read: edges to missing nodes vanish, a file node whose file was renamed or deleted
    outside Obsidian shows "file not found".  Canvases are often edited by scripts and
    sync merges, which is how such damage gets in.

    ## Example
    ```json path=Plan.canvas
    {"nodes":[{"id":"a","type":"file","file":"Goals.md","x":0,"y":0,"width":400,"height":400}],
     "edges":[{"id":"e1","fromNode":"a","toNode":"b","toSide":"up"}]}
    ```

    Use instead:
    ```json path=Plan.canvas
    {"nodes":[{"id":"a","type":"file","file":"Goals.md","x":0,"y":0,"width":400,"height":400},
              {"id":"b","type":"text","text":"Next","x":500,"y":0,"width":200,"height":100}],
     "edges":[{"id":"e1","fromNode":"a","toNode":"b","toSide":"top"}]}
    ```

    ```markdown file=Goals.md
    # Goals
    ```
    """
    for rel in sorted(vault.documents):
        canvas = vault.canvas(rel)
        if canvas is not None:
            for diag in _check(canvas, vault):
                yield Diagnostic(diag.message, diag.start, diag.end, path=rel)
