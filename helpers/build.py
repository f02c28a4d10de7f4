"""Building the book: check the extract, execute the chapters (papermill), render.

    python -m helpers book --extract data/synthetic           # execute + HTML + PDF
    python -m helpers book --extract DIR --execute-only       # executed notebooks only

The build folder (`--build`, default `_build`) is ours and holds

    cache/    the analysis frame and the entrants' months, built once per render (helpers.cache)
    book/     the executed book: a Quarto project (its _quarto.yml beside index.ipynb)
    failed/   the notebook that failed in the last run, with its outputs, for inspection

A run is all or nothing: the extract is checked against the contract before any kernel
starts; chapters are executed into a temporary `book/` and rendered into a temporary output
folder, and both replace the earlier ones together only when everything has succeeded
(helpers.files). Nothing made from the extract is written outside the build and output
folders the user chose.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

import yaml

from helpers.cache import frame_and_grid
from helpers.config import (
    CONFIG_FILE,
    MANIFEST_FILE,
    REPO_ROOT,
    BookError,
    Chapter,
    book_chapters,
    load_executed,
    pdf_name,
    read_config,
)
from helpers.files import atomic_path, atomic_paths, ensure_folder, remove_path
from helpers.quarto import quarto_problem, render_quarto
from helpers.render import render_html, render_pdf
from helpers.report import SYNTHETIC_TITLE, synthetic_text
from helpers.tables import DATA_COLUMNS, TABLE_DATA_FOLDER, TABLE_DATA_MIME

CACHE_DIR, BOOK_DIR, FAILED_DIR = "cache", "book", "failed"
# The parameter that gives a chapter the folder of the other chapters' tables as data.
TABLES_PARAMETER = "TABELLER"
# Chapters executed at a time (each in its own kernel, each holding the frame and grid).
DEFAULT_JOBS = min(4, os.cpu_count() or 1)
# A warning printed in an executed notebook that comes from our code or a notebook cell.
_OWN_WARNING = re.compile(r"(/helpers/[^\s:]*\.py|ipykernel_\d+/\d+\.py|<ipython-input)"
                          r":\d+: \w*Warning")


# The hash seed of the kernels that execute the chapters. pyfixest orders a model's columns
# through sets of names, so with a random seed per kernel the estimates differ in their
# tenth significant digit between runs (and nbval's re-run would not match the build's).
# The Makefile's nbval run uses the same seed.
KERNEL_HASH_SEED = "0"


@contextmanager
def _kernel_environment(path: Path):
    """Let kernels started inside the block import `helpers` from this repository, with a
    fixed hash seed (KERNEL_HASH_SEED)."""
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", "PYTHONHASHSEED")}
    old = saved["PYTHONPATH"]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(path)] + ([old] if old else []))
    os.environ["PYTHONHASHSEED"] = KERNEL_HASH_SEED
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
    # The tables as data (write_table_data) are published beside the book.
    resources = config.setdefault("project", {}).setdefault("resources", [])
    if isinstance(resources, list) and f"{TABLE_DATA_FOLDER}/" not in resources:
        resources.append(f"{TABLE_DATA_FOLDER}/")
    if meta.get("kilde") == "syntetisk":
        # Quarto PDF: the synthetic-data notice before the first chapter too.
        typst = config.setdefault("format", {}).setdefault("typst", {})
        if isinstance(typst, dict):
            typst["include-before-body"] = ["_data_notice.typ"]
    return config


def _finish_notebook(path: Path, chapter: str) -> None:
    """Tag papermill's injected-parameters cell `remove-cell` (no renderer shows it), and
    fail on a warning from our own code printed in the notebook."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            match = _OWN_WARNING.search("".join(text))
            if match:
                raise BookError(f"Notatboka {chapter} skrev en advarsel fra vår egen kode i "
                                f"celle {index} ({match.group(0)}); boka bygges ikke med "
                                "advarsler")
    nbformat.write(nb, path)


