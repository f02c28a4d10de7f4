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
offending value of the column concerned, with its 0-based data row number.
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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from helpers.files import atomic_path

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
    key: tuple[str, ...] = ()  # columns whose combination must be unique (lookup key)

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
        ), person_level=True, key=("person_id",)),
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
        ), key=("leverandor_id",)),
        Table("fylker", (
            Column("fylke", "string"),
            Column("navn", "string"),
            Column("overgang_dato", "date"),
        ), key=("fylke",)),
        Table("ledighet", (
            Column("fylke", "string"),
            Column("kvartal", "string"),
            Column("ledighetsrate", "float"),
        ), required=False, key=("fylke", "kvartal")),
        Table("priser", (
            Column("tiltakskode", "enum", values=PROGRAMME_CODES),
            Column("aar", "int"),
            Column("manedspris", "float"),
        ), required=False, key=("tiltakskode", "aar")),
        Table("prisindeks", (
            Column("aar", "int"),
            Column("indeks", "float"),
        ), required=False, key=("aar",)),
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
_QUARTER = r"\d{4}Q[1-4]"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
    rule = "not a date (expected an ISO date, YYYY-MM-DD)"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dtype, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return s.astype(DATE_DTYPE), _none(s), None
    if not _is_str_like(s):
        return _wrong_type(s, DATE_DTYPE, rule)
    text = _as_str(s)
    try:  # fast path: every value is a plain ISO date
        arr = pa.array(text, type=pa.string(), from_pandas=True).cast(pa.date32())
        out = pd.Series(
            arr.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False), index=s.index
        ).astype(DATE_DTYPE)
        return out, _none(s), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    out = pd.to_datetime(text.str.strip(), format="ISO8601", errors="coerce")
    if getattr(out.dtype, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    out = out.astype(DATE_DTYPE)
    bad = text.notna().to_numpy() & out.isna().to_numpy()
    return out, bad, rule


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

def _check_table(table: Table, df: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[str]]:
    """Coerce one table to contract types and check its own rules (no cross-table rules).

    Returns the coerced frame (a new frame; `df` is not modified) and the problems.
    """
    problems: list[str] = []
    out = df.copy(deep=False)
    if not isinstance(out.index, pd.RangeIndex) or out.index.start != 0 or out.index.step != 1:
        out = out.reset_index(drop=True)
    missing = [c.name for c in table.columns if c.name not in out.columns]
    for name in missing:
        problems.append(_problem(file, name, "missing (required column)"))
    for col in table.columns:
        if col.name in missing:
            continue
        raw = out[col.name]
        if isinstance(raw, pd.DataFrame):
            problems.append(_problem(file, col.name, "appears more than once"))
            continue
        coerced, bad, rule = _COERCE[col.kind](raw)
        if bad.any():
            problems.append(_problem(file, col.name, rule, bad, raw))
        nulls = coerced.isna().to_numpy() & ~bad
        if not col.nullable and nulls.any():
            problems.append(_problem(file, col.name, "empty (null) but the column may not be null", nulls))
        if col.values is not None:
            outside = coerced.notna().to_numpy() & ~_np_mask(coerced.isin(col.values))
            if outside.any():
                what = "unknown code" if col.kind == "enum" else "value not allowed"
                problems.append(_problem(file, col.name, f"{what} (allowed: {_allowed(col.values)})",
                                         outside, coerced))
        out[col.name] = coerced
    present = set(table.column_names) - set(missing)
    if table.spell and {"fra_dato", "til_dato"} <= present:
        before = _np_mask(out["til_dato"] < out["fra_dato"])
        if before.any():
            problems.append(_problem(file, "til_dato", "before fra_dato", before, out["til_dato"]))
    if table.name == "ledighet" and "kvartal" in present:
        k = out["kvartal"]
        wrong = k.notna().to_numpy() & ~_np_mask(k.str.fullmatch(_QUARTER))
        if wrong.any():
            problems.append(_problem(file, "kvartal", "not a quarter (expected YYYYQn, e.g. 2016Q3)",
                                     wrong, k))
    if table.key and set(table.key) <= present:
        keys = out[list(table.key)]
        dup = keys.duplicated(keep=False).to_numpy() & keys.notna().all(axis=1).to_numpy()
        if dup.any():
            if len(table.key) == 1:
                problems.append(_problem(file, table.key[0], "duplicate (must be unique)",
                                         dup, out[table.key[0]]))
            else:
                combo = out[table.key[0]].astype(str)
                for k in table.key[1:]:
                    combo = combo + "/" + out[k].astype(str)
                problems.append(_problem(file, "+".join(table.key),
                                         "duplicate combination (must be unique)", dup, combo))
    return out, problems


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
        coerced[name], found = _check_table(table, tables[name], file)
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
                                         "not in personer", unknown, s))
    # Counties of tiltak and brukerstatus must be in fylker. (An unknown leverandor_id
    # in tiltak is not an error: the contract makes its provider type `ukjent`.)
    counties = usable("fylker", "fylke")
    if counties is not None:
        known = pd.Index(counties.dropna().unique())
        for name in ("tiltak", "brukerstatus"):
            s = usable(name, "fylke")
            if s is None:
                continue
            unknown = s.notna().to_numpy() & (known.get_indexer_for(s) < 0)
            if unknown.any():
                problems.append(_problem(files.get(name, f"{name}.parquet"), "fylke",
                                         "unknown county (not in fylker)", unknown, s))
    return coerced, problems


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
    problems: list[str] = []
    meta = None
    meta_file = path / META_FILE
    if not meta_file.is_file():
        problems.append(f"{META_FILE}: missing (expected {{\"uttrekksdato\": \"YYYY-MM-DD\", "
                        f"\"kilde\": \"syntetisk\" | \"register\", \"beskrivelse\": \"...\"}})")
    else:
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(f"{META_FILE}: not valid JSON ({exc})")
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    unreadable: set[str] = set()
    for name, table in TABLES.items():
        parquet, csv = path / f"{name}.parquet", path / f"{name}.csv"
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


def _to_arrow(table: Table | None, df: pd.DataFrame) -> pa.Table:
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
            pq.write_table(_to_arrow(TABLES.get(name), tables[name]), tmp / f"{name}.parquet",
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
