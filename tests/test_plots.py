"""The figures on small tidy frames built by hand: what is drawn (bars, lines, their values),
the labels and legends in bokmål, fixed colours, and suppressed (NaN) cells left out."""
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from helpers import plots
from helpers.tables import NAV_STATUS_LABELS

NBSP, THIN = "\u00a0", "\u202f"
AAP_LABELS = ["Ikke AAP", "AAP/muskel- og skjelettlidelser", "AAP/psykiske lidelser",
              "AAP/andre diagnoser"]
DETAILS = ["Arbeid med bistand", "Oppfølging (gammelt)", "Oppfølging (nytt)",
           "Utvidet oppfølging i NAV"]


@pytest.fixture
def keep():
    """Collects the figures a test makes and closes them afterwards."""
    figures = []

    def add(fig):
        figures.append(fig)
        return fig

    yield add
    for fig in figures:
        fig.clear()
        plt.close(fig)


def legend(fig: Figure):
    assert len(fig.legends) == 1, "one legend per figure"
    leg = fig.legends[0]
    return leg.get_title().get_text(), [t.get_text() for t in leg.get_texts()]


def tick_texts(axis) -> list[str]:
    """Labels of the ticks inside the axis' view."""
    lo, hi = sorted(axis.get_view_interval())
    return [t.get_text() for t, loc in zip(axis.get_ticklabels(), axis.get_majorticklocs())
            if lo - 1e-9 <= loc <= hi + 1e-9]


def line(ax, label):
    (found,) = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return found


def colour(artist) -> str:
    return to_hex(artist.get_color() if isinstance(artist, Line2D) else artist.get_facecolor())


# --- Style and number formats ----------------------------------------------------------

def test_use_report_style_sets_size_dpi_and_palette():
    with mpl.rc_context():
        plots.use_report_style()
        assert list(mpl.rcParams["figure.figsize"]) == [7.0, 4.0]
        assert mpl.rcParams["figure.dpi"] == 150
        cycle = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
        assert cycle[:3] == [plots.BLUE, plots.VERMILLION, plots.GREEN]
        assert mpl.rcParams["axes.grid"] is True  # seaborn whitegrid


def test_fixed_colours_per_programme_and_detail_are_distinct():
    assert plots.PROGRAMME_COLOURS == {"Gammelt": plots.BLUE, "Nytt": plots.VERMILLION,
                                       "Utvidet oppfølging": plots.GREEN}
    assert list(plots.PROGRAMME_DETAIL_COLOURS) == DETAILS
    assert len(set(plots.PROGRAMME_DETAIL_COLOURS.values())) == 4
    # The new programme has the same colour as a programme and as a programme detail.
    assert plots.PROGRAMME_DETAIL_COLOURS["Oppfølging (nytt)"] == plots.PROGRAMME_COLOURS["Nytt"]


def test_numbers_have_a_decimal_comma_and_narrow_space_thousands():
    assert plots.format_number(12345.67, 1) == f"12{THIN}345,7"
    assert plots.format_number(-3, 0) == "\u22123"
    fmt = plots.PercentFormatter()
    assert fmt.format_ticks([0, 20, 40]) == [f"0{NBSP}%", f"20{NBSP}%", f"40{NBSP}%"]
    # One number of decimals for every tick, as few as show them exactly.
    assert fmt.format_ticks([0, 2.5, 5]) == [f"0,0{NBSP}%", f"2,5{NBSP}%", f"5,0{NBSP}%"]
    assert fmt(12.25) == f"12,25{NBSP}%"


# --- Figur 3.1 ---------------------------------------------------------------------------

def entrants_frame() -> pd.DataFrame:
    df = pd.DataFrame({
        "year": [2013, 2013, 2014, 2014, 2015, 2015],
        "programme_detail": ["Arbeid med bistand", "Oppfølging (gammelt)",
                             "Arbeid med bistand", "Oppfølging (gammelt)",
                             "Arbeid med bistand", "Oppfølging (nytt)"],
        "entrants": [400.0, 900.0, 350.0, np.nan, 300.0, 1200.0],
    })
    # As tables.entrants_by_year returns it: a Categorical with an unused category.
    df["programme_detail"] = pd.Categorical(df["programme_detail"], DETAILS)
    return df


