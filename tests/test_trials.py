"""helpers.trials: the trial effect estimator and the balance, randomisation-inference, power,
pooling, month-by-month and covariate-adjustment helpers around it, on hand-worked and
simulated trials."""
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from helpers import trials


def test_difference_in_means_hand_worked():
    # Intervention 3, 5 (mean 4); control 1, 2, 3 (mean 2): effect 2.
    frame = pd.DataFrame({"y": [3, 5, 1, 2, 3], "arm": [1, 1, 0, 0, 0]})
    result = trials.effect(frame, "y", "arm", cov_type="HC0")
    assert result["estimate"] == pytest.approx(2.0)
    # HC0: se² = Σ residual² / n² per arm: 2/2² + 2/3² = 1/2 + 2/9.
    assert result["std_error"] == pytest.approx(np.sqrt(1 / 2 + 2 / 9))
    assert result["n"] == 5


def test_strata_fixed_effects_weight_within_strata():
    # Within office a the effect is 1, within b it is 3; offices have 2+2 persons each,
    # so the fixed-effects estimate is their equal-weight average, 2.
    frame = pd.DataFrame({"y": [1, 2, 10, 13], "arm": [0, 1, 0, 1], "office": list("aabb")})
    assert trials.effect(frame, "y", "arm", strata="office")["estimate"] == pytest.approx(2.0)


def test_bad_input_is_refused():
    with pytest.raises(KeyError):
        trials.effect(pd.DataFrame({"y": [1.0]}), "y", "arm")
    with pytest.raises(ValueError):
        trials.effect(pd.DataFrame({"y": [1.0, 2.0], "arm": [1, 1]}), "y", "arm")


def test_interval_covers_known_effect_at_stated_rate():
    rng = np.random.default_rng(20211)
    truth, simulations, covered = 0.1, 200, 0
    for _ in range(simulations):
        n = 400
        office = rng.integers(0, 4, n)
        arm = rng.random(n) < 0.4
        age = rng.normal(40, 10, n)
        y = (rng.random(n) < 0.2 + 0.05 * office + truth * arm + 0.004 * (age - 40)).astype(float)
        frame = pd.DataFrame({"y": y, "arm": arm, "office": office, "age": age})
        result = trials.effect(frame, "y", "arm", strata="office", covariates=["age"])
        covered += result["ci_low"] <= truth <= result["ci_high"]
    low, high = stats.binom.ppf([0.001, 0.999], simulations, 0.95)
    assert low <= covered <= high


def test_same_data_same_result():
    frame = pd.DataFrame({"y": [1.0, 4, 2, 8, 5, 7], "arm": [0, 1, 0, 1, 0, 1], "x": [1, 2, 3, 4, 5, 7]})
    first = trials.effect(frame, "y", "arm", covariates=["x"])
    pd.testing.assert_series_equal(first, trials.effect(frame, "y", "arm", covariates=["x"]))



# --- balance -------------------------------------------------------------------------------

def _baseline_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "arm":    [1, 1, 1, 1, 0, 0, 0, 0],
        "office": list("aabbaabb"),
        "age":    [30.0, 40, 50, np.nan, 20, 30, 40, 50],
        "woman":  [True, False, True, True, False, False, True, False],
    })


