"""Calibration targets and tables (helpers.calibration)."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import calibration as cal
from helpers import published, tables


@pytest.fixture(scope="module")
def tt():
    return cal.targets().set_index("id")


@pytest.fixture(scope="module")
def small():
    """A small synthetic extract (scale 0.05) and its analysis frame."""
    from pathlib import Path

    from helpers import synth
    from helpers.contract import Extract
    from helpers.spells import build_frame

    generated, meta = synth.generate(scale=0.05)
    extract = Extract(path=Path("<syntetisk>"), meta=dict(meta), tables=dict(generated))
    return build_frame(extract), extract


def test_targets_read_published_values(tt):
    assert tt.index.is_unique
    assert tt.loc["t21_sum_gammelt_antall", "target"] == 46865
    assert tt.loc["t21_sum_nytt_antall", "target"] == 32851
    assert tt.loc["t21_kommersiell_nytt_andel", "target"] == 54.3
    assert tt.loc["t31_female_gammelt", "target"] == 51.2
    assert tt.loc["t31_na_nytt", "target"] == 58.7
    assert tt.loc["t31_age_mean_nytt", "target"] == 39.8
    # Corrected values (published.CORRECTIONS): the diagnosis rows are swapped (NOTES item 2)
    # and mapped by their printed labels.
    assert tt.loc["t31_aap_psykisk_gammelt", "target"] == 32.5
    assert tt.loc["t31_aap_psykisk_gammelt", "source"] == "Tabell 3.1 AAP/psykiske lidelser (Gammelt)"
    assert tt.loc["t31_aap_psykisk_nytt", "target"] == 23.2
    assert tt.loc["t31_aap_muskel_skjelett_gammelt", "target"] == 17.3
    assert tt.loc["v1_aap_psykisk_skjermet", "target"] == 23.0
    assert tt.loc["v1_aap_psykisk_kommersiell", "target"] == 22.9
    assert "punkt 2" in tt.loc["t31_aap_psykisk_gammelt", "note"]
    assert "Trykt 17.3, rettet til 32.5" in tt.loc["t31_aap_psykisk_gammelt", "note"]
    assert "punkt 2" in tt.loc["t31_aap_psykisk_nytt", "note"]  # "Som over." spelt out
    assert "samme ombytting" in tt.loc["v1_aap_muskel_skjelett_kommersiell", "note"]
    assert tt.loc["t31_aap_annen_gammelt", "note"] == ""  # not corrected
    # NOTES item 3: Vedleggstabell 1's 31.2 is a typo for 25.6.
    assert tt.loc["v1_age_4_kommersiell", "target"] == 25.6
    assert tt.loc["v1_months_job24_skjermet", "target"] == 8.1
    assert tt.loc["t41_alle_gammelt", "target"] == 19.5
    assert tt.loc["t41_alle_nytt", "target"] == 28.5
    assert tt.loc["p001_fig4_1_job_start_old", "target"] == 5
    assert tt.loc["p001_fig4_1_job_start_new", "target"] == 16
    assert tt.loc["p001_fig3_6_no_programme_nytt", "target"] == 85
    assert tt.loc["p001_fig3_6_no_programme_nytt", "tolerance"] == 5
    assert tt.loc["p001_fig3_3_aap_2018", "kind"] == "under"
    shares = tt[tt["source"].str.match(r"(Tabell 2\.1|Tabell 3\.1|Vedleggstabell 1)")
                & (tt["unit"] == "prosent")]
    assert len(shares) > 80 and (shares["tolerance"] == 1.0).all() and shares["calibrated"].all()
    assert (tt["description"].str.len() > 0).all()


def test_targets_are_read_not_typed(tmp_path):
    copy = tmp_path / "published"
    shutil.copytree(published.PUBLISHED_DIR, copy)
    path = copy / "tabell_3_1.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[(df["row"] == "Kvinner (i %)") & (df["column"] == "Gammelt"), "value"] = "44.4"
    df.to_csv(path, index=False)
    assert cal.targets(copy).set_index("id").loc["t31_female_gammelt", "target"] == 44.4


def test_published_corrections():
    pc = published.published_corrections()
    assert list(pc.columns) == ["table", "row", "column", "printed", "targeted", "reason"]
    row = pc[(pc["table"] == "tabell_3_1") & (pc["row"] == "AAP/psykiske lidelser")
             & (pc["column"] == "Gammelt")].iloc[0]
    assert (row["printed"], row["targeted"]) == (17.3, 32.5)
    row = pc[(pc["row"] == "50 eller eldre")].iloc[0]
    assert (row["printed"], row["targeted"]) == (31.2, 25.6)
    n = pc[pc["row"] == "Totalt antall personer"].set_index("column")
    assert n.loc["Skjermede", "printed"] == 14436 and n.loc["Skjermede", "targeted"] == 14431
    assert n.loc["Kommersielle", "targeted"] == 17833
    # Every corrected value is published.CORRECTIONS', in its order.
    fixes = pc[pc["row"] != "Totalt antall personer"]
    assert fixes[["table", "row", "column"]].values.tolist() == \
        published.CORRECTIONS[["table", "row", "column"]].values.tolist()
    assert fixes["targeted"].tolist() == published.CORRECTIONS["value"].tolist()
    assert not pc["reason"].str.startswith("Som over").any()


def test_corrected_targets_come_from_published_corrections(monkeypatch):
    """The corrected targets are published.CORRECTIONS' values: change one there (or drop
    one) and the target and published_corrections() follow."""
    fixes = published.CORRECTIONS.copy()
    psych = ((fixes["table"] == "tabell_3_1") & (fixes["row"] == "AAP/psykiske lidelser")
             & (fixes["column"] == "Gammelt"))
    age = (fixes["table"] == "vedlegg_1") & (fixes["row"] == "50 eller eldre")
    assert fixes.loc[psych, "value"].item() == 32.5 and fixes.loc[age, "value"].item() == 25.6
    fixes.loc[psych, "value"] = 40.0
    monkeypatch.setattr(published, "CORRECTIONS", fixes[~age].reset_index(drop=True))
    tt = cal.targets().set_index("id")
    assert tt.loc["t31_aap_psykisk_gammelt", "target"] == 40.0
    assert tt.loc["v1_age_4_kommersiell", "target"] == 31.2  # no correction: as printed
    assert tt.loc["v1_age_4_kommersiell", "note"] == ""
    pc = published.published_corrections()
    assert pc.loc[(pc["row"] == "AAP/psykiske lidelser") & (pc["column"] == "Gammelt"),
                  "targeted"].item() == 40.0
    assert not (pc["row"] == "50 eller eldre").any()


def test_synthetic_values_are_the_tables_cells(small):
    """The synthetic value of every Tabell 2.1 / 3.1 / Vedleggstabell 1 target is exactly the
    helpers.tables cell the book shows beside the same published (corrected) cell."""
    frame, extract = small
    table = cal.calibration_table(frame, extract).set_index("id")
    cells = cal.target_cells()
    from_tables = table["source"].str.match(r"(Tabell 2\.1|Tabell 3\.1|Vedleggstabell 1) ")
    assert set(cells["id"]) == set(table.index[from_tables])
    assert len(cells) == 2 * 9 + 2 * 21 + 2 * 23  # every printed cell but the N rows
    ours = {"tabell_2_1": tables.tabell_2_1(frame), "tabell_3_1": tables.tabell_3_1(frame),
            "vedlegg_1": tables.vedlegg_1(frame)}
    for c in cells.itertuples():
        expected = tables.cell_value(ours[c.table], c.row, c.column, c.unit)
        assert table.loc[c.id, "synthetic"] == expected, c
        target = published.published_values(c.table, c.unit, corrected=True)
        target = target[(target["row"] == c.row) & (target["column"] == c.column)]["value"].item()
        assert table.loc[c.id, "target"] == target, c
    # Rows are the printed labels: the psykisk id is the 'psykiske lidelser' cell.
    cell = cells.set_index("id").loc["v1_aap_psykisk_kommersiell"]
    assert (cell["table"], cell["row"], cell["column"]) == (
        "vedlegg_1", "AAP, psykiske lidelser", "Kommersielle")
    assert table.loc["v1_aap_psykisk_kommersiell", "target"] == 22.9
    assert table.loc["v1_age_4_kommersiell", "target"] == 25.6


def _tiny_frame() -> pd.DataFrame:
    """Four old and two new entrants with hand-picked values."""
    rows = [
        # programme, provider, month, code, female, age, edu, aap, lg, na, job0, m24, j12, j24, dur, cens
        ("gammelt", "skjermet", "2013-03", "ARBEID_MED_BISTAND",
         True, 23, "grunnskole", "psykisk", 1, True, False, 0, True, True, 3, False),
        ("gammelt", "skjermet", "2014-05", "OPPFOLGING",
         False, 35, "ukjent", "ikke_aap", 1, True, True, 10, False, True, 14, False),
        ("gammelt", "kommersiell", "2015-01", "OPPFOLGING",
         True, 52, "hoyere_kort", "annen", 3, False, False, 4, False, False, 7, False),
        ("gammelt", "ukjent", "2016-02", "OPPFOLGING",
         False, 41, "vgs_fullfort", "ikke_aap", 2, True, False, 0, None, None, 30, True),
        ("nytt", "kommersiell", "2017-06", "OPPFOLGING",
         True, 30, "hoyere_lang", "ikke_aap", 1, False, True, 20, True, True, 2, False),
        ("nytt", "skjermet", "2018-01", "OPPFOLGING",
         False, 60, "ukjent", "muskel_skjelett", 1, True, False, 6, False, None, 13, False),
    ]
    cols = ["programme", "provider_type", "entry_month", "programme_code", "female", "age",
            "education", "aap_diagnosis", "landgruppe", "reduced_capacity", "job_at_entry",
            "months_in_job_24", "job_12", "job_24", "duration", "duration_censored"]
    f = pd.DataFrame(rows, columns=cols)
    f["person_id"] = [f"P{i}" for i in range(len(f))]
    f["age"] = f["age"].astype("Int64")
    f["landgruppe"] = f["landgruppe"].astype("Int64")
    for c in ("job_12", "job_24"):
        f[c] = f[c].astype("boolean")
    f["duration_first_year"] = np.minimum(f["duration"], 12)
    return f


def test_calibration_table_on_a_hand_made_frame(tt):
    table = cal.calibration_table(_tiny_frame()).set_index("id")
    row = lambda i: table.loc[i]  # noqa: E731
    assert row("t21_sum_gammelt_antall")["synthetic"] == 4
    assert row("t21_sum_gammelt_antall")["difference"] == 4 - 46865
    assert row("t21_skjermet_gammelt_andel")["synthetic"] == 50.0
    assert row("t31_female_gammelt")["synthetic"] == 50.0
    assert row("t31_female_gammelt")["difference"] == pytest.approx(50.0 - 51.2)
    assert row("t31_age_mean_gammelt")["synthetic"] == pytest.approx((23 + 35 + 52 + 41) / 4)
    assert row("t31_age_0_gammelt")["synthetic"] == 25.0
    assert row("t31_age_4_nytt")["synthetic"] == 50.0
    assert row("t31_aap_psykisk_gammelt")["synthetic"] == 25.0
    assert row("t31_aap_psykisk_gammelt")["difference"] == pytest.approx(25.0 - 32.5)
    assert row("t31_na_gammelt")["synthetic"] == 75.0
    assert row("v1_months_job24_kommersiell")["synthetic"] == 20.0
    assert row("v1_job_at_entry_kommersiell")["difference"] == pytest.approx(100.0 - 15.0)
    # Tabell 4.1: entrants 2013-2017, observed at 12 months: old 1 of 3, new 1 of 1.
    assert row("t41_alle_gammelt")["synthetic"] == pytest.approx(100 / 3, abs=0.01)
    assert row("t41_alle_nytt")["synthetic"] == 100.0
    # Durations: still in after 12 months among the observable (old: 14 and censored 30).
    assert row("p001_fig2_9_remaining_12m_old")["synthetic"] == 50.0
    assert row("p001_duration_ab_first_year")["synthetic"] == 3.0
    # Without the extract the history facts cannot be computed.
    assert np.isnan(row("p001_fig3_5_na_month_before_old")["synthetic"])
    assert not row("p001_fig3_5_na_month_before_old")["ok"]
    assert bool(row("t21_sum_gammelt_antall")["ok"]) is False


def test_unknown_diagnosis_counts_as_other_diagnoses():
    """As in helpers.tables: AAP with no registered diagnosis is 'AAP/andre diagnoser'."""
    frame = _tiny_frame()
    frame.loc[3, "aap_diagnosis"] = "ukjent"
    table = cal.calibration_table(frame).set_index("id")
    assert table.loc["t31_aap_annen_gammelt", "synthetic"] == 50.0
    assert table.loc["t31_aap_ikke_aap_gammelt", "synthetic"] == 25.0
    old = frame[frame["programme"] == "gammelt"]
    assert cal.characteristics(old)["aap_annen"] == 50.0
    assert cal.characteristics(old)["aap_any"] == 75.0


def test_update_parameter_text_keeps_comments():
    text = ("# header\nblokk:\n  # what a means\n  a: 0.5  # trailing\n  v: [1, 2]\n"
            "andre:\n  a: 7\n  kart: {x: 1, y: 2}\n")
    new = cal.update_parameter_text(text, {("blokk", "a"): 0.25, ("blokk", "v"): [0.1, 0.9],
                                           ("andre", "kart"): {"x": 3, "y": 4}})
    assert "# header" in new and "# what a means" in new and "# trailing" in new
    data = yaml.safe_load(new)
    assert data == {"blokk": {"a": 0.25, "v": [0.1, 0.9]}, "andre": {"a": 7, "kart": {"x": 3, "y": 4}}}
    with pytest.raises(KeyError):
        cal.update_parameter_text(text, {("blokk", "nope"): 1})


@pytest.mark.slow
def test_default_extract_meets_the_published_shares():
    """MUST SHOW: on the default synthetic extract (scale 1, default seed) every share in
    Tabell 2.1, Tabell 3.1 and Vedleggstabell 1 is within 1 percentage point, every target
    outside Tabell 4.1 (trends, histories, durations, Figur 4.1, Tabell 4.2) is within its
    stated tolerance, and Tabell 4.1's cells are within 1.5 pp but for a few that the
    published tables do not allow together with the rest (the calibration table lists them;
    this bounds how many and how far, so a worse fit fails)."""
    from helpers import synth
    from helpers.spells import build_frame

    tables, meta = synth.generate()
    extract = synth.extract_in_memory(tables, meta)
    table = cal.calibration_table(build_frame(extract), extract)
    shares = table[table["source"].str.match(r"(Tabell 2\.1|Tabell 3\.1|Vedleggstabell 1)")
                   & (table["unit"] == "prosent")]
    assert (shares["difference"].abs() <= 1.0).all(), shares[shares["difference"].abs() > 1.0]
    assert table.set_index("id").loc[["t21_sum_gammelt_antall", "t21_sum_nytt_antall", "t42_n"],
                                     "difference"].eq(0).all()
    cells = table["id"].str.startswith("t41_")
    rest = table[~cells]
    assert rest["ok"].all(), rest[~rest["ok"]][["id", "target", "synthetic"]]
    off = table[cells & ~table["ok"]]
    assert len(off) <= KNOWN_TABELL_4_1_MISSES, off[["id", "target", "synthetic"]]
    assert (off["difference"].abs() <= 3.0).all(), off[["id", "target", "synthetic"]]


# Tabell 4.1 cells the default extract misses (by at most 3 pp; 2.0 at most today): see the closing note of
# issue 7 and the calibration table; lower it when the fit improves.
KNOWN_TABELL_4_1_MISSES = 3


def test_history_shares_agree_with_the_reference(small):
    """The history facts (helpers.measures.history_counts / spells.programme_before_entry, via
    history_shares) agree with the slow reference code of tests/reference_frame.py."""
    from tests.reference_frame import reference_history

    frame, extract = small
    shares = cal.history_shares(frame, extract)
    pop = frame[frame["programme"].isin(["gammelt", "nytt"])]
    ref = reference_history(pop, extract)
    assert len(ref) == len(pop)
    measures = {"status_1:nedsatt": ref["status_1"] == "nedsatt",
                "status_1:annen": ref["status_1"] == "annen",
                "status_24:annen": ref["status_24"] == "annen",
                "programme_1:ingen": ~ref["programme_1"].astype(bool)}
    for prog in ("gammelt", "nytt"):
        mask = (pop["programme"] == prog).to_numpy()
        assert mask.sum() > 100
        for measure, hit in measures.items():
            assert shares[(prog, measure)] == pytest.approx(100 * hit[mask].mean()), (prog, measure)
    # Not trivially 0 or 100: the cross-check has something to compare.
    assert 0 < shares[("gammelt", "status_1:nedsatt")] < 100
    assert 0 < shares[("gammelt", "programme_1:ingen")] < 100


@pytest.mark.slow
def test_calibrate_writes_the_parameter_file_atomically(tmp_path, monkeypatch):
    """calibrate() rewrites the parameter file (comments kept) all or nothing: when the
    final replace fails the earlier file is byte for byte as it was, with no temp file."""
    import os

    from helpers import synth

    path = tmp_path / "synth_parameters.yaml"
    shutil.copyfile(synth.PARAMETERS_FILE, path)
    original = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError("disken er full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disken er full"):
        cal.calibrate(scale=0.05, iterations=1, path=path, verbose=False)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["synth_parameters.yaml"]

    monkeypatch.undo()
    table = cal.calibrate(scale=0.05, iterations=1, path=path, verbose=False)
    written = path.read_text(encoding="utf-8")
    assert written != original.decode("utf-8")
    assert written.count("#") == original.decode("utf-8").count("#")  # comments kept
    assert synth.load_parameters(path).keys() == synth.load_parameters(synth.PARAMETERS_FILE).keys()
    assert [p.name for p in tmp_path.iterdir()] == ["synth_parameters.yaml"]
    assert table["calibrated"].any()
