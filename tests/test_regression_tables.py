"""The Resultater chapter's regression tables (helpers.regression_tables): the published
layout beside ours, the formatting, the wild bootstrap beside the clustered p-value, and
the sentences built from a table, on hand-made ModelTables and simulated frames."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import models
from helpers import regression_tables as rt
from helpers.published import read_published
from tests.test_models import COUNTIES, simulated_frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return simulated_frame(4_000, seed=5, counties=COUNTIES[:8])


def _model_table(coefficients: dict[str, float], table: str = "vedlegg_2") -> models.ModelTable:
    """A ModelTable with the given Nytt tiltak coefficient per column and nothing else."""
    rows = [(table, column, "programme_new", "", "Nytt tiltak (ref: gammelt tiltak)", value,
             0.01, value / 0.01, 0.5, "") for column, value in coefficients.items()]
    stats = pd.DataFrame({"column": list(coefficients), "n": 100, "mean_outcome": 0.25,
                          "r2": 0.1, "fe_month": "Ja", "fe_county": "Ja"})
    return models.ModelTable(table, pd.DataFrame(rows, columns=models.MODEL_COLUMNS), stats,
                             rows=("programme_new",))


@pytest.mark.parametrize("value, text", [
    (0.0299, "0,0299"), (0.151, "0,151"), (-0.000133, "\u22120,000133"), (0.21, "0,210"),
    (1.5, "1,500"), (0.0, "0,000"), (np.nan, "–")])
def test_coefficients_are_printed_with_three_significant_digits(value, text):
    assert rt.format_coefficient(value) == text


def test_p_values_are_printed_with_three_decimals_or_as_below_a_thousandth():
    assert rt.format_p_value(0.0524) == "0,052"
    assert rt.format_p_value(0.0004) == "< 0,001"
    assert rt.format_p_value(np.nan) == "–"


def test_compared_table_has_the_published_cells_beside_ours_and_wild_only_on_the_treatment(frame):
    table = models.table_4_2(frame)
    wild = models.wild_bootstrap_table(frame, "tabell_4_2", reps=199, ci=False)
    compared = rt.regression_compared(table, wild)
    published = read_published("tabell_4_2")
    assert compared["row"].tolist() == published["row"].tolist()
    assert np.allclose(compared["published"].to_numpy(float), published["value"].to_numpy(float),
                       equal_nan=True)
    treatment = compared["term"] == "programme_new"
    assert compared.loc[treatment, "p_value_wild"].iloc[0] == wild["p_value_wild"].iloc[0]
    assert compared.loc[~treatment, "p_value_wild"].isna().all()
    ours = table.coefficients.set_index("term")
    age = compared[compared["term"] == "age"].iloc[0]
    assert age["value"] == ours.loc["age", "estimate"]
    assert age["std_error"] == ours.loc["age", "std_error"]
    assert age["p_value"] == ours.loc["age", "p_value"]
    # the data the build writes: published labels, std_error / p_value / p_value_wild
    data = rt.regression_data(compared, "tabell_4_2")
    assert {"std_error", "p_value", "p_value_wild"} <= set(data.columns)
    assert data.loc[data["row"] == "Fylke", "flag"].iloc[0] == "Ja"
    assert data.loc[data["row"] == "N", "value"].iloc[0] == table.statistics["n"].iloc[0]


def test_the_book_table_shows_our_coefficient_with_its_error_and_the_published_one(frame):
    table = models.table_4_2(frame)
    wild = models.wild_bootstrap_table(frame, "tabell_4_2", reps=199, ci=False)
    shown = rt.show_regression(table, wild, "tbl-x", "Tabell 4.2", "Kilde: test", True)
    html = shown.gt._repr_html_()
    age = table.coefficients.set_index("term").loc["age"]
    assert rt.format_coefficient(age["estimate"]) + age["stars"] in html
    assert f"({rt.format_coefficient(age['std_error'])})" in html
    assert "0,0299***" in html  # the published Nytt tiltak
    assert rt.WILD_ROW in html and rt.format_p_value(wild["p_value_wild"].iloc[0]) in html
    assert "Syntetisk" in html and "Publisert" in html and "Kilde: test" in html


def test_gap_sentence_says_how_much_of_the_raw_difference_is_left():
    result = rt.RegressionResult("vedlegg_2", _model_table(
        {"Ingen kontroller": 0.10, "Fylke + tid FE": 0.07,
         "Fylke og tid FE + arbeidsledighet": 0.07, "Alle": 0.025}), None)
    text = rt.gap_sentence(result)
    assert "Uten kontroller er forskjellen 10,0 prosentpoeng i favør av det nye tiltaket" in text
    assert "2,5 prosentpoeng igjen, det vil si 25 prosent av den rå forskjellen" in text
    assert "Resten, 75 prosent" in text
    flipped = rt.RegressionResult("vedlegg_2", _model_table(
        {"Ingen kontroller": 0.10, "Fylke + tid FE": 0.05,
         "Fylke og tid FE + arbeidsledighet": 0.05, "Alle": -0.02}), None)
    assert "snur forskjellen" in rt.gap_sentence(flipped)


def test_inference_sentence_names_the_coefficients_where_the_two_disagree():
    wild = pd.DataFrame({
        "table": ["tabell_4_2", "tabell_4_5"], "column": ["", "Kommersielle"],
        "term": ["programme_new", "programme_new"], "estimate": [0.02, 0.036],
        "std_error": [0.01, 0.017], "p_value": [0.052, 0.045], "ci_low": [0, 0],
        "ci_high": [0.04, 0.07], "p_value_wild": [0.127, 0.133], "ci_low_wild": [-0.01, -0.01],
        "ci_high_wild": [0.04, 0.08], "clusters": [18, 18]})
    rows = rt.agreement_rows(wild)
    assert rows["agree"].tolist() == [True, False]
    text = rt.inference_sentence(rows)
    assert text.startswith("For 1 av de 2 koeffisientene gir de to metodene ulikt svar")
    assert "Tabell 4.5, Kommersielle: Nytt tiltak (klyngekorrigert p = 0,045, bootstrap " \
           "p = 0,133)" in text
    assert "alle de 1 " not in rt.inference_sentence(rows.iloc[:1])
    assert "samme svar" in rt.inference_sentence(rows.iloc[:1])


def test_a_table_that_cannot_be_estimated_says_why_without_counts(frame):
    old_only = frame[frame["programme"] == "gammelt"]
    result = rt.estimate(old_only, "tabell_4_4", reps=99)
    assert result.model is None and result.problem.startswith("Modellen kan ikke estimeres")
    assert not any(ch.isdigit() for ch in result.problem)
    assert rt.effect_sentence(result) == result.problem
    # the old-only Tabell 4.2 is estimated, but has no programme difference to state
    t42 = rt.estimate(old_only, "tabell_4_2", reps=99)
    assert t42.model is not None and t42.wild is None
    assert rt.effect_sentence(t42).startswith("Forskjellen kan ikke estimeres")


def test_effect_sentence_states_the_coefficient_its_size_and_both_p_values(frame):
    result = rt.estimate(frame, "tabell_4_2", reps=199, ci=False)
    row = rt.coefficient(result.model)
    mean = rt.statistic(result.model, "mean_outcome")
    text = rt.effect_sentence(result)
    points = f"{abs(100 * row['estimate']):.1f}".replace(".", ",")
    assert f"{points} prosentpoeng {'høyere' if row['estimate'] > 0 else 'lavere'}" in text
    assert f"{100 * abs(row['estimate']) / mean:.0f} prosent av gjennomsnittet" in text
    assert "Med wild cluster bootstrap" in text


def test_method_text_takes_the_years_and_the_counties_from_the_code_and_the_estimates():
    one = rt.RegressionResult("vedlegg_2", _model_table({"Alle": 0.02}), None)
    one.model.statistics["clusters"] = 18
    two = rt.RegressionResult("tabell_4_4", _model_table({"": 0.01}, "tabell_4_4"), None)
    two.model.statistics["clusters"] = 19
    first, last = models.ENTRY_YEARS
    assert f"startet i {first}–{last}" in rt.method_text({"a": one})
    assert "bare har 18 fylker" in rt.method_text({"a": one})
    assert "bare har 18–19 fylker" in rt.method_text({"a": one, "b": two})
    assert "bare har fylkene" in rt.method_text({"c": rt.RegressionResult("x", None, None, "?")})


def test_vedlegg_3_data_carries_the_printed_reference_row(frame):
    compared = rt.regression_compared(models.vedlegg_3(frame))
    data = rt.regression_data(compared, "vedlegg_3")
    ref = data[data["flag"] == "Ref."]
    assert ref["row"].tolist() == ["AAP/diagnose (ref: Ikke AAP)"] and ref["value"].isna().all()


def test_a_wide_table_shows_stars_only_and_keeps_its_standard_errors_in_the_data(frame):
    shown = rt.show_regression(models.vedlegg_2(frame), None, "tbl-v2", "V2", "Kilde", False)
    html = shown.gt._repr_html_()
    alle = models.vedlegg_2(frame).coefficients.set_index(["column", "term"]).loc[("Alle", "age")]
    assert rt.format_coefficient(alle["estimate"]) + alle["stars"] in html
    assert f"({rt.format_coefficient(alle['std_error'])})" not in html
    assert "står i tabellen som data" in html and "Beregnet" in html
    data = shown.data.set_index(["column", "row"])
    assert data.loc[("Alle", "Alder"), "std_error"] == pytest.approx(alle["std_error"])
