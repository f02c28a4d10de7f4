"""The register extract: the data contract (DATA_CONTRACT.md), loading and validation.

`TABLES` is the single machine-readable statement of the contract: every table, its
columns, their types, enumerations and whether they may be null. The loader, the
validator and the synthetic generator all read it, so they cannot drift apart.

Public API:
    load_extract(path) -> Extract            read + coerce + validate a folder
    validate(extract) -> list[str]           the contract problems of an Extract
    write_extract(outdir, tables, meta=None, *, check=True) -> Path
                                             write Parquet + uttrekk.json atomically
    ContractError                            raised with every problem, one per line
    cli(argv)                                `python -m helpers validate EXTRACT_DIR`

Problem messages never contain whole rows (real extracts are personal data): only the
offending value of the column concerned, with its 0-based data row number; identifiers
(person_id, respondent_id) are never shown, only their row numbers, and an 11-digit run
(the shape of a national identity number) is masked wherever it appears.

Each table's own rules (types, nulls, enumerations, ranges, patterns, unique keys, dates
before uttrekksdato) are checked by a pandera schema built from `TABLES`, lazily, so that
every rule's failure cases are collected; cross-table rules are checked in code.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from helpers.files import atomic_path

if TYPE_CHECKING:
    import pandera.pandas as pandera

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
SURVEY_PROGRAMMES = ("gammelt", "nytt", "utvidet")
QUESTION_TYPES = ("kategori", "antall", "flervalg")
EARLIEST_BIRTH_YEAR = 1900
UTTREKKSDATO = "uttrekksdato"  # a bound that is the extract's own date (or its year)


@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    kind: "string", "int", "float", "bool", "date" or "enum".
    values: the allowed values of an enum (or of an int code such as landgruppe).
    nullable: whether null is allowed.
    minimum, maximum: the smallest and largest value allowed (numbers, both included);
        maximum may be UTTREKKSDATO: for a date, not after uttrekksdato; for a year, not
        after its year. Floats must also be finite.
    pattern: a regular expression every text value must match in full, and what it means
        (pattern_name: "a quarter (YYYYQn, ...)" gives the rule "not a quarter (...)").
    identifier: values identify persons: messages show row numbers, never the values.
    """
    name: str
    kind: str
    nullable: bool = False
    values: tuple | None = None
    minimum: float | None = None
    maximum: float | str | None = None
    pattern: str | None = None
    pattern_name: str | None = None
    identifier: bool = False


@dataclass(frozen=True)
class Table:
    """One contract table: its columns, whether it is required, and its spell nature."""
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    spell: bool = False  # has person_id, fra_dato, til_dato (til_dato null = ongoing)
    person_level: bool = False  # rows refer to persons (person_id must exist in personer)
    key: tuple[str, ...] = ()  # columns whose combination must be unique (lookup key)
    min_rows: int = 0  # a table with fewer rows leaves the report nothing to compute
    open_columns: bool = False  # other columns are data too (the survey's questions)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _spell_columns(*extra: Column) -> tuple[Column, ...]:
    return (
        Column("person_id", "string", identifier=True),
        Column("fra_dato", "date", maximum=UTTREKKSDATO),
        Column("til_dato", "date", nullable=True),
        *extra,
    )


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("personer", (
            Column("person_id", "string", identifier=True),
            Column("fodselsar", "int", minimum=EARLIEST_BIRTH_YEAR, maximum=UTTREKKSDATO),
            Column("kjonn", "enum", values=("K", "M")),
            Column("landgruppe", "int", values=(1, 2, 3)),
            Column("utdanning", "enum", nullable=True, values=EDUCATION_LEVELS),
        ), person_level=True, key=("person_id",), min_rows=1),
        Table("tiltak", _spell_columns(
            Column("tiltakskode", "enum", values=PROGRAMME_CODES),
            Column("leverandor_id", "string", nullable=True),
            Column("nav_kontor", "string"),
            Column("fylke", "string"),
        ), spell=True, person_level=True, min_rows=1),
        Table("arbeidsforhold", _spell_columns(
            Column("timer_per_uke", "float", minimum=0, maximum=24 * 7),
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
        ), key=("leverandor_id",)),
        Table("fylker", (
            Column("fylke", "string"),
            Column("navn", "string"),
            Column("overgang_dato", "date"),
        ), key=("fylke",), min_rows=1),
        Table("ledighet", (
            Column("fylke", "string"),
            Column("kvartal", "string", pattern=r"\d{4}Q[1-4]",
                   pattern_name="a quarter (expected YYYYQn, e.g. 2016Q3)"),
            Column("ledighetsrate", "float", minimum=0, maximum=100),
        ), required=False, key=("fylke", "kvartal")),
        Table("priser", (
            Column("tiltakskode", "enum", values=PROGRAMME_CODES),
            Column("aar", "int"),
            Column("manedspris", "float", minimum=0),
        ), required=False, key=("tiltakskode", "aar")),
        Table("prisindeks", (
            Column("aar", "int"),
            Column("indeks", "float", minimum=0),
        ), required=False, key=("aar",)),
        Table("forsok", (
            Column("person_id", "string", identifier=True),
            Column("forsok", "enum", values=("SE-KLAR", "SE-NAV")),
            Column("enhet", "string"),
            Column("gruppe", "enum", values=("intervensjon", "kontroll")),
            Column("startdato", "date", maximum=UTTREKKSDATO),
            Column("gift", "bool"),
            Column("har_barn", "bool"),
            Column("fullfort_vgs", "bool"),
            Column("inntekt", "float", minimum=0),
            Column("arbeidstid", "float", minimum=0, maximum=24 * 7),
        ), required=False, person_level=True, key=("person_id", "forsok")),
        # One row per responding job specialist; one column per codebook question besides
        # these (their answers are checked against sporreundersokelse_kodebok).
        Table("sporreundersokelse", (
            Column("respondent_id", "string", identifier=True),
            Column("aar", "int", values=(2015, 2019)),
            Column("tjenesteomrade", "string"),
            Column("fylke", "string"),
            Column("leverandor_id", "string", nullable=True),
            Column("tiltak", "enum", values=SURVEY_PROGRAMMES),
            Column("leverandortype", "enum", values=PROVIDER_TYPES),
            Column("sammenlignbart_omrade", "bool"),
        ), required=False, key=("respondent_id",), open_columns=True),
        Table("sporreundersokelse_kodebok", (
            Column("sporsmal", "string"),
            Column("tekst", "string"),
            Column("type", "enum", values=QUESTION_TYPES),
            Column("kategorier", "string", nullable=True),
            Column("figur", "string", nullable=True),
        ), required=False, key=("sporsmal",)),
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
    # table name -> file it was read from (e.g. "tiltak.csv"); used in problem messages.
    files: dict[str, str] = field(default_factory=dict, repr=False)

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


