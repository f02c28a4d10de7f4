"""An attacker for the disclosure tests: what can a reader solve for from everything the book
shows about one extract?

Written apart from helpers.disclosure on purpose, so that it checks the rules rather than
repeats them. The reader knows the book's structure: every count the book shows is a sum of
persons over the finest cells the tables and figures cut the entrants into – programme
detail (Arbeid med bistand, old and new Oppfølging, Utvidet) × provider type × entry year –
and, for a characteristic such as sex or an age band, over the same cells split by its
categories. The unknowns are those cells' counts (`N`, persons per cell) and, per block of
categories, the counts by category in the coarsest cells that every shown count of that
block is a sum of (`X`: programme, for the new programme the provider (sheltered,
commercial, other), entry year). A block's categories add up to the cell's persons. Every
shown number is a linear equation on the unknowns: a shown count, a shown share of a shown
(or revealed) total – a share k/n with k > 0 reveals n once k is known – and a shown zero
says that every cell under it is empty (counts are never negative).

A hidden count is *recoverable* when its vector lies in the row space of the shown equations
and the identities: then the equations fix its value whatever the other unknowns are. The
row space is built by exact row reduction over the rationals (fractions.Fraction), sparse,
in reduced row-echelon form. Means (age, months in a job) are not linear in the counts and
are left out; so are bounds other than zero (a hidden cell known to be at least 1).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product

import numpy as np
import pandas as pd

from helpers import tables

YEARS = tuple(range(2013, 2019))
DETAILS = (("gammelt", "ARBEID_MED_BISTAND"), ("gammelt", "OPPFOLGING"), ("nytt", "OPPFOLGING"),
           ("utvidet", "UTVIDET_OPPFOLGING"))
PROVIDERS = ("skjermet", "kommersiell", "ideell", "ukjent")
PROGRAMMES = ("gammelt", "nytt", "utvidet")
MAIN = ("gammelt", "nytt")
# Blocks of categories: each person is in exactly one category of a block. 'missing' is a
# category the reader cannot rule out (a person without a value).
BLOCKS = {
    "female": (True, False),
    "age": (0, 1, 2, 3, 4, "missing"),
    "education": tuple(code for code, _ in tables.EDUCATION_ROWS) + ("missing",),
    "aap": ("ikke_aap", "muskel_skjelett", "psykisk", "annen", "missing"),
    "country": (1, 2, 3, "missing"),
    "reduced": (True, False),
    "job": (True, False),
}
AAP_ANY = ("muskel_skjelett", "psykisk", "annen")


def _part(programme: str, provider: str, year: int) -> tuple:
    """The coarse cell (programme, provider group, year) of a fine cell, for the blocks."""
    if programme == "nytt":
        return (programme, provider if provider in ("skjermet", "kommersiell") else "rest", year)
    return (programme, "*", year)


ATOMS = [(d, p, y) for d, p, y in product(DETAILS, PROVIDERS, YEARS)]
PARTS = sorted({_part(d[0], p, y) for d, p, y in ATOMS}, key=str)


def person_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Each entrant's fine cell, coarse cell and category in every block."""
    year = frame["entry_month"].astype(str).str[:4].astype(int)
    age = frame["age"].astype(float)
    band = pd.Series("missing", index=frame.index, dtype=object)
    for i, (_, lo, hi) in enumerate(tables.AGE_GROUPS):
        band[age.between(lo, hi).to_numpy()] = i
    aap = frame["aap_diagnosis"].astype(object).replace({"ukjent": "annen"}).fillna("missing")
    lg = frame["landgruppe"].astype(object)
    out = pd.DataFrame({
        "atom": [((p, c), v, y) for p, c, v, y in zip(frame["programme"], frame["programme_code"],
                                                     frame["provider_type"], year)],
        "female": frame["female"].astype(bool).to_numpy(),
        "age": band.to_numpy(),
        "education": frame["education"].astype(object).fillna("missing").to_numpy(),
        "aap": aap.to_numpy(),
        "country": [int(v) if pd.notna(v) else "missing" for v in lg],
        "reduced": frame["reduced_capacity"].astype(bool).to_numpy(),
        "job": frame["job_at_entry"].astype(bool).to_numpy(),
    }, index=frame.index)
    out["part"] = [_part(a[0][0], a[1], a[2]) for a in out["atom"]]
    return out


