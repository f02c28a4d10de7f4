"""Tables on small frames with known answers."""
import numpy as np
import pandas as pd
import pytest

from helpers import tables
from helpers.disclosure import is_small
from helpers.published import PUBLISHED_DIR
from helpers.spells import build_frame, build_grid
from tests import attacker, builders
from tests.builders import ExtractBuilder


def small_frame() -> pd.DataFrame:
    """Ten entrants: six old (AB or old Oppfølging), four new, with hand-set traits."""
    return pd.DataFrame({
        "person_id": [f"p{i}" for i in range(10)],
        "entry_month": ["2013-02", "2013-05", "2014-01", "2014-03", "2015-01", "2015-02",
                        "2016-07", "2017-01", "2017-03", "2018-11"],
        "programme": ["gammelt"] * 6 + ["nytt"] * 4,
        "programme_code": ["ARBEID_MED_BISTAND"] * 3 + ["OPPFOLGING"] * 7,
        "provider_type": ["skjermet"] * 5 + ["ukjent", "skjermet", "kommersiell",
                                             "kommersiell", "ideell"],
        "age": pd.array([20, 24, 25, 35, 50, 61, 29, 30, 45, 49], dtype="Int64"),
        "female": [True, False, True, False, True, False, True, True, False, False],
        "landgruppe": pd.array([1, 1, 1, 2, 3, 1, 1, 3, 3, 1], dtype="Int64"),
        "immigrant": [False, False, False, True, True, False, False, True, True, False],
        "education": ["grunnskole", "ukjent", "vgs_fullfort", "hoyere_kort", "hoyere_lang",
                      "ukjent", "vgs_grunnkurs", "ukjent", "ukjent", "grunnskole"],
        "aap_diagnosis": ["psykisk", "psykisk", "muskel_skjelett", "ikke_aap", "ukjent",
                          "annen", "ikke_aap", "ikke_aap", "psykisk", "ikke_aap"],
        "reduced_capacity": [True, True, True, False, True, True, False, False, True, False],
        "job_at_entry": [False] * 6 + [True, False, False, True],
        "months_in_job_24": [0, 0, 3, 10, 0, 0, 12, 4, 0, 20],
    })


def cell(table, row, column, unit="percent"):
    hit = table[(table["row"] == row) & (table["column"] == column) & (table["unit"] == unit)]
    assert len(hit) == 1, (row, column, unit)
    return hit["value"].iloc[0]


def test_tabell_3_1_by_hand():
    t = tables.tabell_3_1(small_frame())
    assert cell(t, "Totalt antall personer", "Gammelt", "count") == 6
    assert cell(t, "Kvinner (i %)", "Gammelt") == pytest.approx(50.0)
    assert cell(t, "Gjennomsnittsalder", "Nytt", "years") == pytest.approx((29 + 30 + 45 + 49) / 4)
    assert cell(t, "24 eller yngre", "Gammelt") == pytest.approx(100 * 2 / 6)
    assert cell(t, "50 eller eldre", "Gammelt") == pytest.approx(100 * 2 / 6)
    assert cell(t, "Ukjent", "Nytt") == pytest.approx(50.0)
    # 'ukjent' diagnosis counts with 'andre diagnoser': p4 (ukjent) and p5 (annen).
    assert cell(t, "AAP/andre diagnoser", "Gammelt") == pytest.approx(100 * 2 / 6)
    assert cell(t, "AAP/psykiske lidelser", "Gammelt") == pytest.approx(100 * 2 / 6)
    assert cell(t, "Ikke AAP", "Nytt") == pytest.approx(75.0)
    assert cell(t, "Innvandrere, landgruppe 3", "Nytt") == pytest.approx(50.0)
    assert cell(t, "Nedsatt arbeidsevne (i %)", "Gammelt") == pytest.approx(100 * 5 / 6)
    shares = t[(t["column"] == "Gammelt") & (t["section"] == "Aldersfordeling (i %)")]
    assert shares["value"].sum() == pytest.approx(100.0)


def test_vedlegg_1_new_programme_by_provider():
    t = tables.vedlegg_1(small_frame())
    assert cell(t, "Totalt antall personer", "Kommersielle", "count") == 2
    assert cell(t, "Måneder i jobb før tiltaksstart", "Kommersielle", "months") == 2.0
    assert cell(t, "Jobb ved tiltaksstart (%)", "Skjermede") == 100.0
    assert "AAP, psykiske lidelser" in set(t["row"])


def test_tabell_2_1_counts_and_percents():
    t = tables.tabell_2_1(small_frame())
    assert cell(t, "Skjermet", "Gammelt", "count") == 5
    assert cell(t, "* Annet/ukjent", "Gammelt", "percent") == pytest.approx(100 / 6)
    assert cell(t, "Sum", "Nytt", "count") == 4
    pct = t[(t["column"] == "Nytt") & (t["unit"] == "percent") & (t["row"] != "Sum")]
    assert pct["value"].sum() == pytest.approx(100.0)


def test_small_cells_are_suppressed_and_joined_with_published():
    compared = tables.compare_with_published(tables.tabell_3_1(small_frame()), "tabell_3_1")
    # Every share here rests on fewer than five persons, so all shares are blank...
    shares = compared[compared["unit"] == "percent"]
    assert shares.loc[shares["numerator"].between(1, 4), "value"].isna().all()
    assert shares.loc[shares["numerator"].between(1, 4), "suppressed"].all()
    # ...while zero shares of a column of 5 or more persons (Gammelt: 6) and the published
    # column are kept. Nytt has 4 entrants: everything of it is hidden, n and means too.
    zero = shares[(shares["numerator"] == 0) & (shares["column"] == "Gammelt")]
    assert len(zero) and (zero["value"] == 0).all()
    new = compared[compared["column"] == "Nytt"]
    assert new["value"].isna().all() and new["suppressed"].all()
    assert not compared.loc[compared["row"] == "Totalt antall personer", "suppressed"].iloc[0]
    assert cell(compared.rename(columns={"value": "v", "published": "value"}),
                "Kvinner (i %)", "Gammelt") == 51.2
    # The swapped diagnosis rows are compared with the corrected values.
    psych = compared[(compared["row"] == "AAP/psykiske lidelser") & (compared["column"] == "Gammelt")]
    assert psych["published"].iloc[0] == 32.5 and psych["printed"].iloc[0] == 17.3
    assert bool(psych["corrected"].iloc[0])


