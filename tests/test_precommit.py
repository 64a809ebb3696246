"""The real pre-commit tool runs the hook from this repository against a small vault."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs in CI; `pytest -m 'not slow'` is the quick local suite

REPO = Path(__file__).resolve().parents[1]
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def precommit_env(tmp_path_factory):
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")))
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
    return env


def try_repo(vault_repo: Path, env: dict, hook: str = "vaultkit") -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PRE_COMMIT, "try-repo", str(REPO), hook], cwd=vault_repo, env=env, capture_output=True, text=True, timeout=900
    )


def test_bad_note_fails_the_commit_and_a_clean_one_passes(vault, precommit_env):
    repo = vault(
        {
            "Index.md": "---\ndate: 2024-01-01\n---\nWelcome.\n",
            "Other.md": "---\ndate:\n---\nAn old note with a problem nobody staged.\n",
        }
    )
    git(repo, "init", "-q")
    git(repo, "add", "Index.md", ".obsidian")
    git(repo, "commit", "-qm", "init")

    (repo / "Bad.md").write_text("---\ntags: [unclosed\n---\nBroken front matter.\n")
    git(repo, "add", "Bad.md")
    result = try_repo(repo, precommit_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Bad.md:2" in result.stdout and "invalid-front-matter" in result.stdout
    assert "Other.md" not in result.stdout  # only the files pre-commit passes are reported

    git(repo, "rm", "-q", "--cached", "Bad.md")
    (repo / "Good.md").write_text("---\ndate: 2024-02-02\n---\nA clean note.\n")
    git(repo, "add", "Good.md")
    result = try_repo(repo, precommit_env)
    assert result.returncode == 0, result.stdout + result.stderr
