"""vaultkit's built-in rules, one module per rule; installed as ``vaultkit.rules``.

Adding a rule means adding a module here: ``RULES`` collects every rule object the modules
define.  Imports inside this package are relative -- there is no top-level ``rules`` package.
"""

from pkgutil import iter_modules

from vaultkit.api import package_rules

RULES = package_rules(__name__, sorted(m.name for m in iter_modules(__path__)))
