"""The SE-RCT chapter's tables, in the published tables' shape (SE-KLAR Tabell 1 and 2), so
the book shows them beside the published values and the *Replikasjon* appendix compares
them: tidy frames (section, row, column, value, unit, hidden) built from
helpers.trial_data and estimated with helpers.trials.

- `balance_table(baseline)`: Tabell 1 - baseline means by arm, the difference (control -
  intervention, as published) and its p-value, office fixed effects, and the joint F-test.
- `effects_table(totals, strata)`: Tabell 2 - months in each state over the 36 months
  after start by arm, the effect (office fixed effects, robust standard errors) with stars
  and t, and the randomisation-inference p-value.
- `monthly_effects(panel, outcomes, strata)`: effects month by month with 95 % bands.
- `beyond_table(...)`: minimum detectable effects, covariate-adjusted effects and the
  pooled estimate over the two trials.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import trial_data, trials
from helpers.disclosure import hidden_cells, is_small
from helpers.trial_data import OUTCOME_MONTHS

ARM_COLUMNS = ("Intervensjon", "Kontroll")
STRATUM = "enhet"
# Tabell 1's rows: (section, label, baseline column, unit); shares are in percent.
BALANCE_ROWS = (
    ("", "Alder (år)", "age", "years"),
    ("", "Andel menn", "male", "percent"),
    ("", "Født i Norge", "born_in_norway", "percent"),
    ("", "Gift", "married", "percent"),
    ("", "Har barn", "children", "percent"),
    ("", "Fullført videregående skole", "upper_secondary", "percent"),
    ("", "I arbeid ved start", "working_at_start", "percent"),
    ("", "Arbeidstid ved start (i timer per uke)", "hours_at_start", "hours"),
    ("", "Inntekt ved start (kr)", "income", "nok"),
    ("", "AAP ved start", "aap_at_start", "percent"),
    ("Vurdert arbeidsevne", "Standard", "group_standard", "percent"),
    ("Vurdert arbeidsevne", "Situasjonsbestemt", "group_situasjonsbestemt", "percent"),
    ("Vurdert arbeidsevne", "Spesielt tilpasset", "group_spesielt_tilpasset", "percent"),
    ("Vurdert arbeidsevne", "Varig tilpasset", "group_varig_tilpasset", "percent"),
    ("Vurdert arbeidsevne", "Ukjent", "group_ukjent", "percent"),
)
# The joint test takes the innsatsgrupper as standard and unknown against reduced capacity:
# the groups sum to one, and a group of one or two persons has a robust variance of zero.
JOINT_VARIABLES = [column for _, _, column, _ in BALANCE_ROWS
                   if column not in ("group_situasjonsbestemt", "group_spesielt_tilpasset",
                                     "group_varig_tilpasset")]
# Tabell 2's rows: (label, totals column, unit).
EFFECT_ROWS = (
    ("I arbeid", "work", "months"),
    ("I arbeid eller høyere utdanning", "work_or_education", "months"),
    ("Gjennomsnittlig arbeidstid (timer per uke)", "hours", "hours"),
    ("Total arbeidstid (timer)", "total_hours", "hours"),
    ("Med AAP", "aap", "months"),
    ("AAP og arbeid", "aap_and_work", "months"),
    ("Kun AAP", "aap_only", "months"),
    ("Med uføretrygd", "ufore", "months"),
    ("Uføretrygd og arbeid", "ufore_and_work", "months"),
    ("Kun uføretrygd", "ufore_only", "months"),
    ("Med helserelatert ytelse", "health", "months"),
    ("Helserelatert ytelse og arbeid", "health_and_work", "months"),
    ("Kun helserelatert ytelse", "health_only", "months"),
    ("Kun arbeid", "work_only", "months"),
    ("Med tiltak", "programme", "months"),
    ("Ikke i arbeid, med ytelse, i tiltak eller i høyere utdanning", "none", "months"),
)
RI_COLUMN = "p-verdi (randomisering)"
RI_REPS = 2000
RI_SEED = 20130901


def stars(p: float) -> str:
    """The source's stars: * p < 0.10, ** p < 0.05 (SE-KLAR Tabell 2)."""
    if p is None or not np.isfinite(p):
        return ""
    return "**" if p < 0.05 else "*" if p < 0.10 else ""


