"""Effects in randomised trials: the difference between arms, estimated by OLS.

`effect(frame, outcome, arm, strata=, covariates=)` regresses the outcome on the arm
(0/1 or bool; 1 = intervention), with fixed effects for the strata the draw was made in
(office, county) and, optionally, covariates entered as in Lin (2013): centred at their
means and interacted with the arm, so the arm coefficient is the average effect. Standard
errors are heteroskedasticity-robust (HC1 by default; randomisation is by person, so no
clustering). Returns estimate, std_error, t, p_value, ci_low, ci_high, n.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

RESULT_COLUMNS = ("estimate", "std_error", "t", "p_value", "ci_low", "ci_high", "n")


def design(frame: pd.DataFrame, arm: str, strata: str | None = None,
           covariates: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """The regressors: constant, arm, stratum dummies (first level dropped) and the
    covariates centred at their means, each also interacted with the arm (Lin 2013)."""
    treated = frame[arm].astype(float)
    if not set(np.unique(treated)) <= {0.0, 1.0}:
        raise ValueError(f"the arm column {arm!r} must be 0/1 or bool")
    x = pd.DataFrame({"const": 1.0, "arm": treated}, index=frame.index)
    if strata is not None:
        dummies = pd.get_dummies(frame[strata].astype(str), prefix="stratum",
                                 drop_first=True, dtype=float)
        x = pd.concat([x, dummies], axis=1)
    for name in covariates:
        centred = frame[name].astype(float) - frame[name].astype(float).mean()
        x[f"cov_{name}"] = centred
        x[f"arm_x_{name}"] = centred * treated
    return x


def effect(frame: pd.DataFrame, outcome: str, arm: str, strata: str | None = None,
           covariates: list[str] | tuple[str, ...] = (), alpha: float = 0.05,
           cov_type: str = "HC1") -> pd.Series:
    """The intervention − control difference in `outcome` with robust standard error,
    t, two-sided p (normal reference, as statsmodels' robust OLS), and 1 − alpha interval.
    Rows with a missing outcome, arm, stratum or covariate are left out."""
    needed = [outcome, arm] + ([strata] if strata else []) + list(covariates)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise KeyError(f"columns not in the frame: {missing}")
    data = frame[needed].dropna()
    if data[arm].astype(float).nunique() < 2:
        raise ValueError("both arms must have observations")
    x = design(data, arm, strata, covariates)
    fit = sm.OLS(data[outcome].astype(float), x).fit(cov_type=cov_type)
    estimate, se = float(fit.params["arm"]), float(fit.bse["arm"])
    t = estimate / se if se > 0 else np.nan
    p = 2 * stats.norm.sf(abs(t))
    z = stats.norm.ppf(1 - alpha / 2)
    return pd.Series({"estimate": estimate, "std_error": se, "t": t, "p_value": p,
                      "ci_low": estimate - z * se, "ci_high": estimate + z * se,
                      "n": len(data)})[list(RESULT_COLUMNS)]
