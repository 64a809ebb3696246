"""The common flat front matter, read without a YAML parse -- or not at all.

Most notes' front matter is a handful of ``key: value`` lines and a block list or two
(``tags:`` then ``  - item`` lines).  PyYAML builds a node tree for them and runs its Python
constructors over it; for a 10,000-note vault that was most of the parse (issue 13).  This
module reads exactly that shape with one regular expression per line and gives what the
hardened YAML load in :mod:`vaultkit.read.frontmatter` gives: the same data (every scalar is
typed by PyYAML's own resolver and built by its own constructors), the same key and value
offsets (libyaml's marks: a plain scalar without its trailing blanks, an empty value at the
end of its ``:`` or ``-``, a block list from its first ``-`` to the next key or the end).

It is deliberately narrow, and anything outside the shape returns None so that the YAML
parser decides: tabs, comments, quotes with escapes, flow collections (``[a, b]``), block
scalars, anchors, tags, nested maps or lists, indented keys, continuation lines, duplicate
keys, keys that YAML would not read as strings, control and non-printable characters, other
line breaks than LF and CRLF.  ``tests/test_flat_yaml.py`` holds it to the YAML load on the
corpora, the help vault and generated front matter.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

from vaultkit.model import YamlKey

# YAML's printable characters minus tab, NEL, BOM, the Unicode line and paragraph separators
# and lone CR (YAML 1.1 section 5.1; libyaml treats NEL, U+2028 and U+2029 as line breaks).
_OUTSIDE = re.compile(
    r"[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|\r(?!\n)"
)
# A plain scalar: no indicator first, no ": " or " #" inside, no trailing ":".  Written as runs
# of ordinary characters between the colons and spaces that need a look ahead, not as one
# alternative per character: the same matches, and the line pattern a fifth faster (issue 13).
_PLAIN = r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\s:]*(?:(?::(?=[^\s])| +(?=[^\s#:]))[^\s:]*)*"
_VALUE = rf"(?:({_PLAIN})|'([^'\r\n]*)'|\"([^\"\\\r\n]*)\")"
_KEY = r"[^\s:#\[\]{},'\"&*!|>%@`?\-.][^\s:#\[\]{},]*(?: +[^\s:#\[\]{},]+)*"
_LINE = re.compile(rf"(?:({_KEY}):|( *)-)(?: +{_VALUE})? *\r?(?:\n|\Z)")
_BLANK = re.compile(r" *\r?(?:\n|\Z)")
_MAX_KEY = 1000  # libyaml refuses a key longer than 1024 characters

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_NULL = "tag:yaml.org,2002:null"
_RESOLVER = yaml.resolver.Resolver()
# The first characters that any implicit type can start with: a scalar starting otherwise is a
# string without asking (PyYAML's ``resolve`` picks its candidates by the first character).
_TYPED_START = frozenset(_RESOLVER.yaml_implicit_resolvers) if None not in _RESOLVER.yaml_implicit_resolvers else None
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TYPED = frozenset("tag:yaml.org,2002:" + name for name in ("null", "bool", "int", "float", "timestamp"))


def read_flat(inner: str, base: int, constructors: dict[Any, Any]) -> tuple[dict[str, Any], tuple[YamlKey, ...]] | None:
    """``(data, keys)`` of the YAML ``inner`` (found at offset ``base`` of the note) when it is
    flat front matter, else None.  ``constructors`` is the YAML loader's table, so a scalar is
    built as that loader builds it (dates kept as text, for one)."""
    if _OUTSIDE.search(inner):
        return None
    data: dict[str, Any] = {}
    keys: list[YamlKey] = []
    size = len(inner)
    pos = 0
    open_key: tuple[str, int, int] | None = None  # a key whose value was empty on its line: (key, start, colon end)
    items: list[Any] = []
    item_indent = -1  # the indent of the open key's list items; -1 before the first
    list_start = 0
    while pos < size:
        m = _LINE.match(inner, pos)
        if m is None:
            blank = _BLANK.match(inner, pos)
            if blank is None:
                return None
            pos = blank.end()
            continue
        key = m.group(1)
        if key is None:  # a list item: it belongs to the open key
            indent = len(m.group(2))
            if open_key is None or indent != item_indent != -1:
                return None
            if item_indent == -1:
                item_indent, list_start = indent, pos + indent
            scalar = _scalar(m, pos + indent + 1, constructors)
            if scalar is None:
                return None
            items.append(scalar[0])
            pos = m.end()
            continue
        if open_key is not None:
            _close(data, keys, open_key, items, list_start if item_indent != -1 else -1, pos, base)
            open_key, items, item_indent = None, [], -1
        if len(key) > _MAX_KEY or key in data or _resolve(key) != _STR:
            return None
        key_end = pos + len(key)
        scalar = _scalar(m, key_end + 1, constructors)
        if scalar is None:
            return None
        value, start, end, style, tag = scalar
        data[key] = value  # for an open key, a place held in the mapping's order
        if m.lastindex == 1:  # nothing after the colon: null, or a list on the lines below
            open_key = (key, pos, key_end + 1)
        else:
            keys.append(YamlKey(key, base + pos, base + key_end, base + start, base + end, style, tag))
        pos = m.end()
    if open_key is not None:
        _close(data, keys, open_key, items, list_start if item_indent != -1 else -1, size, base)
    return (data, tuple(keys)) if keys else None


@functools.lru_cache(maxsize=4096)
def _resolve(plain: str) -> str:
    """The tag PyYAML's resolver gives the plain scalar ``plain`` (cached: the same keys and
    values -- ``title``, ``tags``, ``true`` -- recur in every note)."""
    if _TYPED_START is not None and plain[0] not in _TYPED_START:
        return _STR
    return str(_RESOLVER.resolve(yaml.ScalarNode, plain, (True, False)))


def _scalar(m: re.Match[str], after: int, constructors: dict[Any, Any]) -> tuple[Any, int, int, str | None, str] | None:
    """The value in match ``m`` of :data:`_LINE`: (Python value, start, end, style, tag); None
    when it is a kind of scalar this module leaves to the YAML parser.  ``after`` is the end of
    the ``:`` or ``-`` before it, where libyaml puts an empty value."""
    plain, single, double = m.group(3, 4, 5)
    if plain is not None:
        tag = _resolve(plain)
        if tag == _STR:
            return plain, m.start(3), m.end(3), None, tag
        if tag not in _TYPED:
            return None
        return constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, plain)), m.start(3), m.end(3), None, tag
    if single is not None:
        return single, m.start(4) - 1, m.end(4) + 1, "'", _STR
    if double is not None:
        return double, m.start(5) - 1, m.end(5) + 1, '"', _STR
    return None, after, after, None, _NULL


def _close(
    data: dict[str, Any],
    keys: list[YamlKey],
    open_key: tuple[str, int, int],
    items: list[Any],
    list_start: int,
    end: int,
    base: int,
) -> None:
    """Record a key whose value was empty on its line: null when no list followed
    (``list_start`` -1), else the block list, which libyaml marks from its first ``-`` to the
    next key (or the end of the YAML)."""
    key, start, colon = open_key
    if list_start == -1:
        keys.append(YamlKey(key, base + start, base + start + len(key), base + colon, base + colon, None, _NULL))
        return
    data[key] = items
    keys.append(YamlKey(key, base + start, base + start + len(key), base + list_start, base + end, None, _SEQ))
