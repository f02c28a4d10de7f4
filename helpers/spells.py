"""Spells and cohorts: from the extract's spell tables to months, entries and the analysis frame.

Implements the definitions at the end of DATA_CONTRACT.md, once, in SQL (`frame_stages`)
that an engine runs (helpers.engine: DuckDB on this machine, Spark beside the registers).
Spells are read as the calendar months they cover, so the result does not depend on how a
source splits or overlaps its spells:

- entry (tilgang): a month in a follow-up programme after at least 6 months in none;
- population: each person's first entry in 2013–2018;
- in job (strict): employed (≥ 4 hours a week) and in no programme other than a follow-up
  programme or LONNSTILSKUDD;
- outcomes 12/18/24 months after the entry month (missing after `uttrekksdato`);
- duration: entry month to the last follow-up month before the first run of 6 months in
  none, counting the entry month as month 1 (a one-month participation lasts 1 month).

Months are integers `year * 12 + month - 1`.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.contract import (
    DATE_DTYPE,
    FOLLOW_UP_CODES,
    REDUCED_CAPACITY_GROUPS,
    TABLES,
    Extract,
    to_arrow,
)
from helpers.engine import Dialect, Stage

FIRST_ENTRY_YEAR, LAST_ENTRY_YEAR = 2013, 2018
GAP_MONTHS = 6          # months in no follow-up programme that make the next month an entry
HISTORY_MONTHS = 24     # months of history before entry
OUTCOME_HORIZONS = (12, 18, 24)
MIN_WEEKLY_HOURS = 4.0
JOB_COMPATIBLE_CODES = FOLLOW_UP_CODES + ("LONNSTILSKUDD",)

DEFAULT_OBSERVATION_START = "2010-01-01"  # uttrekk.json's observasjonsstart when absent

# Order used to pick one spell when several follow-up spells cover the entry month
# (the earliest start wins; these break ties deterministically).
_CODE_ORDER = {code: i for i, code in enumerate(
    ("ARBEID_MED_BISTAND", "OPPFOLGING", "UTVIDET_OPPFOLGING"))}
# Order of diagnoses when several AAP spells with a known diagnosis tie on their start.
_DIAGNOSIS_ORDER = {"psykisk": 0, "muskel_skjelett": 1, "annen": 2}

FRAME_COLUMNS = [
    "person_id", "entry_month", "entry_date", "programme", "programme_code", "provider_type",
    "leverandor_id", "fylke", "nav_kontor", "age", "female", "immigrant", "landgruppe",
    "education", "aap_diagnosis", "reduced_capacity", "job_at_entry", "months_in_job_24",
    "job_12", "job_18", "job_24", "unemployment_12", "unemployment_18", "unemployment_24",
    "duration", "duration_first_year", "duration_censored",
]


def month_number(dates: pd.Series) -> pd.Series:
    """Calendar month of each date as the integer year * 12 + month - 1 (nullable)."""
    return dates.dt.year * 12 + dates.dt.month - 1


def last_observed_month(meta: dict) -> int:
    """The month of `uttrekksdato` (uttrekk.json, `meta`): later months are unobserved."""
    date = pd.Timestamp(meta["uttrekksdato"])
    return int(date.year * 12 + date.month - 1)


def observation_start_month(meta: dict) -> int:
    """The month of uttrekk.json's `observasjonsstart` (default 2010-01-01): it and later
    months are observed; earlier months count for nothing."""
    start = pd.Timestamp(meta.get("observasjonsstart") or DEFAULT_OBSERVATION_START)
    return int(start.year * 12 + start.month - 1)


def entry_month_number(frame: pd.DataFrame) -> np.ndarray:
    """The frame's entry months ('YYYY-MM') as month numbers."""
    text = frame["entry_month"].astype(str)
    return (text.str.slice(0, 4).astype(int) * 12 + text.str.slice(5, 7).astype(int) - 1
            ).to_numpy(dtype=np.int64)


