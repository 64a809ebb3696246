"""The house keeps its plan: no module imports from a layer above its own.

Layers, bottom-up (README, "Design"): model/errors/version -> text -> read -> vault -> api ->
check | rulekit (peers that never import each other) -> rules -> fix -> cli | watch | lsp
(fronts, which never import each other either, but for the commands that start them).  Built-in rules import only the api, the rule helpers and the
string algorithms.  Every import counts, including those inside functions and under
``TYPE_CHECKING``: a lazy import that climbs is still a tie the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "vaultkit"

# layer of each top-level part of the package; peers share a number but are listed in PEERS
LAYERS = {
    "model": 0,
    "errors": 0,
    "version": 0,
    "text": 1,
    "read": 2,
    "vault": 3,
    "api": 4,
    "check": 5,
    "rulekit": 5,
    "rules": 6,  # the built-in rule bundle, loaded by the engine only through its entry point
    "fix": 7,
    "cli": 8,
    "watch": 8,
    "lsp": 8,
    "__init__": 9,  # the package facade (lint_text, check_vault) sits on top of everything
    "__main__": 9,
}
PEERS = [{"check", "rulekit"}, {"cli", "watch", "lsp"}]
RULE_IMPORTS = ("vaultkit.api", "vaultkit.rulekit", "vaultkit.text")
# the CLI starts the other fronts (`vaultkit watch`, `vaultkit lsp`): a command is their door
FRONT_DOORS = {("cli", "watch"), ("cli", "lsp")}


def _part(module: str) -> str:
    """``vaultkit.read.parse`` -> ``read``; ``vaultkit`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        dotted = ".".join(("vaultkit", *rel.parts)).removesuffix(".__init__")
        found.append((dotted, path))
    found += [(f"vaultkit.rules.{p.stem}", p) for p in sorted((ROOT / "rules").glob("*.py"))]
    return found


def _imports(path: Path, module: str) -> list[str]:
    """Every vaultkit module ``path`` imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name == "vaultkit":  # `from vaultkit import x`: x may be a module or a name
                out += [f"vaultkit.{alias.name}" if (PACKAGE / alias.name).exists() or
                        (PACKAGE / f"{alias.name}.py").exists() else "vaultkit" for alias in node.names]  # fmt: skip
            else:
                out.append(name)
    return [name for name in out if name == "vaultkit" or name.startswith("vaultkit.")]


def _violation(module: str, imported: str) -> str | None:
    mine, theirs = _part(module), _part(imported)
    if mine not in LAYERS:
        return f"{module}: its part {mine!r} has no layer; add it to the README's design and to LAYERS"
    if theirs not in LAYERS:
        return f"{module} imports {imported}, whose part {theirs!r} has no layer"
    if mine == theirs:
        return None
    if mine == "rules" and not imported.startswith(RULE_IMPORTS):
        return f"{module} is a rule and imports {imported}: rules import only {', '.join(RULE_IMPORTS)}"
    if (mine, theirs) in FRONT_DOORS:
        return None
    if any({mine, theirs} <= peers for peers in PEERS):
        return f"{module} ({mine}) imports its peer {imported} ({theirs})"
    if LAYERS[theirs] > LAYERS[mine]:
        return f"{module} ({mine}, layer {LAYERS[mine]}) imports {imported} ({theirs}, layer {LAYERS[theirs]})"
    return None


def test_no_module_imports_from_a_higher_layer():
    problems = [
        problem
        for module, path in _modules()
        for imported in _imports(path, module)
        if (problem := _violation(module, imported))
    ]
    assert problems == []


def test_every_part_of_the_package_has_a_layer():
    parts = {_part(module) for module, _ in _modules()}
    assert parts <= set(LAYERS), parts - set(LAYERS)


@pytest.mark.parametrize(
    ("module", "imported", "expected"),
    [
        ("vaultkit.read.decode", "vaultkit.rulekit.encoding", "layer"),
        ("vaultkit.check.engine", "vaultkit.rulekit.links", "peer"),
        ("vaultkit.rules.mojibake", "vaultkit.check.engine", "rules import only"),
        ("vaultkit.watch.daemon", "vaultkit.cli.common", "peer"),
        ("vaultkit.model", "vaultkit.text.headings", "layer"),
        ("vaultkit.text.headings", "vaultkit.model", None),
        ("vaultkit.rules.mojibake", "vaultkit.rulekit.encoding", None),
        ("vaultkit.cli.watch", "vaultkit.watch.daemon", None),
    ],
)
def test_the_checker_catches_a_tie_the_wrong_way(module, imported, expected):
    found = _violation(module, imported)
    if expected is None:
        assert found is None
    else:
        assert found is not None and expected in found


def test_imports_inside_functions_and_type_checking_blocks_are_seen(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vaultkit.check.engine import Problem\n"
        "def f():\n    from ..fix import loop\n    import vaultkit.cli.common\n"
    )
    assert set(_imports(source, "vaultkit.read.parse")) == {
        "vaultkit.check.engine",
        "vaultkit.fix",
        "vaultkit.cli.common",
    }


def test_code_cites_no_document_outside_the_repository():
    # a clone has only its own docs: comments cite public sources or docs/ in this repository
    cited = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("vaultkit", "rules", "bench", "tools")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "shared/docs" in line or "semantics doc" in line or "obsidian-semantics" in line
    ]
    assert cited == []
