"""Discover rules through the ``vaultkit.rules`` entry-point group.

Built-in rules arrive through the same door as third-party ones (vaultkit's own
distribution registers ``core = "vaultkit.rules:RULES"``), so there is one code path to test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from vaultkit.api import Rule, Severity
from vaultkit.errors import PluginError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

GROUP = "vaultkit.rules"
DISTRIBUTION = "obsidian-vaultkit"  # the distribution that ships the built-in rules (pyproject.toml)


def _internal_error(note: object, vault: object, options: object) -> tuple[()]:
    """A rule crashed: vaultkit could not finish checking some notes with it.

    ## What it does
    Reports a rule (built in or from a plugin) that raised an exception instead of returning
    its findings.  It is reported once per run and rule, with the number of notes it failed
    on, the first of them, and where in the rule's code it failed.

    ## Why is this bad?
    The notes it failed on were not checked by that rule, so a clean report would be a lie.
    The rest of the run goes on.  Report it to the rule's author; `--ignore VK000` hides it.
    """
    return ()


INTERNAL_ERROR = Rule("VK000", "internal-error", _internal_error, severity=Severity.ERROR)


def _incomplete_analysis(note: object, vault: object, options: object) -> tuple[()]:
    """A note too damaged to analyse fully: a search stopped before its end.

    ## What it does
    Reports, once per note, that a search whose cost is not linear in the note (link
    suggestions, which compare a target with every name in the vault; TeX nesting, which
    looks back along its stack) ran out of the work budget the note's length allows.  What
    was found before it stopped is reported as usual; the rest of the note was not searched.

    ## Why is this bad?
    A clean report on the rest of the note would be a guess.  The budget keeps one hostile
    or badly damaged note (100,000 broken links, TeX nested thousands deep) from holding up
    a run for minutes.  Repair the damage the other findings point at and check again;
    `--ignore VK002` hides it.
    """
    return ()


INCOMPLETE_ANALYSIS = Rule("VK002", "incomplete-analysis", _incomplete_analysis, severity=Severity.WARNING)
ENGINE_RULES = (INTERNAL_ERROR, INCOMPLETE_ANALYSIS)  # reported by the engine itself, not by a rule's check


def _normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def own(ep: EntryPoint) -> bool:
    """Whether the entry point comes from vaultkit's own distribution.  Decided by the
    distribution, not the entry point's name (flake8 does the same for its built-in
    plugins), since any package may name an entry point ``core``."""
    return ep.dist is not None and _normalise(ep.dist.name) == _normalise(DISTRIBUTION)


def load_rules(isolated: bool = False) -> dict[str, Rule]:
    """All installed rules by name, the engine's own (``internal-error``,
    ``incomplete-analysis``) first (so that ``--ignore`` and ``vaultkit rule`` know them).  ``isolated`` loads only vaultkit's own bundle."""
    from importlib.metadata import entry_points  # (here: a run answered from the cache loads no rule)

    from vaultkit.vault import lexcache

    lexcache.install()  # rules about to run may need word lists: compiled once per machine, not per process

    found: dict[str, Rule] = {rule.name: rule for rule in ENGINE_RULES}
    names: dict[str, str] = {rule.name: "vaultkit" for rule in ENGINE_RULES}
    codes: dict[str, str] = {rule.code: "vaultkit" for rule in ENGINE_RULES}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: (not own(e), e.name)):
        origin = f"{ep.dist.name if ep.dist else 'an unknown distribution'}[{ep.name}]"
        if isolated and not own(ep):
            continue
        try:
            loaded = ep.load()
            rules = list(loaded)
        except Exception as exc:  # a broken plugin must name itself, whatever it raised
            raise PluginError(f"failed to load rule plugin {origin}: {exc!r}") from exc
        for item in rules:
            if not isinstance(item, Rule):
                raise PluginError(f"{origin}: {item!r} is not a vaultkit.api.Rule")
            if found.get(item.name) is item:  # the same object by two names (stale metadata after a rename)
                continue
            clash = (
                (f"code {item.code}", codes.get(item.code))
                if item.code in codes
                else (f"name {item.name}", names.get(item.name))
            )
            if clash[1] is not None:
                raise PluginError(
                    f"{origin}: rule {item.code} {item.name}: {clash[0]} is already defined by {clash[1]}"
                )
            found[item.name] = item
            names[item.name] = codes[item.code] = origin
    return found


def find_rule(rules: Mapping[str, Rule], name: str) -> Rule | None:
    """The rule a person names, by its name or its code (``broken-wikilink`` or ``vk201``)."""
    return rules.get(name) or next((r for r in rules.values() if r.code == name.upper()), None)
