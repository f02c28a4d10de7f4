"""helpers.survey: shares and means by group on a hand-made survey, Newcombe's interval
against the published worked example, Welch's against scipy, the small-cell rule."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers import survey
from helpers.synth import extract_in_memory


def _extract(rows: list[dict], codebook: list[dict]):
    base = {"respondent_id": None, "aar": 2015, "tjenesteomrade": "x", "fylke": "03",
            "leverandor_id": "L1", "tiltak": "gammelt", "leverandortype": "skjermet",
            "sammenlignbart_omrade": True}
    table = pd.DataFrame([{**base, "respondent_id": f"R{i}", **r} for i, r in enumerate(rows)])
    return extract_in_memory({"sporreundersokelse": table,
                              "sporreundersokelse_kodebok": pd.DataFrame(codebook)},
                             {"kilde": "syntetisk", "uttrekksdato": "2020-12-31"})


CODEBOOK = [
    {"sporsmal": "mote", "tekst": "Hvor ofte?", "type": "kategori",
     "kategorier": "Ofte;Sjelden", "figur": "Figur 2.1"},
    {"sporsmal": "felt", "tekst": "Fag?", "type": "flervalg", "kategorier": "A;B", "figur": "Figur 2.4"},
    {"sporsmal": "antall_x", "tekst": "Hvor mange: i fase x.", "type": "antall",
     "kategorier": None, "figur": "Figur 2.5"},
]


def _rows():
    # 2015: 15 respondents, 9 'Ofte'; 2019 comparable: 8, 2 'Ofte'; 2019 elsewhere: 6, all 'Ofte'.
    rows = [{"mote": "Ofte" if i < 9 else "Sjelden", "felt": "A;B" if i < 5 else None,
             "antall_x": i} for i in range(15)]
    rows += [{"aar": 2019, "tiltak": "nytt", "mote": "Ofte" if i < 2 else "Sjelden",
              "felt": "B", "antall_x": 10} for i in range(8)]
    rows += [{"aar": 2019, "tiltak": "nytt", "sammenlignbart_omrade": False, "mote": "Ofte",
              "felt": "A", "antall_x": 0} for _ in range(6)]
    rows += [{"aar": 2019, "tiltak": "utvidet", "leverandor_id": None, "mote": "Ofte"}]  # NAV's own: outside
    return rows


def test_groups_and_shares_by_hand():
    ext = _extract(_rows(), CODEBOOK)
    assert survey.group_sizes(ext) == {"2015": 15, "2019": 8, "landet": 14}
    data = survey.figure_data(ext, "Figur 2.1").set_index(["group", "label"])
    assert data.loc[("2015", "Ofte"), "value"] == pytest.approx(60.0)
    assert data.loc[("landet", "Ofte"), "value"] == pytest.approx(100 * 8 / 14)  # (2 + 6) / 14
    # 2 of 8 'Ofte' in 2019: a cell of fewer than five respondents is hidden
    assert data.loc[("2019", "Ofte"), "hidden"] and np.isnan(data.loc[("2019", "Ofte"), "value"])


def test_multiple_choice_share_is_of_the_groups_respondents():
    ext = _extract(_rows(), CODEBOOK)
    data = survey.figure_data(ext, "Figur 2.4").set_index(["group", "label"])
    assert data.loc[("2015", "A"), "answered"] == 15          # nulls ticked nothing
    assert data.loc[("2015", "A"), "value"] == pytest.approx(100 * 5 / 15)
    assert data.loc[("2019", "B"), "value"] == pytest.approx(100.0)  # all 8: no small complement


def test_means_and_labels():
    ext = _extract(_rows(), CODEBOOK)
    data = survey.figure_data(ext, "Figur 2.5").set_index("group")
    assert data.loc["2015", "value"] == pytest.approx(7.0)
    assert data.loc["landet", "value"] == pytest.approx(80 / 14)  # (8 x 10 + 6 x 0) / 14
    assert data.loc["2015", "label"] == "I fase x"


def test_newcombe_hybrid_score_interval_matches_the_published_example():
    """Newcombe (1998), Statistics in Medicine 17:873-890, Table II example (a): 56/70 vs
    48/80, difference 0.2000, method 10 interval 0.0524 to 0.3339."""
    diff, low, high = survey.share_difference(48, 80, 56, 70)
    assert diff == pytest.approx(20.0)
    assert low == pytest.approx(5.24, abs=0.01) and high == pytest.approx(33.39, abs=0.01)


def test_welch_interval_matches_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.poisson(4, 30), rng.poisson(5, 12)
    diff, low, high = survey.mean_difference(a, b)
    expected = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert diff == pytest.approx(b.mean() - a.mean())
    assert (low, high) == pytest.approx((expected.low, expected.high))


def test_key_figures_without_the_questions_are_missing_not_wrong():
    ext = _extract(_rows(), CODEBOOK)
    table = survey.key_figures(ext)
    weekly = table[table["row"] == "Møtes minst én gang i uka"]
    assert weekly["value"].isna().all()  # our codebook's 'motefrekvens' is not in this survey


def test_no_survey_gives_empty_tables_and_a_sentence():
    ext = extract_in_memory({}, {"kilde": "syntetisk"})
    assert survey.figure_data(ext, "Figur 2.1").empty
    assert survey.key_figures(ext).empty
    assert "ikke spørreundersøkelsen" in survey.sample_sentence(ext)
