"""Layer 3 -- the vault: where it starts, which files belong to it, the index, date evidence,
and following it on disk (file events, debouncing) for the watch daemon and the language server.

The only layer below the rules that does file-system and ``git`` I/O.  May import
:mod:`vaultkit.read`, :mod:`vaultkit.text`, :mod:`vaultkit.model` and :mod:`vaultkit.errors`.
"""
