"""A letter offering the Community Trigger's appeal says how to reach the appeal body: the
procedure file's postal address, e-mail and phone for it (Northshire's Police and Crime
Commissioner's office) are printed under the offer, on the page, in the PDF and in the
e-mail's text, where the letter said "write to them" and gave no address."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.trigger import applications, input_checks, letters
from sharing.vocabulary import LetterKind, Role
from tests.fixtures.demo import demo_client, demo_copy, demo_user
from tests.sharing.trigger.test_complaints import PROCEDURE

#: How the demo's procedure file says to reach the appeal body.
APPEAL_BODY = (
    "The Office of the Northshire Police and Crime Commissioner",
    "Northshire Police Headquarters",
    "Moor Lane",
    "Northshire NX2 7PC",
    "E-mail: appeals@northshire-pcc.example",
    "Phone: 01632 960 700",
)


@pytest.fixture
def hub(demo_files: Path, tmp_path: Path) -> Iterator[Flask]:
    app = demo_copy(demo_files, tmp_path)
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(hub: Flask) -> Iterator[Session]:
    with hub.extensions["hub.sessions"]() as found:
        yield found


def test_a_not_met_letter_says_how_to_reach_the_appeal_body(hub, session) -> None:
    lead = Actor.of(demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    application = applications.record_application(
        session,
        lead,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=date(2026, 6, 29),
            channel="phone",
            victim_kind="person",
            victim_family_name="Nobody-Known",
            victim_address="Flat 2, 7 Test Row",
            problem="Music every night until three",
        ),
        now=clock.uk_moment(date(2026, 6, 29), 10, 0),
    )
    applications.decide(
        session,
        lead,
        PROCEDURE,
        application.id,
        "not_met",
        "One complaint only",
        now=clock.uk_moment(date(2026, 7, 3), 10, 0),
    )
    session.commit()
    client = demo_client(hub, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    path = f"/trigger/{application.id}/letters/threshold"
    page = client.get(path).get_data(as_text=True)
    assert "Write to them" not in page
    assert "Contact them (their details are below)" in page
    assert "<br>".join(APPEAL_BODY) in page
    pdf = client.get(f"{path}.pdf")
    text = re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    )
    for line in APPEAL_BODY:
        assert line in text
    wording = hub.extensions["hub.letters"].trigger
    with hub.app_context():
        letter = letters.compose(
            session, application, LetterKind.THRESHOLD, PROCEDURE, wording, actor=lead
        )
    assert letter is not None
    assert "\n".join(APPEAL_BODY) in letter.as_text()
