"""Component 4, employment: the `arbeidsforhold` spells (and the wage subsidies that start
jobs found after entry).

Reads `structure`, `persons`, `wage_subsidies`; adds rows to `arbeidsforhold` and `tiltak`.
In this order (months counted from the entry month, parameters `arbeid` and `utfall`):

1. The job held at entry (`job_at_entry`), for the persons employed at entry: started
   1 + geometric months before, lasts 1 + geometric months after (`jobb_ved_start_varer_snitt`).
2. An earlier job (`earlier_job`) that ended before the entry, for P(grupper.tidligere_jobb)
   of the others.
3. A job found after entry (`new_job`), or after the job held at entry ended, with a monthly
   hazard exp(log_hazard[programme] + effects of the characteristics, the provider type and
   the county's unemployment at entry), times `ar2` from the 13th month of search; the first
   months of P(andel_lonnstilskudd) of these jobs are a wage subsidy (a LONNSTILSKUDD spell).
4. Small jobs under 4 hours a week (`small_job`), which are not employment by the contract.
5. The job that comes with each wage subsidy before entry (`wage_subsidy_job`).
"""
from __future__ import annotations

import numpy as np

from helpers.synth.draws import geometric0, geometric1, whole
from helpers.synth.persons import CODE, PROGRAMMES, Persons, group_values
from helpers.synth.programmes import WageSubsidies
from helpers.synth.rows import SpellRows, add_spells
from helpers.synth.streams import Streams
from helpers.synth.structure import Structure

FULL_TIME_HOURS = 37.5
EMPLOYED_HOURS = 4.0           # the contract's threshold for being employed
SEARCH_CAP = 10 ** 4           # months: "never" for a job search
REFERENCE_UNEMPLOYMENT = 3.0   # percent: utfall.ledighet counts from here
KOMMERSIELL = 1                # index in contract.PROVIDER_TYPES
# Small jobs (not published): start within the 24 months before entry, last 1 + geometric
# months with this mean, 0.5-3.9 hours a week.
SMALL_JOB_STARTS_WITHIN = 24
SMALL_JOB_LENGTH_MEAN = 12.0


def run(parameters: dict, streams: Streams, structure: Structure, persons: Persons,
        wage_subsidies: WageSubsidies) -> dict:
    """The employment component: adds `arbeidsforhold` and `tiltak` rows."""
    jobs, tiltak = SpellRows("arbeidsforhold"), SpellRows("tiltak")
    search_from = _job_at_entry(parameters, streams.scoped("job_at_entry"), structure, persons, jobs)
    _earlier_job(parameters, streams.scoped("earlier_job"), structure, persons, jobs)
    _new_job(parameters, streams.scoped("new_job"), structure, persons, search_from, jobs, tiltak)
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


def _job_at_entry(parameters, streams, structure, persons, jobs) -> np.ndarray:
    """Jobs held at entry; returns the month each person starts searching for a new job
    (the entry month, or the month after the job held at entry ends)."""
    n = len(persons)
    who = np.flatnonzero(persons.employed_at_entry)
    entry = persons.entry_month[who]
    months_before = geometric1(streams.uniform("started", n)[who],
                               parameters["arbeid"]["jobb_ved_start_startet_snitt"])
    months_kept = geometric0(streams.uniform("lasts", n)[who],
                             parameters["utfall"]["jobb_ved_start_varer_snitt"])
    _add_jobs(parameters, streams, structure, jobs, who, entry - months_before + 1, entry + months_kept)
    search_from = persons.entry_month.copy()
    search_from[who] = entry + months_kept + 1
    return search_from


def _earlier_job(parameters, streams, structure, persons, jobs) -> None:
    """A job that ended before the entry, for P(tidligere_jobb) of those not employed at it."""
    arbeid = parameters["arbeid"]
    n = len(persons)
    has = ~persons.employed_at_entry & (
        streams.uniform("has", n) < group_values(parameters, persons.group, "tidligere_jobb"))
    who = np.flatnonzero(has)
    stop = persons.entry_month[who] - geometric1(streams.uniform("ended", n)[who],
                                                 arbeid["tidligere_jobb_slutt_snitt"])
    start = stop - geometric1(streams.uniform("length", n)[who], arbeid["tidligere_jobb_lengde_snitt"]) + 1
    _add_jobs(parameters, streams, structure, jobs, who, start, stop)


def log_hazard(parameters: dict, structure: Structure, persons: Persons) -> np.ndarray:
    """Log of the monthly hazard of finding a job in the first year of search (`utfall`)."""
    utfall = parameters["utfall"]
    level = np.array([utfall["log_hazard"][name] for name in PROGRAMMES], dtype=float)[persons.programme]
    diagnosis_effect = np.array(utfall["diagnose"])[np.maximum(persons.diagnosis, 0)]
    unemployment = structure.unemployment.at(persons.county, persons.entry_month)
    return (level
            + utfall["nedsatt"] * persons.reduced_capacity
            + np.where(persons.on_aap & (persons.diagnosis >= 0), diagnosis_effect, 0.0)
            + utfall["kvinne"] * persons.female
            + np.array(utfall["alder"])[persons.age_band]
            + np.array(utfall["landgruppe"])[persons.landgruppe - 1]
            + np.array(utfall["utdanning"])[persons.education]
            + utfall["kommersiell"] * (persons.provider_type == KOMMERSIELL)
            + utfall["ledighet"] * (unemployment - REFERENCE_UNEMPLOYMENT))


def _new_job(parameters, streams, structure, persons, search_from, jobs, tiltak) -> None:
    """Jobs found after entry: the search time inverts the cumulative hazard (one
    exponential draw per person), the second year at `ar2` times the first year's hazard."""
    arbeid, utfall = parameters["arbeid"], parameters["utfall"]
    n = len(persons)
    hazard = np.exp(log_hazard(parameters, structure, persons))
    second_year_factor = np.array([utfall["ar2"][name] for name in PROGRAMMES],
                                  dtype=float)[persons.programme]
    effort = -np.log(streams.uniform("search", n))  # unit exponential: cumulative hazard at the job
    in_first_year = effort <= 12 * hazard
    months_searching = np.where(in_first_year, np.ceil(effort / hazard),
                                12 + np.ceil((effort - 12 * hazard) / (hazard * second_year_factor)))
    months_searching = np.maximum(months_searching, 1)
    job_start = search_from + np.minimum(months_searching, SEARCH_CAP).astype(np.int32)
    who = np.flatnonzero(job_start <= structure.period.last_month)
    start = job_start[who]
    length = geometric1(streams.uniform("length", n)[who], arbeid["ny_jobb_lengde_snitt"])
    _add_jobs(parameters, streams, structure, jobs, who, start, start + length - 1)

    subsidised = streams.uniform("wage_subsidy", n)[who] < arbeid["andel_lonnstilskudd"]
    subsidy_length = np.minimum(geometric1(streams.uniform("wage_subsidy_length", n)[who][subsidised],
                                           arbeid["lonnstilskudd_lengde_snitt"]),
                                length[subsidised])
    person = who[subsidised]
    add_spells(tiltak, streams.scoped("wage_subsidy_spells"), structure.period, person,
               start[subsidised], start[subsidised] + subsidy_length - 1,
               programme_code=CODE["LONNSTILSKUDD"], provider=-1, office=persons.office[person])


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
