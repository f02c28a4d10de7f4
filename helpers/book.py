"""Executing and rendering the book: papermill, then Quarto or pandoc + Typst.

`_quarto.yml` is the single statement of the book (title, chapters, appendices,
formats). `quarto render` reads it directly; without Quarto the same file drives
`render_html` (pandoc, one page per chapter) and `render_pdf` (pandoc -> Typst ->
PDF through the `typst` package). Templates and Lua filters are in report/_pandoc/.

    python -m helpers book --extract data/synthetic            # execute + HTML + PDF
    python -m helpers book --extract DIR --execute-only        # executed notebooks only
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers.files import atomic_path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = "_quarto.yml"
PANDOC_DIR = REPO_ROOT / "report" / "_pandoc"
MANIFEST_FILE = "_book.json"  # written by execute(): where the build's config is, extract facts
QUARTO_MIN_VERSION = (1, 9)

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
    "html": ("text/markdown", "text/html", "image/svg+xml", "image/png", "image/jpeg",
             "text/plain"),
    "typst": ("text/markdown", "text/html+table", "image/svg+xml", "image/png", "image/jpeg",
              "text/plain", "text/html"),
}
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
          "september", "oktober", "november", "desember")
SYNTHETIC_TITLE = "Syntetiske data"


class BookError(RuntimeError):
    """The book could not be executed or rendered; the message says where and why."""


# ---------------------------------------------------------------------------
# The data banner shown at the top of every chapter
# ---------------------------------------------------------------------------

def _norwegian_date(value) -> str:
    """'2020-12-31' -> '31. desember 2020' (input returned unchanged if not a date)."""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not match:
        return str(value or "")
    year, month, day = (int(g) for g in match.groups())
    return f"{day}. {MONTHS[month - 1]} {year}"


def _synthetic_text(meta: dict) -> str:
    date = _norwegian_date(meta.get("uttrekksdato"))
    dated = f" (uttrekksdato {date})" if date else ""
    return (f"Alle tall, tabeller og figurer i denne rapporten er beregnet fra et syntetisk "
            f"uttrekk{dated}, ikke fra NAVs registre. De viser hvordan analysene virker, men "
            f"sier ingenting om hvordan det faktisk går med deltakerne i tiltakene.")


def banner_markdown(extract) -> str:
    """The data notice for `extract` as Markdown: a warning callout when synthetic."""
    meta = dict(getattr(extract, "meta", None) or {})
    if getattr(extract, "is_synthetic", meta.get("kilde") == "syntetisk"):
        return (f'::: {{.callout-warning .data-banner title="{SYNTHETIC_TITLE}"}}\n'
                f"{_synthetic_text(meta)}\n:::\n")
    parts = ["**Datakilde:** registeruttrekk fra NAV"]
    if meta.get("uttrekksdato"):
        parts.append(f" per {_norwegian_date(meta['uttrekksdato'])}")
    parts.append(".")
    if meta.get("beskrivelse"):
        parts.append(f" {str(meta['beskrivelse']).strip()}")
    return "::: {.data-source}\n" + "".join(parts) + "\n:::\n"


def data_banner(extract) -> None:
    """Display the data notice (synthetic-data warning or data source line) in a notebook."""
    from IPython.display import Markdown, display

    display(Markdown(banner_markdown(extract)))


# ---------------------------------------------------------------------------
# The book's configuration
# ---------------------------------------------------------------------------

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


def _format_options(config: dict, name: str) -> dict:
    """format.<name> of the config as a dict (also when given as `html: default`)."""
    value = (config.get("format") or {}).get(name)
    return value if isinstance(value, dict) else {}


def _load_book(build_dir: Path) -> tuple[Path, dict, dict]:
    """(config path, config, manifest) of an executed book in `build_dir`."""
    build_dir = Path(build_dir)
    manifest_file = build_dir / MANIFEST_FILE
    manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.is_file() else {}
    config_path = build_dir / manifest.get("config", CONFIG_FILE)
    if not config_path.is_file():
        raise BookError(f"Fant ikke {config_path}: kjør først `python -m helpers book "
                        f"--extract DIR --execute-only` (no executed book in {build_dir})")
    return config_path, read_config(config_path), manifest


# ---------------------------------------------------------------------------
# Execution (papermill)
# ---------------------------------------------------------------------------

@contextmanager
def _pythonpath(path: Path):
    """Let kernels started inside the block import `helpers` from this repository."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(path)] + ([old] if old else []))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