def test_format_value():
    assert tables.format_value(46865.0, "count") == "46\u202f865"
    assert tables.format_value(80.84, "percent") == "80,8"
    assert tables.format_value(np.nan, "percent") == "–"
    assert tables.format_value(3.0, "percent", suppressed=True) == ":"
    assert tables.format_value(-2.25, "percent") == "\u22122,2"


def test_comparison_gt_has_id_and_source():
    compared = tables.compare_with_published(tables.tabell_3_1(small_frame()), "tabell_3_1")
    gt = tables.comparison_gt(compared, "tbl-test", "Tittel", "Kilde: test", synthetic=True)
    html = gt.as_raw_html()
    assert 'id="tbl-test"' in html
    assert "Kilde: test" in html and "Publisert" in html and "Syntetisk" in html
    assert "51,2" in html


def test_figure_series():
    frame = small_frame()
    by_year = tables.entrants_by_year(frame)
    # 2013 holds two AB entrants: below the small-cell limit, so the count is blank.
    row = by_year[(by_year["year"] == 2013) & (by_year["programme_detail"] == "Arbeid med bistand")]
    assert row["entrants"].isna().all()
    chars = tables.characteristics_by_year(frame)
    assert set(chars["measure"]) == set(tables.CHARACTERISTICS_BY_YEAR)
    psych = tables.psychiatric_by_year(frame)
    assert set(psych["measure"]) == {"of_aap", "of_all"}


def test_rows_keep_the_published_order_in_the_gt_table():
    compared = tables.compare_with_published(tables.tabell_3_1(small_frame()), "tabell_3_1")
    html = tables.comparison_gt(compared, "tbl-order", "T", "Kilde", True).as_raw_html()
    # 'Nedsatt arbeidsevne' is the last row of Tabell 3.1, after the country rows.
    assert html.index("Innvandrere, landgruppe 3") < html.index("Nedsatt arbeidsevne (i %)")
    assert html.index("Totalt antall personer") < html.index("24 eller yngre")


# --- Secondary suppression (helpers.disclosure): no hidden cell recoverable by subtraction --

def entrants(n: int, **columns) -> pd.DataFrame:
    """n old-programme entrants in March 2015, alike but for `columns` (lists of length n)."""
    frame = pd.DataFrame({
        "person_id": [f"p{i}" for i in range(n)], "entry_month": ["2015-03"] * n,
        "programme": ["gammelt"] * n, "programme_code": ["OPPFOLGING"] * n,
        "provider_type": ["skjermet"] * n, "age": pd.array([35] * n, dtype="Int64"),
        "female": [False] * n, "landgruppe": pd.array([1] * n, dtype="Int64"),
        "immigrant": [False] * n, "education": ["ukjent"] * n, "aap_diagnosis": ["ikke_aap"] * n,
        "reduced_capacity": [False] * n, "job_at_entry": [False] * n, "months_in_job_24": [0] * n,
    })
    for name, values in columns.items():
        frame[name] = pd.array(values, dtype=frame[name].dtype)
    return frame


def hidden_rows(table, column, unit="percent"):
    t = table[(table["column"] == column) & (table["unit"] == unit)]
    assert t.loc[t["suppressed"], "value"].isna().all()
    return set(t.loc[t["suppressed"], "row"])


def test_composition_hides_a_share_whose_complement_is_small():
    # 12 entrants, 10 women: 100 − 83,3 % would show the 2 men. One has reduced capacity.
    frame = entrants(12, female=[True] * 10 + [False] * 2,
                     reduced_capacity=[True] + [False] * 11)
    t = tables.suppress_small_cells(tables.tabell_3_1(frame))
    hidden = hidden_rows(t, "Gammelt")
    assert {"Kvinner (i %)", "Nedsatt arbeidsevne (i %)"} <= hidden
    assert cell(t, "Totalt antall personer", "Gammelt", "count") == 12
    assert cell(t, "Gjennomsnittsalder", "Gammelt", "years") == 35


def test_composition_hides_a_second_cell_of_a_section_with_one_small_cell():
    # Age: 1 / 6 / 5 / 0 / 0: the 1 is hidden, and the smallest other non-zero group (5) too.
    # Education: 2 / 3 / 7: two small cells hide each other, nothing more is hidden.
    frame = entrants(12, age=[20] + [27] * 6 + [35] * 5,
                     education=["grunnskole"] * 2 + ["vgs_grunnkurs"] * 3 + ["ukjent"] * 7)
    t = tables.suppress_small_cells(tables.tabell_3_1(frame))
    hidden = hidden_rows(t, "Gammelt")
    age = {label for label, _, _ in tables.AGE_GROUPS}
    assert hidden & age == {"24 eller yngre", "30 – 39"}
    assert cell(t, "25 – 29", "Gammelt") == 50 and cell(t, "40 – 49", "Gammelt") == 0
    education = {label for _, label in tables.EDUCATION_ROWS}
    assert hidden & education == {"Grunnskole", "Videregående skole, GK og VK1"}
    assert cell(t, "Ukjent", "Gammelt") == pytest.approx(100 * 7 / 12)


def provider_frame(gammelt: dict, nytt: dict) -> pd.DataFrame:
    programme, provider = [], []
    for prog, counts in (("gammelt", gammelt), ("nytt", nytt)):
        for ptype, k in counts.items():
            programme += [prog] * k
            provider += [ptype] * k
    return pd.DataFrame({"programme": programme, "provider_type": provider})


def test_tabell_2_1_hidden_cell_cannot_be_solved_from_the_sum():
    # The reviewer's example: 2343 − 1609 − 565 − 168 = 1 (Ideell, Gammelt).
    frame = provider_frame({"skjermet": 1609, "kommersiell": 565, "ideell": 1, "ukjent": 168},
                           {"skjermet": 300, "kommersiell": 900, "ideell": 40})
    t = tables.compare_with_published(tables.tabell_2_1(frame), "tabell_2_1")
    for unit in ("count", "percent"):  # a cell's count and percent share one mask
        assert hidden_rows(t, "Gammelt", unit) == {"Ideell", "* Annet/ukjent"}
        assert hidden_rows(t, "Nytt", unit) == set()
    counts = t[(t["column"] == "Gammelt") & (t["unit"] == "count")].set_index("row")["value"]
    rest = counts["Sum"] - counts.drop("Sum").sum(min_count=1)
    assert rest == 1 + 168  # only the two hidden cells together
    assert cell(t, "* Annet/ukjent", "Nytt", "count") == 0  # a zero is shown


