
import pandas as pd

from helpers import prose

NAN = float("nan")


def test_numbers_the_norwegian_way():
    assert prose.pct(80.84) == "81 prosent"
    assert prose.pct(80.84, 1) == "80,8 prosent"
    assert prose.number(46865) == "46\u202f865"
    assert prose.number(39.75, 1) == "39,8"
    assert prose.number(-2.5, 1) == "\u22122,5"
    assert prose.number(-0.2) == "0"
    assert prose.pp(-9.34) == "9 prosentpoeng"


def test_missing_values_say_why():
    assert prose.pct(None) == "ingen i gruppen"
    assert prose.pct(NAN) == "skjult (færre enn 5 personer)"
    assert prose.count(0) == "ingen" and prose.count(NAN) == "færre enn 5"
    assert prose.count(1234) == "1\u202f234"
    assert prose.compare(NAN, 3.0) == "ikke mulig å sammenligne"


def test_shares_sentence_follows_the_difference():
    old, new = "i de gamle tiltakene", "i det nye"
    assert prose.shares("Andelen", [(80.8, old), (58.7, new)]) == \
        "Andelen var 81 prosent i de gamle tiltakene og 59 prosent i det nye – 22 prosentpoeng lavere i det nye."
    assert prose.shares("Andelen", [(5.0, old), (16.0, new)]).endswith("11 prosentpoeng høyere i det nye.")
    assert prose.shares("Andelen", [(51.2, old), (51.9, new)]).endswith("– om lag det samme.")
    hidden = prose.shares("Andelen", [(51.2, old), (NAN, new)])
    assert "skjult" in hidden and "prosentpoeng" not in hidden and "nan" not in hidden
    assert "ingen i gruppen i det nye" in prose.shares("Andelen", [(51.2, old), (None, new)])


def test_trend_and_range():
    years = pd.Series([83.0, 80.0, 58.0], index=[2013, 2016, 2018])
    assert prose.trend("Andelen", years) == "Andelen falt fra 83 prosent i 2013 til 58 prosent i 2018."
    assert prose.trend("Andelen", pd.Series([30.0, 30.4], index=[2013, 2018])).startswith(
        "Andelen var om lag den samme")
    assert "kan derfor ikke beregnes" in prose.trend("Andelen", pd.Series([NAN, 3.0], index=[2013, 2018]))
    assert prose.value_range("Andelen", years) == "Andelen lå mellom 58 og 83 prosent i årene 2013–2018."
    assert "noen år er skjult" in prose.value_range("Andelen", pd.Series([NAN, 40.0, 50.0], index=[1, 2, 3]))


def test_yearly_entrants():
    totals = pd.Series([15000.0, 12000.0, 16000.0], index=[2013, 2014, 2015])
    text = prose.yearly_entrants(totals)
    assert "økte fra 2013 til 2015, fra 15\u202f000 til 16\u202f000" in text
    assert "Flest startet i 2015 og færrest i 2014" in text
    assert prose.yearly_entrants(pd.Series([5.0], index=[2013])) == "Uttrekket har tilganger i bare ett år."
    assert "kan ikke sammenlignes" in prose.yearly_entrants(pd.Series([NAN, 9.0], index=[2013, 2014]))


def test_calibration_summary_names_the_targets_missed():
    import pandas as pd

    table = pd.DataFrame({"description": ["Alle, nytt", "Kvinner, nytt", "N"],
                          "target": [28.5, 27.1, 100.0], "synthetic": [28.0, 30.25, 100.0],
                          "ok": [True, False, True]})
    text = prose.calibration_summary(table)
    assert text.startswith("Uttrekket treffer 2 av 3 mål")
    assert "Kvinner, nytt (30,25 mot 27,10)" in text and "Alle, nytt" not in text
    assert "alle de 3 målene" in prose.calibration_summary(table.assign(ok=True))


