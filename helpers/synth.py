"""The synthetic extract: a documented generative model of persons and their spells.

`python -m helpers synth OUTDIR [--scale S] [--seed N]` writes an extract in the shape of
DATA_CONTRACT.md (kilde = "syntetisk") covering 2010-2020; `generate()` returns the same
tables in memory. Every number the model uses is in `synth_parameters.yaml`, documented
there with the published figure that pins it down; `helpers.calibration` fits the
calibrated ones to data/published.

The model, in the order it is drawn (months are integers `year * 12 + month - 1`):

1. Structure. 18 counties with a transition date (`overgang`, 1st of a month, 2015-2016)
   and a last month for new Arbeid med bistand entrants; NAV offices per county; a
   growing set of offices that run Utvidet oppfølging from 2017; providers of the four
   types serving each county in the old and in the new period.
2. Persons, by kind: the population (first entry in 2013-2018 into the old or the new
   programme: exactly round(scale * 46 865) and round(scale * 32 851)); Utvidet
   entrants from 2017; follow-up entrants before 2013 and after 2018; NAV users who never
   take part. Each follow-up person gets a designed entry month, county and office (old
   entrants in (county, month) cells before the county's transition, new ones on or
   after it, with a national intensity by year and month), a programme code and a
   provider (type first, then a provider of that type in the county).
3. Characteristics at entry, by intercept group (programme x provider type): sex, age
   band and age, country group, reduced work capacity (logit: group + Arbeid med bistand
   + age 50+ + year trend), AAP given reduced capacity, AAP diagnosis, employment at entry
   (logit: group + reduced capacity + AAP), education (unknown more often when employed).
4. Spells. The follow-up participation from the entry month lasts a duration drawn from
   a survival curve per programme; some are stored as two adjacent pieces or with a gap
   of 1-5 months inside; unfinished ones are open (til_dato null). Some entrants have an
   earlier participation that started before 2013 and ended >= 7 months before the entry,
   some re-enter >= 6 months after the end. Nothing else puts a follow-up spell in the 6
   months before a designed entry, so the report's entry definition finds exactly the
   designed entries. Other programmes around the entry; NAV status histories
   (brukerstatus) and AAP/disability benefits consistent with the status at entry;
   employment: a job at entry or an earlier one, then a job found after entry with a
   monthly hazard that depends on the characteristics, the programme and the county's
   unemployment; small jobs under 4 hours that do not count as employment.
5. Reference tables: leverandorer, fylker, ledighet (county x quarter), priser (Tabell
   6.1 moved with the price index), prisindeks.

Randomness: one independent stream per model component (named), so the same seed gives
the same bytes, and a change of one calibrated parameter moves the outcomes it governs
without re-drawing anything else (common random numbers make calibration converge).
"""
from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from helpers.contract import (
    DATE_DTYPE,
    EDUCATION_LEVELS,
    INNSATSGRUPPER,
    INT_DTYPE,
    PROGRAMME_CODES,
    PROVIDER_TYPES,
    STRING_DTYPE,
    Extract,
)

DEFAULT_SEED = 20198  # Proba-rapport 2019-8
PARAMETERS_FILE = Path(__file__).with_name("synth_parameters.yaml")

# Structural constants (not model parameters).
GROUPS = ("gammelt", "nytt_skjermet", "nytt_kommersiell", "nytt_annet", "utvidet", "ikke_tiltak")
PROGRAMMES = ("gammelt", "nytt", "utvidet", "ikke_tiltak")
AGE_BANDS = ((18, 24), (25, 29), (30, 39), (40, 49), (50, 66))
DURATION_CURVES = ("ab", "oppfolging_gammel", "nytt", "utvidet")
OTHER_BEFORE = ("ARBEIDSPRAKSIS", "AVKLARING", "LONNSTILSKUDD", "ANNEN_OPPFOLGING",
                "OPPLAERING", "ARBEIDSFORBEREDENDE")
OTHER_DURING = ("ARBEIDSPRAKSIS", "OPPLAERING", "AVKLARING")
OTHER_DURING_P = (0.6, 0.25, 0.15)
DIAGNOSES = ("psykisk", "muskel_skjelett", "annen")
FIRST_ENTRY, LAST_ENTRY = 2013 * 12, 2018 * 12 + 11
MAX_DURATION = 240

CODE = {c: i for i, c in enumerate(PROGRAMME_CODES)}
KIND_OLD, KIND_NEW, KIND_UTV, KIND_PRE, KIND_POST, KIND_NONE = range(6)


# --------------------------------------------------------------------------------------
# Parameters and small helpers
# --------------------------------------------------------------------------------------