def test_characteristics_by_year_hides_the_complement_of_a_small_share():
    frame = entrants(12, reduced_capacity=[True] * 2 + [False] * 10)
    chars = tables.characteristics_by_year(frame).set_index("measure")
    assert np.isnan(chars.loc["reduced_capacity", "share"])
    assert np.isnan(chars.loc["other_jobseeker", "share"])  # 100 − it would give 2/12
    assert chars.loc["immigrant", "share"] == 0 and chars.loc["aap", "share"] == 0


def test_aap_and_programme_before_are_distributions_per_programme():
    frame = entrants(20, aap_diagnosis=["ikke_aap"] * 12 + ["psykisk"] + ["muskel_skjelett"] * 7)
    aap = tables.aap_by_programme(frame).set_index("measure")["share"]
    # 12 / 1 / 7 / 0: the 1 and the smallest other non-zero cell (7) are hidden.
    assert set(aap[aap.isna()].index) == {"AAP/muskel- og skjelettlidelser",
                                          "AAP/psykiske lidelser"}
    assert aap["Ikke AAP"] == 60 and aap["AAP/andre diagnoser"] == 0
    before = pd.Series(["Ikke i tiltak"] * 14 + ["Avklaring"] * 5 + ["Opplæring"], index=frame.index)
    shares = tables.programme_before_shares(frame, before).set_index("measure")["share"]
    assert set(shares[shares.isna()].index) == {"Avklaring", "Opplæring"}
    assert shares["Ikke i tiltak"] == 70


def test_entrants_by_year_hides_a_second_component_of_a_year():
    # 2015: AB 20, old Oppfølging 7, new 2 -> the 2 and the 7 (the year's total is printed).
    # 2016: AB 20, old 2, new 3 -> only the two small ones. 2017: AB 10 alone -> shown.
    spec = {2015: (20, 7, 2), 2016: (20, 2, 3), 2017: (10, 0, 0)}
    rows = []
    for year, (ab, old, new) in spec.items():
        rows += [(f"{year}-03", "gammelt", "ARBEID_MED_BISTAND")] * ab
        rows += [(f"{year}-03", "gammelt", "OPPFOLGING")] * old
        rows += [(f"{year}-03", "nytt", "OPPFOLGING")] * new
    frame = pd.DataFrame(rows, columns=["entry_month", "programme", "programme_code"])
    by_year = tables.entrants_by_year(frame).set_index(["year", "programme_detail"])["entrants"]
    assert np.isnan(by_year[(2015, "Oppfølging (nytt)")])
    assert np.isnan(by_year[(2015, "Oppfølging (gammelt)")])
    assert by_year[(2015, "Arbeid med bistand")] == 20
    assert by_year[2016].isna().sum() == 2 and by_year[(2016, "Arbeid med bistand")] == 20
    assert by_year[(2017, "Arbeid med bistand")] == 10
    assert 29 - by_year[2015].sum() == 9  # total − visible: only the two hidden together


def random_frame(rng: np.random.Generator) -> pd.DataFrame:
    """Random small frame: skewed categories, so small cells are common."""
    return builders.random_frame(rng, int(rng.integers(10, 80)))


def assert_not_recoverable(persons, hidden, total):
    """No hidden cell of a distribution equals its shown total minus the visible others."""
    persons, hidden = np.asarray(persons, dtype=float), np.asarray(hidden, dtype=bool)
    assert persons.sum() == total  # it is a distribution of the total
    rest = total - persons[~hidden].sum()
    for k in persons[hidden]:
        assert k == 0 or rest != k, (persons, hidden, total)


@pytest.mark.parametrize("seed", range(25))
def test_property_no_hidden_cell_is_total_minus_the_visible_others(seed):
    rng = np.random.default_rng(seed)
    frame = random_frame(rng)
    checked = 0
    for table in (tables.tabell_3_1(frame), tables.vedlegg_1(frame), tables.tabell_2_1(frame)):
        t = tables.suppress_small_cells(table)
        for _, col in t.groupby("column"):
            total = col[col["row"].isin(tables.TOTAL_ROWS) & (col["unit"] == "count")]
            if total["suppressed"].iloc[0]:
                continue
            n = total["numerator"].iloc[0]
            sections = col[col["section"] != ""].groupby("section") if (col["row"] != "Sum").all() \
                else [("", col[(col["row"] != "Sum") & (col["unit"] == "count")])]
            for _, cells in sections:
                assert_not_recoverable(cells["numerator"], cells["suppressed"], n)
                checked += 1
            # Every shown share passes the complement rule.
            shown = col[~col["suppressed"] & col["unit"].eq("percent")]
            k = shown["numerator"].to_numpy()
            assert not is_small(k).any() and not is_small(n - k).any()
    for shares in (tables.aap_by_programme(frame),
                   tables.programme_before_shares(frame, pd.Series(
                       rng.choice(["Ikke i tiltak", "Avklaring", "Opplæring"], len(frame),
                                  p=[0.8, 0.15, 0.05]), index=frame.index))):
        for _, g in shares.groupby("programme"):
            if g["n"].iloc[0] >= 5:
                assert_not_recoverable(g["numerator"], g["share"].isna(), g["n"].iloc[0])
                checked += 1
    by_year = tables.entrants_by_year(frame)
    detail = pd.Series([tables.PROGRAMME_DETAIL_LABELS.get(key, "Annet") for key in
                        zip(frame["programme"], frame["programme_code"])])
    raw = pd.DataFrame({"year": tables.entry_year(frame), "programme_detail": detail}) \
        .value_counts()
    for year, g in by_year.groupby("year"):
        if raw[year].sum() < 5:  # a year's total of 1–4 is itself not to be shown
            assert g["entrants"].isna().all()
            continue
        persons = [raw[(year, d)] for d in g["programme_detail"].astype(str)]
        assert_not_recoverable(persons, g["entrants"].isna(), raw[year].sum())
        checked += 1
    assert checked >= 3


def test_pick_tells_no_one_from_hidden():
    tidy = pd.DataFrame({"measure": ["a", "b", "c"], "share": [40.0, np.nan, np.nan],
                         "suppressed": [False, True, False]})
    assert tables.pick(tidy, measure="a") == 40.0
    assert np.isnan(tables.pick(tidy, measure="b"))       # hidden by the disclosure rules
    assert tables.pick(tidy, measure="c") is None          # no value: no one in the group
    assert tables.pick(tidy, measure="zzz") is None        # no such group at all
    with pytest.raises(KeyError):
        tables.pick(pd.concat([tidy, tidy]), measure="a")


