"""Tables the chapters show: computed from the analysis frame, set beside the published ones.

Computations return tidy DataFrames (section, row, column, unit, value, numerator) whose
row and column labels are the published table's, so the "publisert" column is a join.
Before anything is shown, cells are hidden by the rules of helpers.disclosure (cells
resting on 1–4 persons, and cells that would reveal them by subtraction) – across the
book, not table by table: `book_disclosure` names every count that the tables, figures
and sentences on the entrants show (Tabell 2.1, 3.1, Vedleggstabell 1, Figur 3.1–3.4 and
the counts in the text) as one population cell, states how they add up, and lets
helpers.disclosure.hidden_across decide once what is hidden everywhere. `*_gt`
functions turn a compared table into a great-tables table with a source note; `pick`
reads one value for a sentence.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers import measures, models, spells, survival
from helpers.disclosure import (
    MIN_CELL,
    distribution_mask,
    hidden_across,
    hidden_cells,
    is_small,
    share_mask,
)
from helpers.prose import data_source, number
from helpers.published import SOURCE, TABELL_4_1_GROUPS, prose_fact, published_values
from helpers.spells import (
    FIRST_ENTRY_YEAR,
    LAST_ENTRY_YEAR,
    entry_month_number,
    programme_before_entry,
)

HIDDEN_MARK = ":"  # Statistics Norway's symbol for a value withheld to protect persons
HIDDEN_NOTE = (f"{HIDDEN_MARK} Skjult for å beskytte personopplysninger: cellen bygger på færre "
               f"enn {MIN_CELL} personer, eller den kunne ha blitt regnet ut fra andre celler.")
UNIT_LABELS = {"count": "antall", "percent": "prosent"}

PROGRAMME_LABELS = {"gammelt": "Gammelt", "nytt": "Nytt", "utvidet": "Utvidet oppfølging"}
PROVIDER_LABELS = {"skjermet": "Skjermet", "kommersiell": "Kommersiell", "ideell": "Ideell",
                   "ukjent": "* Annet/ukjent"}
PROGRAMME_DETAIL_LABELS = {
    ("gammelt", "ARBEID_MED_BISTAND"): "Arbeid med bistand",
    ("gammelt", "OPPFOLGING"): "Oppfølging (gammelt)",
    ("nytt", "OPPFOLGING"): "Oppfølging (nytt)",
    ("utvidet", "UTVIDET_OPPFOLGING"): "Utvidet oppfølging i NAV",
}
AGE_GROUPS = (("24 eller yngre", 0, 24), ("25 – 29", 25, 29), ("30 – 39", 30, 39),
              ("40 – 49", 40, 49), ("50 eller eldre", 50, 200))
EDUCATION_ROWS = (("grunnskole", "Grunnskole"),
                  ("vgs_grunnkurs", "Videregående skole, GK og VK1"),
                  ("vgs_fullfort", "Videregående avsluttet utdanning"),
                  ("hoyere_kort", "Høyere utdanning, inntil 4 år*"),
                  ("hoyere_lang", "Høyere utdanning, over 4 år"),
                  ("ukjent", "Ukjent"))
# AAP with no registered diagnosis is counted with 'andre diagnoser'.
AAP_ROWS = (("ikke_aap", "Ikke AAP"), ("muskel_skjelett", "AAP/muskel- og skjelettlidelser"),
            ("psykisk", "AAP/psykiske lidelser"), ("annen", "AAP/andre diagnoser"))
COUNTRY_ROWS = ((1, "Norge"), (2, "Innvandrere, landgruppe 2"), (3, "Innvandrere, landgruppe 3"))

SECTIONS_3_1 = {"age": "Aldersfordeling (i %)", "education": "Utdanningsfordeling (i %)**",
                "aap": "AAP/diagnoser", "country": "Fødeland (i %)***"}
# Vedleggstabell 1 prints some labels differently from Tabell 3.1.
LABELS_VEDLEGG_1 = {
    "sections": {"age": "Aldersfordeling (i %)", "education": "Utdanningsfordeling (i %)",
                 "aap": "AAP/diagnoser (%)", "country": "Fødeland (i %)"},
    "rows": {"Høyere utdanning, inntil 4 år*": "Høyere utdanning, inntil 4 år",
             "AAP/muskel- og skjelettlidelser": "AAP, muskel- og skjelettlidelser",
             "AAP/psykiske lidelser": "AAP, psykiske lidelser",
             "AAP/andre diagnoser": "AAP, andre diagnoser"},
}


# Labels of the measures.composition variables, by block, in the published row order.
_COMPOSITION_LABELS = {
    "n": "Totalt antall personer", "female": "Kvinner (i %)", "age_mean": "Gjennomsnittsalder",
    **{f"age_{i}": label for i, (label, _, _) in enumerate(AGE_GROUPS)},
    **{f"edu_{code}": label for code, label in EDUCATION_ROWS},
    **{f"aap_{code}": label for code, label in AAP_ROWS},
    **{f"lg_{code}": label for code, label in COUNTRY_ROWS},
    "months_job24": "Måneder i jobb før tiltaksstart", "job_at_entry": "Jobb ved tiltaksstart (%)",
    "na": "Nedsatt arbeidsevne (i %)",
}
_KIND_UNITS = {"count": "count", "percent": "percent", "years": "years", "months": "months"}


def composition(frame: pd.DataFrame, by: str, columns: dict[str, str],
                sections: dict[str, str] = SECTIONS_3_1, extra_rows: bool = False,
                population: str = "{}") -> pd.DataFrame:
    """Characteristics at entry (Tabell 3.1 / Vedleggstabell 1) for each group of `by`:
    helpers.measures.composition with the published table's labels.

    `columns` maps values of `by` to column labels. With `extra_rows`, adds months in job in
    the 24 months before entry and job at entry (Vedleggstabell 1). Returns tidy rows:
    section, row, column, unit, value, numerator (persons behind a share; group size for
    means), and for the disclosure rules key (the population cell counted: `population`
    formatted with the group, '|', the variable), denominator (the key of the group's n;
    None for n) and is_share (False for n and means). Values are not suppressed here: `suppress_small_cells` (via
    `compare_with_published`) hides them.
    """
    out = []
    for key, column in columns.items():
        measured = measures.composition(frame[(frame[by] == key).to_numpy(dtype=bool)],
                                        extra_rows=extra_rows)
        group = population.format(key)
        out.append(pd.DataFrame({
            "section": [sections[b] if b else "" for b in measured["block"]],
            "row": measured["variable"].map(_COMPOSITION_LABELS),
            "column": column,
            "unit": measured["kind"].map(_KIND_UNITS),
            "value": measured["value"],
            "numerator": measured["numerator"],
            "key": [f"{group}|{v}" for v in measured["variable"]],
            "denominator": [None if v == "n" else f"{group}|n" for v in measured["variable"]],
            "is_share": (measured["kind"] == "percent").to_numpy(),
        }))
    return pd.concat(out, ignore_index=True)[["section", "row", "column", "unit", "value",
                                              "numerator", "key", "denominator", "is_share"]]


def _tabell_3_1(frame: pd.DataFrame) -> pd.DataFrame:
    return composition(frame, "programme", {"gammelt": "Gammelt", "nytt": "Nytt"})


def tabell_3_1(frame: pd.DataFrame) -> pd.DataFrame:
    """Tabell 3.1: characteristics of old and new entrants 2013–2018. Values are not blanked
    here; column `hidden` says what the book hides (`book_disclosure`), and
    `suppress_small_cells` blanks it."""
    return _with_verdict(_tabell_3_1(frame), frame)


def _vedlegg_1(frame: pd.DataFrame) -> pd.DataFrame:
    new = frame[frame["programme"] == "nytt"]
    table = composition(new, "provider_type",
                        {"skjermet": "Skjermede", "kommersiell": "Kommersielle"},
                        sections=LABELS_VEDLEGG_1["sections"], extra_rows=True,
                        population="nytt/{}")
    table["row"] = table["row"].replace(LABELS_VEDLEGG_1["rows"])
    return table


def vedlegg_1(frame: pd.DataFrame) -> pd.DataFrame:
    """Vedleggstabell 1: new-programme entrants at sheltered and commercial providers
    (`frame`: all entrants). Column `hidden` as in `tabell_3_1`."""
    return _with_verdict(_vedlegg_1(frame), frame)


def _tabell_2_1(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for programme, column in (("gammelt", "Gammelt"), ("nytt", "Nytt")):
        g = frame[(frame["programme"] == programme).to_numpy(dtype=bool)]
        total = f"{programme}|n"
        for r in measures.provider_types(g).itertuples():
            label = PROVIDER_LABELS[r.provider_type]
            cell = {"section": "", "row": label, "column": column, "numerator": int(r.persons),
                    "key": f"{programme}/{r.provider_type}|n", "denominator": total,
                    "is_share": True}
            rows.append({**cell, "unit": "count", "value": float(r.persons)})
            rows.append({**cell, "unit": "percent", "value": r.percent})
        cell = {"section": "", "row": "Sum", "column": column, "numerator": len(g),
                "key": total, "denominator": None, "is_share": False}
        rows.append({**cell, "unit": "count", "value": float(len(g))})
        rows.append({**cell, "unit": "percent", "value": 100.0 if len(g) else np.nan})
    return pd.DataFrame(rows)


def tabell_2_1(frame: pd.DataFrame) -> pd.DataFrame:
    """Tabell 2.1: entrants to the old and new programme by provider type, count and percent
    (helpers.measures.provider_types). Column `hidden` as in `tabell_3_1`."""
    return _with_verdict(_tabell_2_1(frame), frame)


# The row holding each column's number of persons (n) in a tidy table.
TOTAL_ROWS = ("Totalt antall personer", "Sum")


def _hidden_in_table(table: pd.DataFrame) -> np.ndarray:
    """The cells of a tidy table (composition, tabell_2_1) that helpers.disclosure hides.

    n of a column is its 'Totalt antall personer' / 'Sum' count. Totals and means are hidden
    when n is 1–4; shares and counts by the complement rule (k or n − k is 1–4). Rows of a
    column that add up to its n form a distribution (distribution rule): those of a named
    section (age, education, AAP, country) and, beside a 'Sum' row, all other rows (Tabell
    2.1's provider types). A count and a percent of one cell share one mask.
    """
    k = table["numerator"].to_numpy(dtype=float)
    is_total = table["row"].isin(TOTAL_ROWS).to_numpy()
    totals = table[is_total & (table["unit"] == "count").to_numpy()]
    n = table["column"].map(totals.groupby("column")["numerator"].first()).to_numpy(dtype=float)
    is_share = table["unit"].isin(["count", "percent"]).to_numpy() & ~is_total
    hidden = is_small(k) | np.where(is_share, share_mask(k, n), is_small(n))
    beside_sum = table["row"].eq("Sum").groupby([table["column"], table["section"]]) \
        .transform("any").to_numpy()
    cell = ["section", "row", "column"]
    in_distribution = is_share & ((table["section"] != "").to_numpy() | beside_sum) \
        & ~table.duplicated(cell).to_numpy()
    if in_distribution.any():
        keys = table.loc[in_distribution, ["column", "section"]]
        hidden[in_distribution] = distribution_mask(k[in_distribution], keys,
                                                    hidden[in_distribution], n[in_distribution])
    # The count and the percent of a cell: hidden together.
    return pd.Series(hidden, index=table.index).groupby(
        [table[c] for c in cell], sort=False).transform("any").to_numpy(dtype=bool)


def suppress_small_cells(table: pd.DataFrame) -> pd.DataFrame:
    """Blank every value helpers.disclosure hides – resting on 1–4 persons, or revealing
    such a cell by subtraction; adds a boolean column `suppressed` marking every blanked
    cell. A table of the book (`tabell_3_1`, `vedlegg_1`, `tabell_2_1`) carries the book's
    verdict across all its tables (column `hidden`, `book_disclosure`); any other tidy
    table is judged on its own (`_hidden_in_table`)."""
    table = table.copy()
    table["suppressed"] = (table["hidden"].to_numpy(dtype=bool) if "hidden" in table
                           else _hidden_in_table(table))
    table["value"] = table["value"].astype(float).mask(table["suppressed"])
    return table


def compare_with_published(ours: pd.DataFrame, published_table: str) -> pd.DataFrame:
    """Our (suppressed) table beside the published one: adds published, printed and
    corrected, joined on row, column and unit."""
    ours = suppress_small_cells(ours)
    pub = published_values(published_table)[["row", "column", "unit", "value", "printed",
                                               "corrected"]]
    pub = pub.rename(columns={"value": "published"})
    return ours.merge(pub, on=["row", "column", "unit"], how="left")


# --- Formatting -------------------------------------------------------------------------

def format_value(value: float, unit: str, suppressed: bool = False) -> str:
    """A table cell the Norwegian way: counts whole with thin-space thousands, others with one
    decimal; ':' when hidden (helpers.disclosure), '–' when there is no value."""
    if suppressed:
        return HIDDEN_MARK
    if value is None or pd.isna(value):
        return "–"
    if np.isinf(value):  # a median duration not reached while anyone is observed
        return "ikke nådd"
    return number(value, 0 if unit in ("count", "nok") else 2 if unit in ("pvalue", "tvalue") else 1)


def section_runs(sections: list[str]) -> list[str]:
    """Group labels that keep the published row order: great-tables gathers rows by group
    label, so a later run of unlabelled rows gets its own (invisible) label."""
    labels, seen, previous = [], set(), None
    for section in sections:
        label = section
        if section != previous:
            while label in seen:
                label += "\u200b"
            seen.add(label)
        else:
            label = labels[-1]
        labels.append(label)
        previous = section
    return labels


def comparison_gt(compared: pd.DataFrame, table_id: str, title: str, source: str,
                  synthetic: bool, notes: list[str] | None = None, unit: str | None = None):
    """A great-tables table: for each column group, 'Beregnet' (from the extract) beside
    'Publisert', rows grouped by section, a source note and notes under the table."""
    from great_tables import GT

    data = compared if unit is None else compared[compared["unit"] == unit]
    if data.duplicated(["section", "row", "column"]).any():  # e.g. Tabell 2.1: count and percent
        data = data.assign(column=data["column"] + ", " + data["unit"].map(UNIT_LABELS))
    data = data.assign(
        ours=[format_value(v, u, s) for v, u, s in
              zip(data["value"], data["unit"], data["suppressed"])],
        pub=[format_value(v, u) + (" ¹" if c is True else "") for v, u, c in
             zip(data["published"], data["unit"], data["corrected"])],
    )
    order = list(dict.fromkeys(zip(data["section"], data["row"])))
    wide = data.pivot_table(index=["section", "row"], columns="column",
                            values=["ours", "pub"], aggfunc="first", sort=False)
    groups = list(dict.fromkeys(data["column"]))
    wide = wide.reindex(order)
    flat = pd.DataFrame({"section": section_runs([s for s, _ in order]),
                         "row": [r for _, r in order]})
    for g in groups:  # a cell the table does not have (e.g. no difference for a count) is blank
        flat[f"{g}__ours"] = wide[("ours", g)].fillna("").to_numpy()
        flat[f"{g}__pub"] = wide[("pub", g)].fillna("").to_numpy()
    ours_label = "Syntetisk" if synthetic else "Beregnet"
    gt = GT(flat, rowname_col="row", groupname_col="section", id=table_id)
    gt = gt.tab_header(title=title)
    for g in groups:
        gt = gt.tab_spanner(label=g, columns=[f"{g}__ours", f"{g}__pub"])
    gt = gt.cols_label(**{f"{g}__ours": ours_label for g in groups},
                       **{f"{g}__pub": "Publisert" for g in groups})
    gt = gt.cols_align(align="right", columns=[c for c in flat.columns if "__" in c])
    gt = gt.tab_source_note(source)
    if data["corrected"].eq(True).any():
        gt = gt.tab_source_note("¹ Publisert verdi rettet, se «Rettelser i de publiserte tallene» "
                                "i vedlegget om data og metode.")
    if data["suppressed"].any():
        gt = gt.tab_source_note(HIDDEN_NOTE)
    for note in notes or []:
        gt = gt.tab_source_note(note)
    return gt


# --- Tables as data ---------------------------------------------------------------------

TABLE_DATA_MIME = "application/vnd.oppfolging.table+json"
DATA_COLUMNS = ["table", "section", "row", "column", "value", "stars", "unit", "flag"]
# A regression table's rows also carry their uncertainty (empty in other tables): the
# clustered standard error and p-value, and the wild cluster bootstrap p-value where the
# table has one (the programme coefficient).
INFERENCE_COLUMNS = ["std_error", "p_value", "p_value_wild"]
DATA_COLUMNS = DATA_COLUMNS + INFERENCE_COLUMNS
HIDDEN_FLAG = "skjult"  # data/published's flag for a value withheld to protect persons
TABLE_DATA_FOLDER = "tabeller"


def table_data(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """A tidy table in the long format of data/published (table, section, row, column,
    value, stars, unit, flag), plus std_error, p_value and p_value_wild where `table` has
    them (regression tables): values at full precision, hidden cells (column `suppressed`)
    empty with the reason in `flag`."""
    data = pd.DataFrame({
        "table": name,
        "section": table["section"].fillna("").astype(str) if "section" in table else "",
        "row": table["row"].astype(str),
        "column": table["column"].fillna("").astype(str),
        "value": table["value"].astype(float),
        "stars": table["stars"].fillna("").astype(str) if "stars" in table else "",
        "unit": table["unit"].astype(str),
        "flag": table["flag"].fillna("").astype(str) if "flag" in table else "",
    })
    for column in INFERENCE_COLUMNS:
        data[column] = table[column].astype(float).to_numpy() if column in table else np.nan
    if "suppressed" in table:
        hidden = table["suppressed"].to_numpy(dtype=bool)
        data.loc[hidden, "value"] = np.nan
        data.loc[hidden, "flag"] = HIDDEN_FLAG
        data.loc[hidden, INFERENCE_COLUMNS] = np.nan
    return data[DATA_COLUMNS].reset_index(drop=True)


SIGNIFICANT_DIGITS = 10


def significant(values, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """Floats rounded to `digits` significant digits. The fixed-effect solver's sums run in
    threads, so two runs of the same model differ in the last bits (about 1e-16 relative);
    at ten digits the written tables are the same from run to run (a value would have to
    lie within 1e-16 of a rounding boundary to flip)."""
    x = np.asarray(values, dtype=float)
    out = x.copy()
    finite = np.isfinite(x) & (x != 0)
    exponent = np.floor(np.log10(np.abs(x[finite])))
    scale = 10.0 ** (digits - 1 - exponent)
    out[finite] = np.round(x[finite] * scale) / scale
    return out


def rounded(data: pd.DataFrame) -> pd.DataFrame:
    """A table's data with its numeric columns to SIGNIFICANT_DIGITS (`significant`)."""
    data = data.copy()
    for column in ("value", *INFERENCE_COLUMNS):
        if column in data:
            data[column] = significant(pd.to_numeric(data[column], errors="coerce"))
    return data


_FONT_FAMILY = re.compile(r"font-family:[^;{}]*;?")


class BookTable:
    """A table as the book shows it (a great-tables table) together with its data (the long
    format of `table_data`). Displayed in a notebook, it shows the table and carries the data
    as a second representation (TABLE_DATA_MIME), which the build writes to
    `tabeller/<name>.csv` beside the book and links under the table. Its numbers are kept to
    ten significant digits (`significant`), so that a re-run writes the same table."""

    def __init__(self, gt, data: pd.DataFrame, name: str):
        self.gt, self.data, self.name = gt, rounded(data), name

    def _repr_mimebundle_(self, include=None, exclude=None):
        records = self.data.astype(object).where(self.data.notna(), None).to_dict("records")
        html = self.gt._repr_html_()
        return {"text/html": html,
                # What HTML-less formats (Typst) take: the same table as a raw HTML block,
                # without its web font stack, so that Quarto's and our Typst conversions
                # use the document's font instead of warning about each missing one.
                "text/markdown": "```{=html}\n" + _FONT_FAMILY.sub("", html) + "\n```\n",
                "text/plain": f"<tabell {self.name}: {len(self.data)} celler>",
                TABLE_DATA_MIME: {"name": self.name, "columns": DATA_COLUMNS,
                                  "records": records}}


def data_link_note(name: str) -> str:
    """The line under a table that links to it as data."""
    return f"Tabellen som data: [{TABLE_DATA_FOLDER}/{name}.csv]({TABLE_DATA_FOLDER}/{name}.csv)"


def with_data(gt, data: pd.DataFrame, name: str) -> BookTable:
    """`gt` with a link to its data under it, and the data, as a BookTable."""
    from great_tables import md

    return BookTable(gt.tab_source_note(md(data_link_note(name))), data, name)


def show_comparison(compared: pd.DataFrame, name: str, table_id: str, title: str, source: str,
                    synthetic: bool, notes: list[str] | None = None) -> BookTable:
    """A compared table (`compare_with_published`) as the book shows it (`comparison_gt`),
    with its data (our values only, `table_data`) under the name `name` (the published
    table's name, e.g. tabell_3_1, so published-versus-ours is a join)."""
    gt = comparison_gt(compared, table_id, title, source, synthetic, notes)
    return with_data(gt, table_data(compared, name), name)


def source_note(extract, function: str, published: str) -> str:
    """'Kilde:' line under a table: what it is computed from, by which function, and the
    published table it is compared with."""
    return (f"Kilde: beregnet fra {data_source(extract)} med helpers.tables.{function}. "
            f"Publisert: {SOURCE}, {published}.")


# --- Durations (Figur 2.9) -----------------------------------------------------------------

# The durations the published text states for Figur 2.9, as one small table: (row, what,
# month); `what` is 'ended' (100 − the share still in) or 'remaining'. Columns are the
# programmes and both together (the two-month figure is for both).
FIGUR_2_9_ROWS = (("Avsluttet etter 2 måneder", "ended", 2),
                  ("Avsluttet etter 6 måneder", "ended", 6),
                  ("Fortsatt i tiltaket etter 12 måneder", "remaining", 12),
                  ("Fortsatt i tiltaket etter 24 måneder", "remaining", 24))
MEDIAN_ROW = "Median varighet (måneder)"
FIGUR_2_9_COLUMNS = {"gammelt": "Gammelt", "nytt": "Nytt", survival.POOLED: "Gammelt og nytt"}
# The published prose fact of each cell (data/published/prose_facts.csv), and how the text
# words it: 'over' (mer enn), 'under' (i underkant av), 'about' (rundt, or a plain number).
FIGUR_2_9_FACTS = {
    ("Avsluttet etter 2 måneder", "Gammelt og nytt"): ("p001_fig2_9_ended_by_2m", "about"),
    ("Avsluttet etter 6 måneder", "Gammelt"): ("p001_fig2_9_ended_by_6m", "over"),
    ("Avsluttet etter 6 måneder", "Nytt"): ("p001_fig2_9_ended_by_6m", "over"),
    ("Fortsatt i tiltaket etter 12 måneder", "Gammelt"): ("p001_fig2_9_remaining_12m_old", "about"),
    ("Fortsatt i tiltaket etter 12 måneder", "Nytt"): ("p001_fig2_9_remaining_12m_new", "under"),
    ("Fortsatt i tiltaket etter 24 måneder", "Gammelt"): ("p001_fig2_9_remaining_24m_old", "about"),
    ("Fortsatt i tiltaket etter 24 måneder", "Nytt"): ("p001_fig2_9_remaining_24m_new", "about"),
}
FIGUR_2_9_NOTE = ("Publisert: tallene i teksten til Figur 2.9 – etter 6 måneder «mer enn 50 "
                  "prosent» avsluttet (begge), etter 12 måneder «i underkant av 20 prosent» "
                  "(nytt) og «rundt 25 prosent» (gammelt) fortsatt i tiltaket. Kaplan–Meier: "
                  "deltakelser som fortsatt pågår ved uttrekksdatoen, teller med så lenge de "
                  "er observert.")


def figur_2_9_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The durations behind Figur 2.9's text (helpers.survival, Kaplan–Meier): percent ended
    by 2 and 6 months and still in at 12 and 24, and the median duration, for the old and
    the new programme and both together; tidy (section, row, column, unit, value, lower,
    upper, suppressed), hidden cells (small-cell rule of helpers.survival) NaN."""
    horizons = sorted({month for _, _, month in FIGUR_2_9_ROWS})
    parts = [survival.shares_at(frame, horizons=horizons),
             survival.shares_at(frame, by=None, groups=None, horizons=horizons)]
    medians = pd.concat([survival.median_duration(frame),
                         survival.median_duration(frame, by=None, groups=None)])
    at = pd.concat(parts, ignore_index=True).set_index(["group", "month"])
    rows = []
    for group, column in FIGUR_2_9_COLUMNS.items():
        for row, what, month in FIGUR_2_9_ROWS:
            cell = at.loc[(group, month)]
            value, lower, upper = (
                (cell["share_ended"], cell["ended_lower"], cell["ended_upper"])
                if what == "ended" else
                (cell["share_remaining"], cell["lower"], cell["upper"]))
            rows.append(("", row, column, "percent", value, lower, upper, bool(cell["hidden"])))
        median = medians[medians["group"] == group].iloc[0]
        rows.append(("", MEDIAN_ROW, column, "months", median["median"], median["lower"],
                     median["upper"], bool(median["hidden"])))
    table = pd.DataFrame(rows, columns=["section", "row", "column", "unit", "value", "lower",
                                        "upper", "suppressed"])
    for c in ("value", "lower", "upper"):
        table[c] = table[c].astype(float)
    return table


def figur_2_9_compared(frame: pd.DataFrame) -> pd.DataFrame:
    """`figur_2_9_table` with the published prose facts beside (published, printed,
    corrected, kind as in FIGUR_2_9_FACTS; NaN where the text states nothing)."""
    table = figur_2_9_table(frame)
    facts = [FIGUR_2_9_FACTS.get((r, c)) for r, c in zip(table["row"], table["column"])]
    table["fact_id"] = [f[0] if f else "" for f in facts]
    table["kind"] = [f[1] if f else "" for f in facts]
    table["published"] = [prose_fact(f[0]) if f else np.nan for f in facts]
    table["printed"] = table["published"]
    table["corrected"] = False
    return table


def figur_2_9_gt(compared: pd.DataFrame, extract, table_id: str = "tbl-varighet") -> BookTable:
    """The durations table as the book shows it, with its data under the name figur_2_9
    (read by the Replikasjon appendix)."""
    source = (f"Kilde: beregnet fra {data_source(extract)} med helpers.tables.figur_2_9_table "
              f"(helpers.survival). Publisert: {SOURCE}, teksten til Figur 2.9.")
    gt = comparison_gt(compared, table_id, "Varighet i tiltaket, gammelt og nytt tiltak. "
                       "Prosent og måneder", source, extract.is_synthetic,
                       notes=[FIGUR_2_9_NOTE])
    return with_data(gt, table_data(compared, "figur_2_9"), "figur_2_9")


# --- Series behind the figures -----------------------------------------------------------

def entry_year(frame: pd.DataFrame) -> pd.Series:
    """Each entrant's entry year."""
    return pd.Series(entry_month_number(frame) // 12, index=frame.index)


def _detail(frame: pd.DataFrame) -> list[str]:
    """Each entrant's programme detail as a population name, e.g. 'gammelt:OPPFOLGING'."""
    return [f"{p}:{c}" for p, c in zip(frame["programme"], frame["programme_code"])]


def _entrants_by_year(frame: pd.DataFrame) -> pd.DataFrame:
    counts = (pd.DataFrame({"year": entry_year(frame), "detail": _detail(frame)})
              .value_counts().rename("entrants").reset_index())
    counts["programme_detail"] = [
        PROGRAMME_DETAIL_LABELS.get(tuple(d.split(":", 1)), "Annet") for d in counts["detail"]]
    counts["key"] = [f"{d}@{y}|n" for d, y in zip(counts["detail"], counts["year"])]
    counts["denominator"] = [f"alle@{y}|n" for y in counts["year"]]  # the year's printed total
    return counts


def entrants_by_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Figur 3.1: entrants by entry year and programme (Arbeid med bistand, old and new
    Oppfølging, Utvidet oppfølging). Columns year, programme_detail, entrants.

    The book prints each year's total and each programme's, so the counts are a two-way
    table of years × programmes (Gammelt = Arbeid med bistand + old Oppfølging), hidden
    across the book (`book_disclosure`): hidden counts are NaN."""
    counts = _entrants_by_year(frame)
    hidden = book_disclosure(frame).hidden(counts)
    counts["entrants"] = counts["entrants"].astype(float).mask(hidden)
    order = list(PROGRAMME_DETAIL_LABELS.values())
    counts["programme_detail"] = pd.Categorical(counts["programme_detail"], order)
    counts = counts[["year", "programme_detail", "entrants"]]
    return counts.sort_values(["year", "programme_detail"]).reset_index(drop=True)


def _shares(frame: pd.DataFrame, by: list[str], measures: dict[str, pd.Series], *,
            distribution: bool = False, hide: bool = True) -> pd.DataFrame:
    """Percent of each group in each measure (measures are boolean Series like frame).

    Shares are hidden (NaN) by the complement rule; with `distribution` (the measures are
    exhaustive categories: each person in exactly one), a group's measures are also one
    distribution (helpers.disclosure.hidden_cells). Without `hide`, nothing is hidden
    (the book's figures are hidden across tables instead, `book_disclosure`)."""
    data = frame[by].copy()
    for name, mask in measures.items():
        data[name] = np.asarray(mask, dtype=float)
    grouped = data.groupby(by, observed=True)
    shares = grouped.mean().mul(100)
    n = grouped.size().rename("n")
    tidy = shares.reset_index().melt(id_vars=by, var_name="measure", value_name="share")
    tidy = tidy.merge(n.reset_index(), on=by)
    numer = grouped.sum().reset_index().melt(id_vars=by, var_name="measure",
                                             value_name="numerator")
    tidy = tidy.merge(numer, on=by + ["measure"])
    if hide:
        hidden = hidden_cells(tidy["numerator"], tidy["n"], tidy[by] if distribution else None)
        tidy["share"] = tidy["share"].mask(hidden)
    return tidy


def _hide(tidy: pd.DataFrame, frame: pd.DataFrame, column: str = "share") -> pd.DataFrame:
    """`tidy` (with key and denominator) with what the book hides blanked (NaN) in
    `column`, without the key columns."""
    hidden = book_disclosure(frame).hidden(tidy)
    tidy = tidy.assign(**{column: tidy[column].astype(float).mask(hidden)})
    return tidy.drop(columns=["key", "denominator"])


def _main(frame: pd.DataFrame) -> pd.DataFrame:
    """The entrants of the old and the new programme (Figur 3.3 and 3.4)."""
    return frame[frame["programme"].isin(["gammelt", "nytt"]).to_numpy(dtype=bool)]


CHARACTERISTICS_BY_YEAR = {
    "age_50_plus": "50 år eller eldre",
    "immigrant": "Innvandrere",
    "reduced_capacity": "Nedsatt arbeidsevne",
    "other_jobseeker": "Andre arbeidssøkere",
    "aap": "Mottar AAP",
}
# The population cell (variable of helpers.measures.composition, or derived) of each.
_CHARACTERISTIC_VARIABLES = {"age_50_plus": "age_4", "immigrant": "immigrant",
                             "reduced_capacity": "na", "other_jobseeker": "not_na",
                             "aap": "aap_any"}


def _characteristics_by_year(frame: pd.DataFrame) -> pd.DataFrame:
    data = _main(frame)
    data = data.assign(year=entry_year(data))
    measures = {
        "age_50_plus": data["age"].astype(float) >= 50,
        "immigrant": data["immigrant"],
        "reduced_capacity": data["reduced_capacity"],
        "other_jobseeker": ~data["reduced_capacity"].astype(bool),
        "aap": data["aap_diagnosis"] != "ikke_aap",
    }
    tidy = _shares(data, ["year"], measures, hide=False)
    tidy["label"] = tidy["measure"].map(CHARACTERISTICS_BY_YEAR)
    tidy["key"] = [f"main@{y}|{_CHARACTERISTIC_VARIABLES[m]}"
                   for y, m in zip(tidy["year"], tidy["measure"])]
    tidy["denominator"] = [f"main@{y}|n" for y in tidy["year"]]
    return tidy


def characteristics_by_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Figur 3.3: percent of the old and new programme's entrants (`frame`: all entrants)
    each year who are 50+, immigrants, have reduced work capacity (or not: other
    jobseekers), and receive AAP. Columns year, measure, label, share, n, numerator.

    The years add up to Tabell 3.1's programmes, so the shares are hidden across the book
    (`book_disclosure`)."""
    return _hide(_characteristics_by_year(frame), frame)


def _psychiatric_by_year(frame: pd.DataFrame) -> pd.DataFrame:
    data = _main(frame)
    data = data.assign(year=entry_year(data))
    aap = data["aap_diagnosis"] != "ikke_aap"
    psych = data["aap_diagnosis"] == "psykisk"
    of_all = _shares(data, ["year"], {"of_all": psych}, hide=False)
    of_aap = _shares(data[aap.to_numpy()], ["year"], {"of_aap": psych[aap]}, hide=False)
    tidy = pd.concat([of_aap, of_all], ignore_index=True)
    tidy["label"] = tidy["measure"].map({"of_aap": "Andel av dem som mottar AAP",
                                         "of_all": "Andel av alle som starter"})
    tidy["key"] = [f"main@{y}|aap_psykisk" for y in tidy["year"]]
    tidy["denominator"] = [f"main@{y}|{'aap_any' if m == 'of_aap' else 'n'}"
                           for y, m in zip(tidy["year"], tidy["measure"])]
    return tidy


def psychiatric_by_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Figur 3.4: AAP with a psychiatric diagnosis as percent of AAP recipients and of all
    entrants of the old and new programme (`frame`: all entrants), by entry year. Columns
    year, measure, label, share (hidden across the book, `book_disclosure`)."""
    return _hide(_psychiatric_by_year(frame), frame)


def _aap_by_programme(frame: pd.DataFrame) -> pd.DataFrame:
    aap = frame["aap_diagnosis"].replace({"ukjent": "annen"})
    labels = dict(AAP_ROWS)
    measures = {labels[code]: aap == code for code, _ in AAP_ROWS}
    tidy = _shares(frame, ["programme"], measures, hide=False)
    codes = {label: code for code, label in AAP_ROWS}
    tidy["key"] = [f"{p}|aap_{codes[m]}" for p, m in zip(tidy["programme"], tidy["measure"])]
    tidy["denominator"] = [f"{p}|n" for p in tidy["programme"]]
    return tidy


def aap_by_programme(frame: pd.DataFrame) -> pd.DataFrame:
    """Figur 3.2: AAP status and diagnosis group at entry, percent, by programme (the same
    cells as Tabell 3.1's AAP rows, hidden across the book, `book_disclosure`)."""
    tidy = _hide(_aap_by_programme(frame), frame)
    tidy["programme"] = tidy["programme"].map(PROGRAMME_LABELS)
    return tidy


# --- Histories before entry (Figur 3.5–3.7) ---------------------------------------------

NAV_STATUS_LABELS = {
    "reduced_capacity": "Nedsatt arbeidsevne",
    "other_registered": "Annen NAV-bruker",
    "not_registered": "Ikke registrert hos NAV",
}

# Programme the month before entry (Figur 3.6): the category of each code
# (helpers.spells.PROGRAMME_BEFORE_PRIORITY says which code wins for a person in several).
PROGRAMME_BEFORE_CATEGORIES = {
    "ARBEIDSPRAKSIS": "Arbeidspraksis",
    "AVKLARING": "Avklaring",
    "LONNSTILSKUDD": "Lønnstilskudd",
    "ANNEN_OPPFOLGING": "Andre oppfølgingstiltak",
    "OPPLAERING": "Opplæring",
    "ARBEIDSFORBEREDENDE": "Andre tiltak",
    "TILRETTELAGT_ARBEID": "Andre tiltak",
    "ANNET": "Andre tiltak",
}
NO_PROGRAMME = "Ikke i tiltak"


def monthly_history(grid, frame: pd.DataFrame, by: str = "programme",
                    months_before: int = spells.HISTORY_MONTHS) -> pd.DataFrame:
    """Figur 3.5 and 3.7: percent of entrants in each NAV status and in job (strict), month
    by month before entry, per group `by` (helpers.measures.history_counts).

    Columns: group, relative_month (−24 … −1), measure, share, n. The three NAV statuses
    of a group and month add up to n, so they are one distribution (`hidden_cells`);
    job_strict is a share of n (`share_mask`). By programme, a group whose n the book
    hides (`book_disclosure`) is hidden whole. Hidden shares are blank (NaN).
    """
    counts = measures.history_counts(grid, frame, by, months_before)
    statuses = counts["measure"].isin(measures.NAV_STATUSES).to_numpy()
    hidden = share_mask(counts["persons"], counts["n"])
    keys = counts.loc[statuses, ["group", "relative_month"]]
    hidden[statuses] = hidden_cells(counts.loc[statuses, "persons"], counts.loc[statuses, "n"],
                                    keys)
    if by == "programme":
        hidden |= _group_hidden(frame, counts["group"])
    counts["share"] = counts["share"].mask(hidden)
    return counts[["group", "relative_month", "measure", "share", "n"]]


def programme_before_labels(grid, frame: pd.DataFrame) -> pd.Series:
    """Figur 3.6's category of each entrant's programme the month before entry
    (helpers.spells.programme_before_entry, from the entrants' months `grid`), or 'Ikke i
    tiltak'. Indexed like `frame`."""
    codes = programme_before_entry(grid, frame)
    return codes.map(PROGRAMME_BEFORE_CATEGORIES).fillna(NO_PROGRAMME).astype(object)


def programme_before_shares(frame: pd.DataFrame, before: pd.Series) -> pd.DataFrame:
    """Figur 3.6: percent of entrants in each kind of programme the month before entry
    (`before`: programme_before_labels)."""
    categories = list(dict.fromkeys(before))
    measures = {c: before == c for c in categories}
    tidy = _shares(frame, ["programme"], measures, distribution=True)
    tidy["share"] = tidy["share"].mask(_group_hidden(frame, tidy["programme"]))
    tidy["programme"] = tidy["programme"].map(PROGRAMME_LABELS)
    return tidy


def _group_hidden(frame: pd.DataFrame, programmes: pd.Series) -> np.ndarray:
    """True where the book hides the programme's number of entrants (`book_disclosure`):
    what rests on it (Figur 3.5–3.7) is hidden with it."""
    plan = book_disclosure(frame)
    codes = list(dict.fromkeys(programmes))
    hidden = plan.hidden(pd.DataFrame({"key": [f"{p}|n" for p in codes],
                                       "denominator": [None] * len(codes)}))
    return programmes.map(dict(zip(codes, hidden))).to_numpy(dtype=bool)


def cell_value(table: pd.DataFrame, row: str, column: str, unit: str | None = None) -> float:
    """One value of a tidy table by its row and column label (and unit, if ambiguous)."""
    hit = table[(table["row"] == row) & (table["column"] == column)]
    if unit is not None:
        hit = hit[hit["unit"] == unit]
    if len(hit) != 1:
        raise KeyError(f"fant {len(hit)} celler for rad '{row}', kolonne '{column}'")
    return float(hit["value"].iloc[0])


def extract_overview(extract) -> pd.DataFrame:
    """The extract's tables: file, rows and distinct persons (aggregates only). A count of
    persons resting on 1–4 persons is hidden, and so is that table's row count (it would
    tell how many rows those few persons have). Columns Tabell, Fil, Rader, Personer
    (numbers; NaN hidden or not applicable), and `hidden` (True where hidden)."""
    from helpers.contract import TABLES

    rows = []
    for name, spec in TABLES.items():
        if extract.has(name):
            df = extract[name]
            persons = df["person_id"].nunique() if "person_id" in df.columns else np.nan
            hidden = bool(is_small(persons))
            rows.append({"Tabell": name, "Fil": extract.files.get(name, f"{name}.parquet"),
                         "Rader": np.nan if hidden else float(len(df)),
                         "Personer": np.nan if hidden else float(persons), "hidden": hidden})
        else:
            rows.append({"Tabell": name, "Fil": "mangler" + ("" if spec.required else " (valgfri)"),
                         "Rader": np.nan, "Personer": np.nan, "hidden": False})
    return pd.DataFrame(rows)


def extract_overview_gt(extract, table_id: str = "tbl-uttrekk") -> BookTable:
    """The extract overview (`extract_overview`) as the book shows it, with its data."""
    from great_tables import GT

    overview = extract_overview(extract)
    shown = overview[["Tabell", "Fil"]].assign(**{
        column: [format_value(v, "count", h) for v, h in zip(overview[column], overview["hidden"])]
        for column in ("Rader", "Personer")})
    gt = (GT(shown, id=table_id).tab_header(title="Tabellene i uttrekket")
          .cols_align(align="right", columns=["Rader", "Personer"])
          .tab_source_note("Kilde: helpers.tables.extract_overview."))
    if overview["hidden"].any():
        gt = gt.tab_source_note(HIDDEN_NOTE)
    long = overview.melt(id_vars=["Tabell", "hidden"], value_vars=["Rader", "Personer"],
                         var_name="column", value_name="value")
    data = pd.DataFrame({"table": "uttrekket", "section": "", "row": long["Tabell"],
                         "column": long["column"], "value": long["value"], "stars": "",
                         "unit": "count", "flag": np.where(long["hidden"], HIDDEN_FLAG, "")})
    return with_data(gt, data.reindex(columns=DATA_COLUMNS), "uttrekket")


def calibration_gt(table: pd.DataFrame, table_id: str = "tbl-kalibrering") -> BookTable:
    """The synthetic generator's calibration table (helpers.calibration.calibration_table)
    as the book shows it (target, synthetic value, difference and whether it is met), with
    its data."""
    from great_tables import GT

    def num(v):
        return "–" if pd.isna(v) else number(v, 1)

    shown = pd.DataFrame({
        "Mål": table["description"],
        "Kilde": table["source"],
        "Publisert": [num(v) for v in table["target"]],
        "Syntetisk": [num(v) for v in table["synthetic"]],
        "Differanse": [num(v) for v in table["difference"]],
        "Innfridd": np.where(table["ok"], "ja", "nei"),
    })
    met = int(table["ok"].sum())
    gt = (GT(shown, id=table_id)
          .tab_header(title="Kalibrering av det syntetiske uttrekket")
          .cols_align(align="right", columns=["Publisert", "Syntetisk", "Differanse"])
          .tab_source_note(f"{met} av {len(table)} mål innfridd innenfor toleransen. Kilde: "
                           "helpers.calibration.calibration_table; mål fra data/published/."))
    values = table.assign(ok=table["ok"].astype(float))
    long = values.melt(id_vars=["id", "source", "unit"],
                       value_vars=["target", "synthetic", "difference", "tolerance", "ok"],
                       var_name="column", value_name="value")
    data = pd.DataFrame({"table": "kalibrering", "section": long["source"], "row": long["id"],
                         "column": long["column"], "value": long["value"].astype(float),
                         "stars": "", "unit": long["unit"], "flag": ""})
    return with_data(gt, data.reindex(columns=DATA_COLUMNS), "kalibrering")


# --- Values for sentences ----------------------------------------------------------------

def pick(table: pd.DataFrame, what: str = "share", **keys):
    """One value (column `what`) of a tidy table, selected by its key columns, for a sentence.

    Returns None when no row matches or the row has no value without being hidden (no one
    in that group), NaN when the value is hidden (helpers.disclosure), else the number."""
    hit = table
    for key, value in keys.items():
        hit = hit[hit[key] == value]
    if len(hit) == 0:
        return None
    if len(hit) > 1:
        raise KeyError(f"{len(hit)} rader passer til {keys}")
    value = hit[what].iloc[0]
    hidden = bool(hit["suppressed"].iloc[0]) if "suppressed" in hit.columns else pd.isna(value)
    if pd.isna(value):
        return np.nan if hidden else None
    return float(value)


def measure_series(tidy: pd.DataFrame, measure: str, index: str = "year",
                   column: str = "share") -> pd.Series:
    """One measure of a tidy table as a Series (e.g. a share by year) for a sentence."""
    hit = tidy[tidy["measure"] == measure]
    return pd.Series(hit[column].to_numpy(dtype=float), index=hit[index].to_numpy()).sort_index()


def _entrants_by_programme(frame: pd.DataFrame) -> pd.DataFrame:
    counts = frame["programme"].value_counts().reindex(list(PROGRAMME_LABELS), fill_value=0)
    return pd.DataFrame({"programme": counts.index, "entrants": counts.to_numpy(dtype=float),
                         "key": [f"{p}|n" for p in counts.index], "denominator": None})


def entrants_by_programme(frame: pd.DataFrame) -> pd.Series:
    """Entrants in each programme (gammelt, nytt, utvidet) for a sentence: 0 when there are
    none, NaN when the book hides the count (1–4 persons, or `book_disclosure`)."""
    counts = _hide(_entrants_by_programme(frame), frame, "entrants")
    return pd.Series(counts["entrants"].to_numpy(), index=counts["programme"].to_numpy(),
                     name="count")


def _entrants_per_year(frame: pd.DataFrame) -> pd.DataFrame:
    counts = entry_year(frame).value_counts().sort_index()
    return pd.DataFrame({"year": counts.index, "entrants": counts.to_numpy(dtype=float),
                         "key": [f"alle@{y}|n" for y in counts.index], "denominator": None})


def entrants_per_year(frame: pd.DataFrame) -> pd.Series:
    """All entrants by entry year (the sum of Figur 3.1's bars); NaN when the book hides it
    (1–4 persons, or `book_disclosure`)."""
    counts = _hide(_entrants_per_year(frame), frame, "entrants")
    return pd.Series(counts["entrants"].to_numpy(), index=counts["year"].to_numpy(),
                     name="count")


def _psychiatric_by_programme(frame: pd.DataFrame) -> pd.DataFrame:
    aap = (frame["aap_diagnosis"] != "ikke_aap").to_numpy()
    psych = frame["aap_diagnosis"] == "psykisk"
    tidy = pd.concat([_shares(frame[aap], ["programme"], {"of_aap": psych[aap]}, hide=False),
                      _shares(frame, ["programme"], {"of_all": psych}, hide=False)],
                     ignore_index=True)
    tidy["key"] = [f"{p}|aap_psykisk" for p in tidy["programme"]]
    tidy["denominator"] = [f"{p}|{'aap_any' if m == 'of_aap' else 'n'}"
                           for p, m in zip(tidy["programme"], tidy["measure"])]
    return tidy


def psychiatric_by_programme(frame: pd.DataFrame) -> pd.DataFrame:
    """AAP with a psychiatric diagnosis as percent of AAP recipients (of_aap) and of all
    entrants (of_all), by programme (codes gammelt/nytt/utvidet); one numerator, two
    totals, hidden across the book (`book_disclosure`)."""
    return _hide(_psychiatric_by_programme(frame), frame)


def corrections_gt(corrections: pd.DataFrame, table_id: str = "tbl-rettelser") -> BookTable:
    """The published values the report compares with instead of the printed ones
    (helpers.published.published_corrections: table, row, column, printed, targeted,
    reason) as the book shows them, with their data."""
    from great_tables import GT

    unit = np.where(corrections["row"].eq("Totalt antall personer"), "count", "percent")
    shown = pd.DataFrame({
        "Tabell": corrections["table"], "Rad": corrections["row"],
        "Kolonne": corrections["column"],
        "Trykt": [format_value(v, u) for v, u in zip(corrections["printed"], unit)],
        "Brukt": [format_value(v, u) for v, u in zip(corrections["targeted"], unit)],
        "Begrunnelse": corrections["reason"],
    })
    gt = (GT(shown, id=table_id).tab_header(title="Rettelser i de publiserte tallene")
          .cols_align(align="right", columns=["Trykt", "Brukt"])
          .tab_source_note("Kilde: helpers.published.CORRECTIONS og "
                           "helpers.published.published_corrections; data/published/NOTES.md."))
    long = corrections.melt(id_vars=["table", "row", "column", "reason"],
                            value_vars=["printed", "targeted"], var_name="measure")
    data = pd.DataFrame({"table": "rettelser", "section": long["table"], "row": long["row"],
                         "column": long["column"] + ": " + long["measure"],
                         "value": long["value"].astype(float), "stars": "",
                         "unit": np.where(long["row"].eq("Totalt antall personer"), "count",
                                          "percent"), "flag": ""})
    return with_data(gt, data.reindex(columns=DATA_COLUMNS), "rettelser")


# --- Disclosure across the book ---------------------------------------------------------
# Every count the book shows about the entrants is a population cell named by a key
# '<population>|<variable>': populations are programmes (gammelt, nytt, utvidet), the new
# programme's providers (nytt/skjermet, nytt/kommersiell, nytt/rest = ideell + ukjent),
# a programme's provider types (gammelt/ideell), programme details by year
# (gammelt:ARBEID_MED_BISTAND@2015), all entrants of a year (alle@2015) and the old and new
# programme together (main, main@2015); variables those of helpers.measures.composition
# (n, female, age_0, edu_grunnskole, aap_psykisk, lg_2, na, job_at_entry, ...) and their
# complements and sums (not_female, not_na, not_job, <block>_rest, immigrant, aap_any).

_AGE = [f"age_{i}" for i in range(len(measures.AGE_BANDS))]
_EDUCATION = [f"edu_{level}" for level in measures.EDUCATION_GROUPS]
_AAP = [f"aap_{group}" for group in measures.AAP_GROUPS]
_COUNTRY = [f"lg_{code}" for code in measures.COUNTRY_GROUPS]
_BLOCKS = {"age": _AGE, "edu": _EDUCATION, "aap": _AAP, "lg": _COUNTRY}
# Counts of a composition population that add up across providers and programmes.
_COUNT_VARIABLES = (["n", "female", "not_female", "na", "not_na", "immigrant", "aap_any"]
                    + [v for block, variables in _BLOCKS.items()
                       for v in variables + [f"{block}_rest"]])
# The old and new programme by entry year (Figur 3.3 and 3.4).
_YEAR_VARIABLES = ["n", "age_4", "immigrant", "na", "not_na", "aap_any", "aap_psykisk"]
_COMPOSITION_COLUMNS = ("age", "female", "landgruppe", "education", "aap_diagnosis",
                        "reduced_capacity", "job_at_entry", "months_in_job_24")
_V1_GROUPS = ("nytt/skjermet", "nytt/kommersiell", "nytt/rest")


def _composition_counts(group: pd.DataFrame, population: str) -> dict[str, float]:
    """Persons in every composition variable of `group`, keyed '<population>|<variable>'
    (only the AAP variables when `group` has no other characteristics)."""
    n = float(len(group))
    if set(group.columns).issuperset(_COMPOSITION_COLUMNS):
        measured = measures.composition(group, extra_rows=True)
        c = dict(zip(measured["variable"], measured["numerator"].astype(float)))
        c.update(not_female=n - c["female"], not_na=n - c["na"], not_job=n - c["job_at_entry"],
                 immigrant=float(group["immigrant"].astype(bool).sum()) if "immigrant" in group
                 else c["lg_2"] + c["lg_3"])
        blocks = _BLOCKS
    else:  # as helpers.measures.composition counts them
        aap = group["aap_diagnosis"].astype(object).replace({"ukjent": "annen"})
        c = {f"aap_{g}": float((aap == g).sum()) for g in measures.AAP_GROUPS}
        blocks = {"aap": _AAP}
    c["n"] = n
    c["aap_any"] = n - c["aap_ikke_aap"]
    for block, variables in blocks.items():
        c[f"{block}_rest"] = n - sum(c[v] for v in variables)
    return {f"{population}|{v}": value for v, value in c.items()}


def _book_cells(frame: pd.DataFrame) -> tuple[dict, list]:
    """The true persons of every population cell of the book, and how the cells add up:
    (persons by key, [(total, parts)])."""
    has = set(frame.columns).issuperset
    programme = frame["programme"].astype(object).to_numpy()
    persons: dict[str, float] = {}
    relations: list[tuple[str, list[str]]] = []
    groups = {p: programme == p for p in PROGRAMME_LABELS}
    groups["main"] = groups["gammelt"] | groups["nytt"]
    if has(["provider_type"]):
        provider = frame["provider_type"].astype(object).to_numpy()
        for p in ("gammelt", "nytt"):
            for t in measures.PROVIDER_TYPES:
                groups[f"{p}/{t}"] = groups[p] & (provider == t)
            relations.append((f"{p}|n", [f"{p}/{t}|n" for t in measures.PROVIDER_TYPES]))
        groups["nytt/rest"] = groups["nytt"] & np.isin(provider, ["ideell", "ukjent"])
        relations.append(("nytt/rest|n", ["nytt/ideell|n", "nytt/ukjent|n"]))
    for name, mask in groups.items():
        persons[f"{name}|n"] = float(mask.sum())
    relations.append(("main|n", ["gammelt|n", "nytt|n"]))

    if has(["entry_month"]):
        year = entry_year(frame).to_numpy()
        years = sorted(set(range(FIRST_ENTRY_YEAR, LAST_ENTRY_YEAR + 1)) | set(year.tolist()))
        for y in years:
            persons[f"alle@{y}|n"] = float((year == y).sum())
            persons[f"main@{y}|n"] = float((groups["main"] & (year == y)).sum())
        relations.append(("main|n", [f"main@{y}|n" for y in years]))
    if has(["entry_month", "programme_code"]):
        detail = np.array(_detail(frame), dtype=object)
        details = sorted(set(detail) | {f"{p}:{c}" for p, c in PROGRAMME_DETAIL_LABELS})
        for d in details:
            persons[f"{d}|n"] = float((detail == d).sum())
            for y in years:
                persons[f"{d}@{y}|n"] = float(((detail == d) & (year == y)).sum())
            relations.append((f"{d}|n", [f"{d}@{y}|n" for y in years]))
        for p in PROGRAMME_LABELS:
            relations.append((f"{p}|n", [f"{d}|n" for d in details if d.split(":")[0] == p]))
        for y in years:
            relations.append((f"alle@{y}|n", [f"{d}@{y}|n" for d in details]))
            relations.append((f"main@{y}|n", [f"{d}@{y}|n" for d in details
                                              if d.split(":")[0] in ("gammelt", "nytt")]))

    if not has(["aap_diagnosis"]):
        return persons, relations
    if not has(_COMPOSITION_COLUMNS):  # Figur 3.2 and the AAP sentences only
        for name in PROGRAMME_LABELS:
            persons.update(_composition_counts(frame[groups[name]], name))
            k = f"{name}|"
            relations += [(k + "aap_any", [k + "aap_muskel_skjelett", k + "aap_psykisk",
                                           k + "aap_annen"]),
                          (k + "n", [k + v for v in _AAP + ["aap_rest"]])]
        return persons, relations
    populations = ["gammelt", "nytt", "utvidet", "main"]
    if "nytt/rest" in groups:
        populations += list(_V1_GROUPS)
    for name in populations:
        persons.update(_composition_counts(frame[groups[name]], name))
        k = f"{name}|"
        relations += [(k + "n", [k + "female", k + "not_female"]),
                      (k + "n", [k + "na", k + "not_na"]),
                      (k + "aap_any", [k + "aap_muskel_skjelett", k + "aap_psykisk",
                                       k + "aap_annen"]),
                      (k + "immigrant", [k + "lg_2", k + "lg_3"])]
        relations += [(k + "n", [k + v for v in variables + [f"{block}_rest"]])
                      for block, variables in _BLOCKS.items()]
        if name in _V1_GROUPS:
            relations.append((k + "n", [k + "job_at_entry", k + "not_job"]))
    if "nytt/rest" in groups:
        relations += [(f"nytt|{v}", [f"{g}|{v}" for g in _V1_GROUPS]) for v in _COUNT_VARIABLES
                      if v != "n"]
        relations.append(("nytt|n", [f"{g}|n" for g in _V1_GROUPS]))
    relations += [(f"main|{v}", [f"gammelt|{v}", f"nytt|{v}"]) for v in _YEAR_VARIABLES
                  if v != "n"]
    if has(["entry_month"]):
        for y in years:
            counts = _composition_counts(frame[groups["main"] & (year == y)], f"main@{y}")
            persons.update({f"main@{y}|{v}": counts[f"main@{y}|{v}"] for v in _YEAR_VARIABLES})
            relations.append((f"main@{y}|n", [f"main@{y}|na", f"main@{y}|not_na"]))
        relations += [(f"main|{v}", [f"main@{y}|{v}" for y in years]) for v in _YEAR_VARIABLES
                      if v != "n"]
    return persons, relations


def _book_displays(frame: pd.DataFrame) -> pd.DataFrame:
    """Every number the book shows about the entrants that can be computed from `frame`:
    key, denominator, share (see helpers.disclosure.hidden_across)."""
    has = set(frame.columns).issuperset
    parts = []
    if has(["provider_type"]):
        parts.append(_tabell_2_1(frame))
    if has(_COMPOSITION_COLUMNS):
        parts.append(_tabell_3_1(frame))
        if has(["provider_type"]):
            parts.append(_vedlegg_1(frame))
        if has(["entry_month", "immigrant"]):
            parts += [_characteristics_by_year(frame), _psychiatric_by_year(frame)]
    if has(["aap_diagnosis"]):
        parts += [_aap_by_programme(frame), _psychiatric_by_programme(frame)]
    parts.append(_entrants_by_programme(frame))
    if has(["entry_month", "programme_code"]):
        parts += [_entrants_by_year(frame), _entrants_per_year(frame)]
    elif has(["entry_month"]):
        parts.append(_entrants_per_year(frame))
    displays = pd.concat([pd.DataFrame({
        "key": part["key"].to_numpy(dtype=object),
        "denominator": _denominators(part),
        "share": (part["is_share"].to_numpy(dtype=bool) if "is_share" in part
                  else part["denominator"].notna().to_numpy()),
        "persons": part["numerator" if "numerator" in part else "entrants"].to_numpy(float),
    }) for part in parts], ignore_index=True)
    return displays


def _denominators(cells: pd.DataFrame) -> np.ndarray:
    """Column denominator as keys, None where a cell is a count shown on its own."""
    return np.array([d if isinstance(d, str) else None for d in cells["denominator"]],
                    dtype=object)


class BookDisclosure:
    """What the book hides about one frame: for every displayed cell (key, denominator),
    whether it is hidden (helpers.disclosure.hidden_across over all its tables)."""

    def __init__(self, frame: pd.DataFrame):
        self.displays = _book_displays(frame)
        persons, relations = _book_cells(frame)
        for total, parts in relations:
            if persons[total] != sum(persons[p] for p in parts):
                raise ValueError(f"book_disclosure: {total} er ikke summen av {parts}")
        for key, value in zip(self.displays["key"], self.displays["persons"]):
            if persons.get(key) != value:
                raise ValueError(f"book_disclosure: {key} viser {value} personer, "
                                 f"cellen har {persons.get(key)}")
        self.persons, self.relations = persons, relations
        hidden = hidden_across(self.displays, relations, persons)
        self._hidden = {(k, d): h for k, d, h in zip(self.displays["key"],
                                                     _denominators(self.displays), hidden)}

    def hidden(self, cells: pd.DataFrame) -> np.ndarray:
        """For cells with columns key and denominator: whether the book hides each."""
        denominators = _denominators(cells)
        try:
            return np.array([self._hidden[(k, d)] for k, d in zip(cells["key"], denominators)],
                            dtype=bool)
        except KeyError as missing:
            raise KeyError(f"book_disclosure kjenner ikke cellen {missing}") from None


_PLANS: dict[str, BookDisclosure] = {}


def book_disclosure(frame: pd.DataFrame) -> BookDisclosure:
    """The book's disclosure verdict for `frame` (all entrants), computed once per frame
    content: every table, figure and sentence on the entrants asks it what to hide."""
    import hashlib

    columns = sorted(c for c in frame.columns if c in (
        "programme", "programme_code", "provider_type", "entry_month", "immigrant")
        + _COMPOSITION_COLUMNS)
    digest = hashlib.sha1(",".join(columns).encode())
    digest.update(pd.util.hash_pandas_object(frame[columns], index=False).to_numpy().tobytes())
    key = digest.hexdigest()
    if key not in _PLANS:
        if len(_PLANS) >= 8:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = BookDisclosure(frame)
    return _PLANS[key]


def _with_verdict(table: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """A book table with column `hidden`: the book's verdict on each cell."""
    return table.assign(hidden=book_disclosure(frame).hidden(table))


# --- Work after entry (Figur 4.1, Tabell 4.1) ------------------------------------------------

JOB_DEFINITION_LABELS = {
    "job_strict": "I jobb og ikke i annet tiltak",
    "employed": "I jobb, uansett tiltak",
}
OUTCOME_PROGRAMMES = {"gammelt": "Gammelt", "nytt": "Nytt"}


def job_after_entry(grid, frame: pd.DataFrame) -> pd.DataFrame:
    """Figur 4.1: percent in a job month by month from entry to 24 months after, old vs new
    programme, by both definitions (helpers.measures.job_after_entry_counts): of the
    entrants still observed that month (those who entered less than k months before
    uttrekksdato are not counted at month k).

    Columns: group (gammelt/nytt), month, definition, share (percent; hidden by the
    complement rule where it rests on 1–4 persons in or out of a job, and with the
    programme where the book hides its number of entrants), persons, observed.
    """
    programmes = frame[frame["programme"].isin(list(OUTCOME_PROGRAMMES)).to_numpy(dtype=bool)]
    counts = measures.job_after_entry_counts(grid, programmes)
    hidden = share_mask(counts["persons"], counts["observed"]) | _group_hidden(
        programmes, counts["group"])
    counts["share"] = counts["share"].mask(hidden)
    return counts


def job_after_entry_share(series: pd.DataFrame, programme: str, month: int,
                          definition: str = "job_strict") -> float:
    """One point of `job_after_entry` (percent; NaN when hidden or not there)."""
    hit = series[(series["group"] == programme) & (series["month"] == month)
                 & (series["definition"] == definition)]
    return float(hit["share"].iloc[0]) if len(hit) == 1 else np.nan


# Tabell 4.1's rows: (section, row) for each helpers.measures.JOB_GROUPS variable, as printed.
_TABELL_4_1_SECTIONS = {"male": "Kjønn", "female": "Kjønn", "lg": "Fødeland**",
                        "age": "Alder", "edu": "Utdanningsnivå**", "aap": "AAP/diagnose"}
TABELL_4_1_ROWS = {
    variable: (_TABELL_4_1_SECTIONS.get(variable, _TABELL_4_1_SECTIONS.get(
        variable.split("_")[0], "")), row)
    for row, variable in TABELL_4_1_GROUPS.items()
}


def tabell_4_1(frame: pd.DataFrame) -> pd.DataFrame:
    """Tabell 4.1: percent in a job (strict) 12 months after entry by group, old vs new
    programme, entrants 2013–2017 whose outcome is observed (helpers.models.table_4_1_sample,
    helpers.measures.job_by_group), and N per programme.

    Tidy rows: section, row, column (Gammelt/Nytt), unit, value, numerator, hidden (a share
    resting on 1–4 persons in or out of a job, or a group of 1–4; N when 1–4).
    """
    sample = models.table_4_1_sample(frame)
    out = []
    for code, column in OUTCOME_PROGRAMMES.items():
        sub = sample[(sample["programme"] == code).to_numpy(dtype=bool)]
        groups = measures.job_by_group(sub, 12)
        for g in groups.itertuples():
            section, row = TABELL_4_1_ROWS[g.variable]
            out.append((section, row, column, "percent", g.value, g.in_job,
                        bool(share_mask(g.in_job, g.persons) or is_small(g.persons))))
        out.append(("", "N", column, "count", float(len(sub)), len(sub),
                    bool(is_small(len(sub)))))
    return pd.DataFrame(out, columns=["section", "row", "column", "unit", "value", "numerator",
                                      "hidden"])


# The numbers Figur 4.1's text states, as a small table: (row, definition, month).
FIGUR_4_1_ROWS = (
    ("I jobb ved tilgang, bred definisjon", "employed", 0),
    ("I jobb ved tilgang", "job_strict", 0),
    ("I jobb 12 måneder etter tilgang", "job_strict", 12),
    ("I jobb 24 måneder etter tilgang", "job_strict", 24),
)
# The published prose fact of each cell and how the text words it (helpers.replication.FactSet).
FIGUR_4_1_FACTS = {
    ("I jobb ved tilgang, bred definisjon", "Gammelt"): ("p001_fig4_1_any_job_start_old",
                                                         "just_over"),
    ("I jobb ved tilgang, bred definisjon", "Nytt"): ("p001_fig4_1_any_job_start_new", "about"),
    ("I jobb ved tilgang", "Gammelt"): ("p001_fig4_1_job_start_old", "about"),
    ("I jobb ved tilgang", "Nytt"): ("p001_fig4_1_job_start_new", "about"),
    ("I jobb 12 måneder etter tilgang", "Gammelt"): ("p001_fig4_1_job_12m_old", "about"),
    ("I jobb 12 måneder etter tilgang", "Nytt"): ("p001_fig4_1_job_12m_new", "about"),
    ("I jobb 24 måneder etter tilgang", "Gammelt"): ("p001_fig4_1_job_24m_old", "about"),
    ("I jobb 24 måneder etter tilgang", "Nytt"): ("p001_fig4_1_job_24m_new", "about"),
}
FIGUR_4_1_NOTE = ("Publisert: tallene i teksten til Figur 4.1 («litt over 20 prosent» og «rundt "
                  "35 prosent» i jobb ved tilgang etter den brede definisjonen). I jobb: minst 4 "
                  "timer i uka og ikke i annet arbeidsrettet tiltak enn lønnstilskudd; bred "
                  "definisjon: minst 4 timer i uka, uansett tiltak. Andel av dem som er "
                  "observert den måneden.")


def figur_4_1_compared(series: pd.DataFrame) -> pd.DataFrame:
    """The points of Figur 4.1 its text states (FIGUR_4_1_ROWS, from `job_after_entry`),
    tidy (section, row, column, unit, value, suppressed), with the published prose facts
    beside (published, printed, corrected, fact_id, kind)."""
    rows = []
    for row, definition, month in FIGUR_4_1_ROWS:
        for code, column in OUTCOME_PROGRAMMES.items():
            value = job_after_entry_share(series, code, month, definition)
            fact_id, kind = FIGUR_4_1_FACTS[(row, column)]
            rows.append(("", row, column, "percent", value, bool(np.isnan(value)), fact_id,
                         kind, prose_fact(fact_id)))
    table = pd.DataFrame(rows, columns=["section", "row", "column", "unit", "value",
                                        "suppressed", "fact_id", "kind", "published"])
    table["printed"] = table["published"]
    table["corrected"] = False
    return table


def figur_4_1_gt(compared: pd.DataFrame, extract, table_id: str = "tbl-jobb-tekst") -> BookTable:
    """The Figur 4.1 points as the book shows them, with their data under the name figur_4_1
    (read by the Replikasjon appendix)."""
    source = (f"Kilde: beregnet fra {data_source(extract)} med helpers.tables.job_after_entry. "
              f"Publisert: {SOURCE}, teksten til Figur 4.1.")
    gt = comparison_gt(compared, table_id, "Andel i jobb ved tilgang, etter 12 og etter 24 "
                       "måneder, gammelt og nytt tiltak. Prosent", source, extract.is_synthetic,
                       notes=[FIGUR_4_1_NOTE])
    return with_data(gt, table_data(compared, "figur_4_1"), "figur_4_1")

