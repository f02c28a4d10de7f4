"""Sentences whose numbers and wording follow from the results.

The chapters state results only through these functions, so the same book reads
correctly on any extract: numbers are formatted the Norwegian way, a comparison's words
(høyere/lavere, økte/falt, om lag det samme) follow the sign and size of the difference,
and a value that is missing says why instead of printing "nan": `None` means the group
has no one in it, NaN means the value is hidden by the small-cell rule
(helpers.disclosure).
"""
from __future__ import annotations

import math
import re

import pandas as pd

from helpers.disclosure import MIN_CELL

SAME_WITHIN_PP = 1.0  # differences under one percentage point are called "om lag det samme"
NO_ONE = "ingen i gruppen"
HIDDEN = f"skjult (færre enn {MIN_CELL} personer)"
MINUS = "\u2212"
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
          "september", "oktober", "november", "desember")


def norwegian_date(value) -> str:
    """'2020-12-31' -> '31. desember 2020' (input returned unchanged if not a date)."""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not match:
        return str(value or "")
    year, month, day = (int(g) for g in match.groups())
    return f"{day}. {MONTHS[month - 1]} {year}"


def _reason(value) -> str | None:
    """Why a value cannot be written as a number (None if it can)."""
    if value is None or value is pd.NA:
        return NO_ONE
    if isinstance(value, float) and math.isnan(value):
        return HIDDEN
    return None


def _finite(*values) -> bool:
    return all(_reason(v) is None for v in values)


def number(value: float, decimals: int = 0) -> str:
    """A number with thin-space thousands, a decimal comma and a true minus: 46 865, 39,8."""
    value = float(value)
    if round(value, decimals) == 0:
        value = 0.0  # no "−0"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",").replace("-", MINUS)


def count(value) -> str:
    """A number of persons: '46 865', 'ingen' or 'færre enn 5' (hidden)."""
    if value is None or value == 0:
        return "ingen"
    if _reason(value):
        return f"færre enn {MIN_CELL}"
    return number(value)


def pct(value, decimals: int = 0) -> str:
    """'80 prosent' (decimal comma), or why there is no number."""
    return _reason(value) or number(value, decimals) + " prosent"


def pp(value: float, decimals: int = 0) -> str:
    """A difference in percentage points, without sign."""
    return number(abs(value), decimals) + " prosentpoeng"


def compare(a, b, higher: str = "høyere", lower: str = "lavere",
            same: str = "om lag det samme", tolerance: float = SAME_WITHIN_PP) -> str:
    """Word for b compared with a: `higher`, `lower` or `same` (within `tolerance`)."""
    if not _finite(a, b):
        return "ikke mulig å sammenligne"
    if abs(b - a) < tolerance:
        return same
    return higher if b > a else lower


def shares(subject: str, values: list[tuple[float | None, str]], decimals: int = 0,
           tolerance: float = SAME_WITHIN_PP) -> str:
    """'{subject} var 81 prosent i de gamle tiltakene og 59 prosent i det nye – 22
    prosentpoeng lavere i det nye.' With two values, the closing clause follows their
    difference; a missing value is named as such and no comparison is made."""
    parts = [f"{pct(value, decimals)} {where}".rstrip() for value, where in values]
    text = f"{subject} var " + _join(parts)
    if len(values) == 2 and _finite(values[0][0], values[1][0]):
        a, b = values[0][0], values[1][0]
        word = compare(a, b, tolerance=tolerance)
        if word == "om lag det samme":
            text += f" – {word}"
        else:
            text += f" – {pp(b - a, decimals)} {word} {values[1][1]}"
    return text + "."


def months(value, decimals: int = 0) -> str:
    """'6 måneder', '1 måned', 'ikke nådd' (infinite: a median not reached while anyone
    is observed), or why there is no number."""
    reason = _reason(value)
    if reason:
        return reason
    if math.isinf(value):
        return "ikke nådd"
    return f"{number(value, decimals)} {'måned' if round(value, decimals) == 1 else 'måneder'}"


