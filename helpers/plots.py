"""Figures the chapters show (Figur 3.1–3.7, later 2.9–2.10), drawn from the tidy frames of
helpers.tables and helpers.spells.

Every function takes the tidy frame(s) as they come and returns a matplotlib Figure made
without pyplot (a `ReportFigure`): nothing is registered with a backend, shown or left open,
so there is nothing to close. A notebook shows it once, as a PNG, when it is a cell's last
expression or passed to `display(fig)` (`plt.show()` does not see it); save it with
`fig.savefig`.
The figure has no title (the book's caption is the title); axes and legends are labelled in
bokmål with units, numbers use a decimal comma, and colours are fixed per programme, so
Gammelt, Nytt and Utvidet oppfølging look the same in every figure. Suppressed small cells
(NaN) are left out: no bar, a gap in a line.

`use_report_style()` applies the same style to figures drawn elsewhere (e.g. with seaborn);
the functions here apply it themselves and need not be preceded by it.
"""
from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers.prose import number
from helpers.tables import (
    AAP_ROWS,
    CHARACTERISTICS_BY_YEAR,
    JOB_DEFINITION_LABELS,
    NAV_STATUS_LABELS,
    NO_PROGRAMME,
    PROGRAMME_BEFORE_CATEGORIES,
    PROGRAMME_DETAIL_LABELS,
    PROGRAMME_LABELS,
    PROVIDER_LABELS,
)

FIGSIZE = (7.0, 4.0)   # inches
DPI = 150

# Okabe & Ito's palette: told apart with the common colour-vision deficiencies and in grey.
BLUE, VERMILLION, GREEN = "#0072b2", "#d55e00", "#009e73"
SKY_BLUE, ORANGE, PURPLE = "#56b4e9", "#e69f00", "#cc79a7"
BLACK, GREY, LIGHT_GREY = "#000000", "#999999", "#c8c8c8"
PALETTE = [BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY_BLUE, BLACK, GREY]  # no yellow: too pale

PROGRAMME_COLOURS = {
    PROGRAMME_LABELS["gammelt"]: BLUE,
    PROGRAMME_LABELS["nytt"]: VERMILLION,
    PROGRAMME_LABELS["utvidet"]: GREEN,
}
# Line styles as well as colours, so the programmes stay apart in grey print.
PROGRAMME_LINESTYLES = {
    PROGRAMME_LABELS["gammelt"]: "-",
    PROGRAMME_LABELS["nytt"]: "--",
    PROGRAMME_LABELS["utvidet"]: "-.",
}
PROGRAMME_DETAIL_COLOURS = {
    PROGRAMME_DETAIL_LABELS[("gammelt", "ARBEID_MED_BISTAND")]: SKY_BLUE,
    PROGRAMME_DETAIL_LABELS[("gammelt", "OPPFOLGING")]: BLUE,
    PROGRAMME_DETAIL_LABELS[("nytt", "OPPFOLGING")]: VERMILLION,
    PROGRAMME_DETAIL_LABELS[("utvidet", "UTVIDET_OPPFOLGING")]: GREEN,
}
PROVIDER_COLOURS = {
    PROVIDER_LABELS["skjermet"]: PURPLE,
    PROVIDER_LABELS["kommersiell"]: ORANGE,
    PROVIDER_LABELS["ideell"]: SKY_BLUE,
    PROVIDER_LABELS["ukjent"]: GREY,
}
_AAP = dict(AAP_ROWS)
AAP_COLOURS = {
    _AAP["ikke_aap"]: LIGHT_GREY,
    _AAP["muskel_skjelett"]: ORANGE,
    _AAP["psykisk"]: PURPLE,
    _AAP["annen"]: SKY_BLUE,
}
# Measures over years (Figur 3.3, 3.4): kept off the programme colours.
MEASURE_COLOURS = {
    CHARACTERISTICS_BY_YEAR["age_50_plus"]: SKY_BLUE,
    CHARACTERISTICS_BY_YEAR["immigrant"]: ORANGE,
    CHARACTERISTICS_BY_YEAR["reduced_capacity"]: BLACK,
    CHARACTERISTICS_BY_YEAR["other_jobseeker"]: GREY,
    CHARACTERISTICS_BY_YEAR["aap"]: PURPLE,
    "Andel av dem som mottar AAP": PURPLE,
    "Andel av alle som starter": BLACK,
}
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]

# Group codes in the frames (monthly_history's `group`, survival's `group`) → labels.
GROUP_LABELS = {**PROGRAMME_LABELS, **PROVIDER_LABELS}

# Axis labels and legend titles.
PERCENT = "Prosent"
PERSONS = "Antall personer"
ENTRY_YEAR = "Tilgangsår"
MONTHS_BEFORE = "Måneder før tilgang"
MONTHS_AFTER = "Måneder etter tilgang"
PROGRAMME = "Tiltak"

