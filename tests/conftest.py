"""Shared fixtures: small real vaults on disk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def write_vault(root: Path, files: dict[str, str | bytes], obsidian: bool = True) -> Path:
    """Write ``files`` (vault-relative path -> content) under ``root``; add ``.obsidian/``."""
    if obsidian:
        (root / ".obsidian").mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


_LEXICONS: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Compiled lexicons go to a folder of the session (and of every process it starts),
    never to the user's own cache -- set before collection, since a test module may check a
    vault while it is imported."""
    _LEXICONS["before"] = os.environ.get("VAULTKIT_LEXICON_DIR")
    _LEXICONS["folder"] = tempfile.mkdtemp(prefix="vaultkit-lexicons-")
    os.environ["VAULTKIT_LEXICON_DIR"] = _LEXICONS["folder"]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _LEXICONS.get("folder"):
        shutil.rmtree(_LEXICONS["folder"], ignore_errors=True)
    if _LEXICONS.get("before") is None:
        os.environ.pop("VAULTKIT_LEXICON_DIR", None)
    else:
        os.environ["VAULTKIT_LEXICON_DIR"] = _LEXICONS["before"] or ""


@pytest.fixture
def vault(tmp_path: Path):
    """``vault({"A.md": "..."})`` writes a vault in a temp folder and returns its root."""

    def make(files: dict[str, str | bytes], obsidian: bool = True) -> Path:
        return write_vault(tmp_path / "vault", files, obsidian)

    return make


@pytest.fixture(scope="session")
def shared() -> Path:
    """The read-only shared material beside the checkout; its absence is a failure, not a skip."""
    assert SHARED.is_dir(), f"{SHARED} is missing: the shared/ folder must sit beside the checkout"
    return SHARED


@pytest.fixture(scope="session")
def synthetic_vault(tmp_path_factory, shared: Path):
    """``synthetic_vault(notes, seed, defect_rate)`` -> (root, manifest): a vault written by
    ``shared/bench/make_vault.py`` (deterministic), made once per session for each argument set.
    Tests must not modify it; copy it first when they write."""
    made: dict[tuple[int, int, float | None], tuple[Path, dict]] = {}

    def make(notes: int, seed: int, defect_rate: float | None = None) -> tuple[Path, dict]:
        key = (notes, seed, defect_rate)
        if key not in made:
            root = tmp_path_factory.mktemp("synthetic") / f"v{notes}-{seed}"
            rate = () if defect_rate is None else ("--defect-rate", str(defect_rate))
            subprocess.run(
                [sys.executable, str(shared / "bench" / "make_vault.py"), str(root), "--notes", str(notes),
                 "--seed", str(seed), *rate],
                check=True,
                capture_output=True,
            )  # fmt: skip
            manifest = json.loads(root.with_name(root.name + ".manifest.json").read_text(encoding="utf-8"))
            made[key] = (root, manifest)
        return made[key]

    return make
