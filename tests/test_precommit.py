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


def shadow_of_this_checkout(tmp_path: Path) -> tuple[Path, str]:
    """A git repository holding this checkout as it is now (committed or not), and its commit:
    what ``pre-commit try-repo`` does, for a configuration of our own."""
    shadow = tmp_path / "shadow"
    subprocess.run(["git", "clone", "-q", str(REPO), str(shadow)], check=True, capture_output=True)
    patch = subprocess.run(["git", "-C", str(REPO), "diff", "HEAD", "--binary"], check=True, capture_output=True).stdout
    if patch:
        subprocess.run(["git", "-C", str(shadow), "apply", "-"], input=patch, check=True, capture_output=True)
    git(shadow, "add", "-A")
    git(shadow, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "work in progress", "--allow-empty")
    rev = subprocess.run(["git", "-C", str(shadow), "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    return shadow, rev.stdout.strip()


def test_the_readme_hook_pair_reports_each_problem_once(vault, precommit_env, tmp_path):
    """The README's snippet, run by the real pre-commit: the fix hook lists only what it
    changed and fails because it changed a file; the check hook reports what is left; nothing
    is printed twice."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## pre-commit", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    shadow, rev = shadow_of_this_checkout(tmp_path)
    config = snippet.replace("https://github.com/vaultkit/vaultkit", str(shadow))
    config = "\n".join(f"    rev: {rev}" if line.strip().startswith("rev:") else line for line in config.splitlines())

    repo = vault({"Index.md": "Welcome.\n"})
    (repo / ".pre-commit-config.yaml").write_text(config + "\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    (repo / "BOM.md").write_bytes(b"\xef\xbb\xbfA note with a byte-order mark.\n")
    (repo / "Link.md").write_text("See [[Nowhere at all]].\n")
    git(repo, "add", "BOM.md", "Link.md")

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [*PRE_COMMIT, "run"], cwd=repo, env=precommit_env, capture_output=True, text=True, timeout=900
        )

    first = run()
    out = first.stdout
    assert first.returncode == 1, out + first.stderr
    fix_part, check_part = out.split("vaultkit (check Obsidian notes)", 1)
    assert "VK302" in fix_part and "Nowhere" not in fix_part  # the fix hook: only what it changed
    assert "Link.md:1:5: VK201" in check_part and "VK302" not in check_part  # the check hook: the rest
    assert out.count("Nowhere at all") == 1
    assert not (repo / "BOM.md").read_bytes().startswith(b"\xef\xbb\xbf")

    git(repo, "add", "BOM.md")
    second = run()
    fix_part, check_part = second.stdout.split("vaultkit (check Obsidian notes)", 1)
    assert "Passed" in fix_part and "Failed" in check_part, second.stdout  # nothing left to fix