# --- Durations (helpers.survival) ----------------------------------------------------------

def test_months_and_their_interval():
    assert prose.months(1.0) == "1 måned" and prose.months(6.0) == "6 måneder"
    assert prose.months(float("inf")) == "ikke nådd"
    assert prose.months(None) == prose.NO_ONE and prose.months(float("nan")) == prose.HIDDEN
    assert prose.months_interval(6.0, 5.0, 7.0) == "6 måneder (95\u00a0% KI 5–7)"
    assert prose.months_interval(6.0, 5.0, float("inf")) == "6 måneder (95\u00a0% KI 5–ikke nådd)"
    assert prose.months_interval(6.0, float("nan"), 7.0) == "6 måneder"


def test_relative_to_half_follows_the_share():
    assert prose.relative_to_half(52.6) == "mer enn halvparten"
    assert prose.relative_to_half(49.5) == "om lag halvparten"
    assert prose.relative_to_half(41.0) == "under halvparten"
    assert prose.relative_to_half(float("nan")) == prose.HIDDEN


def test_durations_compare_the_medians():
    old, new = (6.0, 6.0, 7.0, "i de gamle"), (5.0, 5.0, 6.0, "i det nye")
    assert prose.durations("Median varighet", [old, new]) == (
        "Median varighet var 6 måneder (95\u00a0% KI 6–7) i de gamle og 5 måneder "
        "(95\u00a0% KI 5–6) i det nye – kortere i det nye.")
    assert prose.durations("M", [old, old]).endswith("– like lang i begge.")
    assert prose.durations("M", [new, old]).endswith("– lengre i de gamle.")
    endless = (float("inf"), 5.0, float("inf"), "i det nye")
    assert prose.durations("M", [old, endless]).endswith("ikke nådd i det nye.")


def test_programme_effect_states_size_significance_and_share_of_the_mean():
    text = prose.programme_effect(0.0203, 0.052, 0.2231)
    assert "2,0 prosentpoeng høyere i det nye tiltaket enn i de gamle tiltakene" in text
    assert "bare signifikant på 10-prosentnivået" in text and "p = 0,052" in text
    assert "svarer til 9 prosent av gjennomsnittet" in text
    lower = prose.programme_effect(-0.031, 0.0004, 0.25)
    assert "3,1 prosentpoeng lavere" in lower and "p < 0,001" in lower
    assert "statistisk signifikant på 5-prosentnivået" in lower
    same = prose.programme_effect(0.0001, 0.9, 0.25)
    assert "praktisk talt den samme" in same and "gjennomsnittet" not in same
    assert prose.programme_effect(float("nan"), 0.5, 0.2).startswith("Modellen kunne ikke")
    assert prose.significance(0.3) == "ikke statistisk signifikant"


def test_gap_remaining_covers_shrinking_growing_and_flipping_differences():
    assert "20 prosent av den rå forskjellen" in prose.gap_remaining(0.10, 0.02)
    assert "blir forskjellen større" in prose.gap_remaining(0.05, 0.08)
    assert "snur forskjellen" in prose.gap_remaining(0.05, -0.01)
    assert "ingen rå forskjell" in prose.gap_remaining(0.0001, 0.02)
    assert "i favør av de gamle tiltakene" in prose.gap_remaining(-0.04, -0.01)
    with_steps = prose.gap_remaining(0.10, 0.02, [("Faste effekter", 0.07)])
    assert "Faste effekter gir 7,0 prosentpoeng." in with_steps


def test_job_at_entry_context_follows_the_difference():
    assert prose.job_at_entry_context(5.0, 16.0).startswith("Flere i det nye tiltaket")
    assert prose.job_at_entry_context(16.0, 5.0).startswith("Flere i de gamle tiltakene")
    assert "om lag den samme" in prose.job_at_entry_context(10.0, 10.4)
    assert prose.job_at_entry_context(float("nan"), 3.0) == ""
