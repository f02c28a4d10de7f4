"""Rendering an executed book without Quarto: pandoc for HTML, pandoc + Typst for the PDF.

Reads the executed book's copy of `_quarto.yml` (helpers.config) and renders
`render_html` (one page per chapter, report/_pandoc/book.html and book.css) and
`render_pdf` (one Typst document through the `typst` package, report/_pandoc/book.typ).
Lua filters in report/_pandoc/ turn great-tables HTML into real tables and apply the
book's conventions. Every intermediate file is written inside the executed book's folder,
never to the system's temporary folder: it holds outputs made from the extract.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers.config import (
    REPO_ROOT,
    BookError,
    Chapter,
    book_chapters,
    format_options,
    load_executed,
)
from helpers.prose import norwegian_date
from helpers.report import SYNTHETIC_TITLE, synthetic_text
from helpers.tables import TABLE_DATA_FOLDER

PANDOC_DIR = REPO_ROOT / "report" / "_pandoc"

# Markdown extensions for notebook cells: what Quarto's markdown understands.
READER = "ipynb+" + "+".join((
    "fenced_divs", "header_attributes", "bracketed_spans", "native_divs", "native_spans",
    "fenced_code_attributes", "footnotes", "inline_notes", "implicit_figures",
    "link_attributes", "definition_lists", "table_captions", "simple_tables",
    "multiline_tables", "grid_tables", "raw_attribute", "superscript", "subscript",
    "fancy_lists", "startnum", "smart",
))
REMOVE_CELL_TAGS = {"remove-cell", "remove_cell", "injected-parameters", "parameters"}
REMOVE_INPUT_TAGS = {"remove-input", "remove_input", "remove-code", "hide-input", "hide-code"}
REMOVE_OUTPUT_TAGS = {"remove-output", "remove_output", "hide-output"}
MIME_ORDER = {
    # As Quarto chooses: HTML prefers text/html, every other format text/markdown.
    "html": ("text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg",
             "text/plain"),
    # Typst: an HTML table first (gt_tables.lua makes it a real table; a BookTable's
    # text/markdown copy of it is for Quarto), then markdown.
    "typst": ("text/html+table", "text/markdown", "image/svg+xml", "image/png", "image/jpeg",
              "text/plain", "text/html"),
}


_OPTION = re.compile(r"^\s*#\|\s?(.*)$")


def cell_options(source: str) -> tuple[dict, str]:
    """Quarto `#| key: value` options at the top of a code cell, and the rest of it."""
    lines = source.splitlines()
    options: dict = {}
    index = 0
    for index, line in enumerate(lines):  # noqa: B007 (index is read after the loop)
        match = _OPTION.match(line)
        if not match:
            break
        try:
            parsed = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, dict):
            options.update(parsed)
    else:
        index = len(lines)
    return options, "\n".join(lines[index:])


def _pick_output(data: dict, target: str) -> dict:
    """Keep the one representation of a rich output that `target` should show."""
    for mime in MIME_ORDER[target]:
        if mime == "text/html+table":
            html = data.get("text/html")
            html = "".join(html) if isinstance(html, list) else html
            if html and "<table" in html:
                return {"text/html": data["text/html"]}
        elif mime in data:
            return {mime: data[mime]}
    return {}


def prepare_notebook(nb, target: str, echo: bool = True, warning: bool = True):
    """A copy of the executed notebook `nb` reduced to what pandoc should render.

    Drops removed cells (parameters, remove-cell, `#| include: false`), hidden code
    (`#| echo: false`, remove-input, or `echo` false for this format), hidden outputs,
    errors and (if `warning` is false) stderr, and keeps one representation per output.
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "raw":
            continue
        if cell.cell_type == "markdown":
            cell.metadata = {}
            cells.append(cell)
            continue
        options, body = cell_options(cell.source)
        if tags & REMOVE_CELL_TAGS or options.get("include") is False:
            continue
        show_code = options.get("echo", echo) is True and not tags & REMOVE_INPUT_TAGS
        cell.source = body if show_code else ""
        outputs = []
        if options.get("output", True) is not False and not tags & REMOVE_OUTPUT_TAGS:
            for out in cell.get("outputs", []):
                if out.output_type == "stream":
                    if out.get("name") == "stderr" and options.get("warning", warning) is False:
                        continue
                    outputs.append(out)
                elif out.output_type in ("display_data", "execute_result"):
                    data = _pick_output(out.get("data", {}), target)
                    if data:
                        out.data = data
                        out.metadata = {}
                        outputs.append(out)
        cell.outputs = outputs
        cell.metadata = {}
        if cell.source or outputs:
            cells.append(cell)
    nb.cells = cells
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
    return nb


