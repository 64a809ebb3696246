import re
from urllib.parse import unquote

from vaultkit.api import Diagnostic, Scope, fold, rule

# An HTML element's file reference in a note (`<img src="a.png">`), which Obsidian renders
# but does not index as a link; counted as a use so that such attachments are not reported.
_HTML_REFERENCE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"'<>]+)["']""", re.IGNORECASE)
_WIKI = re.compile(r"^!?\[\[([^\]|#]+)")
# Obsidian Help, "Accepted file formats": what Obsidian opens and embeds besides notes and bases.
# Other files (.css, .js, .json, ...) are not attachments: Obsidian does not even list them.
ATTACHMENT_SUFFIXES = tuple(
    "." + ext
    for ext in [
        "canvas",
        "avif",
        "bmp",
        "gif",
        "jpeg",
        "jpg",
        "png",
        "svg",
        "webp",
        "flac",
        "m4a",
        "mp3",
        "ogg",
        "wav",
        "webm",
        "3gp",
        "mkv",
        "mov",
        "mp4",
        "ogv",
        "pdf",
    ]
)
# Obsidian Publish reads these from the vault root itself ("Customize your site").
_PUBLISH_FAVICON = re.compile(r"favicon(?:-\d+(?:x\d+)?)?\.\w+", re.IGNORECASE)


def _name(reference):
    """The folded file name a path, URL-encoded path or ``[[link]]`` ends in."""
    m = _WIKI.match(reference.strip())
    path = m.group(1) if m else unquote(reference.strip())
    return fold(path.rstrip("/").rsplit("/", 1)[-1].strip())


def _property_values(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _property_values(item)


def _mentioned(vault):
    """File names that notes name outside links (plain property values such as
    `cover: images/a.png`, HTML `src`/`href`) and names that appear in a base's text."""
    names: set[str] = set()
    for note in vault.notes.values():
        data = note.frontmatter.data if note.frontmatter else None
        for value in data.values() if data else ():
            names.update(_name(v) for v in _property_values(value) if "." in v)
        if "src" in note.text or "href" in note.text:
            names.update(_name(m.group(1)) for m in _HTML_REFERENCE.finditer(note.text))
    return names


@rule("VK504", "unused-attachment", enabled_by_default=False, scope=Scope.VAULT)
def unused_attachment(vault, options):
    """An attachment that nothing in the vault links to or embeds.

    ## What it does
    Reports attachments -- the images, audio, video, PDFs and canvases Obsidian accepts
    ("Accepted file formats") -- that no note, canvas or property links to or embeds.  Links resolve as Obsidian resolves them
    (a link to a same-named file elsewhere does not count); canvases count through their
    `file` nodes and group backgrounds.  Leniently, a file also counts as used when a note
    names it in a plain property value (`cover: images/a.png`) or an HTML `src`/`href`, or
    a `.base` mentions its name.  `.base` files are views, not attachments, other files
    (`.css`, `.json`...) are not Obsidian's, and the favicons Obsidian Publish reads from the
    vault root are used by Publish.

    Off by default: vaults keep files on purpose that nothing links to (a folder of
    scans, a canvas opened from the file explorer).  Select it and use the rule's
    `exclude` globs (`[rules.unused-attachment] exclude = ["Archive/**"]`) for those.

    ## Why is this bad?
    Orphaned attachments are what is left when a note was deleted or an image replaced:
    they take space in the vault, in every backup and in every device's sync, and show up
    in search and the quick switcher.

    ## Example
    ```text path=assets/old-diagram.png
    ```

    Use instead:
    ```text path=assets/diagram.png
    ```

    ```markdown file=Design.md
    ![[diagram.png]]
    ```
    """
    mentioned = None
    bases = [fold(doc.text) for rel, doc in vault.documents.items() if rel.lower().endswith(".base")]
    for rel in sorted(vault.files):
        if not rel.lower().endswith(ATTACHMENT_SUFFIXES) or _PUBLISH_FAVICON.fullmatch(rel) or vault.linked_from(rel):
            continue
        if mentioned is None:
            mentioned = _mentioned(vault)
        name = fold(rel.rsplit("/", 1)[-1])
        if name in mentioned or any(name in text for text in bases):
            continue
        yield Diagnostic("no note, canvas or property links to or embeds this attachment", 0, 0, path=rel)
