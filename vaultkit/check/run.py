"""The high-level entry points shared by the CLI, the daemon and library users."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from vaultkit.check.config import ActiveRule, Config, active_rules, load_config, parse_config
from vaultkit.check.engine import CheckResult, Problem, build_index, check, check_note, collapse_crashes, date_keys
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
    extend_select: Iterable[str] = (),
    extend_ignore: Iterable[str] = (),
) -> tuple[Config, list[ActiveRule]]:
    """Load configuration and decide the active rules (raises ConfigError / PluginError)."""
    config = load_config(root, config_path)
    return config, active_rules(config, load_rules(isolated), select, ignore, extend_select, extend_ignore)


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
    return check(root, active, targets, config.exclude, config.max_file_size, jobs)


def check_as(root: Path, rel: str, data: bytes, config: Config, active: list[ActiveRule]) -> CheckResult:
    """Check ``data`` as if it were the note ``rel`` of the vault at ``root`` (which may not
    exist yet on disk): the rest of the vault is read from disk, so links resolve as they
    will once the text is saved -- what an editor or agent piping unsaved text needs."""
    index, _, warnings = build_index(root, config.exclude, config.max_file_size, date_keys=date_keys(active))
    note = parse_bytes(rel, data)
    notes = [n for other, n in index.notes.items() if other != rel] + [note]
    index = VaultIndex(notes, index.files | {rel}, index.settings, index.dates)
    problems = collapse_crashes(check_note(note, index, active))
    return CheckResult(root=root, index=index, problems=problems, checked=[rel], warnings=warnings)
