"""An acknowledgement still to post says by when it should go: the procedure's
`acknowledge` working days after the application was received (Northshire: 5), on the
application's page and on the letter's own, and says when that day has passed. Before,
the lead was told to print and post it, and never by when: the acknowledgement was the
one timescale of the procedure the hub did not count for them."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from hub.templating import uk_date
from sharing import clock
from sharing.trigger.workdays import england_and_wales
from tests.hub.test_trigger_letters_posted import _by_phone, _lead, _letter_path, _mark
from tests.sharing.trigger.test_complaints import PROCEDURE


def _said(app: Flask, session: Session, application) -> tuple[str, str]:
    client = _lead(app, session)
    page = client.get(f"/trigger/{application.id}").get_data(as_text=True)
    letter = client.get(_letter_path(application)).get_data(as_text=True)
    return page, letter


def test_an_acknowledgement_to_post_says_the_day_it_should_be_posted_by(
    demo_hub: Flask, demo_session: Session
) -> None:
    assert PROCEDURE.timescales.acknowledge == 5
    application = _by_phone(demo_session)
    due = england_and_wales().add(application.received_on, 5)
    page, letter = _said(demo_hub, demo_session, application)
    for shown in (page, letter):
        assert f"Post it by {uk_date(due)}" in shown
        assert "5 working days after it was received" in shown
        assert "Overdue" not in shown


def test_an_acknowledgement_to_post_past_its_day_says_it_is_overdue(
    demo_hub: Flask, demo_session: Session
) -> None:
    received = england_and_wales().before(clock.today(), 7)
    application = _by_phone(demo_session, received_on=received)  # type: ignore[arg-type]
    due = england_and_wales().add(received, 5)
    page, letter = _said(demo_hub, demo_session, application)
    for shown in (page, letter):
        assert f"Overdue: it should have been posted by {uk_date(due)}" in shown


def test_a_posted_acknowledgement_gives_no_day_to_post_it_by(
    demo_hub: Flask, demo_session: Session
) -> None:
    application = _by_phone(demo_session)
    assert _mark(_lead(demo_hub, demo_session), application).status_code == 302
    page, letter = _said(demo_hub, demo_session, application)
    for shown in (page, letter):
        assert "Post it by" not in shown
        assert "should have been posted by" not in shown
