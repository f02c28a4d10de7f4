"""The synthetic survey (helpers.synth.survey): the contract, the respondents, answers
calibrated to the published prose facts, and the practice switch."""
from __future__ import annotations

import pytest

from helpers import replication, survey, synth
from helpers.contract import validate
from helpers.synth.survey import QUESTIONS, apportion
from helpers.tables import table_data


@pytest.fixture(scope="module")
def default_extract():
    tables, meta = synth.generate(0.05)  # the survey's size does not scale with the population
    return synth.extract_in_memory(tables, meta)


def test_survey_and_codebook_follow_the_contract(default_extract):
    assert validate(default_extract) == []
    book = default_extract["sporreundersokelse_kodebok"]
    assert list(book["sporsmal"]) == [q.name for q in QUESTIONS]
    assert set(book["sporsmal"]) <= set(default_extract["sporreundersokelse"].columns)


def test_respondent_counts_are_the_published_ones(default_extract):
    spec = synth.load_parameters()["sporreundersokelse"]["respondenter"]
    assert survey.group_sizes(default_extract) == {"2015": spec["2015"], "2019": spec["2019"],
                                                  "landet": spec["landet"]}
    data = default_extract["sporreundersokelse"]
    listed = set(default_extract["leverandorer"]["leverandor_id"])
    assert data["leverandor_id"].isin(listed).all()
    assert data["respondent_id"].is_unique


def test_apportion_adds_up_and_follows_the_weights():
    counts = apportion(76, [0.75, 0.25])
    assert counts.tolist() == [57, 19]
    assert apportion(10, [1, 1, 1]).sum() == 10


def test_every_survey_fact_is_within_its_tolerance_in_the_replication(default_extract, tmp_path):
    """The issue's bar: shares within 2 percentage points, averages within 0.3, as the
    Replikasjon appendix lists them."""
    folder = tmp_path / "tabeller"
    folder.mkdir()
    table_data(survey.key_figures(default_extract), survey.FACTS_TABLE).to_csv(
        folder / f"{survey.FACTS_TABLE}.csv", index=False)
    for fact_set in ("sporreundersokelse", "sporreundersokelse_snitt"):
        facts = replication.prose_facts(folder, fact_set)
        assert len(facts) >= 10 if fact_set == "sporreundersokelse_snitt" else len(facts) >= 20
        assert (facts["status"] == replication.WITHIN).all(), facts[facts["status"] != "ja"]


def test_same_provider_answers_alike_on_practice_questions(default_extract):
    """Practice answers share the provider's score: the between-provider share of the
    variance of employer contacts is well above what independent answers would give."""
    data = survey.responses(default_extract)
    data = data[data["group"] != "landet"]
    order = ["0", "1–2", "3–5", "6–10", "Flere enn 10"]
    score = data["arbeidsgiverkontakter"].map({c: i for i, c in enumerate(order)}).astype(float)
    groups = score.groupby(data["leverandor_id"])
    between = groups.transform("mean")
    within_var = ((score - between) ** 2).mean()
    assert within_var < 0.8 * score.var()
