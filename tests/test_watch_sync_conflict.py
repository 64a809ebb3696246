"""sync-conflict (VK501): conflict copies of the sync clients, named exactly as they name them."""

from __future__ import annotations

import pytest

from vaultkit.check.run import lint_text


def conflict(path: str, files: dict[str, str] | None = None, **options) -> list[str]:
    config = {"rules": {"sync-conflict": options}} if options else None
    return [p.message for p in lint_text("text\n", path, files=files, select=["VK501"], config=config)]


@pytest.mark.parametrize(
    ("path", "client", "original"),
    [
        ("Meeting.sync-conflict-20240115-103000-ABCDEFG.md", "Syncthing", "Meeting.md"),
        ("Meeting.sync-conflict-20150808-123456.md", "Syncthing", "Meeting.md"),  # before device ids
        ("Sub/a.b.sync-conflict-20240115-103000-Q2RSTUV.md", "Syncthing", "Sub/a.b.md"),
        ("Meeting (Jane Doe's conflicted copy 2024-01-15).md", "Dropbox", "Meeting.md"),
        ("Meeting (MacBook-Pro's conflicted copy 2024-01-15 (1)).md", "Dropbox", "Meeting.md"),
        ("Meeting (conflicted copy 2012-03-07).md", "Dropbox", "Meeting.md"),
        ("Meeting (Case Conflict).md", "Dropbox", "Meeting.md"),
        ("Meeting (Selective Sync Conflict).md", "Dropbox", "Meeting.md"),
        ("Meeting (conflicted copy 2024-01-15 103000).md", "Nextcloud", "Meeting.md"),
        ("Meeting (conflicted copy jane 2024-01-15 103000).md", "Nextcloud", "Meeting.md"),
        ("Meeting (case clash from 2024-01-15 103000).md", "Nextcloud", "Meeting.md"),
        ("Meeting_conflict-20240115-103000.md", "ownCloud", "Meeting.md"),
        ("Meeting_conflict_jane-20240115-103000.md", "ownCloud", "Meeting.md"),
        ("Meeting (Conflicted copy MyMacBook2 202411281430).md", "Obsidian Sync", "Meeting.md"),
        ("Meeting (Conflicted copy My Phone 202411281430).md", "Obsidian Sync", "Meeting.md"),
        (  # a conflict copy of a conflict copy shadows the real note
            "Meeting (conflicted copy 2024-01-15 103000) (conflicted copy 2024-01-16 090000).md",
            "Nextcloud",
            "Meeting.md",
        ),
    ],
)
def test_conflict_copies_name_the_note_they_shadow(path, client, original):
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    shadowed = original if original.startswith(folder) else folder + original
    found = conflict(path, {shadowed: "the real note\n"})
    assert found == [
        f"conflict copy left by {client}: it holds another version of `{shadowed}`; merge the two and delete it"
    ]
    gone = conflict(path)
    assert gone == [
        f"conflict copy left by {client} of `{shadowed}`, which is no longer in the vault; rename or merge it"
    ]


def test_the_shadowed_note_is_found_whatever_its_case():
    found = conflict("meeting.sync-conflict-20240115-103000-ABCDEFG.md", {"Meeting.md": "x\n"})
    assert found and "`Meeting.md`" in found[0]


@pytest.mark.parametrize(
    "path",
    [
        "Meeting.md",
        "Chapter 2.md",
        "Notes on sync-conflict handling.md",
        "Why my copy conflicted (a story).md",
        "Project (draft).md",
        "Budget_conflict.md",
        "(conflicted copy 2024-01-15 103000).md",  # nothing before the marker: not a copy of anything
        ".sync-conflict-20240115-103000-ABCDEFG.md",
    ],
)
def test_ordinary_names_are_not_conflict_copies(path):
    assert conflict(path, {"Meeting.md": "x\n", "Chapter.md": "x\n"}) == []


def test_icloud_numbered_copies_are_reported_only_when_asked_and_only_beside_their_original():
    assert conflict("Chapter 2.md", {"Chapter.md": "x\n"}) == []
    found = conflict("Chapter 2.md", {"Chapter.md": "x\n"}, **{"numbered-copies": True})
    assert found == [
        "conflict copy left by iCloud Drive: it holds another version of `Chapter.md`; merge the two and delete it"
    ]
    assert conflict("Act 2.md", {"Chapter.md": "x\n"}, **{"numbered-copies": True}) == []
    assert conflict("Chapter 1.md", {"Chapter.md": "x\n"}, **{"numbered-copies": True}) == []