# --------------------------------------------------------------------------------------
# Types the loader produces
# --------------------------------------------------------------------------------------

STRING_DTYPE = pd.StringDtype(na_value=np.nan)  # pandas' default "str" dtype
DATE_DTYPE = np.dtype("datetime64[us]")  # pandas 3's default resolution for parsed dates
INT_DTYPE = pd.Int64Dtype()
FLOAT_DTYPE = np.dtype("float64")
BOOL_DTYPE = pd.BooleanDtype()

KILDER = ("syntetisk", "register")
MAX_EXAMPLES = 5
CSV_NULLS = ["", "NA", "NaN", "nan", "null", "NULL", "None", "N/A", "n/a"]
_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ELEVEN_DIGITS = re.compile(r"\d{11}")
_TIME_ZONE_SUFFIX = r"[T ]\d{2}:\d{2}.*(?:Z|[+-]\d{2}(?::?\d{2})?)$"  # a time with its zone
LOCAL_TIME_ZONE = "Europe/Oslo"  # time-zone-aware timestamps are read as dates here


class ContractError(Exception):
    """An extract does not follow DATA_CONTRACT.md. `.problems` lists every problem found."""

    def __init__(self, path: str | Path, problems: list[str]):
        self.path = Path(path)
        self.problems = list(problems)
        n = len(self.problems)
        head = (
            f"Uttrekket i {self.path} følger ikke datakontrakten (DATA_CONTRACT.md): "
            f"{n} problem(er) / The extract in {self.path} does not follow the data "
            f"contract (DATA_CONTRACT.md): {n} problem(s)"
        )
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


# --------------------------------------------------------------------------------------
# Problem formatting: row numbers and single values only, never whole rows
# --------------------------------------------------------------------------------------

def _show(value) -> str:
    """One value as it appears in a message: quoted, dates as ISO dates, long text cut."""
    if isinstance(value, pd.Timestamp | _dt.datetime):
        ts = pd.Timestamp(value)
        text = ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    else:
        text = str(value)
    text = _ELEVEN_DIGITS.sub("<11 sifre>", text)
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text)


def _np_mask(mask) -> np.ndarray:
    """A boolean mask (Series, extension array or ndarray; NA counts as False) as ndarray."""
    if hasattr(mask, "to_numpy"):  # Series, Index, extension arrays
        return mask.to_numpy(dtype=bool, na_value=False)
    return np.asarray(mask, dtype=bool)


def _examples(mask, values: pd.Series | None = None) -> str:
    """`row 3 'FOO', row 17 'BAR' (+12 more)`: at most MAX_EXAMPLES offending rows."""
    rows = np.flatnonzero(_np_mask(mask))
    shown = rows[:MAX_EXAMPLES]
    if values is None:
        parts = [f"row {r}" for r in shown]
    else:
        parts = [f"row {r} {_show(values.iat[r])}" for r in shown]
    more = len(rows) - len(shown)
    return ", ".join(parts) + (f" (+{more} more)" if more else "")


def _problem(file: str, column: str | None, rule: str, mask=None, values=None) -> str:
    """`file: column 'c': rule: examples` (column and examples only where they apply)."""
    text = file + (f": column '{column}'" if column else "") + f": {rule}"
    if mask is not None:
        text += ": " + _examples(mask, values)
    return text


