"""An independent, deliberately slow reference implementation of the analysis frame.

Written straight from the definitions at the end of DATA_CONTRACT.md and the column table
and tie-breaking rules of the README section "The analysis frame" -- without looking at
`helpers/spells.py`. It is used by tests/test_frame_reference.py to check
`helpers.spells.build_frame` cell for cell on random, messy extracts.

Everything is done the obvious way: per person, Python sets of (year, month) tuples for
each status, and plain loops over months. No vectorisation; clarity over speed.

Readings taken where the written text needs one (each is stated where it is used):

* Months after the month of `uttrekksdato` are unobserved: a spell counts only in months up
  to and including the month of `uttrekksdato`, and an open spell (`til_dato` null) covers
  every month from its start up to that month (DATA_CONTRACT.md, uttrekk.json). Months
  before the month of `observasjonsstart` (default 2010-01-01) are unobserved too: no spell
  counts in them, so they are months in none, but an entry needs its six months in none
  inside the observed window.
* Pieces of one follow-up spell (same code, provider, office and county, a missing value
  equal to a missing one) that overlap or touch are joined into one spell from the first
  start to the last end (ongoing if any piece is) before the entry spell is chosen; its
  `fra_dato` is the entry_date and decides old/new.
* "Longer spell" (README tie-break) is measured in days from `fra_dato` to `til_dato`;
  an open spell (still ongoing, end unknown) counts as longer than any closed spell, even
  one whose `til_dato` lies after `uttrekksdato`. (The README does not say how open spells
  compare; this is the choice build_frame makes, reported to the lead.)
* Population: the first entry whose month lies in 2013–2018; an earlier entry (before 2013)
  does not exclude the person.
* Employed: one relationship with >= 4 hours a week (hours are not summed).
* reduced_capacity: any brukerstatus spell covering the entry month has a reduced group.
* unemployment_12/18/24 are filled even when that month is after uttrekksdato (only job_k
  is "missing when that month is after uttrekksdato").
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

DEFAULT_OBSERVATION_START = dt.date(2010, 1, 1)  # contract: observasjonsstart's default
FOLLOW_UP = ("OPPFOLGING", "ARBEID_MED_BISTAND", "UTVIDET_OPPFOLGING")
# README tie-break order among follow-up spells starting on the same day.
CODE_ORDER = {"ARBEID_MED_BISTAND": 0, "OPPFOLGING": 1, "UTVIDET_OPPFOLGING": 2}
NOT_BLOCKING_JOB = set(FOLLOW_UP) | {"LONNSTILSKUDD"}
REDUCED = ("spesielt_tilpasset", "varig_tilpasset")

COLUMNS = [
    "person_id", "entry_month", "entry_date", "programme", "programme_code", "provider_type",
    "leverandor_id", "fylke", "nav_kontor", "age", "female", "immigrant", "landgruppe",
    "education", "aap_diagnosis", "reduced_capacity", "job_at_entry", "months_in_job_24",
    "job_12", "job_18", "job_24", "unemployment_12", "unemployment_18", "unemployment_24",
    "duration", "duration_first_year", "duration_censored",
]


# --------------------------------------------------------------------------------------
# Small helpers on plain Python values
# --------------------------------------------------------------------------------------

def is_null(value) -> bool:
    """True for None, NaN, NaT and pd.NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def to_date(value) -> dt.date | None:
    """A table's date cell as a datetime.date (None for null)."""
    if is_null(value):
        return None
    return pd.Timestamp(value).date()


def month_of(d: dt.date) -> tuple[int, int]:
    """The calendar month (year, month) that contains the day d."""
    return (d.year, d.month)


