"""Find the front-matter block at exact offsets and load its YAML -- never dump it.

python-frontmatter's own ``parse()`` strips the text (offsets lost) and also accepts TOML and
``----``; Obsidian accepts only a ``---`` line at the very start.  So the split is ours, and
the YAML goes through :class:`VaultYAMLHandler`, a python-frontmatter handler whose loader is
PyYAML's safe loader hardened against what real vaults contain: duplicate keys (PyYAML keeps
the last silently), alias bombs, absurd nesting.  There is deliberately no ``export``: every
front-matter fix is a text edit on the original lines.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from vaultkit.model import FrontMatter, YamlKey
from vaultkit.read.flat_yaml import read_flat

_OPEN = re.compile(r"---[ \t]*(?:\r?\n|$)")
_CLOSE = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
MAX_YAML_NODES = 100_000  # expanded size; a billion-laughs document exceeds it at once

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """Safe loader that records duplicate keys instead of silently keeping the last one."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[yaml.Node] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    self.duplicates.append(key_node)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


# Obsidian keeps dates as the text written (its cache holds "2024-07-21"), and an impossible
# date such as 2024-13-45 must not turn the whole block into a YAML error.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class YAMLTooLarge(yaml.YAMLError):
    """The document's aliases expand to more nodes than any real front matter has."""


def _expanded_size(root: yaml.Node) -> int:
    """Count nodes as if every alias were copied, in linear time (memoised per node)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        if done:
            sizes[id(node)] = min(1 + sum(sizes[id(c)] for c in children), MAX_YAML_NODES + 1)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


class VaultYAMLHandler(YAMLHandler):
    """python-frontmatter handler that loads Obsidian front matter safely and never dumps."""

    def load(self, fm: str, **kwargs: object) -> tuple[Any, yaml.Node | None, list[yaml.Node]]:  # type: ignore[override]
        """Return ``(data, root node, duplicate key nodes)``; raise ``yaml.YAMLError``."""
        loader = _Loader(fm)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, None, []
            if "*" in fm and _expanded_size(node) > MAX_YAML_NODES:  # no alias without "*"
                raise YAMLTooLarge(f"YAML aliases expand to more than {MAX_YAML_NODES:,} nodes (an alias bomb?)")
            data = loader.construct_document(node)
            return data, node, loader.duplicates
        finally:
            loader.dispose()

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        raise NotImplementedError("vaultkit never re-dumps front matter; fixes are text edits")


_HANDLER = VaultYAMLHandler()


def split(text: str) -> FrontMatter | None:
    """Locate and load the front matter of ``text``; None when the note has none."""
    opening = _OPEN.match(text)
    if not opening:
        return None
    inner_start = opening.end()
    closing = _CLOSE.search(text, inner_start) if inner_start < len(text) else None
    if closing is None:
        return FrontMatter(
            start=0,
            end=0,
            inner_start=inner_start,
            inner_end=inner_start,
            closed=False,
            data=None,
            error="the front-matter block opened by `---` on line 1 never closes",
            error_offset=0,
        )
    inner_end = closing.start()
    base = FrontMatter(start=0, end=closing.end(), inner_start=inner_start, inner_end=inner_end, closed=True, data=None)
    return _load(text, base)


def load_yaml(text: str) -> FrontMatter:
    """Load a whole YAML file (an Obsidian ``.base``) with the same hardened loader, as a
    :class:`FrontMatter` spanning the text: data, top-level keys, error and its offset."""
    whole = FrontMatter(start=0, end=len(text), inner_start=0, inner_end=len(text), closed=True, data=None)
    return _load(text, whole, "must be a mapping")


def _load(text: str, fm: FrontMatter, mapping: str = "front matter must be a mapping of properties") -> FrontMatter:
    """``fm`` loaded from ``text``; ``mapping`` says, in the error of a YAML document that is
    not a mapping, what it must be (a note's front matter, or a whole ``.base`` file)."""
    inner = text[fm.inner_start : fm.inner_end]
    if not inner.strip():
        return _loaded(fm, data={})
    flat = read_flat(inner, fm.inner_start, _Loader.yaml_constructors)
    if flat is not None:
        return _loaded(fm, data=flat[0], keys=flat[1])
    try:
        data, node, duplicates = _HANDLER.load(inner)
    except yaml.MarkedYAMLError as exc:
        keys = scan_keys(text, fm)
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and any(w in (exc.context or "") for w in ("flow", "quoted", "at end of", "<stream end>")):
            mark = exc.context_mark  # an unclosed bracket or quote: the error is where it opened
        offset = fm.inner_start + (mark.index if mark else 0)
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part) or str(exc)
        return _loaded(fm, error=f"invalid YAML: {problem}", error_offset=offset, keys=keys)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        return _loaded(fm, error=f"invalid YAML: {exc}", error_offset=fm.inner_start)
    if data is None:
        return _loaded(fm, data={})
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return _loaded(
            fm,
            error=f"{mapping}, not a {type(data).__name__}",
            error_offset=fm.inner_start,
        )
    keys = tuple(_key(fm.inner_start, k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode))
    dups = tuple(_key(fm.inner_start, k, k) for k in duplicates)
    return _loaded(fm, data=data, keys=keys, duplicates=dups)


_TOP_KEY = re.compile(
    r"^([^\s#'\"\-?:][^:\n]*?|'[^'\n]*'|\"[^\"\n]*\"):(?:[ \t]+|(?=\r?\n)|$)(.*?)[ \t]*\r?$", re.MULTILINE
)
_INDENTED = re.compile(r"\r?\n(?:[ \t]|-(?:[ \t]|\r?$))")


def scan_keys(text: str, fm: FrontMatter) -> tuple[YamlKey, ...]:
    """Best-effort top-level keys of YAML that does not parse, one ``key: value`` line each.

    Obsidian shows no properties for such a note, but a fixer can still tell that ``date:``
    is empty.  A key whose value continues on indented lines is a block (tag ``?``).
    """
    keys = []
    for m in _TOP_KEY.finditer(text, fm.inner_start, fm.inner_end):
        value = m.group(2)
        block = not value and _INDENTED.match(text, m.end())
        tag = "?" if block or value else "tag:yaml.org,2002:null"
        keys.append(
            YamlKey(
                key=m.group(1).strip("'\""),
                key_start=m.start(1),
                key_end=m.end(1),
                value_start=m.start(2),
                value_end=m.end(2),
                style=None,
                tag=tag,
            )
        )
    return tuple(keys)


def _key(base: int, key: yaml.Node, value: yaml.Node) -> YamlKey:
    return YamlKey(
        key=str(key.value),
        key_start=base + key.start_mark.index,
        key_end=base + key.end_mark.index,
        value_start=base + value.start_mark.index,
        value_end=base + value.end_mark.index,
        style=getattr(value, "style", None) or None,
        tag=value.tag,
    )


def _loaded(
    fm: FrontMatter,
    data: dict[str, Any] | None = None,
    keys: tuple[YamlKey, ...] = (),
    error: str | None = None,
    error_offset: int | None = None,
    duplicates: tuple[YamlKey, ...] = (),
) -> FrontMatter:
    """The block ``fm`` (located, nothing loaded yet) with what its YAML gave; built directly,
    since ``dataclasses.replace`` cost as much as reading a flat block (issue 13)."""
    return FrontMatter(
        fm.start, fm.end, fm.inner_start, fm.inner_end, fm.closed, data, keys, error, error_offset, duplicates
    )
