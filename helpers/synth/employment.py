"""Component 4, employment: the `arbeidsforhold` spells (and the wage subsidies and sheltered
work that go with some of them).

Reads `structure`, `persons`, `wage_subsidies`; adds rows to `arbeidsforhold` and `tiltak`.
In this order (months k counted from the entry month, parameters `arbeid` and `utfall`):

1. An earlier job (`earlier_job`) that ended before the entry, for P(grupper.tidligere_jobb)
   of those not employed at entry; for those employed at entry, when their job started.
2. The job outcome (`outcome_paths`): every person in a follow-up programme has a
   probability p12 of being in a job 12 months after entry, linear in the characteristics
   the published Tabell 4.2 controls for (`outcome_probability`, coefficients `utfall.lpm`
   and, for the new programme, `utfall.lpm_nytt` on top). One uniform per person is held
   against a path through p12: rising from 0 at entry for those without a job, falling from
   1 for those with one, and on to `ar2` x p12 at 24 months. The months where the uniform
   is under the path are the person's job (a job found after entry starts with a wage
   subsidy for P(andel_lonnstilskudd)); a job held at 24 months goes on for 1 + geometric
   months, and those without one at 24 find one later (`sen_jobb_ventetid_snitt`).
   With `sporreundersokelse.praksis_effekt` = b (0 in the default), p12 of an entrant to
   the old or new programme moves by b x z, z the latent practice score of the entrant's
   provider (structure.py): the one documented way a relation between how specialists
   work and results enters the model (`practice_shift`).
3. Sheltered work (`sheltered_work`): P(utfall.jobb_i_tiltak) of those with no job in the
   24 months get a TILRETTELAGT_ARBEID spell with a job from the entry month: employed, but
   not in a job by the strict definition (Figur 4.1's two lines).
4. Small jobs under 4 hours a week (`small_job`), which are not employment by the contract.
5. The job that comes with each wage subsidy before entry (`wage_subsidy_job`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.synth.draws import geometric0, geometric1, whole
from helpers.synth.persons import (
    CODE,
    EDUCATION_UNKNOWN,
    NEW,
    NO_PROGRAMME,
    OLD,
    PROGRAMMES,
    UTVIDET,
    Persons,
    group_values,
)
from helpers.synth.programmes import WageSubsidies
from helpers.synth.rows import SpellRows, add_spells
from helpers.synth.streams import Streams
from helpers.synth.structure import Structure

FULL_TIME_HOURS = 37.5
EMPLOYED_HOURS = 4.0           # the contract's threshold for being employed
REFERENCE_UNEMPLOYMENT = 3.0   # percent: utfall.lpm.ledighet counts from here
KOMMERSIELL = 1                # index in contract.PROVIDER_TYPES
A_MELDING_MONTH = 2015 * 12    # January 2015: the a-melding replaced the old job register
TREND_YEAR = 2015              # utfall.lpm.trend counts years of the outcome month from here
HORIZON = 24                   # months after entry the path runs to
PATH_SHAPE_UP, PATH_SHAPE_DOWN = 0.8, 0.7  # curvature of the first year's path (not published)
P12_BOUNDS = (0.005, 0.98)
# Small jobs (not published): start within the 24 months before entry, last 1 + geometric
# months with this mean, 0.5-3.9 hours a week.
SMALL_JOB_STARTS_WITHIN = 24
SMALL_JOB_LENGTH_MEAN = 12.0
HISTORY_MONTHS = 24            # months before entry counted by utfall.lpm.maneder_i_jobb

# The terms of the job-outcome model (utfall.lpm), each a number per person; `nytt` and the
# INTERACTED terms times `nytt` carry utfall.lpm_nytt.
EDUCATION_TERMS = ("utd_vgs_grunnkurs", "utd_vgs_fullfort", "utd_hoyere_kort", "utd_hoyere_lang",
                   "utd_ukjent")
AAP_TERMS = ("aap_psykisk", "aap_muskel_skjelett", "aap_annen")
AGE_BAND_TERMS = ("alder_til_24", "alder_25_29", "alder_40_49", "alder_50_pluss")
TERMS = ("konstant", "nytt", "alder", "alder2", "kvinne", "innvandrer", "landgruppe3",
         *EDUCATION_TERMS, *AAP_TERMS, "jobb_ved_start", "nedsatt", "maneder_i_jobb",
         "ledighet", "a_melding", "trend", "kommersiell", "annen_leverandor", *AGE_BAND_TERMS,
         "utvidet", "ikke_tiltak")
INTERACTED = ("kvinne", "innvandrer", "landgruppe3", *EDUCATION_TERMS, *AAP_TERMS,
              "jobb_ved_start", "nedsatt", "maneder_i_jobb", *AGE_BAND_TERMS)


@dataclass(frozen=True)
class History:
    """What the employment component knows about each person's work before entry."""
    job_start: np.ndarray        # first month of the job held at entry (entry month + 1 if none)
    months_in_job: np.ndarray    # months with a job in the 24 before entry (job at entry, earlier job)


