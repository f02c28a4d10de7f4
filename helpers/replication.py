"""The *Replikasjon* appendix: every published cell beside ours, read from the `tabeller/`
CSVs the build writes for the chapters (helpers.build.write_table_data) and joined with
data/published/ on (table, section, row, column, unit).

On a synthetic extract the comparison measures how well the generator is calibrated to the
published figures; on a real extract it is the replication.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.published import CORRECTIONS, PUBLISHED_DIR, read_published
from helpers.tables import HIDDEN_FLAG

# The published tables the appendix covers, in the order it shows them. To add one (e.g.
# se_klar_tabell_1), name it here after its data/published/ file; a chapter that writes
# tabeller/<name>.csv with the published labels fills it in.
TABLES: list[str] = [
    "tabell_2_1", "tabell_3_1", "tabell_4_1", "tabell_4_2", "tabell_4_3", "tabell_4_4",
    "tabell_4_5", "vedlegg_1", "vedlegg_2", "vedlegg_3",
]

TITLES: dict[str, str] = {
    "tabell_2_1": "Tabell 2.1", "tabell_3_1": "Tabell 3.1", "tabell_4_1": "Tabell 4.1",
    "tabell_4_2": "Tabell 4.2", "tabell_4_3": "Tabell 4.3", "tabell_4_4": "Tabell 4.4",
    "tabell_4_5": "Tabell 4.5", "vedlegg_1": "Vedleggstabell 1", "vedlegg_2": "Vedleggstabell 2",
    "vedlegg_3": "Vedleggstabell 3", "se_klar_tabell_1": "SE-KLAR tabell 1",
    "se_klar_tabell_2": "SE-KLAR tabell 2",
}

# Status of a published cell.
WITHIN, OUTSIDE, HIDDEN, MISSING = "ja", "nei", "skjult", "ikke beregnet"


@dataclass(frozen=True)
class Tolerance:
    """How far ours may lie from the published value: `amount` in the unit (absolute) or as
    a share of the published value (relative)."""
    amount: float
    relative: bool
    text: str

    def allowed(self, published: float) -> float:
        return self.amount * abs(published) if self.relative else self.amount


# Tolerances by unit, in one place. Shares 1.5 percentage points and coefficients 0.01 are
# the issue's; the others are ours:
# - counts of persons (and N of a regression, unit "unit"): 1 % of the published count, so a
#   register extract may differ by rounding and a few late registrations but not by a
#   definition (a changed population moves a count by far more);
# - means in years (age) and months (months in job before entry): half a unit, the printed
#   precision of a mean that rests on one-year birth cohorts and whole months;
# - R²: 0.02, an R² that moves by less does not change what the model explains;
# - "other" values with a number are the outcome means of the regression tables (shares
#   0-1): 0.005, the issue's bar for Tabell 4.2's mean. Cells without a number (Ja/Nei,
#   Ref.) must carry the same flag.
TOLERANCES: dict[str, Tolerance] = {
    "percent": Tolerance(1.5, False, "1,5 prosentpoeng"),
    "coefficient": Tolerance(0.01, False, "0,01"),
    "count": Tolerance(0.01, True, "1 % av publisert"),
    "unit": Tolerance(0.01, True, "1 % av publisert"),
    "years": Tolerance(0.5, False, "0,5 år"),
    "months": Tolerance(0.5, False, "0,5 måned"),
    "r2": Tolerance(0.02, False, "0,02"),
    "other": Tolerance(0.005, False, "0,005"),
}

KEY = ["table", "section", "row", "column", "unit"]
COMPARED_COLUMNS = KEY + ["published", "printed", "corrected", "ours", "difference",
                          "allowed", "tolerance", "status", "published_flag", "our_flag"]


def tolerance(unit: str) -> Tolerance:
    """The tolerance of a cell in `unit` (TOLERANCES); an unknown unit is an error, so a new
    published unit needs a documented rule before it is compared."""
    if unit not in TOLERANCES:
        raise KeyError(f"Ingen toleranse for enheten '{unit}' (helpers.replication.TOLERANCES)")
    return TOLERANCES[unit]


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str)


def published_cells(tables: list[str] | None = None,
                    directory: str | Path = PUBLISHED_DIR) -> pd.DataFrame:
    """Every published cell of `tables` (default TABLES) with its value compared with: the
    corrected value where CORRECTIONS has one (`corrected` True, `printed` as printed)."""
    frames = []
    for name in tables or TABLES:
        df = read_published(name, Path(directory)).copy()
        df["printed"] = df["value"]
        df["corrected"] = False
        for fix in CORRECTIONS[CORRECTIONS["table"] == name].itertuples():
            hit = (df["row"] == fix.row) & (df["column"] == fix.column)
            df.loc[hit, "value"] = fix.value
            df.loc[hit, "corrected"] = True
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    for column in ["section", "row", "column", "unit", "flag"]:
        out[column] = _text(out[column])
    return out.rename(columns={"value": "published", "flag": "published_flag"})[
        KEY + ["published", "printed", "corrected", "published_flag"]]


def read_table_data(folder: str | Path, tables: list[str] | None = None) -> pd.DataFrame:
    """Our cells of `tables` from `folder/<name>.csv` (the build's tabeller/); a table no
    chapter has written yet is simply absent."""
    frames = []
    for name in tables or TABLES:
        path = Path(folder) / f"{name}.csv"
        if path.exists():
            frames.append(pd.read_csv(path, dtype=str, keep_default_na=False))
    if not frames:
        return pd.DataFrame(columns=KEY + ["value", "flag"])
    out = pd.concat(frames, ignore_index=True)
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    return out[KEY + ["value", "flag"]]


def compare(ours: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """One row per published cell: published (corrected where marked), ours, difference
    (ours − published), the allowed difference and `status`: 'ja' / 'nei' (within its
    tolerance or not), 'skjult' (ours hidden for disclosure) or 'ikke beregnet' (no chapter
    produced the cell). A cell without a number (Ja/Nei, Ref.) is within when our flag is
    the same."""
    ours = ours.copy()
    for column in KEY + ["flag"]:
        ours[column] = _text(ours[column])
    duplicated = ours.duplicated(KEY, keep=False)
    if duplicated.any():
        first = ours[duplicated].iloc[0]
        raise ValueError(f"{first['table']}: cellen {tuple(first[KEY])} finnes flere ganger")
    ours = ours.rename(columns={"value": "ours", "flag": "our_flag"})
    out = published.merge(ours[KEY + ["ours", "our_flag"]], on=KEY, how="left",
                          indicator=True)
    found = (out["_merge"] == "both").to_numpy()
    out["published"] = out["published"].astype(float)
    out["ours"] = out["ours"].astype(float)
    out["our_flag"] = _text(out["our_flag"])
    out["difference"] = out["ours"] - out["published"]
    out["allowed"] = [tolerance(u).allowed(p) if pd.notna(p) else np.nan
                      for u, p in zip(out["unit"], out["published"])]
    out["tolerance"] = [tolerance(u).text for u in out["unit"]]
    numeric = out["published"].notna().to_numpy()
    # A small slack for floating point, so a difference of exactly the tolerance is within.
    within_number = (out["difference"].abs() <= out["allowed"] + 1e-9).to_numpy()
    within_flag = (out["our_flag"] == out["published_flag"]).to_numpy()
    hidden = (out["our_flag"] == HIDDEN_FLAG).to_numpy()
    out["status"] = np.select(
        [~found, hidden,
         numeric & within_number, ~numeric & within_flag],
        [MISSING, HIDDEN, WITHIN, WITHIN], OUTSIDE)
    out.loc[~found, "ours"] = np.nan
    return out[COMPARED_COLUMNS].reset_index(drop=True)


def replication(folder: str | Path, tables: list[str] | None = None,
                directory: str | Path = PUBLISHED_DIR) -> pd.DataFrame:
    """`compare` of the tabeller in `folder` with the published tables (default TABLES)."""
    return compare(read_table_data(folder, tables), published_cells(tables, directory))


def summary(compared: pd.DataFrame) -> pd.DataFrame:
    """One row per table, in the order of `compared`: cells, computed (not 'ikke beregnet'),
    within, outside, hidden, and the largest absolute difference of a numeric cell with its
    unit (NaN when none was computed)."""
    rows = []
    for name, cells in compared.groupby("table", sort=False):
        numeric = cells[cells["difference"].notna()]
        largest = numeric.loc[numeric["difference"].abs().idxmax()] if len(numeric) else None
        rows.append({
            "table": name,
            "title": TITLES.get(name, name),
            "cells": len(cells),
            "computed": int((cells["status"] != MISSING).sum()),
            "within": int((cells["status"] == WITHIN).sum()),
            "outside": int((cells["status"] == OUTSIDE).sum()),
            "hidden": int((cells["status"] == HIDDEN).sum()),
            "largest": abs(float(largest["difference"])) if largest is not None else np.nan,
            "largest_unit": str(largest["unit"]) if largest is not None else "",
            "largest_row": str(largest["row"]) if largest is not None else "",
        })
    return pd.DataFrame(rows)
