"""The fix loop: applicability, overlaps, atomic fixes, passes, cycles, idempotence,
line endings and encoding fixes -- with small rules made up for each case."""

from __future__ import annotations

import re

from vaultkit.api import Applicability, Diagnostic, Edit, Fix, Severity, rule
from vaultkit.check.config import ActiveRule
from vaultkit.check.registry import INTERNAL_ERROR
from vaultkit.fix.loop import MAX_PASSES, apply_edits, fix_note, fix_text
from vaultkit.read.parse import parse_bytes
from vaultkit.vault.index import VaultIndex


def replacing(code: str, pattern: str, make, applicability=Applicability.SAFE) -> ActiveRule:
    """A rule that offers ``make(match)`` -> replacement for every match of ``pattern``."""
    regex = re.compile(pattern)

    def check(note, vault, options):
        for m in regex.finditer(note.text):
            text = make(m)
            if text is not None:
                yield Diagnostic(
                    f"{m.group()!r}",
                    m.start(),
                    m.end(),
                    Fix(f"fix {code}", (Edit(m.start(), m.end(), text),), applicability),
                )

    made = rule(code, f"rule-{code.lower()}")(check)
    return ActiveRule(made, Severity.WARNING, {})


def run(text: str | bytes, *active: ActiveRule, unsafe: bool = False, path: str = "Note.md"):
    data = text.encode() if isinstance(text, str) else text
    note = parse_bytes(path, data)
    return fix_note(note, VaultIndex([note], [path]), list(active), unsafe=unsafe, original=data)


def test_overlapping_fix_waits_for_the_next_pass_and_sees_the_new_text():
    upper_ab = replacing("TS001", "ab", lambda m: "AB")
    upper_c = replacing("TS002", "(?i)bc", lambda m: m.group()[0] + "C" if m.group()[1] == "c" else None)
    result = run("abc", upper_ab, upper_c)
    assert result.text == "ABC"
    assert [a.code for a in result.applied] == ["TS001", "TS002"]
    assert result.converged and result.remaining == ()


def test_two_insertions_at_one_point_are_not_applied_together():
    first = replacing("TS001", "^x", lambda m: "1x")
    second = replacing("TS002", "^x", lambda m: "2x")
    result = run("x", first, second)
    assert result.text in ("1x", "2x")  # the other no longer matches after the first
    assert len(result.applied) == 1


def test_a_fix_is_applied_whole_or_not_at_all():
    def check(note, vault, options):
        if note.text.lower().startswith("ab") and not note.text.startswith("AB"):
            yield Diagnostic("pair", 0, 2, Fix("both", (Edit(0, 1, "A"), Edit(1, 2, "B"))))

    pair = ActiveRule(rule("TS003", "pair")(check), Severity.WARNING, {})
    blocker = replacing("TS001", "^a", lambda m: "A")  # overlaps the pair's first edit, taken first
    data = b"ab"
    note = parse_bytes("Note.md", data)
    index = VaultIndex([note], ["Note.md"])
    assert fix_note(note, index, [blocker, pair], original=data, max_passes=1).text == "Ab"  # no half pair
    result = fix_note(note, index, [blocker, pair], original=data)
    assert result.text == "AB" and [a.code for a in result.applied] == ["TS001", "TS003"]


def test_applicability_policy():
    safe = replacing("TS001", "a", lambda m: "A")
    unsafe = replacing("TS002", "b", lambda m: "B", Applicability.UNSAFE)
    display = replacing("TS003", "c", lambda m: "C", Applicability.DISPLAY)
    assert run("abc", safe, unsafe, display).text == "Abc"
    assert run("abc", safe, unsafe, display, unsafe=True).text == "ABc"


def test_rules_that_undo_each_other_stop_at_a_cycle():
    to_y = replacing("TS001", "x", lambda m: "y")
    to_x = replacing("TS002", "y", lambda m: "x")
    result = run("x", to_y, to_x)
    assert result.text == "y" and not result.converged
    assert [a.code for a in result.applied] == ["TS001"]


def test_the_number_of_passes_is_bounded():
    grow = replacing("TS001", "a+$", lambda m: m.group() + "a")
    result = run("a", grow)
    assert result.text == "a" * (1 + MAX_PASSES)
    assert not result.converged
    assert len(result.applied) == MAX_PASSES


