"""`vaultkit inspect`: what was parsed and where each link resolves, as JSON and as text."""

from __future__ import annotations

import json

from support import run_cli

NOTE = """---
up: "[[Index]]"
---
# Title

See [[Index#Part|the index]], [x](Sub/My%20Page.md#Intro%20text) and ![[gone.png]] #tag/sub
[web](https://example.org)

Para ^blk-1
"""


def vault(tmp_path):
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / "Sub").mkdir()
    (tmp_path / "Index.md").write_text("## Part\n", encoding="utf-8")
    (tmp_path / "Sub" / "My Page.md").write_text("", encoding="utf-8")
    (tmp_path / "Note.md").write_text(NOTE, encoding="utf-8")
    return tmp_path


def test_json_shape_and_values(tmp_path):
    root = vault(tmp_path)
    result = run_cli("inspect", str(root / "Note.md"), "--format", "json")
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.output)
    assert list(record) == ["path", "frontmatter", "links", "headings", "blocks", "tags"]
    assert record["path"] == "Note.md" and record["frontmatter"] == {"up": "[[Index]]"}
    keys = ["target", "subpath", "display", "embed", "kind", "line", "column", "resolved"]
    assert all(list(link) == keys for link in record["links"])
    got = [tuple(link.values()) for link in record["links"]]
    assert got == [
        ("Index", None, None, False, "wiki", 2, 6, "Index.md"),
        ("Index", "#Part", "the index", False, "wiki", 6, 5, "Index.md"),
        ("Sub/My Page.md", "#Intro text", "x", False, "markdown", 6, 31, "Sub/My Page.md"),
        ("gone.png", None, None, True, "wiki", 6, 70, None),
    ]
    assert record["headings"] == [{"level": 1, "text": "Title", "line": 4}]
    assert record["blocks"] == [{"id": "blk-1", "line": 9}]
    assert record["tags"] == [{"tag": "#tag/sub", "line": 6}]


def test_text_output_shows_where_links_lead(tmp_path):
    root = vault(tmp_path)
    result = run_cli("inspect", str(root / "Note.md"))
    assert result.exit_code == 0, result.output
    assert "6:70  ![[gone.png]]  ->  UNRESOLVED" in result.output
    assert "6:5  [[Index#Part|the index]]  ->  Index.md" in result.output
    assert "9  ^blk-1" in result.output
