r"""Generate vaultkit/data/mathjax_tex.tsv: the TeX commands and environments MathJax knows.

The list comes from MathJax's own documentation in the ``mathjax/MathJax-docs`` repository,
branch ``v3.2`` -- the documentation of the MathJax version Obsidian ships (3.2.2):

* "Supported TeX/LaTeX commands" (``input/tex/macros/index.rst``): the big table;
* each extension page (``input/tex/extensions/<package>.rst``) of the packages that the
  ``tex-chtml-full`` component loads, for its "implements the following macros / environments"
  lists, which name a few commands the big table misses (``\require``, ``\Aboxed``, ...);
* the ``textmacros`` page for the macros that also work in text mode (inside ``\text{}``).

Obsidian loads ``tex-chtml-full``: every package of MathJax's ``AllPackages`` except
``physics`` (see docs/obsidian-behaviour.md section 3); physics commands are still listed,
marked with their package, so that a message can say why they fail.  Only names and package
names are taken; nothing else of the documentation.

Usage (with a clone or bare mirror of mathjax/MathJax-docs)::

    python tools/gen_mathjax_commands.py --git-dir /path/to/MathJax-docs.git --ref v3.2

The output is committed; re-run this script only to move to another MathJax version.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

MACROS_RST = "input/tex/macros/index.rst"
TEXTMACROS_RST = "input/tex/extensions/textmacros.rst"
OUT = Path(__file__).resolve().parent.parent / "vaultkit" / "data" / "mathjax_tex.tsv"

ROW = re.compile(r"^\s*\* - (.*)$")
PACKAGES = re.compile(r"^\s*- ?(.*)$")
LITERAL = re.compile(r"``(.+?)``(?!`)")
# MathJax-src ts/input/tex/AllPackages.ts (3.2), the packages whose pages are read for commands.
ALL_PACKAGES = [
    "action",
    "ams",
    "amscd",
    "bbox",
    "boldsymbol",
    "braket",
    "bussproofs",
    "cancel",
    "cases",
    "centernot",
    "color",
    "colortbl",
    "colorv2",
    "configmacros",
    "empheq",
    "enclose",
    "extpfeil",
    "gensymb",
    "html",
    "mathtools",
    "mhchem",
    "newcommand",
    "noerrors",
    "noundefined",
    "physics",
    "require",
    "setoptions",
    "tagformat",
    "textcomp",
    "textmacros",
    "unicode",
    "upgreek",
    "verb",
]
IMPLEMENTS = re.compile(
    r"implements the following macros:(.*?)(?:And the following environments:(.*?))?\|-----\|", re.S
)


def git_show(git_dir: str, ref: str, path: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{ref}:{path}"], check=True, capture_output=True, text=True
    ).stdout


def rows(rst: str) -> list[tuple[str, str, list[str]]]:
    """(section title, first cell, packages of the second cell) for every list-table row."""
    found = []
    section = ""
    lines = rst.splitlines()
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()) and line.strip():
            section = line.strip()
        m = ROW.match(line)
        if not m:
            continue
        cell = m.group(1).strip()
        second = PACKAGES.match(lines[i + 1]) if i + 1 < len(lines) else None
        packages = re.findall(r"[A-Za-z0-9]+", second.group(1)) if second else []
        found.append((section, cell, packages))
    return found


def name_of(cell: str) -> str | None:
    """The command in a table cell: ``\\alpha`` -> \\alpha; the backslash-space row -> "\\ "."""
    m = LITERAL.search(cell)
    if m:
        return m.group(1)
    if cell.startswith("\\`"):  # the grave-accent row is written \` outside a literal
        return "\\`"
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git-dir", required=True, help="a clone or bare mirror of mathjax/MathJax-docs")
    ap.add_argument("--ref", default="v3.2")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args()
    commit = subprocess.run(
        ["git", f"--git-dir={a.git_dir}", "rev-parse", a.ref], check=True, capture_output=True, text=True
    ).stdout.strip()
    entries: dict[tuple[str, str], set[str]] = {}
    for section, cell, packages in rows(git_show(a.git_dir, a.ref, MACROS_RST)):
        name = name_of(cell)
        if name is None:
            continue
        kind = "env" if section == "Environments" else "macro"
        if name == "\\":  # the "backslash-space" row
            name = "\\ "
        entries.setdefault((kind, name), set()).update(p.lower() for p in packages)
    for package in ALL_PACKAGES:
        try:
            page = git_show(a.git_dir, a.ref, f"input/tex/extensions/{package}.rst")
        except subprocess.CalledProcessError:
            continue
        m = IMPLEMENTS.search(page)
        if not m:
            continue
        for kind, text in (("macro", m.group(1)), ("env", m.group(2) or "")):
            for name in LITERAL.findall(text):
                entries.setdefault((kind, name), set()).add(package)
    for _, cell, _ in rows(git_show(a.git_dir, a.ref, TEXTMACROS_RST)):
        name = name_of(cell)
        if name and name.startswith("\\"):
            entries.setdefault(("text", "\\ " if name == "\\" else name), set()).add("textmacros")
    header = [
        "# TeX commands and environments known to MathJax 3.2 (the version Obsidian ships).",
        f"# Generated by tools/gen_mathjax_commands.py from mathjax/MathJax-docs @ {a.ref} ({commit}):",
        f'#   {MACROS_RST} ("Supported TeX/LaTeX commands"), the "implements the following macros"',
        "#   lists of input/tex/extensions/<package>.rst, and the textmacros page for text mode.",
        "# Columns: kind (macro | env | text = usable inside \\text{} with textmacros), name,",
        "# packages that define it (comma-separated; empty means the base package).",
    ]
    body = [
        f"{kind}\t{name}\t{','.join(sorted(pk - {'base'} if pk <= {'base'} else pk))}"
        for (kind, name), pk in sorted(entries.items())
    ]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    print(f"{len(body)} entries -> {a.out}")


if __name__ == "__main__":
    main()
