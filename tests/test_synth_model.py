"""The generator's parts (helpers.synth): the component list, named random streams, the
distribution helpers and the structure's draws."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import synth
from helpers.contract import TABLES
from helpers.synth import draws, employment, persons
from helpers.synth.rows import TABLE_COLUMNS, SpellRows, add_spells
from helpers.synth.streams import Streams
from helpers.synth.structure import NEW_PERIOD, OLD_PERIOD

SMALL = 0.02


def _generate(**kwargs):
    return synth.generate(SMALL, **kwargs)[0]


# --------------------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------------------

def test_components_read_only_what_earlier_components_add():
    """COMPONENTS states the order once: every component reads only state that an earlier
    one added, no state is added twice, and together they add every table the generator
    writes (the spell tables, also by more than one component, and the reference tables)."""
    available = {"scale"}
    state_added: list[str] = []
    tables_added: set[str] = set()
    for component in synth.COMPONENTS:
        assert set(component.reads) <= available, component.name
        for name in component.adds:
            if name in TABLES:
                tables_added.add(name)
            else:
                state_added.append(name)
        available |= set(component.adds)
    assert len(state_added) == len(set(state_added))
    assert set(TABLE_COLUMNS) <= tables_added
    assert tables_added | {"personer", "forsok"} == set(_generate())
    assert [c.name for c in synth.COMPONENTS] == [
        "structure", "trials", "persons", "programmes", "employment", "benefits", "trial_spells",
        "reference", "survey"]


def test_a_component_must_add_what_it_declares(monkeypatch):
    components = list(synth.COMPONENTS)
    benefits = next(c for c in components if c.name == "benefits")
    position = components.index(benefits)

    def run(parameters, streams, structure, persons):
        added = benefits.run(parameters, streams, structure, persons)
        del added["ytelser"]
        return added

    components[position] = dataclasses.replace(benefits, run=run)
    monkeypatch.setattr(synth, "COMPONENTS", tuple(components))
    with pytest.raises(RuntimeError, match="declared"):
        _generate()
    components[position] = benefits
    monkeypatch.setattr(synth, "COMPONENTS", tuple(reversed(components)))
    with pytest.raises(RuntimeError, match="wrong order"):
        _generate()


def test_an_extra_draw_in_one_component_moves_no_other_draw(monkeypatch):
    """Stable streams: an employment component that draws one more quantity (a second
    small job for some persons) adds rows of its own and changes nothing else: every
    other table is identical, and every row it made before is still there."""
    before = _generate()
    components = list(synth.COMPONENTS)
    index = [c.name for c in components].index("employment")
    original = components[index]

    def run(parameters, streams, structure, persons, wage_subsidies):
        added = original.run(parameters, streams, structure, persons, wage_subsidies)
        n = len(persons)
        who = np.flatnonzero(streams.uniform("second_small_job.has", n) < 0.5)
        add_spells(added["arbeidsforhold"], streams.scoped("second_small_job.spells"), structure.period,
                   who, persons.entry_month[who], persons.entry_month[who] + 2, hours=1.0)
        return added

    components[index] = dataclasses.replace(original, run=run)
    monkeypatch.setattr(synth, "COMPONENTS", tuple(components))
    after = _generate()
    for name in before:
        if name != "arbeidsforhold":
            assert after[name].equals(before[name]), name
    jobs_before, jobs_after = before["arbeidsforhold"], after["arbeidsforhold"]
    assert len(jobs_after) > len(jobs_before)
    merged = jobs_before.merge(jobs_after.drop_duplicates(), how="left", indicator=True)
    assert (merged["_merge"] == "both").all()


def test_an_unused_draw_changes_nothing(monkeypatch):
    """A draw added at the start of an upstream component (persons) moves nothing: with a
    shared matrix of uniforms every later column would have shifted."""
    before = _generate()
    components = list(synth.COMPONENTS)
    original = components[1]

    def run(parameters, streams, scale, structure):
        streams.uniform("entry.something_new", 10 ** 4)
        return original.run(parameters, streams, scale, structure)

    components[1] = dataclasses.replace(original, run=run)
    monkeypatch.setattr(synth, "COMPONENTS", tuple(components))
    after = _generate()
    assert all(after[name].equals(before[name]) for name in before)


def test_every_draw_comes_from_a_component_stream():
    streams = Streams(synth.DEFAULT_SEED)
    synth.run_components(synth.load_parameters(), SMALL, streams)
    names = streams.drawn
    assert len(names) > 50
    prefixes = {name.split(".")[0] for name in names}
    assert prefixes <= {c.name for c in synth.COMPONENTS}
    assert "employment.earlier_job.started" in names
    assert "persons.characteristics.reduced_capacity" in names


def test_persons_are_stored_compactly():
    """Per-person arrays use at most 4 bytes an element (booleans, int8/16/32), so the
    generator can reach many times the study's size."""
    streams = Streams(synth.DEFAULT_SEED)
    state, _, _ = synth.run_components(synth.load_parameters(), SMALL, streams)
    people = state["persons"]
    for field in dataclasses.fields(people):
        values = getattr(people, field.name)
        assert len(values) == len(people), field.name
        assert values.dtype.itemsize <= 4 and values.dtype.kind in "biu", (field.name, values.dtype)
    assert people.female.dtype == bool and people.entry_month.dtype == np.int32


