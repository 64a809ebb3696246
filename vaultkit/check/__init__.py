"""Layer 5 -- checking: configuration, rule registry, the engine, suppressions, reports, and
the incremental re-checking the watch daemon and the language server share (``live``).

May import :mod:`vaultkit.api` and everything below it; never :mod:`vaultkit.rulekit` (rules
reach the engine only through the registry's entry points) nor anything above.
"""
