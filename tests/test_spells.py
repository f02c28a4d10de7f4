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


def test_outcome_after_uttrekksdato_is_missing():
    # uttrekksdato 2020-06-30; entry Dec 2018: +18 = Jun 2020 observed, +24 = Dec 2020 not.
    b = ExtractBuilder(uttrekksdato="2020-06-30").person("p")
    b.tiltak("p", "2018-12-03", "2019-02-28").jobb("p", "2019-06-01", None)
    row = frame_of(b).loc["p"]
    assert row["job_12"] and row["job_18"]
    assert pd.isna(row["job_24"])


def test_entries_outside_2013_2018_and_first_entry_in_period():
    # early: only an entry in 2012 continuing into 2013 (no 6-month gap) -> out.
    # late: first entry in Feb 2019 -> out.
    # again: entry in 2012, 6+ months of nothing, entry in Mar 2014 -> in, entry 2014-03.
    # twice: entries in 2014-02 and 2016-05 -> the first one counts.
    b = ExtractBuilder()
    for pid in ("early", "late", "again", "twice"):
        b.person(pid)
    b.tiltak("early", "2012-05-01", "2013-03-31")
    b.tiltak("late", "2019-02-01", "2019-05-31")
    b.tiltak("again", "2012-01-01", "2012-06-30").tiltak("again", "2014-03-02", "2014-05-31")
    b.tiltak("twice", "2014-02-01", "2014-04-30").tiltak("twice", "2016-05-01", "2016-06-30")
    frame = frame_of(b)
    assert sorted(frame.index) == ["again", "twice"]
    assert frame.loc["again", "entry_month"] == "2014-03"
    assert frame.loc["twice", "entry_month"] == "2014-02"


def test_characteristics_at_entry():
    # Entry Apr 2016 for a woman born 1990, landgruppe 3, no education recorded.
    # AAP with a muskel_skjelett diagnosis covers April; reduced capacity (varig) too.
    # Employed (strict) Jan 2014 – Jan 2015 = 13 months, of which the 24 months before entry
    # (Apr 2014 – Mar 2016) hold Apr 2014 – Jan 2015 = 10 months; not employed at entry.
    b = ExtractBuilder().person("p", fodselsar=1990, kjonn="K", landgruppe=3, utdanning=None)
    b.tiltak("p", "2016-04-11", "2016-08-31")
    b.ytelse("p", "2015-01-01", "2016-12-31", diagnose="muskel_skjelett")
    b.status("p", "2015-01-01", None, gruppe="varig_tilpasset")
    b.jobb("p", "2014-01-01", "2015-01-31")
    row = frame_of(b).loc["p"]
    assert row["age"] == 26
    assert row["female"] and row["immigrant"] and row["landgruppe"] == 3
    assert row["education"] == "ukjent"
    assert row["aap_diagnosis"] == "muskel_skjelett"
    assert row["reduced_capacity"]
    assert row["months_in_job_24"] == 10
    assert not row["job_at_entry"]


def test_aap_without_diagnosis_and_no_aap():
    b = ExtractBuilder().person("u").person("n").person("s")
    for pid in "uns":
        b.tiltak(pid, "2014-05-01", "2014-07-31")
    b.ytelse("u", "2014-01-01", None, diagnose=None)
    b.ytelse("n", "2014-06-01", None, diagnose="annen")  # starts after the entry month
    b.status("s", "2014-01-01", "2014-12-31", gruppe="situasjonsbestemt")
    frame = frame_of(b)
    assert frame["aap_diagnosis"].to_dict() == {"n": "ikke_aap", "s": "ikke_aap", "u": "ukjent"}
    assert not frame.loc["s", "reduced_capacity"]


def test_unemployment_is_the_entry_countys_rate_in_the_outcome_quarter():
    # Entry Nov 2014: +12 = Nov 2015 (2015Q4), +18 = May 2016 (2016Q2), +24 = Nov 2016.
    b = ExtractBuilder().person("p").tiltak("p", "2014-11-01", "2015-01-31")
    for quarter, rate in (("2015Q4", 3.1), ("2016Q2", 3.4), ("2016Q4", 2.9), ("2015Q3", 9.9)):
        b.add("ledighet", fylke="03", kvartal=quarter, ledighetsrate=rate)
    row = frame_of(b).loc["p"]
    assert (row["unemployment_12"], row["unemployment_18"], row["unemployment_24"]) == \
        (3.1, 3.4, 2.9)