def test_entrant_counts_for_sentences():
    frame = small_frame()  # six old, four new, no utvidet
    by_programme = tables.entrants_by_programme(frame)
    assert by_programme["gammelt"] == 6 and np.isnan(by_programme["nytt"])
    assert by_programme["utvidet"] == 0
    per_year = tables.entrants_per_year(frame)
    assert list(per_year.index) == [2013, 2014, 2015, 2016, 2017, 2018]
    assert per_year.isna().all()  # every year has 1-4 entrants


def test_psychiatric_by_programme_by_hand():
    # Thirty old entrants: twenty on AAP, twelve of them psychiatric -> 60 % of AAP, 40 % of
    # all. (With ten on AAP and six psychiatric, 6 of 10 would be hidden: 10 − 6 is small.)
    frame = pd.DataFrame({"programme": ["gammelt"] * 30,
                          "aap_diagnosis": ["psykisk"] * 12 + ["annen"] * 8 + ["ikke_aap"] * 10})
    psych = tables.psychiatric_by_programme(frame)
    assert tables.pick(psych, measure="of_aap", programme="gammelt") == pytest.approx(60.0)
    assert tables.pick(psych, measure="of_all", programme="gammelt") == pytest.approx(40.0)
    assert tables.pick(psych, measure="of_all", programme="nytt") is None


def test_measure_series_is_sorted_by_year():
    tidy = pd.DataFrame({"measure": ["x", "x", "y"], "year": [2015, 2013, 2013],
                         "share": [2.0, 1.0, 9.0]})
    series = tables.measure_series(tidy, "x")
    assert list(series.index) == [2013, 2015] and list(series) == [1.0, 2.0]


def test_tabell_2_1_gt_labels_count_and_percent_columns():
    frame = pd.concat([small_frame()] * 5, ignore_index=True)
    frame["person_id"] = [f"p{i}" for i in range(len(frame))]
    compared = tables.compare_with_published(tables.tabell_2_1(frame), "tabell_2_1")
    html = tables.comparison_gt(compared, "tbl-21", "T", "Kilde", True).as_raw_html()
    assert "Gammelt, antall" in html and "Nytt, prosent" in html
    assert "31\u202f729" in html  # the published count of Skjermet/Gammelt


def test_corrections_gt_shows_printed_and_used_values():
    from helpers.published import published_corrections

    shown = tables.corrections_gt(published_corrections())
    html = shown.gt.as_raw_html()
    assert "Trykt" in html and "Brukt" in html
    assert "31,2" in html and "25,6" in html  # Vedleggstabell 1, Kommersielle 50+
    assert "14\u202f436" in html              # Vedleggstabell 1 N, NOTES item 4
    data = shown.data.set_index(["section", "row", "column"])["value"]
    assert data[("vedlegg_1", "50 eller eldre", "Kommersielle: printed")] == 31.2
    assert data[("vedlegg_1", "50 eller eldre", "Kommersielle: targeted")] == 25.6


def test_extract_overview_hides_counts_resting_on_few_persons():
    # Three persons with jobs: the number of persons and of rows in arbeidsforhold are hidden.
    b = ExtractBuilder()
    for i in range(8):
        b.person(f"p{i}").tiltak(f"p{i}", "2015-01-05", None)
    for i in range(3):
        b.jobb(f"p{i}", "2014-01-01", None).jobb(f"p{i}", "2012-01-01", "2013-01-01")
    overview = tables.extract_overview(b.build()).set_index("Tabell")
    assert overview.loc["personer", ["Rader", "Personer"]].tolist() == [8.0, 8.0]
    assert overview.loc["arbeidsforhold", "hidden"]
    assert overview.loc["arbeidsforhold", ["Rader", "Personer"]].isna().all()
    shown = tables.extract_overview_gt(b.build())
    row = shown.data[(shown.data["row"] == "arbeidsforhold")]
    assert row["flag"].tolist() == ["skjult", "skjult"] and row["value"].isna().all()


# --- Histories before entry (Figur 3.5–3.7) ---------------------------------------------

def test_monthly_history_shares_by_programme():
    # Ten old entrants in Jan 2014 (five of each kind, so no share rests on fewer than five).
    # 'a' kind: reduced capacity from Jan 2013 (months −12…−1).
    # 'b' kind: registered 'standard' from Jul 2013 (−6…−1), employed Jun 2012 – Dec 2013.
    from helpers.tables import monthly_history

    b = ExtractBuilder()
    for i in range(5):
        a_id, b_id = f"a{i}", f"b{i}"
        b.person(a_id).person(b_id)
        b.tiltak(a_id, "2014-01-05", "2014-03-31").tiltak(b_id, "2014-01-05", "2014-03-31")
        b.status(a_id, "2013-01-01", None, gruppe="varig_tilpasset")
        b.status(b_id, "2013-07-01", None, gruppe="standard")
        b.jobb(b_id, "2012-06-01", "2013-12-31")
    extract = b.build()
    frame = build_frame(extract)
    hist = monthly_history(build_grid(extract), frame).set_index(["measure", "relative_month"])
    share = hist["share"]
    assert share[("reduced_capacity", -24)] == 0 and share[("reduced_capacity", -13)] == 0
    assert share[("reduced_capacity", -12)] == 50
    assert share[("other_registered", -7)] == 0 and share[("other_registered", -6)] == 50
    assert share[("not_registered", -24)] == 100 and share[("not_registered", -1)] == 0
    assert share[("job_strict", -20)] == 0 and share[("job_strict", -19)] == 50
    assert share[("job_strict", -1)] == 50
    assert (hist["n"] == 10).all()


