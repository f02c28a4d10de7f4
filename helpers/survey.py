"""The job-specialist survey (Figur 2.1–2.8): answers by group, 2015 against 2019, and the
numbers the published text states.

The survey (`sporreundersokelse`, DATA_CONTRACT.md) has one row per respondent and one
column per question; its codebook says each question's type, categories and the figure it
feeds. Three groups are compared:
- "2015": the old programmes (Arbeid med bistand and the old Oppfølging) in the service
  areas surveyed both years (`sammenlignbart_omrade`);
- "2019": the new Oppfølging in the same areas;
- "landet": every 2019 respondent in the new Oppfølging, the 2019 group included.
NAV's own specialists (`tiltak` utvidet) are outside these groups.

A figure's questions are found through the codebook's `figur`, so any survey that follows
the contract can be drawn: a single `kategori` question gives the share of each category,
several give the share answering the first category (Figur 2.2: «ofte»), `flervalg` the
share ticking each category, `antall` the mean. Shares are of those who answered the
question in the group; for flervalg, of the group's respondents when anyone in the group
answered (the question was asked that year).

Differences 2019 − 2015 carry 95 % intervals suited to small samples: for a share,
Newcombe's hybrid score interval (Newcombe 1998, method 10, from Wilson score intervals of
each share; statsmodels `confint_proportions_2indep(method="newcomb")`), which keeps its
coverage with 76 and 124 respondents and shares near 0 or 1 where the Wald interval does
not; for a mean, Welch's t interval (unequal variances, Satterthwaite's degrees of
freedom).

Small cells (helpers.disclosure): a share resting on 1–4 respondents, or the complement
of one, and any value for a group with fewer than MIN_CELL answers, is hidden.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from helpers.disclosure import MIN_CELL, is_small

GROUPS = ("2015", "2019", "landet")
GROUP_LABELS = {"2015": "2015, gamle tiltak", "2019": "2019, nytt tiltak",
                "landet": "2019, hele landet"}
COMPARED = ("2015", "2019")
CONFIDENCE = 0.95
FIGURES = tuple(f"Figur 2.{k}" for k in range(1, 9))
FIGURE_COLUMNS = ["figure", "question", "label", "group", "answered", "count", "value", "unit",
                  "hidden"]


class NoSurvey(LookupError):
    """The extract has no survey (sporreundersokelse is optional in the contract)."""


def has_survey(extract) -> bool:
    """Whether the extract has the survey and its codebook."""
    return "sporreundersokelse" in extract.tables and "sporreundersokelse_kodebok" in extract.tables


def responses(extract) -> pd.DataFrame:
    """The survey's rows by group (`group`: 2015, 2019, landet); a 2019 respondent in the
    comparable areas appears twice, in 2019 and in landet."""
    if not has_survey(extract):
        raise NoSurvey("Uttrekket har ikke sporreundersokelse med kodebok (valgfrie tabeller i "
                       "datakontrakten); kapitlets figurer fra spørreundersøkelsen utgår.")
    survey = extract["sporreundersokelse"]
    year = survey["aar"].astype("Int64")
    comparable = survey["sammenlignbart_omrade"].astype("boolean").fillna(False)
    programme = survey["tiltak"].astype("string")
    parts = {
        "2015": (year == 2015) & comparable & (programme == "gammelt"),
        "2019": (year == 2019) & comparable & (programme == "nytt"),
        "landet": (year == 2019) & (programme == "nytt"),
    }
    return pd.concat([survey[mask.fillna(False).to_numpy(bool)].assign(group=g)
                      for g, mask in parts.items()], ignore_index=True)


def codebook(extract) -> pd.DataFrame:
    """The codebook, one row per question, with `categories` as a list."""
    book = extract["sporreundersokelse_kodebok"].copy()
    book["categories"] = [[c.strip() for c in str(text).split(";") if c.strip()]
                          if pd.notna(text) else [] for text in book["kategorier"]]
    return book.reset_index(drop=True)


def question_label(text: str) -> str:
    """The part of a question's text that tells it apart from the others of its figure: what
    follows the last ': ', or the whole text ('…: i oppstartfasen, møter' -> 'I oppstartfasen, møter')."""
    part = str(text).rsplit(": ", 1)[-1].strip().rstrip(".?")
    return part[:1].upper() + part[1:]


def _shares(answers: pd.Series, categories: list[str], multiple: bool) -> tuple[int, list[int]]:
    """(answered, count per category) for one group's answers to one question."""
    given = answers.dropna().astype(str)
    if multiple:
        answered = len(answers) if len(given) else 0
        ticked = given.map(lambda v: {p.strip() for p in v.split(";")})
        return answered, [int(ticked.map(lambda s, c=c: c in s).sum()) for c in categories]
    return len(given), [int((given.str.strip() == c).sum()) for c in categories]


