import re
from functools import lru_cache

from vaultkit.api import Diagnostic, rule


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The configured patterns, compiled once per configuration rather than once per note."""
    return tuple(re.compile(p) for p in patterns)


@rule("VK105", "placeholder-link-title", options={"patterns": (r"Fetching Title#\w+", r"Untitled")})
def placeholder_link_title(note, vault, options):
    """A link whose text is a placeholder that was never replaced.

    ## What it does
    Reports Markdown links whose text is a leftover placeholder, such as
    `[Fetching Title#6dum](https://…)` left behind by the Auto Link Title plugin when the
    page title could not be fetched.

    ## Why is this bad?
    The reader sees "Fetching Title#6dum" instead of what the link is about, and search
    cannot find the note by the linked page's title.

    ## Example
    ```markdown
    [Fetching Title#6dum](https://zhuanlan.zhihu.com/p/136223550)
    ```

    Use instead:
    ```markdown
    [LSTM explained](https://zhuanlan.zhihu.com/p/136223550)
    ```

    ## Options
    - `patterns` (list of regular expressions, default `["Fetching Title#\\w+", "Untitled"]`):
      link texts that count as placeholders (matched against the whole text).
    """
    patterns = _compiled(tuple(options["patterns"]))
    for link in note.links:
        if link.kind != "markdown" or link.display is None:
            continue
        text = link.display.strip()
        if any(p.fullmatch(text) for p in patterns):
            yield Diagnostic(f"link text {text!r} is a placeholder; write what the link is about", link.start, link.end)
