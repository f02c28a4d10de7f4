"""Disclosure control: the rules for small cells in everything the book shows.

A real extract is personal data. Tables and figures show only aggregates, and an aggregate
that rests on 1 to MIN_CELL − 1 persons is not shown (zero is shown: it reveals nobody).
Hiding such a cell is not enough when the reader can subtract: a hidden provider count is
the Sum minus the other counts, a hidden share is 100 minus its complement. Within one
table three rules do it (`hidden_cells` applies them together):

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

Across tables (`hidden_across`). The book shows the same persons in many places: a
programme's entrants in Tabell 2.1, 3.1, the sentences and Figur 3.1–3.4, the new
programme's providers in Tabell 2.1 and Vedleggstabell 1, the years of Figur 3.1 and 3.3
adding up to the programmes of Tabell 3.1. So every count the book shows, anywhere, is one
named population cell (a key such as "nytt/kommersiell|n"), and the tables' linear
relations are stated once (a total is the sum of its parts: the providers of a programme,
the years of a detail, the programmes of a year, Tabell 3.1's Nytt = Vedleggstabell 1's
columns + the new programme's other providers, which no table shows). The rule is then:

- The same cell is hidden everywhere or nowhere: a key hidden in one table is hidden in
  all, and a share whose total is hidden is hidden too.
- No count of 1–4 persons that is not shown – a hidden cell, the complement n − k of a
  share, a cell never shown such as the rest group of Vedleggstabell 1 – may be fixed by
  the shown cells and the relations, by exact linear algebra over all tables at once, nor
  be a set of hidden parts of a shown total that must all be 1. Where one is, a shown
  cell that leaves it open is hidden as well – the nearest (in a relation with it first),
  and among those the cheapest: non-zero, then the fewest shown cells hidden with it, then
  the fewest persons – until none is; a cell hidden on the way that the others fix anyway
  is shown again.

The rules prevent exact recovery of a hidden cell; the reader still learns the sum of the
hidden cells of a distribution. Means (ages, months) rest on their group's n and are
hidden with it; bounds other than zero and "all 1" are not used to solve for cells.
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


# --- Across tables ----------------------------------------------------------------------

def _complement_key(key: str, denominator: str) -> str:
    return f"{denominator} − {key}"


class _Relations:
    """Linear relations total = sum of parts, indexed by key."""

    def __init__(self, relations: list[tuple[str, list[str]]]):
        self.terms = [[(total, -1.0)] + [(part, 1.0) for part in parts]
                      for total, parts in relations]
        self.totals = [total for total, _ in relations]
        self.parts = [list(parts) for _, parts in relations]
        self.of_key: dict[str, list[int]] = {}
        for i, terms in enumerate(self.terms):
            for key, _ in terms:
                self.of_key.setdefault(key, []).append(i)

    def _linked(self, start: str, unknown: set):
        """(hops, relation) for every relation linked to `start` through unknown keys,
        breadth first from `start` (hops 0: a relation with `start` itself)."""
        reached, level, seen_rows, hops = {start}, [start], set(), 0
        while level:
            following = []
            for key in level:
                for i in self.of_key.get(key, ()):
                    if i in seen_rows:
                        continue
                    seen_rows.add(i)
                    yield hops, i
                    for other, _ in self.terms[i]:
                        if other in unknown and other not in reached:
                            reached.add(other)
                            following.append(other)
            level, hops = following, hops + 1

    def component(self, start: str, unknown: set) -> tuple[list[str], list[int]]:
        """The unknown keys linked to `start` through relations, and those relations
        (nearest first: breadth first from `start`)."""
        rows = [i for _, i in self._linked(start, unknown)]
        keys = {start} | {key for i in rows for key, _ in self.terms[i] if key in unknown}
        return sorted(keys), rows

    def distances(self, start: str, unknown: set) -> dict[str, int]:
        """For every key in a relation linked to `start` through unknown keys: the number
        of relations between them (0: in a relation with `start`)."""
        distance = {start: 0}
        for hops, i in self._linked(start, unknown):
            for key, _ in self.terms[i]:
                distance.setdefault(key, hops)
        return distance

    def solve(self, unknown: set, rows=None) -> set:
        """Which unknown keys the relations (`rows`, default all) fix, whatever the others:
        e_j lies in the row space of the relations restricted to the unknowns.

        Exact shortcuts first – a relation with one unknown fixes it; an unknown in only one
        relation is that relation solved for it, and the relation says nothing about the
        other unknowns – then singular values on what is left; an unknown set aside is fixed
        when the combination of the others it equals is in the row space of what is left."""
        rows = range(len(self.terms)) if rows is None else rows
        live = {i: {k for k, _ in self.terms[i] if k in unknown} for i in rows}
        live = {i: ks for i, ks in live.items() if ks}
        of_key: dict[str, set] = {}
        for i, ks in live.items():
            for k in ks:
                of_key.setdefault(k, set()).add(i)
        fixed: set = set()
        aside: list[tuple[str, int]] = []
        queue = list(live)
        while queue:
            i = queue.pop()
            if i not in live:
                continue
            ks = live[i]
            if len(ks) == 1:  # one unknown left: the relation fixes it
                (k,) = ks
                fixed.add(k)
                del live[i]
                for j in of_key.pop(k):
                    if j in live:
                        live[j].discard(k)
                        queue.append(j)
                continue
            for k in ks:
                if len(of_key[k]) == 1:  # only here: set aside with its relation
                    aside.append((k, i))
                    del live[i]
                    of_key.pop(k)
                    for other in ks - {k}:
                        of_key[other].discard(i)
                        queue.extend(of_key[other])
                    break
        # What is left: each unknown in two or more relations, in components.
        spaces: dict[str, tuple[dict, np.ndarray]] = {}  # key -> (component index, row basis)
        for start in sorted(of_key):
            if start in spaces or not of_key[start]:
                continue
            keys, todo, core_rows = {start}, [start], set()
            while todo:
                for i in of_key[todo.pop()]:
                    if i in core_rows:
                        continue
                    core_rows.add(i)
                    for k in live[i]:
                        if k not in keys:
                            keys.add(k)
                            todo.append(k)
            index = {key: j for j, key in enumerate(sorted(keys))}
            basis = self._row_space(index, sorted(core_rows), live)
            fixed |= {key for key, j in index.items()
                      if 1 - (basis[:, j] ** 2).sum() <= 1e-9}
            for key in keys:
                spaces[key] = (index, basis)
        # The keys set aside, latest first: each is a combination of the others.
        expression: dict[str, dict] = {}
        for k, i in reversed(aside):
            coefs = dict(self.terms[i])
            combination: dict[str, float] = {}
            for other, c in coefs.items():
                if other == k or other not in unknown or other in fixed:
                    continue
                for key, weight in expression.get(other, {other: 1.0}).items():
                    combination[key] = combination.get(key, 0.0) - weight * c / coefs[k]
            combination = {key: c for key, c in combination.items() if abs(c) > 1e-12}
            expression[k] = combination
            if self._in_row_space(combination, spaces):
                fixed.add(k)
        return fixed

    @staticmethod
    def _in_row_space(combination: dict, spaces: dict) -> bool:
        parts: dict[int, tuple[dict, np.ndarray, np.ndarray]] = {}
        for key, c in combination.items():
            if key not in spaces:
                return False  # in no relation left: free
            index, basis = spaces[key]
            part = parts.setdefault(id(index), (index, basis, np.zeros(len(index))))
            part[2][index[key]] = c
        return all((v @ v) - ((basis @ v) ** 2).sum() <= 1e-9 * (v @ v)
                   for _, basis, v in parts.values())

    def _row_space(self, index: dict, rows: list[int], live: dict) -> np.ndarray:
        """An orthonormal basis (rows) of the row space of the relations on these keys."""
        matrix = np.zeros((len(rows), len(index)))
        for r, i in enumerate(rows):
            for key, coef in self.terms[i]:
                if key in live[i]:
                    matrix[r, index[key]] += coef
        _, s, vt = np.linalg.svd(matrix, full_matrices=False)
        rank = int((s > s.max() * max(matrix.shape) * 1e-12).sum()) if len(s) else 0
        return vt[:rank]


def hidden_across(displays: pd.DataFrame, relations: list[tuple[str, list[str]]],
                  persons) -> np.ndarray:
    """Disclosure across tables: which displayed cells to hide so that no count of 1–4
    persons can be solved for from everything shown (the module docstring's rule).

    `displays`: one row per number shown anywhere – `key` (the population cell it counts:
    the same key in two tables is the same count), `denominator` (the key of the total it
    is a share of, or None for a count shown on its own), optionally `share` (default:
    it has a denominator; False for a mean, which is shown with its group's n but has no
    complement) and `hidden` (hidden by the caller's own rules). `relations`: (total,
    parts) pairs, total = sum of parts, over any keys, shown or not (a key never shown is
    unknown to the reader unless it is 0). `persons`: the true count of every key.

    Starts from the primary and complement rules (a key of 1–4 persons is hidden
    everywhere; a share is hidden where k or n − k is 1–4) and hides further keys, with
    everything shown of them and every share of them, until no unknown count of 1–4 is
    fixed by the shown ones. Returns, per display, whether it is hidden.
    """
    persons = {key: float(value) for key, value in dict(persons).items()}
    n_rows = len(displays)
    keys = displays["key"].astype(object).to_numpy()
    denominators = (np.array([d if isinstance(d, str) else None
                              for d in displays["denominator"]], dtype=object)
                    if "denominator" in displays else np.full(n_rows, None, dtype=object))
    has_denominator = np.array([d is not None for d in denominators], dtype=bool)
    share = (displays["share"].to_numpy(dtype=bool) if "share" in displays
             else has_denominator) & has_denominator
    missing = {k for k in keys if k not in persons} | {
        d for d in denominators if d is not None and d not in persons}
    if missing:
        raise KeyError(f"persons mangler for {sorted(missing)[:5]}")
    k = np.array([persons[key] for key in keys], dtype=float)
    n = np.array([persons[d] if d is not None else np.nan for d in denominators], dtype=float)

    # A share's complement n − k is a count too (the reader subtracts it from its total).
    pairs = []
    for key, denominator in dict.fromkeys(zip(keys[share], denominators[share])):
        complement = _complement_key(key, denominator)
        persons[complement] = persons[denominator] - persons[key]
        pairs.append((denominator, [key, complement]))
    system = _Relations(list(relations) + pairs)
    all_keys = set(persons)

    # Primary and complement rules: small keys everywhere, shares by display.
    hidden_keys = set(keys[is_small(k)])
    hidden_display = np.zeros(n_rows, dtype=bool)
    hidden_display[share] = is_small(n[share] - k[share])
    if "hidden" in displays:
        hidden_display |= displays["hidden"].to_numpy(dtype=bool)
    displayed = set(keys) | {d for d in denominators if d is not None}
    cost_of: dict[str, list[int]] = {}
    for i, (key, denominator) in enumerate(zip(keys, denominators)):
        cost_of.setdefault(key, []).append(i)
        if denominator is not None:
            cost_of.setdefault(denominator, []).append(i)

    def shown_mask(hidden: set) -> np.ndarray:
        return ~hidden_display & ~np.array(
            [key in hidden or (d is not None and d in hidden)
             for key, d in zip(keys, denominators)], dtype=bool)

    def known_keys(hidden: set) -> tuple[set, set]:
        shown = shown_mask(hidden)
        visible = set(keys[shown]) | {d for d, kk in zip(denominators[shown], k[shown])
                                      if d is not None and kk > 0}
        known = visible | {key for key in all_keys - displayed if persons[key] == 0}
        changed = True
        while changed:  # a known zero total: its parts (counts, never negative) are zero
            changed = False
            for total, parts in zip(system.totals, system.parts):
                if total in known and persons[total] == 0:
                    new = [p for p in parts if p not in known]
                    if new:
                        known.update(new)
                        changed = True
        return known, visible

    def exposures(hidden: set):
        """Unknown counts of 1–4 fixed by the shown ones: (key, None) for a linear
        solution, (key, relation) for hidden parts of a known total that must all be 1."""
        known, visible = known_keys(hidden)
        unknown = all_keys - known
        determined = system.solve(unknown)
        found = [(key, None) for key in sorted(determined) if is_small(persons[key])]
        if not found:
            for i, (total, parts) in enumerate(zip(system.totals, system.parts)):
                if total not in known and total not in determined:
                    continue
                open_parts = [p for p in parts if p in unknown and p not in determined]
                values = [persons[p] for p in open_parts]
                if len(open_parts) >= 2 and min(values) >= 1 and sum(values) == len(values):
                    found.append((open_parts[0], i))
                    break
        return found, visible, unknown, determined

    def still_fixed(target: str, hidden: set) -> bool:
        known, _ = known_keys(hidden)
        unknown = all_keys - known
        if target not in unknown:
            return True
        _, rows = system.component(target, unknown)
        return target in system.solve(unknown, rows)

    added: list[str] = []
    for _ in range(10 * len(all_keys) + 10):
        found, visible, unknown, _ = exposures(hidden_keys)
        if not found:
            break
        target, relation = found[0]
        shown = shown_mask(hidden_keys)
        # Nearest first (the target's own relations), then cheapest.
        distance = system.distances(target, unknown)
        if relation is not None:
            distance.update({key: -1 for key, _ in system.terms[relation]})
        candidates = sorted((key for key in distance if key in visible),
                            key=lambda key: (distance[key], persons[key] == 0,
                                             int(shown[cost_of.get(key, [])].sum()),
                                             persons[key], key))
        if not candidates:
            raise RuntimeError(f"hidden_across: {target} kan regnes ut, men ingen vist celle "
                               "kan skjules for å hindre det")
        choice = candidates[0]
        if relation is None:  # one that leaves the target open by itself, if there is one
            for candidate in candidates[:12]:
                if not still_fixed(target, hidden_keys | {candidate}):
                    choice = candidate
                    break
        hidden_keys.add(choice)
        added.append(choice)
    else:  # pragma: no cover - every round hides one more key
        raise RuntimeError("hidden_across fant ingen løsning")
    # A key hidden on the way that the shown cells fix anyway protects nothing: show it
    # again, when that lets no count of 1–4 be solved for (latest first).
    determined = exposures(hidden_keys)[3]
    for key in reversed(added):
        if key not in determined:
            continue
        trial = hidden_keys - {key}
        found, _, _, trial_determined = exposures(trial)
        if not found:
            hidden_keys, determined = trial, trial_determined
    return ~shown_mask(hidden_keys)
