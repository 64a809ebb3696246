"""``vaultkit watch``: a daemon that keeps a vault's diagnostics in sync with the disk.

* :mod:`~vaultkit.watch.observer` -- watchdog events to vault-relative paths;
* :mod:`~vaultkit.watch.debounce` -- per-path trailing-edge debouncing;
* :mod:`~vaultkit.watch.state` -- notes, files and problems, reconciled with the disk batch
  by batch, re-checking only what a change affects;
* :mod:`~vaultkit.watch.datefacts` -- the date evidence of the index, kept incrementally;
* :mod:`~vaultkit.watch.relink` -- links rewritten after a move outside Obsidian;
* :mod:`~vaultkit.watch.server` -- the plugin API (HTTP + JSON + Server-Sent Events on
  127.0.0.1, described by ``vaultkit/openapi.json``);
* :mod:`~vaultkit.watch.runtime` -- lock, token and discovery files in ``.vaultkit/``;
* :mod:`~vaultkit.watch.daemon` -- the threads and the life cycle that tie them together.
"""
