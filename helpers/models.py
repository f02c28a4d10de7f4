"""The regression models of the Resultater chapter: Tabell 4.2–4.5, Vedleggstabell 2 and 3.

Linear probability models of being in a job (strict) k months after the entry month, on the
analysis frame (`helpers.spells.build_frame`), estimated with pyfixest:

- sample: entrants 2013–2017 (year of `entry_month`) in the old or new programme (only the
  new one in Tabell 4.4), whose outcome `job_k` is observed, and with no missing value in
  the model's regressors (listwise); Tabell 4.3 and 4.5 split it by reduced work capacity
  and by provider type;
- treatment `Nytt tiltak` = programme 'nytt' (Tabell 4.4: provider type, ref. skjermet);
- controls ("Alle"): age, age², female, immigrant, education (ref. grunnskole; 'ukjent' a
  dummy), AAP and diagnosis (ref. not on AAP; AAP with no registered diagnosis counts with
  'andre diagnoser'), in job at entry, reduced work capacity, months in job in the 24 months
  before entry, and the county's unemployment rate in the quarter of the outcome month;
- fixed effects for the calendar month of the outcome (entry month + k) and the county;
  standard errors clustered by county (CRV1 with pyfixest's default small-sample
  correction, README "Models"), p-values from t with G − 1 degrees of freedom;
- *Konstantledd*: with absorbed fixed effects there is no intercept, so it is taken from the
  same regression with the fixed effects as dummies, reference the lowest county code and
  the first outcome month in the sample (what Stata's `regress y x i.fylke i.month`
  reports); it depends on those references.

Results are plain numbers keyed by English term names; `ModelTable.long()` lays them out
as the published tables (data/published/, rows labelled as printed) for comparison. The
wild cluster bootstrap (`wild_bootstrap`) gives a p-value and a confidence interval for
one coefficient. Nothing here draws or formats: that is `helpers.tables` and the chapter.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyfixest as pf
from scipy import stats
from wildboottest.weights import draw_weights

from helpers.contract import EDUCATION_LEVELS, PROVIDER_TYPES
from helpers.spells import OUTCOME_HORIZONS, month_label

ENTRY_YEARS = (2013, 2017)          # entry years in the regression samples (inclusive)
CONTROLS = ("none", "fe", "fe_unemployment", "all")
SAMPLES = ("programmes", "new")     # old + new programme; new programme only (Tabell 4.4)
WILD_REPS = 9999
WILD_WEIGHTS = "webb"
WILD_SEED = 20190801
FIXEF_TOL = 1e-10                   # demeaning tolerance (pyfixest's default 1e-6 is looser)

PROGRAMME_TERMS = ("programme_new",)
PROVIDER_TERMS = ("provider_kommersiell", "provider_annet")
EDUCATION_TERMS = tuple(f"edu_{level}" for level in (*EDUCATION_LEVELS[1:], "ukjent"))
AAP_TERMS = ("aap_psykisk", "aap_muskel_skjelett", "aap_annen")
CONTROL_TERMS = ("age", "age_squared", "female", "immigrant", *EDUCATION_TERMS, *AAP_TERMS,
                 "job_at_entry", "reduced_capacity", "months_in_job_24")
UNEMPLOYMENT = "unemployment"
INTERCEPT = "intercept"

EDUCATION_CODES = (*EDUCATION_LEVELS, "ukjent")
AAP_CODES = ("ikke_aap", "psykisk", "muskel_skjelett", "annen", "ukjent")

# The frame column each term is made from (its missing values drop the row).
_SOURCE = {"programme_new": "programme", "provider_kommersiell": "provider_type",
           "provider_annet": "provider_type", "age": "age", "age_squared": "age",
           "female": "female", "immigrant": "immigrant",
           **{term: "education" for term in EDUCATION_TERMS},
           **{term: "aap_diagnosis" for term in AAP_TERMS},
           "job_at_entry": "job_at_entry", "reduced_capacity": "reduced_capacity",
           "months_in_job_24": "months_in_job_24"}

MODEL_COLUMNS = ("table", "column", "term", "section", "label", "estimate", "std_error", "t",
                 "p_value", "stars")


def stars(p) -> str:
    """Significance stars as in the source: *** p < 0.01, ** p < 0.05, * p < 0.10."""
    if p is None or not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


# --- the published row labels, per table (section, label), in the printed order -------------

def _labels(first, female, immigrant, edu_section, edu_unknown, aap_section, aap, job, reduced,
            months, aap_rows=True) -> dict[str, tuple[str, str]]:
    edu = ("Videregående skole, GK og VK1", "Videregående avsluttet utdanning",
           "Høyere utdanning, inntil 4 år", "Høyere utdanning, over 4 år", edu_unknown)
    out = dict(first)
    out |= {"age": ("", "Alder"), "age_squared": ("", "Alder kvadrert"),
            "female": ("", female), "immigrant": ("", immigrant)}
    out |= {term: (edu_section, label) for term, label in zip(EDUCATION_TERMS, edu)}
    if aap_rows:
        out |= {term: (aap_section, label) for term, label in zip(AAP_TERMS, aap)}
    out |= {"job_at_entry": ("", job), "reduced_capacity": ("", reduced),
            "months_in_job_24": ("", months), UNEMPLOYMENT: ("", "Arbeidsledighetsrate (kvartal)")}
    return out


_NEW = {"programme_new": ("", "Nytt tiltak (ref: gammelt tiltak)")}
_AAP = ("AAP og psykiske lidelser", "AAP og muskel-/skjelettlidelser", "AAP og andre diagnoser")
_JOB = "I arbeid ved tiltaksstart (ref: ikke arbeid)"
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "tabell_4_2": _labels(
        _NEW, "Kvinner (referanse: menn)", "Innvandrere (referanse: ikke-innvandrere)",
        "Utdanningsnivå (referanse: grunnskole)", "Ukjent utdanningsnivå",
        "AAP og diagnose (referanse: ikke AAP)", _AAP, _JOB,
        "Nedsatt arbeidsevne ved tiltaksstart (ref: ikke NA)",
        "Antall måneder i arbeid før tiltaksstart"),
    "vedlegg_2": _labels(
        _NEW, "Kvinner (referanse: menn)", "Innvandrere (referanse: ikke-innv.)",
        "Utdanningsnivå (ref: grunnskole)", "Ukjent utdanning", "Diagnose (ref: ingen diagnose)",
        ("Psykiske lidelser", "Muskel-/skjelettlidelser", "Andre diagnoser"),
        "I arbeid ved tiltaksstart (re: ikke jobb)",
        "Nedsatt arbeidsevne ved tiltaksstart (re: ikke NA)",
        "Antall måneder i arbeid før tiltaksstart"),
    "vedlegg_3": _labels(
        _NEW, "Kvinner (ref: menn)", "Innvandrer (ref: ikke innvandrer)",
        "Utdanningsnivå (ref: grunnskole)", "Ukjent utdanningsnivå", "AAP/diagnose (ref: Ikke AAP)",
        ("AAP, psykiske lidelser", "AAP, muskel-/skjelettlidelser", "AAP, andre diagnoser"), _JOB,
        "Nedsatt arbeidsevne ved tiltaksstart (ref: ikke NA)",
        "Antall måneder jobb før tiltaksstart"),
    "tabell_4_3": _labels(
        _NEW, "Kvinner", "Innvandrere", "Utdanningsnivå (ref: grunnskole)",
        "Ukjent utdanningsnivå", "AAP/diagnose (ref: ikke AAP)", _AAP, _JOB,
        "Nedsatt arbeidsevne tiltaksstart (ref: ikke NA)", "Antall måneder jobb før tiltaksstart"),
    "tabell_4_4": _labels(
        {"provider_kommersiell": ("Type leverandør (referanse: skjermede)",
                                  "Kommersielle virksomheter"),
         "provider_annet": ("Type leverandør (referanse: skjermede)", "Annet/ideelle")},
        "Kvinner (referanse: menn)", "Innvandrer (referanse ikke-innvandrer)",
        "Utdanning (referanse: grunnskole)", "Ukjent utdanning", "", (), _JOB,
        "Nedsatt arbeidsevne ved tiltaksstart (ref: ikke NA)",
        "Antall måneder jobb før tiltaksstart", aap_rows=False),
    "tabell_4_5": _labels(
        _NEW, "Kvinner (referanse: menn)", "Innvandrere (referanse ikke-innvandrer)",
        "Utdanningsnivå (referanse: grunnskole)", "Ukjent utdanningnivå",
        "AAP og diagnoser (referanse: ikke AAP)", _AAP, _JOB,
        "Nedsatt arbeidsevne ved tiltaksstart (re: ikke NA)",
        "Antall måneder jobb før tiltaksstart"),
}
_DEFAULT_LABELS = {**LABELS["tabell_4_4"], **LABELS["tabell_4_2"]}  # for job_model


# --- results ---------------------------------------------------------------------------------

@dataclass
class ModelTable:
    """One published regression table: its coefficients and its model-level statistics.

    coefficients: one row per estimated term and column (MODEL_COLUMNS; `term` our name,
    `label`/`section` as printed, `column` the printed column label or ''); the intercept is
    term 'intercept' (Konstantledd). A term the data cannot identify (constant or collinear in
    the sample) has NaN numbers and is listed in statistics.dropped.
    statistics: one row per column: outcome, n, mean_outcome, r2 (incl. fixed effects),
    r2_within, fe_month / fe_county ('Ja'/'Nei'), vcov, cluster, clusters (G), k_correction
    (K in the correction), ssc (the factor), df_t (G − 1), dropped, intercept_reference.
    """
    table: str
    coefficients: pd.DataFrame
    statistics: pd.DataFrame
    rows: tuple[str, ...] = field(default=())

    def long(self) -> pd.DataFrame:
        """The table in the published CSVs' layout (table, section, row, column, value, stars,
        unit, flag): every row of the printed table for every column, blank (NaN value, unit
        'other') where the column has no such term; beside them our `term` name ('' for the
        model rows) and the coefficient's clustered `std_error` and `p_value`."""
        labels = LABELS.get(self.table, _DEFAULT_LABELS)
        coef = self.coefficients.set_index(["column", "term"])
        out = []

        def coefficient(section, label, col, term):
            row = coef.loc[(col, term)]
            out.append((section, label, col, row["estimate"], row["stars"], "coefficient", "",
                        term, row["std_error"], row["p_value"]))

        for col in self.statistics["column"]:
            stat = self.statistics.set_index("column").loc[col]
            for term in self.rows:
                section, label = labels[term]
                if (col, term) in coef.index and np.isfinite(coef.loc[(col, term), "estimate"]):
                    coefficient(section, label, col, term)
                else:
                    out.append((section, label, col, np.nan, "", "other", "", term, np.nan,
                                np.nan))
            out.append(("", "År x Måned", col, np.nan, "", "other", stat["fe_month"], "",
                        np.nan, np.nan))
            out.append(("", "Fylke", col, np.nan, "", "other", stat["fe_county"], "", np.nan,
                        np.nan))
            out.append(("", "Gjennomsnitt", col, stat["mean_outcome"], "", "other", "", "",
                        np.nan, np.nan))
            if (col, INTERCEPT) in coef.index:
                coefficient("", "Konstantledd", col, INTERCEPT)
            out.append(("", "N", col, float(stat["n"]), "", "count", "", "", np.nan, np.nan))
            out.append(("", "R2", col, stat["r2"], "", "r2", "", "", np.nan, np.nan))
        long = pd.DataFrame(out, columns=["section", "row", "column", "value", "stars", "unit",
                                          "flag", "term", "std_error", "p_value"])
        long.insert(0, "table", self.table)
        # the published files list a row's columns together
        order = {row: i for i, row in enumerate(dict.fromkeys(long["row"]))}
        return long.sort_values("row", key=lambda s: s.map(order), kind="stable"
                                ).reset_index(drop=True)


