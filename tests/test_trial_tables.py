"""helpers.trial_tables: the trial chapter's tables in the published shape, on hand-made
baselines and totals with answers known by hand."""
import numpy as np
import pandas as pd
import pytest

from helpers import trial_tables as tt
from helpers import trials
from tests.builders import ExtractBuilder


def _baseline(n1=10, n0=10, seed=3):
    rng = np.random.default_rng(seed)
    n = n1 + n0
    frame = pd.DataFrame({
        "person_id": [f"p{i}" for i in range(n)], "forsok": "SE-KLAR",
        "enhet": ["0101", "0102"] * (n // 2), "intervention": [1] * n1 + [0] * n0,
        "age": rng.normal(37, 10, n), "male": (np.arange(n) % 2).astype(float),
        "born_in_norway": 1.0, "married": (np.arange(n) % 3 == 0).astype(float),
        "children": (np.arange(n) % 4 == 0).astype(float), "upper_secondary": (np.arange(n) % 5 < 2).astype(float),
        "working_at_start": (np.arange(n) % 6 == 0).astype(float), "hours_at_start": rng.uniform(0, 10, n),
        "income": rng.uniform(1e5, 3e5, n), "aap_at_start": (np.arange(n) % 3 != 0).astype(float),
    })
    group = np.where(np.arange(n) % 7 == 0, "ukjent", np.where(np.arange(n) % 9 == 0, "standard", "spesielt_tilpasset"))
    for g in ("standard", "situasjonsbestemt", "spesielt_tilpasset", "varig_tilpasset", "ukjent"):
        frame[f"group_{g}"] = (group == g).astype(float)
    return frame


def test_balance_table_difference_is_control_minus_intervention_in_percent():
    base = _baseline()
    table = tt.balance_table(base)
    cell = table.set_index(["row", "column"])["value"]
    men_se = 100 * base.loc[base["intervention"] == 1, "male"].mean()
    men_control = 100 * base.loc[base["intervention"] == 0, "male"].mean()
    assert cell[("Andel menn", "Intervensjon")] == pytest.approx(men_se)
    assert cell[("Andel menn", "Forskjell")] == pytest.approx(men_control - men_se)
    assert cell[("Personer (antall)", "Intervensjon")] == 10
    expected_p = trials.effect(base, "age", "intervention", strata="enhet")["p_value"]
    assert cell[("Alder (år)", "p-verdi")] == pytest.approx(expected_p)
    assert ("Samlet F-test", "p-verdi") in cell.index


def test_balance_table_hides_shares_of_one_to_four_persons():
    """Arms of 40: 'Standard' rests on 1-4 persons per arm and is hidden; so is the
    difference and p-value of that row; 'Født i Norge' (everyone, n − k = 0) is shown, and
    the distribution rule hides one more innsatsgruppe so the hidden one cannot be solved."""
    table = tt.balance_table(_baseline(40, 40)).set_index(["row", "column"])
    assert table.loc[("Standard", "Intervensjon"), "hidden"]
    assert table.loc[("Standard", "p-verdi"), "hidden"]
    assert not table.loc[("Født i Norge", "Intervensjon"), "hidden"]
    # SE arm: standard 4 persons (hidden), ukjent 6 (the smallest other non-zero group, hidden
    # too), spesielt tilpasset 30 and the empty groups shown
    hidden = {g: table.loc[(g, "Intervensjon"), "hidden"] for g in
              ("Standard", "Situasjonsbestemt", "Spesielt tilpasset", "Varig tilpasset", "Ukjent")}
    assert hidden == {"Standard": True, "Situasjonsbestemt": False, "Spesielt tilpasset": False,
                      "Varig tilpasset": False, "Ukjent": True}


def test_stars_follow_the_source_thresholds():
    assert [tt.stars(p) for p in (0.2, 0.09, 0.049, np.nan)] == ["", "*", "**", ""]


def test_effects_table_rows_and_randomisation_inference():
    rng = np.random.default_rng(5)
    n = 120
    totals = pd.DataFrame({"person_id": range(n), "enhet": rng.choice(["a", "b", "c"], n),
                           "intervention": (np.arange(n) % 3 == 0).astype(int)})
    for _, column, _ in tt.EFFECT_ROWS:
        totals[column] = rng.integers(0, 36, n).astype(float)
    totals["work"] += 6 * totals["intervention"]
    table = tt.effects_table(totals, reps=500, seed=1).set_index(["row", "column"])
    estimate = trials.effect(totals, "work", "intervention", strata="enhet")
    assert table.loc[("I arbeid", "Effekt"), "value"] == pytest.approx(estimate["estimate"])
    assert table.loc[("I arbeid", "t-verdi"), "value"] == pytest.approx(estimate["t"])
    assert table.loc[("I arbeid", "Effekt"), "stars"] == tt.stars(estimate["p_value"])
    assert table.loc[("I arbeid", tt.RI_COLUMN), "value"] < 0.05
    assert len(table) == 5 * len(tt.EFFECT_ROWS)


def test_no_trial_table_means_no_results_and_a_note():
    extract = ExtractBuilder().person("A").build()
    assert tt.results(extract) is None
    assert "forsok" in tt.missing_note()


def test_same_extract_same_seed_same_balance_effects_and_ri():
    """Re-running the chapter's computations on the same extract gives identical balance,
    effects and randomisation-inference p-values (the re-draws are seeded)."""
    from helpers import synth

    tables, meta = synth.generate(0.05)
    extract = synth.extract_in_memory(tables, meta)
    first, second = tt.results(extract, reps=300), tt.results(extract, reps=300)
    assert set(first) == {"SE-KLAR", "SE-NAV"}
    for name in first:
        pd.testing.assert_frame_equal(first[name].balance, second[name].balance)
        pd.testing.assert_frame_equal(first[name].effects, second[name].effects)
    other_seed = tt.effects_table(first["SE-NAV"].totals, reps=300, seed=tt.RI_SEED + 1)
    ri = first["SE-NAV"].effects["column"] == tt.RI_COLUMN
    assert not np.allclose(other_seed.loc[ri.to_numpy(), "value"], first["SE-NAV"].effects.loc[ri, "value"])
