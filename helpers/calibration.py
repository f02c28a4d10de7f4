"""Calibration of the synthetic generator to the published figures (data/published).

- `targets()`: one row per calibration target, read from data/published (table cells by
  table/row/column; prose statements by fact_id from prose_facts.csv): id, description
  (bokmål), source, target, unit, tolerance, kind (`lik`: |difference| <= tolerance;
  `under` / `over`: an upper / lower bound), calibrated (fitted by `calibrate`), note.
- `published_corrections()`: the printed cells that are targeted at another value, and
  why (NOTES.md items 2-4).
- `calibration_table(frame, extract)`: target, synthetic, difference for every target,
  from the analysis frame of `helpers.spells.build_frame` and, for the history facts of
  Figur 3.5/3.6, helpers.spells' monthly_history / programme_before_entry on the
  extract (a small code path of this module's own, `history()`, is the fallback and a
  cross-check in the tests).
- `calibrate()`: the reproducible fitting step behind synth_parameters.yaml
  (`python -m helpers calibrate`).

DECISIONS (also stated in the targets' notes and in `published_corrections()`):
1. NOTES item 2: the AAP diagnosis rows 'muskel- og skjelettlidelser' and 'psykiske
   lidelser' of Tabell 3.1 and Vedleggstabell 1 are treated as SWAPPED: psykisk = 32.5
   (gammelt) / 23.2 (nytt) in Tabell 3.1 and 23.0 / 22.9 in Vedleggstabell 1. Only then do
   the text's "about 50 % of AAP recipients have a psychiatric diagnosis" and its "about
   10 percentage points" decline fit, and only then does the diagnosis-weighted mean of
   Tabell 4.1 reproduce its 'Alle'.
2. NOTES item 3: Vedleggstabell 1, Kommersielle, '50 eller eldre' prints 31.2, which
   makes the column sum to 105.6; it is targeted at 25.6 = 100 - the other age groups.
3. NOTES item 4: Vedleggstabell 1's N (14 436 / 17 840) differs from Tabell 2.1 (14 431
   / 17 833); counts are targeted at Tabell 2.1.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

PUBLISHED_DIR = Path(__file__).resolve().parent.parent / "data" / "published"

PROGRAMMES = {"Gammelt": "gammelt", "Nytt": "nytt"}
V1_COLUMNS = {"Skjermede": "skjermet", "Kommersielle": "kommersiell"}
T21_ROWS = {"Skjermet": "skjermet", "Kommersiell": "kommersiell", "Ideell": "ideell",
            "* Annet/ukjent": "ukjent"}
AGE_BANDS = ("24 eller yngre", "25 – 29", "30 – 39", "40 – 49", "50 eller eldre")
AGE_EDGES = (24, 29, 39, 49)
EDUCATION = ("grunnskole", "vgs_grunnkurs", "vgs_fullfort", "hoyere_kort", "hoyere_lang", "ukjent")
DIAGNOSES = ("psykisk", "muskel_skjelett", "annen")

SHARE_TOLERANCE = 1.0   # percentage points, Tabell 2.1 / 3.1 / Vedleggstabell 1 shares
AGE_TOLERANCE = 0.3     # years, mean age
MONTHS_TOLERANCE = 0.3  # months, months in job before entry / first-year duration


# --------------------------------------------------------------------------------------
# Reading data/published
# --------------------------------------------------------------------------------------

def _published(name: str, directory: Path | None = None) -> pd.DataFrame:
    """A published table's printed cells (blank cells dropped), value as float."""
    df = pd.read_csv((directory or PUBLISHED_DIR) / f"{name}.csv", dtype=str, keep_default_na=False)
    df = df[df["value"] != ""].copy()
    df["value"] = df["value"].astype(float)
    return df


def _facts(directory: Path | None = None) -> pd.Series:
    df = pd.read_csv((directory or PUBLISHED_DIR) / "prose_facts.csv", dtype=str,
                     keep_default_na=False)
    return df.set_index("fact_id")["value"]


def _cell(df: pd.DataFrame, row: str, column: str, unit: str | None = None) -> float:
    sel = (df["row"] == row) & (df["column"] == column)
    if unit is not None:
        sel &= df["unit"] == unit
    values = df.loc[sel, "value"]
    if len(values) != 1:
        raise KeyError(f"{df['table'].iloc[0]}: no unique cell ({row!r}, {column!r}, {unit!r})")
    return float(values.iloc[0])


def _variable(label: str) -> str | None:
    """Tabell 3.1 / Vedleggstabell 1 row label -> variable key (labels as printed)."""
    lab = label.replace("*", "").strip().lower()
    if lab.startswith("kvinner"):
        return "female"
    if lab == "gjennomsnittsalder":
        return "age_mean"
    for i, band in enumerate(AGE_BANDS):
        if lab == band:
            return f"age_{i}"
    education = {"grunnskole": "grunnskole", "videregående skole, gk og vk1": "vgs_grunnkurs",
                 "videregående avsluttet utdanning": "vgs_fullfort",
                 "høyere utdanning, inntil 4 år": "hoyere_kort",
                 "høyere utdanning, over 4 år": "hoyere_lang", "ukjent": "ukjent"}
    if lab in education:
        return f"edu_{education[lab]}"
    if lab == "ikke aap":
        return "aap_ikke_aap"
    # The printed labels of the two diagnosis rows are swapped (DECISION 1).
    if "muskel" in lab:
        return "aap_psykisk"
    if "psykiske" in lab:
        return "aap_muskel_skjelett"
    if "andre diagnoser" in lab:
        return "aap_annen"
    if lab == "norge":
        return "lg_1"
    if lab.endswith("landgruppe 2"):
        return "lg_2"
    if lab.endswith("landgruppe 3"):
        return "lg_3"
    if lab.startswith("nedsatt arbeidsevne"):
        return "na"
    if lab.startswith("måneder i jobb"):
        return "months_job24"
    if lab.startswith("jobb ved tiltaksstart"):
        return "job_at_entry"
    return None