NBSP = "\u00a0"


# --- Style ------------------------------------------------------------------------------

def report_rc() -> dict:
    """The report's matplotlib settings: seaborn's whitegrid, the palette, ~(7, 4) inches
    at 150 dpi, fonts readable at book width, no top/right spines, no legend frame."""
    rc = dict(sns.axes_style("whitegrid"))
    rc.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "font.size": 10,
        "axes.labelsize": 10,
        "axes.titlesize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 9,
        "legend.title_fontsize": 9,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.unicode_minus": True,
        "axes.formatter.use_locale": False,
        "lines.linewidth": 2.0,
        "lines.markersize": 5.0,
        "patch.edgecolor": "white",
    })
    return rc


def use_report_style() -> None:
    """Set the report's style (seaborn whitegrid, Okabe–Ito palette, size, fonts) for every
    figure drawn after this call."""
    sns.set_theme(style="whitegrid", palette=PALETTE)
    mpl.rcParams.update(report_rc())


# --- Formatting -------------------------------------------------------------------------

def _decimals(values: Iterable[float], most: int = 2) -> int:
    """Fewest decimals (≤ most) that show every value exactly."""
    finite = [v for v in values if np.isfinite(v)]
    for d in range(most + 1):
        if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 for v in finite):
            return d
    return most


def format_number(value: float, decimals: int = 0) -> str:
    """A number the Norwegian way (helpers.prose.number): decimal comma, narrow space
    between thousands, true minus."""
    return number(value, decimals)


class PercentFormatter(mticker.Formatter):
    """Tick labels like '40 %' and '2,5 %': one number of decimals for all ticks of an axis,
    as few as show them exactly."""

    def __call__(self, x, pos=None):
        return format_number(x, _decimals([x])) + NBSP + "%"

    def format_ticks(self, values):
        d = _decimals(values)
        return [format_number(v, d) + NBSP + "%" for v in values]


class NumberFormatter(mticker.Formatter):
    """Tick labels like '12 000' and '0,5' (counts and months)."""

    def __call__(self, x, pos=None):
        return format_number(x, _decimals([x]))

    def format_ticks(self, values):
        d = _decimals(values)
        return [format_number(v, d) for v in values]


# --- Building blocks --------------------------------------------------------------------

class ReportFigure(Figure):
    """A Figure that shows itself in a notebook (PNG at its own dpi) with no pyplot and no
    backend set up: pyplot would show it a second time at the end of the cell, and keep it
    open. Where matplotlib's inline backend is active, its own display is used instead."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=self.dpi)
        return buffer.getvalue()


def _figure(ncols: int = 1, **kwargs) -> tuple[Figure, list[Axes]]:
    fig = ReportFigure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False, **kwargs)[0]
    return fig, list(axes)


def _finish(fig: Figure) -> Figure:
    """Lay the figure out once while the report's settings are in force, so ticks made
    later (at display or save) copy the report's tick style."""
    fig.draw_without_rendering()
    return fig


def _ordered(values: Iterable, preferred: Sequence) -> list:
    """Distinct values (NaN dropped): those in `preferred` in its order, then the rest in
    order of appearance (a Categorical's own order first)."""
    values = pd.Series(values)
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        seen = [c for c in values.cat.categories if c in present]
    else:
        seen = list(pd.unique(values.dropna()))
    return [p for p in preferred if p in seen] + [v for v in seen if v not in preferred]


def _colours(labels: Sequence, fixed: Mapping[str, str]) -> dict:
    """Fixed colours where known; others take palette colours not used in this figure."""
    used = {fixed[label] for label in labels if label in fixed}
    spare = [c for c in PALETTE if c not in used]
    out = {}
    for label in labels:
        if label in fixed:
            out[label] = fixed[label]
        else:
            out[label] = spare.pop(0) if spare else GREY
    return out


def _group_labels(groups: pd.Series) -> pd.Series:
    """Programme/provider codes (gammelt, skjermet, …) as labels; labels pass through."""
    return groups.map(lambda g: GROUP_LABELS.get(g, g) if isinstance(g, str) else g)


def _require(df: pd.DataFrame, columns: Sequence[str], function: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{function}: mangler kolonne(r) {missing}; har {list(df.columns)}")


def _one_row_each(df: pd.DataFrame, keys: list[str], function: str) -> None:
    if df.duplicated(keys).any():
        raise ValueError(f"{function}: ventet én rad per {keys}")


def _percent_axis(ax: Axes, axis: str = "y", values: Iterable[float] | None = None) -> None:
    """0–100 %, or 0 to a round number just above the largest value."""
    top = 100.0
    if values is not None:
        finite = [v for v in values if np.isfinite(v)]
        if finite:
            top = min(100.0, max(5.0, float(np.ceil(max(finite) * 1.15 / 5) * 5)))
    (ax.set_ylim if axis == "y" else ax.set_xlim)(0, top)
    getattr(ax, f"{axis}axis").set_major_formatter(PercentFormatter())
    if top == 100.0:
        getattr(ax, f"{axis}axis").set_major_locator(mticker.MultipleLocator(20))


def _year_axis(ax: Axes, years: Sequence[int]) -> None:
    ax.xaxis.set_major_locator(mticker.FixedLocator([float(y) for y in years]))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, pos: f"{x:.0f}"))
    if len(years):
        ax.set_xlim(min(years) - 0.5, max(years) + 0.5)


