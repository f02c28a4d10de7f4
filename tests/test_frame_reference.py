"""`helpers.spells.build_frame` checked cell for cell against an independent reference.

tests/reference_frame.py re-implements the analysis frame the slow, obvious way from the
written definitions (DATA_CONTRACT.md, README "The analysis frame"). Here we generate many
random, messy extracts with ExtractBuilder -- split, adjacent and overlapping spells, gaps of
1–12 months, open spells, spells before 2013 and after uttrekksdato, starts around the
counties' transition dates, unknown providers, hours around the 4-hour threshold, AAP with
and without diagnosis, brukerstatus with gaps, incomplete ledighet -- and require that both
implementations give the same frame.
"""
from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from helpers.contract import load_extract, validate, write_extract
from helpers.spells import build_frame
from tests.builders import ExtractBuilder
from tests.reference_frame import COLUMNS, is_null, reference_frame

FOLLOW_UP = ["OPPFOLGING", "ARBEID_MED_BISTAND", "UTVIDET_OPPFOLGING"]
OTHER_CODES = ["ARBEIDSPRAKSIS", "AVKLARING", "LONNSTILSKUDD", "OPPLAERING",
               "ANNEN_OPPFOLGING", "ARBEIDSFORBEREDENDE", "TILRETTELAGT_ARBEID", "ANNET"]
# county -> (name, overgang_dato); "03" comes with the builder (2015-06-15).
COUNTIES = {"03": ("Oslo", "2015-06-15"), "11": ("Rogaland", "2016-01-01"),
            "15": ("Møre og Romsdal", "2015-10-31"), "50": ("Trøndelag", "2017-02-28")}
OFFICES = {"03": ["0301", "0312"], "11": ["1103", "1106"], "15": ["1504"], "50": ["5001", "5025"]}
# L1 skjermet comes with the builder; L9 is not in leverandorer (-> ukjent).
PROVIDERS = ["L1", "L2", "L3", "L4", "L9", None]
HOURS = [3.99, 4.0, 4.01, 20.0, 37.5, 2.0]
GROUPS = ["standard", "situasjonsbestemt", "spesielt_tilpasset", "varig_tilpasset"]
DIAGNOSES = ["psykisk", "muskel_skjelett", "annen", None]
UTTREKKSDATOER = ["2020-12-31", "2019-06-15", "2018-09-30", "2021-03-01", "2019-12-31",
                  "2020-07-01"]

FIRST_MONTH = 2009 * 12  # month indices: year * 12 + (month - 1)
LAST_MONTH = 2021 * 12 + 11


# --------------------------------------------------------------------------------------
# Random dates
# --------------------------------------------------------------------------------------

