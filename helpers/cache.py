"""The analysis cache: an extract's frame and month grid, built once per render.

Building the person × month grid and the frame takes seconds (minutes on a full
register); every chapter needs them. `frame_and_grid(extract, cache_dir)` builds them once
and keeps them in `cache_dir` (inside the build folder the user chose, never elsewhere:
they are person-level data), keyed by the extract's files (name, size, modification time)
and by the code that defines them (helpers/contract.py, helpers/spells.py). A changed
extract or a changed definition gives a new key, so a stale cache is never read; only the
newest entry is kept.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import contract, spells
from helpers.contract import Extract
from helpers.files import atomic_path, ensure_folder, remove_path
from helpers.spells import GRID_MEASURES, MonthGrid

CODE_DEFINING_THE_FRAME = (contract, spells)
FORMAT_VERSION = 2


def code_key() -> str:
    """A hash of the source of the modules that define the frame."""
    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    for module in CODE_DEFINING_THE_FRAME:
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def extract_key(extract_dir: str | os.PathLike) -> str:
    """A hash of the extract folder's files: name, size and modification time of each."""
    digest = hashlib.sha256()
    for path in sorted(Path(extract_dir).iterdir()):
        if path.is_file() and path.suffix in (".parquet", ".csv", ".json"):
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def cache_key(extract_dir: str | os.PathLike) -> str:
    """The cache entry's name for this extract and this code."""
    return f"{extract_key(extract_dir)}-{code_key()}"


def save_grid(grid: MonthGrid, path: Path) -> None:
    """Write a MonthGrid as .npz: persons, months and each measure as packed bits."""
    arrays = {name: np.packbits(getattr(grid, name), axis=1) for name in GRID_MEASURES}
    np.savez(path, persons=np.asarray(grid.persons, dtype=str),
             months=np.array([grid.first_month, grid.last_month, grid.observed_from]), **arrays)


def load_grid(path: Path) -> MonthGrid:
    """Read a MonthGrid written by `save_grid`."""
    with np.load(path, allow_pickle=False) as data:
        first, last, observed_from = (int(v) for v in data["months"])
        n_months = last - first + 1
        measures = {name: np.unpackbits(data[name], axis=1, count=n_months).astype(bool)
                    for name in GRID_MEASURES}
        persons = pd.Index(data["persons"].astype(object), name="person_id", dtype="str")
    return MonthGrid(persons=persons, first_month=first, last_month=last,
                     observed_from=observed_from, **measures)


def frame_and_grid(extract: Extract, cache_dir: str | os.PathLike | None = None,
                   ) -> tuple[pd.DataFrame, MonthGrid]:
    """The analysis frame and month grid of `extract` (helpers.spells), read from
    `cache_dir` when an entry for this extract and code is there, else built (and written
    there when `cache_dir` is given)."""
    if cache_dir is None or not Path(extract.path).is_dir():
        grid = spells.build_grid(extract)
        return spells.build_frame(extract, grid), grid
    cache_dir = ensure_folder(cache_dir, "cache")
    entry = cache_dir / cache_key(extract.path)
    if (entry / "done.json").is_file():
        return pd.read_parquet(entry / "frame.parquet"), load_grid(entry / "grid.npz")
    grid = spells.build_grid(extract)
    frame = spells.build_frame(extract, grid)
    with atomic_path(entry, "dir", marker="cache-entry") as tmp:
        tmp.mkdir()
        frame.to_parquet(tmp / "frame.parquet", index=False)
        save_grid(grid, tmp / "grid.npz")
        (tmp / "done.json").write_text(json.dumps({"extract": str(extract.path)}), "utf-8")
    for other in cache_dir.iterdir():  # keep only the newest entry
        if other.is_dir() and other.name != entry.name and not other.name.startswith("."):
            remove_path(other)
    return frame, grid
