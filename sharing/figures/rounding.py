"""How a count leaves the hub in the partnership's figures, so that no small count can be
worked out from them: not from any two figures, whatever their periods, agencies and
wards, nor, as far as the tests find, from every period a reader may choose solved
together.

The method, as the figures page shows it:

1. **Small counts.** A count from 0 to 4 is shown as "fewer than 5" (primary suppression).
2. **Rounding instead of further withholding.** Every other count, totals included, is
   rounded to a multiple of 5, up or down: a count of 12 is shown as 10 three times in
   five and as 15 twice in five, so that on average rounding adds nothing. Which way one
   count goes is decided by a keyed hash of *the cases behind it* (the cell key), so the
   same cases give the same figure whichever filters reached them, and asking again, or
   by another route, teaches nothing new. The key comes from the key store.
3. **Why that is enough.** A small count could otherwise be worked out by subtraction:
   a total less the other cells of its line, one period less a shorter one, the
   partnership less every agency but one. A rounded count is the true one give or take 4,
   and "fewer than 5" is 0 to 4, so the difference of any two figures leaves at least
   three values possible for a small count (``tests/sharing/test_figures_rounding.py``
   checks every case). Rows may therefore not add up to the total shown.
4. **Only the periods meetings use.** Many figures together tell more than two. Were
   every run of months allowed, each rounded on its own, the many overlapping totals of
   the same months, solved together as a system of constraints, would pin some "fewer
   than 5" exactly. So a reader chooses one month, a calendar quarter, a financial year
   or a calendar year (``sharing.figures.months``): these overlap only as a month sits in
   its quarter and a quarter in its years. Solved all together, their figures narrow very
   few small counts and, in the tests' random cases, pin none
   (``tests/sharing/test_figures_rounding.py``). That is a check, not a proof for every
   combination of periods, areas and tables at once. And only **periods that have
   ended**: a period under way counts a different set of cases each day, each rounded
   afresh (the cell key changes with the set), so asked day after day its figures would
   be many independent draws of nearly the same count, whose average tells the count.
5. **Rates and percentages** are worked out from the rounded counts; one made from a
   "fewer than 5" is withheld. A median is given only for 10 or more cases.
6. **A manager's own agency.** A manager sees their own agency's cases exactly, in a
   column of their own, and the other agencies' cases (without theirs) rounded; never a
   rounded figure that mixes their own cases with others', which their exact figures
   would let them unpick. Their exact figures count only the cases they may see: a
   locked case they are not named on would otherwise show as the difference between the
   figures and their lists (``sharing.figures.columns.seen_by``).

Locked and erased cases are counted like any other in the rounded figures: nothing in
one, or in its key, depends on whether a case is locked or erased.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import BigInteger, ColumnElement, SQLColumnExpression, cast, literal

from sharing.crypto.keys import KeyProvider
from sharing.figures.suppression import THRESHOLD, small_text

#: Counts are rounded to a multiple of this.
BASE = 5
#: A median is given for at least this many cases.
MEDIAN_FROM = 2 * THRESHOLD
WITHHELD = "withheld"
#: The cell key's modulus: the tag of a row is its id times a large odd number, modulo a
#: prime below 2**32 (see ``tag``).
_PRIME = 4_294_967_291
_MULTIPLIER = 2_654_435_761


class Shown(StrEnum):
    EXACT = "exact"
    SMALL = "small"
    ROUNDED = "rounded"
    #: Worked out from published counts: a rate, share, median or national figure.
    DERIVED = "derived"


@dataclass(frozen=True)
class Cell:
    """One published figure: ``value`` is what it stands for in sums, rates and charts
    (None for "fewer than 5"), ``text`` how it is shown."""

    value: int | None
    shown: Shown
    text: str

    @classmethod
    def derived(cls, text: str) -> Cell:
        """A figure worked out from published counts (a rate, share or median)."""
        return cls(None, Shown.DERIVED, text)


@dataclass(frozen=True)
class Tally:
    """A count and its cell key: the sum of the tags of the rows counted. Both add up, so
    the tally of a union of disjoint sets is the sum of their tallies."""

    count: int = 0
    key: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.count + other.count, self.key + other.key)

    def __sub__(self, other: Tally) -> Tally:
        return Tally(self.count - other.count, self.key - other.key)


def tag(column: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    """The SQL for a row's tag, from its id: summed over the rows of a count, it is the
    count's cell key (the same rows, the same key, on SQLite and PostgreSQL alike)."""
    big = cast(column, BigInteger)
    return (big * literal(_MULTIPLIER, BigInteger)) % literal(_PRIME, BigInteger)


def tag_of(row_id: int) -> int:
    """A row's tag, as ``tag`` computes it in SQL."""
    return (row_id * _MULTIPLIER) % _PRIME


def possible(cell: Cell, threshold: int = THRESHOLD) -> range:
    """Every count a published cell may stand for: what a reader can know of it."""
    if cell.shown is Shown.EXACT and cell.value is not None:
        return range(cell.value, cell.value + 1)
    if cell.shown is Shown.SMALL:
        return range(0, threshold)
    if cell.shown is Shown.ROUNDED and cell.value is not None:
        return range(max(threshold, cell.value - BASE + 1), cell.value + BASE)
    raise ValueError("a rate, share or median stands for no one count")


def tally_of(count: int | None, key: object) -> Tally:
    """A tally from a row of ``count(*)`` and ``sum(tag)`` (PostgreSQL sums to a Decimal)."""
    return Tally(int(count or 0), int(key or 0))  # type: ignore[call-overload]


class Rounder:
    """Publishes tallies by the module's method, keyed by the key store's secret."""

    def __init__(self, secret: bytes, threshold: int = THRESHOLD) -> None:
        self._secret = secret
        self.threshold = threshold

    @classmethod
    def of(cls, provider: KeyProvider, threshold: int = THRESHOLD) -> Rounder:
        secret = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"hub-figures-rounding-v1"
        ).derive(provider.index_root_key())
        return cls(secret, threshold)

    def publish(self, tally: Tally, *, exact: bool = False) -> Cell:
        value = tally.count
        if exact:
            return Cell(value, Shown.EXACT, str(value))
        if value < self.threshold:
            return Cell(None, Shown.SMALL, small_text(self.threshold))
        rounded = value - value % BASE
        if value % BASE and self._up(tally, value % BASE):
            rounded += BASE
        return Cell(rounded, Shown.ROUNDED, f"{rounded:,}")

    def _up(self, tally: Tally, remainder: int) -> bool:
        """Up with chance remainder/BASE, by the keyed hash of the cell key."""
        digest = hmac.digest(self._secret, f"{tally.count}|{tally.key}".encode(), "sha256")
        return int.from_bytes(digest[:8], "big") % BASE < remainder


def percent(part: Cell, whole: Cell) -> str:
    if part.value is None or whole.value is None:
        return WITHHELD
    if whole.value == 0:
        return "none"
    return share(part.value, whole.value)


def share(part: int, whole: int) -> str:
    """``part`` of ``whole`` (not 0), as a percentage: at most 100%, as a part rounded up
    beside its whole rounded down (15 satisfied of 10 answered) is still no more than all
    of it."""
    return f"{min(100.0, 100 * part / whole):.0f}%"


def rate(part: Cell, per: int | None, of: int = 1000) -> str:
    """``part`` per ``of`` (1,000) of ``per`` (households, homes)."""
    if part.value is None:
        return WITHHELD
    if not per:
        return "not known"
    return f"{part.value * of / per:.1f}"
