"""Does how job specialists work predict their providers' results? (Innretning, the
question of the source on six programmes: it linked the survey to register outcomes and
found no clear relation.)

Two steps, both transparent:

1. Adjusted provider results. For each programme (old: the 2015 survey's providers; new:
   the 2019 survey's) a linear probability model of being in a job 12 months after entry
   (job_12) on the Tabell 4.4 covariates (age, age², woman, immigrant, education, job at
   entry, reduced work capacity, months in a job in the 24 before entry, unemployment) with
   county and outcome-month fixed effects, entrants 2013–2017, no provider terms. A
   provider's *adjusted result* is the mean residual of its entrants in the county
   (percentage points above or below entrants like them in the same county and month),
   with its standard error sd/√n.
2. Practice against results. Each respondent's answers give four practice indices
   (PRACTICE_INDICES): contacts with a participant per month (mean of the Figur 2.6
   answers), standardised methods (1 if the first answer of the Figur 2.7 question, «Ja»),
   employer contacts a week (position of the Figur 2.8 answer among its categories, 0 for
   the first) and follow-up after a job start (position of the `oppfolging_etter_jobb`
   answer); a provider's index is its respondents' mean, linked through `leverandor_id` and
   `fylke`. The combined index is the mean of the four standardised ones. Among providers
   with at least MIN_ENTRANTS entrants and one respondent, the adjusted result is regressed
   on the standardised index (per standard deviation across providers) and the survey year,
   one observation per provider, by OLS with HC3 standard errors. The slope is how many
   percentage points better a provider does per standard deviation more of the practice.
   The minimum detectable slope (80 % power, 5 % two-sided) is (z_0.975 + z_0.8) × its
   standard error.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm

from helpers import models
from helpers.survey import codebook, has_survey

CONFIDENCE = 0.95
POWER = 0.80
MIN_ENTRANTS = 20
SURVEY_PROGRAMME = {2015: "gammelt", 2019: "nytt"}
PRACTICE_INDICES = {
    "kontakt": "Kontakt med deltaker (ganger per måned)",
    "metoder": "Standardiserte metoder (andel ja)",
    "arbeidsgivere": "Henvendelser til arbeidsgivere (kategori)",
    "oppfolging": "Oppfølging etter jobbstart (kategori)",
    "samlet": "Samlet praksisindeks",
}
COVARIATES = tuple(t for t in models.CONTROL_TERMS if t not in models.AAP_TERMS) + (
    models.UNEMPLOYMENT,)
RESULT_COLUMNS = ["index", "label", "providers", "slope", "std_error", "lower", "upper",
                  "p_value", "mde"]


def _position(answers: pd.Series, categories: list[str]) -> pd.Series:
    order = {c: float(i) for i, c in enumerate(categories)}
    return answers.astype("string").str.strip().map(order).astype(float)


def respondent_indices(extract) -> pd.DataFrame:
    """Per respondent at a provider (aar 2015 or 2019): programme, leverandor_id, fylke and
    the four practice indices (NaN where the survey lacks the question or the answer)."""
    survey = extract["sporreundersokelse"]
    book = codebook(extract).set_index("sporsmal")
    figure = book["figur"].astype("string")
    keep = survey["leverandor_id"].notna() & survey["aar"].isin(list(SURVEY_PROGRAMME))
    data = survey[keep.to_numpy(bool)]
    out = pd.DataFrame({
        "programme": data["aar"].astype(int).map(SURVEY_PROGRAMME).to_numpy(),
        "leverandor_id": data["leverandor_id"].astype(str).to_numpy(),
        "fylke": data["fylke"].astype(str).to_numpy(),
    })
    contacts = [q for q in book.index[figure == "Figur 2.6"] if q in data]
    out["kontakt"] = (data[contacts].apply(pd.to_numeric, errors="coerce").mean(axis=1).to_numpy()
                      if contacts else np.nan)

    def by_position(question: str | None):
        if question is None or question not in data:
            return np.nan
        return _position(data[question], book.loc[question, "categories"]).to_numpy()

    def of_figure(name: str) -> str | None:
        hits = [q for q in book.index[figure == name] if book.loc[q, "type"] == "kategori"]
        return hits[0] if hits else None

    methods = of_figure("Figur 2.7")
    out["metoder"] = (np.where(data[methods].isna(), np.nan, by_position(methods) == 0)
                      if methods in data else np.nan)
    out["arbeidsgivere"] = by_position(of_figure("Figur 2.8"))
    out["oppfolging"] = by_position("oppfolging_etter_jobb" if "oppfolging_etter_jobb" in book.index else None)
    return out


def provider_indices(extract) -> pd.DataFrame:
    """Per provider and county (and programme): respondents and mean practice indices."""
    data = respondent_indices(extract)
    keys = ["programme", "leverandor_id", "fylke"]
    indices = [c for c in PRACTICE_INDICES if c in data]
    grouped = data.groupby(keys, sort=True)
    table = grouped[indices].mean()
    table.insert(0, "respondents", grouped.size())
    return table.reset_index()


def _residuals(frame: pd.DataFrame, programme: str) -> pd.DataFrame:
    """Step 1 for one programme: each entrant's job_12 residual (percentage points) from the
    LPM on COVARIATES with county and outcome-month fixed effects."""
    exclude = (*models.PROGRAMME_TERMS, *models.AAP_TERMS)
    design = models._design(frame, 12, "all", "programmes", {"programme": programme}, exclude)
    data = design.data
    X = [np.ones(len(data))] + [data[t].to_numpy(float) for t in design.terms]
    for fe in ("fe_county", "fe_month"):
        codes = data[fe].to_numpy()
        X += [(codes == level).astype(float) for level in np.unique(codes)[1:]]
    X = np.column_stack(X)
    y = data["y"].to_numpy(float)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    rows = frame.iloc[design.positions]
    return pd.DataFrame({"programme": programme,
                         "leverandor_id": rows["leverandor_id"].astype("string").to_numpy(),
                         "fylke": rows["fylke"].astype("string").to_numpy(),
                         "job": 100 * y, "residual": 100 * (y - X @ beta)})


def adjusted_results(frame: pd.DataFrame) -> pd.DataFrame:
    """Step 1: per provider, county and programme: entrants, share in a job 12 months after
    entry (percent), adjusted result (percentage points) and its standard error."""
    parts = [_residuals(frame, p) for p in SURVEY_PROGRAMME.values()
             if (frame["programme"] == p).any()]
    data = pd.concat(parts, ignore_index=True).dropna(subset=["leverandor_id"])
    grouped = data.groupby(["programme", "leverandor_id", "fylke"], sort=True)
    table = pd.DataFrame({"entrants": grouped.size(), "job_share": grouped["job"].mean(),
                          "adjusted": grouped["residual"].mean(),
                          "adjusted_se": grouped["residual"].std(ddof=1) / np.sqrt(grouped.size())})
    return table.reset_index().astype({"leverandor_id": str, "fylke": str})


def linked(extract, frame: pd.DataFrame, min_entrants: int = MIN_ENTRANTS) -> pd.DataFrame:
    """Providers with both survey answers and at least `min_entrants` entrants: their
    indices (raw and standardised, `z_<index>`, and the combined `samlet`) and results."""
    if not has_survey(extract):
        return pd.DataFrame(columns=["programme", "leverandor_id", "fylke", "respondents",
                                     "entrants", "adjusted", "adjusted_se"])
    table = provider_indices(extract).merge(adjusted_results(frame),
                                            on=["programme", "leverandor_id", "fylke"])
    table = table[table["entrants"] >= min_entrants].reset_index(drop=True)
    parts = []
    for index in [c for c in PRACTICE_INDICES if c in table and c != "samlet"]:
        values = table[index].astype(float)
        sd = values.std(ddof=1)
        table[f"z_{index}"] = (values - values.mean()) / sd if sd > 0 else np.nan
        parts.append(f"z_{index}")
    combined = table[parts].mean(axis=1, skipna=True) if parts else np.nan
    sd = combined.std(ddof=1) if parts else np.nan
    table["samlet"] = combined
    table["z_samlet"] = (combined - combined.mean()) / sd if parts and sd > 0 else np.nan
    return table


def slope(adjusted: np.ndarray, index: np.ndarray, year_new: np.ndarray,
          confidence: float = CONFIDENCE, power: float = POWER) -> dict:
    """Step 2: OLS of the adjusted results on a standardised index and the survey year
    (when both years are present), HC3 standard errors: slope, its interval, p-value and
    the minimum detectable slope."""
    ok = np.isfinite(adjusted) & np.isfinite(index)
    y, x, year = adjusted[ok], index[ok], year_new[ok]
    columns = [np.ones(len(y)), x] + ([year.astype(float)] if 0 < year.sum() < len(year) else [])
    if len(y) < len(columns) + 2:
        return {"providers": int(len(y)), "slope": np.nan, "std_error": np.nan, "lower": np.nan,
                "upper": np.nan, "p_value": np.nan, "mde": np.nan}
    fit = sm.OLS(y, np.column_stack(columns)).fit(cov_type="HC3")
    low, high = fit.conf_int(alpha=1 - confidence)[1]
    se = float(fit.bse[1])
    return {"providers": int(len(y)), "slope": float(fit.params[1]), "std_error": se,
            "lower": float(low), "upper": float(high), "p_value": float(fit.pvalues[1]),
            "mde": (norm.ppf(0.5 + confidence / 2) + norm.ppf(power)) * se}


def practice_results(extract, frame: pd.DataFrame, min_entrants: int = MIN_ENTRANTS) -> pd.DataFrame:
    """Step 2 for every index (RESULT_COLUMNS): percentage points per standard deviation."""
    if not has_survey(extract):
        return pd.DataFrame(columns=RESULT_COLUMNS)
    table = linked(extract, frame, min_entrants)
    year_new = (table["programme"] == "nytt").to_numpy()
    rows = []
    for index, label in PRACTICE_INDICES.items():
        if f"z_{index}" not in table:
            continue
        fit = slope(table["adjusted"].to_numpy(float), table[f"z_{index}"].to_numpy(float), year_new)
        rows.append({"index": index, "label": label, **fit})
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def results_sentence(results: pd.DataFrame, linked_table: pd.DataFrame) -> str:
    """What the practice analysis finds, in words that follow the numbers: how many
    providers it rests on, the combined index's slope with its interval, which indices (if
    any) have an interval clear of zero, and the detectable effect."""
    from helpers.prose import number
    if results.empty or results["slope"].isna().all():
        return ("Spørreundersøkelsen kan ikke kobles til resultatene i dette uttrekket: ingen "
                f"leverandør har både svar og minst {MIN_ENTRANTS} deltakere.")
    by = results.set_index("index")
    counts = linked_table["programme"].value_counts()
    level = number(round(100 * CONFIDENCE))
    text = (f"Analysen bygger på {number(len(linked_table))} leverandører med både svar i "
            f"spørreundersøkelsen og minst {number(MIN_ENTRANTS)} deltakere "
            f"({number(counts.get('gammelt', 0))} i de gamle tiltakene, "
            f"{number(counts.get('nytt', 0))} i det nye).")
    if "samlet" in by.index and np.isfinite(by.loc["samlet", "slope"]):
        c = by.loc["samlet"]
        text += (f" Per standardavvik høyere samlet praksisindeks var det justerte resultatet "
                 f"{number(abs(c['slope']), 1)} prosentpoeng {'høyere' if c['slope'] >= 0 else 'lavere'}"
                 f" ({level} % KI {number(c['lower'], 1)} til {number(c['upper'], 1)}).")
    clear = results[(results["lower"] > 0) | (results["upper"] < 0)]
    if clear.empty:
        text += (" For ingen av indeksene utelukker intervallet null: vi finner ingen klar "
                 "sammenheng mellom hvordan jobbspesialistene sier de arbeider, og resultatene.")
    else:
        names = ", ".join(f"{r.label.split(' (')[0].lower()} ({'positiv' if r.slope > 0 else 'negativ'})"
                          for r in clear.itertuples())
        text += (f" Intervallet ligger klar av null for {names}; med {number(len(results))} "
                 "indekser testet på en gang bør enkeltfunn leses med forsiktighet.")
    mde = by["mde"].dropna()
    if len(mde):
        text += (f" Med dette utvalget ville en sammenheng på om lag {number(mde.min(), 1)}–"
                 f"{number(mde.max(), 1)} prosentpoeng per standardavvik blitt oppdaget med "
                 f"{number(round(100 * POWER))} prosent sannsynlighet.")
    return text


def results_gt(results: pd.DataFrame, extract, table_id: str = "tbl-praksis"):
    """The practice analysis as a table: slope per standard deviation, interval, p-value,
    detectable effect and the number of providers; data under the name praksis."""
    from great_tables import GT

    from helpers.prose import data_source, number
    from helpers.tables import with_data
    level = number(round(100 * CONFIDENCE))
    shown = pd.DataFrame({
        "label": results["label"],
        "providers": [number(v) for v in results["providers"]],
        "slope": [number(v, 2) if np.isfinite(v) else "–" for v in results["slope"]],
        "ci": [f"{number(lo, 2)} til {number(hi, 2)}" if np.isfinite(lo) else "–"
               for lo, hi in zip(results["lower"], results["upper"])],
        "p": [number(v, 3) if np.isfinite(v) else "–" for v in results["p_value"]],
        "mde": [number(v, 2) if np.isfinite(v) else "–" for v in results["mde"]],
    })
    gt = (GT(shown, rowname_col="label", id=table_id)
          .tab_header(title="Praksis og resultater: justert andel i jobb 12 måneder etter "
                            "tilgang per standardavvik i praksisindeksen. Prosentpoeng")
          .cols_label(providers="Leverandører", slope="Helning", ci=f"{level} % KI", p="p-verdi",
                      mde="Minste påvisbare")
          .cols_align(align="right", columns=["providers", "slope", "ci", "p", "mde"])
          .tab_source_note(f"Kilde: beregnet fra {data_source(extract)} med "
                           "helpers.practice.practice_results (to trinn: lineær "
                           "sannsynlighetsmodell med kovariatene i Tabell 4.4, fylkes- og "
                           "månedsfaste effekter; så OLS over leverandører med HC3-standardfeil "
                           "og kontroll for undersøkelsesår).")
          .tab_source_note(f"Minste påvisbare: helningen som ville blitt funnet med "
                           f"{number(round(100 * POWER))} prosent sannsynlighet på "
                           f"{number(round(100 * (1 - CONFIDENCE)))}-prosentnivået."))
    data = pd.DataFrame({"table": "praksis", "section": "", "row": results["label"],
                         "column": "Helning", "value": results["slope"], "stars": "",
                         "unit": "coefficient", "flag": "", "std_error": results["std_error"],
                         "p_value": results["p_value"], "p_value_wild": np.nan})
    return with_data(gt, data, "praksis")
