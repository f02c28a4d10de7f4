"""The rendered book works with no network: every page opened in headless Chromium, served
from localhost with every other connection refused, logs nothing on the console
(tests/offline_console.py). Skipped where Chromium is not installed (CI); the Quarto case
also needs Quarto on PATH."""
from __future__ import annotations

import pytest

from helpers import build, quarto
from tests.offline_console import check_book, chromium
from tests.test_build import one_chapter_book
from tests.test_quarto import TABLE_CODE

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(chromium() is None, reason="Chromium is not installed")]


def test_the_check_sees_a_script_missing_offline(tmp_path):
    (tmp_path / "side.html").write_text(
        '<html><head><script src="https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.min.js">'
        "</script><script>define('jquery', [], function() {return 1;})</script></head>"
        "<body>x</body></html>")
    found = check_book(tmp_path)
    assert list(found) == ["side.html"] and "define is not defined" in found["side.html"][-1]


@pytest.mark.parametrize("engine", ["pandoc", pytest.param("quarto", marks=pytest.mark.skipif(
    quarto.quarto_problem() is not None, reason="Quarto ≥ 1.9 is not on PATH"))])
def test_a_book_with_a_table_logs_nothing_offline(tmp_path, engine):
    extract, src, _ = one_chapter_book(tmp_path, TABLE_CODE)
    (src / "_quarto.yml").write_text((src / "_quarto.yml").read_text().replace(
        "  title: T\n", "  title: T\n  author: Test\n"))
    out = tmp_path / "_book"
    build.build(extract, out, tmp_path / "build", engine=engine,
                config_path=src / "_quarto.yml", progress=False)
    assert check_book(out) == {}
