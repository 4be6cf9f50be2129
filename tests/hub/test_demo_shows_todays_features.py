"""What the demo partnership shows of the hub's newer features, as its people see them
on their pages: the problem-solving group's next sitting has apologies sent (the
sergeant by name, environmental health), recorded by its organiser and audited without
the name; the Community Trigger application made on the public form has whom it was
reported to corrected by the lead, beside what the applicant said; and the police
sergeant's and every landlord manager's "Actions" show an action marked done lately,
saying what was done."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.crypto.sealing import unseal
from sharing.demo.lately import DONE_NOTES
from sharing.models import (
    Action,
    Agency,
    AuditEntry,
    MeetingSeries,
    MeetingSitting,
    TriggerApplication,
)
from sharing.trigger.input_checks import reports_of
from sharing.vocabulary import AgencyType, Role, TriggerChannel
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_actions_closed_lately import _closed_part
from tests.hub.test_sitting_agenda import GROUP


def _next_sitting(session: Session) -> tuple[MeetingSeries, MeetingSitting]:
    group = session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
    return group, next(s for s in group.sittings if s.starts_at > clock.now())


def _text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def test_the_next_sittings_page_and_agenda_show_the_apologies_sent(demo_hub, demo_session):
    group, sitting = _next_sitting(demo_session)
    sergeant = demo_user(demo_session, "northshire-police", Role.MANAGER)
    path = f"/meetings/{group.id}/sittings/{sitting.id}"
    said = [
        f"{sergeant.display_name}, Northshire Police",
        "Northshire Council Environmental Health",
    ]
    coordinator = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    page = _text(coordinator, path)
    listed = page[page.index("Apologies for this sitting") :]
    assert all(s in listed for s in said)
    assert "> the apologies of " + said[0] in listed  # the coordinator may
    agenda = _text(coordinator, f"{path}/agenda")
    assert "Apologies: " + "; ".join(said) in agenda
    # A member reads them too, and may remove their own agency's only.
    member = _text(demo_client(demo_hub, sergeant), path)
    assert all(s in member for s in said)
    assert "> the apologies of " + said[0] in member
    assert "> the apologies of " + said[1] not in member
    # Recorded as the organiser's acts, naming ids, never the name typed.
    entries = demo_session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "meeting.agenda_change",
            AuditEntry.object_type == "meeting_sitting",
            AuditEntry.object_id == str(sitting.id),
            AuditEntry.basis.like("apologies %"),
        )
    ).all()
    assert len(entries) == 2
    assert {e.actor_user_id for e in entries} == {group.set_up_by_id}
    assert [e.basis.endswith("; named") for e in entries] == [True, False]
    assert not any(sergeant.display_name in (e.basis or "") for e in entries)


def test_the_application_made_online_shows_the_leads_correction_beside_the_applicants_answer(
    demo_hub, demo_session
):
    [online] = demo_session.scalars(
        select(TriggerApplication).where(TriggerApplication.channel == TriggerChannel.ONLINE)
    ).all()
    [*_, added] = reports_of(unseal(online, "reported_to_corrected"))
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    page = _text(lead, f"/trigger/{online.id}")
    corrected = page[page.index("Reported it to (corrected by the lead)") :]
    said = page[page.index("Reported it to (the applicant said)") :]
    assert added.name in corrected[: corrected.index("Reported it to (the applicant said)")]
    assert "Why: " + unseal(online, "reported_to_reason") in corrected
    assert "My ward councillor" in said
    assert added.name not in said[: said.index("</dd>")]
    # Its form opens with the correction as it stands, and what the applicant said.
    form = _text(lead, f"/trigger/{online.id}/reported-to")
    assert f'value="{added.agency}" checked' in form


@pytest.mark.parametrize("agency", ["northshire-police", "landlords"])
def test_the_sergeants_and_each_landlord_managers_actions_show_one_done_lately(
    demo_hub, demo_session, agency
):
    codes = (
        [agency]
        if agency != "landlords"
        else list(
            demo_session.scalars(
                select(Agency.code).where(Agency.type == AgencyType.LANDLORD).order_by(Agency.id)
            )
        )
    )
    assert codes
    for code in codes:
        manager = demo_client(demo_hub, demo_user(demo_session, code, Role.MANAGER))
        closed = _closed_part(_text(manager, "/actions"))
        assert "Marked done by" in closed, code
        notes = ["Patrols done on eight evenings"] if code == agency else DONE_NOTES.values()
        assert any(f"What was done: {note}" in closed for note in notes), code


def test_a_landlord_managers_actions_show_one_closed_with_its_case_lately(demo_hub, demo_session):
    action = demo_session.scalars(
        select(Action).where(Action.closed_with_case.is_(True)).order_by(Action.closed_at.desc())
    ).first()
    assert action is not None
    assert action.case.agency.type is AgencyType.LANDLORD
    manager = demo_client(demo_hub, demo_user(demo_session, action.case.agency.code, Role.MANAGER))
    closed = _closed_part(_text(manager, "/actions"))
    assert f"Closed with the case by {action.closed_by.display_name}" in closed
    assert "The case was closed, so the action is no longer to be done." in closed
    assert f'id="closed-with-case-{action.case_id}"' in _text(manager, "/actions")


def test_the_application_made_online_was_sent_by_the_applicant_not_recorded_by_the_lead(
    demo_hub, demo_session
):
    """Its History says the applicant sent it on the online form, as one sent there does,
    where it read "Claire Denholm: Recorded" (the demo recorded it as the lead, whose own
    form refuses "online")."""
    [online] = demo_session.scalars(
        select(TriggerApplication).where(TriggerApplication.channel == TriggerChannel.ONLINE)
    ).all()
    assert online.recorded_by_id is None
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    page = _text(lead, f"/trigger/{online.id}")
    history = page[page.index(">History<") :]
    assert "The applicant: Sent on the online form" in history
    assert ": Recorded" not in history
    entry = demo_session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "trigger.record",
            AuditEntry.object_type == "trigger_application",
            AuditEntry.object_id == str(online.id),
        )
    ).one()
    assert entry.actor_user_id is None
