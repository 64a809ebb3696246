"""vaultkit: lint, fix and watch Obsidian vaults.

The small public API (the CLI is built on it)::

    from vaultkit import lint_text, check_vault
    problems = lint_text("See [[Missing]].")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vaultkit.version import __version__

if TYPE_CHECKING:
    from vaultkit.api import Severity
    from vaultkit.check.run import check_vault, lint_text

__all__ = ["Severity", "__version__", "check_vault", "lint_text"]


def __getattr__(name: str) -> Any:
    """The public names, imported when first used (PEP 562): ``import vaultkit.cli`` and an
    unchanged ``vaultkit check`` must not pay for the whole checking machinery."""
    if name == "Severity":
        from vaultkit.api import Severity

        return Severity
    if name in ("check_vault", "lint_text"):
        from vaultkit.check import run

        return getattr(run, name)
    raise AttributeError(f"module 'vaultkit' has no attribute {name!r}")