def _cell(section, row, column, value, unit, hidden=False, stars_text=""):
    return {"section": section, "row": row, "column": column, "value": float(value),
            "unit": unit, "hidden": bool(hidden), "stars": stars_text}


def balance_table(baseline: pd.DataFrame) -> pd.DataFrame:
    """SE-KLAR Tabell 1 for one trial's participants (`baseline` from
    helpers.trial_data.baseline): persons, means/shares by arm, the difference control -
    intervention and its p-value (office fixed effects, HC1), and the joint F-test of all
    baseline variables. Shares resting on 1-4 persons (or n − 1-4) are hidden."""
    arm = "intervention"
    n = [int((baseline[arm] == 1).sum()), int((baseline[arm] == 0).sum())]
    cells = [_cell("", "Personer (antall)", col, k, "count", is_small(k)) for col, k in zip(ARM_COLUMNS, n)]
    strata = STRATUM if baseline[STRATUM].nunique() > 1 else None
    tests = trials.balance(baseline, arm, [c for _, _, c, _ in BALANCE_ROWS], strata=strata).set_index("variable")
    # Persons behind each share, per arm; the innsatsgrupper of an arm form a distribution.
    shares = [(section, column, i) for section, _, column, unit in BALANCE_ROWS if unit == "percent"
              for i in range(2)]
    k = np.array([round(tests.loc[c, ("mean_intervention", "mean_control")[i]] * n[i]) for _, c, i in shares])
    hidden_share = dict(zip([(c, i) for _, c, i in shares], hidden_cells(
        k, np.array([n[i] for _, _, i in shares]),
        pd.Series([ARM_COLUMNS[i] if section else None for section, _, i in shares]))))
    for section, label, column, unit in BALANCE_ROWS:
        scale = 100.0 if unit == "percent" else 1.0
        t = tests.loc[column]
        means = [t["mean_intervention"], t["mean_control"]]
        hide = [bool(hidden_share.get((column, i), False)) for i in range(2)]
        for col, mean, hidden in zip(ARM_COLUMNS, means, hide):
            cells.append(_cell(section, label, col, scale * mean, unit, hidden))
        cells.append(_cell(section, label, "Forskjell", scale * t["difference"], unit, any(hide)))
        cells.append(_cell(section, label, "p-verdi", t["p_value"], "pvalue", any(hide)))
    # the joint test on the variables that vary (a constant one carries no information);
    # when they are still collinear the test is left out rather than the chapter stopped
    varying = [v for v in JOINT_VARIABLES if baseline[v].nunique(dropna=True) > 1]
    try:
        joint_p = trials.joint_balance(baseline, arm, varying, strata=strata)["p_value"] if varying else np.nan
    except ValueError:
        joint_p = np.nan
    cells.append(_cell("", "Samlet F-test", "p-verdi", joint_p, "pvalue"))
    return pd.DataFrame(cells)


def effects_table(totals: pd.DataFrame, reps: int = RI_REPS, seed: int = RI_SEED) -> pd.DataFrame:
    """SE-KLAR Tabell 2 for one trial (`totals` from helpers.trial_data.totals): mean months
    in each state over the 36 months after start by arm, the effect with office (county)
    fixed effects and HC1 standard errors, stars (* p < 0.10, ** p < 0.05), t, and the
    randomisation-inference p-value (`reps` re-draws within office, seeded)."""
    arm = "intervention"
    strata = STRATUM if totals[STRATUM].nunique() > 1 else None
    outcomes = [column for _, column, _ in EFFECT_ROWS]
    ri = trials.randomisation_table(totals, outcomes, arm, strata=strata, reps=reps, seed=seed)
    ri = ri.set_index("outcome") if "outcome" in ri.columns else ri
    cells = []
    for label, column, unit in EFFECT_ROWS:
        result = trials.effect(totals, column, arm, strata=strata)
        means = [totals.loc[totals[arm] == 1, column].mean(), totals.loc[totals[arm] == 0, column].mean()]
        for col, mean in zip(ARM_COLUMNS, means):
            cells.append(_cell("", label, col, mean, unit))
        cell = _cell("", label, "Effekt", result["estimate"], unit, stars_text=stars(result["p_value"]))
        cell.update(std_error=result["std_error"], p_value=result["p_value"])
        cells.append(cell)
        cells.append(_cell("", label, "t-verdi", result["t"], "tvalue"))
        cells.append(_cell("", label, RI_COLUMN, float(ri.loc[column, "p_value"]), "pvalue"))
    return pd.DataFrame(cells)


