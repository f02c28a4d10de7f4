"""The pandas implementation of the frame that was the production path before issue 10,
kept only as a test reference (tests/test_engine.py checks helpers.spells, the SQL stages on
DuckDB and Spark, against it cell for cell). Not used by the book.

It computes the same definitions with numpy: every spell table becomes a person ×
calendar-month grid ("is X true for this person in this month"), and entries, durations and
outcomes are read from the grid. Months are integers `year * 12 + month - 1`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.contract import FOLLOW_UP_CODES, REDUCED_CAPACITY_GROUPS, Extract

# The facts the definitions use (codes, horizons, month arithmetic) are shared with the SQL.
from helpers.spells import (  # noqa: E402
    _CODE_ORDER,
    _DIAGNOSIS_ORDER,
    FIRST_ENTRY_YEAR,
    FRAME_COLUMNS,
    GAP_MONTHS,
    HISTORY_MONTHS,
    JOB_COMPATIBLE_CODES,
    LAST_ENTRY_YEAR,
    MIN_WEEKLY_HOURS,
    OUTCOME_HORIZONS,
    entry_month_number,
    last_observed_month,
    month_label,
    observation_start_month,
    spell_months,
)


@dataclass
class MonthGrid:
    """Person × month indicators for everyone with a follow-up spell.

    Column c of each matrix is calendar month `first_month + c`; the last column is the
    month of `uttrekksdato` (later months are unobserved). Months before `observed_from`
    (uttrekk.json's observasjonsstart) count for nothing: every matrix is false there.
    """
    persons: pd.Index
    first_month: int
    last_month: int
    follow_up: np.ndarray
    job_strict: np.ndarray
    employed: np.ndarray  # in job (plain): employed >= 4 h/week, whatever the programme
    registered: np.ndarray
    reduced_capacity: np.ndarray
    observed_from: int | None = None

    def __post_init__(self):
        if self.observed_from is None:
            self.observed_from = self.first_month

    @property
    def n_months(self) -> int:
        return self.last_month - self.first_month + 1

    def column(self, month: int) -> int:
        return month - self.first_month


def coverage_matrix(spells: pd.DataFrame, persons: pd.Index, first_month: int,
                    last_month: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Boolean person × month matrix: does any of the spells (those where `mask` is true)
    cover a day of the month. Persons not in `persons` are ignored."""
    return _SpellMonths(spells, persons, last_month).cover(first_month, mask)


class _SpellMonths:
    """A spell table's grid rows and first/last months, computed once and then turned into
    coverage matrices for any subset of its spells."""

    def __init__(self, spells: pd.DataFrame, persons: pd.Index, last_month: int):
        self.n_persons = len(persons)
        self.last_month = last_month
        self.rows = persons.get_indexer(spells["person_id"]) if len(spells) else \
            np.empty(0, dtype=np.intp)
        self.start, self.end = spell_months(spells, last_month) if len(spells) else \
            (np.empty(0, np.int64), np.empty(0, np.int64))

    def cover(self, first_month: int, mask: np.ndarray | None = None) -> np.ndarray:
        n_months = self.last_month - first_month + 1
        keep = (self.rows >= 0) & (self.end >= first_month) & (self.start <= self.last_month) \
            & (self.end >= self.start)
        if mask is not None:
            keep &= mask
        rows = self.rows[keep]
        start = np.clip(self.start[keep], first_month, self.last_month) - first_month
        end = np.clip(self.end[keep], first_month, self.last_month) - first_month
        # Running count of open spells: +1 in the first month, −1 after the last.
        counts = np.zeros((self.n_persons, n_months + 1), dtype=np.int16)
        np.add.at(counts, (rows, start), 1)
        np.add.at(counts, (rows, end + 1), -1)
        np.cumsum(counts, axis=1, out=counts)
        return counts[:, :n_months] > 0


def build_grid(extract: Extract) -> MonthGrid:
    """The month grid of every person with a follow-up spell, from 24 months before the
    first possible entry (2013-01) to the month of `uttrekksdato`."""
    tiltak = extract["tiltak"]
    is_follow_up = tiltak["tiltakskode"].isin(FOLLOW_UP_CODES).to_numpy(dtype=bool)
    persons = pd.Index(pd.unique(tiltak.loc[is_follow_up, "person_id"]), name="person_id")
    first_month = FIRST_ENTRY_YEAR * 12 - HISTORY_MONTHS
    last_month = last_observed_month(extract.meta)
    if last_month < FIRST_ENTRY_YEAR * 12:
        raise ValueError(
            f"uttrekksdato {extract.uttrekksdato.date()} ligger før {FIRST_ENTRY_YEAR}: "
            "uttrekket dekker ingen tilganger i analyseperioden"
        )
    programmes = _SpellMonths(tiltak, persons, last_month)
    compatible = tiltak["tiltakskode"].isin(JOB_COMPATIBLE_CODES).to_numpy(dtype=bool)
    jobs = extract["arbeidsforhold"]
    employed = _SpellMonths(jobs, persons, last_month).cover(
        first_month, (jobs["timer_per_uke"] >= MIN_WEEKLY_HOURS).to_numpy(dtype=bool))
    job_strict = employed & ~programmes.cover(first_month, ~compatible)
    status = extract["brukerstatus"]
    statuses = _SpellMonths(status, persons, last_month)
    reduced = status["innsatsgruppe"].isin(REDUCED_CAPACITY_GROUPS).to_numpy(dtype=bool)
    grid = MonthGrid(
        persons=persons,
        first_month=first_month,
        last_month=last_month,
        follow_up=programmes.cover(first_month, is_follow_up),
        job_strict=job_strict,
        employed=employed,
        registered=statuses.cover(first_month),
        reduced_capacity=statuses.cover(first_month, reduced),
        observed_from=max(observation_start_month(extract.meta), first_month),
    )
    unobserved = grid.column(grid.observed_from)
    for name in GRID_MEASURES:
        getattr(grid, name)[:, :unobserved] = False
    return grid


def _running_count(matrix: np.ndarray) -> np.ndarray:
    """Months true so far, with a leading zero column: out[:, c] = matrix[:, :c].sum(1)."""
    out = np.zeros((matrix.shape[0], matrix.shape[1] + 1), dtype=np.int16)
    np.cumsum(matrix, axis=1, dtype=np.int16, out=out[:, 1:])
    return out


def first_entries(grid: MonthGrid) -> pd.DataFrame:
    """Each person's first entry in 2013–2018: columns person_id, row (in the grid), month.
    An entry needs 6 observed months in no follow-up programme before it."""
    fu = grid.follow_up
    done = _running_count(fu)
    lo = max(grid.column(FIRST_ENTRY_YEAR * 12), grid.column(grid.observed_from) + GAP_MONTHS)
    hi = min(grid.column(LAST_ENTRY_YEAR * 12 + 11), grid.n_months - 1)
    cols = np.arange(lo, max(hi + 1, lo))
    months_before = done[:, cols] - done[:, cols - GAP_MONTHS]
    is_entry = fu[:, cols] & (months_before == 0)
    has_entry = is_entry.any(axis=1)
    rows = np.flatnonzero(has_entry)
    entry_col = cols[is_entry[rows].argmax(axis=1)]
    return pd.DataFrame({
        "person_id": grid.persons[rows],
        "row": rows,
        "month": entry_col + grid.first_month,
    })


def _covering(spells: pd.DataFrame, entries: pd.DataFrame, last_month: int,
              offset: int = 0) -> pd.DataFrame:
    """Spells that cover each entrant's entry month (+ offset), joined to the entrant."""
    spells = spells[spells["person_id"].isin(entries["person_id"]).to_numpy(dtype=bool)].copy()
    spells["_start"], spells["_end"] = spell_months(spells, last_month)
    joined = entries[["person_id", "month"]].merge(spells, on="person_id", how="inner")
    target = joined["month"] + offset
    return joined[(joined["_start"] <= target) & (joined["_end"] >= target)]


def merge_touching(spells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Pieces of one spell as one: rows with equal `keys` (a missing value equal to a missing
    one) whose spells overlap or touch (the next starts no later than the day after the
    previous ends; an open spell never ends) become one row from the first start to the
    last end (open if any piece is). Other columns are the first piece's."""
    if len(spells) == 0:
        return spells
    group = spells.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    order = np.lexsort((spells["fra_dato"].to_numpy(), group))
    s = spells.iloc[order].reset_index(drop=True)
    group = group[order]
    never = np.datetime64("9999-12-31", "us")
    start = s["fra_dato"].to_numpy(dtype="datetime64[us]")
    end = s["til_dato"].to_numpy(dtype="datetime64[us]")
    end = np.where(np.isnat(end), never, end)
    reach = pd.Series(end).groupby(group).cummax().to_numpy(dtype="datetime64[us]")
    previous_reach = np.roll(reach, 1)
    first_of_group = np.r_[True, group[1:] != group[:-1]]
    new_spell = first_of_group | (start > previous_reach + np.timedelta64(1, "D"))
    spell_id = np.cumsum(new_spell) - 1
    merged = s[new_spell].reset_index(drop=True)
    last_end = pd.Series(end).groupby(spell_id).max().to_numpy(dtype="datetime64[us]")
    merged["til_dato"] = pd.Series(np.where(last_end == never, np.datetime64("NaT"), last_end),
                                   dtype=s["til_dato"].dtype)
    return merged


_ENTRY_SPELL_KEYS = ["person_id", "tiltakskode", "leverandor_id", "nav_kontor", "fylke"]


def _entry_spells(extract: Extract, entries: pd.DataFrame, last_month: int) -> pd.DataFrame:
    """The follow-up spell that starts each entry (DATA_CONTRACT.md, Entry): of the spells
    covering the entry month, pieces of one spell merged, the one that starts first; ties:
    Arbeid med bistand, Oppfølging, Utvidet; then the later til_dato (ongoing latest); then
    the lower leverandor_id, nav_kontor, fylke (text order, missing last)."""
    tiltak = extract["tiltak"]
    keep = tiltak["tiltakskode"].isin(FOLLOW_UP_CODES).to_numpy(dtype=bool) & \
        tiltak["person_id"].isin(entries["person_id"]).to_numpy(dtype=bool)
    fu = merge_touching(tiltak[keep], _ENTRY_SPELL_KEYS)
    cov = _covering(fu, entries, last_month)
    cov = cov.assign(
        _code=cov["tiltakskode"].map(_CODE_ORDER),
        _open=cov["til_dato"].isna(),
    ).sort_values(["person_id", "fra_dato", "_code", "_open", "til_dato", "leverandor_id",
                   "nav_kontor", "fylke"],
                  ascending=[True, True, True, False, False, True, True, True],
                  na_position="last", kind="stable")
    return cov.drop_duplicates("person_id").set_index("person_id")


def _programme(spell: pd.DataFrame, extract: Extract) -> pd.Series:
    """gammelt / nytt / utvidet from the entry spell's code, start date and county."""
    transition = extract["fylker"].set_index("fylke")["overgang_dato"]
    after = spell["fra_dato"] >= spell["fylke"].map(transition)
    code = spell["tiltakskode"]
    programme = np.where(code == "UTVIDET_OPPFOLGING", "utvidet",
                         np.where((code == "OPPFOLGING") & after.fillna(False), "nytt", "gammelt"))
    return pd.Series(programme, index=spell.index)


def _aap_at_entry(extract: Extract, entries: pd.DataFrame, last_month: int) -> pd.Series:
    """AAP diagnosis group in the entry month: ikke_aap, psykisk, muskel_skjelett, annen or
    ukjent (AAP with no diagnosis). With several AAP spells covering it (touching pieces
    with the same diagnosis merged): a known diagnosis wins, then the latest start, then
    psykisk, muskel_skjelett, annen."""
    ytelser = extract["ytelser"]
    keep = (ytelser["ytelse"] == "AAP").to_numpy(dtype=bool) & \
        ytelser["person_id"].isin(entries["person_id"]).to_numpy(dtype=bool)
    merged = merge_touching(ytelser[keep], ["person_id", "diagnosegruppe"])
    aap = _covering(merged, entries, last_month)
    aap = aap.assign(_known=aap["diagnosegruppe"].notna(),
                     _order=aap["diagnosegruppe"].map(_DIAGNOSIS_ORDER)).sort_values(
        ["person_id", "_known", "fra_dato", "_order"],
        ascending=[True, False, False, True], na_position="last", kind="stable")
    first = aap.drop_duplicates("person_id")
    diagnosis = dict(zip(first["person_id"], first["diagnosegruppe"].astype(object)))
    return pd.Series(
        [("ukjent" if pd.isna(diagnosis[p]) else diagnosis[p]) if p in diagnosis else "ikke_aap"
         for p in entries["person_id"]],
        index=entries.index, dtype=object)


def _quarter_rate(extract: Extract, fylke: pd.Series, months: np.ndarray) -> pd.Series:
    """The county's unemployment rate in the quarter of each month (null if absent)."""
    if not extract.has("ledighet"):
        return pd.Series(np.nan, index=fylke.index)
    rates = extract["ledighet"].set_index(["fylke", "kvartal"])["ledighetsrate"]
    rates = rates[~rates.index.duplicated()]
    quarter = pd.Series(months // 12, index=fylke.index).astype(str) + "Q" + \
        pd.Series(months % 12 // 3 + 1, index=fylke.index).astype(str)
    keys = pd.MultiIndex.from_arrays([fylke.astype(object), quarter.astype(object)])
    return pd.Series(rates.reindex(keys).to_numpy(dtype=float), index=fylke.index)


def _durations(grid: MonthGrid, rows: np.ndarray, cols: np.ndarray):
    """Duration in months (entry month = 1) and whether its end is unobserved."""
    fu = grid.follow_up[rows]
    n_months = grid.n_months
    csum = _running_count(~fu)
    starts = np.arange(n_months - GAP_MONTHS + 1)
    run_starts = (csum[:, starts + GAP_MONTHS] - csum[:, starts]) == GAP_MONTHS
    del csum
    run_starts &= starts[None, :] > cols[:, None]
    has_end = run_starts.any(axis=1)
    first_run = run_starts.argmax(axis=1)
    last_fu = n_months - 1 - np.argmax(fu[:, ::-1], axis=1)
    last = np.where(has_end, first_run - 1, last_fu)
    return last - cols + 1, ~has_end


def build_frame(extract: Extract, grid: MonthGrid | None = None) -> pd.DataFrame:
    """The analysis frame: one row per entrant (first entry in 2013–2018), with the entry's
    programme, provider, office and county, characteristics at entry, job outcomes 12/18/24
    months after entry, and duration. README ("The analysis frame") documents every column."""
    grid = grid or build_grid(extract)
    entries = first_entries(grid)
    rows, cols = entries["row"].to_numpy(), entries["month"].to_numpy() - grid.first_month
    spell = _entry_spells(extract, entries, grid.last_month).reindex(entries["person_id"])
    persons = extract["personer"].drop_duplicates("person_id").set_index("person_id")
    persons = persons.reindex(entries["person_id"])
    entry_year = entries["month"].to_numpy() // 12

    frame = pd.DataFrame({
        "person_id": entries["person_id"].to_numpy(),
        "entry_month": month_label(entries["month"]),
        "entry_date": spell["fra_dato"].to_numpy(),
        "programme": _programme(spell, extract).to_numpy(),
        "programme_code": spell["tiltakskode"].to_numpy(),
    })
    types = extract["leverandorer"].drop_duplicates("leverandor_id").set_index(
        "leverandor_id")["leverandortype"]
    frame["provider_type"] = spell["leverandor_id"].map(types).astype(object).fillna(
        "ukjent").to_numpy()
    frame["leverandor_id"] = spell["leverandor_id"].to_numpy()
    frame["fylke"] = spell["fylke"].to_numpy()
    frame["nav_kontor"] = spell["nav_kontor"].to_numpy()
    frame["age"] = pd.array(entry_year, dtype="Int64") - persons["fodselsar"].astype("Int64").array
    frame["female"] = (persons["kjonn"] == "K").to_numpy()
    frame["landgruppe"] = persons["landgruppe"].astype("Int64").to_numpy()
    frame["immigrant"] = frame["landgruppe"].isin([2, 3]).to_numpy()
    frame["education"] = persons["utdanning"].astype(object).fillna("ukjent").to_numpy()
    frame["aap_diagnosis"] = _aap_at_entry(extract, entries, grid.last_month).to_numpy()
    frame["reduced_capacity"] = grid.reduced_capacity[rows, cols]
    job = grid.job_strict[rows]
    each = np.arange(len(rows))
    frame["job_at_entry"] = job[each, cols]
    history = _running_count(job)
    frame["months_in_job_24"] = (history[each, cols].astype(np.int64)
                                 - history[each, cols - HISTORY_MONTHS])
    del history
    for horizon in OUTCOME_HORIZONS:
        target = cols + horizon
        observed = target < grid.n_months
        value = job[each, np.minimum(target, grid.n_months - 1)]
        frame[f"job_{horizon}"] = pd.array(np.where(observed, value, False), dtype="boolean")
        frame.loc[~observed, f"job_{horizon}"] = pd.NA
    for horizon in OUTCOME_HORIZONS:
        frame[f"unemployment_{horizon}"] = _quarter_rate(
            extract, frame["fylke"], entries["month"].to_numpy() + horizon).to_numpy()
    duration, censored = _durations(grid, rows, cols)
    frame["duration"] = duration
    frame["duration_first_year"] = np.minimum(duration, 12)
    frame["duration_censored"] = censored
    return frame[FRAME_COLUMNS].sort_values("person_id", kind="stable").reset_index(drop=True)


# --- Months around entry (Figur 3.5–3.7) ------------------------------------------------

# The programme the month before entry (Figur 3.6): for a person in several programmes
# that month, the first of these codes wins.
PROGRAMME_BEFORE_PRIORITY = (
    "ARBEIDSPRAKSIS", "AVKLARING", "LONNSTILSKUDD", "ANNEN_OPPFOLGING", "OPPLAERING",
    "ARBEIDSFORBEREDENDE", "TILRETTELAGT_ARBEID", "ANNET",
)


def _entrant_positions(grid: MonthGrid, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Grid row and entry-month column of each frame row. Raises ValueError if a frame
    person is not in the grid (numpy would silently take the last row for −1)."""
    rows = grid.persons.get_indexer(frame["person_id"])
    unknown = int((rows < 0).sum())
    if unknown:
        raise ValueError(f"{unknown} av {len(rows)} person_id i rammen finnes ikke i "
                         "månedsgitteret (er rammen bygd fra et annet uttrekk?)")
    return rows, entry_month_number(frame) - grid.first_month


GRID_MEASURES = ("follow_up", "job_strict", "employed", "registered", "reduced_capacity")


def entrant_months(grid: MonthGrid, frame: pd.DataFrame, offsets,
                   after_end: bool = False) -> dict[str, np.ndarray]:
    """Each entrant's status in the months `offsets` relative to the entry month (−1 = the
    month before): {measure: boolean entrants × offsets matrix} for GRID_MEASURES.
    Offsets must fall inside the grid (from 24 months before 2013 to uttrekksdato); with
    `after_end`, months after uttrekksdato are allowed: they come back False, and the
    matrix 'observed' says which months are on or before uttrekksdato."""
    rows, cols = _entrant_positions(grid, frame)
    offsets = np.asarray(offsets, dtype=np.int64)
    take = cols[:, None] + offsets[None, :]
    late = take >= grid.n_months
    if take.size and (take.min() < 0 or (late.any() and not after_end)):
        raise ValueError("måneder utenfor månedsgitteret (før 24 måneder før 2013 eller etter "
                         "uttrekksdatoen)")
    clipped = np.minimum(take, grid.n_months - 1)
    out = {name: getattr(grid, name)[rows[:, None], clipped] & ~late for name in GRID_MEASURES}
    if after_end:
        out["observed"] = ~late
    return out


def programme_before_entry(extract: Extract, frame: pd.DataFrame) -> pd.Series:
    """For each entrant, the `tiltakskode` of the labour-market programme (not a follow-up
    programme) the month before entry, the first of PROGRAMME_BEFORE_PRIORITY when several;
    None when in none. Indexed like `frame`."""
    tiltak = extract["tiltak"]
    others = tiltak[tiltak["tiltakskode"].isin(list(PROGRAMME_BEFORE_PRIORITY)).to_numpy(bool)]
    entries = pd.DataFrame({
        "person_id": frame["person_id"].to_numpy(),
        "month": entry_month_number(frame),
    })
    cov = _covering(others, entries, last_observed_month(extract.meta), offset=-1)
    priority = {code: i for i, code in enumerate(PROGRAMME_BEFORE_PRIORITY)}
    cov = cov.assign(_p=cov["tiltakskode"].map(priority)).sort_values(["person_id", "_p"])
    first = cov.drop_duplicates("person_id")
    code = dict(zip(first["person_id"], first["tiltakskode"].astype(object)))
    return pd.Series([code.get(p) for p in frame["person_id"]], index=frame.index, dtype=object)
