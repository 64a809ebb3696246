"""``python -m vaultkit``."""

from vaultkit.cli import main

raise SystemExit(main())
