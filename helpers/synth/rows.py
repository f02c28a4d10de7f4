"""Spell rows: what the components add to the spell tables, before they become contract
tables (helpers.synth.assemble).

A spell is a person and months start..stop with day offsets (0-27) in the first and the
last month; `stop_month` after the period's last month means the spell is open (til_dato
null). Codes are indices (helpers.synth.assemble turns them into the contract's strings).
"""
from __future__ import annotations

import numpy as np

from helpers.synth.draws import whole
from helpers.synth.streams import Streams
from helpers.synth.structure import Period

SPELL_COLUMNS = {"person": np.int32, "start_month": np.int32, "start_day": np.int8,
                 "stop_month": np.int32, "stop_day": np.int8}
# Columns of each spell table beyond the spell itself, with their compact dtypes.
TABLE_COLUMNS = {
    "tiltak": {"programme_code": np.int8, "provider": np.int16, "office": np.int16},
    "arbeidsforhold": {"hours": np.float64},
    "ytelser": {"benefit": np.int8, "diagnosis": np.int8},  # benefit: BENEFITS index
    "brukerstatus": {"innsatsgruppe": np.int8, "office": np.int16},
    "utdanning_hoyere": {},
}
BENEFITS = ("AAP", "UFORE")
DAYS = 28  # day offsets 0..27 exist in every month


class SpellRows:
    """Rows of one spell table, collected as blocks of equal-length arrays."""

    def __init__(self, table: str):
        self.table = table
        self.dtypes = {**SPELL_COLUMNS, **TABLE_COLUMNS[table]}
        self.blocks: list[dict[str, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(block["person"]) for block in self.blocks)

    def add(self, **columns) -> None:
        """Append rows: every column of the table, as arrays of one length or scalars."""
        if set(columns) != set(self.dtypes):
            raise KeyError(f"{self.table}: columns {sorted(columns)} != {sorted(self.dtypes)}")
        n = max(len(np.atleast_1d(value)) for value in columns.values())
        if n == 0:
            return
        self.blocks.append({name: np.broadcast_to(np.asarray(columns[name]), (n,)).astype(dtype)
                            for name, dtype in self.dtypes.items()})

    def extend(self, other: SpellRows) -> None:
        """Append another collection's rows (of the same table)."""
        if other.table != self.table:
            raise ValueError(f"cannot add {other.table} rows to {self.table}")
        self.blocks.extend(other.blocks)

    def arrays(self) -> dict[str, np.ndarray]:
        """All rows, column by column."""
        return {name: np.concatenate([block[name] for block in self.blocks]) if self.blocks
                else np.zeros(0, dtype=dtype) for name, dtype in self.dtypes.items()}


def add_spells(rows: SpellRows, streams: Streams, period: Period, person, start, stop,
               split: float = 0.0, gap: float = 0.0, **columns) -> None:
    """Spells of `person` covering months start..stop (clipped to the period's first month;
    dropped if they end before it) with random first and last days, stored as one row, or
    with P(split) as two adjacent pieces, or with P(gap) as two pieces with 1-5 months
    between them inside the spell (the register quirks the entry definition must handle).
    Draws from the streams `<streams>.start_day`, `.stop_day`, `.form`, `.gap_length`,
    `.piece_month`, `.piece_day`."""
    person = np.asarray(person)
    start = np.broadcast_to(np.asarray(start), person.shape)
    stop = np.broadcast_to(np.asarray(stop), person.shape)
    columns = {name: np.broadcast_to(np.asarray(value), person.shape) for name, value in columns.items()}
    observed = stop >= period.first_month
    if not observed.all():
        person, start, stop = person[observed], start[observed], stop[observed]
        columns = {name: value[observed] for name, value in columns.items()}
    start = np.maximum(start, period.first_month)
    n = len(person)
    if n == 0:
        return

    def uniform(name):
        return streams.uniform(name, n)

    start_day, stop_day = whole(uniform("start_day"), DAYS), whole(uniform("stop_day"), DAYS)
    form, gap_uniform = uniform("form"), uniform("gap_length")
    piece_month, piece_day = uniform("piece_month"), uniform("piece_day")
    length = stop - start + 1
    is_split = (form < split) & (length >= 2)
    has_gap = ~is_split & (form >= split) & (form < split + gap) & (length >= 3)
    one = ~is_split & ~has_gap

    def emit(selected, first_month, first_day, last_month, last_day):
        rows.add(person=person[selected], start_month=first_month, start_day=first_day,
                 stop_month=last_month, stop_day=last_day,
                 **{name: value[selected] for name, value in columns.items()})

    same_month = start == stop
    emit(one, start[one], start_day[one], stop[one],
         np.where(same_month[one], np.maximum(stop_day[one], start_day[one]), stop_day[one]))

    # Adjacent pieces: the second starts in month `cut` (start < cut <= stop), the day after
    # the first ends.
    s = is_split
    cut = start[s] + 1 + whole(piece_month[s], length[s] - 1)
    cut_day = whole(piece_day[s], DAYS - 1)
    emit(s, start[s], start_day[s], cut, cut_day)
    emit(s, cut, cut_day + 1, stop[s],
         np.where(cut == stop[s], np.maximum(stop_day[s], cut_day + 1), stop_day[s]))

    # A gap of 1-5 months: the first piece ends in month `last_before` (start <= last_before
    # <= stop - months - 1), the second starts months + 1 later.
    s = has_gap
    months = 1 + np.minimum(whole(gap_uniform[s], 5), length[s] - 3)
    room = length[s] - months - 1
    last_before = start[s] + whole(piece_month[s], room)
    resume = last_before + months + 1
    day = whole(piece_day[s], DAYS)
    emit(s, start[s], start_day[s], last_before,
         np.where(last_before == start[s], np.maximum(start_day[s], DAYS - 1), day))
    emit(s, resume, day // 2, stop[s], np.where(resume == stop[s], DAYS - 1, stop_day[s]))
