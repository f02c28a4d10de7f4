"""The Resultater chapter's regression tables as the book shows them.

`helpers.models` estimates (a ModelTable per published table, `wild_bootstrap_table` for
the treatment coefficients); this module lays the results out beside the published
coefficients (data/published/), formats them the Norwegian way, and gives the data the
build writes to `tabeller/<name>.csv`: the published long layout with `std_error`,
`p_value` and, on the treatment rows, `p_value_wild`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import models, prose
from helpers.disclosure import MIN_CELL, share_mask
from helpers.prose import data_source, number
from helpers.published import SOURCE, read_published
from helpers.tables import (
    DATA_COLUMNS,
    HIDDEN_MARK,
    HIDDEN_NOTE,
    BookTable,
    section_runs,
    table_data,
    with_data,
)

COMPARED_COLUMNS = ["table", "section", "row", "column", "term", "value", "stars", "unit",
                    "flag", "std_error", "p_value", "p_value_wild", "ci_low_wild",
                    "ci_high_wild", "suppressed", "published", "published_stars",
                    "published_flag"]
WILD_ROW = "p-verdi, wild cluster bootstrap"
WIDE_TABLE_COLUMNS = 2  # more model columns than this: the standard errors only in the data
CLUSTERED_ROW = "p-verdi, klyngekorrigert"
STANDARD_ERROR_NOTE = ("Klyngekorrigerte standardfeil (fylke) i parentes. p-verdiene under "
                       "tiltaksraden: klyngekorrigert t-test og wild cluster bootstrap. *** p < 0,01, "
                       "** p < 0,05, * p < 0,10 (t-fordeling med G − 1 frihetsgrader, G = antall "
                       "fylker).")

WIDE_TABLE_NOTE = ("Standardfeilene (klyngekorrigert på fylke) står i tabellen som data. "
                   "p-verdiene under tiltaksraden: klyngekorrigert t-test og wild cluster "
                   "bootstrap. *** p < 0,01, ** p < 0,05, * p < 0,10 (t-fordeling med G − 1 "
                   "frihetsgrader, G = antall fylker).")


# --- formatting ------------------------------------------------------------------------------

def format_coefficient(value: float) -> str:
    """A coefficient with three significant digits and at least three decimals, the way
    the source prints them: 0,0299, 0,151, −0,000133, 0,210."""
    if value is None or not np.isfinite(value):
        return "–"
    if value == 0:
        return number(0.0, 3)
    decimals = max(3, 2 - int(np.floor(np.log10(abs(value)))))
    return number(value, min(decimals, 8))


def format_p_value(p: float) -> str:
    """A p-value: '< 0,001' or three decimals; '–' when there is none."""
    if p is None or not np.isfinite(p):
        return "–"
    return "< 0,001" if p < 0.001 else number(p, 3)


def _format_model_row(row: str, value: float, unit: str, flag: str) -> str:
    if flag:
        return flag
    if value is None or not np.isfinite(value):
        return ""
    if unit == "count":
        return number(value)
    if unit == "r2":
        return number(value, 3)
    if row == "Gjennomsnitt":
        return number(value, 4)
    return format_coefficient(value)


# --- the table -------------------------------------------------------------------------------

def regression_compared(table: models.ModelTable, wild: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """The published layout of `table` (ModelTable.long) with our wild cluster bootstrap
    p-value and interval on the treatment rows (`wild`, from models.wild_bootstrap_table)
    and the published value, stars and flag beside (COMPARED_COLUMNS). The outcome mean
    is hidden (`suppressed`) where it would show 1–4 persons in or out of a job."""
    ours = table.long()
    for column in ("p_value_wild", "ci_low_wild", "ci_high_wild"):
        ours[column] = np.nan
    if wild is not None and len(wild):
        keyed = wild.set_index(["column", "term"])
        for i, r in ours[ours["term"] != ""].iterrows():
            if (r["column"], r["term"]) in keyed.index:
                hit = keyed.loc[(r["column"], r["term"])]
                for column in ("p_value_wild", "ci_low_wild", "ci_high_wild"):
                    ours.at[i, column] = float(hit[column])
    n = ours[ours["row"] == "N"].set_index("column")["value"]
    mean = ours["row"] == "Gjennomsnitt"
    in_job = ours["value"].where(mean) * ours["column"].map(n)
    ours["suppressed"] = mean.to_numpy() & share_mask(in_job.round(), ours["column"].map(n))
    published = read_published(table.table).copy()
    published = published[published["flag"].fillna("") != "Ref."]  # a header row (V3)
    for column in ("section", "row", "column", "stars", "flag"):
        published[column] = published[column].fillna("").astype(str)
    published = published.rename(columns={"value": "published", "stars": "published_stars",
                                          "flag": "published_flag"})
    out = ours.merge(published[["section", "row", "column", "published", "published_stars",
                                "published_flag"]],
                     on=["section", "row", "column"], how="left")
    return out[COMPARED_COLUMNS]


def regression_data(compared: pd.DataFrame, name: str) -> pd.DataFrame:
    """Our cells of a compared regression table in the long format of data/published, with
    std_error, p_value and p_value_wild (helpers.tables.table_data); a header row the
    published table marks 'Ref.' (the reference
    category printed as a row) carries the same flag."""
    data = table_data(compared, name)
    published = read_published(name)
    header = published[published["flag"].fillna("") == "Ref."]
    if len(header):
        extra = pd.DataFrame({"table": name, "section": header["section"].fillna(""),
                              "row": header["row"], "column": header["column"].fillna(""),
                              "value": np.nan, "stars": "", "unit": header["unit"],
                              "flag": "Ref."}).reindex(columns=DATA_COLUMNS)
        data = pd.concat([data, extra], ignore_index=True)
    return data


def _ours_cell(r, with_error: bool = True) -> str:
    if r.suppressed:
        return HIDDEN_MARK
    if r.unit == "coefficient" and np.isfinite(r.value):
        text = format_coefficient(r.value) + r.stars
        if with_error and np.isfinite(r.std_error):
            text += f" ({format_coefficient(r.std_error)})"
        return text
    return _format_model_row(r.row, r.value, r.unit, r.flag)


def _published_cell(r) -> str:
    if isinstance(r.published_flag, str) and r.published_flag:
        return r.published_flag
    if r.published is None or pd.isna(r.published):
        return ""
    if r.unit == "coefficient" or (isinstance(r.published_stars, str) and r.published_stars):
        return format_coefficient(r.published) + (r.published_stars or "")
    return _format_model_row(r.row, r.published, r.unit, "")


def regression_gt(compared: pd.DataFrame, table_id: str, title: str, source: str,
                  synthetic: bool, notes: list[str] | None = None):
    """A great-tables regression table: per model column, ours (coefficient, stars,
    clustered standard error) beside the published coefficient; under each treatment row
    its clustered and wild cluster bootstrap p-values; the fixed-effect rows, mean, N, R²."""
    from great_tables import GT

    columns = list(dict.fromkeys(compared["column"]))
    # Standard errors beside the coefficient when there is room; the wide tables
    # (Vedleggstabell 2) show stars only, as published, and keep the errors in their data.
    inline = len(columns) <= WIDE_TABLE_COLUMNS
    lines: list[tuple[str, str, dict]] = []
    blank = "\u2003"  # a label that shows nothing; made unique with zero-width spaces
    for (section, row), group in compared.groupby(["section", "row"], sort=False):
        cells = {c: ("", "") for c in columns}
        for r in group.itertuples():
            cells[r.column] = (_ours_cell(r, inline), _published_cell(r))
        lines.append((section, row, cells))
        if group["p_value_wild"].notna().any():
            for label, field in ((CLUSTERED_ROW, "p_value"), (WILD_ROW, "p_value_wild")):
                p_cells = {c: ("", "") for c in columns}
                for r in group.itertuples():
                    p_cells[r.column] = (format_p_value(getattr(r, field)), "")
                lines.append((section, f"{blank}{label}" + "\u200b" * len(lines), p_cells))
    flat = pd.DataFrame({"section": [s for s, _, _ in lines], "row": [r for _, r, _ in lines]})
    for i, c in enumerate(columns):
        flat[f"c{i}__ours"] = [cells[c][0] for _, _, cells in lines]
        flat[f"c{i}__pub"] = [cells[c][1] for _, _, cells in lines]
    flat["section"] = section_runs(list(flat["section"]))
    gt = GT(flat, rowname_col="row", groupname_col="section", id=table_id).tab_header(title=title)
    ours_label = "Syntetisk" if synthetic else "Beregnet"
    for i, c in enumerate(columns):
        if c:
            gt = gt.tab_spanner(label=c, columns=[f"c{i}__ours", f"c{i}__pub"])
    gt = gt.cols_label(**{f"c{i}__ours": ours_label for i in range(len(columns))},
                       **{f"c{i}__pub": "Publisert" for i in range(len(columns))})
    gt = gt.cols_align(align="right", columns=[c for c in flat.columns if "__" in c])
    gt = gt.tab_source_note(source).tab_source_note(
        STANDARD_ERROR_NOTE if inline else WIDE_TABLE_NOTE)
    if compared["suppressed"].any():
        gt = gt.tab_source_note(HIDDEN_NOTE)
    for note in notes or []:
        gt = gt.tab_source_note(note)
    return gt


def regression_source(extract, table: str, published: str) -> str:
    """'Kilde:' line under a regression table."""
    return (f"Kilde: beregnet fra {data_source(extract)} med helpers.models.model_table"
            f"(frame, \"{table}\") (pyfixest). Publisert: {SOURCE}, {published}.")


def show_regression(table: models.ModelTable, wild: pd.DataFrame | None, table_id: str,
                    title: str, source: str, synthetic: bool,
                    notes: list[str] | None = None) -> BookTable:
    """A regression table as the book shows it (`regression_gt`) with its data under the
    published table's name (so the Replikasjon appendix can join them)."""
    compared = regression_compared(table, wild)
    gt = regression_gt(compared, table_id, title, source, synthetic, notes)
    return with_data(gt, regression_data(compared, table.table), table.table)


