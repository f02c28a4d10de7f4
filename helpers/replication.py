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

from helpers.prose import number
from helpers.published import CORRECTIONS, PUBLISHED_DIR, read_published
from helpers.survey import FACTS_TABLE as SURVEY_TABLE
from helpers.survey import survey_fact_cells
from helpers.tables import FIGUR_2_9_FACTS, FIGUR_4_1_FACTS, HIDDEN_FLAG, HIDDEN_MARK, with_data

# The published tables the appendix covers, in the order it shows them. To add one (e.g.
# se_klar_tabell_1), name it here after its data/published/ file; a chapter that writes
# tabeller/<name>.csv with the published labels fills it in.
TABLES: list[str] = [
    "tabell_2_1", "tabell_3_1", "tabell_4_1", "tabell_4_2", "tabell_4_3", "tabell_4_4",
    "tabell_4_5", "vedlegg_1", "vedlegg_2", "vedlegg_3", "se_klar_tabell_1", "se_klar_tabell_2",
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
    # the trial tables (SE-KLAR): hours a week 0,5; income 5 %; p- and t-values are
    # shown beside the published ones with a wide band, since they move with the sample
    "hours": Tolerance(0.5, False, "0,5 timer"),
    "nok": Tolerance(0.05, True, "5 % av publisert"),
    "pvalue": Tolerance(0.25, False, "0,25"),
    "tvalue": Tolerance(1.0, False, "1,0"),
}
# Where a table's tolerance differs from its unit's (the trial issue's bars), by (table,
# unit) or, first, (table, row): SE-KLAR Tabell 1's shares within 3 percentage points,
# Tabell 2's months within 1 month, and its total hours within 0,5 hours a week over the
# 156 weeks.
TABLE_TOLERANCES: dict[tuple[str, str], Tolerance] = {
    ("se_klar_tabell_1", "percent"): Tolerance(3.0, False, "3 prosentpoeng"),
    ("se_klar_tabell_2", "months"): Tolerance(1.0, False, "1 måned"),
    ("se_klar_tabell_2", "Total arbeidstid (timer)"): Tolerance(78.0, False, "78 timer (0,5 timer i uka i 156 uker)"),
}

KEY = ["table", "section", "row", "column", "unit"]
COMPARED_COLUMNS = KEY + ["published", "printed", "corrected", "ours", "difference",
                          "allowed", "tolerance", "status", "published_flag", "our_flag"]


def tolerance(unit: str, table: str | None = None, row: str | None = None) -> Tolerance:
    """The tolerance of a cell in `unit` (TOLERANCES); an unknown unit is an error, so a new
    published unit needs a documented rule before it is compared."""
    for key in ((table, row), (table, unit)):
        if key in TABLE_TOLERANCES:
            return TABLE_TOLERANCES[key]
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
    out["allowed"] = [tolerance(u, t, r).allowed(p) if pd.notna(p) else np.nan
                      for u, p, t, r in zip(out["unit"], out["published"], out["table"], out["row"])]
    out["tolerance"] = [tolerance(u, t, r).text for u, t, r in zip(out["unit"], out["table"], out["row"])]
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
        # The largest difference measured against its tolerance, so units can be compared.
        ratio = numeric["difference"].abs() / numeric["allowed"]
        largest = numeric.loc[ratio.idxmax()] if len(numeric) else None
        rows.append({
            "table": name,
            "title": TITLES.get(name, name),
            "cells": len(cells),
            "computed": int((cells["status"] != MISSING).sum()),
            "within": int((cells["status"] == WITHIN).sum()),
            "outside": int((cells["status"] == OUTSIDE).sum()),
            "hidden": int((cells["status"] == HIDDEN).sum()),
            "largest": abs(float(largest["difference"])) if largest is not None else np.nan,
            "largest_allowed": float(largest["allowed"]) if largest is not None else np.nan,
            "largest_unit": str(largest["unit"]) if largest is not None else "",
            "largest_row": str(largest["row"]) if largest is not None else "",
        })
    return pd.DataFrame(rows)


# --- What the appendix shows ---------------------------------------------------------------