def test_balance_hand_worked_means_difference_and_p():
    frame = _baseline_frame()
    table = trials.balance(frame, "arm", ["woman", "age"], strata="office")
    assert list(table["variable"]) == ["woman", "age"]  # the order given
    woman, age = table.iloc[0], table.iloc[1]
    # woman: intervention 1, 0, 1, 1 -> 3/4; control 0, 0, 1, 0 -> 1/4; control − intervention.
    assert woman["mean_intervention"] == pytest.approx(0.75)
    assert woman["mean_control"] == pytest.approx(0.25)
    assert woman["difference"] == pytest.approx(-0.5)
    assert woman["n"] == 8
    # age: the missing age drops that person for age only: intervention 30, 40, 50 -> 40;
    # control 20, 30, 40, 50 -> 35.
    assert age["mean_intervention"] == pytest.approx(40.0)
    assert age["mean_control"] == pytest.approx(35.0)
    assert age["difference"] == pytest.approx(-5.0)
    assert age["n"] == 7
    # p-values are effect's (stratum fixed effects, HC1) with the variable as outcome.
    as_float = frame.assign(woman=frame["woman"].astype(float))
    assert woman["p_value"] == pytest.approx(trials.effect(as_float, "woman", "arm", "office")["p_value"])
    assert age["p_value"] == pytest.approx(trials.effect(frame, "age", "arm", "office")["p_value"])
    # Without strata the p-value is the plain robust two-sample one, which differs here.
    plain = trials.balance(frame, "arm", ["age"])
    assert plain["p_value"].iloc[0] == pytest.approx(trials.effect(frame, "age", "arm")["p_value"])
    assert plain["p_value"].iloc[0] != pytest.approx(age["p_value"])


def test_balance_refuses_unknown_columns():
    with pytest.raises(KeyError):
        trials.balance(_baseline_frame(), "arm", ["income"])


# --- joint balance -------------------------------------------------------------------------

def _baseline_sample(n: int, seed: int, predictive: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"age": rng.normal(40, 10, n), "woman": rng.random(n) < 0.5,
                          "income": rng.lognormal(12, 0.5, n), "office": rng.integers(0, 5, n)})
    index = predictive * (frame["age"] - 40) / 10 + rng.normal(size=n)
    frame["arm"] = (index > 0).astype(int)
    return frame


def test_joint_balance_does_not_reject_a_random_arm():
    frame = _baseline_sample(2000, 5, predictive=0.0)
    result = trials.joint_balance(frame, "arm", ["age", "woman", "income"], strata="office")
    assert result["df_num"] == 3
    assert result["df_denom"] == 2000 - (1 + 3 + 4)
    assert result["n"] == 2000
    assert result["p_value"] > 0.05


def test_joint_balance_rejects_when_a_covariate_predicts_the_arm():
    frame = _baseline_sample(2000, 6, predictive=0.5)
    result = trials.joint_balance(frame, "arm", ["age", "woman", "income"], strata="office")
    assert result["p_value"] < 0.001


def test_joint_balance_equals_hand_sandwich_and_statsmodels_f_test():
    frame = _baseline_sample(300, 7, predictive=0.2)
    frame.loc[frame.index[:5], "income"] = np.nan  # dropped from the test
    variables = ["age", "woman", "income"]
    result = trials.joint_balance(frame, "arm", variables, strata="office")
    data = frame.dropna()
    dummies = pd.get_dummies(data["office"], prefix="o", drop_first=True, dtype=float)
    x = np.column_stack([np.ones(len(data)), data[variables].astype(float), dummies])
    d = data["arm"].to_numpy(float)
    n, k = x.shape
    bread = np.linalg.inv(x.T @ x)
    b = bread @ x.T @ d
    e = d - x @ b
    v = bread @ (x.T * e**2) @ x @ bread * n / (n - k)  # HC1
    r = np.zeros((3, k))
    r[[0, 1, 2], [1, 2, 3]] = 1
    wald = (r @ b) @ np.linalg.solve(r @ v @ r.T, r @ b)
    assert result["statistic"] == pytest.approx(wald / 3, rel=1e-8)
    assert result["p_value"] == pytest.approx(stats.f.sf(wald / 3, 3, n - k), rel=1e-8)
    assert (result["n"], result["df_denom"]) == (295, n - k)
    fit = sm.OLS(d, x).fit(cov_type="HC1")
    f_test = fit.f_test(r)
    assert result["statistic"] == pytest.approx(float(np.squeeze(f_test.fvalue)), rel=1e-10)
    assert result["p_value"] == pytest.approx(float(f_test.pvalue), rel=1e-10)


def test_joint_balance_refuses_collinear_variables():
    frame = _baseline_sample(100, 8).assign(constant=1.0)
    with pytest.raises(ValueError):
        trials.joint_balance(frame, "arm", ["age", "constant"])


# --- randomisation inference ---------------------------------------------------------------