def run(parameters: dict, streams: Streams, structure: Structure, persons: Persons,
        wage_subsidies: WageSubsidies) -> dict:
    """The employment component: adds `arbeidsforhold` and `tiltak` rows."""
    jobs, tiltak = SpellRows("arbeidsforhold"), SpellRows("tiltak")
    history = _earlier_job(parameters, streams.scoped("earlier_job"), structure, persons, jobs,
                           wage_subsidies)
    p12 = outcome_probability(parameters, outcome_terms(structure, persons, history))
    shift = practice_shift(parameters, structure, persons)
    if shift is not None:
        p12 = np.clip(p12 + shift, *P12_BOUNDS)
    in_job = _outcome_paths(parameters, streams.scoped("outcome"), structure, persons, history,
                            p12, jobs, tiltak)
    _sheltered_work(parameters, streams.scoped("sheltered_work"), structure, persons, in_job,
                    jobs, tiltak)
    _small_job(parameters, streams.scoped("small_job"), structure, persons, jobs)
    _wage_subsidy_job(parameters, streams.scoped("wage_subsidy_job"), structure, wage_subsidies, jobs)
    return {"arbeidsforhold": jobs, "tiltak": tiltak}


def weekly_hours(parameters: dict, uniform: np.ndarray) -> np.ndarray:
    """Agreed weekly hours of a job: full time with P(arbeid.andel_heltid), otherwise
    uniform between 4 and 37.5 (one decimal)."""
    share = parameters["arbeid"]["andel_heltid"]
    full_time = uniform < share
    fraction = np.where(full_time, 0.0, (uniform - share) / max(1.0 - share, 1e-9))
    return np.where(full_time, FULL_TIME_HOURS,
                    np.round(EMPLOYED_HOURS + fraction * (FULL_TIME_HOURS - EMPLOYED_HOURS), 1))


def _add_jobs(parameters, streams, structure, jobs, person, start, stop) -> None:
    """Jobs of `person` over months start..stop with their weekly hours (stream `hours`)."""
    add_spells(jobs, streams.scoped("spells"), structure.period, person, start, stop,
               hours=weekly_hours(parameters, streams.uniform("hours", len(person))))


def _overlap(start, stop, first, last) -> np.ndarray:
    """Months of start..stop inside first..last (0 when they do not meet)."""
    return np.maximum(np.minimum(stop, last) - np.maximum(start, first) + 1, 0)


def _earlier_job(parameters, streams, structure, persons, jobs, wage_subsidies) -> History:
    """When the job held at entry started (1 + geometric months before), and a job that ended
    before the entry for P(tidligere_jobb) of those not employed at it; returns the History
    the outcome model reads."""
    arbeid = parameters["arbeid"]
    n = len(persons)
    entry = persons.entry_month
    first, last = entry - HISTORY_MONTHS, entry - 1
    months_before = geometric1(streams.uniform("started", n), arbeid["jobb_ved_start_startet_snitt"])
    job_start = np.where(persons.employed_at_entry, entry - months_before + 1, entry + 1)
    months_in_job = np.where(persons.employed_at_entry, _overlap(job_start, entry, first, last), 0)

    has = ~persons.employed_at_entry & (
        streams.uniform("has", n) < group_values(parameters, persons.group, "tidligere_jobb"))
    who = np.flatnonzero(has)
    stop = entry[who] - geometric1(streams.uniform("ended", n)[who], arbeid["tidligere_jobb_slutt_snitt"])
    start = stop - geometric1(streams.uniform("length", n)[who], arbeid["tidligere_jobb_lengde_snitt"]) + 1
    _add_jobs(parameters, streams, structure, jobs, who, start, stop)
    months_in_job[who] += _overlap(start, stop, first[who], last[who])
    p = wage_subsidies.person
    np.add.at(months_in_job, p, _overlap(wage_subsidies.start_month, wage_subsidies.stop_month,
                                         first[p], last[p]))
    return History(job_start=job_start.astype(np.int32),
                   months_in_job=np.minimum(months_in_job, HISTORY_MONTHS).astype(np.int32))


