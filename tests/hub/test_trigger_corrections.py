"""Correcting a Community Trigger application's details from its page (demo partnership,
one copy for the module): the lead corrects a mistyped e-mail or address while the
application is live; the details stay sealed, the audit entry names the fields changed
and never their values, and the letters not yet sent go to the corrected address. Bad
input is refused at its field, a form opened before the application changed is refused
saying so, and nobody but the lead agency's Trigger leads and managers may correct it,
nor anyone once the applicant has their answer."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit.log import integrate
from sharing.models import AuditEntry, TriggerApplication, TriggerLetter
from sharing.trigger import applications, closing, input_checks, letters
from sharing.vocabulary import LetterKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_actor, demo_client, demo_user
from tests.sharing.trigger.test_complaints import PROCEDURE, _repeat_victim

LEAD = "northshire-csp"
WRONG = "robin.victim@exmaple.org"
RIGHT = "robin.victim@example.org"
_OPENED = re.compile(r'name="opened" value="([0-9a-f]{32})"')


def _applied(session: Session, **given: str) -> TriggerApplication:
    victim, _ = _repeat_victim(session)
    details = {"victim_email": WRONG, **given}
    application = applications.record_application(
        session,
        demo_actor(session, LEAD, Role.TRIGGER_LEAD),
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="phone",
            victim_kind="person",
            victim_given_names="Robin",
            victim_family_name=victim.family_name,
            victim_date_of_birth=victim.date_of_birth,
            problem="Shouting and threats on the stairs",
            **details,  # type: ignore[arg-type]
        ),
    )
    session.commit()
    return application


def _lead(demo: Flask, session: Session, role: Role = Role.TRIGGER_LEAD) -> FlaskClient:
    return demo_client(demo, demo_user(session, LEAD, role))


def _form(client: FlaskClient, application: TriggerApplication) -> dict[str, str]:
    """The correction form as it comes, pre-filled, with its token and stamp."""
    path = f"/trigger/{application.id}/correct"
    page = client.get(path).get_data(as_text=True)
    stamp = _OPENED.search(page)
    assert stamp, page
    sent = {"csrf_token": csrf_token(client, path), "opened": stamp.group(1)}
    for name, value in re.findall(r'<input[^>]*name="([a-z_-]+)"[^>]*value="([^"]*)"', page):
        if name not in sent:
            sent[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>([^<]*)</textarea>', page):
        sent[name] = value.strip()
    return sent


def _last(session: Session, action: str) -> AuditEntry:
    session.expire_all()
    integrate(session)
    session.commit()
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    ).first()


def _letter(session: Session, application: TriggerApplication) -> TriggerLetter:
    session.expire_all()
    return session.scalar(
        select(TriggerLetter).where(
            TriggerLetter.application_id == application.id,
            TriggerLetter.kind == LetterKind.ACKNOWLEDGEMENT,
        )
    )


def test_the_lead_corrects_a_mistyped_e_mail_and_the_letters_go_to_the_right_one(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    refused = _letter(demo_session, application)
    refused.attempts, refused.failed_why = 5, "refused by the mail server"  # bounced for good
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Correct the application&#39;s details" in page or "Correct the application's" in page
    sent = _form(lead, application)
    assert sent["victim_email"] == WRONG  # pre-filled as it stands

    response = lead.post(f"/trigger/{application.id}/correct", data={**sent, "victim_email": RIGHT})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert RIGHT in page
    assert WRONG not in page
    demo_session.expire_all()
    assert RIGHT.encode() not in application.victim_email  # sealed
    entry = _last(demo_session, "trigger.correct")
    assert entry.outcome == "allowed"
    assert entry.basis == "fields victim_email; letters to go again 1"
    assert "example" not in entry.basis
    # The letter refused at the wrong address goes again, to the corrected one.
    letter = _letter(demo_session, application)
    assert letter.sent_at is None
    assert letter.attempts == 0
    assert letter in letters.pending(demo_session)
    wording = demo_hub.extensions["hub.letters"].trigger
    composed = letters.compose(
        demo_session, application, LetterKind.ACKNOWLEDGEMENT, PROCEDURE, wording, actor=None
    )
    assert composed.email == RIGHT
    demo_session.rollback()


def test_an_address_given_later_gets_the_letters_an_applicant_had_none_of(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session, victim_email="", victim_address="Flat 2, 7 Test Row")
    assert _letter(demo_session, application).by_post  # kept to post: no e-mail address
    lead = _lead(demo_hub, demo_session)
    sent = _form(lead, application)
    response = lead.post(
        f"/trigger/{application.id}/correct",
        data={**sent, "victim_email": RIGHT, "victim_address": "Flat 3, 7 Test Row"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert not _letter(demo_session, application).by_post  # the acknowledgement goes now
    assert _last(demo_session, "trigger.correct").basis == (
        "fields victim_address, victim_email; letters to go again 1"
    )


def test_saving_the_form_unchanged_records_nothing(demo_hub, demo_session) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    before = _last(demo_session, "trigger.correct")
    response = lead.post(f"/trigger/{application.id}/correct", data=_form(lead, application))
    assert response.status_code == 302
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Nothing was changed" in page
    after = _last(demo_session, "trigger.correct")
    assert (after.seq if after else None) == (before.seq if before else None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"victim_email": "robin victim@example.org"}, "victim_email", "correct format"),
        (
            {"victim_email": "", "victim_address": ""},
            "victim_address",
            "Enter the victim&#39;s address, where the letters about the application are",
        ),
        ({"victim_family_name": ""}, "victim_family_name", "Enter the victim"),
        ({"victim_postcode": "NOT A CODE"}, "victim_postcode", "Enter a real postcode"),
        ({"problem": "<b>loud</b>"}, "problem", "without HTML"),
        (  # 1 January: a real date next year, even from 29 February
            {
                "received_on-day": "1",
                "received_on-month": "1",
                "received_on-year": str(clock.today().year + 1),
            },
            "received_on",
            "future",
        ),
    ],
)
def test_a_bad_correction_is_refused_at_its_field_and_changes_nothing(
    demo_hub, demo_session, changes, field, message
) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    sealed = application.victim_email
    response = lead.post(
        f"/trigger/{application.id}/correct", data={**_form(lead, application), **changes}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page[page.find("govuk-error-summary") :][:1500]
    assert message in page, summary
    assert f'href="#{field}' in page
    demo_session.expire_all()
    assert application.victim_email == sealed
    if field != "received_on":  # a date in the future is the form's own check too
        assert _last(demo_session, "trigger.correct").basis == f"refused input: {field}"


def test_a_form_opened_before_a_colleague_corrected_it_is_refused_and_shown_again(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    manager = _lead(
        demo_hub, demo_session, Role.MANAGER
    )  # a manager of the lead agency may act as lead
    stale = _form(lead, application)
    first = manager.post(
        f"/trigger/{application.id}/correct",
        data={**_form(manager, application), "victim_phone": "07700 900123"},
    )
    assert first.status_code == 302
    response = lead.post(
        f"/trigger/{application.id}/correct", data={**stale, "victim_email": RIGHT}
    )
    assert response.status_code == 400
    assert "Someone changed this after you opened it" in response.get_data(as_text=True)
    assert _last(demo_session, "trigger.correct").basis == "refused input: changed meanwhile"
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert WRONG in page  # nothing saved


def test_after_the_answer_or_closing_nothing_can_be_corrected(demo_hub, demo_session) -> None:
    lead_actor = demo_actor(demo_session, LEAD, Role.TRIGGER_LEAD)
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    sent = _form(lead, application)
    # Decided met: still under review, so the details may be corrected, the date received not.
    applications.decide(demo_session, lead_actor, PROCEDURE, application.id, "discretion", "Fear")
    demo_session.commit()
    sent = _form(lead, application)
    assert "received_on-day" not in sent
    wrong_day = {"received_on-day": "1", "received_on-month": "1", "received_on-year": "2025"}
    response = lead.post(f"/trigger/{application.id}/correct", data={**sent, **wrong_day})
    assert response.status_code == 400
    assert "can no longer be corrected" in response.get_data(as_text=True)

    not_met = _applied(demo_session)
    applications.decide(demo_session, lead_actor, PROCEDURE, not_met.id, "not_met", "Not enough")
    demo_session.commit()
    page = lead.get(f"/trigger/{not_met.id}").get_data(as_text=True)
    assert "Correct the application" not in page
    refused = lead.get(f"/trigger/{not_met.id}/correct")
    assert refused.status_code == 400
    assert "can no longer be corrected" in refused.get_data(as_text=True)
    response = lead.post(f"/trigger/{not_met.id}/correct", data={**sent, "victim_email": RIGHT})
    assert response.status_code == 400
    assert _last(demo_session, "trigger.correct").outcome == "refused"
    demo_session.expire_all()
    assert RIGHT.encode() not in (not_met.victim_email or b"")

    withdrawn = _applied(demo_session)
    closing.record_withdrawal(
        demo_session, lead_actor, PROCEDURE, withdrawn.id, clock.today(), "The victim phoned"
    )
    demo_session.commit()
    refused = lead.get(f"/trigger/{withdrawn.id}/correct")
    assert refused.status_code == 400
    assert "its details can no longer be corrected" in refused.get_data(as_text=True)


@pytest.mark.parametrize("agency", ["northshire-police", "northshire-homes"])
def test_another_agencys_manager_may_not_correct_it_and_is_recorded(
    demo_hub, demo_session, agency
) -> None:
    application = _applied(demo_session)
    other = demo_client(demo_hub, demo_user(demo_session, agency, Role.MANAGER))
    path = f"/trigger/{application.id}/correct"
    assert other.get(path).status_code == 403
    refused = _last(demo_session, "trigger.correct")
    assert refused.outcome == "refused"
    assert refused.object_id == str(application.id)
    assert other.post(path, data={"victim_email": RIGHT}).status_code in (400, 403)
    demo_session.expire_all()
    assert RIGHT.encode() not in application.victim_email


def test_a_case_officer_of_the_lead_agency_may_not_correct_it(demo_hub, demo_session) -> None:
    application = _applied(demo_session)
    officer = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.CASE_OFFICER))
    assert officer.get(f"/trigger/{application.id}/correct").status_code == 403
    assert (
        demo_client(demo_hub, demo_user(demo_session, LEAD, Role.TRIGGER_LEAD))
        .get("/trigger/999999/correct")
        .status_code
        == 404
    )
