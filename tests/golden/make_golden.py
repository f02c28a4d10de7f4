"""Make the golden tables: the book's tables, as data, on a small default synthetic extract.

    .venv/bin/python tests/golden/make_golden.py        (or: make golden)

Generates the synthetic extract at GOLDEN_SCALE with the default seed, executes the book's
chapters on it (helpers.build.execute) and copies every table the book shows, in the long
format of data/published (`tabeller/<name>.csv`), into tests/golden/. tests/test_golden.py
does the same and fails when any number, label or hidden cell differs. Refresh the files
with this script only on purpose: when a change to the generator, a definition or a table
is meant to change the book's numbers, and say so in the commit.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent
GOLDEN_SCALE = 0.05


def book_tables(work: Path, scale: float = GOLDEN_SCALE) -> dict[str, Path]:
    """Generate the extract in `work`, execute the book there; {name: csv path}."""
    from helpers.build import execute
    from helpers.contract import write_extract
    from helpers.synth import generate

    tables, meta = generate(scale=scale)
    extract = write_extract(work / "uttrekk", tables, meta)
    book = execute(extract, work / "build", progress=False)
    folder = book / "report" / "tabeller"
    return {path.stem: path for path in sorted(folder.glob("*.csv"))}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        found = book_tables(Path(tmp))
        for old in GOLDEN_DIR.glob("*.csv"):
            old.unlink()
        for name, path in found.items():
            shutil.copyfile(path, GOLDEN_DIR / f"{name}.csv")
    print(f"Skrev {len(found)} gylne tabeller til {GOLDEN_DIR}: {', '.join(found)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