def _execute_into(book_tmp: Path, extract_dir: Path, cache_dir: Path, failed_dir: Path,
                  meta: dict, config_path: Path, progress: bool, jobs: int) -> None:
    """Execute every chapter of `config_path` into `book_tmp` (which does not exist yet),
    `jobs` at a time, with the parameters EXTRACT and CACHE; the manifest is written last.
    A failing notebook is moved to `failed_dir` and BookError says where."""
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from tqdm.auto import tqdm

    source_root = config_path.parent
    config = read_config(config_path)
    chapters = book_chapters(config)
    if not chapters:
        raise BookError(f"{config_path} lister ingen kapitler (book.chapters)")
    project = _quarto_project_dir(chapters)
    for chapter in chapters:
        if not (source_root / chapter.path).is_file():
            raise BookError(f"Kapittelet {chapter.path} finnes ikke ({source_root / chapter.path})")
    project_dir = book_tmp / project
    project_dir.mkdir(parents=True)
    (project_dir / CONFIG_FILE).write_text(
        "# Generated by helpers/build.py from the repository's _quarto.yml: do not edit.\n"
        + yaml.safe_dump(_build_config(config, project, meta), allow_unicode=True,
                         sort_keys=False), encoding="utf-8")
    if meta.get("kilde") == "syntetisk":
        (project_dir / "_data_notice.typ").write_text(
            f'#block(width: 100%, fill: rgb("#fff7ed"), inset: 10pt, stroke: (left: 3pt + '
            f'rgb("#b45309")))[*{SYNTHETIC_TITLE}.* {synthetic_text(meta)}]\n',
            encoding="utf-8")
    def run(chapter: Chapter) -> None:
        source = source_root / chapter.path
        target = book_tmp / chapter.path
        target.parent.mkdir(parents=True, exist_ok=True)
        parameters = {"EXTRACT": str(extract_dir), "CACHE": str(cache_dir)}
        cwd = source.parent
        if chapter in readers:
            # Relative to the executed notebook, which also runs there: the path still holds
            # when the book folder is moved into place and when nbval re-runs the notebook.
            parameters[TABLES_PARAMETER] = os.path.relpath(project_dir / TABLE_DATA_FOLDER,
                                                           target.parent)
            cwd = target.parent
        try:
            papermill.execute_notebook(
                str(source), str(target),
                parameters=parameters,
                cwd=str(cwd), kernel_name="python3", progress_bar=False,
                request_save_on_cell_execute=False,
                # The kernel's own log (its local TCP transport at start, "KeyboardInterrupt
                # caught in kernel" when the runner stops it) is not the reader's business:
                # a failing cell is reported by papermill, with the notebook kept.
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except PapermillExecutionError as exc:
            first_line = (exc.source or "").strip().splitlines()[:1]
            kept = None
            if target.is_file():
                kept = failed_dir / chapter.path
                kept.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, kept)
            raise BookError(
                f"Notatboka {chapter.path} feilet i celle {exc.cell_index} "
                f"(kjøring {exc.exec_count}: {first_line[0] if first_line else ''!r}): "
                f"{exc.ename}: {exc.evalue}\n"
                + (f"Den kjørte notatboka med feilen er {kept}\n" if kept else "")
                + "Tidligere utdata er uendret (earlier outputs are unchanged)"
            ) from None
        _finish_notebook(target, chapter.path)

    # Chapters that read the others' tables (the Replikasjon appendix) run after the rest
    # and after their tabeller/ is written; then tabeller/ is written again with theirs.
    readers = [c for c in chapters if reads_table_data(source_root / c.path)]
    first = [c for c in chapters if c not in readers]
    # Chapters are independent: run `jobs` kernels at a time; the first failure stops the rest.
    with _kernel_environment(REPO_ROOT), ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, \
            tqdm(total=len(chapters), desc="Kjører kapitler", unit="notatbok",
                 disable=not progress) as bar:
        for batch in (first, readers):
            futures = {pool.submit(run, chapter): chapter for chapter in batch}
            try:
                for future in as_completed(futures):
                    future.result()
                    bar.set_postfix_str(futures[future].path)
                    bar.update()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
            if batch is first:
                write_table_data(book_tmp, [book_tmp / c.path for c in first], project_dir)
    write_table_data(book_tmp, [book_tmp / c.path for c in chapters], project_dir)
    # Last: a manifest only ever describes a complete build.
    (book_tmp / MANIFEST_FILE).write_text(json.dumps({
        "config": (project / CONFIG_FILE).as_posix(),
        "extract": str(extract_dir),
        "meta": meta,
    }, ensure_ascii=False, indent=2), encoding="utf-8")


