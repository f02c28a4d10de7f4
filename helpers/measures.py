"""Measures on the analysis frame: the definitions behind the book's tables, without labels.

One function per quantity the report states about a group of entrants: its composition at
entry (Tabell 3.1, Vedleggstabell 1), its provider types (Tabell 2.1), job shares after
entry, durations, and its status month by month before entry (Figur 3.5–3.7). They return
plain numbers keyed by variable names (`female`, `age_4`, `aap_psykisk`, ...), never
Norwegian labels and never hidden cells: `helpers.tables` labels them and applies the
disclosure rules for the book, and `helpers.calibration` compares the same numbers with
the published targets, so the book and the calibration cannot disagree on a definition.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.contract import EDUCATION_LEVELS, PROVIDER_TYPES
from helpers.spells import HISTORY_MONTHS, EntrantMonths, entrant_months

# Age bands at entry (years, inclusive), as in Tabell 3.1.
AGE_BANDS = ((0, 24), (25, 29), (30, 39), (40, 49), (50, 200))
EDUCATION_GROUPS = EDUCATION_LEVELS + ("ukjent",)
# AAP groups at entry: AAP with no registered diagnosis is counted with 'annen'.
AAP_GROUPS = ("ikke_aap", "muskel_skjelett", "psykisk", "annen")
COUNTRY_GROUPS = (1, 2, 3)


def composition(frame: pd.DataFrame, extra_rows: bool = False) -> pd.DataFrame:
    """Characteristics at entry of a group of entrants (Tabell 3.1 / Vedleggstabell 1).

    One row per variable, in the published table's order: n (persons), female, age_mean,
    age_0..age_4 (AGE_BANDS), edu_<level> (EDUCATION_GROUPS), aap_<group> (AAP_GROUPS),
    lg_1..lg_3 (landgruppe), with `extra_rows` months_job24 (mean months in job in the 24
    months before entry) and job_at_entry, and last na (reduced work capacity).
    Columns: variable, kind ('count', 'percent', 'years', 'months'), block (the variables
    that together make 100 percent: 'age', 'education', 'aap', 'country', or ''), value,
    numerator (persons behind a share; n for means and counts). Empty group: values NaN.
    """
    n = len(frame)
    age = frame["age"].astype(float)
    aap = frame["aap_diagnosis"].astype(object).replace({"ukjent": "annen"})
    rows: list[tuple] = [("n", "count", "", float(n), n)]

    def share(variable, block, mask):
        k = int(np.asarray(mask, dtype=bool).sum())
        rows.append((variable, "percent", block, 100 * k / n if n else np.nan, k))

    def mean(variable, kind, values):
        rows.append((variable, kind, "", float(values.mean()) if n else np.nan, n))

    share("female", "", frame["female"].to_numpy(dtype=bool))
    mean("age_mean", "years", age)
    for i, (lo, hi) in enumerate(AGE_BANDS):
        share(f"age_{i}", "age", age.between(lo, hi).to_numpy())
    education = frame["education"].astype(object)
    for level in EDUCATION_GROUPS:
        share(f"edu_{level}", "education", (education == level).to_numpy())
    for group in AAP_GROUPS:
        share(f"aap_{group}", "aap", (aap == group).to_numpy())
    landgruppe = frame["landgruppe"].astype("Int64")
    for code in COUNTRY_GROUPS:
        share(f"lg_{code}", "country", (landgruppe == code).fillna(False).to_numpy(dtype=bool))
    if extra_rows:
        mean("months_job24", "months", frame["months_in_job_24"].astype(float))
        share("job_at_entry", "", frame["job_at_entry"].to_numpy(dtype=bool))
    share("na", "", frame["reduced_capacity"].to_numpy(dtype=bool))
    return pd.DataFrame(rows, columns=["variable", "kind", "block", "value", "numerator"])


# Groups of Tabell 4.1, in its order: variable name -> what the group is.
JOB_GROUPS = ("all", "male", "female", "age_0", "age_1", "age_2", "age_3", "age_4",
              "lg_1", "lg_2", "lg_3", *(f"edu_{level}" for level in EDUCATION_GROUPS),
              "aap_ikke_aap", "aap_psykisk", "aap_muskel_skjelett", "aap_annen",
              "job_at_entry", "na", "not_na")


def group_masks(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Membership of each Tabell 4.1 group (JOB_GROUPS), as boolean arrays over the frame:
    sex, age band at entry, country group, education, AAP and diagnosis (AAP with no
    registered diagnosis with 'annen'), in job (strict) at entry, reduced work capacity
    at entry and not."""
    age = frame["age"].astype(float)
    aap = frame["aap_diagnosis"].astype(object).replace({"ukjent": "annen"}).to_numpy()
    education = frame["education"].astype(object).to_numpy()
    landgruppe = frame["landgruppe"].astype("Int64").fillna(0).to_numpy(dtype=int)
    female = frame["female"].to_numpy(dtype=bool)
    reduced = frame["reduced_capacity"].to_numpy(dtype=bool)
    masks = {"all": np.ones(len(frame), dtype=bool), "male": ~female, "female": female}
    for i, (lo, hi) in enumerate(AGE_BANDS):
        masks[f"age_{i}"] = age.between(lo, hi).to_numpy()
    for code in COUNTRY_GROUPS:
        masks[f"lg_{code}"] = landgruppe == code
    for level in EDUCATION_GROUPS:
        masks[f"edu_{level}"] = education == level
    for group in ("ikke_aap", "psykisk", "muskel_skjelett", "annen"):
        masks[f"aap_{group}"] = aap == group
    masks["job_at_entry"] = frame["job_at_entry"].to_numpy(dtype=bool)
    masks["na"], masks["not_na"] = reduced, ~reduced
    return {name: masks[name] for name in JOB_GROUPS}


