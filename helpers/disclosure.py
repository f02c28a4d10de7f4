"""Disclosure control: the one rule for small cells in everything the book shows.

A real extract is personal data. Tables and figures show only aggregates, and an aggregate
that rests on 1 to MIN_CELL − 1 persons is not shown (zero is shown: it reveals nobody).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MIN_CELL = 5


def is_small(persons) -> np.ndarray:
    """True where a cell rests on between 1 and MIN_CELL − 1 persons."""
    persons = np.asarray(persons, dtype=float)
    return (persons >= 1) & (persons < MIN_CELL)


def suppress(values: pd.Series, persons) -> pd.Series:
    """`values` with the cells resting on too few persons set to NaN."""
    values = pd.Series(values, dtype=float).copy()
    values[is_small(persons)] = np.nan
    return values