def test_entry_spell_gives_office_county_and_provider():
    # Two follow-up spells start in the entry month; the earlier one (AB, 3 March) gives the
    # programme, provider and office, even though Oppfølging starting 20 March is listed first.
    b = ExtractBuilder().person("p")
    b.add("fylker", fylke="11", navn="Rogaland", overgang_dato="2015-01-01")
    b.add("leverandorer", leverandor_id="K9", leverandortype="kommersiell")
    b.tiltak("p", "2016-03-20", "2016-06-30", kode="OPPFOLGING", leverandor="K9",
             kontor="1103", fylke="11")
    b.tiltak("p", "2016-03-03", "2016-04-30", kode="ARBEID_MED_BISTAND", leverandor="L1",
             kontor="0301", fylke="03")
    row = frame_of(b).loc["p"]
    assert (row["programme"], row["programme_code"], row["provider_type"], row["nav_kontor"],
            row["fylke"]) == ("gammelt", "ARBEID_MED_BISTAND", "skjermet", "0301", "03")
    assert row["duration"] == 4


def _shuffled(builder: ExtractBuilder, seed: int):
    """The builder's extract with every table's rows in a random order."""
    extract = builder.build()
    rng = np.random.default_rng(seed)
    extract.tables = {name: df.iloc[rng.permutation(len(df))].reset_index(drop=True)
                      for name, df in extract.tables.items()}
    return extract


def test_entry_spell_ties_are_broken_down_to_office_and_county_whatever_the_row_order():
    # Three Oppfølging spells start on 2016-03-03 and end on 2016-06-30 with the same provider:
    # only office and county differ. The lower nav_kontor wins ('0301' < '0302'), and for
    # the same office the lower fylke ('03' < '11'). A missing provider sorts last: the spell
    # with provider L1 beats an otherwise identical one without a provider.
    b = ExtractBuilder().person("p").person("q")
    b.add("fylker", fylke="11", navn="Rogaland", overgang_dato="2015-01-01")
    for kontor, fylke in (("0302", "03"), ("0301", "11"), ("0301", "03")):
        b.tiltak("p", "2016-03-03", "2016-06-30", kontor=kontor, fylke=fylke)
    b.tiltak("q", "2016-03-03", "2016-06-30", leverandor=None, kontor="0300")
    b.tiltak("q", "2016-03-03", "2016-06-30", leverandor="L1", kontor="0399")
    for seed in range(6):
        frame = build_frame(_shuffled(b, seed)).set_index("person_id")
        assert (frame.loc["p", "nav_kontor"], frame.loc["p", "fylke"]) == ("0301", "03"), seed
        assert (frame.loc["q", "leverandor_id"], frame.loc["q", "nav_kontor"]) == ("L1", "0399")


def test_touching_pieces_of_one_spell_count_as_one_for_the_entry_spell():
    # Provider K9's participation is stored as two pieces, 15 Oct – 12 Nov 2017 and
    # 13 Nov 2017 – 1 Apr 2018 (the second starts the day after the first ends): one spell,
    # 15 Oct 2017 – 1 Apr 2018. Provider L1's spell, 15 Oct 2017 – 25 Feb 2018, starts the
    # same day but ends earlier, so K9's (the longer) is the entry spell. Taken piece by
    # piece, L1 would have won (its first piece is longer than K9's first piece).
    b = ExtractBuilder().person("p")
    b.add("leverandorer", leverandor_id="K9", leverandortype="kommersiell")
    b.tiltak("p", "2017-10-15", "2017-11-12", leverandor="K9", kontor="0312")
    b.tiltak("p", "2017-10-15", "2018-02-25", leverandor="L1", kontor="0301")
    b.tiltak("p", "2017-11-13", "2018-04-01", leverandor="K9", kontor="0312")
    row = frame_of(b).loc["p"]
    assert (row["leverandor_id"], row["provider_type"], row["nav_kontor"]) == \
        ("K9", "kommersiell", "0312")
    # Pieces that leave a day between them are two spells: L1 wins again.
    b.rows["tiltak"][2]["fra_dato"] = "2017-11-14"
    assert frame_of(b).loc["p", "leverandor_id"] == "L1"


def test_old_or_new_by_the_first_piece_of_the_entry_spell():
    # Transition in county 03 on 2015-06-15. One Oppfølging participation stored as two
    # touching pieces, 2015-05-04 – 2015-06-30 and 2015-07-01 – 2015-12-31: the spell starts
    # 4 May, before the transition, so the entry is old, and entry_date is 4 May.
    b = ExtractBuilder().person("p")
    b.tiltak("p", "2015-07-01", "2015-12-31").tiltak("p", "2015-05-04", "2015-06-30")
    row = frame_of(b).loc["p"]
    assert row["programme"] == "gammelt"
    assert row["entry_date"] == pd.Timestamp("2015-05-04") and row["entry_month"] == "2015-05"