def test_entrants_by_year_stacks_counts_and_leaves_out_suppressed(keep):
    fig = keep(plots.entrants_by_year_plot(entrants_frame()))
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    bars = ax.patches
    assert len(bars) == 5  # six rows, one suppressed
    by_x = {}
    for bar in bars:
        by_x.setdefault(round(bar.get_x() + bar.get_width() / 2), []).append(bar)
    assert sorted(by_x) == [2013, 2014, 2015]
    # 2013: Arbeid med bistand at the bottom, old Oppfølging on top of it.
    low, high = sorted(by_x[2013], key=lambda b: b.get_y())
    assert (low.get_y(), low.get_height()) == (0, 400)
    assert (high.get_y(), high.get_height()) == (400, 900)
    assert colour(low) == plots.SKY_BLUE and colour(high) == plots.BLUE
    assert [b.get_height() for b in by_x[2014]] == [350]
    assert ax.get_xlabel() == "Tilgangsår"
    assert ax.get_ylabel() == "Antall personer"
    assert tick_texts(ax.xaxis) == ["2013", "2014", "2015"]
    assert f"1{THIN}000" in tick_texts(ax.yaxis)
    title, labels = legend(fig)
    assert title == "Tiltak"
    # Top of the stack first; the unused category is not in the legend.
    assert labels == ["Oppfølging (nytt)", "Oppfølging (gammelt)", "Arbeid med bistand"]
    assert not ax.get_title() and not fig.get_suptitle()


def test_entrants_by_year_colours_do_not_depend_on_what_is_present(keep):
    df = entrants_frame()
    only_new = df[df["programme_detail"] == "Oppfølging (nytt)"]
    fig = keep(plots.entrants_by_year_plot(only_new))
    (bar,) = fig.axes[0].patches
    assert colour(bar) == plots.VERMILLION


# --- Figur 3.2 ---------------------------------------------------------------------------

def aap_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "programme": ["Gammelt"] * 4 + ["Nytt"] * 4,
        "measure": AAP_LABELS * 2,
        "share": [34.6, 32.5, 17.3, 15.6, 52.3, 23.2, 14.1, np.nan],
        "n": [100] * 8, "numerator": [35, 32, 17, 16, 52, 23, 14, 3],
    })


def test_aap_by_programme_draws_100_percent_bars(keep):
    fig = keep(plots.aap_by_programme_plot(aap_frame()))
    (ax,) = fig.axes
    assert len(ax.patches) == 7  # eight rows, one suppressed
    gammelt = sorted((b for b in ax.patches if round(b.get_y() + b.get_height() / 2) == 0),
                     key=lambda b: b.get_x())
    assert [round(b.get_x(), 1) for b in gammelt] == [0, 34.6, 67.1, 84.4]
    assert sum(b.get_width() for b in gammelt) == pytest.approx(100)
    assert colour(gammelt[0]) == plots.LIGHT_GREY
    assert tick_texts(ax.yaxis) == ["Gammelt", "Nytt"]
    bottom, top = ax.get_ylim()
    assert bottom > top  # first programme on top
    assert ax.get_xlim() == (0, 100)
    assert ax.get_xlabel() == "Prosent" and ax.get_ylabel() == "Tiltak"
    assert tick_texts(ax.xaxis)[-1] == f"100{NBSP}%"
    assert "34,6" in [t.get_text() for t in ax.texts]
    title, labels = legend(fig)
    assert (title, labels) == ("AAP og diagnose", AAP_LABELS)


def test_aap_by_programme_rejects_two_rows_for_one_bar_segment(keep):
    df = pd.concat([aap_frame(), aap_frame().head(1)])
    with pytest.raises(ValueError, match="én rad"):
        plots.aap_by_programme_plot(df)


# --- Figur 3.3 and 3.4 -------------------------------------------------------------------

def characteristics_frame() -> pd.DataFrame:
    labels = {"age_50_plus": "50 år eller eldre", "immigrant": "Innvandrere",
              "reduced_capacity": "Nedsatt arbeidsevne",
              "other_jobseeker": "Andre arbeidssøkere", "aap": "Mottar AAP"}
    rows = []
    for year, na in zip((2013, 2014, 2015), (80.0, 79.0, 70.0)):
        for measure, value in zip(labels, (20.0, 16.0, na, 100 - na, 65.0)):
            rows.append({"year": year, "measure": measure, "label": labels[measure],
                         "share": value, "n": 100, "numerator": int(value)})
    df = pd.DataFrame(rows)
    df.loc[(df["year"] == 2014) & (df["measure"] == "immigrant"), "share"] = np.nan
    return df