def figure_data(extract, figure: str) -> pd.DataFrame:
    """The values a survey figure shows (FIGURE_COLUMNS), by group: shares in percent
    (unit 'percent') or means (unit 'mean'); hidden values NaN with `hidden` true."""
    if not has_survey(extract):
        return pd.DataFrame(columns=FIGURE_COLUMNS)
    data, book = responses(extract), codebook(extract)
    book = book[book["figur"].astype("string") == figure]
    rows = []
    single = len(book) == 1
    for q in book.itertuples(index=False):
        if q.sporsmal not in data.columns:
            continue
        for g in GROUPS:
            answers = data.loc[data["group"] == g, q.sporsmal]
            if q.type == "antall":
                values = pd.to_numeric(answers, errors="coerce").dropna()
                n = len(values)
                rows.append((figure, q.sporsmal, question_label(q.tekst), g, n, n,
                             float(values.mean()) if n else np.nan, "mean", 0 < n < MIN_CELL))
                continue
            answered, counts = _shares(answers, q.categories, q.type == "flervalg")
            shown = list(zip(q.categories, counts)) if (single or q.type == "flervalg") \
                else [(question_label(q.tekst), counts[0] if counts else 0)]
            for label, count in shown:
                share = 100 * count / answered if answered else np.nan
                small = bool(is_small(count) or is_small(answered - count)
                             or 0 < answered < MIN_CELL)
                rows.append((figure, q.sporsmal, label, g, answered, count, share, "percent",
                             small))
    table = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    table.loc[table["hidden"], "value"] = np.nan
    return table