_VARIABLE_TEXT = {
    "female": "andel kvinner", "age_mean": "gjennomsnittsalder",
    **{f"age_{i}": f"andel {b}" for i, b in enumerate(AGE_BANDS)},
    "edu_grunnskole": "andel grunnskole", "edu_vgs_grunnkurs": "andel vgs GK/VK1",
    "edu_vgs_fullfort": "andel fullført vgs", "edu_hoyere_kort": "andel høyere utd. inntil 4 år",
    "edu_hoyere_lang": "andel høyere utd. over 4 år", "edu_ukjent": "andel ukjent utdanning",
    "aap_ikke_aap": "andel uten AAP", "aap_psykisk": "andel AAP, psykiske lidelser",
    "aap_muskel_skjelett": "andel AAP, muskel-/skjelettlidelser", "aap_annen": "andel AAP, andre diagnoser",
    "lg_1": "andel født i Norge", "lg_2": "andel innvandrere, landgruppe 2",
    "lg_3": "andel innvandrere, landgruppe 3", "na": "andel med nedsatt arbeidsevne",
    "months_job24": "måneder i jobb de 24 månedene før tilgang",
    "job_at_entry": "andel i jobb (streng) i tilgangsmåneden",
}
_SWAP_NOTE = ("Radene for muskel-/skjelett- og psykiske lidelser er tolket som byttet om "
              "(NOTES punkt 2): bare da stemmer teksten om ~50 % psykiske lidelser blant "
              "AAP-mottakerne og nedgangen på ~10 prosentpoeng.")


# --------------------------------------------------------------------------------------
# Statistics on the analysis frame
# --------------------------------------------------------------------------------------

def _band(age: pd.Series) -> np.ndarray:
    return np.searchsorted(np.array(AGE_EDGES), age.to_numpy(dtype=float), side="left")


def _pct(mask) -> float:
    mask = np.asarray(mask, dtype=float)
    return float(100.0 * mask.mean()) if len(mask) else np.nan


def statistic(frame: pd.DataFrame, key: str) -> float:
    """One characteristic of a (sub)frame, in percent (or years / months)."""
    if len(frame) == 0:
        return np.nan
    if key == "count":
        return float(len(frame))
    if key == "female":
        return _pct(frame["female"].to_numpy(dtype=bool))
    if key == "age_mean":
        return float(frame["age"].astype(float).mean())
    if key.startswith("age_"):
        return _pct(_band(frame["age"]) == int(key[4:]))
    if key.startswith("edu_"):
        return _pct(frame["education"].astype(object).to_numpy() == key[4:])
    if key == "aap_any":
        return _pct(frame["aap_diagnosis"].astype(object).to_numpy() != "ikke_aap")
    if key.startswith("aap_"):
        return _pct(frame["aap_diagnosis"].astype(object).to_numpy() == key[4:])
    if key.startswith("lg_"):
        return _pct(frame["landgruppe"].to_numpy(dtype=float) == int(key[3:]))
    if key == "na":
        return _pct(frame["reduced_capacity"].to_numpy(dtype=bool))
    if key == "job_at_entry":
        return _pct(frame["job_at_entry"].to_numpy(dtype=bool))
    if key == "months_job24":
        return float(frame["months_in_job_24"].astype(float).mean())
    if key.startswith("job_"):  # job_12 / job_18 / job_24 among the observed
        values = frame[key].dropna()
        return _pct(values.to_numpy(dtype=bool))
    if key.startswith("psych_of_aap"):
        aap = frame["aap_diagnosis"].astype(object)
        aap = aap[aap != "ikke_aap"]
        return _pct(aap.to_numpy() == "psykisk")
    if key == "duration_first_year":
        return float(frame["duration_first_year"].astype(float).mean())
    if key.startswith("still_in_"):  # S(k): share still in the programme k months on
        k = int(key[9:])
        d = frame["duration"].to_numpy(dtype=float)
        c = frame["duration_censored"].to_numpy(dtype=bool)
        observed = ~c | (d > k)
        return _pct(d[observed] > k)
    if key.startswith("ended_by_"):
        return 100.0 - statistic(frame, "still_in_" + key[9:])
    raise KeyError(key)


def _year(frame: pd.DataFrame) -> np.ndarray:
    return frame["entry_month"].astype(str).str[:4].astype(int).to_numpy()