def test_characteristics_by_year_draws_a_line_per_measure_with_gaps(keep):
    fig = keep(plots.characteristics_by_year_plot(characteristics_frame()))
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 5
    na = line(ax, "Nedsatt arbeidsevne")
    assert list(na.get_xdata()) == [2013, 2014, 2015]
    assert list(na.get_ydata()) == [80, 79, 70]
    immigrants = line(ax, "Innvandrere").get_ydata()
    assert immigrants[0] == 16 and np.isnan(immigrants[1]) and immigrants[2] == 16
    assert len({ln.get_marker() for ln in ax.get_lines()}) == 5  # apart in grey too
    assert ax.get_xlabel() == "Tilgangsår" and ax.get_ylabel() == "Prosent"
    assert ax.get_ylim() == (0, 100)
    assert tick_texts(ax.xaxis) == ["2013", "2014", "2015"]
    assert all(t.endswith("%") for t in tick_texts(ax.yaxis))
    title, labels = legend(fig)
    assert title == "Kjennetegn ved tilgang"
    assert labels == ["50 år eller eldre", "Innvandrere", "Nedsatt arbeidsevne",
                      "Andre arbeidssøkere", "Mottar AAP"]


def psychiatric_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "year": [2013, 2014, 2013, 2014],
        "measure": ["of_aap", "of_aap", "of_all", "of_all"],
        "label": ["Andel av dem som mottar AAP"] * 2 + ["Andel av alle som starter"] * 2,
        "share": [50.5, 49.0, 34.0, np.nan],
    })


def test_psychiatric_by_year_draws_two_lines(keep):
    fig = keep(plots.psychiatric_by_year_plot(psychiatric_frame()))
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2
    assert list(line(ax, "Andel av dem som mottar AAP").get_ydata()) == [50.5, 49.0]
    assert ax.get_xlabel() == "Tilgangsår" and ax.get_ylabel() == "Prosent"
    title, labels = legend(fig)
    assert title
    assert labels == ["Andel av dem som mottar AAP", "Andel av alle som starter"]


def test_a_series_that_is_all_suppressed_is_left_out(keep):
    df = characteristics_frame()
    df.loc[df["measure"] == "aap", "share"] = np.nan
    fig = keep(plots.characteristics_by_year_plot(df))
    assert len(fig.axes[0].get_lines()) == 4
    assert "Mottar AAP" not in legend(fig)[1]


# --- Figur 3.5 and 3.7 -------------------------------------------------------------------

def history_frame() -> pd.DataFrame:
    """As tables.monthly_history returns it: programme codes, months −24 … −1."""
    rows = []
    for group, base in (("gammelt", 70.0), ("nytt", 50.0)):
        for month in range(-24, 0):
            shares = {"reduced_capacity": base + (month + 24) / 4,
                      "other_registered": 20.0, "not_registered": 10.0,
                      "job_strict": base / 2 + month}
            for measure, share in shares.items():
                rows.append({"group": group, "relative_month": month, "measure": measure,
                             "share": share, "n": 100})
    df = pd.DataFrame(rows)
    df.loc[(df["group"] == "nytt") & (df["relative_month"] == -12), "share"] = np.nan
    return df


def test_nav_history_has_a_panel_per_status_and_a_line_per_programme(keep):
    fig = keep(plots.nav_history_plot(history_frame()))
    assert len(fig.axes) == 3  # job_strict is not a NAV status
    assert [ax.get_title() for ax in fig.axes] == list(NAV_STATUS_LABELS.values())
    for ax in fig.axes:
        assert len(ax.get_lines()) == 2
        assert ax.get_ylim() == (0, 100)
        assert tick_texts(ax.xaxis)[0] == "\u221224"
    first = fig.axes[0]
    old = line(first, "Gammelt")
    assert list(old.get_xdata()) == list(range(-24, 0))
    assert old.get_ydata()[0] == 70 and old.get_ydata()[-1] == 75.75
    assert colour(old) == plots.BLUE and old.get_linestyle() == "-"
    new = line(first, "Nytt")
    assert colour(new) == plots.VERMILLION and new.get_linestyle() == "--"
    assert np.isnan(new.get_ydata()[12]) and np.isfinite(new.get_ydata()).sum() == 23
    assert first.get_ylabel() == "Prosent"
    assert fig.get_supxlabel() == "Måneder før tilgang"
    assert legend(fig) == ("Tiltak", ["Gammelt", "Nytt"])


