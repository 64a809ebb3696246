"""The high-level entry points shared by the CLI, the daemon and library users."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vaultkit.check.config import ActiveRule, Config, active_rules, load_config, parse_config
from vaultkit.check.engine import (
    CheckResult,
    Problem,
    build_index,
    check,
    check_files,
    check_note,
    collapse_crashes,
    date_keys,
)
from vaultkit.check.registry import load_rules
from vaultkit.model import Note, nfc
from vaultkit.read.parse import parse_bytes, parse_document
from vaultkit.vault.files import DOCUMENT_SUFFIXES, NOTE_SUFFIX, settings_from
from vaultkit.vault.index import VaultIndex

if TYPE_CHECKING:  # (the dates module is not on the unchanged run's path)
    from vaultkit.text.dates import DateFacts


def lint_text(
    text: str | bytes,
    path: str = "Note.md",
    files: Mapping[str, str | bytes] | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    config: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Check one file in a throw-away in-memory vault made of ``files`` (path -> content;
    attachments may be empty) plus that file itself: the note rules when it is a note, and
    the vault-scope rules' findings on it (a ``.canvas``, an attachment...).  Handy for tests
    and rule authors.  Paths may be spelled in any Unicode normalisation, as on a disk."""
    note, index, active = memory_vault(text, path, files, select, ignore, config)
    found = check_note(note, index, active) if note.rel in index.notes else []
    return found + check_files(index, active, {note.rel}.__contains__)


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
    contents = {rel: data.encode("utf-8") if isinstance(data, str) else data for rel, data in (files or {}).items()}
    contents[path] = text.encode("utf-8") if isinstance(text, str) else text
    notes = [parse_bytes(rel, data) for rel, data in contents.items() if rel.lower().endswith(NOTE_SUFFIX)]
    documents = [parse_document(rel, data) for rel, data in contents.items() if rel.lower().endswith(DOCUMENT_SUFFIXES)]
    spelled: dict[str, tuple[str, ...]] = {}
    for rel in contents:
        if nfc(rel) != rel or any(nfc(other) == rel != other for other in contents):
            spelled[nfc(rel)] = (*spelled.get(nfc(rel), ()), rel)
    settings = settings_from(lambda rel: contents[rel].decode("utf-8", "replace") if rel in contents else None)
    listed = [nfc(rel) for rel in contents if not rel.startswith(".")]  # .obsidian/ is no part of the vault
    index = VaultIndex(notes, listed, settings, dates, documents, spelled)
    active = active_rules(parse_config(config or {}, "<config>"), load_rules(), select, ignore)
    rel = nfc(path)
    return index.notes.get(rel) or index.documents.get(rel) or parse_document(rel, contents[path]), index, active


class Selection(NamedTuple):
    """The rules a run asks for besides its configuration (the command line's choice)."""

    select: Iterable[str] = ()
    ignore: Iterable[str] = ()
    isolated: bool = False
    extend_select: Iterable[str] = ()
    extend_ignore: Iterable[str] = ()


def choose_rules(config: Config, selection: Selection) -> list[ActiveRule]:
    """Load the installed rules and decide the active ones (raises ConfigError / PluginError)."""
    rules = load_rules(selection.isolated)
    return active_rules(
        config, rules, selection.select, selection.ignore, selection.extend_select, selection.extend_ignore
    )


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
    return config, choose_rules(config, Selection(select, ignore, isolated, extend_select, extend_ignore))


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


def check_as(root: Path, rel: str, data: bytes, config: Config, active: list[ActiveRule]) -> CheckResult:
    """Check ``data`` as if it were the note ``rel`` of the vault at ``root`` (which may not
    exist yet on disk): the rest of the vault is read from disk, so links resolve as they
    will once the text is saved -- what an editor or agent piping unsaved text needs."""
    index, _, _, warnings = build_index(
        root,
        config.exclude,
        config.max_file_size,
        date_keys=date_keys(active),
        external_symlinks=config.follow_external_symlinks,
    )
    note = parse_bytes(rel, data)
    index = VaultIndex(
        [*(n for other, n in index.notes.items() if other != rel), note],
        index.files | {rel},
        index.settings,
        index.dates,
        index.documents.values(),
        index.spelled,
    )
    problems = check_note(note, index, active) + check_files(index, active, {rel}.__contains__)
    return CheckResult(root, lambda: index, collapse_crashes(problems), [rel], warnings)
