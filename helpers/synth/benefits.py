"""Component 5, benefits and NAV status: the `brukerstatus` and `ytelser` spells.

Reads `structure`, `persons`; adds rows to `brukerstatus` and `ytelser`. In this order:

1. NAV status (`status`, parameters `status`): the registration covering the entry began
   1 + geometric months before it (reduced capacity: mean `nedsatt_snitt`; others:
   `andre_ved_start_snitt`; in the entry month itself with P(start_i_tilgangsmaned)) and
   lasts 1 + geometric months after; before a reduced-capacity registration, P(andre_for_nedsatt)
   were other NAV users (standard / situasjonsbestemt) for 1 + geometric months.
2. Benefits (`benefits`, parameters `ytelser`): AAP at entry for those on AAP, starting no
   earlier than their reduced-capacity registration, followed by disability benefit
   (UFORE, ongoing) with P(andel_ufore_etter_aap); AAP starting in the 24 months after entry
   for P(aap_senere) of the others.
"""
from __future__ import annotations

import numpy as np

from helpers.synth.draws import geometric0, geometric1, whole
from helpers.synth.persons import PROGRAMMES, Persons
from helpers.synth.rows import BENEFITS, SpellRows, add_spells
from helpers.synth.streams import Streams
from helpers.synth.structure import Structure

# contract.INNSATSGRUPPER indices.
STANDARD, SITUASJONSBESTEMT, SPESIELT_TILPASSET, VARIG_TILPASSET = range(4)
AAP, UFORE = BENEFITS.index("AAP"), BENEFITS.index("UFORE")
# Register quirks (not published): P(a status / an AAP spell is stored as two adjacent pieces).
STATUS_SPLIT = 0.08
AAP_SPLIT = 0.05
LATER_AAP_STARTS_WITHIN = 24  # months after entry


def run(parameters: dict, streams: Streams, structure: Structure, persons: Persons) -> dict:
    """The benefits component: adds `brukerstatus` and `ytelser` rows."""
    status, benefits = SpellRows("brukerstatus"), SpellRows("ytelser")
    status_start = _status(parameters, streams.scoped("status"), structure, persons, status)
    _benefits(parameters, streams.scoped("benefits"), structure, persons, status_start, benefits)
    return {"brukerstatus": status, "ytelser": benefits}


def _status(parameters, streams, structure, persons, rows) -> np.ndarray:
    """NAV status around entry; returns the month the status covering the entry began."""
    status = parameters["status"]
    first_month = structure.period.first_month
    n = len(persons)
    entry, reduced = persons.entry_month, persons.reduced_capacity
    mean_reduced = np.array([status["nedsatt_snitt"][k] for k in PROGRAMMES])[persons.programme]
    mean_other = np.array([status["andre_ved_start_snitt"][k] for k in PROGRAMMES])[persons.programme]
    months_before = geometric1(streams.uniform("months_before", n),
                               np.where(reduced, mean_reduced, mean_other))
    months_before = np.where(streams.uniform("from_entry_month", n) < status["start_i_tilgangsmaned"],
                             0, months_before)
    start = entry - months_before
    stop = entry + geometric0(streams.uniform("months_after", n), status["etter_start_snitt"])
    group_uniform = streams.uniform("innsatsgruppe", n)
    group = np.where(reduced,
                     np.where(group_uniform < status["andel_varig"], VARIG_TILPASSET, SPESIELT_TILPASSET),
                     np.where(group_uniform < status["andel_situasjonsbestemt"],
                              SITUASJONSBESTEMT, STANDARD))
    who = np.flatnonzero(stop >= first_month)
    add_spells(rows, streams.scoped("at_entry_spells"), structure.period, who, start[who], stop[who],
               split=STATUS_SPLIT, innsatsgruppe=group[who], office=persons.office[who])

    # Before a reduced-capacity registration: another NAV status for a while.
    earlier = (reduced & (streams.uniform("earlier.has", n) < status["andre_for_nedsatt"])
               & (start > first_month))
    who = np.flatnonzero(earlier)
    earlier_stop = start[who] - 1
    earlier_length = geometric1(streams.uniform("earlier.length", n)[who], status["andre_snitt"])
    earlier_start = earlier_stop - earlier_length + 1
    earlier_situasjonsbestemt = (streams.uniform("earlier.innsatsgruppe", n)[who]
                                 < status["andel_situasjonsbestemt"])
    earlier_group = np.where(earlier_situasjonsbestemt, SITUASJONSBESTEMT, STANDARD)
    add_spells(rows, streams.scoped("earlier_spells"), structure.period, who, earlier_start, earlier_stop,
               innsatsgruppe=earlier_group, office=persons.office[who])
    return start


def _benefits(parameters, streams, structure, persons, status_start, rows) -> None:
    """AAP at entry (then perhaps disability benefit), and AAP starting after entry."""
    ytelser = parameters["ytelser"]
    period = structure.period
    n = len(persons)
    who = np.flatnonzero(persons.on_aap)
    entry = persons.entry_month[who]
    months_before = geometric1(streams.uniform("aap.months_before", n)[who], ytelser["aap_for_snitt"])
    months_before = np.where(persons.reduced_capacity[who],
                             np.minimum(months_before, entry - status_start[who]), months_before)
    start = np.maximum(entry - months_before, period.first_month)
    stop = entry + geometric0(streams.uniform("aap.months_after", n)[who], ytelser["aap_etter_snitt"])
    add_spells(rows, streams.scoped("aap.spells"), period, who, start, stop, split=AAP_SPLIT,
               benefit=AAP, diagnosis=persons.diagnosis[who])

    disability = ((streams.uniform("disability.has", n)[who] < ytelser["andel_ufore_etter_aap"])
                  & (stop < period.last_month))
    add_spells(rows, streams.scoped("disability.spells"), period, who[disability], stop[disability] + 1,
               period.last_month + 1, benefit=UFORE, diagnosis=-1)

    later = ~persons.on_aap & (streams.uniform("later_aap.has", n) < ytelser["aap_senere"])
    who = np.flatnonzero(later)
    start = persons.entry_month[who] + 1 + whole(streams.uniform("later_aap.start", n)[who],
                                                 LATER_AAP_STARTS_WITHIN)
    stop = start + geometric1(streams.uniform("later_aap.length", n)[who], ytelser["aap_etter_snitt"]) - 1
    keep = start <= period.last_month
    add_spells(rows, streams.scoped("later_aap.spells"), period, who[keep], start[keep], stop[keep],
               benefit=AAP, diagnosis=persons.diagnosis[who][keep])
