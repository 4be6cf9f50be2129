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
