"""Assembling: persons and spell rows as the contract's tables (columns, types, codes).

Person ids are a random permutation (stream `assemble.person_id`) of P0000001, ...;
`personer` is in id order and each spell table is sorted by person id and then by the
spell's dates, so the tables do not reveal the order in which the components drew rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.contract import (
    DATE_DTYPE,
    EDUCATION_LEVELS,
    INNSATSGRUPPER,
    INT_DTYPE,
    PROGRAMME_CODES,
    STRING_DTYPE,
)
from helpers.synth.persons import EDUCATION_UNKNOWN, Persons
from helpers.synth.rows import BENEFITS, SpellRows
from helpers.synth.streams import Streams
from helpers.synth.structure import Structure
from helpers.synth.trials import Trials, forsok_table

DIAGNOSES = ("psykisk", "muskel_skjelett", "annen")  # ytelser.diagnosegruppe, by index
SEXES = ("K", "M")


def dates(months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Month numbers + day offsets (0-based) as the contract's dates (datetime64[us])."""
    first_day = (np.asarray(months, dtype=np.int64) - 1970 * 12).astype("datetime64[M]")
    return (first_day.astype("datetime64[D]") + np.asarray(days, dtype=np.int64)).astype(DATE_DTYPE)


def strings(codes: np.ndarray, categories) -> pd.arrays.ArrowStringArray:
    """Category codes (-1 = null) as the contract's string dtype."""
    return pd.array(list(categories), dtype=STRING_DTYPE).take(np.asarray(codes), allow_fill=True)


def person_ids(streams: Streams, n: int):
    """(id_rank, ids_in_order): person i has the id ids_in_order[id_rank[i]]; the ids are
    P0000001, ... (at least 7 digits) in a random order (stream `person_id`)."""
    id_rank = streams.permutation("person_id", n)
    width = max(7, len(str(n)))
    ids_in_order = pd.array(np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), width)),
                            dtype=STRING_DTYPE)
    return id_rank, ids_in_order


def tables(streams: Streams, structure: Structure, persons: Persons,
           spells: dict[str, SpellRows], trials: Trials | None = None) -> dict[str, pd.DataFrame]:
    """`personer`, the spell tables and (with `trials`) `forsok`, in the contract's shape.
    The trial participants are persons len(persons), len(persons) + 1, ..."""
    n_trial = 0 if trials is None else len(trials)
    id_rank, ids_in_order = person_ids(streams, len(persons) + n_trial)
    by_id = np.argsort(id_rank)  # persons in id order
    birth_year = persons.entry_month // 12 - persons.age
    education = np.where(persons.education == EDUCATION_UNKNOWN, -1, persons.education)
    female, landgruppe = persons.female, persons.landgruppe
    if n_trial:
        birth_year = np.concatenate([birth_year, trials.birth_year])
        education = np.concatenate([education, trials.education])
        female = np.concatenate([female, trials.female])
        landgruppe = np.concatenate([landgruppe, trials.landgruppe])
    out = {"personer": pd.DataFrame({
        "person_id": ids_in_order,
        "fodselsar": pd.array(birth_year[by_id], dtype=INT_DTYPE),
        "kjonn": strings(np.where(female, 0, 1)[by_id], SEXES),
        "landgruppe": pd.array(landgruppe[by_id], dtype=INT_DTYPE),
        "utdanning": strings(education[by_id], EDUCATION_LEVELS),
    })}
    if n_trial:
        out["forsok"] = forsok_table(trials, ids_in_order.take(id_rank[len(persons):]))
    for name, rows in spells.items():
        out[name] = _spell_table(name, rows, structure, id_rank, ids_in_order)
    return out


def _spell_table(name: str, rows: SpellRows, structure: Structure, id_rank: np.ndarray,
                 ids_in_order) -> pd.DataFrame:
    """One spell table: rows that start after the period are dropped, those going on after
    it are open (til_dato null)."""
    last_month = structure.period.last_month
    columns = rows.arrays()
    started = columns["start_month"] <= last_month
    rank = id_rank[columns["person"][started]]
    columns = {key: value[started] for key, value in columns.items()}
    order = np.lexsort((columns["stop_day"], columns["stop_month"], columns["start_day"],
                        columns["start_month"], rank))
    columns = {key: value[order] for key, value in columns.items()}
    rank = rank[order]
    open_spell = columns["stop_month"] > last_month
    til_dato = dates(np.minimum(columns["stop_month"], last_month), columns["stop_day"])
    til_dato[open_spell] = np.datetime64("NaT")
    table = {
        "person_id": ids_in_order.take(rank),
        "fra_dato": dates(columns["start_month"], columns["start_day"]),
        "til_dato": til_dato,
    }
    offices, counties = structure.offices, structure.counties
    if name == "tiltak":
        table["tiltakskode"] = strings(columns["programme_code"], PROGRAMME_CODES)
        table["leverandor_id"] = strings(columns["provider"], structure.providers.id)
        table["nav_kontor"] = strings(columns["office"], offices.code)
        table["fylke"] = strings(offices.county[columns["office"]], counties.code)
    elif name == "arbeidsforhold":
        table["timer_per_uke"] = columns["hours"].astype(float)
    elif name == "ytelser":
        table["ytelse"] = strings(columns["benefit"], BENEFITS)
        table["diagnosegruppe"] = strings(
            np.where(columns["benefit"] == BENEFITS.index("AAP"), columns["diagnosis"], -1), DIAGNOSES)
    elif name == "utdanning_hoyere":
        pass  # the spell columns only
    elif name == "brukerstatus":
        table["innsatsgruppe"] = strings(columns["innsatsgruppe"], INNSATSGRUPPER)
        table["nav_kontor"] = strings(columns["office"], offices.code)
        table["fylke"] = strings(offices.county[columns["office"]], counties.code)
    else:
        raise KeyError(f"not a spell table: {name}")
    return pd.DataFrame(table)
