"""The trial participants' data, from the extract: baseline at start and a month-by-month
panel of states around it (the SE-RCT chapter; estimators are in helpers.trials).

Months are calendar months relative to the month of `forsok.startdato` (month 0); the
panel runs from 24 months before to the extract's last month. A person is *in* a state in
a month when a spell of it covers a day of that month (DATA_CONTRACT.md):
- work: employed, a relationship of at least 4 hours a week; hours: the weekly hours of
  all relationships covering the month (0 when none);
- AAP, disability benefit (uføretrygd), health-related benefit (either); programme: any
  tiltak; higher education (utdanning_hoyere); reduced work capacity (brukerstatus);
- the combinations of Tabell 2: benefit and work, benefit without work; *only work* =
  work with no health-related benefit, no programme and no higher education; *none* = no
  work, no health-related benefit, no programme, no higher education.
Totals over the 36 months after start (months 1-36) are for persons observed all 36.

- `baseline(extract)`: one row per participant, the Tabell 1 variables at start.
- `panel(extract, first=-24, last=None)`: one row per participant and month.
- `totals(panel, months=36)`: one row per participant, months in each state (hours: mean
  weekly hours, and total hours) over months 1..36.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.contract import REDUCED_CAPACITY_GROUPS, Extract
from helpers.spells import (
    MIN_WEEKLY_HOURS,
    coverage_matrix,
    last_observed_month,
    month_number,
    spell_months,
)

FOLLOW_UP_CODES = ("OPPFOLGING", "ARBEID_MED_BISTAND", "UTVIDET_OPPFOLGING")
# Programme groups of the programme-use figures (SE-KLAR Figur 2, V1).
PROGRAMME_GROUPS = {
    "oppfolging": FOLLOW_UP_CODES,
    "arbeidspraksis": ("ARBEIDSPRAKSIS", "ARBEIDSFORBEREDENDE", "TILRETTELAGT_ARBEID"),
    "opplaering": ("OPPLAERING",),
    "avklaring": ("AVKLARING",),
    "annet_tiltak": ("LONNSTILSKUDD", "ANNEN_OPPFOLGING", "ANNET"),
}
STATES = ("work", "work_or_education", "aap", "aap_and_work", "aap_only", "ufore",
          "ufore_and_work", "ufore_only", "health", "health_and_work", "health_only",
          "work_only", "programme", "none", "education", "reduced_capacity")
WEEKS_PER_MONTH = 52 / 12
OUTCOME_MONTHS = 36
INNSATSGRUPPE_ORDER = ("standard", "situasjonsbestemt", "spesielt_tilpasset", "varig_tilpasset")


def participants(extract: Extract) -> pd.DataFrame:
    """The forsok table with the arm as a 0/1 `intervention` and the start month number.
    Raises KeyError when the extract has no forsok table."""
    if not extract.has("forsok"):
        raise KeyError("uttrekket har ingen forsok-tabell (valgfri; forsøkskapitlet trenger den)")
    trial = extract["forsok"].copy()
    trial["intervention"] = (trial["gruppe"] == "intervensjon").astype(int)
    trial["start_month"] = month_number(trial["startdato"]).astype(int)
    return trial.reset_index(drop=True)


def _relative(matrix: np.ndarray, start: np.ndarray, first_calendar: int, offsets: np.ndarray) -> np.ndarray:
    """Rows of a person x calendar-month matrix re-indexed to months relative to each
    person's start (`offsets`); months outside the matrix are False / 0."""
    columns = start[:, None] + offsets[None, :] - first_calendar
    inside = (columns >= 0) & (columns < matrix.shape[1])
    out = np.zeros((len(start), len(offsets)), dtype=matrix.dtype)
    rows = np.broadcast_to(np.arange(len(start))[:, None], columns.shape)
    out[inside] = matrix[rows[inside], columns[inside]]
    return out