def coefficient(table: models.ModelTable, term: str = "programme_new", column: str = ""
                ) -> pd.Series:
    """One estimated coefficient of a ModelTable (estimate, std_error, t, p_value, stars);
    raises KeyError when the table has no such term or column."""
    coef = table.coefficients
    hit = coef[(coef["term"] == term) & (coef["column"] == column)]
    if len(hit) != 1:
        raise KeyError(f"{table.table}: ingen koeffisient {term!r} i kolonne {column!r}")
    return hit.iloc[0]


def statistic(table: models.ModelTable, name: str, column: str = "") -> float:
    """A model statistic (n, mean_outcome, r2, clusters, …) of one column."""
    stats = table.statistics.set_index("column")
    return float(stats.loc[column, name])


# --- wild bootstrap beside the clustered inference --------------------------------------------

INFERENCE_LEVEL = 0.05  # the significance level at which the two inferences are compared

TABLE_TITLES = {"tabell_4_2": "Tabell 4.2", "vedlegg_2": "Vedleggstabell 2",
                "vedlegg_3": "Vedleggstabell 3", "tabell_4_3": "Tabell 4.3",
                "tabell_4_4": "Tabell 4.4", "tabell_4_5": "Tabell 4.5"}
TERM_LABELS = {"programme_new": "Nytt tiltak", "provider_kommersiell": "Kommersielle",
               "provider_annet": "Annet/ideelle"}


