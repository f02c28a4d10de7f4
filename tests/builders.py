"""Small extracts built in code for tests: a few persons and spells, answers known by hand."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.contract import TABLES, Extract


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    """A contract table from a list of dicts, with the contract's column types."""
    table = TABLES[name]
    df = pd.DataFrame(rows, columns=table.column_names)
    for col in table.columns:
        if col.kind == "date":
            df[col.name] = pd.to_datetime(df[col.name])
        elif col.kind == "int":
            df[col.name] = df[col.name].astype("Int64")
        elif col.kind == "float":
            df[col.name] = df[col.name].astype("float64")
        elif col.kind == "bool":
            df[col.name] = df[col.name].astype("boolean")
        else:
            df[col.name] = df[col.name].astype("string")
    return df


class ExtractBuilder:
    """Collects persons and spells, then builds an `Extract` (or writes one to a folder).

    Defaults: one county '03' with transition date 2015-06-15, provider 'L1' skjermet,
    uttrekksdato 2020-12-31.
    """

    def __init__(self, uttrekksdato: str = "2020-12-31", kilde: str = "syntetisk"):
        self.meta = {"uttrekksdato": uttrekksdato, "kilde": kilde, "beskrivelse": "test"}
        self.rows: dict[str, list[dict]] = {name: [] for name in TABLES}
        self.rows["fylker"].append({"fylke": "03", "navn": "Oslo", "overgang_dato": "2015-06-15"})
        self.rows["leverandorer"].append({"leverandor_id": "L1", "leverandortype": "skjermet"})

    def person(self, pid: str, fodselsar: int = 1980, kjonn: str = "K", landgruppe: int = 1,
               utdanning: str | None = "vgs_fullfort") -> ExtractBuilder:
        self.rows["personer"].append({"person_id": pid, "fodselsar": fodselsar, "kjonn": kjonn,
                                      "landgruppe": landgruppe, "utdanning": utdanning})
        return self

    def tiltak(self, pid: str, fra: str, til: str | None, kode: str = "OPPFOLGING",
               leverandor: str | None = "L1", kontor: str = "0301", fylke: str = "03"):
        self.rows["tiltak"].append({"person_id": pid, "fra_dato": fra, "til_dato": til,
                                    "tiltakskode": kode, "leverandor_id": leverandor,
                                    "nav_kontor": kontor, "fylke": fylke})
        return self

    def jobb(self, pid: str, fra: str, til: str | None, timer: float = 37.5):
        self.rows["arbeidsforhold"].append({"person_id": pid, "fra_dato": fra, "til_dato": til,
                                            "timer_per_uke": timer})
        return self

    def ytelse(self, pid: str, fra: str, til: str | None, ytelse: str = "AAP",
               diagnose: str | None = "psykisk"):
        self.rows["ytelser"].append({"person_id": pid, "fra_dato": fra, "til_dato": til,
                                     "ytelse": ytelse, "diagnosegruppe": diagnose})
        return self

    def status(self, pid: str, fra: str, til: str | None, gruppe: str = "spesielt_tilpasset",
               kontor: str = "0301", fylke: str = "03"):
        self.rows["brukerstatus"].append({"person_id": pid, "fra_dato": fra, "til_dato": til,
                                          "innsatsgruppe": gruppe, "nav_kontor": kontor,
                                          "fylke": fylke})
        return self

    def add(self, table: str, **row):
        self.rows[table].append(row)
        return self

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: _frame(name, rows) for name, rows in self.rows.items()
                if TABLES[name].required or rows}

    def build(self, path: str | Path = "<in memory>") -> Extract:
        return Extract(path=Path(path), meta=dict(self.meta), tables=self.tables())


def random_frame(rng: np.random.Generator, n: int, programmes=(0.6, 0.3, 0.1),
                 arbeid_med_bistand: float | None = None,
                 providers=(0.6, 0.3, 0.05, 0.05)) -> pd.DataFrame:
    """A random analysis frame of `n` entrants with skewed categories, so that small cells
    are common: shares of [gammelt, nytt, utvidet], of Arbeid med bistand among the old
    (None: half, by a fair draw), of [skjermet, kommersiell, ideell, ukjent]."""
    from helpers import tables

    def pick(values, p=None):
        return list(rng.choice(np.array(values, dtype=object), size=n, p=p))

    programme = pick(["gammelt", "nytt", "utvidet"], list(programmes))
    ab = None if arbeid_med_bistand is None else [arbeid_med_bistand, 1 - arbeid_med_bistand]
    code = [("UTVIDET_OPPFOLGING" if p == "utvidet" else
             rng.choice(["ARBEID_MED_BISTAND", "OPPFOLGING"], p=ab) if p == "gammelt"
             else "OPPFOLGING") for p in programme]
    landgruppe = pick([1, 2, 3], [0.8, 0.1, 0.1])
    return pd.DataFrame({
        "person_id": [f"p{i}" for i in range(n)],
        "entry_month": [f"{y}-0{m}" for y, m in zip(rng.integers(2013, 2019, n),
                                                     rng.integers(1, 10, n))],
        "programme": programme, "programme_code": code,
        "provider_type": pick(list(tables.PROVIDER_LABELS), list(providers)),
        "age": pd.array(rng.integers(18, 67, n), dtype="Int64"),
        "female": rng.random(n) < 0.5,
        "landgruppe": pd.array(landgruppe, dtype="Int64"),
        "immigrant": [g != 1 for g in landgruppe],
        "education": pick([c for c, _ in tables.EDUCATION_ROWS]),
        "aap_diagnosis": pick(["ikke_aap", "psykisk", "muskel_skjelett", "annen", "ukjent"],
                              [0.5, 0.2, 0.15, 0.1, 0.05]),
        "reduced_capacity": rng.random(n) < 0.7,
        "job_at_entry": rng.random(n) < 0.1,
        "months_in_job_24": rng.integers(0, 24, n),
    })
