"""Benchmark: how the synthetic extract, the frame and the book grow with scale.

    python benchmarks/scale.py [--scales 1 10 40] [--book-scales 1 10] [--reuse DIR] [--keep DIR]

For each scale: wall time and peak memory (RSS of the whole process tree) of
- synth: `python -m helpers synth` (the generator);
- validate: `python -m helpers validate` (the contract's checks, pandas + pandera);
- frame, DuckDB on Parquet: the frame's SQL (helpers.spells) run by the embedded engine
  straight on the extract's Parquet files, as one process (imports included);
- frame command: `python -m helpers frame` (validate, then the engine);
- book: `python -m helpers book` (execute every chapter, HTML + PDF through pandoc/Typst).
Then the ratios scale-10/scale-1 and scale-40/scale-10 of each, and the same as a Markdown
table (the README's). Targets (2 cores, whole process) are printed beside the rows. Not a
test: nothing fails when a target is missed.

--reuse DIR takes DIR/synthS when it holds an extract (and skips generating it); --keep DIR
writes the extracts there and keeps them. Otherwise a scratch folder is removed at the end.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.run import PY, measure  # noqa: E402  (run as a script from anywhere)

TARGETS = {
    ("synth", 40): "≤ 8 GB",
    ("frame, DuckDB on Parquet", 1): "≤ 1.5 s",
    ("frame, DuckDB on Parquet", 10): "≤ 5 s, ≤ 1.5 GB",
    ("frame, DuckDB on Parquet", 40): "≤ 20 s, ≤ 4 GB",
    ("frame command (validate + DuckDB)", 1): "≤ 1.5 s",
    ("frame command (validate + DuckDB)", 10): "≤ 5 s, ≤ 1.5 GB",
    ("frame command (validate + DuckDB)", 40): "≤ 20 s, ≤ 4 GB",
    ("book (HTML + PDF)", 10): "≤ 180 s",
}

# The frame's stages on DuckDB with the extract's Parquet files as the tables: what the
# engine costs without pandas in the process.
FRAME_ON_PARQUET = """
import sys
from pathlib import Path
from helpers import engine, spells
from helpers.contract import load_meta
folder, out = Path(sys.argv[1]), sys.argv[2]
duck = engine.DuckDBEngine()
try:
    frame, months = spells.analysis_of_files(folder, load_meta(folder), duck)
finally:
    duck.close()
frame.to_parquet(out)
"""


def _rows(extract: Path) -> int:
    return sum(pq.ParquetFile(p).metadata.num_rows for p in extract.glob("*.parquet"))


def _stages(extract: Path, scale: float, work: Path, book: bool) -> list[tuple[str, list[str]]]:
    out = work / f"out{scale:g}"
    out.mkdir(exist_ok=True)
    stages = [
        ("validate", [PY, "-m", "helpers", "validate", str(extract)]),
        ("frame, DuckDB on Parquet", [PY, "-c", FRAME_ON_PARQUET, str(extract),
                                      str(out / "frame-duckdb.parquet")]),
        ("frame command (validate + DuckDB)", [PY, "-m", "helpers", "frame", str(extract),
                                               str(out / "frame.parquet")]),
    ]
    if book:
        stages.append(("book (HTML + PDF)", [
            PY, "-m", "helpers", "book", "--extract", str(extract), "--build",
            str(out / "build"), "--out", str(out / "book"), "--engine", "pandoc"]))
    return stages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", type=float, default=[1.0, 10.0, 40.0])
    parser.add_argument("--book-scales", nargs="*", type=float, default=[1.0, 10.0])
    parser.add_argument("--reuse", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[tuple[str, float], dict] = {}
    print(f"{'stage':<46} {'wall':>10} {'peak':>10}   {'target':<24} status")
    try:
        for scale in args.scales:
            extract = work / f"synth{scale:g}"
            reused = args.reuse and (args.reuse / f"synth{scale:g}" / "uttrekk.json").is_file()
            if reused:
                extract = args.reuse / f"synth{scale:g}"
            else:
                results[("synth", scale)] = measure(
                    f"synth, scale {scale:g}",
                    [PY, "-m", "helpers", "synth", str(extract), "--scale", f"{scale:g}"],
                    TARGETS.get(("synth", int(scale)), ""))
            print(f"  scale {scale:g}: {_rows(extract):,} rows in {extract}".replace(",", " "))
            for name, cmd in _stages(extract, scale, work, scale in args.book_scales):
                results[(name, scale)] = measure(f"{name}, scale {scale:g}", cmd,
                                                 TARGETS.get((name, int(scale)), ""))
        print("\ngrowth (ratio of wall time, of peak memory)")
        names = dict.fromkeys(name for name, _ in results)
        for name in names:
            cells = []
            for low, high in ((1.0, 10.0), (10.0, 40.0)):
                a, b = results.get((name, low)), results.get((name, high))
                if a and b and a["seconds"] > 0 and a["peak_gb"] > 0:
                    cells.append(f"{high:g}/{low:g}: {b['seconds'] / a['seconds']:5.1f}× time, "
                                 f"{b['peak_gb'] / a['peak_gb']:4.1f}× memory")
            if cells:
                print(f"  {name:<40} " + "   ".join(cells))
        print("\n" + markdown_table(results, args.scales))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def markdown_table(results: dict[tuple[str, float], dict], scales: list[float]) -> str:
    """The results as the README's table: a stage per row, wall and peak per scale, the
    growth ratios and the targets."""
    def cell(row):
        return f"{row['seconds']:.1f} s, {row['peak_gb']:.2f} GB" if row else ""

    def ratio(name, low, high):
        a, b = results.get((name, low)), results.get((name, high))
        if not (a and b and a["seconds"] > 0 and a["peak_gb"] > 0):
            return ""
        return f"{b['seconds'] / a['seconds']:.1f}× / {b['peak_gb'] / a['peak_gb']:.1f}×"

    lines = ["| stage | " + " | ".join(f"scale {s:g}" for s in scales)
             + " | 10/1 (time / memory) | 40/10 | targets |",
             "|---|" + "---:|" * len(scales) + "---:|---:|---|"]
    for name in dict.fromkeys(n for n, _ in results):
        targets = "; ".join(f"scale {s}: {t}" for (n, s), t in TARGETS.items() if n == name)
        lines.append(f"| {name} | " + " | ".join(cell(results.get((name, s))) for s in scales)
                     + f" | {ratio(name, 1.0, 10.0)} | {ratio(name, 10.0, 40.0)} | {targets} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
