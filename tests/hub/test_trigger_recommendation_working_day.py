"""A Community Trigger recommendation is due on a working day (demo partnership): its
letter tells the applicant the body named will act "by" that day, so a Saturday, a Sunday
or a bank holiday is refused at the due date's field, saying which ("The due date is a
bank holiday (Christmas Day): enter a working day"), the form keeping what was typed,
nothing written and the refusal recorded; the panel's recommendations and those made on
appeal alike. Before, either was taken and the letter named a day nobody works."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.errors import InputError
from sharing.trigger import review_outcome, review_recommendations
from sharing.trigger.workdays import england_and_wales, not_a_working_day, working_day_from
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_copy, demo_user
from tests.hub.test_trigger_review import (
    FINDINGS,
    NEXT,
    PROCEDURE,
    _convene,
    _day,
    _entries,
    _lead,
    _met,
    _panel,
    _post,
)

TEXT = "Police to patrol the block on Friday and Saturday evenings for two months"


@pytest.fixture
def hub(demo_files: Path, tmp_path: Path) -> Iterator[Flask]:
    app = demo_copy(demo_files, tmp_path)
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(hub: Flask) -> Iterator[Session]:
    with hub.extensions["hub.sessions"]() as found:
        yield found


def _bank_holiday(today: date) -> tuple[date, str]:
    """The next bank holiday on a weekday after today, and its name (one comes every few
    months, within the year a due date may be; Christmas Day on a Saturday would be
    refused as a Saturday)."""
    holidays = england_and_wales().holidays
    return min((d, name) for d, name in holidays.items() if d > today and d.weekday() < 5)


def _saturday(today: date) -> date:
    """The next Saturday, today's included."""
    return today + timedelta(days=(5 - today.weekday()) % 7)


def test_the_days_nobody_works_are_named() -> None:
    calendar = england_and_wales()
    assert not_a_working_day(date(2026, 12, 25), calendar) == "a bank holiday (Christmas Day)"
    assert not_a_working_day(date(2026, 12, 12), calendar) == "a Saturday"
    assert not_a_working_day(date(2026, 12, 13), calendar) == "a Sunday"
    assert not_a_working_day(date(2026, 12, 11), calendar) == ""
    # Past the bank holiday list a weekday is not refused on a guess; a weekend still is.
    beyond = calendar.known_until + timedelta(days=7)
    assert not_a_working_day(beyond - timedelta(days=beyond.weekday()), calendar) == ""
    assert not_a_working_day(beyond + timedelta(days=5 - beyond.weekday()), calendar)


def test_a_panels_recommendation_due_on_a_day_nobody_works_is_refused(hub, session) -> None:
    application = _met(session)
    lead = _lead(hub, session)
    assert _convene(lead, application, _panel(session, days=2)).status_code == 302
    page = f"/trigger/{application.id}"
    police = demo_user(session, "northshire-police", Role.MANAGER).agency
    today = clock.today()

    holiday, name = _bank_holiday(today)
    for due, message in (
        (holiday, f"The due date is a bank holiday ({name}): enter a working day"),
        (_saturday(today), "The due date is a Saturday: enter a working day"),
        (_saturday(today) + timedelta(days=1), "The due date is a Sunday: enter a working day"),
    ):
        response = _post(
            lead,
            f"{page}/recommendations",
            page,
            owner_agency_id=str(police.id),
            text=TEXT,
            **_day("due_on", due),
        )
        assert response.status_code == 400
        shown = html.unescape(response.get_data(as_text=True))
        assert message in shown
        assert 'href="#due_on' in shown  # the error summary names the field
        assert TEXT in shown  # what was typed is kept
        session.expire_all()
        assert not application.recommendations
        refused = _entries(session, "trigger.recommend")[-1]
        assert (refused.outcome, refused.basis) == ("refused", "refused input: due_on")

    # The working day after is taken.
    response = _post(
        lead,
        f"{page}/recommendations",
        page,
        owner_agency_id=str(police.id),
        text=TEXT,
        **_day("due_on", working_day_from(holiday)),
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_recommendation_on_appeal_due_on_a_bank_holiday_is_refused(hub, session) -> None:
    application = _met(session)
    lead = Actor.of(demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    sitting = _panel(session, days=2)
    assert _convene(_lead(hub, session), application, sitting).status_code == 302
    police = demo_user(session, "northshire-police", Role.MANAGER).agency
    with clock.pinned(sitting.starts_at + timedelta(hours=2)):
        today = clock.today()
        review_outcome.record_outcome(session, lead, PROCEDURE, application.id, FINDINGS, NEXT)
        review_outcome.record_appeal(
            session, lead, PROCEDURE, application.id, today, "Nothing changed"
        )
        session.commit()
        holiday, name = _bank_holiday(today)
        with pytest.raises(InputError) as refused:
            review_recommendations.recommend(
                session,
                lead,
                PROCEDURE,
                application.id,
                review_recommendations.RecommendationInput(police.id, holiday, TEXT),
                on_appeal=True,
            )
    assert (refused.value.field, refused.value.message) == (
        "due_on",
        f"The due date is a bank holiday ({name}): enter a working day",
    )
