"""vaultkit's version, at the bottom of the house so that every layer may name it."""

__version__ = "0.1.0"
