"""requirements.txt lists what the code imports, and nothing it does not."""
from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
LOCAL = {"helpers", "tests", "benchmarks"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def listed() -> tuple[set[str], set[str]]:
    """(imported, tools) distribution names from requirements.txt's two sections."""
    imported, tools, section = set(), set(), None
    for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("# ---"):
            section = "tools" if "tools" in line else "imported"
            continue
        name = re.split(r"[<>=!~;\[ ]", line.split("#")[0].strip())[0]  # without versions
        if name and section:
            (tools if section == "tools" else imported).add(_normal(name))
    return imported, tools


def _modules(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def imported_modules() -> dict[str, set[str]]:
    """Top-level modules imported by our code -> the files that import them."""
    sources: dict[str, str] = {}
    for folder in ("helpers", "tests", "benchmarks"):
        for path in (REPO / folder).rglob("*.py"):
            sources[str(path.relative_to(REPO))] = path.read_text(encoding="utf-8")
    for path in (REPO / "report").rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(re.sub(r"^[%!].*$", "", c.source, flags=re.M)
                         for c in nb.cells if c.cell_type == "code")
        sources[str(path.relative_to(REPO))] = code
    out: dict[str, set[str]] = {}
    for name, source in sources.items():
        for module in _modules(source):
            out.setdefault(module, set()).add(name)
    return out


def third_party() -> dict[str, set[str]]:
    """Distribution -> files, for every imported module that is not ours or the stdlib."""
    dists = packages_distributions()
    out: dict[str, set[str]] = {}
    for module, files in imported_modules().items():
        if module in LOCAL or module in sys.stdlib_module_names or module == "__future__":
            continue
        assert module in dists, f"{module} (imported in {sorted(files)}) is not installed"
        for dist in dists[module]:
            out.setdefault(_normal(dist), set()).update(files)
    return out


def test_every_import_is_listed_and_every_listed_package_is_imported():
    imported, tools = listed()
    used = third_party()
    unlisted = {d: sorted(f) for d, f in used.items() if d not in imported}
    assert not unlisted, f"imported but not in requirements.txt: {unlisted}"
    unused = imported - set(used)
    assert not unused, f"listed as imported in requirements.txt but imported nowhere: {unused}"
    assert not imported & tools


def test_every_listed_package_is_pinned_in_the_lock():
    pinned = {_normal(line.split("==")[0]) for line in
              (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines()
              if "==" in line}
    imported, tools = listed()
    assert (imported | tools) - pinned == set()