def history(frame: pd.DataFrame, extract) -> pd.DataFrame:
    """Per entrant: NAV status 1 and 24 months before the entry month (nedsatt / annen /
    ingen) and whether the person was in any programme other than a follow-up programme
    the month before (Figur 3.5 and 3.6). A small code path of this module's own: the
    fallback when helpers.spells lacks the history functions, and a cross-check."""
    from helpers.contract import FOLLOW_UP_CODES, REDUCED_CAPACITY_GROUPS
    from helpers.spells import month_number

    last = extract.uttrekksdato.year * 12 + extract.uttrekksdato.month - 1
    ent = pd.DataFrame({"person_id": frame["person_id"].astype(object).to_numpy(),
                        "M": (_year(frame) * 12 + frame["entry_month"].astype(str).str[5:7]
                              .astype(int).to_numpy() - 1)})
    out = pd.DataFrame(index=range(len(frame)))

    def covering(spells: pd.DataFrame, offset: int, flag: np.ndarray | None = None):
        s = pd.DataFrame({"person_id": spells["person_id"].astype(object).to_numpy(),
                          "a": month_number(spells["fra_dato"]).to_numpy(dtype=float),
                          "b": month_number(spells["til_dato"]).fillna(last).to_numpy(dtype=float),
                          "f": np.ones(len(spells), bool) if flag is None else flag})
        j = ent.reset_index().merge(s, on="person_id", how="inner")
        t = j["M"] - offset
        j = j[(j["a"] <= t) & (j["b"] >= t)]
        anyc = np.zeros(len(ent), bool)
        anyc[j["index"].to_numpy()] = True
        flagged = np.zeros(len(ent), bool)
        flagged[j.loc[j["f"], "index"].to_numpy()] = True
        return anyc, flagged

    status = extract["brukerstatus"]
    red = status["innsatsgruppe"].isin(REDUCED_CAPACITY_GROUPS).to_numpy(dtype=bool)
    for k in (1, 24):
        anyc, na = covering(status, k, red)
        out[f"status_{k}"] = np.where(na, "nedsatt", np.where(anyc, "annen", "ingen"))
    tiltak = extract["tiltak"]
    other = tiltak[~tiltak["tiltakskode"].isin(FOLLOW_UP_CODES).to_numpy(dtype=bool)]
    out["programme_1"] = covering(other, 1)[0]
    return out


# --------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------

@dataclass
class _Target:
    id: str
    description: str
    source: str
    target: float
    unit: str
    tolerance: float
    kind: str = "lik"           # lik | under | over
    calibrated: bool = False
    note: str = ""
    compute: Callable | None = None  # (context) -> float


class _Context:
    """The frame and extract a calibration table is computed from, with cached parts."""

    def __init__(self, frame: pd.DataFrame, extract=None):
        self.frame = frame
        self.extract = extract
        self.year = _year(frame)
        self._history = None

    def sel(self, programme=None, provider=None, years=None, code=None) -> pd.DataFrame:
        f = self.frame
        mask = np.ones(len(f), bool)
        if programme is not None:
            progs = (programme,) if isinstance(programme, str) else programme
            mask &= f["programme"].isin(progs).to_numpy(dtype=bool)
        if provider is not None:
            mask &= (f["provider_type"].astype(object) == provider).to_numpy(dtype=bool)
        if years is not None:
            mask &= (self.year >= years[0]) & (self.year <= years[1])
        if code is not None:
            mask &= (f["programme_code"].astype(object) == code).to_numpy(dtype=bool)
        return f[mask]

    def history_shares(self) -> dict | None:
        """{(programme, measure): percent} for measure in status_1:nedsatt,
        status_1:annen, status_24:annen, programme_1:ingen. Uses helpers.spells'
        monthly_history / programme_before_entry (the report's own code) when present,
        else this module's history()."""
        if self.extract is None:
            return None
        if self._history is None:
            self._history = history_shares(self.frame, self.extract)
        return self._history

    def history_share(self, programme: str, measure: str) -> float:
        shares = self.history_shares()
        return np.nan if shares is None else shares.get((programme, measure), np.nan)


def history_shares(frame: pd.DataFrame, extract) -> dict:
    """Figur 3.5/3.6 shares by programme (see _Context.history_shares)."""
    frame = frame[frame["programme"].isin(["gammelt", "nytt"]).to_numpy(dtype=bool)]
    out = {}
    try:
        from helpers.spells import (NO_PROGRAMME, build_grid, monthly_history,
                                    programme_before_entry)
    except ImportError:
        h = history(frame, extract)
        for prog in ("gammelt", "nytt"):
            mask = (frame["programme"] == prog).to_numpy(dtype=bool)
            out[(prog, "status_1:nedsatt")] = _pct(h.loc[mask, "status_1"] == "nedsatt")
            out[(prog, "status_1:annen")] = _pct(h.loc[mask, "status_1"] == "annen")
            out[(prog, "status_24:annen")] = _pct(h.loc[mask, "status_24"] == "annen")
            out[(prog, "programme_1:ingen")] = _pct(~h.loc[mask, "programme_1"].to_numpy(dtype=bool))
        return out
    mh = monthly_history(build_grid(extract), frame, by="programme").set_index(
        ["group", "measure", "relative_month"])["share"]
    before = programme_before_entry(extract, frame)
    for prog in ("gammelt", "nytt"):
        out[(prog, "status_1:nedsatt")] = float(mh[(prog, "reduced_capacity", -1)])
        out[(prog, "status_1:annen")] = float(mh[(prog, "other_registered", -1)])
        out[(prog, "status_24:annen")] = float(mh[(prog, "other_registered", -24)])
        mask = (frame["programme"] == prog).to_numpy(dtype=bool)
        out[(prog, "programme_1:ingen")] = _pct(before[mask].to_numpy() == NO_PROGRAMME)
    return out