def month_label(months) -> np.ndarray:
    """Month numbers as 'YYYY-MM' strings."""
    months = np.asarray(months, dtype=np.int64)
    if months.size == 0:
        return np.array([], dtype=str)
    distinct, position = np.unique(months, return_inverse=True)  # few months, many rows
    labels = np.char.add(np.char.add((distinct // 12).astype(str), "-"),
                         np.char.zfill((distinct % 12 + 1).astype(str), 2))
    return labels[position.reshape(months.shape)]


# The programme the month before entry (Figur 3.6): for a person in several programmes
# that month, the first of these codes wins.
PROGRAMME_BEFORE_PRIORITY = (
    "ARBEIDSPRAKSIS", "AVKLARING", "LONNSTILSKUDD", "ANNEN_OPPFOLGING", "OPPLAERING",
    "ARBEIDSFORBEREDENDE", "TILRETTELAGT_ARBEID", "ANNET",
)


def spell_months(spells: pd.DataFrame, last_month: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last calendar month of each spell; an ongoing spell runs to `last_month`."""
    start = month_number(spells["fra_dato"]).to_numpy(dtype=np.int64)
    end = month_number(spells["til_dato"]).fillna(last_month).to_numpy(dtype=np.int64)
    return start, np.minimum(end, last_month)


def coverage_matrix(spells: pd.DataFrame, persons: pd.Index, first_month: int,
                    last_month: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Boolean person × month matrix (months first_month … last_month): does any of the
    spells (those where `mask` is true) cover a day of the month. Persons not in `persons`
    are ignored. Used for the trials' small samples (helpers.trial_data)."""
    rows = persons.get_indexer(spells["person_id"]) if len(spells) else np.empty(0, np.intp)
    start, end = spell_months(spells, last_month) if len(spells) else \
        (np.empty(0, np.int64), np.empty(0, np.int64))
    n_months = last_month - first_month + 1
    keep = (rows >= 0) & (end >= first_month) & (start <= last_month) & (end >= start)
    if mask is not None:
        keep &= mask
    first = np.clip(start[keep], first_month, last_month) - first_month
    last = np.clip(end[keep], first_month, last_month) - first_month
    # Running count of open spells: +1 in the first month, −1 after the last.
    counts = np.zeros((len(persons), n_months + 1), dtype=np.int16)
    np.add.at(counts, (rows[keep], first), 1)
    np.add.at(counts, (rows[keep], last + 1), -1)
    np.cumsum(counts, axis=1, out=counts)
    return counts[:, :n_months] > 0


# --- The definitions, in SQL ------------------------------------------------------------
#
# Months are integers (year * 12 + month - 1). A spell covers the months from its start to
# its end (an ongoing one to the month of uttrekksdato), never before observasjonsstart.
# Each entrant's status in the months around entry is a bit mask: bit k is month
# entry - MONTHS_BEFORE + k, so a mask holds MONTHS_BEFORE + 1 + MONTHS_AFTER months.

MONTHS_BEFORE = HISTORY_MONTHS
MONTHS_AFTER = max(OUTCOME_HORIZONS)
GRID_MEASURES = ("follow_up", "job_strict", "employed", "registered", "reduced_capacity")
# Months to the end of a spell that never ends, in days; far beyond any real date.
_OPEN_END_DAY = 99_999_999
INPUT_COLUMNS = {  # what the definitions read of each table
    "personer": ("person_id", "fodselsar", "kjonn", "landgruppe", "utdanning"),
    "tiltak": ("person_id", "tiltakskode", "fra_dato", "til_dato", "leverandor_id",
               "nav_kontor", "fylke"),
    "arbeidsforhold": ("person_id", "fra_dato", "til_dato", "timer_per_uke"),
    "ytelser": ("person_id", "ytelse", "diagnosegruppe", "fra_dato", "til_dato"),
    "brukerstatus": ("person_id", "innsatsgruppe", "fra_dato", "til_dato"),
    "leverandorer": ("leverandor_id", "leverandortype"),
    "fylker": ("fylke", "overgang_dato"),
    "ledighet": ("fylke", "kvartal", "ledighetsrate"),
}


def _codes(codes) -> str:
    return ", ".join(f"'{c}'" for c in codes)


def _order(column: str, codes) -> str:
    """A CASE giving each code its place in `codes` (others last)."""
    whens = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(codes))
    return f"CASE {column} {whens} ELSE {len(codes)} END"


def _month(column: str) -> str:
    return f"(year({column}) * 12 + month({column}) - 1)"




def _merge_touching(dialect: Dialect, source: str, keys: list[str]) -> str:
    """SQL: pieces of one spell as one. Rows of `source` with equal `keys` (a missing value
    equal to a missing one) whose spells overlap or touch (the next starts no later than the
    day after the previous ends; an ongoing one never ends) become one spell from the first
    start to the last end (ongoing if any piece is)."""
    by = ", ".join(keys)
    # Most spells are the only piece with their keys and pass as they are; the running
    # windows (reach, then the running count of new spells) see only the others, made
    # distinct first: with ties in their ORDER BY, two windows could order tied rows apart.
    return f"""
      WITH distinct_pieces AS (SELECT DISTINCT {by}, fra_dato, til_dato FROM {source}),
      counted AS (
        SELECT *, count(*) OVER (PARTITION BY {by}) AS pieces FROM distinct_pieces),
      days AS (
        SELECT *, {dialect.day('fra_dato')} AS first_day,
               coalesce({dialect.day('til_dato')}, {_OPEN_END_DAY}) AS last_day
        FROM counted WHERE pieces > 1),
      reach AS (
        SELECT *, max(last_day) OVER (PARTITION BY {by} ORDER BY first_day, last_day
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
        FROM days),
      numbered AS (
        SELECT *, sum(CASE WHEN reached IS NULL OR first_day > reached + 1 THEN 1 ELSE 0 END)
                   OVER (PARTITION BY {by} ORDER BY first_day, last_day
                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS piece
        FROM reach)
      SELECT {by}, fra_dato, til_dato FROM counted WHERE pieces = 1
      UNION ALL
      SELECT {by}, min(fra_dato) AS fra_dato,
             CASE WHEN max(CASE WHEN til_dato IS NULL THEN 1 ELSE 0 END) = 1 THEN NULL
                  ELSE max(til_dato) END AS til_dato
      FROM numbered GROUP BY {by}, piece"""


def _covering_entry(merged: str) -> str:
    """SQL: the spells of `merged` that cover their person's entry month."""
    return f"""
      SELECT s.*, n.entry_month FROM ({merged}) s JOIN entrants n ON s.person_id = n.person_id
      WHERE {_month('s.fra_dato')} <= n.entry_month
        AND (s.til_dato IS NULL OR {_month('s.til_dato')} >= n.entry_month)"""


def frame_stages(dialect: Dialect, first_month: int, last_month: int,
                 observed_from: int) -> list[Stage]:
    """The analysis frame's definitions (DATA_CONTRACT.md, Definitions) as SQL stages.

    `first_month`: 24 months before the first possible entry; `last_month`: the month of
    uttrekksdato; `observed_from`: the first observed month (observasjonsstart, not before
    `first_month`). The stages end in `frame_rows` (one row per entrant) and
    `entrant_status` (each entrant's months around entry as bit masks)."""
    o, last = observed_from, last_month
    lo = max(FIRST_ENTRY_YEAR * 12, o + GAP_MONTHS)
    hi = min(LAST_ENTRY_YEAR * 12 + 11, last)
    fu = _codes(FOLLOW_UP_CODES)

    def months(alias: str = "") -> tuple[str, str]:
        """A spell's observed first and last month."""
        a = f"{alias}." if alias else ""
        return (f"greatest({_month(a + 'fra_dato')}, {o})",
                f"least(coalesce({_month(a + 'til_dato')}, {last}), {last})")

    s, e = months()
    stages = [
        # Follow-up spells as observed month ranges, then joined into runs wherever fewer
        # than GAP_MONTHS months in no follow-up programme separate them.
        Stage("follow_up_spells", f"""
          SELECT DISTINCT person_id, first_month, last_month FROM (
            SELECT person_id, {s} AS first_month, {e} AS last_month
            FROM tiltak WHERE tiltakskode IN ({fu})) t
          WHERE last_month >= first_month"""),
        Stage("follow_up_runs", f"""
          WITH reach AS (
            SELECT *, max(last_month) OVER (PARTITION BY person_id
                       ORDER BY first_month, last_month
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
            FROM follow_up_spells),
          runs AS (
            SELECT *, sum(CASE WHEN reached IS NULL OR first_month > reached + {GAP_MONTHS}
                               THEN 1 ELSE 0 END)
                       OVER (PARTITION BY person_id ORDER BY first_month, last_month
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run
            FROM reach)
          SELECT person_id, min(first_month) AS first_month, max(last_month) AS last_month
          FROM runs GROUP BY person_id, run"""),
        # Entry: the first month of a run, with GAP_MONTHS observed months in none before
        # it; the population is each person's first entry in FIRST..LAST_ENTRY_YEAR. The
        # run's last month ends the participation.
        Stage("entrants", f"""
          SELECT person_id, first_month AS entry_month, last_month AS run_end FROM (
            SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY first_month) AS k
            FROM follow_up_runs WHERE first_month BETWEEN {lo} AND {hi}) r
          WHERE k = 1"""),
        # The spell that starts the entry: of the follow-up spells covering the entry
        # month (pieces of one spell joined), the one that starts first; ties: Arbeid med
        # bistand, Oppfølging, Utvidet; then ongoing; then the later til_dato; then the
        # lower leverandor_id, nav_kontor, fylke (missing last).
        Stage("entry_spell", f"""
          SELECT person_id, tiltakskode, leverandor_id, nav_kontor, fylke, fra_dato FROM (
            SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY fra_dato,
                     {_order('tiltakskode', _CODE_ORDER)},
                     CASE WHEN til_dato IS NULL THEN 0 ELSE 1 END, til_dato DESC,
                     leverandor_id ASC NULLS LAST, nav_kontor ASC NULLS LAST,
                     fylke ASC NULLS LAST) AS k
            FROM ({_covering_entry(_merge_touching(dialect, f'''(
                SELECT t.* FROM tiltak t JOIN entrants n ON t.person_id = n.person_id
                WHERE t.tiltakskode IN ({fu}))''',
                ["person_id", "tiltakskode", "leverandor_id", "nav_kontor", "fylke"]))}) c
          ) r WHERE k = 1"""),
        # AAP in the entry month: a known diagnosis wins, then the latest start, then
        # psykisk, muskel_skjelett, annen; AAP with no diagnosis is 'ukjent'.
        Stage("aap_at_entry", f"""
          SELECT person_id, coalesce(diagnosegruppe, 'ukjent') AS aap_diagnosis FROM (
            SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY
                     CASE WHEN diagnosegruppe IS NULL THEN 1 ELSE 0 END, fra_dato DESC,
                     {_order('diagnosegruppe', _DIAGNOSIS_ORDER)}) AS k
            FROM ({_covering_entry(_merge_touching(dialect, '''(
                SELECT y.* FROM ytelser y JOIN entrants n ON y.person_id = n.person_id
                WHERE y.ytelse = 'AAP')''', ["person_id", "diagnosegruppe"]))}) c
          ) r WHERE k = 1"""),
    ]
    # Status month by month around entry, as bit masks. "blocking": a programme other
    # than a follow-up programme or wage subsidy (it makes a job month not a job month).
    # Each source table is read once; a row carries up to two measures (flags a and b).
    compatible = _codes(JOB_COMPATIBLE_CODES)
    spans = f"""
        SELECT 0 AS source, person_id, fra_dato, til_dato, tiltakskode IN ({fu}) AS a,
               tiltakskode NOT IN ({compatible}) AS b
        FROM tiltak WHERE tiltakskode IN ({fu}) OR tiltakskode NOT IN ({compatible})
        UNION ALL
        SELECT 1, person_id, fra_dato, til_dato, true, false FROM arbeidsforhold
        WHERE timer_per_uke >= {MIN_WEEKLY_HOURS}
        UNION ALL
        SELECT 2, person_id, fra_dato, til_dato, true,
               innsatsgruppe IN ({_codes(REDUCED_CAPACITY_GROUPS)}) FROM brukerstatus"""
    measures = {  # measure: (source, flag)
        "follow_up": (0, "a"), "blocking": (0, "b"), "employed": (1, "a"),
        "registered": (2, "a"), "reduced_capacity": (2, "b"),
    }
    pivot = ",\n".join(f"bit_or(CASE WHEN source = {src} AND {flag} THEN bits END) AS {m}"
                       for m, (src, flag) in measures.items())
    s, e = months("x")
    stages.append(Stage("entrant_masks", f"""
      WITH windows AS (
        SELECT x.person_id, x.source, x.a, x.b, n.entry_month,
               greatest({s}, n.entry_month - {MONTHS_BEFORE}) AS first_month,
               least({e}, n.entry_month + {MONTHS_AFTER}) AS last_month
        FROM ({spans}) x JOIN entrants n ON x.person_id = n.person_id),
      spans AS (
        SELECT person_id, source, a, b,
               {dialect.bit(f'last_month - entry_month + {MONTHS_BEFORE + 1}')}
               - {dialect.bit(f'first_month - entry_month + {MONTHS_BEFORE}')} AS bits
        FROM windows WHERE last_month >= first_month)
      SELECT person_id, {pivot} FROM spans GROUP BY person_id"""))
    before = _codes(PROGRAMME_BEFORE_PRIORITY)
    s, e = months("t")
    stages.append(Stage("programme_before", f"""
      SELECT person_id, tiltakskode AS programme_before FROM (
        SELECT t.person_id, t.tiltakskode, row_number() OVER (PARTITION BY t.person_id
                 ORDER BY {_order('t.tiltakskode', PROGRAMME_BEFORE_PRIORITY)}) AS k
        FROM tiltak t JOIN entrants n ON t.person_id = n.person_id
        WHERE t.tiltakskode IN ({before})
          AND {_month('t.fra_dato')} <= n.entry_month - 1
          AND least(coalesce({_month('t.til_dato')}, {last}), {last}) >= n.entry_month - 1
      ) r WHERE k = 1"""))
    stages.append(Stage("entrant_status", """
      SELECT n.person_id, n.entry_month, coalesce(m.follow_up, 0) AS follow_up,
             coalesce(m.employed, 0) & ~coalesce(m.blocking, 0) AS job_strict,
             coalesce(m.employed, 0) AS employed, coalesce(m.registered, 0) AS registered,
             coalesce(m.reduced_capacity, 0) AS reduced_capacity, p.programme_before
      FROM entrants n LEFT JOIN entrant_masks m ON n.person_id = m.person_id
      LEFT JOIN programme_before p ON n.person_id = p.person_id"""))
    stages.append(Stage("quarters", """
      SELECT fylke, CAST(substr(kvartal, 1, 4) AS INT) AS year,
             CAST(substr(kvartal, 6, 1) AS INT) AS quarter, ledighetsrate FROM ledighet"""))
    at_entry = dialect.bit(str(MONTHS_BEFORE))
    jobs = ",\n".join(
        f"CASE WHEN n.entry_month + {h} <= {last} THEN "
        f"(m.job_strict & {dialect.bit(str(MONTHS_BEFORE + h))}) <> 0 END AS job_{h}"
        for h in OUTCOME_HORIZONS)
    rates = ",\n".join(f"u{h}.ledighetsrate AS unemployment_{h}" for h in OUTCOME_HORIZONS)
    joins = "\n".join(
        f"LEFT JOIN quarters u{h} ON u{h}.fylke = s.fylke "
        f"AND u{h}.year = CAST(floor((n.entry_month + {h}) / 12) AS INT) "
        f"AND u{h}.quarter = CAST(floor(((n.entry_month + {h}) % 12) / 3) AS INT) + 1"
        for h in OUTCOME_HORIZONS)
    stages.append(Stage("frame_rows", f"""
      SELECT n.person_id, n.entry_month, s.fra_dato AS entry_date,
             CASE WHEN s.tiltakskode = 'UTVIDET_OPPFOLGING' THEN 'utvidet'
                  WHEN s.tiltakskode = 'OPPFOLGING' AND s.fra_dato >= f.overgang_dato THEN 'nytt'
                  ELSE 'gammelt' END AS programme,
             s.tiltakskode AS programme_code,
             coalesce(l.leverandortype, 'ukjent') AS provider_type,
             s.leverandor_id, s.fylke, s.nav_kontor,
             CAST(floor(n.entry_month / 12) AS BIGINT) - p.fodselsar AS age,
             coalesce(p.kjonn = 'K', false) AS female,
             coalesce(p.landgruppe IN (2, 3), false) AS immigrant,
             p.landgruppe, coalesce(p.utdanning, 'ukjent') AS education,
             coalesce(a.aap_diagnosis, 'ikke_aap') AS aap_diagnosis,
             (m.reduced_capacity & {at_entry}) <> 0 AS reduced_capacity,
             (m.job_strict & {at_entry}) <> 0 AS job_at_entry,
             CAST(bit_count(m.job_strict & ({at_entry} - 1)) AS BIGINT) AS months_in_job_24,
             {jobs},
             {rates},
             n.run_end - n.entry_month + 1 AS duration,
             least(n.run_end - n.entry_month + 1, 12) AS duration_first_year,
             n.run_end + {GAP_MONTHS} > {last} AS duration_censored
      FROM entrants n
      JOIN entry_spell s ON n.person_id = s.person_id
      JOIN entrant_status m ON n.person_id = m.person_id
      LEFT JOIN personer p ON n.person_id = p.person_id
      LEFT JOIN leverandorer l ON s.leverandor_id = l.leverandor_id
      LEFT JOIN fylker f ON s.fylke = f.fylke
      LEFT JOIN aap_at_entry a ON n.person_id = a.person_id
      {joins}"""))
    return stages


@dataclass
class EntrantMonths:
    """Each entrant's status month by month around entry, from MONTHS_BEFORE months before
    the entry month to MONTHS_AFTER after it (the series of Figur 3.5–3.7 and 4.1).

    `masks[measure]` holds one integer per entrant (in the order of `persons`); bit k is
    the month entry − MONTHS_BEFORE + k. Months after uttrekksdato (`last_month`) and
    before observasjonsstart count for nothing. `programme_before`: the code of the other
    programme the month before entry (PROGRAMME_BEFORE_PRIORITY), None when none."""
    persons: pd.Index
    entry_month: np.ndarray
    last_month: int
    masks: dict[str, np.ndarray]
    programme_before: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per entrant: person_id, entry_month, the masks, programme_before."""
        return pd.DataFrame({"person_id": self.persons.to_numpy(),
                             "entry_month": self.entry_month, **self.masks,
                             "programme_before": self.programme_before})

    @classmethod
    def from_frame(cls, status: pd.DataFrame, last_month: int) -> EntrantMonths:
        """The months of `status` (rows as `to_frame` writes them, or as the engine returns)."""
        before = status["programme_before"]
        return cls(
            persons=pd.Index(status["person_id"].astype(str), name="person_id"),
            entry_month=status["entry_month"].to_numpy(dtype=np.int64),
            last_month=int(last_month),
            masks={m: status[m].to_numpy(dtype=np.int64) for m in GRID_MEASURES},
            programme_before=before.astype(object).where(before.notna(), None).to_numpy(),
        )

    def matrix(self, measure: str, rows: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Boolean rows × offsets matrix of `measure` (offsets relative to entry)."""
        bits = (offsets + MONTHS_BEFORE).astype(np.uint64)
        masks = self.masks[measure][rows].astype(np.uint64)
        return ((masks[:, None] >> bits[None, :]) & np.uint64(1)).astype(bool)


def _input_table(name: str, df: pd.DataFrame | None) -> pa.Table:
    """The columns the definitions read of table `name`, as Arrow with the contract's
    types; an absent optional table (`df` None) as an empty one."""
    columns = list(INPUT_COLUMNS[name])
    if df is None:
        df = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    return to_arrow(TABLES[name], df[columns])


def _input_tables(extract: Extract) -> dict[str, pa.Table]:
    """Every table the definitions read (`_input_table`) of a loaded extract."""
    return {name: _input_table(name, extract.tables.get(name)) for name in INPUT_COLUMNS}


def _month_parameters(meta: dict) -> tuple[int, int, int]:
    """(first month of the history, month of uttrekksdato, first observed month) of the
    extract whose uttrekk.json is `meta`."""
    first_month = FIRST_ENTRY_YEAR * 12 - HISTORY_MONTHS
    last_month = last_observed_month(meta)
    if last_month < FIRST_ENTRY_YEAR * 12:
        raise ValueError(
            f"uttrekksdato {pd.Timestamp(meta['uttrekksdato']).date()} ligger før "
            f"{FIRST_ENTRY_YEAR}: uttrekket dekker ingen tilganger i analyseperioden"
        )
    return first_month, last_month, max(observation_start_month(meta), first_month)


_FRAME_TYPES = {
    "age": "Int64", "landgruppe": "Int64", "months_in_job_24": "int64", "duration": "int64",
    "duration_first_year": "int64", "female": bool, "immigrant": bool,
    "reduced_capacity": bool, "job_at_entry": bool, "duration_censored": bool,
    **{f"job_{h}": "boolean" for h in OUTCOME_HORIZONS},
    **{f"unemployment_{h}": "float64" for h in OUTCOME_HORIZONS},
}


def analysis(extract: Extract, engine=None, progress: bool = False,
             ) -> tuple[pd.DataFrame, EntrantMonths]:
    """The analysis frame (one row per entrant, FRAME_COLUMNS, sorted by person_id; README
    "The analysis frame" documents every column) and each entrant's months around entry,
    computed by `engine` (helpers.engine; when None, the one HELPERS_ENGINE names, by
    default an embedded DuckDB) from the loaded, validated `extract`."""
    tables = _input_tables(extract)
    return analysis_of_registered(
        extract.meta, engine, progress,
        register=lambda e: [e.register(name, table) for name, table in tables.items()])


def analysis_of_files(folder, meta: dict, engine=None, progress: bool = False,
                      ) -> tuple[pd.DataFrame, EntrantMonths]:
    """As `analysis`, with the engine reading the extract's Parquet files itself (nothing
    through pandas): for an extract already validated (`python -m helpers validate`) whose
    files hold the contract's types, as helpers.contract.write_extract and the generator
    write them. An absent optional table counts as empty. `meta`: its uttrekk.json."""
    from pathlib import Path

    def register(engine):
        for name, columns in INPUT_COLUMNS.items():
            path = Path(folder) / f"{name}.parquet"
            if path.is_file():
                engine.register_parquet(name, path, columns)
            else:
                engine.register(name, _input_table(name, None))

    return analysis_of_registered(meta, engine, progress, register=register)


def analysis_of_registered(meta: dict, engine=None, progress: bool = False, register=None,
                           ) -> tuple[pd.DataFrame, EntrantMonths]:
    """As `analysis`, on an engine that already holds the tables the definitions read
    (INPUT_COLUMNS) under their contract names: e.g. a cluster's register tables given to a
    helpers.engine.SparkEngine with `register_dataframe`. `meta`: the extract's uttrekk.json
    (uttrekksdato, observasjonsstart); `register(engine)`: registers the tables first."""
    from helpers import engine as engines

    first_month, last_month, observed_from = _month_parameters(meta)
    own = engine is None
    engine = engines.make_engine() if own else engine
    try:
        if register is not None:
            register(engine)
        stages = frame_stages(engine.dialect, first_month, last_month, observed_from)
        result = engines.run_stages(engine, stages, {
            "frame": "SELECT * FROM frame_rows ORDER BY person_id",
            "status": "SELECT * FROM entrant_status ORDER BY person_id",
        }, progress=progress)
    finally:
        if own:
            engine.close()
    frame = engines.to_pandas(result["frame"])
    frame["entry_month"] = month_label(frame["entry_month"].to_numpy(dtype=np.int64))
    frame["entry_date"] = frame["entry_date"].astype(DATE_DTYPE)
    for column, dtype in _FRAME_TYPES.items():
        frame[column] = frame[column].astype(dtype)
    status = engines.to_pandas(result["status"])
    frame, status = _by_person(frame), _by_person(status)
    months = EntrantMonths.from_frame(status, last_month)
    return frame[FRAME_COLUMNS].reset_index(drop=True), months


def _by_person(table: pd.DataFrame) -> pd.DataFrame:
    """Rows in person_id order (as the engine sorted them; sorted here if it did not)."""
    if table["person_id"].is_monotonic_increasing:
        return table
    return table.sort_values("person_id", kind="stable")


def build_frame(extract: Extract, engine=None) -> pd.DataFrame:
    """The analysis frame of `extract` (see `analysis`)."""
    return analysis(extract, engine)[0]


def build_grid(extract: Extract, engine=None) -> EntrantMonths:
    """Each entrant's months around entry (see `analysis`)."""
    return analysis(extract, engine)[1]


FRAME_FILE_TAG = (b"helpers", b"analysis-frame")  # Parquet metadata of a frame file we wrote


def is_frame_file(path) -> bool:
    """Whether `path` is an analysis-frame Parquet file written by `cli` (so it may be replaced)."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception:  # not Parquet at all
        return False
    return metadata.get(FRAME_FILE_TAG[0]) == FRAME_FILE_TAG[1]


def cli(argv: list[str]) -> int:
    """`python -m helpers frame EXTRACT_DIR OUT.parquet [--engine duckdb|spark]`: validate
    the extract and write its analysis frame. OUT must be a file name: an existing folder,
    or a file that is not a frame written by this command, is never replaced."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from helpers import engine as engines
    from helpers.contract import load_extract
    from helpers.files import atomic_path, check_output

    parser = argparse.ArgumentParser(prog="python -m helpers frame", description=cli.__doc__)
    parser.add_argument("extract_dir")
    parser.add_argument("out")
    parser.add_argument("--engine", choices=engines.ENGINES, default=None,
                        help="where the definitions run (default: $HELPERS_ENGINE, else duckdb)")
    args = parser.parse_args(argv)
    check_output(args.out, "file", is_frame_file)  # refuse before the work, not after
    extract = load_extract(args.extract_dir)
    engine = engines.make_engine(args.engine)
    try:
        frame = analysis(extract, engine, progress=True)[0]
    finally:
        engine.close()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           FRAME_FILE_TAG[0]: FRAME_FILE_TAG[1]})
    with atomic_path(args.out, "file", is_frame_file) as tmp:
        pq.write_table(table, tmp)
    print(f"Analyserammen: {len(frame)} tilganger skrevet til {args.out}")
    return 0