def test_a_fix_that_changes_nothing_is_ignored():
    same = replacing("TS001", "a", lambda m: "a")
    upper = replacing("TS002", "ab", lambda m: "AB")
    result = run("ab", same, upper)  # the no-op does not block the real fix
    assert result.text == "AB" and [a.code for a in result.applied] == ["TS002"]
    result = run("a", same)
    assert not result.changed and result.applied == () and result.converged


def test_malformed_edits_are_ignored():
    def check(note, vault, options):
        yield Diagnostic("out of range", 0, 1, Fix("bad", (Edit(5, 99, "x"),)))

    bad = ActiveRule(rule("TS004", "bad-edit")(check), Severity.WARNING, {})
    crashes = ActiveRule(INTERNAL_ERROR, Severity.ERROR, {})
    result = run("a", bad, crashes)  # the engine reports the rule's mistake; nothing is applied
    assert not result.changed and [p.code for p in result.remaining] == ["VK000"]
    assert "an edit 5..99 outside the note" in result.remaining[0].message


def test_inserted_line_breaks_follow_the_note():
    add = replacing("TS001", "title: x(?=\r?\n---)", lambda m: "title: x\ndate: 2024-01-01")
    assert run("---\r\ntitle: x\r\n---\r\n", add).data == b"---\r\ntitle: x\r\ndate: 2024-01-01\r\n---\r\n"
    assert run("---\ntitle: x\n---\n", add).data == b"---\ntitle: x\ndate: 2024-01-01\n---\n"
    assert apply_edits("a\r\nb", [Edit(1, 1, "\nx")], "\r\n") == "a\r\nx\r\nb"
    assert apply_edits("a\nb", [Edit(1, 1, "\nx")], "\n") == "a\nx\nb"


def test_encoding_and_bom_fixes_change_the_bytes_not_the_text():
    def transcode(note, vault, options):
        if note.decoded.error:
            yield Diagnostic("legacy", 0, 0, Fix("to UTF-8", encoding="utf-8"))

    def drop_bom(note, vault, options):
        if note.decoded.bom and note.decoded.encoding == "utf-8":
            yield Diagnostic("bom", 0, 0, Fix("drop BOM", bom=False))

    active = [
        ActiveRule(rule("TS005", "to-utf8")(transcode), Severity.WARNING, {}),
        ActiveRule(rule("TS006", "no-bom")(drop_bom), Severity.WARNING, {}),
        replacing("TS001", "date:(?=\r?\n)", lambda m: "date: 2024-01-01"),
    ]
    words = "中文笔记，一乘一卷积可以改变通道数。\ndate:\n"
    result = run(words.encode("gb18030"), *active)
    assert result.data == words.replace("date:", "date: 2024-01-01").encode()
    assert result.note.decoded.error is None and result.converged
    result = run(b"\xef\xbb\xbfdate:\r\n", *active)
    assert result.data == b"date: 2024-01-01\r\n"


def test_a_legacy_file_is_fixed_in_its_own_encoding_without_a_transcoding_fix():
    words = "中文笔记，一乘一卷积可以改变通道数。\ndate:\n"
    result = run(words.encode("gb18030"), replacing("TS001", "date:(?=\r?\n)", lambda m: "date: 2024-01-01"))
    assert result.data == words.replace("date:", "date: 2024-01-01").encode("gb18030")


def test_suppressed_findings_are_not_fixed():
    result = fix_text("---\ndate:\n---\n%% vaultkit-disable-file %%\n", path="2024-03-01.md", select=["VK102"])
    assert not result.changed


def test_fixing_twice_equals_fixing_once():
    text = '---\ndate: ""\nrelated: [[Project Plan]]\n---\nbody\n'
    once = fix_text(text, path="Daily/2023-01-05.md", files={"Project Plan.md": "# Plan\n"})
    assert once.text == '---\ndate: "2023-01-05"\nrelated: "[[Project Plan]]"\n---\nbody\n'
    twice = fix_text(once.data, path="Daily/2023-01-05.md", files={"Project Plan.md": "# Plan\n"})
    assert twice.data == once.data and twice.applied == ()