def load_parameters(path: str | Path | None = None) -> dict:
    """The model parameters (synth_parameters.yaml, or another file of the same shape)."""
    with open(path or PARAMETERS_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def month_of(text: str) -> int:
    """'YYYY-MM' or 'YYYY-MM-DD' as a month number."""
    return int(text[:4]) * 12 + int(text[5:7]) - 1


class _Streams:
    """Independent random streams by component name (so that draws do not shift when
    another component changes)."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def __call__(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def u(self, name: str, n: int) -> np.ndarray:
        """n uniforms in (0, 1]."""
        return 1.0 - self(name).random(n)


def _geom0(u: np.ndarray, mean) -> np.ndarray:
    """Geometric on 0, 1, 2, ... with the given mean, by inversion of u in (0, 1]."""
    mean = np.maximum(np.asarray(mean, dtype=float), 1e-9)
    q = mean / (1.0 + mean)  # P(X >= 1)
    return np.floor(np.log(u) / np.log(q)).astype(np.int64)


def _geom1(u: np.ndarray, mean) -> np.ndarray:
    """1 + geometric, with the given mean (>= 1)."""
    return 1 + _geom0(u, np.maximum(np.asarray(mean, dtype=float) - 1.0, 1e-9))


def _logit(p):
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _expit(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _categorical(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw per row: probs is (n, k) (rows need not be normalised) or (k,)."""
    probs = np.asarray(probs, dtype=float)
    if probs.ndim == 1:
        cum = np.cumsum(probs) / probs.sum()
        return np.minimum(np.searchsorted(cum, u, side="left"), len(probs) - 1)
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    return np.minimum((u[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


def _choose_cells(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Index of a cell drawn with probability proportional to `weights` (1-d)."""
    cum = np.cumsum(weights)
    return np.minimum(np.searchsorted(cum / cum[-1], u, side="left"), len(weights) - 1)


# --------------------------------------------------------------------------------------
# Collecting spell rows
# --------------------------------------------------------------------------------------

class _Rows:
    """Accumulates rows of one table as blocks of equal-length arrays."""

    def __init__(self, columns: tuple[str, ...]):
        self.columns = columns
        self.blocks: list[dict[str, np.ndarray]] = []

    def add(self, **cols):
        n = {len(np.atleast_1d(v)) for v in cols.values()}
        n = max(n) if n else 0
        if n == 0:
            return
        block = {}
        for name in self.columns:
            v = np.asarray(cols[name])
            block[name] = np.broadcast_to(v, (n,)) if v.ndim == 0 else v
        self.blocks.append(block)

    def arrays(self) -> dict[str, np.ndarray]:
        if not self.blocks:
            return {c: np.zeros(0, dtype=np.int64) for c in self.columns}
        return {c: np.concatenate([b[c] for b in self.blocks]) for c in self.columns}


_SPELL = ("person", "m0", "d0", "m1", "d1")


def _dates(months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Month numbers + day offsets (0-based) as datetime64[us]."""
    base = (np.asarray(months, dtype=np.int64) - 1970 * 12).astype("datetime64[M]")
    return (base.astype("datetime64[D]") + np.asarray(days, dtype=np.int64)).astype(DATE_DTYPE)


def _strings(codes: np.ndarray, categories) -> pd.arrays.ArrowStringArray:
    """Category codes (-1 = null) as the contract's string dtype."""
    cat = pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=list(categories))
    return pd.Series(cat).astype(STRING_DTYPE).array


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------

class _Model:
    def __init__(self, params: dict, scale: float, seed: int):
        self.p = params
        self.scale = float(scale)
        self.rs = _Streams(seed)
        self.first_month = month_of(params["periode"]["forste_maned"])
        self.uttrekksdato = str(params["periode"]["uttrekksdato"])
        self.last_month = month_of(self.uttrekksdato)
        self.tables: dict[str, pd.DataFrame] = {}
        self.spells = {
            "tiltak": _Rows(_SPELL + ("code", "provider", "office")),
            "arbeidsforhold": _Rows(_SPELL + ("hours",)),
            "ytelser": _Rows(_SPELL + ("ytelse", "diagnosis")),
            "brukerstatus": _Rows(_SPELL + ("group", "office")),
        }

    # ---------------------------------------------------------------- structure
    def structure(self):
        p, rs = self.p, self.rs
        fylker = p["fylker"]
        self.county_code = np.array([f["fylke"] for f in fylker])
        self.county_name = [f["navn"] for f in fylker]
        self.county_weight = np.array([float(f["vekt"]) for f in fylker])
        self.overgang = np.array([month_of(f["overgang"]) for f in fylker])
        self.ab_end = np.array([month_of(f["ab_slutt"]) for f in fylker])
        self.county_unemp = np.array([float(f["ledighet"]) for f in fylker])
        nc = len(fylker)

        # Offices.
        k = p["kontorer"]
        n_off = np.maximum(k["minst_per_fylke"],
                           np.round(self.county_weight / k["tusen_innbyggere_per_kontor"])).astype(int)
        self.office_county = np.repeat(np.arange(nc), n_off)
        self.office_code = np.array([f"{self.county_code[c]}{i + 1:02d}"
                                     for c in range(nc) for i in range(n_off[c])])
        w = 0.5 + rs("kontorvekt").random(len(self.office_county))
        self.office_weight = w
        # Cumulative office weights within county, padded, for vectorised draws.
        self.office_start = np.concatenate([[0], np.cumsum(n_off)[:-1]])
        width = n_off.max()
        cum = np.full((nc, width), 2.0)
        for c in range(nc):
            ww = w[self.office_start[c]:self.office_start[c] + n_off[c]]
            cum[c, :n_off[c]] = np.cumsum(ww) / ww.sum()
        self.office_cum = cum

        # Offices running Utvidet oppfølging, and from which month.
        self.utv_start = np.full(len(self.office_county), 10 ** 6, dtype=np.int64)
        g = rs("utvidet_kontorer")
        share = self.county_weight[self.office_county] * w
        for year, count in sorted(p["utvidet"]["kontorer_starter_per_ar"].items()):
            free = np.flatnonzero(self.utv_start > 10 ** 5)
            count = min(int(count), len(free))
            pick = g.choice(free, size=count, replace=False, p=share[free] / share[free].sum())
            self.utv_start[pick] = int(year) * 12 + g.integers(0, 12, size=count)

        # Providers per county x period (0 old, 1 new) x type; listed and unlisted ids.
        lv = p["leverandortype"]
        ids, types = [], []
        self.providers: dict[tuple[int, int, int], np.ndarray] = {}
        for c in range(nc):
            for period, key in ((0, "antall_gammelt"), (1, "antall_nytt")):
                for t, n in enumerate(lv[key]):
                    start = len(ids)
                    for _ in range(int(n)):
                        ids.append(f"L{len(ids) + 1:04d}")
                        types.append(t)
                    self.providers[(c, period, t)] = np.arange(start, len(ids))
        n_listed = len(ids)
        for c in range(nc):  # ids that are not in `leverandorer` (type ukjent by contract)
            ids.append(f"L{len(ids) + 1:04d}")
            self.providers[(c, 2, 3)] = np.array([len(ids) - 1])
        self.provider_ids = np.array(ids)
        self.tables["leverandorer"] = pd.DataFrame({
            "leverandor_id": pd.array(self.provider_ids[:n_listed], dtype=STRING_DTYPE),
            "leverandortype": _strings(np.array(types), PROVIDER_TYPES),
        })

    def _office(self, county: np.ndarray, u: np.ndarray) -> np.ndarray:
        pos = (u[:, None] > self.office_cum[county]).sum(axis=1)
        return self.office_start[county] + pos

    # ---------------------------------------------------------------- persons
    def persons(self):
        p, rs = self.p, self.rs
        nc = len(self.county_code)
        yearw = {int(k): float(v) for k, v in p["tilgang"]["arsvekt"].items()}
        monthw = np.array(p["tilgang"]["manedsvekt"], dtype=float)

        def cells(m_lo, m_hi, cond):
            months = np.arange(m_lo, m_hi + 1)
            cc, mm = np.meshgrid(np.arange(nc), months, indexing="ij")
            cc, mm = cc.ravel(), mm.ravel()
            w = self.county_weight[cc] * monthw[mm % 12] * np.array(
                [yearw.get(int(y), 1.0) for y in mm // 12])
            keep = cond(cc, mm) & (w > 0)
            return cc[keep], mm[keep], w[keep]

        blocks = []

        def add_block(kind, county, month):
            blocks.append((np.full(len(county), kind), county, month))

        n_old = round(self.scale * p["populasjon"]["gammelt"])
        n_new = round(self.scale * p["populasjon"]["nytt"])
        cc, mm, w = cells(FIRST_ENTRY, LAST_ENTRY, lambda c, m: m < self.overgang[c])
        i = _choose_cells(rs.u("celle_gammelt", n_old), w)
        add_block(KIND_OLD, cc[i], mm[i])
        cc, mm, w = cells(FIRST_ENTRY, LAST_ENTRY, lambda c, m: m >= self.overgang[c])
        i = _choose_cells(rs.u("celle_nytt", n_new), w)
        add_block(KIND_NEW, cc[i], mm[i])

        other = p["andre_personer"]
        for kind, key in ((KIND_PRE, "for_2013_per_ar"), (KIND_POST, "etter_2018_per_ar")):
            for year, count in sorted(other[key].items()):
                n = round(self.scale * count)
                cc, mm, w = cells(int(year) * 12, int(year) * 12 + 11,
                                  lambda c, m: np.ones(len(c), bool))
                i = _choose_cells(rs.u(f"celle_{key}_{year}", n), w)
                add_block(kind, cc[i], mm[i])

        # Utvidet entrants: month by the active offices' weight, then an active office.
        utv_county, utv_month, utv_office = [], [], []
        share = self.county_weight[self.office_county] * self.office_weight
        for year, count in sorted(other["utvidet_per_ar"].items()):
            n = round(self.scale * count)
            months = np.arange(int(year) * 12, int(year) * 12 + 12)
            active = (self.utv_start[None, :] <= months[:, None]) * share[None, :]
            mw = active.sum(axis=1) * monthw[months % 12]
            if n == 0 or mw.sum() == 0:
                continue
            mi = _choose_cells(rs.u(f"utvidet_maned_{year}", n), mw)
            uo = rs.u(f"utvidet_kontor_{year}", n)
            office = np.empty(n, dtype=np.int64)
            for j in np.unique(mi):
                sel = mi == j
                office[sel] = _choose_cells(uo[sel], active[j])
            utv_county.append(self.office_county[office])
            utv_month.append(months[mi])
            utv_office.append(office)
        n_utv = sum(len(x) for x in utv_month)
        if n_utv:
            add_block(KIND_UTV, np.concatenate(utv_county), np.concatenate(utv_month))

        n_none = round(self.scale * other["ikke_tiltak"])
        g = rs("ikke_tiltak")
        county_none = _choose_cells(g.random(n_none), self.county_weight)
        month_none = g.integers(2011 * 12, self.last_month + 1, size=n_none)
        add_block(KIND_NONE, county_none, month_none)

        self.kind = np.concatenate([b[0] for b in blocks])
        self.county = np.concatenate([b[1] for b in blocks]).astype(np.int64)
        self.month = np.concatenate([b[2] for b in blocks]).astype(np.int64)
        n = self.n = len(self.kind)
        self.office = self._office(self.county, rs.u("kontor", n))
        if n_utv:
            sel = self.kind == KIND_UTV
            self.office[sel] = np.concatenate(utv_office)

        # Programme code, provider type and provider of the designed participation.
        code = np.full(n, -1, dtype=np.int64)
        old = np.isin(self.kind, (KIND_OLD, KIND_PRE))
        new = np.isin(self.kind, (KIND_NEW, KIND_POST))
        code[old] = self._old_code(self.county[old], self.month[old], rs.u("ab", n)[old])
        code[new] = CODE["OPPFOLGING"]
        code[self.kind == KIND_UTV] = CODE["UTVIDET_OPPFOLGING"]
        self.code = code
        self.ptype = np.full(n, -1, dtype=np.int64)
        self.provider = np.full(n, -1, dtype=np.int64)
        ut = rs.u("leverandortype", n)
        ui = rs.u("leverandor", n)
        for mask, period, key in ((old, 0, "gammelt"), (new, 1, "nytt")):
            t, prov = self._provider(self.county[mask], period, key, ut[mask], ui[mask])
            self.ptype[mask], self.provider[mask] = t, prov

        prog = np.full(n, PROGRAMMES.index("ikke_tiltak"))
        prog[old] = PROGRAMMES.index("gammelt")
        prog[new] = PROGRAMMES.index("nytt")
        prog[self.kind == KIND_UTV] = PROGRAMMES.index("utvidet")
        self.prog = prog
        grp = np.full(n, GROUPS.index("ikke_tiltak"))
        grp[old] = GROUPS.index("gammelt")
        grp[new] = GROUPS.index("nytt_annet")
        grp[new & (self.ptype == 0)] = GROUPS.index("nytt_skjermet")
        grp[new & (self.ptype == 1)] = GROUPS.index("nytt_kommersiell")
        grp[self.kind == KIND_UTV] = GROUPS.index("utvidet")
        self.group = grp

    def _old_code(self, county, month, u):
        ab = (month < self.ab_end[county]) & (u < self.p["tilgang"]["andel_ab"])
        return np.where(ab, CODE["ARBEID_MED_BISTAND"], CODE["OPPFOLGING"])

    def _provider(self, county, period, key, ut, ui):
        """Provider type (drawn from leverandortype[key]) and a provider of that type in
        the county; some ukjent ones get an id missing from `leverandorer`."""
        lv = self.p["leverandortype"]
        t = _categorical(ut, np.array(lv[key], dtype=float))
        prov = np.empty(len(county), dtype=np.int64)
        unlisted = (t == 3) & (ui < lv["ukjent_uten_oppforing"])
        uu = np.where(t == 3, ui / max(lv["ukjent_uten_oppforing"], 1e-9), ui) % 1.0
        for c in np.unique(county):
            for tt in range(4):
                sel = (county == c) & (t == tt) & ~unlisted
                if sel.any():
                    ids = self.providers[(c, period, tt)]
                    prov[sel] = ids[np.minimum((uu[sel] * len(ids)).astype(int), len(ids) - 1)]
            sel = (county == c) & unlisted
            prov[sel] = self.providers[(c, 2, 3)][0]
        return t, prov

    # ---------------------------------------------------------------- characteristics
    def _gp(self, key) -> np.ndarray:
        """Per-person value of a group parameter (rows: persons)."""
        table = np.array([np.atleast_1d(np.asarray(self.p["grupper"][g][key], dtype=float))
                          for g in GROUPS])
        out = table[self.group]
        return out[:, 0] if out.shape[1] == 1 else out

    def characteristics(self):
        rs, e = self.rs, self.p["effekter"]
        n = self.n
        t = (self.month // 12 - 2015).astype(float)
        self.female = rs.u("kjonn", n) < self._gp("kvinne")

        probs = self._gp("alder").copy()
        probs[:, 4] *= np.exp(e["alder50_trend"] * t)
        band = _categorical(rs.u("aldersgruppe", n), probs)
        lo = np.array([b[0] for b in AGE_BANDS])[band]
        hi = np.array([b[1] for b in AGE_BANDS])[band]
        ua = rs.u("alder", n)
        age = lo + np.minimum((ua * (hi - lo + 1)).astype(np.int64), hi - lo)
        over = np.minimum(np.floor(-np.log(ua) * self._gp("alder_50pluss")), 16).astype(np.int64)
        self.age = np.where(band == 4, 50 + over, age)
        self.band = band

        probs = self._gp("landgruppe").copy()
        probs[:, 1:] *= np.exp(e["innvandrer_trend"] * t)[:, None]
        self.landgruppe = 1 + _categorical(rs.u("landgruppe", n), probs)

        ab = self.code == CODE["ARBEID_MED_BISTAND"]
        x = (_logit(self._gp("nedsatt")) + e["nedsatt_ab"] * ab
             + e["nedsatt_50pluss"] * (band == 4)
             + np.array([e["nedsatt_trend"][k] for k in PROGRAMMES])[self.prog] * t)
        self.reduced = rs.u("nedsatt", n) < _expit(x)
        p_aap = np.where(self.reduced, _expit(_logit(self._gp("aap")) + e["aap_trend"] * t),
                         e["aap_uten_nedsatt"])
        self.aap = rs.u("aap", n) < p_aap
        probs = self._gp("diagnose").copy()
        probs[:, 0] *= np.where(self.age < 30, np.exp(e["psykisk_under_30"]), 1.0)
        probs[:, 0] *= np.exp(e["psykisk_trend"] * t)
        diag = _categorical(rs.u("diagnose", n), probs)
        diag[rs.u("diagnose_mangler", n) < e["aap_uten_diagnose"]] = -1
        self.diagnosis = diag  # used only where self.aap

        x = (_logit(self._gp("jobb_ved_start")) + e["jobb_nedsatt"] * self.reduced
             + e["jobb_aap"] * self.aap)
        self.employed = rs.u("jobb_ved_start", n) < _expit(x)

        probs = self._gp("utdanning").copy()
        probs *= np.where((band == 0)[:, None], np.exp(np.array(e["utdanning_under_25"])), 1.0)
        probs[:, 5] *= np.where(self.employed, np.exp(e["utdanning_ukjent_i_jobb"]), 1.0)
        self.education = _categorical(rs.u("utdanning", n), probs)  # 5 = unknown (null)

    # ---------------------------------------------------------------- durations
    def _survival(self, curve: str) -> np.ndarray:
        v = self.p["varighet"]
        months = np.array([0] + list(v["maneder"]), dtype=float)
        surv = np.array([1.0] + list(v[curve]), dtype=float)
        k = np.arange(MAX_DURATION + 1, dtype=float)
        logs = np.interp(k, months, np.log(surv))
        rate = (np.log(surv[-1]) - np.log(surv[-2])) / (months[-1] - months[-2])
        tail = k > months[-1]
        logs[tail] = np.log(surv[-1]) + rate * (k[tail] - months[-1])
        return np.exp(logs)

    def _durations(self, code: np.ndarray, prog: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Duration in months (>= 1) by inversion of the programme's survival curve."""
        curve = np.where(code == CODE["ARBEID_MED_BISTAND"], 0,
                         np.where(code == CODE["UTVIDET_OPPFOLGING"], 3,
                                  np.where(prog == PROGRAMMES.index("gammelt"), 1, 2)))
        d = np.empty(len(u), dtype=np.int64)
        for i, name in enumerate(DURATION_CURVES):
            sel = curve == i
            if sel.any():
                s = self._survival(name)  # decreasing, s[0] = 1
                d[sel] = np.searchsorted(-s, -u[sel], side="left")  # #{k: S(k) > u}
        return np.maximum(d, 1)

    # ---------------------------------------------------------------- spells
    def _pieces(self, table: str, person, m0, m1, extra: dict, tag: str,
                p_split: float = 0.0, p_gap: float = 0.0):
        """Spells covering months m0..m1 (m1 > last month: open) as one row, or two
        adjacent pieces, or two pieces with a gap of 1-5 months inside."""
        rs = self.rs
        person, m0, m1 = np.asarray(person), np.asarray(m0), np.asarray(m1)
        if len(person) and (m1 < self.first_month).any():
            keep = m1 >= self.first_month
            person, m0, m1 = person[keep], m0[keep], m1[keep]
            extra = {k: np.asarray(v)[keep] for k, v in extra.items()}
        m0 = np.maximum(m0, self.first_month)
        n = len(person)
        if n == 0:
            return
        u = rs(f"{table}_{tag}").random((n, 6))
        d0 = (u[:, 0] * 28).astype(np.int64)
        d1 = (u[:, 1] * 28).astype(np.int64)
        length = m1 - m0 + 1
        split = (u[:, 2] < p_split) & (length >= 2)
        gap = ~split & (u[:, 2] >= p_split) & (u[:, 2] < p_split + p_gap) & (length >= 3)
        g = 1 + np.minimum((u[:, 3] * 5).astype(np.int64), np.maximum(length - 3, 0))
        g = np.minimum(g, 5)
        one = ~split & ~gap
        same = m0 == m1
        rows = self.spells[table]

        def emit(sel, a0, b0, a1, b1):
            rows.add(person=person[sel], m0=a0, d0=b0, m1=a1, d1=b1,
                     **{k: v[sel] for k, v in extra.items()})

        emit(one, m0[one], d0[one], m1[one], np.where(same[one], np.maximum(d1[one], d0[one]), d1[one]))
        # Adjacent pieces: split in month a (m0 < a <= m1) at day ds / ds + 1.
        s = split
        a = m0[s] + 1 + np.minimum((u[s, 4] * (length[s] - 1)).astype(np.int64), length[s] - 2)
        ds = (u[s, 5] * 27).astype(np.int64)
        emit(s, m0[s], d0[s], a, ds)
        emit(s, a, ds + 1, m1[s], np.where(a == m1[s], np.maximum(d1[s], ds + 1), d1[s]))
        # Gap of g months: first piece ends in a (m0 <= a <= m1 - g - 1).
        s = gap
        gg = g[s]
        room = length[s] - gg - 1
        a = m0[s] + np.minimum((u[s, 4] * room).astype(np.int64), room - 1)
        b = a + gg + 1
        emit(s, m0[s], d0[s], a, np.where(a == m0[s], np.maximum(d0[s], 27), (u[s, 5] * 28).astype(np.int64)))
        emit(s, b, (u[s, 5] * 28).astype(np.int64) // 2, m1[s],
             np.where(b == m1[s], 27, d1[s]))

    def follow_up(self):
        p, rs = self.p, self.rs
        v = p["varighet"]
        fu = self.kind != KIND_NONE
        idx = np.flatnonzero(fu)
        n = self.n
        ud = rs.u("varighet", n)
        self.duration = np.zeros(n, dtype=np.int64)
        self.duration[idx] = self._durations(self.code[idx], self.prog[idx], ud[idx])
        end = self.month + self.duration - 1
        self._pieces("tiltak", idx, self.month[idx], end[idx],
                     {"code": self.code[idx], "provider": self.provider[idx],
                      "office": self.office[idx]},
                     "hoved", v["andel_delt"], v["andel_opphold"])

        # Earlier participation: started before 2013, ended >= 7 months before the entry.
        pop = np.isin(self.kind, (KIND_OLD, KIND_NEW, KIND_UTV))
        u = rs("tidligere_deltakelse").random((n, 5))
        latest_start = np.minimum(FIRST_ENTRY - 1, self.month - 8)
        has = pop & (u[:, 0] < v["andel_tidligere_deltakelse"]) & (latest_start >= self.first_month)
        i = np.flatnonzero(has)
        if len(i):
            start = self.first_month + (u[i, 1] * (latest_start[i] - self.first_month + 1)).astype(np.int64)
            code = self._old_code(self.county[i], start, u[i, 2])
            dur = self._durations(code, np.zeros(len(i), int), 1.0 - u[i, 3])
            stop = np.minimum(start + dur - 1, self.month[i] - 7)
            _, prov = self._provider(self.county[i], 0, "gammelt", u[i, 4], (u[i, 4] * 7.31) % 1)
            self._pieces("tiltak", i, start, stop,
                         {"code": code, "provider": prov, "office": self.office[i]}, "tidligere")

        # Re-entry after >= 6 months out (never into 2013-2018 for pre-2013 entrants).
        u = rs("gjeninntreden").random((n, 6))
        again = end + 7 + _geom0(1.0 - u[:, 1], v["gjeninntreden_opphold_snitt"])
        ok = fu & (u[:, 0] < v["andel_gjeninntreden"]) & (again <= self.last_month)
        ok &= ~((self.kind == KIND_PRE) & (again <= LAST_ENTRY))
        i = np.flatnonzero(ok)
        if len(i):
            c, m = self.county[i], again[i]
            before = m < self.overgang[c]
            utv = ~before & (self.utv_start[self.office[i]] <= m) & \
                (u[i, 2] < p["utvidet"]["andel_gjeninntreden"])
            code = np.where(before, self._old_code(c, m, u[i, 3]),
                            np.where(utv, CODE["UTVIDET_OPPFOLGING"], CODE["OPPFOLGING"]))
            prog = np.where(before, 0, np.where(utv, 2, 1))
            prov = np.full(len(i), -1, dtype=np.int64)
            for period, key, sel in ((0, "gammelt", before), (1, "nytt", ~before & ~utv)):
                if sel.any():
                    prov[sel] = self._provider(c[sel], period, key, u[i, 4][sel], u[i, 5][sel])[1]
            dur = self._durations(code, prog, rs.u("gjeninntreden_varighet", n)[i])
            self._pieces("tiltak", i, m, m + dur - 1,
                         {"code": code, "provider": prov, "office": self.office[i]},
                         "gjeninntreden", v["andel_delt"], 0.0)

    def other_programmes(self):
        p, rs = self.p, self.rs
        a = p["andre_tiltak"]
        n = self.n
        u = rs("andre_tiltak").random((n, 8))
        p_before = np.array([a["for_start"][name] for name in PROGRAMMES])[self.prog]
        has = u[:, 0] < p_before
        i = np.flatnonzero(has)
        types = np.where((self.prog[i] == 0)[:, None],
                         np.array(a["typer_gammelt"])[None, :], np.array(a["typer_nytt"])[None, :])
        kind = _categorical(u[i, 1], types)
        code = np.array([CODE[c] for c in OTHER_BEFORE])[kind]
        length = _geom1(1.0 - u[i, 2], a["lengde_snitt"])
        stop = self.month[i] - 1
        into = u[i, 3] < a["andel_inn_i_start"]
        stop = np.where(into, self.month[i] + _geom0(1.0 - u[i, 4], 2.0), stop)
        start = self.month[i] - length
        self._pieces("tiltak", i, start, stop,
                     {"code": code, "provider": np.full(len(i), -1), "office": self.office[i]},
                     "andre_for")
        lts = code == CODE["LONNSTILSKUDD"]  # a wage subsidy comes with a job
        self._job(i[lts], start[lts], stop[lts], u[i, 5][lts], "lts_for")

        has = u[:, 6] < a["under_tiltak"]
        i = np.flatnonzero(has)
        kind = _categorical(u[i, 7], np.array(OTHER_DURING_P))
        code = np.array([CODE[c] for c in OTHER_DURING])[kind]
        uu = rs("andre_tiltak_under").random((len(i), 2))
        start = self.month[i] + 1 + (uu[:, 0] * 10).astype(np.int64)
        stop = start + _geom1(1.0 - uu[:, 1], 3.0) - 1
        keep = start <= self.last_month
        self._pieces("tiltak", i[keep], start[keep], stop[keep],
                     {"code": code[keep], "provider": np.full(keep.sum(), -1),
                      "office": self.office[i][keep]}, "andre_under")

    def _hours(self, u):
        share = self.p["arbeid"]["andel_heltid"]
        full = u < share
        frac = np.where(full, 0.0, (u - share) / max(1.0 - share, 1e-9))
        return np.where(full, 37.5, np.round(4.0 + frac * 33.5, 1))

    def _job(self, i, start, stop, u, tag):
        self._pieces("arbeidsforhold", i, np.maximum(start, self.first_month), stop,
                     {"hours": self._hours(u)}, tag)

    def employment(self):
        p, rs = self.p, self.rs
        ar, ut = p["arbeid"], p["utfall"]
        n = self.n
        u = rs("arbeid").random((n, 12))
        m = self.month
        emp = self.employed
        # Job at entry.
        i = np.flatnonzero(emp)
        started = m[i] - _geom1(1.0 - u[i, 0], ar["jobb_ved_start_startet_snitt"]) + 1
        keeps = _geom0(1.0 - u[i, 1], ut["jobb_ved_start_varer_snitt"])
        self._job(i, started, m[i] + keeps, u[i, 2], "ved_start")
        search_from = m.copy()
        search_from[i] = m[i] + keeps + 1
        # An earlier job, ended before the entry.
        prior = ~emp & (u[:, 3] < self._gp("tidligere_jobb"))
        i = np.flatnonzero(prior)
        stop = m[i] - _geom1(1.0 - u[i, 4], ar["tidligere_jobb_slutt_snitt"])
        start = stop - _geom1(1.0 - u[i, 5], ar["tidligere_jobb_lengde_snitt"]) + 1
        self._job(i, start, stop, u[i, 2], "tidligere")

        # A job found after entry (or after the job held at entry ended).
        e = ut
        h = np.array([e["log_hazard"][name] for name in PROGRAMMES])[self.prog].astype(float)
        h = h + e["nedsatt"] * self.reduced
        dia = np.array(e["diagnose"])[np.maximum(self.diagnosis, 0)]
        h = h + np.where(self.aap & (self.diagnosis >= 0), dia, 0.0)
        h = h + e["kvinne"] * self.female + np.array(e["alder"])[self.band]
        h = h + np.array(e["landgruppe"])[self.landgruppe - 1] + np.array(e["utdanning"])[self.education]
        h = h + e["kommersiell"] * (self.ptype == 1)
        h = h + e["ledighet"] * (self.unemployment_at(self.county, m) - 3.0)
        hz = np.exp(h)
        f2 = np.array([e["ar2"][name] for name in PROGRAMMES])[self.prog].astype(float)
        E = -np.log(1.0 - u[:, 6])
        first = 12 * hz >= E
        T = np.where(first, np.ceil(E / hz), 12 + np.ceil((E - 12 * hz) / (hz * f2)))
        T = np.maximum(T, 1)
        js = search_from + np.minimum(T, 10 ** 4).astype(np.int64)
        ok = js <= self.last_month
        i = np.flatnonzero(ok)
        length = _geom1(1.0 - u[i, 7], ar["ny_jobb_lengde_snitt"])
        self._job(i, js[i], js[i] + length - 1, u[i, 8], "ny")
        lts = u[i, 9] < ar["andel_lonnstilskudd"]
        j = i[lts]
        lts_len = np.minimum(_geom1(1.0 - u[j, 10], ar["lonnstilskudd_lengde_snitt"]), length[lts])
        self._pieces("tiltak", j, js[j], js[j] + lts_len - 1,
                     {"code": np.full(len(j), CODE["LONNSTILSKUDD"]), "provider": np.full(len(j), -1),
                      "office": self.office[j]}, "lts_ny")
        # Small jobs under 4 hours (not employment by the contract's definition).
        small = u[:, 11] < ar["andel_smajobb"]
        i = np.flatnonzero(small)
        us = rs("smajobb").random((len(i), 3))
        start = m[i] - (us[:, 0] * 24).astype(np.int64)
        stop = start + _geom1(1.0 - us[:, 1], 12.0) - 1
        self._pieces("arbeidsforhold", i, np.maximum(start, self.first_month), stop,
                     {"hours": np.round(0.5 + us[:, 2] * 3.4, 1)}, "smajobb")

    def status(self):
        p, rs = self.p, self.rs
        s = p["status"]
        n = self.n
        u = rs("status").random((n, 8))
        m = self.month
        red = self.reduced
        mean_red = np.array([s["nedsatt_snitt"][k] for k in PROGRAMMES])[self.prog]
        mean_oth = np.array([s["andre_ved_start_snitt"][k] for k in PROGRAMMES])[self.prog]
        back = np.where(red, _geom1(1.0 - u[:, 0], mean_red), _geom1(1.0 - u[:, 0], mean_oth))
        back = np.where(u[:, 1] < s["start_i_tilgangsmaned"], 0, back)
        start = m - back
        after = _geom0(1.0 - u[:, 2], s["etter_start_snitt"])
        group = np.where(red, np.where(u[:, 3] < s["andel_varig"], 3, 2),
                         np.where(u[:, 3] < s["andel_situasjonsbestemt"], 1, 0))
        keep = m + after >= self.first_month
        i = np.flatnonzero(keep)
        self._pieces("brukerstatus", i, np.maximum(start[i], self.first_month), m[i] + after[i],
                     {"group": group[i], "office": self.office[i]}, "naa", 0.08, 0.0)
        # Before reduced capacity: another NAV status for a while.
        prev = red & (u[:, 4] < s["andre_for_nedsatt"]) & (start > self.first_month)
        i = np.flatnonzero(prev)
        stop = start[i] - 1
        begin = stop - _geom1(1.0 - u[i, 5], s["andre_snitt"]) + 1
        grp = np.where(u[i, 6] < s["andel_situasjonsbestemt"], 1, 0)
        self._pieces("brukerstatus", i, np.maximum(begin, self.first_month), stop,
                     {"group": grp, "office": self.office[i]}, "for")
        self.status_start = start

    def benefits(self):
        p, rs = self.p, self.rs
        y = p["ytelser"]
        n = self.n
        u = rs("ytelser").random((n, 8))
        m = self.month
        i = np.flatnonzero(self.aap)
        back = _geom1(1.0 - u[i, 0], y["aap_for_snitt"])
        back = np.where(self.reduced[i], np.minimum(back, m[i] - self.status_start[i]), back)
        start = np.maximum(m[i] - back, self.first_month)
        stop = m[i] + _geom0(1.0 - u[i, 1], y["aap_etter_snitt"])
        self._pieces("ytelser", i, start, stop,
                     {"ytelse": np.zeros(len(i), int), "diagnosis": self.diagnosis[i]}, "aap", 0.05)
        uf = (u[i, 2] < y["andel_ufore_etter_aap"]) & (stop < self.last_month)
        j = i[uf]
        self._pieces("ytelser", j, stop[uf] + 1, np.full(len(j), self.last_month + 1),
                     {"ytelse": np.ones(len(j), int), "diagnosis": np.full(len(j), -1)}, "ufore")
        later = ~self.aap & (u[:, 3] < y["aap_senere"])
        i = np.flatnonzero(later)
        start = m[i] + 1 + (u[i, 4] * 24).astype(np.int64)
        stop = start + _geom1(1.0 - u[i, 5], y["aap_etter_snitt"]) - 1
        keep = start <= self.last_month
        self._pieces("ytelser", i[keep], start[keep], stop[keep],
                     {"ytelse": np.zeros(keep.sum(), int), "diagnosis": self.diagnosis[i][keep]},
                     "aap_senere")

    # ---------------------------------------------------------------- reference tables
    def unemployment_at(self, county: np.ndarray, month: np.ndarray) -> np.ndarray:
        return self._unemp_table[county, np.clip(month // 3 - self._q0, 0, self._unemp_table.shape[1] - 1)]

    def reference(self):
        p = self.p
        led = p["ledighet"]
        q0 = (self.first_month // 12) * 4
        q1 = (self.last_month // 12) * 4 + 3
        quarters = np.arange(q0, q1 + 1)
        years, qn = quarters // 4, quarters % 4
        national = np.array([
            led["kvartal_2020"][q] if y == 2020 else led["nasjonal"][int(y)] * led["sesong"][q]
            for y, q in zip(years, qn)])
        oil = np.isin(self.county_code, led["olje_fylker"])
        oilf = np.array([led["olje_faktor"].get(int(y), 1.0) for y in years])
        table = self.county_unemp[:, None] * national[None, :] * np.where(oil[:, None], oilf[None, :], 1.0)
        table = np.round(table, 2)
        self._q0, self._unemp_table = q0, table
        nc = len(self.county_code)
        self.tables["ledighet"] = pd.DataFrame({
            "fylke": pd.array(np.repeat(self.county_code, len(quarters)), dtype=STRING_DTYPE),
            "kvartal": pd.array(np.tile([f"{y}Q{q + 1}" for y, q in zip(years, qn)], nc),
                                dtype=STRING_DTYPE),
            "ledighetsrate": table.ravel(),
        })
        self.tables["fylker"] = pd.DataFrame({
            "fylke": pd.array(self.county_code, dtype=STRING_DTYPE),
            "navn": pd.array(self.county_name, dtype=STRING_DTYPE),
            "overgang_dato": _dates(self.overgang, np.zeros(nc, int)),
        })
        idx = {int(k): float(v) for k, v in p["prisindeks"].items()}
        self.tables["prisindeks"] = pd.DataFrame({
            "aar": pd.array(sorted(idx), dtype=INT_DTYPE),
            "indeks": [idx[y] for y in sorted(idx)],
        })
        pr = p["priser"]
        rows = []
        y0, y1 = self.first_month // 12, self.last_month // 12
        for year in range(y0, y1 + 1):
            if year <= pr["ab_siste_ar"]:
                rows.append(("ARBEID_MED_BISTAND", year, pr["ab_2014"] * idx[year] / idx[2014]))
            base, by = (pr["oppfolging_2014"], 2014) if year <= 2015 else (pr["oppfolging_2017"], 2017)
            rows.append(("OPPFOLGING", year, base * idx[year] / idx[by]))
        self.tables["priser"] = pd.DataFrame({
            "tiltakskode": pd.array([r[0] for r in rows], dtype=STRING_DTYPE),
            "aar": pd.array([r[1] for r in rows], dtype=INT_DTYPE),
            "manedspris": np.round([r[2] for r in rows], 0),
        })

    # ---------------------------------------------------------------- assembling
    def finish(self) -> dict[str, pd.DataFrame]:
        n = self.n
        order = self.rs("person_id").permutation(n)  # id number of person i = order[i] + 1
        width = max(7, len(str(n)))
        ids = np.char.add("P", np.char.zfill((np.arange(1, n + 1)).astype(str), width))
        person_ids = ids[order]
        year = self.month // 12
        by_id = np.argsort(order)  # persons in id order
        edu = np.where(self.education == 5, -1, self.education)
        self.tables["personer"] = pd.DataFrame({
            "person_id": pd.array(person_ids[by_id], dtype=STRING_DTYPE),
            "fodselsar": pd.array((year - self.age)[by_id], dtype=INT_DTYPE),
            "kjonn": _strings(np.where(self.female, 0, 1)[by_id], ("K", "M")),
            "landgruppe": pd.array(self.landgruppe[by_id], dtype=INT_DTYPE),
            "utdanning": _strings(edu[by_id], EDUCATION_LEVELS),
        })
        last = self.last_month
        for name, rows in self.spells.items():
            a = rows.arrays()
            keep = a["m0"] <= last
            a = {k: v[keep] for k, v in a.items()}
            rank = order[a["person"]]
            o = np.lexsort((a["d1"], a["m1"], a["d0"], a["m0"], rank))
            a = {k: v[o] for k, v in a.items()}
            til = _dates(np.minimum(a["m1"], last), a["d1"])
            til[a["m1"] > last] = np.datetime64("NaT")
            df = {
                "person_id": pd.array(person_ids[a["person"]], dtype=STRING_DTYPE),
                "fra_dato": _dates(a["m0"], a["d0"]),
                "til_dato": til,
            }
            if name == "tiltak":
                df["tiltakskode"] = _strings(a["code"], PROGRAMME_CODES)
                df["leverandor_id"] = _strings(a["provider"], self.provider_ids)
                df["nav_kontor"] = _strings(a["office"], self.office_code)
                df["fylke"] = _strings(self.office_county[a["office"]], self.county_code)
            elif name == "arbeidsforhold":
                df["timer_per_uke"] = a["hours"].astype(float)
            elif name == "ytelser":
                df["ytelse"] = _strings(a["ytelse"], ("AAP", "UFORE"))
                df["diagnosegruppe"] = _strings(np.where(a["ytelse"] == 0, a["diagnosis"], -1),
                                                DIAGNOSES)
            elif name == "brukerstatus":
                df["innsatsgruppe"] = _strings(a["group"], INNSATSGRUPPER)
                df["nav_kontor"] = _strings(a["office"], self.office_code)
                df["fylke"] = _strings(self.office_county[a["office"]], self.county_code)
            self.tables[name] = pd.DataFrame(df)
        return {k: self.tables[k] for k in sorted(self.tables)}


def generate(scale: float = 1.0, seed: int = DEFAULT_SEED, params: dict | None = None,
             progress: bool = False) -> tuple[dict[str, pd.DataFrame], dict]:
    """Generate a synthetic extract in memory: (tables by name, uttrekk.json contents).

    Tables have the contract's columns and types. `params` defaults to
    synth_parameters.yaml. Same (scale, seed, params) => identical tables.
    """
    from tqdm import tqdm

    params = load_parameters() if params is None else params
    model = _Model(params, scale, seed)
    steps = [
        ("struktur", model.structure), ("personer", model.persons),
        ("kjennetegn", model.characteristics), ("referansetabeller", model.reference),
        ("oppfølgingstiltak", model.follow_up), ("andre tiltak", model.other_programmes),
        ("arbeid", model.employment), ("brukerstatus", model.status),
        ("ytelser", model.benefits),
    ]
    with tqdm(total=len(steps) + 1, desc="syntetisk uttrekk", unit="steg",
              disable=not progress, file=sys.stderr) as bar:
        for label, step in steps:
            bar.set_postfix_str(label)
            step()
            bar.update()
        bar.set_postfix_str("tabeller")
        tables = model.finish()
        bar.update()
    meta = {
        "uttrekksdato": model.uttrekksdato,
        "kilde": "syntetisk",
        "beskrivelse": (
            f"Syntetisk uttrekk (helpers.synth, skala {scale:g}, frø {seed}): en generativ "
            "modell av personer og forløp kalibrert mot publiserte tall i Proba-rapport "
            "2019-8. Ingen ekte personer."
        ),
    }
    return tables, meta


def extract_in_memory(tables: dict[str, pd.DataFrame], meta: dict) -> Extract:
    """An Extract object of generated tables (for calibration and tests)."""
    return Extract(path=Path("<syntetisk>"), meta=dict(meta), tables=dict(tables))


def cli(argv: list[str]) -> int:
    """`python -m helpers synth OUTDIR [--scale S] [--seed N]`: write a synthetic extract
    (`python -m helpers calibrate --check OUTDIR` prints how well it meets its targets)."""
    from helpers.contract import write_extract

    parser = argparse.ArgumentParser(prog="python -m helpers synth", description=cli.__doc__)
    parser.add_argument("outdir")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="population size relative to the study (1 = 79 716 entrants)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--params", default=None, help="parameter file (default: synth_parameters.yaml)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    tables, meta = generate(args.scale, args.seed, load_parameters(args.params), progress=True)
    write_extract(args.outdir, tables, meta)
    rows = sum(len(t) for t in tables.values())
    print(f"Skrev syntetisk uttrekk til {args.outdir}: {len(tables['personer'])} personer, "
          f"{rows} rader ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    print(f"Kalibreringstabellen: python -m helpers calibrate --check {args.outdir}"
          + (f" --scale {args.scale:g}" if args.scale != 1.0 else ""), file=sys.stderr)
    return 0
