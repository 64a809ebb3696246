"""Shared fixtures: small real vaults on disk."""

from __future__ import annotations

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
