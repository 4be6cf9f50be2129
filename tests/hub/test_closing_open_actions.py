"""The actions still open when a case closes (demo partnership): the close form lists
them, what each is to do, who holds it and by when, and says they close with the case;
closing closes them all, the case's own and a partner's agreed at its conference, each
recorded as closed with the case in the closing's one audit entry; they leave every list
of open actions, the partner's included, and no one can mark them done after; a form
opened before an action was added closes nothing unseen, and no action is added to a case
closed meanwhile."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import case_notices, clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import actions, closing
from sharing.errors import InputError
from sharing.meetings import conference_actions
from sharing.models import Action, Agency, AuditEntry, Case, Conference, Notice, User
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    ConferenceStatus,
    Role,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.statements import walk_pages

OWN = "Visit the reported household about the late-night parties"
PARTNERS = "Neighbourhood patrols on Friday and Saturday nights"


def _police(session: Session) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == "northshire-police"))


def _conferenced_case(session: Session, nth: int) -> tuple[Case, Conference]:
    """The ``nth`` open, unlocked landlord case with a conference the police sit at."""
    police = _police(session)
    found = [
        conference
        for conference in session.scalars(
            select(Conference)
            .join(Case, Case.id == Conference.case_id)
            .where(
                Case.status != CaseStatus.CLOSED,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
                Conference.status != ConferenceStatus.CANCELLED,
            )
            .order_by(Conference.id)
        )
        if police.id in conference.at_the_table and conference.case.agency_id != police.id
    ]
    assert len(found) > nth, "demo conferences the police sit at"
    return found[nth].case, found[nth]


def _plain_case(session: Session, nth: int) -> Case:
    """The ``nth`` open, unlocked case of Larkmoor no conference is about."""
    return session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.id.not_in(select(Conference.case_id)),
        )
        .order_by(Case.id)
    ).all()[nth]


def _with_open_actions(
    session: Session, nth: int, *, at_a_conference: bool = True
) -> tuple[Case, Action, Action]:
    """A case with an open action of its own agency and one given to the police (at its
    conference, ``at_a_conference``), due next week and the week after."""
    if at_a_conference:
        case, conference = _conferenced_case(session, nth)
    else:
        case, conference = _plain_case(session, nth), None
    officer = Actor.of(session.get(User, case.officer_id))
    own = actions.add_action(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        actions.ActionInput(
            kind=ActionKind.PERPETRATOR_VISIT,
            description=OWN,
            due_on=clock.today() + timedelta(days=7),
        ),
    )
    police = actions.ActionInput(
        kind=ActionKind.EARLY_INTERVENTION_OTHER,
        description=PARTNERS,
        owner_agency_id=_police(session).id,
        due_on=clock.today() + timedelta(days=14),
    )
    partners = (
        conference_actions.add_action(session, officer, conference.id, police)
        if conference
        else actions.add_action(session, authorise(session, officer, case.id, Act.RECORD), police)
    )
    session.commit()
    return case, own, partners


def _open_on(session: Session, case: Case) -> list[Action]:
    session.expire_all()
    return list(
        session.scalars(
            select(Action).where(Action.case_id == case.id, Action.status == ActionStatus.OPEN)
        )
    )


def _officer(app: Flask, session: Session, case: Case) -> FlaskClient:
    return demo_client(app, session.get(User, case.officer_id))


def _close(client: FlaskClient, case: Case, *, opened: str | None = None, **extra: str):
    path = f"/cases/{case.id}/close"
    page = client.get(path).get_data(as_text=True)
    stamp = opened if opened is not None else _stamp_on(page)
    data = {
        "csrf_token": csrf_token(client, path),
        "reason": "no_contact",
        "outcome": "not_resolved",
        "opened": stamp,
        **extra,
    }
    return client.post(path, data=data)


def _stamp_on(page: str) -> str:
    marker = 'name="opened" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def _last(session: Session, action: str) -> AuditEntry:
    return session.scalar(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    )


def test_the_close_form_lists_the_open_actions_and_says_they_close_with_the_case(
    demo_hub, demo_session
) -> None:
    case, own, partners = _with_open_actions(demo_session, 0)
    open_now = _open_on(demo_session, case)
    officer = _officer(demo_hub, demo_session, case)
    page = html.unescape(officer.get(f"/cases/{case.id}/close").get_data(as_text=True))
    assert f"Closing the case closes these {len(open_now)} actions with it" in page
    assert "Closed with the case" in page
    for action, description in ((own, OWN), (partners, PARTNERS)):
        assert description in page
        assert f"/actions/{action.id}/done" in page  # done first, if it was done
    assert "Northshire Police" in page
    assert f"{own.due_on:%-d %B %Y}" in page
    # The descriptions shown are a view of the case's actions, recorded without them.
    viewed = _last(demo_session, "case.view")
    listed = viewed.basis.rpartition("open actions ")[2]
    assert sorted(map(int, listed.split(","))) == sorted(a.id for a in open_now)
    assert OWN not in viewed.basis


def test_closing_closes_its_open_actions_with_it_in_one_audited_act(demo_hub, demo_session) -> None:
    case, own, partners = _with_open_actions(demo_session, 1)
    open_then = sorted(a.id for a in _open_on(demo_session, case))
    officer = _officer(demo_hub, demo_session, case)
    # Bad input closes nothing: the case and its actions stay open.
    refused = _close(officer, case, outcome="")
    assert refused.status_code == 400
    demo_session.expire_all()
    assert demo_session.get(Action, own.id).status is ActionStatus.OPEN
    before = demo_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    closed = _close(officer, case)
    assert closed.status_code == 302, closed.get_data(as_text=True)
    demo_session.expire_all()
    case = demo_session.get(Case, case.id)
    assert case.status is CaseStatus.CLOSED
    assert _open_on(demo_session, case) == []
    for action in (demo_session.get(Action, i) for i in open_then):
        assert action.status is ActionStatus.CANCELLED
        assert action.closed_with_case
        assert action.closed_at == case.closed_at
        assert action.closed_by_id == case.officer_id
    entries = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.seq > before, AuditEntry.action == "case.close")
    ).all()
    assert len(entries) == 1
    # Its conference, still planned, is cancelled with it (and named after its actions).
    closed_ids = entries[0].basis.rpartition("; closed with it: actions ")[2].split(";")[0]
    assert sorted(map(int, closed_ids.split(","))) == open_then
    assert OWN not in entries[0].basis
    assert PARTNERS not in entries[0].basis
    assert not demo_session.scalars(
        select(AuditEntry).where(AuditEntry.seq > before, AuditEntry.action == "action.close")
    ).all()
    flashed = html.unescape(officer.get(f"/cases/{case.id}/survey").get_data(as_text=True))
    assert f"Its {len(open_then)} open actions closed with it" in flashed
    page = html.unescape(officer.get(f"/cases/{case.id}").get_data(as_text=True))
    assert page.count("Closed with the case") == len(open_then)
    assert f"/actions/{own.id}/done" not in page


def test_a_partners_action_closed_with_the_case_leaves_its_lists_and_cannot_be_done(
    demo_hub, demo_session
) -> None:
    case, own, partners = _with_open_actions(demo_session, 2)
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert f"/actions/{partners.id}/done" in "".join(walk_pages(sergeant, "/actions"))
    assert _close(_officer(demo_hub, demo_session, case), case).status_code == 302
    assert f"/actions/{partners.id}/done" not in "".join(walk_pages(sergeant, "/actions"))
    # A list opened before the closing: marking it done says it closed with the case.
    path = f"/actions/{partners.id}/done"
    late = sergeant.post(
        path, data={"csrf_token": csrf_token(sergeant, "/actions"), "note": "Done"}
    )
    assert "closed with the case" in html.unescape(late.get_data(as_text=True))
    demo_session.expire_all()
    assert demo_session.get(Action, partners.id).closed_with_case
    # Its conference, still to come, was cancelled with the case: the police no longer
    # open it, and their notice sends them to their actions list instead.
    assert demo_session.get(Conference, partners.conference_id).status is (
        ConferenceStatus.CANCELLED
    )
    assert sergeant.get(f"/conferences/{partners.conference_id}").status_code == 404
    told = demo_session.scalars(
        select(Notice.path).where(
            Notice.kind == "closed_with_case", Notice.reference == case.reference
        )
    ).all()
    assert told
    assert set(told) == {f"/actions#closed-with-case-{case.id}"}
    # The officer's own list, and the notices of actions falling due, leave them out.
    officer = _officer(demo_hub, demo_session, case)
    assert f"/actions/{own.id}/done" not in "".join(walk_pages(officer, "/actions"))
    case_notices.actions_due(demo_session, within_days=30)
    demo_session.flush()
    assert not demo_session.scalars(
        select(Notice).where(Notice.path.in_([f"/actions#action-{a.id}" for a in (own, partners)]))
    ).all()
    demo_session.rollback()


def test_a_closing_from_a_form_opened_before_an_action_was_added_closes_nothing_unseen(
    demo_hub, demo_session
) -> None:
    case, own, partners = _with_open_actions(demo_session, 0, at_a_conference=False)
    officer = _officer(demo_hub, demo_session, case)
    stale = _stamp_on(officer.get(f"/cases/{case.id}/close").get_data(as_text=True))
    added = actions.add_action(
        demo_session,
        authorise(
            demo_session, Actor.of(demo_session.get(User, case.officer_id)), case.id, Act.RECORD
        ),
        actions.ActionInput(
            kind=ActionKind.MEDIATION, description="Refer both households to mediation"
        ),
    )
    demo_session.commit()
    again = _close(officer, case, opened=stale)
    assert again.status_code == 200
    page = html.unescape(again.get_data(as_text=True))
    assert "Someone changed this after you opened it" in page
    assert "Refer both households to mediation" in page  # the list as it is now
    assert f"Closing the case closes these {len(_open_on(demo_session, case))} actions" in page
    demo_session.expire_all()
    assert demo_session.get(Case, case.id).status is not CaseStatus.CLOSED
    assert demo_session.get(Action, added.id).status is ActionStatus.OPEN
    # Having seen it, the officer closes the case with all three.
    assert _close(officer, case, opened=_stamp_on(page)).status_code == 302
    demo_session.expire_all()
    assert all(demo_session.get(Action, a.id).closed_with_case for a in (own, partners, added))


def test_no_action_is_added_to_a_case_closed_after_the_form_was_opened(
    demo_hub, demo_session
) -> None:
    case, _, _ = _with_open_actions(demo_session, 1, at_a_conference=False)
    officer = Actor.of(demo_session.get(User, case.officer_id))
    authorised = authorise(demo_session, officer, case.id, Act.RECORD)  # the form opened
    with demo_hub.extensions["hub.sessions"]() as colleague:
        closing.close_case(
            colleague,
            authorise(colleague, officer, case.id, Act.CLOSE),
            ClosureReason.NO_CONTACT,
            outcome=ClosureOutcome.NOT_RESOLVED,
        )
        colleague.commit()
    with pytest.raises(InputError, match="closed after you opened this form"):
        actions.add_action(
            demo_session,
            authorised,
            actions.ActionInput(kind=ActionKind.MEDIATION, description="Refer to mediation"),
        )
    acts.roll_back_keeping_refusals(demo_session)
    refusal = _last(demo_session, "case.record")
    assert (refusal.outcome, refusal.basis) == (
        "refused",
        "case closed meanwhile: action not added",
    )


def test_only_the_cases_own_agency_closes_it_and_its_actions(demo_hub, demo_session) -> None:
    case, own, partners = _with_open_actions(demo_session, 2, at_a_conference=False)
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert sergeant.get(f"/cases/{case.id}/close").status_code in (403, 404)
    demo_session.expire_all()
    assert demo_session.get(Action, partners.id).status is ActionStatus.OPEN
    assert demo_session.get(Case, case.id).status is not CaseStatus.CLOSED