def _allowed(values) -> str:
    return ", ".join(str(v) for v in values)


# --------------------------------------------------------------------------------------
# Coercion: any source dtype -> the contract dtype, flagging values that do not convert
# --------------------------------------------------------------------------------------

def _is_str_like(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype) or s.dtype == object


def _as_str(s: pd.Series) -> pd.Series:
    """Values as pandas strings; nulls stay null and empty strings become null (as in CSV)."""
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.na_value is np.nan):
        s = s.astype(STRING_DTYPE)
    empty = _np_mask(s == "")
    return s.mask(empty) if empty.any() else s


def _none(s: pd.Series) -> np.ndarray:
    return np.zeros(len(s), dtype=bool)


def _coerce_string(s: pd.Series):
    if _is_str_like(s) or pd.api.types.is_integer_dtype(s.dtype):
        return _as_str(s), _none(s), None
    return _wrong_type(s, STRING_DTYPE, "wrong type (expected text)")


def _coerce_int(s: pd.Series):
    rule = "not an integer"
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype(INT_DTYPE), _none(s), None
    if pd.api.types.is_bool_dtype(s.dtype) or not (
        pd.api.types.is_float_dtype(s.dtype) or _is_str_like(s)
    ):
        return _wrong_type(s, INT_DTYPE, rule)
    if pd.api.types.is_float_dtype(s.dtype):
        src = num = s
    else:
        src = _as_str(s)
        num = pd.to_numeric(src, errors="coerce")
    arr = num.astype(FLOAT_DTYPE).to_numpy()
    with np.errstate(invalid="ignore"):
        integral = np.isfinite(arr) & (arr == np.floor(arr))
    bad = src.notna().to_numpy() & ~integral
    out = pd.Series(np.where(integral, arr, np.nan), index=s.index).astype(INT_DTYPE)
    return out, bad, rule


def _coerce_float(s: pd.Series):
    rule = "not a number"
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(FLOAT_DTYPE), _none(s), None
    if not _is_str_like(s):
        return _wrong_type(s, FLOAT_DTYPE, rule)
    text = _as_str(s)
    out = pd.to_numeric(text, errors="coerce").astype(FLOAT_DTYPE)
    bad = text.notna().to_numpy() & out.isna().to_numpy()
    return out, bad, rule


def _coerce_bool(s: pd.Series):
    rule = "not a boolean (expected true/false/1/0)"
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(BOOL_DTYPE), _none(s), None
    if not (_is_str_like(s) or pd.api.types.is_numeric_dtype(s.dtype)):
        return _wrong_type(s, BOOL_DTYPE, rule)
    if pd.api.types.is_numeric_dtype(s.dtype):
        words = s.astype(FLOAT_DTYPE).map({1.0: "1", 0.0: "0"})
    else:
        words = _as_str(s).str.strip().str.lower()
    out = words.map(_BOOL_WORDS).astype(BOOL_DTYPE)
    bad = words.notna().to_numpy() & out.isna().to_numpy()
    return out, bad, rule


def _coerce_date(s: pd.Series):
    """Dates as midnight timestamps. A time-zone-aware timestamp is first read in Oslo time
    (a UTC timestamp of Oslo midnight is that Oslo date); any other time of day is refused,
    never rounded to a date."""
    rule = "not a date (expected an ISO date, YYYY-MM-DD)"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = _local_naive(s)
    elif not _is_str_like(s):
        return _wrong_type(s, DATE_DTYPE, rule)
    else:
        text = _as_str(s)
        try:  # fast path: every value is a plain ISO date
            arr = pa.array(text, type=pa.string(), from_pandas=True).cast(pa.date32())
            out = pd.Series(
                arr.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False), index=s.index
            ).astype(DATE_DTYPE)
            return out, _none(s), None
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            pass
        text = text.str.strip()
        zoned = _np_mask(text.str.contains(_TIME_ZONE_SUFFIX, regex=True))
        values = np.full(len(s), np.datetime64("NaT"), dtype=DATE_DTYPE)
        if (~zoned).any():
            values[~zoned] = pd.to_datetime(text[~zoned], format="ISO8601",
                                            errors="coerce").astype(DATE_DTYPE).to_numpy()
        if zoned.any():
            values[zoned] = _local_naive(pd.to_datetime(text[zoned], format="ISO8601",
                                                        errors="coerce", utc=True)).to_numpy()
        out = pd.Series(values, index=s.index)
        bad = text.notna().to_numpy() & out.isna().to_numpy()
        if bad.any():
            return out.mask(bad), bad, rule
    timed = _np_mask(out.notna() & (out != out.dt.normalize()))
    if timed.any():
        return out.mask(timed), timed, ("has a time of day (expected a date; a timestamp is "
                                        "accepted only at midnight, Oslo time)")
    return out, _none(s), None


