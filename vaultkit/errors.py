"""The errors a user can act on, as one family.

Every error vaultkit reports to a person (bad configuration, a broken plugin, a command line
that makes no sense, a note that cannot be read, a daemon that is still starting) derives from
:class:`VaultkitError`.  Code deep in the stack raises them; the fronts translate them once:
the command line in :func:`vaultkit.cli.main` (exit status), the daemon's HTTP layer in
:mod:`vaultkit.watch.server` (status code).  This module sits at the bottom of the layers, so
any module may raise these without importing a front.
"""

from __future__ import annotations


class VaultkitError(Exception):
    """A problem the user can fix; its message is printed as is, without a traceback."""


class UsageError(VaultkitError):
    """The command line asks for something impossible (a path outside the vault, ...)."""


class ConfigError(VaultkitError):
    """The configuration is invalid; the message says where and why."""


class PluginError(VaultkitError):
    """A rule plugin could not be loaded or declares a conflicting rule."""


class UnreadableNote(VaultkitError, ValueError):
    """A note's bytes cannot be read as text (binary data named ``.md``)."""


class NotReady(VaultkitError):
    """The daemon has not finished its first check yet; ask again shortly."""


class NotFound(VaultkitError):
    """The note asked about is not a checked note of the vault."""


class Changed(VaultkitError):
    """The note changed on disk while the request was handled; nothing was written."""


class Stale(VaultkitError):
    """The problem a quick fix names is no longer there: the note's problems changed."""


class CannotStart(VaultkitError):
    """The daemon cannot start: another one watches the vault, or the port is taken."""