def _quarto_project_dir(chapters: list[Chapter]) -> Path:
    """The folder that must hold `_quarto.yml` for Quarto: the one of the index chapter."""
    first = Path(chapters[0].path)
    if first.stem != "index":
        raise BookError(f"Første kapittel må være index (Quarto krever det), fant {first}")
    project = first.parent
    for ch in chapters:
        if project not in Path(ch.path).parents:
            raise BookError(f"{ch.path} ligger ikke under {project}/, der Quarto-prosjektet er")
    return project


def _build_config(config: dict, project: Path, meta: dict) -> dict:
    """The config copied into the build: chapter paths relative to the Quarto project."""
    config = copy.deepcopy(config)
    book = config.setdefault("book", {})

    def rebase(entries):
        out = []
        for entry in entries or []:
            if isinstance(entry, str):
                out.append(Path(entry).relative_to(project).as_posix())
            elif isinstance(entry, dict):
                entry = dict(entry)
                if "href" in entry:
                    entry["href"] = Path(entry["href"]).relative_to(project).as_posix()
                if "chapters" in entry:
                    entry["chapters"] = rebase(entry["chapters"])
                out.append(entry)
        return out

    for key in ("chapters", "appendices"):
        if key in book:
            book[key] = rebase(book[key])
    if meta.get("kilde") == "syntetisk":
        # Quarto PDF: the synthetic-data notice before the first chapter too.
        typst = config.setdefault("format", {}).setdefault("typst", {})
        if isinstance(typst, dict):
            typst["include-before-body"] = ["_data_notice.typ"]
    return config