def _local_naive(s: pd.Series) -> pd.Series:
    """Timestamps as naive Oslo wall-clock time (naive ones are taken as they are)."""
    if getattr(s.dtype, "tz", None) is not None:
        s = s.dt.tz_convert(LOCAL_TIME_ZONE).dt.tz_localize(None)
    return s.astype(DATE_DTYPE)


def _wrong_type(s: pd.Series, dtype, rule: str):
    """A column of an unconvertible dtype: every non-null value is offending; result is null."""
    return pd.Series(None, index=s.index, dtype=dtype), s.notna().to_numpy(), f"{rule}, found {s.dtype}"


_COERCE = {
    "string": _coerce_string,
    "enum": _coerce_string,
    "int": _coerce_int,
    "float": _coerce_float,
    "bool": _coerce_bool,
    "date": _coerce_date,
}


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------

def _plain_values(s: pd.Series) -> pd.Series:
    """A categorical column (pandas categoricals, R factors, Arrow dictionaries) as its values."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return pd.Series(np.asarray(s, dtype=object), index=s.index, name=s.name)
    return s


def _bound(value, kind: str, meta: Mapping | None):
    """A Column bound as a value: UTTREKKSDATO becomes the date (or, for a year, its year);
    None when the meta data has no valid uttrekksdato."""
    if value != UTTREKKSDATO:
        return value
    try:
        date = pd.Timestamp(_dt.date.fromisoformat(str(meta.get("uttrekksdato"))))
    except (ValueError, AttributeError):
        return None
    return date if kind == "date" else date.year


def _show_bound(value) -> str:
    if isinstance(value, pd.Timestamp):
        return f"uttrekksdato {value.date().isoformat()}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _column_checks(col: Column, meta: Mapping | None) -> list[tuple[pandera.Check, str]]:
    """The pandera checks of one column, each with the rule its message states."""
    import pandera.pandas as pandera  # imported when checking, not to read contract facts

    checks = []
    if col.values is not None:
        what = "unknown code" if col.kind == "enum" else "value not allowed"
        checks.append((pandera.Check.isin(list(col.values)),
                       f"{what} (allowed: {_allowed(col.values)})"))
    if col.kind == "float":
        checks.append((pandera.Check(lambda s: pd.Series(np.isfinite(s.to_numpy(dtype=float)),
                                                         index=s.index)),
                       "not a finite number"))
    low, high = col.minimum, _bound(col.maximum, col.kind, meta)
    if col.kind == "float":  # a non-finite value breaks the rule above, not a bound too
        def at_least(bound):
            return pandera.Check(lambda s: ~np.isfinite(s) | (s >= bound))

        def at_most(bound):
            return pandera.Check(lambda s: ~np.isfinite(s) | (s <= bound))
    else:
        at_least, at_most = pandera.Check.ge, pandera.Check.le
    if low is not None:
        checks.append((at_least(low), f"below the smallest value allowed ({_show_bound(low)})"))
    if high is not None:
        rule = (f"after {_show_bound(high)}" if col.kind == "date" else
                f"after the year of uttrekksdato ({high})" if col.maximum == UTTREKKSDATO else
                f"above the largest value allowed ({_show_bound(high)})")
        checks.append((at_most(high), rule))
    if col.pattern is not None:
        checks.append((pandera.Check.str_matches(f"(?:{col.pattern})$"),
                       f"not {col.pattern_name or 'matching ' + col.pattern}"))
    return checks


_SPELL_ORDER_RULE = "before fra_dato"


def _schema(table: Table, present: list[str], meta: Mapping | None):
    """A pandera schema of one table's own rules (for the columns present), and a map from
    each check to (column shown in the message, rule)."""
    import pandera.pandas as pandera  # imported when checking, not to read contract facts

    rules: dict[tuple, tuple[str, str]] = {}
    columns = {}
    for col in table.columns:
        if col.name not in present:
            continue
        checks = _column_checks(col, meta)
        for number, (_, rule) in enumerate(checks):
            rules[(col.name, number)] = (col.name, rule)
        rules[(col.name, "not_nullable")] = (col.name, "empty (null) but the column may not be null")
        columns[col.name] = pandera.Column(checks=[c for c, _ in checks], nullable=col.nullable)
    frame_checks = []
    if table.spell and {"fra_dato", "til_dato"} <= set(present):
        frame_checks.append(pandera.Check(lambda df: ~(df["til_dato"] < df["fra_dato"]),
                                          ignore_na=False))
        rules[("frame", 0)] = ("til_dato", _SPELL_ORDER_RULE)
    key = list(table.key) if table.key and set(table.key) <= set(present) else None
    if key:
        rules[("unique", None)] = ("+".join(key), "duplicate (must be unique)" if len(key) == 1
                                   else "duplicate combination (must be unique)")
    schema = pandera.DataFrameSchema(columns, checks=frame_checks, unique=key,
                                     report_duplicates="all")
    return schema, rules


def _failures(schema, df: pd.DataFrame, rules: dict) -> dict[tuple[str, str], np.ndarray]:
    """Validate lazily; every failing rule as {(column, rule): offending row numbers}."""
    import pandera.pandas as pandera  # imported when checking, not to read contract facts

    try:
        schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return {}
    found: dict[tuple[str, str], set] = {}
    for context, column, check, number, index in zip(
            cases["schema_context"], cases["column"], cases["check"], cases["check_number"],
            cases["index"]):
        if check in ("field_uniqueness", "multiple_fields_uniqueness"):
            where = ("unique", None)
        elif check == "not_nullable":
            where = (column, "not_nullable")
        elif context == "DataFrameSchema":
            where = ("frame", int(number))
        else:
            where = (column, int(number))
        if where not in rules:
            raise RuntimeError(f"unexpected pandera failure {context}/{column}/{check}")
        if index is not None and not pd.isna(index):
            found.setdefault(rules[where], set()).add(int(index))
    return {key: np.array(sorted(rows), dtype=np.int64) for key, rows in found.items()}


def _check_table(table: Table, df: pd.DataFrame, file: str,
                 meta: Mapping | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Coerce one table to contract types and check its own rules (no cross-table rules).

    Returns the coerced frame (a new frame; `df` is not modified) and the problems, in
    column order, one per column and rule.
    """
    order = {name: i for i, name in enumerate(table.column_names)}
    found: list[tuple[int, str]] = []  # (position of the column in the contract, problem)

    def report(column: str | None, rule: str, mask=None, values=None) -> None:
        position = -1 if column is None else order.get(column.split("+")[0], len(order))
        found.append((position, _problem(file, column, rule, mask, values)))

    out = df.copy(deep=False)
    if not isinstance(out.index, pd.RangeIndex) or out.index.start != 0 or out.index.step != 1:
        out = out.reset_index(drop=True)
    missing = [c.name for c in table.columns if c.name not in out.columns]
    for name in missing:
        report(name, "missing (required column)")
    if len(out) < table.min_rows:
        report(None, f"has no rows (the report needs at least {table.min_rows})")
    unconvertible: dict[str, np.ndarray] = {}
    as_given: dict[str, pd.Series] = {}  # values as they were read, for messages
    present = []
    for col in table.columns:
        if col.name in missing:
            continue
        raw = out[col.name]
        if isinstance(raw, pd.DataFrame):
            report(col.name, "appears more than once")
            continue
        raw = _plain_values(raw)
        coerced, bad, rule = _COERCE[col.kind](raw)
        if bad.any():
            report(col.name, rule, bad, None if col.identifier else raw)
        unconvertible[col.name] = bad
        as_given[col.name] = raw
        out[col.name] = coerced
        present.append(col.name)
    if table.open_columns:
        for name in out.columns:
            if name not in table.column_names:
                out[name] = _plain_values(out[name])
    schema, rules = _schema(table, present, meta)
    failures = _failures(schema, out[present], rules)
    shown = {c.name: c for c in table.columns}
    given = pd.DataFrame(as_given) if failures else None
    for (column, rule), rows in failures.items():
        if rule.startswith("empty (null)"):
            rows = rows[~unconvertible[column][rows]]  # already reported as unconvertible
        if len(rows) == 0:
            continue
        mask = np.zeros(len(out), dtype=bool)
        mask[rows] = True
        report(column, rule, mask, _shown_values(given, column, shown))
    found.sort(key=lambda item: item[0])  # stable: a column's problems keep their order
    return out, [problem for _, problem in found]


