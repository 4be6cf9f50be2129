"""The last Community Trigger forms whose own checks refused input without a trace now
record it, as every other form does (demo partnership, one copy for the module): the
lead's "Record an application", "Record that the applicant withdrew it", "Record that it
is a duplicate", the manager's erasure (a reference not typed, or not the application's),
a relevant body's "Mark done" on a recommendation, and the public application form. Each
answers 400 at its field, changes nothing and writes one refused entry naming the fields,
never what was typed; the public form's names no one (no account, no address)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import (
    AuditEntry,
    AuditQueued,
    PublicFormUse,
    TriggerApplication,
    TriggerRecommendation,
)
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_public_application import ANSWERS
from tests.hub.test_trigger_applications import _form as _recording_form
from tests.hub.test_trigger_closing import _applied, _day, _opened
from tests.hub.test_trigger_erasure import _not_met

LEAD = "northshire-csp"
TYPED = "Quillfeather"
#: What the pages shown again record reading: nothing else is written.
VIEWS = {"trigger.view", "trigger.recommendations"}


def _refused_once(session: Session, response, action: str, object_id: int | None) -> AuditEntry:
    """The request answered 400 and wrote one refused ``action`` entry about the
    application (``object_id``; none for one not made), nothing allowed but views."""
    assert response.status_code == 400, response.status_code
    session.expire_all()
    request_id = response.headers["X-Request-Id"]
    entries = [
        *session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)),
        *session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id)),
    ]
    refused = [e for e in entries if e.outcome == "refused"]
    assert [(e.action, e.object_type, e.object_id) for e in refused] == [
        (action, "trigger_application", None if object_id is None else str(object_id))
    ], [(e.action, e.outcome, e.basis) for e in entries]
    assert not [e for e in entries if e.outcome == "allowed" and e.action not in VIEWS]
    return refused[0]


def _applications(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(TriggerApplication))


def test_recording_an_application_with_a_date_not_whole_and_a_name_too_long_is_recorded(
    demo_hub, demo_session
) -> None:
    lead = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.TRIGGER_LEAD))
    before = _applications(demo_session)

    refused = lead.post(
        "/trigger/new",
        data=_recording_form(
            lead,
            demo_session,
            **{"received_on-month": "13", "victim_family_name": TYPED * 20},
        ),
    )

    entry = _refused_once(demo_session, refused, "trigger.record", None)
    assert entry.basis == "refused input: received_on, victim_family_name"
    assert TYPED not in (entry.basis or "")
    page = refused.get_data(as_text=True)
    assert 'href="#received_on' in page
    assert 'href="#victim_family_name' in page
    assert _applications(demo_session) == before


def test_recording_an_application_as_sent_online_is_refused_at_its_field_and_recorded(
    demo_hub, demo_session
) -> None:
    lead = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.TRIGGER_LEAD))
    before = _applications(demo_session)

    refused = lead.post("/trigger/new", data=_recording_form(lead, demo_session, channel="online"))

    entry = _refused_once(demo_session, refused, "trigger.record", None)
    assert entry.basis == "refused input: channel"
    assert entry.actor_user_id == demo_user(demo_session, LEAD, Role.TRIGGER_LEAD).id
    assert _applications(demo_session) == before


def test_a_refusal_the_core_finds_on_the_recording_form_is_still_recorded_once(
    demo_hub, demo_session
) -> None:
    lead = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.TRIGGER_LEAD))

    refused = lead.post(
        "/trigger/new", data=_recording_form(lead, demo_session, victim_family_name="")
    )

    entry = _refused_once(demo_session, refused, "trigger.record", None)
    assert entry.basis == "refused input: victim_family_name"


def test_a_withdrawal_with_a_date_not_whole_and_a_note_too_long_is_recorded(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    lead = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.TRIGGER_LEAD))
    path = f"/trigger/{application.id}/withdrawn"
    given = {**_day("withdrawn_on", clock.today()), "withdrawn_on-month": "13"}

    refused = lead.post(path, data={**_opened(lead, path), **given, "note": TYPED * 400})

    entry = _refused_once(demo_session, refused, "trigger.withdraw", application.id)
    assert entry.basis == "refused input: note, withdrawn_on"
    assert TYPED not in (entry.basis or "")
    demo_session.expire_all()
    assert demo_session.get_one(TriggerApplication, application.id).closed_at is None


def test_a_duplicate_with_a_reference_too_long_is_recorded(demo_hub, demo_session) -> None:
    application = _applied(demo_session)
    lead = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.TRIGGER_LEAD))
    path = f"/trigger/{application.id}/duplicate"

    refused = lead.post(path, data={**_opened(lead, path), "duplicate_of": TYPED * 5})

    entry = _refused_once(demo_session, refused, "trigger.duplicate", application.id)
    assert entry.basis == "refused input: duplicate_of"
    assert 'href="#duplicate_of' in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get_one(TriggerApplication, application.id).duplicate_of is None


@pytest.mark.parametrize("typed", ["", "ASBR-2026-XXXXXX"])
def test_an_erasure_without_the_applications_reference_is_recorded(
    demo_hub, demo_session, typed
) -> None:
    concluded = _not_met(demo_session, days_ago=60)
    manager = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.MANAGER))
    path = f"/trigger/{concluded.id}/erase"

    refused = manager.post(path, data={"csrf_token": csrf_token(manager, path), "reference": typed})

    entry = _refused_once(demo_session, refused, "trigger.erase", concluded.id)
    assert entry.basis == "refused input: reference"
    assert 'href="#reference' in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get_one(TriggerApplication, concluded.id).erased_at is None


def _open_recommendation(session: Session) -> TriggerRecommendation:
    return next(
        r
        for r in session.scalars(select(TriggerRecommendation).order_by(TriggerRecommendation.id))
        if r.completed_on is None and r.application.erased_at is None
    )


def test_marking_a_recommendation_done_with_a_note_too_long_is_recorded_at_its_box(
    demo_hub, demo_session
) -> None:
    recommendation = _open_recommendation(demo_session)
    manager = demo_client(
        demo_hub, demo_user(demo_session, recommendation.owner_agency.code, Role.MANAGER)
    )
    path = "/trigger/recommendations"

    refused = manager.post(
        path,
        data={
            "csrf_token": csrf_token(manager, path),
            "recommendation_id": str(recommendation.id),
            "note": TYPED * 400,
        },
    )

    entry = _refused_once(
        demo_session, refused, "trigger.recommendation_done", recommendation.application_id
    )
    assert entry.basis == "refused input: note"
    page = refused.get_data(as_text=True)
    assert 'href="#note' in page
    assert 'id="note"' in page  # the box of the recommendation sent, with its error
    demo_session.expire_all()
    assert demo_session.get_one(TriggerRecommendation, recommendation.id).completed_on is None


def test_another_agencys_recommendation_is_not_found_and_nothing_is_recorded_about_it(
    demo_hub, demo_session
) -> None:
    recommendation = _open_recommendation(demo_session)
    other = next(
        code
        for code in ("northshire-police", "northshire-homes", LEAD)
        if code != recommendation.owner_agency.code
    )
    manager = demo_client(demo_hub, demo_user(demo_session, other, Role.MANAGER))
    path = "/trigger/recommendations"

    answer = manager.post(
        path,
        data={
            "csrf_token": csrf_token(manager, path),
            "recommendation_id": str(recommendation.id),
            "note": TYPED * 400,
        },
    )

    assert answer.status_code == 404
    demo_session.expire_all()
    request_id = answer.headers["X-Request-Id"]
    assert not demo_session.scalars(
        select(AuditEntry).where(
            AuditEntry.request_id == request_id,
            AuditEntry.action == "trigger.recommendation_done",
        )
    ).all()


@pytest.fixture
def _fresh_limits(demo_session: Session) -> None:
    demo_session.execute(delete(PublicFormUse))
    demo_session.commit()


@pytest.mark.usefixtures("_fresh_limits")
@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"step": "who"}, "on_behalf"),
        (
            {
                **ANSWERS,
                "step": "born",
                "victim_date_of_birth-day": "31",
                "victim_date_of_birth-month": "2",
                "victim_date_of_birth-year": "1980",
            },
            "victim_date_of_birth",
        ),
    ],
)
def test_the_public_forms_own_refusals_are_recorded_by_field_naming_no_one(
    demo_hub, demo_session, sent, field
) -> None:
    """An unanswered choice, a date of birth that is not one: the page's own checks,
    recorded as the core's are, with no account and no address in the entry."""
    client = demo_hub.test_client()
    path = "/community-trigger/apply"
    before = _applications(demo_session)

    refused = client.post(path, data={"csrf_token": csrf_token(client, path), **sent})

    entry = _refused_once(demo_session, refused, "trigger.record", None)
    assert entry.basis == f"refused input: {field}"
    assert (entry.actor_user_id, entry.actor_agency_id) == (None, None)
    assert f'href="#{field}' in refused.get_data(as_text=True)
    assert _applications(demo_session) == before