def _hide_injected_parameters(path: Path) -> None:
    """Tag papermill's injected-parameters cell `remove-cell` so no renderer shows it."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, path)


def _keep_failed(notebook: Path) -> Path:
    """Copy a notebook that failed out of the temporary build (deleted on failure)."""
    kept = Path(tempfile.mkdtemp(prefix="book-feilet-")) / notebook.name
    shutil.copyfile(notebook, kept)
    return kept


def execute(extract_dir: str | os.PathLike, build_dir: str | os.PathLike = "_build",
            config_path: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Run every chapter notebook with papermill (EXTRACT = the extract folder); all or nothing.

    The extract is first loaded and checked against the data contract
    (helpers.contract.load_extract), so a malformed extract raises ContractError, listing
    every file/column/rule problem, before any kernel starts. Each notebook runs in its
    own folder and is written under the same relative path into a temporary folder that
    replaces `build_dir` only when every notebook has run (helpers.files.atomic_path);
    the manifest `_book.json` is written last. After a failure `build_dir` is exactly as
    it was, and the failed notebook is kept in a temporary folder named in the error.
    `build_dir` is a Quarto project (its `_quarto.yml` sits beside the index chapter)
    that `render_*` can read; it holds the chapters of `_quarto.yml` and nothing else.
    Returns `build_dir`.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from tqdm.auto import tqdm

    from helpers.contract import load_extract

    extract_dir = Path(extract_dir).resolve()
    build_dir = Path(build_dir).resolve()
    meta = load_extract(extract_dir).meta  # ContractError: every problem, before any kernel
    config_path = Path(config_path or REPO_ROOT / CONFIG_FILE).resolve()
    source_root = config_path.parent
    config = read_config(config_path)
    chapters = book_chapters(config)
    if not chapters:
        raise BookError(f"{config_path} lister ingen kapitler (book.chapters)")
    project = _quarto_project_dir(chapters)
    for chapter in chapters:
        if not (source_root / chapter.path).is_file():
            raise BookError(f"Kapittelet {chapter.path} finnes ikke ({source_root / chapter.path})")

    with atomic_path(build_dir) as tmp, _pythonpath(REPO_ROOT):
        project_dir = tmp / project
        project_dir.mkdir(parents=True)
        (project_dir / CONFIG_FILE).write_text(
            "# Generated by helpers/book.py from the repository's _quarto.yml: do not edit.\n"
            + yaml.safe_dump(_build_config(config, project, meta), allow_unicode=True,
                             sort_keys=False),
            encoding="utf-8")
        if meta.get("kilde") == "syntetisk":
            (project_dir / "_data_notice.typ").write_text(
                f'#block(width: 100%, fill: rgb("#fff7ed"), inset: 10pt, stroke: (left: 3pt + '
                f'rgb("#b45309")))[*{SYNTHETIC_TITLE}.* {_synthetic_text(meta)}]\n',
                encoding="utf-8")
        bar = tqdm(chapters, desc="Kjører kapitler", unit="notatbok", disable=not progress)
        for chapter in bar:
            source = source_root / chapter.path
            target = tmp / chapter.path
            bar.set_postfix_str(chapter.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                papermill.execute_notebook(
                    str(source), str(target), parameters={"EXTRACT": str(extract_dir)},
                    cwd=str(source.parent), kernel_name="python3", progress_bar=False,
                    request_save_on_cell_execute=False,
                )
            except PapermillExecutionError as exc:
                first_line = (exc.source or "").strip().splitlines()[:1]
                kept = _keep_failed(target) if target.is_file() else None
                raise BookError(
                    f"Notatboka {chapter.path} feilet i celle {exc.cell_index} "
                    f"(kjøring {exc.exec_count}: {first_line[0] if first_line else ''!r}): "
                    f"{exc.ename}: {exc.evalue}\n"
                    + (f"Den kjørte notatboka med feilen er {kept}\n" if kept else "")
                    + f"{build_dir} er uendret (is unchanged)"
                ) from None
            _hide_injected_parameters(target)
        bar.close()
        # Last: a manifest only ever describes a complete build.
        (tmp / MANIFEST_FILE).write_text(json.dumps({
            "config": (project / CONFIG_FILE).as_posix(),
            "extract": str(extract_dir),
            "meta": meta,
        }, ensure_ascii=False, indent=2), encoding="utf-8")
    return build_dir


# ---------------------------------------------------------------------------
# Preparing executed notebooks for pandoc
# ---------------------------------------------------------------------------

_OPTION = re.compile(r"^\s*#\|\s?(.*)$")


def cell_options(source: str) -> tuple[dict, str]:
    """Quarto `#| key: value` options at the top of a code cell, and the rest of it."""
    lines = source.splitlines()
    options: dict = {}
    index = 0
    for index, line in enumerate(lines):
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
        "lang": config.get("lang", "nb"),
    }
    if meta.get("kilde") == "syntetisk":
        out["data-notice-title"] = SYNTHETIC_TITLE
        out["data-notice"] = _synthetic_text(meta)
    if meta.get("uttrekksdato"):
        out["date"] = f"Uttrekksdato {_norwegian_date(meta['uttrekksdato'])}"
    return out


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

def render_html(build_dir: str | os.PathLike, out_dir: str | os.PathLike,
                pdf_name: str | None = None) -> Path:
    """Render the executed book in `build_dir` as HTML pages in `out_dir`; return index.html."""
    import nbformat

    config_path, config, manifest = _load_book(Path(build_dir))
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    html_opts = _format_options(config, "html")
    book = _book_meta(config, manifest)
    pages = _pages(config_path, config)
    shutil.copyfile(PANDOC_DIR / "book.css", out_dir / "book.css")

    def nav(pages_, current):
        return [{"href": p.href, "title": p.title, "number": p.number,
                 "current": p is current} for p in pages_]

    with tempfile.TemporaryDirectory(prefix="book-html-") as tmp:
        tmp = Path(tmp)

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
    config_path, config, manifest = _load_book(build_dir)
    typst_opts = _format_options(config, "typst")
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


# ---------------------------------------------------------------------------
# Quarto
# ---------------------------------------------------------------------------

def quarto_version() -> tuple[int, ...] | None:
    """The installed Quarto's version, or None if `quarto` is not on PATH."""
    exe = shutil.which("quarto")
    if not exe:
        return None
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True)
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", proc.stdout.strip())
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def render_quarto(build_dir: str | os.PathLike, out_dir: str | os.PathLike,
                  fallback: bool = True) -> Path:
    """`quarto render` the executed book in `build_dir` and copy its output to `out_dir`.

    Without Quarto ≥ 1.9, says so and (if `fallback`) renders with pandoc + Typst instead.
    """
    version = quarto_version()
    problem = None
    if version is None:
        problem = "Quarto er ikke installert (fant ikke `quarto` på PATH)"
    elif version[:2] < QUARTO_MIN_VERSION:
        problem = (f"Quarto {'.'.join(map(str, version))} er for gammel; boka krever "
                   f"Quarto ≥ {'.'.join(map(str, QUARTO_MIN_VERSION))}")
    if problem:
        if not fallback:
            raise BookError(f"{problem}; bruk --engine pandoc for pandoc + Typst")
        print(f"{problem}: bruker pandoc + Typst (samme _quarto.yml).", file=sys.stderr)
        _, config, _ = _load_book(Path(build_dir))
        index = render_html(build_dir, out_dir, pdf_name=pdf_name(config))
        render_pdf(build_dir, Path(out_dir) / pdf_name(config))
        return index.parent
    config_path, config, _ = _load_book(Path(build_dir))
    project_dir = config_path.parent
    proc = subprocess.run(["quarto", "render", "--no-execute"], cwd=project_dir)
    if proc.returncode != 0:
        raise BookError(f"quarto render feilet i {project_dir}")
    rendered = project_dir / ((config.get("project") or {}).get("output-dir") or "_book")
    out_dir = Path(out_dir)
    shutil.copytree(rendered, out_dir, dirs_exist_ok=True)
    return out_dir


