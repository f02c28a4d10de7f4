"""The analysis frame on small extracts whose answers are worked out by hand.

Each test builds a few persons with ExtractBuilder and states, in a comment, the months
that matter and why the expected value follows from DATA_CONTRACT.md's definitions.
"""
import numpy as np
import pandas as pd
import pytest

from helpers.spells import build_frame, build_grid, coverage_matrix, entrant_months
from tests.builders import ExtractBuilder


def frame_of(builder: ExtractBuilder) -> pd.DataFrame:
    return build_frame(builder.build()).set_index("person_id")


def test_coverage_counts_a_month_touched_by_one_day():
    # A spell from 31 January to 1 March covers January, February and March.
    spells = pd.DataFrame({"person_id": ["a"], "fra_dato": pd.to_datetime(["2014-01-31"]),
                           "til_dato": pd.to_datetime(["2014-03-01"])})
    first = 2014 * 12
    m = coverage_matrix(spells, pd.Index(["a", "b"]), first, first + 5)
    assert m.tolist() == [[True, True, True, False, False, False], [False] * 6]


def test_gap_of_five_months_continues_the_spell():
    # FU Jan–Mar 2014, none Apr–Aug (5 months), FU Sep 2014: one participation Jan–Sep.
    b = ExtractBuilder().person("p")
    b.tiltak("p", "2014-01-10", "2014-03-20").tiltak("p", "2014-09-01", "2014-09-30")
    row = frame_of(b).loc["p"]
    assert row["entry_month"] == "2014-01"
    assert row["duration"] == 9
    assert row["duration_first_year"] == 9
    assert not row["duration_censored"]


def test_gap_of_six_months_ends_the_spell():
    # FU Jan–Mar 2014, none Apr–Sep (6 months): the participation ends in March.
    b = ExtractBuilder().person("p")
    b.tiltak("p", "2014-01-10", "2014-03-20").tiltak("p", "2014-10-01", "2014-10-30")
    row = frame_of(b).loc["p"]
    assert row["entry_month"] == "2014-01"
    assert row["duration"] == 3


def test_six_month_gap_before_2013_makes_an_entry_five_does_not():
    # a: FU ends June 2012, none Jul–Dec 2012 (6 months), FU Jan 2013 -> entry 2013-01.
    # b: FU ends July 2012, none Aug–Dec (5 months), FU Jan 2013 -> the 2012 participation
    #    continues; no entry in 2013–2018, so b is not in the population.
    bld = ExtractBuilder().person("a").person("b")
    bld.tiltak("a", "2012-03-01", "2012-06-30").tiltak("a", "2013-01-05", "2013-05-31")
    bld.tiltak("b", "2012-03-01", "2012-07-01").tiltak("b", "2013-01-05", "2013-05-31")
    frame = frame_of(bld)
    assert list(frame.index) == ["a"]
    assert frame.loc["a", "entry_month"] == "2013-01"


def test_adjacent_and_overlapping_pieces_are_one_participation():
    # Pieces Jan, Feb–15 Mar, 1 Mar–Apr 2014 (adjacent and overlapping): Jan–Apr, 4 months.
    b = ExtractBuilder().person("p")
    b.tiltak("p", "2014-01-01", "2014-01-31").tiltak("p", "2014-02-01", "2014-03-15")
    b.tiltak("p", "2014-03-01", "2014-04-30")
    row = frame_of(b).loc["p"]
    assert (row["entry_month"], row["duration"]) == ("2014-01", 4)


def test_open_ended_spell_runs_to_uttrekksdato_and_is_censored():
    # FU from 10 June 2018, ongoing; uttrekksdato 2020-12-31: June 2018 – Dec 2020 = 31 months.
    b = ExtractBuilder().person("p").tiltak("p", "2018-06-10", None)
    row = frame_of(b).loc["p"]
    assert row["duration"] == 31
    assert row["duration_first_year"] == 12
    assert row["duration_censored"]


def test_transition_date_splits_oppfolging_into_old_and_new():
    # County 03 switched on 2015-06-15: a start on the 14th is old, on the 15th new.
    # Arbeid med bistand is old whatever the date; Utvidet oppfølging is its own group.
    b = ExtractBuilder()
    for pid in "abcd":
        b.person(pid)
    b.tiltak("a", "2015-06-14", "2015-09-30")
    b.tiltak("b", "2015-06-15", "2015-09-30")
    b.tiltak("c", "2016-03-01", "2016-09-30", kode="ARBEID_MED_BISTAND")
    b.tiltak("d", "2017-03-01", "2017-09-30", kode="UTVIDET_OPPFOLGING", leverandor=None)
    frame = frame_of(b)
    assert frame["programme"].to_dict() == {"a": "gammelt", "b": "nytt", "c": "gammelt",
                                            "d": "utvidet"}
    assert frame.loc["d", "provider_type"] == "ukjent"
    assert frame.loc["a", "provider_type"] == "skjermet"


