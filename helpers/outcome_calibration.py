"""Calibration of the synthetic job-outcome model (parameters `utfall.lpm`, `utfall.lpm_nytt`)
to chapter 4 of the study, through the book's own estimators.

The generator draws P(in a job 12 months after entry) as a linear function of terms
(helpers.synth.employment.TERMS), so the book's regression (helpers.models.table_4_2: OLS
with county and outcome-month fixed effects) is linear in it: with the terms measured on the
frame, E[coefficients] = (X'X)⁻¹X'Z·θ, where X is the estimation design with its fixed
effects as dummies, Z the terms and θ the parameters. Tabell 4.1's cells are means of the
same probabilities over groups, Z̄_g·θ. Persons whose probability the generator holds at a
bound do not respond to a small change of θ, so their rows of Z are left out
(`responding_terms`); without that the map over-predicts what a step does. One calibration
step solves the weighted least squares problem for the change in θ that moves the estimated
coefficients to Tabell 4.2's (tolerance 0.01), the outcome mean to its 0.2237 (0.005) and
Tabell 4.1's cells, old vs new, to theirs (1.5 pp), with a small ridge so that terms the
targets do not pin down stay near their start; targets the solution leaves farther off than
GOAL of their tolerance weigh more in a re-solve, so the step aims at every target inside its
tolerance rather than at the least squares of all of them. `helpers.calibration.calibrate`
repeats it on freshly generated extracts until the targets are met, which also absorbs what
the linear map leaves out (other programmes in the outcome month, register quirks).

- `outcome_targets()`: every target (id, description, source, target, tolerance).
- `outcome_values(frame)`: our value of every target, computed as the book computes it.
- `outcome_step(params, frame)`: {parameter path: new value} for one step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import measures, models, published
from helpers.spells import entry_month_number
from helpers.synth.employment import (
    A_MELDING_MONTH,
    AGE_BAND_TERMS,
    INTERACTED,
    P12_BOUNDS,
    REFERENCE_UNEMPLOYMENT,
    TERMS,
    TREND_YEAR,
)

COEFFICIENT_TOLERANCE = 0.01   # Tabell 4.2, per coefficient
MEAN_TOLERANCE = 0.005         # Tabell 4.2, Gjennomsnitt
CELL_TOLERANCE = 1.5           # Tabell 4.1, percentage points
COEFFICIENT_WEIGHT = 2.0       # Tabell 4.2's targets against Tabell 4.1's in the fit
RIDGE = 0.05                   # weight of a change of 0.01 x the term's spread, per term
GOAL = 0.8                     # the fit aims at every target within this share of its tolerance
MAX_WEIGHT = 10.0              # the most a target left off weighs (x its tolerance's weight)
REWEIGHT_ROUNDS = 40
STEP_CAP = 0.15                # largest change of a term's contribution (x its spread) per step
# Left as set in the parameter file: the calendar terms (absorbed by the outcome-month fixed
# effects, so Tabell 4.2 cannot pin them), the provider types (set to Tabell 4.4's
# coefficients, which must come out on their own) and the programmes outside the study.
NOT_FITTED = ("a_melding", "trend", "kommersiell", "annen_leverandor", "utvidet", "ikke_tiltak")
PROGRAMME_COLUMNS = {"Gammelt": "gammelt", "Nytt": "nytt"}

# Tabell 4.2 terms (helpers.models) -> the generator's terms (helpers.synth.employment).
MODEL_TERMS = {
    "programme_new": "nytt", "age": "alder", "age_squared": "alder2", "female": "kvinne",
    "immigrant": "innvandrer", "edu_vgs_grunnkurs": "utd_vgs_grunnkurs",
    "edu_vgs_fullfort": "utd_vgs_fullfort", "edu_hoyere_kort": "utd_hoyere_kort",
    "edu_hoyere_lang": "utd_hoyere_lang", "edu_ukjent": "utd_ukjent",
    "aap_psykisk": "aap_psykisk", "aap_muskel_skjelett": "aap_muskel_skjelett",
    "aap_annen": "aap_annen", "job_at_entry": "jobb_ved_start",
    "reduced_capacity": "nedsatt", "months_in_job_24": "maneder_i_jobb",
    "unemployment": "ledighet",
}
# The fitted parameters: (section of utfall, term).
PARAMETERS = ([("lpm", t) for t in TERMS if t not in NOT_FITTED]
              + [("lpm_nytt", t) for t in INTERACTED])


def frame_terms(frame: pd.DataFrame) -> pd.DataFrame:
    """The generator's outcome terms measured on the frame's rows (the same index): the
    Tabell 4.2 regressors as helpers.models builds them, and the extra terms from the frame's
    age, country group, provider type and entry month."""
    out = pd.DataFrame(index=frame.index)
    out["konstant"] = 1.0
    for model_term, term in MODEL_TERMS.items():
        out[term] = models._regressor(frame, model_term, 12)
    out["ledighet"] = out["ledighet"] - REFERENCE_UNEMPLOYMENT
    landgruppe = pd.to_numeric(frame["landgruppe"], errors="coerce").to_numpy(float)
    out["landgruppe3"] = (landgruppe == 3).astype(float)
    outcome_month = entry_month_number(frame) + 12
    out["a_melding"] = (outcome_month >= A_MELDING_MONTH).astype(float)
    out["trend"] = outcome_month / 12 - TREND_YEAR
    provider = frame["provider_type"].astype(object).to_numpy()
    out["kommersiell"] = (provider == "kommersiell").astype(float)
    out["annen_leverandor"] = out["nytt"] * np.isin(provider, ["ideell", "ukjent"])
    age = out["alder"].to_numpy()
    bands = dict(zip(AGE_BAND_TERMS, ((0, 24), (25, 29), (40, 49), (50, 200))))
    for term, (lo, hi) in bands.items():
        out[term] = ((age >= lo) & (age <= hi)).astype(float)
    out["utvidet"] = (frame["programme"].astype(object) == "utvidet").to_numpy(float)
    out["ikke_tiltak"] = 0.0
    for term in INTERACTED:
        out[f"nytt:{term}"] = out["nytt"] * out[term]
    return out


def _parameter_columns() -> list[str]:
    return [t if section == "lpm" else f"nytt:{t}" for section, t in PARAMETERS]


# --- targets -----------------------------------------------------------------------------

def outcome_targets() -> pd.DataFrame:
    """The chapter-4 targets: Tabell 4.2's coefficients (t42_<term>), mean (t42_mean) and
    N (t42_n), and Tabell 4.1's cells (t41_<group>_<programme>; 'Alle' is t41_alle_...)."""
    rows = []
    labels = models.LABELS["tabell_4_2"]
    pub = published.published_values("tabell_4_2").set_index("row")["value"]
    for term in MODEL_TERMS:
        label = labels[term][1]
        rows.append((f"t42_{term}", f"Tabell 4.2 {label}", "Tabell 4.2", float(pub[label]),
                     "koeffisient", COEFFICIENT_TOLERANCE))
    rows.append(("t42_mean", "Tabell 4.2 gjennomsnitt (andel i jobb 12 måneder etter tilgang)",
                 "Tabell 4.2", float(pub["Gjennomsnitt"]), "andel", MEAN_TOLERANCE))
    rows.append(("t42_n", "Tabell 4.2 N (tilganger 2013–2017 i modellen)", "Tabell 4.2",
                 float(pub["N"]), "antall", 0.0))
    t41 = published.published_values("tabell_4_1")
    for r in t41.itertuples():
        group = published.TABELL_4_1_GROUPS.get(r.row)
        if group is None or r.column not in PROGRAMME_COLUMNS or pd.isna(r.value):
            continue
        prog = PROGRAMME_COLUMNS[r.column]
        rows.append((_cell_id(group, prog), f"Tabell 4.1 {r.row}, {prog} (i jobb 12 måneder)",
                     f"Tabell 4.1 {r.row} ({r.column})", float(r.value), "prosent",
                     CELL_TOLERANCE))
    return pd.DataFrame(rows, columns=["id", "description", "source", "target", "unit",
                                       "tolerance"])


