"""Layer 2 -- reading one note: bytes -> decoded text -> front matter, regions, Markdown -> Note.

May import :mod:`vaultkit.text`, :mod:`vaultkit.model` and :mod:`vaultkit.errors`.
"""
