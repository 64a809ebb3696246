"""The one module rule authors import.

A rule is a pure function ``check(note, vault, options) -> Iterable[Diagnostic]`` wrapped by
the :func:`rule` decorator, which attaches its stable code, kebab-case name, default severity
and option defaults.  The function's docstring is the rule's user documentation, with the
sections ``## What it does``, ``## Why is this bad?``, ``## Example`` (then ``Use instead:``),
and, where they apply, ``## Fix safety`` and ``## Options``.  Rules never do I/O: everything
they may look at is in the :class:`~vaultkit.model.Note` and the
:class:`~vaultkit.vault.index.VaultIndex`.

A rule about the vault's files rather than one note's text -- a ``.canvas`` or ``.base``
file, an attachment nothing links to, two names that differ only by Unicode normalisation --
declares ``scope=Scope.VAULT``: its function is ``check(vault, options)``, it runs once per
run (in every front: ``check``, ``fix``, ``watch``), and each :class:`Diagnostic` it yields
names its file in ``path``, with offsets into that file's text (the note's, or the document's
in ``VaultIndex.documents``; 0, 0 for a binary file).  Findings on files a run does not check
(not asked for, excluded) are dropped by the engine.  Vault rules offer no fixes.

Rules are found through the ``vaultkit.rules`` entry-point group; a third-party package
exposes a sequence of :class:`Rule` objects there, exactly like the built-in bundle.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any

from vaultkit.model import Note, fold
from vaultkit.vault.index import VaultIndex  # rule authors annotate with it; the API sits above the vault

__all__ = [
    "Applicability",
    "Diagnostic",
    "Edit",
    "Fix",
    "Note",
    "Rule",
    "Scope",
    "Severity",
    "VaultIndex",
    "fold",
    "package_rules",
    "rule",
]


class Applicability(enum.Enum):
    """How far a fix can be trusted (ruff's model)."""

    SAFE = "safe"  # applied by `vaultkit fix` and `watch --fix`
    UNSAFE = "unsafe"  # needs --unsafe-fixes: may change meaning
    DISPLAY = "display"  # a suggestion shown to the user, never applied


class Scope(enum.Enum):
    """What a rule looks at: one note at a time, or the vault's files once per run."""

    NOTE = "note"  # check(note, vault, options) for every checked note
    VAULT = "vault"  # check(vault, options) once; each Diagnostic names its file in ``path``


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``Note.text[start:end]`` with ``text`` (start == end inserts)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A repair: text edits, and optionally a new encoding / BOM for the whole file.

    ``encoding`` and ``bom`` are for the encoding rules: a fix that sets ``encoding="utf-8"``
    makes the writer store the (already decoded) text as UTF-8; ``bom=False`` drops the BOM.
    """

    title: str
    edits: tuple[Edit, ...] = ()
    applicability: Applicability = Applicability.SAFE
    encoding: str | None = None
    bom: bool | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding, with offsets into ``Note.text``.

    ``severity`` overrides the configured level for this one finding (e.g. a link to a
    "future note" reported as info); leave it None to use the configured level.  ``path`` is
    the vault-relative file a vault-scope rule reports on (None for note rules: their note).
    """

    message: str
    start: int
    end: int
    fix: Fix | None = None
    severity: Severity | None = None
    path: str | None = None


Options = Mapping[str, Any]
CheckFunction = Callable[..., Iterable[Diagnostic]]  # (note, vault, options), or (vault, options) for Scope.VAULT

CODE_RE = re.compile(r"^[A-Z]{2,4}[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Rule:
    """A registered rule: metadata plus its pure check function."""

    code: str
    name: str
    check: CheckFunction
    severity: Severity = Severity.WARNING
    enabled_by_default: bool = True
    fixable: bool = False
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    scope: Scope = Scope.NOTE
    # The option naming the date properties for which the rule reads ``vault.dates``: the
    # engine gathers that evidence (git history, file times) at the edge, since rules do no I/O.
    dates_for: str | None = None

    @property
    def doc(self) -> str:
        """The rule's documentation (the check function's docstring, dedented)."""
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""

    @property
    def manual(self) -> str:
        """The page ``vaultkit rule NAME`` prints (and the daemon serves to the plugin): a title,
        the rule's facts, then its documentation -- one text, so both fronts say the same."""
        facts = (
            f"Severity: {self.severity.value}. Enabled by default: {'yes' if self.enabled_by_default else 'no'}. "
            f"Fixable: {'yes' if self.fixable else 'no'}."
        )
        return f"# {self.name} ({self.code})\n\n{facts}\n\n{self.doc}"

    def __call__(self, *args: Any) -> Iterable[Diagnostic]:
        return self.check(*args)


def rule(
    code: str,
    name: str,
    *,
    severity: Severity = Severity.WARNING,
    enabled_by_default: bool = True,
    fixable: bool = False,
    options: Mapping[str, Any] | None = None,
    scope: Scope = Scope.NOTE,
    dates_for: str | None = None,
) -> Callable[[CheckFunction], Rule]:
    """Declare a rule: ``@rule("VK101", "invalid-front-matter", severity=Severity.ERROR)``."""
    if not CODE_RE.match(code):
        raise ValueError(f"rule code {code!r} must look like VK101")
    if not NAME_RE.match(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")
    if scope is Scope.VAULT and fixable:
        raise ValueError(f"rule {name!r}: vault-scope rules offer no fixes")
    if dates_for is not None and dates_for not in (options or {}):
        raise ValueError(f"rule {name}: dates_for names {dates_for!r}, which is not one of its options")

    def wrap(check: CheckFunction) -> Rule:
        return Rule(
            code=code,
            name=name,
            check=check,
            severity=severity,
            enabled_by_default=enabled_by_default,
            fixable=fixable,
            options=MappingProxyType(dict(options or {})),
            scope=scope,
            dates_for=dates_for,
        )

    return wrap


def rules_in(modules: Iterable[ModuleType]) -> tuple[Rule, ...]:
    """Every :class:`Rule` defined at module level in ``modules``, sorted by code."""
    found = {id(v): v for m in modules for v in vars(m).values() if isinstance(v, Rule)}
    return tuple(sorted(found.values(), key=lambda r: r.code))


def package_rules(package: str, names: Iterable[str]) -> tuple[Rule, ...]:
    """Import ``package.<name>`` for each name and collect their rules."""
    return rules_in(importlib.import_module(f"{package}.{name}") for name in names)