def test_monthly_history_blanks_shares_resting_on_few_persons():
    # Six new entrants; only one has reduced capacity the month before: 1 person, blanked.
    # The statuses add up to 100 % of the printed n, so the other registered (5 of 6) are
    # blanked too: 100 − 83,3 − 0 would give the one person back. Nobody is in a job and
    # nobody is unregistered: those zeros are shown.
    from helpers.tables import monthly_history

    b = ExtractBuilder()
    for i in range(6):
        pid = f"p{i}"
        b.person(pid).tiltak(pid, "2017-03-01", "2017-05-31")
        b.status(pid, "2016-01-01", None, gruppe="varig_tilpasset" if i == 0 else "standard")
    extract = b.build()
    hist = monthly_history(build_grid(extract), build_frame(extract))
    h = hist.set_index(["measure", "relative_month"])["share"]
    assert np.isnan(h[("reduced_capacity", -1)])
    assert np.isnan(h[("other_registered", -1)])
    assert h[("not_registered", -1)] == 0
    assert h[("job_strict", -1)] == 0
    # 24 months before, nobody is registered yet: 0 / 0 / 100 %, nothing hidden.
    assert h[("not_registered", -24)] == 100 and h[("reduced_capacity", -24)] == 0


def test_monthly_history_statuses_cannot_be_recovered_from_100_percent():
    # Twelve entrants in March 2017, the month before: 1 reduced capacity, 5 other
    # registered, 6 not registered. The 1 is hidden, so the smallest other status (5) is
    # hidden too: 100 − 50 leaves only the two together. 10 of 12 in a job: 100 − 83,3 %
    # would show the 2 without one, so job_strict is hidden (complement rule).
    from helpers.tables import monthly_history

    b = ExtractBuilder()
    for i in range(12):
        pid = f"p{i}"
        b.person(pid).tiltak(pid, "2017-03-01", "2017-05-31")
        if i < 6:
            b.status(pid, "2016-01-01", None, gruppe="varig_tilpasset" if i == 0 else "standard")
        if i < 10:
            b.jobb(pid, "2016-06-01", "2017-02-28")
    extract = b.build()
    hist = monthly_history(build_grid(extract), build_frame(extract))
    h = hist.set_index(["measure", "relative_month"])["share"]
    assert np.isnan(h[("reduced_capacity", -1)]) and np.isnan(h[("other_registered", -1)])
    assert h[("not_registered", -1)] == 50
    assert np.isnan(h[("job_strict", -1)])
    assert h[("job_strict", -12)] == 0


@pytest.mark.parametrize("seed", range(10))
def test_property_monthly_history_statuses_are_not_recoverable(seed):
    # A random grid and frame: in every group and month whose n is shown, no hidden status
    # is n minus the visible others, and every shown share passes the complement rule.
    from helpers.spells import EntrantMonths
    from helpers.tables import monthly_history

    rng = np.random.default_rng(seed)
    n_persons, width = int(rng.integers(10, 60)), 49  # months −24 … 24 around entry
    registered = rng.random((n_persons, width)) < rng.uniform(0.5, 0.99)
    job = rng.random((n_persons, width)) < rng.uniform(0.01, 0.3)
    matrices = {
        "follow_up": np.zeros((n_persons, width), bool), "job_strict": job,
        "employed": job | (rng.random((n_persons, width)) < 0.05), "registered": registered,
        "reduced_capacity": registered & (rng.random((n_persons, width)) < rng.uniform(0.05, 0.95)),
    }
    bits = np.int64(1) << np.arange(width, dtype=np.int64)
    grid = EntrantMonths(
        persons=pd.Index([f"p{i}" for i in range(n_persons)]),
        entry_month=np.full(n_persons, 2013 * 12 + 5), last_month=2020 * 12 + 11,
        masks={name: (m * bits).sum(axis=1) for name, m in matrices.items()},
        programme_before=np.full(n_persons, None))
    frame = pd.DataFrame({"person_id": grid.persons[rng.permutation(n_persons)],
                          "entry_month": "2013-06",
                          "programme": rng.choice(["gammelt", "nytt"], n_persons, p=[0.8, 0.2])})
    hist = monthly_history(grid, frame)
    rows = frame.set_index("person_id").index
    positions = grid.persons.get_indexer(rows)
    for (group, month), g in hist.groupby(["group", "relative_month"]):
        n = g["n"].iloc[0]
        if n < 5:
            assert g["share"].isna().all()
            continue
        members = positions[(frame["programme"] == group).to_numpy()]
        col = month + 24
        reg = matrices["registered"][members, col]
        red = matrices["reduced_capacity"][members, col]
        persons = {"reduced_capacity": red.sum(), "other_registered": (reg & ~red).sum(),
                   "not_registered": (~reg).sum(),
                   "job_strict": matrices["job_strict"][members, col].sum()}
        share = g.set_index("measure")["share"]
        statuses = ["reduced_capacity", "other_registered", "not_registered"]
        hidden = [s for s in statuses if np.isnan(share[s])]
        visible = sum(persons[s] for s in statuses if s not in hidden)
        for s in hidden:
            assert persons[s] == 0 or n - visible != persons[s]
        for s, k in persons.items():
            if not np.isnan(share[s]):
                assert not is_small(k) and not is_small(n - k)
                assert share[s] == pytest.approx(100 * k / n)


def test_programme_before_labels_group_codes_into_figure_categories():
    # Entry Jun 2014: 'x' in work practice and training in May (work practice wins),
    # 'y' in nothing, 'z' in a sheltered-work programme (Figur 3.6: 'Andre tiltak').
    from helpers.tables import programme_before_labels

    b = ExtractBuilder().person("x").person("y").person("z")
    for pid in "xyz":
        b.tiltak(pid, "2014-06-02", "2014-08-31")
    b.tiltak("x", "2014-05-01", "2014-05-31", kode="OPPLAERING", leverandor=None)
    b.tiltak("x", "2014-04-01", "2014-05-10", kode="ARBEIDSPRAKSIS", leverandor=None)
    b.tiltak("z", "2014-05-20", "2014-06-10", kode="TILRETTELAGT_ARBEID", leverandor=None)
    extract = b.build()
    frame = build_frame(extract)
    labels = dict(zip(frame["person_id"], programme_before_labels(build_grid(extract), frame)))
    assert labels == {"x": "Arbeidspraksis", "y": "Ikke i tiltak", "z": "Andre tiltak"}


# --- Tables as data ---------------------------------------------------------------------