def _exact_p(frame, outcome, arm, strata=None) -> tuple[float, float]:
    """The observed stratum-FE estimate (by `effect`) and the exact randomisation p over every
    assignment that keeps each stratum's number treated."""
    groups = [frame.index] if strata is None else [g.index for _, g in frame.groupby(strata)]
    choices = [itertools.combinations(list(g), int(frame.loc[g, arm].sum())) for g in groups]
    observed = trials.effect(frame, outcome, arm, strata)["estimate"]
    estimates = []
    for picks in itertools.product(*[list(c) for c in choices]):
        treated = [i for pick in picks for i in pick]
        redrawn = frame.assign(**{arm: frame.index.isin(treated).astype(int)})
        estimates.append(trials.effect(redrawn, outcome, arm, strata)["estimate"])
    estimates = np.abs(np.array(estimates))
    return observed, float(np.mean(estimates >= abs(observed) - 1e-12))


def _within_binomial_error(p_mc: float, p_exact: float, reps: int) -> bool:
    expected = (1 + reps * p_exact) / (reps + 1)
    return abs(p_mc - expected) <= 4 * np.sqrt(p_exact * (1 - p_exact) / reps) + 1 / reps


def test_randomisation_p_matches_full_enumeration_one_stratum():
    frame = pd.DataFrame({"y": [4.0, 7, 5, 1, 3, 2], "arm": [1, 1, 1, 0, 0, 0]})
    observed, exact = _exact_p(frame, "y", "arm")
    # 20 assignments; a treated triple summing to S gives (2S − 22)/3, observed S = 16: 10/3.
    # |2S − 22| >= 10 only for {7, 5, 4} (S = 16) and its mirror {1, 2, 3} (S = 6): p = 2/20,
    # the mirror a tie that must count.
    assert observed == pytest.approx(10 / 3)
    assert exact == pytest.approx(2 / 20)
    reps = 20000
    result = trials.randomisation_p(frame, "y", "arm", reps=reps, seed=1)
    assert result["estimate"] == pytest.approx(observed)
    assert (result["reps"], result["seed"], result["n"]) == (reps, 1, 6)
    assert _within_binomial_error(result["p_value"], exact, reps)


def test_randomisation_p_matches_full_enumeration_with_strata_and_missing_outcome():
    frame = pd.DataFrame({"y": [3.0, 6, 1, 4, 14, 10, 9, 8, 13],
                          "arm": [1, 1, 0, 0, 1, 0, 1, 0, 0],
                          "office": list("aaaabbbbb")})
    observed, exact = _exact_p(frame, "y", "arm", "office")  # 6 × 10 = 60 assignments
    assert exact == pytest.approx(24 / 60)  # neither extreme, so the Monte Carlo p is informative
    reps = 20000
    result = trials.randomisation_p(frame, "y", "arm", "office", reps=reps, seed=2)
    assert result["estimate"] == pytest.approx(observed, abs=1e-12)
    assert _within_binomial_error(result["p_value"], exact, reps)
    # A missing outcome: the arm is still re-drawn over all nine (randomised) persons and the
    # estimate recomputed on the eight observed, which `effect` does on each full assignment.
    holed = frame.assign(y=frame["y"].where(frame.index != 5))
    observed, exact = _exact_p(holed, "y", "arm", "office")
    result = trials.randomisation_p(holed, "y", "arm", "office", reps=reps, seed=3)
    assert result["n"] == 8
    assert result["estimate"] == pytest.approx(observed, abs=1e-12)
    assert _within_binomial_error(result["p_value"], exact, reps)