def months_interval(value, lower, upper, confidence: int = 95) -> str:
    """'6 måneder (95 % KI 5–7)': a duration with its confidence interval; an open upper
    limit reads 'ikke nådd'; no interval where a limit is missing or hidden."""
    text = months(value)
    if _reason(value) or math.isinf(value) or not _finite(lower, upper):
        return text
    high = "ikke nådd" if math.isinf(upper) else number(upper)
    return f"{text} ({confidence}\u00a0% KI {number(lower)}–{high})"


def relative_to_half(value, tolerance: float = SAME_WITHIN_PP) -> str:
    """'mer enn halvparten', 'under halvparten' or 'om lag halvparten' of a percent (within
    `tolerance` percentage points of 50), or why there is no number."""
    reason = _reason(value)
    if reason:
        return reason
    if abs(value - 50) < tolerance:
        return "om lag halvparten"
    return "mer enn halvparten" if value > 50 else "under halvparten"


def durations(subject: str, values: list[tuple], more: str = "lengre", less: str = "kortere",
              same: str = "like lang") -> str:
    """'{subject} var 6 måneder (95 % KI 6–6) i de gamle tiltakene og 5 måneder (…) i det
    nye – kortere i det nye.' from (median, lower, upper, where) tuples; with two, the
    closing words follow the medians (whole months: equal is `same`)."""
    parts = [f"{months_interval(m, lo, hi)} {where}".rstrip() for m, lo, hi, where in values]
    text = f"{subject} var " + _join(parts)
    if len(values) == 2:
        a, b = values[0][0], values[1][0]
        if _finite(a, b) and not (math.isinf(a) or math.isinf(b)):
            word = compare(a, b, higher=more, lower=less, same=same, tolerance=0.5)
            text += f" – {word} i begge" if word == same else f" – {word} {values[1][3]}"
    return text + "."


def trend(subject: str, by_year: pd.Series, tolerance: float = SAME_WITHIN_PP) -> str:
    """'{subject} falt fra 83 prosent i 2013 til 58 prosent i 2018.' from a Series of
    percentages indexed by year (first and last year compared)."""
    by_year = by_year.sort_index()
    if len(by_year) == 0:
        return f"{subject}: {NO_ONE}."
    first_year, last_year = by_year.index[0], by_year.index[-1]
    first, last = by_year.iloc[0], by_year.iloc[-1]
    if len(by_year) == 1:
        return f"{subject} var {pct(first)} i {first_year}."
    if not _finite(first, last):
        return (f"{subject} i {first_year} og {last_year}: {pct(first)} og {pct(last)}; "
                "endringen kan derfor ikke beregnes.")
    if abs(last - first) < tolerance:
        return f"{subject} var om lag den samme i {first_year} og {last_year}, {pct(last)}."
    verb = "økte" if last > first else "falt"
    return f"{subject} {verb} fra {pct(first)} i {first_year} til {pct(last)} i {last_year}."


def value_range(subject: str, by_year: pd.Series) -> str:
    """'{subject} lå mellom 46 og 55 prosent i årene 2013–2018.' (shown values only)."""
    shown = by_year.dropna().sort_index()
    if by_year.empty:
        return f"{subject}: {NO_ONE}."
    if shown.empty:
        return f"{subject} kan ikke vises ({HIDDEN})."
    years = f"{shown.index.min()}–{shown.index.max()}" if len(shown) > 1 else f"{shown.index[0]}"
    hidden = " (noen år er skjult)" if len(shown) < len(by_year) else ""
    if len(shown) == 1:
        return f"{subject} var {pct(shown.iloc[0])} i {years}{hidden}."
    return (f"{subject} lå mellom {number(shown.min())} og {pct(shown.max())} i årene "
            f"{years}{hidden}.")


