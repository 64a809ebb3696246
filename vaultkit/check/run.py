"""The high-level entry points shared by the CLI, the daemon and library users."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from vaultkit.check.config import ActiveRule, Config, active_rules, load_config, parse_config
from vaultkit.check.engine import CheckResult, Problem, check, check_note
from vaultkit.check.registry import load_rules
from vaultkit.model import Note
from vaultkit.read.parse import parse_bytes
from vaultkit.text.dates import DateFacts
from vaultkit.vault.index import VaultIndex


def lint_text(
    text: str | bytes,
    path: str = "Note.md",
    files: Mapping[str, str | bytes] | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    config: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Check one note in a throw-away in-memory vault made of ``files`` (path -> content;
    attachments may be empty) plus the note itself.  Handy for tests and rule authors."""
    note, index, active = memory_vault(text, path, files, select, ignore, config)
    return check_note(note, index, active)


def memory_vault(
    text: str | bytes,
    path: str = "Note.md",
    files: Mapping[str, str | bytes] | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    config: Mapping[str, Any] | None = None,
    dates: DateFacts | None = None,
) -> tuple[Note, VaultIndex, list[ActiveRule]]:
    """The note, index and active rules of :func:`lint_text` (also used by ``fix_text``)."""
    contents = dict(files or {})
    contents[path] = text
    notes = [
        parse_bytes(rel, data.encode("utf-8") if isinstance(data, str) else data)
        for rel, data in contents.items()
        if rel.lower().endswith(".md")
    ]
    index = VaultIndex(notes, contents, dates=dates)
    active = active_rules(parse_config(config or {}, "<config>"), load_rules(), select, ignore)
    return index.notes[notes[-1].rel], index, active


def resolve_run(
    root: Path,
    config_path: Path | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    isolated: bool = False,
) -> tuple[Config, list[ActiveRule]]:
    """Load configuration and decide the active rules (raises ConfigError / PluginError)."""
    config = load_config(root, config_path)
    return config, active_rules(config, load_rules(isolated), select, ignore)


def check_vault(
    root: str | Path,
    targets: Iterable[str] | None = None,
    config_path: Path | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    jobs: int | None = None,
) -> CheckResult:
    """Check the vault at ``root`` (every note, or the vault-relative ``targets``)."""
    root = Path(root).resolve()
    config, active = resolve_run(root, config_path, select, ignore)
    return check(
        root,
        active,
        targets,
        config.exclude,
        config.max_file_size,
        jobs,
        external_symlinks=config.follow_external_symlinks,
    )
