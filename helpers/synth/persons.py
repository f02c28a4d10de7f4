"""Component 2, persons and their characteristics at entry.

Reads `structure`; adds `persons` (a `Persons`: one entry per person, arrays indexed by
person). Two steps, in this order:

1. The designed entry (`_design_entries`), by kind of person: the population (first entry
   in 2013-2018 into the old or the new programme: exactly round(scale * populasjon.gammelt)
   and round(scale * populasjon.nytt), of whom round(scale * populasjon.nytt_til_2017) enter
   the new one in 2013-2017; less the trial participants who enter, helpers.synth.trials),
   spread over (county, month) cells before / on or
   after the county's transition with a national intensity by year and month (`tilgang`);
   Utvidet entrants from 2017 (a month by the weight of the offices running it, then one
   of those offices); follow-up entrants before 2013 and after 2018; NAV users who never
   take part. Then an office in the county, the programme code (old entrants: Arbeid med
   bistand with P(tilgang.andel_ab) while the county takes AB entrants), the provider type
   (`leverandortype`) and a provider of that type in the county.
2. Characteristics at entry (`_characteristics`), by intercept group (programme x provider
   type, `grupper`), shifted by the covariate effects (`effekter`): sex, age band and age,
   country group, reduced work capacity (logit: group + Arbeid med bistand + age 50+ +
   immigrant + year trend), AAP given reduced capacity, AAP diagnosis, employment at entry
   (logit: group + reduced capacity + AAP), education (by age, reduced capacity, and
   unknown more often when employed).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.contract import PROGRAMME_CODES
from helpers.synth.draws import categorical, choose_index, expit, logit, whole
from helpers.synth.streams import Streams
from helpers.synth.structure import (
    NEW_PERIOD,
    OLD_PERIOD,
    UNKNOWN_TYPE,
    UNLISTED,
    Structure,
)

# Kinds of persons, in the order their blocks are drawn.
KINDS = ("gammelt", "nytt", "for_2013", "etter_2018", "utvidet", "ikke_tiltak")
KIND_OLD, KIND_NEW, KIND_BEFORE_2013, KIND_AFTER_2018, KIND_UTVIDET, KIND_NONE = range(len(KINDS))
# Programme of a person's designed participation (for the parameters keyed by programme).
PROGRAMMES = ("gammelt", "nytt", "utvidet", "ikke_tiltak")
OLD, NEW, UTVIDET, NO_PROGRAMME = range(len(PROGRAMMES))
# Intercept groups of the characteristics (parameters `grupper`).
GROUPS = ("gammelt", "nytt_skjermet", "nytt_kommersiell", "nytt_annet", "utvidet", "ikke_tiltak")
AGE_BANDS = ((18, 24), (25, 29), (30, 39), (40, 49), (50, 66))
OLDEST_BAND = len(AGE_BANDS) - 1
EDUCATION_UNKNOWN = 5  # index after contract.EDUCATION_LEVELS: education null
CODE = {code: i for i, code in enumerate(PROGRAMME_CODES)}
FIRST_ENTRY_MONTH, LAST_ENTRY_MONTH = 2013 * 12, 2018 * 12 + 11  # the population's entries
REFERENCE_YEAR = 2015  # the year the trends in `effekter` are centred on


@dataclass(frozen=True)
class Persons:
    """One designed entry per person and the person's characteristics at that entry.
    Index codes: -1 = none (no programme / provider / diagnosis)."""
    kind: np.ndarray               # KINDS index (int8)
    entry_month: np.ndarray        # month of the designed entry (int32)
    county: np.ndarray             # Counties index (int16)
    office: np.ndarray             # Offices index (int16)
    programme_code: np.ndarray     # PROGRAMME_CODES index of the participation (int8)
    programme: np.ndarray          # PROGRAMMES index (int8)
    provider_type: np.ndarray      # PROVIDER_TYPES index (int8)
    provider: np.ndarray           # Providers index (int16)
    group: np.ndarray              # GROUPS index (int8)
    female: np.ndarray             # bool
    age: np.ndarray                # years at entry (int16)
    age_band: np.ndarray           # AGE_BANDS index (int8)
    landgruppe: np.ndarray         # 1, 2, 3 (int8)
    education: np.ndarray          # EDUCATION_LEVELS index, EDUCATION_UNKNOWN = null (int8)
    reduced_capacity: np.ndarray   # nedsatt arbeidsevne at entry (bool)
    on_aap: np.ndarray             # AAP at entry (bool)
    diagnosis: np.ndarray          # DIAGNOSES index of the AAP spell, -1 unknown (int8)
    employed_at_entry: np.ndarray  # a job >= 4 h/week in the entry month (bool)

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def follows_up(self) -> np.ndarray:
        """Persons with a designed follow-up participation (everyone but the NAV users who
        never take part)."""
        return self.kind != KIND_NONE

    @property
    def first_entry_from_2013(self) -> np.ndarray:
        """Persons whose designed entry is their first, in 2013 or later (old, new, Utvidet)."""
        return np.isin(self.kind, (KIND_OLD, KIND_NEW, KIND_UTVIDET))

    @property
    def in_population(self) -> np.ndarray:
        """Persons whose designed entry is the report's population entry: first entry in
        2013-2018 (the old and new programmes, and Utvidet entrants of 2017-2018)."""
        return self.first_entry_from_2013 & (self.entry_month <= LAST_ENTRY_MONTH)


def run(parameters: dict, streams: Streams, scale: float, structure: Structure, trials) -> dict:
    """The persons component: adds `persons`. The trials' participants who enter the
    study's population (`trials.entrants`) count towards its quotas."""
    entries = _design_entries(parameters, streams.scoped("entry"), scale, structure, trials.entrants)
    traits = _characteristics(parameters, streams.scoped("characteristics"), entries)
    return {"persons": Persons(**entries, **traits)}