def reads_table_data(notebook: Path) -> bool:
    """Whether a chapter reads the other chapters' tables: its parameters cell sets
    TABLES_PARAMETER (the Replikasjon appendix)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    return any("parameters" in cell.metadata.get("tags", [])
               and re.search(rf"^{TABLES_PARAMETER}\s*=", cell.source, re.M)
               for cell in nb.cells if cell.cell_type == "code")


def write_table_data(book_dir: Path, notebooks: list[Path], project_dir: Path) -> list[Path]:
    """Every table the executed notebooks show, as data: `project_dir/tabeller/<name>.csv`
    in the long format of data/published (helpers.tables.BookTable). Returns the files."""
    import nbformat
    import pandas as pd

    written: dict[str, Path] = {}
    folder = project_dir / TABLE_DATA_FOLDER
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                payload = out.get("data", {}).get(TABLE_DATA_MIME)
                if not payload:
                    continue
                name = payload["name"]
                if name in written:
                    raise BookError(f"To tabeller heter {name} ({path.relative_to(book_dir)} "
                                    f"og en tidligere): gi dem ulike navn")
                folder.mkdir(exist_ok=True)
                data = pd.DataFrame(payload["records"], columns=DATA_COLUMNS)
                written[name] = folder / f"{name}.csv"
                data.to_csv(written[name], index=False, encoding="utf-8")
    return list(written.values())


def _prepare(extract_dir, build_dir, config_path, progress: bool):
    """Check the extract (ContractError: every problem, before any kernel), make the build
    folder ours, empty its `failed/`, and build the analysis cache once."""
    from helpers.contract import load_extract

    extract_dir = Path(extract_dir).resolve()
    extract = load_extract(extract_dir)
    build_dir = ensure_folder(Path(build_dir).resolve(), "build")
    cache_dir, failed_dir = build_dir / CACHE_DIR, build_dir / FAILED_DIR
    remove_path(failed_dir)
    if progress:
        print("Bygger analyserammen (eller leser den fra hurtiglageret) …", file=sys.stderr)
    frame_and_grid(extract, cache_dir, progress=progress)
    config_path = Path(config_path or REPO_ROOT / CONFIG_FILE).resolve()
    return extract_dir, extract.meta, build_dir, cache_dir, failed_dir, config_path


def execute(extract_dir: str | os.PathLike, build_dir: str | os.PathLike = "_build",
            config_path: str | os.PathLike | None = None, progress: bool = True,
            jobs: int = DEFAULT_JOBS) -> Path:
    """Run every chapter notebook with papermill on the extract; all or nothing.

    Returns the executed book, `build_dir/book`, a Quarto project that helpers.render
    and helpers.quarto read. After a failure every earlier output is as it was, and the
    failed notebook is in `build_dir/failed/` (named in the error).
    """
    extract_dir, meta, build_dir, cache_dir, failed_dir, config_path = _prepare(
        extract_dir, build_dir, config_path, progress)
    book_dir = build_dir / BOOK_DIR
    with atomic_path(book_dir, "dir", marker="executed-book") as tmp:
        _execute_into(tmp, extract_dir, cache_dir, failed_dir, meta, config_path, progress,
                      jobs)
    return book_dir


def resolve_engine(engine: str) -> str:
    """'quarto' or 'pandoc' for --engine auto|quarto|pandoc (auto: Quarto ≥ 1.9 if present),
    decided before anything is executed; says which when it had to choose."""
    if engine == "pandoc":
        return engine
    problem = quarto_problem()
    if engine == "quarto":
        if problem:
            raise BookError(f"{problem}; bruk --engine pandoc for pandoc + Typst")
        return engine
    if problem:
        print(f"{problem}: bruker pandoc + Typst (samme _quarto.yml).", file=sys.stderr)
        return "pandoc"
    print("Bruker Quarto (samme _quarto.yml).", file=sys.stderr)
    return "quarto"


def _render(book_dir: Path, out_dir: Path, engine: str, fallback: bool = False
            ) -> dict[str, Path | str | None]:
    """Render the executed book into `out_dir` (empty) with `engine`; the files written and
    the engine that wrote them. With `fallback`, a failing Quarto is reported and the book
    is rendered with pandoc + Typst instead, so that Quarto's presence never fails a run."""
    _, config, _ = load_executed(book_dir)
    name = pdf_name(config)
    if engine == "quarto":
        try:
            render_quarto(book_dir, out_dir)
        except BookError as exc:
            if not fallback:
                raise
            print(f"Quarto klarte ikke å lage boka ({exc}); lager den med pandoc + Typst "
                  "i stedet (samme _quarto.yml).", file=sys.stderr)
            remove_path(out_dir)
            out_dir.mkdir()
            return _render(book_dir, out_dir, "pandoc")
        pdf = out_dir / name
        return {"html": out_dir / "index.html", "pdf": pdf if pdf.is_file() else None,
                "engine": "quarto"}
    index = render_html(book_dir, out_dir, pdf_name=name)
    render_pdf(book_dir, out_dir / name)
    return {"html": index, "pdf": out_dir / name, "engine": "pandoc"}


