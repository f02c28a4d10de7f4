"""helpers.replication: our tabeller joined with the published cells, on hand-made frames
with known differences."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import replication
from helpers.published import CORRECTIONS


def cells(rows, flag_column: str = "flag") -> pd.DataFrame:
    """(table, section, row, column, unit, value, flag) tuples as a frame."""
    return pd.DataFrame(rows, columns=["table", "section", "row", "column", "unit", "value",
                                       flag_column])


def published(rows) -> pd.DataFrame:
    df = cells(rows, "published_flag").rename(columns={"value": "published"})
    df["printed"] = df["published"]
    df["corrected"] = False
    return df


PUBLISHED = published([
    ("t", "", "Kvinner", "Gammelt", "percent", 50.0, ""),
    ("t", "", "Kvinner", "Nytt", "percent", 40.0, ""),
    ("t", "", "Antall", "Gammelt", "count", 1000.0, ""),
    ("t", "", "Antall", "Nytt", "count", 2000.0, ""),
    ("t", "", "Alder", "Gammelt", "years", 40.0, ""),
    ("m", "", "Nytt tiltak", "", "coefficient", 0.03, ""),
    ("m", "", "Fylke", "", "other", np.nan, "Ja"),
    ("m", "", "R2", "", "r2", 0.1, ""),
])


def status(compared: pd.DataFrame, row: str, column: str = "") -> str:
    hit = compared[(compared["row"] == row) & (compared["column"] == column)]
    assert len(hit) == 1
    return hit["status"].iloc[0]


def test_known_differences_and_tolerance_edges():
    ours = cells([
        ("t", "", "Kvinner", "Gammelt", "percent", 51.5, ""),    # exactly 1.5 pp: within
        ("t", "", "Kvinner", "Nytt", "percent", 38.49, ""),      # 1.51 pp: outside
        ("t", "", "Antall", "Gammelt", "count", 1010.0, ""),     # 1 % of 1000: within
        ("t", "", "Antall", "Nytt", "count", 1979.0, ""),        # 1.05 % of 2000: outside
        ("t", "", "Alder", "Gammelt", "years", 40.4, ""),
        ("m", "", "Nytt tiltak", "", "coefficient", 0.041, ""),  # 0.011: outside
        ("m", "", "Fylke", "", "other", np.nan, "Ja"),
        ("m", "", "R2", "", "r2", 0.12, ""),                     # 0.02: within
    ])
    compared = replication.compare(ours, PUBLISHED)
    assert len(compared) == len(PUBLISHED)
    assert status(compared, "Kvinner", "Gammelt") == replication.WITHIN
    assert status(compared, "Kvinner", "Nytt") == replication.OUTSIDE
    assert status(compared, "Antall", "Gammelt") == replication.WITHIN
    assert status(compared, "Antall", "Nytt") == replication.OUTSIDE
    assert status(compared, "Alder", "Gammelt") == replication.WITHIN
    assert status(compared, "Nytt tiltak") == replication.OUTSIDE
    assert status(compared, "Fylke") == replication.WITHIN
    assert status(compared, "R2") == replication.WITHIN
    kvinner = compared[(compared["row"] == "Kvinner") & (compared["column"] == "Nytt")]
    assert kvinner["difference"].iloc[0] == pytest.approx(-1.51)
    antall = compared[(compared["row"] == "Antall") & (compared["column"] == "Nytt")]
    assert antall["allowed"].iloc[0] == pytest.approx(20.0)


def test_flag_cells_must_match():
    ours = cells([("m", "", "Fylke", "", "other", np.nan, "Nei")])
    compared = replication.compare(ours, PUBLISHED)
    assert status(compared, "Fylke") == replication.OUTSIDE


def test_hidden_and_missing_cells():
    ours = cells([("t", "", "Kvinner", "Gammelt", "percent", np.nan, "skjult")])
    compared = replication.compare(ours, PUBLISHED)
    assert status(compared, "Kvinner", "Gammelt") == replication.HIDDEN
    assert status(compared, "Kvinner", "Nytt") == replication.MISSING
    assert (compared["table"] == "m").sum() == 3
    assert set(compared.loc[compared["table"] == "m", "status"]) == {replication.MISSING}
    assert compared.loc[compared["status"] == replication.MISSING, "ours"].isna().all()


def test_unit_is_part_of_the_key():
    # Tabell 2.1 prints a count and a share with the same row and column.
    pub = published([("t", "", "Skjermet", "Gammelt", "count", 100.0, ""),
                     ("t", "", "Skjermet", "Gammelt", "percent", 60.0, "")])
    ours = cells([("t", "", "Skjermet", "Gammelt", "percent", 61.0, ""),
                  ("t", "", "Skjermet", "Gammelt", "count", 150.0, "")])
    compared = replication.compare(ours, pub).set_index("unit")
    assert compared.loc["count", "status"] == replication.OUTSIDE
    assert compared.loc["percent", "status"] == replication.WITHIN
    assert compared.loc["count", "difference"] == pytest.approx(50.0)


def test_duplicated_cells_of_ours_are_refused():
    ours = cells([("t", "", "Kvinner", "Gammelt", "percent", 50.0, ""),
                  ("t", "", "Kvinner", "Gammelt", "percent", 51.0, "")])
    with pytest.raises(ValueError, match="flere ganger"):
        replication.compare(ours, PUBLISHED)


def test_unknown_unit_has_no_tolerance():
    with pytest.raises(KeyError, match="toleranse"):
        replication.tolerance("furlongs")


def test_corrected_values_are_compared_and_marked():
    fix = CORRECTIONS.iloc[0]
    pub = replication.published_cells([fix.table])
    hit = pub[(pub["row"] == fix.row) & (pub["column"] == fix.column)]
    assert len(hit) == 1
    assert bool(hit["corrected"].iloc[0])
    assert hit["published"].iloc[0] == pytest.approx(fix.value)
    assert hit["printed"].iloc[0] != pytest.approx(fix.value)
    ours = cells([(fix.table, hit["section"].iloc[0], fix.row, fix.column, hit["unit"].iloc[0],
                   fix.value + 0.5, "")])
    compared = replication.compare(ours, pub)
    row = compared[compared["corrected"]]
    row = row[(row["row"] == fix.row) & (row["column"] == fix.column)]
    assert row["difference"].iloc[0] == pytest.approx(0.5)
    assert row["status"].iloc[0] == replication.WITHIN


def test_every_published_unit_of_the_covered_tables_has_a_tolerance():
    pub = replication.published_cells()
    assert set(pub["table"]) == set(replication.TABLES)
    for unit in pub["unit"].unique():
        replication.tolerance(unit)


def test_read_table_data_skips_missing_tables(tmp_path):
    cells([("tabell_2_1", "", "Skjermet", "Gammelt", "count", 5.0, "")]).assign(
        stars="").to_csv(tmp_path / "tabell_2_1.csv", index=False)
    ours = replication.read_table_data(tmp_path)
    assert list(ours["table"]) == ["tabell_2_1"]
    compared = replication.replication(tmp_path)
    assert set(compared.loc[compared["table"] != "tabell_2_1", "status"]) == {
        replication.MISSING}


def test_summary_counts_and_largest_difference():
    ours = cells([
        ("t", "", "Kvinner", "Gammelt", "percent", 51.0, ""),
        ("t", "", "Kvinner", "Nytt", "percent", 37.0, ""),
        ("t", "", "Antall", "Gammelt", "count", np.nan, "skjult"),
    ])
    s = replication.summary(replication.compare(ours, PUBLISHED)).set_index("table")
    assert s.loc["t", "cells"] == 5
    assert s.loc["t", "computed"] == 3
    assert s.loc["t", "within"] == 1
    assert s.loc["t", "outside"] == 1
    assert s.loc["t", "hidden"] == 1
    assert s.loc["t", "largest"] == pytest.approx(3.0)
    assert s.loc["t", "largest_row"] == "Kvinner"
    assert s.loc["m", "computed"] == 0
    assert np.isnan(s.loc["m", "largest"])


def test_the_build_runs_a_reader_of_tabeller_after_the_chapters(tmp_path):
    """A chapter with a TABELLER parameter runs after the others, with their tables written,
    although _quarto.yml lists it first; its own table is written too, and the path it was
    given holds in the finished book (where nbval re-runs it)."""
    import os

    import nbformat

    from helpers import build
    from helpers.contract import write_extract
    from tests.builders import ExtractBuilder

    builder = ExtractBuilder().person("P1").tiltak("P1", "2015-03-01", None)
    extract = write_extract(tmp_path / "uttrekk", builder.tables(), builder.meta)
    writer = ("import pandas as pd\nfrom great_tables import GT\nfrom helpers import tables\n"
              "data = pd.DataFrame({'table': 'demo', 'section': '', 'row': ['a'], 'column': 'x',"
              " 'value': [1.25], 'stars': '', 'unit': 'percent', 'flag': ''})\n"
              "tables.with_data(GT(pd.DataFrame({'a': [1]}), id='tbl-demo'), data, 'demo')")
    reader = ("import pandas as pd\nfrom great_tables import GT\nfrom helpers import tables\n"
              "seen = pd.read_csv(TABELLER + '/demo.csv')\nprint('lest', seen['value'].iloc[0])\n"
              "tables.with_data(GT(seen, id='tbl-les'), seen.assign(table='les'), 'les')")
    src = tmp_path / "src"
    (src / "report").mkdir(parents=True)
    (src / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: T\n  chapters:\n    - report/index.ipynb\n"
        "    - report/les.ipynb\n    - report/skriv.ipynb\n")
    for name, code, parameters in [
            ("index", "print('indeks')", 'EXTRACT = "x"'),
            ("les", reader, 'EXTRACT = "x"\nTABELLER = "nowhere"'),
            ("skriv", writer, 'EXTRACT = "x"')]:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"),
                    nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell(code)]
        nbformat.write(nb, src / "report" / f"{name}.ipynb")
    assert build.reads_table_data(src / "report" / "les.ipynb")
    assert not build.reads_table_data(src / "report" / "skriv.ipynb")

    book = build.execute(extract, tmp_path / "build", config_path=src / "_quarto.yml",
                         progress=False, jobs=2)
    executed = nbformat.read(book / "report" / "les.ipynb", as_version=4)
    assert "lest 1.25" in executed.cells[-1].outputs[0]["text"]
    injected = next(c for c in executed.cells
                    if "injected-parameters" in c.metadata.get("tags", []))
    relative = injected.source.split("TABELLER = ")[1].strip().strip('"')
    assert not os.path.isabs(relative)
    assert (book / "report" / relative / "demo.csv").is_file()
    assert (book / "report" / "tabeller" / "les.csv").is_file()


def test_sentences_follow_the_numbers():
    ours = cells([("t", "", "Kvinner", "Gammelt", "percent", 52.0, ""),
                  ("t", "", "Kvinner", "Nytt", "percent", 40.5, "")])
    compared = replication.compare(ours, PUBLISHED)
    s = replication.summary(compared).set_index("table")
    line = replication.table_sentence(s.loc["t"].to_dict() | {"title": "T"})
    assert line.startswith("T: 1 av 2 sammenlignbare celler er innenfor toleransen (3 ikke beregnet)")
    assert "+2,0 prosentpoeng (Kvinner), utenfor toleransen" in line
    missing = replication.table_sentence(s.loc["m"].to_dict() | {"title": "M"})
    assert "ikke beregnet" in missing
    assert "generatoren er kalibrert" in replication.overall_sentence(compared, True)
    real = replication.overall_sentence(compared, False)
    assert "gjenskapes" in real and "er 1 innenfor toleransen og 1 utenfor" in real


def test_appendix_data_has_ours_published_and_difference_per_cell():
    from helpers.tables import DATA_COLUMNS

    ours = cells([("t", "", "Kvinner", "Gammelt", "percent", 52.0, "")])
    compared = replication.compare(ours, PUBLISHED)
    data = replication.replication_data(compared)
    assert list(data.columns) == DATA_COLUMNS
    assert len(data) == 3 * len(PUBLISHED)
    cell = data[data["row"] == "Kvinner (Gammelt)"].set_index("column")
    assert cell.loc["beregnet", "value"] == 52.0
    assert cell.loc["publisert", "value"] == 50.0
    assert cell.loc["differanse", "value"] == pytest.approx(2.0)
    assert cell.loc["differanse", "flag"] == replication.OUTSIDE
    table = replication.replication_gt(compared, True, "Kilde: test")
    assert table.name == "replikasjon"
    html = table.gt.as_raw_html()
    assert "Kilde: test" in html and "Syntetisk" in html and "ikke beregnet" in html


# --- Prose facts of Figur 2.9 --------------------------------------------------------------

def _figur_2_9_folder(tmp_path, values: dict) -> str:
    """A tabeller/figur_2_9.csv with our value for each (row, column) in `values`."""
    rows = [{"table": "figur_2_9", "section": "", "row": r, "column": c, "value": v,
             "stars": "", "unit": "percent", "flag": "skjult" if v is None else ""}
            for (r, c), v in values.items()]
    pd.DataFrame(rows).to_csv(tmp_path / "figur_2_9.csv", index=False)
    return str(tmp_path)


def test_prose_facts_judge_bounds_and_the_2_point_tolerance(tmp_path):
    ended_6, still_12 = "Avsluttet etter 6 måneder", "Fortsatt i tiltaket etter 12 måneder"
    folder = _figur_2_9_folder(tmp_path, {
        (ended_6, "Gammelt"): 50.5,             # «mer enn 50»: any share above
        (ended_6, "Nytt"): 49.9,                # not above 50
        (still_12, "Nytt"): 17.9,               # «i underkant av 20»: 2.1 under
        (still_12, "Gammelt"): 26.9,            # «rundt 25»: within 2
        ("Fortsatt i tiltaket etter 24 måneder", "Gammelt"): None,  # hidden
    })
    facts = replication.prose_facts(folder).set_index(["row", "column"])
    assert facts.loc[(ended_6, "Gammelt"), "status"] == replication.WITHIN
    assert facts.loc[(ended_6, "Nytt"), "status"] == replication.OUTSIDE
    assert facts.loc[(still_12, "Nytt"), "status"] == replication.OUTSIDE
    assert facts.loc[(still_12, "Gammelt"), "status"] == replication.WITHIN
    assert facts.loc[("Fortsatt i tiltaket etter 24 måneder", "Gammelt"), "status"] == \
        replication.HIDDEN
    assert facts.loc[("Avsluttet etter 2 måneder", "Gammelt og nytt"), "status"] == \
        replication.MISSING
    assert replication.prose_facts_sentence(facts.reset_index()) == (
        "Av 7 tall i teksten til Figur 2.9 er 4 beregnet og vist, og 2 av dem er innenfor "
        "toleransen.")
    assert replication._fact_status("under", 18.0, 20.0) == replication.WITHIN
    assert replication._fact_status("under", 20.5, 20.0) == replication.OUTSIDE


def test_figur_4_1_facts_use_their_own_tolerance_and_wording(tmp_path):
    broad, at_12 = "I jobb ved tilgang, bred definisjon", "I jobb 12 måneder etter tilgang"
    rows = [{"table": "figur_4_1", "section": "", "row": r, "column": c, "value": v,
             "stars": "", "unit": "percent", "flag": ""}
            for (r, c), v in {(broad, "Gammelt"): 21.4,   # «litt over 20»: 0–1.5 above
                              (broad, "Nytt"): 36.6,      # «rundt 35»: 1.6 off
                              (at_12, "Gammelt"): 18.6,   # 20 ± 1.5: 1.4 under
                              (at_12, "Nytt"): 29.0}.items()]
    pd.DataFrame(rows).to_csv(tmp_path / "figur_4_1.csv", index=False)
    facts = replication.prose_facts(tmp_path, "figur_4_1").set_index(["row", "column"])
    status = facts["status"]
    assert status[(broad, "Gammelt")] == replication.WITHIN
    assert status[(broad, "Nytt")] == replication.OUTSIDE
    assert status[(at_12, "Gammelt")] == replication.WITHIN
    assert status[("I jobb ved tilgang", "Gammelt")] == replication.MISSING
    assert replication._fact_status("just_over", 19.9, 20.0, 1.5) == replication.OUTSIDE
    assert replication._fact_status("just_over", 21.6, 20.0, 1.5) == replication.OUTSIDE
    assert facts.loc[(broad, "Gammelt"), "tolerance"] == "inntil 1,5 prosentpoeng over publisert"
    assert replication.prose_facts_sentence(facts.reset_index(), "figur_4_1").startswith(
        "Av 8 tall i teksten til Figur 4.1 er 4 beregnet og vist, og 3 av dem")