def _month(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


def _day_in(rng: np.random.Generator, index: int, not_before: dt.date | None = None) -> dt.date:
    """A day of month `index`: first, last, the 15th or any day (and >= not_before)."""
    year, month = _month(index)
    last = calendar.monthrange(year, month)[1]
    lo = 1
    if not_before is not None and (not_before.year, not_before.month) == (year, month):
        lo = not_before.day
    kind = rng.integers(4)
    day = (lo, last, max(15, lo), int(rng.integers(lo, last + 1)))[kind]
    return dt.date(year, month, day)


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


# --------------------------------------------------------------------------------------
# A random messy extract
# --------------------------------------------------------------------------------------

class _PersonSpells:
    """Collects one person's tiltak and ytelser rows, dropping undecidable exact ties."""

    def __init__(self):
        self.tiltak: list[dict] = []
        self.aap: list[dict] = []

    def add_tiltak(self, fra: dt.date, til: dt.date | None, kode: str, lev, kontor, fylke):
        if kode in FOLLOW_UP:
            for s in self.tiltak:
                # The README breaks ties by start, code, then length: two follow-up spells
                # with the same start and code need different ends to be ordered (an open
                # spell counts as the longer one; two open ones cannot be ordered).
                if s["kode"] == kode and s["fra"] == fra and s["til"] == til and (
                        (s["lev"], s["kontor"], s["fylke"]) != (lev, kontor, fylke)):
                    return  # (an exact duplicate row is fine: it cannot change anything)
        self.tiltak.append(dict(fra=fra, til=til, kode=kode, lev=lev, kontor=kontor, fylke=fylke))

    def add_aap(self, fra: dt.date, til: dt.date | None, diagnose):
        for s in self.aap:
            # "known diagnosis and the latest start wins": same start, two known -> undecidable
            if s["fra"] == fra and diagnose is not None and s["diag"] is not None \
                    and s["diag"] != diagnose:
                return
        self.aap.append(dict(fra=fra, til=til, diag=diagnose))


def _add_spell_pieces(rng, spells: _PersonSpells, fra, til, kode, lev, kontor, fylke):
    """One programme spell, sometimes split into adjacent or overlapping pieces."""
    r = rng.random()
    end = til
    if r < 0.35 and til is not None and (til - fra).days >= 2 or r < 0.2 and til is None:
        # split at a cut day: adjacent (next day) or overlapping (a few days back)
        horizon = (til - fra).days if til is not None else 400
        cut = fra + dt.timedelta(days=int(rng.integers(0, max(horizon - 1, 1))))
        if rng.random() < 0.5:
            nxt = cut + dt.timedelta(days=1)
        else:
            nxt = max(fra, cut - dt.timedelta(days=int(rng.integers(0, 40))))
        lev2 = lev if rng.random() < 0.7 else PROVIDERS[rng.integers(len(PROVIDERS))]
        spells.add_tiltak(fra, cut, kode, lev, kontor, fylke)
        spells.add_tiltak(nxt, end, kode, lev2, kontor, fylke)
    else:
        spells.add_tiltak(fra, end, kode, lev, kontor, fylke)


def _follow_up_chain(rng, spells: _PersonSpells):
    """A run of follow-up spells separated by gaps of 1–12 months (5 and 6 often)."""
    fylke = list(COUNTIES)[rng.integers(len(COUNTIES))]
    start = int(rng.integers(2010 * 12, 2021 * 12 + 6))
    transition = dt.date.fromisoformat(COUNTIES[fylke][1])
    around_transition = rng.random() < 0.2
    if around_transition:  # start on, just before or just after the county's transition
        first_fra = transition + dt.timedelta(days=int(rng.integers(-2, 3)))
        start = _index(first_fra)
    n = int(rng.integers(1, 5))
    for i in range(n):
        kode = FOLLOW_UP[rng.choice(3, p=[0.5, 0.3, 0.2])]
        if i == 0 and around_transition:
            kode = "OPPFOLGING"
            fra = first_fra
        else:
            fra = _day_in(rng, start)
        length = int(rng.choice([1, 1, 2, 3, 4, 5, 6, 7, 9, 12, 18, 26]))
        end_index = start + length - 1
        til = _day_in(rng, end_index, not_before=fra)
        if i == n - 1 and rng.random() < 0.15:
            til = None
        lev = PROVIDERS[rng.integers(len(PROVIDERS))]
        if kode == "UTVIDET_OPPFOLGING" and rng.random() < 0.7:
            lev = None
        kontor = OFFICES[fylke][rng.integers(len(OFFICES[fylke]))]
        _add_spell_pieces(rng, spells, fra, til, kode, lev, kontor, fylke)
        if rng.random() < 0.15:  # a parallel follow-up spell starting in the same month
            kode2 = kode if rng.random() < 0.4 else FOLLOW_UP[rng.integers(3)]
            fra2 = fra if rng.random() < 0.5 else _day_in(rng, start)
            til2 = None if rng.random() < 0.2 else _day_in(
                rng, start + int(rng.integers(0, 14)), not_before=max(fra, fra2))
            fylke2 = list(COUNTIES)[rng.integers(len(COUNTIES))]
            spells.add_tiltak(fra2, til2, kode2, PROVIDERS[rng.integers(len(PROVIDERS))],
                              OFFICES[fylke2][0], fylke2)
        if til is None:
            break
        gap = int(rng.choice([1, 2, 3, 4, 5, 5, 5, 6, 6, 6, 7, 8, 10, 12]))
        start = end_index + gap + 1


def _random_extract(seed: int, n_persons: int):
    rng = np.random.default_rng(seed)
    uttrekk_iso = UTTREKKSDATOER[seed % len(UTTREKKSDATOER)]
    b = ExtractBuilder(uttrekksdato=uttrekk_iso)
    if seed % 4 == 1:  # a later observasjonsstart cuts into spells and entries
        b.meta["observasjonsstart"] = "2012-08-20"
    for fylke, (navn, overgang) in COUNTIES.items():
        if fylke != "03":
            b.add("fylker", fylke=fylke, navn=navn, overgang_dato=overgang)
    for lev, typ in (("L2", "kommersiell"), ("L3", "ideell"), ("L4", "ukjent")):
        b.add("leverandorer", leverandor_id=lev, leverandortype=typ)
    if seed % 5 != 4:  # every fifth extract has no ledighet table at all
        for fylke in COUNTIES:
            for year in range(2011, 2023):
                for q in range(1, 5):
                    if rng.random() < 0.9:
                        b.add("ledighet", fylke=fylke, kvartal=f"{year}Q{q}",
                              ledighetsrate=round(float(rng.uniform(1.0, 6.0)), 3))

    for p in range(n_persons):
        pid = f"P{seed:02d}_{p:04d}"
        b.person(pid, fodselsar=int(rng.integers(1950, 2001)), kjonn=str(rng.choice(["K", "M"])),
                 landgruppe=int(rng.integers(1, 4)),
                 utdanning=[None, "grunnskole", "vgs_grunnkurs", "vgs_fullfort", "hoyere_kort",
                            "hoyere_lang"][rng.integers(6)])
        spells = _PersonSpells()
        for _ in range(int(rng.choice([0, 1, 1, 1, 2, 2, 3]))):
            _follow_up_chain(rng, spells)
        for _ in range(int(rng.integers(0, 4))):  # other programmes
            start = int(rng.integers(FIRST_MONTH, LAST_MONTH))
            fra = _day_in(rng, start)
            til = None if rng.random() < 0.1 else _day_in(
                rng, start + int(rng.integers(0, 10)), not_before=fra)
            fylke = list(COUNTIES)[rng.integers(len(COUNTIES))]
            lev = PROVIDERS[rng.integers(len(PROVIDERS))]
            _add_spell_pieces(rng, spells, fra, til, str(rng.choice(OTHER_CODES)), lev,
                              OFFICES[fylke][0], fylke)
        if spells.tiltak and rng.random() < 0.05:  # an exact duplicate row
            spells.tiltak.append(dict(spells.tiltak[rng.integers(len(spells.tiltak))]))
        for s in spells.tiltak:
            b.tiltak(pid, _iso(s["fra"]), _iso(s["til"]), kode=s["kode"], leverandor=s["lev"],
                     kontor=s["kontor"], fylke=s["fylke"])

        for _ in range(int(rng.choice([0, 1, 1, 2, 3]))):  # employment
            start = int(rng.integers(FIRST_MONTH - 24, LAST_MONTH))
            fra = _day_in(rng, start)
            til = None if rng.random() < 0.2 else _day_in(
                rng, start + int(rng.integers(0, 48)), not_before=fra)
            b.jobb(pid, _iso(fra), _iso(til), timer=float(rng.choice(HOURS)))

        for _ in range(int(rng.choice([0, 0, 1, 1, 2]))):  # AAP
            start = int(rng.integers(FIRST_MONTH, LAST_MONTH))
            fra = _day_in(rng, start)
            til = None if rng.random() < 0.2 else _day_in(
                rng, start + int(rng.integers(0, 36)), not_before=fra)
            spells.add_aap(fra, til, DIAGNOSES[rng.integers(len(DIAGNOSES))])
        for s in spells.aap:
            b.ytelse(pid, _iso(s["fra"]), _iso(s["til"]), ytelse="AAP", diagnose=s["diag"])
        if rng.random() < 0.15:  # disability benefit
            start = int(rng.integers(FIRST_MONTH, LAST_MONTH))
            fra = _day_in(rng, start)
            b.ytelse(pid, _iso(fra), None if rng.random() < 0.5 else _iso(
                _day_in(rng, start + int(rng.integers(0, 30)), not_before=fra)),
                ytelse="UFORE", diagnose=None)

        start = int(rng.integers(FIRST_MONTH, 2019 * 12))
        for _ in range(int(rng.choice([0, 1, 2, 3, 4]))):  # brukerstatus with gaps
            fra = _day_in(rng, start)
            end_index = start + int(rng.integers(0, 24))
            til = None if rng.random() < 0.1 else _day_in(rng, end_index, not_before=fra)
            fylke = list(COUNTIES)[rng.integers(len(COUNTIES))]
            b.status(pid, _iso(fra), _iso(til), gruppe=GROUPS[rng.integers(4)],
                     kontor=OFFICES[fylke][0], fylke=fylke)
            if til is None:
                break
            start = end_index + int(rng.choice([-1, 0, 1, 1, 2, 4, 7]))  # overlap, adjacent, gaps
    extract = b.build()
    for name, table in extract.tables.items():  # the contract refuses spells starting later
        if "fra_dato" in table.columns:
            after = pd.to_datetime(table["fra_dato"]) > pd.Timestamp(uttrekk_iso)
            extract.tables[name] = table[~after.to_numpy()].reset_index(drop=True)
    problems = validate(extract)
    assert not problems, problems[:5]
    return extract


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------

def _norm(value):
    """A cell as a comparable plain Python value: nulls None, dates ISO strings."""
    if is_null(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, bool | str) or isinstance(b, bool | str):
            return False
        return abs(float(a) - float(b)) <= 1e-9
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def compare_frames(ours: pd.DataFrame, ref: pd.DataFrame, show: int = 5) -> list[str]:
    """Every difference between the production and reference frames, one message per column."""
    problems = []
    missing_cols = [c for c in COLUMNS if c not in ours.columns]
    if missing_cols:
        problems.append(f"build_frame lacks columns {missing_cols}")
    ours_ids = [str(x) for x in ours["person_id"]]
    ref_ids = [str(x) for x in ref["person_id"]]
    if len(set(ours_ids)) != len(ours_ids):
        problems.append("build_frame has duplicate person_id rows")
    only_ours = sorted(set(ours_ids) - set(ref_ids))
    only_ref = sorted(set(ref_ids) - set(ours_ids))
    if only_ours:
        problems.append(f"persons only in build_frame ({len(only_ours)}): {only_ours[:show]}")
    if only_ref:
        problems.append(f"persons only in reference ({len(only_ref)}): {only_ref[:show]}")
    a = ours.assign(person_id=ours_ids).drop_duplicates("person_id").set_index("person_id")
    r = ref.assign(person_id=ref_ids).set_index("person_id")
    common = sorted(set(ours_ids) & set(ref_ids))
    for col in COLUMNS[1:]:
        if col not in a.columns:
            continue
        bad = []
        for pid in common:
            x, y = _norm(a.at[pid, col]), _norm(r.at[pid, col])
            if not _same(x, y):
                bad.append((pid, x, y, r.at[pid, "entry_month"]))
        if bad:
            triples = ", ".join(f"({p}, ours={x!r}, ref={y!r}, entry {e})"
                                for p, x, y, e in bad[:show])
            problems.append(f"column {col}: {len(bad)} of {len(common)} persons differ: {triples}")
    return problems


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------

SEEDS = list(range(12))


@pytest.mark.parametrize("seed", SEEDS)
def test_build_frame_matches_reference(seed, tmp_path):
    extract = _random_extract(seed, n_persons=300)
    if seed % 3 == 0:  # also through the real path: Parquet files and load_extract's dtypes
        extract = load_extract(write_extract(tmp_path / "extract", extract))
    ours = build_frame(extract)
    ref = reference_frame(extract)
    assert len(ref) > 50, "the generator should produce plenty of entrants"
    problems = compare_frames(ours, ref)
    assert not problems, (
        f"build_frame differs from tests/reference_frame.py on extract seed={seed} "
        f"(uttrekksdato {extract.meta['uttrekksdato']}):\n  " + "\n  ".join(problems))


def test_reference_on_a_hand_example():
    """The reference itself on a case worked out by hand (guards the guard)."""
    b = ExtractBuilder(uttrekksdato="2020-12-31")
    b.person("a", fodselsar=1980, kjonn="M", landgruppe=3, utdanning=None)
    # 2012-08..2012-10 follow-up, gap Nov–Apr (6 months) -> 2013-05 is an entry.
    b.tiltak("a", "2012-08-31", "2012-10-01", kode="ARBEID_MED_BISTAND")
    b.tiltak("a", "2013-05-31", "2013-07-01", kode="OPPFOLGING", leverandor="L9")
    b.tiltak("a", "2013-05-31", "2013-06-30", kode="ARBEID_MED_BISTAND", leverandor=None)
    # 5-month gap (Aug–Dec) continues; then 6 months none after 2014-01.
    b.tiltak("a", "2014-01-15", "2014-01-15", kode="UTVIDET_OPPFOLGING")
    b.jobb("a", "2013-01-01", "2013-03-31", timer=4.0)
    b.jobb("a", "2014-05-01", None, timer=3.99)
    b.jobb("a", "2015-05-10", "2015-05-10", timer=20)
    b.ytelse("a", "2013-01-01", None, diagnose=None)
    b.ytelse("a", "2013-05-01", "2013-05-01", diagnose="annen")
    b.status("a", "2013-05-31", "2013-05-31", gruppe="varig_tilpasset")
    ref = reference_frame(b.build()).iloc[0].to_dict()
    assert ref["entry_month"] == "2013-05"
    assert ref["programme_code"] == "ARBEID_MED_BISTAND" and ref["programme"] == "gammelt"
    assert ref["provider_type"] == "ukjent" and ref["leverandor_id"] is None
    assert ref["aap_diagnosis"] == "annen" and ref["reduced_capacity"] is True
    assert ref["months_in_job_24"] == 3 and ref["job_at_entry"] is False
    assert ref["job_12"] is False and ref["job_24"] is True
    assert ref["duration"] == 9 and ref["duration_censored"] is False
    assert ref["age"] == 33 and ref["immigrant"] is True and ref["education"] == "ukjent"


# --------------------------------------------------------------------------------------
# Hand-made corner cases, compared the same way (each builder call adds spells to b)
# --------------------------------------------------------------------------------------

def _ties(b):
    # same start: code order decides; same start and code: the longer spell (open longest)
    b.person("a").tiltak("a", "2016-03-20", "2016-05-01", kode="ARBEID_MED_BISTAND")
    b.tiltak("a", "2016-03-05", "2016-03-06", kode="UTVIDET_OPPFOLGING", leverandor=None)
    b.person("b").tiltak("b", "2016-03-05", "2016-06-01", kode="UTVIDET_OPPFOLGING")
    b.tiltak("b", "2016-03-05", "2016-03-06", kode="OPPFOLGING", leverandor="L2")
    b.person("c").tiltak("c", "2016-03-05", "2016-06-01", leverandor="L1")
    b.tiltak("c", "2016-03-05", "2016-06-30", leverandor="L2")
    b.person("d").tiltak("d", "2016-03-01", None, leverandor="L1")
    b.tiltak("d", "2016-03-01", "2021-06-30", leverandor="L2")  # ends after uttrekksdato
    b.person("e").tiltak("e", "2016-03-01", "2020-12-31", leverandor="L2")
    b.tiltak("e", "2016-03-01", None, leverandor="L1")


def _window(b):
    b.person("a").tiltak("a", "2012-01-10", "2012-03-10").tiltak("a", "2013-02-01", "2013-04-01")
    b.person("b").tiltak("b", "2012-10-10", "2013-03-10").tiltak("b", "2014-02-01", "2014-04-01")
    b.person("c").tiltak("c", "2012-07-31", "2012-07-31").tiltak("c", "2013-01-01", "2013-01-01")
    b.person("d").tiltak("d", "2012-06-30", "2012-06-30").tiltak("d", "2013-01-01", "2013-01-01")
    b.person("e").tiltak("e", "2018-12-31", "2019-01-05")
    b.person("f").tiltak("f", "2019-01-01", "2019-01-05")


def _jobs(b):
    b.person("a").tiltak("a", "2016-03-01", "2016-04-01")
    b.jobb("a", "2016-01-01", "2016-12-31", 3.99).jobb("a", "2016-01-01", "2016-12-31", 3.99)
    b.person("b").tiltak("b", "2016-03-01", "2016-04-01").jobb("b", "2016-01-01", "2016-12-31", 4.0)
    b.tiltak("b", "2016-03-31", "2016-03-31", kode="ARBEIDSPRAKSIS")
    b.person("c").tiltak("c", "2016-03-01", "2016-04-01").jobb("c", "2016-01-01", "2016-12-31", 4.0)
    b.tiltak("c", "2016-03-31", "2016-03-31", kode="LONNSTILSKUDD")
    b.person("d").tiltak("d", "2016-03-01", "2016-04-01").jobb("d", "2014-03-31", "2016-03-01", 4.01)
    b.tiltak("d", "2015-01-31", "2015-02-01", kode="AVKLARING")


def _status_aap(b):
    b.person("a").tiltak("a", "2016-03-15", "2016-04-01")
    b.status("a", "2015-01-01", "2016-03-10", gruppe="standard").status("a", "2016-03-20", None, gruppe="standard")
    b.person("b").tiltak("b", "2016-03-15", "2016-04-01")
    b.status("b", "2015-01-01", "2016-03-01", gruppe="varig_tilpasset")
    b.status("b", "2016-03-02", None, gruppe="standard")
    b.person("c").tiltak("c", "2016-03-15", "2016-04-01")
    b.ytelse("c", "2015-01-01", None, diagnose="psykisk").ytelse("c", "2016-03-31", None, diagnose=None)
    b.person("d").tiltak("d", "2016-03-15", "2016-04-01")
    b.ytelse("d", "2015-01-01", None, diagnose="psykisk").ytelse("d", "2016-02-01", "2016-03-01", diagnose="annen")
    b.ytelse("d", "2016-03-31", "2016-03-31", ytelse="UFORE", diagnose=None)
    b.person("e").tiltak("e", "2016-03-15", "2016-04-01").ytelse("e", "2016-03-31", None, ytelse="UFORE", diagnose=None)


def _transition(b):
    for i, (fra, kode) in enumerate([("2015-06-14", "OPPFOLGING"), ("2015-06-15", "OPPFOLGING"),
                                     ("2015-06-16", "OPPFOLGING"), ("2015-06-15", "ARBEID_MED_BISTAND"),
                                     ("2017-06-15", "UTVIDET_OPPFOLGING")]):
        b.person(f"p{i}").tiltak(f"p{i}", fra, fra[:4] + "-12-01", kode=kode)
    b.person("q").tiltak("q", "2015-05-01", "2015-06-20").tiltak("q", "2015-06-21", "2015-09-01", leverandor="L2")


def _duration(b):
    b.person("a").tiltak("a", "2020-01-01", "2020-06-30")  # Jul–Dec: a complete run of 6
    b.person("b").tiltak("b", "2018-01-01", "2020-07-01")  # Aug–Dec: 5, censored
    b.person("c").tiltak("c", "2018-01-01", "2021-07-01")  # ends after uttrekksdato
    b.person("d").tiltak("d", "2016-01-01", "2016-01-01").tiltak("d", "2016-07-01", "2016-07-01")
    b.tiltak("d", "2017-01-31", "2017-01-31")
    b.person("e").tiltak("e", "2018-01-01", "2018-01-01").tiltak("e", "2021-01-01", "2021-03-01")


def _after_uttrekk(b):  # uttrekksdato 2018-09-15
    b.person("a").tiltak("a", "2018-09-20", "2018-09-30")
    b.person("b").tiltak("b", "2018-09-20", None, kode="UTVIDET_OPPFOLGING")
    b.tiltak("b", "2018-09-25", "2018-09-26", kode="ARBEID_MED_BISTAND")
    b.person("c").tiltak("c", "2018-10-01", None)
    b.person("d").tiltak("d", "2017-06-01", "2017-06-05").jobb("d", "2018-06-20", None)
    b.add("ledighet", fylke="03", kvartal="2018Q2", ledighetsrate=2.5)


CORNER_CASES = {
    "ties": (_ties, "2020-12-31"), "window": (_window, "2020-12-31"), "jobs": (_jobs, "2020-12-31"),
    "status_aap": (_status_aap, "2020-12-31"), "transition": (_transition, "2020-12-31"),
    "duration": (_duration, "2020-12-31"), "after_uttrekk": (_after_uttrekk, "2018-09-15"),
}


def corner_case_extract(case: str):
    """The extract of one of CORNER_CASES."""
    setup, uttrekksdato = CORNER_CASES[case]
    b = ExtractBuilder(uttrekksdato=uttrekksdato)
    b.add("leverandorer", leverandor_id="L2", leverandortype="kommersiell")
    setup(b)
    return b.build()


@pytest.mark.parametrize("case", list(CORNER_CASES))
def test_build_frame_matches_reference_on_corner_cases(case):
    extract = corner_case_extract(case)
    problems = compare_frames(build_frame(extract), reference_frame(extract))
    assert not problems, f"corner case {case}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("kode", [None, "AVKLARING"], ids=["entry_before_2013_only", "other_programme_only"])
def test_build_frame_without_entrants_is_empty(kode):
    """No entry in 2013–2018 (no programme at all, or only other programmes): an empty
    frame with the README's columns, as the reference gives -- not an exception."""
    b = ExtractBuilder()
    b.person("a").person("b").tiltak("b", "2011-01-01", "2011-02-01")  # entry before 2013
    if kode:
        b.tiltak("a", "2014-01-31", "2014-02-01", kode=kode)
    extract = b.build()
    ref = reference_frame(extract)
    assert len(ref) == 0
    ours = build_frame(extract)
    assert list(ours.columns)[:len(COLUMNS)] == COLUMNS and len(ours) == 0
