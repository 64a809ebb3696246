from vaultkit.api import Applicability, Diagnostic, Edit, Fix, Severity, rule
from vaultkit.rulekit.encoding import damage, unanalysed
from vaultkit.text.encoding.locate import BUDGET

SHOWN = 40  # characters of the repaired text quoted in the message


@rule("VK303", "mojibake", severity=Severity.ERROR, fixable=True)
def mojibake(note, vault, options):
    """Text that is UTF-8 decoded with the wrong encoding ("mojibake").

    ## What it does
    Finds runs of text that are UTF-8 read with a wrong encoding, each at its line and
    column with the repaired text in the message:

    - a single-byte code page (Windows-1250 to 1258, Latin-1, MacRoman, ...): `cafÃ©`
      for `café`, `å·ç§¯` for `卷积`, also twice over;
    - the same with bytes lost: a decoder that drops the bytes its code page leaves
      undefined, an editor that strips soft hyphens (`ä¸` for `中`, `与` or `不`);
    - a Chinese, Japanese or Korean double-byte encoding (GBK/GB18030, Big5, Shift-JIS,
      EUC-KR): `涓枃` for `中文`, with `�` where the decoder gave up on a byte;
    - GBK-family bytes read as Latin-1: `ÖÐÎÄ` for `中文`.

    Code spans and code blocks are left alone (mojibake shown as an example is not
    damage); front matter, math and link targets are checked like any text.

    ## Why is this bad?
    The note says something its author never wrote, search does not find its words, and
    every further round trip through the wrong encoding makes it worse.

    ## Example
    ```markdown
    Le cafÃ© est trÃ¨s bon.
    ```

    Use instead:
    ```markdown
    Le café est très bon.
    ```

    ## Fix safety
    A repair that only re-reads the bytes (nothing was lost) is safe.  When bytes were
    lost, each missing character is the likeliest one that fits the surviving bits, by
    word frequencies of the language -- usually right, never certain -- so the fix is
    unsafe, and the message names the close calls and their alternatives.  A character
    no candidate explains is left as `�` rather than guessed.

    A run is repaired in full or not at all: where every explanation would leave mojibake
    beside repaired text (kanji restored, kana left as `ă®`), the finding names the words
    nobody could decide and offers no fix.

    ## Limits
    Clean text in any script costs the same: only what has the byte-level signature of
    mojibake (characters that, encoded back with some code page, form valid UTF-8) is
    analysed.  The analysis of one note has a work budget (30,000 characters of such line
    parts, long lines taken 2,000 characters at a time), so that a huge or pathological
    note cannot stall a check: a note that spends it gets one more finding, where the
    analysis stopped, saying that the rest was not checked, and the run goes on.
    """
    text = note.text
    for run in damage(note, vault):
        if run.undecided:  # no explanation repairs it in full: left as it is, never half repaired
            words = ", ".join(
                f"“{w if len(w) <= SHOWN // 2 else w[: SHOWN // 2 - 1] + '…'}”" for w in run.undecided[:3]
            )
            yield Diagnostic(
                f"mojibake ({run.how}), not repaired: no repair explains all of it (undecided: {words}); "
                "the text is left as it is",
                run.start,
                run.end,
            )
            continue
        start, end = run.start, run.end
        while start > 0 and text[start - 1].isalpha() and run.start - start < SHOWN // 4:
            start -= 1  # quote whole words: "café", not "é"
        while end < len(text) and text[end].isalpha() and end - run.end < SHOWN // 4:
            end += 1
        shown = text[start : run.start] + run.repaired(text) + text[run.end : end]
        shown = shown if len(shown) <= SHOWN else shown[: SHOWN - 1] + "…"
        lost = f", {run.lost} byte{'s' if run.lost != 1 else ''} lost" if run.lost else ""
        message = f"mojibake ({run.how}{lost}): reads “{shown}”"
        if run.doubtful:
            message += "; check " + ", ".join(f"{c} (or {'/'.join(alts)})" for c, alts in run.doubtful[:3])
        if run.unresolved:
            message += f"; {run.unresolved} character{'s' if run.unresolved != 1 else ''} lost for good (left as �)"
        exact = not run.lost and not run.unresolved and not run.how.startswith(("GBK", "Big5", "Shift-JIS", "EUC-KR"))
        fix = Fix(
            f"repair the mojibake ({run.how})",
            tuple(Edit(start, end, text) for start, end, text in run.edits),
            Applicability.SAFE if exact else Applicability.UNSAFE,
        )
        yield Diagnostic(message, run.start, run.end, fix)
    stopped = unanalysed(note, vault)
    if stopped is not None:
        yield Diagnostic(
            f"note too damaged to analyse fully: mojibake was looked for up to here only (the work budget of "
            f"{BUDGET:,} characters per note is spent); the rest of the note was not checked",
            stopped,
            stopped,
        )