def test_weekly_hours_threshold_is_four():
    # 3.99 hours a week is not employment; 4 hours is. Outcome month: Jan 2015.
    b = ExtractBuilder().person("low").person("four")
    for pid, hours in (("low", 3.99), ("four", 4.0)):
        b.tiltak(pid, "2014-01-01", "2014-03-31").jobb(pid, "2014-12-20", "2015-02-10", hours)
    frame = frame_of(b)
    assert not frame.loc["low", "job_12"]
    assert frame.loc["four", "job_12"]


def test_other_programme_blocks_job_but_wage_subsidy_does_not():
    # All three employed in Jan 2015 (12 months after entry in Jan 2014); 'prak' is in work
    # practice that month, 'lonn' has a wage subsidy, 'fu' is in a follow-up programme.
    b = ExtractBuilder()
    for pid in ("prak", "lonn", "fu"):
        b.person(pid).tiltak(pid, "2014-01-01", "2014-03-31").jobb(pid, "2014-06-01", None)
    b.tiltak("prak", "2015-01-15", "2015-01-20", kode="ARBEIDSPRAKSIS", leverandor=None)
    b.tiltak("lonn", "2015-01-01", "2015-06-30", kode="LONNSTILSKUDD", leverandor=None)
    b.tiltak("fu", "2015-01-01", "2015-02-28")  # a later follow-up spell is compatible
    frame = frame_of(b)
    assert not frame.loc["prak", "job_12"]
    assert frame.loc["lonn", "job_12"]
    assert frame.loc["fu", "job_12"]
    # 'prak' is in job again in Jul 2015 (18 months) when the practice is over.
    assert frame.loc["prak", "job_18"]


def test_in_job_plain_counts_every_job_and_strict_only_outside_other_programmes():
    # Figur 4.1's two definitions on the grid: 'prak' employed and in work practice in
    # Jan 2015 is in job (plain) but not (strict); a job under 4 hours is neither.
    from helpers.spells import build_grid

    b = ExtractBuilder()
    for pid in ("prak", "lonn", "liten"):
        b.person(pid).tiltak(pid, "2014-01-01", "2014-03-31")
    b.jobb("prak", "2014-06-01", None).jobb("lonn", "2014-06-01", None)
    b.jobb("liten", "2014-06-01", None, timer=3.5)
    b.tiltak("prak", "2015-01-15", "2015-01-20", kode="ARBEIDSPRAKSIS", leverandor=None)
    b.tiltak("lonn", "2015-01-01", "2015-06-30", kode="LONNSTILSKUDD", leverandor=None)
    extract = b.build()
    grid, frame = build_grid(extract), build_frame(extract).set_index("person_id", drop=False)
    frame = frame.loc[["prak", "lonn", "liten"]]
    months = entrant_months(grid, frame, [12, 13])  # Jan and Feb 2015 (entry Jan 2014)
    assert months["employed"][:, 0].tolist() == [True, True, False]
    assert months["job_strict"][:, 0].tolist() == [False, True, False]
    assert months["employed"][:, 1].tolist() == [True, True, False]
    assert months["job_strict"][:, 1].tolist() == [True, True, False]


def test_unknown_provider_is_ukjent():
    b = ExtractBuilder().person("p").tiltak("p", "2016-03-20", "2016-06-30", leverandor="ZZ")
    assert frame_of(b).loc["p", "provider_type"] == "ukjent"


def test_entrant_months_cover_24_months_either_side_of_entry():
    # Entry Jan 2013 (the first possible month); the follow-up months are Jan-Feb 2013 and
    # nothing is observed before Jan 2011 or after uttrekksdato (Dec 2020).
    b = ExtractBuilder().person("p").tiltak("p", "2013-01-01", "2013-02-28")
    extract = b.build()
    grid, frame = build_grid(extract), build_frame(extract)
    assert grid.entry_month.tolist() == [2013 * 12]
    months = entrant_months(grid, frame, range(-24, 25))
    assert np.flatnonzero(months["follow_up"][0]).tolist() == [24, 25]
    with pytest.raises(ValueError, match="utenfor"):
        entrant_months(grid, frame, [-25])
    with pytest.raises(ValueError, match="utenfor"):
        entrant_months(grid, frame, [25])