def test_nav_history_accepts_labels_and_a_third_programme(keep):
    df = history_frame()
    extra = df[df["group"] == "gammelt"].assign(group="utvidet")
    df = pd.concat([df.assign(group=df["group"].map({"gammelt": "Gammelt", "nytt": "Nytt"})),
                    extra])
    fig = keep(plots.nav_history_plot(df))
    assert legend(fig)[1] == ["Gammelt", "Nytt", "Utvidet oppfølging"]
    assert colour(line(fig.axes[1], "Utvidet oppfølging")) == plots.GREEN


def test_job_history_draws_job_strict_only(keep):
    fig = keep(plots.job_history_plot(history_frame()))
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2
    old = line(ax, "Gammelt").get_ydata()
    assert old[0] == 35 - 24 and old[-1] == 35 - 1
    assert np.isnan(line(ax, "Nytt").get_ydata()[12])
    assert ax.get_xlabel() == "Måneder før tilgang" and ax.get_ylabel() == "Prosent"
    low, high = ax.get_ylim()
    assert low == 0 and 34 < high <= 100
    assert legend(fig) == ("Tiltak", ["Gammelt", "Nytt"])


# --- Figur 3.6 ---------------------------------------------------------------------------

def before_frame() -> pd.DataFrame:
    categories = ["Arbeidspraksis", "Ikke i tiltak", "Avklaring", "Opplæring"]
    return pd.DataFrame({
        "programme": ["Gammelt"] * 4 + ["Nytt"] * 4,
        "measure": categories * 2,
        "share": [6.0, 82.0, 3.0, 9.0, 3.0, 88.0, np.nan, 9.0],
    })


def test_programme_before_puts_no_programme_in_its_own_panel(keep):
    fig = keep(plots.programme_before_plot(before_frame()))
    left, right = fig.axes
    assert len(left.patches) == 2 and len(right.patches) == 5  # one suppressed
    assert tick_texts(left.xaxis) == ["Ikke i\ntiltak"]
    assert tick_texts(right.xaxis) == ["Arbeidspraksis", "Avklaring", "Opplæring"]
    assert sorted(b.get_height() for b in left.patches) == [82, 88]
    assert left.get_ylim() == (0, 100)
    top = right.get_ylim()[1]
    assert 9 < top < 20  # the small categories get a scale of their own
    assert left.get_ylabel() == "Prosent" and right.get_ylabel() == "Prosent"
    assert fig.get_supxlabel() == "Tiltaksdeltakelse måneden før tilgang"
    gammelt = [b for b in right.patches if colour(b) == plots.BLUE]
    assert len(gammelt) == 3
    assert "6,0" in [t.get_text() for t in right.texts]
    assert legend(fig) == ("Tiltak", ["Gammelt", "Nytt"])


def test_programme_before_without_no_programme_has_one_panel(keep):
    df = before_frame()
    fig = keep(plots.programme_before_plot(df[df["measure"] != "Ikke i tiltak"]))
    (ax,) = fig.axes
    assert len(ax.patches) == 5


# --- Figur 2.9 / 2.10 --------------------------------------------------------------------

def survival_frame(scale: float = 100.0) -> pd.DataFrame:
    months = list(range(25))
    return pd.DataFrame({
        "month": months * 2,
        "group": ["gammelt"] * 25 + ["nytt"] * 25,
        "share_remaining": [scale * 0.9 ** m for m in months] + [scale * 0.88 ** m
                                                                 for m in months],
    })


def test_survival_draws_step_lines_per_group(keep):
    df = survival_frame()
    df.loc[5, "share_remaining"] = np.nan
    fig = keep(plots.survival_plot(df))
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2
    old = line(ax, "Gammelt")
    assert old.get_drawstyle() == "steps-post"
    assert old.get_ydata()[0] == 100 and np.isnan(old.get_ydata()[5])
    assert ax.get_xlabel() == "Måneder etter tilgang" and ax.get_ylabel() == "Prosent"
    assert ax.get_ylim() == (0, 100)
    assert tick_texts(ax.xaxis)[:3] == ["0", "3", "6"]
    assert legend(fig) == ("Tiltak", ["Gammelt", "Nytt"])