def monthly_effects(panel: pd.DataFrame, outcomes: dict[str, str]) -> pd.DataFrame:
    """The effect in each month relative to start (office fixed effects, HC1, 95 % band)
    for each outcome (panel column -> label): month, outcome, label, estimate, ci_low,
    ci_high, mean_intervention, mean_control (shares in percent, hours as they are)."""
    strata = STRATUM if panel[STRATUM].nunique() > 1 else None
    parts = []
    for column, label in outcomes.items():
        data = panel.assign(**{column: panel[column].astype(float)})
        by_month = trials.effects_by_month(data, column, "intervention", strata=strata)
        scale = 1.0 if column == "hours" else 100.0
        for c in ("estimate", "ci_low", "ci_high", "mean_intervention", "mean_control", "std_error"):
            by_month[c] = by_month[c] * scale
        parts.append(by_month.assign(outcome=column, label=label))
    return pd.concat(parts, ignore_index=True)


# --- The chapter: every trial's results in one place ---------------------------------------

TRIAL_NAMES = ("SE-KLAR", "SE-NAV")
TABLE_NAMES = {"SE-KLAR": ("se_klar_tabell_1", "se_klar_tabell_2"),
               "SE-NAV": ("se_nav_tabell_1", "se_nav_tabell_2")}
FOLLOW_UP_MONTHS = {"SE-KLAR": OUTCOME_MONTHS, "SE-NAV": 2 * OUTCOME_MONTHS}  # month-by-month effects up to
FIRST_MONTH = -24  # ... from this month relative to start
POWER, ALPHA = 0.8, 0.05  # the minimum detectable effect's power and level
PEAK_WINDOW = (12, 24)  # the months after start where SE-KLAR found its effect (s003_effect_window)
# Figur 6-8 of the SE-KLAR article: effects month by month (panel column -> label).
EFFECT_OUTCOMES = {
    "work_or_education": "I arbeid eller høyere utdanning", "hours": "Arbeidstid (timer i uka)",
    "aap": "AAP", "ufore": "Uføretrygd", "health": "Helserelatert ytelse",
    "health_and_work": "Helserelatert ytelse og arbeid", "work_only": "Kun arbeid",
    "none": "Verken arbeid, ytelse, tiltak eller utdanning",
}
# Figur 1, 3-5: shares by arm; Figur 2 / V1: programmes by type.
SHARE_OUTCOMES = {
    "reduced_capacity": "Nedsatt arbeidsevne", "work": "I arbeid",
    "work_or_education": "I arbeid eller høyere utdanning", "aap": "AAP", "ufore": "Uføretrygd",
    "none": "Verken arbeid, ytelse, tiltak eller utdanning",
}
PROGRAMME_OUTCOMES = {
    "programme_oppfolging": "Oppfølgingstiltak", "programme_arbeidspraksis": "Arbeidspraksis o.l.",
    "programme_opplaering": "Opplæring", "programme_avklaring": "Avklaring",
}
# Outcomes both trials measure over 36 months (pooled), and the covariates of the
# adjusted estimates (Lin 2013): work history, AAP, age, sex.
POOLED_ROWS = ("I arbeid", "Med AAP", "Med uføretrygd", "Med tiltak")
COVARIATES = ("work_months_before", "aap_at_start", "age", "male")