def _specs(directory: Path | None = None) -> list[_Target]:
    """Every target with the way its synthetic value is computed."""
    specs: list[_Target] = []
    both = ("gammelt", "nytt")

    # Tabell 2.1: entrants by provider type; counts and shares.
    t21 = _published("tabell_2_1", directory)
    for column, prog in PROGRAMMES.items():
        total = _cell(t21, "Sum", column, "count")
        specs.append(_Target(
            f"t21_sum_{prog}_antall", f"Antall tilganger, {prog} tiltak", "Tabell 2.1 Sum",
            total, "antall", 0.0, calibrated=True,
            note="Eksakt per konstruksjon (populasjon = første tilgang 2013–2018).",
            compute=lambda c, p=prog: statistic(c.sel(p), "count")))
        for row, ptype in T21_ROWS.items():
            specs.append(_Target(
                f"t21_{ptype}_{prog}_antall", f"Antall tilganger hos {ptype} leverandør, {prog} tiltak",
                f"Tabell 2.1 {row} (antall)", _cell(t21, row, column, "count"), "antall",
                round(total * SHARE_TOLERANCE / 100), calibrated=True,
                note="Toleranse: 1 % av summen (tilsvarer 1 prosentpoeng).",
                compute=lambda c, p=prog, t=ptype: statistic(c.sel(p, provider=t), "count")))
            specs.append(_Target(
                f"t21_{ptype}_{prog}_andel", f"Andel tilganger hos {ptype} leverandør, {prog} tiltak",
                f"Tabell 2.1 {row} (prosent)", _cell(t21, row, column, "percent"), "prosent",
                SHARE_TOLERANCE, calibrated=True,
                compute=lambda c, p=prog, t=ptype: 100 * len(c.sel(p, provider=t)) / max(len(c.sel(p)), 1)))

    # Tabell 3.1 and Vedleggstabell 1: characteristics at entry.
    def table_rows(name, columns, select, label):
        df = _published(name, directory)
        for _, r in df.iterrows():
            var = _variable(r["row"])
            if var is None or r["column"] not in columns:
                continue
            key = columns[r["column"]]
            value = float(r["value"])
            note = ""
            if var.startswith("aap_") and var != "aap_ikke_aap":
                note = _SWAP_NOTE
            if name == "vedlegg_1" and var == "age_4" and key == "kommersiell":
                others = df[(df["column"] == r["column"]) & df["row"].isin(AGE_BANDS[:4])]["value"].sum()
                note = (f"Trykt {value:g}; kolonnen summerer da til {others + value:.1f}. Målet er "
                        f"100 − de andre aldersgruppene = {100 - others:.1f} (NOTES punkt 3).")
                value = round(100 - others, 1)
            unit, tol = {"age_mean": ("år", AGE_TOLERANCE),
                         "months_job24": ("måneder", MONTHS_TOLERANCE)}.get(var, ("prosent", SHARE_TOLERANCE))
            specs.append(_Target(
                f"{label}_{var}_{key}", f"{_VARIABLE_TEXT[var].capitalize()}, {key}",
                f"{'Tabell 3.1' if name == 'tabell_3_1' else 'Vedleggstabell 1'} {r['row']} ({r['column']})",
                value, unit, tol, calibrated=True, note=note,
                compute=lambda c, k=key, v=var: statistic(select(c, k), v)))

    table_rows("tabell_3_1", PROGRAMMES, lambda c, k: c.sel(k), "t31")
    table_rows("vedlegg_1", V1_COLUMNS, lambda c, k: c.sel("nytt", provider=k), "v1")

    # Tabell 4.1 'Alle': in job (strict) 12 months after entry, entrants 2013-2017.
    t41 = _published("tabell_4_1", directory)
    for column, prog in PROGRAMMES.items():
        specs.append(_Target(
            f"t41_alle_{prog}", f"Andel i jobb (streng) 12 måneder etter tilgang, {prog} (tilgang 2013–2017)",
            f"Tabell 4.1 Alle ({column})", _cell(t41, "Alle", column), "prosent", SHARE_TOLERANCE,
            calibrated=True, compute=lambda c, p=prog: statistic(c.sel(p, years=(2013, 2017)), "job_12")))

    # Prose facts (values read by fact_id).
    facts = _facts(directory)

    def fact(fid, description, compute, tol, kind="lik", calibrated=False, note="", value=None):
        specs.append(_Target(fid, description, f"prose_facts {fid}",
                             float(facts[fid]) if value is None else value, "prosent", tol,
                             kind, calibrated, note, compute))

    approx = "«rundt»/«om lag» i teksten."
    fact("p001_fig4_1_job_start_old", "Andel i jobb (streng) ved tilgang, gammelt",
         lambda c: statistic(c.sel("gammelt"), "job_at_entry"), 1.0, calibrated=True)
    fact("p001_fig4_1_job_start_new", "Andel i jobb (streng) ved tilgang, nytt",
         lambda c: statistic(c.sel("nytt"), "job_at_entry"), 1.0,
         note="Kalibreres via Vedleggstabell 1 (skjermede/kommersielle) og nytt/andre leverandører.")
    fact("p001_fig4_1_job_24m_old", "Andel i jobb (streng) 24 måneder etter tilgang, gammelt",
         lambda c: statistic(c.sel("gammelt"), "job_24"), 2.0, calibrated=True)
    fact("p001_fig4_1_job_24m_new", "Andel i jobb (streng) 24 måneder etter tilgang, nytt",
         lambda c: statistic(c.sel("nytt"), "job_24"), 2.0, calibrated=True)
    # Figur 3.3 / 3.4: trends by entry year (old and new together).
    fact("p001_fig3_3_na_2013_2015", "Nedsatt arbeidsevne ved tilgang, tilgangsår 2013–2015",
         lambda c: statistic(c.sel(both, years=(2013, 2015)), "na"), 3.0, note=approx)
    fact("p001_fig3_3_na_2016", "Nedsatt arbeidsevne ved tilgang, tilgangsår 2016",
         lambda c: statistic(c.sel(both, years=(2016, 2016)), "na"), 3.0, note=approx)
    for y in (2017, 2018):
        specs.append(_Target(
            f"p001_fig3_3_na_2017_2018_{y}", f"Nedsatt arbeidsevne ved tilgang, tilgangsår {y}",
            "prose_facts p001_fig3_3_na_2017_2018", float(facts["p001_fig3_3_na_2017_2018"]),
            "prosent", 0.0, "under", note="«godt under 60 prosent»: øvre grense.",
            compute=lambda c, y=y: statistic(c.sel(both, years=(y, y)), "na")))
    fact("p001_fig3_3_aap_2013", "Andel med AAP ved tilgang, tilgangsår 2013",
         lambda c: statistic(c.sel(both, years=(2013, 2013)), "aap_any"), 0.0, "under",
         note="«noe under 70 prosent»: øvre grense.")
    fact("p001_fig3_3_aap_2018", "Andel med AAP ved tilgang, tilgangsår 2018",
         lambda c: statistic(c.sel(both, years=(2018, 2018)), "aap_any"), 0.0, "under",
         note="«godt under 50 prosent»: øvre grense.")
    fact("p001_fig3_4_psych_share_of_aap", "Psykiske lidelser som andel av AAP-mottakerne, 2013–2018",
         lambda c: statistic(c.sel(both), "psych_of_aap"), 3.0, note=approx + " " + _SWAP_NOTE)
    specs.append(_Target(
        "p001_fig3_4_psych_share_all_decline",
        "Nedgang i andel med AAP og psykiske lidelser blant alle tilganger, 2013 til 2018 (prosentpoeng)",
        "prose_facts p001_fig3_4_psych_share_all_decline",
        float(facts["p001_fig3_4_psych_share_all_decline"]), "prosentpoeng", 3.0, note=approx,
        compute=lambda c: statistic(c.sel(both, years=(2013, 2013)), "aap_psykisk")
        - statistic(c.sel(both, years=(2018, 2018)), "aap_psykisk")))
    # Figur 3.5 / 3.6: history before entry (own code path, see history()).
    fact("p001_fig3_5_na_month_before_old", "Nedsatt arbeidsevne måneden før tilgang, gammelt",
         lambda c: c.history_share("gammelt", "status_1:nedsatt"), 3.0, note="«oppunder 80 prosent».")
    fact("p001_fig3_5_na_month_before_new", "Nedsatt arbeidsevne måneden før tilgang, nytt",
         lambda c: c.history_share("nytt", "status_1:nedsatt"), 3.0, note="«oppunder 60 prosent».")
    for prog in both:
        specs.append(_Target(
            f"p001_fig3_5_other_users_24m_{prog}", f"Andre NAV-brukere 24 måneder før tilgang, {prog}",
            "prose_facts p001_fig3_5_other_users_24m", float(facts["p001_fig3_5_other_users_24m"]),
            "prosent", 5.0, note="«rundt 30 prosent» i begge grupper.",
            compute=lambda c, p=prog: c.history_share(p, "status_24:annen")))
    fact("p001_fig3_5_other_users_month_before_old", "Andre NAV-brukere måneden før tilgang, gammelt",
         lambda c: c.history_share("gammelt", "status_1:annen"), 4.0, note=approx)
    fact("p001_fig3_5_other_users_month_before_new", "Andre NAV-brukere måneden før tilgang, nytt",
         lambda c: c.history_share("nytt", "status_1:annen"), 4.0, note=approx)
    low, high = float(facts["p001_fig3_6_no_programme_low"]), float(facts["p001_fig3_6_no_programme_high"])
    for prog in both:
        specs.append(_Target(
            f"p001_fig3_6_no_programme_{prog}", f"Ikke i noe arbeidsrettet tiltak måneden før tilgang, {prog}",
            "prose_facts p001_fig3_6_no_programme_low/_high", (low + high) / 2, "prosent",
            (high - low) / 2, note=f"«mellom {low:g} og {high:g} prosent».",
            compute=lambda c, p=prog: c.history_share(p, "programme_1:ingen")))
    # Figur 2.9 and ch. 6.1: durations.
    for prog in both:
        specs.append(_Target(
            f"p001_fig2_9_ended_by_6m_{prog}", f"Andel som har avsluttet tiltaket etter 6 måneder, {prog}",
            "prose_facts p001_fig2_9_ended_by_6m", float(facts["p001_fig2_9_ended_by_6m"]), "prosent",
            0.0, "over", note="«mer enn 50 prosent»: nedre grense.",
            compute=lambda c, p=prog: statistic(c.sel(p), "ended_by_6")))
    fact("p001_fig2_9_ended_by_2m", "Andel som har avsluttet tiltaket etter 2 måneder (gammelt og nytt)",
         lambda c: statistic(c.sel(both), "ended_by_2"), 3.0)
    fact("p001_fig2_9_remaining_12m_new", "Andel fortsatt i tiltaket etter 12 måneder, nytt",
         lambda c: statistic(c.sel("nytt"), "still_in_12"), 0.0, "under",
         note="«i underkant av 20 prosent»: øvre grense.")
    fact("p001_fig2_9_remaining_12m_old", "Andel fortsatt i tiltaket etter 12 måneder, gammelt",
         lambda c: statistic(c.sel("gammelt"), "still_in_12"), 3.0, note=approx)
    fact("p001_fig2_9_remaining_24m_new", "Andel fortsatt i tiltaket etter 24 måneder, nytt",
         lambda c: statistic(c.sel("nytt"), "still_in_24"), 2.0)
    fact("p001_fig2_9_remaining_24m_old", "Andel fortsatt i tiltaket etter 24 måneder, gammelt",
         lambda c: statistic(c.sel("gammelt"), "still_in_24"), 2.0)
    for fid, text, kw in (
            ("p001_duration_ab_first_year", "Arbeid med bistand",
             dict(programme="gammelt", code="ARBEID_MED_BISTAND")),
            ("p001_duration_old_oppf_first_year", "gammelt Oppfølging",
             dict(programme="gammelt", code="OPPFOLGING")),
            ("p001_duration_new_first_year", "nytt tiltak (tilgang til og med 2017)",
             dict(programme="nytt", years=(2013, 2017)))):
        specs.append(_Target(
            fid, f"Gjennomsnittlig varighet første år (måneder), {text}", f"prose_facts {fid}",
            float(facts[fid]), "måneder", MONTHS_TOLERANCE,
            compute=lambda c, kw=kw: statistic(c.sel(**kw), "duration_first_year")))
    return specs