def test_survival_plots_percent_as_given_and_provider_groups(keep):
    # share_remaining is percent: a series that stays at or below 1 % (every value <= 1)
    # is drawn as it is, not taken for fractions and multiplied by 100.
    df = survival_frame(scale=1.0)
    df["group"] = df["group"].map({"gammelt": "skjermet", "nytt": "kommersiell"})
    fig = keep(plots.survival_plot(df, legend_title="Leverandør"))
    ax = fig.axes[0]
    skjermet = line(ax, "Skjermet").get_ydata()
    assert skjermet[0] == 1.0
    np.testing.assert_allclose(skjermet[:25], df["share_remaining"].iloc[:25])
    assert np.nanmax(line(ax, "Kommersiell").get_ydata()) == 1.0
    assert colour(line(ax, "Kommersiell")) == plots.ORANGE
    assert legend(fig) == ("Leverandør", ["Skjermet", "Kommersiell"])


@pytest.mark.parametrize("bad", [100.5, -1.0])
def test_survival_rejects_values_that_are_not_percent(bad):
    df = survival_frame()
    df.loc[3, "share_remaining"] = bad
    with pytest.raises(ValueError, match=r"share_remaining er prosent \(0–100\)"):
        plots.survival_plot(df)


def km_frame() -> pd.DataFrame:
    """helpers.survival.km_curve on a small frame: two programmes, censored participations,
    the tail of the smaller group hidden by the small-cell rule."""
    from helpers import survival

    rng = np.random.default_rng(11)
    frame = pd.DataFrame({"duration": np.r_[rng.integers(1, 30, 300), rng.integers(1, 12, 60)],
                          "duration_censored": rng.random(360) < 0.1,
                          "programme": ["gammelt"] * 300 + ["nytt"] * 60})
    return survival.km_curve(frame, months=36)


def test_survival_with_bands_from_the_kaplan_meier_curve(keep):
    from matplotlib.collections import PolyCollection

    df = km_frame()
    new = df[df["group"] == "nytt"]
    assert new["share_remaining"].isna().any() and new["share_remaining"].notna().any()
    fig = keep(plots.survival_plot(df))
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    assert {to_hex(b.get_facecolor()[0]) for b in bands} == {plots.BLUE, plots.VERMILLION}
    assert all(b.get_alpha() == plots.BAND_ALPHA for b in bands)
    drawn = line(ax, "Nytt").get_ydata()
    assert np.isnan(drawn).sum() == new["share_remaining"].isna().sum()  # hidden: a gap
    assert ax.get_xlabel() == "Måneder etter tilgang" and ax.get_ylabel() == "Prosent"
    assert tick_texts(ax.xaxis)[-1] == "36" and tick_texts(ax.yaxis)[-1] == f"100{NBSP}%"
    assert legend(fig) == ("Tiltak", ["Gammelt", "Nytt"])  # bands are not in the legend


def test_survival_providers_are_apart_in_grey_too(keep):
    df = km_frame().replace({"group": {"gammelt": "skjermet", "nytt": "kommersiell"}})
    fig = keep(plots.survival_plot(df, legend_title=plots.PROVIDER))
    ax = fig.axes[0]
    assert line(ax, "Skjermet").get_linestyle() == "-"
    assert line(ax, "Kommersiell").get_linestyle() == "--"
    assert legend(fig) == ("Leverandør", ["Skjermet", "Kommersiell"])


def test_survival_rejects_a_band_that_is_not_percent():
    df = km_frame()
    df.loc[4, "upper"] = 101.0
    with pytest.raises(ValueError, match=r"upper er prosent \(0–100\)"):
        plots.survival_plot(df)


# --- Every figure ------------------------------------------------------------------------

ALL = [  # function, frame, the column with the values
    (plots.entrants_by_year_plot, entrants_frame, "entrants"),
    (plots.aap_by_programme_plot, aap_frame, "share"),
    (plots.characteristics_by_year_plot, characteristics_frame, "share"),
    (plots.psychiatric_by_year_plot, psychiatric_frame, "share"),
    (plots.nav_history_plot, history_frame, "share"),
    (plots.programme_before_plot, before_frame, "share"),
    (plots.job_history_plot, history_frame, "share"),
    (plots.survival_plot, survival_frame, "share_remaining"),
]
IDS = [f.__name__ for f, _, _ in ALL]