# --- the sample and the design ---------------------------------------------------------------

@dataclass
class _Design:
    data: pd.DataFrame          # y, the terms, fe_county, fe_month, cluster_id (codes from 0)
    terms: list[str]
    fixed_effects: bool
    positions: np.ndarray       # positions of the frame's rows used
    counties: np.ndarray        # county of each fe_county code (sorted)
    months: np.ndarray          # outcome month ('YYYY-MM') of each fe_month code (sorted)
    outcome: str


def _empty(message: str, steps: list[tuple[str, int]]) -> ValueError:
    trail = "; ".join(f"{step}: {n}" for step, n in steps)
    return ValueError(f"Utvalget er tomt / the sample is empty: {message} ({trail}).")


def model_terms(controls: str = "all", sample: str = "programmes",
                exclude: tuple[str, ...] = ()) -> list[str]:
    """The regressors of a model, in table order: the treatment (programme_new, or in the
    new-programme sample the provider dummies) and the controls `controls` adds."""
    if controls not in CONTROLS:
        raise ValueError(f"controls må være en av / must be one of {CONTROLS}: {controls!r}")
    if sample not in SAMPLES:
        raise ValueError(f"sample må være en av / must be one of {SAMPLES}: {sample!r}")
    key = PROGRAMME_TERMS if sample == "programmes" else PROVIDER_TERMS
    extra = {"none": (), "fe": (), "fe_unemployment": (UNEMPLOYMENT,),
             "all": (*CONTROL_TERMS, UNEMPLOYMENT)}[controls]
    unknown = set(exclude) - set(key) - set(CONTROL_TERMS) - {UNEMPLOYMENT}
    if unknown:
        raise ValueError(f"ukjente ledd / unknown terms in exclude: {sorted(unknown)}")
    return [t for t in (*key, *extra) if t not in exclude]


