"""The published figures (data/published/): read them, and the corrections the report makes.

The CSVs are transcribed exactly as printed. Where NOTES.md shows that a printed value
cannot be right, `CORRECTIONS` says which value the report compares with (and the
synthetic generator targets), and why; the book prints that list beside the tables.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

PUBLISHED_DIR = Path(__file__).resolve().parent.parent / "data" / "published"

SOURCE = "Proba-rapport 2019-8, Resultater av oppfølgingstiltak – Delrapport 1"
# The trial sources (../shared/seeds/003_, 004_), as the book cites them.
SOURCES = {
    "003": "Dahl og Lima, «Supported employment ga flere i arbeid raskt, men etter tre år er forskjellen borte»",
    "004": "Berg, Hauge, Markussen og Zhang (2021), Frisch-rapport 2/2021",
}

# (table, row as printed, column, value compared with, reason). Rows as printed in the CSVs.
CORRECTIONS = pd.DataFrame(
    [
        ("tabell_3_1", "AAP/muskel- og skjelettlidelser", "Gammelt", 17.3,
         "Radene for psykiske og muskel-/skjelettlidelser er trolig byttet om (NOTES.md punkt 2): "
         "bare med byttede rader stemmer teksten om at om lag halvparten av AAP-mottakerne har "
         "en psykisk diagnose, og at andelen av alle falt med rundt 10 prosentpoeng."),
        ("tabell_3_1", "AAP/muskel- og skjelettlidelser", "Nytt", 14.1, "Som over."),
        ("tabell_3_1", "AAP/psykiske lidelser", "Gammelt", 32.5, "Som over."),
        ("tabell_3_1", "AAP/psykiske lidelser", "Nytt", 23.2, "Som over."),
        ("vedlegg_1", "AAP, muskel- og skjelettlidelser", "Skjermede", 13.5,
         "Samme rekkefølge og størrelser som i Tabell 3.1, og derfor trolig samme ombytting."),
        ("vedlegg_1", "AAP, muskel- og skjelettlidelser", "Kommersielle", 15.0, "Som over."),
        ("vedlegg_1", "AAP, psykiske lidelser", "Skjermede", 23.0, "Som over."),
        ("vedlegg_1", "AAP, psykiske lidelser", "Kommersielle", 22.9, "Som over."),
        ("vedlegg_1", "50 eller eldre", "Kommersielle", 25.6,
         "Aldersfordelingen summerer til 105,6 med trykt 31,2 (NOTES.md punkt 3); 25,6 er det "
         "som får den til å summere til 100."),
        ("se_klar_tabell_2", "Total arbeidstid (timer)", "Intervensjon", 1310.4,
         "Totalene er om lag fem ganger for store (NOTES.md punkt 15): 6 514 timer over 36 "
         "måneder er over 40 timer i uka, mens samme tabell gir 8,4 timer i uka i snitt. "
         "Vi sammenligner med gjennomsnittet i uka ganger 156 uker (8,4 × 156)."),
        ("se_klar_tabell_2", "Total arbeidstid (timer)", "Kontroll", 1092.0, "Som over (7,0 × 156)."),
        ("se_klar_tabell_2", "Total arbeidstid (timer)", "Effekt", 218.4, "Som over (1,4 × 156)."),
        ("se_klar_tabell_1", "Gift", "Intervensjon", 20.4,
         "20,3 prosent kan ikke oppnås med 167 personer (NOTES.md punkt 20): 34 av 167 er "
         "20,36 prosent, og den trykte forskjellen −3,5 passer med 20,4."),
    ],
    columns=["table", "row", "column", "value", "reason"],
)


# Counts compared with Tabell 2.1, not with Vedleggstabell 1's N (NOTES item 4): not a
# corrected value (the printed N stays as printed), but a note on which published count the
# report holds its own against. (table, row, column) as printed -> the Tabell 2.1 cell
# (row, column, unit) used instead.
COUNT_TARGETS = {
    ("vedlegg_1", "Totalt antall personer", "Skjermede"): ("Skjermet", "Nytt", "count"),
    ("vedlegg_1", "Totalt antall personer", "Kommersielle"): ("Kommersiell", "Nytt", "count"),
}


def correction_reasons() -> dict[tuple, str]:
    """CORRECTIONS' reason per (table, row, column), with 'Som over.' spelt out."""
    out, last = {}, ""
    for fix in CORRECTIONS.itertuples():
        reason = str(fix.reason)
        if reason.strip().lower().startswith("som over"):
            reason = last
        last = reason
        out[(fix.table, fix.row, fix.column)] = reason
    return out


@cache
def read_published(table: str, directory: Path = PUBLISHED_DIR) -> pd.DataFrame:
    """One published table as printed: table, section, row, column, value, stars, unit, flag.
    Blank printed cells (no value, no flag) are dropped."""
    path = Path(directory) / f"{table}.csv"
    if not path.exists():
        raise FileNotFoundError(
            f"Fant ikke den publiserte tabellen {path}. data/published/ skal inneholde "
            "kopiene av de publiserte tallene (se README)."
        )
    df = pd.read_csv(path, dtype={"value": "string", "flag": "string", "column": "string",
                                  "section": "string"}, keep_default_na=False)
    df = df[(df["value"] != "") | (df["flag"] != "")].copy()
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df.reset_index(drop=True)