# --------------------------------------------------------------------------------------
# Streams
# --------------------------------------------------------------------------------------

def test_a_stream_depends_only_on_seed_and_name():
    a, b = Streams(7), Streams(7)
    assert np.array_equal(a.uniform("x.y", 10)[:4], b.uniform("x.y", 4))  # widening keeps values
    assert not np.array_equal(Streams(7).uniform("x.z", 4), Streams(7).uniform("x.y", 4))
    assert not np.array_equal(Streams(8).uniform("x.y", 4), Streams(7).uniform("x.y", 4))
    scoped = Streams(7).scoped("x")
    assert np.array_equal(scoped.uniform("y", 4), Streams(7).uniform("x.y", 4))
    u = Streams(1).uniform("u", 10 ** 5)
    assert u.min() > 0 and u.max() <= 1 and abs(u.mean() - 0.5) < 0.01


def test_a_stream_is_drawn_once():
    streams = Streams(3)
    streams.uniform("persons.age", 5)
    with pytest.raises(ValueError, match="drawn twice"):
        streams.scoped("persons").uniform("age", 5)
    assert streams.drawn == ["persons.age"]
    with pytest.raises(ValueError):
        Streams(-1)


# --------------------------------------------------------------------------------------
# Draws and structure
# --------------------------------------------------------------------------------------

def test_helpers_draws():
    u = np.linspace(0.001, 1.0, 20001)
    assert abs(draws.geometric1(u, 6.0).mean() - 6.0) < 0.1
    assert abs(draws.geometric0(u, 3.0).mean() - 3.0) < 0.1
    assert draws.geometric1(u, 1.0).max() == 1
    cats = draws.categorical(u, np.array([0.2, 0.3, 0.5]))
    assert np.allclose(np.bincount(cats) / len(u), [0.2, 0.3, 0.5], atol=0.001)
    per_row = draws.categorical(u, np.tile([2.0, 3.0, 5.0], (len(u), 1)))  # rows need not sum to 1
    assert np.array_equal(per_row, cats)
    assert np.allclose(np.bincount(draws.choose_index(u, np.array([1.0, 0.0, 3.0])), minlength=3) / len(u),
                       [0.25, 0.0, 0.75], atol=0.001)
    whole = draws.whole(u, 28)
    assert whole.min() == 0 and whole.max() == 27
    assert np.allclose(draws.expit(draws.logit(np.array([0.1, 0.5, 0.9]))), [0.1, 0.5, 0.9])


def test_offices_and_providers_are_drawn_within_the_county():
    parameters = synth.load_parameters()
    structure = synth.structure.run(parameters, Streams(5).scoped("structure"))["structure"]
    n = 20000
    county = Streams(5).integers("county", 0, len(structure.counties) - 1, n).astype(np.int16)
    office = structure.offices.draw(county, Streams(5).uniform("office", n))
    assert np.array_equal(structure.offices.county[office], county)
    assert set(np.unique(office)) == set(range(len(structure.offices)))  # every office used
    assert (structure.offices.utvidet_start < 2021 * 12).sum() == sum(
        parameters["utvidet"]["kontorer_starter_per_ar"].values())
    for period in (OLD_PERIOD, NEW_PERIOD):
        ptype, provider = persons.draw_provider(
            parameters, structure, county, period,
            *(Streams(5).uniform(f"{period}.{part}", n) for part in ("type", "unlisted", "pick")))
        listed = provider < structure.providers.n_listed
        assert np.array_equal(structure.providers.type[provider[listed]], ptype[listed])
        assert (ptype[~listed] == 3).all() and (~listed).any()  # unlisted ids are type ukjent
        assert np.all(structure.providers.count[county, period, ptype] > 0)


def test_spell_pieces_cover_the_months_they_are_given():
    """add_spells stores each spell as one row or two pieces; either way the first piece
    starts at `start` and the last ends at `stop`, and gaps inside are 1-5 months."""
    parameters = synth.load_parameters()
    structure = synth.structure.run(parameters, Streams(5).scoped("structure"))["structure"]
    period = structure.period
    n = 5000
    rows = SpellRows("arbeidsforhold")
    start = np.full(n, period.first_month + 30, dtype=np.int32)
    stop = start + np.arange(n, dtype=np.int32) % 40
    add_spells(rows, Streams(5), period, np.arange(n), start, stop, split=0.3, gap=0.3,
               hours=employment.FULL_TIME_HOURS)
    spells = rows.arrays()
    order = np.lexsort((spells["start_month"], spells["person"]))
    spells = {k: v[order] for k, v in spells.items()}
    first = np.r_[True, spells["person"][1:] != spells["person"][:-1]]
    last = np.r_[first[1:], True]
    assert np.array_equal(spells["start_month"][first], start)
    assert np.array_equal(spells["stop_month"][last], stop)
    second = ~first
    gap = spells["start_month"][second] - spells["stop_month"][np.flatnonzero(second) - 1] - 1
    # Adjacent pieces meet inside one month (-1: the second starts the day after the first
    # ends); otherwise 1-5 whole months lie between them.
    assert set(np.unique(gap)) == {-1, 1, 2, 3, 4, 5}
    adjacent = np.flatnonzero(second)[gap == -1]
    assert np.array_equal(spells["start_day"][adjacent], spells["stop_day"][adjacent - 1] + 1)
    assert np.bincount(spells["person"]).max() == 2
    assert spells["start_day"].max() <= 27 and spells["stop_day"].max() <= 27