def _cell_id(group: str, programme: str) -> str:
    return f"t41_{'alle' if group == 'all' else group}_{programme}"


@dataclass
class _Linear:
    """Our values of the targets and their derivatives with respect to PARAMETERS."""
    values: dict[str, float]
    jacobian: dict[str, np.ndarray]
    spread: np.ndarray


def responding_terms(frame: pd.DataFrame, params: dict | None = None) -> np.ndarray:
    """frame_terms' PARAMETERS columns as a matrix, with the rows of persons whose
    probability the generator holds at a bound (helpers.synth.employment.P12_BOUNDS, under
    `params`) set to zero: a small change of a parameter does not move their probability, so
    the linear map leaves them out. Without `params`, every row responds."""
    terms = frame_terms(frame)
    Z = terms[_parameter_columns()].to_numpy(float)
    if params is not None:
        utfall = params["utfall"]
        theta = np.array([float(utfall[section].get(term, 0.0)) for section, term in PARAMETERS])
        fixed = [t for t in TERMS if t in NOT_FITTED]
        linear = Z @ theta + terms[fixed].to_numpy(float) @ np.array(
            [float(utfall["lpm"].get(t, 0.0)) for t in fixed])
        Z = Z * ((linear > P12_BOUNDS[0]) & (linear < P12_BOUNDS[1]))[:, None]
    return Z