def agreement_rows(wild: pd.DataFrame, level: float = INFERENCE_LEVEL) -> pd.DataFrame:
    """Per table, column and treatment term: the clustered and the wild bootstrap p-value,
    whether each is significant at `level`, and whether they agree (`agree`)."""
    out = wild[["table", "column", "term", "estimate", "std_error", "p_value", "ci_low",
                "ci_high", "p_value_wild", "ci_low_wild", "ci_high_wild", "clusters"]].copy()
    out["significant"] = out["p_value"] < level
    out["significant_wild"] = out["p_value_wild"] < level
    out["agree"] = out["significant"] == out["significant_wild"]
    return out


def _interval(low: float, high: float) -> str:
    return f"[{format_coefficient(low)}; {format_coefficient(high)}]"


def inference_gt(rows: pd.DataFrame, source: str, table_id: str = "tbl-inferens",
                 level: float = INFERENCE_LEVEL) -> BookTable:
    """The treatment coefficients with clustered and wild cluster bootstrap inference side
    by side (agreement_rows), as a great-tables table with its data (name 'inferens')."""
    from great_tables import GT

    confidence = number(100 * (1 - level))
    shown = pd.DataFrame({
        "model": [f"{TABLE_TITLES.get(t, t)}{', ' + c if c else ''}: {TERM_LABELS.get(k, k)}"
                  for t, c, k in zip(rows["table"], rows["column"], rows["term"])],
        "estimate": [format_coefficient(v) for v in rows["estimate"]],
        "p": [format_p_value(v) for v in rows["p_value"]],
        "ci": [_interval(a, b) for a, b in zip(rows["ci_low"], rows["ci_high"])],
        "p_wild": [format_p_value(v) for v in rows["p_value_wild"]],
        "ci_wild": [_interval(a, b) for a, b in zip(rows["ci_low_wild"], rows["ci_high_wild"])],
        "agree": ["ja" if a else "nei" for a in rows["agree"]],
    })
    gt = (GT(shown, rowname_col="model", id=table_id)
          .tab_header(title="Klyngekorrigert og wild cluster bootstrap-inferens for "
                            "tiltaks- og leverandørkoeffisientene")
          .tab_spanner(label="Klyngekorrigert (t, G − 1)", columns=["p", "ci"])
          .tab_spanner(label="Wild cluster bootstrap", columns=["p_wild", "ci_wild"])
          .cols_label(estimate="Koeffisient", p="p-verdi", ci=f"{confidence} % KI",
                      p_wild="p-verdi", ci_wild=f"{confidence} % KI",
                      agree=f"Samme konklusjon ({number(100 * level)} %)")
          .cols_align(align="right", columns=["estimate", "p", "ci", "p_wild", "ci_wild"])
          .tab_source_note(source))
    data = pd.DataFrame({
        "table": "inferens", "section": rows["table"], "row": rows["term"],
        "column": rows["column"], "value": rows["estimate"], "stars": "",
        "unit": "coefficient", "flag": np.where(rows["agree"], "samme", "ulik"),
        "std_error": rows["std_error"], "p_value": rows["p_value"],
        "p_value_wild": rows["p_value_wild"]})
    return with_data(gt, data.reindex(columns=DATA_COLUMNS), "inferens")


