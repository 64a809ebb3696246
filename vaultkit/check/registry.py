"""Discover rules through the ``vaultkit.rules`` entry-point group.

Built-in rules arrive through the same door as third-party ones (vaultkit's own
distribution registers ``core = "vaultkit.rules:RULES"``), so there is one code path to test.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points

from vaultkit.api import Rule

GROUP = "vaultkit.rules"


class PluginError(Exception):
    """A rule plugin could not be loaded or declares a conflicting rule."""


def load_rules(isolated: bool = False) -> dict[str, Rule]:
    """All installed rules by name.  ``isolated`` loads only vaultkit's own bundle."""
    found: dict[str, Rule] = {}
    codes: dict[str, str] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: (e.name != "core", e.name)):
        origin = f"{ep.dist.name if ep.dist else '?'}[{ep.name}]"
        if isolated and ep.name != "core":
            continue
        try:
            loaded = ep.load()
            rules = list(loaded)
        except Exception as exc:  # a broken plugin must name itself, whatever it raised
            raise PluginError(f"failed to load rule plugin {origin}: {exc!r}") from exc
        for item in rules:
            if not isinstance(item, Rule):
                raise PluginError(f"{origin}: {item!r} is not a vaultkit.api.Rule")
            if item.name in found or item.code in codes:
                raise PluginError(
                    f"{origin}: rule {item.code} {item.name} is already defined by {codes.get(item.code, '?')}"
                )
            found[item.name] = item
            codes[item.code] = origin
    return found


def find_rule(rules: Mapping[str, Rule], name: str) -> Rule | None:
    """The rule a person names, by its name or its code (``broken-wikilink`` or ``vk201``)."""
    return rules.get(name) or next((r for r in rules.values() if r.code == name.upper()), None)
