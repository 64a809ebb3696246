"""Load and validate configuration; decide which rules run, at what level, with what options.

Configuration lives in ``.vaultkit.toml`` at the vault root or in ``[tool.vaultkit]`` of a
``pyproject.toml`` there.  Everything is validated up front with messages that name the
file and key: an unknown rule, option or key is an error, never silently ignored.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from vaultkit.api import Rule, Severity
from vaultkit.errors import ConfigError, UnreadableNote
from vaultkit.read.decode import decode
from vaultkit.read.parse import DEFAULT_MAX_BYTES
from vaultkit.vault.files import ignore_matcher

TOP_KEYS = {"select", "extend-select", "ignore", "exclude", "max-file-size", "follow-external-symlinks", "rules"}
RULE_KEYS = {"level", "exclude"}
LEVELS = {s.value: s for s in Severity}


@dataclass
class Config:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    max_file_size: int = DEFAULT_MAX_BYTES
    follow_external_symlinks: bool = False  # read notes that symlinks lead to outside the vault
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = "defaults"


@dataclass(frozen=True)
class ActiveRule:
    """A rule as this run uses it: configured level, options and excluded paths."""

    rule: Rule
    severity: Severity
    options: Mapping[str, Any]
    exclude: tuple[str, ...] = ()

    @cached_property
    def _excluded(self) -> Callable[[str], bool]:
        return ignore_matcher((), self.exclude)

    def skips(self, rel: str) -> bool:
        """Whether the rule is switched off for the vault-relative path ``rel``."""
        return bool(self.exclude) and self._excluded(rel)


def find_config(root: Path) -> Path | None:
    for candidate in (root / ".vaultkit.toml", root / "pyproject.toml"):
        if candidate.is_file():
            if candidate.name == "pyproject.toml" and "vaultkit" not in _read(candidate).get("tool", {}):
                continue
            return candidate
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        text, how = decode(raw)
    except UnreadableNote as exc:
        raise ConfigError(f"{path}: not a text file: {exc}") from exc
    if how.encoding != "utf-8" or how.bom:
        # Windows Notepad's "Unicode" is UTF-16; TOML must be UTF-8 (toml.io/en/v1.0.0#spec)
        stored = how.encoding.upper() + (" with a byte-order mark" if how.bom else "")
        raise ConfigError(
            f"{path}: the file is saved as {stored}, but TOML files must be UTF-8 without a byte-order mark; "
            "save it again as UTF-8"
        )
    if sys.version_info >= (3, 11):  # (imported here: most vaults have no configuration file)
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Read the vault's configuration (or ``explicit``); defaults when there is none."""
    path = explicit or find_config(root)
    if path is None:
        return Config()
    data = _read(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("vaultkit", {})
    return parse_config(data, str(path))


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return list(value)


def parse_config(data: Mapping[str, Any], source: str) -> Config:
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {', '.join(sorted(unknown))}; expected one of {', '.join(sorted(TOP_KEYS))}"
        )
    config = Config(source=source)
    if "select" in data:
        config.select = _strings(data["select"], f"{source}: select")
    config.extend_select = _strings(data.get("extend-select", []), f"{source}: extend-select")
    config.ignore = _strings(data.get("ignore", []), f"{source}: ignore")
    config.exclude = _strings(data.get("exclude", []), f"{source}: exclude")
    size = data.get("max-file-size", DEFAULT_MAX_BYTES)
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ConfigError(f"{source}: max-file-size must be a positive number of bytes")
    config.max_file_size = size
    follow = data.get("follow-external-symlinks", False)
    if not isinstance(follow, bool):
        raise ConfigError(f"{source}: follow-external-symlinks must be true or false")
    config.follow_external_symlinks = follow
    rules = data.get("rules", {})
    if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
        raise ConfigError(f"{source}: [rules] must hold one table per rule, e.g. [rules.empty-date]")
    config.rules = {k: dict(v) for k, v in rules.items()}
    return config


