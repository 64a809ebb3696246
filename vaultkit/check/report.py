"""Formatters for problems: text for people, JSON for tools, GitHub annotations, SARIF 2.1.0.

The JSON shape is a contract (editors, the daemon and the Obsidian plugin read it): one
array, one object per problem with ``path`` (vault-relative, ``/``), 1-based ``line``,
``column``, ``end_line``, ``end_column``, ``rule``, ``code``, ``severity``, ``message`` and
``fix`` (null or ``{"applicability", "title", "edits": [...]}``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from vaultkit.api import Applicability, Rule, Severity
from vaultkit.check.engine import Problem
from vaultkit.vault.index import VaultIndex
from vaultkit.version import __version__

REPOSITORY = "https://github.com/vaultkit/vaultkit"
SRCROOT = "%SRCROOT%"
_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def problem_dict(problem: Problem, index: VaultIndex | None = None) -> dict[str, Any]:
    """The JSON object for one problem."""
    fix: dict[str, Any] | None = None
    if problem.fix is not None:
        note = index.notes.get(problem.path) if index else None
        edits = []
        for edit in problem.fix.edits:
            item: dict[str, Any] = {"start": edit.start, "end": edit.end, "content": edit.text}
            if note is not None:
                (line, col), (end_line, end_col) = note.position(edit.start), note.position(edit.end)
                item.update(line=line, column=col, end_line=end_line, end_column=end_col)
            edits.append(item)
        fix = {"applicability": problem.fix.applicability.value, "title": problem.fix.title, "edits": edits}
        if problem.fix.encoding is not None:
            fix["encoding"] = problem.fix.encoding
        if problem.fix.bom is not None:
            fix["bom"] = problem.fix.bom
    return {
        "path": problem.path,
        "line": problem.line,
        "column": problem.column,
        "end_line": problem.end_line,
        "end_column": problem.end_column,
        "rule": problem.rule,
        "code": problem.code,
        "severity": problem.severity.value,
        "message": problem.message,
        "fix": fix,
    }


def format_json(problems: Sequence[Problem], index: VaultIndex | None = None) -> str:
    return json.dumps([problem_dict(p, index) for p in problems], ensure_ascii=False, indent=2)


def format_text(problems: Sequence[Problem], colour: bool = False, display: Callable[[str], str] = str) -> str:
    """One line per problem, ``path:line:column: CODE [rule] message``; ``display`` turns the
    vault-relative path into the one printed (relative to the current directory in the CLI, so
    a terminal or editor can open it)."""
    lines = []
    for p in problems:
        where = f"{display(p.path)}:{p.line}:{p.column}:"
        code = f"{p.code} [{p.rule}]"
        fixable = " [*]" if safe_fix(p) else ""
        if colour:
            where = click.style(where, bold=True)
            code = click.style(code, fg=_COLOURS[p.severity], bold=True)
        lines.append(f"{where} {code} {p.message}{fixable}")
    return "\n".join(lines)


def _escape_property(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")


def format_github(problems: Sequence[Problem], prefix: str = "") -> str:
    """GitHub Actions workflow commands (``::error file=…``); ``prefix`` makes paths repo-relative."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    out = []
    for p in problems:
        message = p.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        out.append(
            f"::{level[p.severity]} file={_escape_property(prefix + p.path)},line={p.line},col={p.column},"
            f"endLine={p.end_line},endColumn={p.end_column},title={_escape_property(p.code + ' ' + p.rule)}::{message}"
        )
    return "\n".join(out)


def _uri(path: str) -> str:
    """A relative URI reference for a ``/``-separated path: spaces, ``%``, ``#`` and non-ASCII
    letters percent-encoded (UTF-8), as SARIF requires (RFC 3986; SARIF 2.1.0 §3.10.2)."""
    return quote(path, safe="/")


def _help_uri(rule: Rule) -> str | None:
    """Where a built-in rule's documentation lives (its module, whose docstring it is)."""
    module = rule.check.__module__
    if not module.startswith("vaultkit.rules."):
        return None
    return f"{REPOSITORY}/blob/main/rules/{module.rsplit('.', 1)[1]}.py"


def format_sarif(
    problems: Sequence[Problem], rules: Mapping[str, Rule], prefix: str = "", base: Path | None = None
) -> str:
    """SARIF 2.1.0, one run, with every active rule's documentation in the driver.  Paths are
    ``prefix`` + the vault-relative path, relative to ``base`` (``%SRCROOT%``), percent-encoded."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    driver_rules = []
    for r in sorted(rules.values(), key=lambda r: r.code):
        entry: dict[str, Any] = {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc},
            "help": {"text": r.doc, "markdown": r.doc},
            "defaultConfiguration": {"level": level[r.severity]},
        }
        help_uri = _help_uri(r)
        if help_uri:
            entry["helpUri"] = help_uri
        driver_rules.append(entry)
    results = [
        {
            "ruleId": p.code,
            "level": level[p.severity],
            "message": {"text": p.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(prefix + p.path), "uriBaseId": SRCROOT},
                        "region": {
                            "startLine": p.line,
                            "startColumn": p.column,
                            "endLine": p.end_line,
                            "endColumn": p.end_column,
                        },
                    }
                }
            ],
        }
        for p in problems
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "vaultkit",
                "version": __version__,
                "informationUri": REPOSITORY,
                "rules": driver_rules,
            }
        },
        "results": results,
    }
    if base is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base.resolve().as_uri().rstrip("/") + "/"}}
    return json.dumps(
        {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]},
        ensure_ascii=False,
        indent=2,
    )


def safe_fix(problem: Problem) -> bool:
    return problem.fix is not None and problem.fix.applicability is Applicability.SAFE


def _unsafe(problem: Problem) -> bool:
    return problem.fix is not None and problem.fix.applicability is Applicability.UNSAFE


def statistics(problems: Sequence[Problem]) -> str:
    """Problems per rule, most frequent first, as ruff's ``--statistics``: ``[*]`` marks rules
    with a safe fix (one ``vaultkit fix`` applies)."""
    counts = Counter((p.code, p.rule) for p in problems)
    fixable = Counter((p.code, p.rule) for p in problems if safe_fix(p))
    rows = [
        f"{n:6d}  {code:6s} {name}{'  [*]' if fixable[(code, name)] else ''}"
        for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "\n".join(rows)


def plural(n: int, word: str) -> str:
    """``1 note``, ``2 notes``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def unsafe_hint(problems: Sequence[Problem]) -> str:
    """`` N more fixes are available with `--unsafe-fixes`.`` when there are any (as ruff says)."""
    unsafe = sum(1 for p in problems if _unsafe(p))
    if not unsafe:
        return ""
    return f" {unsafe} more fix{'' if unsafe == 1 else 'es'} {'is' if unsafe == 1 else 'are'} available with `--unsafe-fixes`."


def summary(problems: Sequence[Problem], checked: int) -> str:
    """The last line for people: what was found, in how many of the notes checked, what fixes."""
    if not problems:
        return f"All good: {plural(checked, 'note')} checked, no problems."
    by_level = Counter(p.severity for p in problems)
    parts = [plural(by_level[s], s.value) for s in Severity if by_level[s]]
    noted = len({p.path for p in problems})
    safe = sum(1 for p in problems if safe_fix(p))
    hint = f"; {safe} fixable with `vaultkit fix`" if safe else ""
    return (
        f"Found {plural(len(problems), 'problem')} ({', '.join(parts)}) in {noted} of {plural(checked, 'note')}"
        f"{hint}.{unsafe_hint(problems)}"
    )