def _month_axis(ax: Axes, months: Sequence[int], step: int, last: bool = True) -> None:
    """Integer months; ticks every `step` months from the first, and (with `last`) at the
    last month."""
    if not len(months):
        return
    lo, hi = int(min(months)), int(max(months))
    ticks = list(range(lo, hi + 1, step))
    if last and ticks[-1] != hi:
        if hi - ticks[-1] < step / 2:
            ticks[-1] = hi
        else:
            ticks.append(hi)
    ax.xaxis.set_major_locator(mticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(NumberFormatter())
    ax.set_xlim(lo - 0.5, hi + 0.5)


def _legend(fig: Figure, ax: Axes | None, title: str, ncols: int | None = None,
            reverse: bool = False, where: str = "lower") -> None:
    """One legend for the figure, under the plot (or above it: where='upper', for figures
    with one x label under several panels); entries from `ax` (or all axes, once)."""
    handles, labels = [], []
    for a in ([ax] if ax is not None else fig.axes):
        for h, label in zip(*a.get_legend_handles_labels()):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    if reverse:
        handles, labels = handles[::-1], labels[::-1]
    if handles:
        fig.legend(handles, labels, title=title, loc=f"outside {where} center",
                   ncols=ncols or min(len(labels), 4))


def _lines(ax: Axes, df: pd.DataFrame, x: str, y: str, hue: str, order: list,
           colours: Mapping, styles: Mapping | None = None, markers: bool = False,
           step: bool = False) -> None:
    """One line per value of `hue`, over every x in the frame: NaN leaves a gap."""
    xs = np.sort(pd.unique(df[x].dropna().astype(float)))
    for i, label in enumerate(order):
        rows = df[df[hue] == label]
        if rows[y].isna().all():
            continue
        series = rows.groupby(rows[x].astype(float))[y].first().reindex(xs)
        kwargs = {"color": colours[label], "label": label,
                  "linestyle": (styles or {}).get(label, "-")}
        if markers:
            kwargs["marker"] = MARKERS[i % len(MARKERS)]
        if step:
            ax.step(xs, series.to_numpy(dtype=float), where="post", **kwargs)
        else:
            ax.plot(xs, series.to_numpy(dtype=float), **kwargs)


def _wrap(label: str, width: int = 12) -> str:
    """A category label on lines of about `width` characters; a long compound ending in
    '-tiltak' is hyphenated before it."""
    words = []
    for word in str(label).split():
        if len(word) > width + 2 and word.endswith("tiltak"):
            words += [word[:-len("tiltak")] + "-", "tiltak"]
        else:
            words.append(word)
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width and not lines[-1].endswith("-"):
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _bar_label_text(value: float) -> str:
    return format_number(value, 1)


# --- Figures ----------------------------------------------------------------------------

NOTHING_TO_SHOW = ("Ingen tall å vise: uttrekket har ingen personer i gruppene figuren viser, "
                   "eller alle tallene er skjult for å beskytte personopplysninger.")


def nothing_to_show_figure(message: str = NOTHING_TO_SHOW) -> Figure:
    """A short figure that says, in words, that there is nothing to draw."""
    fig = ReportFigure(figsize=(FIGSIZE[0], 0.9), dpi=DPI)
    fig.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=10)
    return fig


def _or_nothing(column: str):
    """Decorator: when the tidy frame has no shown value in `column` (no rows, or every
    value hidden), return `nothing_to_show_figure()` instead of an empty or broken figure."""
    def wrap(draw):
        @functools.wraps(draw)
        def drawn(df: pd.DataFrame, *args, **kwargs) -> Figure:
            if column in df.columns and not np.isfinite(
                    pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)).any():
                return nothing_to_show_figure()
            return draw(df, *args, **kwargs)
        return drawn
    return wrap