def _codes(frame: pd.DataFrame, column: str, allowed) -> pd.Series:
    values = frame[column].astype("string")
    unknown = set(values.dropna().unique()) - set(allowed)
    if unknown:
        raise ValueError(f"ukjente koder / unknown codes in {column}: {sorted(unknown)}")
    return values


def _numeric(values: pd.Series) -> np.ndarray:
    if values.dtype == bool or values.dtype == object or values.dtype == "boolean":
        values = values.astype("boolean").astype("Float64")
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _regressor(frame: pd.DataFrame, term: str, months: int) -> np.ndarray:
    """The term as floats, NaN where its source value is missing."""
    def dummy(values: pd.Series, levels) -> np.ndarray:
        return values.isin(levels).astype("boolean").mask(values.isna()).to_numpy(
            dtype=float, na_value=np.nan)

    if term == "programme_new":
        return dummy(frame["programme"].astype("string"), ["nytt"])
    if term.startswith("provider_"):
        values = _codes(frame, "provider_type", PROVIDER_TYPES)
        return dummy(values, ["kommersiell"] if term == "provider_kommersiell"
                     else ["ideell", "ukjent"])
    if term in ("age", "age_squared"):
        age = _numeric(frame["age"])
        return age if term == "age" else age ** 2
    if term in EDUCATION_TERMS:
        return dummy(_codes(frame, "education", EDUCATION_CODES), [term.removeprefix("edu_")])
    if term in AAP_TERMS:
        level = term.removeprefix("aap_")
        values = _codes(frame, "aap_diagnosis", AAP_CODES)
        # AAP with no registered diagnosis counts with 'andre diagnoser'
        return dummy(values, [level, "ukjent"] if level == "annen" else [level])
    if term == UNEMPLOYMENT:
        return _numeric(frame[f"unemployment_{months}"])
    return _numeric(frame[_SOURCE[term]])