def yearly_entrants(totals: pd.Series, tolerance: float = 0.02) -> str:
    """How the number of entrants changed over the years, from a Series of counts by year
    (NaN = hidden)."""
    totals = totals.sort_index()
    if len(totals) < 2:
        return "Uttrekket har tilganger i bare ett år." if len(totals) else \
            "Uttrekket har ingen tilganger i perioden."
    first, last = totals.iloc[0], totals.iloc[-1]
    years = f"fra {totals.index[0]} til {totals.index[-1]}"
    if not _finite(first, last):
        return f"Tallet på tilganger {years} kan ikke sammenlignes ({HIDDEN} i ett av årene)."
    if first and abs(last - first) / first < tolerance:
        change = f"var om lag uendret {years}, {count(last)}"
    else:
        change = f"{'økte' if last > first else 'falt'} {years}, fra {count(first)} til {count(last)}"
    shown = totals.dropna()
    return (f"Tallet på personer som startet i et oppfølgingstiltak {change}. Flest startet i "
            f"{shown.idxmax()} og færrest i {shown.idxmin()}.")


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " og " + parts[-1]


def no_entrants(first_year: int, last_year: int) -> str:
    """The notice a chapter shows when the extract has no entrants in the period."""
    return (f"Uttrekket har ingen tilganger til oppfølgingstiltak i {first_year}–{last_year}. "
            "Tabellene og figurene i dette kapitlet har derfor ingenting å vise, og setningene "
            "sier det der tallene ellers ville stått.")


def calibration_summary(table) -> str:
    """How well the synthetic extract meets its calibration targets (a calibration table of
    helpers.calibration): how many are met, and which are not, with by how much."""
    n, met = len(table), int(table["ok"].sum())
    if n == 0:
        return "Det er ingen kalibreringsmål å vise."
    if met == n:
        return f"Uttrekket treffer alle de {count(n)} målene innenfor toleransen."
    off = table[~table["ok"]]
    listed = [f"{row.description} ({number(row.synthetic, 2)} mot {number(row.target, 2)})"
              for row in off.itertuples()]
    return (f"Uttrekket treffer {count(met)} av {count(n)} mål innenfor toleransen. Disse "
            f"treffer ikke: {_join(listed)}.")


def data_source(extract) -> str:
    """'syntetisk uttrekk (2020-12-31)' or 'registeruttrekk (…)': where the numbers are from."""
    data = "syntetisk uttrekk" if extract.is_synthetic else "registeruttrekk"
    return f"{data} ({extract.meta.get('uttrekksdato')})"


def figure_caption(label: str, text: str, extract, function: str) -> str:
    """The caption under a figure: its number and text, and the source line (which extract,
    which helpers function)."""
    return (f"**{label}** {text}  \n*Kilde: beregnet fra {data_source(extract)} med "
            f"helpers.{function}.*")


def definitions() -> str:
    """The contract's definitions as the code implements them, with the code's constants."""
    from helpers import spells

    return "\n".join([
        f"- **Oppfølgingstiltak**: {', '.join(spells.FOLLOW_UP_CODES)} i tabellen tiltak.",
        f"- **Tilgang**: en måned i et oppfølgingstiltak etter minst {spells.GAP_MONTHS} observerte "
        f"måneder uten. Opphold på under {spells.GAP_MONTHS} måneder hører til samme løp. "
        "Tilgangens tiltak, leverandør, NAV-kontor og fylke er de til tiltaksperioden som "
        "starter først blant dem som dekker tilgangsmåneden (ved likhet: Arbeid med bistand, "
        "Oppfølging, Utvidet; så den lengste; så leverandør, kontor og fylke i alfabetisk "
        "rekkefølge). Deler av én periode som henger sammen, regnes som én periode.",
        "- **Observerte måneder**: fra og med måneden for uttrekkets observasjonsstart "
        f"(standard {spells.DEFAULT_OBSERVATION_START[:4]}); måneder før teller ikke.",
        f"- **Populasjon**: hver persons første tilgang i {spells.FIRST_ENTRY_YEAR}–"
        f"{spells.LAST_ENTRY_YEAR}. *Gammelt* er Arbeid med bistand, eller Oppfølging som startet "
        "før fylkets overgangsdato; *nytt* er Oppfølging fra og med overgangsdatoen; *utvidet* "
        "er Utvidet oppfølging i NAV.",
        f"- **I jobb (streng definisjon)**: i et arbeidsforhold med minst "
        f"{number(spells.MIN_WEEKLY_HOURS)} timer i uka, og ikke i noe annet arbeidsrettet tiltak "
        "enn et oppfølgingstiltak eller lønnstilskudd.",
        f"- **Ved tilgang**: alder (tilgangsår minus fødselsår); nedsatt arbeidsevne, AAP og "
        f"diagnosegruppe og jobb i tilgangsmåneden; måneder i jobb de {spells.HISTORY_MONTHS} "
        "månedene før. Dekker flere AAP-perioder tilgangsmåneden, gjelder en med kjent "
        "diagnose, så den som startet sist; nedsatt arbeidsevne teller hvis én av "
        "registreringene sier det.",
        "- **Utfall**: i jobb " + _join([str(h) for h in spells.OUTCOME_HORIZONS]) +
        " måneder etter tilgangsmåneden; mangler når den måneden er etter uttrekksdatoen. "
        "Arbeidsledigheten er fylkets rate i kvartalet til den måneden (også etter "
        "uttrekksdatoen).",
        f"- **Varighet**: måneder fra og med tilgangsmåneden til og med siste måned i et "
        f"oppfølgingstiltak før første periode på {spells.GAP_MONTHS} måneder uten; en deltakelse "
        "på én måned varer én måned. Varighet første år er avkortet ved 12 måneder. En "
        f"deltakelse er sensurert når det ikke er observert {spells.GAP_MONTHS} hele måneder "
        "uten tiltak etter den før uttrekksdatoen.",
        f"- **Små celler**: andeler og antall som bygger på færre enn {MIN_CELL} personer, vises "
        "ikke, og heller ikke tall som ville gjort det mulig å regne dem ut.",
    ])


