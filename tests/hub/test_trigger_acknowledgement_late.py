"""An application received weeks ago and recorded only today (a letter or a call typed in
late) is acknowledged honestly (a real SMTP server on localhost): the day its decision
was due has passed, so the acknowledgement says so, is sorry, and gives the day the
decision will now come (the procedure's `acknowledge` working days after the day it was
recorded: Northshire's 5), on the letter's page, in its PDF and in the e-mail alike.
Before, it promised "We will tell you by" a day before the letter's own date. One
recorded while its decision is still to come promises that day, as before."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.templating import uk_date
from sharing import clock
from sharing.models import PublicFormUse, TriggerApplication
from sharing.trigger.workdays import england_and_wales
from tests.fixtures.smtp import smtp_server  # noqa: F401 - a fixture
from tests.hub.test_trigger_applications import _form, _lead, _received
from tests.hub.test_trigger_letters import _mail_hub, _to
from tests.sharing.trigger.test_complaints import PROCEDURE

SORRY = "We are sorry that we are only now writing to you about it."


@pytest.fixture(scope="module")
def mail_hub(demo_files: Path, tmp_path_factory, smtp_server) -> Iterator[Flask]:  # noqa: F811
    app = _mail_hub(demo_files, tmp_path_factory.mktemp("acknowledged-late"), smtp_server[1])
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(mail_hub: Flask) -> Iterator[Session]:
    with mail_hub.extensions["hub.sessions"]() as found:
        found.execute(delete(PublicFormUse))
        found.commit()
        yield found


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text))


def _acknowledged(
    app: Flask, session: Session, inbox, received: date, email: str
) -> tuple[TriggerApplication, list[str]]:
    """Recorded by the lead today, received on ``received``: its acknowledgement as the
    e-mail, the letter's page and its PDF say it."""
    lead = _lead(app, session)
    sent = _form(lead, session, victim_email=email, **_received(received))
    response = lead.post("/trigger/new", data=sent)
    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()  # as a server does once the response has gone: the letter goes now
    session.expire_all()
    application = session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()
    (mail,) = _to(inbox, email)
    letter = f"/trigger/{application.id}/letters/acknowledgement"
    pdf = lead.get(f"{letter}.pdf")
    printed = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    said = [mail.get_content(), lead.get(letter).get_data(as_text=True), printed]
    return application, [_flat(s) for s in said]


def test_an_application_recorded_after_its_decision_was_due_says_it_is_late(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    calendar = england_and_wales()
    received = calendar.before(clock.today(), 20)  # four weeks ago, by post
    was_due = calendar.add(received, PROCEDURE.timescales.threshold_decision)
    assert was_due < clock.today()
    now_by = calendar.add(clock.today(), PROCEDURE.timescales.acknowledge)

    _, said = _acknowledged(mail_hub, session, inbox, received, "robin.late@example.org")

    for shown in said:
        assert f"which we received on {uk_date(received)}. {SORRY}" in shown
        assert (
            f"We should have told you by {uk_date(was_due)} whether it will be reviewed, "
            "and we are sorry that we have not." in shown
        )
        assert f"We will tell you by {uk_date(now_by)}, and why." in shown
        assert f"We will tell you by {uk_date(was_due)}" not in shown


def test_an_application_recorded_on_the_day_its_decision_is_due_promises_that_day(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    """Late to record but not yet late to decide: the day is still to be kept."""
    inbox, _ = smtp_server
    days = PROCEDURE.timescales.threshold_decision
    received = england_and_wales().before(clock.today(), days)
    if not england_and_wales().is_working_day(clock.today()):
        received = england_and_wales().before(clock.today(), days - 1)
    due = england_and_wales().add(received, days)
    assert due >= clock.today()

    _, said = _acknowledged(mail_hub, session, inbox, received, "robin.due@example.org")

    for shown in said:
        assert f"We will tell you by {uk_date(due)} whether it will be reviewed, and why." in shown
        assert "sorry" not in shown