@_or_nothing("entrants")
def entrants_by_year_plot(df: pd.DataFrame) -> Figure:
    """Figur 3.1: entrants per entry year, stacked by programme (Arbeid med bistand, old and
    new Oppfølging, Utvidet oppfølging i NAV). Columns year, programme_detail, entrants."""
    _require(df, ["year", "programme_detail", "entrants"], "entrants_by_year_plot")
    with mpl.rc_context(report_rc()):
        fig, (ax,) = _figure()
        data = df[["year", "programme_detail", "entrants"]].copy()
        data["year"] = data["year"].astype(float)
        years = sorted(int(y) for y in data["year"].dropna().unique())
        details = _ordered(data["programme_detail"], list(PROGRAMME_DETAIL_COLOURS))
        colours = _colours(details, PROGRAMME_DETAIL_COLOURS)
        data["programme_detail"] = data["programme_detail"].astype(object)
        bottom = pd.Series(0.0, index=[float(y) for y in years])
        for detail in details:
            rows = data[(data["programme_detail"] == detail) & data["entrants"].notna()]
            counts = rows.groupby("year")["entrants"].sum()
            if counts.empty:
                continue
            ax.bar(counts.index.to_numpy(), counts.to_numpy(dtype=float), width=0.7,
                   bottom=bottom.reindex(counts.index).to_numpy(), color=colours[detail],
                   label=detail, linewidth=0.5)
            bottom = bottom.add(counts, fill_value=0.0)
        ax.set_xlabel(ENTRY_YEAR)
        ax.set_ylabel(PERSONS)
        _year_axis(ax, years)
        ax.yaxis.set_major_formatter(NumberFormatter())
        ax.grid(axis="x", visible=False)
        _legend(fig, ax, PROGRAMME, ncols=2, reverse=True)  # top of the stack first
        return _finish(fig)


@_or_nothing("share")
def aap_by_programme_plot(df: pd.DataFrame) -> Figure:
    """Figur 3.2: AAP status and diagnosis group at entry, one 100 % bar per programme.
    Columns programme (label), measure (category label), share (percent)."""
    _require(df, ["programme", "measure", "share"], "aap_by_programme_plot")
    _one_row_each(df, ["programme", "measure"], "aap_by_programme_plot")
    with mpl.rc_context(report_rc()):
        fig, (ax,) = _figure()
        programmes = _ordered(df["programme"], list(PROGRAMME_COLOURS))
        categories = _ordered(df["measure"], list(AAP_COLOURS))
        colours = _colours(categories, AAP_COLOURS)
        position = {p: i for i, p in enumerate(programmes)}
        left = np.zeros(len(programmes))
        for category in categories:
            rows = df[(df["measure"] == category) & df["share"].notna()]
            if rows.empty:
                continue
            y = rows["programme"].map(position).to_numpy(dtype=int)
            width = rows["share"].to_numpy(dtype=float)
            ax.barh(y, width, left=left[y], height=0.6, color=colours[category],
                    label=category, linewidth=0.8)
            for yi, w in zip(y, width):
                if w >= 6:
                    ax.text(left[yi] + w / 2, yi, _bar_label_text(w), ha="center",
                            va="center", fontsize=8, color=BLACK)
            left[y] += width
        ax.set_yticks(range(len(programmes)), programmes)
        ax.set_ylim(len(programmes) - 0.5, -0.5)  # first programme on top
        _percent_axis(ax, "x")
        ax.set_xlabel(PERCENT)
        ax.set_ylabel(PROGRAMME)
        ax.grid(axis="y", visible=False)
        _legend(fig, ax, "AAP og diagnose", ncols=2)
        return _finish(fig)


def _measures_by_year(df: pd.DataFrame, legend_title: str, function: str) -> Figure:
    _require(df, ["year", "share"], function)
    hue = "label" if "label" in df.columns else "measure"
    _require(df, [hue], function)
    _one_row_each(df, ["year", hue], function)
    with mpl.rc_context(report_rc()):
        fig, (ax,) = _figure()
        data = df.assign(year=df["year"].astype(float))
        order = _ordered(data[hue], list(MEASURE_COLOURS))
        _lines(ax, data, "year", "share", hue, order, _colours(order, MEASURE_COLOURS),
               markers=True)
        _year_axis(ax, sorted(int(y) for y in data["year"].dropna().unique()))
        _percent_axis(ax, "y")
        ax.set_xlabel(ENTRY_YEAR)
        ax.set_ylabel(PERCENT)
        _legend(fig, ax, legend_title, ncols=3)
        return _finish(fig)


@_or_nothing("share")
def characteristics_by_year_plot(df: pd.DataFrame) -> Figure:
    """Figur 3.3: characteristics at entry (50+, immigrants, reduced work capacity, other
    jobseekers, AAP), percent by entry year. Columns year, label (or measure), share."""
    return _measures_by_year(df, "Kjennetegn ved tilgang", "characteristics_by_year_plot")


@_or_nothing("share")
def psychiatric_by_year_plot(df: pd.DataFrame) -> Figure:
    """Figur 3.4: AAP with a psychiatric diagnosis as percent of AAP recipients and of all
    entrants, by entry year. Columns year, label (or measure), share."""
    return _measures_by_year(df, "AAP og psykisk lidelse, som", "psychiatric_by_year_plot")