def test_randomisation_p_same_seed_same_result_and_agrees_with_table():
    frame = _baseline_sample(500, 9)
    frame["y"] = 0.5 * frame["arm"] + frame["age"] / 10 + np.random.default_rng(9).normal(size=500)
    first = trials.randomisation_p(frame, "y", "arm", "office", reps=300, seed=11)
    assert first.equals(trials.randomisation_p(frame, "y", "arm", "office", reps=300, seed=11))
    table = trials.randomisation_table(frame, ["y", "age", "woman"], "arm", "office", reps=300, seed=11)
    assert list(table["outcome"]) == ["y", "age", "woman"]
    assert table["p_value"].iloc[0] == first["p_value"]
    for _, row in table.iterrows():
        alone = trials.randomisation_p(frame, row["outcome"], "arm", "office", reps=300, seed=11)
        assert row["p_value"] == alone["p_value"]
        as_float = frame.assign(woman=frame["woman"].astype(float))
        assert row["estimate"] == pytest.approx(
            trials.effect(as_float, row["outcome"], "arm", "office")["estimate"], rel=1e-10)
    p_values = {trials.randomisation_p(frame, "y", "arm", "office", reps=300, seed=s)["p_value"]
                for s in range(5)}
    assert first["p_value"] < 0.05
    assert len(p_values) > 1  # the seed matters


def test_permuted_arms_keep_each_strata_treated_count():
    frame = pd.DataFrame({"arm": [1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1],
                          "office": ["a", "a", "a", "b", "b", "b", "b", "c", "c", "c", None]})
    draws = trials.permuted_arms(frame, "arm", "office", reps=500, seed=4)
    assert draws.shape == (500, 10)  # the person without an office is not in the draw
    assert list(draws.columns) == list(frame.index[:10])
    for office, group in frame.iloc[:10].groupby("office"):
        treated = draws[group.index].sum(axis=1)
        assert (treated == group["arm"].sum()).all(), office
        assert draws[group.index].drop_duplicates().shape[0] > 1  # they are re-drawn
    assert draws.equals(trials.permuted_arms(frame, "arm", "office", reps=500, seed=4))
    assert not draws.equals(trials.permuted_arms(frame, "arm", "office", reps=500, seed=5))


def test_permuted_arms_are_uniform_over_assignments():
    frame = pd.DataFrame({"arm": [1, 1, 0, 0]})
    reps = 6000
    draws = trials.permuted_arms(frame, "arm", reps=reps, seed=6)
    counts = draws.astype(str).agg("".join, axis=1).value_counts()
    assert len(counts) == 6  # the 4-choose-2 assignments, all of them
    assert stats.chisquare(counts.to_numpy()).pvalue > 0.001


def test_randomisation_p_refuses_bad_input():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4], "arm": [1, 1, 0, 0]})
    for reps in (0, -5, 2.5):
        with pytest.raises(ValueError):
            trials.randomisation_p(frame, "y", "arm", reps=reps)
    with pytest.raises(ValueError):
        trials.randomisation_p(frame.assign(arm=1), "y", "arm")
    with pytest.raises(KeyError):
        trials.randomisation_p(frame, "z", "arm")
    with pytest.raises(ValueError):  # no stratum holds both arms
        trials.randomisation_p(frame.assign(office=list("aabb")), "y", "arm", "office")


# --- minimum detectable effect -------------------------------------------------------------

def test_minimum_detectable_effect_hand_numbers():
    assert trials.minimum_detectable_effect(1.0) == pytest.approx(1.959964 + 0.841621, abs=1e-6)
    assert trials.minimum_detectable_effect(1.0) == pytest.approx(2.8016, abs=1e-4)
    assert trials.minimum_detectable_effect(0.5, alpha=0.10, power=0.9) == pytest.approx(
        0.5 * (1.644854 + 1.281552), abs=1e-6)
    # sd 2, 100 and 400 persons: se = 2 × sqrt(1/100 + 1/400) = 0.2236068.
    assert trials.mde_from_design(2.0, 100, 400) == pytest.approx(2.801585 * 0.2236068, abs=1e-6)
    with pytest.raises(ValueError):
        trials.minimum_detectable_effect(1.0, alpha=0.0)
    with pytest.raises(ValueError):
        trials.minimum_detectable_effect(1.0, power=1.0)
    with pytest.raises(ValueError):
        trials.mde_from_design(1.0, 0, 10)


# --- pooling -------------------------------------------------------------------------------