@dataclass
class TrialResults:
    """One trial's data and tables (see `results`)."""
    name: str
    baseline: pd.DataFrame
    totals: pd.DataFrame
    balance: pd.DataFrame
    effects: pd.DataFrame
    monthly: pd.DataFrame
    shares: pd.DataFrame

    @property
    def n(self) -> tuple[int, int]:
        """(intervention, control) persons."""
        return (int((self.baseline["intervention"] == 1).sum()), int((self.baseline["intervention"] == 0).sum()))


def results(extract, reps: int = RI_REPS, seed: int = RI_SEED) -> dict[str, TrialResults] | None:
    """Every trial in the extract's forsok table: baseline, Tabell 1 and 2, monthly effects
    (-24 to FOLLOW_UP_MONTHS) and shares by arm. None when the extract has no forsok."""
    if not extract.has("forsok"):
        return None
    baseline = trial_data.baseline(extract)
    panel = trial_data.panel(extract, first=FIRST_MONTH)
    before = panel[panel["month"] < 0].groupby("person_id")["work"].sum()
    baseline["work_months_before"] = baseline["person_id"].map(before).fillna(0).astype(float)
    totals = trial_data.totals(panel).merge(baseline[["person_id", *COVARIATES]], on="person_id")
    out = {}
    for name in TRIAL_NAMES:
        b = baseline[baseline["forsok"] == name]
        if b.empty:
            continue
        p = panel[(panel["forsok"] == name) & (panel["month"] <= FOLLOW_UP_MONTHS[name])]
        t = totals[totals["forsok"] == name]
        out[name] = TrialResults(
            name, b, t, balance_table(b), effects_table(t, reps, seed),
            monthly_effects(p, EFFECT_OUTCOMES),
            monthly_effects(p, {**SHARE_OUTCOMES, **PROGRAMME_OUTCOMES}))
    return out


def _compared(ours: pd.DataFrame, published_table: str | None) -> pd.DataFrame:
    from helpers import tables

    if published_table is not None:
        return tables.compare_with_published(ours, published_table)
    out = tables.suppress_small_cells(ours)
    return out.assign(published=np.nan, printed=np.nan, corrected=False)


def balance_gt(trial: TrialResults, extract, table_id: str):
    """Tabell 1 of a trial as the book shows it, beside the published SE-KLAR values."""
    from helpers import tables

    name, _ = TABLE_NAMES[trial.name]
    published = name if trial.name == "SE-KLAR" else None
    n1, n0 = trial.n
    return tables.show_comparison(
        _compared(trial.balance, published), name, table_id,
        f"Kjennetegn ved start i {trial.name}, etter gruppe ({n1} i SE-gruppen, {n0} i kontrollgruppen). "
        "Prosent der ikke annet er oppgitt",
        _source(extract, "balance_table", "SE-KLAR, Tabell 1" if published else None), extract.is_synthetic,
        notes=["Forskjell: kontrollgruppen minus SE-gruppen (som i den publiserte tabellen). p-verdi: "
               "forskjellen i en regresjon med faste effekter for enheten trekningen ble gjort i "
               "(kontor eller fylke) og robuste standardfeil (HC1). Samlet F-test: om kjennetegnene "
               "til sammen forklarer hvem som ble trukket til SE (robust Wald-test)."])


def effects_gt(trial: TrialResults, extract, table_id: str):
    """Tabell 2 of a trial as the book shows it, beside the published SE-KLAR values."""
    from helpers import tables

    _, name = TABLE_NAMES[trial.name]
    published = name if trial.name == "SE-KLAR" else None
    data = trial.effects.copy()
    return tables.show_comparison(
        _compared(data, published), name, table_id,
        f"Antall måneder i ulike tilstander de første {OUTCOME_MONTHS} månedene etter start i {trial.name}, "
        "etter gruppe, og effekten av SE. Måneder der ikke annet er oppgitt",
        _source(extract, "effects_table", "SE-KLAR, Tabell 2" if published else None), extract.is_synthetic,
        notes=["Effekt: SE-gruppen minus kontrollgruppen med faste effekter for kontor (fylke i SE-NAV) "
               "og robuste standardfeil (HC1); * p < 0,10, ** p < 0,05. "
               f"{RI_COLUMN}: andelen av {RI_REPS} nye trekninger innen kontor med minst like stor "
               "forskjell. Kun arbeid: i arbeid uten helserelatert ytelse, tiltak eller høyere "
               "utdanning. Den trykte totale arbeidstiden er rettet (se rettelsene i vedlegget)."])


