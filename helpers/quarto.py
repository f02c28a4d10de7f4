"""Rendering with Quarto, where it is installed: detection and `quarto render`.

Quarto reads the executed book's copy of `_quarto.yml` (written by helpers.build) and
renders HTML and PDF with `--no-execute`: the notebooks arrive executed by papermill.
"""
from __future__ import annotations

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
    out_dir = Path(out_dir)
    shutil.copytree(rendered, out_dir, dirs_exist_ok=True)
    return out_dir
