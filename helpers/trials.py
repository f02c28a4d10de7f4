"""Effects in randomised trials: the difference between arms, estimated by OLS, and the
checks and summaries that go with it.

`effect(frame, outcome, arm, strata=, covariates=)` regresses the outcome on the arm
(0/1 or bool; 1 = intervention), with fixed effects for the strata the draw was made in
(office, county) and, optionally, covariates entered as in Lin (2013): centred at their
means and interacted with the arm, so the arm coefficient is the average effect. Standard
errors are heteroskedasticity-robust (HC1 by default; randomisation is by person, so no
clustering). Returns estimate, std_error, t, p_value, ci_low, ci_high, n.

Around it:

- `design(frame, arm, strata, covariates)`: the regressors `effect` uses.
- `balance(frame, arm, variables, strata)`: baseline means by arm, control − intervention
  difference and its p-value (from `effect`), one row per variable (SE-KLAR Tabell 1).
- `joint_balance(frame, arm, variables, strata)`: robust Wald (F) test that the baseline
  variables jointly do not predict the arm.
- `randomisation_p(frame, outcome, arm, strata, reps, seed)` and
  `randomisation_table(frame, outcomes, arm, strata, reps, seed)`: randomisation-inference
  p-values for the stratum-fixed-effects difference, the arm re-drawn within strata;
  `permuted_arms(frame, arm, strata, reps, seed)`: the re-drawn arms themselves.
- `minimum_detectable_effect(std_error, alpha, power)` and
  `mde_from_design(sd, n_intervention, n_control, alpha, power)`: the minimum detectable effect.
- `pooled(estimates, std_errors, labels)`: fixed-effect ("fast") and DerSimonian–Laird
  random-effects ("tilfeldig") pooling of one outcome over trials.
- `effects_by_month(panel, outcome, arm, month, strata, alpha)`: `effect` month by month in
  a long panel, by a closed form that equals it.
- `adjusted_comparison(frame, outcome, arm, strata, covariates)`: the effect without and with
  Lin covariate adjustment, and the ratio of their standard errors.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

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


RANDOMISATION_REPS = 2000
RANDOMISATION_SEED = 20190801
POOLED_METHODS = ("fast", "tilfeldig")  # fixed effect, random effects (DerSimonian–Laird)
SPECIFICATIONS = ("uten kovariater", "med kovariater (Lin)")


def _require(frame: pd.DataFrame, columns) -> None:
    missing = [c for c in dict.fromkeys(columns) if c is not None and c not in frame.columns]
    if missing:
        raise KeyError(f"columns not in the frame: {missing}")


def _zero_one(values: pd.Series, arm: str) -> np.ndarray:
    treated = values.astype(float).to_numpy()
    if not set(np.unique(treated)) <= {0.0, 1.0}:
        raise ValueError(f"the arm column {arm!r} must be 0/1 or bool")
    return treated


def _probability(value: float, name: str) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1, not {value!r}")


def balance(frame: pd.DataFrame, arm: str, variables: list[str] | tuple[str, ...],
            strata: str | None = None) -> pd.DataFrame:
    """Baseline balance, one row per variable in the order given: the mean in each arm, the
    difference control − intervention (the sign convention of SE-KLAR Tabell 1), the two-sided
    p-value of the arm coefficient in an OLS of the variable on the arm with stratum fixed
    effects when `strata` is given and HC1 standard errors (that is, `effect` with the variable
    as outcome), and n. Bool variables count as 0/1. Rows missing the variable (or the arm or
    stratum) are left out for that variable only."""
    _require(frame, [arm, strata, *variables])
    rows = []
    for name in variables:
        work = pd.DataFrame({"value": frame[name], "arm": frame[arm]}, index=frame.index)
        if strata is not None:
            work["stratum"] = frame[strata]
        work = work.dropna()
        work["value"] = work["value"].astype(float)
        treated = _zero_one(work["arm"], arm) == 1
        fit = effect(work, "value", "arm", "stratum" if strata is not None else None)
        intervention = float(work["value"][treated].mean())
        control = float(work["value"][~treated].mean())
        rows.append({"variable": name, "mean_intervention": intervention, "mean_control": control,
                     "difference": control - intervention, "p_value": float(fit["p_value"]),
                     "n": len(work)})
    return pd.DataFrame(rows, columns=["variable", "mean_intervention", "mean_control",
                                       "difference", "p_value", "n"])


def joint_balance(frame: pd.DataFrame, arm: str, variables: list[str] | tuple[str, ...],
                  strata: str | None = None) -> pd.Series:
    """Joint test that the baseline variables do not predict the arm: OLS of the arm (0/1) on
    a constant, all the variables and (if given) stratum dummies, and the HC1-robust Wald test
    that every variable coefficient is zero, in F form (Wald / number of variables, referred to
    F(df_num, df_denom = n − regressors)). Rows missing any variable, the arm or stratum are
    dropped. Returns statistic, df_num, df_denom, p_value, n."""
    variables = list(variables)
    if not variables:
        raise ValueError("no baseline variables to test")
    _require(frame, [arm, strata, *variables])
    work = pd.DataFrame({f"var_{i}": frame[name] for i, name in enumerate(variables)},
                        index=frame.index)
    work["arm"] = frame[arm]
    if strata is not None:
        work["stratum"] = frame[strata]
    work = work.dropna()
    treated = _zero_one(work["arm"], arm)
    if len(np.unique(treated)) < 2:
        raise ValueError("both arms must have observations")
    x = pd.concat([pd.Series(1.0, index=work.index, name="const"),
                   work[[f"var_{i}" for i in range(len(variables))]].astype(float)], axis=1)
    if strata is not None:
        x = pd.concat([x, pd.get_dummies(work["stratum"].astype(str), prefix="stratum",
                                         drop_first=True, dtype=float)], axis=1)
    if np.linalg.matrix_rank(x.to_numpy()) < x.shape[1]:
        raise ValueError("the baseline variables are collinear (with each other, the constant "
                         "or the strata)")
    fit = sm.OLS(treated, x).fit(cov_type="HC1")
    restriction = np.zeros((len(variables), x.shape[1]))
    restriction[np.arange(len(variables)), 1 + np.arange(len(variables))] = 1.0
    test = fit.wald_test(restriction, use_f=True, scalar=True)
    return pd.Series({"statistic": float(test.statistic), "df_num": int(test.df_num),
                      "df_denom": int(test.df_denom), "p_value": float(test.pvalue),
                      "n": len(work)})


def _randomised(frame: pd.DataFrame, arm: str, strata: str | None):
    """Positions of the rows with the arm (and stratum) observed, their arm as 0/1 and their
    stratum codes 0..S−1."""
    _require(frame, [arm, strata])
    keys = frame[[arm] + ([strata] if strata is not None else [])]
    positions = np.flatnonzero(keys.notna().all(axis=1).to_numpy())
    treated = _zero_one(frame[arm].iloc[positions], arm)
    if strata is None:
        codes = np.zeros(len(positions), dtype=np.intp)
    else:
        codes = pd.factorize(frame[strata].iloc[positions].astype(str), sort=True)[0]
    return positions, treated, codes


def _draws(treated: np.ndarray, codes: np.ndarray, reps: int, seed) -> np.ndarray:
    """A (reps × n) 0/1 matrix: each row the arm permuted within each stratum (strata in code
    order, each drawn with numpy's Generator.permuted from default_rng(seed))."""
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise ValueError(f"reps must be an integer >= 1, not {reps!r}")
    rng = np.random.default_rng(seed)
    draws = np.empty((int(reps), len(treated)))
    order = np.argsort(codes, kind="stable")
    for members in np.split(order, np.flatnonzero(np.diff(codes[order])) + 1):
        if len(members):
            draws[:, members] = rng.permuted(np.tile(treated[members], (int(reps), 1)), axis=1)
    return draws


def permuted_arms(frame: pd.DataFrame, arm: str, strata: str | None = None,
                  reps: int = RANDOMISATION_REPS,
                  seed: int | None = RANDOMISATION_SEED) -> pd.DataFrame:
    """The re-drawn arms `randomisation_p` and `randomisation_table` use: one row per draw, one
    column per person (the frame's index, rows with the arm and stratum observed), the arm
    permuted within each stratum so every stratum keeps its number treated."""
    positions, treated, codes = _randomised(frame, arm, strata)
    return pd.DataFrame(_draws(treated, codes, reps, seed).astype(np.int8),
                        columns=frame.index[positions])


def _stratum_fe(draws: np.ndarray, treated: np.ndarray, ys: np.ndarray, codes: np.ndarray):
    """The stratum-fixed-effects difference in each column of `ys` (n × m) for the observed arm
    and for every draw, by FWL: Σ ỹ d / Σ d̃², ỹ demeaned within stratum (so Σ ỹ d̃ = Σ ỹ d), and
    for a 0/1 arm with T treated of c in a stratum Σ d̃² = Σ (T − T²/c). Returns the observed
    estimates (m), the drawn ones (reps × m) and the largest |ỹ| of each outcome (m)."""
    strata = int(codes.max()) + 1
    size = np.maximum(np.bincount(codes, minlength=strata), 1).astype(float)
    indicator = np.zeros((len(codes), strata))
    indicator[np.arange(len(codes)), codes] = 1.0
    demeaned = ys - (indicator.T @ ys / size[:, None])[codes]
    combined = draws @ np.column_stack([demeaned, indicator])
    drawn_treated = combined[:, ys.shape[1]:]
    denom = (drawn_treated - drawn_treated**2 / size).sum(axis=1)
    observed_treated = treated @ indicator
    observed_denom = float((observed_treated - observed_treated**2 / size).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        stars = combined[:, : ys.shape[1]] / denom[:, None]
    if observed_denom > 0:
        observed = treated @ demeaned / observed_denom
    else:
        observed = np.full(ys.shape[1], np.nan)
    return observed, stars, np.abs(demeaned).max(axis=0)


def randomisation_table(frame: pd.DataFrame, outcomes: list[str] | tuple[str, ...], arm: str,
                        strata: str | None = None, reps: int = RANDOMISATION_REPS,
                        seed: int | None = RANDOMISATION_SEED) -> pd.DataFrame:
    """Randomisation inference for the stratum-fixed-effects difference (`effect`'s estimate
    without covariates), one row per outcome: the arm is re-drawn `reps` times by permuting it
    within each stratum over the persons with arm and stratum observed (the same draws, from
    default_rng(seed), for every outcome), the estimate recomputed on the persons with the
    outcome observed, and p = (1 + #{|estimate*| >= |estimate|}) / (reps + 1), ties (to
    rounding) counting as extreme. Returns outcome, estimate, p_value, reps, seed, n."""
    outcomes = list(outcomes)
    _require(frame, outcomes)
    positions, treated, codes = _randomised(frame, arm, strata)
    if len(np.unique(treated)) < 2:
        raise ValueError("both arms must have observations")
    draws = _draws(treated, codes, reps, seed)
    values = frame[outcomes].iloc[positions].astype(float).to_numpy()
    seen = ~np.isnan(values)
    results = {}
    complete = [j for j in range(len(outcomes)) if seen[:, j].all()]
    if complete:
        observed, stars, scale = _stratum_fe(draws, treated, values[:, complete], codes)
        for i, j in enumerate(complete):
            results[j] = observed[i], stars[:, i], scale[i]
    for j in (j for j in range(len(outcomes)) if j not in results):
        rows = seen[:, j]
        if len(np.unique(treated[rows])) < 2:
            raise ValueError(f"both arms must have observations of {outcomes[j]!r}")
        kept = np.unique(codes[rows], return_inverse=True)[1]
        observed, stars, scale = _stratum_fe(draws[:, rows], treated[rows], values[rows, j:j + 1],
                                             kept)
        results[j] = observed[0], stars[:, 0], scale[0]
    table = []
    for j, name in enumerate(outcomes):
        observed, stars, scale = results[j]
        if np.isnan(observed):
            raise ValueError(f"no stratum has both arms among the persons with {name!r}")
        tolerance = 1e-10 * max(float(scale), np.finfo(float).tiny)
        extreme = ~(np.abs(stars) < abs(observed) - tolerance)  # a NaN draw counts as extreme
        table.append({"outcome": name, "estimate": float(observed),
                      "p_value": (1 + int(extreme.sum())) / (int(reps) + 1),
                      "reps": int(reps), "seed": seed, "n": int(seen[:, j].sum())})
    return pd.DataFrame(table, columns=["outcome", "estimate", "p_value", "reps", "seed", "n"])


def randomisation_p(frame: pd.DataFrame, outcome: str, arm: str, strata: str | None = None,
                    reps: int = RANDOMISATION_REPS,
                    seed: int | None = RANDOMISATION_SEED) -> pd.Series:
    """Randomisation-inference p-value of the stratum-fixed-effects difference in one outcome
    (see `randomisation_table`, which it is for a single outcome). Returns estimate, p_value,
    reps, seed, n."""
    return randomisation_table(frame, [outcome], arm, strata, reps, seed).iloc[0].drop("outcome")


def minimum_detectable_effect(std_error: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """The minimum detectable effect of a two-sided test at level alpha with the given power:
    (z_{1−alpha/2} + z_{power}) × std_error."""
    _probability(alpha, "alpha")
    _probability(power, "power")
    if not std_error >= 0:
        raise ValueError(f"std_error must be >= 0, not {std_error!r}")
    return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * std_error)


def mde_from_design(sd: float, n_intervention: int, n_control: int, alpha: float = 0.05,
                    power: float = 0.8) -> float:
    """The minimum detectable effect of a difference in means with outcome standard deviation
    `sd` and the given arm sizes: std_error = sd × sqrt(1/n_intervention + 1/n_control)."""
    if n_intervention <= 0 or n_control <= 0:
        raise ValueError("both arms must have persons")
    std_error = sd * np.sqrt(1 / n_intervention + 1 / n_control)
    return minimum_detectable_effect(std_error, alpha, power)


def pooled(estimates, std_errors, labels=None, alpha: float = 0.05) -> pd.DataFrame:
    """Inverse-variance pooling of one outcome's estimates over trials (statsmodels'
    `combine_effects`): the fixed-effect ("fast") and DerSimonian–Laird random-effects
    ("tilfeldig") estimates with standard error, 1 − alpha normal interval and two-sided p, and
    the heterogeneity Cochran's q, I² and tau² (the same in both rows). tau² and I² are
    truncated at 0, as DerSimonian–Laird define them (statsmodels 0.15 does not truncate), so
    with q below its degrees of freedom the random-effects row equals the fixed-effect row.
    `labels` name the trials; the trials' relative weights are in `.attrs["weights"]` ({method: {label: weight}})."""
    _probability(alpha, "alpha")
    effects = np.asarray(estimates, dtype=float)
    errors = np.asarray(std_errors, dtype=float)
    if effects.ndim != 1 or effects.shape != errors.shape:
        raise ValueError("estimates and std_errors must be one-dimensional and of equal length")
    if len(effects) < 2:
        raise ValueError("pooling needs at least two trials")
    if not (np.isfinite(effects).all() and np.isfinite(errors).all() and (errors > 0).all()):
        raise ValueError("estimates must be finite and std_errors finite and positive")
    labels = list(range(len(effects))) if labels is None else list(labels)
    if len(labels) != len(effects):
        raise ValueError("one label per trial")
    with np.errstate(invalid="ignore"):  # the square roots of an untruncated negative tau²
        result = combine_effects(effects, errors**2, method_re="dl", row_names=labels, alpha=alpha)
        summary = result.summary_frame()
    fixed = summary.iloc[len(effects)]
    q, df = float(result.q), len(effects) - 1
    tau2 = max(float(result.tau2), 0.0)
    i2 = max((q - df) / q, 0.0) if q > 0 else 0.0
    if result.tau2 > 0:
        random = summary.iloc[len(effects) + 1]
        random_weights = np.asarray(result.weights_rel_re, dtype=float)
    else:
        random = fixed
        random_weights = np.asarray(result.weights_rel_fe, dtype=float)
    rows = []
    for method, row in zip(POOLED_METHODS, (fixed, random)):
        estimate, se = float(row["eff"]), float(row["sd_eff"])
        rows.append({"method": method, "estimate": estimate, "std_error": se,
                     "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_upp"]),
                     "p_value": float(2 * stats.norm.sf(abs(estimate / se))),
                     "q": q, "i2": i2, "tau2": tau2, "k": len(effects)})
    table = pd.DataFrame(rows)
    # plain dicts (a DataFrame in attrs breaks pd.concat of such tables)
    table.attrs["weights"] = {
        "fast": dict(zip(labels, np.asarray(result.weights_rel_fe, dtype=float).tolist())),
        "tilfeldig": dict(zip(labels, random_weights.tolist()))}
    return table


