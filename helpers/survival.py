"""Durations: how long entrants stay in the programme (Figur 2.9 and 2.10), by Kaplan–Meier.

The analysis frame gives each entrant's `duration` (months from the entry month, counted as
1, to the last follow-up month before the first run of 6 months in none) and
`duration_censored` (no such run observed before `uttrekksdato`: the participation may
still be running). A participation *ends* at `duration` unless it is censored; a censored
one is known to have lasted at least `duration` months. The share still in the programme
t months after entry is S(t) = P(duration > t), estimated by the product-limit
(Kaplan–Meier) estimator over whole months, which uses the censored participations for as
long as they are observed instead of dropping them (as helpers.measures.still_in_programme
does) or counting them as ended:

    S(t) = Π_{j ≤ t} (1 − d_j / n_j),

n_j the persons at risk in month j (duration ≥ j), d_j those whose participation ends in
month j. A participation censored in month j is at risk in month j and gone after it. The
fit and Greenwood's variance, Var S(t) = S(t)² Σ_{j ≤ t} d_j / (n_j (n_j − d_j)), are
statsmodels' (`SurvfuncRight`); the pointwise 95 % band is the log–log one
(Kalbfleisch–Prentice, lifelines' and R survival's `log-log`), which stays within 0–1:
S(t)^exp(± z σ(t)), σ(t)² = Var log S(t) / (log S(t))². The median is the first month with
S(t) ≤ 0.5, and its interval runs from the first month where the band's lower limit is at
or below 0.5 to the first month where its upper limit is (R survival's rule); a limit that
is not reached while someone is observed is `inf`.

Small cells (helpers.disclosure): a point of the curve is hidden (`hidden`, values NaN)
when it rests on fewer than MIN_CELL persons – fewer at risk, or 1–4 remaining after the
month's endings (the complement) – or when the drop since the last shown point rests on
1–4 endings, so that no shown step reveals a handful of persons. Once the risk set is
below MIN_CELL every later point is hidden too (it only shrinks). A median or limit at a
hidden month is hidden.

Functions return tidy DataFrames with group codes (`gammelt`, `skjermet`, …; `alle` for
the pooled group), shares in percent, months as integers; labels are left to the
presentation (helpers.plots, helpers.prose).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from helpers.disclosure import MIN_CELL, is_small

MONTHS = 36                 # Figur 2.9 and 2.10 show months 0–36 after entry
HORIZONS = (2, 6, 12, 24)   # the months the published prose states shares for
CONFIDENCE = 0.95
POOLED = "alle"             # group code of the pooled curve (by=None)

# The figures' populations: Figur 2.9 old vs new programme; Figur 2.10 the new programme by
# provider type (the published caption says skjermede og ideelle; the text, and we, compare
# skjermede and kommersielle: data/published/NOTES.md item 10).
FIGUR_2_9 = {"by": "programme", "groups": ("gammelt", "nytt"), "programme": None}
FIGUR_2_10 = {"by": "provider_type", "groups": ("skjermet", "kommersiell"), "programme": "nytt"}

CURVE_COLUMNS = ["group", "month", "share_remaining", "lower", "upper", "std_error",
                 "at_risk", "ended", "censored", "hidden"]
MEDIAN_COLUMNS = ["group", "n", "median", "lower", "upper", "hidden"]
SHARE_COLUMNS = ["group", "month", "share_remaining", "lower", "upper", "share_ended",
                 "ended_lower", "ended_upper", "hidden"]


# --- Input ------------------------------------------------------------------------------

def _durations(frame: pd.DataFrame, by: str | None, groups: Sequence[str] | None,
               programme: str | None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(group, durations, ended) per group, in the order of `groups` (default: the codes
    present, sorted); a group with no one in it has empty arrays. Bad input raises."""
    needed = ["duration", "duration_censored"] + [c for c in (by,) if c] + \
        (["programme"] if programme else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"survival: rammen mangler kolonne(r) {missing}")
    if programme is not None:
        frame = frame[frame["programme"].astype(object) == programme]
    duration = pd.to_numeric(frame["duration"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(duration).any():
        raise ValueError("survival: duration mangler eller er ikke et tall for "
                         f"{int(np.isnan(duration).sum())} rad(er)")
    if (duration < 1).any() or (duration != np.round(duration)).any():
        raise ValueError("survival: duration skal være hele måneder ≥ 1 (tilgangsmåneden "
                         "teller som 1)")
    censored = frame["duration_censored"]
    if censored.isna().any() or not set(pd.unique(censored.astype(object))) <= {
            True, False}:
        raise ValueError("survival: duration_censored skal være sann/usann uten tomme verdier")
    ended = ~censored.to_numpy(dtype=bool)
    if by is None:
        codes = np.full(len(frame), POOLED, dtype=object)
        groups = [POOLED] if groups is None else list(groups)
    else:
        codes = frame[by].astype(object).to_numpy()
        groups = sorted(pd.unique(codes[pd.notna(codes)])) if groups is None else list(groups)
    if len(set(groups)) != len(groups):
        raise ValueError(f"survival: gruppene gjentas: {list(groups)}")
    return [(g, duration[codes == g].astype(np.int64), ended[codes == g]) for g in groups]


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError("survival: confidence skal ligge mellom 0 og 1")


# --- Kaplan–Meier on a month grid -------------------------------------------------------

def _fit(duration: np.ndarray, ended: np.ndarray, last: int) -> pd.DataFrame:
    """The product-limit estimate on months 0..last for one group (nothing hidden):
    survival (0–1), std_error (Greenwood), at_risk, ended, censored."""
    from statsmodels.duration.survfunc import SurvfuncRight

    months = np.arange(last + 1)
    out = pd.DataFrame({"month": months})
    if len(duration) == 0:
        for column in ("survival", "std_error"):
            out[column] = np.nan
        for column in ("at_risk", "ended", "censored"):
            out[column] = 0
        return out
    top = max(last, int(duration.max())) + 1
    ends = np.bincount(duration[ended], minlength=top)
    cens = np.bincount(duration[~ended], minlength=top)
    leaving = ends + cens
    at_risk = len(duration) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    at_risk[0] = len(duration)  # month 0: everyone (no one leaves before month 1)
    out["at_risk"] = at_risk[: last + 1]
    out["ended"] = ends[: last + 1]
    out["censored"] = cens[: last + 1]
    survival = np.ones(last + 1)
    std_error = np.zeros(last + 1)
    if ended.any():
        fit = SurvfuncRight(duration.astype(float), ended.astype(float))
        # A step function: the estimate at the last event month at or before each month.
        position = np.searchsorted(fit.surv_times, months, side="right") - 1
        after = position >= 0
        survival[after] = fit.surv_prob[position[after]]
        std_error[after] = fit.surv_prob_se[position[after]]
    beyond = months > duration.max()  # no one observed that long: S(t) not estimated
    survival[beyond] = np.nan
    std_error[beyond] = np.nan
    out["survival"], out["std_error"] = survival, std_error
    return out


def _band(survival: np.ndarray, std_error: np.ndarray, confidence: float
          ) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log–log band: S^exp(±zσ), σ = (se/S)/|log S|; the band is S where S is
    0 or 1 (no variance, or the log–log scale undefined)."""
    z = norm.ppf(0.5 + confidence / 2)
    s = np.asarray(survival, dtype=float)
    lower, upper = s.copy(), s.copy()
    inside = (s > 0) & (s < 1) & np.isfinite(std_error)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = (std_error[inside] / s[inside]) / np.abs(np.log(s[inside]))
    lower[inside] = s[inside] ** np.exp(z * sigma)
    upper[inside] = s[inside] ** np.exp(-z * sigma)
    return lower, upper


def _hidden(at_risk: np.ndarray, ended: np.ndarray) -> np.ndarray:
    """The small-cell rule for one curve, month by month (module docstring)."""
    hidden = (np.asarray(at_risk) < MIN_CELL) | is_small(np.asarray(at_risk) - ended)
    pending = 0
    for i in range(len(hidden)):
        if hidden[i]:
            pending += ended[i]
            continue
        pending += ended[i]
        if is_small(pending):
            hidden[i] = True
        else:
            pending = 0
    return hidden


def km_curve(frame: pd.DataFrame, by: str | None = "programme",
             groups: Sequence[str] | None = ("gammelt", "nytt"), programme: str | None = None,
             months: int = MONTHS, confidence: float = CONFIDENCE,
             hide: bool = True) -> pd.DataFrame:
    """Kaplan–Meier curve per group on months 0..`months` after entry (CURVE_COLUMNS):
    share_remaining, lower, upper (the pointwise band) and std_error in percent; at_risk
    (persons at risk in the month), ended and censored (participations ending / censored in
    it); hidden. `by` is the frame's group column (None: one pooled group 'alle'),
    `groups` the codes in order (a group with no one in it gets NaN shares and at_risk 0),
    `programme` restricts the frame to one programme first (Figur 2.10: 'nytt'). With
    `hide`, what the small-cell rule hides is NaN (counts too)."""
    if months < 0:
        raise ValueError("survival: months skal være ≥ 0")
    _check_confidence(confidence)
    parts = []
    for group, duration, ended in _durations(frame, by, groups, programme):
        fit = _fit(duration, ended, months)
        lower, upper = _band(fit["survival"].to_numpy(), fit["std_error"].to_numpy(),
                             confidence)
        part = pd.DataFrame({
            "group": group, "month": fit["month"],
            "share_remaining": 100 * fit["survival"], "lower": 100 * lower,
            "upper": 100 * upper, "std_error": 100 * fit["std_error"],
            "at_risk": fit["at_risk"].astype(float), "ended": fit["ended"].astype(float),
            "censored": fit["censored"].astype(float),
            # An empty group hides nothing: there is no one to protect, and no value.
            "hidden": _hidden(fit["at_risk"].to_numpy(), fit["ended"].to_numpy())
            if len(duration) else False,
        })
        parts.append(part)
    curve = pd.concat(parts, ignore_index=True)[CURVE_COLUMNS]
    curve["hidden"] = curve["hidden"].astype(bool)
    if hide:
        values = ["share_remaining", "lower", "upper", "std_error", "at_risk"]
        curve[values] = curve[values].mask(curve["hidden"])
        for column in ("ended", "censored"):
            curve[column] = curve[column].mask(curve["hidden"] | is_small(curve[column]))
    return curve


# --- Summaries --------------------------------------------------------------------------

def _first_at_or_below(months: np.ndarray, values: np.ndarray, level: float) -> float:
    hit = np.flatnonzero(np.nan_to_num(values, nan=np.inf) <= level)
    return float(months[hit[0]]) if len(hit) else np.inf


def median_duration(frame: pd.DataFrame, by: str | None = "programme",
                    groups: Sequence[str] | None = ("gammelt", "nytt"),
                    programme: str | None = None, confidence: float = CONFIDENCE,
                    hide: bool = True) -> pd.DataFrame:
    """Median duration (months) per group with its interval (MEDIAN_COLUMNS): the first
    month with S ≤ 50 %, and the first months where the band's lower and upper limit are
    (module docstring). `inf`: not reached while anyone is observed; NaN: no one in the
    group, or (with `hide`) hidden by the small-cell rule (`hidden`)."""
    _check_confidence(confidence)
    rows = []
    for group, duration, ended in _durations(frame, by, groups, programme):
        if len(duration) == 0:
            rows.append((group, 0, np.nan, np.nan, np.nan, False))
            continue
        last = int(duration.max())
        fit = _fit(duration, ended, last)
        lower_band, upper_band = _band(fit["survival"].to_numpy(), fit["std_error"].to_numpy(),
                                       confidence)
        months = fit["month"].to_numpy()
        values = [_first_at_or_below(months, v, 0.5)
                  for v in (fit["survival"].to_numpy(), lower_band, upper_band)]
        hidden_months = months[_hidden(fit["at_risk"].to_numpy(), fit["ended"].to_numpy())]
        hidden = [np.isfinite(v) and v in hidden_months for v in values]
        if is_small(len(duration)):
            hidden = [True] * 3
        if hide:
            values = [np.nan if h else v for v, h in zip(values, hidden)]
        rows.append((group, len(duration), *values, bool(hidden[0])))
    return pd.DataFrame(rows, columns=MEDIAN_COLUMNS)


def shares_at(frame: pd.DataFrame, by: str | None = "programme",
              groups: Sequence[str] | None = ("gammelt", "nytt"), programme: str | None = None,
              horizons: Sequence[int] = HORIZONS, confidence: float = CONFIDENCE,
              hide: bool = True) -> pd.DataFrame:
    """Percent still in (share_remaining, lower, upper) and ended (share_ended = 100 −
    share_remaining, with its interval) `horizons` months after entry, per group
    (SHARE_COLUMNS): the curve's points at those months."""
    if not len(horizons) or min(horizons) < 0:
        raise ValueError("survival: horizons skal være måneder ≥ 0")
    curve = km_curve(frame, by, groups, programme, max(horizons), confidence, hide)
    out = curve[curve["month"].isin(list(horizons))].copy()
    out["share_ended"] = 100 - out["share_remaining"]
    out["ended_lower"] = 100 - out["upper"]
    out["ended_upper"] = 100 - out["lower"]
    return out[SHARE_COLUMNS].reset_index(drop=True)


def pick(table: pd.DataFrame, column: str, **keys):
    """One value of a survival table for a sentence (as helpers.tables.pick): None when the
    group has no one in it (or no row matches), NaN when hidden, else the number."""
    hit = table
    for key, value in keys.items():
        hit = hit[hit[key] == value]
    if len(hit) != 1:
        if len(hit) == 0:
            return None
        raise KeyError(f"{len(hit)} rader passer til {keys}")
    value = hit[column].iloc[0]
    if pd.isna(value):
        return np.nan if bool(hit["hidden"].iloc[0]) else None
    return float(value)
