"""Formatters for problems: text for people, JSON for tools, GitHub annotations, SARIF 2.1.0.

The JSON shape is a contract (editors, the daemon and the Obsidian plugin read it): one
array, one object per problem with ``path`` (vault-relative, ``/``), 1-based ``line``,
``column``, ``end_line``, ``end_column``, ``rule``, ``code``, ``severity``, ``message`` and
``fix`` (null or ``{"applicability", "title", "edits": [...]}``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import click

from vaultkit.api import Rule, Severity
from vaultkit.check.engine import Problem
from vaultkit.vault.index import VaultIndex
from vaultkit.version import __version__

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


def format_text(problems: Sequence[Problem], colour: bool = False) -> str:
    lines = []
    for p in problems:
        where = f"{p.path}:{p.line}:{p.column}:"
        code = f"{p.code} [{p.rule}]"
        fixable = " [*]" if p.fix is not None and p.fix.applicability.value == "safe" else ""
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


def format_sarif(problems: Sequence[Problem], rules: Mapping[str, Rule], prefix: str = "") -> str:
    """SARIF 2.1.0, one run, with every active rule's documentation in the driver."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    driver_rules = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc},
            "defaultConfiguration": {"level": level[r.severity]},
        }
        for r in sorted(rules.values(), key=lambda r: r.code)
    ]
    results = [
        {
            "ruleId": p.code,
            "level": level[p.severity],
            "message": {"text": p.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": prefix + p.path},
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
    return json.dumps(
        {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "vaultkit",
                            "version": __version__,
                            "informationUri": "https://github.com/vaultkit/vaultkit",
                            "rules": driver_rules,
                        }
                    },
                    "results": results,
                }
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def statistics(problems: Sequence[Problem]) -> str:
    counts = Counter((p.code, p.rule) for p in problems)
    fixable = Counter((p.code, p.rule) for p in problems if p.fix is not None)
    rows = [
        f"{n:6d}  {code:6s} {name}{'  [*]' if fixable[(code, name)] else ''}"
        for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "\n".join(rows)


def summary(problems: Sequence[Problem], checked: int) -> str:
    if not problems:
        return f"All good: {checked} note{'s' if checked != 1 else ''} checked, no problems."
    by_level = Counter(p.severity for p in problems)
    parts = [f"{by_level[s]} {s.value}{'s' if by_level[s] != 1 else ''}" for s in Severity if by_level[s]]
    safe = sum(1 for p in problems if p.fix is not None and p.fix.applicability.value == "safe")
    hint = f"; {safe} fixable with `vaultkit fix`" if safe else ""
    return f"Found {len(problems)} problem{'s' if len(problems) != 1 else ''} ({', '.join(parts)}) in {checked} notes{hint}."
