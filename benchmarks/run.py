"""Benchmark: wall time and peak memory (RSS of the whole process tree) of each stage.

    python benchmarks/run.py

Prints one row per stage with the target beside it (at scale 1; how the extract, the frame
and the book grow with scale is benchmarks/scale.py). Not a test: nothing fails when a
target is missed; the figures are for the closing note, the README and for tracking.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _tree_rss(process: psutil.Process) -> int:
    """Resident memory in bytes of a process and all its descendants."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def measure(label: str, cmd: list[str], target: str = "", cwd: Path = ROOT,
            inner: bool = False) -> dict:
    """Run `cmd`, sampling the tree's memory every 50 ms; return wall seconds and peak GB.
    With `inner`, the time reported is the last one the command prints on its last line (the
    timed call alone, without starting Python and importing), the process's wall after it;
    a first figure on that line is the same call made first in the process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE if inner else subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(watched))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    status = "ok" if proc.returncode == 0 else f"FAILED ({proc.returncode}): {err[-300:]}"
    if inner and proc.returncode == 0:
        times = [float(t) for t in proc.stdout.read().decode().splitlines()[-1].split()]
        status = f"ok (process {wall:.1f} s"
        status += f"; first call {times[0]:.1f} s)" if len(times) > 1 else ")"
        wall = times[-1]
    row = {"stage": label, "seconds": wall, "peak_gb": peak / 1e9, "target": target,
           "status": status}
    print(f"{label:<46} {wall:8.1f} s {peak / 1e9:7.2f} GB   {target:<24} {status}", flush=True)
    return row


def main() -> int:
    argparse.ArgumentParser(description=__doc__).parse_args()
    from helpers.config import book_chapters  # the book's chapter list, from _quarto.yml

    work = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"{'stage':<46} {'wall':>10} {'peak':>10}   {'target':<24} status")
    s1 = work / "synth1"
    measure("synth, scale 1", [PY, "-m", "helpers", "synth", str(s1)], "≤ 20 s, ≤ 3 GB")
    measure("frame, scale 1", [PY, "-m", "helpers", "frame", str(s1), str(work / "f1.parquet")],
            "≤ 1.5 s")
    frame1 = str(work / "f1.parquet")
    # Each regression table and the bootstrap timed inside the process (the frame read and
    # the imports done first), with the whole process's wall beside it. The call is made
    # twice: the first in a process also compiles pyfixest's numba kernels (about 2 s, once
    # per process, so once per chapter); the figure is the second, the first is beside it.
    timed = ("import sys, time, pandas as pd; from helpers import models; "
             "f = pd.read_parquet(sys.argv[1]); times = []\n"
             "for _ in range(2):\n t = time.perf_counter(); {call}; "
             "times.append(time.perf_counter() - t)\n"
             "print(*times)")
    for name in ("table_4_2", "vedlegg_2", "vedlegg_3", "table_4_3", "table_4_4", "table_4_5"):
        measure(f"model {name}, scale 1", [PY, "-c", timed.format(call=f"models.{name}(f)"),
                                           frame1], "≤ 2 s", inner=True)
    measure("wild bootstrap + CI, Tabell 4.2, 9 999 draws", [
        PY, "-c", timed.format(call="models.wild_bootstrap(f, reps=9999)"), frame1],
        "≤ 10 s", inner=True)
    measure("wild bootstrap + CI, all 12 treatment coefficients", [
        PY, "-c", timed.format(call="[models.wild_bootstrap_table(f, t, reps=9999) "
                                    "for t in models.TABLES]"), frame1],
        "≤ 10 s each", inner=True)
    resultater = ROOT / "report" / "chapters" / "resultater.ipynb"
    if resultater.is_file():
        measure("Resultater chapter alone (papermill, no cache)",
                [PY, "-m", "papermill", str(resultater), str(work / "resultater.ipynb"),
                 "-p", "EXTRACT", str(s1), "--cwd", str(resultater.parent)], "≤ 30 s")
    # The cache alone in a folder of its own: `book --build` refuses a folder it did not make.
    build, cached = work / "build", work / "cached"
    measure("analysis cache (frame + grid, once per render)",
            [PY, "-c", "import sys; from helpers.cache import frame_and_grid; "
             "from helpers.contract import load_extract; "
             "frame_and_grid(load_extract(sys.argv[1]), sys.argv[2])", str(s1),
             str(cached / "cache")])
    for chapter in book_chapters(ROOT / "_quarto.yml"):
        nb = ROOT / chapter.path
        out = work / "executed" / nb.name
        out.parent.mkdir(exist_ok=True)
        measure(f"execute {nb.name} (cache warm)",
                [PY, "-m", "papermill", str(nb), str(out), "-p", "EXTRACT", str(s1),
                 "-p", "CACHE", str(cached / "cache"), "--cwd", str(nb.parent)])
    measure("execute all chapters (book --execute-only)",
            [PY, "-m", "helpers", "book", "--extract", str(s1), "--build", str(build),
             "--execute-only"])
    measure("render HTML (pandoc)", [PY, "-c", "import sys; from helpers.render import "
                                     "render_html; render_html(sys.argv[1], sys.argv[2])",
                                     str(build / "book"), str(work / "html")])
    measure("render PDF (pandoc + Typst)", [PY, "-c", "import sys; from helpers.render import "
                                            "render_pdf; render_pdf(sys.argv[1], sys.argv[2])",
                                            str(build / "book"), str(work / "book.pdf")])
    measure("book: execute + HTML + PDF (cold cache)",
            [PY, "-m", "helpers", "book", "--extract", str(s1), "--build", str(work / "build2"),
             "--out", str(work / "book"), "--engine", "pandoc"], "≤ 90 s, ≤ 3 GB")
    # `make report` on a copy of the repository's files with the installed .venv and no
    # synthetic extract or build: what a user runs after `make install`.
    clone = work / "clone"
    clone.mkdir()
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    measure("make report after install (synth + book)", ["make", "report"], "≤ 90 s",
            cwd=clone)
    print(f"(scratch folder: {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
