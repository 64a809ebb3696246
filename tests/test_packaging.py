"""The wheel ships the rules as vaultkit.rules and never as a top-level ``rules`` package."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs in CI; `pytest -m 'not slow'` is the quick local suite

REPO = Path(__file__).resolve().parents[1]


def test_wheel_maps_rules_into_the_package(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("obsidian_vaultkit-*.whl")  # the distribution's name; the package is vaultkit
    names = zipfile.ZipFile(wheel).namelist()
    assert "vaultkit/rules/__init__.py" in names
    assert "vaultkit/rules/empty_date.py" in names
    assert not [n for n in names if n.startswith("rules/")], "a top-level rules package leaked into the wheel"
    top_level = {n.split("/", 1)[0] for n in names if not n.startswith("obsidian_vaultkit-")}
    assert top_level == {"vaultkit"}
    sources = {f"vaultkit/{p.relative_to(REPO / 'vaultkit').as_posix()}" for p in (REPO / "vaultkit").rglob("*.py")}
    sources |= {f"vaultkit/rules/{p.name}" for p in (REPO / "rules").glob("*.py")}
    assert sources - set(names) == set(), "modules missing from the wheel (list new packages in pyproject.toml)"
    plugin = {"vaultkit/data/obsidian-plugin/" + name for name in ("main.js", "manifest.json", "styles.css")}
    assert plugin <= set(names), "the built Obsidian plugin is missing from the wheel"
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "core = vaultkit.rules:RULES" in zipfile.ZipFile(wheel).read(entry_points).decode()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "\nName: obsidian-vaultkit\n" in metadata


def test_nothing_imports_a_top_level_rules_package():
    offenders = []
    for path in REPO.rglob("*.py"):
        if ".venv" in path.parts or "build" in path.parts:
            continue
        if re.search(r"^\s*(from|import)\s+rules(\.|\s|$)", path.read_text(encoding="utf-8"), re.MULTILINE):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
