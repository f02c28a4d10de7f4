"""Component 3, follow-up and other programmes: the `tiltak` spells around each entry.

Reads `structure`, `persons`; adds rows to `tiltak` and `wage_subsidies` (the wage
subsidies before entry, whose jobs the employment component adds). In this order:

1. The designed participation (`participation`): from the entry month for a duration drawn
   from the programme's survival curve (`varighet`); P(andel_delt) of them stored as two
   adjacent pieces, P(andel_opphold) with a gap of 1-5 months inside; unfinished ones open.
2. An earlier participation (`earlier`): for P(andel_tidligere_deltakelse) of the
   population, started before 2013 and ended >= 7 months before the entry.
3. A re-entry (`reentry`) for P(andel_gjeninntreden), 7 + geometric months after the end
   (never into 2013-2018 for the entrants before 2013): the old programme before the
   county's transition, else Utvidet (where the office runs it, P(utvidet.andel_gjeninntreden))
   or the new Oppfølging.
   Nothing else puts a follow-up spell in the 6 months before a designed entry, so the
   report's entry definition finds exactly the designed entries.
4. Other programmes (`andre_tiltak`): one that ends the month before entry or continues
   into it (`before`), and one that starts during the follow-up (`during`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.synth.draws import categorical, geometric0, geometric1, whole
from helpers.synth.persons import (
    CODE,
    FIRST_ENTRY_MONTH,
    KIND_BEFORE_2013,
    LAST_ENTRY_MONTH,
    NEW,
    OLD,
    PROGRAMMES,
    UTVIDET,
    Persons,
    draw_provider,
    old_programme_code,
)
from helpers.synth.rows import SpellRows, add_spells
from helpers.synth.streams import Streams
from helpers.synth.structure import NEW_PERIOD, OLD_PERIOD, Structure

DURATION_CURVES = ("ab", "oppfolging_gammel", "nytt", "utvidet")  # varighet.<curve>
MAX_DURATION = 240  # months: the survival curves are tabulated this far
# Other programmes before entry (andre_tiltak.typer_*), and during the follow-up with
# their probabilities and timing (not published).
OTHER_BEFORE = ("ARBEIDSPRAKSIS", "AVKLARING", "LONNSTILSKUDD", "ANNEN_OPPFOLGING",
                "OPPLAERING", "ARBEIDSFORBEREDENDE")
OTHER_DURING = ("ARBEIDSPRAKSIS", "OPPLAERING", "AVKLARING")
OTHER_DURING_SHARES = (0.6, 0.25, 0.15)
DURING_STARTS_WITHIN = 10     # months after entry: starts 1..10 months after
DURING_LENGTH_MEAN = 3.0      # months (1 + geometric)
INTO_ENTRY_MONTHS_MEAN = 2.0  # months a programme continuing into the entry goes on after it
EARLIEST_REENTRY = 7          # months after the end: the entry definition's 6 months out + 1


@dataclass(frozen=True)
class WageSubsidies:
    """Wage subsidies (LONNSTILSKUDD) among the programmes before entry: each comes with a
    job over the same months (added by the employment component)."""
    person: np.ndarray        # int32
    start_month: np.ndarray   # int32
    stop_month: np.ndarray    # int32


def run(parameters: dict, streams: Streams, structure: Structure, persons: Persons) -> dict:
    """The programmes component: adds `tiltak` rows and `wage_subsidies`."""
    tiltak = SpellRows("tiltak")
    end = _participation(parameters, streams.scoped("participation"), structure, persons, tiltak)
    _earlier(parameters, streams.scoped("earlier"), structure, persons, tiltak)
    _reentry(parameters, streams.scoped("reentry"), structure, persons, end, tiltak)
    wage_subsidies = _before_entry(parameters, streams.scoped("before"), structure, persons, tiltak)
    _during(parameters, streams.scoped("during"), structure, persons, tiltak)
    return {"tiltak": tiltak, "wage_subsidies": wage_subsidies}


def survival(parameters: dict, curve: str) -> np.ndarray:
    """S(k) = P(duration > k months), k = 0..MAX_DURATION: the anchors of varighet.<curve>,
    log-linear between them and geometric after the last one."""
    varighet = parameters["varighet"]
    anchor_months = np.array([0] + list(varighet["maneder"]), dtype=float)
    anchor_log_survival = np.log(np.array([1.0] + list(varighet[curve]), dtype=float))
    months = np.arange(MAX_DURATION + 1, dtype=float)
    log_survival = np.interp(months, anchor_months, anchor_log_survival)
    tail_rate = ((anchor_log_survival[-1] - anchor_log_survival[-2])
                 / (anchor_months[-1] - anchor_months[-2]))
    tail = months > anchor_months[-1]
    log_survival[tail] = anchor_log_survival[-1] + tail_rate * (months[tail] - anchor_months[-1])
    return np.exp(log_survival)


def durations(parameters: dict, code: np.ndarray, programme: np.ndarray,
              uniform: np.ndarray) -> np.ndarray:
    """Duration in months (>= 1, int32) of participations, by inversion of the survival
    curve of their programme: Arbeid med bistand, old Oppfølging, new, Utvidet."""
    curve = np.where(code == CODE["ARBEID_MED_BISTAND"], 0,
                     np.where(code == CODE["UTVIDET_OPPFOLGING"], 3,
                              np.where(programme == OLD, 1, 2)))
    months = np.empty(len(uniform), dtype=np.int32)
    for index, name in enumerate(DURATION_CURVES):
        selected = curve == index
        if selected.any():
            # #{k: S(k) > u}: S is decreasing with S(0) = 1.
            months[selected] = np.searchsorted(-survival(parameters, name), -uniform[selected], side="left")
    return np.maximum(months, 1)


def _participation(parameters, streams, structure, persons, tiltak) -> np.ndarray:
    """The designed participations; returns each person's last month in it."""
    varighet = parameters["varighet"]
    n = len(persons)
    who = np.flatnonzero(persons.follows_up)
    duration = np.zeros(n, dtype=np.int32)
    duration[who] = durations(parameters, persons.programme_code[who], persons.programme[who],
                              streams.uniform("duration", n)[who])
    end = persons.entry_month + duration - 1
    add_spells(tiltak, streams.scoped("spells"), structure.period, who, persons.entry_month[who], end[who],
               split=varighet["andel_delt"], gap=varighet["andel_opphold"],
               programme_code=persons.programme_code[who], provider=persons.provider[who],
               office=persons.office[who])
    return end