def job_by_group(frame: pd.DataFrame, horizon: int = 12) -> pd.DataFrame:
    """Tabell 4.1: per group (JOB_GROUPS), the entrants observed `horizon` months after
    entry (persons), those in job (strict) then (in_job) and the percent (value)."""
    outcome = frame[f"job_{horizon}"]
    observed = outcome.notna().to_numpy(dtype=bool)
    in_job = outcome.fillna(False).to_numpy(dtype=bool)
    rows = []
    for name, mask in group_masks(frame).items():
        n, k = int((mask & observed).sum()), int((mask & in_job).sum())
        rows.append((name, n, k, 100 * k / n if n else np.nan))
    return pd.DataFrame(rows, columns=["variable", "persons", "in_job", "value"])


def provider_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Entrants by provider type (Tabell 2.1): provider_type, persons, percent (of the group),
    in PROVIDER_TYPES order, every type present (0 when none)."""
    counts = frame["provider_type"].astype(object).value_counts()
    persons = np.array([int(counts.get(t, 0)) for t in PROVIDER_TYPES])
    n = len(frame)
    return pd.DataFrame({"provider_type": PROVIDER_TYPES, "persons": persons,
                         "percent": 100 * persons / n if n else np.nan})


def share_percent(mask) -> float:
    """Percent true of a boolean array (NaN when empty)."""
    mask = np.asarray(mask, dtype=float)
    return float(100.0 * mask.mean()) if len(mask) else np.nan


def job_share(frame: pd.DataFrame, horizon: int) -> float:
    """Percent in job (strict) `horizon` months after entry among those observed then."""
    values = frame[f"job_{horizon}"].dropna()
    return share_percent(values.to_numpy(dtype=bool))


def still_in_programme(frame: pd.DataFrame, months: int) -> float:
    """Percent still in the programme `months` months after entry (duration > months),
    among those whose participation is observed that long (ended, or censored later)."""
    duration = frame["duration"].to_numpy(dtype=float)
    censored = frame["duration_censored"].to_numpy(dtype=bool)
    observed = ~censored | (duration > months)
    return share_percent(duration[observed] > months)


def mean_first_year_duration(frame: pd.DataFrame) -> float:
    """Mean duration in the first year (months, capped at 12)."""
    return float(frame["duration_first_year"].astype(float).mean()) if len(frame) else np.nan


def psychiatric_of_aap(frame: pd.DataFrame) -> float:
    """Percent with a psychiatric diagnosis among those on AAP at entry."""
    aap = frame["aap_diagnosis"].astype(object)
    return share_percent((aap[aap != "ikke_aap"] == "psykisk").to_numpy())


# Status month by month before entry (Figur 3.5 and 3.7): the three NAV statuses of a
# month add up to the group (one distribution); job_strict is a share of the group.
NAV_STATUSES = ("reduced_capacity", "other_registered", "not_registered")
HISTORY_MEASURES = NAV_STATUSES + ("job_strict",)


def history_counts(grid: EntrantMonths, frame: pd.DataFrame, by: str = "programme",
                   months_before: int = HISTORY_MONTHS) -> pd.DataFrame:
    """Persons in each NAV status and in job (strict), month by month from `months_before`
    months before entry to the month before it, per group of `by`.

    Columns: group, relative_month (−months_before … −1), measure (HISTORY_MEASURES),
    persons, n (the group's entrants), share (percent; not suppressed).
    """
    offsets = np.arange(-months_before, 0)
    months = entrant_months(grid, frame, offsets)
    registered, reduced = months["registered"], months["reduced_capacity"]
    matrices = {
        "reduced_capacity": reduced,
        "other_registered": registered & ~reduced,
        "not_registered": ~registered,
        "job_strict": months["job_strict"],
    }
    groups = frame[by].to_numpy()
    out = []
    for group in pd.unique(groups):
        mask = groups == group
        n = int(mask.sum())
        for measure in HISTORY_MEASURES:
            persons = matrices[measure][mask].sum(axis=0)
            out.append(pd.DataFrame({"group": group, "relative_month": offsets,
                                     "measure": measure, "persons": persons, "n": n,
                                     "share": 100 * persons / n}))
    columns = ["group", "relative_month", "measure", "persons", "n", "share"]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=columns)


# Work month by month after entry (Figur 4.1): the share of those still observed.
JOB_DEFINITIONS = ("job_strict", "employed")
FOLLOW_UP_MONTHS = 24


def job_after_entry_counts(grid: EntrantMonths, frame: pd.DataFrame, by: str = "programme",
                           months_after: int = FOLLOW_UP_MONTHS) -> pd.DataFrame:
    """Persons in a job month by month from the entry month (0) to `months_after` months
    after, per group of `by`, by both definitions: job_strict (employed at least 4 hours a
    week and in no other programme but wage subsidy) and employed (at least 4 hours a week,
    whatever the programme). A month after uttrekksdato is not observed, so each month's
    share is of the entrants observed that month.

    Columns: group, month (0 … months_after), definition (JOB_DEFINITIONS), persons (in a
    job), observed (entrants observed that month), share (percent; not suppressed).
    """
    offsets = np.arange(0, months_after + 1)
    status = entrant_months(grid, frame, offsets, after_end=True)
    groups = frame[by].to_numpy()
    out = []
    for group in pd.unique(groups):
        mask = groups == group
        observed = status["observed"][mask].sum(axis=0)
        for definition in JOB_DEFINITIONS:
            persons = status[definition][mask].sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(observed > 0, 100 * persons / np.maximum(observed, 1), np.nan)
            out.append(pd.DataFrame({"group": group, "month": offsets, "definition": definition,
                                     "persons": persons, "observed": observed, "share": share}))
    columns = ["group", "month", "definition", "persons", "observed", "share"]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=columns)

