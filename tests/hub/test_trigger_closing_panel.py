"""A Community Trigger application closed while it is before a review panel's sitting to
come (demo partnership, a fresh copy each test): a sitting that reviews only it is
cancelled as its chair would cancel it (its conferences cancelled, their shares ended and
audited, its members and the agencies told by notice, the note naming nobody); a sitting
with other business goes on, only the application's cases taken off its agenda; a
sitting already held stays. The application's page says which."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.log import integrate
from sharing.cases import casework, incidents
from sharing.cases.people import PersonInput
from sharing.crypto.sealing import unseal
from sharing.models import (
    AuditEntry,
    Case,
    Conference,
    MeetingSitting,
    Notice,
    Share,
    TriggerApplication,
    TriggerCaseRequest,
)
from sharing.vocabulary import (
    CaseCategory,
    CaseStatus,
    ConferenceCancelReason,
    ConferenceStatus,
    NoticeKind,
    PartyRole,
    Priority,
    Role,
    SittingCancelReason,
    Triage,
)
from tests.fixtures.demo import demo_client, demo_copy, demo_user
from tests.hub.test_trigger_closing import NOTE, _day, _opened
from tests.hub.test_trigger_review import _convene, _lead, _met, _panel, _post
from tests.sharing.trigger.test_complaints import _repeat_victim


@pytest.fixture
def hub(demo_files: Path, tmp_path: Path) -> Iterator[Flask]:
    app = demo_copy(demo_files, tmp_path)
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(hub: Flask) -> Iterator[Session]:
    with hub.extensions["hub.sessions"]() as found:
        yield found


def _bring(hub: Flask, session: Session, case: Case, sitting: MeetingSitting) -> Conference:
    """The case brought to the sitting by its officer, from the case's page."""
    officer = demo_client(hub, case.officer)
    path = f"/cases/{case.id}/meetings/bring"
    response = _post(
        officer, path, path, sitting=str(sitting.id), question="ASB Case Review", agenda=""
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    return session.scalar(
        select(Conference).where(Conference.case_id == case.id, Conference.sitting_id == sitting.id)
    )


def _before_the_panel(
    hub: Flask, session: Session, sitting: MeetingSitting, *, leaving: Case | None = None
) -> tuple[TriggerApplication, Conference]:
    """A met application put before ``sitting``, one of its asked cases (not ``leaving``)
    brought to it."""
    application = _met(session)
    assert _convene(_lead(hub, session), application, sitting).status_code == 302
    session.expire_all()
    asked = select(TriggerCaseRequest).where(
        TriggerCaseRequest.application_id == application.id,
        TriggerCaseRequest.locked.is_(False),
    )
    if leaving is not None:
        asked = asked.where(TriggerCaseRequest.case_id != leaving.id)
    asked = session.scalars(asked.order_by(TriggerCaseRequest.id)).first()
    return application, _bring(hub, session, asked.case, sitting)


def _reported_to_the_police_too(session: Session) -> Case:
    """An open case the police opened today for the repeat victim ``_met`` applies as, with
    the behaviour they reported yesterday: a complaint the application counts, so its
    case is asked for it."""
    victim, held = _repeat_victim(session)
    person = next(
        p.person
        for c in held
        for p in session.get(Case, c).parties
        if (unseal(p.person, "family_name") or "").upper() == victim.family_name
    )
    officer = Actor.of(demo_user(session, "northshire-police", Role.CASE_OFFICER))
    case = casework.open_case(
        session,
        officer,
        casework.CaseInput(
            category=CaseCategory.VERBAL_ABUSE,
            priority=Priority.AMBER,
            triage=Triage.LOW_LEVEL,
            summary="Shouting and threats on the stairs",
            parties=[
                PersonInput(
                    role=PartyRole.VICTIM,
                    family_name=unseal(person, "family_name") or "",
                    date_of_birth=victim.date_of_birth,
                )
            ],
        ),
    )
    incidents.add_incident(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        incidents.IncidentInput(
            occurred_at=clock.now() - timedelta(days=1),
            description="Threats shouted on the stairs",
            reported_by_id=case.parties[0].person_id,
        ),
    )
    session.commit()
    return case


def _withdraw(client: FlaskClient, application: TriggerApplication):
    path = f"/trigger/{application.id}/withdrawn"
    sent = {**_opened(client, path), **_day("withdrawn_on", clock.today()), "note": NOTE}
    return client.post(path, data=sent)


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    integrate(session)
    session.commit()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _shares(session: Session, conference: Conference) -> list[Share]:
    return [i.share for i in conference.invitations]


def test_withdrawn_it_cancels_the_sitting_that_reviews_it_alone(hub, session) -> None:
    sitting = _panel(session)
    application, conference = _before_the_panel(hub, session, sitting)
    shares = _shares(session, conference)
    assert shares
    assert all(s.revoked_at is None for s in shares)
    lead = _lead(hub, session)
    form = lead.get(f"/trigger/{application.id}/withdrawn").get_data(as_text=True)
    assert "the review panel's sitting it is before is cancelled" in form
    # Its note reaches the applicant if they ask for their data: the form says so.
    assert "the applicant gets it if they ask for their data" in form

    assert _withdraw(lead, application).status_code == 302
    session.expire_all()
    assert sitting.cancelled
    assert sitting.cancel_reason is SittingCancelReason.NOTHING_TO_DISCUSS
    assert "withdrawn by the applicant" in sitting.cancel_note
    assert conference.status is ConferenceStatus.CANCELLED
    assert conference.cancel_reason is ConferenceCancelReason.SITTING_CANCELLED
    assert all(s.revoked_at is not None for s in _shares(session, conference))
    its_own = _entries(session, "conference.cancel")[-1]
    assert its_own.object_id == str(conference.id)
    assert f"reason sitting_cancelled; with sitting {sitting.id}" in its_own.basis
    # Its members and the people the case's conference expected are told, by the notice
    # a cancelled sitting sends, naming the sitting, never the case or the application.
    told = session.scalars(select(Notice).where(Notice.kind == NoticeKind.SITTING_CANCELLED)).all()
    people = {n.user_id for n in told}
    assert {m.user_id for m in sitting.series.members} <= people
    assert conference.convened_by_id in people
    assert {(n.sitting_id, n.reference) for n in told} == {(sitting.id, None)}

    cancelled = _entries(session, "meeting.cancel")[-1]
    assert cancelled.basis.startswith("reason nothing_to_discuss; ")
    assert f"trigger application {application.id} closed" in cancelled.basis
    assert f"conferences {conference.id} cancelled" in cancelled.basis
    assert "withdrawn" not in cancelled.basis  # the note stays on the sitting's page
    revoked = _entries(session, "share.revoke")[-len(shares) :]
    assert all("its conference was cancelled" in e.basis for e in revoked)
    withdrawn = _entries(session, "trigger.withdraw")[-1]
    assert withdrawn.basis.endswith(f"; sitting {sitting.id} cancelled")
    assert NOTE not in withdrawn.basis

    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "the sitting is cancelled, and the case conferences brought to it with it" in page
    manager = demo_client(hub, demo_user(session, "northshire-csp", Role.MANAGER))
    shown = manager.get(f"/meetings/{sitting.series_id}/sittings/{sitting.id}")
    assert "Cancelled" in shown.get_data(as_text=True)


def test_a_sitting_with_other_business_goes_on_without_its_cases(hub, session) -> None:
    sitting = _panel(session)
    application, conference = _before_the_panel(hub, session, sitting)
    asked = {
        r.case_id
        for r in session.scalars(
            select(TriggerCaseRequest).where(TriggerCaseRequest.application_id == application.id)
        )
    }
    other_case = session.scalars(
        select(Case)
        .join(Case.agency)
        .where(Case.id.not_in(asked), Case.locked.is_(False), Case.erased_at.is_(None))
        .where(Case.status != CaseStatus.CLOSED)  # a closed case is brought to no sitting
        .where(Case.agency.has(code="northshire-homes"))
        .order_by(Case.id)
    ).first()
    other = _bring(hub, session, other_case, sitting)
    lead = _lead(hub, session)

    assert _withdraw(lead, application).status_code == 302
    session.expire_all()
    assert not sitting.cancelled
    assert conference.status is ConferenceStatus.CANCELLED
    assert conference.cancel_reason is ConferenceCancelReason.TAKEN_OFF
    assert conference.sitting_id is None  # off the agenda
    assert all(s.revoked_at is not None for s in _shares(session, conference))
    assert other.status is ConferenceStatus.PLANNED
    assert other.sitting_id == sitting.id
    assert all(s.revoked_at is None for s in _shares(session, other))
    told = session.scalars(select(Notice).where(Notice.kind == NoticeKind.TAKEN_OFF)).all()
    assert conference.convened_by_id in {n.user_id for n in told}
    assert {n.reference for n in told} == {conference.case.reference}
    assert not session.scalars(
        select(Notice).where(Notice.kind == NoticeKind.SITTING_CANCELLED)
    ).all()
    taken_off = _entries(session, "meeting.cancel")[-1]
    assert taken_off.basis.startswith(
        f"conference {conference.id} taken off sitting {sitting.id}; reason taken_off; "
    )
    assert f"trigger application {application.id} closed" in taken_off.basis
    assert _entries(session, "trigger.withdraw")[-1].basis.endswith(
        f"; left sitting {sitting.id}, conferences {conference.id} taken off"
    )
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "its cases were taken off the sitting’s agenda" in page
    # Its holder cannot bring it back for the closed application (below).
    assert _bring_refused(hub, session, conference.case, sitting)


def test_a_case_asked_for_an_application_closed_since_is_not_brought_to_its_panel(
    hub, session
) -> None:
    """The sitting goes on with other business, but the holders of the closed application's
    cases (their notices asking them dropped) cannot bring one to it by hand for the
    application: refused at the sitting, recorded, nothing written; a case another live
    application before the same sitting asked for is still brought."""
    sitting = _panel(session)
    own = _reported_to_the_police_too(session)  # the demo's other cases may be closed that day
    application, conference = _before_the_panel(hub, session, sitting, leaving=own)
    waiting = [own] + [
        r.case
        for r in session.scalars(
            select(TriggerCaseRequest).where(
                TriggerCaseRequest.application_id == application.id,
                TriggerCaseRequest.locked.is_(False),
                TriggerCaseRequest.case_id.not_in([conference.case_id, own.id]),
            )
        )
        if r.case.status is not CaseStatus.CLOSED and not r.case.locked  # one it may bring
    ]
    asked = {r.case_id for r in application.requests}
    assert own.id in asked  # asked for the application, not yet brought
    other_case = session.scalars(
        select(Case)
        .where(Case.id.not_in(asked), Case.locked.is_(False), Case.erased_at.is_(None))
        .where(Case.status != CaseStatus.CLOSED)  # a closed case is brought to no sitting
        .where(Case.agency.has(code="northshire-homes"))
        .order_by(Case.id)
    ).first()
    _bring(hub, session, other_case, sitting)  # other business: the sitting goes on
    again = _met(session)  # another application, by the same victim, before the same sitting
    lead = _lead(hub, session)
    assert _convene(lead, again, sitting).status_code == 302
    session.expire_all()
    asked_again = {
        r.case_id
        for r in session.scalars(
            select(TriggerCaseRequest).where(TriggerCaseRequest.application_id == again.id)
        )
    }
    assert _withdraw(lead, again).status_code == 302  # the other application closes
    session.expire_all()
    assert not sitting.cancelled  # the first application is still before it
    assert waiting[0].id in asked_again
    # A case the first, live application asked for is still brought.
    assert _bring(hub, session, waiting[0], sitting).status is ConferenceStatus.PLANNED

    assert _withdraw(lead, application).status_code == 302
    session.expire_all()
    assert not sitting.cancelled  # it goes on: another case is on its agenda
    for case in (conference.case, *waiting[1:]):
        assert _bring_refused(hub, session, case, sitting)


def _bring_refused(hub: Flask, session: Session, case: Case, sitting: MeetingSitting) -> bool:
    """The case's officer sends the form bringing it to the sitting: refused at the
    sitting, the refusal recorded, no conference convened."""
    officer = demo_client(hub, case.officer)
    path = f"/cases/{case.id}/meetings/bring"
    session.expire_all()
    before = session.scalar(select(func.count(Conference.id)))
    response = _post(
        officer, path, path, sitting=str(sitting.id), question="ASB Case Review", agenda=""
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    page = html.unescape(response.get_data(as_text=True))
    assert "for a Community Trigger application that has since been closed" in page
    assert 'href="#sitting"' in page  # the error summary names the field
    session.expire_all()
    assert session.scalar(select(func.count(Conference.id))) == before
    refused = _entries(session, "conference.convene")[-1]
    assert (refused.outcome, refused.basis) == ("refused", "refused input: sitting_id")
    assert (refused.object_type, refused.object_id) == ("case", str(case.id))
    return True


def test_a_duplicate_before_a_sitting_reviewing_the_application_it_duplicates_leaves_it_on(
    hub, session
) -> None:
    """Both before the same sitting, counting the same cases: the duplicate closes, the
    sitting and the cases brought for the application that goes on stay."""
    sitting = _panel(session)
    original, conference = _before_the_panel(hub, session, sitting)
    again = _met(session)
    lead = _lead(hub, session)
    assert _convene(lead, again, sitting).status_code == 302
    path = f"/trigger/{again.id}/duplicate"
    response = lead.post(path, data={**_opened(lead, path), "duplicate_of": original.reference})
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    assert not sitting.cancelled
    assert conference.status is ConferenceStatus.PLANNED
    assert all(s.revoked_at is None for s in _shares(session, conference))
    assert _entries(session, "trigger.duplicate")[-1].basis.endswith(f"; left sitting {sitting.id}")


def test_a_sitting_already_held_stays_as_the_record_of_the_review(hub, session) -> None:
    sitting = _panel(session)
    application, conference = _before_the_panel(hub, session, sitting)
    with clock.pinned(sitting.starts_at + timedelta(hours=3)):
        assert _withdraw(_lead(hub, session), application).status_code == 302
        session.expire_all()
        assert not sitting.cancelled
        assert conference.status is ConferenceStatus.PLANNED
        page = _lead(hub, session).get(f"/trigger/{application.id}").get_data(as_text=True)
        assert "the panel sat before it closed" in page
    assert _entries(session, "trigger.withdraw")[-1].basis.endswith(
        f"; sitting {sitting.id} kept: held or cancelled already"
    )
