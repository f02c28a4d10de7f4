"""The register extract: the data contract (DATA_CONTRACT.md), loading and validation.

`TABLES` is the single machine-readable statement of the contract: every table, its
columns, their types, enumerations and whether they may be null. The loader, the
validator and the synthetic generator all read it, so they cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

FOLLOW_UP_CODES = ("OPPFOLGING", "ARBEID_MED_BISTAND", "UTVIDET_OPPFOLGING")
PROGRAMME_CODES = (
    "OPPFOLGING", "ARBEID_MED_BISTAND", "UTVIDET_OPPFOLGING", "ARBEIDSPRAKSIS",
    "AVKLARING", "LONNSTILSKUDD", "OPPLAERING", "ANNEN_OPPFOLGING",
    "ARBEIDSFORBEREDENDE", "TILRETTELAGT_ARBEID", "ANNET",
)
EDUCATION_LEVELS = ("grunnskole", "vgs_grunnkurs", "vgs_fullfort", "hoyere_kort", "hoyere_lang")
INNSATSGRUPPER = ("standard", "situasjonsbestemt", "spesielt_tilpasset", "varig_tilpasset")
REDUCED_CAPACITY_GROUPS = ("spesielt_tilpasset", "varig_tilpasset")
DIAGNOSIS_GROUPS = ("psykisk", "muskel_skjelett", "annen")
PROVIDER_TYPES = ("skjermet", "kommersiell", "ideell", "ukjent")


@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    kind: "string", "int", "float", "bool", "date" or "enum".
    values: the allowed values of an enum (or of an int code such as landgruppe).
    nullable: whether null is allowed.
    """
    name: str
    kind: str
    nullable: bool = False
    values: tuple | None = None


@dataclass(frozen=True)
class Table:
    """One contract table: its columns, whether it is required, and its spell nature."""
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    spell: bool = False  # has person_id, fra_dato, til_dato (til_dato null = ongoing)
    person_level: bool = False  # rows refer to persons (person_id must exist in personer)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _spell_columns(*extra: Column) -> tuple[Column, ...]:
    return (
        Column("person_id", "string"),
        Column("fra_dato", "date"),
        Column("til_dato", "date", nullable=True),
        *extra,
    )


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("personer", (
            Column("person_id", "string"),
            Column("fodselsar", "int"),
            Column("kjonn", "enum", values=("K", "M")),
            Column("landgruppe", "int", values=(1, 2, 3)),
            Column("utdanning", "enum", nullable=True, values=EDUCATION_LEVELS),
        ), person_level=True),
        Table("tiltak", _spell_columns(
            Column("tiltakskode", "enum", values=PROGRAMME_CODES),
            Column("leverandor_id", "string", nullable=True),
            Column("nav_kontor", "string"),
            Column("fylke", "string"),
        ), spell=True, person_level=True),
        Table("arbeidsforhold", _spell_columns(
            Column("timer_per_uke", "float"),
        ), spell=True, person_level=True),
        Table("ytelser", _spell_columns(
            Column("ytelse", "enum", values=("AAP", "UFORE")),
            Column("diagnosegruppe", "enum", nullable=True, values=DIAGNOSIS_GROUPS),
        ), spell=True, person_level=True),
        Table("brukerstatus", _spell_columns(
            Column("innsatsgruppe", "enum", values=INNSATSGRUPPER),
            Column("nav_kontor", "string"),
            Column("fylke", "string"),
        ), spell=True, person_level=True),
        Table("utdanning_hoyere", _spell_columns(), required=False, spell=True, person_level=True),
        Table("leverandorer", (
            Column("leverandor_id", "string"),
            Column("leverandortype", "enum", values=PROVIDER_TYPES),
        )),
        Table("fylker", (
            Column("fylke", "string"),
            Column("navn", "string"),
            Column("overgang_dato", "date"),
        )),
        Table("ledighet", (
            Column("fylke", "string"),
            Column("kvartal", "string"),
            Column("ledighetsrate", "float"),
        ), required=False),
        Table("priser", (
            Column("tiltakskode", "enum", values=PROGRAMME_CODES),
            Column("aar", "int"),
            Column("manedspris", "float"),
        ), required=False),
        Table("prisindeks", (
            Column("aar", "int"),
            Column("indeks", "float"),
        ), required=False),
        Table("forsok", (
            Column("person_id", "string"),
            Column("forsok", "enum", values=("SE-KLAR", "SE-NAV")),
            Column("enhet", "string"),
            Column("gruppe", "enum", values=("intervensjon", "kontroll")),
            Column("startdato", "date"),
            Column("gift", "bool"),
            Column("har_barn", "bool"),
            Column("fullfort_vgs", "bool"),
            Column("inntekt", "float"),
            Column("arbeidstid", "float"),
        ), required=False, person_level=True),
        # The survey has one column per codebook question besides these.
        Table("sporreundersokelse", (
            Column("respondent_id", "string"),
            Column("aar", "int", values=(2015, 2019)),
            Column("tjenesteomrade", "string"),
            Column("tiltak", "enum", values=("gammelt", "nytt")),
            Column("leverandortype", "enum", values=PROVIDER_TYPES),
            Column("sammenlignbart_omrade", "bool"),
        ), required=False),
    )
}

META_FILE = "uttrekk.json"


@dataclass
class Extract:
    """A loaded, validated extract: its tables as DataFrames and the facts in uttrekk.json.

    Dates are pandas datetime64 columns, enums and ids strings, ints nullable Int64,
    floats float64, bools boolean. An optional table that is absent is not in `tables`.
    """
    path: Path
    meta: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def uttrekksdato(self) -> pd.Timestamp:
        return pd.Timestamp(self.meta["uttrekksdato"])

    @property
    def is_synthetic(self) -> bool:
        return self.meta.get("kilde") == "syntetisk"

    def has(self, name: str) -> bool:
        return name in self.tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise KeyError(
                f"Uttrekket i {self.path} mangler tabellen '{name}' "
                f"(the extract has no '{name}' table)"
            )
        return self.tables[name]