def test_table_data_is_the_long_format_with_hidden_cells_empty_and_flagged():
    compared = tables.compare_with_published(tables.tabell_2_1(small_frame()), "tabell_2_1")
    data = tables.table_data(compared, "tabell_2_1")
    assert list(data.columns) == ["table", "section", "row", "column", "value", "stars",
                                  "unit", "flag", "std_error", "p_value", "p_value_wild"]
    assert data[tables.INFERENCE_COLUMNS].isna().all().all()  # not a regression table
    assert (data["table"] == "tabell_2_1").all() and len(data) == len(compared)
    skjermet = data[(data["row"] == "Skjermet") & (data["column"] == "Gammelt")]
    # Six old entrants, five with a sheltered provider: 5 of 6 would reveal the one other
    # (complement rule), so both the count and the share are hidden, flagged, empty.
    assert skjermet["flag"].tolist() == ["skjult", "skjult"]
    assert skjermet["value"].isna().all()
    total = data[(data["row"] == "Sum") & (data["column"] == "Gammelt") & (data["unit"] == "count")]
    assert total["value"].item() == 6.0 and total["flag"].item() == ""
    # Full precision: the display rounds, the data does not.
    three = tables.table_data(tables.suppress_small_cells(tables.tabell_3_1(small_frame())),
                              "tabell_3_1")
    age = three[(three["row"] == "Gjennomsnittsalder") & (three["column"] == "Gammelt")]
    assert age["value"].item() == pytest.approx((20 + 24 + 25 + 35 + 50 + 61) / 6, rel=1e-12)


def test_table_data_carries_a_regression_rows_uncertainty_unless_hidden():
    rows = pd.DataFrame({"row": ["Nytt tiltak", "Alder"], "column": ["", ""],
                         "value": [0.03, 0.01], "unit": "coefficient", "stars": ["***", ""],
                         "std_error": [0.005, 0.002], "p_value": [1e-4, 0.2],
                         "p_value_wild": [0.003, np.nan], "suppressed": [False, True]})
    data = tables.table_data(rows, "tabell_x")
    assert data.loc[0, ["std_error", "p_value", "p_value_wild"]].tolist() == [0.005, 1e-4, 0.003]
    assert data.loc[1, tables.INFERENCE_COLUMNS].isna().all() and data.loc[1, "flag"] == "skjult"


def test_book_table_carries_its_data_and_links_to_it():
    compared = tables.compare_with_published(tables.tabell_3_1(small_frame()), "tabell_3_1")
    shown = tables.show_comparison(compared, "tabell_3_1", "tbl-3-1", "Tabell 3.1", "Kilde: x",
                                   synthetic=True)
    bundle = shown._repr_mimebundle_()
    payload = bundle[tables.TABLE_DATA_MIME]
    assert payload["name"] == "tabell_3_1" and payload["columns"] == tables.DATA_COLUMNS
    assert len(payload["records"]) == len(compared)
    assert 'href="tabeller/tabell_3_1.csv"' in bundle["text/html"]
    assert "Syntetisk" in bundle["text/html"]


# --- Disclosure across tables (book_disclosure): the same persons in several places ------

def people(*groups: tuple[int, dict]) -> pd.DataFrame:
    """Entrants from (count, attributes) groups; other attributes as in `entrants`."""
    frame = pd.concat([entrants(n, **{k: [v] * n for k, v in attributes.items()})
                       for n, attributes in groups], ignore_index=True)
    frame["person_id"] = [f"p{i}" for i in range(len(frame))]
    return frame


NEW = {"programme": "nytt", "entry_month": "2016-03"}


def shown_count(table, row, column):
    hit = table[(table["row"] == row) & (table["column"] == column) & (table["unit"] == "count")]
    return None if hit["suppressed"].iloc[0] else hit["value"].iloc[0]


def test_vedlegg_1_hides_a_provider_column_when_the_other_providers_are_few():
    # 40 sheltered, 30 commercial, 3 non-profit: Tabell 3.1's Nytt minus the two columns of
    # Vedleggstabell 1 would describe the 3 row by row. The smaller column goes, in both
    # tables (its N is Tabell 2.1's count).
    frame = people((20, {**NEW, "provider_type": "skjermet"}),
                   (20, {**NEW, "provider_type": "skjermet", "female": True}),
                   (15, {**NEW, "provider_type": "kommersiell"}),
                   (15, {**NEW, "provider_type": "kommersiell", "female": True}),
                   (2, {**NEW, "provider_type": "ideell"}),
                   (1, {**NEW, "provider_type": "ideell", "female": True}))
    out = attacker.book_outputs(frame)
    v1, t21 = out["vedlegg_1"], out["tabell_2_1"]
    assert shown_count(v1, "Totalt antall personer", "Kommersielle") is None
    assert v1.loc[v1["column"] == "Kommersielle", "suppressed"].all()
    assert shown_count(t21, "Kommersiell", "Nytt") is None
    assert shown_count(v1, "Totalt antall personer", "Skjermede") == 40
    assert shown_count(t21, "Skjermet", "Nytt") == 40
    assert attacker.recoverable(frame) == []


def test_vedlegg_1_hides_a_row_whose_other_providers_are_few():
    # 25 at other providers, two of them women: Tabell 3.1's women in Nytt minus the women
    # of the two columns would give the 2, so one of the three shares is hidden.
    frame = people((20, {**NEW, "provider_type": "skjermet", "female": True}),
                   (20, {**NEW, "provider_type": "skjermet"}),
                   (15, {**NEW, "provider_type": "kommersiell", "female": True}),
                   (15, {**NEW, "provider_type": "kommersiell"}),
                   (2, {**NEW, "provider_type": "ideell", "female": True}),
                   (23, {**NEW, "provider_type": "ideell"}))
    out = attacker.book_outputs(frame)
    women = [(out["tabell_3_1"], "Nytt"), (out["vedlegg_1"], "Skjermede"),
             (out["vedlegg_1"], "Kommersielle")]
    assert any(t.loc[(t["row"] == "Kvinner (i %)") & (t["column"] == c), "suppressed"].item()
               for t, c in women)
    assert attacker.recoverable(frame) == []


def test_figur_3_1_years_and_programmes_are_one_two_way_table():
    # Arbeid med bistand: 3 entrants, all in 2015. Old Oppfølging 20 + 20 (2014, 2015) and
    # Gammelt 43 in the text would give them back (Gammelt = AB + old Oppfølging). Utvidet:
    # 2 + 2 (2016, 2017): the years' totals minus Gammelt and Nytt would give its 4.
    frame = people((3, {"entry_month": "2015-03", "programme_code": "ARBEID_MED_BISTAND"}),
                   (20, {"entry_month": "2014-03"}), (20, {"entry_month": "2015-03"}),
                   (20, NEW), (20, {**NEW, "entry_month": "2017-03"}),
                   (2, {"programme": "utvidet", "programme_code": "UTVIDET_OPPFOLGING",
                        "entry_month": "2016-05"}),
                   (2, {"programme": "utvidet", "programme_code": "UTVIDET_OPPFOLGING",
                        "entry_month": "2017-05"}))
    by_year = tables.entrants_by_year(frame).set_index(["year", "programme_detail"])["entrants"]
    assert np.isnan(by_year[(2015, "Arbeid med bistand")])
    by_programme = tables.entrants_by_programme(frame)
    assert np.isnan(by_programme["utvidet"])
    old = [by_year.get((y, "Oppfølging (gammelt)")) for y in (2014, 2015)]
    assert np.isnan(by_programme["gammelt"]) or any(np.isnan(v) for v in old)
    assert attacker.recoverable(frame) == []


