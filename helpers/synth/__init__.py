"""The synthetic extract: a documented generative model of persons and their spells.

`python -m helpers synth OUTDIR [--scale S] [--seed N]` writes an extract in the shape of
DATA_CONTRACT.md (kilde = "syntetisk") covering 2010-2020; `generate()` returns the same
tables in memory. Every number the model uses is in `parameters.yaml` (grouped by
component, each documented with the published figure that pins it down) or, for a few
unpublished constants, named at the top of its component's module; `helpers.calibration`
fits the calibrated ones to data/published.

The model is a list of components, `COMPONENTS` below, run in that order (months are
integers `year * 12 + month - 1`). Each is a function of the parameters, its random
streams and the state it declares in `reads`, and returns exactly what it declares in
`adds`: state for later components (small dataclasses: `Structure`, `Persons`, ...) or
rows of the contract's tables.

1. structure (structure.py): counties, offices, providers, unemployment.
   trials (trials.py): the two Supported Employment trials (forsok) and their participants'
   histories; their follow-up entrants in 2013-2018 are left out of the persons' quotas.
2. persons (persons.py): each person's designed entry and characteristics at entry.
3. programmes (programmes.py): the follow-up participations and other programmes (tiltak).
4. employment (employment.py): jobs (arbeidsforhold) and wage subsidies after entry.
5. benefits (benefits.py): NAV status (brukerstatus) and benefits (ytelser).
   trial_spells (trials.py): the trial participants' spell rows, numbered after the persons.
6. reference (reference.py): leverandorer, fylker, ledighet, priser, prisindeks.
7. survey (survey.py): the job-specialist survey 2015/2019 and its codebook.
Then assemble.py turns persons and spell rows into `personer` and the spell tables.

Randomness (streams.py): every draw comes from its own named stream,
`<component>.<quantity>[.<part>]` (e.g. "employment.job_at_entry.started"), a generator
seeded by the seed and the name alone, and per-person quantities draw one number per
person. So the same seed gives the same tables; a component that draws a new quantity,
or an existing one for more persons, moves no other draw; and a change of one calibrated
parameter moves the outcomes it governs without re-drawing anything else (common random
numbers make the calibration converge). A name can be drawn only once per extract.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from helpers.contract import Extract
from helpers.synth import (
    assemble,
    benefits,
    employment,
    persons,
    programmes,
    reference,
    structure,
    survey,
    trials,
)
from helpers.synth.rows import TABLE_COLUMNS, SpellRows
from helpers.synth.streams import Streams

DEFAULT_SEED = 20198  # Proba-rapport 2019-8
PARAMETERS_FILE = Path(__file__).with_name("parameters.yaml")


@dataclass(frozen=True)
class Component:
    """One step of the model. `run(parameters, streams, **reads)` gets the state named in
    `reads` (added by earlier components, or `scale`) and returns a dict with exactly the
    names in `adds`: state (dataclasses), spell rows (`SpellRows`, by table) or whole
    reference tables (DataFrames, by table). Its random streams are `<name>.*`."""
    name: str
    run: Callable[..., dict]
    reads: tuple[str, ...]
    adds: tuple[str, ...]
    label: str  # shown in the progress bar


# The model, in the order it is run; each component's module docstring says what it draws.
COMPONENTS: tuple[Component, ...] = (
    Component("structure", structure.run, reads=(), adds=("structure",), label="struktur"),
    Component("trials", trials.run, reads=("scale", "structure"), adds=("trials",),
              label="forsøkene"),
    Component("persons", persons.run, reads=("scale", "structure", "trials"), adds=("persons",),
              label="personer og kjennetegn"),
    Component("programmes", programmes.run, reads=("structure", "persons"),
              adds=("tiltak", "wage_subsidies"), label="tiltak"),
    Component("employment", employment.run, reads=("structure", "persons", "wage_subsidies"),
              adds=("arbeidsforhold", "tiltak"), label="arbeid"),
    Component("benefits", benefits.run, reads=("structure", "persons"),
              adds=("brukerstatus", "ytelser"), label="brukerstatus og ytelser"),
    Component("trial_spells", trials.trial_spells, reads=("persons", "trials"),
              adds=("tiltak", "arbeidsforhold", "ytelser", "brukerstatus", "utdanning_hoyere"),
              label="forsøksdeltakernes forløp"),
    Component("reference", reference.run, reads=("structure",),
              adds=("leverandorer", "fylker", "ledighet", "prisindeks", "priser"),
              label="referansetabeller"),
    Component("survey", survey.run, reads=("structure", "persons"),
              adds=("sporreundersokelse", "sporreundersokelse_kodebok"),
              label="spørreundersøkelsen"),
)


def load_parameters(path: str | Path | None = None) -> dict:
    """The model parameters (parameters.yaml, or another file of the same shape)."""
    with open(path or PARAMETERS_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def run_components(parameters: dict, scale: float, streams: Streams, progress=None):
    """Run COMPONENTS in order: (state by name, spell rows by table, reference tables by
    name); `progress(label)` is called after each component."""
    state: dict[str, object] = {"scale": float(scale)}
    spells = {table: SpellRows(table) for table in TABLE_COLUMNS}
    reference_tables: dict[str, pd.DataFrame] = {}
    for component in COMPONENTS:
        missing = [name for name in component.reads if name not in state]
        if missing:
            raise RuntimeError(f"component {component.name!r} reads {missing}, which no earlier "
                               "component adds (COMPONENTS is in the wrong order)")
        added = component.run(parameters, streams.scoped(component.name),
                              **{name: state[name] for name in component.reads})
        if set(added) != set(component.adds):
            raise RuntimeError(f"component {component.name!r} added {sorted(added)}, "
                               f"declared {sorted(component.adds)}")
        for name, value in added.items():
            if isinstance(value, SpellRows):
                spells[name].extend(value)
            elif isinstance(value, pd.DataFrame):
                reference_tables[name] = value
            else:
                state[name] = value
        if progress is not None:
            progress(component.label)
    return state, spells, reference_tables


def generate(scale: float = 1.0, seed: int = DEFAULT_SEED, params: dict | None = None,
             progress: bool = False) -> tuple[dict[str, pd.DataFrame], dict]:
    """Generate a synthetic extract in memory: (tables by name, uttrekk.json contents).

    Tables have the contract's columns and types. `params` defaults to parameters.yaml.
    Same (scale, seed, params) => identical tables.
    """
    from tqdm import tqdm

    parameters = load_parameters() if params is None else params
    streams = Streams(seed)
    with tqdm(total=len(COMPONENTS) + 1, desc="syntetisk uttrekk", unit="steg",
              disable=not progress, file=sys.stderr) as bar:
        def done(label):
            bar.set_postfix_str(label)
            bar.update()

        state, spells, tables = run_components(parameters, scale, streams, done)
        tables.update(assemble.tables(streams.scoped("assemble"), state["structure"],
                                      state["persons"], spells, state["trials"]))
        done("tabeller")
    meta = {
        "uttrekksdato": state["structure"].period.uttrekksdato,
        "kilde": "syntetisk",
        "beskrivelse": (
            f"Syntetisk uttrekk (helpers.synth, skala {scale:g}, frø {seed}): en generativ "
            "modell av personer og forløp kalibrert mot publiserte tall i Proba-rapport "
            "2019-8. Ingen ekte personer."
        ),
    }
    return {name: tables[name] for name in sorted(tables)}, meta


def extract_in_memory(tables: dict[str, pd.DataFrame], meta: dict) -> Extract:
    """An Extract object of generated tables (for calibration and tests)."""
    return Extract(path=Path("<syntetisk>"), meta=dict(meta), tables=dict(tables))


def cli(argv: list[str]) -> int:
    """`python -m helpers synth OUTDIR [--scale S] [--seed N]`: write a synthetic extract
    (`python -m helpers calibrate --check OUTDIR` prints how well it meets its targets)."""
    from helpers.contract import write_extract

    parser = argparse.ArgumentParser(prog="python -m helpers synth", description=cli.__doc__)
    parser.add_argument("outdir")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="population size relative to the study (1 = 79 716 entrants)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--params", default=None,
                        help="parameter file (default: helpers/synth/parameters.yaml)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    tables, meta = generate(args.scale, args.seed, load_parameters(args.params), progress=True)
    write_extract(args.outdir, tables, meta)
    rows = sum(len(t) for t in tables.values())
    print(f"Skrev syntetisk uttrekk til {args.outdir}: {len(tables['personer'])} personer, "
          f"{rows} rader ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    print(f"Kalibreringstabellen: python -m helpers calibrate --check {args.outdir}"
          + (f" --scale {args.scale:g}" if args.scale != 1.0 else ""), file=sys.stderr)
    return 0