def _earlier(parameters, streams, structure, persons, tiltak) -> None:
    """Earlier participations in the old programme: started before 2013, ended >= 7 months
    before the entry."""
    varighet = parameters["varighet"]
    first_month = structure.period.first_month
    n = len(persons)
    latest_start = np.minimum(FIRST_ENTRY_MONTH - 1, persons.entry_month - 8)
    has = (persons.first_entry_from_2013
           & (streams.uniform("has", n) < varighet["andel_tidligere_deltakelse"])
           & (latest_start >= first_month))
    who = np.flatnonzero(has)
    if len(who) == 0:
        return

    def uniform(name):
        return streams.uniform(name, n)[who]

    start = first_month + whole(uniform("start"), latest_start[who] - first_month + 1)
    county = persons.county[who]
    code = old_programme_code(parameters, structure, county, start, uniform("arbeid_med_bistand"))
    length = durations(parameters, code, np.full(len(who), OLD), uniform("duration"))
    stop = np.minimum(start + length - 1, persons.entry_month[who] - EARLIEST_REENTRY)
    _, provider = draw_provider(parameters, structure, county, OLD_PERIOD, uniform("provider.type"),
                                uniform("provider.unlisted"), uniform("provider.pick"))
    add_spells(tiltak, streams.scoped("spells"), structure.period, who, start, stop,
               programme_code=code, provider=provider, office=persons.office[who])


