"""Layer 5 -- what several rules share: link checks, suggestions, math scanning, encoding glue.

Rules import :mod:`vaultkit.api`, this package and :mod:`vaultkit.text`.  May import
:mod:`vaultkit.api` and everything below it; never :mod:`vaultkit.check` nor anything above.
"""
