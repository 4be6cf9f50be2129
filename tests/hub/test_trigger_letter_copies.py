"""A letter e-mailed to a Community Trigger applicant before the lead corrected who applied
or how to reach them (a real SMTP server on localhost): it is not sent again by itself;
the application's page says which letters went to the earlier details, and the lead may
send a corrected copy of each, made from the details as they stand and recorded as a
letter is; the copy goes to the new address, the earlier one gets nothing more, and a
second copy of the same letter is refused. Before, the page said nothing and a letter sent
to a mistyped address was lost unless the lead noticed and sent it by hand."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sharing.audit import subject_access_application_report as sar_report
from sharing.audit.log import integrate
from sharing.models import AuditEntry, PublicFormUse, TriggerApplication, TriggerLetter
from sharing.vocabulary import LetterKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_actor, demo_client, demo_user
from tests.fixtures.forms import form_on
from tests.fixtures.smtp import smtp_server  # noqa: F401 - a fixture
from tests.hub.test_trigger_letters import _apply, _mail_hub, _to

EARLIER = "robin.earlier@exmaple.org"
NOW = "robin.now@example.org"
ACKNOWLEDGEMENT = LetterKind.ACKNOWLEDGEMENT.label


@pytest.fixture(scope="module")
def mail_hub(demo_files: Path, tmp_path_factory, smtp_server) -> Iterator[Flask]:  # noqa: F811
    app = _mail_hub(demo_files, tmp_path_factory.mktemp("letter-copies"), smtp_server[1])
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(mail_hub: Flask) -> Iterator[Session]:
    with mail_hub.extensions["hub.sessions"]() as found:
        found.execute(delete(PublicFormUse))
        found.commit()
        yield found


def _lead(app: Flask, session: Session) -> FlaskClient:
    return demo_client(app, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))


def _correct(client: FlaskClient, application: TriggerApplication, **changes: str) -> None:
    path = f"/trigger/{application.id}/correct"
    sent = {**form_on(client.get(path).get_data(as_text=True), path), **changes}
    response = client.post(path, data=sent)
    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()


def _copy(client: FlaskClient, application: TriggerApplication, kind: str = "acknowledgement"):
    page = f"/trigger/{application.id}"
    response = client.post(
        f"{page}/letters/{kind}/copy", data={"csrf_token": csrf_token(client, page)}
    )
    response.close()  # as a server does once the response has gone: the letters go now
    return response


def _letters(session: Session, application: TriggerApplication) -> list[TriggerLetter]:
    session.expire_all()
    return list(
        session.scalars(
            select(TriggerLetter)
            .where(TriggerLetter.application_id == application.id)
            .order_by(TriggerLetter.id)
        )
    )


def _entries(session: Session, action: str, application: TriggerApplication) -> list[AuditEntry]:
    session.expire_all()
    integrate(session)
    session.commit()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.action == action,
                AuditEntry.object_type == "trigger_application",
                AuditEntry.object_id == str(application.id),
            )
            .order_by(AuditEntry.seq)
        )
    )


def _acknowledged_at_a_mistyped_address(
    app: Flask, session: Session, inbox, test: str = ""
) -> tuple[TriggerApplication, FlaskClient]:
    """An application sent online and acknowledged at a mistyped address, which the lead
    then corrects (``test`` makes the addresses its own)."""
    earlier, now = (a.replace("@", f".{test}@") if test else a for a in (EARLIER, NOW))
    application = _apply(app, session, victim_email=earlier)
    assert len(_to(inbox, earlier)) == 1
    lead = _lead(app, session)
    _correct(lead, application, victim_email=now)
    return application, lead


def test_a_letter_sent_before_the_address_was_corrected_is_copied_to_the_new_one_on_request(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    application, lead = _acknowledged_at_a_mistyped_address(mail_hub, session, inbox)

    # Not sent again by itself: marked as gone to the earlier details.
    (sent,) = _letters(session, application)
    assert (sent.kind, sent.copy) == (LetterKind.ACKNOWLEDGEMENT, 0)
    assert sent.sent_at is not None
    assert sent.superseded_at is not None
    (corrected,) = _entries(session, "trigger.correct", application)
    assert corrected.basis == "fields victim_email; letters sent to the earlier details 1"
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "they went to the earlier details, and are not sent again by themselves" in page
    assert f"{ACKNOWLEDGEMENT}, e-mailed on" in page
    assert (
        f'Send a corrected copy<span class="govuk-visually-hidden"> of the letter {ACKNOWLEDGEMENT}'
        in page
    )
    assert EARLIER not in page.split('id="letters"', 1)[1]  # it names letters, not addresses

    done = _copy(lead, application)

    assert done.status_code == 302
    (copy,) = _to(inbox, NOW)
    assert (
        copy["Subject"] == f"Corrected copy: {ACKNOWLEDGEMENT} (reference {application.reference})"
    )
    assert application.reference in copy.get_content()
    assert len(inbox.to(EARLIER)) == 1  # the earlier one is not sent anything again
    letters_now = _letters(session, application)
    assert [(x.copy, x.sent_at is not None) for x in letters_now] == [(0, True), (1, True)]
    recorded = [e.basis for e in _entries(session, "trigger.letter", application)]
    assert recorded.count("acknowledgement letter, corrected copy") == 2  # asked, then made
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert 'A corrected copy of the letter "We have received your application" will be' in page
    assert "corrected copy e-mailed" in page
    assert "went to the earlier details" not in page

    again = _copy(lead, application)  # the button pressed twice, or a second lead

    assert again.status_code == 400
    assert (
        f'The letter "{ACKNOWLEDGEMENT}" did not go to earlier details: nothing was sent again'
        in html.unescape(again.get_data(as_text=True))
    )
    assert len(_letters(session, application)) == 2
    assert len(inbox.to(NOW)) == 1
    refused = _entries(session, "trigger.letter", application)[-1]
    assert (refused.outcome, refused.actor_user_id) == ("refused", lead_id(session))
    # The victim's subject access report lists the letter and its corrected copy.
    dpo = demo_actor(session, "northshire-csp", Role.DPO)
    report = sar_report.compile_application_report(session, dpo, application.id)
    session.rollback()
    assert [(x.kind, x.emailed_at is not None) for x in report.letters] == [
        (ACKNOWLEDGEMENT, True),
        (f"{ACKNOWLEDGEMENT} (corrected copy)", True),
    ]


def lead_id(session: Session) -> int:
    return demo_user(session, "northshire-csp", Role.TRIGGER_LEAD).id


def test_a_correction_after_the_copy_went_offers_a_copy_again(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    """The copy itself went to details corrected again since: one more copy may go."""
    inbox, _ = smtp_server
    application, lead = _acknowledged_at_a_mistyped_address(mail_hub, session, inbox, "again")
    assert _copy(lead, application).status_code == 302
    assert len(_to(inbox, NOW.replace("@", ".again@"))) == 1
    latest = "robin.latest@example.org"

    _correct(lead, application, victim_email=latest)
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert f"{ACKNOWLEDGEMENT}, e-mailed on" in page
    assert _copy(lead, application).status_code == 302

    (copy,) = _to(inbox, latest)
    assert copy["Subject"].startswith("Corrected copy: ")
    assert [x.copy for x in _letters(session, application)] == [0, 1, 2]


def test_corrected_details_without_an_e_mail_address_are_told_to_print_it(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    application = _apply(mail_hub, session, victim_email="robin.posted@example.org")
    assert len(_to(inbox, "robin.posted@example.org")) == 1
    lead = _lead(mail_hub, session)
    _correct(lead, application, victim_email="", victim_address="4 Elm Row, Northtown")

    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    # A corrected copy is kept to post, made from the details as they stand.
    assert re.search(r"corrected copy\s*<strong[^>]*>Still to post", page)
    assert "Send a corrected copy" not in page
    refused = _copy(lead, application)
    assert refused.status_code == 400
    assert "have no e-mail address: print the letter" in html.unescape(
        refused.get_data(as_text=True)
    )
    assert [(x.copy, x.by_post) for x in _letters(session, application)] == [(0, False), (1, True)]


def test_no_copy_of_a_letter_that_went_to_the_details_as_they_stand(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    application = _apply(mail_hub, session, victim_email="robin.right@example.org")
    assert len(_to(inbox, "robin.right@example.org")) == 1
    lead = _lead(mail_hub, session)
    _correct(lead, application, problem="Shouting and threats on the stairs at night")
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "went to the earlier details" not in page  # the letters go where they went

    assert _copy(lead, application).status_code == 400
    assert _copy(lead, application, "threshold").status_code == 400  # none sent yet
    assert _copy(lead, application, "reminder").status_code == 404
    assert len(_letters(session, application)) == 1


@pytest.mark.parametrize(
    ("agency", "role"),
    [("northshire-police", Role.MANAGER), ("northshire-csp", Role.CASE_OFFICER)],
)
def test_only_the_lead_may_send_a_corrected_copy(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
    agency,
    role,
) -> None:
    inbox, _ = smtp_server
    application, _ = _acknowledged_at_a_mistyped_address(mail_hub, session, inbox, role.value)
    other = demo_client(mail_hub, demo_user(session, agency, role))

    refused = other.post(
        f"/trigger/{application.id}/letters/acknowledgement/copy",
        data={"csrf_token": csrf_token(other, "/")},
    )

    assert refused.status_code == 403
    assert len(_letters(session, application)) == 1
    if role is Role.MANAGER:  # another agency's: recorded for the lead's DPO to see
        assert _entries(session, "trigger.letter", application)[-1].outcome == "refused"


def test_a_letter_sent_to_the_victim_is_copied_to_whoever_is_corrected_as_applying(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    """The victim's aunt applied for them, recorded as the victim applying: the
    acknowledgement went to the victim; once the lead corrects who applied, its copy goes
    to the aunt, addressed to her."""
    inbox, _ = smtp_server
    victim, aunt = "robin.self@example.org", "aunt.of.robin@example.org"
    application = _apply(mail_hub, session, victim_email=victim)
    assert len(_to(inbox, victim)) == 1
    lead = _lead(mail_hub, session)
    _correct(
        lead,
        application,
        on_behalf="family",
        applicant_name="Jo Aunt",
        applicant_contact=aunt,
        consent_recorded="y",
    )
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert f"{ACKNOWLEDGEMENT}, e-mailed on" in page

    assert _copy(lead, application).status_code == 302

    (copy,) = _to(inbox, aunt)
    assert "Dear Jo Aunt" in copy.get_content()
    assert len(inbox.to(victim)) == 1
