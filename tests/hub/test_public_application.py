"""The public Community Trigger application as an applicant meets it (demo partnership, no
account): the start page, the questions, "check your answers", sending, and the reference;
a third party without the victim's consent, markup, or a flood of sends from one address
are refused, with nothing saved; the lead then sees the application."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sharing.models import AuditEntry, PublicFormUse, TriggerApplication
from sharing.vocabulary import Role, TriggerChannel
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

PROBLEM = "Drug dealing from the flat opposite, with shouting and threats every night since May"


@pytest.fixture(autouse=True)
def _fresh_limits(demo_session: Session):
    demo_session.execute(delete(PublicFormUse))
    demo_session.commit()


def _answers(client: FlaskClient, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, "/community-trigger/apply"),
        "victim_kind": "person",
        "problem": PROBLEM,
        "victim_given_names": "Robin",
        "victim_family_name": "Applicant-Test",
        "victim_postcode": "NX1 1AA",
        "victim_email": "robin@example.org",
        "on_behalf": "self",
    }
    data.update(overrides)
    return data


def _count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(TriggerApplication))


def test_an_applicant_checks_their_answers_sends_and_gets_a_reference(
    demo_hub, demo_session
) -> None:
    client = demo_hub.test_client()
    start = client.get("/community-trigger")
    assert start.status_code == 200
    page = start.get_data(as_text=True)
    assert "Three qualifying complaints about the same problem" in page
    assert "Start now" in page
    before = _count(demo_session)
    answers = _answers(client)
    check = client.post("/community-trigger/apply", data={**answers, "action": "check"})
    assert check.status_code == 200, check.get_data(as_text=True)
    checked = check.get_data(as_text=True)
    assert "Check your answers" in checked
    assert PROBLEM in checked
    assert _count(demo_session) == before  # nothing saved before sending
    changed = client.post("/community-trigger/apply", data={**answers, "action": "change"})
    assert changed.status_code == 200
    assert 'value="Applicant-Test"' in changed.get_data(as_text=True)
    sent = client.post("/community-trigger/apply", data={**answers, "action": "send"})
    assert sent.status_code == 302
    assert sent.location.endswith("/community-trigger/apply/sent")
    done = client.get("/community-trigger/apply/sent").get_data(as_text=True)
    application = demo_session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()
    assert application.reference in done
    assert application.channel is TriggerChannel.ONLINE
    assert application.recorded_by_id is None
    assert _count(demo_session) == before + 1
    entry = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.record")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.actor_user_id is None
    assert entry.basis == "channel online; by the victim"
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    assert application.reference in lead.get("/trigger").get_data(as_text=True)
    assert PROBLEM in lead.get(f"/trigger/{application.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada",
                "applicant_contact": "ada@example.org",
            },
            "needs the victim",
        ),
        ({"problem": "<b>loud</b> music"}, "without HTML"),
        ({"problem": ""}, "Describe the anti-social behaviour"),
        ({"victim_family_name": ""}, "Enter the victim"),
        ({"victim_postcode": "XYZ"}, "Enter a real postcode"),
    ],
)
def test_bad_answers_are_refused_at_their_question_and_nothing_is_saved(
    demo_hub, demo_session, overrides, message
) -> None:
    client = demo_hub.test_client()
    before = _count(demo_session)
    for action in ("check", "send"):
        response = client.post(
            "/community-trigger/apply", data={**_answers(client, **overrides), "action": action}
        )
        assert response.status_code == 400, action
        assert message in response.get_data(as_text=True)
    assert _count(demo_session) == before
    refused = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.record")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert refused.outcome == "refused"
    assert refused.basis.startswith("refused input: ")


def test_a_flood_from_one_address_is_refused_and_nothing_is_saved(demo_hub, demo_session) -> None:
    client = demo_hub.test_client()
    before = _count(demo_session)
    answers = _answers(client)
    statuses = [
        client.post("/community-trigger/apply", data={**answers, "action": "check"}).status_code
        for _ in range(20)
    ]
    assert statuses == [200] * 20
    flooded = client.post("/community-trigger/apply", data={**answers, "action": "send"})
    assert flooded.status_code == 429
    assert "sent too many times" in flooded.get_data(as_text=True)
    assert _count(demo_session) == before


def test_the_public_pages_need_no_account_but_nothing_else_opens(demo_hub) -> None:
    client = demo_hub.test_client()
    assert client.get("/community-trigger/apply").status_code == 200
    # Without having sent anything, the confirmation goes back to the start.
    assert client.get("/community-trigger/apply/sent").status_code == 302
    assert client.get("/trigger").status_code == 302  # to sign in