def _model_part(frame: pd.DataFrame, params: dict | None = None) -> _Linear:
    """Tabell 4.2's coefficients, mean and N, and their derivatives. Raises ValueError
    (helpers.models) when the frame cannot carry the model."""
    design = models._design(frame, 12, "all")
    terms = design.terms
    X = models._dummy_matrix(design, terms)
    y = design.data["y"].to_numpy(float)
    Z = responding_terms(frame.iloc[design.positions], params)
    solution, *_ = np.linalg.lstsq(X, np.column_stack([y, Z]), rcond=None)
    values, jacobian = {}, {}
    for i, term in enumerate(terms):
        values[f"t42_{term}"] = float(solution[1 + i, 0])
        jacobian[f"t42_{term}"] = solution[1 + i, 1:]
    values["t42_mean"], jacobian["t42_mean"] = float(y.mean()), Z.mean(axis=0)
    values["t42_n"], jacobian["t42_n"] = float(len(y)), np.zeros(Z.shape[1])
    # the constant's "spread": that of a dummy at one half, so moving the level costs about
    # what moving a dummy does
    spread = responding_terms(frame.iloc[design.positions]).std(axis=0)
    spread[spread == 0] = 0.5
    return _Linear(values, jacobian, spread)


def _cell_part(frame: pd.DataFrame, derivatives: bool = True,
               params: dict | None = None) -> _Linear:
    """Tabell 4.1's cells (percent in a job at 12 months by group, old vs new) and, with
    `derivatives`, their derivatives (which need the model's columns)."""
    sample = models.table_4_1_sample(frame)
    Zc = (responding_terms(sample, params) if derivatives
          else np.zeros((len(sample), len(PARAMETERS))))
    yc = sample["job_12"].astype(float).to_numpy()
    programme = sample["programme"].astype(object).to_numpy()
    values, jacobian = {}, {}
    for group, mask in measures.group_masks(sample).items():
        for prog in PROGRAMME_COLUMNS.values():
            m = mask & (programme == prog)
            key = _cell_id(group, prog)
            if m.any():
                values[key] = 100 * float(yc[m].mean())
                jacobian[key] = 100 * Zc[m].mean(axis=0)
            else:
                values[key], jacobian[key] = np.nan, np.zeros(Zc.shape[1])
    return _Linear(values, jacobian, np.ones(Zc.shape[1]))