def add_months(m: tuple[int, int], k: int) -> tuple[int, int]:
    """The month k months after m (k may be negative)."""
    index = m[0] * 12 + (m[1] - 1) + k
    return (index // 12, index % 12 + 1)


def months_from_to(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every calendar month from `first` to `last`, both included (empty if last < first)."""
    out = []
    m = first
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


def month_distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Number of months from a to b (b - a)."""
    return (b[0] * 12 + b[1]) - (a[0] * 12 + a[1])


def quarter_of(m: tuple[int, int]) -> str:
    """The quarter label of a month, as in `ledighet.kvartal` (e.g. '2016Q3')."""
    return f"{m[0]}Q{(m[1] - 1) // 3 + 1}"


def plain(value):
    """A table cell as a plain Python value (None for any null)."""
    if is_null(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


# --------------------------------------------------------------------------------------
# Spells -> months
# --------------------------------------------------------------------------------------

class Window:
    """The observed months: from the month of observasjonsstart to that of uttrekksdato."""

    def __init__(self, first: tuple[int, int], last: tuple[int, int]):
        self.first = first
        self.last = last

    def __contains__(self, month) -> bool:
        return self.first <= month <= self.last


def observed_window(meta: dict) -> Window:
    """Contract: "`uttrekk.json` may give `observasjonsstart` (default 2010-01-01); the month
    containing it and later months are observed", up to the month of uttrekksdato."""
    start = meta.get("observasjonsstart")
    first = month_of(pd.Timestamp(start).date()) if start else month_of(DEFAULT_OBSERVATION_START)
    return Window(first, month_of(pd.Timestamp(meta["uttrekksdato"]).date()))


def spell_months(fra: dt.date, til: dt.date | None, window: Window):
    """The months a spell counts in.

    Contract: "A spell counts in every calendar month that it covers for at least one day."
    "Spells with `til_dato` null are ongoing at `uttrekksdato`; months after it are
    unobserved." So a spell covers month(fra) .. month(til) (or .. month(uttrekksdato) when
    open), and only observed months are kept ("Earlier months count for nothing").
    """
    last = month_of(til) if til is not None else window.last
    last = min(last, window.last)
    first = max(month_of(fra), window.first)
    return set(months_from_to(first, last))


def join_pieces(spells: list[dict], key_columns: tuple[str, ...]) -> list[dict]:
    """Pieces of one spell as one spell.

    Contract: "pieces of one spell (same code, provider, office and county) that overlap or
    touch (the next starts no later than the day after the previous ends) count as one
    spell". Per key, walk the pieces by start; a piece that starts no later than the day
    after the joined spell's end so far extends it (an open piece makes it open). The joined
    spell keeps the first piece's other values.
    """
    by_key: dict[tuple, list[dict]] = {}
    for s in spells:
        by_key.setdefault(tuple(s[c] for c in key_columns), []).append(s)
    joined = []
    for pieces in by_key.values():
        current = None
        for piece in sorted(pieces, key=lambda s: s["fra_dato"]):
            if current is not None and (current["til_dato"] is None or
                                        piece["fra_dato"] <= current["til_dato"]
                                        + dt.timedelta(days=1)):
                if piece["til_dato"] is None or current["til_dato"] is None:
                    current["til_dato"] = None
                else:
                    current["til_dato"] = max(current["til_dato"], piece["til_dato"])
                continue
            current = dict(piece)
            joined.append(current)
    return joined


def rows_by_person(df: pd.DataFrame | None) -> dict[str, list[dict]]:
    """A table's rows as plain dicts, grouped by person_id (dates as datetime.date)."""
    out: dict[str, list[dict]] = {}
    if df is None:
        return out
    for rec in df.to_dict("records"):
        row = {}
        for key, value in rec.items():
            if key in ("fra_dato", "til_dato"):
                row[key] = to_date(value)
            else:
                row[key] = plain(value)
        out.setdefault(row["person_id"], []).append(row)
    return out


# --------------------------------------------------------------------------------------
# The reference frame
# --------------------------------------------------------------------------------------

def reference_frame(extract) -> pd.DataFrame:
    """The analysis frame, one row per entrant, computed the slow and obvious way.

    Returns a DataFrame with the README's columns (see COLUMNS); dtypes are plain
    (object/None), the test normalises both sides before comparing.
    """
    window = observed_window(extract.meta)

    persons = {plain(r["person_id"]): {k: plain(v) for k, v in r.items()}
               for r in extract["personer"].to_dict("records")}
    tiltak = rows_by_person(extract["tiltak"])
    jobs = rows_by_person(extract["arbeidsforhold"])
    ytelser = rows_by_person(extract["ytelser"])
    status = rows_by_person(extract["brukerstatus"])

    provider_types = {plain(r["leverandor_id"]): plain(r["leverandortype"])
                      for r in extract["leverandorer"].to_dict("records")}
    transition = {plain(r["fylke"]): to_date(r["overgang_dato"])
                  for r in extract["fylker"].to_dict("records")}
    unemployment: dict[tuple[str, str], float] | None = None
    if extract.has("ledighet"):
        unemployment = {(plain(r["fylke"]), plain(r["kvartal"])): plain(r["ledighetsrate"])
                        for r in extract["ledighet"].to_dict("records")}

    rows = []
    for pid in sorted(tiltak):
        row = person_row(pid, persons[pid], tiltak.get(pid, []), jobs.get(pid, []),
                         ytelser.get(pid, []), status.get(pid, []), provider_types,
                         transition, unemployment, window)
        if row is not None:
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


def person_row(pid, person, tiltak, jobs, ytelser, status, provider_types, transition,
               unemployment, window):
    """One person's row of the frame, or None when the person has no entry in 2013–2018."""

    # ---- Status sets -----------------------------------------------------------------
    follow_up_months: set = set()
    for s in tiltak:
        if s["tiltakskode"] in FOLLOW_UP:
            follow_up_months |= spell_months(s["fra_dato"], s["til_dato"], window)

    # "In job (strict): employed (≥4 h) and in no programme other than a follow-up
    # programme or LONNSTILSKUDD."  "A person is *employed* in a month if a relationship
    # covering that month has at least 4 hours a week." (one relationship; not summed)
    employed_months: set = set()
    for s in jobs:
        if s["timer_per_uke"] >= 4:
            employed_months |= spell_months(s["fra_dato"], s["til_dato"], window)
    other_programme_months: set = set()
    for s in tiltak:
        if s["tiltakskode"] not in NOT_BLOCKING_JOB:
            other_programme_months |= spell_months(s["fra_dato"], s["til_dato"], window)
    job_months = employed_months - other_programme_months

    # ---- Entry ---------------------------------------------------------------------------
    entry = first_entry_2013_2018(follow_up_months, window)
    if entry is None:
        return None

    # ---- The entry spell -----------------------------------------------------------------
    spell = entry_spell(tiltak, entry, window)
    code = spell["tiltakskode"]
    entry_date = spell["fra_dato"]
    county = spell["fylke"]

    # ---- Programme -------------------------------------------------------------------------
    # Contract: "*Old* = Arbeid med bistand, or Oppfølging before the county's overgang_dato;
    # *new* = Oppfølging on or after it; *utvidet* = Utvidet oppfølging."  README: Oppfølging
    # *starting* before/on or after it -> compare the entry spell's fra_dato.
    if code == "ARBEID_MED_BISTAND":
        programme = "gammelt"
    elif code == "OPPFOLGING":
        programme = "nytt" if entry_date >= transition[county] else "gammelt"
    else:
        programme = "utvidet"

    # README: provider_type "skjermet / kommersiell / ideell / ukjent (no provider, or one
    # not in leverandorer)".
    provider = spell["leverandor_id"]
    provider_type = provider_types.get(provider, "ukjent") if provider is not None else "ukjent"

    # ---- Characteristics -----------------------------------------------------------------
    # "age (entry year − fodselsar)"; README: female = kjonn == "K"; immigrant = landgruppe
    # 2 or 3; education = the five levels or `ukjent`.
    age = entry[0] - int(person["fodselsar"])
    female = person["kjonn"] == "K"
    landgruppe = int(person["landgruppe"])
    immigrant = landgruppe in (2, 3)
    education = person["utdanning"] if person["utdanning"] is not None else "ukjent"

    aap_diagnosis = diagnosis_at(ytelser, entry, window)

    # "reduced work capacity ... in the entry month": nedsatt arbeidsevne = innsatsgruppe
    # spesielt_tilpasset or varig_tilpasset; any brukerstatus spell covering the month.
    reduced_capacity = False
    for s in status:
        if s["innsatsgruppe"] in REDUCED and entry in spell_months(
                s["fra_dato"], s["til_dato"], window):
            reduced_capacity = True

    # "in job (strict), each in the entry month"
    job_at_entry = entry in job_months
    # "months in job (strict) in the 24 months before it"
    months_in_job_24 = 0
    for k in range(1, 25):
        if add_months(entry, -k) in job_months:
            months_in_job_24 += 1

    # ---- Outcomes ------------------------------------------------------------------------
    # "in job (strict) 12 (also 18, 24) months after the entry month; missing when that
    # month is after uttrekksdato. Unemployment is the county's rate in that month's quarter."
    outcomes = {}
    for k in (12, 18, 24):
        month = add_months(entry, k)
        outcomes[f"job_{k}"] = None if month > window.last else (month in job_months)
        if unemployment is None:
            outcomes[f"unemployment_{k}"] = None
        else:
            outcomes[f"unemployment_{k}"] = unemployment.get((county, quarter_of(month)))

    # ---- Duration ------------------------------------------------------------------------
    duration, censored = duration_of(follow_up_months, entry, window)

    return {
        "person_id": pid,
        "entry_month": f"{entry[0]:04d}-{entry[1]:02d}",
        "entry_date": entry_date,
        "programme": programme,
        "programme_code": code,
        "provider_type": provider_type,
        "leverandor_id": provider,
        "fylke": county,
        "nav_kontor": spell["nav_kontor"],
        "age": age,
        "female": female,
        "immigrant": immigrant,
        "landgruppe": landgruppe,
        "education": education,
        "aap_diagnosis": aap_diagnosis,
        "reduced_capacity": reduced_capacity,
        "job_at_entry": job_at_entry,
        "months_in_job_24": months_in_job_24,
        **{f"job_{k}": outcomes[f"job_{k}"] for k in (12, 18, 24)},
        **{f"unemployment_{k}": outcomes[f"unemployment_{k}"] for k in (12, 18, 24)},
        "duration": duration,
        "duration_first_year": min(duration, 12),
        "duration_censored": censored,
    }


def first_entry_2013_2018(follow_up_months: set, window: Window):
    """The person's first entry month in 2013–2018, or None.

    Contract: "Entry (tilgang): a month in a follow-up programme after at least 6 months in
    none. Gaps shorter than 6 months continue the same spell." "Population: each person's
    first entry in 2013–2018."  So month m is an entry when m is a follow-up month and none
    of m-1, ..., m-6 is; the population takes the earliest such m with 2013 <= year <= 2018
    (an earlier entry before 2013 does not exclude a later one inside the window).
    "An entry needs 6 observed months in none before it": m-1 .. m-6 must be observed.
    """
    for m in sorted(follow_up_months):
        is_entry = all(add_months(m, -k) not in follow_up_months
                       and add_months(m, -k) in window for k in range(1, 7))
        if is_entry and 2013 <= m[0] <= 2018:
            return m
    return None


def entry_spell(tiltak, entry, window):
    """The follow-up spell that gives the entry its programme, provider, office and county.

    Contract: "those of the follow-up spell covering the entry month". README: "when
    several follow-up spells cover the entry month, the one starting first gives programme,
    provider, office and county (ties: Arbeid med bistand, Oppfølging, Utvidet; then the
    longer spell)". DATA_CONTRACT.md completes the ties: "the later til_dato, an ongoing one
    latest; then the lower leverandor_id; then the lower nav_kontor, then fylke; 'lower' is
    plain text order and a missing value sorts last", with touching pieces joined first.
    """
    follow_up = [s for s in tiltak if s["tiltakskode"] in FOLLOW_UP]
    joined = join_pieces(follow_up, ("tiltakskode", "leverandor_id", "nav_kontor", "fylke"))
    candidates = [s for s in joined
                  if entry in spell_months(s["fra_dato"], s["til_dato"], window)]

    def text_lower_first(value):
        # plain text order, a missing value after every text
        return (1, "") if value is None else (0, str(value))

    def sort_key(s):
        ends_later_first = (0, 0) if s["til_dato"] is None else (1, -s["til_dato"].toordinal())
        return (s["fra_dato"], CODE_ORDER[s["tiltakskode"]], ends_later_first,
                text_lower_first(s["leverandor_id"]), text_lower_first(s["nav_kontor"]),
                text_lower_first(s["fylke"]))

    return min(candidates, key=sort_key)


def diagnosis_at(ytelser, entry, window) -> str:
    """`aap_diagnosis` in the entry month.

    README: "`ikke_aap` / `psykisk` / `muskel_skjelett` / `annen` / `ukjent` (AAP with no
    diagnosis)". DATA_CONTRACT.md: "When several AAP spells cover the entry month, one with a
    known diagnosis wins, then the latest start (touching pieces with the same diagnosis
    count as one spell), then psykisk, muskel_skjelett, annen".
    """
    aap = join_pieces([s for s in ytelser if s["ytelse"] == "AAP"], ("diagnosegruppe",))
    covering = [s for s in aap if entry in spell_months(s["fra_dato"], s["til_dato"], window)]
    if not covering:
        return "ikke_aap"
    known = [s for s in covering if s["diagnosegruppe"] is not None]
    if not known:
        return "ukjent"
    order = {"psykisk": 0, "muskel_skjelett": 1, "annen": 2}
    chosen = min(known, key=lambda s: (-s["fra_dato"].toordinal(), order[s["diagnosegruppe"]]))
    return chosen["diagnosegruppe"]


def duration_of(follow_up_months: set, entry, window) -> tuple[int, bool]:
    """(duration, duration_censored).

    Contract: "Duration: months from the entry month to the last month in a follow-up
    programme before the first run of 6 months in none (gap months inside count)".
    README: the entry month counts as 1; censored = "no complete 6-month run in none is
    observed after the last follow-up month (ongoing, or ended too close to uttrekksdato)".

    Walk forward month by month from the entry month through the observed months, counting
    consecutive months in none; stop at the first run of 6.
    """
    last_follow_up = entry
    run_of_none = 0
    complete_run = False
    month = add_months(entry, 1)
    while month <= window.last:
        if month in follow_up_months:
            last_follow_up = month
            run_of_none = 0
        else:
            run_of_none += 1
            if run_of_none == 6:
                complete_run = True
                break
        month = add_months(month, 1)
    duration = month_distance(entry, last_follow_up) + 1
    return duration, not complete_run


__all__ = ["reference_frame", "COLUMNS"]


# --------------------------------------------------------------------------------------
# History before entry (Figur 3.5 / 3.6)
# --------------------------------------------------------------------------------------

def reference_history(frame: pd.DataFrame, extract) -> pd.DataFrame:
    """Per row of `frame` (an analysis frame with person_id and entry_month 'YYYY-MM'): the
    NAV status 1 and 24 months before the entry month and whether the person was in a
    programme other than a follow-up programme the month before (Figur 3.5 and 3.6).

    Columns, one row per row of `frame` in its order (index 0 .. n-1):
    * status_1, status_24: 'nedsatt' when a brukerstatus spell with a reduced-capacity
      innsatsgruppe covers that month, else 'annen' when any brukerstatus spell covers it,
      else 'ingen';
    * programme_1: True when a tiltak spell whose code is not a follow-up code covers the
      month before the entry month.
    A spell covers month(fra_dato) .. month(til_dato), or .. month(uttrekksdato) when open
    (DATA_CONTRACT.md). Cross-checks helpers.measures.history_counts and
    helpers.spells.programme_before_entry, through helpers.calibration.history_shares.
    """
    window = observed_window(extract.meta)
    status = rows_by_person(extract["brukerstatus"])
    tiltak = rows_by_person(extract["tiltak"])

    def covers(spell: dict, month: tuple[int, int]) -> bool:
        return month in spell_months(spell["fra_dato"], spell["til_dato"], window)

    def status_in(pid, month) -> str:
        covering = [s for s in status.get(pid, []) if covers(s, month)]
        if any(s["innsatsgruppe"] in REDUCED for s in covering):
            return "nedsatt"
        return "annen" if covering else "ingen"

    rows = []
    for pid, entry_month in zip(frame["person_id"], frame["entry_month"]):
        pid = plain(pid)
        text = str(entry_month)
        entry = (int(text[:4]), int(text[5:7]))
        before = add_months(entry, -1)
        rows.append({
            "status_1": status_in(pid, before),
            "status_24": status_in(pid, add_months(entry, -24)),
            "programme_1": any(s["tiltakskode"] not in FOLLOW_UP and covers(s, before)
                               for s in tiltak.get(pid, [])),
        })
    return pd.DataFrame(rows, columns=["status_1", "status_24", "programme_1"])


__all__ = [*__all__, "reference_history"]
