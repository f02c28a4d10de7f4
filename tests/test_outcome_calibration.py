"""The fit of the synthetic job-outcome model to chapter 4 (helpers.outcome_calibration): its
values are the book's own estimates, and one step moves a pushed-off parameter back."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import measures, models, outcome_calibration, published, synth
from helpers.spells import build_frame


@pytest.fixture(scope="module")
def frame_and_params():
    parameters = synth.load_parameters()
    generated, meta = synth.generate(scale=0.1, params=parameters)
    return build_frame(synth.extract_in_memory(generated, meta)), parameters


def test_targets_are_every_published_cell_of_tabell_4_1_and_4_2():
    targets = outcome_calibration.outcome_targets().set_index("id")
    assert len(targets) == 17 + 2 + 2 * 24
    assert targets.loc["t42_programme_new", "target"] == 0.0299
    assert targets.loc["t42_n", "target"] == 68707
    assert targets.loc["t41_alle_nytt", "target"] == published.published_cell(
        "tabell_4_1", "Alle", "Nytt")
    assert (targets.loc[targets.index.str.startswith("t41_"), "tolerance"] == 1.5).all()


def test_values_are_the_books_estimates(frame_and_params):
    """Coefficients equal helpers.models.table_4_2 (pyfixest) to 1e-8; cells equal
    helpers.measures.job_by_group on entrants 2013–2017."""
    frame, _ = frame_and_params
    values = outcome_calibration.outcome_values(frame)
    table = models.table_4_2(frame)
    coef = table.coefficients.set_index("term")["estimate"]
    for term in outcome_calibration.MODEL_TERMS:
        assert abs(values[f"t42_{term}"] - coef[term]) < 1e-8, term
    assert values["t42_n"] == table.statistics["n"].item()
    assert np.isclose(values["t42_mean"], table.statistics["mean_outcome"].item())
    sample = models.table_4_1_sample(frame)
    old = measures.job_by_group(sample[sample["programme"] == "gammelt"]).set_index("variable")
    assert np.isclose(values["t41_alle_gammelt"], old.loc["all", "value"])
    assert np.isclose(values["t41_na_gammelt"], old.loc["na", "value"])


def test_frame_terms_match_the_generator_where_both_see_them(frame_and_params):
    frame, _ = frame_and_params
    terms = outcome_calibration.frame_terms(frame)
    assert (terms["konstant"] == 1).all()
    assert np.array_equal(terms["nytt"], (frame["programme"] == "nytt").to_numpy(float))
    assert np.array_equal(terms["nytt:kvinne"], terms["nytt"] * terms["kvinne"])
    age = frame["age"].to_numpy(float)
    assert np.array_equal(terms["alder_50_pluss"], (age >= 50).astype(float))


def test_responding_terms_leave_out_persons_held_at_a_bound(frame_and_params):
    """With every outcome parameter zero but a constant of 0.5 and +0.6 for women, women's
    linear probability (1.1) is above the generator's upper bound: their rows are zero, men's
    rows (0.5, inside the bounds) are the unmasked terms. Without parameters nothing is
    masked."""
    import copy

    frame, parameters = frame_and_params
    frame = frame.head(400)
    params = copy.deepcopy(parameters)
    for section in ("lpm", "lpm_nytt"):
        params["utfall"][section] = {term: 0.0 for term in params["utfall"][section]}
    params["utfall"]["lpm"].update(konstant=0.5, kvinne=0.6)
    unmasked = outcome_calibration.responding_terms(frame)
    masked = outcome_calibration.responding_terms(frame, params)
    women = outcome_calibration.frame_terms(frame)["kvinne"].to_numpy() == 1
    assert 0 < women.sum() < len(frame)
    assert np.array_equal(unmasked, outcome_calibration.frame_terms(frame)[
        outcome_calibration._parameter_columns()].to_numpy(float))
    assert (masked[women] == 0).all()
    assert np.array_equal(masked[~women], unmasked[~women])


@pytest.mark.slow
def test_one_step_moves_a_pushed_off_programme_effect_back(frame_and_params):
    """With utfall.lpm.nytt pushed 0.12 too high, the estimated programme coefficient is far
    above Tabell 4.2's 0.0299. One step (no damping) moves it back: on the linear map its
    prediction is within 60 % of the start's distance, and on a newly generated extract the
    estimate within 75 % (the step also answers the other 66 targets, under a ridge and a
    cap, and scale 0.1 is noisy; `calibrate` repeats it)."""
    import copy

    _, parameters = frame_and_params
    pushed = copy.deepcopy(parameters)
    pushed["utfall"]["lpm"]["nytt"] += 0.12
    target = outcome_calibration.outcome_targets().set_index("id").loc["t42_programme_new",
                                                                       "target"]

    def generated(params):
        data, meta = synth.generate(scale=0.1, params=params)
        return build_frame(synth.extract_in_memory(data, meta))

    frame = generated(pushed)
    linear = outcome_calibration._linear(frame, pushed)
    before = linear.values["t42_programme_new"]
    step = outcome_calibration.outcome_step(pushed, frame, damp=1.0)
    change = np.array([step[("utfall", section)][term] - pushed["utfall"][section].get(term, 0.0)
                       for section, term in outcome_calibration.PARAMETERS])
    predicted = before + linear.jacobian["t42_programme_new"] @ change
    moved = copy.deepcopy(pushed)
    moved["utfall"]["lpm"] = step[("utfall", "lpm")]
    moved["utfall"]["lpm_nytt"] = step[("utfall", "lpm_nytt")]
    after = outcome_calibration.outcome_values(generated(moved))["t42_programme_new"]
    assert before - target > 0.04
    assert abs(predicted - target) < 0.6 * abs(before - target), (before, predicted)
    assert abs(after - target) < 0.75 * abs(before - target), (before, after)
