"""helpers.trials: the trial effect estimator on hand-worked and simulated trials."""
import numpy as np
import pandas as pd
import pytest
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