def targets(directory: str | Path | None = None) -> pd.DataFrame:
    """The calibration targets, read from data/published: id, description, source, target,
    unit, tolerance, kind, calibrated, note."""
    specs = _specs(Path(directory) if directory else None)
    return pd.DataFrame([{k: getattr(s, k) for k in
                          ("id", "description", "source", "target", "unit", "tolerance", "kind",
                           "calibrated", "note")} for s in specs])


def published_corrections(directory: str | Path | None = None) -> pd.DataFrame:
    """Printed cells that the calibration targets at another value, and why:
    table, row, column, printed, targeted, reason."""
    d = Path(directory) if directory else None
    rows = []
    swap = ("Radene er trolig byttet om (NOTES punkt 2): med byttede etiketter er psykiske "
            "lidelser ~50 % av AAP-mottakerne og faller ~10 prosentpoeng, som teksten sier, og "
            "det diagnosevektede snittet av Tabell 4.1 gir 'Alle'.")
    for name, columns in (("tabell_3_1", PROGRAMMES), ("vedlegg_1", V1_COLUMNS)):
        df = _published(name, d)
        musk = df[df["row"].str.contains("muskel")]
        psyk = df[df["row"].str.contains("psykiske")]
        for column in columns:
            m = musk[musk["column"] == column].iloc[0]
            p = psyk[psyk["column"] == column].iloc[0]
            rows.append((name, m["row"], column, m["value"], p["value"], swap))
            rows.append((name, p["row"], column, p["value"], m["value"], swap))
    v1 = _published("vedlegg_1", d)
    col = v1[v1["column"] == "Kommersielle"]
    others = col[col["row"].isin(AGE_BANDS[:4])]["value"].sum()
    printed = float(col[col["row"] == AGE_BANDS[4]]["value"].iloc[0])
    rows.append(("vedlegg_1", AGE_BANDS[4], "Kommersielle", printed, round(100 - others, 1),
                 f"Aldersfordelingen summerer til {others + printed:.1f}; trolig trykkfeil "
                 f"(NOTES punkt 3). Målet er 100 − de andre gruppene."))
    t21 = _published("tabell_2_1", d)
    for column, row in (("Skjermede", "Skjermet"), ("Kommersielle", "Kommersiell")):
        rows.append(("vedlegg_1", "Totalt antall personer", column,
                     _cell(v1, "Totalt antall personer", column), _cell(t21, row, "Nytt", "count"),
                     "N avviker fra Tabell 2.1 (+5/+7, NOTES punkt 4); antall kalibreres mot Tabell 2.1."))
    return pd.DataFrame(rows, columns=["table", "row", "column", "printed", "targeted", "reason"])