def _hours_matrix(spells: pd.DataFrame, persons: pd.Index, first_month: int, last_month: int) -> np.ndarray:
    """Person x calendar month: the summed weekly hours of the relationships covering it."""
    n_months = last_month - first_month + 1
    out = np.zeros((len(persons), n_months + 1))
    if len(spells):
        rows = persons.get_indexer(spells["person_id"])
        start, end = spell_months(spells, last_month)
        keep = (rows >= 0) & (end >= first_month) & (end >= start)
        s = np.clip(start[keep], first_month, last_month) - first_month
        e = np.clip(end[keep], first_month, last_month) - first_month
        hours = spells["timer_per_uke"].to_numpy(float)[keep]
        np.add.at(out, (rows[keep], s), hours)
        np.add.at(out, (rows[keep], e + 1), -hours)
        np.cumsum(out, axis=1, out=out)
    return out[:, :n_months]


def _spells(extract: Extract, name: str) -> pd.DataFrame:
    return extract[name] if extract.has(name) else pd.DataFrame(
        {"person_id": pd.Series(dtype=str), "fra_dato": pd.Series(dtype="datetime64[us]"),
         "til_dato": pd.Series(dtype="datetime64[us]")})


def _matrices(extract: Extract, trial: pd.DataFrame, offsets: np.ndarray) -> dict[str, np.ndarray]:
    """Person x relative-month matrices of the basic states."""
    last = last_observed_month(extract.meta)
    first = int(trial["start_month"].min() + offsets.min())
    persons = pd.Index(trial["person_id"])
    start = trial["start_month"].to_numpy(int)

    def cover(name, mask=None):
        spells = _spells(extract, name)
        m = None if mask is None else mask(spells)
        return _relative(coverage_matrix(spells, persons, first, last, m), start, first, offsets)

    jobs = _spells(extract, "arbeidsforhold")
    out = {
        "work": cover("arbeidsforhold", lambda s: (s["timer_per_uke"] >= MIN_WEEKLY_HOURS).to_numpy()),
        "hours": _relative(_hours_matrix(jobs, persons, first, last), start, first, offsets),
        "aap": cover("ytelser", lambda s: (s["ytelse"] == "AAP").to_numpy()),
        "ufore": cover("ytelser", lambda s: (s["ytelse"] == "UFORE").to_numpy()),
        "programme": cover("tiltak"),
        "education": cover("utdanning_hoyere"),
        "reduced_capacity": cover("brukerstatus", lambda s: s["innsatsgruppe"].isin(
            REDUCED_CAPACITY_GROUPS).to_numpy()),
        "registered": cover("brukerstatus"),
    }
    for group, codes in PROGRAMME_GROUPS.items():
        out[f"programme_{group}"] = cover("tiltak", lambda s, c=codes: s["tiltakskode"].isin(c).to_numpy())
    observed = (start[:, None] + offsets[None, :]) <= last
    out["observed"] = observed
    return out