@dataclass
class Quantity:
    """A count the reader may know or want: a vector over the unknowns, and its true value."""
    vector: dict
    value: int
    what: str


@dataclass
class Book:
    """What the book shows about one extract, as linear equations, and the counts to protect."""
    people: pd.DataFrame
    shown: list[Quantity] = field(default_factory=list)
    protected: list[Quantity] = field(default_factory=list)

    # --- quantities ----------------------------------------------------------------------
    def persons(self, what: str, programme=None, provider=None, year=None, detail=None) -> Quantity:
        """Entrants in the fine cells matching the filters (each a value or a tuple)."""
        def ok(value, want):
            return want is None or (value in want if isinstance(want, tuple) else value == want)
        atoms = [a for a in ATOMS if ok(a[0][0], programme) and ok(a[1], provider)
                 and ok(a[2], year) and ok(a[0], detail)]
        chosen = set(atoms)
        value = int(self.people["atom"].isin(chosen).sum()) if len(self.people) else 0
        return Quantity({("N", a): 1 for a in atoms}, value, what)

    def count(self, what: str, block: str, categories: tuple, programme=None, provider=None,
              year=None) -> Quantity:
        """Entrants in `categories` of `block` among the coarse cells matching the filters."""
        def ok(value, want):
            return want is None or (value in want if isinstance(want, tuple) else value == want)
        if provider is not None:
            provider = provider if isinstance(provider, tuple) else (provider,)
            provider = tuple(p if p in ("skjermet", "kommersiell") else "rest" for p in provider)
        parts = [p for p in PARTS if ok(p[0], programme) and ok(p[1], provider) and ok(p[2], year)]
        if provider is not None and programme != "nytt":
            raise ValueError("provider cells exist only for the new programme")
        people = self.people
        mask = people["part"].isin(set(parts)) & people[block].isin(list(categories))
        return Quantity({("X", p, block, c): 1 for p in parts for c in categories},
                        int(mask.sum()), what)

    # --- what the book does with them ------------------------------------------------------
    def display(self, k: Quantity, shown: bool, n: Quantity | None = None):
        """A cell the book prints (`shown`) or hides: k persons, a share of n if given."""
        if shown:
            self.shown.append(k)
            if n is not None and k.value > 0:  # k/n with k known and > 0 gives n
                self.shown.append(n)
        elif 1 <= k.value < 5:
            self.protected.append(k)
        if n is not None:
            rest = Quantity({**n.vector, **{key: -c for key, c in k.vector.items()}},
                            n.value - k.value, f"{n.what} − {k.what}")
            rest.vector = {key: c for key, c in rest.vector.items() if c}
            self.protect(rest)  # shown or not: n − k of 1–4 persons is never to be solved

    def protect(self, q: Quantity):
        if 1 <= q.value < 5:
            self.protected.append(q)


def identities() -> list[dict]:
    """A block's categories add up to the persons of a coarse cell."""
    rows = []
    for part in PARTS:
        atoms = [a for a in ATOMS if _part(a[0][0], a[1], a[2]) == part]
        for block, categories in BLOCKS.items():
            row = {("X", part, block, c): 1 for c in categories}
            row.update({("N", a): -1 for a in atoms})
            rows.append(row)
    return rows


class RowSpace:
    """The span of sparse rational vectors, kept in reduced row-echelon form."""

    def __init__(self):
        self.rows: dict = {}           # pivot -> row (dict key -> Fraction), pivot entry 1
        self.where: dict = {}          # key -> pivots of the rows holding it

    def reduce(self, vector: dict) -> dict:
        v = {k: Fraction(c) for k, c in vector.items() if c}
        for pivot in [k for k in v if k in self.rows]:
            factor = v.get(pivot, 0)
            if factor:
                for k, c in self.rows[pivot].items():
                    value = v.get(k, 0) - factor * c
                    if value:
                        v[k] = value
                    else:
                        v.pop(k, None)
        return v

    def add(self, vector: dict) -> None:
        v = self.reduce(vector)
        if not v:
            return
        pivot = min(v, key=lambda k: (len(self.where.get(k, ())), str(k)))
        scale = v[pivot]
        v = {k: c / scale for k, c in v.items()}
        for other in list(self.where.get(pivot, ())):
            row = self.rows[other]
            factor = row[pivot]
            for k, c in v.items():
                value = row.get(k, 0) - factor * c
                if value:
                    if k not in row:
                        self.where.setdefault(k, set()).add(other)
                    row[k] = value
                else:
                    row.pop(k, None)
                    self.where[k].discard(other)
        self.rows[pivot] = v
        for k in v:
            self.where.setdefault(k, set()).add(pivot)

    def contains(self, vector: dict) -> bool:
        return not self.reduce(vector)


