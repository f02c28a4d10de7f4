"""helpers.synth.trials: the synthetic SE trials - the chain keeps its share path, SE-KLAR's
baseline is met exactly, and trial participants who enter the study's population count
towards its quotas, so the study's counts stay exact."""
import numpy as np
import pandas as pd
import pytest

from helpers import synth, trial_data, trial_tables
from helpers.published import published_values
from helpers.spells import build_frame
from helpers.synth import trials
from helpers.synth.streams import Streams


def test_share_path_is_linear_between_knots_and_flat_outside():
    path = trials.share_path({-12: 0.2, 0: 0.5, 12: 0.3}, np.array([-24, -12, -6, 0, 6, 12, 40]))
    assert np.allclose(path, [0.2, 0.2, 0.35, 0.5, 0.4, 0.3, 0.3])


def test_chain_keeps_the_share_path_with_persistence():
    rng = np.random.default_rng(7)
    n, T = 20000, trials.MONTHS_BEFORE + 30
    months = np.arange(T) - trials.MONTHS_BEFORE
    q = np.broadcast_to(trials.share_path({-24: 0.1, 0: 0.3, 6: 0.6, 30: 0.2}, months), (n, T))
    state0 = rng.random(n) < 0.3
    state = trials.chain(q, state0, 0.05, rng.random((n, T)))
    assert np.array_equal(state[:, trials.MONTHS_BEFORE], state0)
    shares = state.mean(axis=0)
    se = np.sqrt(q[0] * (1 - q[0]) / n)
    assert (np.abs(shares - q[0]) < 4.5 * se).all()
    # persistent: far fewer changes of state than independent monthly draws would give
    changes = np.abs(np.diff(state.astype(int), axis=1)).mean()
    independent = (2 * q[0, 1:] * (1 - q[0, 1:])).mean()
    assert changes < 0.5 * independent


def test_exact_flags_per_group():
    groups = [np.arange(0, 167), np.arange(167, 268)]
    flag = trials._exact_flags(Streams(1), "x", groups, [0.569, 0.673])
    assert flag[:167].sum() == 95 and flag[167:].sum() == 68


def test_exact_categories_sum_to_the_group():
    groups = [np.arange(0, 167), np.arange(167, 268)]
    cats = trials._exact_categories(Streams(1), "y", groups, [[1.8, 0.6, 86.8, 0.6, 10.2], [4.0, 0, 90.1, 0, 5.9]])
    assert np.bincount(cats[:167], minlength=5).tolist() == [3, 1, 145, 1, 17]
    assert np.bincount(cats[167:], minlength=5).tolist() == [4, 0, 91, 0, 6]


@pytest.fixture(scope="module")
def default_extract():
    tables, meta = synth.generate()
    return synth.extract_in_memory(tables, meta)


def test_trial_sizes_and_arms(default_extract):
    forsok = default_extract["forsok"]
    counts = forsok.groupby(["forsok", "gruppe"]).size()
    assert counts[("SE-KLAR", "intervensjon")] == 167 and counts[("SE-KLAR", "kontroll")] == 101
    assert counts["SE-NAV"].sum() == 3737
    share = counts[("SE-NAV", "intervensjon")] / 3737
    assert abs(share - 0.35) < 3 * np.sqrt(0.35 * 0.65 / 3737)
    assert forsok.loc[forsok["forsok"] == "SE-KLAR", "enhet"].nunique() == 4
    assert forsok.loc[forsok["forsok"] == "SE-NAV", "enhet"].nunique() == 7
    start = forsok.groupby("forsok")["startdato"].agg(["min", "max"])
    assert start.loc["SE-NAV", "min"].year == 2014 and start.loc["SE-NAV", "max"].year == 2017


def test_se_klar_baseline_meets_tabell_1(default_extract):
    """Every share of SE-KLAR Tabell 1 within half a percentage point (exact counts), the
    means within a tenth of a year / 1 % of income, the hours within 0,5."""
    base = trial_data.baseline(default_extract)
    ours = trial_tables.balance_table(base[base["forsok"] == "SE-KLAR"])
    published = published_values("se_klar_tabell_1")
    merged = ours.merge(published, on=["row", "column", "unit"], suffixes=("", "_pub"))
    arms = merged[merged["column"].isin(["Intervensjon", "Kontroll"])]
    assert len(arms) == 2 * 16
    for unit, allowed in (("percent", 0.5), ("years", 0.3), ("count", 0), ("hours", 0.5)):
        rows = arms[arms["unit"] == unit]
        assert (rows["value"] - rows["value_pub"]).abs().max() <= allowed, unit
    income = arms[arms["unit"] == "nok"]
    assert ((income["value"] / income["value_pub"]) - 1).abs().max() < 0.01


def test_follow_up_programme_at_most_once_and_only_after_start(default_extract):
    forsok = default_extract["forsok"][["person_id", "startdato"]]
    tiltak = default_extract["tiltak"].merge(forsok, on="person_id")
    follow = tiltak[tiltak["tiltakskode"].isin(trial_data.FOLLOW_UP_CODES)]
    assert (follow.groupby("person_id")["fra_dato"].min().dt.to_period("M")
            > forsok.set_index("person_id").loc[follow["person_id"].unique(), "startdato"].dt.to_period("M")).all()
    # one participation per person: its pieces touch (a split spell), never a second start
    # after a gap of six months or more
    follow = follow.sort_values(["person_id", "fra_dato"])
    gap = follow.groupby("person_id")["fra_dato"].shift(-1) - follow["til_dato"]
    assert (gap.dropna() <= pd.Timedelta(days=31 * 6)).all()


def test_population_counts_stay_exact_with_trial_entrants():
    """At scale 0.2 the trial participants who enter Oppfølging in 2013-2018 are entrants of
    the population, and the persons component draws that many fewer: old and new entrants
    are exactly round(0.2 x populasjon)."""
    params = synth.load_parameters()
    tables, meta = synth.generate(0.2, params=params)
    extract = synth.extract_in_memory(tables, meta)
    frame = build_frame(extract)
    population = frame[frame["programme"].isin(["gammelt", "nytt"])]
    trial_ids = set(extract["forsok"]["person_id"])
    assert population["person_id"].isin(trial_ids).sum() > 0
    counts = population["programme"].value_counts()
    assert counts["gammelt"] == round(0.2 * params["populasjon"]["gammelt"])
    assert counts["nytt"] == round(0.2 * params["populasjon"]["nytt"])


def test_tabell_2_months_come_out_of_the_calibrated_process(default_extract):
    """The default extract's Tabell 2 arm means, each within its tolerance (1 month; hours
    0,5 a week), as `python -m helpers calibrate-trials` fitted them."""
    from helpers import trial_calibration

    table = trial_calibration.calibration_table(default_extract)
    assert len(table) == 32
    assert table["ok"].all(), table.loc[~table["ok"], ["row", "arm", "target", "synthetic"]]


def test_arms_of_se_nav_do_not_differ_at_start_more_than_chance(default_extract):
    base = trial_data.baseline(default_extract)
    nav = trial_tables.balance_table(base[base["forsok"] == "SE-NAV"])
    joint = nav.loc[nav["row"] == "Samlet F-test", "value"].iloc[0]
    assert joint > 0.001
