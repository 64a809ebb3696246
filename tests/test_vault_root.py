"""Which folder is the vault (issue 16): never the current directory, never a subfolder of a
vault, not past the git work tree; ``--verbose`` says why."""

from __future__ import annotations

import json
import subprocess

from conftest import write_vault
from support import run_cli

from vaultkit.vault.files import find_root

LINKS = "See [[Other]].\n"


def problems(*args: str) -> list[dict]:
    result = run_cli("check", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_the_current_directory_plays_no_part(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "x" / "vault", {"Note.md": LINKS, "Other.md": "hi\n"}, obsidian=False)
    write_vault(tmp_path / "elsewhere", {f"N{i}.md": "---\ndate:\n---\n" for i in range(5)}, obsidian=False)
    monkeypatch.chdir(tmp_path)
    assert find_root(vault / "Note.md").path == vault
    assert problems(str(vault / "Note.md")) == []
    result = run_cli("check", str(vault / "Note.md"), "-v", "-q")
    assert f"vault root {vault}: it is the folder of the file given" in result.stderr


def test_a_subfolder_of_a_vault_is_not_a_vault(vault):
    root = vault({"Some folder/Note.md": "[[Top]] and [[Deep]]\n", "Some folder/Deep.md": "x\n", "Top.md": "y\n"})
    (root / "Some folder" / ".vaultkit.toml").write_text("")
    assert find_root(root / "Some folder").path == root
    assert problems(str(root / "Some folder")) == []  # [[Top]] resolves: the vault is the whole vault


def test_the_search_stops_at_the_git_work_tree(tmp_path):
    (tmp_path / ".obsidian").mkdir()  # some vault far above the repository
    repo = write_vault(tmp_path / "notes-repo", {"a/Note.md": "[[Other]]\n", "b/Other.md": "x\n"}, obsidian=False)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    found = find_root(repo / "a" / "Note.md")
    assert found.path == repo and "git work tree" in found.why
    assert problems(str(repo / "a" / "Note.md")) == []


def test_sibling_vaults_under_one_parent_do_not_mix(tmp_path, monkeypatch):
    one = write_vault(tmp_path / "one", {"Home.md": "[[Page]]\n", "Page.md": "x\n"})
    write_vault(tmp_path / "two", {"Page.md": "y\n"})
    monkeypatch.chdir(tmp_path)
    assert problems(str(one / "Home.md")) == []  # no ambiguous-link against the other vault
    result = run_cli("check", str(one / "Home.md"), str(tmp_path / "two" / "Page.md"))
    assert result.exit_code == 2 and "different vaults" in result.stderr


def test_a_guessed_root_far_larger_than_the_request_is_warned_about(tmp_path):
    files = {f"bulk/N{i}.md": "x\n" for i in range(220)}
    files["Note.md"] = "fine\n"
    root = write_vault(tmp_path / "plain", files, obsidian=False)
    result = run_cli("check", str(root / "Note.md"), str(root / "bulk" / "N0.md"))
    assert "indexed 221 notes" in result.stderr and "pass --vault" in result.stderr
    marked = run_cli("check", str(root / "Note.md"), "--vault", str(root))
    assert "indexed" not in marked.stderr


def test_pyproject_tool_table_marks_a_vault(tmp_path):
    root = write_vault(tmp_path / "v", {"sub/Note.md": "x\n"}, obsidian=False)
    (root / "pyproject.toml").write_text('[tool.vaultkit]\nselect = ["VK1"]\n')
    assert find_root(root / "sub" / "Note.md").path == root


def test_undo_takes_the_vault_path_like_fix(vault, monkeypatch, tmp_path):
    root = vault({"A.md": "fine\n"})
    (root / "B.md").write_bytes(b"\xef\xbb\xbfhello\n")
    assert run_cli("fix", str(root)).exit_code == 0
    assert not (root / "B.md").read_bytes().startswith(b"\xef\xbb\xbf")
    monkeypatch.chdir(tmp_path)  # somewhere that is not the vault
    result = run_cli("undo", str(root))
    assert result.exit_code == 0 and "restored" in result.stdout
    assert (root / "B.md").read_bytes().startswith(b"\xef\xbb\xbf")
