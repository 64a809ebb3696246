"""SARIF output passes the official validator (``@microsoft/sarif-multitool`` from npm), with
paths that are real URIs even when note names hold spaces, CJK letters or ``%`` (issue 16)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from support import run_cli

NAMES = ("Café 100%.md", "数学 笔记.md", "Folder #1/Note.md")


@pytest.fixture(scope="module")
def multitool(tmp_path_factory) -> Path:
    """The SARIF multitool, installed from npm into a throw-away folder."""
    npm = shutil.which("npm")
    assert npm, "npm is needed to install the official SARIF validator"
    folder = tmp_path_factory.mktemp("sarif-multitool")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", "@microsoft/sarif-multitool@5"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=600,
    )
    # npm may not run the package's postinstall (which only marks the binary executable)
    (binary,) = (folder / "node_modules" / "@microsoft").glob("sarif-multitool-*/Sarif.Multitool")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def sarif_of(vault, monkeypatch) -> tuple[Path, Path]:
    root = vault({name: "---\ndate:\n---\n[[Nowhere]]\n" for name in NAMES})
    monkeypatch.chdir(root.parent)
    out = root.parent / "out.sarif"
    result = run_cli("check", "vault", "--format", "sarif", "--output-file", str(out))
    assert result.exit_code == 1, result.output
    return root, out


def test_sarif_uris_are_percent_encoded_with_a_base(vault, monkeypatch):
    root, out = sarif_of(vault, monkeypatch)
    run = json.loads(out.read_text(encoding="utf-8"))["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"vault/Caf%C3%A9%20100%25.md", "vault/%E6%95%B0%E5%AD%A6%20%E7%AC%94%E8%AE%B0.md",
                    "vault/Folder%20%231/Note.md"}  # fmt: skip
    bases = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] for r in run["results"]}
    assert bases == {"%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.parent.as_uri() + "/"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["VK102"]["helpUri"].endswith("/rules/empty_date.py")
    assert "## What it does" in rules["VK102"]["fullDescription"]["text"]


@pytest.mark.slow
def test_the_official_validator_accepts_the_output(vault, monkeypatch, multitool):
    _, out = sarif_of(vault, monkeypatch)
    log_file = out.with_suffix(".log")
    # The validator also tries to GET every URI it sees (rule SARIF2006, a note); a dead proxy
    # keeps the test off the network, as the project's tests must be.
    offline = dict(os.environ, HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", NO_PROXY="")
    proc = subprocess.run(
        [str(multitool), "validate", str(out), "--output", str(log_file), "--log", "ForceOverwrite",
         "--level", "Error;Warning"],
        capture_output=True,
        text=True,
        timeout=300,
        env=offline,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " error " not in proc.stdout and "SARIF1002" not in proc.stdout, proc.stdout
    log = json.loads(log_file.read_text(encoding="utf-8-sig"))
    assert [r for run in log["runs"] for r in run["results"] if r.get("level", "warning") == "error"] == []
