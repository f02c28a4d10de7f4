"""helpers.practice: the step-2 slope against known truth and its error rate under no
relation, the indices of a hand-made survey, and the generator's documented practice
switch found when on and not found when off."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import practice, synth
from helpers.spells import build_frame


def test_slope_recovers_a_known_line():
    x = np.linspace(-2, 2, 40)
    year = np.arange(40) % 2 == 0
    fit = practice.slope(1.5 + 2.0 * x + 3.0 * year, x, year)
    assert fit["slope"] == pytest.approx(2.0)
    assert fit["providers"] == 40


def test_slope_rejects_at_the_stated_rate_when_there_is_no_relation():
    """400 null data sets of 90 providers with unequal noise: the 95 % interval excludes
    zero in about 5 % of them (binomial 99.9 % range 2–9 %)."""
    rng = np.random.default_rng(20198)
    rejections = 0
    for _ in range(400):
        x = rng.standard_normal(90)
        se = rng.uniform(1, 5, 90)
        fit = practice.slope(rng.standard_normal(90) * se, x, rng.random(90) < 0.6)
        rejections += fit["p_value"] < 0.05
    assert 0.02 <= rejections / 400 <= 0.09


def test_minimum_detectable_slope_is_2_8_standard_errors():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(100)
    fit = practice.slope(rng.standard_normal(100), x, np.zeros(100, bool))
    assert fit["mde"] == pytest.approx(2.8016 * fit["std_error"], rel=1e-3)


def test_indices_of_a_hand_made_survey():
    survey = pd.DataFrame({
        "respondent_id": ["a", "b", "c"], "aar": [2019, 2019, 2015], "tjenesteomrade": "x",
        "fylke": ["03", "03", "03"], "leverandor_id": ["L1", "L1", "L2"],
        "tiltak": ["nytt", "nytt", "gammelt"], "leverandortype": "skjermet",
        "sammenlignbart_omrade": True,
        "k1": [2, 4, 6], "k2": [0, 2, 6], "metode": ["Ja", "Nei", "Ja"], "arb": ["0", "3–5", "6+"],
    })
    book = pd.DataFrame({"sporsmal": ["k1", "k2", "metode", "arb"], "tekst": ["k: a", "k: b", "m", "a"],
                         "type": ["antall", "antall", "kategori", "kategori"],
                         "kategorier": [None, None, "Ja;Nei", "0;3–5;6+"],
                         "figur": ["Figur 2.6", "Figur 2.6", "Figur 2.7", "Figur 2.8"]})
    ext = synth.extract_in_memory({"sporreundersokelse": survey, "sporreundersokelse_kodebok": book}, {})
    table = practice.provider_indices(ext).set_index("leverandor_id")
    assert table.loc["L1", "respondents"] == 2
    assert table.loc["L1", "kontakt"] == pytest.approx(2.0)     # (1 + 3) / 2
    assert table.loc["L1", "metoder"] == pytest.approx(0.5)
    assert table.loc["L1", "arbeidsgivere"] == pytest.approx(0.5)
    assert table.loc["L2", "programme"] == "gammelt" and table.loc["L2", "kontakt"] == 6
    assert np.isnan(table.loc["L1", "oppfolging"])             # not asked in this survey


def _results(effect: float):
    params = synth.load_parameters()
    params["sporreundersokelse"]["praksis_effekt"] = effect
    tables, meta = synth.generate(0.3, params=params)
    extract = synth.extract_in_memory(tables, meta)
    return practice.practice_results(extract, build_frame(extract)).set_index("index")


def test_the_relation_is_found_when_the_generator_puts_it_in():
    """praksis_effekt 0.03: 3 percentage points more in a job per unit of the provider's
    practice score; every index's slope is positive with an interval above zero."""
    results = _results(0.03)
    assert (results["slope"] > 0).all()
    assert (results["lower"] > 0).all()
    assert results.loc["samlet", "p_value"] < 0.01


def test_no_relation_is_found_when_the_switch_is_off():
    """The default (praksis_effekt 0): the combined index's 95 % interval covers zero. With
    a fixed seed this is one draw of a test whose error rate the null test above checks."""
    results = _results(0.0)
    assert results.loc["samlet", "lower"] < 0 < results.loc["samlet", "upper"]
    assert results.loc["samlet", "providers"] > 40