# --- The Resultater chapter: effects and inference ------------------------------------------

SIGNIFICANCE = 0.05      # the level the text calls "statistisk signifikant"
WEAK_SIGNIFICANCE = 0.10  # the source's single star
SAME_COEFFICIENT = 0.0005  # a coefficient this close to 0 (0,05 prosentpoeng) reads "ingen forskjell"


def job_at_entry_context(old, new, tolerance: float = SAME_WITHIN_PP) -> str:
    """What the difference in the share in a job at entry (percent, old vs new) means for
    the comparison after entry."""
    if not _finite(old, new):
        return ""
    if abs(new - old) < tolerance:
        return ("Ved tilgang var andelen i jobb om lag den samme i de to tiltakene, så "
                "forskjellen senere skyldes ikke at det ene tiltaket fikk flere som allerede "
                "var i arbeid.")
    more = "det nye tiltaket" if new > old else "de gamle tiltakene"
    return (f"Flere i {more} var allerede i jobb da de startet. En del av forskjellen senere "
            "kan derfor skyldes hvem som startet, ikke tiltaket selv.")


def p_value(p) -> str:
    """'p = 0,052' or 'p < 0,001'."""
    if not _finite(p):
        return "p ukjent"
    return "p < 0,001" if p < 0.001 else f"p = {number(p, 3)}"


def significance(p) -> str:
    """What a p-value says in words, at the source's levels."""
    if not _finite(p):
        return "uten kjent usikkerhet"
    if p < SIGNIFICANCE:
        return f"statistisk signifikant på {number(100 * SIGNIFICANCE)}-prosentnivået"
    if p < WEAK_SIGNIFICANCE:
        return (f"bare signifikant på {number(100 * WEAK_SIGNIFICANCE)}-prosentnivået, ikke på "
                f"{number(100 * SIGNIFICANCE)}-prosentnivået")
    return "ikke statistisk signifikant"


