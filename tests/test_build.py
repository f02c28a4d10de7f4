"""Executing and rendering the book: helpers.build, helpers.render, helpers.report's banner,
helpers.config and the templates and filters in report/_pandoc."""
from __future__ import annotations

import base64
import io
import json
import re
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from great_tables import GT

from helpers import build, render, report, tables
from helpers import config as book_config
from helpers.contract import Extract, write_extract
from tests.builders import ExtractBuilder

REPO = Path(__file__).resolve().parent.parent
FILTER = REPO / "report" / "_pandoc" / "gt_tables.lua"


def gt_html(table_id: str = "x") -> str:
    df = pd.DataFrame({"Tiltak": ["Oppfølging", "Arbeid med bistand"], "Deltakere": [1234, 567]})
    return (GT(df, id=table_id).tab_header(title="Deltakere per tiltak", subtitle="Syntetisk")
            .tab_source_note("Kilde: testdata").as_raw_html())


def png_bytes() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2, 3], [2, 1, 3])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def notebook(heading: str, table: bool = False, figure: bool = False, banner: str | None = None):
    """An 'executed' notebook: heading, parameters cell, optional outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell(heading))
    nb.cells.append(nbformat.v4.new_code_cell('EXTRACT = "x"', metadata={"tags": ["parameters"]}))
    if banner:
        cell = nbformat.v4.new_code_cell("#| echo: false\ndata_banner(extract)")
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            "text/markdown": banner, "text/plain": "<IPython.core.display.Markdown object>"})]
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_markdown_cell("Tekst med æøå."))
    if table:  # what a BookTable displays: the GT HTML, the same for Typst, and its data
        cell = nbformat.v4.new_code_cell("tables.with_data(GT(df, id='x'), data, 'x')")
        bundle = tables.BookTable(None, pd.DataFrame(columns=tables.DATA_COLUMNS), "x")
        bundle.gt = type("Shown", (), {"_repr_html_": staticmethod(gt_html)})()
        cell.outputs = [nbformat.v4.new_output("execute_result", execution_count=1,
                                               data=bundle._repr_mimebundle_())]
        nb.cells.append(cell)
    if figure:
        cell = nbformat.v4.new_code_cell("plt.plot([1, 2, 3])")
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            "image/png": base64.b64encode(png_bytes()).decode(),
            "text/plain": "<Figure size 300x200 with 1 Axes>"})]
        nb.cells.append(cell)
    return nb


def pandoc(args: list[str], cwd: Path) -> str:
    return subprocess.run([render._pandoc(), *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


# ---------------------------------------------------------------------------
# gt_tables.lua
# ---------------------------------------------------------------------------

def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _strings(node) -> str:
    return " ".join(n["c"] for n in _walk(node) if n.get("t") == "Str")


def test_gt_filter_makes_a_pandoc_table(tmp_path):
    nb = render.prepare_notebook(notebook("# T", table=True), "typst")
    nbformat.write(nb, tmp_path / "t.ipynb")
    ast = json.loads(pandoc(["t.ipynb", "-f", "ipynb", "-t", "json", "--lua-filter", str(FILTER)],
                            tmp_path))
    tables = [n for n in _walk(ast["blocks"]) if n.get("t") == "Table"]
    assert len(tables) == 1
    assert not [n for n in _walk(ast["blocks"]) if n.get("t") == "RawBlock"]
    attr, caption, colspecs, head, bodies, foot = tables[0]["c"]
    assert "Deltakere per tiltak" in _strings(caption) and "Syntetisk" in _strings(caption)
    assert [c[0]["t"] for c in colspecs] == ["AlignLeft", "AlignRight"]
    assert _strings(head).split() == ["Tiltak", "Deltakere"]  # title rows moved to the caption
    body = _strings(bodies)
    assert "Oppfølging" in body and "Arbeid med bistand" in body and "1234" in body
    notes = [n for n in _walk(ast["blocks"])
             if n.get("t") == "Div" and "table-notes" in n["c"][0][1]]
    assert len(notes) == 1 and "Kilde: testdata" in _strings(notes[0])
    assert "Kilde" not in _strings(foot)


def test_gt_filter_typst_output_has_a_real_table(tmp_path):
    nb = render.prepare_notebook(notebook("# T", table=True), "typst")
    nbformat.write(nb, tmp_path / "t.ipynb")
    out = pandoc(["t.ipynb", "-f", "ipynb", "-t", "typst", "--lua-filter", str(FILTER)], tmp_path)
    assert "#figure(" in out and "table(" in out
    assert "[Oppfølging]" in out and "[Arbeid med bistand]" in out and "[1234]" in out
    assert "caption: [Deltakere per tiltak" in out
    assert "Kilde: testdata" in out
    assert "<style" not in out and "gt_table" not in out


def test_gt_filter_leaves_html_output_alone(tmp_path):
    nb = render.prepare_notebook(notebook("# T", table=True), "html")
    nbformat.write(nb, tmp_path / "t.ipynb")
    out = pandoc(["t.ipynb", "-f", "ipynb", "-t", "html", "--lua-filter", str(FILTER)], tmp_path)
    assert 'class="gt_table"' in out and "<style>" in out


# ---------------------------------------------------------------------------
# _quarto.yml
# ---------------------------------------------------------------------------

def test_chapter_list_matches_notebooks_on_disk():
    config = book_config.read_config(REPO / "_quarto.yml")
    chapters = book_config.book_chapters(config)
    listed = [c.path for c in chapters]
    assert listed[0] == "report/index.ipynb"
    assert len(listed) == len(set(listed))
    for path in listed:
        assert (REPO / path).is_file(), f"{path} er listet i _quarto.yml, men finnes ikke"
    on_disk = {p.relative_to(REPO).as_posix() for p in (REPO / "report").rglob("*.ipynb")
               if ".ipynb_checkpoints" not in p.parts}
    assert on_disk == set(listed)
    assert [c.path for c in chapters if c.appendix] == [
        "report/chapters/vedlegg_data_og_metode.ipynb", "report/chapters/vedlegg_replikasjon.ipynb"]
    assert config["format"]["typst"]["echo"] is False
    assert config["execute"]["enabled"] is False


def test_chapter_notebooks_are_saved_without_outputs():
    for chapter in book_config.book_chapters(REPO / "_quarto.yml"):
        nb = nbformat.read(REPO / chapter.path, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and params[0].source.startswith("EXTRACT = ")
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, f"{chapter.path} har lagrede utdata"


def test_cell_options_and_prepare():
    options, body = render.cell_options("#| echo: false\n#| label: tbl-x\nx = 1")
    assert options == {"echo": False, "label": "tbl-x"} and body == "x = 1"
    nb = render.prepare_notebook(notebook("# T", table=True, banner="hei"), "typst", echo=False)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert sources == ["", ""]  # code hidden, parameters cell gone
    datas = [o.data for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert [list(d) for d in datas] == [["text/markdown"], ["text/html"]]


# ---------------------------------------------------------------------------
# End to end: a two-chapter book
# ---------------------------------------------------------------------------

def fake_book(root: Path, synthetic: bool = True) -> Path:
    (root / "kapitler").mkdir(parents=True)
    (root / "_quarto.yml").write_text(
        "project:\n  type: book\nlang: nb\n"
        "book:\n  title: \"Testbok\"\n  subtitle: \"Undertittel\"\n"
        "  chapters:\n    - index.ipynb\n    - kapitler/kap.ipynb\n"
        "format:\n  html:\n    code-fold: true\n    code-summary: \"Vis kode\"\n"
        "  typst:\n    papersize: a4\n    toc: true\n    echo: false\n", encoding="utf-8")
    banner = report.banner_markdown(Extract(path=root, meta={"kilde": "syntetisk"})) if synthetic else None
    nbformat.write(notebook("# Forord {.unnumbered}", banner=banner), root / "index.ipynb")
    nbformat.write(notebook("# Første kapittel\n\n## Del én", table=True, figure=True, banner=banner),
                   root / "kapitler" / "kap.ipynb")
    return root


def test_render_html_and_pdf(tmp_path):
    build_dir = fake_book(tmp_path / "build")
    out = tmp_path / "out"
    index = render.render_html(build_dir, out, pdf_name="bok.pdf")
    assert index == out / "index.html"
    pages = {name: (out / name).read_text(encoding="utf-8") for name in ("index.html", "kap.html")}
    for name, html in pages.items():
        assert 'href="index.html"' in html and 'href="kap.html"' in html, name
        assert "Testbok" in html and "Syntetiske data" in html and 'class="callout' in html
        assert "Første kapittel" in html and "Forord" in html
    kap = pages["kap.html"]
    assert 'aria-current="page"' in kap and "← Forrige" in kap
    assert "Neste →" in pages["index.html"]
    assert "<summary>Vis kode</summary>" in kap and 'class="gt_table"' in kap
    assert '<span class="header-section-number">1</span> Første kapittel' in kap
    assert '<span class="header-section-number">1.1</span> Del én' in kap
    assert "EXTRACT" not in kap  # parameters cell removed
    images = list((out / "figurer").glob("*.png"))
    assert len(images) == 1 and f"figurer/{images[0].name}" in kap
    assert (out / "book.css").is_file()

    pdf = render.render_pdf(build_dir, out / "bok.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    typ = (build_dir / "_typst" / "book.typ").read_text(encoding="utf-8")
    assert "#figure(" in typ and "table(" in typ and "[Oppfølging]" in typ
    assert "plt.plot" not in typ and "EXTRACT" not in typ  # echo: false in the PDF
    assert "image(" in typ and "Syntetiske data" in typ


def tiny_extract(path: Path) -> Path:
    """A valid extract folder (the data contract holds) with one person and one spell."""
    builder = ExtractBuilder().person("P1").tiltak("P1", "2015-03-01", None)
    return write_extract(path, builder.tables(), builder.meta)


def chapter_notebook(heading: str, code: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(heading),
                nbformat.v4.new_code_cell('EXTRACT = "../nowhere"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(code)]
    return nb


def write_source_book(src: Path, chapters: dict[str, str]) -> None:
    """A source book at `src`: _quarto.yml listing `chapters` ({path: code}) in order, and
    one notebook per chapter (heading, parameters cell, the code)."""
    listed = "".join(f"    - {path}\n" for path in chapters)
    src.mkdir(parents=True, exist_ok=True)
    (src / "_quarto.yml").write_text(
        f"project:\n  type: book\nbook:\n  title: T\n  chapters:\n{listed}")
    for path, code in chapters.items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(chapter_notebook(f"# {Path(path).stem}", code), src / path)


def one_chapter_book(tmp_path: Path, code: str):
    """A source book with one notebook (heading, parameters cell, `code`) and a tiny valid
    extract folder. Returns (extract, src, notebook)."""
    extract = tiny_extract(tmp_path / "uttrekk")
    src = tmp_path / "src"
    write_source_book(src, {"report/index.ipynb": code})
    return extract, src, nbformat.read(src / "report" / "index.ipynb", as_version=4)


@pytest.fixture(autouse=True)
def system_tmp(tmp_path_factory, monkeypatch) -> Path:
    """The system's temporary folder, for these tests an empty one of pytest's: a build must
    leave nothing made from the extract there (tests assert it stays empty)."""
    import tempfile

    folder = tmp_path_factory.mktemp("system-tmp")
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`: relative path -> bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_execute_runs_notebooks_and_names_the_failing_cell(tmp_path):
    extract, src, nb = one_chapter_book(tmp_path, "import os\nprint(EXTRACT, os.getcwd())")

    build_dir = build.execute(extract, tmp_path / "build", config_path=src / "_quarto.yml",
                              progress=False)
    assert build_dir == tmp_path / "build" / "book"
    executed = nbformat.read(build_dir / "report" / "index.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0].metadata["tags"]
    printed = executed.cells[-1].outputs[0]["text"]
    assert f"CACHE = \"{tmp_path / 'build' / 'cache'}\"" in injected[0].source
    assert str(extract.resolve()) in printed and str((src / "report").resolve()) in printed
    config = book_config.read_config(build_dir / "report" / "_quarto.yml")
    assert config["book"]["chapters"] == ["index.ipynb"]  # Quarto: index beside _quarto.yml

    nb.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(nb, src / "report" / "index.ipynb")
    with pytest.raises(book_config.BookError, match=r"report/index\.ipynb.*celle.*ZeroDivisionError"):
        build.execute(extract, tmp_path / "build2", config_path=src / "_quarto.yml", progress=False)


def test_cli_requires_extract(capsys):
    with pytest.raises(SystemExit):
        build.cli([])
    assert build.cli(["--extract", "/nonexistent/uttrekk", "--engine", "pandoc"]) == 1
    err = capsys.readouterr().err
    assert "følger ikke datakontrakten" in err and "/nonexistent/uttrekk: not a folder" in err


@pytest.mark.slow
def test_failed_execute_leaves_the_earlier_build_untouched(tmp_path, system_tmp):
    """execute() is all or nothing: a failing notebook leaves an earlier executed book byte
    for byte as it was (no new chapters, no new manifest); the failed notebook is kept in
    the build folder's failed/ (and nowhere else); a successful run replaces the whole
    executed book, so a chapter dropped from _quarto.yml does not linger."""
    extract = tiny_extract(tmp_path / "uttrekk")
    src = tmp_path / "src"
    build_dir = tmp_path / "build"
    write_source_book(src, {"report/index.ipynb": "print('gammel forside')",
                            "report/kap/a.ipynb": "print('gammelt kapittel a')",
                            "report/kap/b.ipynb": "print('kapittel b')"})
    build.execute(extract, build_dir, config_path=src / "_quarto.yml", progress=False)
    before = snapshot(build_dir / "book")
    assert {"_book.json", "report/_quarto.yml", "report/index.ipynb", "report/kap/a.ipynb",
            "report/kap/b.ipynb"} <= set(before)

    # A new extract, b dropped from the book, index fine, a fails.
    new_extract = tiny_extract(tmp_path / "nytt_uttrekk")
    write_source_book(src, {"report/index.ipynb": "print('ny forside')",
                            "report/kap/a.ipynb": "raise ValueError('kapittel a feilet')"})
    with pytest.raises(book_config.BookError, match=r"report/kap/a\.ipynb.*ValueError: kapittel a feilet") as info:
        build.execute(new_extract, build_dir, config_path=src / "_quarto.yml", progress=False)
    assert snapshot(build_dir / "book") == before  # same files, same bytes
    assert json.loads(before["_book.json"])["extract"] == str(extract.resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "nytt_uttrekk", "src", "uttrekk"]
    kept = Path(re.search(r"feilen er (\S+\.ipynb)", str(info.value)).group(1))
    assert kept == build_dir / "failed" / "report" / "kap" / "a.ipynb"
    failed = nbformat.read(kept, as_version=4)  # the failed notebook is kept for inspection
    assert any(o.get("ename") == "ValueError" for c in failed.cells if c.cell_type == "code"
               for o in c.outputs)
    assert list(system_tmp.iterdir()) == []  # nothing left in the system's temporary folder
    assert sorted(p.name for p in build_dir.iterdir()) == [".helpers-output", "book", "cache",
                                                           "failed"]

    write_source_book(src, {"report/index.ipynb": "print('ny forside')",
                            "report/kap/a.ipynb": "print('nytt kapittel a')"})
    build.execute(new_extract, build_dir, config_path=src / "_quarto.yml", progress=False)
    after = snapshot(build_dir / "book")
    assert "report/kap/b.ipynb" not in after  # dropped from _quarto.yml: gone from the build
    assert b"nytt kapittel a" in after["report/kap/a.ipynb"]
    assert json.loads(after["_book.json"])["extract"] == str(new_extract.resolve())
    assert not (build_dir / "failed").exists()  # a new run starts without old failures


def test_build_refuses_folders_it_did_not_create(tmp_path):
    """--build or --out naming a folder of the user's own (not empty, no marker) or a file
    is refused before anything runs, and nothing in it is touched."""
    from helpers.files import OutputError

    extract, src, _ = one_chapter_book(tmp_path, "print('kjørt')")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "avhandling.tex").write_text("viktig")
    with pytest.raises(OutputError, match="ikke skrevet av helpers"):
        build.build(extract, tmp_path / "out", mine, engine="pandoc",
                    config_path=src / "_quarto.yml", progress=False)
    with pytest.raises(OutputError, match="ikke skrevet av helpers"):
        build.build(extract, mine, tmp_path / "build", engine="pandoc",
                    config_path=src / "_quarto.yml", progress=False)
    a_file = tmp_path / "fil.txt"
    a_file.write_text("fil")
    with pytest.raises(OutputError, match="ikke en mappe"):
        build.execute(extract, a_file, config_path=src / "_quarto.yml", progress=False)
    assert [p.name for p in mine.iterdir()] == ["avhandling.tex"]
    assert a_file.read_text() == "fil" and not (tmp_path / "out").exists()
    assert build.cli(["--extract", str(extract), "--build", str(mine), "--engine", "pandoc",
                      "--config", str(src / "_quarto.yml")]) == 1


@pytest.mark.slow
def test_failed_rendering_leaves_the_executed_book_and_the_rendered_book_as_they_were(
        tmp_path, monkeypatch):
    """Execution succeeds, rendering fails: neither the executed book nor the rendered one
    is replaced (a run is all or nothing across both)."""
    extract, src, nb = one_chapter_book(tmp_path, "print('første utgave')")
    out, build_dir = tmp_path / "_book", tmp_path / "build"
    build.build(extract, out, build_dir, engine="pandoc", config_path=src / "_quarto.yml",
                progress=False)
    book_before, out_before = snapshot(build_dir / "book"), snapshot(out)
    assert any(name.endswith(".pdf") for name in out_before)

    nb.cells[-1].source = "print('andre utgave')"
    nbformat.write(nb, src / "report" / "index.ipynb")

    def failing_pdf(*args, **kwargs):
        raise book_config.BookError("Typst kunne ikke lage PDF (simulert)")

    monkeypatch.setattr(build, "render_pdf", failing_pdf)
    with pytest.raises(book_config.BookError, match="simulert"):
        build.build(extract, out, build_dir, engine="pandoc", config_path=src / "_quarto.yml",
                    progress=False)
    assert snapshot(build_dir / "book") == book_before and snapshot(out) == out_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_book", "build", "src", "uttrekk"]


def test_malformed_extract_is_reported_before_any_notebook_runs(tmp_path, monkeypatch):
    import papermill

    from helpers.contract import ContractError

    extract, src, _ = one_chapter_book(tmp_path, "print('kjørt')")
    (extract / "tiltak.parquet").unlink()  # uttrekk.json is fine, a required table is missing
    ran = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: ran.append(a))
    with pytest.raises(ContractError, match=r"tiltak\.parquet: missing \(required table") as info:
        build.execute(extract, tmp_path / "build", config_path=src / "_quarto.yml", progress=False)
    assert info.value.problems == ["tiltak.parquet: missing (required table; tiltak.csv is also accepted)"]
    assert ran == [] and not (tmp_path / "build").exists()


def test_failed_build_leaves_the_earlier_book_untouched(tmp_path):
    # A one-chapter book whose notebook fails: build() must raise and leave out_dir as it was.
    extract, src, _ = one_chapter_book(tmp_path, "raise ValueError('uttrekket er ødelagt')")
    from helpers.files import MARKER, mark

    out = tmp_path / "_book"
    out.mkdir()
    (out / "index.html").write_text("forrige utgave")
    mark(out, "rendered-book")  # an earlier book of ours
    with pytest.raises(book_config.BookError, match="uttrekket er ødelagt"):
        build.build(extract, out, tmp_path / "build", engine="pandoc",
                    config_path=src / "_quarto.yml", progress=False)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "index.html"]
    assert (out / "index.html").read_text() == "forrige utgave"


@pytest.mark.slow
def test_tables_as_data_are_written_beside_the_book_and_linked(tmp_path):
    """A notebook that shows a BookTable: the executed book has its data as
    tabeller/<name>.csv, the rendered book has the same file, linked under the table."""
    code = ("import pandas as pd\nfrom great_tables import GT\nfrom helpers import tables\n"
            "data = pd.DataFrame({'table': 'demo', 'section': '', 'row': ['a', 'b'], "
            "'column': 'x', 'value': [1.25, None], 'stars': '', 'unit': 'percent', "
            "'flag': ['', 'skjult']})\n"
            "tables.with_data(GT(pd.DataFrame({'a': [1]}), id='tbl-demo'), data, 'demo')")
    extract, src, _ = one_chapter_book(tmp_path, code)
    out = tmp_path / "_book"
    build.build(extract, out, tmp_path / "build", engine="pandoc",
                config_path=src / "_quarto.yml", progress=False)
    written = (tmp_path / "build" / "book" / "report" / "tabeller" / "demo.csv").read_text()
    assert written.splitlines() == [
        "table,section,row,column,value,stars,unit,flag,std_error,p_value,p_value_wild",
        "demo,,a,x,1.25,,percent,,,,", "demo,,b,x,,,percent,skjult,,,"]
    assert (out / "tabeller" / "demo.csv").read_text() == written
    assert 'href="tabeller/demo.csv"' in (out / "index.html").read_text(encoding="utf-8")


def test_kernels_get_the_repository_on_the_path_and_a_fixed_hash_seed(monkeypatch, tmp_path):
    """Chapters execute with PYTHONHASHSEED fixed (pyfixest orders columns through sets, so a
    random seed moves estimates in their tenth digit and nbval's re-run would differ), and
    the environment is restored afterwards."""
    import os

    from helpers import build

    monkeypatch.setenv("PYTHONHASHSEED", "random")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    with build._kernel_environment(tmp_path):
        assert os.environ["PYTHONHASHSEED"] == build.KERNEL_HASH_SEED
        assert os.environ["PYTHONPATH"].split(os.pathsep)[0] == str(tmp_path)
    assert os.environ["PYTHONHASHSEED"] == "random"
    assert "PYTHONPATH" not in os.environ