def test_pooled_two_trials_by_hand():
    # Estimates 0.1 and 0.6, se 0.1 and 0.2: w = 100, 25.
    table = trials.pooled([0.1, 0.6], [0.1, 0.2], labels=["SE-KLAR", "SE-NAV"])
    fixed, random = table.set_index("method").loc["fast"], table.set_index("method").loc["tilfeldig"]
    assert list(table["method"]) == ["fast", "tilfeldig"]
    assert fixed["estimate"] == pytest.approx((100 * 0.1 + 25 * 0.6) / 125)  # 0.2
    assert fixed["std_error"] == pytest.approx(1 / np.sqrt(125))
    assert fixed["ci_low"] == pytest.approx(0.2 - 1.959964 / np.sqrt(125), abs=1e-6)
    assert fixed["p_value"] == pytest.approx(2 * stats.norm.sf(0.2 * np.sqrt(125)))
    # Q = 100 × 0.1² + 25 × 0.4² = 5 on 1 df; C = 125 − (100² + 25²)/125 = 40; tau² = 4/40.
    assert fixed["q"] == pytest.approx(5.0)
    assert fixed["tau2"] == pytest.approx(0.1)
    assert fixed["i2"] == pytest.approx(0.8)
    w = 1 / (np.array([0.01, 0.04]) + 0.1)
    assert random["estimate"] == pytest.approx(w @ [0.1, 0.6] / w.sum())
    assert random["std_error"] == pytest.approx(1 / np.sqrt(w.sum()))
    assert (random["q"], random["tau2"], random["i2"]) == (fixed["q"], fixed["tau2"], fixed["i2"])
    weights = table.attrs["weights"]
    assert list(weights["fast"]) == ["SE-KLAR", "SE-NAV"]
    assert weights["fast"]["SE-KLAR"] == pytest.approx(0.8)
    # and tables of several outcomes can be stacked (attrs of plain values compare)
    assert len(pd.concat([table.reset_index(), table.reset_index()])) == 4


def test_pooled_textbook_formulas_three_trials():
    b, se = np.array([0.05, 0.20, -0.02]), np.array([0.04, 0.06, 0.05])
    table = trials.pooled(b, se).set_index("method")
    w = 1 / se**2
    fe = w @ b / w.sum()
    q = w @ (b - fe) ** 2
    tau2 = max(0.0, (q - 2) / (w.sum() - (w**2).sum() / w.sum()))
    w_re = 1 / (se**2 + tau2)
    assert table.loc["fast", "estimate"] == pytest.approx(fe)
    assert table.loc["fast", "q"] == pytest.approx(q)
    assert table.loc["fast", "tau2"] == pytest.approx(tau2)
    assert tau2 > 0
    assert table.loc["tilfeldig", "estimate"] == pytest.approx(w_re @ b / w_re.sum())
    assert table.loc["tilfeldig", "std_error"] == pytest.approx(1 / np.sqrt(w_re.sum()))
    assert table.loc["tilfeldig", "ci_high"] == pytest.approx(
        w_re @ b / w_re.sum() + stats.norm.ppf(0.975) / np.sqrt(w_re.sum()))


def test_pooled_truncates_tau2_when_q_is_below_its_df():
    # Q = 100 × (1/30)² + 50 × (2/30)² ≈ 0.33 < 1: DerSimonian–Laird tau² is 0 (statsmodels'
    # own value is negative), so the random-effects row is the fixed-effect row.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = trials.pooled([0.1, 0.2], [0.1, np.sqrt(0.02)]).set_index("method")
    assert table.loc["fast", "tau2"] == 0.0
    assert table.loc["fast", "i2"] == 0.0
    assert table.loc["fast", "q"] == pytest.approx(1 / 3)
    pd.testing.assert_series_equal(table.loc["tilfeldig"], table.loc["fast"], check_names=False)


def test_pooled_refuses_bad_input():
    with pytest.raises(ValueError):
        trials.pooled([0.1], [0.1])
    with pytest.raises(ValueError):
        trials.pooled([0.1, 0.2], [0.1, 0.0])
    with pytest.raises(ValueError):
        trials.pooled([0.1, 0.2], [0.1])
    with pytest.raises(ValueError):
        trials.pooled([0.1, 0.2], [0.1, 0.1], labels=["a"])