# ---------------------------------------------------------------------------
# Everything, and the command line
# ---------------------------------------------------------------------------

def pdf_name(config: dict) -> str:
    """File name of the PDF: the book title as an ASCII slug."""
    title = str((config.get("book") or {}).get("title") or "bok").lower()
    for a, b in (("æ", "ae"), ("ø", "o"), ("å", "a")):
        title = title.replace(a, b)
    return (re.sub(r"[^a-z0-9]+", "-", title).strip("-") or "bok") + ".pdf"


def resolve_engine(engine: str) -> str:
    """'quarto' or 'pandoc' for --engine auto|quarto|pandoc (auto: Quarto ≥ 1.9 if present)."""
    if engine != "auto":
        return engine
    version = quarto_version()
    if version is not None and version[:2] >= QUARTO_MIN_VERSION:
        return "quarto"
    found = "er ikke installert" if version is None else f"{'.'.join(map(str, version))} er for gammel"
    print(f"Quarto {found}: bruker pandoc + Typst (samme _quarto.yml).", file=sys.stderr)
    return "pandoc"


def build(extract_dir: str | os.PathLike, out_dir: str | os.PathLike = "_book",
          build_dir: str | os.PathLike = "_build", engine: str = "auto",
          config_path: str | os.PathLike | None = None, progress: bool = True) -> dict[str, Path]:
    """Execute the notebooks and render HTML + PDF into `out_dir`, replaced only on success.

    Returns the paths written: {"html": index.html, "pdf": the PDF (pandoc engine)}.
    """
    engine = resolve_engine(engine)
    build_dir = execute(extract_dir, build_dir, config_path=config_path, progress=progress)
    _, config, _ = _load_book(build_dir)
    out_dir = Path(out_dir).resolve()
    with atomic_path(out_dir) as tmp:
        if engine == "quarto":
            render_quarto(build_dir, tmp, fallback=False)
            pdfs = sorted(tmp.rglob("*.pdf"))
            written = {"html": out_dir / "index.html", "pdf": out_dir / pdfs[0].relative_to(tmp)
                       if pdfs else None}
        else:
            name = pdf_name(config)
            index = render_html(build_dir, tmp, pdf_name=name)
            render_pdf(build_dir, tmp / name)
            written = {"html": out_dir / index.name, "pdf": out_dir / name}
    return written


def cli(argv: list[str] | None = None) -> int:
    """`python -m helpers book --extract DIR [--out _book] [--build _build] ...`."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers book",
        description="Kjør kapittelnotatbøkene med et uttrekk og lag boka (HTML og PDF).")
    parser.add_argument("--extract", required=True, help="uttrekksmappa (med uttrekk.json)")
    parser.add_argument("--out", default="_book", help="mappa boka skrives til (standard: _book)")
    parser.add_argument("--build", default="_build",
                        help="mappa for kjørte notatbøker (standard: _build)")
    parser.add_argument("--execute-only", action="store_true",
                        help="bare kjør notatbøkene (til --build), ikke lag boka")
    parser.add_argument("--engine", choices=("auto", "pandoc", "quarto"), default="auto",
                        help="auto: Quarto ≥ 1.9 hvis installert, ellers pandoc + Typst")
    parser.add_argument("--config", default=None,
                        help=f"bokas {CONFIG_FILE} (standard: den i repoet)")
    args = parser.parse_args(argv)
    from helpers.contract import ContractError

    try:
        if args.execute_only:
            build_dir = execute(args.extract, args.build, config_path=args.config)
            print(f"Kjørte notatbøker: {build_dir}")
            return 0
        written = build(args.extract, args.out, args.build, engine=args.engine,
                        config_path=args.config)
    except (BookError, ContractError) as exc:
        print(f"Feil: {exc}", file=sys.stderr)
        return 1
    print(f"HTML: {written['html']}")
    if written.get("pdf"):
        print(f"PDF:  {written['pdf']}")
    return 0