def test_figur_3_3_years_add_up_to_tabell_3_1():
    # Reduced capacity among 10 old entrants a year: 2 / 6 / 7. Tabell 3.1's 15 of 30 minus
    # the years shown would give the 2 of 2014; another cell goes too, and 2014's 'other
    # jobseekers' (8 of 10: the complement) is hidden.
    frame = people(*[(n, {"entry_month": f"{y}-03", "reduced_capacity": r})
                     for y, (k, n) in {2014: (2, 10), 2015: (6, 10), 2016: (7, 10)}.items()
                     for r, n in ((True, k), (False, n - k))])
    chars = tables.characteristics_by_year(frame).set_index(["measure", "year"])["share"]
    assert np.isnan(chars[("reduced_capacity", 2014)])
    assert np.isnan(chars[("other_jobseeker", 2014)])
    t31 = tables.suppress_small_cells(tables.tabell_3_1(frame))
    na_hidden = t31.loc[(t31["row"] == "Nedsatt arbeidsevne (i %)")
                        & (t31["column"] == "Gammelt"), "suppressed"].item()
    assert na_hidden or chars["reduced_capacity"].isna().sum() >= 2
    assert attacker.recoverable(frame) == []


def test_psychiatric_share_of_aap_and_of_all_share_a_numerator():
    # 30 old entrants: 12 psychiatric, 2 musculoskeletal, 1 other diagnosis, 15 without AAP.
    # 12 of 15 on AAP would show the 3 others (complement), so the share of AAP is hidden –
    # but 30 − 15 without AAP − 12 psychiatric (Tabell 3.1, and the share of all entrants,
    # the same numerator) would give the 3 as well: one of those goes too.
    frame = people((12, {"aap_diagnosis": "psykisk"}), (2, {"aap_diagnosis": "muskel_skjelett"}),
                   (1, {"aap_diagnosis": "annen"}), (15, {}))
    psych = tables.psychiatric_by_programme(frame)
    assert np.isnan(tables.pick(psych, measure="of_aap", programme="gammelt"))
    t31 = tables.suppress_small_cells(tables.tabell_3_1(frame))
    rows = ["Totalt antall personer", "Ikke AAP", "AAP/psykiske lidelser"]
    gammelt = t31[(t31["column"] == "Gammelt") & t31["row"].isin(rows)]
    assert gammelt["suppressed"].any()
    of_all = tables.pick(psych, measure="of_all", programme="gammelt")
    assert np.isnan(of_all) == bool(gammelt.loc[gammelt["row"] == rows[2], "suppressed"].item())
    assert attacker.recoverable(frame) == []


@pytest.mark.parametrize("seed", range(5))
def test_book_disclosure_counts_every_shown_cell_as_its_table_does(seed):
    # book_disclosure checks that each displayed key's persons are its table's numerator
    # and that every relation it states holds in the data; on random frames it builds.
    from tests.test_disclosure import attacker_frame

    frame = attacker_frame(np.random.default_rng(100 + seed))
    plan = tables.book_disclosure(frame)
    assert len(plan.displays) > 100 and len(plan.relations) > 100
    assert tables.book_disclosure(frame.copy()) is plan  # once per frame content


# --- Durations (Figur 2.9) -----------------------------------------------------------------

def test_figur_2_9_table_reads_the_kaplan_meier_curve_and_the_prose_facts():
    from helpers import survival

    rng = np.random.default_rng(5)
    n = 600
    frame = pd.DataFrame({"duration": rng.integers(1, 30, n),
                          "duration_censored": rng.random(n) < 0.1,
                          "programme": rng.choice(["gammelt", "nytt"], n)})
    compared = tables.figur_2_9_compared(frame)
    assert len(compared) == 15  # 5 rows × (Gammelt, Nytt, Gammelt og nytt)
    at = survival.shares_at(frame, horizons=(6, 12))
    cell = compared.set_index(["row", "column"])
    assert cell.loc[("Avsluttet etter 6 måneder", "Nytt"), "value"] == pytest.approx(
        survival.pick(at, "share_ended", group="nytt", month=6))
    assert cell.loc[("Fortsatt i tiltaket etter 12 måneder", "Gammelt"), "value"] == \
        pytest.approx(survival.pick(at, "share_remaining", group="gammelt", month=12))
    pooled = survival.median_duration(frame, by=None, groups=None)
    assert cell.loc[("Median varighet (måneder)", "Gammelt og nytt"), "value"] == \
        pooled["median"].iloc[0]
    assert cell.loc[("Fortsatt i tiltaket etter 12 måneder", "Nytt"), "published"] == 20
    assert cell.loc[("Fortsatt i tiltaket etter 12 måneder", "Nytt"), "kind"] == "under"
    assert np.isnan(cell.loc[("Median varighet (måneder)", "Nytt"), "published"])
    assert not compared["suppressed"].any()


def test_figur_2_9_table_hides_a_small_programme():
    frame = pd.DataFrame({"duration": [3] * 40 + [2, 5, 9],
                          "duration_censored": False,
                          "programme": ["gammelt"] * 40 + ["nytt"] * 3})
    table = tables.figur_2_9_table(frame)
    new = table[table["column"] == "Nytt"]
    assert new["suppressed"].all() and new["value"].isna().all()
    assert tables.format_value(np.inf, "months") == "ikke nådd"


# --- Work after entry (Figur 4.1, Tabell 4.1) ------------------------------------------------

