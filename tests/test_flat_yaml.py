"""The flat front-matter reader (read/flat_yaml.py) gives exactly what the YAML load gives.

Each check reads the same text twice: as ``split`` does (flat reader first) and with the flat
reader switched off (every block through the hardened PyYAML load); the two FrontMatter
records must be equal, compared by ``repr`` so that ``1``, ``1.0`` and ``True`` differ.  The
texts are the real vaults of ``shared/corpora``, the synthetic vault, hand-picked edge cases
and generated front matter.  Each source must also take the flat path often, so a reader that
always declined would fail rather than pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.model import FrontMatter
from vaultkit.read import frontmatter
from vaultkit.read.decode import NotText, decode


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[FrontMatter | None, FrontMatter | None, bool]:
    """``split(text)`` with and without the flat reader, and whether the flat reader answered."""
    real = frontmatter.read_flat
    answered: list[bool] = []

    def counting(*args):  # type: ignore[no-untyped-def]
        result = real(*args)
        answered.append(result is not None)
        return result

    with monkeypatch.context() as patch:
        patch.setattr(frontmatter, "read_flat", counting)
        fast = frontmatter.split(text)
        patch.setattr(frontmatter, "read_flat", lambda *args: None)
        slow = frontmatter.split(text)
    return fast, slow, any(answered)


def _notes(root: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(root.rglob("*.md")):
        try:
            yield path, decode(path.read_bytes())[0]
        except NotText:  # nothing to split
            continue


def _assert_same_on(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    notes = flat = 0
    for path, text in _notes(root):
        fast, slow, answered = _both(text, monkeypatch)
        assert repr(fast) == repr(slow), path
        notes += 1
        flat += answered
    return notes, flat


def test_corpora_read_the_same(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes, flat = _assert_same_on(shared / "corpora", monkeypatch)
    assert notes > 100 and flat > 0


def test_synthetic_vault_reads_the_same(synthetic_vault, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = synthetic_vault(300, 7)
    notes, flat = _assert_same_on(root, monkeypatch)
    assert flat > 0.9 * notes  # the generator's front matter is the flat shape


EDGE_CASES = [
    "title: x\ntags:\n  - a\n  - b\ndate: 2023-02-15\n",
    "title: 中文标题 😀 ok\ntags:\n- 读书\n-\n- \ncreated:\n",
    "a: 1\r\nb:\r\n  - y\r\n\r\nc: 2024-13-45\r\n",
    "a: yes\nb: No\nc: ~\nd: null\ne: 0x1F\nf: 1_000\ng: 190:20:30\nh: .inf\ni: 1.5\nj: 1e3\n",
    "a:   x y  \nb: 'q'\nc: \"d\"\nd: ''\ne: \"\"\n",
    "k:\n  - a\n\n  - b\n\n\n",
    "url: http://example.com/a#b\nc: C# and F#\nd: a, b [c] {d}\n",
    "yes: x\n",  # a key YAML reads as a bool
    "1: x\n",
    "<<: x\n",
    "a: x\na: y\n",  # duplicate key
    "a: x # comment\n",
    "a: 'it''s'\n",
    'a: "tab\\there"\n',
    "a: [x, y]\n",
    "a: {b: 1}\n",
    "a: -5\n",
    "a: &anchor x\nb: *anchor\n",
    "a: !tag x\n",
    "a: |\n  text\n",
    "a:\n  b: 1\n",
    "a:\n  - - x\n",
    "a:\n  - x\n- y\n",
    "  a: 1\n  b: 2\n",
    "a: x\n  continued\n",
    "a: b: c\n",
    "a:b\n",
    "a:\tx\n",
    "a: x\u2028y\n",
    "a: x\x85y\n",
    "a: \ufeffx\n",
    "a: x\ry\n",
    "? a\n: b\n",
    "- a\n- b\n",
    "just text\n",
    "a: x\n...\n",
    "a" * 1100 + ": x\n",
    "a: \u3000x\n",
]


@pytest.mark.parametrize("inner", EDGE_CASES)
def test_edge_cases_read_the_same(inner: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow, _ = _both(f"---\n{inner}---\nbody\n", monkeypatch)
    assert repr(fast) == repr(slow)


def test_front_matter_with_crlf_line_ends_takes_the_flat_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notes saved on Windows end their lines with CRLF: a lone CR is a line break YAML
    reads and the flat reader does not, but a CR before LF is only the line's end."""
    fast, slow, answered = _both("---\r\ntitle: x\r\ntags:\r\n  - a\r\n---\r\nbody\r\n", monkeypatch)
    assert answered and repr(fast) == repr(slow)
    assert fast is not None and fast.data == {"title": "x", "tags": ["a"]}
    _, _, answered = _both("---\ntitle: x\ry\n---\n", monkeypatch)
    assert not answered