def solve(book: Book) -> list[Quantity]:
    """The protected counts (1–4 persons, hidden or never shown) that the shown equations fix."""
    zero: set = set()
    rows = [(q.vector, q.value) for q in book.shown] + [(row, 0) for row in identities()]
    changed = True
    while changed:  # counts are never negative: a zero sum of same-signed terms zeroes them
        changed = False
        for vector, value in rows:
            if value != 0:
                continue
            live = {k: c for k, c in vector.items() if k not in zero}
            if live and (all(c > 0 for c in live.values()) or all(c < 0 for c in live.values())):
                zero.update(live)
                changed = True
    space = RowSpace()
    for vector, _ in rows:
        space.add({k: c for k, c in vector.items() if k not in zero})
    return [q for q in book.protected
            if space.contains({k: c for k, c in q.vector.items() if k not in zero})]


# --- The book, read as a reader sees it -------------------------------------------------

_VARIABLES = {label: variable for variable, label in tables._COMPOSITION_LABELS.items()}
_VARIABLES.update({v1: _VARIABLES[t31] for t31, v1 in tables.LABELS_VEDLEGG_1["rows"].items()})


def _block_of(variable: str) -> tuple[str, tuple] | None:
    """The block and categories of a composition variable (None: a mean or the count n)."""
    if variable == "female":
        return "female", (True,)
    if variable == "na":
        return "reduced", (True,)
    if variable == "job_at_entry":
        return "job", (True,)
    prefix, _, code = variable.partition("_")
    if prefix == "age" and code.isdigit():
        return "age", (int(code),)
    if prefix == "edu":
        return "education", (code,)
    if prefix == "aap":
        return "aap", (code,)
    if prefix == "lg":
        return "country", (int(code),)
    return None


def _composition(book: Book, table: pd.DataFrame, columns: dict):
    """Tabell 3.1 / Vedleggstabell 1 (suppressed): a share of the column's n per row."""
    for (column, row), cells in table.groupby(["column", "row"], sort=False):
        population = columns[column]
        variable = _VARIABLES[row]
        shown = not bool(cells["suppressed"].iloc[0])
        n = book.persons(f"n {population}", **population)
        if variable == "n":
            book.display(n, shown)
            continue
        block = _block_of(variable)
        if block is None:
            continue
        name, categories = block
        k = book.count(f"{variable} {population}", name, categories, **population)
        book.display(k, shown, n)


