"""The analysis cache: an extract's frame, entrants' months and validated tables, made once per render.

Computing the frame and the entrants' months around entry takes seconds (minutes on a
full register); every chapter needs them. `frame_and_grid(extract, cache_dir)` builds them once
and keeps them in `cache_dir` (inside the build folder the user chose, never elsewhere:
they are person-level data), keyed by the extract's files (name, size, modification time)
and by the code that defines them (helpers/contract.py, helpers/engine.py, helpers/spells.py). A changed
extract or a changed definition gives a new key, so a stale cache is never read; only the
newest entry is kept.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

from helpers import contract, engine, spells
from helpers.contract import Extract
from helpers.engine import make_engine
from helpers.files import atomic_path, ensure_folder, remove_path
from helpers.spells import EntrantMonths

CODE_DEFINING_THE_FRAME = (contract, engine, spells)
FORMAT_VERSION = 3


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


def _complete(entry: Path) -> bool:
    """Whether the cache entry was written to the end (done.json is written last)."""
    return (entry / "done.json").is_file()


def frame_and_grid(extract: Extract, cache_dir: str | os.PathLike | None = None,
                   progress: bool = False) -> tuple[pd.DataFrame, EntrantMonths]:
    """The analysis frame and the entrants' months around entry of `extract`
    (helpers.spells.analysis), read from `cache_dir` when an entry for this extract and
    code is there, else computed by the embedded engine (and written there when
    `cache_dir` is given)."""
    if cache_dir is None or not Path(extract.path).is_dir():
        return spells.analysis(extract, progress=progress)
    cache_dir = ensure_folder(cache_dir, "cache")
    entry = cache_dir / cache_key(extract.path)
    if _complete(entry):
        return (pd.read_parquet(entry / "frame.parquet"),
                EntrantMonths.from_frame(pd.read_parquet(entry / "months.parquet"),
                                         spells.last_observed_month(extract.meta)))
    # The engine (HELPERS_ENGINE; DuckDB by default) spills inside the cache folder, so
    # person-level data stays in the build.
    engine = make_engine(spill_dir=cache_dir / ".spill")
    try:
        frame, grid = spells.analysis(extract, engine, progress=progress)
    finally:
        engine.close()
        remove_path(cache_dir / ".spill")
    with atomic_path(entry, "dir", marker="cache-entry") as tmp:
        tmp.mkdir()
        frame.to_parquet(tmp / "frame.parquet", index=False)
        grid.to_frame().to_parquet(tmp / "months.parquet", index=False)
        _save_extract(extract, tmp / VALIDATED_DIR)
        (tmp / "done.json").write_text(json.dumps({"extract": str(extract.path)}), "utf-8")
    for other in cache_dir.iterdir():  # keep only the newest entry
        if other.is_dir() and other.name != entry.name and not other.name.startswith("."):
            remove_path(other)
    return frame, grid


# --- The validated extract ---------------------------------------------------------------
# Each chapter opens the extract in its own kernel; validating it again in each costs seconds
# per chapter at scale (7 s and 1.4 GB at ten times the published study). The cache entry
# keeps the validated tables as the loader made them (pandas dtypes kept by Parquet's pandas
# metadata), under the same key: a changed extract file or changed contract code is a new key,
# so it is validated again.
VALIDATED_DIR = "validated"


def _save_extract(extract: Extract, folder: Path) -> None:
    folder.mkdir()
    for name, table in extract.tables.items():
        table.to_parquet(folder / f"{name}.parquet", index=False)
    (folder / "extract.json").write_text(json.dumps(
        {"meta": extract.meta, "files": extract.files}, ensure_ascii=False, default=str), "utf-8")


def validated_extract(extract_dir: str | os.PathLike,
                      cache_dir: str | os.PathLike | None) -> Extract | None:
    """The extract at `extract_dir` as validated when the cache entry in `cache_dir` was
    made, or None when there is no entry for this extract and code (then validate it)."""
    if cache_dir is None or not Path(extract_dir).is_dir() or not Path(cache_dir).is_dir():
        return None
    entry = Path(cache_dir) / cache_key(extract_dir)
    folder = entry / VALIDATED_DIR
    if not _complete(entry):
        return None
    saved = json.loads((folder / "extract.json").read_text("utf-8"))
    tables = {path.stem: pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}
    return Extract(path=Path(extract_dir), meta=saved["meta"], tables=tables,
                   files=saved["files"])

