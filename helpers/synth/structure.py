"""Component 1, structure: the period, counties, NAV offices, providers and unemployment.

Reads the parameters only; adds `structure` (a `Structure`). Nothing here is per person.
- Counties (parameters `fylker`): code, name, weight (share of entrants), the month the
  tendered Oppfølging replaced Arbeid med bistand (`overgang`), the last month Arbeid med
  bistand took new entrants, and the county's unemployment relative to the national level.
- Offices (`kontorer`): about one per `tusen_innbyggere_per_kontor` thousand of the county's
  weight, each with a random weight (stream `offices.weight`); a growing set of them runs
  Utvidet oppfølging from a month of the year it starts (`utvidet.kontorer_starter_per_ar`).
- Providers (`leverandortype.antall_*`): per county, period (old / new) and provider type;
  plus one id per county that is missing from `leverandorer` (type ukjent by contract).
  Each listed provider has a latent practice score z ~ N(0, 1) (stream
  `providers.practice`): how intensively its job specialists work. It shapes their survey
  answers (survey.py) and affects its entrants' results only through
  `sporreundersokelse.praksis_effekt` (employment.py; 0 in the default).
- Unemployment (`ledighet`): the rate by county and quarter, national level x season x
  county factor (x the oil factor in the oil counties).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.synth.streams import Streams

NEVER = np.iinfo(np.int32).max  # month of an event that does not happen
OLD_PERIOD, NEW_PERIOD, UNLISTED = 0, 1, 2  # provider periods; UNLISTED: ids not in leverandorer
UNKNOWN_TYPE = 3  # index of 'ukjent' in contract.PROVIDER_TYPES


def month_of(text: str) -> int:
    """'YYYY-MM' or 'YYYY-MM-DD' as a month number, year * 12 + month - 1."""
    return int(text[:4]) * 12 + int(text[5:7]) - 1


@dataclass(frozen=True)
class Period:
    """The months the extract covers: `first_month` (the history starts) to `last_month`
    (the month of `uttrekksdato`; spells going on after it are open)."""
    first_month: int
    last_month: int
    uttrekksdato: str


@dataclass(frozen=True)
class Counties:
    """The 18 counties, in the parameter file's order (index = county number)."""
    code: np.ndarray                 # two-digit codes (str)
    name: list[str]
    weight: np.ndarray               # share of entrants (float)
    transition_month: np.ndarray     # first month of the new Oppfølging (int32)
    last_ab_month: np.ndarray        # last month Arbeid med bistand took entrants (int32)
    unemployment_factor: np.ndarray  # relative to the national rate (float)

    def __len__(self) -> int:
        return len(self.code)


@dataclass(frozen=True)
class Offices:
    """NAV offices, ordered by county (the offices of county c are
    first_of_county[c] .. first_of_county[c] + count_of_county[c] - 1)."""
    code: np.ndarray              # county code + two digits (str)
    county: np.ndarray            # int16
    weight: np.ndarray            # relative size within the county (float)
    first_of_county: np.ndarray   # int32, per county
    count_of_county: np.ndarray   # int32, per county
    utvidet_start: np.ndarray     # first month the office runs Utvidet oppfølging (int32; NEVER)

    def __len__(self) -> int:
        return len(self.code)

    def draw(self, county: np.ndarray, uniform: np.ndarray) -> np.ndarray:
        """An office of each person's county, with probability proportional to its weight
        (int16)."""
        cumulative = np.cumsum(self.weight)
        before = np.concatenate([[0.0], cumulative])[self.first_of_county]
        total = cumulative[self.first_of_county + self.count_of_county - 1] - before
        target = before[county] + uniform * total[county]
        office = np.searchsorted(cumulative, target, side="left")
        first = self.first_of_county[county]
        office = np.clip(office, first, first + self.count_of_county[county] - 1)
        return office.astype(np.int16)


@dataclass(frozen=True)
class Providers:
    """Provider ids (the listed ones first, then one unlisted id per county) and, per
    (county, period, type), the providers serving it: `slots[c, period, type, :count]`."""
    id: np.ndarray          # str
    type: np.ndarray        # index into contract.PROVIDER_TYPES (int8), listed providers
    slots: np.ndarray       # (county, period, type, slot) -> provider index (int16)
    count: np.ndarray       # (county, period, type) -> number of providers (int16)
    practice: np.ndarray    # latent practice score z ~ N(0, 1) of each listed provider (float):
    #                         drives its specialists' survey answers and, with
    #                         sporreundersokelse.praksis_effekt, its entrants' results

    @property
    def n_listed(self) -> int:
        return len(self.type)

    def draw(self, county: np.ndarray, period, provider_type: np.ndarray,
             uniform: np.ndarray) -> np.ndarray:
        """A provider of the given type serving the county in the period, uniformly among
        them (int16); `period` is a scalar or one per person."""
        count = self.count[county, period, provider_type]
        slot = np.minimum((uniform * count).astype(np.int32), count - 1)
        return self.slots[county, period, provider_type, slot]