def _source(extract, function: str, published: str | None) -> str:
    from helpers.prose import data_source
    from helpers.published import SOURCES

    text = f"Kilde: beregnet fra {data_source(extract)} med helpers.trial_tables.{function}."
    if published:
        text += f" Publisert: {SOURCES['003']}, {published.split(', ')[1]}."
    return text


def row_value(table: pd.DataFrame, row: str, column: str) -> float:
    """One cell of a trial table by its row label and column."""
    hit = table[(table["row"] == row) & (table["column"] == column)]
    return float(hit["value"].iloc[0]) if len(hit) else float("nan")


def beyond(trials_results: dict[str, TrialResults]) -> dict[str, pd.DataFrame]:
    """What the sources do not report: per trial the minimum detectable effect (80 % power,
    5 % level) of months in work over 36 months and of the share in work in month 36,
    beside the largest effect on work or education in months 12-24; the covariate-adjusted
    effects (Lin) with their precision gain; and the pooled estimate over the trials."""
    mde_rows, adjusted_rows, pooled_input = [], [], {}
    for name, r in trials_results.items():
        strata = STRATUM if r.totals[STRATUM].nunique() > 1 else None
        work = trials.effect(r.totals, "work", "intervention", strata=strata)
        month_36 = r.shares[(r.shares["outcome"] == "work") & (r.shares["month"] == OUTCOME_MONTHS)]
        window = r.monthly[(r.monthly["outcome"] == "work_or_education") & r.monthly["month"].between(*PEAK_WINDOW)]
        peak = window.loc[window["estimate"].idxmax()] if len(window) else None
        mde_rows.append({
            "trial": name, "n": int(work["n"]),
            "power": POWER, "alpha": ALPHA, "months": OUTCOME_MONTHS,
            "window_from": PEAK_WINDOW[0], "window_to": PEAK_WINDOW[1],
            "mde_months": trials.minimum_detectable_effect(work["std_error"], ALPHA, POWER),
            "mde_share_36": (trials.minimum_detectable_effect(float(month_36["std_error"].iloc[0]), ALPHA, POWER)
                             if len(month_36) else np.nan),
            "peak_12_24": float(peak["estimate"]) if peak is not None else np.nan,
            "peak_month": int(peak["month"]) if peak is not None else None,
            "effect_36": float(month_36["estimate"].iloc[0]) if len(month_36) else np.nan,
        })
        for label, column, _ in EFFECT_ROWS:
            if label not in POOLED_ROWS:
                continue
            both = trials.adjusted_comparison(r.totals, column, "intervention", strata=strata,
                                              covariates=list(COVARIATES))
            adjusted_rows.append(both.assign(trial=name, row=label))
            pooled_input.setdefault(label, []).append((name, trials.effect(r.totals, column, "intervention",
                                                                              strata=strata)))
    pooled_rows = []
    for label, items in pooled_input.items():
        if len(items) < 2:
            continue
        names = [n for n, _ in items]
        result = trials.pooled([e["estimate"] for _, e in items], [e["std_error"] for _, e in items], labels=names)
        pooled_rows.append(result.assign(row=label))
    return {"mde": pd.DataFrame(mde_rows),
            "adjusted": pd.concat(adjusted_rows, ignore_index=True) if adjusted_rows else pd.DataFrame(),
            "pooled": pd.concat(pooled_rows, ignore_index=True) if pooled_rows else pd.DataFrame()}


UNIT_WORDS = {"SE-KLAR": "NAV-kontor", "SE-NAV": "fylker"}


