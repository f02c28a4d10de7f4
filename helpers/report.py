"""What every chapter notebook does first: open the extract, show where the numbers are from.

    report = open_extract(EXTRACT, CACHE)     # load + validate, banner, frame, grid
    report.frame, report.grid, report.extract

`open_extract` is the notebooks' one entry point. It loads and validates the extract
(helpers.contract), displays the data banner (a warning on every page when the extract is
synthetic, a source line when it is from the registers), and gives the analysis frame and
month grid, read from the build's cache (helpers.cache) when the extract has not changed.
It also makes warnings raised from our own code errors, so that a chapter that would print
one fails the build instead.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from helpers.cache import frame_and_grid, validated_extract
from helpers.contract import Extract, load_extract
from helpers.prose import no_entrants, norwegian_date
from helpers.spells import FIRST_ENTRY_YEAR, LAST_ENTRY_YEAR, EntrantMonths

SYNTHETIC_TITLE = "Syntetiske data"
# Warnings attributed to these modules (our library and the notebooks' own cells) are errors.
OWN_CODE = r"(helpers(\..*)?|__main__)$"


def synthetic_text(meta: dict) -> str:
    """The synthetic-data notice: what the numbers are and what they are not."""
    date = norwegian_date(meta.get("uttrekksdato"))
    dated = f" (uttrekksdato {date})" if date else ""
    return (f"Alle tall, tabeller og figurer i denne rapporten er beregnet fra et syntetisk "
            f"uttrekk{dated}, ikke fra NAVs registre. De viser hvordan analysene virker, men "
            f"sier ingenting om hvordan det faktisk går med deltakerne i tiltakene.")


def banner_markdown(extract) -> str:
    """The data notice for `extract` as Markdown: a warning callout when synthetic, else a
    line naming the register source and its date."""
    meta = dict(getattr(extract, "meta", None) or {})
    if getattr(extract, "is_synthetic", meta.get("kilde") == "syntetisk"):
        return (f'::: {{.callout-warning .data-banner title="{SYNTHETIC_TITLE}"}}\n'
                f"{synthetic_text(meta)}\n:::\n")
    parts = ["**Datakilde:** registeruttrekk fra NAV"]
    if meta.get("uttrekksdato"):
        parts.append(f" per {norwegian_date(meta['uttrekksdato'])}")
    parts.append(".")
    if meta.get("beskrivelse"):
        parts.append(f" {str(meta['beskrivelse']).strip()}")
    return "::: {.data-source}\n" + "".join(parts) + "\n:::\n"


def data_banner(extract) -> None:
    """Display the data notice (synthetic-data warning or data source line) in a notebook."""
    from IPython.display import Markdown, display

    display(Markdown(banner_markdown(extract)))


@dataclass
class Report:
    """An opened extract with what the chapters compute from: the validated extract, the
    analysis frame (one row per entrant) and the entrants' months around entry."""
    extract: Extract
    frame: pd.DataFrame
    grid: EntrantMonths

    @property
    def is_synthetic(self) -> bool:
        return self.extract.is_synthetic

    @cached_property
    def main(self) -> pd.DataFrame:
        """The entrants of the old and the new programme (the published comparison)."""
        return self.frame[self.frame["programme"].isin(["gammelt", "nytt"]).to_numpy(dtype=bool)]


def open_extract(path: str | os.PathLike, cache: str | os.PathLike | None = None,
                 banner: bool = True) -> Report:
    """Load and validate the extract at `path` (ContractError lists every problem; the
    build's cache folder `cache` keeps it validated once per render), show the
    data banner (when `banner`; and a notice when there are no entrants in the period), and
    return it with its frame and grid, read from the cache folder `cache` when the extract
    and the code defining the frame are unchanged."""
    warnings.filterwarnings("error", module=OWN_CODE)
    extract = validated_extract(path, cache) or load_extract(Path(path))
    if banner:
        data_banner(extract)
    frame, grid = frame_and_grid(extract, cache)
    if banner and frame.empty:
        from IPython.display import Markdown, display

        display(Markdown(f"::: {{.callout-note}}\n{no_entrants(FIRST_ENTRY_YEAR, LAST_ENTRY_YEAR)}"
                         "\n:::\n"))
    return Report(extract=extract, frame=frame, grid=grid)