def calibration_table(frame: pd.DataFrame, extract=None, target_table: pd.DataFrame | None = None,
                      scale: float = 1.0) -> pd.DataFrame:
    """Target, synthetic value and difference (synthetic - target) for every target, from
    the analysis frame (and the extract, for the history facts; without it those are NaN).
    `ok` says whether the synthetic value meets the target: |difference| <= tolerance for
    kind 'lik', synthetic <= target for 'under', >= target for 'over'. `scale`: the
    synthetic extract's scale; count targets (unit 'antall') are round(scale * count)."""
    specs = {s.id: s for s in _specs()}
    table = targets() if target_table is None else target_table.copy()
    if scale != 1.0:
        counts = table["unit"] == "antall"
        table.loc[counts, "target"] = np.round(table.loc[counts, "target"] * scale)
        table.loc[counts, "tolerance"] = np.round(table.loc[counts, "tolerance"] * scale)
    ctx = _Context(frame, extract)
    synthetic = []
    for tid in table["id"]:
        spec = specs.get(tid)
        synthetic.append(np.nan if spec is None else float(spec.compute(ctx)))
    table["synthetic"] = np.round(np.array(synthetic, dtype=float), 2)
    table["difference"] = np.round(table["synthetic"] - table["target"], 2)
    diff = table["synthetic"] - table["target"]
    tol = table["tolerance"] + 1e-9
    ok = np.where(table["kind"] == "under", diff <= tol,
                  np.where(table["kind"] == "over", diff >= -tol, diff.abs() <= tol))
    table["ok"] = ok & table["synthetic"].notna()
    cols = ["id", "description", "source", "target", "synthetic", "difference", "tolerance",
            "unit", "kind", "ok", "calibrated", "note"]
    return table[cols]


def format_table(table: pd.DataFrame) -> str:
    """The calibration table as plain text (id, target, synthetic, difference, ok)."""
    lines = [f"{'mål':<44} {'publisert':>10} {'syntetisk':>10} {'differanse':>10}  tol.  ok"]
    for _, r in table.iterrows():
        bound = {"under": "<=", "over": ">="}.get(r["kind"], "±")
        lines.append(f"{r['id']:<44} {r['target']:>10.1f} {r['synthetic']:>10.2f} "
                     f"{r['difference']:>10.2f}  {bound}{r['tolerance']:<4g} {'ja' if r['ok'] else 'NEI'}")
    n_ok = int(table["ok"].sum())
    lines.append(f"{n_ok} av {len(table)} mål innenfor toleransen.")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------

# Intercept group -> (targets' prefix and key, frame selection) for characteristics.
_GROUP_TARGETS = {
    "gammelt": ("t31", "gammelt", dict(programme="gammelt")),
    "nytt_skjermet": ("v1", "skjermet", dict(programme="nytt", provider="skjermet")),
    "nytt_kommersiell": ("v1", "kommersiell", dict(programme="nytt", provider="kommersiell")),
    # New programme with ideell/ukjent providers: targets Tabell 3.1 'Nytt'.
    "nytt_annet": ("t31", "nytt", None),
}
_JOB_AT_ENTRY = {"gammelt": "p001_fig4_1_job_start_old", "nytt_annet": "p001_fig4_1_job_start_new"}


