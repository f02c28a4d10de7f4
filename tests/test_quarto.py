"""The Quarto path (helpers.quarto, build's engine choice): the same book from the same
_quarto.yml with either engine.

The fallback and naming tests always run; the render with a real Quarto runs only where
`quarto` (≥ 1.9) is on PATH and is skipped otherwise (CI has no Quarto)."""
from __future__ import annotations

import re

import pytest

from helpers import build, quarto
from helpers import config as book_config
from tests.test_build import one_chapter_book

REPO_CONFIG = book_config.read_config(book_config.REPO_ROOT / "_quarto.yml")
TABLE_CODE = (
    "import pandas as pd\nfrom great_tables import GT\nfrom helpers import tables\n"
    "data = pd.DataFrame({'table': 'demo', 'section': '', 'row': ['a', 'b'], "
    "'column': 'x', 'value': [1.25, None], 'stars': '', 'unit': 'percent', "
    "'flag': ['', 'skjult']})\n"
    "tables.with_data(GT(pd.DataFrame({'Fylke': ['Oslo', 'Agder'], 'Andel': [1.5, 2.5]}), "
    "id='tbl-demo').tab_header('Demotabell'), data, 'demo')")


def test_both_engines_name_the_pdf_after_book_output_file():
    assert REPO_CONFIG["book"]["output-file"] == "resultater-av-oppfolgingstiltak"
    assert book_config.pdf_name(REPO_CONFIG) == "resultater-av-oppfolgingstiltak.pdf"
    assert book_config.pdf_name({"book": {"title": "Åpne tall"}}) == "apne-tall.pdf"


def test_the_book_has_the_author_quartos_typst_template_needs():
    # Quarto 1.9's Typst book template fails with "expected content, found array" without it.
    assert isinstance(REPO_CONFIG["book"].get("author"), str) and REPO_CONFIG["book"]["author"]


def test_a_table_gives_typst_its_html_without_the_web_font_stack():
    import pandas as pd
    from great_tables import GT

    from helpers import tables

    shown = tables.with_data(GT(pd.DataFrame({"a": [1]}), id="tbl-x"),
                             pd.DataFrame(columns=tables.DATA_COLUMNS), "x")
    bundle = shown._repr_mimebundle_()
    assert "font-family" in bundle["text/html"]  # the web page keeps great-tables' look
    markdown = bundle["text/markdown"]
    assert markdown.startswith("```{=html}\n") and markdown.rstrip().endswith("```")
    assert "font-family" not in markdown and 'class="gt_table"' in markdown


@pytest.mark.slow
def test_auto_falls_back_to_pandoc_when_quarto_fails(tmp_path, monkeypatch, capsys):
    """With Quarto present but failing, `make report` (engine auto) still gives the book,
    with pandoc + Typst, and says so; --engine quarto fails with Quarto's error."""
    extract, src, _ = one_chapter_book(tmp_path, "print('hei')")
    monkeypatch.setattr(build, "quarto_problem", lambda: None)  # "Quarto is installed"

    def failing_quarto(book_dir, out_dir):
        (out_dir / "halvferdig.html").write_text("rester etter Quarto")
        raise book_config.BookError("quarto render feilet (simulert)")

    monkeypatch.setattr(build, "render_quarto", failing_quarto)
    out = tmp_path / "_book"
    written = build.build(extract, out, tmp_path / "build", engine="auto",
                          config_path=src / "_quarto.yml", progress=False)
    err = capsys.readouterr().err
    assert "Bruker Quarto" in err and "lager den med pandoc + Typst i stedet" in err
    assert written["engine"] == "pandoc"
    assert written["pdf"] == out / "t.pdf" and written["pdf"].read_bytes().startswith(b"%PDF")
    assert not (out / "halvferdig.html").exists()  # nothing of the failed attempt is kept
    with pytest.raises(book_config.BookError, match="simulert"):
        build.build(extract, tmp_path / "_book2", tmp_path / "build", engine="quarto",
                    config_path=src / "_quarto.yml", progress=False)


needs_quarto = pytest.mark.skipif(quarto.quarto_problem() is not None,
                                  reason="Quarto ≥ 1.9 is not on PATH")


@needs_quarto
@pytest.mark.slow
def test_quarto_renders_html_and_pdf_without_warnings_or_network(tmp_path, capfd):
    extract, src, _ = one_chapter_book(tmp_path, TABLE_CODE)
    config = (src / "_quarto.yml").read_text()
    (src / "_quarto.yml").write_text(
        config.replace("  title: T\n", "  title: T\n  author: Test\n  output-file: testbok\n")
        + "format:\n  html:\n    toc: true\n  typst:\n    papersize: a4\n")
    out = tmp_path / "_book"
    written = build.build(extract, out, tmp_path / "build", engine="quarto",
                          config_path=src / "_quarto.yml", progress=False)
    captured = capfd.readouterr()
    log = captured.out + captured.err
    assert written["engine"] == "quarto"
    assert written["pdf"] == out / "testbok.pdf" and written["pdf"].read_bytes().startswith(b"%PDF")
    assert "unknown font family" not in log
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Demotabell" in html and 'href="tabeller/demo.csv"' in html
    remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
    assert remote == [], f"the page loads from the network: {remote}"
