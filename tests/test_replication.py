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