def _check_option(rule: Rule, key: str, value: Any, source: str) -> Any:
    default = rule.options[key]
    where = f"{source}: [rules.{rule.name}] {key}"
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, (int, float)):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(default, (list, tuple)):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        value = tuple(value) if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ConfigError(f"{where} must be {type(default).__name__} like the default {default!r}, not {value!r}")
    return value


def _match_length(selector: str, rule: Rule) -> int:
    """How specifically ``selector`` names ``rule`` (0 = not at all)."""
    if selector == rule.name or selector == rule.code:
        return 1000
    if selector == "ALL":
        return 1
    return len(selector) if rule.code.startswith(selector) else 0


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing when none is close."""
    import difflib  # (here: only a run with a mistake in it needs it)

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close and word.upper() != word:
        close = difflib.get_close_matches(word.upper(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _validate_selectors(selectors: Iterable[str], rules: Mapping[str, Rule], where: str) -> None:
    for sel in selectors:
        if not any(_match_length(sel, r) for r in rules.values()):
            hint = did_you_mean(sel, [*rules, *(r.code for r in rules.values())])
            raise ConfigError(f"{where}: {sel!r} matches no rule{hint} (see `vaultkit rules`)")


def active_rules(
    config: Config,
    rules: Mapping[str, Rule],
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
    extend_ignore: Iterable[str] = (),
) -> list[ActiveRule]:
    """The rules to run, after select/ignore (most specific selector wins) and per-rule config.
    ``select`` replaces the configured selection; the ``extend_`` ones add to it, as in ruff."""
    cli_select, cli_ignore, cli_extend = list(select), list(ignore), list(extend_select)
    cli_ignore_more = list(extend_ignore)
    _validate_selectors(cli_select, rules, "--select")
    _validate_selectors(cli_ignore, rules, "--ignore")
    _validate_selectors(cli_extend, rules, "--extend-select")
    _validate_selectors(cli_ignore_more, rules, "--extend-ignore")
    for key in ("select", "extend_select", "ignore"):
        value = getattr(config, key)
        _validate_selectors(value or [], rules, f"{config.source}: {key.replace('_', '-')}")
    chosen = cli_select or config.select
    extended = config.extend_select + cli_extend
    ignored = cli_ignore + config.ignore + cli_ignore_more
    by_code = {r.code: r for r in rules.values()}
    for name in config.rules:
        if name not in rules and name not in by_code:
            hint = did_you_mean(name, [*rules, *by_code])
            raise ConfigError(f"{config.source}: [rules.{name}]: no such rule{hint} (see `vaultkit rules`)")
    active = []
    for rule in sorted(rules.values(), key=lambda r: r.code):
        if chosen is None:
            default = 1 if rule.enabled_by_default else 0
            best_select = max([default] + [_match_length(s, rule) for s in extended])
        else:
            best_select = max([_match_length(s, rule) for s in chosen + extended] + [0])
        best_ignore = max([_match_length(s, rule) for s in ignored] + [0])
        if not best_select or best_ignore >= best_select:
            continue
        settings = dict(config.rules.get(rule.name) or config.rules.get(rule.code) or {})
        severity = rule.severity
        if "level" in settings:
            level = settings.pop("level")
            if level not in LEVELS:
                raise ConfigError(f"{config.source}: [rules.{rule.name}] level must be one of {', '.join(LEVELS)}")
            severity = LEVELS[level]
        exclude = tuple(_strings(settings.pop("exclude", []), f"{config.source}: [rules.{rule.name}] exclude"))
        unknown = set(settings) - set(rule.options)
        if unknown:
            known = ", ".join(sorted(set(rule.options) | RULE_KEYS))
            raise ConfigError(
                f"{config.source}: [rules.{rule.name}] unknown option(s) {', '.join(sorted(unknown))}; known: {known}"
            )
        options = dict(rule.options)
        options.update({k: _check_option(rule, k, v, config.source) for k, v in settings.items()})
        active.append(ActiveRule(rule, severity, MappingProxyType(options), exclude))
    return active
