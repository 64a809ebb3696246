"""``vaultkit lsp``: the engine's diagnostics and fixes in any editor, over the Language Server Protocol.

* :mod:`~vaultkit.lsp.server` -- pygls server: documents, debouncing, publishing, requests;
* :mod:`~vaultkit.lsp.vaults` -- one vault: the watch daemon's incremental state with the
  open notes' unsaved text laid over the disk, and problems as LSP diagnostics;
* :mod:`~vaultkit.lsp.navigate` -- definition, completion, hover and outline of links and
  headings, on the resolution code the link rules use;
* :mod:`~vaultkit.lsp.positions` -- code-point offsets <-> LSP positions (UTF-16 by default).
"""