def _fmt(v: float) -> str:
    return np.format_float_positional(float(f"{float(v):.6g}"), trim="-")


def _round(v):
    if isinstance(v, list):
        return [_round(x) for x in v]
    return float(_fmt(v))


def _format_value(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items()) + "}"
    return _fmt(v)


def update_parameter_text(text: str, updates: dict[tuple, object]) -> str:
    """Rewrite the values of `updates` ({key path: value}) in a YAML text, keeping every
    comment and all other lines byte for byte. A value is rewritten only where its key and
    value share one line (block mappings; values scalars, flow lists or flow maps)."""
    out, stack, done = [], [], set()
    pattern = re.compile(r"^(\s*)([A-Za-z0-9_æøåÆØÅ]+):(\s*)(.*)$")
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        m = pattern.match(body)
        if not m or body.lstrip().startswith("#"):
            out.append(line)
            continue
        indent, key, space, value = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = tuple(k for _, k in stack) + (key,)
        if value.strip() == "" or value.strip().startswith("#"):
            stack.append((indent, key))
            out.append(line)
            continue
        if path in updates:
            comment = ""
            if " #" in value and not value.strip().startswith(("[", "{")):
                value, comment = value.split(" #", 1)
                comment = " #" + comment
            newline = "\n" if line.endswith("\n") else ""
            out.append(f"{m.group(1)}{key}:{space or ' '}{_format_value(updates[path])}{comment}{newline}")
            done.add(path)
        else:
            out.append(line)
    missing = set(updates) - done
    if missing:
        raise KeyError(f"not found in the parameter file: {sorted(missing)}")
    return "".join(out)


def _get(params: dict, path: tuple):
    for k in path:
        params = params[k]
    return params


def _set(params: dict, path: tuple, value):
    for k in path[:-1]:
        params = params[k]
    params[path[-1]] = value


def _logit(p):
    p = min(max(float(p), 1e-6), 1 - 1e-6)
    return np.log(p / (1 - p))


def _expit(x):
    return float(1 / (1 + np.exp(-x)))


def _shift_binary(p, observed, target, damp=1.0, lo=1e-5, hi=0.995):
    if not np.isfinite(observed) or observed <= 0 or observed >= 100:
        return p
    x = _logit(p) + damp * (_logit(target / 100) - _logit(observed / 100))
    return min(max(_expit(x), lo), hi)


def _shift_vector(p, observed, target, damp=1.0):
    p = np.array(p, dtype=float)
    obs = np.array(observed, dtype=float)
    tgt = np.array(target, dtype=float)
    ratio = np.where((obs > 0) & (tgt > 0), (np.maximum(tgt, 1e-3) / np.maximum(obs, 1e-3)) ** damp, 1.0)
    ratio = np.where((tgt == 0) & (obs > 0), 0.5, ratio)
    new = p * ratio
    return list(new / new.sum())


def _fit_step(params: dict, ctx: _Context, tv: dict[str, float], damp: float = 1.0) -> dict:
    """One fitting step: returns {path: new value} for every calibrated parameter."""
    updates: dict[tuple, object] = {}
    f = ctx.frame
    # Provider types (Tabell 2.1 counts).
    for prog in ("gammelt", "nytt"):
        sub = ctx.sel(prog)
        obs = [statistic(sub[sub["provider_type"].astype(object) == t], "count") if len(sub) else 0
               for t in ("skjermet", "kommersiell", "ideell", "ukjent")]
        obs = [0.0 if not np.isfinite(o) else o for o in obs]
        tgt = [tv[f"t21_{t}_{prog}_antall"] for t in ("skjermet", "kommersiell", "ideell", "ukjent")]
        path = ("leverandortype", prog)
        updates[path] = _shift_vector(_get(params, path), obs, tgt, damp)

    for group, (prefix, key, selection) in _GROUP_TARGETS.items():
        if selection is None:
            sub = f[(f["programme"] == "nytt").to_numpy(dtype=bool)
                    & f["provider_type"].isin(["ideell", "ukjent"]).to_numpy(dtype=bool)]
        else:
            sub = ctx.sel(**selection)
        if len(sub) == 0:
            continue
        g = params["grupper"][group]
        base = ("grupper", group)

        def t(var):
            return tv[f"{prefix}_{var}_{key}"]

        updates[base + ("kvinne",)] = _shift_binary(g["kvinne"], statistic(sub, "female"), t("female"), damp)
        obs = [statistic(sub, f"age_{i}") for i in range(5)]
        updates[base + ("alder",)] = _shift_vector(g["alder"], obs, [t(f"age_{i}") for i in range(5)], damp)
        share50 = max(statistic(sub, "age_4") / 100, 0.05)
        step = (t("age_mean") - statistic(sub, "age_mean")) / share50
        updates[base + ("alder_50pluss",)] = min(max(g["alder_50pluss"] + damp * step, 0.5), 15.0)
        obs = [statistic(sub, f"lg_{i}") for i in (1, 2, 3)]
        updates[base + ("landgruppe",)] = _shift_vector(g["landgruppe"], obs, [t(f"lg_{i}") for i in (1, 2, 3)], damp)
        obs = [statistic(sub, f"edu_{e}") for e in EDUCATION]
        updates[base + ("utdanning",)] = _shift_vector(g["utdanning"], obs, [t(f"edu_{e}") for e in EDUCATION], damp)
        updates[base + ("nedsatt",)] = _shift_binary(g["nedsatt"], statistic(sub, "na"), t("na"), damp)
        updates[base + ("aap",)] = _shift_binary(g["aap"], statistic(sub, "aap_any"), 100 - t("aap_ikke_aap"), damp)
        aap_obs = max(statistic(sub, "aap_any"), 1e-9)
        obs = [statistic(sub, f"aap_{d}") / aap_obs for d in DIAGNOSES]
        tgt = [t(f"aap_{d}") / (100 - t("aap_ikke_aap")) for d in DIAGNOSES]
        updates[base + ("diagnose",)] = _shift_vector(g["diagnose"], obs, tgt, damp)
        job_target = tv[_JOB_AT_ENTRY[group]] if group in _JOB_AT_ENTRY else t("job_at_entry")
        updates[base + ("jobb_ved_start",)] = _shift_binary(
            g["jobb_ved_start"], statistic(sub, "job_at_entry"), job_target, damp)
        if prefix == "v1":
            obs = statistic(sub, "months_job24")
            q = g["tidligere_jobb"] * (t("months_job24") / obs) ** damp if obs > 0 else g["tidligere_jobb"]
            updates[base + ("tidligere_jobb",)] = min(max(q, 0.01), 0.98)

    # Job outcomes: the hazard level pins 12 months (Tabell 4.1), the second-year factor 24.
    for prog, t12, t24 in (("gammelt", "t41_alle_gammelt", "p001_fig4_1_job_24m_old"),
                           ("nytt", "t41_alle_nytt", "p001_fig4_1_job_24m_new")):
        o12 = statistic(ctx.sel(prog, years=(2013, 2017)), "job_12")
        o24 = statistic(ctx.sel(prog), "job_24")
        lh = params["utfall"]["log_hazard"][prog]
        updates[("utfall", "log_hazard")] = updates.get(("utfall", "log_hazard"),
                                                       dict(params["utfall"]["log_hazard"]))
        updates[("utfall", "log_hazard")][prog] = lh + damp * 1.3 * (
            _logit(tv[t12] / 100) - _logit(o12 / 100))
        a2 = params["utfall"]["ar2"][prog]
        updates[("utfall", "ar2")] = updates.get(("utfall", "ar2"), dict(params["utfall"]["ar2"]))
        gap_t, gap_o = tv[t24] - tv[t12], o24 - o12
        factor = (max(gap_t, 0.5) / max(gap_o, 0.5)) ** damp if np.isfinite(gap_o) else 1.0
        updates[("utfall", "ar2")][prog] = min(max(a2 * factor, 0.05), 3.0)
    return {k: _round(v) if not isinstance(v, dict) else {kk: _round(vv) for kk, vv in v.items()}
            for k, v in updates.items()}


