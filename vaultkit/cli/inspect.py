"""``vaultkit inspect``: what vaultkit parsed from notes, and where each link leads.

JSON output is a contract for other tools: one array, one object per note with ``path``,
``frontmatter`` (the parsed properties, or null), ``links`` (``target`` -- the path before
any ``#``, percent-decoded for Markdown links --, ``subpath``, ``display``, ``embed``,
``kind`` ``wiki``/``markdown``, 1-based ``line`` and ``column``, ``resolved`` vault-relative
path or null), ``headings`` (``level``, ``text``, ``line``), ``blocks`` (``id``, ``line``) and
``tags`` (``tag`` with its ``#``, ``line``).  URLs are not links here, as in Obsidian's own
metadata.
"""

from __future__ import annotations

import json
from typing import Any

import click

from vaultkit.cli.common import EXIT_CLEAN, VaultOptions, jobs_option, pass_options, prepare, run_check, where_options
from vaultkit.model import Note
from vaultkit.vault.index import VaultIndex


def note_record(note: Note, index: VaultIndex) -> dict[str, Any]:
    """The JSON object for one note."""
    fm = note.frontmatter
    links = []
    for target in index.outgoing(note):
        link = target.link
        line, column = note.position(link.start)
        links.append(
            {
                "target": link.target,
                "subpath": link.subpath,
                "display": link.display,
                "embed": link.embed,
                "kind": link.kind,
                "line": line,
                "column": column,
                "resolved": target.path,
            }
        )
    return {
        "path": note.rel,
        "frontmatter": fm.data if fm is not None and fm.data is not None else None,
        "links": links,
        "headings": [{"level": h.level, "text": h.text, "line": note.position(h.start)[0]} for h in note.headings],
        "blocks": [{"id": b.id, "line": note.position(b.start)[0]} for b in note.blocks],
        "tags": [{"tag": t.tag, "line": note.position(t.start)[0]} for t in note.tags],
    }


def note_text(note: Note, index: VaultIndex, record: dict[str, Any]) -> str:
    """The same record for people: one section per note, one line per item."""
    out = [record["path"]]
    fm = record["frontmatter"]
    out.append("  front matter: " + ("none" if fm is None else json.dumps(fm, ensure_ascii=False, default=str)))
    link_lines = [
        f"    {item['line']}:{item['column']}  {note.text[t.link.start : t.link.end]}  ->  {item['resolved'] or 'UNRESOLVED'}"
        for t, item in zip(index.outgoing(note), record["links"], strict=True)
    ]
    sections = [
        ("links", link_lines),
        ("headings", [f"    {h['line']}  {'#' * h['level']} {h['text']}" for h in record["headings"]]),
        ("blocks", [f"    {b['line']}  ^{b['id']}" for b in record["blocks"]]),
        ("tags", [f"    {t['line']}  {t['tag']}" for t in record["tags"]]),
    ]
    for title, lines in sections:
        out.append(f"  {title}:" + ("" if lines else " none"))
        out.extend(lines)
    return "\n".join(out)


@click.command("inspect")
@where_options
@jobs_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_options
def inspect_command(options: VaultOptions, fmt: str) -> int:
    """Show what vaultkit parsed from notes: properties, links and where they resolve,
    headings, block ids and tags."""
    run = prepare(options, rules=False)
    result = run_check(run, options.jobs, quiet=True)
    index = result.index
    notes = [index.notes[rel] for rel in result.checked]
    records = [note_record(note, index) for note in notes]
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo("\n\n".join(note_text(note, index, record) for note, record in zip(notes, records, strict=True)))
    return EXIT_CLEAN