def outcome_terms(structure: Structure, persons: Persons, history: History) -> dict[str, np.ndarray]:
    """The terms of the job-outcome model (TERMS), per person: the Tabell 4.2 controls as the
    generator knows them (age in years, dummies, months in job in the 24 before entry, the
    county's unemployment in the quarter 12 months after entry minus 3), the calendar terms
    of the outcome month (a_melding: from January 2015; trend: years from 2015), provider
    type, age bands (reference 30-39) and programme dummies."""
    outcome_month = persons.entry_month + 12
    age = persons.age.astype(float)
    aap = persons.on_aap
    diagnosis = np.where(persons.diagnosis < 0, 2, persons.diagnosis)  # unknown: 'andre'
    new = persons.programme == NEW
    terms = {
        "konstant": np.ones(len(persons)), "nytt": new, "alder": age, "alder2": age ** 2,
        "kvinne": persons.female, "innvandrer": persons.landgruppe > 1,
        "landgruppe3": persons.landgruppe == 3,
        **{name: persons.education == i + 1 for i, name in enumerate(EDUCATION_TERMS[:-1])},
        "utd_ukjent": persons.education == EDUCATION_UNKNOWN,
        **{name: aap & (diagnosis == i) for i, name in enumerate(AAP_TERMS)},
        "jobb_ved_start": persons.employed_at_entry, "nedsatt": persons.reduced_capacity,
        "maneder_i_jobb": history.months_in_job,
        "ledighet": structure.unemployment.at(persons.county, outcome_month) - REFERENCE_UNEMPLOYMENT,
        "a_melding": outcome_month >= A_MELDING_MONTH,
        "trend": outcome_month / 12 - TREND_YEAR,
        "kommersiell": persons.provider_type == KOMMERSIELL,
        "annen_leverandor": new & (persons.provider_type >= 2),
        "alder_til_24": persons.age_band == 0, "alder_25_29": persons.age_band == 1,
        "alder_40_49": persons.age_band == 3, "alder_50_pluss": persons.age_band == 4,
        "utvidet": persons.programme == UTVIDET, "ikke_tiltak": persons.programme == NO_PROGRAMME,
    }
    return {name: np.asarray(terms[name], dtype=float) for name in TERMS}


def outcome_probability(parameters: dict, terms: dict[str, np.ndarray]) -> np.ndarray:
    """P(in a job 12 months after entry) per person: sum of utfall.lpm[term] x term, plus for
    the new programme sum of utfall.lpm_nytt[term] x term, kept within P12_BOUNDS."""
    utfall = parameters["utfall"]
    p = sum(float(utfall["lpm"].get(name, 0.0)) * terms[name] for name in TERMS)
    nytt = sum(float(utfall["lpm_nytt"].get(name, 0.0)) * terms[name] for name in INTERACTED)
    return np.clip(p + terms["nytt"] * nytt, *P12_BOUNDS)


def practice_shift(parameters: dict, structure: Structure, persons: Persons) -> np.ndarray | None:
    """praksis_effekt x the provider's practice score z for entrants to the old and new
    programme at a listed provider (0 for others); None when the effect is 0 (the default),
    so that p12 is then untouched."""
    effect = float(parameters.get("sporreundersokelse", {}).get("praksis_effekt", 0.0))
    if effect == 0.0:
        return None
    providers = structure.providers
    listed = ((persons.provider >= 0) & (persons.provider < providers.n_listed)
              & np.isin(persons.programme, (OLD, NEW)))
    z = np.zeros(len(persons))
    z[listed] = providers.practice[persons.provider[listed]]
    return effect * z


def outcome_path(p12: np.ndarray, p24: np.ndarray, employed_at_entry: np.ndarray) -> np.ndarray:
    """Share in a job k = 0..24 months after entry on the person's path (persons x 25):
    from 0 (no job at entry, rising as (k/12)^0.8) or 1 (a job, falling as (k/12)^0.7) to
    p12 at 12 months, then linearly to p24 at 24 months."""
    k = np.arange(HORIZON + 1, dtype=float)[None, :]
    first = np.minimum(k, 12) / 12
    up = p12[:, None] * first ** PATH_SHAPE_UP
    down = 1 - (1 - p12[:, None]) * first ** PATH_SHAPE_DOWN
    path = np.where(employed_at_entry[:, None], down, up)
    second = np.maximum(k - 12, 0) / 12
    return np.where(k <= 12, path, p12[:, None] + (p24 - p12)[:, None] * second)


