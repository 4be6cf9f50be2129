"""Where a page stands in a list read a page at a time: asked for by number, or read on
from where the page before ended (its last record's place in the list's order), so that
records that leave or join the list meanwhile make a reading skip or repeat no other. A
page read on is fetched with one record more than it holds: whether any come after it.
"""

from __future__ import annotations

from typing import TypeVar

Row = TypeVar("Row")


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def numbered(total: int, size: int, page: int) -> tuple[int, int]:
    """Page ``page`` of a list of ``total`` records (a page past the last is the last),
    and how many pages it has."""
    pages = _pages(total, size)
    return min(max(page, 1), pages), pages


def read_on(total: int, size: int, before: int) -> tuple[int, int]:
    """The page of a list of ``total`` records that reads on after ``before`` of them,
    and how many pages it has."""
    pages = _pages(total, size)
    return min(-(-before // size) + 1, pages), pages


def more_than(rows: list[Row], size: int) -> tuple[bool, list[Row]]:
    """Whether ``rows`` (read with one more than a page holds) go on after a page of
    ``size``, and the page."""
    return len(rows) > size, rows[:size]