def effects_by_month(panel: pd.DataFrame, outcome: str, arm: str, month: str = "month",
                     strata: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """`effect` (no covariates, HC1) separately for each value of `month` in a long panel (one
    row per person and month relative to start), with the mean outcome in each arm that month.
    Computed in closed form by Frisch–Waugh–Lovell: arm and outcome demeaned within month ×
    stratum, estimate = Σ ỹ d̃ / Σ d̃², HC1 variance = n/(n − k) · Σ d̃² e² / (Σ d̃²)² with
    e = ỹ − estimate · d̃ and k = 1 + number of strata present that month (constant, arm and
    the stratum dummies), which equals `effect` month by month. Rows missing the month, outcome,
    arm or stratum are left out; a month without both arms within some stratum gets NaN."""
    _probability(alpha, "alpha")
    _require(panel, [month, outcome, arm, strata])
    work = pd.DataFrame({"month": panel[month], "y": panel[outcome], "d": panel[arm]},
                        index=panel.index)
    work["s"] = panel[strata] if strata is not None else 0
    work = work.dropna()
    work["y"] = work["y"].astype(float)
    work["d"] = _zero_one(work["d"], arm)
    work["s"] = work["s"].astype(str)
    cells = work.groupby(["month", "s"], sort=False)
    work["yt"] = work["y"] - cells["y"].transform("mean")
    work["dt"] = work["d"] - cells["d"].transform("mean")
    work["dd"] = work["dt"] ** 2
    work["dy"] = work["dt"] * work["yt"]
    months = work.groupby("month", sort=True)
    sums = months[["dd", "dy"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = sums["dy"] / sums["dd"].where(sums["dd"] > 0)
        residual = work["yt"] - work["month"].map(estimate) * work["dt"]
        meat = (work["dd"] * residual**2).groupby(work["month"], sort=True).sum()
        n = months.size()
        k = 1 + months["s"].nunique()
        variance = meat / sums["dd"] ** 2 * n / (n - k).where(n > k)
        se = np.sqrt(variance)
        t = estimate / se.where(se > 0)
    z = stats.norm.ppf(1 - alpha / 2)
    arm_means = work.groupby(["month", "d"], sort=True)["y"].mean().unstack("d")
    table = pd.DataFrame({"estimate": estimate, "std_error": se, "t": t,
                          "p_value": 2 * stats.norm.sf(np.abs(t)),
                          "ci_low": estimate - z * se, "ci_high": estimate + z * se, "n": n,
                          "mean_intervention": arm_means.get(1.0),
                          "mean_control": arm_means.get(0.0)})
    return table.rename_axis(month).reset_index()


def adjusted_comparison(frame: pd.DataFrame, outcome: str, arm: str, strata: str | None = None,
                        covariates: list[str] | tuple[str, ...] = (),
                        alpha: float = 0.05) -> pd.DataFrame:
    """The effect without and with Lin (2013) covariate adjustment (`effect`, HC1), on the same
    persons (those with outcome, arm, stratum and every covariate observed), one row each
    (`spesifikasjon` "uten kovariater" / "med kovariater (Lin)"), with `se_ratio` = adjusted SE
    / unadjusted SE, the precision gain from the covariates (1 in the unadjusted row)."""
    covariates = list(covariates)
    if not covariates:
        raise ValueError("no covariates to adjust for")
    needed = [outcome, arm] + ([strata] if strata is not None else []) + covariates
    _require(frame, needed)
    common = frame[list(dict.fromkeys(needed))].dropna()
    plain = effect(common, outcome, arm, strata, alpha=alpha)
    adjusted = effect(common, outcome, arm, strata, covariates, alpha=alpha)
    table = pd.DataFrame([plain, adjusted]).reset_index(drop=True)
    table["n"] = table["n"].astype(int)
    table.insert(0, "spesifikasjon", list(SPECIFICATIONS))
    table["se_ratio"] = [1.0, adjusted["std_error"] / plain["std_error"]]
    return table