def inference_source(extract, reps: int, seed: int) -> str:
    """'Kilde:' line under the inference table: the bootstrap's settings."""
    return (f"Kilde: beregnet fra {data_source(extract)} med helpers.models."
            f"wild_bootstrap_table: restriktert wild cluster bootstrap (pyfixest/wildboottest), "
            f"Webb-vekter, {number(reps)} trekk, frø {seed}, klynger = fylker; intervallet ved "
            "testinversjon med de samme trekkene.")


def model_label(table: str, column: str, term: str) -> str:
    """'Tabell 4.3, Nedsatt arbeidsevne: Nytt tiltak' – a coefficient named for the text."""
    return f"{TABLE_TITLES.get(table, table)}{', ' + column if column else ''}: " \
           f"{TERM_LABELS.get(term, term)}"


def inference_sentence(rows: pd.DataFrame, level: float = INFERENCE_LEVEL) -> str:
    """Where the clustered t-test and the wild cluster bootstrap disagree about significance
    at `level` (agreement_rows), in words."""
    off = rows[~rows["agree"]]
    return prose.inference_agreement(
        len(rows), [(model_label(r.table, r.column, r.term), r.p_value, r.p_value_wild)
                    for r in off.itertuples()], level)


# --- estimating a table, or saying why it cannot be ---------------------------------------------

@dataclass
class RegressionResult:
    """A published regression table estimated on the frame: the ModelTable, the wild
    bootstrap of its treatment coefficients (None when it could not be run), or, when the
    model could not be estimated, `problem` (a sentence without any count from the data)."""
    table: str
    model: models.ModelTable | None
    wild: pd.DataFrame | None
    problem: str = ""


def _reason(error: Exception) -> str:
    """The first clause of a helpers.models error, without the sample counts it gives (a
    count of 1–4 persons must not reach the book)."""
    text = str(error).split(" (")[0].split(":")[0]
    return text.split(" / ")[0]


def estimate(frame: pd.DataFrame, table: str, reps: int = models.WILD_REPS,
             seed: int = models.WILD_SEED, ci: bool = True) -> RegressionResult:
    """Estimate the published table `table` (models.model_table) and the wild cluster
    bootstrap of its treatment coefficients (models.wild_bootstrap_table); a table whose
    model cannot be estimated, or rests on fewer than MIN_CELL persons in a column, comes
    back with `problem` set instead."""
    try:
        model = models.model_table(frame, table)
    except ValueError as error:
        return RegressionResult(table, None, None,
                                f"Modellen kan ikke estimeres på dette uttrekket: "
                                f"{_reason(error).lower()}.")
    if (model.statistics["n"] < MIN_CELL).any():
        return RegressionResult(table, None, None, "Modellen vises ikke: utvalget har færre "
                                f"enn {MIN_CELL} personer.")
    treated = model.coefficients[model.coefficients["term"].isin(models.treatment_terms(table))]
    wild = None
    if treated["estimate"].notna().all():
        try:
            wild = models.wild_bootstrap_table(frame, table, reps=reps, seed=seed, ci=ci)
        except ValueError:
            wild = None
    return RegressionResult(table, model, wild)


