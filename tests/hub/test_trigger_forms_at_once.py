"""The Community Trigger forms say every problem they can see in one send, each at its
field, rather than one a send (demo partnership, one copy for the module): the lead's
correction of an application's details, the threshold decision, the review's outcome, the
appeal and the appeal body's decision. Nothing is written and the refusal is recorded
once, naming every field (never what was typed)."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.models import AuditEntry, TriggerApplication
from sharing.trigger import applications, field_checks, input_checks, review_outcome
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.sharing.trigger.test_complaints import PROCEDURE

LEAD = "northshire-csp"
_OPENED = re.compile(r'name="opened" value="([0-9a-f]{32})"')


def _lead_actor(session: Session) -> Actor:
    return Actor.of(demo_user(session, LEAD, Role.TRIGGER_LEAD))


def _lead(app: Flask, session: Session) -> FlaskClient:
    return demo_client(app, demo_user(session, LEAD, Role.TRIGGER_LEAD))


def _recorded(session: Session, **given: object) -> TriggerApplication:
    application = applications.record_application(
        session,
        _lead_actor(session),
        PROCEDURE,
        input_checks.ApplicationInput(
            **{  # type: ignore[arg-type]
                "received_on": clock.today(),
                "channel": "phone",
                "victim_kind": "person",
                "victim_given_names": "Robin",
                "victim_family_name": "Atonce",
                "victim_address": "Flat 3, 9 Test Row",
                "victim_email": "robin@example.org",
                "problem": "Shouting and threats on the stairs",
                **given,
            }
        ),
    )
    session.commit()
    return application


def _not_met(session: Session) -> TriggerApplication:
    """An application decided "not met" today: its applicant may appeal."""
    application = _recorded(session)
    applications.decide(
        session, _lead_actor(session), PROCEDURE, application.id, "not_met", "Two complaints"
    )
    session.commit()
    return application


def _summary(response) -> str:
    page = response.get_data(as_text=True)
    start = page.index('class="govuk-error-summary"')
    return page[start : page.index("</ul>", start)]


def _said_together(response, expected: list[tuple[str, str]]) -> None:
    assert response.status_code == 400
    summary = _summary(response)
    for anchor, message in expected:
        assert f'href="#{anchor}"' in summary, anchor
        assert message in summary, message
    assert summary.count("<li>") == len(expected), summary


def _refusals(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.outcome == "refused")
            .order_by(AuditEntry.seq)
        )
    )


def _post(client: FlaskClient, path: str, page: str, **data: object):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def _correction_form(client: FlaskClient, application: TriggerApplication) -> dict[str, str]:
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
    sent.update(channel="phone", victim_kind="person", on_behalf="")
    return sent


def test_a_correction_emptied_says_every_missing_and_wrong_detail_at_once(
    demo_hub, demo_session
) -> None:
    """The surname and the behaviour emptied, the e-mail mistyped: the three are said in
    one send, each at its field; nothing changes; one refusal names the three fields."""
    application = _recorded(demo_session)
    lead = _lead(demo_hub, demo_session)
    sealed = (application.victim_family_name, application.problem, application.victim_email)
    before = len(_refusals(demo_session, "trigger.correct"))
    response = lead.post(
        f"/trigger/{application.id}/correct",
        data={
            **_correction_form(lead, application),
            "victim_family_name": "",
            "problem": "",
            "victim_email": "robin@@example.org",
        },
    )
    _said_together(
        response,
        [
            ("victim_family_name", "Enter the victim&#39;s surname"),
            ("victim_email", field_checks.EMAIL_FORMAT),
            ("problem", "Describe the anti-social behaviour and its effect"),
        ],
    )
    demo_session.expire_all()
    assert (
        application.victim_family_name,
        application.problem,
        application.victim_email,
    ) == sealed
    refusals = _refusals(demo_session, "trigger.correct")
    assert len(refusals) == before + 1
    assert refusals[-1].basis == "refused input: problem, victim_email, victim_family_name"
    assert "example.org" not in refusals[-1].basis


def test_a_correction_with_the_forms_own_problem_says_the_others_beside_it(
    demo_hub, demo_session
) -> None:
    """A date of birth that is not a date (the form's own check) no longer hides an
    emptied address and e-mail (the core's): all are said, one refusal naming them."""
    application = _recorded(demo_session)
    lead = _lead(demo_hub, demo_session)
    before = len(_refusals(demo_session, "trigger.correct"))
    response = lead.post(
        f"/trigger/{application.id}/correct",
        data={
            **_correction_form(lead, application),
            "victim_date_of_birth-day": "31",
            "victim_date_of_birth-month": "2",
            "victim_date_of_birth-year": "1980",
            "victim_address": "",
            "victim_email": "",
        },
    )
    assert response.status_code == 400
    summary = _summary(response)
    assert 'href="#victim_date_of_birth-' in summary
    assert "must be a real date" in summary
    assert 'href="#victim_address"' in summary
    refusals = _refusals(demo_session, "trigger.correct")
    assert len(refusals) == before + 1
    named = refusals[-1].basis.removeprefix("refused input: ").split(", ")
    assert {"victim_date_of_birth", "victim_address"} <= set(named)


def test_a_correction_after_the_decision_says_the_date_and_the_details_together(
    demo_hub, demo_session
) -> None:
    """Once decided, a corrected date received is refused at its field, and an emptied
    surname beside it in the same send."""
    application = _recorded(demo_session)
    applications.decide(
        demo_session, _lead_actor(demo_session), PROCEDURE, application.id, "discretion", "Why"
    )
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    earlier = clock.today() - timedelta(days=2)
    response = lead.post(
        f"/trigger/{application.id}/correct",
        data={
            **_correction_form(lead, application),
            "received_on-day": str(earlier.day),
            "received_on-month": str(earlier.month),
            "received_on-year": str(earlier.year),
            "victim_family_name": "",
        },
    )
    _said_together(
        response,
        [
            ("received_on-day", "The threshold is decided"),
            ("victim_family_name", "Enter the victim&#39;s surname"),
        ],
    )
    assert _refusals(demo_session, "trigger.correct")[-1].basis == (
        "refused input: received_on, victim_family_name"
    )


def test_a_threshold_decision_sent_empty_says_the_choice_and_the_reasons(
    demo_hub, demo_session
) -> None:
    application = _recorded(demo_session)
    lead = _lead(demo_hub, demo_session)
    page = f"/trigger/{application.id}"
    response = _post(lead, page, page, reasons=" ")
    _said_together(
        response,
        [
            ("decision", "Select whether the threshold is met"),
            ("reasons", "Give the reasons for the decision"),
        ],
    )
    demo_session.expire_all()
    assert application.decision is None
    assert _refusals(demo_session, "trigger.decide")[-1].basis == "refused input: decision, reasons"


def test_an_outcome_sent_empty_says_both_answers_it_needs(demo_hub, demo_session) -> None:
    """The demo's application before the panel, once the panel has sat: neither what the
    panel found nor what happens next given, both said."""
    waiting = next(
        a
        for a in demo_session.scalars(
            select(TriggerApplication).where(
                TriggerApplication.review_sitting_id.is_not(None),
                TriggerApplication.outcome_on.is_(None),
            )
        )
    )
    with clock.pinned(waiting.review_sitting.starts_at + timedelta(days=1)):
        lead = _lead(demo_hub, demo_session)
        page = f"/trigger/{waiting.id}"
        assert 'id="findings"' in lead.get(page).get_data(as_text=True)
        response = _post(lead, f"{page}/outcome", page, findings="", next_steps="")
        _said_together(
            response,
            [("findings", "Say what the panel found"), ("next_steps", "Say what happens next")],
        )
    demo_session.expire_all()
    assert waiting.outcome_on is None
    assert _refusals(demo_session, "trigger.outcome")[-1].basis == (
        "refused input: findings, next_steps"
    )


def test_an_appeal_sent_empty_or_dated_ahead_says_the_date_and_the_reasons(
    demo_hub, demo_session
) -> None:
    application = _not_met(demo_session)
    lead = _lead(demo_hub, demo_session)
    page = f"/trigger/{application.id}"
    response = _post(lead, f"{page}/appeal", page, reasons="")
    _said_together(
        response,
        [
            ("received_on-day", "Enter the date the appeal was received"),
            ("reasons", "Give the applicant&#39;s reasons"),
        ],
    )
    ahead = clock.today() + timedelta(days=2)
    response = _post(
        lead,
        f"{page}/appeal",
        page,
        reasons="",
        **{
            "received_on-day": str(ahead.day),
            "received_on-month": str(ahead.month),
            "received_on-year": str(ahead.year),
        },
    )
    _said_together(
        response,
        [
            ("received_on-day", "The date received cannot be in the future"),
            ("reasons", "Give the applicant&#39;s reasons"),
        ],
    )
    demo_session.expire_all()
    assert application.appeal_received_on is None
    assert _refusals(demo_session, "trigger.appeal")[-1].basis == (
        "refused input: reasons, received_on"
    )


def test_an_appeal_decision_sent_empty_says_all_three_answers(demo_hub, demo_session) -> None:
    application = _not_met(demo_session)
    review_outcome.record_appeal(
        demo_session,
        _lead_actor(demo_session),
        PROCEDURE,
        application.id,
        clock.today(),
        "The complaints were not all counted",
    )
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    page = f"/trigger/{application.id}"
    response = _post(lead, f"{page}/appeal-decision", page, findings="")
    _said_together(
        response,
        [
            ("appeal_decision", "Select the appeal body&#39;s decision"),
            ("decided_on-day", "Enter the date of the appeal body&#39;s decision"),
            ("findings", "Give the appeal body&#39;s findings"),
        ],
    )
    demo_session.expire_all()
    assert application.appeal_decision is None
    assert _refusals(demo_session, "trigger.appeal_decide")[-1].basis == (
        "refused input: appeal_decision, decided_on, findings"
    )


def test_a_filled_in_appeal_decision_still_gets_the_cores_refusal(demo_hub, demo_session) -> None:
    """The core's own check (a decision before the appeal) is still said, at its field."""
    application = _not_met(demo_session)
    review_outcome.record_appeal(
        demo_session, _lead_actor(demo_session), PROCEDURE, application.id, clock.today(), "Why"
    )
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    page = f"/trigger/{application.id}"
    before = clock.today() - timedelta(days=1)
    response = _post(
        lead,
        f"{page}/appeal-decision",
        page,
        appeal_decision="not_upheld",
        findings="Carried out properly",
        **{
            "decided_on-day": str(before.day),
            "decided_on-month": str(before.month),
            "decided_on-year": str(before.year),
        },
    )
    _said_together(response, [("decided_on-day", "The decision cannot come before the appeal")])


def test_a_withdrawal_sent_empty_says_the_date_and_the_note(demo_hub, demo_session) -> None:
    application = _recorded(demo_session)
    lead = _lead(demo_hub, demo_session)
    path = f"/trigger/{application.id}/withdrawn"
    stamp = _OPENED.search(lead.get(path).get_data(as_text=True))
    assert stamp
    response = _post(lead, path, path, opened=stamp.group(1), note="")
    _said_together(
        response,
        [
            ("withdrawn_on-day", "Enter the date the applicant withdrew the application"),
            ("note", "Say how the applicant withdrew the application"),
        ],
    )
    demo_session.expire_all()
    assert application.closed_at is None
    assert _refusals(demo_session, "trigger.withdraw")[-1].basis == (
        "refused input: note, withdrawn_on"
    )