def _shown_values(df: pd.DataFrame, column: str, columns: Mapping[str, Column]) -> pd.Series | None:
    """What a message may show of a column's offending rows: None (row numbers only) for
    identifiers; a key's values joined with '/' for a combination."""
    names = column.split("+")
    if any(columns[n].identifier for n in names):
        return None
    if len(names) == 1:
        return df[column]
    combo = df[names[0]].astype(str)
    for name in names[1:]:
        combo = combo + "/" + df[name].astype(str)
    return combo


def _check_meta(meta, file: str = META_FILE) -> list[str]:
    """Problems in the contents of uttrekk.json (already parsed)."""
    if not isinstance(meta, Mapping):
        return [f"{file}: must be a JSON object with uttrekksdato, kilde and beskrivelse"]
    problems = []
    date = meta.get("uttrekksdato")
    if date is None:
        problems.append(f"{file}: key 'uttrekksdato': missing (expected an ISO date, YYYY-MM-DD)")
    else:
        ok = isinstance(date, str) and _ISO_DATE.fullmatch(date) is not None
        if ok:
            try:
                _dt.date.fromisoformat(date)
            except ValueError:
                ok = False
        if not ok:
            problems.append(f"{file}: key 'uttrekksdato': not a date (expected an ISO date, "
                            f"YYYY-MM-DD): {_show(date)}")
    kilde = meta.get("kilde")
    if kilde is None:
        problems.append(f"{file}: key 'kilde': missing (expected one of: {_allowed(KILDER)})")
    elif kilde not in KILDER:
        problems.append(f"{file}: key 'kilde': unknown value (allowed: {_allowed(KILDER)}): {_show(kilde)}")
    if "beskrivelse" in meta and not isinstance(meta["beskrivelse"], str):
        problems.append(f"{file}: key 'beskrivelse': must be text")
    start = meta.get("observasjonsstart")
    if start is not None:
        try:
            first = _dt.date.fromisoformat(start) if isinstance(start, str) and \
                _ISO_DATE.fullmatch(start) else None
        except ValueError:
            first = None
        if first is None:
            problems.append(f"{file}: key 'observasjonsstart': not a date (expected an ISO "
                            f"date, YYYY-MM-DD): {_show(start)}")
        elif isinstance(date, str) and _ISO_DATE.fullmatch(date) and not problems and \
                first > _dt.date.fromisoformat(date):
            problems.append(f"{file}: key 'observasjonsstart': after uttrekksdato ({date}): "
                            f"{_show(start)}")
    return problems


