"""The book's configuration: `_quarto.yml` as the build and both renderers read it.

`_quarto.yml` is the single statement of the book (title, chapters, appendices, formats).
Quarto reads it directly; `helpers.build` copies it into the executed book, and
`helpers.render` (pandoc + Typst) reads the same keys from that copy.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = "_quarto.yml"
MANIFEST_FILE = "_book.json"  # written last by helpers.build.execute: config path, extract facts


class BookError(RuntimeError):
    """The book could not be executed or rendered; the message says where and why."""


@dataclass(frozen=True)
class Chapter:
    """One chapter file, relative to the folder of `_quarto.yml`."""
    path: str
    appendix: bool = False


def read_config(config_path: str | os.PathLike) -> dict:
    """The parsed `_quarto.yml`."""
    return yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}


def _flatten(entries) -> list[str]:
    """Chapter entries to paths (Quarto allows parts: {part: ..., chapters: [...]})."""
    paths: list[str] = []
    for entry in entries or []:
        if isinstance(entry, str):
            paths.append(entry)
        elif isinstance(entry, dict):
            if "href" in entry:
                paths.append(entry["href"])
            paths.extend(_flatten(entry.get("chapters")))
    return paths


def book_chapters(config: dict | str | os.PathLike) -> list[Chapter]:
    """Chapters then appendices, in book order, as listed in `_quarto.yml`."""
    if not isinstance(config, dict):
        config = read_config(config)
    book = config.get("book") or {}
    return ([Chapter(p) for p in _flatten(book.get("chapters"))]
            + [Chapter(p, appendix=True) for p in _flatten(book.get("appendices"))])


def format_options(config: dict, name: str) -> dict:
    """format.<name> of the config as a dict (also when given as `html: default`)."""
    value = (config.get("format") or {}).get(name)
    return value if isinstance(value, dict) else {}


def pdf_name(config: dict) -> str:
    """File name of the PDF: book.output-file + .pdf (what Quarto names it), else the book
    title as an ASCII slug."""
    book = config.get("book") or {}
    if book.get("output-file"):
        return Path(str(book["output-file"])).stem + ".pdf"
    title = str(book.get("title") or "bok").lower()
    for a, b in (("æ", "ae"), ("ø", "o"), ("å", "a")):
        title = title.replace(a, b)
    return (re.sub(r"[^a-z0-9]+", "-", title).strip("-") or "bok") + ".pdf"


def load_executed(book_dir: str | os.PathLike) -> tuple[Path, dict, dict]:
    """(config path, config, manifest) of an executed book in `book_dir`."""
    book_dir = Path(book_dir)
    manifest_file = book_dir / MANIFEST_FILE
    manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.is_file() else {}
    config_path = book_dir / manifest.get("config", CONFIG_FILE)
    if not config_path.is_file():
        raise BookError(f"Fant ikke {config_path}: kjør først `python -m helpers book "
                        f"--extract DIR --execute-only` (no executed book in {book_dir})")
    return config_path, read_config(config_path), manifest