def _month_numbers(entry_month: pd.Series) -> np.ndarray:
    """'YYYY-MM' as month numbers (year · 12 + month − 1), NaN where missing or malformed."""
    codes, uniques = pd.factorize(entry_month.astype("string"))
    text = pd.Series(uniques, dtype="string")
    year = pd.to_numeric(text.str.slice(0, 4), errors="coerce")
    month = pd.to_numeric(text.str.slice(5, 7), errors="coerce")
    numbers = np.append((year * 12 + month - 1).to_numpy(dtype=float, na_value=np.nan), np.nan)
    return numbers[codes]  # code −1 (missing) picks the NaN at the end


def _design(frame: pd.DataFrame, months: int = 12, controls: str = "all",
            sample: str = "programmes", subgroup: dict | None = None,
            exclude: tuple[str, ...] = (), common_sample: bool = False) -> _Design:
    if months not in OUTCOME_HORIZONS:
        raise ValueError(f"months må være en av / must be one of {OUTCOME_HORIZONS}: {months}")
    terms = model_terms(controls, sample, tuple(exclude))
    outcome = f"job_{months}"
    needed = {"entry_month", "programme", "fylke", outcome, *(_SOURCE.get(t, "") for t in terms)}
    if UNEMPLOYMENT in terms or common_sample:
        needed.add(f"unemployment_{months}")
    needed |= set(subgroup or {})
    if common_sample:
        needed |= {_SOURCE[t] for t in CONTROL_TERMS}
    needed.discard("")
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise ValueError(f"rammen mangler kolonner / the frame lacks columns: {missing}")

    steps = [("tilganger / entrants", len(frame))]
    month_no = _month_numbers(frame["entry_month"])
    year = np.floor(month_no / 12)
    keep = (year >= ENTRY_YEARS[0]) & (year <= ENTRY_YEARS[1])
    steps.append((f"tilgang / entry {ENTRY_YEARS[0]}–{ENTRY_YEARS[1]}", int(keep.sum())))
    programmes = ["gammelt", "nytt"] if sample == "programmes" else ["nytt"]
    keep &= frame["programme"].astype("string").isin(programmes).fillna(False).to_numpy(bool)
    steps.append(("program / programme " + "+".join(programmes), int(keep.sum())))
    for column, value in (subgroup or {}).items():
        values = value if isinstance(value, list | tuple | set) else [value]
        keep &= frame[column].isin(values).fillna(False).to_numpy(bool)
        steps.append((f"{column} = {value}", int(keep.sum())))
    y = _numeric(frame[outcome])
    keep &= np.isfinite(y)
    steps.append((f"{outcome} observert / observed", int(keep.sum())))
    keep &= frame["fylke"].notna().to_numpy(bool)
    sub = frame.iloc[np.flatnonzero(keep)]
    columns = {t: _regressor(sub, t, months) for t in terms}
    complete = np.ones(len(sub), dtype=bool)
    check = set(terms)
    if common_sample:
        check |= {*CONTROL_TERMS, UNEMPLOYMENT}
    for term in check:
        values = columns[term] if term in columns else _regressor(sub, term, months)
        complete &= np.isfinite(values)
    steps.append(("uten manglende forklaringsvariabler / complete regressors",
                  int(complete.sum())))
    if not complete.any():
        raise _empty(f"{outcome}, {controls}, {sample}", steps)
    positions = np.flatnonzero(keep)[complete]
    sub = frame.iloc[positions]
    data = pd.DataFrame({"y": y[positions]})
    for term in terms:
        data[term] = columns[term][complete]
    county_codes, counties = pd.factorize(sub["fylke"].astype("string"), sort=True)
    outcome_month = (_month_numbers(sub["entry_month"]) + months).astype(np.int64)
    month_codes, month_values = pd.factorize(outcome_month, sort=True)
    data["fe_county"] = county_codes
    data["fe_month"] = month_codes
    data["cluster_id"] = county_codes
    if len(counties) < 2:
        raise ValueError("klyngekorrigerte standardfeil krever minst to fylker i utvalget / "
                         f"clustered standard errors need at least two counties (n = {len(sub)})")
    return _Design(data=data, terms=terms, fixed_effects=controls != "none",
                   positions=positions,
                   counties=np.asarray(counties, dtype=object),
                   months=month_label(np.asarray(month_values)), outcome=outcome)


