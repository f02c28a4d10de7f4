"""The data contract: loading, validation messages and writing (helpers.contract)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import contract
from helpers.contract import (
    TABLES,
    ContractError,
    Extract,
    cli,
    load_extract,
    validate,
    write_extract,
)

META = {"uttrekksdato": "2020-12-31", "kilde": "syntetisk", "beskrivelse": "testuttrekk"}
N_PERSONS = 12


def minimal_tables() -> dict[str, pd.DataFrame]:
    """A small valid extract as text columns (as a CSV would hold them).

    Values are distinctive per row (e.g. nav_kontor 'KONTOR_R3'), so a test can assert
    that a message about one column never shows another column's value of that row.
    """
    ids = [f"P{i:03d}" for i in range(N_PERSONS)]
    n = N_PERSONS
    personer = pd.DataFrame({
        "person_id": ids,
        "fodselsar": [str(1951 + i) for i in range(n)],
        "kjonn": ["K", "M"] * (n // 2),
        "landgruppe": [str(1 + i % 3) for i in range(n)],
        "utdanning": [["grunnskole", "vgs_fullfort", "hoyere_lang", ""][i % 4] for i in range(n)],
    })
    fra = [f"2015-{1 + i % 12:02d}-{1 + i:02d}" for i in range(n)]
    til = [f"2016-{1 + i % 12:02d}-{10 + i:02d}" if i % 3 else "" for i in range(n)]
    tiltak = pd.DataFrame({
        "person_id": ids, "fra_dato": fra, "til_dato": til,
        "tiltakskode": [contract.PROGRAMME_CODES[i % 4] for i in range(n)],
        "leverandor_id": [f"LEV{i % 3}" if i % 4 else "" for i in range(n)],
        "nav_kontor": [f"KONTOR_R{i}" for i in range(n)],
        "fylke": ["03", "11"] * (n // 2),
    })
    # leverandor_id LEV2 is not in leverandorer: allowed (provider type `ukjent`).
    arbeidsforhold = pd.DataFrame({
        "person_id": ids, "fra_dato": fra, "til_dato": til,
        "timer_per_uke": [f"{20 + i}.25" for i in range(n)],
    })
    ytelser = pd.DataFrame({
        "person_id": ids, "fra_dato": fra, "til_dato": til,
        "ytelse": ["AAP", "UFORE"] * (n // 2),
        "diagnosegruppe": ["psykisk", ""] * (n // 2),
    })
    brukerstatus = pd.DataFrame({
        "person_id": ids, "fra_dato": fra, "til_dato": til,
        "innsatsgruppe": [contract.INNSATSGRUPPER[i % 4] for i in range(n)],
        "nav_kontor": [f"BKONTOR_R{i}" for i in range(n)],
        "fylke": ["11", "03"] * (n // 2),
    })
    leverandorer = pd.DataFrame({"leverandor_id": ["LEV0", "LEV1"],
                                 "leverandortype": ["skjermet", "kommersiell"]})
    fylker = pd.DataFrame({"fylke": ["03", "11"], "navn": ["Oslo", "Rogaland"],
                           "overgang_dato": ["2016-04-01", "2017-01-01"]})
    ledighet = pd.DataFrame({"fylke": ["03", "11"], "kvartal": ["2016Q3", "2016Q4"],
                             "ledighetsrate": ["2.5", "3.1"]})
    forsok = pd.DataFrame({
        "person_id": ids[:4], "forsok": ["SE-KLAR"] * 4, "enhet": ["03"] * 4,
        "gruppe": ["intervensjon", "kontroll"] * 2, "startdato": ["2017-01-05"] * 4,
        "gift": ["true", "false", "True", "0"], "har_barn": ["1", "0", "false", "TRUE"],
        "fullfort_vgs": ["true"] * 4, "inntekt": ["300000", "0", "150000.5", "1e5"],
        "arbeidstid": ["0", "10", "7.5", "37.5"],
        "ekstra_kolonne": ["x", "y", "z", "w"],  # extra columns are allowed and kept
    })
    return {"personer": personer, "tiltak": tiltak, "arbeidsforhold": arbeidsforhold,
            "ytelser": ytelser, "brukerstatus": brukerstatus, "leverandorer": leverandorer,
            "fylker": fylker, "ledighet": ledighet, "forsok": forsok}


def write_csv_extract(folder: Path, tables: dict[str, pd.DataFrame], meta=META) -> Path:
    """Write tables as NAME.csv (text as is, empty = null) plus uttrekk.json."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    if meta is not None:
        (folder / "uttrekk.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def body(err: pytest.ExceptionInfo | Exception) -> str:
    """The problem lines of a ContractError (the header holds the path, which has digits)."""
    exc = err.value if isinstance(err, pytest.ExceptionInfo) else err
    return str(exc).split("\n", 1)[1]


def line_for(text: str, prefix: str) -> str:
    """The single problem line that starts with `prefix` (after the bullet)."""
    lines = [ln.strip()[2:] for ln in text.splitlines() if ln.strip()[2:].startswith(prefix)]
    assert len(lines) == 1, f"expected one line starting {prefix!r} in:\n{text}"
    return lines[0]


def shown_rows(line: str) -> list[int]:
    return [int(r) for r in re.findall(r"\brow (\d+)", line)]


def load_broken(tmp_path, change) -> str:
    """Write the minimal extract, let `change(tables)` break it, load, return problem lines."""
    tables = minimal_tables()
    change(tables)
    write_csv_extract(tmp_path / "x", tables)
    with pytest.raises(ContractError) as err:
        load_extract(tmp_path / "x")
    return body(err)


# ---------------------------------------------------------------------------- loading

def test_minimal_csv_extract_loads_with_contract_types(tmp_path):
    ext = load_extract(write_csv_extract(tmp_path / "x", minimal_tables()))
    assert isinstance(ext, Extract)
    assert ext.uttrekksdato == pd.Timestamp("2020-12-31") and ext.is_synthetic
    assert ext.files["tiltak"] == "tiltak.csv"
    assert not ext.has("priser") and ext.has("forsok")
    t = ext["tiltak"]
    assert t["fra_dato"].dtype == np.dtype("datetime64[us]")
    assert t["til_dato"].isna().sum() == 4
    assert t.loc[1, "til_dato"] == pd.Timestamp("2016-02-11")
    assert isinstance(t["tiltakskode"].dtype, pd.StringDtype)
    assert t["leverandor_id"].isna().sum() == 3  # empty CSV cell -> null
    p = ext["personer"]
    assert p["fodselsar"].dtype == pd.Int64Dtype() and p.loc[0, "fodselsar"] == 1951
    assert p["landgruppe"].dtype == pd.Int64Dtype()
    assert ext["arbeidsforhold"]["timer_per_uke"].dtype == np.float64
    f = ext["forsok"]
    assert f["gift"].dtype == pd.BooleanDtype()
    assert f["gift"].tolist() == [True, False, True, False]
    assert f["har_barn"].tolist() == [True, False, False, True]
    assert f["ekstra_kolonne"].tolist() == ["x", "y", "z", "w"]
    assert f["inntekt"].tolist() == [300000.0, 0.0, 150000.5, 100000.0]
    with pytest.raises(KeyError, match="priser"):
        ext["priser"]
    assert validate(ext) == []


def test_parquet_extract_written_by_write_extract_loads_the_same(tmp_path):
    from_csv = load_extract(write_csv_extract(tmp_path / "csv", minimal_tables()))
    write_extract(tmp_path / "pq", from_csv)
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == sorted(
        [f"{n}.parquet" for n in from_csv.tables] + ["uttrekk.json", ".helpers-output"])
    from_pq = load_extract(tmp_path / "pq")
    assert from_pq.files["tiltak"] == "tiltak.parquet"
    assert from_pq.meta == META
    for name, df in from_csv.tables.items():
        pd.testing.assert_frame_equal(from_pq[name], df, check_like=False)
    schema = pq.read_schema(tmp_path / "pq" / "tiltak.parquet")
    assert str(schema.field("fra_dato").type) == "date32[day]"
    assert str(schema.field("person_id").type) == "string"
    assert schema.metadata is None or b"pandas" not in schema.metadata


def test_a_table_as_both_parquet_and_csv_is_refused_naming_both(tmp_path):
    folder = write_csv_extract(tmp_path / "x", minimal_tables())
    write_extract(tmp_path / "pq", minimal_tables(), META)
    (tmp_path / "pq" / "fylker.parquet").replace(folder / "fylker.parquet")
    with pytest.raises(ContractError) as err:
        load_extract(folder)
    assert err.value.problems == [
        "fylker.parquet and fylker.csv: both present (keep one: the report will not choose "
        "between two versions of a table)"]


def test_semicolon_csv_is_accepted(tmp_path):
    folder = write_csv_extract(tmp_path / "x", minimal_tables())
    minimal_tables()["fylker"].to_csv(folder / "fylker.csv", index=False, sep=";")
    assert load_extract(folder)["fylker"]["navn"].tolist() == ["Oslo", "Rogaland"]


def test_unknown_leverandor_id_is_not_an_error(tmp_path):
    ext = load_extract(write_csv_extract(tmp_path / "x", minimal_tables()))
    assert "LEV2" in set(ext["tiltak"]["leverandor_id"].dropna())
    assert "LEV2" not in set(ext["leverandorer"]["leverandor_id"])


def test_write_extract_is_deterministic(tmp_path):
    tables = minimal_tables()
    write_extract(tmp_path / "a", tables, META)
    write_extract(tmp_path / "b", minimal_tables(), dict(reversed(list(META.items()))))
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name
    assert (tmp_path / "a" / "uttrekk.json").read_text() == json.dumps(META, sort_keys=True, indent=2) + "\n"


def test_write_extract_accepts_date_objects_in_meta(tmp_path):
    meta = {**META, "uttrekksdato": pd.Timestamp("2020-12-31")}
    write_extract(tmp_path / "x", minimal_tables(), meta)
    assert json.loads((tmp_path / "x" / "uttrekk.json").read_text())["uttrekksdato"] == "2020-12-31"


# ---------------------------------------------------------------------- bad extracts

def test_missing_column(tmp_path):
    text = load_broken(tmp_path, lambda t: t.update(tiltak=t["tiltak"].drop(columns="fylke")))
    line = line_for(text, "tiltak.csv: column 'fylke'")
    assert "missing" in line


def test_unknown_code_shows_at_most_five_values_and_no_other_column(tmp_path):
    bad_rows = [1, 3, 5, 6, 8, 9, 11]

    def change(t):
        for i in bad_rows:
            t["tiltak"].loc[i, "tiltakskode"] = f"FOO{i}"
    text = load_broken(tmp_path, change)
    line = line_for(text, "tiltak.csv: column 'tiltakskode'")
    assert "unknown code (allowed: OPPFOLGING, ARBEID_MED_BISTAND" in line
    assert shown_rows(line) == bad_rows[:5]
    assert "row 1 'FOO1', row 3 'FOO3'" in line
    assert "FOO9" not in line and line.endswith("(+2 more)")
    for i in bad_rows:  # nothing else from those rows
        for col in ("person_id", "nav_kontor", "fra_dato"):
            assert minimal_tables()["tiltak"].loc[i, col] not in text


def test_til_dato_before_fra_dato(tmp_path):
    def change(t):
        t["arbeidsforhold"].loc[2, "til_dato"] = "2014-06-30"
    text = load_broken(tmp_path, change)
    line = line_for(text, "arbeidsforhold.csv: column 'til_dato'")
    assert line == "arbeidsforhold.csv: column 'til_dato': before fra_dato: row 2 '2014-06-30'"
    row = minimal_tables()["arbeidsforhold"].loc[2]
    for value in (row["fra_dato"], row["person_id"], row["timer_per_uke"]):
        assert value not in text


def test_duplicate_person(tmp_path):
    def change(t):
        t["personer"].loc[7, "person_id"] = "P002"
    text = load_broken(tmp_path, change)
    line = line_for(text, "personer.csv: column 'person_id'")
    assert "duplicate" in line
    assert line.endswith("row 2, row 7")  # an identifier's value is never shown
    assert "1958" not in text and "1953" not in text  # fodselsar of rows 7 and 2
    # The person P007 vanished, so the spell tables mention it as unknown (reported too).
    assert "tiltak.csv: column 'person_id': not in personer: row 7" in text


def test_unknown_person_in_spell_table(tmp_path):
    def change(t):
        t["arbeidsforhold"].loc[4, "person_id"] = "P999"
        t["forsok"].loc[0, "person_id"] = "P998"
    text = load_broken(tmp_path, change)
    line = line_for(text, "arbeidsforhold.csv: column 'person_id'")
    assert line == "arbeidsforhold.csv: column 'person_id': not in personer: row 4"  # ids never shown
    assert line_for(text, "forsok.csv: column 'person_id'").endswith("not in personer: row 0")
    assert "P99" not in text
    assert "24.25" not in text and "2015-05-05" not in text  # timer_per_uke, fra_dato of row 4


def test_date_column_that_is_not_dates(tmp_path):
    def change(t):
        t["ytelser"].loc[1, "fra_dato"] = "31.12.2019"
        t["ytelser"].loc[5, "fra_dato"] = "hello"
    text = load_broken(tmp_path, change)
    line = line_for(text, "ytelser.csv: column 'fra_dato'")
    assert "not a date" in line
    assert line.endswith("row 1 '31.12.2019', row 5 'hello'")
    assert "P001" not in text and "P005" not in text and "UFORE" not in text
    # the unparseable values are not also reported as nulls
    assert "ytelser.csv: column 'fra_dato': empty" not in text


def test_parquet_date_column_of_wrong_type(tmp_path):
    folder = write_csv_extract(tmp_path / "x", minimal_tables())
    fylker = minimal_tables()["fylker"]
    fylker["overgang_dato"] = [20160401, 20170101]
    fylker.to_parquet(folder / "fylker.parquet", index=False)
    (folder / "fylker.csv").unlink()
    with pytest.raises(ContractError) as err:
        load_extract(folder)
    line = line_for(body(err), "fylker.parquet: column 'overgang_dato'")
    assert "not a date" in line and "found Int64" in line
    assert line.endswith("row 0 '20160401', row 1 '20170101'")
    assert "Oslo" not in body(err)


def test_unknown_fylke(tmp_path):
    def change(t):
        t["brukerstatus"].loc[0, "fylke"] = "99"
    text = load_broken(tmp_path, change)
    line = line_for(text, "brukerstatus.csv: column 'fylke'")
    assert line == "brukerstatus.csv: column 'fylke': unknown county (not in fylker): row 0 '99'"
    assert "BKONTOR_R0" not in text and "P000" not in text


@pytest.mark.parametrize("meta_text, expected", [
    (None, "uttrekk.json: missing"),
    ('{"uttrekksdato": "2020-12-31", "kilde": ', "uttrekk.json: not valid JSON"),
    ('["2020-12-31"]', "uttrekk.json: must be a JSON object"),
    ('{"uttrekksdato": "2020-12-31", "kilde": "ekte"}',
     "uttrekk.json: key 'kilde': unknown value (allowed: syntetisk, register): 'ekte'"),
    ('{"uttrekksdato": "31.12.2020", "kilde": "register"}',
     "uttrekk.json: key 'uttrekksdato': not a date"),
    ('{"uttrekksdato": "2020-02-30", "kilde": "register"}',
     "uttrekk.json: key 'uttrekksdato': not a date"),
    ('{"kilde": "register"}', "uttrekk.json: key 'uttrekksdato': missing"),
])
def test_bad_uttrekk_json(tmp_path, meta_text, expected):
    folder = write_csv_extract(tmp_path / "x", minimal_tables(), meta=None)
    if meta_text is not None:
        (folder / "uttrekk.json").write_text(meta_text)
    with pytest.raises(ContractError) as err:
        load_extract(folder)
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith(expected)


def test_missing_required_table_and_absent_optional_table(tmp_path):
    def change(t):
        del t["fylker"]
        del t["forsok"]  # optional: no problem
    text = load_broken(tmp_path, change)
    assert text.strip().splitlines() == [
        "- fylker.parquet: missing (required table; fylker.csv is also accepted)"]


@pytest.mark.parametrize("table, column, value, rule", [
    ("personer", "fodselsar", "19x5", "not an integer"),
    ("personer", "fodselsar", "1970.5", "not an integer"),
    ("personer", "landgruppe", "4", "value not allowed (allowed: 1, 2, 3)"),
    ("personer", "kjonn", "", "empty (null) but the column may not be null"),
    ("arbeidsforhold", "timer_per_uke", "ti", "not a number"),
    ("forsok", "gift", "ja", "not a boolean"),
    ("ledighet", "kvartal", "2016-3", "not a quarter"),
    ("ledighet", "kvartal", "2016Q5", "not a quarter"),
    # values the types allow but the world does not (issue 6)
    ("arbeidsforhold", "timer_per_uke", "inf", "not a finite number"),
    ("arbeidsforhold", "timer_per_uke", "-3", "below the smallest value allowed (0)"),
    ("arbeidsforhold", "timer_per_uke", "200", "above the largest value allowed (168)"),
    ("personer", "fodselsar", "2031", "after the year of uttrekksdato (2020)"),
    ("personer", "fodselsar", "1820", "below the smallest value allowed (1900)"),
    ("tiltak", "fra_dato", "2021-01-01", "after uttrekksdato 2020-12-31"),
    ("ytelser", "fra_dato", "2021-03-01", "after uttrekksdato 2020-12-31"),
    ("forsok", "startdato", "2022-01-01", "after uttrekksdato 2020-12-31"),
    ("ledighet", "ledighetsrate", "140", "above the largest value allowed (100)"),
    ("forsok", "arbeidstid", "-1", "below the smallest value allowed (0)"),
    ("tiltak", "fra_dato", "2015-02-02 10:30:00",
     "has a time of day (expected a date; a timestamp is accepted only at midnight"),
])
def test_value_rules(tmp_path, table, column, value, rule):
    def change(t):
        t[table].loc[1, column] = value
    text = load_broken(tmp_path, change)
    line = line_for(text, f"{table}.csv: column '{column}'")
    assert rule in line
    assert shown_rows(line) == [1]
    if value:
        assert line.endswith(f"row 1 '{value}'")


def test_a_spell_may_end_after_uttrekksdato(tmp_path):
    tables = minimal_tables()
    tables["tiltak"].loc[1, "til_dato"] = "2022-06-30"  # a planned end is not an error
    assert load_extract(write_csv_extract(tmp_path / "x", tables))["tiltak"]["til_dato"].max() \
        == pd.Timestamp("2022-06-30")


def _tiltak_with_fra_dato(tmp_path, fra: pd.Series) -> Path:
    """The minimal extract with tiltak as Parquet whose fra_dato column is `fra`."""
    folder = write_csv_extract(tmp_path / "x", minimal_tables())
    tiltak = pd.read_csv(folder / "tiltak.csv", dtype=str, keep_default_na=False)
    tiltak["fra_dato"] = fra
    (folder / "tiltak.csv").unlink()
    tiltak.to_parquet(folder / "tiltak.parquet", index=False)
    return folder


def test_time_zone_aware_timestamps_are_read_as_oslo_dates(tmp_path):
    # Oslo midnight written as UTC (as database and R exports give it) is the Oslo date,
    # not the day before: 2015-03-01 00:00 Oslo = 2015-02-28 23:00 UTC.
    oslo_midnight = pd.date_range("2015-03-01", periods=N_PERSONS, freq="7D", tz="Europe/Oslo")
    folder = _tiltak_with_fra_dato(tmp_path, pd.Series(oslo_midnight.tz_convert("UTC")))
    fra = load_extract(folder)["tiltak"]["fra_dato"]
    assert fra.iloc[0] == pd.Timestamp("2015-03-01")
    assert (fra.to_numpy() == oslo_midnight.tz_localize(None).to_numpy()).all()


def test_time_zone_aware_text_is_read_as_oslo_dates(tmp_path):
    tables = minimal_tables()
    tables["tiltak"].loc[0, "fra_dato"] = "2015-06-30T22:00:00Z"  # 1 July, Oslo midnight
    tables["tiltak"].loc[1, "fra_dato"] = "2015-02-01T00:00:00+01:00"
    fra = load_extract(write_csv_extract(tmp_path / "x", tables))["tiltak"]["fra_dato"]
    assert fra.iloc[0] == pd.Timestamp("2015-07-01")
    assert fra.iloc[1] == pd.Timestamp("2015-02-01")


def test_a_time_of_day_is_refused_never_shifted(tmp_path):
    times = pd.Series(pd.date_range("2015-03-01", periods=N_PERSONS, freq="7D"))
    times.iloc[[2, 5]] += pd.Timedelta(hours=13)
    utc = pd.Series(pd.date_range("2015-03-01", periods=N_PERSONS, freq="7D", tz="UTC"))
    for fra, rows in ((times, [2, 5]), (utc, list(range(N_PERSONS)))):  # UTC midnight is 01:00 Oslo
        folder = _tiltak_with_fra_dato(tmp_path / str(len(rows)), fra)
        with pytest.raises(ContractError) as err:
            load_extract(folder)
        line = line_for(body(err), "tiltak.parquet: column 'fra_dato'")
        assert "has a time of day" in line
        assert shown_rows(line) == rows[:5]


def test_categorical_text_columns_are_accepted(tmp_path):
    # pandas categoricals and R factors arrive in Parquet as dictionary-encoded strings
    folder = write_csv_extract(tmp_path / "x", minimal_tables())
    for name in ("tiltak", "personer"):
        df = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for column in df.columns:
            df[column] = df[column].replace("", None).astype("category")
        (folder / f"{name}.csv").unlink()
        df.to_parquet(folder / f"{name}.parquet", index=False)
    assert pa.types.is_dictionary(pq.read_schema(folder / "tiltak.parquet").field("tiltakskode").type)
    ext = load_extract(folder)
    reference = load_extract(write_csv_extract(tmp_path / "y", minimal_tables()))
    for name in ("tiltak", "personer"):
        pd.testing.assert_frame_equal(ext[name], reference[name])


@pytest.mark.parametrize("table", ["personer", "tiltak", "fylker"])
def test_an_empty_required_table_is_refused(tmp_path, table):
    def change(t):
        t[table] = t[table].iloc[0:0]
    line = line_for(load_broken(tmp_path, change), f"{table}.csv: has no rows")
    assert "needs at least 1" in line


def test_identifiers_are_never_shown_and_eleven_digits_are_masked(tmp_path):
    def change(t):
        t["tiltak"].loc[3, "person_id"] = "01017012345"  # unknown person, shaped like an id
        t["tiltak"].loc[4, "tiltakskode"] = "KODE 01017054321"
    text = load_broken(tmp_path, change)
    assert "01017012345" not in text and "01017054321" not in text
    assert line_for(text, "tiltak.csv: column 'person_id'").endswith("not in personer: row 3")
    assert "'KODE <11 sifre>'" in line_for(text, "tiltak.csv: column 'tiltakskode'")


def test_observasjonsstart_is_checked(tmp_path):
    for value, expected in (("2010/01/01", "key 'observasjonsstart': not a date"),
                            ("2021-01-01", "key 'observasjonsstart': after uttrekksdato")):
        folder = write_csv_extract(tmp_path / value.replace("/", "_"), minimal_tables(),
                                   meta={**META, "observasjonsstart": value})
        with pytest.raises(ContractError) as err:
            load_extract(folder)
        assert [p[:len(expected) + 14] for p in err.value.problems] == \
            [f"uttrekk.json: {expected}"]
    ok = write_csv_extract(tmp_path / "ok", minimal_tables(),
                           meta={**META, "observasjonsstart": "2012-03-01"})
    assert load_extract(ok).meta["observasjonsstart"] == "2012-03-01"


def _survey() -> dict[str, pd.DataFrame]:
    survey = pd.DataFrame({
        "respondent_id": ["R1", "R2", "R3"], "aar": ["2015", "2019", "2019"],
        "tjenesteomrade": ["A", "A", "B"], "fylke": ["03", "11", "03"],
        "leverandor_id": ["LEV0", "", "LEV1"], "tiltak": ["gammelt", "utvidet", "nytt"],
        "leverandortype": ["skjermet", "ukjent", "kommersiell"],
        "sammenlignbart_omrade": ["true", "true", "false"],
        "motefrekvens": ["ukentlig", "sjeldnere", "ukentlig"],
        "deltakere": ["11", "12.5", "9"],
        "temaer": ["jobb;helse", "", "helse"],
    })
    codebook = pd.DataFrame({
        "sporsmal": ["motefrekvens", "deltakere", "temaer"],
        "tekst": ["Hvor ofte møter du deltakeren?", "Antall deltakere", "Tema (flere svar)"],
        "type": ["kategori", "antall", "flervalg"],
        "kategorier": ["ukentlig;annenhver uke;sjeldnere", "", "jobb;helse;bolig"],
        "figur": ["Figur 2.1", "Figur 2.5", "Figur 2.2"],
    })
    return {"sporreundersokelse": survey, "sporreundersokelse_kodebok": codebook}


def test_survey_with_codebook_loads(tmp_path):
    ext = load_extract(write_csv_extract(tmp_path / "x", {**minimal_tables(), **_survey()}))
    assert ext["sporreundersokelse"]["tiltak"].tolist() == ["gammelt", "utvidet", "nytt"]
    assert ext["sporreundersokelse"]["sammenlignbart_omrade"].tolist() == [True, True, False]
    assert ext["sporreundersokelse_kodebok"]["type"].tolist() == ["kategori", "antall", "flervalg"]


def test_survey_answers_follow_the_codebook(tmp_path):
    tables = {**minimal_tables(), **_survey()}
    survey = tables["sporreundersokelse"]
    survey.loc[1, "motefrekvens"] = "daglig"
    survey.loc[2, "deltakere"] = "-2"
    survey.loc[0, "temaer"] = "jobb;penger"
    survey["ukjent_sporsmal"] = ["a", "b", "c"]
    survey.loc[2, "fylke"] = "99"
    with pytest.raises(ContractError) as err:
        load_extract(write_csv_extract(tmp_path / "x", tables))
    text = body(err)
    assert line_for(text, "sporreundersokelse.csv: column 'motefrekvens'").endswith(
        "answer not among the codebook's categories (ukentlig, annenhver uke, sjeldnere): "
        "row 1 'daglig'")
    assert shown_rows(line_for(text, "sporreundersokelse.csv: column 'deltakere'")) == [2]
    assert "row 0 'jobb;penger'" in line_for(text, "sporreundersokelse.csv: column 'temaer'")
    assert "'ukjent_sporsmal'" in line_for(text, "sporreundersokelse.csv: question column(s)")
    assert "row 2 '99'" in line_for(text, "sporreundersokelse.csv: column 'fylke'")


def test_survey_without_codebook_is_refused(tmp_path):
    tables = {**minimal_tables(), **_survey()}
    del tables["sporreundersokelse_kodebok"]
    with pytest.raises(ContractError) as err:
        load_extract(write_csv_extract(tmp_path / "x", tables))
    assert err.value.problems == [
        "sporreundersokelse_kodebok.parquet: missing (required with sporreundersokelse.csv: "
        "it describes the question columns)"]


def test_duplicate_reference_key(tmp_path):
    def change(t):
        t["ledighet"].loc[1, ["fylke", "kvartal"]] = ["03", "2016Q3"]
    line = line_for(load_broken(tmp_path, change), "ledighet.csv: column 'fylke+kvartal'")
    assert "duplicate combination" in line and "row 0 '03/2016Q3', row 1 '03/2016Q3'" in line


def test_all_problems_are_reported_in_one_error(tmp_path):
    def change(t):
        t["tiltak"].loc[3, "tiltakskode"] = "FOO"
        t["brukerstatus"].loc[0, "fylke"] = "99"
        t["personer"] = t["personer"].drop(columns="kjonn")
        t["ytelser"].loc[2, "til_dato"] = "ikke en dato"
    tables = minimal_tables()
    change(tables)
    write_csv_extract(tmp_path / "x", tables, meta={**META, "kilde": "ekte"})
    with pytest.raises(ContractError) as err:
        load_extract(tmp_path / "x")
    msg = str(err.value)
    head, *lines = msg.splitlines()
    assert head.startswith(f"Uttrekket i {tmp_path / 'x'} følger ikke datakontrakten (DATA_CONTRACT.md): 5 problem(er)")
    assert "The extract in" in head and "5 problem(s)" in head
    assert len(lines) == 5 == len(err.value.problems)
    assert all(ln.startswith("  - ") for ln in lines)
    for prefix in ("uttrekk.json: key 'kilde'", "personer.csv: column 'kjonn': missing",
                   "tiltak.csv: column 'tiltakskode'", "ytelser.csv: column 'til_dato': not a date",
                   "brukerstatus.csv: column 'fylke'"):
        line_for(msg, prefix)


def test_validate_in_memory_extract_returns_problems_without_modifying(tmp_path):
    ext = load_extract(write_csv_extract(tmp_path / "x", minimal_tables()))
    tiltak = ext["tiltak"].copy()
    tiltak.loc[0, "tiltakskode"] = "BAR"
    broken = Extract(ext.path, ext.meta, {**ext.tables, "tiltak": tiltak})
    problems = validate(broken)
    assert len(problems) == 1
    assert problems[0].startswith("tiltak.parquet: column 'tiltakskode': unknown code")
    assert problems[0].endswith("row 0 'BAR'")
    assert broken["tiltak"].loc[0, "tiltakskode"] == "BAR"


def test_write_extract_refuses_invalid_tables_and_keeps_earlier_output(tmp_path):
    out = write_extract(tmp_path / "out", minimal_tables(), META)
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    tables = minimal_tables()
    tables["tiltak"].loc[0, "tiltakskode"] = "BAR"
    with pytest.raises(ContractError, match="tiltak.parquet: column 'tiltakskode'"):
        write_extract(out, tables, META)
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before


def test_write_extract_failing_midway_leaves_earlier_output_untouched(tmp_path, monkeypatch):
    out = write_extract(tmp_path / "out", minimal_tables(), META)
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    calls = []
    real = pq.write_table

    def failing(table, where, **kw):
        calls.append(where)
        if len(calls) == 3:
            raise OSError("disk full (simulated)")
        return real(table, where, **kw)
    monkeypatch.setattr(contract.pq, "write_table", failing)
    tables = minimal_tables()
    tables["fylker"]["navn"] = ["Ny", "Ny"]
    with pytest.raises(OSError, match="simulated"):
        write_extract(out, tables, META)
    assert len(calls) == 3
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left


def test_unreadable_file_is_reported_without_its_contents(tmp_path):
    folder = write_csv_extract(tmp_path / "x", minimal_tables())
    (folder / "fylker.csv").write_text("fylke,navn,overgang_dato\n03,Oslo,2016-04-01,HEMMELIG\n")
    (folder / "leverandorer.csv").unlink()
    (folder / "leverandorer.parquet").write_bytes(b"not parquet")
    with pytest.raises(ContractError) as err:
        load_extract(folder)
    text = body(err)
    assert "fylker.csv: cannot be read" in text and "HEMMELIG" not in text
    assert "leverandorer.parquet: cannot be read" in text
    assert "fylker.parquet: missing" not in text


# ---------------------------------------------------------------------------- cli

def test_cli_ok_and_error(tmp_path, capsys):
    folder = write_csv_extract(tmp_path / "x", minimal_tables())
    assert cli([str(folder)]) == 0
    out = capsys.readouterr().out
    rows = sum(len(df) for df in minimal_tables().values())
    assert out.startswith(f"OK: 9 tables, {rows} rows")
    (folder / "uttrekk.json").unlink()
    assert cli([str(folder)]) == 1
    assert "uttrekk.json: missing" in capsys.readouterr().err


def test_contract_spec_is_consistent():
    for table in TABLES.values():
        assert set(table.key) <= set(table.column_names)
        if table.spell:
            assert table.column_names[:3] == ["person_id", "fra_dato", "til_dato"]


def test_a_category_question_without_categories_says_so(tmp_path):
    tables = {**minimal_tables(), **_survey()}
    tables["sporreundersokelse_kodebok"].loc[0, "kategorier"] = ""
    with pytest.raises(ContractError) as err:
        load_extract(write_csv_extract(tmp_path / "x", tables))
    assert "categories (none given): row 0 'ukentlig'" in line_for(
        body(err), "sporreundersokelse.csv: column 'motefrekvens'")
