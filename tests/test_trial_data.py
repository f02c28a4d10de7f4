"""helpers.trial_data: the trial participants' baseline and month-by-month states, on a
hand-made extract whose answers are counted by hand."""
import numpy as np
import pytest

from helpers import trial_data
from tests.builders import ExtractBuilder


def _forsok(pid, gruppe, start, enhet="0301", **baseline):
    row = {"person_id": pid, "forsok": "SE-KLAR", "enhet": enhet, "gruppe": gruppe, "startdato": start,
           "gift": False, "har_barn": True, "fullfort_vgs": True, "inntekt": 100000.0, "arbeidstid": 0.0}
    row.update(baseline)
    return row


@pytest.fixture(scope="module")
def extract():
    b = ExtractBuilder(uttrekksdato="2018-06-30")
    b.person("A", fodselsar=1980, kjonn="M", landgruppe=1).person("B", fodselsar=1990, kjonn="K", landgruppe=3)
    b.add("forsok", **_forsok("A", "intervensjon", "2014-03-10", arbeidstid=20.0))
    b.add("forsok", **_forsok("B", "kontroll", "2014-05-20", gift=True))
    # A: a 20-hour job covering March 2014 (month 0) to May 2014 (month 2), a 2-hour job
    # (not work) in June; AAP months -2..5; a programme in months 3..4, higher education in
    # month 10; spesielt tilpasset covering the start.
    b.jobb("A", "2014-03-01", "2014-05-15", timer=20).jobb("A", "2014-06-01", "2014-06-30", timer=2)
    b.ytelse("A", "2014-01-01", "2014-08-31")
    b.tiltak("A", "2014-06-01", "2014-07-31", kode="ARBEIDSPRAKSIS", leverandor=None)
    b.add("utdanning_hoyere", person_id="A", fra_dato="2015-01-05", til_dato="2015-01-20")
    b.status("A", "2013-01-01", None)
    # B: disability benefit from month 12 (May 2015), ongoing; Oppfølging months 1..2; a
    # standard and a situasjonsbestemt status covering the start (the higher counts).
    b.ytelse("B", "2015-05-01", None, ytelse="UFORE", diagnose=None)
    b.tiltak("B", "2014-06-03", "2014-07-02")
    b.status("B", "2014-01-01", "2014-12-31", gruppe="standard")
    b.status("B", "2014-05-01", "2014-05-31", gruppe="situasjonsbestemt")
    return b.build()


def test_panel_states_month_by_month(extract):
    panel = trial_data.panel(extract, first=-3, last=40).set_index(["person_id", "month"])
    a = panel.loc["A"]
    assert a.loc[0:2, "work"].all() and not a.loc[3, "work"] and not a.loc[-1, "work"]
    assert a.loc[0, "hours"] == 20 and a.loc[3, "hours"] == 2 and a.loc[4, "hours"] == 0
    assert list(a.loc[-3:6, "aap"]) == [False] + [True] * 8 + [False]
    assert a.loc[0, "aap_and_work"] and a.loc[3, "aap_only"] and not a.loc[6, "aap"]
    assert a.loc[3, "programme"] and a.loc[3, "programme_arbeidspraksis"] and not a.loc[3, "programme_oppfolging"]
    assert a.loc[10, "education"] and a.loc[10, "work_or_education"] and not a.loc[10, "none"]
    assert a.loc[9, "none"] and not a.loc[9, "work_only"]
    b = panel.loc["B"]
    assert b.loc[1, "programme_oppfolging"] and b.loc[2, "programme_oppfolging"] and not b.loc[3, "programme"]
    assert not b.loc[11, "ufore"] and b.loc[12, "ufore"] and b.loc[12, "health_only"]
    # observed to June 2018: A's month 51 (June 2018) exists only up to `last`=40 here; B to 49
    full = trial_data.panel(extract)
    assert full.groupby("person_id")["month"].max().to_dict() == {"A": 51, "B": 49}
    assert full["month"].min() == -24


def test_totals_over_36_months(extract):
    totals = trial_data.totals(trial_data.panel(extract)).set_index("person_id")
    a, b = totals.loc["A"], totals.loc["B"]
    assert a["work"] == 2                      # months 1, 2
    assert a["aap"] == 5 and a["aap_and_work"] == 2 and a["aap_only"] == 3
    assert a["programme"] == 2 and a["education"] == 1 and a["work_or_education"] == 3
    assert a["work_only"] == 0                 # in work only while on AAP
    # months 1..36 without work, benefit, programme or education: 36 - 5 (AAP) - 1 (education)
    assert a["none"] == 30
    assert a["hours"] == pytest.approx((20 + 20 + 2) / 36)
    assert a["total_hours"] == pytest.approx(42 * 52 / 12)
    assert b["ufore"] == 25 and b["programme"] == 2 and b["none"] == 36 - 25 - 2
    assert b["intervention"] == 0 and a["intervention"] == 1


def test_totals_leave_out_persons_not_observed_36_months(extract):
    panel = trial_data.panel(extract)
    short = panel[~((panel["person_id"] == "B") & (panel["month"] > 30))]
    assert list(trial_data.totals(short)["person_id"]) == ["A"]


def test_baseline_at_start(extract):
    base = trial_data.baseline(extract).set_index("person_id")
    assert base.loc["A", "age"] == 34 and base.loc["B", "age"] == 24
    assert base.loc["A", "male"] == 1 and base.loc["B", "born_in_norway"] == 0
    assert base.loc["A", "working_at_start"] == 1 and base.loc["B", "working_at_start"] == 0
    assert base.loc["A", "aap_at_start"] == 1 and base.loc["B", "aap_at_start"] == 0
    assert base.loc["A", "innsatsgruppe"] == "spesielt_tilpasset"
    assert base.loc["B", "innsatsgruppe"] == "situasjonsbestemt"
    assert base.loc["B", "married"] == 1 and base.loc["A", "hours_at_start"] == 20
    assert np.isclose(base[[c for c in base.columns if c.startswith("group_")]].sum(axis=1), 1).all()


def test_no_trial_table_is_a_clear_error():
    b = ExtractBuilder().person("A")
    with pytest.raises(KeyError, match="forsok"):
        trial_data.participants(b.build())