def test_programme_before_entry_uses_priority_and_the_month_before():
    # Entry Jun 2014. 'x' has work practice and training in May -> work practice first.
    # 'y' had a wage subsidy in March only -> nothing the month before.
    from helpers.spells import programme_before_entry

    b = ExtractBuilder().person("x").person("y").person("z")
    for pid in "xyz":
        b.tiltak(pid, "2014-06-02", "2014-08-31")
    b.tiltak("x", "2014-05-01", "2014-05-31", kode="OPPLAERING", leverandor=None)
    b.tiltak("x", "2014-04-01", "2014-05-10", kode="ARBEIDSPRAKSIS", leverandor=None)
    b.tiltak("y", "2014-03-01", "2014-03-31", kode="LONNSTILSKUDD", leverandor=None)
    b.tiltak("z", "2014-05-20", "2014-06-10", kode="AVKLARING", leverandor=None)
    extract = b.build()
    frame = build_frame(extract)
    before = dict(zip(frame["person_id"], programme_before_entry(build_grid(extract), frame)))
    assert before == {"x": "ARBEIDSPRAKSIS", "y": None, "z": "AVKLARING"}


def test_entrant_months_rejects_persons_missing_from_the_grid():
    # Two frame rows whose person is not in the grid: an error naming how many, not who.
    from helpers.spells import entrant_months

    b = ExtractBuilder()
    for i in range(6):
        b.person(f"p{i}").tiltak(f"p{i}", "2017-03-01", "2017-05-31")
    extract = b.build()
    frame = build_frame(extract)
    frame.loc[[1, 4], "person_id"] = ["secret-a", "secret-b"]
    with pytest.raises(ValueError, match="^2 av 6 person_id") as error:
        entrant_months(build_grid(extract), frame, [-1])
    assert "secret" not in str(error.value)


def test_frame_command_keeps_earlier_output_when_the_extract_is_malformed(tmp_path):
    # A good extract writes the frame; a malformed one (an end before its start) stops
    # with a message naming table and column, and the earlier frame file is untouched.
    from helpers.contract import ContractError, write_extract
    from helpers.spells import cli

    b = ExtractBuilder().person("p").tiltak("p", "2014-01-10", "2014-03-20")
    good = tmp_path / "good"
    write_extract(good, b.tables(), b.meta)
    out = tmp_path / "frame.parquet"
    assert cli([str(good), str(out)]) == 0
    before = out.read_bytes()
    assert pd.read_parquet(out)["person_id"].tolist() == ["p"]

    b.tiltak("p", "2016-05-01", "2016-04-01")
    bad = tmp_path / "bad"
    write_extract(bad, b.tables(), b.meta, check=False)
    with pytest.raises(ContractError, match=r"tiltak\.parquet: column 'til_dato': before fra_dato"):
        cli([str(bad), str(out)])
    assert out.read_bytes() == before


def test_frame_command_never_removes_what_it_did_not_write(tmp_path):
    # OUT an existing folder: refused, the folder and its files untouched (it used to be
    # deleted and replaced by the Parquet file). OUT an existing file that is not a frame
    # written by this command: refused too. A frame file it wrote earlier: replaced.
    import subprocess
    import sys

    from helpers.contract import write_extract
    from helpers.files import OutputError
    from helpers.spells import cli, is_frame_file

    b = ExtractBuilder().person("p").tiltak("p", "2014-01-10", "2014-03-20")
    extract = write_extract(tmp_path / "uttrekk", b.tables(), b.meta)
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="er en mappe"):
        cli([str(extract), str(folder)])
    assert [p.name for p in folder.iterdir()] == ["thesis.tex"]
    proc = subprocess.run([sys.executable, "-m", "helpers", "frame", str(extract), str(folder)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "er en mappe" in proc.stderr and "Traceback" not in proc.stderr
    assert (folder / "thesis.tex").read_text() == "years of work"
    other = tmp_path / "data.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(other)
    with pytest.raises(OutputError, match="ikke skrevet av helpers"):
        cli([str(extract), str(other)])
    assert pd.read_parquet(other)["x"].tolist() == [1]
    ours = tmp_path / "frame.parquet"
    assert cli([str(extract), str(ours)]) == 0 and is_frame_file(ours)
    assert cli([str(extract), str(ours)]) == 0
    assert pd.read_parquet(ours)["person_id"].tolist() == ["p"]