def missing_note(trial: str | None = None) -> str:
    """Where a part of the chapter would have been when the extract lacks the trial data."""
    what = f"deltakere i {trial}" if trial else "forsøksdata (tabellen forsok)"
    return (f"*Uttrekket har ingen {what}. Tabellen forsok er valgfri (DATA_CONTRACT.md); "
            "denne delen av kapitlet vises ikke.*")


def start_range(trial: TrialResults) -> tuple[str, str]:
    """The first and the last start date in a trial (ISO dates)."""
    dates = trial.baseline["startdato"]
    return (str(dates.min().date()), str(dates.max().date())) if len(dates) else ("", "")


def shares_for(trial: TrialResults, outcomes: dict[str, str]) -> pd.DataFrame:
    """The month-by-month shares by arm of some outcomes (for helpers.plots.trial_shares_plot)."""
    return trial.shares[trial.shares["outcome"].isin(list(outcomes))]


def programme_gap_sentence(trial: TrialResults) -> str:
    """How much more of the follow-up programmes the control arm had, at most."""
    from helpers.prose import number, pp

    rows = trial.shares[(trial.shares["outcome"] == "programme_oppfolging") & (trial.shares["month"] >= 1)]
    if rows.empty:
        return ""
    gap = rows["mean_control"] - rows["mean_intervention"]
    month = int(rows.loc[gap.idxmax(), "month"])
    if gap.max() <= 0:
        return "Kontrollgruppen var ikke oftere enn SE-gruppen i et av de ordinære oppfølgingstiltakene."
    return (f"Kontrollgruppen fikk oftere de ordinære oppfølgingstiltakene: på det meste, "
            f"{number(month)} måneder etter start, var {pp(gap.max(), 1)} flere i kontrollgruppen "
            "enn i SE-gruppen i et oppfølgingstiltak.")


def _tidy_gt(tidy: pd.DataFrame, name: str, table_id: str, title: str, source: str, notes=()):
    """A small table of our own numbers (no published counterpart): rows by `row`, columns
    by `column`, formatted by unit, with its data."""
    from great_tables import GT

    from helpers import tables

    tidy = tidy.assign(section=tidy.get("section", ""), hidden=False)
    shown = tidy.assign(text=[tables.format_value(v, u) for v, u in zip(tidy["value"], tidy["unit"])])
    order = list(dict.fromkeys(zip(shown["section"], shown["row"])))
    wide = shown.pivot_table(index=["section", "row"], columns="column", values="text", aggfunc="first",
                             sort=False).reindex(order)
    columns = list(dict.fromkeys(shown["column"]))
    flat = pd.DataFrame({"section": tables.section_runs([s for s, _ in order]), "row": [r for _, r in order]})
    for i, column in enumerate(columns):
        flat[f"c{i}"] = wide[column].to_numpy()
    gt = GT(flat, rowname_col="row", groupname_col="section", id=table_id).tab_header(title=title)
    gt = gt.cols_label(**{f"c{i}": column for i, column in enumerate(columns)})
    gt = gt.cols_align(align="right", columns=[f"c{i}" for i in range(len(columns))])
    gt = gt.tab_source_note(source)
    for note in notes:
        gt = gt.tab_source_note(note)
    return tables.with_data(gt, tables.table_data(tidy, name), name)


