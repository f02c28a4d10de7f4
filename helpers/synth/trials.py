"""Component `trials`: the two randomised Supported Employment trials (the contract's
`forsok` table) and their participants' histories, from 24 months before each person's
start to the end of the extract.

Reads `scale` and `structure`; adds `trials` (a `Trials`). It runs before the persons
component: participants whose first follow-up programme starts in 2013-2018 are entrants
of the study's population, and the persons component draws that many fewer (`entrants`),
so the study's counts stay exact. Their spell rows are numbered from 0 here and placed
after the main persons by `shifted_rows` (component `trial_spells`).

Per trial (parameters `forsok`, each documented there with the published figure behind it):
1. Participants: SE-KLAR 167 + 101 at four offices (the first two of each of its two
   counties), SE-NAV 3 737 in seven counties with P(SE) = andel_se; both x min(1, scale).
   Start month uniform in the recruitment window, a random day.
2. Baseline at start (SE-KLAR Tabell 1). SE-KLAR meets every published share and mean
   exactly per arm (exactly round(share x n) persons, chosen at random; age and income
   moved to the mean): the published table describes one fixed sample. SE-NAV, whose
   baseline is not published, draws the pooled SE-KLAR shares at random.
3. Monthly states, months -24..end relative to the start month, each a two-state chain per
   person that keeps a target share path q(t) with persistence. From month 0 (the
   baseline) forwards and backwards, a person in the state leaves it with
   e = max(exit, 1 - q(t+1)/q(t)) and one outside enters with (q(t+1) - q(t)(1 - e)) /
   (1 - q(t)); so P(in the state in month t) = q(t) exactly, given the person's path.
   - disability benefit (uforetrygd): none before start, an absorbing onset so that the
     share follows `ufore`;
   - AAP: the chain among persons not on disability benefit, q = aap / (1 - ufore);
   - work: q_i(t) = arbeid(t) x m[h] / sum_h P(h, t) m[h], h the person's health benefit
     that month (none, AAP, disability; m = `arbeid_ytelse`), so the arm's share is
     arbeid(t) while work is rarer on benefits;
   - programmes (tiltak): the same with `tiltak_ytelse`; each run of months is one
     programme, its type drawn by arm (`tiltakstyper`); a follow-up programme (the old or
     the new Oppfolging, Arbeid med bistand) at most once per person and only after start;
   - higher education, and NAV registration with reduced work capacity (`nedsatt`).
   Share paths (`andel`) are knots (months after start: share), linear between them, per
   arm, times the arm's `skala` after start (reached over RAMP_MONTHS; fitted by
   helpers.trial_calibration). Runs of consecutive months become spells (helpers.synth.rows.add_spells); a job's
   weekly hours are drawn per run (normal around `timer`, sd HOURS_SD, within 4-40).
The states are independent of each other given the health benefit, and of the baseline
characteristics (not published; documented in parameters.yaml).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.contract import EDUCATION_LEVELS
from helpers.synth.draws import categorical, whole
from helpers.synth.persons import CODE, draw_provider, old_programme_code
from helpers.synth.rows import BENEFITS, DAYS, SpellRows, add_spells
from helpers.synth.streams import Streams
from helpers.synth.structure import NEW_PERIOD, OLD_PERIOD, Structure, month_of

TRIALS = ("SE-KLAR", "SE-NAV")
ARMS = ("intervensjon", "kontroll")
MONTHS_BEFORE = 24
HOURS_SD = 8.0  # spread of a job's weekly hours around `timer` (not published)
RAMP_MONTHS = 6  # a path's scale (`skala`) reaches its full size this many months after start
MIN_ARM = 2  # the least participants per arm (of SE-KLAR; twice this in SE-NAV), at small scales
FIRST_POPULATION_MONTH, LAST_POPULATION_MONTH = 2013 * 12, 2018 * 12 + 11
NO_HEALTH, ON_AAP, ON_UFORE = range(3)
FOLLOW_UP = "OPPFOLGING"  # a run drawn as the follow-up programme (old code by period)
INNSATSGRUPPE_CATEGORIES = ("standard", "situasjonsbestemt", "spesielt_tilpasset",
                            "varig_tilpasset", "ukjent")
DIAGNOSES = ("psykisk", "muskel_skjelett", "annen")


@dataclass(frozen=True)
class Trials:
    """The trial participants (index = trial person number, from 0) and their rows."""
    trial: np.ndarray          # TRIALS index (int8)
    intervention: np.ndarray   # bool
    unit: np.ndarray           # enhet: office code (SE-KLAR) or county code (SE-NAV) (str)
    start_month: np.ndarray    # int32
    start_day: np.ndarray      # 0-27 (int8)
    birth_year: np.ndarray     # int
    female: np.ndarray         # bool
    landgruppe: np.ndarray     # 1-3
    education: np.ndarray      # EDUCATION_LEVELS index, -1 unknown
    married: np.ndarray        # bool
    children: np.ndarray       # bool
    upper_secondary: np.ndarray  # fullfort_vgs (bool)
    income: np.ndarray         # NOK last year (float)
    hours_at_start: np.ndarray   # arbeidstid at start, hours/week (float)
    rows: dict                 # table -> SpellRows (person numbers from 0)
    entrants: dict             # population entrants: {"gammelt", "nytt", "nytt_til_2017"}

    def __len__(self) -> int:
        return len(self.trial)


def run(parameters: dict, streams: Streams, scale: float, structure: Structure) -> dict:
    """The trials component: adds `trials`."""
    spec = parameters["forsok"]
    parts = [_trial(parameters, spec[name], name, streams.scoped(name.lower().replace("-", "_")),
                    scale, structure) for name in TRIALS]
    offset = np.cumsum([0] + [len(p["trial"]) for p in parts])
    merged = {key: np.concatenate([p[key] for p in parts])
              for key in parts[0] if key not in ("rows", "entrants")}
    rows = {table: SpellRows(table) for table in parts[0]["rows"]}
    for start, part in zip(offset, parts):
        for table, part_rows in part["rows"].items():
            rows[table].extend(shifted_rows(part_rows, int(start)))
    entrants = {key: sum(p["entrants"][key] for p in parts) for key in parts[0]["entrants"]}
    return {"trials": Trials(**merged, rows=rows, entrants=entrants)}


def shifted_rows(rows: SpellRows, offset: int) -> SpellRows:
    """The same spell rows with every person number moved by `offset`."""
    out = SpellRows(rows.table)
    for block in rows.blocks:
        out.blocks.append({**block, "person": (block["person"] + offset).astype(block["person"].dtype)})
    return out


def trial_spells(parameters: dict, streams: Streams, persons, trials: Trials) -> dict:
    """Component `trial_spells`: the trials' spell rows, numbered after the main persons
    (it draws nothing)."""
    return {table: shifted_rows(rows, len(persons)) for table, rows in trials.rows.items()}


# --------------------------------------------------------------------------------------

def _exact_flags(streams: Streams, name: str, groups: list[np.ndarray], shares: list[float]) -> np.ndarray:
    """A bool per person: in each group (index array), exactly round(share x size) persons,
    chosen at random (stream `name`)."""
    n = sum(len(g) for g in groups)
    flag = np.zeros(n, dtype=bool)
    order = streams.uniform(name, n)
    for members, share in zip(groups, shares):
        k = int(round(share * len(members)))
        chosen = members[np.argsort(order[members])[:k]]
        flag[chosen] = True
    return flag


def _exact_categories(streams: Streams, name: str, groups: list[np.ndarray],
                      shares: list[list[float]]) -> np.ndarray:
    """A category index per person: in each group, counts proportional to `shares`
    (largest remainders), in random order."""
    n = sum(len(g) for g in groups)
    out = np.zeros(n, dtype=np.int8)
    order = streams.uniform(name, n)
    for members, p in zip(groups, shares):
        p = np.asarray(p, float) / np.sum(p)
        raw = p * len(members)
        counts = np.floor(raw).astype(int)
        counts[np.argsort(-(raw - counts))[:len(members) - counts.sum()]] += 1
        labels = np.repeat(np.arange(len(p)), counts)
        out[members[np.argsort(order[members])]] = labels
    return out


def share_path(knots: dict, months: np.ndarray) -> np.ndarray:
    """A share path: the knots {months after start: share}, linear between them, flat
    beyond the first and the last."""
    x = np.array(sorted(int(k) for k in knots), dtype=float)
    y = np.array([float(knots[k]) for k in sorted(knots, key=int)])
    return np.interp(months, x, y)


def chain(q: np.ndarray, state0: np.ndarray, exit_rate: float, uniform: np.ndarray) -> np.ndarray:
    """A two-state chain per person (rows) over months (columns) that keeps P(in the state)
    = q (n, T), with persistence (the module docstring): the start month is column
    MONTHS_BEFORE, where the state is `state0`; the chain runs forwards and backwards from
    it with one uniform per person-month (`uniform`, n x T). Returns bool (n, T)."""
    n, T = q.shape
    q = np.clip(q, 1e-6, 1 - 1e-6)
    state = np.zeros((n, T), dtype=bool)
    c0 = MONTHS_BEFORE
    state[:, c0] = state0
    for step, columns in ((1, range(c0 + 1, T)), (-1, range(c0 - 1, -1, -1))):
        for t in columns:
            now, before = q[:, t], q[:, t - step]
            leave = np.maximum(exit_rate, 1.0 - now / before)
            enter = np.clip((now - before * (1.0 - leave)) / (1.0 - before), 0.0, 1.0)
            was = state[:, t - step]
            state[:, t] = np.where(was, uniform[:, t] >= leave, uniform[:, t] < enter)
    return state


def _runs(matrix: np.ndarray):
    """(row, first column, last column) of every run of True in a bool matrix."""
    padded = np.zeros((matrix.shape[0], matrix.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = matrix
    change = np.diff(padded, axis=1)
    rows_start, cols_start = np.nonzero(change == 1)
    rows_stop, cols_stop = np.nonzero(change == -1)
    return rows_start, cols_start, cols_stop - 1


def _trial(parameters: dict, spec: dict, name: str, streams: Streams, scale: float,
           structure: Structure) -> dict:
    """One trial's participants, baseline and rows."""
    counties, offices = structure.counties, structure.offices
    factor = min(1.0, float(scale))
    county_index = {code: i for i, code in enumerate(counties.code)}
    trial_counties = np.array([county_index[c] for c in spec["fylker"]], dtype=np.int16)
    if "personer_per_arm" in spec:
        sizes = [max(MIN_ARM, round(factor * spec["personer_per_arm"][arm])) for arm in ARMS]
        intervention = np.repeat([True, False], sizes)
        n = len(intervention)
        intervention = intervention[streams.permutation("order", n)]
    else:
        n = max(2 * MIN_ARM, round(factor * spec["personer"]))
        intervention = streams.uniform("arm", n) < spec["andel_se"]
    arms = [np.flatnonzero(intervention), np.flatnonzero(~intervention)]

    # where: SE-KLAR at `kontorer_per_fylke` offices of each county, SE-NAV any office
    if "kontorer_per_fylke" in spec:
        k = int(spec["kontorer_per_fylke"])
        units = np.concatenate([offices.first_of_county[c] + np.arange(k) for c in trial_counties])
        office = units[whole(streams.uniform("office", n), len(units))].astype(np.int16)
        unit = offices.code[office]
    else:
        county = trial_counties[whole(streams.uniform("county", n), len(trial_counties))]
        office = offices.draw(county, streams.uniform("office", n))
        unit = counties.code[county]
    county = offices.county[office]
    first, last = month_of(spec["start"][0]), month_of(spec["start"][1])
    start_month = (first + whole(streams.uniform("start_month", n), last - first + 1)).astype(np.int32)
    start_day = whole(streams.uniform("start_day", n), DAYS).astype(np.int8)

    base = spec["grunnlag"]
    exact = "personer_per_arm" in spec

    def flags(key, stream):
        shares = [base[key][arm] for arm in ARMS]
        if exact:
            return _exact_flags(streams, stream, arms, shares)
        return streams.uniform(stream, n) < np.where(intervention, shares[0], shares[1])

    def categories(key, stream):
        shares = [base[key][arm] for arm in ARMS]
        if exact:
            return _exact_categories(streams, stream, arms, shares)
        p = np.where(intervention[:, None], np.asarray(shares[0], float), np.asarray(shares[1], float))
        return categorical(streams.uniform(stream, n), p)

    def to_mean(values, key):
        if not exact:
            return values
        out = values.astype(float).copy()
        for members, arm in zip(arms, ARMS):
            out[members] += base[key][arm] - out[members].mean()
        return out

    male = flags("menn", "male")
    norway = flags("fodt_i_norge", "born_in_norway")
    landgruppe = np.where(norway, 1, np.where(streams.uniform("landgruppe", n) < base["andel_landgruppe_2"], 2, 3))
    married, children = flags("gift", "married"), flags("har_barn", "children")
    upper_secondary = flags("fullfort_vgs", "upper_secondary")
    # education in personer: completed upper secondary -> vgs_fullfort or higher, else
    # grunnskole / vgs_grunnkurs / unknown
    edu_uniform = streams.uniform("education", n)
    education = np.where(upper_secondary,
                         np.where(edu_uniform < base["hoyere_blant_vgs"], EDUCATION_LEVELS.index("hoyere_kort"),
                                  EDUCATION_LEVELS.index("vgs_fullfort")),
                         np.where(edu_uniform < base["ukjent_utdanning"], -1,
                                  np.where(edu_uniform < 0.5 + base["ukjent_utdanning"] / 2,
                                           EDUCATION_LEVELS.index("grunnskole"),
                                           EDUCATION_LEVELS.index("vgs_grunnkurs")))).astype(np.int8)
    age_draw = np.clip(np.rint(to_mean(
        base["alder_sd"] * np.sqrt(2) * _erfinv(2 * streams.uniform("age", n) - 1)
        + np.where(intervention, base["alder"]["intervensjon"], base["alder"]["kontroll"]), "alder")), 18, 66)
    birth_year = (start_month // 12 - age_draw).astype(np.int64)
    income = np.maximum(0.0, to_mean(np.exp(base["inntekt_logsd"] * np.sqrt(2) * _erfinv(
        2 * streams.uniform("income", n) - 1)) * np.where(intervention, base["inntekt"]["intervensjon"],
                                                          base["inntekt"]["kontroll"])
        / np.exp(base["inntekt_logsd"] ** 2 / 2), "inntekt"))
    working0 = flags("i_arbeid", "working_at_start")
    aap0 = flags("aap", "aap_at_start")
    group0 = categories("innsatsgruppe", "innsatsgruppe")  # INNSATSGRUPPE_CATEGORIES

    # months -24 .. the extract's end, relative to each person's start
    period_last = structure.period.last_month
    T = MONTHS_BEFORE + int(period_last - start_month.min()) + 1
    rel = np.arange(T) - MONTHS_BEFORE
    calendar = start_month[:, None] + rel[None, :]
    inside = (calendar <= period_last) & (calendar >= structure.period.first_month)

    paths = spec["andel"]

    scales = spec.get("skala", {})
    ramp = np.clip(rel / RAMP_MONTHS, 0.0, 1.0)  # 0 up to the start, 1 from RAMP_MONTHS on

    def path(key):
        def arm_path(arm):
            scale_factor = float(scales.get(key, {}).get(arm, 1.0))
            return share_path(paths[key][arm], rel) * (1.0 + (scale_factor - 1.0) * ramp)
        return np.where(intervention[:, None], arm_path("intervensjon")[None, :], arm_path("kontroll")[None, :])

    def uniforms(stream):
        return streams.generator(stream).random((n, T))

    exit_rate = spec["avgang"]
    # disability benefit: absorbing onset after start, share path `ufore`
    ufore = np.where(rel[None, :] > 0, path("ufore"), 0.0)
    ufore_max = np.maximum.accumulate(ufore, axis=1)
    onset_u = streams.uniform("ufore_onset", n)
    on_ufore = onset_u[:, None] <= ufore_max
    # AAP among persons not on disability benefit
    aap_q = np.clip(path("aap") / np.maximum(1 - ufore_max, 1e-6), 0, 1)
    on_aap = chain(aap_q, aap0, exit_rate["aap"], uniforms("aap")) & ~on_ufore
    health = np.where(on_ufore, ON_UFORE, np.where(on_aap, ON_AAP, NO_HEALTH))
    p_health = [np.clip(1 - path("aap") - ufore_max, 0, 1), path("aap"), ufore_max]

    def conditional(key, multipliers):
        m = np.array([1.0, multipliers["aap"], multipliers["ufore"]])
        shares = path(key)
        norm = sum(p * m_h for p, m_h in zip(p_health, m))
        return np.clip(shares * m[health] / np.maximum(norm, 1e-6), 0, 1)

    def by_arm(key, multipliers):
        return _by_arm(intervention, conditional(key, spec[multipliers]["intervensjon"]),
                       conditional(key, spec[multipliers]["kontroll"]))

    work = chain(by_arm("arbeid", "arbeid_ytelse"), working0, exit_rate["arbeid"], uniforms("work"))
    programme_q = by_arm("tiltak", "tiltak_ytelse")
    programme = chain(programme_q, streams.uniform("programme_at_start", n) < programme_q[:, MONTHS_BEFORE],
                      exit_rate["tiltak"], uniforms("programme"))
    education_q = path("hoyere_utdanning")
    studying = chain(education_q, streams.uniform("study_at_start", n) < education_q[:, MONTHS_BEFORE],
                     exit_rate["hoyere_utdanning"], uniforms("study"))
    reduced0 = np.isin(group0, (2, 3))
    reduced = chain(path("nedsatt"), reduced0, exit_rate["nedsatt"], uniforms("reduced"))
    for matrix in (work, programme, studying, reduced, on_aap, on_ufore):
        matrix &= inside

    rows = {t: SpellRows(t) for t in ("arbeidsforhold", "tiltak", "ytelser", "brukerstatus", "utdanning_hoyere")}
    period = structure.period

    def emit(table, matrix, stream, **columns_of_run):
        person, first_col, last_col = _runs(matrix)
        columns = {key: fn(person, first_col) for key, fn in columns_of_run.items()}
        add_spells(rows[table], streams.scoped(stream), period, person, calendar[person, first_col],
                   calendar[person, last_col], **columns)
        return person, first_col

    hours_mean = spec["timer"]
    person, first_col, last_col = _runs(work)
    hours_u = streams.uniform("hours", len(person))
    job_mean = np.where(intervention[person], hours_mean["intervensjon"], hours_mean["kontroll"])
    hours = np.clip(job_mean + HOURS_SD * np.sqrt(2) * _erfinv(2 * hours_u - 1), 4, 40.0)
    at_start = (first_col <= MONTHS_BEFORE) & (last_col >= MONTHS_BEFORE)
    if exact:  # the jobs held at start have the published mean hours of those working
        for arm_is_intervention, arm in ((True, "intervensjon"), (False, "kontroll")):
            chosen = at_start & (intervention[person] == arm_is_intervention)
            if chosen.any():
                target = base["arbeidstid"][arm] / base["i_arbeid"][arm]
                hours[chosen] = np.clip(hours[chosen] + target - hours[chosen].mean(), 4, 40.0)
    hours = np.round(hours, 1)
    add_spells(rows["arbeidsforhold"], streams.scoped("jobs"), period, person, calendar[person, first_col],
               calendar[person, last_col], hours=hours)
    hours_at_start = np.zeros(n)
    hours_at_start[person[at_start]] = hours[at_start]

    aap_diagnosis = categorical(streams.uniform("diagnosis", n), np.asarray(base["diagnose"], float))
    emit("ytelser", on_aap, "aap_spells", benefit=lambda p, c: np.full(len(p), BENEFITS.index("AAP")),
         diagnosis=lambda p, c: aap_diagnosis[p])
    emit("ytelser", on_ufore, "ufore_spells", benefit=lambda p, c: np.full(len(p), BENEFITS.index("UFORE")),
         diagnosis=lambda p, c: np.full(len(p), -1))
    emit("utdanning_hoyere", studying, "study_spells")
    # registration: reduced capacity (the start group, or spesielt tilpasset) while `reduced`;
    # otherwise the start group if it was standard / situasjonsbestemt
    na_group = np.where(group0 == 3, 3, 2).astype(np.int8)
    emit("brukerstatus", reduced, "reduced_spells", innsatsgruppe=lambda p, c: na_group[p],
         office=lambda p, c: office[p])
    other_registered = np.isin(group0, (0, 1))[:, None] & ~reduced & inside
    emit("brukerstatus", other_registered, "other_status_spells", innsatsgruppe=lambda p, c: group0[p],
         office=lambda p, c: office[p])

    # programmes: a type per run; the follow-up programme at most once, after start
    person, first_col, last_col = _runs(programme)
    types = spec["tiltakstyper"]
    names = list(types["intervensjon"])
    p_type = np.where(intervention[person][:, None], np.array([types["intervensjon"][k] for k in names], float),
                      np.array([types["kontroll"][k] for k in names], float))
    kind = categorical(streams.uniform("programme_type", len(person)), p_type)
    follow = kind == names.index(FOLLOW_UP)
    follow &= first_col > MONTHS_BEFORE
    # the first follow-up run of each person keeps its type; later ones become work practice
    candidates = np.flatnonzero(follow)
    candidates = candidates[np.lexsort((first_col[candidates], person[candidates]))]
    _, first_of_person = np.unique(person[candidates], return_index=True)
    is_first_follow = np.zeros(len(person), dtype=bool)
    is_first_follow[candidates[first_of_person]] = True
    code = np.array([CODE[k] if k != FOLLOW_UP else CODE["ARBEIDSPRAKSIS"] for k in names], dtype=np.int8)[kind]
    month = calendar[person, first_col]
    cty = county[person]
    old = month < counties.transition_month[cty]
    f = is_first_follow
    code[f & ~old] = CODE["OPPFOLGING"]
    code[f & old] = old_programme_code(parameters, structure, cty[f & old], month[f & old],
                                       streams.uniform("arbeid_med_bistand", len(person))[f & old])
    provider = np.full(len(person), -1, dtype=np.int16)
    provider_uniforms = [streams.uniform(f"provider.{part}", len(person)) for part in ("type", "unlisted", "pick")]
    for selected, period_code in ((f & old, OLD_PERIOD), (f & ~old, NEW_PERIOD)):
        provider[selected] = draw_provider(parameters, structure, cty[selected], period_code,
                                           *(u[selected] for u in provider_uniforms))[1]
    add_spells(rows["tiltak"], streams.scoped("programme_spells"), period, person, month,
               calendar[person, last_col], programme_code=code, provider=provider, office=office[person])
    in_population = f & (month >= FIRST_POPULATION_MONTH) & (month <= LAST_POPULATION_MONTH)
    entrants = {"gammelt": int((in_population & old).sum()),
                "nytt": int((in_population & ~old).sum()),
                "nytt_til_2017": int((in_population & ~old & (month <= LAST_POPULATION_MONTH - 12)).sum())}

    trial = np.full(n, TRIALS.index(name), dtype=np.int8)
    return {"trial": trial, "intervention": intervention, "unit": unit, "start_month": start_month,
            "start_day": start_day, "birth_year": birth_year, "female": ~male, "landgruppe": landgruppe,
            "education": education, "married": married, "children": children,
            "upper_secondary": upper_secondary, "income": np.round(income), "hours_at_start": hours_at_start,
            "rows": rows, "entrants": entrants}


def _by_arm(intervention: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(intervention[:, None], a, b)


def _erfinv(x: np.ndarray) -> np.ndarray:
    from scipy.special import erfinv

    return erfinv(np.clip(x, -1 + 1e-12, 1 - 1e-12))


def forsok_table(trials: Trials, ids) -> pd.DataFrame:
    """The contract's `forsok` table for the participants with person ids `ids`."""
    from helpers.contract import STRING_DTYPE
    from helpers.synth.assemble import dates

    return pd.DataFrame({
        "person_id": ids,
        "forsok": pd.array(np.array(TRIALS)[trials.trial], dtype=STRING_DTYPE),
        "enhet": pd.array(trials.unit.astype(str), dtype=STRING_DTYPE),
        "gruppe": pd.array(np.where(trials.intervention, ARMS[0], ARMS[1]), dtype=STRING_DTYPE),
        "startdato": dates(trials.start_month, trials.start_day),
        "gift": trials.married.astype(bool),
        "har_barn": trials.children.astype(bool),
        "fullfort_vgs": trials.upper_secondary.astype(bool),
        "inntekt": trials.income.astype(float),
        "arbeidstid": trials.hours_at_start.astype(float),
    })
