"""vaultkit: lint, fix and watch Obsidian vaults.

The small public API (the CLI is built on it)::

    from vaultkit import lint_text, check_vault
    problems = lint_text("See [[Missing]].")
"""

from __future__ import annotations

from vaultkit.api import Severity
from vaultkit.check.run import check_vault, lint_text
from vaultkit.version import __version__

__all__ = ["Severity", "__version__", "check_vault", "lint_text"]