# --------------------------------------------------------------------------------------
# Designed entries
# --------------------------------------------------------------------------------------

def _entry_cells(parameters: dict, structure: Structure, first: int, last: int, keep=None):
    """(county, month, weight) of every cell of months first..last with a positive
    weight: county weight x seasonal weight x the year's weight; `keep(county, month)`
    restricts the cells."""
    counties = structure.counties
    year_weight = {int(y): float(w) for y, w in parameters["tilgang"]["arsvekt"].items()}
    month_weight = np.array(parameters["tilgang"]["manedsvekt"], dtype=float)
    county, month = np.meshgrid(np.arange(len(counties), dtype=np.int16),
                                np.arange(first, last + 1, dtype=np.int32), indexing="ij")
    county, month = county.ravel(), month.ravel()
    weight = counties.weight[county] * month_weight[month % 12] * np.array(
        [year_weight.get(int(y), 1.0) for y in month // 12])
    mask = weight > 0
    if keep is not None:
        mask &= keep(county, month)
    return county[mask], month[mask], weight[mask]


def _design_entries(parameters: dict, streams: Streams, scale: float, structure: Structure,
                    entrants: dict | None = None) -> dict:
    """Kind, entry month, county, office, programme, provider type and provider of every
    person's designed entry."""
    counties, offices = structure.counties, structure.offices
    blocks: list[tuple[int, np.ndarray, np.ndarray]] = []  # (kind, county, month)

    def drawn_cells(name, n, first, last, keep=None):
        county, month, weight = _entry_cells(parameters, structure, first, last, keep)
        cell = choose_index(streams.uniform(f"{name}.cell", n), weight)
        return county[cell], month[cell]

    def before_transition(county, month):
        return month < counties.transition_month[county]

    entrants = entrants or {"gammelt": 0, "nytt": 0, "nytt_til_2017": 0}
    n_old = max(0, round(scale * parameters["populasjon"]["gammelt"]) - entrants["gammelt"])
    n_new = max(0, round(scale * parameters["populasjon"]["nytt"]) - entrants["nytt"])
    blocks.append((KIND_OLD, *drawn_cells("old", n_old, FIRST_ENTRY_MONTH, LAST_ENTRY_MONTH,
                                          before_transition)))
    n_new_to_2017 = min(max(0, round(scale * parameters["populasjon"]["nytt_til_2017"])
                            - entrants["nytt_til_2017"]), n_new)
    last_2017 = LAST_ENTRY_MONTH - 12
    blocks.append((KIND_NEW, *drawn_cells("new", n_new_to_2017, FIRST_ENTRY_MONTH, last_2017,
                                          lambda c, m: ~before_transition(c, m))))
    blocks.append((KIND_NEW, *drawn_cells("new.2018", n_new - n_new_to_2017, last_2017 + 1,
                                          LAST_ENTRY_MONTH)))
    others = parameters["andre_personer"]
    for kind, key in ((KIND_BEFORE_2013, "for_2013_per_ar"), (KIND_AFTER_2018, "etter_2018_per_ar")):
        for year, count in sorted(others[key].items()):
            blocks.append((kind, *drawn_cells(f"{KINDS[kind]}.{year}", round(scale * count),
                                              int(year) * 12, int(year) * 12 + 11)))

    # Utvidet entrants: a month by the weight of the offices running it, then such an office.
    utvidet_office = []
    size = counties.weight[offices.county] * offices.weight
    month_weight = np.array(parameters["tilgang"]["manedsvekt"], dtype=float)
    for year, count in sorted(others["utvidet_per_ar"].items()):
        n = round(scale * count)
        months = np.arange(int(year) * 12, int(year) * 12 + 12, dtype=np.int32)
        active_size = (offices.utvidet_start[None, :] <= months[:, None]) * size[None, :]
        weight = active_size.sum(axis=1) * month_weight[months % 12]
        if n == 0 or weight.sum() == 0:
            continue
        month_index = choose_index(streams.uniform(f"utvidet.{year}.month", n), weight)
        office_uniform = streams.uniform(f"utvidet.{year}.office", n)
        office = np.empty(n, dtype=np.int16)
        for j in np.unique(month_index):  # at most 12 months
            in_month = month_index == j
            office[in_month] = choose_index(office_uniform[in_month], active_size[j])
        utvidet_office.append(office)
        blocks.append((KIND_UTVIDET, offices.county[office], months[month_index]))

    n_none = round(scale * others["ikke_tiltak"])
    blocks.append((KIND_NONE,
                   choose_index(streams.uniform("ikke_tiltak.county", n_none), counties.weight),
                   streams.integers("ikke_tiltak.month", 2011 * 12, structure.period.last_month, n_none)))

    kind = np.concatenate([np.full(len(b[1]), b[0], dtype=np.int8) for b in blocks])
    county = np.concatenate([b[1] for b in blocks]).astype(np.int16)
    month = np.concatenate([b[2] for b in blocks]).astype(np.int32)
    n = len(kind)
    office = offices.draw(county, streams.uniform("office", n))
    if utvidet_office:
        office[kind == KIND_UTVIDET] = np.concatenate(utvidet_office)

    old = np.isin(kind, (KIND_OLD, KIND_BEFORE_2013))
    new = np.isin(kind, (KIND_NEW, KIND_AFTER_2018))
    utvidet = kind == KIND_UTVIDET
    programme = np.full(n, NO_PROGRAMME, dtype=np.int8)
    programme[old], programme[new], programme[utvidet] = OLD, NEW, UTVIDET
    code = np.full(n, -1, dtype=np.int8)
    code[old] = old_programme_code(parameters, structure, county[old], month[old],
                                   streams.uniform("arbeid_med_bistand", n)[old])
    code[new] = CODE["OPPFOLGING"]
    code[utvidet] = CODE["UTVIDET_OPPFOLGING"]

    provider_type = np.full(n, -1, dtype=np.int8)
    provider = np.full(n, -1, dtype=np.int16)
    uniforms = {f"{part}_uniform": streams.uniform(f"provider.{part}", n)
                for part in ("type", "unlisted", "pick")}
    for mask, period in ((old, OLD_PERIOD), (new, NEW_PERIOD)):
        provider_type[mask], provider[mask] = draw_provider(
            parameters, structure, county[mask], period, **{k: u[mask] for k, u in uniforms.items()})

    group = np.full(n, GROUPS.index("ikke_tiltak"), dtype=np.int8)
    group[old] = GROUPS.index("gammelt")
    group[new] = GROUPS.index("nytt_annet")
    group[new & (provider_type == 0)] = GROUPS.index("nytt_skjermet")
    group[new & (provider_type == 1)] = GROUPS.index("nytt_kommersiell")
    group[utvidet] = GROUPS.index("utvidet")
    return {"kind": kind, "entry_month": month, "county": county, "office": office, "programme_code": code,
            "programme": programme, "provider_type": provider_type, "provider": provider, "group": group}


def old_programme_code(parameters: dict, structure: Structure, county: np.ndarray,
                       month: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Code of an old-programme participation starting in `month`: Arbeid med bistand with
    P(tilgang.andel_ab) while the county still takes AB entrants, else Oppfølging."""
    ab = (month < structure.counties.last_ab_month[county]) & (uniform < parameters["tilgang"]["andel_ab"])
    return np.where(ab, CODE["ARBEID_MED_BISTAND"], CODE["OPPFOLGING"]).astype(np.int8)


def draw_provider(parameters: dict, structure: Structure, county: np.ndarray, period: int,
                  type_uniform: np.ndarray, unlisted_uniform: np.ndarray, pick_uniform: np.ndarray):
    """(provider type, provider) of participations in the old or new period: the type from
    leverandortype.gammelt / .nytt, then a provider of that type serving the county; of
    type ukjent, P(ukjent_uten_oppforing) get the county's id missing from `leverandorer`.
    The three uniforms: one each per participation."""
    shares = parameters["leverandortype"]
    type_shares = np.array(shares["gammelt" if period == OLD_PERIOD else "nytt"], dtype=float)
    provider_type = categorical(type_uniform, type_shares)
    missing = (provider_type == UNKNOWN_TYPE) & (unlisted_uniform < shares["ukjent_uten_oppforing"])
    provider = structure.providers.draw(county, np.where(missing, UNLISTED, period), provider_type,
                                        pick_uniform)
    return provider_type, provider


# --------------------------------------------------------------------------------------
# Characteristics at entry
# --------------------------------------------------------------------------------------

def group_values(parameters: dict, group: np.ndarray, key: str) -> np.ndarray:
    """Per-person value of an intercept-group parameter `grupper.<group>.<key>`: (n,) for a
    number, (n, k) for a list of probabilities."""
    table = np.array([np.atleast_1d(np.asarray(parameters["grupper"][g][key], dtype=float))
                      for g in GROUPS])
    values = table[group]
    return values[:, 0] if values.shape[1] == 1 else values


def _characteristics(parameters: dict, streams: Streams, entries: dict) -> dict:
    """Sex, age, country group, reduced capacity, AAP and its diagnosis, employment at
    entry and education of every person (see the module docstring)."""
    effects = parameters["effekter"]
    group, programme = entries["group"], entries["programme"]
    n = len(group)
    years_from_reference = (entries["entry_month"] // 12 - REFERENCE_YEAR).astype(float)

    def draw(name):
        return streams.uniform(name, n)

    female = draw("female") < group_values(parameters, group, "kvinne")

    probabilities = group_values(parameters, group, "alder").copy()
    probabilities[:, OLDEST_BAND] *= np.exp(effects["alder50_trend"] * years_from_reference)
    age_band = categorical(draw("age_band"), probabilities)
    lowest = np.array([band[0] for band in AGE_BANDS], dtype=np.int16)[age_band]
    highest = np.array([band[1] for band in AGE_BANDS], dtype=np.int16)[age_band]
    age_uniform = draw("age")
    within_band = lowest + whole(age_uniform, highest - lowest + 1)
    mean_over_50 = group_values(parameters, group, "alder_50pluss")
    years_over_50 = np.minimum(np.floor(-np.log(age_uniform) * mean_over_50), 16).astype(np.int16)
    age = np.where(age_band == OLDEST_BAND, 50 + years_over_50, within_band).astype(np.int16)

    probabilities = group_values(parameters, group, "landgruppe").copy()
    probabilities[:, 1:] *= np.exp(effects["innvandrer_trend"] * years_from_reference)[:, None]
    landgruppe = (1 + categorical(draw("landgruppe"), probabilities)).astype(np.int8)

    arbeid_med_bistand = entries["programme_code"] == CODE["ARBEID_MED_BISTAND"]
    trend = np.array([effects["nedsatt_trend"][p] for p in PROGRAMMES])[programme]
    log_odds = (logit(group_values(parameters, group, "nedsatt"))
                + effects["nedsatt_ab"] * arbeid_med_bistand
                + effects["nedsatt_50pluss"] * (age_band == OLDEST_BAND)
                + effects["nedsatt_innvandrer"] * (landgruppe > 1)
                + trend * years_from_reference)
    reduced_capacity = draw("reduced_capacity") < expit(log_odds)
    aap_log_odds = (logit(group_values(parameters, group, "aap"))
                    + effects["aap_trend"] * years_from_reference)
    p_aap = np.where(reduced_capacity, expit(aap_log_odds), effects["aap_uten_nedsatt"])
    on_aap = draw("on_aap") < p_aap

    probabilities = group_values(parameters, group, "diagnose").copy()
    probabilities[:, 0] *= np.where(age < 30, np.exp(effects["psykisk_under_30"]), 1.0)
    probabilities[:, 0] *= np.exp(effects["psykisk_trend"] * years_from_reference)
    diagnosis = categorical(draw("diagnosis"), probabilities)
    diagnosis[draw("diagnosis_missing") < effects["aap_uten_diagnose"]] = -1  # used only where on_aap

    log_odds = (logit(group_values(parameters, group, "jobb_ved_start"))
                + effects["jobb_nedsatt"] * reduced_capacity + effects["jobb_aap"] * on_aap)
    employed_at_entry = draw("employed_at_entry") < expit(log_odds)

    probabilities = group_values(parameters, group, "utdanning").copy()
    probabilities *= np.where((age_band == 0)[:, None],
                              np.exp(np.array(effects["utdanning_under_25"])), 1.0)
    probabilities *= np.where(reduced_capacity[:, None],
                              np.exp(np.array(effects["utdanning_nedsatt"])), 1.0)
    probabilities[:, EDUCATION_UNKNOWN] *= np.where(employed_at_entry,
                                                    np.exp(effects["utdanning_ukjent_i_jobb"]), 1.0)
    education = categorical(draw("education"), probabilities)

    return {"female": female, "age": age, "age_band": age_band, "landgruppe": landgruppe,
            "education": education, "reduced_capacity": reduced_capacity, "on_aap": on_aap,
            "diagnosis": diagnosis, "employed_at_entry": employed_at_entry}
