"""A file of cases sent to the partner API's import: a row the casework refuses (after the
file's own checks passed it) leaves nothing behind, its reference included, so that a
later row of the file with that reference is opened, not refused as repeating it."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import api_clients
from sharing.models import Case
from tests.hub.test_api_calls import call, housing

__all__ = ["housing"]  # Northshire Homes' manager's system, a fixture

HEADING = (
    "reference,opened_on,category,priority,triage,summary,officer_email,hate_motivated,"
    "protected_characteristic,incident_at,incident_description"
)
PATH = "/api/v1/cases/import"


def _row(reference: str, *, officer: str = "", hate: bool = False) -> str:
    hate_cells = "yes,race" if hate else "no,"
    return (
        f"{reference},2026-01-05,noise,amber,low_level,Music at night,{officer},{hate_cells},"
        "2026-01-04 23:00,Music until 3am"
    )


def _opened_with(session: Session, reference: str) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count()).select_from(Case).where(Case.external_reference == reference)
    )


@pytest.mark.parametrize("hate", [False, True], ids=["in a batch", "through the casework"])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "import"])
def test_a_row_the_casework_refuses_leaves_its_reference_for_a_later_row(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    hate: bool,
    dry_run: bool,
) -> None:
    """A row naming no officer of the agency passes the file's checks but is refused by
    the casework; the row after it, with the same reference mended, is opened."""
    reference = f"FILE-{uuid.uuid4().hex[:8]}"
    csv = "\n".join(
        [
            HEADING,
            _row(reference, officer="nobody@example.org", hate=hate),
            _row(reference, hate=hate),
            _row(reference, hate=hate),  # the file repeating an accepted row's reference
        ]
    )
    path = PATH + ("?dry_run=true" if dry_run else "")

    answer = call(demo_hub, housing, "POST", path, data=csv.encode(), content_type="text/csv")

    assert answer.status_code == 200, answer.get_data(as_text=True)
    report = answer.get_json()
    assert (report["rows"], report["opened"], report["rejected"]) == (3, 1, 2)
    assert [(p["line"], p["column"]) for p in report["problems"]] == [
        (2, "officer_email"),
        (4, "reference"),
    ]
    assert report["problems"][1]["reason"] == "the same reference is on line 3"
    assert _opened_with(demo_session, reference) == (0 if dry_run else 1)


def test_the_file_imported_again_after_its_refused_row_is_mended_opens_nothing_twice(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    first, second = (f"FILE-{uuid.uuid4().hex[:8]}" for _ in range(2))
    refused = "\n".join([HEADING, _row(first), _row(second, officer="nobody@example.org")])
    mended = "\n".join([HEADING, _row(first), _row(second)])

    once = call(demo_hub, housing, "POST", PATH, data=refused.encode(), content_type="text/csv")
    again = call(demo_hub, housing, "POST", PATH, data=mended.encode(), content_type="text/csv")

    assert (once.get_json()["opened"], once.get_json()["rejected"]) == (1, 1)
    assert (again.get_json()["opened"], again.get_json()["already_imported"]) == (1, 1)
    assert again.get_json()["rejected"] == 0
    assert _opened_with(demo_session, first) == 1
    assert _opened_with(demo_session, second) == 1
