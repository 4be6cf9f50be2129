"""The follow-up of a dissatisfied complainant is opened by the closure survey, on a
closed case whose complainant said they were dissatisfied; it is not an action an officer
adds to an open case. The add-action form does not offer it, and one sent all the same
(an old form, a crafted request) is refused at its field, what was typed kept, nothing
added, the refusal recorded; the core refuses it too, adding or changing an action."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import actions
from sharing.errors import InputError
from sharing.models import Action, AuditEntry
from sharing.vocabulary import ActionKind
from tests.fixtures.app import csrf_token
from tests.fixtures.forms import FormReader

FOLLOW_UP = ActionKind.DISSATISFACTION_FOLLOW_UP


def _offered_kinds(page: str) -> list[str]:
    reader = FormReader()
    reader.feed(page)
    return reader.offered["kind"]


def _actions(db_session: Session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(Action)) or 0


def test_the_add_action_form_does_not_offer_the_follow_up(
    as_user, create_user, create_case
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    page = as_user(user=officer).get(f"/cases/{case.id}/actions/new").get_data(as_text=True)
    kinds = _offered_kinds(page)
    assert ActionKind.MEDIATION.value in kinds
    assert FOLLOW_UP.value not in kinds
    assert FOLLOW_UP.label not in html.unescape(page)


def test_a_follow_up_sent_for_an_open_case_is_refused_at_its_field(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    url = f"/cases/{case.id}/actions/new"
    due = clock.today() + timedelta(days=10)
    written = "Ring the complainant about how the case went"
    refused = client.post(
        url,
        data={
            "kind": FOLLOW_UP.value,
            "description": written,
            "owner_agency": str(officer.agency_id),
            "due_on-day": str(due.day),
            "due_on-month": str(due.month),
            "due_on-year": str(due.year),
            "csrf_token": csrf_token(client, url),
        },
    )
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert 'href="#kind"' in page
    assert actions.FOLLOW_UP_FROM_THE_SURVEY in page
    assert written in page
    assert _actions(db_session) == 0
    basis = db_session.scalars(
        select(AuditEntry.basis).where(
            AuditEntry.action == acts.Action.CASE_RECORD.value,
            AuditEntry.outcome == acts.Outcome.REFUSED.value,
            AuditEntry.object_id == str(case.id),
        )
    ).all()
    assert basis == [acts.input_refused(["kind"])]


def test_the_core_refuses_a_follow_up_added_or_changed_to(
    create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    authorised = authorise(db_session, Actor.of(officer), case.id, Act.RECORD)
    with pytest.raises(InputError) as added:
        actions.add_action(
            db_session, authorised, actions.ActionInput(kind=FOLLOW_UP, description="Call them")
        )
    assert (added.value.field, added.value.message) == ("kind", actions.FOLLOW_UP_FROM_THE_SURVEY)
    assert _actions(db_session) == 0
    action = actions.add_action(
        db_session,
        authorised,
        actions.ActionInput(kind=ActionKind.MEDIATION, description="Refer to mediation"),
    )
    with pytest.raises(InputError) as changed:
        actions.change_action(
            db_session,
            authorised,
            action.id,
            actions.ActionInput(kind=FOLLOW_UP, description="Refer to mediation"),
        )
    assert changed.value.field == "kind"
    db_session.refresh(action)
    assert action.kind is ActionKind.MEDIATION
