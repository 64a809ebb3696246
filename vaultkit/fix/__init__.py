"""Layer 6 -- fixing: the in-memory fix loop, the vault fix plan, and the one write transaction
(journal, compare-and-swap atomic write).

May import :mod:`vaultkit.check` and everything below it; used by every front that writes.
"""