def model_sample(frame: pd.DataFrame, months: int = 12, controls: str = "all", *,
                 sample: str = "programmes", subgroup: dict | None = None,
                 exclude: tuple[str, ...] = (), common_sample: bool = False) -> pd.DataFrame:
    """The entrants a model uses: the frame's rows (index kept) in the estimation sample."""
    design = _design(frame, months, controls, sample, subgroup, exclude, common_sample)
    return frame.iloc[design.positions]


def table_4_1_sample(frame: pd.DataFrame) -> pd.DataFrame:
    """Tabell 4.1's entrants: those of ENTRY_YEARS in the old or the new programme whose
    job 12 months after entry is observed (the regression samples before the listwise
    dropping of missing regressors)."""
    year = np.floor(_month_numbers(frame["entry_month"]) / 12)
    keep = ((year >= ENTRY_YEARS[0]) & (year <= ENTRY_YEARS[1])
            & frame["programme"].astype("string").isin(["gammelt", "nytt"]).fillna(False)
            .to_numpy(bool)
            & frame["job_12"].notna().to_numpy(bool))
    return frame[keep]


# --- estimation ------------------------------------------------------------------------------

@contextmanager
def _quiet():
    """pyfixest's own pandas deprecation notices, and its notice of a dropped collinear
    term (we report those in statistics.dropped), kept off the chapter's output."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")
        warnings.filterwarnings("ignore", message=r"(?s).*dropped due to multicollinearity")
        yield


def _feols(design: _Design, terms: list[str]):
    rhs = " + ".join(terms) if terms else "1"
    formula = f"y ~ {rhs}" + (" | fe_county + fe_month" if design.fixed_effects else "")
    with _quiet():
        return pf.feols(formula, design.data, vcov={"CRV1": "cluster_id"}, fixef_rm="none",
                        demeaner=pf.MapDemeaner(fixef_tol=FIXEF_TOL))


def _dummy_matrix(design: _Design, terms: list[str]) -> np.ndarray:
    """Intercept, the terms, and the fixed effects as dummies (reference: code 0)."""
    data = design.data
    n = len(data)
    n_county = len(design.counties) if design.fixed_effects else 1
    n_month = len(design.months) if design.fixed_effects else 1
    X = np.zeros((n, 1 + len(terms) + n_county - 1 + n_month - 1))
    X[:, 0] = 1.0
    for i, term in enumerate(terms):
        X[:, 1 + i] = data[term].to_numpy(dtype=float)
    if design.fixed_effects:
        rows = np.arange(n)
        for codes, offset in ((data["fe_county"].to_numpy(), 1 + len(terms)),
                              (data["fe_month"].to_numpy(), len(terms) + n_county)):
            has = codes > 0
            X[rows[has], offset + codes[has] - 1] = 1.0
    return X


def _crv1(X: np.ndarray, y: np.ndarray, cluster: np.ndarray):
    """OLS and its CRV1 covariance with G/(G−1)·(N−1)/(N−K), K = columns of X."""
    n, k = X.shape
    G = int(cluster.max()) + 1
    XtX = X.T @ X
    if np.linalg.matrix_rank(XtX) < k:
        return None
    inv = np.linalg.inv(XtX)
    beta = inv @ (X.T @ y)
    order = np.argsort(cluster, kind="stable")
    starts = np.searchsorted(cluster[order], np.arange(G))
    scores = np.add.reduceat((X * (y - X @ beta)[:, None])[order], starts, axis=0)
    vcov = inv @ (scores.T @ scores) @ inv * G / (G - 1) * (n - 1) / (n - k)
    return beta, vcov, G


def _intercept(design: _Design, terms: list[str]) -> tuple[float, float, float, float]:
    """Konstantledd with the fixed effects as dummies: estimate, std_error, t, p (t, G − 1)."""
    fitted = _crv1(_dummy_matrix(design, terms), design.data["y"].to_numpy(float),
                   design.data["cluster_id"].to_numpy())
    if fitted is None:
        return (np.nan,) * 4
    beta, vcov, G = fitted
    se = float(np.sqrt(vcov[0, 0]))
    t = float(beta[0] / se) if se > 0 else np.nan
    return float(beta[0]), se, t, float(2 * stats.t.sf(abs(t), G - 1))


def _k_correction(design: _Design, k: int) -> int:
    """K in (N−1)/(N−K), as pyfixest counts it (ssc k_fixef='nonnested', fixest's rule):
    the slopes, plus for each fixed effect its levels, or 1 when it is nested in the
    clusters, minus one for each fixed effect after the first."""
    if not design.fixed_effects:
        return k
    data = design.data
    month_nested = bool((data.groupby("fe_month")["cluster_id"].nunique() == 1).all())
    # the county effects are the clusters: nested, they count 1; so K = k + M (or k + 1)
    return k + (1 if month_nested else len(design.months)) + 1 - 1


def _estimate(design: _Design, table: str, column: str, intercept: bool = True):
    """Fit one model: (coefficients rows, statistics row, the pyfixest fit, kept terms)."""
    data = design.data
    varying = [t for t in design.terms if data[t].nunique() > 1]
    if design.fixed_effects and not varying:
        raise ValueError("ingen forklaringsvariabel varierer i utvalget / no regressor varies "
                         f"in the sample (n = {len(data)})")
    fit = _feols(design, varying)
    coef, se, tstat, pval = fit.coef(), fit.se(), fit.tstat(), fit.pvalue()
    kept = [t for t in varying if t in coef.index]
    labels = LABELS.get(table, _DEFAULT_LABELS)
    rows = []
    for term in design.terms:
        section, label = labels.get(term, ("", term))
        if term in kept:
            p = float(pval[term])
            rows.append((table, column, term, section, label, float(coef[term]),
                         float(se[term]), float(tstat[term]), p, stars(p)))
        else:
            rows.append((table, column, term, section, label, np.nan, np.nan, np.nan, np.nan,
                         ""))
    if intercept:
        if design.fixed_effects:
            est, s, t, p = _intercept(design, kept)
        else:
            est, s, t, p = (float(coef["Intercept"]), float(se["Intercept"]),
                            float(tstat["Intercept"]), float(pval["Intercept"]))
        rows.append((table, column, INTERCEPT, "", "Konstantledd", est, s, t, p, stars(p)))

    y = data["y"].to_numpy(float)
    resid = np.asarray(fit.resid(), dtype=float)
    sst = float(((y - y.mean()) ** 2).sum())
    n, G = len(data), len(design.counties)
    k = len(coef)
    K = _k_correction(design, k)
    ref = (f"fylke {design.counties[0]}, {design.months[0]}" if design.fixed_effects else "")
    statistics = {
        "table": table, "column": column, "outcome": design.outcome, "n": n,
        "mean_outcome": float(y.mean()),
        "r2": 1 - float((resid ** 2).sum()) / sst if sst > 0 else np.nan,
        "r2_within": float(getattr(fit, "_r2_within", np.nan)) if design.fixed_effects
        else np.nan,
        "fe_month": "Ja" if design.fixed_effects else "Nei",
        "fe_county": "Ja" if design.fixed_effects else "Nei",
        "vcov": "CRV1", "cluster": "fylke", "clusters": G, "k_correction": K,
        "ssc": G / (G - 1) * (n - 1) / (n - K) if n > K else np.nan, "df_t": G - 1,
        "dropped": ", ".join(t for t in design.terms if t not in kept),
        "intercept_reference": ref,
    }
    return rows, statistics, fit, kept


def _table(frame: pd.DataFrame, table: str, columns: list[tuple[str, dict]],
           common_sample: bool = False) -> ModelTable:
    rows, statistics = [], []
    for column, spec in columns:
        design = _design(frame, common_sample=common_sample, **spec)
        coef, stat, _, _ = _estimate(design, table, column)
        rows += coef
        statistics.append(stat)
    return ModelTable(table=table, coefficients=pd.DataFrame(rows, columns=MODEL_COLUMNS),
                      statistics=pd.DataFrame(statistics), rows=tuple(LABELS[table]))


def job_model(frame: pd.DataFrame, months: int = 12, controls: str = "all", *,
              sample: str = "programmes", subgroup: dict | None = None,
              exclude: tuple[str, ...] = (), common_sample: bool = False) -> ModelTable:
    """One linear probability model of job_`months` (0/1).

    controls: 'none' (treatment and constant), 'fe' (+ county and outcome-month fixed
    effects), 'fe_unemployment' (+ the unemployment rate), 'all' (+ every control).
    sample: 'programmes' (old and new programme, treatment Nytt tiltak) or 'new' (new
    programme, treatment the provider type). subgroup: {frame column: value or values} kept,
    e.g. {'reduced_capacity': True}. exclude: terms left out. common_sample: drop rows with a
    missing value in any regressor of the full model, so nested models share one sample.
    Raises ValueError (Norwegian / English) when the sample is empty.
    """
    design = _design(frame, months, controls, sample, subgroup, tuple(exclude), common_sample)
    coef, stat, _, _ = _estimate(design, "", "")
    return ModelTable(table="", coefficients=pd.DataFrame(coef, columns=MODEL_COLUMNS),
                      statistics=pd.DataFrame([stat]), rows=tuple(design.terms))


# The published tables: their columns, each a job_model specification, and whether the
# columns share the full model's sample. The docstrings of the table functions say why.
TABLE_SPECS: dict[str, tuple[list[tuple[str, dict]], bool]] = {
    "tabell_4_2": ([("", {"months": 12})], False),
    "vedlegg_2": ([
        ("Ingen kontroller", {"controls": "none"}),
        ("Fylke + tid FE", {"controls": "fe"}),
        ("Fylke og tid FE + arbeidsledighet", {"controls": "fe_unemployment"}),
        ("Alle", {"controls": "all"}),
    ], True),
    "vedlegg_3": ([("", {"months": 18})], False),
    "tabell_4_3": ([
        ("Nedsatt arbeidsevne", {"subgroup": {"reduced_capacity": True},
                                 "exclude": ("reduced_capacity", "job_at_entry")}),
        ("Ikke nedsatt arbeidsevne", {"subgroup": {"reduced_capacity": False},
                                      "exclude": ("reduced_capacity", *AAP_TERMS)}),
    ], False),
    "tabell_4_4": ([("", {"sample": "new", "exclude": AAP_TERMS})], False),
    "tabell_4_5": ([
        ("Skjermede", {"subgroup": {"provider_type": "skjermet"}}),
        ("Kommersielle", {"subgroup": {"provider_type": "kommersiell"}}),
    ], False),
}
TABLES = tuple(TABLE_SPECS)


def model_table(frame: pd.DataFrame, table: str) -> ModelTable:
    """The published regression table `table` (a key of TABLE_SPECS) on the frame."""
    if table not in TABLE_SPECS:
        raise ValueError(f"ukjent tabell / unknown table {table!r}; one of {TABLES}")
    columns, common_sample = TABLE_SPECS[table]
    return _table(frame, table, columns, common_sample)


def table_4_2(frame: pd.DataFrame) -> ModelTable:
    """Tabell 4.2: job after 12 months, old vs new programme, all controls."""
    return model_table(frame, "tabell_4_2")


def vedlegg_2(frame: pd.DataFrame) -> ModelTable:
    """Vedleggstabell 2: Tabell 4.2 built up from no controls; the four columns share the
    sample of the full model ('Alle' = Tabell 4.2)."""
    return model_table(frame, "vedlegg_2")


def vedlegg_3(frame: pd.DataFrame) -> ModelTable:
    """Vedleggstabell 3: Tabell 4.2 for job after 18 months."""
    return model_table(frame, "vedlegg_3")


def table_4_3(frame: pd.DataFrame) -> ModelTable:
    """Tabell 4.3: Tabell 4.2 for entrants with and without reduced work capacity. As
    published, the AAP/diagnosis dummies are left out without reduced capacity and in job at
    entry with it; reduced capacity itself is constant within each."""
    return model_table(frame, "tabell_4_3")


def table_4_4(frame: pd.DataFrame) -> ModelTable:
    """Tabell 4.4: new-programme entrants 2013–2017, provider type (kommersiell; ideell or
    unknown as 'Annet/ideelle'; ref. skjermet); no AAP/diagnosis, which goes with reduced
    work capacity (the table's footnote)."""
    return model_table(frame, "tabell_4_4")


def table_4_5(frame: pd.DataFrame) -> ModelTable:
    """Tabell 4.5: Tabell 4.2 for entrants with a skjermet and with a kommersiell provider
    (both programmes)."""
    return model_table(frame, "tabell_4_5")


# --- wild cluster bootstrap ------------------------------------------------------------------

class WildClusterTest:
    """The restricted wild cluster bootstrap (WCR, type 11, as the `wildboottest` package
    and pyfixest run it) of H0: β_j = b0, for any b0 at little cost.

    H0: β_j = b0 is the test of β_j = 0 in the regression of y − b0·x_j on the same X, so
    everything is linear in b0 and computed once; the weights (G × reps) are drawn once from
    the seed, as `wildboottest` draws them, and reused for every b0.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, cluster: np.ndarray, j: int,
                 reps: int = WILD_REPS, seed: int = WILD_SEED, weights: str = WILD_WEIGHTS):
        n, k = X.shape
        G = int(cluster.max()) + 1
        self.j = j
        XgXg = np.zeros((G, k, k))
        Xgy = np.zeros((G, k))
        for g in range(G):
            Xg = X[cluster == g]
            XgXg[g] = Xg.T @ Xg
            Xgy[g] = Xg.T @ y[cluster == g]
        inv = np.linalg.inv(XgXg.sum(0))
        self.XgXg, self.Xgy, self.inv = XgXg, Xgy, inv
        self.beta = inv @ Xgy.sum(0)
        self.ssc = (n - 1) / (n - k) * G / (G - 1)
        # the t statistic's standard error uses unrestricted residuals: the same for every b0
        scores = Xgy - XgXg @ self.beta
        self.se = float(np.sqrt(self.ssc * (inv @ scores.T @ scores @ inv)[j, j]))
        self.W = inv[j] @ XgXg @ inv                     # G × k: R (X'X)⁻¹ X_g'X_g (X'X)⁻¹
        self.v, _ = draw_weights(t=weights, full_enumeration=False, N_G_bootcluster=G,
                                 boot_iter=reps, rng=np.random.default_rng(seed))

    def pvalue(self, b0: float = 0.0) -> float:
        """Two-sided bootstrap p-value of H0: β_j = b0."""
        j, inv = self.j, self.inv
        Xgy = self.Xgy - b0 * self.XgXg[:, :, j]
        beta = self.beta.copy()
        beta[j] -= b0
        restricted = beta - inv[:, j] * beta[j] / inv[j, j]
        scores = Xgy - self.XgXg @ restricted            # G × k, under H0
        C = scores @ inv[j]                              # G
        H = self.W @ scores.T                            # G × G
        numer = C @ self.v
        Z = C[:, None] * self.v - H @ self.v
        t_boot = numer / np.sqrt(self.ssc * (Z ** 2).sum(0))
        t = (self.beta[j] - b0) / self.se
        return float(np.mean(np.abs(t) < np.abs(t_boot)))

    def interval(self, start: tuple[float, float], level: float = 0.95,
                 tol: float | None = None) -> tuple[float, float]:
        """The b0 not rejected at 1 − level: bisection on each side, from `start` (the
        clustered interval) widened until rejected."""
        alpha = 1 - level
        centre = float(self.beta[self.j])
        tol = tol if tol is not None else 1e-6 * max(self.se, 1e-12)

        def side(edge: float) -> float:
            inside, outside = centre, edge
            step = edge - centre
            for _ in range(60):
                if self.pvalue(outside) <= alpha:
                    break
                inside, outside, step = outside, outside + step, 2 * step
            for _ in range(200):
                if abs(outside - inside) <= tol:
                    break
                mid = (inside + outside) / 2
                if self.pvalue(mid) > alpha:
                    inside = mid
                else:
                    outside = mid
            return (inside + outside) / 2

        return side(start[0]), side(start[1])


def wild_bootstrap(frame: pd.DataFrame, months: int = 12, controls: str = "all", *,
                   term: str = "programme_new", sample: str = "programmes",
                   subgroup: dict | None = None, exclude: tuple[str, ...] = (),
                   common_sample: bool = False, reps: int = WILD_REPS, seed: int = WILD_SEED,
                   weights: str = WILD_WEIGHTS, level: float = 0.95,
                   ci: bool = True) -> pd.DataFrame:
    """Wild cluster bootstrap of one coefficient (default: Nytt tiltak in Tabell 4.2).

    Restricted (null imposed), Webb weights, `reps` draws from `seed`, clusters = counties:
    p_value_wild from pyfixest's `wildboottest`; with `ci`, the interval of b0 for which
    H0: β = b0 is not rejected at 1 − level (test inversion, same draws for every b0).
    One row: term, n, clusters, estimate, std_error, p_value (clustered t), ci_low/ci_high
    (clustered t), p_value_wild, ci_low_wild, ci_high_wild, reps, seed, weights, level.
    """
    design = _design(frame, months, controls, sample, subgroup, tuple(exclude), common_sample)
    _, stat, fit, kept = _estimate(design, "", "", intercept=False)
    if term not in kept:
        raise ValueError(f"{term} er ikke estimert i modellen / is not estimated in the model "
                         f"({kept})")
    with _quiet():
        boot = fit.wildboottest(param=term, reps=reps, weights_type=weights,
                                impose_null=True, seed=seed)
    estimate, se = float(fit.coef()[term]), float(fit.se()[term])
    crit = stats.t.ppf(1 - (1 - level) / 2, stat["df_t"])
    low, high = estimate - crit * se, estimate + crit * se
    row = {"term": term, "n": stat["n"], "clusters": stat["clusters"], "estimate": estimate,
           "std_error": se, "p_value": float(fit.pvalue()[term]), "ci_low": low,
           "ci_high": high, "p_value_wild": float(boot["Pr(>|t|)"]),
           "ci_low_wild": np.nan, "ci_high_wild": np.nan, "reps": reps, "seed": seed,
           "weights": weights, "level": level}
    if ci:
        X = _dummy_matrix(design, kept)
        test = WildClusterTest(X, design.data["y"].to_numpy(float),
                               design.data["cluster_id"].to_numpy(), 1 + kept.index(term),
                               reps=reps, seed=seed, weights=weights)
        row["ci_low_wild"], row["ci_high_wild"] = test.interval((low, high), level)
    return pd.DataFrame([row])


def treatment_terms(table: str) -> tuple[str, ...]:
    """The coefficients a table is about: the provider types in Tabell 4.4, else Nytt tiltak."""
    return PROVIDER_TERMS if TABLE_SPECS[table][0][0][1].get("sample") == "new" \
        else PROGRAMME_TERMS


def wild_bootstrap_table(frame: pd.DataFrame, table: str, *, reps: int = WILD_REPS,
                         seed: int = WILD_SEED, ci: bool = True, progress=None) -> pd.DataFrame:
    """`wild_bootstrap` of each treatment coefficient (treatment_terms) in every column of
    the published table `table`, on that column's sample: one row per column and term, with
    `table` and `column` in front. `progress`, if given, is called once per bootstrap."""
    columns, common_sample = TABLE_SPECS[table]
    rows = []
    for column, spec in columns:
        for term in treatment_terms(table):
            row = wild_bootstrap(frame, term=term, common_sample=common_sample, reps=reps,
                                 seed=seed, ci=ci, **spec)
            rows.append(row.assign(table=table, column=column))
            if progress is not None:
                progress()
    out = pd.concat(rows, ignore_index=True)
    return out[["table", "column"] + [c for c in out.columns if c not in ("table", "column")]]

