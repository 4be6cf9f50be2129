"""Correcting how a Community Trigger application came, whether the victim applied or
someone applied for them, and the consent (demo partnership, one copy for the module):
each is checked as when the application was recorded (someone applying for the victim
needs the victim's consent, their name and contact); consent is never taken away by a
correction (the application is withdrawn instead, which ends its sharing); an application
sent on the online form stays online and no other becomes one; letters still to go go to
whoever applied as corrected; the audit entry names the fields, never their values, and
the application's history shows each correction."""

from __future__ import annotations

import html

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.reveal import reveal
from sharing.models import TriggerApplication
from sharing.trigger import applications, corrections, handling, input_checks
from sharing.vocabulary import OnBehalf, Role, TriggerChannel
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.forms import form_on
from tests.hub.test_trigger_corrections import (
    RIGHT,
    _applied,
    _last,
    _lead,
    _letter,
)
from tests.sharing.trigger.test_complaints import PROCEDURE, _repeat_victim

AUNT = "aunt.of.robin@example.org"


def _form(client: FlaskClient, application: TriggerApplication) -> dict:
    """The correction form as a browser sends it untouched: radios, the select and the
    consent box as they come."""
    path = f"/trigger/{application.id}/correct"
    page = client.get(path)
    assert page.status_code == 200
    return form_on(page.get_data(as_text=True), path)


def _correct(client: FlaskClient, application: TriggerApplication, **changes: str):
    sent = {**_form(client, application), **changes}
    if changes.get("consent_recorded") == "":
        del sent["consent_recorded"]  # a box left unticked is not sent
    return client.post(f"/trigger/{application.id}/correct", data=sent)


def _for_a_victim(session, **given: str) -> TriggerApplication:
    """An application made by the victim's aunt, with the victim's consent."""
    return _applied(
        session,
        on_behalf="family",
        applicant_name="Jo Aunt",
        applicant_contact=AUNT,
        consent_recorded=True,  # type: ignore[arg-type]
        consent_note="Robin agreed on the phone",
        **given,
    )


def _now(session, application: TriggerApplication) -> TriggerApplication:
    session.expire_all()
    return session.get_one(TriggerApplication, application.id)