def _runs(status: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, first column, last column) of each run of True in a boolean matrix."""
    padded = np.pad(status, ((0, 0), (1, 1)))
    change = np.diff(padded.astype(np.int8), axis=1)
    rows, starts = np.nonzero(change == 1)
    _, stops = np.nonzero(change == -1)
    return rows, starts, stops - 1


def _outcome_paths(parameters, streams, structure, persons, history, p12, jobs, tiltak) -> np.ndarray:
    """Jobs after entry from each person's path (see the module docstring); returns whether
    each person has a job in some month of the 24 after entry."""
    arbeid, utfall = parameters["arbeid"], parameters["utfall"]
    n = len(persons)
    programme = np.maximum(persons.programme, 0)
    ar2 = np.array([utfall["ar2"][name] for name in PROGRAMMES], dtype=float)[programme]
    ar2_in_job = np.array([utfall["ar2_i_jobb"][name] for name in PROGRAMMES], dtype=float)[programme]
    employed = persons.employed_at_entry
    p24 = np.clip(p12 * np.where(employed, ar2_in_job, ar2), 0.0, 1.0)
    decide = streams.uniform("decide", n)
    status = decide[:, None] < outcome_path(p12, p24, employed)
    status[~employed, 0] = False
    rows, first, last = _runs(status)
    entry = persons.entry_month[rows]
    # the job held at entry started before it; a job still held at 24 months goes on
    start = np.where(first == 0, history.job_start[rows], entry + first)
    goes_on = last == HORIZON
    extra = geometric0(streams.uniform("goes_on", n)[rows], arbeid["ny_jobb_lengde_snitt"])
    stop = entry + last + np.where(goes_on, extra, 0)
    keep = start <= structure.period.last_month
    rows, first, start, stop = rows[keep], first[keep], start[keep], stop[keep]
    _add_jobs(parameters, streams.scoped("path"), structure, jobs, rows, start, stop)

    found = first > 0
    subsidised = found & (streams.uniform("wage_subsidy", n)[rows] < arbeid["andel_lonnstilskudd"])
    length = stop - start + 1
    subsidy_length = np.minimum(geometric1(streams.uniform("wage_subsidy_length", n)[rows],
                                           arbeid["lonnstilskudd_lengde_snitt"]), length)
    person = rows[subsidised]
    add_spells(tiltak, streams.scoped("wage_subsidy_spells"), structure.period, person,
               start[subsidised], start[subsidised] + subsidy_length[subsidised] - 1,
               programme_code=CODE["LONNSTILSKUDD"], provider=-1, office=persons.office[person])

    # no job at 24 months: a later job after a wait
    later = np.flatnonzero(~status[:, HORIZON])
    later_start = (persons.entry_month[later] + HORIZON
                   + geometric1(streams.uniform("later_wait", n)[later], utfall["sen_jobb_ventetid_snitt"]))
    later_stop = later_start + geometric1(streams.uniform("later_length", n)[later],
                                          arbeid["ny_jobb_lengde_snitt"]) - 1
    keep = later_start <= structure.period.last_month
    _add_jobs(parameters, streams.scoped("later"), structure, jobs, later[keep], later_start[keep],
              later_stop[keep])
    return status[:, 1:].any(axis=1)


def _sheltered_work(parameters, streams, structure, persons, in_job, jobs, tiltak) -> None:
    """Sheltered work from the entry month (TILRETTELAGT_ARBEID with a job over the same
    months, 1 + geometric with mean utfall.tilrettelagt_lengde_snitt) for P(jobb_i_tiltak)
    of those with no job in the 24 months after entry."""
    utfall = parameters["utfall"]
    n = len(persons)
    share = np.array([utfall["jobb_i_tiltak"][name] for name in PROGRAMMES], dtype=float)[
        np.maximum(persons.programme, 0)]
    candidates = persons.follows_up & ~persons.employed_at_entry & ~in_job
    who = np.flatnonzero(candidates & (streams.uniform("has", n) < share))
    start = persons.entry_month[who]
    stop = start + geometric1(streams.uniform("length", n)[who], utfall["tilrettelagt_lengde_snitt"]) - 1
    _add_jobs(parameters, streams.scoped("job"), structure, jobs, who, start, stop)
    add_spells(tiltak, streams.scoped("programme"), structure.period, who, start, stop,
               programme_code=CODE["TILRETTELAGT_ARBEID"], provider=-1, office=persons.office[who])


def _small_job(parameters, streams, structure, persons, jobs) -> None:
    """Small jobs under 4 hours a week around the entry, for P(arbeid.andel_smajobb)."""
    n = len(persons)
    who = np.flatnonzero(streams.uniform("has", n) < parameters["arbeid"]["andel_smajobb"])
    start = persons.entry_month[who] - whole(streams.uniform("start", n)[who], SMALL_JOB_STARTS_WITHIN)
    stop = start + geometric1(streams.uniform("length", n)[who], SMALL_JOB_LENGTH_MEAN) - 1
    hours = np.round(0.5 + streams.uniform("hours", n)[who] * 3.4, 1)
    add_spells(jobs, streams.scoped("spells"), structure.period, who, start, stop, hours=hours)


def _wage_subsidy_job(parameters, streams, structure, wage_subsidies, jobs) -> None:
    """The job over the months of each wage subsidy before entry."""
    _add_jobs(parameters, streams, structure, jobs, wage_subsidies.person,
              wage_subsidies.start_month, wage_subsidies.stop_month)