def _history(history: pd.DataFrame, function: str) -> pd.DataFrame:
    _require(history, ["group", "relative_month", "measure", "share"], function)
    return history.assign(group=_group_labels(history["group"]),
                          relative_month=history["relative_month"].astype(float))


@_or_nothing("share")
def nav_history_plot(history: pd.DataFrame) -> Figure:
    """Figur 3.5: NAV status month by month in the 24 months before entry, one panel per
    status (reduced work capacity, other NAV user, not registered), one line per programme.
    Columns group (gammelt/nytt/utvidet or labels), relative_month, measure, share."""
    data = _history(history, "nav_history_plot")
    statuses = [s for s in NAV_STATUS_LABELS if s in set(data["measure"])]
    if not statuses:
        raise ValueError(f"nav_history_plot: ingen av {list(NAV_STATUS_LABELS)} i measure")
    data = data[data["measure"].isin(statuses)]
    _one_row_each(data, ["group", "relative_month", "measure"], "nav_history_plot")
    with mpl.rc_context(report_rc()):
        fig, axes = _figure(len(statuses), sharey=True)
        groups = _ordered(data["group"], list(PROGRAMME_COLOURS))
        colours = _colours(groups, PROGRAMME_COLOURS)
        months = sorted(int(m) for m in data["relative_month"].dropna().unique())
        for ax, status in zip(axes, statuses):
            _lines(ax, data[data["measure"] == status], "relative_month", "share", "group",
                   groups, colours, PROGRAMME_LINESTYLES)
            ax.set_title(NAV_STATUS_LABELS[status])
            _month_axis(ax, months, step=6, last=len(statuses) == 1)
            _percent_axis(ax, "y")
        axes[0].set_ylabel(PERCENT)
        fig.supxlabel(MONTHS_BEFORE, fontsize=10)
        _legend(fig, None, PROGRAMME, where="upper")
        return _finish(fig)


@_or_nothing("share")
def programme_before_plot(df: pd.DataFrame) -> Figure:
    """Figur 3.6: labour-market programme the month before entry, percent by programme.
    'Ikke i tiltak' gets its own 0–100 % panel, the other categories one with a scale that
    shows them. Columns programme (label), measure (category label), share."""
    _require(df, ["programme", "measure", "share"], "programme_before_plot")
    _one_row_each(df, ["programme", "measure"], "programme_before_plot")
    with mpl.rc_context(report_rc()):
        preferred = [NO_PROGRAMME] + list(dict.fromkeys(PROGRAMME_BEFORE_CATEGORIES.values()))
        categories = _ordered(df["measure"], preferred)
        others = [c for c in categories if c != NO_PROGRAMME]
        panels = ([[NO_PROGRAMME]] if NO_PROGRAMME in categories else []) + \
                 ([others] if others else [])
        fig, axes = _figure(len(panels), width_ratios=[len(p) for p in panels])
        programmes = _ordered(df["programme"], list(PROGRAMME_COLOURS))
        colours = _colours(programmes, PROGRAMME_COLOURS)
        width = 0.8 / max(len(programmes), 1)
        for ax, panel in zip(axes, panels):
            position = {c: i for i, c in enumerate(panel)}
            for j, programme in enumerate(programmes):
                rows = df[(df["programme"] == programme) & df["measure"].isin(panel)
                          & df["share"].notna()]
                if rows.empty:
                    continue
                x = rows["measure"].map(position).to_numpy(dtype=float) + \
                    (j - (len(programmes) - 1) / 2) * width
                bars = ax.bar(x, rows["share"].to_numpy(dtype=float), width=width,
                              color=colours[programme], label=programme, linewidth=0.5)
                # The single-category panel is narrow: its labels stand vertically inside
                # the bars so neighbouring labels do not overlap.
                narrow = panel == [NO_PROGRAMME]
                if narrow:
                    ax.bar_label(bars, fmt=_bar_label_text, fontsize=7, label_type="center",
                                 rotation=90, color="white")
                else:
                    ax.bar_label(bars, fmt=_bar_label_text, fontsize=7, padding=1)
            ax.set_xticks(range(len(panel)), [_wrap(c) for c in panel], fontsize=8)
            ax.set_xlim(-0.5, len(panel) - 0.5)
            shares = df.loc[df["measure"].isin(panel), "share"].astype(float)
            _percent_axis(ax, "y", None if panel == [NO_PROGRAMME] else shares)
            ax.set_ylabel(PERCENT)
            ax.grid(axis="x", visible=False)
        fig.supxlabel("Tiltaksdeltakelse måneden før tilgang", fontsize=10)
        _legend(fig, None, PROGRAMME, where="upper")
        return _finish(fig)