def share_difference(count_2015: int, n_2015: int, count_2019: int, n_2019: int,
                     confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """2019 − 2015 difference of two shares in percentage points with Newcombe's hybrid
    score interval; NaN when a group has no answers."""
    if n_2015 == 0 or n_2019 == 0:
        return (np.nan, np.nan, np.nan)
    low, high = confint_proportions_2indep(count_2019, n_2019, count_2015, n_2015,
                                           method="newcomb", compare="diff",
                                           alpha=1 - confidence)
    return (100 * (count_2019 / n_2019 - count_2015 / n_2015), 100 * low, 100 * high)


def mean_difference(values_2015, values_2019,
                    confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """2019 − 2015 difference of two means with Welch's t interval; NaN with fewer than two
    answers in a group."""
    a = np.asarray(pd.to_numeric(pd.Series(values_2015), errors="coerce").dropna(), float)
    b = np.asarray(pd.to_numeric(pd.Series(values_2019), errors="coerce").dropna(), float)
    if len(a) < 2 or len(b) < 2:
        return (np.nan, np.nan, np.nan)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff, se = b.mean() - a.mean(), np.sqrt(va + vb)
    if se == 0:
        return (diff, diff, diff)
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    t = stats.t.ppf(0.5 + confidence / 2, dof)
    return (diff, diff - t * se, diff + t * se)


# --- The numbers the published text states ---------------------------------------------

@dataclass(frozen=True)
class SurveyFact:
    """A number the text states about the survey: the share of a question's answers in
    `categories` (or, with `questions`, the mean of their sum), per group with its fact id
    in data/published/prose_facts.csv and how the text words it (helpers.replication.FactSet
    kinds)."""
    row: str
    figure: str
    question: str | tuple[str, ...]
    categories: tuple[str, ...] = ()
    facts: tuple[tuple[str, str, str], ...] = ()   # (group, fact id, kind)
    groups: tuple[str, ...] = GROUPS               # where the question was asked

    @property
    def unit(self) -> str:
        return "percent" if self.categories else "mean"


_WORK = ("Privat næringsliv: salg/markedsføring", "Privat næringsliv: HR/personal",
         "Privat næringsliv: annet")
SURVEY_FACTS: tuple[SurveyFact, ...] = (
    SurveyFact("Møtes minst én gang i uka", "Figur 2.1", "motefrekvens",
               ("Daglig", "Flere ganger i uka", "Én gang i uka"),
               (("2015", "p001_fig2_1_weekly_meetings_old", "about"),
                ("2019", "p001_fig2_1_weekly_meetings_new", "about"))),
    SurveyFact("Mastergrad eller tilsvarende", "Figur 2.3", "utdanning",
               ("Universitet/høyskole, mastergrad eller tilsvarende",),
               (("2015", "p001_fig2_3_master_2015", "about"),
                ("2019", "p001_fig2_3_master_2019", "about"))),
    SurveyFact("Utdanningen dekker markedsføring/kommunikasjon", "Figur 2.4", "fagomrader",
               ("Markedsføring/kommunikasjon",),
               (("landet", "p001_marketing_education_national", "about"),),
               groups=("2019", "landet")),  # a category added in 2019
    SurveyFact("Deltakere per jobbspesialist (gjennomsnitt)", "Figur 2.5",
               ("fase_oppstart", "fase_jobbsoking", "fase_arbeid_forste", "fase_arbeid_senere"),
               facts=(("2015", "p001_caseload_2015", "about"),
                      ("2019", "p001_caseload_2019", "about"))),
    SurveyFact("Møter per måned, oppstartfasen", "Figur 2.6", ("kontakt_oppstart_mote",),
               facts=(("2015", "p001_fig2_6_meetings_start_2015", "about"),
                      ("2019", "p001_fig2_6_meetings_start_2019", "about"))),
    SurveyFact("Møter per måned, jobbsøkingsfasen", "Figur 2.6", ("kontakt_jobbsoking_mote",),
               facts=(("2015", "p001_fig2_6_meetings_jobsearch_2015", "about"),
                      ("2019", "p001_fig2_6_meetings_jobsearch_2019", "about"))),
    SurveyFact("Møter per måned, første måneder i arbeid", "Figur 2.6",
               ("kontakt_arbeid_forste_mote",),
               facts=(("2015", "p001_fig2_6_meetings_firstwork_2015", "about"),
                      ("2019", "p001_fig2_6_meetings_firstwork_2019", "about"))),
    SurveyFact("Møter per måned, etter noen måneder i arbeid", "Figur 2.6",
               ("kontakt_arbeid_senere_mote",),
               facts=(("2015", "p001_fig2_6_meetings_laterwork", "under"),
                      ("2019", "p001_fig2_6_meetings_laterwork", "under"))),
    SurveyFact("Bruker verktøy for karriereprofil", "", "karriereverktoy", ("Ja",),
               (("2015", "p001_career_tool_2015", "about"),
                ("2019", "p001_career_tool_2019", "about"))),
    SurveyFact("Bruker standardiserte metoder eller samtaleverktøy", "Figur 2.7",
               "standardiserte_metoder", ("Ja",)),
    SurveyFact("Minst 3 henvendelser til arbeidsgivere i uka", "Figur 2.8",
               "arbeidsgiverkontakter", ("3–5", "6–10", "Flere enn 10"),
               (("2015", "p001_fig2_8_3plus_2015", "about"),
                ("2019", "p001_fig2_8_3plus_2019", "about"))),
    SurveyFact("Minst 6 henvendelser til arbeidsgivere i uka", "Figur 2.8",
               "arbeidsgiverkontakter", ("6–10", "Flere enn 10"),
               (("2015", "p001_fig2_8_6plus_2015", "about"),
                ("2019", "p001_fig2_8_6plus_2019", "about"))),
    SurveyFact("Organisert i team", "", "team",
               ("Ja, og jeg er teamleder", "Ja, vi har en teamleder", "Ja, uten teamleder"),
               (("2015", "p001_team_2015_sample", "about"), ("2019", "p001_team_2019_sample", "about"),
                ("landet", "p001_team_2019_national", "about"))),
    SurveyFact("I team med teamleder", "", "team",
               ("Ja, og jeg er teamleder", "Ja, vi har en teamleder"),
               (("landet", "p001_team_with_leader_2019", "about"),)),
    SurveyFact("Lengste erfaring fra privat næringsliv", "", "erfaring", _WORK,
               (("landet", "p001_private_sector_experience", "about"),)),
    SurveyFact("Lengste erfaring fra salg/markedsføring", "", "erfaring", _WORK[:1],
               (("landet", "p001_sales_experience", "about"),)),
    SurveyFact("Lengste erfaring fra HR/personal", "", "erfaring", _WORK[1:2],
               (("landet", "p001_hr_experience", "about"),)),
    SurveyFact("Oppgir skjermet virksomhet", "", "leverandortype", ("skjermet",),
               (("landet", "p001_survey_national_sheltered", "about"),)),
    SurveyFact("Oppgir kommersiell virksomhet", "", "leverandortype", ("kommersiell",),
               (("landet", "p001_survey_national_commercial", "about"),)),
    SurveyFact("Oppgir ideell virksomhet", "", "leverandortype", ("ideell",),
               (("landet", "p001_survey_national_nonprofit", "about"),)),
)
FACT_COLUMNS = {"2015": "2015", "2019": "2019", "landet": "Hele landet 2019",
                "difference": "Endring 2015–2019"}
FACTS_TABLE = "sporreundersokelse"   # tabeller/sporreundersokelse.csv


def _fact_values(data: pd.DataFrame, fact: SurveyFact, group: str, multiple: bool):
    """(value, answered, count or values) of one fact in one group; None when the survey
    lacks the question or it was not asked. `multiple`: a flervalg question, whose share is
    of all the group's respondents."""
    rows = data[data["group"] == group]
    if group not in fact.groups:
        return None
    if fact.categories:
        if fact.question not in rows.columns:
            return None
        answers = rows[fact.question].dropna().astype(str)
        if answers.empty:
            return None
        ticked = answers.map(lambda v: bool({p.strip() for p in v.split(";")} & set(fact.categories)))
        n, k = (len(rows) if multiple else len(answers)), int(ticked.sum())
        return 100 * k / n, n, k
    if any(q not in rows.columns for q in fact.question):
        return None
    values = rows[list(fact.question)].apply(pd.to_numeric, errors="coerce")
    total = values.sum(axis=1, min_count=len(fact.question)).dropna()
    if total.empty:
        return None
    return float(total.mean()), len(total), total.to_numpy(float)


def key_figures(extract) -> pd.DataFrame:
    """The survey numbers the published text states (SURVEY_FACTS), tidy: section (figure),
    row, column (2015, 2019, Hele landet 2019, Endring 2015–2019), unit (percent; mean),
    value, lower, upper (the change's interval), answered, suppressed, fact_id, kind,
    published."""
    from helpers.published import prose_fact

    columns = ["section", "row", "column", "unit", "value", "lower", "upper", "answered",
               "suppressed", "fact_id", "kind", "published"]
    if not has_survey(extract):
        return pd.DataFrame(columns=columns)
    data, book = responses(extract), codebook(extract)
    multiple = set(book.loc[book["type"] == "flervalg", "sporsmal"])
    rows = []
    for fact in SURVEY_FACTS:
        facts = {g: (fid, kind) for g, fid, kind in fact.facts}
        found = {g: _fact_values(data, fact, g, fact.question in multiple) for g in GROUPS}
        for g in GROUPS:
            hit = found[g]
            fid, kind = facts.get(g, ("", ""))
            if hit is None:
                value, n, small = np.nan, 0, False
            else:
                value, n, k = hit
                small = bool(0 < n < MIN_CELL or (fact.categories and (is_small(k) or is_small(n - k))))
            rows.append((fact.figure, fact.row, FACT_COLUMNS[g], fact.unit, value, np.nan, np.nan,
                         n, small, fid, kind, prose_fact(fid) if fid else np.nan))
        a, b = found["2015"], found["2019"]
        if a is not None and b is not None:
            diff = (share_difference(a[2], a[1], b[2], b[1]) if fact.categories
                    else mean_difference(a[2], b[2]))
            published = [prose_fact(facts[g][0]) if g in facts else np.nan for g in COMPARED]
            small = bool(rows[-3][8] or rows[-2][8])
            rows.append((fact.figure, fact.row, FACT_COLUMNS["difference"], fact.unit, diff[0],
                         diff[1], diff[2], a[1] + b[1], small, "", "",
                         published[1] - published[0]))
    table = pd.DataFrame(rows, columns=columns)
    hidden = table["suppressed"].to_numpy(bool)
    table.loc[hidden, ["value", "lower", "upper"]] = np.nan
    return table


def respondent_counts(extract) -> pd.DataFrame:
    """Respondents per group and provider type as reported (a small table for the text)."""
    if not has_survey(extract):
        return pd.DataFrame(columns=["group", "leverandortype", "n"])
    data = responses(extract)
    return (data.groupby(["group", "leverandortype"]).size().rename("n").reset_index())


def group_sizes(extract) -> dict[str, int]:
    """Respondents per group (0 without a survey)."""
    if not has_survey(extract):
        return dict.fromkeys(GROUPS, 0)
    data = responses(extract)
    return {g: int((data["group"] == g).sum()) for g in GROUPS}


def survey_fact_cells(unit: str) -> dict[tuple[str, str], tuple[str, str]]:
    """The cells of tabeller/sporreundersokelse.csv that published facts of `unit`
    ('percent', 'mean') state: {(row, column): (fact id, kind)}, for
    helpers.replication.FACT_SETS."""
    return {(fact.row, FACT_COLUMNS[g]): (fid, kind)
            for fact in SURVEY_FACTS if fact.unit == unit for g, fid, kind in fact.facts}


def _cell(value: float, unit: str, hidden: bool = False) -> str:
    from helpers.tables import format_value
    return format_value(value, unit, bool(hidden))


def key_figures_gt(table: pd.DataFrame, extract, table_id: str = "tbl-sporreundersokelse"):
    """The survey's key figures as the book shows them: for 2015, 2019 and nationally ours
    beside the published number, then the change 2015–2019 with its 95 % interval; the
    data under the name sporreundersokelse (read by the Replikasjon appendix)."""
    from great_tables import GT

    from helpers.prose import data_source, number
    from helpers.published import SOURCE
    from helpers.tables import HIDDEN_NOTE, table_data, with_data

    rows = []
    for (section, row), cells in table.groupby(["section", "row"], sort=False):
        by = cells.set_index("column")
        unit = cells["unit"].iloc[0]
        line = {"section": section or "Andre spørsmål", "row": row + ("" if unit == "percent" else " ¹")}
        for g in GROUPS:
            c = by.loc[FACT_COLUMNS[g]]
            line[f"{g}_ours"] = _cell(c["value"], unit, c["suppressed"])
            line[f"{g}_pub"] = _cell(c["published"], unit)
        if FACT_COLUMNS["difference"] in by.index:
            d = by.loc[FACT_COLUMNS["difference"]]
            line["diff"] = _cell(d["value"], unit, d["suppressed"])
            line["ci"] = ("" if d["suppressed"] or pd.isna(d["lower"]) else
                          f"{number(d['lower'], 1)} til {number(d['upper'], 1)}")
        else:
            line["diff"] = line["ci"] = ""
        rows.append(line)
    flat = pd.DataFrame(rows, columns=["section", "row", *[f"{g}_{k}" for g in GROUPS
                                                           for k in ("ours", "pub")], "diff", "ci"])
    ours = "Syntetisk" if extract.is_synthetic else "Beregnet"
    gt = GT(flat, rowname_col="row", groupname_col="section", id=table_id)
    gt = gt.tab_header(title="Spørreundersøkelsen til jobbspesialister: tallene teksten oppgir. "
                             "Prosent og gjennomsnitt")
    for g in GROUPS:
        gt = gt.tab_spanner(label=GROUP_LABELS[g], columns=[f"{g}_ours", f"{g}_pub"])
    gt = gt.tab_spanner(label="Endring 2015–2019", columns=["diff", "ci"])
    gt = gt.cols_label(**{f"{g}_ours": ours for g in GROUPS}, **{f"{g}_pub": "Publisert" for g in GROUPS},
                       diff="Beregnet", ci="95 % KI")
    gt = gt.cols_align(align="right", columns=[c for c in flat.columns if c not in ("section", "row")])
    sizes = group_sizes(extract)
    gt = gt.tab_source_note(
        f"Kilde: beregnet fra {data_source(extract)} med helpers.survey.key_figures "
        f"({', '.join(f'{GROUP_LABELS[g]}: {number(sizes[g])} svar' for g in GROUPS)}). "
        f"Publisert: {SOURCE}, teksten i kapittel 2.")
    gt = gt.tab_source_note("Endring: 2019 − 2015 i de sammenlignbare tjenesteområdene, i "
                            "prosentpoeng med Newcombes intervall (andeler) og Welchs t-intervall "
                            "(gjennomsnitt). ¹ Gjennomsnitt.")
    if table["suppressed"].any():
        gt = gt.tab_source_note(HIDDEN_NOTE.replace("personer", "svar"))
    return with_data(gt, table_data(table, FACTS_TABLE), FACTS_TABLE)


# --- Sentences ---------------------------------------------------------------------------

def _value(table: pd.DataFrame, row: str, group: str, what: str = "value") -> float:
    hit = table[(table["row"] == row) & (table["column"] == FACT_COLUMNS[group])]
    return float(hit[what].iloc[0]) if len(hit) else np.nan


def change_sentence(table: pd.DataFrame, row: str, subject: str) -> str:
    """'{subject} var 75 prosent i 2015 og 79 prosent i 2019 (…), en økning på 4
    prosentpoeng (95 % KI −9 til 15), som ikke er statistisk sikker.' for a row of
    `key_figures`; the words follow the numbers and the interval."""
    from helpers.prose import number, pct
    unit = table.loc[table["row"] == row, "unit"]
    if unit.empty:
        return ""
    percent = unit.iloc[0] == "percent"

    def show(v: float) -> str:
        return pct(v) if percent else number(v, 1)

    a, b = _value(table, row, "2015"), _value(table, row, "2019")
    if not (np.isfinite(a) and np.isfinite(b)):
        return f"{subject} kan ikke sammenlignes mellom 2015 og 2019 i dette uttrekket."
    diff = _value(table, row, "difference")
    low, high = _value(table, row, "difference", "lower"), _value(table, row, "difference", "upper")
    change = number(abs(diff), 0 if percent else 1) + (" prosentpoeng" if percent else "")
    word = "en økning" if diff > 0 else "en nedgang" if diff < 0 else "ingen endring"
    sure = ("" if not (np.isfinite(low) and np.isfinite(high)) else
            ", og intervallet ligger over null" if low > 0 else
            ", og intervallet ligger under null" if high < 0 else
            ", men intervallet dekker null: endringen kan skyldes tilfeldigheter i utvalget")
    ci = (f" ({number(round(100 * CONFIDENCE))} % KI {number(low, 1)} til {number(high, 1)})"
          if np.isfinite(low) else "")
    return (f"{subject} var {show(a)} i 2015 og {show(b)} i 2019, {word}"
            f"{'' if diff == 0 else ' på ' + change}{ci}{sure}.")


def national_sentence(table: pd.DataFrame, row: str, template: str) -> str:
    """`template` with {value} filled by the national 2019 number of a `key_figures` row
    ('På landsbasis var {value} organisert i team.' -> '… 49 prosent …'); nothing when it is
    not computed."""
    from helpers.prose import number, pct
    v = _value(table, row, "landet")
    if not np.isfinite(v):
        return ""
    unit = table.loc[table["row"] == row, "unit"].iloc[0]
    return template.format(value=pct(v) if unit == "percent" else number(v, 1))


SUBJECTS = {
    "Møtes minst én gang i uka": "Andelen som møtes minst én gang i uka",
    "Mastergrad eller tilsvarende": "Andelen med mastergrad eller tilsvarende",
    "Deltakere per jobbspesialist (gjennomsnitt)": "Antall deltakere per jobbspesialist i gjennomsnitt",
    "Møter per måned, oppstartfasen": "Antall møter per måned med en deltaker i oppstartfasen",
    "Møter per måned, jobbsøkingsfasen": "Antallet i jobbsøkingsfasen",
    "Møter per måned, første måneder i arbeid": "Antallet de første par månedene i arbeid",
    "Møter per måned, etter noen måneder i arbeid": "Antallet etter noen måneder i arbeid",
    "Bruker verktøy for karriereprofil": "Andelen som bruker et eget verktøy for karriereprofil",
    "Bruker standardiserte metoder eller samtaleverktøy":
        "Andelen som bruker standardiserte metoder eller samtaleverktøy",
    "Minst 3 henvendelser til arbeidsgivere i uka":
        "Andelen som normalt gjør minst 3 henvendelser til arbeidsgivere i uka",
    "Minst 6 henvendelser til arbeidsgivere i uka": "Andelen med minst 6",
    "Organisert i team": "Andelen som er organisert i team",
}


def figure_text(table: pd.DataFrame, figure: str) -> str:
    """The sentences under a survey figure: the change 2015–2019 of each number the text
    states for it (SURVEY_FACTS), with its interval."""
    rows = [f.row for f in SURVEY_FACTS if f.figure == figure and f.row in SUBJECTS
            and "2015" in f.groups]
    return " ".join(s for s in (change_sentence(table, r, SUBJECTS[r]) for r in rows) if s)


def figure_caption(figure: str, extract) -> str:
    """A survey figure's caption: the published question, what is shown, the source."""
    from helpers.prose import figure_caption as caption
    from helpers.published import PUBLISHED_DIR
    titles = pd.read_csv(PUBLISHED_DIR / "figures.csv", dtype=str).set_index("figure_label")["title_no"]
    title = str(titles.get(figure, figure)).rstrip()
    return caption(figure, f"{title}{' ' if title.endswith(('?', '.')) else '. '}"
                   f"{'Gjennomsnitt' if figure in ('Figur 2.5', 'Figur 2.6') else 'Prosent'}. "
                   "2015 og 2019 i de sammenlignbare tjenesteområdene, og 2019 for hele landet.",
                   extract, "survey.figure_data")


def sample_sentence(extract) -> str:
    """How many answered in each group, and how the changes' intervals are computed."""
    from helpers.prose import number
    if not has_survey(extract):
        return ("Uttrekket har ikke spørreundersøkelsen (tabellene sporreundersokelse og "
                "sporreundersokelse_kodebok er valgfrie i datakontrakten), så figurene fra den "
                "står tomme.")
    n = group_sizes(extract)
    return (f"Uttrekket har svar fra {number(n['2015'])} jobbspesialister i de gamle tiltakene i "
            f"2015 og {number(n['2019'])} i det nye tiltaket i de samme tjenesteområdene i 2019; "
            f"i hele landet svarte {number(n['landet'])} i 2019. Med så få svar er den "
            "tilfeldige variasjonen stor. Endringene fra 2015 til 2019 oppgis derfor med "
            f"{number(round(100 * CONFIDENCE))} prosents konfidensintervall som holder nivået "
            "også i små utvalg: Newcombes intervall for forskjeller i andeler og Welchs "
            "t-intervall for forskjeller i gjennomsnitt. Svar som bygger på færre enn "
            f"{number(MIN_CELL)} personer, vises ikke.")
