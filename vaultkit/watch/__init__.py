"""``vaultkit watch``: a daemon that keeps a vault's diagnostics in sync with the disk.

It stands on machinery it shares with the language server (:mod:`vaultkit.lsp`), which
therefore lives in the layers below both fronts:

* :mod:`~vaultkit.vault.observer` -- watchdog events to vault-relative paths;
* :mod:`~vaultkit.vault.debounce` -- per-path trailing-edge debouncing;
* :mod:`~vaultkit.check.live` -- notes, files and problems, reconciled with the disk batch
  by batch, re-checking only what a change affects;
* :mod:`~vaultkit.vault.datefacts` -- the date evidence of the index, kept incrementally.

The daemon's own modules:

* :mod:`~vaultkit.watch.relink` -- links rewritten after a move outside Obsidian;
* :mod:`~vaultkit.watch.server` -- the plugin API (HTTP + JSON + Server-Sent Events on
  127.0.0.1, described by ``vaultkit/openapi.json``);
* :mod:`~vaultkit.watch.runtime` -- lock, token and discovery files in ``.vaultkit/``;
* :mod:`~vaultkit.watch.daemon` -- the threads and the life cycle that tie them together.
"""
