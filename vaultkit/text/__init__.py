"""Layer 1 -- string algorithms: encodings and mojibake, TeX tokens, heading keys, date shapes.

Pure functions of strings (and of :mod:`vaultkit.model` records).  May import only
:mod:`vaultkit.model` and :mod:`vaultkit.errors`; knows nothing of files, notes being parsed,
the vault or rules.
"""