def test_flat_shape_takes_the_flat_path(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, _, answered = _both("---\ntitle: x\ntags:\n  - a\ndate: 2023-02-15\n---\n", monkeypatch)
    assert answered and fast is not None
    assert fast.data == {"title": "x", "tags": ["a"], "date": "2023-02-15"}
    assert [(k.key, k.tag) for k in fast.keys] == [
        ("title", "tag:yaml.org,2002:str"),
        ("tags", "tag:yaml.org,2002:seq"),
        ("date", "tag:yaml.org,2002:timestamp"),
    ]


_KEYS = st.sampled_from(
    ["title", "tags", "date", "a b", "é", "日付", "yes", "1", "k-1", "x.y", "on", "null", "-k", "#k"]
)
_VALUES = st.sampled_from(
    [
        "x", "two words", "2024-07-21", "2024-13-45", "2024-07-21 10:00:00", "12", "-5", "1.5", "1e3", ".inf",
        "0o17", "0x1F", "1_000", "190:20:30", "yes", "No", "off", "~", "null", "", "'q'", '"d"', "'it''s'",
        '"a\\"b"', "[a, b]", "{a: 1}", "[[Note]]", '"[[Note]]"', "a: b", "a #b", "a#b", "http://x.y/z", "C#",
        "😀", "中文", "\u3000x", "x\t", "&a x", "*a", "!!str 1", "|", ">", "%x", "@x", "`x`", "x:", ":x", "?x", "a,b",
    ]
)  # fmt: skip
_LINES = st.one_of(
    st.builds(lambda k, v, pad: f"{k}:{' ' + v if v else ''}{pad}", _KEYS, _VALUES, st.sampled_from(["", " ", "  "])),
    st.builds(lambda k: f"{k}:", _KEYS),
    st.builds(lambda ind, v: f"{ind}-{' ' + v if v else ''}", st.sampled_from(["", "  ", "    "]), _VALUES),
    st.sampled_from(["", "   ", "# comment", "  continued", "---", "...", "-", "  -"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINES, min_size=1, max_size=8), crlf=st.booleans())
def test_generated_front_matter_reads_the_same(lines: list[str], crlf: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    eol = "\r\n" if crlf else "\n"
    text = "---" + eol + eol.join(lines) + eol + "---" + eol + "body" + eol
    fast, slow, _ = _both(text, monkeypatch)
    assert repr(fast) == repr(slow)


_ENTRIES = st.one_of(
    st.builds(lambda k, v: [f"{k}: {v}"], _KEYS, _VALUES),
    st.builds(
        lambda k, ind, items, gap: [f"{k}:"] + gap + [f"{ind}- {v}".rstrip() for v in items],
        _KEYS,
        st.sampled_from(["", "  "]),
        st.lists(_VALUES, max_size=3),
        st.sampled_from([[], [""]]),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(_ENTRIES, min_size=1, max_size=6), crlf=st.booleans())
def test_generated_mappings_read_the_same(
    entries: list[list[str]], crlf: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Well-formed mappings of scalars and block lists: mostly the flat shape, with the values
    that are not (quotes with escapes, flow collections, ...) mixed in."""
    eol = "\r\n" if crlf else "\n"
    text = "---" + eol + eol.join(line for entry in entries for line in entry) + eol + "---" + eol
    fast, slow, _ = _both(text, monkeypatch)
    assert repr(fast) == repr(slow)