def _combinations(m: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    health = m["aap"] | m["ufore"]
    work = m["work"]
    return {
        "work_or_education": work | m["education"],
        "aap_and_work": m["aap"] & work, "aap_only": m["aap"] & ~work,
        "ufore_and_work": m["ufore"] & work, "ufore_only": m["ufore"] & ~work,
        "health": health, "health_and_work": health & work, "health_only": health & ~work,
        "work_only": work & ~health & ~m["programme"] & ~m["education"],
        "none": ~work & ~health & ~m["programme"] & ~m["education"],
    }


def panel(extract: Extract, first: int = -24, last: int | None = None) -> pd.DataFrame:
    """One row per participant and month relative to start (first..last, default to the
    latest month any participant is observed), observed months only: person_id, forsok,
    enhet, intervention, month, and one column per state (bool; hours float)."""
    trial = participants(extract)
    latest = last_observed_month(extract.meta) - int(trial["start_month"].min())
    offsets = np.arange(first, (latest if last is None else last) + 1)
    m = _matrices(extract, trial, offsets)
    m.update(_combinations(m))
    observed = m.pop("observed")
    rows, cols = np.nonzero(observed)
    out = pd.DataFrame({
        "person_id": trial["person_id"].to_numpy()[rows],
        "forsok": trial["forsok"].to_numpy()[rows],
        "enhet": trial["enhet"].to_numpy()[rows],
        "intervention": trial["intervention"].to_numpy()[rows],
        "month": offsets[cols],
    })
    for name, matrix in m.items():
        out[name] = matrix[rows, cols]
    return out


def totals(panel_frame: pd.DataFrame, months: int = OUTCOME_MONTHS) -> pd.DataFrame:
    """One row per participant observed in all of months 1..`months` after start: months
    in each state (STATES and the programme groups), `hours` = mean weekly hours over the
    months, `total_hours` = weekly hours x weeks per month, summed."""
    window = panel_frame[(panel_frame["month"] >= 1) & (panel_frame["month"] <= months)]
    complete = window.groupby("person_id")["month"].transform("size") == months
    window = window[complete]
    states = [c for c in window.columns if c in STATES or c.startswith("programme_")]
    keys = ["person_id", "forsok", "enhet", "intervention"]
    out = window.groupby(keys, sort=True)[states].sum().astype(float)
    hours = window.groupby(keys, sort=True)["hours"]
    out["hours"] = hours.mean()
    out["total_hours"] = hours.sum() * WEEKS_PER_MONTH
    return out.reset_index()


def baseline(extract: Extract) -> pd.DataFrame:
    """One row per participant: the Tabell 1 variables at start. age = start year − year of
    birth; male; born_in_norway (landgruppe 1); married, children, upper_secondary, income,
    hours_at_start (from forsok); working_at_start (employed in the start month); aap_at_start;
    innsatsgruppe at start (of the brukerstatus spells covering the start month, the
    highest of standard < situasjonsbestemt < spesielt < varig; `ukjent` when none), and
    one 0/1 column per group (group_<name>)."""
    trial = participants(extract)
    people = extract["personer"].set_index("person_id")
    person = trial["person_id"]
    out = trial[["person_id", "forsok", "enhet", "intervention", "startdato"]].copy()
    out["age"] = (trial["startdato"].dt.year.to_numpy() - people.loc[person, "fodselsar"].to_numpy()).astype(float)
    out["male"] = (people.loc[person, "kjonn"].to_numpy() == "M").astype(float)
    out["born_in_norway"] = (people.loc[person, "landgruppe"].to_numpy() == 1).astype(float)
    out["married"] = trial["gift"].astype(float)
    out["children"] = trial["har_barn"].astype(float)
    out["upper_secondary"] = trial["fullfort_vgs"].astype(float)
    offsets = np.array([0])
    m = _matrices(extract, trial, offsets)
    out["working_at_start"] = m["work"][:, 0].astype(float)
    out["hours_at_start"] = trial["arbeidstid"].astype(float)
    out["income"] = trial["inntekt"].astype(float)
    out["aap_at_start"] = m["aap"][:, 0].astype(float)
    out["innsatsgruppe"] = _group_at_start(extract, trial)
    for group in INNSATSGRUPPE_ORDER + ("ukjent",):
        out[f"group_{group}"] = (out["innsatsgruppe"] == group).astype(float)
    return out


def _group_at_start(extract: Extract, trial: pd.DataFrame) -> np.ndarray:
    status = _spells(extract, "brukerstatus")
    result = np.full(len(trial), "ukjent", dtype=object)
    if not len(status):
        return result
    last = last_observed_month(extract.meta)
    start, end = spell_months(status, last)
    rank = pd.Series(range(len(INNSATSGRUPPE_ORDER)), index=INNSATSGRUPPE_ORDER)
    spells = pd.DataFrame({"person_id": status["person_id"].to_numpy(), "start": start, "end": end,
                           "rank": status["innsatsgruppe"].map(rank).to_numpy()})
    merged = spells.merge(pd.DataFrame({"person_id": trial["person_id"], "month": trial["start_month"],
                                        "row": np.arange(len(trial))}), on="person_id")
    covering = merged[(merged["start"] <= merged["month"]) & (merged["end"] >= merged["month"])]
    best = covering.groupby("row")["rank"].max()
    result[best.index.to_numpy()] = np.array(INNSATSGRUPPE_ORDER)[best.to_numpy().astype(int)]
    return result
