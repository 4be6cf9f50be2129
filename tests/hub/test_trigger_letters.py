"""Letters to a Community Trigger applicant by e-mail (a real SMTP server on localhost): an
application made online with an e-mail address is acknowledged at once with its
reference and the date of the decision; the threshold decision follows with its reasons;
someone applying for the victim gets the letters at their own address, the victim none;
an applicant with no address gets no e-mail (the lead prints the letter); a mail server
that is down keeps the letter waiting for `hub notices send`."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from pypdf import PdfReader
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.cli import main
from sharing import clock, mail_delivery
from sharing.models import PublicFormUse, TriggerApplication, TriggerLetter
from sharing.trigger import letters
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import LetterKind, Role
from tests.fixtures.app import csrf_token, make_app
from tests.fixtures.demo import demo_client, demo_copy, demo_user
from tests.fixtures.smtp import (  # noqa: F401 - a fixture
    Refusing,
    free_port,
    mail_server,
    smtp_server,
)
from tests.hub.test_public_application import _send, _walk

SENDER = "asb-hub@northshire.example"
#: How applicants reach the lead, the council's community safety team (the letters file's
#: [contact] line for it).
LEADS_CONTACT = (
    "Community Safety Team, Northshire Council, Civic Centre, Northshire NX1 2CC. "
    "Phone 01632 960 250"
)


MAIL = {
    "mail_transport": "smtp",
    "smtp_host": "127.0.0.1",
    "base_url": "https://asb-hub.northshire.example",
    "mail_from": SENDER,
}


def _mail_hub(demo_files: Path, folder: Path, port: int) -> Flask:
    return demo_copy(demo_files, folder, smtp_port=port, **MAIL)


def _to(inbox, address: str, count: int = 1) -> list:
    """The messages to ``address``, once ``count`` have come (or ten seconds passed)."""
    deadline = time.monotonic() + 10
    while len(inbox.to(address)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return inbox.to(address)


@pytest.fixture(scope="module")
def mail_hub(demo_files: Path, tmp_path_factory, smtp_server) -> Iterator[Flask]:  # noqa: F811
    app = _mail_hub(demo_files, tmp_path_factory.mktemp("letters"), smtp_server[1])
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(mail_hub: Flask) -> Iterator[Session]:
    with mail_hub.extensions["hub.sessions"]() as found:
        found.execute(delete(PublicFormUse))
        found.commit()
        yield found


def _apply(app: Flask, session: Session, **answers: str) -> TriggerApplication:
    client = app.test_client()
    _, check = _walk(client, **answers)
    sent = _send(client, check)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    sent.close()  # as a server does once the response has gone: the letters go now
    session.expire_all()
    return session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()


def test_an_online_application_is_acknowledged_and_told_the_decision(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    application = _apply(mail_hub, session, victim_email="robin.acks@example.org")
    (acknowledgement,) = _to(inbox, "robin.acks@example.org")
    assert acknowledgement["To"] == "robin.acks@example.org"
    assert acknowledgement["From"] == SENDER
    assert acknowledgement["Subject"] == (
        f"We have received your application (reference {application.reference})"
    )
    text = acknowledgement.get_content()
    assert application.reference in text
    due = england_and_wales().add(clock.today(), 10)
    assert f"We will tell you by {due.day} {due:%B %Y}" in text
    assert "Dear Robin Applicant-Test" in text

    lead = demo_client(mail_hub, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    page = f"/trigger/{application.id}"
    decided = lead.post(
        page,
        data={
            "csrf_token": csrf_token(lead, page),
            "decision": "not_met",
            "reasons": "One complaint in six months; advice given on reporting.",
        },
    )
    assert decided.status_code == 302
    decided.close()
    decision = _to(inbox, "robin.acks@example.org", 2)[1]
    assert decision["To"] == "robin.acks@example.org"
    assert "One complaint in six months; advice given on reporting." in decision.get_content()
    # In words the applicant knows: no "threshold" unexplained, no "agencies".
    assert (
        "Your case will not be reviewed: it does not meet the rules for a review (the threshold)"
        in (decision.get_content().replace("\r\n", " ").replace("\n", " "))
    )
    assert (
        decision["Subject"]
        == f"Whether your case will be reviewed (reference {application.reference})"
    )
    assert "agenc" not in decision.get_content()
    assert "keep reporting every incident to your landlord, the police or the council" in (
        decision.get_content().replace("\r\n", " ").replace("\n", " ")
    )
    assert "Office of the Northshire Police and Crime Commissioner" in decision.get_content()
    session.expire_all()
    assert all(
        letter.sent_at
        for letter in session.scalars(
            select(TriggerLetter).where(TriggerLetter.application_id == application.id)
        )
    )
    page = lead.get(page).get_data(as_text=True)
    assert "e-mailed" in page


def test_a_letter_goes_to_the_one_address_given_and_no_other(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    """The mail server is told the address stored, whole, as the only recipient (never
    recipients read back from the letter's headers)."""
    inbox, _ = smtp_server
    _apply(mail_hub, session, victim_email="robin+asb@mail.northshire.example")
    (letter,) = _to(inbox, "robin+asb@mail.northshire.example")
    assert inbox.recipients_of(letter) == ["robin+asb@mail.northshire.example"]


def test_letters_go_to_whoever_applied_and_none_without_an_address(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    application = _apply(
        mail_hub,
        session,
        on_behalf="councillor",
        applicant_name="Cllr Ada Byron",
        applicant_contact="ada.byron@example.org",
        consent_recorded="y",
        victim_email="the.victim@example.org",
    )
    (letter,) = _to(inbox, "ada.byron@example.org")
    assert letter["To"] == "ada.byron@example.org"
    assert "Dear Cllr Ada Byron" in letter.get_content()
    assert not inbox.to("the.victim@example.org")

    silent = _apply(mail_hub, session, victim_email="")
    session.expire_all()
    kept = session.scalars(select(TriggerLetter).where(TriggerLetter.application_id == silent.id))
    assert [(x.by_post, x.sent_at) for x in kept] == [(True, None)]  # to post, not e-mailed
    lead = demo_client(mail_hub, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    page = lead.get(f"/trigger/{silent.id}").get_data(as_text=True)
    assert "not e-mailed: print it and post it" in page
    assert application.reference != silent.reference


@pytest.mark.parametrize(
    ("stored", "on_behalf", "sent_to"),
    [
        ({"victim_email": "jane@example.org"}, False, "jane@example.org"),
        # Stored before the forms checked addresses: no part of it is taken for one.
        ({"victim_email": "jane doe@gmail.example"}, False, None),
        ({"victim_email": "not an address"}, False, None),
        ({"applicant_contact": "ada.byron@example.org"}, True, "ada.byron@example.org"),
        ({"applicant_contact": "Ward office, ada.byron@example.org"}, True, None),
        ({"applicant_contact": "01234 567890", "victim_email": "v@example.org"}, True, None),
        # Lists and display names, stored before the check refused them: the letters
        # would have gone to "jane" and "doe@example.org", or to "x".
        ({"victim_email": "jane,doe@example.org"}, False, None),
        ({"victim_email": '"Hub"<x>evil@evil.example'}, False, None),
        ({"applicant_contact": "postmaster,robin@example.org"}, True, None),
    ],
)
def test_letters_go_only_to_an_address_stored_whole(
    stored: dict[str, str], on_behalf: bool, sent_to: str | None
) -> None:
    assert letters.email_of(dict(stored), on_behalf) == sent_to


def test_a_letter_waits_while_the_mail_server_is_down(demo_files, tmp_path, smtp_server) -> None:  # noqa: F811
    (tmp_path / "down").mkdir()
    down = _mail_hub(demo_files, tmp_path / "down", free_port())
    with down.extensions["hub.sessions"]() as session:
        application = _apply(down, session, victim_email="patient@example.org")
        letter = session.scalar(
            select(TriggerLetter).where(TriggerLetter.application_id == application.id)
        )
        assert letter.kind is LetterKind.ACKNOWLEDGEMENT
        assert letter.sent_at is None
        assert letter.failed_why == "ConnectionRefusedError"
    down.extensions["hub.engine"].dispose()
    # The mail server is back: `hub notices send` sends what waited.
    inbox, port = smtp_server
    back = make_app(tmp_path / "down", smtp_port=port, **MAIL)
    result = CliRunner().invoke(main, ["notices", "send"], obj=ScriptInfo(create_app=lambda: back))
    assert result.exit_code == 0, result.output
    (sent,) = _to(inbox, "patient@example.org")
    assert sent["Subject"].startswith("We have received your application")
    back.extensions["hub.engine"].dispose()


def test_a_letter_the_mail_server_refuses_for_good_is_shown_to_the_lead_to_post(
    demo_files,
    tmp_path,
) -> None:
    port = free_port()
    refused = _mail_hub(demo_files, tmp_path, port)
    with (
        mail_server(Refusing("no.such.box@example.org"), port),
        refused.extensions["hub.sessions"]() as session,
    ):
        application = _apply(refused, session, victim_email="no.such.box@example.org")
        for _ in range(mail_delivery.MAX_ATTEMPTS - 1):  # the timer tries again, each refused
            result = CliRunner().invoke(
                main, ["notices", "send"], obj=ScriptInfo(create_app=lambda: refused)
            )
            assert result.exit_code == 1
        assert "Given up on letter-" in result.output
        assert f"application {application.reference}, acknowledgement letter" in result.output
        assert "no.such.box" not in result.output
        lead = demo_client(refused, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
        page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
        assert "not e-mailed: the mail server refused it; print it and post it" in page
    refused.extensions["hub.engine"].dispose()


def test_each_letter_says_how_to_reach_the_council_by_email_page_and_pdf(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    """The letters say "quote your reference if you contact us" and "tell us anything you
    would like the panel to know": the e-mail, the page and the PDF say how, with the
    lead's contact line under its name, as the case letters do."""
    inbox, _ = smtp_server
    application = _apply(mail_hub, session, victim_email="robin.reach@example.org")
    (acknowledgement,) = _to(inbox, "robin.reach@example.org")
    emailed = acknowledgement.get_content().replace("\r\n", "\n")
    assert f"Northshire Council Community Safety\n{LEADS_CONTACT}" in emailed
    lead = demo_client(mail_hub, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    letter = f"/trigger/{application.id}/letters/acknowledgement"
    page = lead.get(letter).get_data(as_text=True)
    assert LEADS_CONTACT in page
    pdf = lead.get(f"{letter}.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    assert "Phone 01632 960 250" in re.sub(r"\s+", " ", text)