NAME = "replikasjon"  # tabeller/replikasjon.csv
DECIMALS = {"count": 0, "unit": 0, "percent": 1, "years": 1, "months": 1, "mean": 2, "coefficient": 4,
            "r2": 3, "other": 3}
UNIT_TEXT = {"mean": "", "count": "personer", "unit": "observasjoner", "percent": "prosentpoeng",
             "years": "år", "months": "måneder", "coefficient": "", "r2": "", "other": ""}
UNIT_NAMES = {"mean": "gjennomsnitt", "count": "antall", "unit": "antall obs.", "percent": "prosent", "years": "år",
              "months": "måneder", "coefficient": "koeffisient", "r2": "R²", "other": "annet"}
STATUS_TEXT = {WITHIN: "ja", OUTSIDE: "nei", HIDDEN: "skjult", MISSING: "ikke beregnet"}


def format_cell(value: float, unit: str, flag: str = "") -> str:
    """A value of the appendix: the unit's decimals, a flag (Ja/Nei, Ref.) where there is
    no number, '–' where there is neither."""
    if value is None or pd.isna(value):
        return flag or "–"
    return number(value, DECIMALS.get(unit, 3))


def difference_text(value: float, unit: str) -> str:
    """A difference with its sign and unit: '+1,2 prosentpoeng', '−0,0031'."""
    text = format_cell(value, unit)
    if value > 0 and round(value, DECIMALS.get(unit, 3)) != 0:
        text = "+" + text
    return f"{text} {UNIT_TEXT.get(unit, '')}".strip()


def table_sentence(row) -> str:
    """The summary line of one table (a row of `summary`), from the numbers."""
    if row["computed"] == 0:
        return (f"{row['title']}: ikke beregnet ennå – ingen av bokas kapitler lager "
                f"tabellen ({row['cells']} publiserte celler).")
    compared = row["computed"] - row["hidden"]
    text = f"{row['title']}: {row['within']} av {compared} sammenlignbare celler er innenfor toleransen"
    extra = []
    if row["hidden"]:
        extra.append(f"{row['hidden']} skjult")
    if row["cells"] > row["computed"]:
        extra.append(f"{row['cells'] - row['computed']} ikke beregnet")
    if extra:
        text += " (" + ", ".join(extra) + ")"
    if pd.notna(row["largest"]):
        where = "innenfor" if row["largest"] <= row["largest_allowed"] + 1e-9 else "utenfor"
        text += (f"; den største differansen målt mot toleransen er "
                 f"{difference_text(row['largest'], row['largest_unit'])} "
                 f"({row['largest_row']}), {where} toleransen")
    return text + "."


def summary_text(summary_table: pd.DataFrame) -> str:
    """One line per table, as a Markdown list."""
    return "\n".join(f"- {table_sentence(row)}" for _, row in summary_table.iterrows())


def overall_sentence(compared: pd.DataFrame, synthetic: bool) -> str:
    """What the comparison measures on this extract, and how it came out over all tables."""
    done = compared[~compared["status"].isin([MISSING, HIDDEN])]
    within = int((done["status"] == WITHIN).sum())
    what = ("Uttrekket er syntetisk: sammenligningen måler hvor godt generatoren er kalibrert "
            "til de publiserte tallene, ikke om resultatene kan gjenskapes."
            if synthetic else
            "Uttrekket er fra registrene: sammenligningen viser om de publiserte resultatene "
            "kan gjenskapes.")
    if len(done) == 0:
        return what + " Ingen publisert celle er beregnet ennå."
    tables_done = done["table"].nunique()
    return (f"{what} Av {len(done)} publiserte celler som boka har beregnet og viser, i "
            f"{tables_done} av {compared['table'].nunique()} tabeller, er {within} innenfor "
            f"toleransen og {len(done) - within} utenfor.")


# How the appendix names each unit's cells (for `tolerance_sentence`).
UNIT_WORDS = {
    "percent": "andeler", "coefficient": "regresjonskoeffisienter",
    "count": "antall personer", "unit": "antall observasjoner", "years": "gjennomsnitt i år",
    "months": "gjennomsnitt i måneder", "r2": "R²",
    "other": "gjennomsnittet av utfallet i regresjonstabellene (en andel mellom 0 og 1)",
    "hours": "timer i uka", "nok": "inntekt i kroner", "pvalue": "p-verdier", "tvalue": "t-verdier",
}


