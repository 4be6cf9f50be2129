"""The Community Trigger correction form's own refusals are entries in the audit log, as
every other form's are (demo partnership, one copy for the module): a choice it does not
offer ("online" for an application taken by phone, another channel for one sent online),
a date received not whole, a detail too long. Each answers 400 at its field, changes
nothing and writes one refused ``trigger.correct`` entry naming the fields, never what was
typed. Before, these were refused on the page and left no trace; the refusals the core
finds (a surname left empty) were recorded already, and still are, once."""

from __future__ import annotations

import html

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import AuditEntry, AuditQueued, TriggerApplication
from sharing.trigger import corrections
from sharing.vocabulary import TriggerChannel
from tests.hub.test_trigger_correcting_who_applied import sent_online
from tests.hub.test_trigger_corrections import _applied, _form, _lead


def _post(client: FlaskClient, application: TriggerApplication, **changes: str):
    return client.post(
        f"/trigger/{application.id}/correct", data={**_form(client, application), **changes}
    )


def _refused_once(session: Session, response, application: TriggerApplication) -> str:
    """The request answered 400, wrote one refused ``trigger.correct`` entry about the
    application and nothing allowed but views; the entry's basis."""
    assert response.status_code == 400, response.status_code
    session.expire_all()
    request_id = response.headers["X-Request-Id"]
    entries = [
        *session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)),
        *session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id)),
    ]
    refused = [e for e in entries if e.outcome == "refused"]
    assert [(e.action, e.object_type, e.object_id) for e in refused] == [
        ("trigger.correct", "trigger_application", str(application.id))
    ], [(e.action, e.outcome, e.basis) for e in entries]
    assert not [e for e in entries if e.outcome == "allowed" and e.action != "trigger.view"]
    return refused[0].basis or ""


def _now(session: Session, application: TriggerApplication) -> TriggerApplication:
    session.expire_all()
    return session.get_one(TriggerApplication, application.id)


def test_online_for_an_application_taken_by_phone_is_refused_at_its_field_and_recorded(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)

    refused = _post(lead, application, channel="online")

    assert _refused_once(demo_session, refused, application) == "refused input: channel"
    page = html.unescape(refused.get_data(as_text=True))
    assert 'href="#channel' in page
    assert corrections.NOT_ONLINE in page
    assert _now(demo_session, application).channel is TriggerChannel.PHONE


def test_another_channel_for_an_application_sent_online_is_refused_and_recorded(
    demo_hub, demo_session
) -> None:
    online = sent_online(demo_session)
    lead = _lead(demo_hub, demo_session)

    refused = _post(lead, online, channel="letter")

    assert _refused_once(demo_session, refused, online) == "refused input: channel"
    assert corrections.ONLINE_KEPT in html.unescape(refused.get_data(as_text=True))
    assert _now(demo_session, online).channel is TriggerChannel.ONLINE


def test_a_date_not_whole_and_a_name_too_long_are_recorded_by_field_never_by_value(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    too_long = "Quillfeather" * 20

    refused = _post(
        lead,
        application,
        **{"received_on-day": "", "received_on-month": "13", "victim_family_name": too_long},
    )

    basis = _refused_once(demo_session, refused, application)
    assert basis == "refused input: received_on, victim_family_name"
    assert "Quillfeather" not in basis
    assert _now(demo_session, application).received_on == application.received_on


def test_a_surname_left_empty_is_recorded_once(demo_hub, demo_session) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)

    refused = _post(lead, application, victim_family_name="")

    assert _refused_once(demo_session, refused, application) == "refused input: victim_family_name"
    assert 'href="#victim_family_name' in refused.get_data(as_text=True)