@pytest.mark.parametrize("draw,frame,value", ALL, ids=IDS)
def test_figures_are_report_sized_untitled_and_outside_pyplot(keep, draw, frame, value):
    before = plt.get_fignums()
    fig = keep(draw(frame()))
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == before  # nothing left open in pyplot
    assert tuple(fig.get_size_inches()) == (7, 4) and fig.dpi == 150
    assert not fig.get_suptitle()  # the caption comes from the book
    assert fig.axes[0].get_ylabel() in {"Prosent", "Antall personer", "Tiltak"}
    for ax in fig.axes:
        assert (ax.get_xlabel() or fig.get_supxlabel()) in {
            "Prosent", "Tilgangsår", "Måneder før tilgang", "Måneder etter tilgang",
            "Tiltaksdeltakelse måneden før tilgang"}
    assert legend(fig)[0]
    png = fig._repr_png_()
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize("draw,frame,value", ALL, ids=IDS)
def test_missing_columns_are_named(draw, frame, value):
    with pytest.raises(ValueError, match=f"mangler kolonne.*{value}"):
        draw(frame().drop(columns=[value]))


@pytest.mark.parametrize("draw,frame,value", ALL, ids=IDS)
def test_every_value_suppressed_says_so_instead_of_drawing(keep, draw, frame, value):
    for data in (frame().assign(**{value: np.nan}), frame().iloc[:0]):
        fig = keep(draw(data))
        assert isinstance(fig, Figure)
        assert not any(ax.get_lines() or ax.patches for ax in fig.axes)
        assert [t.get_text() for t in fig.texts] == [plots.NOTHING_TO_SHOW]


def test_figures_do_not_depend_on_global_style(keep):
    with mpl.rc_context({"font.size": 30, "figure.figsize": (2, 2), "axes.grid": False}):
        fig = keep(plots.job_history_plot(history_frame()))
    assert tuple(fig.get_size_inches()) == (7, 4)
    ax = fig.axes[0]
    assert ax.xaxis.label.get_fontsize() == 10
    assert ax.xaxis.get_major_ticks()[0].gridline.get_visible()


def test_job_after_entry_plot_has_a_panel_per_definition_with_labelled_axes():
    months = np.arange(25)
    rows = [{"group": g, "month": m, "definition": d, "share": base + m}
            for g, base in (("gammelt", 5.0), ("nytt", 16.0))
            for d in ("job_strict", "employed") for m in months]
    fig = plots.job_after_entry_plot(pd.DataFrame(rows))
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["I jobb og ikke i annet tiltak",
                                               "I jobb, uansett tiltak"]
    assert axes[0].get_ylabel() == "Prosent"
    assert fig._supxlabel.get_text() == "Måneder etter tilgang"
    lines = [line for line in axes[0].get_lines() if line.get_label() in ("Gammelt", "Nytt")]
    assert len(lines) == 2
    assert lines[1].get_ydata()[12] == 28.0
    with pytest.raises(ValueError, match="mangler kolonne"):
        plots.job_after_entry_plot(pd.DataFrame({"group": ["gammelt"], "month": [0]}))
    hidden = pd.DataFrame(rows).assign(share=np.nan)
    assert plots.job_after_entry_plot(hidden).get_figheight() < 2  # says there is nothing


def test_survey_plot_draws_one_bar_per_answer_and_group():
    data = pd.DataFrame({"label": ["Ja", "Nei"] * 3, "group": ["2015"] * 2 + ["2019"] * 2 + ["landet"] * 2,
                         "value": [60.0, 40.0, 70.0, 30.0, np.nan, 35.0], "unit": "percent",
                         "hidden": [False] * 4 + [True, False]})
    fig = plots.survey_plot(data)
    ax = fig.axes[0]
    heights = [p.get_width() for p in ax.patches]
    assert len(heights) == 6 and heights[:2] == [60.0, 40.0]
    assert heights[4] == 0.0  # hidden: no bar, marked ':'
    assert any(t.get_text() == ":" for t in ax.texts)
    assert ax.get_xlabel() == plots.PERCENT


def test_practice_plot_shows_every_provider_and_the_slope():
    linked = pd.DataFrame({"programme": ["gammelt", "nytt", "nytt"], "adjusted": [1.0, -2.0, 0.5],
                           "adjusted_se": [0.5, 1.0, 1.0], "z_samlet": [-1.0, 0.0, 1.0]})
    results = pd.DataFrame({"index": ["samlet"], "label": ["Samlet praksisindeks"], "slope": [0.75]})
    fig = plots.practice_plot(linked, results)
    ax = fig.axes[0]
    points = sum(len(line.get_xdata()) for line in ax.lines if line.get_marker() == "o")
    assert points == 3
    slope_line = [line for line in ax.lines if line.get_label() == "Helning"][0]
    x, y = slope_line.get_xdata(), slope_line.get_ydata()
    assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(0.75)