def tolerance_sentence() -> str:
    """The tolerances in words, from TOLERANCES and TABLE_TOLERANCES (so the appendix states
    the rules the comparison uses)."""
    parts = [f"{UNIT_WORDS.get(unit, unit)} {t.text}" for unit, t in TOLERANCES.items()]
    special = [f"{TITLES.get(table, table)}: {UNIT_WORDS.get(key, key.lower())} {t.text}"
               for (table, key), t in TABLE_TOLERANCES.items()]
    text = ("En celle regnes som gjenskapt når differansen ikke er større enn toleransen for "
            "enheten: " + ", ".join(parts[:-1]) + " og " + parts[-1] + ".")
    if special:
        text += " Egne toleranser gjelder for " + "; ".join(special) + "."
    return (text + " Celler uten tall (Ja/Nei for faste effekter, Ref.) må være like. Reglene står "
            "på ett sted, `helpers.replication.TOLERANCES`.")


def tolerance_table() -> pd.DataFrame:
    """The tolerances as the appendix lists them: unit and allowed difference."""
    rows = [{"unit": unit, "tolerance": t.text} for unit, t in TOLERANCES.items()]
    rows += [{"unit": f"{TITLES.get(table, table)}: {key}", "tolerance": t.text}
             for (table, key), t in TABLE_TOLERANCES.items()]
    return pd.DataFrame(rows)


def _label(row) -> str:
    parts = [p for p in (row["section"], row["row"]) if p]
    text = " / ".join(dict.fromkeys(parts))
    return f"{text} ({row['column']})" if row["column"] else text


def replication_data(compared: pd.DataFrame) -> pd.DataFrame:
    """The appendix's own data (tabeller/replikasjon.csv, tables.DATA_COLUMNS): for every
    published cell the columns beregnet, publisert and differanse; `flag` holds the cell's
    status, and 'rettet' on a corrected published value."""
    from helpers.tables import DATA_COLUMNS

    rows = []
    for cell in compared.itertuples(index=False):
        section = TITLES.get(cell.table, cell.table)
        row = _label(cell._asdict())
        for column, value, flag in (
                ("beregnet", cell.ours, cell.our_flag or cell.status),
                ("publisert", cell.published,
                 "rettet" if cell.corrected else cell.published_flag),
                ("differanse", cell.difference, cell.status)):
            rows.append({"table": NAME, "section": section, "row": row, "column": column,
                         "value": value, "stars": "", "unit": cell.unit, "flag": flag})
    data = pd.DataFrame(rows)
    for column in DATA_COLUMNS:
        if column not in data:
            data[column] = np.nan
    return data[DATA_COLUMNS]


def replication_gt(compared: pd.DataFrame, synthetic: bool, source: str,
                   table_id: str = "tbl-replikasjon"):
    """One long great-tables table, a section per published table: cell, ours, published
    (¹ corrected), difference, tolerance, within; with its data as a BookTable."""
    from great_tables import GT

    ours_label = "Syntetisk" if synthetic else "Beregnet"
    shown = pd.DataFrame({
        "table": [TITLES.get(t, t) for t in compared["table"]],
        "cell": [_label(r) for r in compared.to_dict("records")],
        "ours": [HIDDEN_MARK if s == HIDDEN else format_cell(v, u, f)
                 for v, u, f, s in zip(compared["ours"], compared["unit"],
                                       compared["our_flag"], compared["status"])],
        "published": [format_cell(v, u, f) + (" ¹" if c else "") for v, u, f, c in
                      zip(compared["published"], compared["unit"],
                          compared["published_flag"], compared["corrected"])],
        "unit": [UNIT_NAMES.get(u, u) for u in compared["unit"]],
        "difference": ["" if pd.isna(d) else difference_text(d, u)
                       for d, u in zip(compared["difference"], compared["unit"])],
        "tolerance": compared["tolerance"],
        "status": [STATUS_TEXT[s] for s in compared["status"]],
    })
    gt = (GT(shown, rowname_col="cell", groupname_col="table", id=table_id)
          .tab_header(title="Publiserte tall mot bokas tall")
          .cols_label(unit="Enhet", ours=ours_label, published="Publisert", difference="Differanse",
                      tolerance="Toleranse", status="Innenfor")
          .cols_align(align="right", columns=["ours", "published", "difference"])
          .tab_source_note(source))
    if compared["corrected"].any():
        gt = gt.tab_source_note("¹ Publisert verdi rettet, se «Rettelser i de publiserte "
                                "tallene» i vedlegget om data og metode.")
    if (compared["status"] == HIDDEN).any():
        gt = gt.tab_source_note(f"{HIDDEN_MARK} Skjult for å beskytte personopplysninger.")
    return with_data(gt, replication_data(compared), NAME)


