"""Component 6, reference tables: leverandorer, fylker, ledighet, priser, prisindeks.

Reads `structure`; adds the five reference tables of the contract (no random draws).
- leverandorer: the listed providers and their type (the unlisted ids are left out).
- fylker: county code, name and the transition date (`overgang_dato`).
- ledighet: the structure's county x quarter unemployment.
- prisindeks: `prisindeks` as given.
- priser: Tabell 6.1's monthly prices (`priser`) moved with the price index: Arbeid med
  bistand while it has participants, the old Oppfølging price to 2015, the new from 2016.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.contract import INT_DTYPE, PROVIDER_TYPES, STRING_DTYPE
from helpers.synth.assemble import dates, strings
from helpers.synth.streams import Streams
from helpers.synth.structure import Structure


def run(parameters: dict, streams: Streams, structure: Structure) -> dict:
    """The reference component: adds leverandorer, fylker, ledighet, prisindeks, priser."""
    counties, providers, unemployment = structure.counties, structure.providers, structure.unemployment
    quarters = unemployment.quarters
    quarter_labels = [f"{q // 4}Q{q % 4 + 1}" for q in quarters]
    index = {int(year): float(value) for year, value in parameters["prisindeks"].items()}
    return {
        "leverandorer": pd.DataFrame({
            "leverandor_id": pd.array(providers.id[:providers.n_listed], dtype=STRING_DTYPE),
            "leverandortype": strings(providers.type, PROVIDER_TYPES),
        }),
        "fylker": pd.DataFrame({
            "fylke": pd.array(counties.code, dtype=STRING_DTYPE),
            "navn": pd.array(counties.name, dtype=STRING_DTYPE),
            "overgang_dato": dates(counties.transition_month, np.zeros(len(counties), dtype=np.int8)),
        }),
        "ledighet": pd.DataFrame({
            "fylke": pd.array(np.repeat(counties.code, len(quarters)), dtype=STRING_DTYPE),
            "kvartal": pd.array(np.tile(quarter_labels, len(counties)), dtype=STRING_DTYPE),
            "ledighetsrate": unemployment.rate.ravel(),
        }),
        "prisindeks": pd.DataFrame({
            "aar": pd.array(sorted(index), dtype=INT_DTYPE),
            "indeks": [index[year] for year in sorted(index)],
        }),
        "priser": _prices(parameters["priser"], index, structure),
    }


def _prices(priser: dict, index: dict[int, float], structure: Structure) -> pd.DataFrame:
    """Monthly price per participant by programme code and year (nominal NOK)."""
    rows = []
    for year in range(structure.period.first_month // 12, structure.period.last_month // 12 + 1):
        if year <= priser["ab_siste_ar"]:
            rows.append(("ARBEID_MED_BISTAND", year, priser["ab_2014"] * index[year] / index[2014]))
        base, base_year = ((priser["oppfolging_2014"], 2014) if year <= 2015
                           else (priser["oppfolging_2017"], 2017))
        rows.append(("OPPFOLGING", year, base * index[year] / index[base_year]))
    return pd.DataFrame({
        "tiltakskode": pd.array([row[0] for row in rows], dtype=STRING_DTYPE),
        "aar": pd.array([row[1] for row in rows], dtype=INT_DTYPE),
        "manedspris": np.round([row[2] for row in rows], 0),
    })
