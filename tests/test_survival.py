"""helpers.survival: Kaplan–Meier durations, checked against a hand-worked example with
censored participations and against lifelines (tests/data/make_km_lifelines.py)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import measures, survival

DATA = Path(__file__).resolve().parent / "data"
Z = 1.959963984540054  # the normal 97.5 % quantile


def frame(durations, censored, programme="gammelt", **columns) -> pd.DataFrame:
    return pd.DataFrame({"duration": durations, "duration_censored": censored,
                         "programme": programme, **columns})


# Six participations (months; E = ended, C = censored, i.e. still running at uttrekksdato):
#   A 2E, B 3C, C 3E, D 5E, E 6C, F 8E
# month t   at risk n_t   ended d_t   censored   S(t) = S(t−1) · (1 − d_t/n_t)
#   0           6            0           0        1
#   1           6            0           0        1
#   2           6            1           0        5/6
#   3           5            1           1        5/6 · 4/5 = 2/3
#   4           3            0           0        2/3
#   5           3            1           0        2/3 · 2/3 = 4/9
#   6           2            0           1        4/9
#   7           1            0           0        4/9
#   8           1            1           0        0
#   9           0            –           –        not estimated (no one observed)
# Greenwood at t = 5: Var S = S² Σ d/(n(n−d)) = (4/9)² (1/(6·5) + 1/(5·4) + 1/(3·2))
#   = (16/81) · (2 + 3 + 10)/60 = (16/81) · (1/4) = 4/81, so se = 2/9.
# Log–log band at t = 5: σ² = Var log S / (log S)² = (1/4) / log(4/9)², and the band is
#   S^exp(±Zσ): log(4/9) = −0.81093, σ = 0.61657, Zσ = 1.20845, so
#   lower = (4/9)^3.3484 = 0.06619 and upper = (4/9)^0.29865 = 0.78491.
# Median: the first month with S ≤ 1/2 is 5. Its interval: the band's lower limit is first
#   ≤ 1/2 at month 2 (σ² = (1/30)/log(5/6)², lower = (5/6)^exp(1.96266) = 0.2731) and its
#   upper limit first at month 8 (S = 0), so (2, 8).
HAND = frame([2, 3, 3, 5, 6, 8], [False, True, False, False, True, False])
HAND_S = [1, 1, 5 / 6, 2 / 3, 2 / 3, 4 / 9, 4 / 9, 4 / 9, 0]


def test_hand_worked_product_limit_with_censored_participations():
    curve = survival.km_curve(HAND, months=9, groups=("gammelt",), hide=False)
    assert list(curve["month"]) == list(range(10))
    np.testing.assert_allclose(curve["share_remaining"][:9], [100 * s for s in HAND_S],
                               atol=1e-12)
    assert np.isnan(curve["share_remaining"].iloc[9])
    assert list(curve["at_risk"]) == [6, 6, 6, 5, 3, 3, 2, 1, 1, 0]
    assert list(curve["ended"]) == [0, 0, 1, 1, 0, 1, 0, 0, 1, 0]
    assert list(curve["censored"]) == [0, 0, 0, 1, 0, 0, 1, 0, 0, 0]


def test_hand_worked_greenwood_variance_and_log_log_band():
    curve = survival.km_curve(HAND, months=8, groups=("gammelt",), hide=False)
    at5 = curve[curve["month"] == 5].iloc[0]
    assert at5["std_error"] == pytest.approx(100 * 2 / 9, abs=1e-10)
    sigma = math.sqrt(0.25) / abs(math.log(4 / 9))
    assert at5["lower"] == pytest.approx(100 * (4 / 9) ** math.exp(Z * sigma), abs=1e-9)
    assert at5["upper"] == pytest.approx(100 * (4 / 9) ** math.exp(-Z * sigma), abs=1e-9)
    assert at5["lower"] == pytest.approx(6.619, abs=1e-3)
    assert at5["upper"] == pytest.approx(78.491, abs=1e-3)
    # Before the first ending the curve is 1 with no variance; at S = 0 the band is 0.
    assert list(curve.loc[curve["month"] <= 1, ["lower", "upper", "std_error"]]
                .to_numpy().ravel()) == [100, 100, 0, 100, 100, 0]
    at8 = curve[curve["month"] == 8].iloc[0]
    assert (at8["share_remaining"], at8["lower"], at8["upper"]) == (0, 0, 0)


def test_hand_worked_median_and_its_interval():
    median = survival.median_duration(HAND, groups=("gammelt",), hide=False)
    assert median.to_dict("records") == [
        {"group": "gammelt", "n": 6, "median": 5.0, "lower": 2.0, "upper": 8.0,
         "hidden": True}]  # six persons: shown only without hide


def test_median_not_reached_is_infinite():
    # Everyone still running: no ending, S stays 1 – no median while anyone is observed.
    df = frame([3] * 10 + [9] * 10, [True] * 20)
    median = survival.median_duration(df, groups=("gammelt",), hide=False).iloc[0]
    assert median["median"] == np.inf and median["upper"] == np.inf
    curve = survival.km_curve(df, groups=("gammelt",), months=9, hide=False)
    assert (curve["share_remaining"] == 100).all()  # censored ones are not counted as ended


def test_agrees_with_lifelines_on_a_random_sample():
    sample = pd.read_csv(DATA / "km_sample.csv")
    reference = pd.read_csv(DATA / "km_lifelines.csv")
    groups = ("gammelt", "nytt")
    ours = survival.km_curve(sample, by="group", groups=groups, months=30, hide=False)
    curve = reference[reference["month"] >= 0].merge(ours, on=["group", "month"],
                                                     suffixes=("_ref", ""))
    assert len(curve) == 62
    np.testing.assert_allclose(curve["share_remaining"] / 100, curve["survival"], atol=1e-9)
    np.testing.assert_allclose(curve["lower"] / 100, curve["lower_ref"], atol=1e-9)
    np.testing.assert_allclose(curve["upper"] / 100, curve["upper_ref"], atol=1e-9)
    medians = survival.median_duration(sample, by="group", groups=groups, hide=False)
    expected = reference[reference["month"] == -1].set_index("group")
    for row in medians.itertuples():
        assert (row.median, row.lower, row.upper) == tuple(
            expected.loc[row.group, ["survival", "lower", "upper"]])


def test_without_censoring_it_is_the_plain_share_still_in():
    rng = np.random.default_rng(3)
    df = frame(rng.integers(1, 30, 500), np.zeros(500, dtype=bool))
    at = survival.shares_at(df, groups=("gammelt",), horizons=(6, 12, 24), hide=False)
    for month in (6, 12, 24):
        ours = at.loc[at["month"] == month, "share_remaining"].iloc[0]
        assert ours == pytest.approx(measures.still_in_programme(df, month), abs=1e-10)


def test_censoring_changes_the_estimate_from_the_naive_share():
    # Ten end at 2, ten are censored at 3, ten end at 10: at month 6 the naive share
    # (dropping the censored) is 10/20 = 50 %, Kaplan–Meier 20/30 · 10/10 · ... = 66.7 %.
    df = frame([2] * 10 + [3] * 10 + [10] * 10, [False] * 10 + [True] * 10 + [False] * 10)
    km = survival.shares_at(df, groups=("gammelt",), horizons=(6,), hide=False)
    assert km["share_remaining"].iloc[0] == pytest.approx(200 / 3)
    assert measures.still_in_programme(df, 6) == pytest.approx(50)


def test_groups_in_order_each_as_if_alone_pooled_and_within_a_programme():
    rng = np.random.default_rng(7)
    n = 400
    df = frame(rng.integers(1, 25, n), rng.random(n) < 0.2,
               programme=rng.choice(["gammelt", "nytt"], n),
               provider_type=rng.choice(["skjermet", "kommersiell"], n))
    both = survival.km_curve(df, months=12, hide=False)
    assert list(pd.unique(both["group"])) == ["gammelt", "nytt"]
    for group in ("gammelt", "nytt"):
        alone = survival.km_curve(df[df["programme"] == group], groups=(group,), months=12,
                                  hide=False)
        pd.testing.assert_frame_equal(both[both["group"] == group].reset_index(drop=True),
                                      alone)
    pooled = survival.km_curve(df, by=None, groups=None, months=12, hide=False)
    assert set(pooled["group"]) == {"alle"}
    assert pooled["at_risk"].iloc[0] == n
    new = df[df["programme"] == "nytt"]
    providers = survival.km_curve(df, **survival.FIGUR_2_10, months=12, hide=False)
    assert list(pd.unique(providers["group"])) == ["skjermet", "kommersiell"]
    assert providers.loc[providers["month"] == 0, "at_risk"].sum() == len(new)
    skjermet = survival.km_curve(new, by="provider_type", groups=("skjermet",), months=12,
                                 hide=False)
    pd.testing.assert_frame_equal(
        providers[providers["group"] == "skjermet"].reset_index(drop=True), skjermet)


def test_an_empty_group_has_no_values_and_says_no_one():
    curve = survival.km_curve(HAND, groups=("gammelt", "nytt"), months=6)
    new = curve[curve["group"] == "nytt"]
    assert len(new) == 7 and new["share_remaining"].isna().all()
    assert (new["at_risk"] == 0).all() and not new["hidden"].any()
    assert survival.pick(curve, "share_remaining", group="nytt", month=6) is None
    median = survival.median_duration(HAND, groups=("nytt",))
    assert median.iloc[0]["n"] == 0 and np.isnan(median.iloc[0]["median"])
    assert survival.pick(median, "median", group="nytt") is None


@pytest.mark.parametrize("change, message", [
    (lambda df: df.drop(columns="duration_censored"), "mangler kolonne"),
    (lambda df: df.assign(duration=[0, 3, 3, 5, 6, 8]), "hele måneder"),
    (lambda df: df.assign(duration=[2.5, 3, 3, 5, 6, 8]), "hele måneder"),
    (lambda df: df.assign(duration=[np.nan, 3, 3, 5, 6, 8]), "ikke et tall"),
    (lambda df: df.assign(duration_censored=[None, True, False, False, True, False]),
     "sann/usann"),
    (lambda df: df.assign(duration_censored=["ja"] * 6), "sann/usann"),
])
def test_bad_input_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        survival.km_curve(change(HAND))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="gjentas"):
        survival.km_curve(HAND, groups=("gammelt", "gammelt"))
    with pytest.raises(ValueError, match="months"):
        survival.km_curve(HAND, months=-1)
    with pytest.raises(ValueError, match="confidence"):
        survival.median_duration(HAND, confidence=1.5)
    with pytest.raises(ValueError, match="mangler kolonne"):
        survival.km_curve(HAND, by="provider_type")
    with pytest.raises(ValueError, match="horizons"):
        survival.shares_at(HAND, horizons=())


# --- Small cells ---------------------------------------------------------------------------

def test_points_resting_on_fewer_than_five_persons_are_hidden():
    # 40 persons: 10 end in month 1, 2 in month 2, 3 in month 3 (the drop since month 1's
    # point rests on 2, then 5 endings: month 2 hidden, month 3 shown), 20 in month 4 and
    # the last 5 in month 6 – at risk in month 5 and 6 is 5, in month 7 none.
    durations = [1] * 10 + [2] * 2 + [3] * 3 + [4] * 20 + [6] * 5
    df = frame(durations, [False] * 40)
    raw = survival.km_curve(df, groups=("gammelt",), months=7, hide=False)
    assert list(raw["at_risk"]) == [40, 40, 30, 28, 25, 5, 5, 0]
    assert list(raw["hidden"]) == [False, False, True, False, False, False, False, True]
    shown = survival.km_curve(df, groups=("gammelt",), months=7)
    assert np.isnan(shown.loc[2, ["share_remaining", "lower", "upper", "at_risk"]]
                    .to_numpy(dtype=float)).all()
    assert shown.loc[3, "share_remaining"] == pytest.approx(100 * 25 / 40)
    assert np.isnan(shown.loc[2, "ended"])  # 2 endings: a count of 1–4 is not shown
    # 4 remaining after a month (the complement) hides it too, and everything after.
    df = frame([1] * 10 + [3] * 4, [False] * 14)
    hidden = survival.km_curve(df, groups=("gammelt",), months=3, hide=False)["hidden"]
    assert list(hidden) == [False, True, True, True]


def test_median_at_a_hidden_month_is_hidden():
    df = frame([1] * 10 + [3] * 4, [False] * 14)  # S(1) = 4/14 ≤ 1/2, month 1 hidden
    median = survival.median_duration(df, groups=("gammelt",))
    assert median.iloc[0]["hidden"] and np.isnan(median.iloc[0]["median"])
    assert np.isnan(survival.pick(median, "median", group="gammelt"))
    raw = survival.median_duration(df, groups=("gammelt",), hide=False)
    assert raw.iloc[0]["median"] == 1


def test_shares_at_give_ended_as_the_complement_with_its_interval():
    at = survival.shares_at(HAND, groups=("gammelt",), horizons=(2, 5), hide=False)
    assert list(at["month"]) == [2, 5]
    np.testing.assert_allclose(at["share_ended"], [100 / 6, 500 / 9])
    np.testing.assert_allclose(at["ended_lower"], 100 - at["upper"])
    np.testing.assert_allclose(at["ended_upper"], 100 - at["lower"])