def source_line(extract) -> str:
    """'Kilde:' under the appendix's table: our side from the extract via the chapters'
    tabeller, the published side from data/published."""
    from helpers.prose import data_source
    from helpers.published import SOURCE

    return (f"Kilde: bokas tabeller (tabeller/) beregnet fra {data_source(extract)}, koblet "
            f"med {SOURCE} (data/published/) av helpers.replication.")


# --- Numbers stated in the published text (Figur 2.9, Figur 4.1) ----------------------------

@dataclass(frozen=True)
class FactSet:
    """The numbers a figure's published text states, and where the book's values are: the
    cells (row, column) of tabeller/<table>.csv, each with its fact id in
    data/published/prose_facts.csv and how the text words it (`kind`): 'about' (rundt, or a
    plain number: within `tolerance` either way), 'over' (mer enn: any share above),
    'under' (i underkant av: at most `tolerance` under), 'just_over' (litt over: at most
    `tolerance` above)."""
    figure: str
    table: str            # the chapter's table of these cells
    name: str             # the appendix's table of the comparison
    tolerance: float      # percentage points (in `unit`)
    facts: dict
    unit: str = "percent"


# Issue 9: the survival curves and the survey's shares should meet their facts within 2
# percentage points, the survey's averages within 0.3; issue 7: Figur 4.1's within 1.5.
FACT_TOLERANCE = 2.0
MEAN_TOLERANCE = 0.3
FACT_SETS: dict[str, FactSet] = {
    "figur_2_9": FactSet("Figur 2.9", "figur_2_9", "replikasjon_tekst", FACT_TOLERANCE,
                         FIGUR_2_9_FACTS),
    "figur_4_1": FactSet("Figur 4.1", "figur_4_1", "replikasjon_tekst_4_1", 1.5,
                         FIGUR_4_1_FACTS),
    "sporreundersokelse": FactSet("spørreundersøkelsen (andeler)", SURVEY_TABLE,
                                  "replikasjon_tekst_sporreundersokelse", FACT_TOLERANCE,
                                  survey_fact_cells("percent")),
    "sporreundersokelse_snitt": FactSet("spørreundersøkelsen (gjennomsnitt)", SURVEY_TABLE,
                                        "replikasjon_tekst_sporreundersokelse_snitt",
                                        MEAN_TOLERANCE, survey_fact_cells("mean"), unit="mean"),
}
FACT_TABLE = FACT_SETS["figur_2_9"].table   # tabeller/figur_2_9.csv (Innretning)
FACT_NAME = FACT_SETS["figur_2_9"].name     # tabeller/replikasjon_tekst.csv
FACT_COLUMNS = ["fact_id", "row", "column", "kind", "published", "ours", "difference",
                "tolerance", "status"]


def fact_kind_text(kind: str, tolerance: float = FACT_TOLERANCE, unit: str = "percent") -> str:
    """How a fact's tolerance reads in the appendix's table."""
    points = number(tolerance, 0 if float(tolerance).is_integer() else 1)
    if unit == "percent":
        points += " prosentpoeng"
    return {"about": f"±{points}", "over": "over publisert",
            "under": f"inntil {points} under publisert",
            "just_over": f"inntil {points} over publisert"}[kind]


