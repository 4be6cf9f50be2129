"""A bad query parameter is a 400 problem that names it, on every call that takes one, so
that a partner's developer sees which part of the address to mend."""

from __future__ import annotations

import pytest
from flask import Flask

from sharing import api_clients
from tests.hub.test_api_calls import call, fields_named, housing

__all__ = ["housing"]  # Northshire Homes' manager's system, a fixture


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("POST", "/api/v1/cases/import?dry_run=maybe", "dry_run"),
        ("GET", "/api/v1/cases/1?purpose=" + "p" * 201, "purpose"),
        ("GET", "/api/v1/cases/shared?page=0", "page"),
        ("GET", "/api/v1/cases/shared?after=x", "after"),
        ("GET", "/api/v1/actions?after=tomorrow", "after"),
        ("GET", "/api/v1/risk/shared?after=x", "after"),
        ("GET", "/api/v1/cases/shared?colour=red", "colour"),
    ],
)
def test_a_bad_query_parameter_is_a_problem_naming_it(
    demo_hub: Flask, housing: api_clients.Registered, method: str, path: str, field: str
) -> None:
    body = {"data": b"reference\n", "content_type": "text/csv"} if method == "POST" else {}

    answer = call(demo_hub, housing, method, path, **body)

    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert fields_named(answer) == [field]


@pytest.mark.parametrize("path", ["/api/v1/cases/shared", "/api/v1/actions", "/api/v1/risk/shared"])
def test_page_and_after_together_are_a_problem_naming_both(
    demo_hub: Flask, housing: api_clients.Registered, path: str
) -> None:
    """A list reads on from a place (``after``, as ``next`` gives it) or gives a page, not
    both: ``page`` was silently ignored, so a system asking for page 3 of a place got the
    page after the place."""
    first = call(demo_hub, housing, "GET", path).get_json()
    following = first["next"] or f"{path}?after=1"  # a list of one page: any place will do

    answer = call(demo_hub, housing, "GET", f"{following}&page=2")

    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.mimetype == "application/problem+json"
    assert fields_named(answer) == ["page", "after"]
    assert "not both" in answer.get_json()["detail"]
    if first["next"]:  # the place alone still reads on
        assert call(demo_hub, housing, "GET", following).status_code == 200
