"""The measures behind the tables (helpers.measures) on hand-made frames with known answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import measures
from helpers.spells import build_frame, build_grid
from tests.builders import ExtractBuilder


def frame() -> pd.DataFrame:
    """Five entrants with hand-set traits (only the columns the measures read)."""
    return pd.DataFrame({
        "age": pd.array([24, 25, 50, 66, 40], dtype="Int64"),
        "female": [True, False, True, True, False],
        "education": ["grunnskole", "ukjent", "hoyere_lang", "ukjent", "vgs_fullfort"],
        "aap_diagnosis": ["ikke_aap", "psykisk", "ukjent", "annen", "muskel_skjelett"],
        "landgruppe": pd.array([1, 1, 2, 3, 1], dtype="Int64"),
        "reduced_capacity": [False, True, True, True, False],
        "months_in_job_24": [0, 12, 24, 3, 1],
        "job_at_entry": [True, False, False, False, True],
        "provider_type": ["skjermet", "skjermet", "kommersiell", "ukjent", "skjermet"],
        "job_12": pd.array([True, False, None, True, False], dtype="boolean"),
        "duration": [3, 14, 30, 7, 12],
        "duration_censored": [False, False, True, True, False],
        "duration_first_year": [3, 12, 12, 7, 12],
    })


def test_composition_by_hand():
    comp = measures.composition(frame(), extra_rows=True).set_index("variable")
    value = comp["value"]
    assert value["n"] == 5 and comp.loc["n", "kind"] == "count"
    assert value["female"] == 60.0 and comp.loc["female", "numerator"] == 3
    assert value["age_mean"] == pytest.approx((24 + 25 + 50 + 66 + 40) / 5)
    # Bands: 24 | 25 | 40 | 50, 66 -> 20, 20, 0, 20, 40.
    assert [value[f"age_{i}"] for i in range(5)] == [20.0, 20.0, 0.0, 20.0, 40.0]
    assert value["edu_ukjent"] == 40.0 and value["edu_hoyere_kort"] == 0.0
    # AAP with no diagnosis ('ukjent') counts with 'annen': 2 of 5.
    assert value["aap_annen"] == 40.0 and value["aap_ikke_aap"] == 20.0
    assert [value[f"lg_{c}"] for c in (1, 2, 3)] == [60.0, 20.0, 20.0]
    assert value["months_job24"] == 8.0 and value["job_at_entry"] == 40.0
    assert value["na"] == 60.0
    # Each block is a distribution of the whole group.
    for block in ("age", "education", "aap", "country"):
        assert comp.loc[comp["block"] == block, "value"].sum() == pytest.approx(100.0), block
    assert list(comp.index[-1:]) == ["na"]


def test_composition_of_nobody_is_missing_not_zero():
    comp = measures.composition(frame().iloc[:0]).set_index("variable")
    assert comp.loc["n", "value"] == 0
    assert comp.drop("n")["value"].isna().all()


def test_provider_types_lists_every_type():
    pt = measures.provider_types(frame()).set_index("provider_type")
    assert pt["persons"].to_dict() == {"skjermet": 3, "kommersiell": 1, "ideell": 0, "ukjent": 1}
    assert pt.loc["skjermet", "percent"] == 60.0


def test_job_share_and_durations_among_the_observed():
    f = frame()
    assert measures.job_share(f, 12) == 50.0  # 2 of the 4 observed at 12 months
    # Still in after 12 months: 14 (ended), 30 (censored later) -> in; 3, 12 ended -> out;
    # 7 censored before 12 months -> not observed that long, left out: 2 of 4.
    assert measures.still_in_programme(f, 12) == 50.0
    assert measures.mean_first_year_duration(f) == pytest.approx((3 + 12 + 12 + 7 + 12) / 5)
    assert measures.psychiatric_of_aap(f) == 25.0  # 1 of the 4 on AAP


def test_history_counts_by_hand():
    # Two entrants in Jan 2014: 'a' registered with reduced capacity from Oct 2013
    # (months -3 ... -1), 'b' registered 'standard' from Jan 2013 and employed Dec 2013.
    b = ExtractBuilder().person("a").person("b")
    b.tiltak("a", "2014-01-06", "2014-02-28").tiltak("b", "2014-01-06", "2014-02-28")
    b.status("a", "2013-10-01", None, gruppe="spesielt_tilpasset")
    b.status("b", "2013-01-01", None, gruppe="standard").jobb("b", "2013-12-01", "2013-12-31")
    extract = b.build()
    counts = measures.history_counts(build_grid(extract), build_frame(extract))
    persons = counts.set_index(["measure", "relative_month"])["persons"]
    assert persons[("reduced_capacity", -3)] == 1 and persons[("reduced_capacity", -4)] == 0
    assert persons[("other_registered", -12)] == 1 and persons[("other_registered", -13)] == 0
    assert persons[("not_registered", -24)] == 2 and persons[("not_registered", -1)] == 0
    assert persons[("job_strict", -1)] == 1 and persons[("job_strict", -2)] == 0
    assert (counts["n"] == 2).all()
    assert np.allclose(counts["share"], 100 * counts["persons"] / 2)


def test_job_by_group_counts_the_observed_in_each_tabell_4_1_group():
    # job_12: a True, b False, c unobserved, d True, e False.
    table = measures.job_by_group(frame(), 12).set_index("variable")
    assert list(table.index) == list(measures.JOB_GROUPS)
    assert (table.loc["all", "persons"], table.loc["all", "in_job"]) == (4, 2)
    assert table.loc["all", "value"] == 50.0
    assert table.loc["female", ["persons", "in_job"]].tolist() == [2, 2]  # a, d (c unobserved)
    assert table.loc["male", ["persons", "in_job"]].tolist() == [2, 0]    # b, e
    assert table.loc["age_4", ["persons", "in_job"]].tolist() == [1, 1]   # d (66; c unobserved)
    # AAP with no registered diagnosis (c) counts with annen: d and c, c unobserved.
    assert table.loc["aap_annen", ["persons", "in_job"]].tolist() == [1, 1]
    assert table.loc["edu_ukjent", ["persons", "in_job"]].tolist() == [2, 1]  # b, d
    assert table.loc["job_at_entry", ["persons", "in_job"]].tolist() == [2, 1]  # a, e
    assert table.loc["na", "value"] == 50.0 and table.loc["not_na", "value"] == 50.0
    assert np.isnan(table.loc["edu_hoyere_kort", "value"])  # nobody: no share
    masks = measures.group_masks(frame())
    assert masks["lg_2"].tolist() == [False, False, True, False, False]


def test_published_row_map_covers_tabell_4_1():
    from helpers.published import TABELL_4_1_GROUPS, read_published

    rows_41 = set(read_published("tabell_4_1")["row"]) - {"N"}
    assert rows_41 == set(TABELL_4_1_GROUPS)
    assert set(TABELL_4_1_GROUPS.values()) == set(measures.JOB_GROUPS)
