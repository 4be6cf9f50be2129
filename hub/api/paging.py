"""Paging of the API's lists: ``?page=N`` (from 1) asks for a page, and each answer says
which page it is, how many there are, how many records in all, and the next page's
address (null on the last), so a partner's system follows ``next`` until it is null."""

from __future__ import annotations

from typing import Any, Protocol

from flask import request, url_for

from hub.api.problems import FieldProblem, Problem
from sharing.formats import whole_number

#: How many records a page of an API list holds.
PAGE_SIZE = 100
#: The highest page a list may be asked for.
MAX_PAGE = 100_000


class Paged(Protocol):
    @property
    def page(self) -> int: ...
    @property
    def pages(self) -> int: ...
    @property
    def total(self) -> int: ...


def page_asked() -> int:
    """The ``page`` asked for (1 when not given); a 400 problem at ``page`` for anything
    but a whole number from 1 to ``MAX_PAGE``, and at both for a ``page`` sent with
    ``after`` (a list reads on from a place or gives a page, not both)."""
    text = request.args.get("page")
    if text is None:
        return 1
    if "after" in request.args:
        raise Problem(
            400,
            "Invalid request",
            "Send page or after, not both: follow next as it is (after), or ask for a page",
            errors=[
                FieldProblem("page", "is not sent with after"),
                FieldProblem("after", "is not sent with page"),
            ],
        )
    number = whole_number(text)
    if number is None or not 1 <= number <= MAX_PAGE:
        raise Problem(
            400,
            "Invalid request",
            f"The page is a whole number from 1 to {MAX_PAGE}",
            errors=[FieldProblem("page", f"is not a whole number from 1 to {MAX_PAGE}")],
        )
    return number


def after_asked() -> int | None:
    """The record ``after`` asks to continue from (None when not given); a 400 problem at
    ``after`` for anything but a whole number."""
    text = request.args.get("after")
    if text is None:
        return None
    number = whole_number(text)
    if number is None or number < 1:
        raise Problem(
            400,
            "Invalid request",
            "after is the number of the last record of the page before",
            errors=[FieldProblem("after", "is not the number of a record")],
        )
    return number


def not_a_place() -> Problem:
    """The 400 problem at ``after`` for a value that is not a place in the list as the
    list's ``next`` writes it."""
    return Problem(
        400,
        "Invalid request",
        "after is where the page before ended, as its next link gives it",
        errors=[FieldProblem("after", "is not a place in the list")],
    )


class PagedOn(Paged, Protocol):
    """A page of a list read on from its last record."""

    @property
    def more(self) -> bool: ...


def place_after(found: PagedOn, last: int | str | None) -> dict[str, Any]:
    """A page's place in a list whose ``next`` continues after its last record (``last``),
    so that records that leave or join the list meanwhile skip or repeat none: null when
    none come after it."""
    return {
        "page": found.page,
        "pages": found.pages,
        "total": found.total,
        "next": url_for(request.endpoint or "", after=last) if found.more and last else None,
    }


def place(found: Paged) -> dict[str, Any]:
    """A page's place in its list: which page, how many, how many records in all, and
    the next page's address (null on the last)."""
    last = found.page >= found.pages
    return {
        "page": found.page,
        "pages": found.pages,
        "total": found.total,
        "next": None if last else url_for(request.endpoint or "", page=found.page + 1),
    }
