import numpy as np
import pandas as pd

from helpers.disclosure import MIN_CELL, is_small, suppress


def test_one_to_four_persons_are_small_zero_and_five_are_not():
    assert MIN_CELL == 5
    assert is_small([0, 1, 4, 5, 100]).tolist() == [False, True, True, False, False]


def test_suppress_blanks_only_small_cells_and_keeps_the_index():
    values = pd.Series([10.0, 20.0, 30.0], index=["a", "b", "c"])
    out = suppress(values, [3, 0, 50])
    assert np.isnan(out["a"]) and out["b"] == 20.0 and out["c"] == 30.0
    assert values["a"] == 10.0  # the input is not changed
