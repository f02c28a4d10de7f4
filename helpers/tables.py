"""Tables the chapters show: computed from the analysis frame, set beside the published ones.

Computations return tidy DataFrames (section, row, column, unit, value, numerator) whose
row and column labels are the published table's, so the "publisert" column is a join.
Before anything is shown, cells are hidden by the rules of helpers.disclosure (cells
resting on 1–4 persons, and cells that would reveal them by subtraction). `*_gt`
functions turn a compared table into a great-tables table with a source note; `pick`
reads one value for a sentence.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers import measures, spells
from helpers.disclosure import MIN_CELL, distribution_mask, hidden_cells, is_small, share_mask
from helpers.prose import data_source, number
from helpers.published import SOURCE, published_values
from helpers.spells import entry_month_number, programme_before_entry

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
                sections: dict[str, str] = SECTIONS_3_1, extra_rows: bool = False) -> pd.DataFrame:
    """Characteristics at entry (Tabell 3.1 / Vedleggstabell 1) for each group of `by`:
    helpers.measures.composition with the published table's labels.

    `columns` maps values of `by` to column labels. With `extra_rows`, adds months in job in
    the 24 months before entry and job at entry (Vedleggstabell 1). Returns tidy rows:
    section, row, column, unit, value, numerator (persons behind a share; group size for
    means). Values are not suppressed here: `suppress_small_cells` (via
    `compare_with_published`) hides them, treating each section as a distribution.
    """
    out = []
    for key, column in columns.items():
        measured = measures.composition(frame[(frame[by] == key).to_numpy(dtype=bool)],
                                        extra_rows=extra_rows)
        out.append(pd.DataFrame({
            "section": [sections[b] if b else "" for b in measured["block"]],
            "row": measured["variable"].map(_COMPOSITION_LABELS),
            "column": column,
            "unit": measured["kind"].map(_KIND_UNITS),
            "value": measured["value"],
            "numerator": measured["numerator"],
        }))
    return pd.concat(out, ignore_index=True)[["section", "row", "column", "unit", "value",
                                              "numerator"]]


def tabell_3_1(frame: pd.DataFrame) -> pd.DataFrame:
    """Tabell 3.1: characteristics of old and new entrants 2013–2018."""
    return composition(frame, "programme", {"gammelt": "Gammelt", "nytt": "Nytt"})


def vedlegg_1(frame: pd.DataFrame) -> pd.DataFrame:
    """Vedleggstabell 1: new-programme entrants at sheltered and commercial providers."""
    new = frame[frame["programme"] == "nytt"]
    table = composition(new, "provider_type",
                        {"skjermet": "Skjermede", "kommersiell": "Kommersielle"},
                        sections=LABELS_VEDLEGG_1["sections"], extra_rows=True)
    table["row"] = table["row"].replace(LABELS_VEDLEGG_1["rows"])
    return table


def tabell_2_1(frame: pd.DataFrame) -> pd.DataFrame:
    """Tabell 2.1: entrants to the old and new programme by provider type, count and percent
    (helpers.measures.provider_types). Not suppressed here: `suppress_small_cells` treats
    each column's provider types as a distribution of its Sum."""
    rows = []
    for programme, column in (("gammelt", "Gammelt"), ("nytt", "Nytt")):
        g = frame[(frame["programme"] == programme).to_numpy(dtype=bool)]
        for r in measures.provider_types(g).itertuples():
            label = PROVIDER_LABELS[r.provider_type]
            rows.append({"section": "", "row": label, "column": column, "unit": "count",
                         "value": float(r.persons), "numerator": int(r.persons)})
            rows.append({"section": "", "row": label, "column": column, "unit": "percent",
                         "value": r.percent, "numerator": int(r.persons)})
        rows.append({"section": "", "row": "Sum", "column": column, "unit": "count",
                     "value": float(len(g)), "numerator": len(g)})
        rows.append({"section": "", "row": "Sum", "column": column, "unit": "percent",
                     "value": 100.0 if len(g) else np.nan, "numerator": len(g)})
    return pd.DataFrame(rows)


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
    such a cell by subtraction (complement and distribution rules, `_hidden_in_table`);
    adds a boolean column `suppressed` marking every blanked cell."""
    table = table.copy()
    table["suppressed"] = _hidden_in_table(table)
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
    return number(value, 0 if unit == "count" else 1)


def _section_runs(sections: list[str]) -> list[str]:
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
    flat = pd.DataFrame({"section": _section_runs([s for s, _ in order]),
                         "row": [r for _, r in order]})
    for g in groups:
        flat[f"{g}__ours"] = wide[("ours", g)].to_numpy()
        flat[f"{g}__pub"] = wide[("pub", g)].to_numpy()
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
HIDDEN_FLAG = "skjult"  # data/published's flag for a value withheld to protect persons
TABLE_DATA_FOLDER = "tabeller"


def table_data(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """A tidy table in the long format of data/published (table, section, row, column,
    value, stars, unit, flag): values at full precision, hidden cells (column `suppressed`)
    empty with the reason in `flag`."""
    data = pd.DataFrame({
        "table": name,
        "section": table["section"].fillna("").astype(str) if "section" in table else "",
        "row": table["row"].astype(str),
        "column": table["column"].fillna("").astype(str),
        "value": table["value"].astype(float),
        "stars": table["stars"].fillna("").astype(str) if "stars" in table else "",
        "unit": table["unit"].astype(str),
        "flag": "",
    })
    if "suppressed" in table:
        hidden = table["suppressed"].to_numpy(dtype=bool)
        data.loc[hidden, "value"] = np.nan
        data.loc[hidden, "flag"] = HIDDEN_FLAG
    return data[DATA_COLUMNS].reset_index(drop=True)


_FONT_FAMILY = re.compile(r"font-family:[^;{}]*;?")


class BookTable:
    """A table as the book shows it (a great-tables table) together with its data (the long
    format of `table_data`). Displayed in a notebook, it shows the table and carries the data
    as a second representation (TABLE_DATA_MIME), which the build writes to
    `tabeller/<name>.csv` beside the book and links under the table."""

    def __init__(self, gt, data: pd.DataFrame, name: str):
        self.gt, self.data, self.name = gt, data, name

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


# --- Series behind the figures -----------------------------------------------------------

def entry_year(frame: pd.DataFrame) -> pd.Series:
    """Each entrant's entry year."""
    return pd.Series(entry_month_number(frame) // 12, index=frame.index)


def entrants_by_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Figur 3.1: entrants by entry year and programme (Arbeid med bistand, old and new
    Oppfølging, Utvidet oppfølging). Columns year, programme_detail, entrants.

    The book prints each year's total, so a year's counts are a distribution
    (helpers.disclosure.hidden_cells): hidden counts are NaN."""
    detail = [PROGRAMME_DETAIL_LABELS.get(key, "Annet") for key in
              zip(frame["programme"], frame["programme_code"])]
    counts = (pd.DataFrame({"year": entry_year(frame), "programme_detail": detail})
              .value_counts().rename("entrants").reset_index())
    year_total = counts.groupby("year")["entrants"].transform("sum")
    hidden = hidden_cells(counts["entrants"], year_total, counts["year"])
    counts["entrants"] = counts["entrants"].astype(float).mask(hidden)
    order = list(PROGRAMME_DETAIL_LABELS.values())
    counts["programme_detail"] = pd.Categorical(counts["programme_detail"], order)
    return counts.sort_values(["year", "programme_detail"]).reset_index(drop=True)


def _shares(frame: pd.DataFrame, by: list[str], measures: dict[str, pd.Series], *,
            distribution: bool = False) -> pd.DataFrame:
    """Percent of each group in each measure (measures are boolean Series like frame).

    Shares are hidden (NaN) by the complement rule; with `distribution` (the measures are
    exhaustive categories: each person in exactly one), a group's measures are also one
    distribution (helpers.disclosure.hidden_cells)."""
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
    hidden = hidden_cells(tidy["numerator"], tidy["n"], tidy[by] if distribution else None)
    tidy["share"] = tidy["share"].mask(hidden)
    return tidy


CHARACTERISTICS_BY_YEAR = {
    "age_50_plus": "50 år eller eldre",
    "immigrant": "Innvandrere",
    "reduced_capacity": "Nedsatt arbeidsevne",
    "other_jobseeker": "Andre arbeidssøkere",
    "aap": "Mottar AAP",
}


def characteristics_by_year(frame: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Figur 3.3: percent of entrants each year who are 50+, immigrants, have reduced work
    capacity (or not: other jobseekers), and receive AAP. Columns year, [by], measure,
    label, share, n, numerator."""
    data = frame.assign(year=entry_year(frame))
    measures = {
        "age_50_plus": data["age"].astype(float) >= 50,
        "immigrant": data["immigrant"],
        "reduced_capacity": data["reduced_capacity"],
        "other_jobseeker": ~data["reduced_capacity"].astype(bool),
        "aap": data["aap_diagnosis"] != "ikke_aap",
    }
    tidy = _shares(data, ["year"] + ([by] if by else []), measures)
    tidy["label"] = tidy["measure"].map(CHARACTERISTICS_BY_YEAR)
    return tidy


def psychiatric_by_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Figur 3.4: AAP with a psychiatric diagnosis as percent of AAP recipients and of all
    entrants, by entry year. Columns year, measure, label, share."""
    data = frame.assign(year=entry_year(frame))
    aap = data["aap_diagnosis"] != "ikke_aap"
    psych = data["aap_diagnosis"] == "psykisk"
    of_all = _shares(data, ["year"], {"of_all": psych})
    of_aap = _shares(data[aap.to_numpy()], ["year"], {"of_aap": psych[aap]})
    tidy = pd.concat([of_aap, of_all], ignore_index=True)
    tidy["label"] = tidy["measure"].map({"of_aap": "Andel av dem som mottar AAP",
                                         "of_all": "Andel av alle som starter"})
    return tidy


def aap_by_programme(frame: pd.DataFrame) -> pd.DataFrame:
    """Figur 3.2: AAP status and diagnosis group at entry, percent, by programme."""
    aap = frame["aap_diagnosis"].replace({"ukjent": "annen"})
    labels = dict(AAP_ROWS)
    measures = {labels[code]: aap == code for code, _ in AAP_ROWS}
    tidy = _shares(frame, ["programme"], measures, distribution=True)
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
    job_strict is a share of n (`share_mask`). Hidden shares are blank (NaN).
    """
    counts = measures.history_counts(grid, frame, by, months_before)
    statuses = counts["measure"].isin(measures.NAV_STATUSES).to_numpy()
    hidden = share_mask(counts["persons"], counts["n"])
    keys = counts.loc[statuses, ["group", "relative_month"]]
    hidden[statuses] = hidden_cells(counts.loc[statuses, "persons"], counts.loc[statuses, "n"],
                                    keys)
    counts["share"] = counts["share"].mask(hidden)
    return counts[["group", "relative_month", "measure", "share", "n"]]


def programme_before_labels(extract, frame: pd.DataFrame) -> pd.Series:
    """Figur 3.6's category of each entrant's programme the month before entry
    (helpers.spells.programme_before_entry), or 'Ikke i tiltak'. Indexed like `frame`."""
    codes = programme_before_entry(extract, frame)
    return codes.map(PROGRAMME_BEFORE_CATEGORIES).fillna(NO_PROGRAMME).astype(object)


def programme_before_shares(frame: pd.DataFrame, before: pd.Series) -> pd.DataFrame:
    """Figur 3.6: percent of entrants in each kind of programme the month before entry
    (`before`: programme_before_labels)."""
    categories = list(dict.fromkeys(before))
    measures = {c: before == c for c in categories}
    tidy = _shares(frame, ["programme"], measures, distribution=True)
    tidy["programme"] = tidy["programme"].map(PROGRAMME_LABELS)
    return tidy


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
    return with_data(gt, data[DATA_COLUMNS], "uttrekket")


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
    return with_data(gt, data[DATA_COLUMNS], "kalibrering")


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


def entrants_by_programme(frame: pd.DataFrame) -> pd.Series:
    """Entrants in each programme (gammelt, nytt, utvidet) for a sentence: 0 when there are
    none, NaN when the count rests on 1–4 persons."""
    counts = frame["programme"].value_counts().reindex(list(PROGRAMME_LABELS), fill_value=0)
    return counts.astype(float).mask(is_small(counts.to_numpy()))


def entrants_per_year(frame: pd.DataFrame) -> pd.Series:
    """All entrants by entry year (the sum of Figur 3.1's bars); NaN when 1–4 persons."""
    counts = entry_year(frame).value_counts().sort_index()
    return counts.astype(float).mask(is_small(counts.to_numpy()))


def psychiatric_by_programme(frame: pd.DataFrame) -> pd.DataFrame:
    """AAP with a psychiatric diagnosis as percent of AAP recipients (of_aap) and of all
    entrants (of_all), by programme (codes gammelt/nytt/utvidet)."""
    aap = (frame["aap_diagnosis"] != "ikke_aap").to_numpy()
    psych = frame["aap_diagnosis"] == "psykisk"
    return pd.concat([_shares(frame[aap], ["programme"], {"of_aap": psych[aap]}),
                      _shares(frame, ["programme"], {"of_all": psych})], ignore_index=True)


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
    return with_data(gt, data[DATA_COLUMNS], "rettelser")
