"""Offsets into a note's text <-> LSP positions (line, character in the negotiated units).

vaultkit's offsets are Python string indices (code points).  LSP counts characters in
UTF-16 code units unless client and server agreed on ``utf-8`` or ``utf-32`` at
``initialize`` (LSP 3.17, "Position encoding"), and ends lines at ``\\n``, ``\\r\\n`` or a
lone ``\\r``.  The units are counted by pygls' :class:`~pygls.workspace.PositionCodec`, the
same codec pygls applies to the documents it keeps, so an emoji before a link moves its
range by two UTF-16 units and a CJK character by one.
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types
from pygls.workspace import PositionCodec

_LINE_END = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Line starts of one text, for converting in both directions."""

    def __init__(self, text: str, codec: PositionCodec) -> None:
        self.text = text
        self.codec = codec
        self.starts = [0, *(m.end() for m in _LINE_END.finditer(text))]

    def position(self, offset: int) -> types.Position:
        """The LSP position of a code-point offset (clamped to the text)."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return types.Position(line, self.codec.client_num_units(self.text[self.starts[line] : offset]))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(self.position(start), self.position(max(start, end)))

    def offset(self, position: types.Position) -> int:
        """The code-point offset of an LSP position; a character past the end of its line
        means the end of the line and a line past the end the end of the text (LSP 3.17)."""
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[max(position.line, 0)]
        end = self.starts[position.line + 1] if position.line + 1 < len(self.starts) else len(self.text)
        line = _LINE_END.sub("", self.text[start:end])
        units = 0
        for index, char in enumerate(line):
            if units >= position.character:
                return start + index
            units += self.codec.client_num_units(char)
        return start + len(line)
