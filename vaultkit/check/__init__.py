"""Layer 5 -- checking: configuration, rule registry, the engine, suppressions, reports.

May import :mod:`vaultkit.api` and everything below it; never :mod:`vaultkit.rulekit` (rules
reach the engine only through the registry's entry points) nor anything above.
"""