def programme_effect(estimate, p, mean, months_after: int = 12,
                     subject: str = "i det nye tiltaket",
                     reference: str = "i de gamle tiltakene") -> str:
    """The adjusted difference between two programmes in a linear probability model, in
    percentage points, with its p-value and its size relative to the outcome mean."""
    if not _finite(estimate, mean):
        return "Modellen kunne ikke estimeres på dette uttrekket."
    points = 100 * estimate
    outcome = f"andelen i jobb {months_after} måneder etter tilgang"
    if abs(estimate) < SAME_COEFFICIENT:
        text = (f"Når det er tatt hensyn til kontrollvariablene, er {outcome} praktisk talt "
                f"den samme {subject} som {reference} ({p_value(p)}).")
    else:
        word = "høyere" if estimate > 0 else "lavere"
        text = (f"Når det er tatt hensyn til kontrollvariablene, er {outcome} "
                f"{pp(points, 1)} {word} {subject} enn {reference}. Forskjellen er "
                f"{significance(p)} ({p_value(p)}, klyngekorrigerte standardfeil).")
    if mean > 0 and abs(estimate) >= SAME_COEFFICIENT:
        text += (f" Gjennomsnittet i utvalget er {pct(100 * mean, 1)}, så forskjellen svarer "
                 f"til {pct(100 * abs(estimate) / mean)} av gjennomsnittet.")
    return text


def gap_remaining(raw, adjusted, steps: list[tuple[str, float]] | None = None) -> str:
    """How much of the raw difference (no controls) is left with all controls, and so how
    much the composition of entrants, county, time and unemployment account for; `steps`
    are the intermediate specifications (label, coefficient) in order."""
    if not _finite(raw, adjusted):
        return "Forskjellen før og etter kontroller kan ikke beregnes på dette uttrekket."
    if abs(raw) < SAME_COEFFICIENT:
        return ("Uten kontroller er det praktisk talt ingen forskjell mellom tiltakene, så det "
                "er ingen rå forskjell å forklare.")
    text = f"Uten kontroller er forskjellen {pp(100 * raw, 1)} i favør av " + (
        "det nye tiltaket." if raw > 0 else "de gamle tiltakene.")
    for label, value in steps or []:
        if _finite(value):
            text += f" {label} gir {number(100 * value, 1)} prosentpoeng."
    if raw * adjusted < 0:
        return text + (f" Med alle kontrollene snur forskjellen: den er {number(100 * adjusted, 1)} "
                       "prosentpoeng. Forskjellene i hvem som startet, forklarer altså mer enn "
                       "hele den rå forskjellen.")
    remaining = adjusted / raw
    if remaining > 1:
        return text + (f" Med alle kontrollene blir forskjellen større, {pp(100 * adjusted, 1)}: "
                       "sammensetningen skjuler noe av forskjellen i stedet for å forklare den.")
    return text + (f" Med alle kontrollene er {pp(100 * adjusted, 1)} igjen, det vil si "
                   f"{pct(100 * remaining)} av den rå forskjellen. Resten, "
                   f"{pct(100 * (1 - remaining))}, henger sammen med hvem som startet, hvor og "
                   "når.")


def inference_agreement(total: int, disagreements: list[tuple[str, float, float]],
                        level: float = SIGNIFICANCE) -> str:
    """Whether the clustered t-test and the wild cluster bootstrap agree about significance
    at `level` for `total` coefficients; `disagreements` lists (what, clustered p, wild p)."""
    at = f"på {number(100 * level)}-prosentnivået"
    if total == 0:
        return "Det er ingen koeffisienter å sammenligne."
    if not disagreements and total == 1:
        return ("For den ene koeffisienten gir den klyngekorrigerte t-testen og wild cluster "
                f"bootstrap samme svar på om forskjellen er statistisk signifikant {at}.")
    if not disagreements:
        return (f"For alle de {count(total)} koeffisientene gir den klyngekorrigerte t-testen og "
                f"wild cluster bootstrap samme svar på om forskjellen er statistisk signifikant "
                f"{at}.")
    listed = [f"{what} (klyngekorrigert {p_value(p)}, bootstrap {p_value(pw)})"
              for what, p, pw in disagreements]
    return (f"For {count(len(disagreements))} av de {count(total)} koeffisientene gir de to "
            f"metodene ulikt svar på om forskjellen er statistisk signifikant {at}: "
            f"{_join(listed)}. Med så få klynger er det bootstrap-verdien vi legger mest vekt på.")



# --- The SE trials -------------------------------------------------------------------------