# --- the job-outcome model (helpers.synth.employment) ------------------------------------

def test_outcome_probability_is_the_linear_model_kept_in_bounds():
    """P(job at 12) = sum of lpm x term, + lpm_nytt x term in the new programme, clipped."""
    terms = {name: np.zeros(4) for name in employment.TERMS}
    terms["konstant"][:] = 1.0
    terms["nytt"] = np.array([0.0, 1.0, 1.0, 0.0])
    terms["kvinne"] = np.array([1.0, 1.0, 0.0, 0.0])
    terms["nedsatt"] = np.array([0.0, 0.0, 0.0, 1.0])
    parameters = {"utfall": {"lpm": {"konstant": 0.3, "nytt": 0.05, "kvinne": -0.02,
                                     "nedsatt": -0.4},
                             "lpm_nytt": {"kvinne": 0.1}}}
    p = employment.outcome_probability(parameters, terms)
    # woman old: .3 - .02; woman new: .3 + .05 - .02 + .1; man new: .35; reduced capacity: clipped
    assert np.allclose(p, [0.28, 0.43, 0.35, employment.P12_BOUNDS[0]])


def test_outcome_path_runs_through_p12_and_p24():
    p12, p24 = np.array([0.2, 0.6]), np.array([0.3, 0.6])
    path = employment.outcome_path(p12, p24, np.array([False, True]))
    assert path.shape == (2, employment.HORIZON + 1)
    assert path[0, 0] == 0.0 and path[1, 0] == 1.0
    assert np.allclose(path[:, 12], p12) and np.allclose(path[:, 24], p24)
    assert np.allclose(path[0, 18], 0.25)                 # linear in the second year
    assert (np.diff(path[0]) >= 0).all() and (np.diff(path[1, :13]) <= 0).all()


def test_runs_of_months_in_a_job():
    status = np.array([[1, 1, 0, 0, 1], [0, 0, 0, 0, 0], [0, 1, 1, 1, 0]], dtype=bool)
    rows, first, last = employment._runs(status)
    assert rows.tolist() == [0, 0, 2] and first.tolist() == [0, 4, 1] and last.tolist() == [1, 4, 3]


def test_the_generated_share_in_a_job_at_12_months_is_the_mean_probability():
    """Of the population's persons without a job at entry, the share with a job (>= 4 h) in
    the month 12 months after entry is the mean of their p12 (within 4 binomial standard
    errors): sheltered work goes only to those with no path job, so it is left out, and the
    earlier, later and small jobs cannot cover that month."""
    parameters = synth.load_parameters()
    state, spells, _ = synth.run_components(parameters, SMALL, Streams(synth.DEFAULT_SEED))
    persons, structure = state["persons"], state["structure"]
    # the same draws as the component: a fresh set of streams with the same names
    history = employment._earlier_job(
        parameters, Streams(synth.DEFAULT_SEED).scoped("employment").scoped("earlier_job"),
        structure, persons, SpellRows("arbeidsforhold"), state["wage_subsidies"])
    p12 = employment.outcome_probability(
        parameters, employment.outcome_terms(structure, persons, history))
    # the main persons' rows (the trial participants are numbered after them)
    jobs = {k: v[spells["arbeidsforhold"].arrays()["person"] < len(persons)]
            for k, v in spells["arbeidsforhold"].arrays().items()}
    programmes = {k: v[spells["tiltak"].arrays()["person"] < len(persons)]
                  for k, v in spells["tiltak"].arrays().items()}
    month = persons.entry_month + 12
    covering = ((jobs["start_month"] <= month[jobs["person"]])
                & (jobs["stop_month"] >= month[jobs["person"]]) & (jobs["hours"] >= 4))
    in_job = np.zeros(len(persons), dtype=bool)
    in_job[jobs["person"][covering]] = True
    sheltered = np.zeros(len(persons), dtype=bool)
    sheltered[programmes["person"][programmes["programme_code"]
                                   == employment.CODE["TILRETTELAGT_ARBEID"]]] = True
    who = persons.in_population & ~persons.employed_at_entry & (persons.programme <= 1)
    observed = (in_job & ~sheltered)[who].mean()
    expected = p12[who].mean()
    se = np.sqrt(expected * (1 - expected) / who.sum())
    assert abs(observed - expected) < 4 * se, (observed, expected, se)