# --- effects by month ----------------------------------------------------------------------

def _panel(persons: int = 240, months: int = 6, seed: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    people = pd.DataFrame({"id": range(persons), "arm": rng.random(persons) < 0.5,
                           "office": rng.choice(list("abcd"), persons)})
    panel = people.merge(pd.DataFrame({"month": range(-1, months - 1)}), how="cross")
    panel["y"] = (rng.random(len(panel)) < 0.3 + 0.02 * panel["month"] + 0.1 * panel["arm"]).astype(float)
    panel.loc[rng.random(len(panel)) < 0.05, "y"] = np.nan
    # In month 2 office d is absent and office c has only treated persons.
    drop = (panel["month"] == 2) & ((panel["office"] == "d") | ((panel["office"] == "c") & ~panel["arm"]))
    return panel[~drop].reset_index(drop=True)


@pytest.mark.parametrize("strata", [None, "office"])
def test_effects_by_month_equals_effect_month_by_month(strata):
    panel = _panel()
    table = trials.effects_by_month(panel, "y", "arm", month="month", strata=strata)
    assert list(table["month"]) == list(range(-1, 5))
    for _, row in table.iterrows():
        month = panel[panel["month"] == row["month"]]
        expected = trials.effect(month, "y", "arm", strata)
        for column in trials.RESULT_COLUMNS:
            assert row[column] == pytest.approx(expected[column], rel=1e-10, abs=1e-10), column
        seen = month.dropna(subset=["y"])
        assert row["mean_intervention"] == pytest.approx(seen.loc[seen["arm"], "y"].mean())
        assert row["mean_control"] == pytest.approx(seen.loc[~seen["arm"], "y"].mean())


def test_effects_by_month_large_outcome_scale():
    panel = _panel(persons=120, months=3, seed=12)
    panel["earnings"] = 350_000 * panel["y"] + np.random.default_rng(12).normal(0, 50_000, len(panel))
    table = trials.effects_by_month(panel, "earnings", "arm", strata="office")
    for _, row in table.iterrows():
        expected = trials.effect(panel[panel["month"] == row["month"]], "earnings", "arm", "office")
        assert row["estimate"] == pytest.approx(expected["estimate"], rel=1e-10)
        assert row["std_error"] == pytest.approx(expected["std_error"], rel=1e-10)


# --- covariate adjustment ------------------------------------------------------------------

def test_adjusted_comparison_gains_precision_and_covers_truth():
    rng = np.random.default_rng(13)
    n, truth = 2000, 0.5
    frame = pd.DataFrame({"arm": rng.random(n) < 0.5, "office": rng.integers(0, 4, n),
                          "score": rng.normal(0, 2, n)})
    frame["y"] = truth * frame["arm"] + 1.5 * frame["score"] + 0.3 * frame["office"] + rng.normal(size=n)
    frame.loc[frame.index[:10], "score"] = np.nan  # both rows use the same 1990 persons
    table = trials.adjusted_comparison(frame, "y", "arm", "office", ["score"])
    assert list(table["spesifikasjon"]) == ["uten kovariater", "med kovariater (Lin)"]
    assert list(table["n"]) == [1990, 1990]
    assert table["se_ratio"].iloc[0] == 1.0
    assert table["se_ratio"].iloc[1] < 0.5  # the score explains most of the variance
    assert table["se_ratio"].iloc[1] == pytest.approx(table["std_error"].iloc[1] / table["std_error"].iloc[0])
    assert ((table["ci_low"] <= truth) & (truth <= table["ci_high"])).all()
    common = frame.dropna()
    adjusted = trials.effect(common, "y", "arm", "office", ["score"])
    assert table["estimate"].iloc[1] == pytest.approx(adjusted["estimate"])
    assert table["std_error"].iloc[1] == pytest.approx(adjusted["std_error"])
    with pytest.raises(ValueError):
        trials.adjusted_comparison(frame, "y", "arm", "office", [])
