import re

from vaultkit.api import Diagnostic, fold, rule

# Each marker is what a sync client inserts before the file's extension (exact formats from the
# clients' documentation and source, see the rule's "See also").  Order matters: Obsidian Sync's
# "Conflicted copy <device> <12 digits>" must win over Nextcloud's "conflicted copy <date> <time>".
MARKERS = (
    ("Syncthing", re.compile(r"\.sync-conflict-\d{8}-\d{6}(?:-[A-Za-z0-9]{7})?$")),
    ("Obsidian Sync", re.compile(r" \(Conflicted copy (?:[^()]+ )?\d{12}\)$")),
    ("Nextcloud", re.compile(r" \(conflicted copy (?:[^()]+ )?\d{4}-\d{2}-\d{2} \d{6}\)$")),
    ("Nextcloud", re.compile(r" \(case clash from \d{4}-\d{2}-\d{2} \d{6}\)$")),
    ("ownCloud", re.compile(r"_conflict(?:_[^/]+?)?-\d{8}-\d{6}$")),
    ("Dropbox", re.compile(r" \((?:[^()]+['\u2019]s )?conflicted copy(?: \d{4}-\d{2}-\d{2})?(?: \(\d+\))?\)$", re.I)),
    ("Dropbox", re.compile(r" \((?:Case|Unicode Encoding|Selective Sync) Conflict(?: \d+)?\)$")),
)
NUMBERED = re.compile(r" [2-9]$| [1-9][0-9]+$")  # iCloud Drive's "Note 2.md"


def _split(name):
    """File name -> (stem, extension); the extension keeps its dot, '' when there is none."""
    dot = name.rfind(".")
    return (name[:dot], name[dot:]) if dot > 0 else (name, "")


def _original(stem):
    """Strip conflict markers from the end of ``stem`` (a conflict copy of a conflict copy has
    two).  Returns (stem of the original, client that left the outermost marker) or None."""
    client = None
    while True:
        for name, marker in MARKERS:
            m = marker.search(stem)
            if m and m.start() > 0:
                client = client or name
                stem = stem[: m.start()]
                break
        else:
            return (stem, client) if client else None


def _existing(vault, path):
    """``path`` as it is spelled in the vault (names compare case-insensitively), or None."""
    if path in vault.files:
        return path
    wanted = fold(path)
    return min((f for f in vault.files if fold(f) == wanted), default=None)


@rule("VK501", "sync-conflict", options={"numbered-copies": False})
def sync_conflict(note, vault, options):
    """A conflict copy left by a sync client beside the real note.

    ## What it does
    Reports notes whose file name is a sync client's conflict copy, and names the note it
    shadows: Syncthing's `Note.sync-conflict-20240115-103000-ABCDEFG.md`, Dropbox's
    `Note (Jane's conflicted copy 2024-01-15).md` and `Note (Case Conflict).md`, Nextcloud's
    `Note (conflicted copy 2024-01-15 103000).md` (and ownCloud's older
    `Note_conflict-20240115-103000.md`), and Obsidian Sync's
    `Note (Conflicted copy MyLaptop 202401151030).md`.

    ## Why is this bad?
    Two devices changed the note before they synced, and the client kept both versions.  The
    edits in the copy are in no note that links or search lead to, and the copy itself shows up
    in search, the graph and link suggestions under a confusing name.  Someone has to merge the
    two and delete the copy; until then, one version of the note is silently missing.

    ## Example
    ```markdown path=Meeting.sync-conflict-20240115-103000-ABCDEFG.md
    Notes from the phone, written while offline.
    ```

    ```markdown file=Meeting.md
    Notes from the laptop.
    ```

    Use instead:
    ```markdown path=Meeting.md
    Notes from the laptop, and the notes from the phone merged in.
    ```

    ## Options
    - `numbered-copies` (bool, default `false`): also report iCloud Drive's numbered copies,
      `Note 2.md` beside `Note.md` in the same folder.  Off by default because people number
      notes on purpose (`Chapter 2.md`).

    ## See also
    Syncthing: "Understanding Synchronization", *Conflicting Changes*.  Nextcloud desktop:
    `Utility::makeConflictFileName`.  Obsidian Help: "Troubleshoot Obsidian Sync", *Conflict
    file naming pattern*.  Dropbox Help: "What's a conflicted copy?".
    """
    folder, _, name = note.rel.rpartition("/")
    prefix = folder + "/" if folder else ""
    stem, ext = _split(name)
    found = _original(stem)
    if found is None and options["numbered-copies"]:
        m = NUMBERED.search(stem)
        if m and m.start() > 0 and _existing(vault, prefix + stem[: m.start()] + ext):
            found = (stem[: m.start()], "iCloud Drive")
    if found is None:
        return
    base, client = found
    original = prefix + base + ext
    shadowed = _existing(vault, original)
    if shadowed:
        message = (
            f"conflict copy left by {client}: it holds another version of `{shadowed}`; merge the two and delete it"
        )
    else:
        message = f"conflict copy left by {client} of `{original}`, which is no longer in the vault; rename or merge it"
    yield Diagnostic(message, 0, 0)