def test_a_letter_recorded_as_a_phone_call_is_corrected_and_the_history_says_so(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    sent = _form(lead, application)
    assert sent["channel"] == "phone"  # filled as recorded
    assert sent["on_behalf"] == ""
    assert "consent_recorded" not in sent

    response = _correct(lead, application, channel="letter")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _now(demo_session, application).channel is TriggerChannel.LETTER
    assert _last(demo_session, "trigger.correct").basis == "fields channel"

    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    history = page[page.index('id="history"') :][:1500]
    assert "Recorded" in history
    assert "Corrected: how it was received" in history
    assert "Received" in page
    assert "Letter" in page


def test_an_application_a_carer_made_recorded_as_the_victims_own_is_corrected(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)  # its acknowledgement waits for the victim's e-mail
    lead = _lead(demo_hub, demo_session)
    response = _correct(
        lead,
        application,
        on_behalf="carer",
        applicant_name="Sam Carer",
        applicant_contact=AUNT,
        consent_recorded="y",
        consent_note="Robin asked Sam to apply",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    corrected = _now(demo_session, application)
    assert corrected.on_behalf is OnBehalf.CARER
    assert corrected.consent_recorded
    details = reveal(handling.LEAD, corrected, corrections.CORRECTED)
    assert details["applicant_contact"] == AUNT
    # The fields, never their values; the waiting acknowledgement goes to the carer now.
    basis = _last(demo_session, "trigger.correct").basis
    assert basis == (
        "fields on_behalf, consent_recorded, applicant_contact, applicant_name, consent_note; "
        "letters to go again 1"
    )
    assert "Sam" not in basis
    assert AUNT not in basis
    assert _letter(demo_session, application).sent_at is None
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "A carer or support worker: Sam Carer" in page
    assert "Corrected: who applied, the victim's consent" in page


def test_applying_for_the_victim_is_refused_without_their_consent_or_the_applicants_details(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    for changes, field, message in (
        (
            {"applicant_name": "Jo Aunt", "applicant_contact": AUNT, "consent_recorded": ""},
            "consent_recorded",
            "needs the victim's consent",
        ),
        (
            {"applicant_name": "", "applicant_contact": AUNT, "consent_recorded": "y"},
            "applicant_name",
            "Enter the name of the person applying",
        ),
        (
            {"applicant_name": "Jo Aunt", "applicant_contact": "", "consent_recorded": "y"},
            "applicant_contact",
            "Enter how to contact the person applying",
        ),
    ):
        response = _correct(lead, application, on_behalf="family", **changes)
        assert response.status_code == 400, field
        page = html.unescape(response.get_data(as_text=True))
        assert message in page, field
        assert f'href="#{field}' in page, field
        # One refusal naming every field with a problem: no contact is no e-mail address
        # either, so the postal address the letters would need is missing too.
        named = _last(demo_session, "trigger.correct").basis.removeprefix("refused input: ")
        also = ["applicant_address"] if field == "applicant_contact" else []
        assert named.split(", ") == sorted([field, *also])
        unchanged = _now(demo_session, application)
        assert unchanged.on_behalf is None
        assert not unchanged.consent_recorded


def test_consent_is_never_taken_away_by_a_correction_the_application_is_withdrawn_instead(
    demo_hub, demo_session
) -> None:
    application = _for_a_victim(demo_session, victim_email=RIGHT)
    lead = _lead(demo_hub, demo_session)
    form = lead.get(f"/trigger/{application.id}/correct").get_data(as_text=True)
    assert f'href="/trigger/{application.id}/withdrawn"' in form
    assert _form(lead, application)["consent_recorded"] == "y"  # ticked as recorded

    response = _correct(lead, application, consent_recorded="")
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "record that the application was withdrawn" in page
    assert 'href="#consent_recorded' in page
    assert _last(demo_session, "trigger.correct").basis == "refused input: consent_recorded"
    kept = _now(demo_session, application)
    assert kept.on_behalf is OnBehalf.FAMILY
    assert kept.consent_recorded


def test_the_victim_applying_after_all_leaves_no_one_recorded_as_applying_for_them(
    demo_hub, demo_session
) -> None:
    application = _for_a_victim(demo_session, victim_email="")
    lead = _lead(demo_hub, demo_session)
    # The victim applying for themselves without an e-mail address needs an address.
    refused = _correct(lead, application, on_behalf="", victim_address="")
    assert refused.status_code == 400
    assert 'href="#victim_address' in refused.get_data(as_text=True)
    assert _now(demo_session, application).on_behalf is OnBehalf.FAMILY

    response = _correct(lead, application, on_behalf="", victim_email=RIGHT)
    assert response.status_code == 302, response.get_data(as_text=True)
    corrected = _now(demo_session, application)
    assert corrected.on_behalf is None
    assert not corrected.consent_recorded
    details = reveal(handling.LEAD, corrected, corrections.CORRECTED)
    assert [details[f] for f in ("applicant_name", "applicant_contact", "consent_note")] == [
        None,
        None,
        None,
    ]
    basis = _last(demo_session, "trigger.correct").basis
    assert basis.startswith(
        "fields on_behalf, consent_recorded, applicant_contact, applicant_name, consent_note, "
        "victim_email"
    )
    assert basis.endswith("; letters to go again 1")  # its letters go to the victim now
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "Applied for the victim by" not in page


def sent_online(session: Session) -> TriggerApplication:
    """An application a repeat victim of the demo sent with the online form, today."""
    victim, _ = _repeat_victim(session)
    online = applications.submit_online(
        session,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="",
            victim_kind="person",
            victim_family_name=victim.family_name,
            victim_email=RIGHT,
            problem="Shouting and threats on the stairs",
        ),
    )
    session.commit()
    return online


def test_an_application_sent_online_stays_online_and_no_other_becomes_one(
    demo_hub, demo_session
) -> None:
    online = sent_online(demo_session)
    lead = _lead(demo_hub, demo_session)
    form = lead.get(f"/trigger/{online.id}/correct").get_data(as_text=True)
    assert 'value="online"' in form
    assert 'name="channel" type="radio" value="phone"' not in form
    assert 'value="phone"' not in form
    refused = _correct(lead, online, channel="phone")
    assert refused.status_code == 400
    assert _now(demo_session, online).channel is TriggerChannel.ONLINE

    phoned = _applied(demo_session)
    refused = _correct(lead, phoned, channel="online")
    assert refused.status_code == 400
    assert 'href="#channel' in refused.get_data(as_text=True)
    assert _now(demo_session, phoned).channel is TriggerChannel.PHONE


def test_a_form_opened_before_these_could_be_corrected_keeps_who_applied(
    demo_hub, demo_session
) -> None:
    """A form sent without the new fields (opened before they were on it) corrects what
    it holds and keeps how it came, who applied and the consent as recorded."""
    application = _for_a_victim(demo_session, victim_email=RIGHT)
    lead = _lead(demo_hub, demo_session)
    sent = {
        k: v
        for k, v in _form(lead, application).items()
        if k not in ("channel", "on_behalf", "consent_recorded")
    }
    response = lead.post(
        f"/trigger/{application.id}/correct", data={**sent, "victim_phone": "07700 900123"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    kept = _now(demo_session, application)
    assert (kept.channel, kept.on_behalf, kept.consent_recorded) == (
        TriggerChannel.PHONE,
        OnBehalf.FAMILY,
        True,
    )
    assert _last(demo_session, "trigger.correct").basis == "fields victim_phone"


def test_another_agencys_manager_may_not_correct_who_applied(demo_hub, demo_session) -> None:
    application = _applied(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    response = police.post(
        f"/trigger/{application.id}/correct",
        data={
            "csrf_token": csrf_token(police, "/"),
            "on_behalf": "family",
            "consent_recorded": "y",
            "channel": "letter",
        },
    )
    assert response.status_code == 403
    assert _last(demo_session, "trigger.correct").outcome == "refused"
    unchanged = _now(demo_session, application)
    assert (unchanged.on_behalf, unchanged.channel) == (None, TriggerChannel.PHONE)