@dataclass(frozen=True)
class Unemployment:
    """Registered unemployment (percent) by county and quarter, from `first_quarter`
    (quarter number = year * 4 + quarter - 1)."""
    first_quarter: int
    rate: np.ndarray  # (county, quarter), rounded to 0.01

    @property
    def quarters(self) -> np.ndarray:
        return self.first_quarter + np.arange(self.rate.shape[1])

    def at(self, county: np.ndarray, month: np.ndarray) -> np.ndarray:
        """The county's unemployment in the quarter of `month` (clipped to the period)."""
        quarter = np.clip(month // 3 - self.first_quarter, 0, self.rate.shape[1] - 1)
        return self.rate[county, quarter]


@dataclass(frozen=True)
class Structure:
    period: Period
    counties: Counties
    offices: Offices
    providers: Providers
    unemployment: Unemployment


def run(parameters: dict, streams: Streams) -> dict:
    """The structure component: adds `structure`."""
    period = Period(month_of(parameters["periode"]["forste_maned"]),
                    month_of(str(parameters["periode"]["uttrekksdato"])),
                    str(parameters["periode"]["uttrekksdato"]))
    counties = _counties(parameters["fylker"])
    offices = _offices(parameters, counties, streams.scoped("offices"))
    return {"structure": Structure(
        period=period, counties=counties, offices=offices,
        providers=_providers(parameters["leverandortype"], len(counties),
                             streams.scoped("providers")),
        unemployment=_unemployment(parameters["ledighet"], counties, period))}


def _counties(rows: list[dict]) -> Counties:
    return Counties(
        code=np.array([row["fylke"] for row in rows]),
        name=[row["navn"] for row in rows],
        weight=np.array([float(row["vekt"]) for row in rows]),
        transition_month=np.array([month_of(row["overgang"]) for row in rows], dtype=np.int32),
        last_ab_month=np.array([month_of(row["ab_slutt"]) for row in rows], dtype=np.int32),
        unemployment_factor=np.array([float(row["ledighet"]) for row in rows]),
    )


def _offices(parameters: dict, counties: Counties, streams: Streams) -> Offices:
    """Offices per county, their weights, and the offices that run Utvidet oppfølging."""
    k = parameters["kontorer"]
    count = np.maximum(k["minst_per_fylke"],
                       np.round(counties.weight / k["tusen_innbyggere_per_kontor"])).astype(np.int32)
    county = np.repeat(np.arange(len(counties), dtype=np.int16), count)
    number_in_county = np.arange(len(county)) - np.repeat(np.cumsum(count) - count, count)
    code = np.char.add(counties.code[county], np.char.zfill((number_in_county + 1).astype(str), 2))
    weight = 0.5 + (1.0 - streams.uniform("weight", len(county)))

    # Offices that start Utvidet oppfølging each year, drawn by size among those that do not
    # run it yet, from a random month of that year.
    utvidet_start = np.full(len(county), NEVER, dtype=np.int32)
    size = counties.weight[county] * weight
    for year, n_starting in sorted(parameters["utvidet"]["kontorer_starter_per_ar"].items()):
        free = np.flatnonzero(utvidet_start == NEVER)
        n_starting = min(int(n_starting), len(free))
        chosen = streams.generator(f"utvidet.{year}.offices").choice(
            free, size=n_starting, replace=False, p=size[free] / size[free].sum())
        month_of_year = streams.integers(f"utvidet.{year}.month", 0, 11, n_starting)
        utvidet_start[chosen] = int(year) * 12 + month_of_year
    return Offices(code=code, county=county, weight=weight,
                   first_of_county=(np.cumsum(count) - count).astype(np.int32),
                   count_of_county=count, utvidet_start=utvidet_start)


def _providers(parameters: dict, n_counties: int, streams: Streams) -> Providers:
    """Providers per county x period x type (listed), then one unlisted id per county, and
    each listed provider's latent practice score (stream `providers.practice`)."""
    counts = {OLD_PERIOD: [int(n) for n in parameters["antall_gammelt"]],
              NEW_PERIOD: [int(n) for n in parameters["antall_nytt"]]}
    for period, per_type in counts.items():
        if min(per_type) < 1:
            raise ValueError("leverandortype.antall_*: every provider type needs at least one "
                             f"provider per county (period {period}: {per_type})")
    width = max(max(n) for n in counts.values())
    slots = np.full((n_counties, 3, 4, width), -1, dtype=np.int16)
    count = np.zeros((n_counties, 3, 4), dtype=np.int16)
    types: list[int] = []
    for county in range(n_counties):
        for period, per_type in counts.items():
            for provider_type, n in enumerate(per_type):
                slots[county, period, provider_type, :n] = np.arange(len(types), len(types) + n)
                count[county, period, provider_type] = n
                types.extend([provider_type] * n)
    n_listed = len(types)
    slots[:, UNLISTED, UNKNOWN_TYPE, 0] = n_listed + np.arange(n_counties)
    count[:, UNLISTED, UNKNOWN_TYPE] = 1
    ids = np.char.add("L", np.char.zfill(np.arange(1, n_listed + n_counties + 1).astype(str), 4))
    practice = streams.generator("practice").standard_normal(n_listed)
    return Providers(id=ids, type=np.array(types, dtype=np.int8), slots=slots, count=count,
                     practice=practice)


def _unemployment(parameters: dict, counties: Counties, period: Period) -> Unemployment:
    """County x quarter unemployment over the whole years of the period."""
    first_quarter = (period.first_month // 12) * 4
    quarters = np.arange(first_quarter, (period.last_month // 12) * 4 + 4)
    years, quarter_of_year = quarters // 4, quarters % 4
    national = np.array([
        parameters["kvartal_2020"][q] if year == 2020
        else parameters["nasjonal"][int(year)] * parameters["sesong"][q]
        for year, q in zip(years, quarter_of_year)])
    oil_county = np.isin(counties.code, parameters["olje_fylker"])
    oil_factor = np.array([parameters["olje_faktor"].get(int(year), 1.0) for year in years])
    rate = (counties.unemployment_factor[:, None] * national[None, :]
            * np.where(oil_county[:, None], oil_factor[None, :], 1.0))
    return Unemployment(first_quarter=int(first_quarter), rate=np.round(rate, 2))
