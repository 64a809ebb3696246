"""Filling empty dates: evidence (git, path, opt-in file times), format, minimal edits."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from vaultkit.check.run import check_vault, lint_text
from vaultkit.fix.loop import fix_text
from vaultkit.text.dates import GIT, MODIFIED_TIME, DateEvidence, DateFacts, DateFormat, path_evidence, shape_of
from vaultkit.vault import evidence

UTC2 = dt.timezone(dt.timedelta(hours=2))


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("2023-01-05.md", dt.date(2023, 1, 5)),
        ("Daily/2023_01_05 standup.md", dt.date(2023, 1, 5)),
        ("20230105 Meeting.md", dt.date(2023, 1, 5)),
        ("202301051230 Idea.md", dt.datetime(2023, 1, 5, 12, 30)),
        ("Daily/2023/01/05.md", dt.date(2023, 1, 5)),
        ("Trips/2019-07-14 Rome/Day one.md", dt.date(2019, 7, 14)),
        ("Reading/Book 12345678.md", None),  # not a date
        ("Inbox/2023-02-30.md", None),  # no such day
        ("Logs/1970-01-01.md", None),  # the epoch is never a note's date
        ("Topics/Version 2023.md", None),
    ],
)
def test_dates_in_paths(rel, expected):
    found = path_evidence(rel)
    assert (found.value if found else None) == expected


def test_value_shapes_and_rendering():
    when = dt.datetime(2023, 1, 5, 9, 7, 3, tzinfo=UTC2)
    assert shape_of("2023-01-05") == DateFormat()
    assert shape_of('"2023-01-05T10:00"') == DateFormat('"', "T", False, None)
    assert shape_of("2023-01-05 10:00:00+01:00") == DateFormat("", " ", True, ":")
    assert shape_of("yesterday") is None
    assert DateFormat().render(when) == "2023-01-05"
    assert DateFormat("'", "T", True, None).render(when) == "'2023-01-05T09:07:03'"
    assert DateFormat("", " ", False, ":").render(when) == "2023-01-05 09:07+02:00"
    assert DateFormat("", "T", True, None).render(dt.date(2023, 1, 5)) == "2023-01-05"  # no invented midnight


def facts_for(rel: str, *items: DateEvidence) -> DateFacts:
    return DateFacts(evidence={rel: items})


GIT_DATE = DateEvidence(GIT, dt.datetime(2021, 3, 4, 23, 30, tzinfo=UTC2), "the first git commit of the file (abc1234)")


@pytest.mark.parametrize(
    ("line", "fixed"),
    [
        ("date:", "date: 2021-03-04"),
        ("date:   # written later", "date: 2021-03-04   # written later"),
        ('date: ""', 'date: "2021-03-04"'),
        ("date: ''", "date: '2021-03-04'"),
        ("date: ~", "date: 2021-03-04"),
        ("Date: null", "Date: 2021-03-04"),
        ('"created" :', '"created" : 2021-03-04'),
    ],
)
def test_the_edit_touches_only_the_empty_value(line, fixed):
    text = f"---\ntitle: A note\n{line}\ntags:\n  - x # keep\n---\nbody\n"
    result = fix_text(text, path="A.md", select=["empty-date"], dates=facts_for("A.md", GIT_DATE))
    assert result.text == text.replace(line, fixed)


def test_crlf_front_matter_stays_crlf_and_bytes_outside_the_value_stay():
    data = b"\xef\xbb\xbf---\r\ndate:\r\n---\r\nbody\r\n"
    result = fix_text(data, path="A.md", dates=facts_for("A.md", GIT_DATE), select=["empty-date"])
    assert result.data == b"\xef\xbb\xbf---\r\ndate: 2021-03-04\r\n---\r\nbody\r\n"


def test_git_beats_the_path_and_the_message_names_the_evidence():
    result = fix_text("---\ndate:\n---\n", path="2020-01-01.md", dates=facts_for("2020-01-01.md", GIT_DATE))
    assert result.text == "---\ndate: 2021-03-04\n---\n"
    assert "first git commit" in result.applied[0].title
    [found] = lint_text("---\ndate:\n---\n", path="2020-01-01.md", select=["empty-date"])
    assert "file name" in found.message and "gives 2020-01-01" in found.message


def test_existing_dates_are_never_overwritten():
    text = "---\ndate: 2019-05-05\ncreated: 2018-01-01T10:00\n---\n"
    result = fix_text(text, path="2023-01-05.md", dates=facts_for("2023-01-05.md", GIT_DATE))
    assert not result.changed


def test_no_evidence_leaves_it_empty_and_reported():
    result = fix_text("---\ndate:\n---\n", path="Inbox/Idea.md", select=["empty-date"])
    assert not result.changed
    [problem] = result.remaining
    assert problem.fix is None and "no evidence" in problem.message


def test_format_follows_types_json_then_the_vault_then_iso(vault):
    files = {
        "A.md": '---\ncreated: "2020-02-02T08:15"\n---\n',
        "B.md": '---\ncreated: "2020-02-03T09:15"\n---\n',
        "C.md": "---\ncreated: 2020-02-04\n---\n",
        "2021-03-04 Empty.md": "---\ncreated:\nupdated:\n---\n",
    }
    opts = {"rules": {"empty-date": {"keys": ["created", "updated"]}}}
    facts = facts_for("2021-03-04 Empty.md", GIT_DATE)
    result = fix_text(files.pop("2021-03-04 Empty.md"), "2021-03-04 Empty.md", files, config=opts, dates=facts)
    assert result.text == '---\ncreated: "2021-03-04T23:30"\nupdated: 2021-03-04\n---\n'
    root = vault({**files, "2021-03-04 Empty.md": "---\ncreated:\n---\n"})
    (root / ".obsidian" / "types.json").write_text(json.dumps({"types": {"created": "datetime"}}))
    (root / ".vaultkit.toml").write_text('[rules.empty-date]\nkeys = ["created"]\n')
    [problem] = [p for p in check_vault(root).problems if p.rule == "empty-date"]
    assert problem.fix is not None and problem.fix.edits[0].text == " 2021-03-04"  # the path has no time


def test_file_times_only_when_opted_in(vault):
    root = vault({"Inbox/Idea.md": "---\ndate:\n---\n"})
    stamp = dt.datetime(2022, 6, 7, 12, 0).timestamp()
    os.utime(root / "Inbox/Idea.md", (stamp, stamp))
    [problem] = [p for p in check_vault(root).problems if p.rule == "empty-date"]
    assert problem.fix is None
    (root / ".vaultkit.toml").write_text("[rules.empty-date]\nuse-modified-time = true\n")
    [problem] = [p for p in check_vault(root).problems if p.rule == "empty-date"]
    assert problem.fix.edits[0].text == " 2022-06-07" and "modification time" in problem.message


def test_epoch_and_future_file_times_are_no_evidence(tmp_path):
    note = tmp_path / "a.md"
    note.write_text("x")
    os.utime(note, (0, 0))
    assert [e for e in evidence.file_times(note) if e.source == MODIFIED_TIME] == []
    os.utime(note, (4e9, 4e9))
    assert [e for e in evidence.file_times(note) if e.source == MODIFIED_TIME] == []


def git(root: Path, *args: str, when: str | None = None) -> None:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_SYSTEM=os.devnull)
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@e", *args], check=True, env=env,
                   capture_output=True)  # fmt: skip


@pytest.fixture
def repo(tmp_path):
    """A repository whose vault is a sub-folder; one note renamed, one moved into a folder."""
    root = tmp_path / "repo"
    vault = root / "notes"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Old name.md").write_text("---\ndate:\n---\nA\n")
    (vault / "Plain.md").write_text("---\ndate:\n---\nB\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first", when="2021-03-04T23:30:00+02:00")
    (vault / "Sub").mkdir()
    git(root, "mv", "notes/Old name.md", "notes/Sub/New name.md")
    (vault / "Later.md").write_text("---\ncreated: ''\n---\nC\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "rename", when="2022-07-08T10:00:00+00:00")
    (vault / "Uncommitted.md").write_text("---\ndate:\n---\n")
    return vault


def test_git_first_added_follows_renames(repo):
    found = evidence.git_first_added(repo, ["Sub/New name.md", "Plain.md", "Later.md", "Uncommitted.md"])
    assert found["Sub/New name.md"].value.date() == dt.date(2021, 3, 4)  # in the commit's own zone
    assert found["Plain.md"].value.date() == dt.date(2021, 3, 4)
    assert found["Later.md"].value.date() == dt.date(2022, 7, 8)
    assert "Uncommitted.md" not in found


def test_fix_in_a_repository_uses_one_git_log_and_only_for_empty_dates(repo, monkeypatch):
    calls = []
    real = evidence.git
    monkeypatch.setattr(evidence, "git", lambda root, *args: calls.append(args[:3]) or real(root, *args))
    result = check_vault(repo)
    assert sum(1 for c in calls if "log" in c) == 1
    fixes = {p.path: p.fix.edits[0].text for p in result.problems if p.rule == "empty-date" and p.fix}
    assert fixes == {"Sub/New name.md": " 2021-03-04", "Plain.md": " 2021-03-04", "Later.md": "'2022-07-08'"}
    calls.clear()
    (repo / "Plain.md").write_text("---\ndate: 2020-01-01\n---\n")
    for rel in ("Sub/New name.md", "Later.md", "Uncommitted.md"):
        (repo / rel).unlink()
    check_vault(repo)
    assert calls == []  # no empty date: no git at all


def test_commits_at_a_shallow_boundary_are_no_evidence(repo, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.parent}", str(clone)], check=True)
    found = evidence.git_first_added(clone / "notes", ["Plain.md", "Later.md"])
    assert found == {}  # the one commit of a shallow clone adds everything: it proves nothing


def test_untracked_notes_never_start_a_history_walk(repo, monkeypatch):
    calls = []
    real = evidence.git
    monkeypatch.setattr(evidence, "git", lambda root, *args: calls.append(args) or real(root, *args))
    assert evidence.git_first_added(repo, ["Uncommitted.md"]) == {}
    assert not [c for c in calls if "log" in c]