def _fact_status(kind: str, ours: float, published: float,
                 tolerance: float = FACT_TOLERANCE) -> str:
    difference = ours - published
    eps = 1e-9
    if kind == "over":
        return WITHIN if difference > 0 else OUTSIDE
    if kind == "under":
        return WITHIN if -tolerance - eps <= difference <= eps else OUTSIDE
    if kind == "just_over":
        return WITHIN if -eps <= difference <= tolerance + eps else OUTSIDE
    return WITHIN if abs(difference) <= tolerance + eps else OUTSIDE


def prose_facts(folder: str | Path, fact_set: str = "figur_2_9") -> pd.DataFrame:
    """A figure's prose facts (FACT_SETS) beside our cells of tabeller/<table>.csv
    (FACT_COLUMNS): status 'ja'/'nei' by the fact's kind, 'skjult' or 'ikke beregnet' as in
    `compare`."""
    from helpers.published import prose_fact

    spec = FACT_SETS[fact_set]
    ours = read_table_data(folder, [spec.table])
    rows = []
    for (row, column), (fact_id, kind) in spec.facts.items():
        published = prose_fact(fact_id)
        hit = ours[(ours["row"] == row) & (ours["column"] == column)]
        value = float(hit["value"].iloc[0]) if len(hit) else np.nan
        if len(hit) == 0:
            status = MISSING
        elif hit["flag"].iloc[0] == HIDDEN_FLAG or np.isnan(value):
            status = HIDDEN
        else:
            status = _fact_status(kind, value, published, spec.tolerance)
        rows.append((fact_id, row, column, kind, published, value, value - published,
                     fact_kind_text(kind, spec.tolerance, spec.unit), status))
    return pd.DataFrame(rows, columns=FACT_COLUMNS)


def prose_facts_sentence(facts: pd.DataFrame, fact_set: str = "figur_2_9") -> str:
    """How many of a figure's prose facts the book's numbers meet."""
    figure = FACT_SETS[fact_set].figure
    done = facts[~facts["status"].isin([MISSING, HIDDEN])]
    if len(done) == 0:
        return f"Ingen av tallene i teksten til {figure} er beregnet ennå."
    within = int((done["status"] == WITHIN).sum())
    return (f"Av {len(facts)} tall i teksten til {figure} er {len(done)} beregnet og vist, "
            f"og {within} av dem er innenfor toleransen.")


def prose_facts_gt(facts: pd.DataFrame, synthetic: bool, source: str,
                   table_id: str = "tbl-replikasjon-tekst", fact_set: str = "figur_2_9",
                   title: str = "Tallene i teksten til Figur 2.9 mot bokas "
                                "Kaplan–Meier-kurver"):
    """The prose facts as a small great-tables table with its data (the set's `name`)."""
    from great_tables import GT

    from helpers.tables import DATA_COLUMNS

    name, unit = FACT_SETS[fact_set].name, FACT_SETS[fact_set].unit
    shown = pd.DataFrame({
        "cell": [f"{r} ({c})" for r, c in zip(facts["row"], facts["column"])],
        "ours": [HIDDEN_MARK if s == HIDDEN else format_cell(v, unit)
                 for v, s in zip(facts["ours"], facts["status"])],
        "published": [format_cell(v, unit) for v in facts["published"]],
        "difference": ["" if pd.isna(d) else difference_text(d, unit)
                       for d in facts["difference"]],
        "tolerance": facts["tolerance"],
        "status": [STATUS_TEXT[s] for s in facts["status"]],
    })
    gt = (GT(shown, rowname_col="cell", id=table_id)
          .tab_header(title=title)
          .cols_label(ours="Syntetisk" if synthetic else "Beregnet", published="Publisert",
                      difference="Differanse", tolerance="Toleranse", status="Innenfor")
          .cols_align(align="right", columns=["ours", "published", "difference"])
          .tab_source_note(source))
    data = pd.DataFrame({"table": name, "section": facts["fact_id"],
                         "row": facts["row"], "column": facts["column"],
                         "value": facts["ours"], "stars": "", "unit": unit,
                         "flag": facts["status"]}).reindex(columns=DATA_COLUMNS)
    return with_data(gt, data, name)