@_or_nothing("share")
def job_history_plot(history: pd.DataFrame) -> Figure:
    """Figur 3.7: percent in work (strict: employed and in no other programme but wage
    subsidy) month by month in the 24 months before entry, one line per programme.
    Columns group, relative_month, measure (rows with job_strict are used), share."""
    data = _history(history, "job_history_plot")
    data = data[data["measure"] == "job_strict"]
    _one_row_each(data, ["group", "relative_month"], "job_history_plot")
    with mpl.rc_context(report_rc()):
        fig, (ax,) = _figure()
        groups = _ordered(data["group"], list(PROGRAMME_COLOURS))
        _lines(ax, data, "relative_month", "share", "group", groups,
               _colours(groups, PROGRAMME_COLOURS), PROGRAMME_LINESTYLES)
        _month_axis(ax, sorted(int(m) for m in data["relative_month"].dropna().unique()), 6)
        _percent_axis(ax, "y", data["share"].astype(float))
        ax.set_xlabel(MONTHS_BEFORE)
        ax.set_ylabel(PERCENT)
        _legend(fig, ax, PROGRAMME)
        return _finish(fig)


BAND_ALPHA = 0.2  # the confidence band under a survival curve, in the curve's colour
PROVIDER_LINESTYLES = {PROVIDER_LABELS["skjermet"]: "-", PROVIDER_LABELS["kommersiell"]: "--",
                       PROVIDER_LABELS["ideell"]: "-.", PROVIDER_LABELS["ukjent"]: ":"}
PROVIDER = "Leverandør"


def _bands(ax: Axes, df: pd.DataFrame, order: list, colours: Mapping) -> None:
    """A shaded step band (lower–upper) per group, behind its line; NaN leaves a gap."""
    xs = np.sort(pd.unique(df["month"].dropna()))
    for label in order:
        rows = df[df["group"] == label].groupby("month")
        lower = rows["lower"].first().reindex(xs).to_numpy(dtype=float)
        upper = rows["upper"].first().reindex(xs).to_numpy(dtype=float)
        if np.isnan(lower).all():
            continue
        ax.fill_between(xs, lower, upper, step="post", color=colours[label],
                        alpha=BAND_ALPHA, linewidth=0, label="_nolegend_",
                        where=np.isfinite(lower) & np.isfinite(upper))


@_or_nothing("share_remaining")
def survival_plot(df: pd.DataFrame, legend_title: str = PROGRAMME) -> Figure:
    """Figur 2.9 / 2.10: percent still in the programme month by month from entry, a step
    line per group (programme, or provider type with legend_title='Leverandør'), with its
    pointwise confidence band shaded where the frame has `lower` and `upper`
    (helpers.survival.km_curve). Columns month (0 …), group (codes or labels),
    share_remaining: percent (0–100), plotted as given; hidden points (NaN) leave a gap.
    A share in 0–1 must be multiplied by 100 first: it is not guessed, since a percent
    series may lie below 1 too; values outside 0–100 raise."""
    _require(df, ["month", "group", "share_remaining"], "survival_plot")
    _one_row_each(df, ["group", "month"], "survival_plot")
    data = df.assign(group=_group_labels(df["group"]), month=df["month"].astype(float),
                     share_remaining=df["share_remaining"].astype(float))
    banded = {"lower", "upper"} <= set(data.columns)
    for column in ["share_remaining"] + (["lower", "upper"] if banded else []):
        values = data[column].astype(float)
        outside = ~values.between(0, 100) & values.notna()
        if outside.any():
            raise ValueError(f"survival_plot: {column} er prosent (0–100), fikk "
                             f"{values[outside].iloc[0]:g}")
    with mpl.rc_context(report_rc()):
        fig, (ax,) = _figure()
        fixed = {**PROGRAMME_COLOURS, **PROVIDER_COLOURS}
        groups = _ordered(data["group"], list(fixed))
        colours = _colours(groups, fixed)
        if banded:
            _bands(ax, data, groups, colours)
        _lines(ax, data, "month", "share_remaining", "group", groups, colours,
               {**PROGRAMME_LINESTYLES, **PROVIDER_LINESTYLES}, step=True)
        months = sorted(int(m) for m in data["month"].dropna().unique())
        _month_axis(ax, months, step=3 if (months and max(months) - min(months) <= 36) else 6)
        _percent_axis(ax, "y")
        ax.set_xlabel(MONTHS_AFTER)
        ax.set_ylabel(PERCENT)
        _legend(fig, ax, legend_title)
        return _finish(fig)