def _work_after_entry_extract():
    """Ten old entrants in January 2014: five find a job in July 2014 (month 6) that lasts;
    five are in sheltered work (tilrettelagt arbeid) with a job through December 2015
    (months 0–23), a job only by the broad definition. Five new entrants in June 2018,
    in a job from entry, observed to uttrekksdato December 2018 (months 0–6)."""
    b = ExtractBuilder(uttrekksdato="2018-12-31")
    for i in range(5):
        found, sheltered, new = f"f{i}", f"s{i}", f"n{i}"
        b.person(found).person(sheltered).person(new)
        b.tiltak(found, "2014-01-05", "2014-06-30", kode="ARBEID_MED_BISTAND")
        b.tiltak(sheltered, "2014-01-05", "2014-06-30", kode="ARBEID_MED_BISTAND")
        b.jobb(found, "2014-07-01", None)
        b.tiltak(sheltered, "2014-01-01", "2015-12-31", kode="TILRETTELAGT_ARBEID",
                 leverandor=None)
        b.jobb(sheltered, "2014-01-01", "2015-12-31", timer=20.0)
        b.tiltak(new, "2018-06-04", None)
        b.jobb(new, "2018-06-01", None)
    return b.build()


def test_job_after_entry_counts_both_definitions_among_those_still_observed():
    extract = _work_after_entry_extract()
    frame = build_frame(extract)
    series = tables.job_after_entry(build_grid(extract), frame)

    def share(programme, month, definition="job_strict"):
        return tables.job_after_entry_share(series, programme, month, definition)

    assert [share("gammelt", m) for m in (0, 5, 6, 24)] == [0, 0, 50, 50]
    assert [share("gammelt", m, "employed") for m in (0, 5, 6, 23, 24)] == [50, 50, 100, 100, 50]
    assert share("nytt", 0) == 100 and share("nytt", 6) == 100
    assert np.isnan(share("nytt", 7)) and np.isnan(share("nytt", 24))  # after uttrekksdato
    observed = series.set_index(["group", "definition", "month"])["observed"]
    assert observed[("nytt", "job_strict", 6)] == 5 and observed[("nytt", "job_strict", 7)] == 0
    assert (series.loc[series["group"] == "gammelt", "observed"] == 10).all()
    # month 12 is the frame's job_12, the outcome of Tabell 4.1 and the models
    old = frame[frame["programme"] == "gammelt"]
    assert share("gammelt", 12) == 100 * old["job_12"].astype(float).mean()


def test_job_after_entry_hides_a_share_resting_on_few_persons():
    # six old entrants, one of them in a job: 1 of 6 and 5 of 6 both hidden
    b = ExtractBuilder()
    for i in range(6):
        b.person(f"p{i}").tiltak(f"p{i}", "2015-02-01", "2015-08-31", kode="ARBEID_MED_BISTAND")
    b.jobb("p0", "2015-02-01", None)
    extract = b.build()
    series = tables.job_after_entry(build_grid(extract), build_frame(extract))
    old = series[(series["group"] == "gammelt") & (series["definition"] == "job_strict")]
    assert old["share"].isna().all()
    assert (old["persons"] == 1).all()  # the count is kept for the book's own checks


def test_figur_4_1_compared_reads_the_series_and_the_prose_facts():
    extract = _work_after_entry_extract()
    series = tables.job_after_entry(build_grid(extract), build_frame(extract))
    compared = tables.figur_4_1_compared(series).set_index(["row", "column"])
    assert compared.loc[("I jobb ved tilgang, bred definisjon", "Gammelt"), "value"] == 50
    assert compared.loc[("I jobb 24 måneder etter tilgang", "Gammelt"), "value"] == 50
    assert compared.loc[("I jobb 24 måneder etter tilgang", "Nytt"), "suppressed"]
    assert compared.loc[("I jobb ved tilgang", "Nytt"), "published"] == 16
    assert compared.loc[("I jobb ved tilgang, bred definisjon", "Gammelt"), "kind"] == "just_over"


def test_tabell_4_1_is_the_job_share_at_12_months_of_entrants_2013_to_2017():
    rng = np.random.default_rng(11)
    frame = builders.random_frame(rng, 3000)
    frame["job_12"] = pd.array(rng.random(len(frame)) < 0.3, dtype="boolean")
    frame.loc[frame.index[:200], "job_12"] = pd.NA  # not observed: left out
    table = tables.tabell_4_1(frame).set_index(["row", "column", "unit"])
    year = frame["entry_month"].str.slice(0, 4).astype(int)
    sample = frame[(year <= 2017) & frame["job_12"].notna()]
    for code, column in (("gammelt", "Gammelt"), ("nytt", "Nytt")):
        group = sample[sample["programme"] == code]
        assert table.loc[("N", column, "count"), "value"] == len(group)
        assert table.loc[("Alle", column, "percent"), "value"] == pytest.approx(
            100 * group["job_12"].astype(float).mean())
        women = group[group["female"]]
        assert table.loc[("Kvinner", column, "percent"), "value"] == pytest.approx(
            100 * women["job_12"].astype(float).mean())
        aap_other = group[group["aap_diagnosis"].isin(["annen", "ukjent"])]
        assert table.loc[("AAP og andre diagnoser", column, "percent"), "value"] == \
            pytest.approx(100 * aap_other["job_12"].astype(float).mean())
    published = pd.read_csv(PUBLISHED_DIR / "tabell_4_1.csv")
    ours = tables.tabell_4_1(frame)
    assert set(zip(ours["section"].fillna(""), ours["row"], ours["column"])) == set(
        zip(published["section"].fillna(""), published["row"], published["column"]))


def test_tabell_4_1_hides_groups_with_few_persons_in_or_out_of_a_job():
    rng = np.random.default_rng(12)
    frame = builders.random_frame(rng, 400)
    frame["entry_month"] = "2014-03"
    frame["job_12"] = pd.array(np.zeros(len(frame), bool), dtype="boolean")
    women_new = (frame["programme"] == "nytt") & frame["female"]
    frame.loc[frame.index[women_new][:2], "job_12"] = True  # 2 women in a job: hidden
    table = tables.tabell_4_1(frame).set_index(["row", "column"])
    assert table.loc[("Kvinner", "Nytt"), "hidden"]
    assert not table.loc[("Menn", "Nytt"), "hidden"]  # 0 in a job of many: shown


def test_significant_digits_remove_the_last_bits_only():
    values = np.array([0.003782708400801535, 0.0037827084008015847, -1234.5678901234, 0.0,
                       np.nan])
    rounded = tables.significant(values)
    assert rounded[0] == rounded[1] == 0.003782708401
    assert rounded[2] == -1234.56789
    assert rounded[3] == 0 and np.isnan(rounded[4])