def mde_gt(mde: pd.DataFrame, extract, table_id: str = "tbl-se-mde"):
    """The minimum detectable effects beside the effects found (helpers.trial_tables.beyond)."""
    from scipy import stats

    from helpers.prose import number

    cells, m, (lo, hi) = [], OUTCOME_MONTHS, PEAK_WINDOW
    z_alpha, z_power = stats.norm.ppf(1 - ALPHA / 2), stats.norm.ppf(POWER)
    for r in mde.itertuples():
        cells += [
            {"row": r.trial, "column": "Deltakere", "value": r.n, "unit": "count"},
            {"row": r.trial, "column": f"MDE, måneder i arbeid av {m}", "value": r.mde_months, "unit": "months"},
            {"row": r.trial, "column": f"MDE, andel i arbeid måned {m} (pp)", "value": r.mde_share_36,
             "unit": "percent"},
            {"row": r.trial, "column": f"Største effekt {lo}–{hi} mnd (pp)", "value": r.peak_12_24, "unit": "percent"},
            {"row": r.trial, "column": f"Effekt måned {m} (pp)", "value": r.effect_36, "unit": "percent"},
        ]
    return _tidy_gt(pd.DataFrame(cells), "se_mde", table_id,
                    f"Minste påviselige effekt ({number(100 * POWER)} prosent styrke, {number(100 * ALPHA)} prosents "
                    "nivå) og effektene som ble funnet",
                    _source(extract, "beyond", None),
                    [f"MDE = ({number(z_alpha, 2)} + {number(z_power, 2)}) × standardfeilen til effekten "
                     "(kontorfaste effekter, HC1). Største "
                     f"effekt: på andelen i arbeid eller høyere utdanning, måned {lo}–{hi} etter start."])


def adjusted_gt(adjusted: pd.DataFrame, extract, table_id: str = "tbl-se-justert"):
    """Effects without and with covariates (Lin 2013), by trial and outcome."""
    cells = []
    for r in adjusted.itertuples():
        label = "Uten kovariater" if r.spesifikasjon == "uten kovariater" else "Med kovariater (Lin)"
        cells += [
            {"section": r.trial, "row": r.row, "column": f"{label}: effekt", "value": r.estimate, "unit": "months"},
            {"section": r.trial, "row": r.row, "column": f"{label}: standardfeil", "value": r.std_error,
             "unit": "months"},
        ]
    return _tidy_gt(pd.DataFrame(cells), "se_justert", table_id,
                    f"Effekt på antall måneder de første {OUTCOME_MONTHS} månedene, uten og med justering for "
                    "kjennetegn ved start",
                    _source(extract, "beyond", None),
                    [f"Kovariater: måneder i arbeid de {-FIRST_MONTH} månedene før start, AAP ved start, alder og "
                     "kjønn, "
                     "sentrert og samspilt med gruppen (Lin 2013); kontorfaste effekter og HC1 i begge."])


def pooled_gt(pooled: pd.DataFrame, extract, table_id: str = "tbl-se-samlet"):
    """The pooled effects over the two trials (fixed and random effects)."""
    labels = {"fast": "Faste effekter", "tilfeldig": "Tilfeldige effekter (DerSimonian–Laird)"}
    cells = []
    for r in pooled.itertuples():
        section = labels[r.method]
        cells += [
            {"section": section, "row": r.row, "column": "Effekt (måneder)", "value": r.estimate, "unit": "months"},
            {"section": section, "row": r.row, "column": "95 % KI, fra", "value": r.ci_low, "unit": "months"},
            {"section": section, "row": r.row, "column": "95 % KI, til", "value": r.ci_high, "unit": "months"},
            {"section": section, "row": r.row, "column": "p-verdi", "value": r.p_value, "unit": "pvalue"},
            {"section": section, "row": r.row, "column": "I² (prosent)", "value": 100 * r.i2, "unit": "percent"},
        ]
    return _tidy_gt(pd.DataFrame(cells), "se_samlet", table_id,
                    f"Effekten av SE de første {OUTCOME_MONTHS} månedene, SE-KLAR og SE-NAV slått sammen",
                    _source(extract, "beyond", None),
                    ["Vektet med inverse varianser. Med to forsøk er anslaget på variasjonen mellom "
                     "forsøkene (tau²) svært usikkert."])


def window_text(trial: str) -> str:
    """'fra 24 måneder før til 36 måneder etter start': the months a trial's figures show."""
    return f"fra {-FIRST_MONTH} måneder før til {FOLLOW_UP_MONTHS[trial]} måneder etter start"


def band_text() -> str:
    """The confidence band of the month-by-month figures, in words."""
    return f"{round(100 * (1 - ALPHA))} prosents konfidensintervall"
