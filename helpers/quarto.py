"""Rendering with Quarto, where it is installed: detection and `quarto render`.

Quarto reads the executed book's copy of `_quarto.yml` (written by helpers.build) and
renders HTML and PDF with `--no-execute`: the notebooks arrive executed by papermill.

Quarto links require.js and jQuery from a CDN into every page of a notebook with an HTML
output, in case it is a JavaScript widget. The book's HTML outputs are static tables, and
the research servers have no network (offline, the inline `define(...)` that follows
fails), so those links are taken out again unless an output does carry JavaScript.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from helpers.config import BookError, load_executed

QUARTO_MIN_VERSION = (1, 9)


def quarto_version() -> tuple[int, ...] | None:
    """The installed Quarto's version, or None if `quarto` is not on PATH (or does not
    answer `--version`)."""
    exe = shutil.which("quarto")
    if not exe:
        return None
    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", proc.stdout.strip())
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def quarto_problem() -> str | None:
    """Why Quarto cannot render the book here (None when Quarto ≥ QUARTO_MIN_VERSION is on PATH)."""
    version = quarto_version()
    if version is None:
        return "Quarto er ikke installert (fant ikke `quarto` på PATH)"
    if version[:2] < QUARTO_MIN_VERSION:
        return (f"Quarto {'.'.join(map(str, version))} er for gammel; boka krever "
                f"Quarto ≥ {'.'.join(map(str, QUARTO_MIN_VERSION))}")
    return None


def render_quarto(book_dir: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """`quarto render --no-execute` the executed book in `book_dir`; copy its output into
    `out_dir` (created). Raises BookError when Quarto is missing, too old or fails."""
    problem = quarto_problem()
    if problem:
        raise BookError(f"{problem}; bruk --engine pandoc for pandoc + Typst")
    config_path, config, _ = load_executed(book_dir)
    project_dir = config_path.parent
    proc = subprocess.run(["quarto", "render", "--no-execute"], cwd=project_dir)
    if proc.returncode != 0:
        raise BookError(f"quarto render feilet i {project_dir}")
    rendered = project_dir / ((config.get("project") or {}).get("output-dir") or "_book")
    if not _outputs_carry_javascript(project_dir):
        for page in rendered.rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            offline = _WIDGET_SCRIPTS.sub("", text)
            if offline != text:
                page.write_text(offline, encoding="utf-8")
    out_dir = Path(out_dir)
    shutil.copytree(rendered, out_dir, dirs_exist_ok=True)
    return out_dir


# What Quarto (src/core/jupyter/widgets.ts) adds for possible JavaScript widgets.
_WIDGET_SCRIPTS = re.compile(
    r'<script src="https://cdn\.jsdelivr\.net/npm/(?:requirejs|jquery)@[^"]*"[^>]*></script>\n?'
    r"|<script type=\"application/javascript\">define\('jquery', \[\],\s*function\(\) "
    r"\{return window\.jQuery;\}\)</script>\n?")
_JAVASCRIPT_MIMES = ("application/javascript", "application/vnd.jupyter.widget-view+json")


def _outputs_carry_javascript(project_dir: Path) -> bool:
    """Whether any executed notebook of the book has an output that runs JavaScript."""
    for path in project_dir.rglob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                html = data.get("text/html", "")
                html = "".join(html) if isinstance(html, list) else html
                if any(m in data for m in _JAVASCRIPT_MIMES) or "<script" in html:
                    return True
    return False
