"""Disclosure control: the rules for small cells in everything the book shows.

A real extract is personal data. Tables and figures show only aggregates, and an aggregate
that rests on 1 to MIN_CELL − 1 persons is not shown (zero is shown: it reveals nobody).
Hiding such a cell is not enough when the reader can subtract: a hidden provider count is
the Sum minus the other counts, a hidden share is 100 minus its complement. So every
table and figure applies the same three rules (`hidden_cells` applies them together):

- Primary (`is_small`): a cell resting on 1–4 persons is hidden.
- Complement (`share_mask`): a share k of n (or a count k beside its shown total n) is
  hidden when k is 1–4 or n − k is 1–4. Hence everything of a group whose n is 1–4 is
  hidden; means of such a group are hidden too (`is_small(n)`).
- Distribution (`distribution_mask`): within cells that add up to a shown total (a section
  of a composition column, a programme's categories, a year's components, the statuses
  of a month), if the hidden non-zero cells could be solved for – exactly one of them, or
  several that must all be 1 (hidden cells are never zero, and their sum is the total
  minus the visible cells) – the smallest visible non-zero cell is hidden as well (a zero
  cell only when no non-zero one is left).

The rules prevent exact recovery of a hidden cell; the reader still learns the sum of the
hidden cells of a distribution.
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


def share_mask(k, n) -> np.ndarray:
    """Complement rule: True where a share k of n (or a count k beside its shown total n)
    must be hidden – k is 1–4, or n − k is 1–4 (then also wherever n itself is 1–4).
    Where n is unknown (NaN) only k is judged."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    return is_small(k) | is_small(n - k)


def _group_codes(groups, size: int) -> np.ndarray:
    """An integer code per cell for its distribution; −1 where the key is missing."""
    keys = groups if isinstance(groups, pd.DataFrame) else \
        pd.DataFrame({"group": np.asarray(groups, dtype=object)})
    if len(keys) != size:
        raise ValueError(f"groups har {len(keys)} rader, men det er {size} celler")
    codes = keys.reset_index(drop=True).groupby(list(keys.columns), sort=False,
                                                dropna=True).ngroup()
    return codes.fillna(-1).to_numpy(dtype=np.int64)


def distribution_mask(persons, groups, hidden=None, totals=None) -> np.ndarray:
    """Distribution rule: which cells to hide so that no hidden cell of a distribution can
    be solved for from its shown total.

    `persons` are the cells' person counts; `groups` (array or DataFrame of keys; a missing
    key: the cell is in no distribution) names the distribution each cell belongs to –
    cells of one group add up to a shown total. `hidden` is what other rules already hide
    (default: `is_small(persons)`). Where a group's hidden non-zero cells could be solved
    for – exactly one is hidden, or all hidden ones are 1 (their sum equals their number) –
    the group's smallest visible non-zero cell (the first, on ties) is hidden too. Zero
    cells stay shown – unless a solvable group has no visible non-zero cell left (e.g. five
    persons in five age groups): then one zero cell is hidden, so that a hidden cell is no
    longer known to be non-zero. (If no visible cell is left at all, only hiding the total
    would help; that is left to the caller.) With `totals` (each cell's group total), a
    group whose cells fall 1–4 persons short of it counts that unshown rest as one more
    hidden cell. Returns `hidden` with these cells added.
    """
    persons = np.asarray(persons, dtype=float)
    hidden = is_small(persons) if hidden is None else np.array(hidden, dtype=bool)
    codes = _group_codes(groups, len(persons))
    member = codes >= 0
    if not member.any():
        return hidden
    nonzero = persons > 0
    hid = hidden & nonzero
    cells = pd.DataFrame({"group": codes, "hidden": hid, "persons": np.where(hid, persons, 0),
                          "all": persons})[member]
    per_group = cells.groupby("group").agg(n_hidden=("hidden", "sum"),
                                           sum_hidden=("persons", "sum"), sum_all=("all", "sum"))
    if totals is not None:
        totals = np.broadcast_to(np.asarray(totals, dtype=float), persons.shape)
        total = pd.Series(totals[member], index=cells.index)
        rest = total.groupby(cells["group"]).first() - per_group["sum_all"]
        small_rest = is_small(rest)
        per_group["n_hidden"] += small_rest
        per_group["sum_hidden"] += np.where(small_rest, rest, 0)
    solvable = (per_group["n_hidden"] == 1) | (
        (per_group["n_hidden"] >= 2) & (per_group["sum_hidden"] == per_group["n_hidden"]))
    exposed = np.isin(codes, per_group.index[solvable.to_numpy()])
    candidates = np.flatnonzero(member & exposed & ~hidden)
    if len(candidates):
        # The smallest non-zero visible cell; a zero one only if the group has none left.
        key = np.where(nonzero[candidates], persons[candidates], np.inf)
        smallest = pd.Series(key, index=candidates).groupby(codes[candidates]).idxmin()
        hidden[smallest.to_numpy()] = True
    return hidden


def hidden_cells(persons, n, groups=None) -> np.ndarray:
    """All rules at once for cells of k persons out of n: the complement rule, then (when
    `groups` is given) the distribution rule with n as each group's shown total."""
    hidden = share_mask(persons, n)
    if groups is None:
        return hidden
    return distribution_mask(persons, groups, hidden, totals=n)