def trial_overview(name: str, n_intervention: int, n_control: int, units: int, unit_word: str,
                   first_start, last_start) -> str:
    """Who took part in a trial: persons per arm, where the draw was made, when they started."""
    total = n_intervention + n_control
    if total == 0:
        return f"Uttrekket har ingen deltakere i {name}."
    return (f"I {name} er {count(total)} personer med: {count(n_intervention)} trukket til SE og "
            f"{count(n_control)} til kontrollgruppen ({pct(100 * n_intervention / total)} til SE), "
            f"fordelt på {count(units)} {unit_word}. De startet mellom "
            f"{norwegian_date(first_start)} og {norwegian_date(last_start)}.")


def balance_summary(balance: pd.DataFrame, level: float = SIGNIFICANCE) -> str:
    """How the arms compare at start (a trial's Tabell 1): the variables that differ at
    `level`, and the joint F-test."""
    p = balance[(balance["column"] == "p-verdi") & (balance["row"] != "Samlet F-test")]
    joint = balance.loc[balance["row"] == "Samlet F-test", "value"]
    labels = [f"{s} {r}".strip().lower() for s, r in zip(p["section"].fillna(""), p["row"])]
    different = [label for label, value in zip(labels, p["value"]) if value < level]
    shown = p["value"].notna().sum()
    if different:
        text = (f"Av de {count(shown)} kjennetegnene skiller gruppene seg på "
                f"{number(100 * level)}-prosentnivået bare i {_join([d.lower() for d in different])}.")
    else:
        text = (f"Ingen av de {count(shown)} kjennetegnene skiller gruppene seg på "
                f"{number(100 * level)}-prosentnivået.")
    if len(joint) and _finite(joint.iloc[0]):
        pj = float(joint.iloc[0])
        verdict = ("i tråd med en tilfeldig trekning" if pj >= level else
                   "mer enn en tilfeldig trekning gir ofte, så effektene bør også leses justert "
                   "for kjennetegnene")
        text += f" Samlet F-test: {p_value(pj)}, {verdict}."
    return text


def trial_effect(effects: pd.DataFrame, row: str, what: str, unit: str = "måneder",
                 stratum: str = "kontor") -> str:
    """One row of a trial's Tabell 2 in words: months in the state by arm, the effect, its
    model and randomisation-inference p-values."""
    def cell(column):
        hit = effects[(effects["row"] == row) & (effects["column"] == column)]
        return float(hit["value"].iloc[0]) if len(hit) else float("nan")

    se, control, effect = cell("Intervensjon"), cell("Kontroll"), cell("Effekt")
    p_model, p_ri = effects.loc[(effects["row"] == row) & (effects["column"] == "Effekt"), "p_value"], \
        cell("p-verdi (randomisering)")
    p_model = float(p_model.iloc[0]) if len(p_model) else float("nan")
    if not _finite(se, control, effect):
        return ""
    direction = "flere" if effect > 0 else "færre"
    from helpers.trial_data import OUTCOME_MONTHS

    return (f"SE-gruppen var {what} i {number(se, 1)} av de {number(OUTCOME_MONTHS)} månedene etter start, "
            "kontrollgruppen i "
            f"{number(control, 1)}. Justert for {stratum} er det {number(abs(effect), 1)} {direction} {unit} "
            f"med SE, {significance(p_model)} ({p_value(p_model)}; randomiseringsinferens: {p_value(p_ri)}).")


def monthly_peak(monthly: pd.DataFrame, outcome: str, what: str, first: int = 1) -> str:
    """Where the month-by-month effect on `outcome` is largest, and from which month on its
    95 % interval covers zero for good."""
    rows = monthly[(monthly["outcome"] == outcome) & (monthly["month"] >= first)].sort_values("month")
    if rows.empty:
        return ""
    top = rows.loc[rows["estimate"].idxmax()]
    text = (f"Forskjellen i andelen {what} er størst {number(int(top['month']))} måneder etter start: "
            f"{pp(top['estimate'], 1)} ({number(top['ci_low'], 1)} til {number(top['ci_high'], 1)}, "
            "95 % konfidensintervall).")
    significant = rows[(rows["ci_low"] > 0) | (rows["ci_high"] < 0)]
    if significant.empty:
        text += " Intervallet dekker null i hver måned."
    elif significant["month"].max() < rows["month"].max():
        text += (f" Fra og med måned {number(int(significant['month'].max()) + 1)} dekker intervallet "
                 "null, og forskjellen er ikke lenger signifikant.")
    else:
        text += " Forskjellen er fortsatt signifikant i siste måned som vises."
    return text