def show(result: RegressionResult, table_id: str, title: str, extract,
         notes: list[str] | None = None):
    """The table as the book shows it (show_regression), or the reason it is missing."""
    from IPython.display import Markdown

    if result.model is None:
        return Markdown(f"*{title}*: {result.problem}")
    published = TABLE_TITLES.get(result.table, result.table)
    return show_regression(result.model, result.wild, table_id, title,
                           regression_source(extract, result.table, published),
                           extract.is_synthetic, notes)


def effect_sentence(result: RegressionResult, column: str = "", months_after: int = 12,
                    term: str = "programme_new", subject: str = "i det nye tiltaket",
                    reference: str = "i de gamle tiltakene") -> str:
    """The treatment coefficient of one column in words (prose.programme_effect), with the
    wild bootstrap p-value beside the clustered one; or why there is none."""
    if result.model is None:
        return result.problem
    row = coefficient(result.model, term, column)
    if not np.isfinite(row["estimate"]):
        return ("Forskjellen kan ikke estimeres på dette uttrekket: i utvalget varierer ikke "
                "denne variabelen.")
    mean = statistic(result.model, "mean_outcome", column)
    text = prose.programme_effect(row["estimate"], row["p_value"], mean, months_after,
                                  subject, reference)
    if result.wild is not None:
        hit = result.wild[(result.wild["column"] == column) & (result.wild["term"] == term)]
        if len(hit):
            text += (f" Med wild cluster bootstrap er forskjellen "
                     f"{prose.significance(float(hit['p_value_wild'].iloc[0]))} "
                     f"({prose.p_value(float(hit['p_value_wild'].iloc[0]))}).")
    return text


STEP_LABELS = {"Fylke + tid FE": "Faste effekter for fylke og utfallsmåned",
               "Fylke og tid FE + arbeidsledighet": "Arbeidsledigheten i tillegg"}


def gap_sentence(result: RegressionResult) -> str:
    """Vedleggstabell 2: how the raw difference shrinks as controls are added."""
    if result.model is None:
        return result.problem
    columns = [column for column, _ in models.TABLE_SPECS[result.table][0]]
    values = [float(coefficient(result.model, "programme_new", c)["estimate"]) for c in columns]
    steps = [(STEP_LABELS.get(c, c), v) for c, v in zip(columns[1:-1], values[1:-1])]
    return prose.gap_remaining(values[0], values[-1], steps)


def inference_rows(results: dict[str, RegressionResult]) -> pd.DataFrame:
    """agreement_rows over every result with a wild bootstrap."""
    wild = [r.wild for r in results.values() if r.wild is not None]
    if not wild:
        return agreement_rows(pd.DataFrame(columns=[
            "table", "column", "term", "estimate", "std_error", "p_value", "ci_low", "ci_high",
            "p_value_wild", "ci_low_wild", "ci_high_wild", "clusters"]))
    return agreement_rows(pd.concat(wild, ignore_index=True))


def method_text(results: dict[str, RegressionResult]) -> str:
    """The paragraph that says what the models are, with the entry years and the number of
    counties (clusters) taken from the code and the estimates."""
    first, last = models.ENTRY_YEARS
    clusters = sorted({int(c) for r in results.values() if r.model is not None
                       for c in r.model.statistics["clusters"]})
    if not clusters:
        counted = "fylkene"
    elif len(clusters) == 1:
        counted = f"{clusters[0]} fylker"
    else:
        counted = f"{clusters[0]}–{clusters[-1]} fylker"
    return (f"Modellene er lineære sannsynlighetsmodeller for å være i jobb (streng definisjon) "
            f"12 måneder etter tilgang, for dem som startet i {first}–{last} i det gamle eller "
            "det nye tiltaket. Koeffisienten for *Nytt tiltak* er forskjellen i andelen i jobb "
            "mellom tiltakene, målt som andel (0,01 er ett prosentpoeng), mellom deltakere med "
            "de samme kjennetegnene ved tilgang, i samme fylke og med utfall i samme "
            "kalendermåned. Standardfeilene er klyngekorrigert på fylke. Fordi utvalgene bare "
            f"har {counted}, gir vi også p-verdien fra en wild cluster bootstrap for "
            "tiltakskoeffisienten.")