def _pandoc() -> str:
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        path = shutil.which("pandoc")
        if not path:
            raise BookError("pandoc finnes ikke: installer pypandoc-binary") from None
        return path


def _run_pandoc(args: list[str], cwd: Path) -> str:
    proc = subprocess.run([_pandoc(), *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BookError(f"pandoc feilet ({' '.join(args[:2])} …):\n{proc.stderr.strip()}")
    return proc.stdout


_HEADING = re.compile(r"^#\s+(.+?)\s*(\{[^}]*\})?\s*$", re.M)


@dataclass
class _Page:
    chapter: Chapter
    source: Path
    title: str
    number: str
    href: str


def _pages(config_path: Path, config: dict) -> list[_Page]:
    """Chapters with title (first level-1 heading), number and HTML file name."""
    import nbformat

    pages: list[_Page] = []
    number, letter = 0, 0
    for chapter in book_chapters(config):
        source = config_path.parent / chapter.path
        if not source.is_file():
            raise BookError(f"Kapittelet {chapter.path} finnes ikke i {config_path.parent}")
        nb = nbformat.read(source, as_version=4)
        title, unnumbered = Path(chapter.path).stem, False
        for cell in nb.cells:
            match = _HEADING.search(cell.source) if cell.cell_type == "markdown" else None
            if match:
                title = match.group(1)
                attrs = match.group(2) or ""
                unnumbered = ".unnumbered" in attrs or re.search(r"[{\s]-[\s}]", attrs) is not None
                break
        if unnumbered:
            label = ""
        elif chapter.appendix:
            letter += 1
            label = chr(ord("A") + letter - 1)
        else:
            number += 1
            label = str(number)
        stem = Path(chapter.path).stem
        href = "index.html" if not pages else f"{stem}.html"
        if any(p.href == href for p in pages):
            raise BookError(f"To kapitler gir samme side {href}: gi notatbøkene ulike navn")
        pages.append(_Page(chapter, source, title, label, href))
    return pages


def _book_meta(config: dict, manifest: dict) -> dict:
    book = config.get("book") or {}
    meta = manifest.get("meta") or {}
    out = {
        "title": book.get("title", ""),
        "subtitle": book.get("subtitle", ""),
        "author": ", ".join(book["author"]) if isinstance(book.get("author"), list)
        else str(book.get("author") or ""),
        "lang": config.get("lang", "nb"),
    }
    if meta.get("kilde") == "syntetisk":
        out["data-notice-title"] = SYNTHETIC_TITLE
        out["data-notice"] = synthetic_text(meta)
    if meta.get("uttrekksdato"):
        out["date"] = f"Uttrekksdato {norwegian_date(meta['uttrekksdato'])}"
    return out


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

def render_html(build_dir: str | os.PathLike, out_dir: str | os.PathLike,
                pdf_name: str | None = None) -> Path:
    """Render the executed book in `build_dir` as HTML pages in `out_dir`; return index.html."""
    import nbformat

    config_path, config, manifest = load_executed(build_dir)
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    html_opts = format_options(config, "html")
    book = _book_meta(config, manifest)
    pages = _pages(config_path, config)
    shutil.copyfile(PANDOC_DIR / "book.css", out_dir / "book.css")
    data = config_path.parent / TABLE_DATA_FOLDER  # the tables as data (helpers.build)
    if data.is_dir():
        shutil.copytree(data, out_dir / TABLE_DATA_FOLDER, dirs_exist_ok=True)

    def nav(pages_, current):
        return [{"href": p.href, "title": p.title, "number": p.number,
                 "current": p is current} for p in pages_]

    tmp = Path(build_dir).resolve() / "_html"  # notebooks with outputs: inside the build
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    def render(i: int) -> None:
        page = pages[i]
        nb = prepare_notebook(nbformat.read(page.source, as_version=4), "html",
                              echo=html_opts.get("echo", True) is not False,
                              warning=html_opts.get("warning", True) is not False)
        nb_file = tmp / f"{i:02d}.ipynb"
        nbformat.write(nb, nb_file)
        meta = {
            "pagetitle": page.title,
            "book-title": book["title"], "book-subtitle": book["subtitle"],
            "book-home": pages[0].href, "lang": book["lang"],
            "nav-chapters": nav([p for p in pages if not p.chapter.appendix], page),
            "nav-appendices": nav([p for p in pages if p.chapter.appendix], page),
            "chapter-number": page.number,
            "code-fold": bool(html_opts.get("code-fold", False)),
            "code-summary": html_opts.get("code-summary", "Vis kode"),
            "toc-title": "På denne siden",
        }
        for key in ("data-notice", "data-notice-title", "date"):
            if key in book:
                meta[key] = book[key]
        if pdf_name:
            meta["pdf-href"] = pdf_name
        if i > 0:
            meta["prev"] = {"href": pages[i - 1].href, "title": pages[i - 1].title}
        if i + 1 < len(pages):
            meta["next"] = {"href": pages[i + 1].href, "title": pages[i + 1].title}
        meta_file = tmp / f"{i:02d}.json"
        meta_file.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        _run_pandoc([
            str(nb_file), "-f", READER, "-t", "html5", "-o", str(out_dir / page.href),
            "--template", str(PANDOC_DIR / "book.html"),
            "--lua-filter", str(PANDOC_DIR / "gt_tables.lua"),
            "--lua-filter", str(PANDOC_DIR / "book.lua"),
            "--metadata-file", str(meta_file), "--css", "book.css",
            "--toc", "--toc-depth", str(html_opts.get("toc-depth", 3)),
            "--extract-media", "figurer", "--wrap", "none",
        ], cwd=out_dir)

    with ThreadPoolExecutor(max_workers=min(8, len(pages))) as pool:
        list(pool.map(render, range(len(pages))))
    return out_dir / pages[0].href


# ---------------------------------------------------------------------------
# PDF (pandoc -> Typst -> typst package)
# ---------------------------------------------------------------------------

_APPENDIX_TYPST = ('#counter(heading).update(0)\n'
                   '#set heading(numbering: "A.1", supplement: [Vedlegg])')


def render_pdf(build_dir: str | os.PathLike, out_pdf: str | os.PathLike) -> Path:
    """Render the executed book in `build_dir` as one PDF at `out_pdf`; return its path.

    The Typst source is kept in `build_dir/_typst/book.typ` for inspection.
    """
    import nbformat
    import typst

    build_dir = Path(build_dir).resolve()
    config_path, config, manifest = load_executed(build_dir)
    typst_opts = format_options(config, "typst")
    pages = _pages(config_path, config)
    work = build_dir / "_typst"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    def to_json(i: int) -> dict:
        nb = prepare_notebook(nbformat.read(pages[i].source, as_version=4), "typst",
                              echo=typst_opts.get("echo", True) is not False,
                              warning=typst_opts.get("warning", True) is not False)
        nb_file = work / f"{i:02d}.ipynb"
        nbformat.write(nb, nb_file)
        out = _run_pandoc([nb_file.name, "-f", READER, "-t", "json",
                           "--extract-media", f"media/{i:02d}"], cwd=work)
        return json.loads(out)

    with ThreadPoolExecutor(max_workers=min(8, len(pages))) as pool:
        docs = list(pool.map(to_json, range(len(pages))))
    blocks: list = []
    in_appendix = False
    for page, doc in zip(pages, docs):
        if page.chapter.appendix and not in_appendix:
            blocks.append({"t": "RawBlock", "c": ["typst", _APPENDIX_TYPST]})
            in_appendix = True
        blocks.extend(doc["blocks"])
    combined = {"pandoc-api-version": docs[0]["pandoc-api-version"], "meta": {}, "blocks": blocks}
    (work / "book.json").write_text(json.dumps(combined), encoding="utf-8")

    book = _book_meta(config, manifest)
    meta = {k: v for k, v in book.items() if v}
    meta.update({
        "papersize": typst_opts.get("papersize", "a4"),
        "toc": typst_opts.get("toc", True) is not False,
        "toc-depth": typst_opts.get("toc-depth", 2),
        "toc-title": "Innhold",
        "section-numbering": typst_opts.get("section-numbering", "1.1.1"),
        "page-numbering": str(typst_opts.get("page-numbering", "1")),
        "echo": typst_opts.get("echo", True) is not False,
    })
    (work / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    _run_pandoc([
        "book.json", "-f", "json", "-t", "typst", "-o", "book.typ", "--standalone",
        "--template", str(PANDOC_DIR / "book.typ"),
        "--lua-filter", str(PANDOC_DIR / "gt_tables.lua"),
        "--lua-filter", str(PANDOC_DIR / "book.lua"),
        "--metadata-file", "meta.json", "--wrap", "preserve",
    ], cwd=work)

    out_pdf = Path(out_pdf).resolve()
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    try:
        typst.compile(str(work / "book.typ"), output=str(out_pdf), root=str(work),
                      ignore_system_fonts=True)
    except Exception as exc:  # typst raises its own TypstError with the location
        raise BookError(f"Typst kunne ikke lage PDF fra {work / 'book.typ'}:\n{exc}") from None
    return out_pdf