def _check_all(tables: Mapping[str, pd.DataFrame], meta, files: Mapping[str, str],
               csv_ok: bool = False, unreadable: frozenset[str] = frozenset(),
               ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Coerce and check every table, the cross-table rules and the meta data.

    meta None skips the meta checks (a missing/broken uttrekk.json is reported by the
    loader); tables in `unreadable` are not reported as missing (already reported).
    Returns (coerced tables, problems). Nothing passed in is modified.
    """
    problems: list[str] = [] if meta is None else _check_meta(meta)
    coerced: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        file = files.get(name, f"{name}.parquet")
        if name not in tables:
            if table.required and name not in unreadable:
                note = f"; {name}.csv is also accepted" if csv_ok else ""
                problems.append(f"{file}: missing (required table{note})")
            continue
        coerced[name], found = _check_table(table, tables[name], file, meta)
        problems += found
    for name in tables:
        if name not in TABLES:
            problems.append(f"{files.get(name, name + '.parquet')}: not a table of the contract")

    def usable(name: str, column: str) -> pd.Series | None:
        df = coerced.get(name)
        return df[column] if df is not None and column in df.columns else None

    # Every person_id of a person-level table must be a person in personer.
    ids = usable("personer", "person_id")
    if ids is not None:
        known = pd.Index(ids.dropna().unique())
        for name, table in TABLES.items():
            s = usable(name, "person_id")
            if name == "personer" or not table.person_level or s is None:
                continue
            unknown = s.notna().to_numpy() & (known.get_indexer_for(s) < 0)
            if unknown.any():
                problems.append(_problem(files.get(name, f"{name}.parquet"), "person_id",
                                         "not in personer", unknown))  # row numbers only
    # Counties of tiltak, brukerstatus and the survey must be in fylker. (An unknown
    # leverandor_id is not an error: the contract makes its provider type `ukjent`.)
    counties = usable("fylker", "fylke")
    if counties is not None:
        known = pd.Index(counties.dropna().unique())
        for name in ("tiltak", "brukerstatus", "sporreundersokelse"):
            s = usable(name, "fylke")
            if s is None:
                continue
            unknown = s.notna().to_numpy() & (known.get_indexer_for(s) < 0)
            if unknown.any():
                problems.append(_problem(files.get(name, f"{name}.parquet"), "fylke",
                                         "unknown county (not in fylker)", unknown, s))
    problems += _check_survey(coerced, files)
    return coerced, problems


def _check_survey(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[str]:
    """The survey and its codebook describe each other: every question column has a codebook
    row and every codebook row a column; answers are the codebook's categories (kategori:
    one; flervalg: several, ';'-separated) or, for antall, a count (a number >= 0)."""
    survey, codebook = tables.get("sporreundersokelse"), tables.get("sporreundersokelse_kodebok")
    if survey is None and codebook is None:
        return []
    survey_file = files.get("sporreundersokelse", "sporreundersokelse.parquet")
    codebook_file = files.get("sporreundersokelse_kodebok", "sporreundersokelse_kodebok.parquet")
    if codebook is None:
        return [f"{codebook_file}: missing (required with {survey_file}: it describes the "
                f"question columns)"]
    if survey is None:
        return [f"{survey_file}: missing (required with {codebook_file})"]
    if not {"sporsmal", "type", "kategorier"} <= set(codebook.columns):
        return []  # its own missing columns are already reported
    base = set(TABLES["sporreundersokelse"].column_names)
    questions = [c for c in survey.columns if c not in base]
    described = codebook["sporsmal"].dropna().astype(str).tolist()
    problems = []
    undescribed = [q for q in questions if q not in described]
    if undescribed:
        problems.append(f"{survey_file}: question column(s) not in {codebook_file}: "
                        + ", ".join(repr(q) for q in undescribed[:MAX_EXAMPLES]))
    absent = [q for q in described if q not in questions]
    if absent:
        problems.append(f"{codebook_file}: column 'sporsmal': no such column in {survey_file}: "
                        + ", ".join(repr(q) for q in absent[:MAX_EXAMPLES]))
    for row in codebook.itertuples(index=False):
        if row.sporsmal not in questions or pd.isna(row.type):
            continue
        answers = survey[row.sporsmal]
        given = answers.notna().to_numpy()
        if row.type == "antall":
            numbers = pd.to_numeric(answers.astype(object), errors="coerce").astype(float)
            bad = given & ~(np.isfinite(numbers.to_numpy()) & (numbers.to_numpy() >= 0))
            rule = "not a count (expected a number >= 0, as the codebook's type antall says)"
        else:
            categories = [c.strip() for c in ("" if pd.isna(row.kategorier) else str(row.kategorier)).split(";")
                          if c.strip()]
            text = answers.astype(object).map(lambda v: str(v).strip(), na_action="ignore")
            if row.type == "flervalg":
                allowed = set(categories)
                ok = text.map(lambda v, allowed=allowed: {p.strip() for p in v.split(";")
                                                          if p.strip()} <= allowed,
                              na_action="ignore")
            else:
                ok = text.isin(categories)
            bad = given & ~_np_mask(ok)
            rule = (f"answer not among the codebook's categories "
                    f"({_allowed(categories) if categories else 'none given'})")
        if bad.any():
            problems.append(_problem(survey_file, row.sporsmal, rule, bad, answers))
    return problems


def validate(extract: Extract) -> list[str]:
    """Check an Extract (loaded or built in memory) against the contract; return the problems.

    Each problem is one line: `FILE: column 'COL': RULE: row N 'VALUE', ...`. The
    extract is not modified. An empty list means the extract follows the contract.
    """
    return _check_all(extract.tables, extract.meta, extract.files)[1]


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------

_ARROW_TO_PANDAS = {
    pa.int8(): INT_DTYPE, pa.int16(): INT_DTYPE, pa.int32(): INT_DTYPE, pa.int64(): INT_DTYPE,
    pa.uint8(): INT_DTYPE, pa.uint16(): INT_DTYPE, pa.uint32(): INT_DTYPE,
    pa.bool_(): BOOL_DTYPE,
}


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    df = table.to_pandas(types_mapper=_ARROW_TO_PANDAS.get, date_as_object=False)
    if not isinstance(df.index, pd.RangeIndex):
        df = df.reset_index(drop=list(df.index.names) == [None])
    return df


def _read_parquet(path: Path) -> pd.DataFrame:
    return _to_pandas(pq.read_table(path))


def _read_csv(path: Path, table: Table) -> pd.DataFrame:
    """Read a CSV with the contract's columns as text (coerced later); others are inferred."""
    with open(path, encoding="utf-8-sig") as f:
        header = f.readline()
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = [h.strip().strip('"') for h in header.rstrip("\r\n").split(delimiter)]
    contract = set(table.column_names)
    types = {n: pa.string() for n in names if n in contract}
    data = pa_csv.read_csv(
        path,
        parse_options=pa_csv.ParseOptions(delimiter=delimiter),
        convert_options=pa_csv.ConvertOptions(
            column_types=types, null_values=CSV_NULLS, strings_can_be_null=True,
        ),
    )
    return _to_pandas(data)