def build(extract_dir: str | os.PathLike, out_dir: str | os.PathLike = "_book",
          build_dir: str | os.PathLike = "_build", engine: str = "auto",
          config_path: str | os.PathLike | None = None, progress: bool = True,
          jobs: int = DEFAULT_JOBS) -> dict[str, Path]:
    """Execute the notebooks and render HTML + PDF into `out_dir`. The executed book and the
    rendered one replace the earlier ones together, and only when both succeeded.

    Returns the paths written: {"html": index.html, "pdf": the PDF, "engine": ...}.
    """
    requested, engine = engine, resolve_engine(engine)
    out_dir = Path(out_dir).resolve()
    extract_dir, meta, build_dir, cache_dir, failed_dir, config_path = _prepare(
        extract_dir, build_dir, config_path, progress)
    book_dir = build_dir / BOOK_DIR
    with atomic_paths([book_dir, out_dir], ["dir", "dir"],
                      markers=["executed-book", "rendered-book"]) as (book_tmp, out_tmp):
        _execute_into(book_tmp, extract_dir, cache_dir, failed_dir, meta, config_path, progress,
                      jobs)
        out_tmp.mkdir()
        written = _render(book_tmp, out_tmp, engine, fallback=requested == "auto")
    return {key: out_dir / path.relative_to(out_tmp) if isinstance(path, Path) else path
            for key, path in written.items()}


def cli(argv: list[str] | None = None) -> int:
    """`python -m helpers book --extract DIR [--out _book] [--build _build] ...`."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers book",
        description="Kjør kapittelnotatbøkene med et uttrekk og lag boka (HTML og PDF).")
    parser.add_argument("--extract", required=True, help="uttrekksmappa (med uttrekk.json)")
    parser.add_argument("--out", default="_book", help="mappa boka skrives til (standard: _book)")
    parser.add_argument("--build", default="_build",
                        help="byggemappa: kjørte notatbøker, hurtiglager (standard: _build)")
    parser.add_argument("--execute-only", action="store_true",
                        help="bare kjør notatbøkene (til BUILD/book), ikke lag boka")
    parser.add_argument("--engine", choices=("auto", "pandoc", "quarto"), default="auto",
                        help="auto: Quarto ≥ 1.9 hvis installert, ellers pandoc + Typst")
    parser.add_argument("--config", default=None,
                        help=f"bokas {CONFIG_FILE} (standard: den i repoet)")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS,
                        help=f"kapitler som kjøres samtidig (standard: {DEFAULT_JOBS})")
    args = parser.parse_args(argv)
    from helpers.contract import ContractError
    from helpers.files import OutputError

    try:
        if args.execute_only:
            book_dir = execute(args.extract, args.build, config_path=args.config, jobs=args.jobs)
            print(f"Kjørte notatbøker: {book_dir}")
            return 0
        written = build(args.extract, args.out, args.build, engine=args.engine,
                        config_path=args.config, jobs=args.jobs)
    except (BookError, ContractError, OutputError) as exc:
        print(f"Feil: {exc}", file=sys.stderr)
        return 1
    print(f"HTML: {written['html']}  (motor: {written['engine']})")
    if written.get("pdf"):
        print(f"PDF:  {written['pdf']}")
    return 0