def published_values(table: str, unit: str | None = None, corrected: bool = True,
                     directory: Path = PUBLISHED_DIR) -> pd.DataFrame:
    """Published cells of a table (optionally one unit), with the report's corrections applied
    when `corrected`: columns row, column, unit, value, printed, corrected (bool)."""
    df = read_published(table, Path(directory)).copy()
    if unit is not None:
        df = df[df["unit"] == unit]
    df["printed"] = df["value"]
    df["corrected"] = False
    if corrected:
        fixes = CORRECTIONS[CORRECTIONS["table"] == table]
        for fix in fixes.itertuples():
            hit = (df["row"] == fix.row) & (df["column"] == fix.column)
            df.loc[hit, "value"] = fix.value
            df.loc[hit, "corrected"] = True
    return df[["section", "row", "column", "unit", "value", "printed", "corrected"]]


def published_cell(table: str, row: str, column: str, unit: str | None = None,
                   corrected: bool = True, directory: Path = PUBLISHED_DIR) -> float:
    """One published cell by its printed row and column label (and unit, where a row has
    several), from `published_values` (so corrected when `corrected`)."""
    df = published_values(table, unit, corrected, directory)
    hit = df[(df["row"] == row) & (df["column"] == column)]
    if len(hit) != 1:
        raise KeyError(f"{table}: fant {len(hit)} publiserte celler for rad '{row}', "
                       f"kolonne '{column}', enhet '{unit}'")
    return float(hit["value"].iloc[0])


def prose_fact(fact_id: str, directory: Path = PUBLISHED_DIR) -> float:
    """A number stated in the published prose (prose_facts.csv), by its fact id."""
    facts = pd.read_csv(Path(directory) / "prose_facts.csv", dtype=str)
    hit = facts.loc[facts["fact_id"] == fact_id, "value"]
    if hit.empty:
        raise KeyError(f"prose_facts.csv har ingen fact_id '{fact_id}'")
    return float(hit.iloc[0])


def caption(table: str, directory: Path = PUBLISHED_DIR) -> str:
    """The published caption of a table, without markdown emphasis."""
    manifest = pd.read_csv(Path(directory) / "tables_manifest.csv", dtype=str)
    text = manifest.loc[manifest["table"] == table, "caption_no"].iloc[0]
    return " ".join(text.replace("*", "").split())


def published_corrections(directory: str | Path | None = None) -> pd.DataFrame:
    """Printed cells the report compares with (and the synthetic generator targets at)
    another value, and why: table, row, column, printed, targeted, reason. The corrected
    values are CORRECTIONS (as applied by `published_values`); added is the note that
    counts are compared with Tabell 2.1 rather than Vedleggstabell 1's N (COUNT_TARGETS,
    NOTES item 4)."""
    d = Path(directory) if directory else PUBLISHED_DIR
    reasons = correction_reasons()
    rows = []
    for fix in CORRECTIONS.itertuples():
        cells = published_values(fix.table, corrected=True, directory=d)
        hit = cells[(cells["row"] == fix.row) & (cells["column"] == fix.column)]
        if len(hit) != 1:
            raise KeyError(f"published.CORRECTIONS: {fix.table} har ingen entydig celle "
                           f"({fix.row!r}, {fix.column!r})")
        rows.append((fix.table, fix.row, fix.column, float(hit["printed"].iloc[0]),
                     float(hit["value"].iloc[0]), reasons[(fix.table, fix.row, fix.column)]))
    for (name, row, column), (t_row, t_column, unit) in COUNT_TARGETS.items():
        printed = published_cell(name, row, column, "count", directory=d)
        targeted = published_cell("tabell_2_1", t_row, t_column, unit, directory=d)
        rows.append((name, row, column, printed, targeted,
                     f"N avviker fra Tabell 2.1 ({printed - targeted:+g}, NOTES punkt 4); "
                     "antall sammenlignes med Tabell 2.1."))
    return pd.DataFrame(rows, columns=["table", "row", "column", "printed", "targeted", "reason"])


# Tabell 4.1's rows as printed -> the group (helpers.measures.JOB_GROUPS) they describe.
TABELL_4_1_GROUPS = {
    "Alle": "all", "Menn": "male", "Kvinner": "female",
    "24 eller yngre": "age_0", "25 – 29": "age_1", "30 – 39": "age_2", "40 – 49": "age_3",
    "50 eller eldre": "age_4",
    "Norge": "lg_1", "Innvandrere, landgruppe 2": "lg_2", "Innvandrere, landgruppe 3": "lg_3",
    "Grunnskole": "edu_grunnskole", "Videregående skole, GK og VK1": "edu_vgs_grunnkurs",
    "Videregående avsluttet utdanning": "edu_vgs_fullfort",
    "Høyere utdanning, inntil 4 år": "edu_hoyere_kort",
    "Høyere utdanning, over 4 år": "edu_hoyere_lang", "Ukjent utdanningsnivå": "edu_ukjent",
    "Ikke AAP": "aap_ikke_aap", "AAP og psykiske lidelser": "aap_psykisk",
    "AAP og muskel-/skjelettlidelser": "aap_muskel_skjelett",
    "AAP og andre diagnoser": "aap_annen",
    "I jobb ved oppstart av tiltaket": "job_at_entry",
    "Nedsatt arbeidsevne ved oppstart": "na", "Ikke nedsatt arbeidsevne ved oppstart": "not_na",
}
