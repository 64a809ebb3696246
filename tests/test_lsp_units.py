"""The language server's pure parts, without a server: positions and the index it reads."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.workspace import PositionCodec, TextDocument

from vaultkit.check.live import VaultState
from vaultkit.check.run import resolve_run
from vaultkit.lsp.positions import LineIndex
from vaultkit.read.parse import parse_text
from vaultkit.vault.index import VaultIndex

TEXT = "a😀b\r\n中文\rx\n\nlast"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_offsets_and_positions_agree_with_pygls_documents(encoding):
    lines = LineIndex(TEXT, PositionCodec(encoding))
    document = TextDocument("file:///n.md", TEXT, position_codec=PositionCodec(encoding))
    for offset in range(len(TEXT) + 1):
        if TEXT[offset - 1 : offset + 1] == "\r\n":
            continue  # between \r and \n is no position of its own
        position = lines.position(offset)
        assert lines.offset(position) == offset
        assert document.offset_at_position(position) == offset, (offset, position)


def test_lone_carriage_returns_end_lines_as_lsp_says():
    lines = LineIndex(TEXT, PositionCodec("utf-16"))
    assert lines.position(TEXT.index("x")) == types.Position(2, 0)
    assert lines.position(TEXT.index("b")) == types.Position(0, 3)  # the emoji is two UTF-16 units
    assert lines.position(len(TEXT)) == types.Position(4, 4)


def test_positions_past_the_end_clamp():
    lines = LineIndex(TEXT, PositionCodec("utf-16"))
    assert lines.offset(types.Position(0, 99)) == TEXT.index("\r")
    assert lines.offset(types.Position(99, 0)) == len(TEXT)


def test_an_edit_that_changes_aliases_rebuilds_the_alias_table():
    a = parse_text("A.md", "---\naliases: [Old]\n---\n")
    b = parse_text("B.md", "text\n")
    index = VaultIndex([a, b], ["A.md", "B.md"])
    assert index.aliases == {"old": ("A.md",)}
    same = index.with_notes({"A.md": a, "B.md": parse_text("B.md", "more\n")}, ["B.md"], None)
    assert same.aliases == {"old": ("A.md",)}
    renamed = parse_text("A.md", "---\naliases: [New]\n---\n")
    changed = same.with_notes({"A.md": renamed, "B.md": b}, ["A.md"], None)
    assert changed.aliases == {"new": ("A.md",)}


def test_open_notes_are_checked_from_their_unsaved_text_and_only_what_they_affect(tmp_path):
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / "A.md").write_text("# Alpha\n\ntext\n", encoding="utf-8")
    (tmp_path / "B.md").write_text("[[A#Alpha]]\n", encoding="utf-8")
    config, active = resolve_run(tmp_path)
    state = VaultState(tmp_path, config, active)
    state.load(jobs=1)
    state.overlay["A.md"] = "# Alpha\n\nmore text\n"  # typing in a paragraph: no link into A can tell
    update = state.apply(["A.md"])
    assert update.rechecked == 1 and state.notes["A.md"].text.endswith("more text\n")
    state.overlay["A.md"] = "# Beta\n\nmore text\n"  # a heading renamed: B's link breaks
    update = state.apply(["A.md"])
    assert update.rechecked == 2
    assert [p.code for p in update.problems["B.md"]] == ["VK202"]
    assert (tmp_path / "A.md").read_text(encoding="utf-8") == "# Alpha\n\ntext\n"
    del state.overlay["A.md"]  # closed unsaved: the disk counts again
    update = state.apply(["A.md"])
    assert update.problems["B.md"] == []