def _evaluate(params: dict, scale: float, seed: int):
    from helpers.spells import build_frame
    from helpers.synth import extract_in_memory, generate

    tables, meta = generate(scale, seed, params)
    extract = extract_in_memory(tables, meta)
    frame = build_frame(extract)
    return frame, extract


def calibrate(scale: float = 1.0, seed: int | None = None, iterations: int = 12,
              write: bool = True, path: str | Path | None = None, damp: float = 1.0,
              verbose: bool = True) -> pd.DataFrame:
    """Fit the calibrated parameters of synth_parameters.yaml to the targets.

    Reproducible: generate (scale, seed) -> analysis frame (helpers.spells.build_frame) ->
    compare with targets() -> shift each calibrated parameter toward its target (logit
    shifts for probabilities, log-ratio shifts for category probabilities, direct
    solves for the mean age and months in job) -> repeat until every calibrated target
    is well within its tolerance (40 % of it) or `iterations` is reached. Writes the
    values back into the parameter file (comments kept) and returns the final
    calibration table (computed with exactly the written values).
    """
    from helpers.synth import DEFAULT_SEED, PARAMETERS_FILE, load_parameters

    seed = DEFAULT_SEED if seed is None else seed
    path = Path(path or PARAMETERS_FILE)
    params = load_parameters(path)
    tt = targets()
    tv = dict(zip(tt["id"], tt["target"]))
    applied: dict[tuple, object] = {}
    table = None
    for it in range(iterations + 1):
        t0 = time.perf_counter()
        frame, extract = _evaluate(params, scale, seed)
        ctx = _Context(frame, extract)
        table = calibration_table(frame, extract, tt)
        cal = table[table["calibrated"]]
        worst = (cal["difference"].abs() / cal["tolerance"].replace(0, np.nan)).max()
        if verbose:
            bad = int((~cal["ok"]).sum())
            print(f"iterasjon {it}: {bad} kalibrerte mål utenfor toleransen, største "
                  f"avvik/toleranse {worst:.2f} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
        if worst <= 0.4 or it == iterations:
            break
        updates = _fit_step(params, ctx, tv, damp)
        for p, v in updates.items():
            _set(params, p, v)
        applied.update(updates)
    if write and applied:
        text = path.read_text(encoding="utf-8")
        final = {p: _get(params, p) for p in applied}
        path.write_text(update_parameter_text(text, final), encoding="utf-8")
    return table


def cli(argv: list[str]) -> int:
    """`python -m helpers calibrate [--scale S] [--seed N] [--iterations K] [--dry-run]`:
    fit synth_parameters.yaml to data/published and print the calibration table."""
    parser = argparse.ArgumentParser(prog="python -m helpers calibrate", description=cli.__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--iterations", type=int, default=12)
    parser.add_argument("--damp", type=float, default=1.0)
    parser.add_argument("--dry-run", action="store_true", help="do not write the parameter file")
    args = parser.parse_args(argv)
    table = calibrate(args.scale, args.seed, args.iterations, write=not args.dry_run, damp=args.damp)
    print(format_table(table))
    return 0 if table.loc[table["calibrated"], "ok"].all() else 1
