"""Golden tables: the book's tables on a small default synthetic extract must not change
unless we mean them to (tests/golden/make_golden.py refreshes them; `make golden`).

nbval re-runs the executed notebooks with the same code and data, so it checks only that
they are deterministic; this test fails when any number in any table the book shows moves.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.golden.make_golden import GOLDEN_DIR, book_tables

pytestmark = pytest.mark.slow
REFRESH = "tests/golden/make_golden.py (make golden)"


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"section": str, "row": str, "column": str, "stars": str,
                                    "unit": str, "flag": str}, keep_default_na=False,
                       na_values={"value": [""]})


def differences(golden: pd.DataFrame, ours: pd.DataFrame, show: int = 8) -> list[str]:
    """Cells that differ between two tables in the long format (labels, flags, values
    beyond 1e-9 relative)."""
    problems = []
    if len(golden) != len(ours):
        problems.append(f"{len(ours)} rader, ventet {len(golden)}")
    n = min(len(golden), len(ours))
    g, o = golden.iloc[:n].reset_index(drop=True), ours.iloc[:n].reset_index(drop=True)
    for column in ("table", "section", "row", "column", "stars", "unit", "flag"):
        bad = np.flatnonzero(g[column].to_numpy() != o[column].to_numpy())
        problems += [f"rad {i} {column}: {o.at[i, column]!r}, ventet {g.at[i, column]!r}"
                     for i in bad[:show]]
    gv = pd.to_numeric(g["value"], errors="coerce").to_numpy(dtype=float)
    ov = pd.to_numeric(o["value"], errors="coerce").to_numpy(dtype=float)
    text = (pd.to_numeric(g["value"], errors="coerce").isna() & g["value"].notna()).to_numpy()
    # Numbers: equal to 1e-6 relative, and any two non-finite values (an infinite or
    # undefined standard error) alike. OpenBLAS picks its kernels by CPU, so a near-singular
    # trial regression rounds differently on another machine (seen: a p-value moving by
    # 4e-7 relative, an infinite standard error coming out NaN between a Haswell and a Zen
    # kernel); a number the book shows moving on purpose moves far more.
    numbers = np.isclose(gv, ov, rtol=1e-6, atol=1e-12) | (~np.isfinite(gv) & ~np.isfinite(ov))
    words = (g["value"].astype(str) == o["value"].astype(str)).to_numpy()
    same = np.where(text, words, numbers)
    for i in np.flatnonzero(~same)[:show]:
        problems.append(f"{g.at[i, 'row']} / {g.at[i, 'column']} ({g.at[i, 'unit']}): "
                        f"{o.at[i, 'value']}, ventet {g.at[i, 'value']}")
    return problems


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    return book_tables(tmp_path_factory.mktemp("golden"))


def test_the_book_shows_the_golden_tables(ours):
    golden = {p.stem: p for p in sorted(GOLDEN_DIR.glob("*.csv"))}
    assert golden, f"tests/golden/ har ingen tabeller: kjør {REFRESH}"
    assert set(ours) == set(golden), (
        f"boka viser tabellene {sorted(ours)}, de gylne er {sorted(golden)}: kjør {REFRESH} "
        "hvis endringen er ment")
    problems = {name: differences(_read(golden[name]), _read(path))
                for name, path in ours.items()}
    problems = {name: p for name, p in problems.items() if p}
    assert not problems, (f"Tallene i bokas tabeller har endret seg (kjør {REFRESH} hvis det er "
                          "ment):\n" + "\n".join(f"  {name}: " + "; ".join(p)
                                                 for name, p in problems.items()))


def test_differences_sees_a_changed_number_label_and_hidden_cell():
    golden = pd.DataFrame({"table": "t", "section": "", "row": ["a", "b", "c"],
                           "column": "x", "value": [1.5, 2.0, np.nan], "stars": "",
                           "unit": "percent", "flag": ["", "", "skjult"]})
    assert differences(golden, golden.copy()) == []
    moved = golden.copy()
    moved.loc[0, "value"] = 1.5 + 1e-5
    assert differences(golden, moved) == ["a / x (percent): 1.50001, ventet 1.5"]
    # Another CPU's rounding (4e-7 relative) and an infinite standard error that comes out
    # undefined are not differences; a finite number becoming infinite is.
    rounded = golden.copy()
    rounded.loc[0, "value"] = 1.5 * (1 + 4e-7)
    assert differences(golden, rounded) == []
    golden_inf, nan = golden.copy(), golden.copy()
    golden_inf.loc[1, "value"], nan.loc[1, "value"] = np.inf, np.nan
    assert differences(golden_inf, nan) == []
    assert differences(golden, golden_inf) == ["b / x (percent): inf, ventet 2.0"]
    relabelled = golden.copy()
    relabelled.loc[1, "row"] = "B"
    assert differences(golden, relabelled)[0] == "rad 1 row: 'B', ventet 'b'"
    shown = golden.copy()
    shown.loc[2, ["value", "flag"]] = [3.0, ""]
    assert len(differences(golden, shown)) == 2