def _read_error(file: str, exc: Exception) -> str:
    """A read failure without any data: parser messages may quote a line of the file."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    text = ": ".join(text.split(": ")[:2])[:160]
    return f"{file}: cannot be read ({type(exc).__name__}: {text})"


def _read_meta(path: Path) -> tuple[dict | None, list[str]]:
    """uttrekk.json of the extract folder `path`, parsed (None if it cannot be), and the
    problems found reading it (its contents are checked by _check_meta)."""
    meta_file = path / META_FILE
    if not meta_file.is_file():
        return None, [f"{META_FILE}: missing (expected {{\"uttrekksdato\": \"YYYY-MM-DD\", "
                      f"\"kilde\": \"syntetisk\" | \"register\", \"beskrivelse\": \"...\"}})"]
    try:
        return json.loads(meta_file.read_text(encoding="utf-8-sig")), []
    except (ValueError, UnicodeDecodeError) as exc:
        return None, [f"{META_FILE}: not valid JSON ({exc})"]


def load_meta(path: str | Path) -> dict:
    """The checked contents of the extract folder's uttrekk.json (ContractError if wrong),
    without reading its tables."""
    path = Path(path)
    meta, problems = _read_meta(path)
    problems += _check_meta(meta) if meta is not None else []
    if problems:
        raise ContractError(path, problems)
    return dict(meta)


def load_extract(path: str | Path) -> Extract:
    """Read the extract folder at `path`, coerce every table to contract types, validate.

    Reads uttrekk.json and, per table, NAME.parquet (preferred) or NAME.csv. Contract
    columns get: dates datetime64[us], ids/enums the pandas "str" dtype, ints Int64,
    floats float64, bools boolean; other columns are kept as read. Absent optional
    tables are not in `.tables`. Raises ContractError listing every problem.
    """
    path = Path(path)
    if not path.is_dir():
        raise ContractError(path, [f"{path}: not a folder (expected the extract folder)"])
    meta, problems = _read_meta(path)
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    unreadable: set[str] = set()
    for name, table in TABLES.items():
        parquet, csv = path / f"{name}.parquet", path / f"{name}.csv"
        if parquet.is_file() and csv.is_file():
            problems.append(f"{parquet.name} and {csv.name}: both present (keep one: the "
                            f"report will not choose between two versions of a table)")
            unreadable.add(name)
            continue
        file = parquet if parquet.is_file() else csv if csv.is_file() else None
        if file is None:
            continue
        try:
            tables[name] = _read_parquet(file) if file is parquet else _read_csv(file, table)
            files[name] = file.name
        except (OSError, ValueError, pa.ArrowException) as exc:
            problems.append(_read_error(file.name, exc))
            unreadable.add(name)
    coerced, found = _check_all(tables, meta, files, csv_ok=True,
                                unreadable=frozenset(unreadable))
    problems += found
    if problems:
        raise ContractError(path, problems)
    return Extract(path=path, meta=dict(meta), tables=coerced, files=files)


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

_ARROW_TYPES = {
    "string": pa.string(), "enum": pa.string(), "int": pa.int64(),
    "float": pa.float64(), "bool": pa.bool_(), "date": pa.date32(),
}


def to_arrow(table: Table | None, df: pd.DataFrame) -> pa.Table:
    """A frame as an Arrow table with canonical types: contract columns first, in spec order."""
    spec = {c.name: c for c in table.columns} if table else {}
    order = [c for c in spec if c in df.columns] + [c for c in df.columns if c not in spec]
    arrays, names = [], []
    for name in order:
        s = df[name]
        if name in spec:
            kind = spec[name].kind
            if kind == "date":
                arr = pa.Array.from_pandas(s.astype(DATE_DTYPE)).cast(pa.date32(), safe=False)
            else:
                arr = pa.array(s, type=_ARROW_TYPES[kind], from_pandas=True)
        else:
            arr = pa.Array.from_pandas(s)
            if pa.types.is_large_string(arr.type):
                arr = arr.cast(pa.string())
            elif pa.types.is_timestamp(arr.type):
                arr = arr.cast(pa.timestamp("us", tz=arr.type.tz))
        arrays.append(arr)
        names.append(str(name))
    return pa.Table.from_arrays(arrays, names=names)  # no pandas metadata, no index


def _meta_json(meta: Mapping) -> str:
    def plain(v):
        if isinstance(v, pd.Timestamp | _dt.datetime):
            return pd.Timestamp(v).date().isoformat()
        if isinstance(v, _dt.date):
            return v.isoformat()
        return v
    return json.dumps({k: plain(v) for k, v in meta.items()}, sort_keys=True, indent=2,
                      ensure_ascii=False) + "\n"


def write_extract(outdir: str | Path, tables: Mapping[str, pd.DataFrame] | Extract,
                  meta: Mapping | None = None, *, check: bool = True) -> Path:
    """Write an extract folder: one NAME.parquet per table plus uttrekk.json, atomically.

    outdir: the extract folder; an existing one is replaced only once everything has
        been written (a failure leaves it untouched; see helpers.files.atomic_path).
    tables: {name: DataFrame}, or an Extract (its meta is used when `meta` is None).
    meta: uttrekk.json contents ({"uttrekksdato", "kilde", "beskrivelse"}); dates may
        be date/Timestamp objects or ISO strings.
    check: coerce and validate first (raising ContractError before anything is written).
    Output is deterministic: contract columns first in spec order with canonical Arrow
    types (dates as date32, text as string), no index, no pandas metadata, zstd.
    Returns outdir.
    """
    outdir = Path(outdir)
    if isinstance(tables, Extract):
        meta = tables.meta if meta is None else meta
        tables = tables.tables
    if meta is None:
        raise TypeError("write_extract needs meta (the contents of uttrekk.json)")
    meta_text = _meta_json(meta)
    tables = dict(tables)
    if check:
        coerced, problems = _check_all(tables, json.loads(meta_text), {})
        if problems:
            raise ContractError(outdir, problems)
        tables = {**tables, **coerced}
    with atomic_path(outdir, "dir", marker="extract") as tmp:
        tmp.mkdir()
        for name in sorted(tables):
            pq.write_table(to_arrow(TABLES.get(name), tables[name]), tmp / f"{name}.parquet",
                           compression="zstd")
        (tmp / META_FILE).write_text(meta_text, encoding="utf-8")
    return outdir


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------

def cli(argv: list[str] | None = None) -> int:
    """`python -m helpers validate EXTRACT_DIR`: print OK and the row counts, or every problem."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers validate",
        description="Check an extract folder against DATA_CONTRACT.md.",
    )
    parser.add_argument("extract_dir", type=Path, help="the extract folder")
    args = parser.parse_args(argv)
    try:
        ext = load_extract(args.extract_dir)
    except ContractError as exc:
        print(exc, file=sys.stderr)
        return 1
    rows = sum(len(df) for df in ext.tables.values())
    print(f"OK: {len(ext.tables)} tables, {rows} rows ({args.extract_dir}, kilde: {ext.meta['kilde']})")
    for name, df in ext.tables.items():
        print(f"  {ext.files[name]:<28} {len(df):>10} rows")
    return 0