@_or_nothing("share")
def job_after_entry_plot(series: pd.DataFrame) -> Figure:
    """Figur 4.1: percent in a job month by month from entry (0) to 24 months after, one
    panel per definition (in a job and in no other programme; in a job whatever the
    programme), one line per programme. Columns group (gammelt/nytt or labels), month,
    definition (helpers.tables.JOB_DEFINITION_LABELS keys), share (percent, as given;
    hidden points NaN leave a gap)."""
    _require(series, ["group", "month", "definition", "share"], "job_after_entry_plot")
    _one_row_each(series, ["group", "month", "definition"], "job_after_entry_plot")
    data = series.assign(group=_group_labels(series["group"]),
                         month=series["month"].astype(float),
                         share=series["share"].astype(float))
    definitions = [d for d in JOB_DEFINITION_LABELS if d in set(data["definition"])]
    if not definitions:
        raise ValueError(f"job_after_entry_plot: ingen av {list(JOB_DEFINITION_LABELS)} i "
                         "definition")
    with mpl.rc_context(report_rc()):
        fig, axes = _figure(len(definitions), sharey=True)
        groups = _ordered(data["group"], list(PROGRAMME_COLOURS))
        colours = _colours(groups, PROGRAMME_COLOURS)
        months = sorted(int(m) for m in data["month"].dropna().unique())
        for ax, definition in zip(axes, definitions):
            _lines(ax, data[data["definition"] == definition], "month", "share", "group",
                   groups, colours, PROGRAMME_LINESTYLES)
            ax.set_title(JOB_DEFINITION_LABELS[definition])
            _month_axis(ax, months, step=6)
        _percent_axis(axes[0], "y", data["share"])
        axes[0].set_ylabel(PERCENT)
        fig.supxlabel(MONTHS_AFTER, fontsize=10)
        _legend(fig, None, PROGRAMME, where="upper")
        return _finish(fig)



# --- The SE trials (SE-RCT chapter) ---------------------------------------------------------

MONTHS_SINCE_START = "Måneder fra start i forsøket"
ARM_COLOURS = {"SE (intervensjon)": BLUE, "Kontroll": VERMILLION}


def _panel_grid(n_panels: int, ncols: int = 2) -> tuple[Figure, list[Axes]]:
    nrows = int(np.ceil(n_panels / ncols))
    fig = ReportFigure(figsize=(FIGSIZE[0], 2.1 * nrows + 0.8), dpi=DPI, layout="constrained")
    axes = list(fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel())
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes[:n_panels]


def _trial_axis(ax: Axes, months: Sequence[int]) -> None:
    _month_axis(ax, months, step=12)
    ax.axvline(0, color=GREY, linewidth=0.8, linestyle=":")


def trial_effect_plot(effects: pd.DataFrame) -> Figure:
    """Effects of SE month by month (helpers.trial_tables.monthly_effects): one panel per
    outcome (`label`), the estimate (percentage points; hours per week for hours) with its
    95 % band, months from start on the x axis."""
    _require(effects, ["month", "label", "estimate", "ci_low", "ci_high"], "trial_effect_plot")
    labels = list(dict.fromkeys(effects["label"]))
    if not labels:
        return nothing_to_show_figure()
    with mpl.rc_context(report_rc()):
        fig, axes = _panel_grid(len(labels))
        months = sorted(int(m) for m in effects["month"].unique())
        for ax, label in zip(axes, labels):
            rows = effects[effects["label"] == label].sort_values("month")
            ax.fill_between(rows["month"], rows["ci_low"], rows["ci_high"], color=BLUE, alpha=0.2,
                            linewidth=0, label="95 % konfidensintervall")
            ax.plot(rows["month"], rows["estimate"], color=BLUE, label="Effekt (SE − kontroll)")
            ax.axhline(0, color=BLACK, linewidth=0.6)
            ax.set_title(label, fontsize=9)
            ax.yaxis.set_major_formatter(NumberFormatter())
            _trial_axis(ax, months)
        fig.supylabel("Prosentpoeng (timer i uka for arbeidstid)", fontsize=9)
        fig.supxlabel(MONTHS_SINCE_START, fontsize=10)
        _legend(fig, axes[0], "", where="upper")
        return _finish(fig)


def trial_shares_plot(effects: pd.DataFrame) -> Figure:
    """Shares by arm month by month (helpers.trial_tables.monthly_effects, columns
    mean_intervention and mean_control in percent): one panel per outcome (`label`)."""
    _require(effects, ["month", "label", "mean_intervention", "mean_control"], "trial_shares_plot")
    labels = list(dict.fromkeys(effects["label"]))
    if not labels:
        return nothing_to_show_figure()
    with mpl.rc_context(report_rc()):
        fig, axes = _panel_grid(len(labels))
        months = sorted(int(m) for m in effects["month"].unique())
        for ax, label in zip(axes, labels):
            rows = effects[effects["label"] == label].sort_values("month")
            for column, arm in (("mean_intervention", "SE (intervensjon)"), ("mean_control", "Kontroll")):
                ax.plot(rows["month"], rows[column], color=ARM_COLOURS[arm], label=arm,
                        linestyle="-" if arm == "Kontroll" else "--")
            ax.set_title(label, fontsize=9)
            _percent_axis(ax, "y", pd.concat([rows["mean_intervention"], rows["mean_control"]]))
            _trial_axis(ax, months)
        fig.supylabel(PERCENT, fontsize=9)
        fig.supxlabel(MONTHS_SINCE_START, fontsize=10)
        _legend(fig, axes[0], "Gruppe", where="upper")
        return _finish(fig)


