import re
from functools import lru_cache

from vaultkit.api import Diagnostic, Severity, rule
from vaultkit.rulekit.links import is_attachment, missing_file, unresolved


@lru_cache(maxsize=32)
def _patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ValueError(f"option future-note-patterns: {pattern!r} is not a regular expression: {exc}") from None
    return tuple(compiled)


@rule(
    "VK201",
    "broken-wikilink",
    fixable=True,
    options={"future-notes-as-info": False, "future-note-patterns": ()},
)
def broken_wikilink(note, vault, options):
    """A wiki-link or embed whose target note does not exist.

    ## What it does
    Reports `[[Note]]`, `[[Folder/Note#Heading]]`, `![[Note]]` and links in properties
    (`up: "[[Note]]"`) that Obsidian shows as unresolved.  Resolution is Obsidian's own:
    file names compared case-insensitively and NFC-normalised, `.md` optional, `[[Folder/Note]]`
    matched as a path suffix, `[[./Note]]` and `[[../Note]]` relative to the note,
    `[[/Note]]` from the vault root.  Aliases never resolve a link: `[[AI]]` is broken even
    when a note lists `AI` under `aliases:` -- Obsidian itself writes
    `[[Artificial Intelligence|AI]]`.  Links inside code, math, HTML comments and block
    `%% %%` comments are not links; links inside an inline `%% %%` comment are (Obsidian
    indexes them).  Links to attachments are `missing-embed`'s business.  In a note that is
    not UTF-8, a link with non-ASCII characters that names no file is left to the encoding
    rules: vaultkit's reading of such text is a guess, and Obsidian sees it garbled.

    The message names the closest existing note ("did you mean …?") when there is a good one.

    Readings chosen where Obsidian's behaviour is not documented (the lenient ones):
    `\\|` is taken as the alias separator everywhere, not only in tables; link text is
    NFC-normalised before lookup; a link inside a longer text property is not a link.
    `[[^id]]` is not a block link (Obsidian looks for a note named `^id`); it is reported at
    `info` level only, since its outcome is inferred rather than observed.

    ## Why is this bad?
    A broken link leads nowhere: the reader clicks and Obsidian creates an empty note, an
    embed renders as an error box, and the graph and backlinks lose the connection.

    ## Example
    ```markdown
    See [[Backpropogation]] for the chain rule.
    ```

    ```markdown file=Backpropagation.md
    # Backpropagation
    ```

    Use instead:
    ```markdown
    See [[Backpropagation]] for the chain rule.
    ```

    ```markdown file=Backpropagation.md
    # Backpropagation
    ```

    ## Fix safety
    The suggested note is offered as an unsafe fix: it changes where the link points, and
    only the writer knows whether it is the note they meant.  A link that names an alias
    becomes `[[Note|alias]]`, so the text the reader sees stays the same.

    ## Options
    - `future-notes-as-info` (bool, default `false`): links to notes that do not exist yet
      (Obsidian's "future notes", written on purpose to create the note later) are reported
      at `info` level, which does not fail `vaultkit check`.  Embeds are always reported
      at the rule's level.
    - `future-note-patterns` (list of regular expressions, default `[]`): link targets that
      fully match one of these (e.g. `"\\d{4}-\\d{2}-\\d{2}"` for daily notes not written yet)
      are not reported at all.
    """
    patterns = _patterns(tuple(options["future-note-patterns"]))
    for link in unresolved(note, vault):
        if link.kind != "wiki" or is_attachment(link.target):
            continue
        if link.target.startswith("^"):
            yield Diagnostic(
                f"[[{link.target}]] is not a block link: Obsidian looks for a note named '{link.target}' "
                f"(a block of this note is [[#{link.target}]])",
                link.start,
                link.end,
                severity=Severity.INFO,
            )
            continue
        future = not link.embed
        if future and any(p.fullmatch(link.target) for p in patterns):
            continue
        severity = Severity.INFO if future and options["future-notes-as-info"] else None
        yield missing_file(note, vault, link, "note", severity)