# --- Months around entry (Figur 3.5–3.7, 4.1) ------------------------------------------

def _entrant_rows(grid: EntrantMonths, frame: pd.DataFrame) -> np.ndarray:
    """The row in `grid` of each frame row. Raises ValueError if a frame person is not an
    entrant of the grid, or entered in another month (a frame from another extract)."""
    rows = grid.persons.get_indexer(frame["person_id"])
    unknown = int((rows < 0).sum())
    if unknown:
        raise ValueError(f"{unknown} av {len(rows)} person_id i rammen finnes ikke blant "
                         "tilgangene i månedsserien (er rammen bygd fra et annet uttrekk?)")
    if not np.array_equal(grid.entry_month[rows], entry_month_number(frame)):
        raise ValueError("rammen og månedsserien har ulike tilgangsmåneder (er rammen bygd "
                         "fra et annet uttrekk?)")
    return rows


def entrant_months(grid: EntrantMonths, frame: pd.DataFrame, offsets,
                   after_end: bool = False) -> dict[str, np.ndarray]:
    """Each entrant's status in the months `offsets` relative to the entry month (−1 = the
    month before): {measure: boolean entrants × offsets matrix} for GRID_MEASURES.
    Offsets must lie in −MONTHS_BEFORE … MONTHS_AFTER, and on or before uttrekksdato unless
    `after_end`: then later months come back False, and the matrix 'observed' says which
    months are on or before uttrekksdato."""
    rows = _entrant_rows(grid, frame)
    offsets = np.asarray(offsets, dtype=np.int64)
    if offsets.size and (offsets.min() < -MONTHS_BEFORE or offsets.max() > MONTHS_AFTER):
        raise ValueError(f"måneder utenfor {MONTHS_BEFORE} måneder før til {MONTHS_AFTER} "
                         "måneder etter tilgangen")
    late = grid.entry_month[rows][:, None] + offsets[None, :] > grid.last_month
    if late.any() and not after_end:
        raise ValueError("måneder etter uttrekksdatoen")
    out = {name: grid.matrix(name, rows, offsets) & ~late for name in GRID_MEASURES}
    if after_end:
        out["observed"] = ~late
    return out


def programme_before_entry(grid: EntrantMonths, frame: pd.DataFrame) -> pd.Series:
    """For each entrant, the `tiltakskode` of the labour-market programme (not a follow-up
    programme) the month before entry, the first of PROGRAMME_BEFORE_PRIORITY when several;
    None when in none. Indexed like `frame`."""
    rows = _entrant_rows(grid, frame)
    return pd.Series(grid.programme_before[rows], index=frame.index, dtype=object)