# --- The job-specialist survey (Figur 2.1–2.8) ------------------------------------------

SURVEY_COLOURS = {"2015": ORANGE, "2019": BLUE, "landet": SKY_BLUE}
SURVEY_GROUP = "Spørreundersøkelsen"
MEAN_PER_MONTH = "Gjennomsnitt"


def survey_plot(data: pd.DataFrame, value_label: str | None = None) -> Figure:
    """A survey figure (helpers.survey.figure_data): one horizontal bar per answer (or
    question) and group, 2015 and 2019 in the comparable areas and 2019 nationally, shares
    in percent or means as given; hidden values (NaN) leave no bar and are marked ':'."""
    from helpers.survey import GROUP_LABELS, GROUPS

    _require(data, ["label", "group", "value", "unit", "hidden"], "survey_plot")
    if data.empty:
        return nothing_to_show_figure()
    labels = list(dict.fromkeys(data["label"]))
    groups = [g for g in GROUPS if g in set(data["group"])]
    percent = (data["unit"] == "percent").all()
    height = max(2.6, 0.32 * len(labels) * len(groups) + 1.2)
    with mpl.rc_context(report_rc()):
        fig = ReportFigure(figsize=(FIGSIZE[0], min(height, 9.0)), dpi=DPI, layout="constrained")
        ax = fig.subplots()
        width = 0.8 / len(groups)
        for k, g in enumerate(groups):
            rows = data[data["group"] == g].set_index("label").reindex(labels)
            y = np.arange(len(labels)) + (k - (len(groups) - 1) / 2) * width
            values = rows["value"].astype(float).to_numpy()
            ax.barh(y, np.nan_to_num(values), height=width * 0.95, color=SURVEY_COLOURS[g],
                    label=GROUP_LABELS[g])
            for yy, hidden in zip(y, rows["hidden"].fillna(False)):
                if hidden:
                    ax.text(0.5, yy, ":", va="center", fontsize=8)
        ax.set_yticks(np.arange(len(labels)), [_wrap(label, 38) for label in labels])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        if percent:
            _percent_axis(ax, "x", data["value"].astype(float))
            ax.set_xlabel(value_label or PERCENT)
        else:
            ax.xaxis.set_major_formatter(NumberFormatter())
            ax.set_xlabel(value_label or MEAN_PER_MONTH)
        _legend(fig, ax, SURVEY_GROUP)
        return _finish(fig)




def practice_plot(linked: pd.DataFrame, results: pd.DataFrame) -> Figure:
    """Practice against results (helpers.practice): one panel per practice index, each
    provider's adjusted result (percentage points, with its 95 % interval) against its
    standardised index, old programme (2015 survey) and new (2019) apart, and the fitted
    slope of helpers.practice.slope as a line."""
    _require(linked, ["programme", "adjusted", "adjusted_se"], "practice_plot")
    _require(results, ["index", "label", "slope"], "practice_plot")
    shown = results[results["slope"].notna()]
    if linked.empty or shown.empty:
        return nothing_to_show_figure()
    from scipy.stats import norm

    from helpers.practice import CONFIDENCE
    z = norm.ppf(0.5 + CONFIDENCE / 2)
    with mpl.rc_context(report_rc()):
        fig, axes = _panel_grid(len(shown))
        for ax, r in zip(axes, shown.itertuples(index=False)):
            x_all = linked[f"z_{r.index}"].astype(float)
            for programme in ("gammelt", "nytt"):
                rows = linked[linked["programme"] == programme]
                if rows.empty:
                    continue
                label = PROGRAMME_LABELS[programme]
                colour = PROGRAMME_COLOURS[label]
                ax.errorbar(rows[f"z_{r.index}"], rows["adjusted"], yerr=z * rows["adjusted_se"],
                            fmt="o", markersize=3, color=colour, ecolor=colour, alpha=0.6,
                            elinewidth=0.6, label=label)
            grid = np.linspace(np.nanmin(x_all), np.nanmax(x_all), 20)
            centre = float(linked["adjusted"].mean())
            ax.plot(grid, centre + r.slope * (grid - float(np.nanmean(x_all))), color=BLACK,
                    linewidth=1.2, label="Helning")
            ax.axhline(0, color=GREY, linewidth=0.6)
            ax.set_title(r.label, fontsize=9)
            ax.yaxis.set_major_formatter(NumberFormatter())
        fig.supylabel("Justert resultat (prosentpoeng)", fontsize=9)
        fig.supxlabel("Praksisindeks (standardavvik fra gjennomsnittet)", fontsize=10)
        _legend(fig, None, "Leverandørens tiltak", where="upper")
        return _finish(fig)