def test_aap_at_entry_known_diagnosis_then_latest_start_then_psykisk_first():
    # Entry June 2014.
    # 'a': AAP muskel_skjelett from 1 Mar and AAP psykisk from 1 Mar: same start -> psykisk.
    # 'b': AAP muskel_skjelett in two touching pieces, 1 Jan – 31 May and 1 Jun – 31 Dec
    #      (one spell from 1 Jan), and AAP annen from 1 Mar: the latest start is annen's.
    #      (Piece by piece, muskel_skjelett's second piece, from 1 Jun, would have won.)
    # 'c': AAP without diagnosis from 1 May and AAP annen from 1 Jan: a known diagnosis wins.
    # 'd': two brukerstatus spells cover June, standard and varig_tilpasset: reduced capacity.
    b = ExtractBuilder()
    for pid in "abcd":
        b.person(pid).tiltak(pid, "2014-06-02", "2014-08-31")
    b.ytelse("a", "2014-03-01", None, diagnose="muskel_skjelett")
    b.ytelse("a", "2014-03-01", None, diagnose="psykisk")
    b.ytelse("b", "2014-01-01", "2014-05-31", diagnose="muskel_skjelett")
    b.ytelse("b", "2014-06-01", "2014-12-31", diagnose="muskel_skjelett")
    b.ytelse("b", "2014-03-01", "2014-12-31", diagnose="annen")
    b.ytelse("c", "2014-05-01", None, diagnose=None)
    b.ytelse("c", "2014-01-01", None, diagnose="annen")
    b.status("d", "2013-01-01", None, gruppe="standard")
    b.status("d", "2014-02-01", "2014-09-30", gruppe="varig_tilpasset")
    for seed in range(4):
        frame = build_frame(_shuffled(b, seed)).set_index("person_id")
        assert frame["aap_diagnosis"].to_dict() == {
            "a": "psykisk", "b": "annen", "c": "annen", "d": "ikke_aap"}, seed
        assert frame["reduced_capacity"].to_dict() == {"a": False, "b": False, "c": False,
                                                       "d": True}


def test_months_before_observasjonsstart_count_for_nothing():
    # observasjonsstart 2012-10-01: October 2012 is the first observed month.
    # 'a': in Oppfølging Feb – May 2013; only 4 observed months (Oct 2012 – Jan 2013) before
    #      February, so February is no entry, nor any later month (no 6 months in none after).
    # 'b': in Oppfølging from Apr 2013: Oct 2012 – Mar 2013 are 6 observed months in none ->
    #      entry April 2013. A job Jan – Dec 2012 counts only Oct – Dec 2012: 3 months in job
    #      in the 24 months before entry (Apr 2011 – Mar 2013), not 12.
    # 'c': a follow-up spell Jan – Aug 2012, partly before observasjonsstart, and Oppfølging
    #      from Mar 2013: the observed months Oct 2012 – Feb 2013 are only 5 -> no entry in
    #      March; nor later (continuous). Without observasjonsstart, Sep 2012 – Feb 2013 would
    #      make March an entry.
    b = ExtractBuilder()
    b.meta["observasjonsstart"] = "2012-10-01"
    for pid in "abc":
        b.person(pid)
    b.tiltak("a", "2013-02-01", "2013-05-31")
    b.tiltak("b", "2013-04-01", "2013-08-31").jobb("b", "2012-01-01", "2012-12-31")
    b.tiltak("c", "2012-01-01", "2012-08-31").tiltak("c", "2013-03-01", "2013-09-30")
    frame = frame_of(b)
    assert sorted(frame.index) == ["b"]
    assert frame.loc["b", "entry_month"] == "2013-04" and frame.loc["b", "months_in_job_24"] == 3
    del b.meta["observasjonsstart"]  # the default, 2010-01-01
    frame = frame_of(b)
    assert sorted(frame.index) == ["a", "b", "c"] and frame.loc["c", "entry_month"] == "2013-03"
    assert frame.loc["b", "months_in_job_24"] == 12


def test_unemployment_is_filled_after_uttrekksdato():
    # uttrekksdato 2016-06-30; entry Nov 2015: +12 = Nov 2016 is after it, so job_12 is
    # missing, but the county's unemployment rate for 2016Q4 is known and filled.
    b = ExtractBuilder(uttrekksdato="2016-06-30").person("p")
    b.tiltak("p", "2015-11-02", "2016-01-31")
    b.add("ledighet", fylke="03", kvartal="2016Q4", ledighetsrate=3.3)
    row = frame_of(b).loc["p"]
    assert pd.isna(row["job_12"]) and row["unemployment_12"] == 3.3
    assert np.isnan(row["unemployment_18"])  # 2017Q2 is not in ledighet


def test_duration_counts_the_entry_month_and_censoring_needs_six_observed_months():
    # uttrekksdato 2016-12-31. 'a': Oppfølging Mar – May 2016 (3 months), then nothing for
    # Jun – Nov 2016 (6 months observed): duration 3, not censored.
    # 'b': Oppfølging Apr – Jul 2016: after July only Aug – Dec (5 months) are observed:
    # duration 4, censored.
    b = ExtractBuilder(uttrekksdato="2016-12-31").person("a").person("b")
    b.tiltak("a", "2016-03-01", "2016-05-31").tiltak("b", "2016-04-01", "2016-07-31")
    frame = frame_of(b)
    assert frame.loc["a", ["duration", "duration_censored"]].tolist() == [3, False]
    assert frame.loc["b", ["duration", "duration_censored"]].tolist() == [4, True]


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
