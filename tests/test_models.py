"""The regression models (helpers.models) on frames simulated from a known linear probability
model, against a hand-written numpy estimator, and against the published tables' layout."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from helpers import models
from helpers.contract import PROVIDER_TYPES
from helpers.published import PUBLISHED_DIR

COUNTIES = [f"{c:02d}" for c in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 18, 19, 20, 50)]
EDUCATION = ("grunnskole", "vgs_grunnkurs", "vgs_fullfort", "hoyere_kort", "hoyere_lang", "ukjent")
AAP = ("ikke_aap", "psykisk", "muskel_skjelett", "annen", "ukjent")

# the true model: P(job) = BASE + county effect + outcome-month effect + Σ β·x
TRUE = {"programme_new": 0.05, "age": 0.010, "age_squared": -0.00012, "female": -0.02,
        "immigrant": -0.03, "edu_vgs_grunnkurs": 0.02, "edu_vgs_fullfort": 0.035,
        "edu_hoyere_kort": 0.045, "edu_hoyere_lang": 0.06, "edu_ukjent": 0.015,
        "aap_psykisk": -0.06, "aap_muskel_skjelett": -0.01, "aap_annen": -0.03,
        "job_at_entry": 0.15, "reduced_capacity": -0.12, "months_in_job_24": 0.004,
        "unemployment": -0.015}
BASE = 0.30


def simulated_frame(n: int = 20_000, seed: int = 1, true: dict | None = None,
                    counties: list[str] = COUNTIES) -> pd.DataFrame:
    """A frame with the analysis frame's columns, the outcomes drawn from the true LPM.

    Entrants 2012–2018; the new programme replaces the old from a county-specific month, so
    the treatment goes with county and time (the fixed effects matter); 5 % Utvidet.
    `true` replaces the coefficients (TRUE); the county and month effects are drawn.
    """
    true = TRUE if true is None else true
    rng = np.random.default_rng(seed)
    county = rng.choice(counties, n)
    c_index = pd.Index(counties).get_indexer(county)
    entry = rng.integers(2012 * 12, 2019 * 12, n)
    transition = rng.integers(2015 * 12, 2017 * 12, len(counties))[c_index]
    # after the county's transition, Arbeid med bistand (old) goes on beside the new Oppfølging
    programme = np.where((entry >= transition) & (rng.random(n) < 0.6), "nytt",
                         "gammelt").astype(object)
    programme[rng.random(n) < 0.05] = "utvidet"
    age = rng.integers(18, 67, n)
    education = rng.choice(EDUCATION, n)
    aap = rng.choice(AAP, n, p=[0.45, 0.25, 0.15, 0.12, 0.03])
    reduced = (aap != "ikke_aap") | (rng.random(n) < 0.4)
    job_at_entry = rng.random(n) < 0.1
    months_in_job = rng.integers(0, 25, n)
    female, immigrant = rng.random(n) < 0.5, rng.random(n) < 0.2
    county_effect = rng.uniform(-0.05, 0.05, len(counties))[c_index]
    month_effect = rng.uniform(-0.03, 0.03, 2022 * 12)
    county_rate = rng.uniform(2, 4, len(counties))
    out = {}
    for k in models.OUTCOME_HORIZONS:
        month = entry + k
        rate = county_rate[c_index] + 0.8 * np.sin(month // 3 + c_index)
        x = {"programme_new": programme == "nytt", "age": age, "age_squared": age ** 2.0,
             "female": female, "immigrant": immigrant, "job_at_entry": job_at_entry,
             "reduced_capacity": reduced, "months_in_job_24": months_in_job,
             "unemployment": rate,
             **{f"edu_{e}": education == e for e in EDUCATION[1:]},
             "aap_psykisk": aap == "psykisk", "aap_muskel_skjelett": aap == "muskel_skjelett",
             "aap_annen": np.isin(aap, ["annen", "ukjent"])}
        p = BASE + county_effect + month_effect[month] + sum(
            true.get(t, 0.0) * np.asarray(v, dtype=float) for t, v in x.items())
        assert p.min() > 0 and p.max() < 1, "the true LPM must stay a probability"
        out[f"job_{k}"] = pd.array(rng.random(n) < p, dtype="boolean")
        out[f"unemployment_{k}"] = rate
    frame = pd.DataFrame({
        "person_id": [f"P{i:07d}" for i in range(n)],
        "entry_month": [f"{m // 12}-{m % 12 + 1:02d}" for m in entry],
        "programme": programme.astype(str),
        "provider_type": rng.choice(PROVIDER_TYPES, n, p=[0.5, 0.35, 0.05, 0.1]),
        "fylke": county,
        "age": pd.array(age, dtype="Int64"),
        "female": female, "immigrant": immigrant, "education": education,
        "aap_diagnosis": aap, "reduced_capacity": reduced, "job_at_entry": job_at_entry,
        "months_in_job_24": months_in_job,
    })
    for k in models.OUTCOME_HORIZONS:
        frame[f"job_{k}"] = out[f"job_{k}"]
        frame[f"unemployment_{k}"] = out[f"unemployment_{k}"]
    return frame


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    return simulated_frame(30_000, seed=11)


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return simulated_frame(4_000, seed=5, counties=COUNTIES[:8])


def coefficients(result: models.ModelTable, column: str = "") -> pd.Series:
    c = result.coefficients
    return c[c["column"] == column].set_index("term")["estimate"]


# --- recovering the truth ---------------------------------------------------------------------

def test_estimates_are_within_three_standard_errors_of_the_truth(big):
    result = models.table_4_2(big)
    c = result.coefficients.set_index("term").drop(index="intercept")
    assert set(c.index) == set(TRUE)
    z = (c["estimate"] - pd.Series(TRUE)) / c["std_error"]
    assert (z.abs() < 3).all(), z[z.abs() >= 3]
    # and the test has power: the standard errors are small against the effects
    assert c.loc["programme_new", "std_error"] < 0.01
    assert c.loc["job_at_entry", "std_error"] < 0.03


def test_no_controls_are_biased_where_the_fixed_effects_are_not(big):
    # the new programme came later in some counties and outcome months differ: the raw
    # difference is the old-vs-new share gap, the constant is the old programme's share
    none = models.job_model(big, controls="none")
    sample = models.model_sample(big, controls="none")
    old = sample.loc[sample["programme"] == "gammelt", "job_12"].astype(float).mean()
    new = sample.loc[sample["programme"] == "nytt", "job_12"].astype(float).mean()
    est = coefficients(none)
    assert est["intercept"] == pytest.approx(old, abs=1e-10)
    assert est["programme_new"] == pytest.approx(new - old, abs=1e-10)


# --- exactly what the documented estimator gives --------------------------------------------

def _numpy_fe(frame: pd.DataFrame, terms: list[str], months: int = 12):
    """Slopes and CRV1 SEs by hand: all county dummies and month dummies but the first,
    sandwich with G/(G−1)·(N−1)/(N−K), K = slopes + outcome months (the county effects are
    nested in the clusters and count 1, README 'Models')."""
    sample = models.model_sample(frame, months=months)
    y = sample[f"job_{months}"].astype(float).to_numpy()
    x = pd.DataFrame(index=sample.index)
    age = sample["age"].astype(float)
    cols = {"programme_new": sample["programme"] == "nytt", "age": age, "age_squared": age ** 2,
            "female": sample["female"], "immigrant": sample["immigrant"],
            **{f"edu_{e}": sample["education"] == e for e in EDUCATION[1:]},
            "aap_psykisk": sample["aap_diagnosis"] == "psykisk",
            "aap_muskel_skjelett": sample["aap_diagnosis"] == "muskel_skjelett",
            "aap_annen": sample["aap_diagnosis"].isin(["annen", "ukjent"]),
            "job_at_entry": sample["job_at_entry"], "reduced_capacity": sample["reduced_capacity"],
            "months_in_job_24": sample["months_in_job_24"],
            "unemployment": sample[f"unemployment_{months}"]}
    for t in terms:
        x[t] = np.asarray(cols[t], dtype=float)
    period = pd.PeriodIndex(sample["entry_month"], freq="M") + months
    county = pd.get_dummies(sample["fylke"]).astype(float).to_numpy()
    month = pd.get_dummies(period.astype(str)).astype(float).to_numpy()[:, 1:]
    X = np.column_stack([x.to_numpy(), county, month])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    u = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    cl = pd.factorize(sample["fylke"])[0]
    scores = np.vstack([X[cl == g].T @ u[cl == g] for g in range(cl.max() + 1)])
    n, G, K = len(y), cl.max() + 1, len(terms) + month.shape[1] + 1
    V = bread @ scores.T @ scores @ bread * G / (G - 1) * (n - 1) / (n - K)
    k = len(terms)
    return beta[:k], np.sqrt(np.diag(V)[:k])


def test_coefficients_and_clustered_standard_errors_match_a_numpy_estimator(small):
    result = models.table_4_2(small)
    c = result.coefficients.set_index("term").drop(index="intercept")
    beta, se = _numpy_fe(small, list(c.index))
    np.testing.assert_allclose(c["estimate"].to_numpy(), beta, rtol=0, atol=1e-8)
    np.testing.assert_allclose(c["std_error"].to_numpy(), se, rtol=1e-6)
    stat = result.statistics.iloc[0]
    months = models.model_sample(small)["entry_month"].nunique()
    assert stat["k_correction"] == len(c) + months
    assert stat["clusters"] == 8 and stat["df_t"] == 7


def test_standard_error_correction_is_what_pyfixest_uses(small):
    design = models._design(small)
    fit = models._feols(design, design.terms)
    stat = models.table_4_2(small).statistics.iloc[0]
    assert fit._df_k == stat["k_correction"]
    assert float(np.ravel(fit._ssc)[0]) == pytest.approx(stat["ssc"], rel=1e-12)


def test_fixed_effects_nested_in_the_clusters_count_one(small):
    # each outcome month in one county only: both fixed effects nested, K = slopes + 1
    frame = small.copy()
    code = pd.Index(COUNTIES[:8]).get_indexer(frame["fylke"])
    frame["entry_month"] = [f"{2013 + (i % 5)}-{c + 1:02d}" for i, c in enumerate(code)]
    result = models.job_model(frame, controls="fe")
    c = result.coefficients.set_index("term")
    stat = result.statistics.iloc[0]
    assert stat["k_correction"] == 1 + 1
    sample = models.model_sample(frame, controls="fe")
    y = sample["job_12"].astype(float).to_numpy()
    d = (sample["programme"] == "nytt").to_numpy(float)
    month = pd.get_dummies(sample["entry_month"]).astype(float).to_numpy()
    X = np.column_stack([d, month])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    u = y - X @ beta
    # the slope's sandwich via Frisch–Waugh: d net of the month effects
    dt = d - month @ np.linalg.lstsq(month, d, rcond=None)[0]
    cl = pd.factorize(sample["fylke"])[0]
    meat = sum((dt[cl == g] @ u[cl == g]) ** 2 for g in range(8))
    n = len(y)
    se = np.sqrt(meat / (dt @ dt) ** 2 * 8 / 7 * (n - 1) / (n - 2))
    assert c.loc["programme_new", "estimate"] == pytest.approx(beta[0], abs=1e-8)
    assert c.loc["programme_new", "std_error"] == pytest.approx(se, rel=1e-6)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # pyfixest on pandas 3, called here
def test_intercept_is_the_dummy_regression_with_the_first_county_and_month_as_reference(small):
    result = models.table_4_2(small)
    row = result.coefficients.set_index("term").loc["intercept"]
    design = models._design(small)
    terms = design.terms
    data = design.data.assign(county=design.counties[design.data["fe_county"]],
                              month=design.months[design.data["fe_month"]])
    fit = pf.feols("y ~ " + " + ".join(terms) + " + C(county) + C(month)", data,
                   vcov={"CRV1": "cluster_id"})
    assert row["estimate"] == pytest.approx(fit.coef()["Intercept"], abs=1e-8)
    assert row["std_error"] == pytest.approx(fit.se()["Intercept"], rel=1e-6)
    assert row["p_value"] == pytest.approx(fit.pvalue()["Intercept"], rel=1e-6)
    stat = result.statistics.iloc[0]
    first = (pd.PeriodIndex(models.model_sample(small)["entry_month"], freq="M") + 12).min()
    assert stat["intercept_reference"] == f"fylke 01, {first}"


def test_stars_follow_the_source():
    assert [models.stars(p) for p in (0.001, 0.01, 0.049, 0.05, 0.099, 0.1, np.nan)] == [
        "***", "**", "**", "*", "*", "", ""]


# --- samples ----------------------------------------------------------------------------------

def test_sample_is_entrants_2013_to_2017_in_the_two_programmes_with_the_outcome_observed(small):
    frame = small.copy()
    frame.loc[frame.index[:300], "job_12"] = pd.NA
    sample = models.model_sample(frame)
    years = sample["entry_month"].str[:4].astype(int)
    assert years.between(2013, 2017).all()
    assert set(sample["programme"]) == {"gammelt", "nytt"}
    assert sample["job_12"].notna().all()
    year = frame["entry_month"].str[:4].astype(int)
    expected = (year.between(2013, 2017) & frame["programme"].isin(["gammelt", "nytt"])
                & frame["job_12"].notna())
    assert sample.index.equals(frame.index[expected])
    # the 18-month model does not care that job_12 is missing
    n18 = models.vedlegg_3(frame).statistics.iloc[0]["n"]
    assert n18 == (year.between(2013, 2017) & frame["programme"].isin(["gammelt", "nytt"])).sum()


def test_missing_regressors_are_dropped_listwise_and_vedlegg_2_shares_one_sample(small):
    frame = small.copy()
    frame.loc[frame.index[:200], "unemployment_12"] = np.nan
    frame.loc[frame.index[200:300], "age"] = pd.NA
    n_all = models.table_4_2(frame).statistics.iloc[0]["n"]
    n_none = models.job_model(frame, controls="none").statistics.iloc[0]["n"]
    assert n_none > n_all
    assert n_all == len(models.model_sample(small)) - len(
        models.model_sample(small).index.intersection(frame.index[:300]))
    v2 = models.vedlegg_2(frame).statistics
    assert (v2["n"] == n_all).all()
    assert v2["fe_month"].tolist() == ["Nei", "Ja", "Ja", "Ja"]


def test_table_4_3_splits_by_reduced_capacity_and_leaves_out_as_published(small):
    t = models.table_4_3(small)
    n = t.statistics.set_index("column")["n"]
    assert n.sum() == models.table_4_2(small).statistics.iloc[0]["n"]
    sample = models.model_sample(small)
    assert n["Nedsatt arbeidsevne"] == sample["reduced_capacity"].sum()
    terms = t.coefficients.groupby("column")["term"].apply(set)
    assert not terms["Nedsatt arbeidsevne"] & {"job_at_entry", "reduced_capacity"}
    assert not terms["Ikke nedsatt arbeidsevne"] & {"reduced_capacity", *models.AAP_TERMS}
    assert "aap_psykisk" in terms["Nedsatt arbeidsevne"]
    assert "job_at_entry" in terms["Ikke nedsatt arbeidsevne"]


def test_table_4_4_is_the_new_programme_with_ideell_and_unknown_pooled(small):
    t = models.table_4_4(small)
    year = small["entry_month"].str[:4].astype(int)
    new = small[year.between(2013, 2017) & (small["programme"] == "nytt")]
    assert t.statistics.iloc[0]["n"] == len(new)
    terms = t.coefficients["term"].tolist()
    assert terms[:2] == ["provider_kommersiell", "provider_annet"]
    assert "programme_new" not in terms and not set(terms) & set(models.AAP_TERMS)
    pooled = small.assign(provider_type=small["provider_type"].replace({"ideell": "ukjent"}))
    pd.testing.assert_series_equal(coefficients(models.table_4_4(pooled)), coefficients(t),
                                   rtol=1e-10)
    moved = small.assign(provider_type=small["provider_type"].replace({"ideell": "kommersiell"}))
    assert not np.allclose(coefficients(models.table_4_4(moved)), coefficients(t))


def test_table_4_5_splits_by_provider_type_in_both_programmes(small):
    t = models.table_4_5(small)
    sample = models.model_sample(small)
    n = t.statistics.set_index("column")["n"]
    assert n["Skjermede"] == (sample["provider_type"] == "skjermet").sum()
    assert n["Kommersielle"] == (sample["provider_type"] == "kommersiell").sum()
    assert n.sum() < len(sample)


def test_aap_with_no_diagnosis_counts_with_other_diagnoses(small):
    base = coefficients(models.table_4_2(small))
    pooled = small.assign(aap_diagnosis=small["aap_diagnosis"].replace({"ukjent": "annen"}))
    pd.testing.assert_series_equal(coefficients(models.table_4_2(pooled)), base, rtol=1e-10)
    moved = small.assign(aap_diagnosis=small["aap_diagnosis"].replace({"ukjent": "psykisk"}))
    assert not np.allclose(coefficients(models.table_4_2(moved)), base)


def test_empty_samples_and_bad_input_raise_clear_errors(small):
    late = small.assign(entry_month="2018-03")
    with pytest.raises(ValueError, match="Utvalget er tomt / the sample is empty"):
        models.table_4_2(late)
    with pytest.raises(ValueError, match="sample is empty"):
        models.table_4_4(small.assign(programme="gammelt"))
    with pytest.raises(ValueError, match="sample is empty"):
        models.table_4_2(small.iloc[:0])
    with pytest.raises(ValueError, match="lacks columns"):
        models.table_4_2(small.drop(columns=["unemployment_12"]))
    with pytest.raises(ValueError, match="unknown codes"):
        models.table_4_2(small.assign(education="master"))
    with pytest.raises(ValueError, match="controls"):
        models.job_model(small, controls="some")
    with pytest.raises(ValueError, match="two counties"):
        models.table_4_2(small.assign(fylke="03"))


def test_a_term_constant_in_the_sample_is_reported_missing(small):
    frame = small.assign(immigrant=False)
    result = models.table_4_2(frame)
    row = result.coefficients.set_index("term").loc["immigrant"]
    assert np.isnan(row["estimate"]) and row["stars"] == ""
    assert result.statistics.iloc[0]["dropped"] == "immigrant"


def test_a_term_collinear_with_the_fixed_effects_is_reported_missing(small):
    frame = small.assign(unemployment_12=small["fylke"].astype(int) / 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and pyfixest's notice does not reach the chapter
        result = models.table_4_2(frame)
    row = result.coefficients.set_index("term").loc["unemployment"]
    assert np.isnan(row["estimate"])
    assert result.statistics.iloc[0]["dropped"] == "unemployment"
    assert np.isfinite(result.coefficients.set_index("term").loc["intercept", "estimate"])


# --- the published layout ---------------------------------------------------------------------

@pytest.mark.parametrize("name, function", [
    ("tabell_4_2", models.table_4_2), ("vedlegg_2", models.vedlegg_2),
    ("vedlegg_3", models.vedlegg_3), ("tabell_4_3", models.table_4_3),
    ("tabell_4_4", models.table_4_4), ("tabell_4_5", models.table_4_5)])
def test_long_layout_has_the_published_rows_columns_and_blank_cells(small, name, function):
    ours = function(small).long()
    published = pd.read_csv(PUBLISHED_DIR / f"{name}.csv", keep_default_na=False,
                            dtype=str)  # every printed cell, blank ones too
    published = published[published["flag"] != "Ref."]  # a header row in V3
    key = ["section", "row", "column"]
    assert list(map(tuple, ours[key].values)) == list(map(tuple, published[key].values))
    assert ours["unit"].tolist() == published["unit"].tolist()
    assert ours["flag"].tolist() == published["flag"].tolist()
    blank_published = (published["value"] == "").to_numpy()
    assert (ours["value"].isna().to_numpy() == blank_published).all()


# --- wild cluster bootstrap -------------------------------------------------------------------

@pytest.fixture(scope="module")
def boot_frame() -> pd.DataFrame:
    return simulated_frame(6_000, seed=3, counties=COUNTIES[:12])


def test_wild_bootstrap_is_reproducible_and_a_probability(boot_frame):
    a = models.wild_bootstrap(boot_frame, reps=999, seed=7)
    b = models.wild_bootstrap(boot_frame, reps=999, seed=7)
    pd.testing.assert_frame_equal(a, b)
    row = a.iloc[0]
    assert 0 <= row["p_value_wild"] <= 1
    assert row["ci_low_wild"] < row["estimate"] < row["ci_high_wild"]
    assert row["clusters"] == 12 and row["reps"] == 999 and row["weights"] == "webb"


def test_wild_bootstrap_p_small_for_a_large_effect_and_large_for_none():
    strong = simulated_frame(6_000, seed=3, counties=COUNTIES[:12],
                             true={**TRUE, "programme_new": 0.2, "job_at_entry": 0.0,
                                   "months_in_job_24": 0.0})
    row = models.wild_bootstrap(strong, reps=999).iloc[0]
    assert row["p_value_wild"] < 0.01 and row["ci_low_wild"] > 0
    none = simulated_frame(6_000, seed=3, counties=COUNTIES[:12],
                           true={**TRUE, "programme_new": 0.0})
    row = models.wild_bootstrap(none, reps=999).iloc[0]
    assert row["p_value_wild"] > 0.2 and row["ci_low_wild"] < 0 < row["ci_high_wild"]


def _test_for(frame, b0=0.0):
    design = models._design(frame)
    fit = models._feols(design, design.terms)
    X = models._dummy_matrix(design, design.terms)
    y = design.data["y"].to_numpy(float)
    cl = design.data["cluster_id"].to_numpy()
    return design, fit, models.WildClusterTest(X, y, cl, 1, reps=999, seed=7)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # pyfixest on pandas 3, called here
def test_the_inversion_test_is_pyfixests_wild_bootstrap_at_any_null(boot_frame):
    design, fit, test = _test_for(boot_frame)
    p0 = fit.wildboottest(param="programme_new", reps=999, weights_type="webb",
                          impose_null=True, seed=7)["Pr(>|t|)"]
    assert test.pvalue(0.0) == pytest.approx(float(p0), abs=1e-12)
    b0 = float(fit.coef()["programme_new"]) + 2 * float(fit.se()["programme_new"])
    shifted = design.data.assign(y=design.data["y"] - b0 * design.data["programme_new"])
    fit_b0 = pf.feols("y ~ " + " + ".join(design.terms) + " | fe_county + fe_month", shifted,
                      vcov={"CRV1": "cluster_id"}, fixef_rm="none")
    p_b0 = fit_b0.wildboottest(param="programme_new", reps=999, weights_type="webb",
                               impose_null=True, seed=7)["Pr(>|t|)"]
    assert test.pvalue(b0) == pytest.approx(float(p_b0), abs=1e-12)


def test_the_wild_interval_ends_where_the_test_starts_rejecting(boot_frame):
    row = models.wild_bootstrap(boot_frame, reps=999, seed=7).iloc[0]
    _, _, test = _test_for(boot_frame)
    eps = 1e-4 * row["std_error"]
    for edge in (row["ci_low_wild"], row["ci_high_wild"]):
        outside = edge - eps if edge < row["estimate"] else edge + eps
        inside = edge + eps if edge < row["estimate"] else edge - eps
        assert test.pvalue(outside) <= 0.05 < test.pvalue(inside)
    width, clustered = row["ci_high_wild"] - row["ci_low_wild"], row["ci_high"] - row["ci_low"]
    assert 0.5 < width / clustered < 2


def test_exactly_zero_estimate_gives_p_near_one(boot_frame):
    _, fit, test = _test_for(boot_frame)
    assert test.pvalue(float(fit.coef()["programme_new"])) > 0.99


def test_the_table_functions_are_their_specs_and_the_wild_table_covers_each_treatment(small):
    assert set(models.TABLES) == {"tabell_4_2", "vedlegg_2", "vedlegg_3", "tabell_4_3",
                                  "tabell_4_4", "tabell_4_5"}
    pd.testing.assert_frame_equal(models.table_4_3(small).coefficients,
                                  models.model_table(small, "tabell_4_3").coefficients)
    assert models.treatment_terms("tabell_4_4") == models.PROVIDER_TERMS
    assert models.treatment_terms("vedlegg_2") == models.PROGRAMME_TERMS
    wild = models.wild_bootstrap_table(small, "tabell_4_3", reps=99, ci=False)
    assert wild["column"].tolist() == ["Nedsatt arbeidsevne", "Ikke nedsatt arbeidsevne"]
    one = models.wild_bootstrap(small, subgroup={"reduced_capacity": True}, reps=99, ci=False,
                                exclude=("reduced_capacity", "job_at_entry"))
    assert wild["p_value_wild"].iloc[0] == one["p_value_wild"].iloc[0]
    assert wild["estimate"].iloc[0] == models.table_4_3(small).coefficients.set_index(
        ["column", "term"]).loc[("Nedsatt arbeidsevne", "programme_new"), "estimate"]
    with pytest.raises(ValueError, match="ukjent tabell"):
        models.model_table(small, "tabell_9_9")


def test_the_wild_bootstrap_of_vedlegg_2_uses_the_shared_sample(small):
    frame = small.copy()
    frame.loc[frame.index[:300], "education"] = None  # missing in the full model only
    wild = models.wild_bootstrap_table(frame, "vedlegg_2", reps=99, ci=False)
    assert (wild["n"] == models.vedlegg_2(frame).statistics["n"].to_numpy()).all()
    assert wild["n"].nunique() == 1