def detectable(mde_row) -> str:
    """What a trial could have detected three years on (helpers.trial_tables.beyond's mde)."""
    mde, peak, now = mde_row["mde_share_36"], mde_row["peak_12_24"], mde_row["effect_36"]
    if not _finite(mde, peak):
        return ""
    months, lo, hi = int(mde_row["months"]), int(mde_row["window_from"]), int(mde_row["window_to"])
    text = (f"Med {count(mde_row['n'])} deltakere kunne {mde_row['trial']} med "
            f"{number(100 * mde_row['power'])} prosent styrke oppdage en forskjell på {pp(mde, 1)} i andelen "
            f"i arbeid {number(months)} måneder etter start ({number(100 * mde_row['alpha'])} prosents nivå). "
            f"Den største forskjellen i arbeid eller utdanning {number(lo)}–{number(hi)} måneder etter start "
            f"var {pp(peak, 1)}. ")
    if peak >= mde:
        text += ("En like stor forskjell senere ville forsøket altså med stor sannsynlighet ha "
                 "sett, så «ingen varig effekt» betyr at en effekt av den størrelsen ikke varte.")
    else:
        text += ("Forsøket er for lite til å skille en like stor forskjell senere fra tilfeldig "
                 "variasjon, så «ingen varig effekt» utelukker ikke en varig effekt av den størrelsen.")
    if _finite(now):
        text += f" Etter {number(months)} måneder er forskjellen {number(now, 1)} prosentpoeng."
    return text


def adjusted_gain(adjusted: pd.DataFrame, months_before: int) -> str:
    """How much the covariate-adjusted (Lin) estimates gain in precision, per trial."""
    lin = adjusted[adjusted["spesifikasjon"] != "uten kovariater"]
    if lin.empty:
        return ""
    parts = []
    for trial, rows in lin.groupby("trial", sort=False):
        change = 100 * (1 - rows["se_ratio"].mean())
        if abs(change) < 0.5:
            parts.append(f"i {trial} blir standardfeilene om lag like store")
        else:
            word = "mindre" if change >= 0 else "større"
            parts.append(f"i {trial} blir standardfeilene i snitt {pct(abs(change))} {word}")
    plain = adjusted[adjusted["spesifikasjon"] == "uten kovariater"].set_index(["trial", "row"])
    moved = (lin.set_index(["trial", "row"])["estimate"] - plain["estimate"]).abs() / plain["std_error"]
    change = "endrer effektene lite" if moved.max() < 0.5 else (
        "flytter noen av effektene med mer enn en halv standardfeil")
    return (f"Justering for arbeidserfaring de {number(months_before)} månedene før start, AAP ved start, "
            f"alder og kjønn (Lins estimator) {change}; {_join(parts)}.")


def pooled_effect(pooled: pd.DataFrame, row: str = "I arbeid") -> str:
    """The pooled effect over the trials for one Tabell 2 row (fixed and random effects)."""
    rows = pooled[pooled["row"] == row].set_index("method")
    if rows.empty:
        return ""
    fixed = rows.loc["fast"]
    text = (f"Slått sammen med inverse varianser er effekten på måneder {row.lower()} de første 36 "
            f"månedene {number(fixed['estimate'], 1)} ({number(fixed['ci_low'], 1)} til "
            f"{number(fixed['ci_high'], 1)}, {p_value(fixed['p_value'])}).")
    if fixed["tau2"] > 0:
        random = rows.loc["tilfeldig"]
        text += (f" Forsøkene spriker (I² = {pct(100 * fixed['i2'])}); med tilfeldige effekter blir "
                 f"estimatet {number(random['estimate'], 1)} ({number(random['ci_low'], 1)} til "
                 f"{number(random['ci_high'], 1)}).")
    else:
        text += (" Forsøkene spriker ikke mer enn tilfeldig variasjon tilsier, så faste og tilfeldige "
                 "effekter gir samme svar.")
    return text
