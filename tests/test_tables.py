"""Tables on small frames with known answers."""
import numpy as np
import pandas as pd
import pytest

from helpers import tables


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
    # ...while zero counts and the published column are kept.
    zero = shares[shares["numerator"] == 0]
    assert (zero["value"] == 0).all()
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
    assert tables.format_value(3.0, "percent", suppressed=True) == "<5"


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
