"""The synthetic extract generator as a whole (helpers.synth): determinism, contract,
exact counts, the designed entries, and the register quirks it is meant to exercise.
The components, streams and draws one by one: tests/test_synth_model.py."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import published, synth
from helpers.contract import (
    EDUCATION_LEVELS,
    FOLLOW_UP_CODES,
    PROGRAMME_CODES,
    PROVIDER_TYPES,
    TABLES,
    load_extract,
    validate,
)
from helpers.spells import build_frame, month_number
from helpers.synth import assemble, persons
from helpers.synth.streams import Streams

SMALL = 0.02


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.name != ".helpers-output"}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "uttrekk"
    assert synth.cli([str(out), "--scale", str(SMALL)]) == 0
    return out


@pytest.fixture(scope="module")
def medium():
    """Scale 0.05 in memory, with its analysis frame."""
    tables, meta = synth.generate(0.05)
    extract = synth.extract_in_memory(tables, meta)
    return tables, extract, build_frame(extract)


def test_same_seed_gives_identical_bytes(written, tmp_path):
    again = tmp_path / "igjen"
    assert synth.cli([str(again), "--scale", str(SMALL)]) == 0
    first, second = _hashes(written), _hashes(again)
    expected = {f"{n}.parquet" for n in TABLES} | {"uttrekk.json"}
    assert set(first) == expected
    assert first == second


def test_different_seed_gives_different_extract():
    a, _ = synth.generate(SMALL, seed=1)
    b, _ = synth.generate(SMALL, seed=2)
    # same design: the same trials; the persons differ only by the trial participants who
    # enter the population in place of a designed entrant (a random number)
    assert len(a["forsok"]) == len(b["forsok"])
    assert abs(len(a["personer"]) - len(b["personer"])) <= 0.01 * len(a["personer"])
    assert not a["tiltak"].equals(b["tiltak"])       # ... different draws
    assert not a["personer"].equals(b["personer"])


def test_written_extract_loads_and_validates(written):
    extract = load_extract(written)
    assert extract.is_synthetic
    assert json.loads((written / "uttrekk.json").read_text())["uttrekksdato"] == "2020-12-31"
    assert str(extract.uttrekksdato.date()) == "2020-12-31"
    assert validate(extract) == []


def test_in_memory_tables_follow_the_contract(medium):
    tables, extract, _ = medium
    assert validate(extract) == []
    for name, table in tables.items():
        base = TABLES[name].column_names
        if TABLES[name].open_columns:  # the survey: its fixed columns, then one per question
            assert list(table.columns[:len(base)]) == base and len(table.columns) > len(base)
        else:
            assert list(table.columns) == base


def test_population_counts_are_exact(medium):
    _, _, frame = medium
    counts = frame["programme"].value_counts()
    assert counts["gammelt"] == round(0.05 * 46865)
    assert counts["nytt"] == round(0.05 * 32851)
    assert counts["utvidet"] > 0  # Utvidet entrants 2017-2018 are entrants of their own
    years = frame["entry_month"].str[:4].astype(int)
    assert years.between(2013, 2018).all()
    assert (years[frame["programme"] == "utvidet"] >= 2017).all()


def test_designed_entries_are_exactly_what_the_frame_finds(medium):
    """The report's entry definition (helpers.spells.build_frame) finds exactly the
    population entries the generator designed: the same persons, in the same month,
    programme, provider, office and county, with the characteristics drawn for them."""
    tables, _, frame = medium
    streams = Streams(synth.DEFAULT_SEED)
    state, spells, _ = synth.run_components(synth.load_parameters(), 0.05, streams)
    again = assemble.tables(streams.scoped("assemble"), state["structure"], state["persons"], spells,
                            state["trials"])
    assert all(again[name].equals(tables[name]) for name in again)  # generate() is these steps
    people, structure = state["persons"], state["structure"]
    id_rank, ids_in_order = assemble.person_ids(Streams(synth.DEFAULT_SEED).scoped("assemble"),
                                                len(people) + len(state["trials"]))
    population = np.flatnonzero(people.in_population)
    ids = np.asarray(ids_in_order.take(id_rank[population]), dtype=object)
    # the frame's entrants: the designed ones and the trial participants who entered
    trial_ids = set(tables["forsok"]["person_id"])
    assert sorted(ids) == sorted(frame.loc[~frame["person_id"].isin(trial_ids), "person_id"])
    assert frame["person_id"].isin(trial_ids).sum() == sum(state["trials"].entrants[k]
                                                           for k in ("gammelt", "nytt"))
    found = frame.set_index("person_id").loc[ids]
    month = people.entry_month[population]
    provider = people.provider[population]
    designed = {
        "entry_month": [f"{m // 12}-{m % 12 + 1:02d}" for m in month],
        "programme": np.array(persons.PROGRAMMES)[people.programme[population]],
        "programme_code": np.array(PROGRAMME_CODES)[people.programme_code[population]],
        "leverandor_id": np.where(provider >= 0, structure.providers.id[provider], None),
        "provider_type": np.where(people.provider_type[population] >= 0,
                                  np.array(PROVIDER_TYPES)[people.provider_type[population]], "ukjent"),
        "nav_kontor": structure.offices.code[people.office[population]],
        "fylke": structure.counties.code[people.county[population]],
        "female": people.female[population],
        "age": people.age[population],
        "landgruppe": people.landgruppe[population],
        "education": np.append(EDUCATION_LEVELS, "ukjent")[people.education[population]],
        "reduced_capacity": people.reduced_capacity[population],
        "aap": people.on_aap[population],
    }
    provider_id = found["leverandor_id"].astype(object)
    found = found.assign(aap=found["aap_diagnosis"] != "ikke_aap",
                         leverandor_id=provider_id.where(provider_id.notna(), None))
    for column, values in designed.items():
        assert list(found[column].astype(object)) == list(np.asarray(values, dtype=object)), column
    # Employment at entry: as designed except where a programme before entry was a wage
    # subsidy that went on into the entry month (its job counts too).
    assert (found["job_at_entry"].to_numpy() == people.employed_at_entry[population]).mean() > 0.99


def test_register_quirks_are_present(medium):
    tables, _, frame = medium
    tiltak = tables["tiltak"]
    fu = tiltak[tiltak["tiltakskode"].isin(FOLLOW_UP_CODES)].sort_values(["person_id", "fra_dato"])
    same = fu["person_id"].eq(fu["person_id"].shift())
    step = (fu["fra_dato"] - fu["til_dato"].shift()).dt.days
    assert (same & (step == 1)).sum() > 0, "adjacent pieces of one participation"
    gap = month_number(fu["fra_dato"]) - month_number(fu["til_dato"].shift()) - 1
    assert (same & gap.between(1, 5)).sum() > 0, "short gaps inside a participation"
    assert (same & (gap >= 6)).sum() > 0, "re-entries after >= 6 months"
    assert fu["til_dato"].isna().sum() > 0, "open spells ongoing at uttrekksdato"
    first = fu.groupby("person_id")["fra_dato"].min()
    outside = ~first.index.isin(frame["person_id"])
    assert (first[outside].dt.year < 2013).sum() > 0, "persons whose entry is before 2013"
    assert (first[outside].dt.year > 2018).sum() > 0, "persons whose entry is after 2018"
    assert (first[first.index.isin(frame["person_id"])].dt.year < 2013).sum() > 0, \
        "entrants with an earlier participation before 2013"
    utv = tiltak[tiltak["tiltakskode"] == "UTVIDET_OPPFOLGING"]
    assert len(utv) and utv["leverandor_id"].isna().all()
    assert utv["fra_dato"].min().year == 2017
    jobs = tables["arbeidsforhold"]
    assert (jobs["timer_per_uke"] < 4).sum() > 0 and (jobs["timer_per_uke"] >= 4).sum() > 0
    assert tables["ytelser"]["ytelse"].eq("UFORE").any()
    assert set(tables["leverandorer"]["leverandortype"]) == {"skjermet", "kommersiell", "ideell", "ukjent"}
    listed = set(tables["leverandorer"]["leverandor_id"])
    used = set(tiltak["leverandor_id"].dropna())
    assert used - listed, "some provider ids are missing from leverandorer (type ukjent)"
    assert {"ARBEIDSPRAKSIS", "AVKLARING", "LONNSTILSKUDD", "OPPLAERING",
            "ANNEN_OPPFOLGING"} <= set(tiltak["tiltakskode"])


def test_reference_tables(medium):
    tables, _, frame = medium
    fylker = tables["fylker"]
    assert len(fylker) == 18
    assert fylker["overgang_dato"].dt.year.isin([2015, 2016]).all()
    assert (fylker["overgang_dato"].dt.day == 1).all()
    led = tables["ledighet"]
    assert len(led) == 18 * 44 and led["kvartal"].min() == "2010Q1" and led["kvartal"].max() == "2020Q4"
    assert frame["unemployment_12"].notna().any()
    priser = tables["priser"].set_index(["tiltakskode", "aar"])["manedspris"]
    prices = pd.read_csv(published.PUBLISHED_DIR / "tabell_6_1.csv")
    value = dict(zip(prices["row"], prices["value"]))
    assert priser[("ARBEID_MED_BISTAND", 2014)] == value["Arbeid med bistand 2014"]
    assert priser[("OPPFOLGING", 2014)] == value["Oppfølging 2014"]
    assert priser[("OPPFOLGING", 2017)] == value["Oppfølging 2017"]
    assert set(tables["prisindeks"]["aar"]) == set(range(2010, 2021))


def test_population_sizes_in_parameters_match_published():
    from helpers.calibration import targets

    params = synth.load_parameters()
    t = targets().set_index("id")["target"]
    assert params["populasjon"]["gammelt"] == t["t21_sum_gammelt_antall"]
    assert params["populasjon"]["nytt"] == t["t21_sum_nytt_antall"]


def test_parameter_file_is_in_the_package_in_component_order():
    """parameters.yaml sits in helpers/synth/ and its sections follow COMPONENTS."""
    assert Path(synth.__file__).with_name("parameters.yaml") == synth.PARAMETERS_FILE
    assert synth.PARAMETERS_FILE.exists()
    text = synth.PARAMETERS_FILE.read_text(encoding="utf-8")
    banners = [line for line in text.splitlines() if line.startswith("# Component ")]
    modules = dict.fromkeys(f"helpers/synth/{component.run.__module__.rsplit('.', 1)[1]}.py"
                            for component in synth.COMPONENTS)  # a module's first component
    assert [line.split("(")[1].split(")")[0] for line in banners] == list(modules)
