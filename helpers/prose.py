"""Sentences whose numbers and wording follow from the results.

The chapters state results only through these functions, so the same book reads
correctly on a real extract: a number is formatted the Norwegian way, and a comparison's
words (høyere/lavere, økte/falt, om lag like) follow the sign and size of the difference.
"""
from __future__ import annotations

import math

SAME_WITHIN_PP = 1.0  # differences under one percentage point are called "om lag like"


def pct(value: float, decimals: int = 0) -> str:
    """'80 prosent' style: a percentage with a decimal comma."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "ukjent andel"
    return f"{value:.{decimals}f}".replace(".", ",") + " prosent"


def number(value: float, decimals: int = 0) -> str:
    """A number with thin-space thousands and a decimal comma: 46 865, 39,8."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def pp(value: float, decimals: int = 0) -> str:
    """A difference in percentage points, without sign."""
    return f"{abs(value):.{decimals}f}".replace(".", ",") + " prosentpoeng"


def compare(a: float, b: float, higher: str = "høyere", lower: str = "lavere",
            same: str = "om lag like høy", tolerance: float = SAME_WITHIN_PP) -> str:
    """Word for b compared with a: `higher`, `lower` or `same` (within `tolerance`)."""
    if any(math.isnan(float(x)) for x in (a, b)):
        return "ikke mulig å sammenligne"
    if abs(b - a) < tolerance:
        return same
    return higher if b > a else lower


def change(first: float, last: float, tolerance: float = SAME_WITHIN_PP) -> str:
    """'økte fra 20 til 25 prosent' / 'falt fra …' / 'holdt seg på om lag …'."""
    if any(math.isnan(float(x)) for x in (first, last)):
        return "kan ikke vises (for få personer)"
    if abs(last - first) < tolerance:
        return f"holdt seg på om lag {pct(last)}"
    verb = "økte" if last > first else "falt"
    return f"{verb} fra {pct(first)} til {pct(last)}"


def change_count(first: float, last: float, tolerance: float = 0.02) -> str:
    """'økte fra 12 000 til 14 000' / 'falt fra …' / 'var om lag uendret' for counts
    (relative tolerance)."""
    if any(math.isnan(float(x)) for x in (first, last)):
        return "kan ikke vises (for få personer)"
    if first and abs(last - first) / first < tolerance:
        return f"var om lag uendret på {number(last)}"
    verb = "økte" if last > first else "falt"
    return f"{verb} fra {number(first)} til {number(last)}"


def figure_caption(label: str, text: str, extract, function: str) -> str:
    """The caption under a figure: its number and text, and the source line (which extract,
    which helpers function)."""
    data = "syntetisk uttrekk" if extract.is_synthetic else "registeruttrekk"
    return (f"**{label}** {text}  \n*Kilde: beregnet fra {data} "
            f"({extract.meta.get('uttrekksdato')}) med helpers.{function}.*")


def definitions() -> str:
    """The contract's definitions as the code implements them, with the code's constants."""
    from helpers import spells

    return "\n".join([
        f"- **Oppfølgingstiltak**: {', '.join(spells.FOLLOW_UP_CODES)} i tabellen tiltak.",
        f"- **Tilgang**: en måned i et oppfølgingstiltak etter minst {spells.GAP_MONTHS} måneder "
        f"uten. Opphold på under {spells.GAP_MONTHS} måneder hører til samme løp. Tilgangens "
        "tiltak, leverandør, NAV-kontor og fylke er de til tiltaksperioden som starter først i "
        "tilgangsmåneden.",
        f"- **Populasjon**: hver persons første tilgang i {spells.FIRST_ENTRY_YEAR}–"
        f"{spells.LAST_ENTRY_YEAR}. *Gammelt* er Arbeid med bistand, eller Oppfølging som startet "
        "før fylkets overgangsdato; *nytt* er Oppfølging fra og med overgangsdatoen; *utvidet* "
        "er Utvidet oppfølging i NAV.",
        f"- **I jobb (streng definisjon)**: i et arbeidsforhold med minst "
        f"{number(spells.MIN_WEEKLY_HOURS)} timer i uka, og ikke i noe annet arbeidsrettet tiltak "
        "enn et oppfølgingstiltak eller lønnstilskudd.",
        f"- **Ved tilgang**: alder (tilgangsår minus fødselsår); nedsatt arbeidsevne, AAP og "
        f"diagnosegruppe og jobb i tilgangsmåneden; måneder i jobb de {spells.HISTORY_MONTHS} "
        "månedene før.",
        "- **Utfall**: i jobb " + ", ".join(str(h) for h in spells.OUTCOME_HORIZONS) +
        " måneder etter tilgangsmåneden; mangler når den måneden er etter uttrekksdatoen. "
        "Arbeidsledigheten er fylkets rate i kvartalet til den måneden.",
        f"- **Varighet**: måneder fra og med tilgangsmåneden til og med siste måned i et "
        f"oppfølgingstiltak før første periode på {spells.GAP_MONTHS} måneder uten; en deltakelse "
        "på én måned varer én måned. Varighet første år er avkortet ved 12 måneder.",
    ])
