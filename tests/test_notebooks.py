"""The chapters on extracts unlike the synthetic default: every notebook must run and read
sensibly when a group is empty, cells are hidden, optional tables are missing, the data
are real (kilde register) and the files are CSV. nbval covers the default extract."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers import build, config
from tests.builders import ExtractBuilder

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # executes the whole book


def old_programme_only_extract(folder: Path, persons: int = 40) -> Path:
    """A register extract as CSV: only old-programme entrants (no new Oppfølging, no Utvidet),
    few enough that many cells are hidden; no ledighet, priser or prisindeks."""
    rng = np.random.default_rng(7)
    b = ExtractBuilder(kilde="register")
    for i in range(persons):
        pid = f"R{i:03d}"
        year = 2013 + i % 3
        b.person(pid, fodselsar=int(rng.integers(1955, 1998)), kjonn="KM"[i % 2],
                 landgruppe=int(rng.choice([1, 1, 1, 2, 3])),
                 utdanning=[None, "grunnskole", "vgs_fullfort", "hoyere_kort"][i % 4])
        kode = "ARBEID_MED_BISTAND" if i % 2 else "OPPFOLGING"
        b.tiltak(pid, f"{year}-0{1 + i % 5}-10", f"{year}-{7 + i % 5:02d}-20", kode=kode)
        b.status(pid, f"{year - 2}-01-01", None,
                 gruppe="varig_tilpasset" if i % 3 else "situasjonsbestemt")
        if i % 2:
            b.ytelse(pid, f"{year - 1}-06-01", f"{year + 1}-12-31",
                     diagnose=["psykisk", "muskel_skjelett", None][i % 3])
        if i % 4 == 0:
            b.jobb(pid, f"{year - 2}-03-01", f"{year + 2}-05-31", timer=20.0)
    folder.mkdir()
    for name, table in b.tables().items():
        table.to_csv(folder / f"{name}.csv", index=False)
    (folder / "uttrekk.json").write_text(json.dumps({**b.meta, "beskrivelse": "Testuttrekk"}))
    return folder


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("edge")
    extract = old_programme_only_extract(tmp / "uttrekk")
    return build.execute(extract, tmp / "build", progress=False)


def markdown_outputs(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return ["".join(out.get("data", {}).get("text/markdown", ""))
            for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def test_every_chapter_runs_and_no_sentence_says_nan(executed):
    notebooks = sorted(executed.rglob("*.ipynb"))
    assert len(notebooks) == len(config.book_chapters(REPO / "_quarto.yml"))
    for path in notebooks:
        for text in markdown_outputs(path):
            assert not re.search(r"\bnan\b", text, re.IGNORECASE), (path.name, text)


def test_sentences_name_the_empty_group_and_the_register_source(executed):
    texts = " ".join(markdown_outputs(executed / "report" / "chapters" / "deltakersammensetning.ipynb"))
    assert "ingen i gruppen i det nye" in texts
    assert "registeruttrekk" in texts and "Syntetiske data" not in texts
    appendix = " ".join(markdown_outputs(executed / "report" / "chapters" / "vedlegg_data_og_metode.ipynb"))
    assert "kalibreringen gjelder bare det syntetiske uttrekket" in appendix


def test_an_extract_without_entrants_gives_a_book_that_says_so(tmp_path):
    """Persons and follow-up spells, but every entry after 2018: the frame is empty. Every
    chapter still runs, says that there is nothing to show, draws no empty axes, and no
    sentence pretends a share was hidden."""
    b = ExtractBuilder(kilde="register")
    for i in range(8):
        b.person(f"R{i}").tiltak(f"R{i}", "2019-03-01", None)
    folder = tmp_path / "uttrekk"
    folder.mkdir()
    for name, table in b.tables().items():
        table.to_csv(folder / f"{name}.csv", index=False)
    (folder / "uttrekk.json").write_text(json.dumps(b.meta))
    book = build.execute(folder, tmp_path / "build", progress=False)
    chapter = book / "report" / "chapters" / "deltakersammensetning.ipynb"
    texts = markdown_outputs(chapter)
    assert any("ingen tilganger til oppfølgingstiltak i 2013–2018" in t for t in texts)
    assert not any("skjult" in t for t in texts)
    for path in sorted(book.rglob("*.ipynb")):
        for text in markdown_outputs(path):
            assert not re.search(r"\bnan\b", text, re.IGNORECASE), (path.name, text)