def _reentry(parameters, streams, structure, persons, end, tiltak) -> None:
    """Re-entries after >= 6 months out of the designed participation."""
    varighet = parameters["varighet"]
    n = len(persons)
    months_out = EARLIEST_REENTRY + geometric0(streams.uniform("months_out", n),
                                               varighet["gjeninntreden_opphold_snitt"])
    again = end + months_out
    ok = (persons.follows_up & (streams.uniform("has", n) < varighet["andel_gjeninntreden"])
          & (again <= structure.period.last_month))
    ok &= ~((persons.kind == KIND_BEFORE_2013) & (again <= LAST_ENTRY_MONTH))
    who = np.flatnonzero(ok)
    if len(who) == 0:
        return

    def uniform(name):
        return streams.uniform(name, n)[who]

    county, month, office = persons.county[who], again[who], persons.office[who]
    old = month < structure.counties.transition_month[county]
    utvidet = (~old & (structure.offices.utvidet_start[office] <= month)
               & (uniform("utvidet") < parameters["utvidet"]["andel_gjeninntreden"]))
    old_code = old_programme_code(parameters, structure, county, month, uniform("arbeid_med_bistand"))
    code = np.where(old, old_code,
                    np.where(utvidet, CODE["UTVIDET_OPPFOLGING"], CODE["OPPFOLGING"])).astype(np.int8)
    programme = np.where(old, OLD, np.where(utvidet, UTVIDET, NEW)).astype(np.int8)
    provider = np.full(len(who), -1, dtype=np.int16)
    provider_uniforms = [uniform(f"provider.{part}") for part in ("type", "unlisted", "pick")]
    for period, selected in ((OLD_PERIOD, old), (NEW_PERIOD, ~old & ~utvidet)):
        provider[selected] = draw_provider(parameters, structure, county[selected], period,
                                           *(u[selected] for u in provider_uniforms))[1]
    length = durations(parameters, code, programme, uniform("duration"))
    add_spells(tiltak, streams.scoped("spells"), structure.period, who, month, month + length - 1,
               split=varighet["andel_delt"], programme_code=code, provider=provider, office=office)


def _before_entry(parameters, streams, structure, persons, tiltak) -> WageSubsidies:
    """Another programme in the months before entry (P(andre_tiltak.for_start) by
    programme), ending the month before or going on into the entry; returns its wage
    subsidies."""
    andre_tiltak = parameters["andre_tiltak"]
    n = len(persons)
    p_before = np.array([andre_tiltak["for_start"][name] for name in PROGRAMMES])[persons.programme]
    who = np.flatnonzero(streams.uniform("has", n) < p_before)

    def uniform(name):
        return streams.uniform(name, n)[who]

    shares = np.where((persons.programme[who] == OLD)[:, None],
                      np.array(andre_tiltak["typer_gammelt"])[None, :],
                      np.array(andre_tiltak["typer_nytt"])[None, :])
    code = np.array([CODE[c] for c in OTHER_BEFORE], dtype=np.int8)[categorical(uniform("type"), shares)]
    entry = persons.entry_month[who]
    start = entry - geometric1(uniform("length"), andre_tiltak["lengde_snitt"])
    into_entry = uniform("into_entry") < andre_tiltak["andel_inn_i_start"]
    months_into_entry = geometric0(uniform("months_into_entry"), INTO_ENTRY_MONTHS_MEAN)
    stop = np.where(into_entry, entry + months_into_entry, entry - 1)
    add_spells(tiltak, streams.scoped("spells"), structure.period, who, start, stop,
               programme_code=code, provider=-1, office=persons.office[who])
    subsidy = code == CODE["LONNSTILSKUDD"]
    return WageSubsidies(person=who[subsidy].astype(np.int32), start_month=start[subsidy].astype(np.int32),
                         stop_month=stop[subsidy].astype(np.int32))


def _during(parameters, streams, structure, persons, tiltak) -> None:
    """A programme during the follow-up (P(andre_tiltak.under_tiltak)), starting 1-10
    months after entry."""
    n = len(persons)
    who = np.flatnonzero(streams.uniform("has", n) < parameters["andre_tiltak"]["under_tiltak"])

    def uniform(name):
        return streams.uniform(name, n)[who]

    code = np.array([CODE[c] for c in OTHER_DURING], dtype=np.int8)[
        categorical(uniform("type"), np.array(OTHER_DURING_SHARES))]
    start = persons.entry_month[who] + 1 + whole(uniform("start"), DURING_STARTS_WITHIN)
    stop = start + geometric1(uniform("length"), DURING_LENGTH_MEAN) - 1
    keep = start <= structure.period.last_month
    add_spells(tiltak, streams.scoped("spells"), structure.period, who[keep], start[keep], stop[keep],
               programme_code=code[keep], provider=-1, office=persons.office[who][keep])