def _linear(frame: pd.DataFrame, params: dict | None = None) -> _Linear:
    model, cells = _model_part(frame, params), _cell_part(frame, params=params)
    return _Linear({**model.values, **cells.values}, {**model.jacobian, **cells.jacobian},
                   model.spread)


def outcome_values(frame: pd.DataFrame) -> dict[str, float]:
    """Our value of every outcome target (outcome_targets), computed on the frame: the
    coefficients of the book's Tabell 4.2 regression (helpers.models design, the fixed effects
    as dummies), its mean and N, and Tabell 4.1's cells (helpers.measures.group_masks). The
    model's values are left out when the frame cannot carry it (columns missing, an empty
    sample or a single county, as in a small hand-made frame)."""
    values = _cell_part(frame, derivatives=False).values
    try:
        values |= _model_part(frame).values
    except ValueError:
        pass
    return values


def outcome_step(params: dict, frame: pd.DataFrame, damp: float = 0.8, ridge: float = RIDGE,
                 cap: float = STEP_CAP) -> dict[tuple, object]:
    """One step of the fit: the change in utfall.lpm / utfall.lpm_nytt that, on the linear
    map of this frame, best moves every target to its published value (each residual in
    units of its tolerance, a ridge on each change in units of its term's spread), damped by
    `damp` and scaled so no term's contribution moves more than `cap`. Returns
    {('utfall', 'lpm'): {...}, ('utfall', 'lpm_nytt'): {...}}."""
    linear = _linear(frame, params)
    table = outcome_targets()
    rows, residuals, in_tolerance = [], [], []
    for t in table.itertuples():
        value = linear.values.get(t.id, np.nan)
        if not np.isfinite(value) or t.tolerance <= 0:
            continue
        # Tabell 4.2's coefficients weigh double: the cells have more freedom (composition)
        scale = t.tolerance / (COEFFICIENT_WEIGHT if t.id.startswith("t42_") else 1.0)
        rows.append(linear.jacobian[t.id] / scale)
        residuals.append((t.target - value) / scale)
        in_tolerance.append(scale / t.tolerance)
    A, r, in_tolerance = np.array(rows), np.array(residuals), np.array(in_tolerance)
    penalty = np.sqrt(ridge) * np.diag(linear.spread / 0.01)
    zeros = np.zeros(len(linear.spread))
    # The fit aims at every target within GOAL of its tolerance rather than at the least
    # squares of all of them: a target the solution leaves farther off weighs more in the
    # next solve, up to MAX_WEIGHT (so the ridge still holds the terms the targets do not
    # pin down).
    weight = np.ones(len(r))
    for _ in range(REWEIGHT_ROUNDS):
        delta, *_ = np.linalg.lstsq(np.vstack([A * weight[:, None], penalty]),
                                    np.concatenate([r * weight, zeros]), rcond=None)
        left = np.abs(r - A @ delta) * in_tolerance
        if left.max() <= GOAL:
            break
        weight = np.minimum(weight * np.clip(left / GOAL, 1.0, 1.5), MAX_WEIGHT)
    delta *= damp
    # no term's contribution moves more than `cap` (in units of its spread) in one step; the
    # whole step is scaled, keeping its direction (the terms move together, some nearly
    # collinear, so clipping each on its own would not be the solution's direction)
    biggest = float(np.max(np.abs(delta) * linear.spread))
    if biggest > cap:
        delta *= cap / biggest
    utfall = params["utfall"]
    lpm, nytt = dict(utfall["lpm"]), dict(utfall["lpm_nytt"])
    for (section, term), d in zip(PARAMETERS, delta):
        target = lpm if section == "lpm" else nytt
        target[term] = float(target.get(term, 0.0)) + float(d)
    return {("utfall", "lpm"): lpm, ("utfall", "lpm_nytt"): nytt}