def read_book(frame: pd.DataFrame, outputs: dict) -> Book:
    """The shown and hidden cells of `outputs` (book_outputs) as equations on the unknowns."""
    book = Book(person_categories(frame))
    t21 = outputs["tabell_2_1"]
    provider = {label: code for code, label in tables.PROVIDER_LABELS.items()}
    programme = {label: code for code, label in tables.PROGRAMME_LABELS.items()}
    for (column, row), cells in t21.groupby(["column", "row"], sort=False):
        prog = programme[column]
        shown = not bool(cells["suppressed"].iloc[0])
        n = book.persons(f"n {prog}", programme=prog)
        if row == "Sum":
            book.display(n, shown)
        else:
            book.display(book.persons(f"{prog}/{provider[row]}", programme=prog,
                                      provider=provider[row]), shown, n)
    _composition(book, outputs["tabell_3_1"], {"Gammelt": {"programme": "gammelt"},
                                                "Nytt": {"programme": "nytt"}})
    _composition(book, outputs["vedlegg_1"],
                 {"Skjermede": {"programme": "nytt", "provider": "skjermet"},
                  "Kommersielle": {"programme": "nytt", "provider": "kommersiell"}})
    # Figur 3.1 and the sentences on entrants.
    detail = {label: key for key, label in tables.PROGRAMME_DETAIL_LABELS.items()}
    for r in outputs["entrants_by_year"].itertuples():
        year = int(r.year)
        book.display(book.persons(f"{r.programme_detail} {year}", detail=detail[r.programme_detail],
                                  year=year), not np.isnan(r.entrants),
                     book.persons(f"alle {year}", year=year))
    for year, value in outputs["entrants_per_year"].items():
        book.display(book.persons(f"alle {year}", year=int(year)), not np.isnan(value))
    for prog, value in outputs["entrants_by_programme"].items():
        book.display(book.persons(f"n {prog}", programme=prog), not np.isnan(value))
    # Figur 3.2: AAP by programme.
    aap_codes = {label: code for code, label in tables.AAP_ROWS}
    for r in outputs["aap_by_programme"].itertuples():
        prog = programme[r.programme]
        book.display(book.count(f"{r.measure} {prog}", "aap", (aap_codes[r.measure],),
                                programme=prog), not np.isnan(r.share),
                     book.persons(f"n {prog}", programme=prog))
    # Figur 3.3 and 3.4: the old and new programme by entry year.
    traits = {"age_50_plus": ("age", (4,)), "immigrant": ("country", (2, 3)),
              "reduced_capacity": ("reduced", (True,)), "other_jobseeker": ("reduced", (False,)),
              "aap": ("aap", AAP_ANY)}
    for r in outputs["characteristics_by_year"].itertuples():
        block, categories = traits[r.measure]
        year = int(r.year)
        book.display(book.count(f"{r.measure} {year}", block, categories, programme=MAIN,
                                year=year), not np.isnan(r.share),
                     book.persons(f"n hoved {year}", programme=MAIN, year=year))
    for r in outputs["psychiatric_by_year"].itertuples():
        year = int(r.year)
        psych = book.count(f"psykisk {year}", "aap", ("psykisk",), programme=MAIN, year=year)
        n = (book.count(f"aap {year}", "aap", AAP_ANY, programme=MAIN, year=year)
             if r.measure == "of_aap" else
             book.persons(f"n hoved {year}", programme=MAIN, year=year))
        book.display(psych, not np.isnan(r.share), n)
    for r in outputs["psychiatric_by_programme"].itertuples():
        psych = book.count(f"psykisk {r.programme}", "aap", ("psykisk",), programme=r.programme)
        n = (book.count(f"aap {r.programme}", "aap", AAP_ANY, programme=r.programme)
             if r.measure == "of_aap" else book.persons(f"n {r.programme}", programme=r.programme))
        book.display(psych, not np.isnan(r.share), n)
    # Never shown, but persons all the same: the new programme's entrants at other providers
    # (Tabell 3.1's Nytt minus the two columns of Vedleggstabell 1), and each programme detail.
    others = ("ideell", "ukjent")
    book.protect(book.persons("nytt/andre", programme="nytt", provider=others))
    for block, categories in BLOCKS.items():
        for c in categories:
            book.protect(book.count(f"nytt/andre {block}={c}", block, (c,), programme="nytt",
                                    provider=others))
    for d in DETAILS:
        book.protect(book.persons(f"{d}", detail=d))
    return book


def book_outputs(frame: pd.DataFrame) -> dict:
    """Everything the chapters show about the entrants, as the notebooks compute it
    (report/chapters/deltakersammensetning.ipynb, innretning.ipynb, index.ipynb)."""
    return {
        "tabell_2_1": tables.compare_with_published(tables.tabell_2_1(frame), "tabell_2_1"),
        "tabell_3_1": tables.compare_with_published(tables.tabell_3_1(frame), "tabell_3_1"),
        "vedlegg_1": tables.compare_with_published(tables.vedlegg_1(frame), "vedlegg_1"),
        "entrants_by_year": tables.entrants_by_year(frame),
        "entrants_per_year": tables.entrants_per_year(frame),
        "entrants_by_programme": tables.entrants_by_programme(frame),
        "aap_by_programme": tables.aap_by_programme(frame),
        "characteristics_by_year": tables.characteristics_by_year(frame),
        "psychiatric_by_year": tables.psychiatric_by_year(frame),
        "psychiatric_by_programme": tables.psychiatric_by_programme(frame),
    }


def recoverable(frame: pd.DataFrame) -> list[str]:
    """The protected counts a reader of the book can solve for, described."""
    book = read_book(frame, book_outputs(frame))
    return [f"{q.what} = {q.value}" for q in solve(book)]
