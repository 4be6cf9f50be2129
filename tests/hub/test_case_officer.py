"""Giving a case to another officer: a manager's act when an officer leaves or caseloads
are shared out again. The officer given it sees it as theirs and is told by e-mail; the
previous officer's open actions on the case go with it when the manager says so; a
locked case's lock follows its officer; the case page keeps who gave it to whom."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import agency_accounts, clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import actions, locks, officers
from sharing.errors import InputError
from sharing.models import Action, AuditEntry, Case, Notice, User
from sharing.vocabulary import ActionKind, LockReason, NoticeKind, Role
from tests.fixtures.app import CaseFactory, UserFactory, csrf_token, sign_in


def _form(client: FlaskClient, case: Case) -> str:
    return csrf_token(client, f"/cases/{case.id}/officer")


def _give(client: FlaskClient, case: Case, officer: int | str, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/cases/{case.id}/officer").get_data(as_text=True)
    stamp = _opened(page)
    return client.post(
        f"/cases/{case.id}/officer",
        data={
            "csrf_token": _form(client, case),
            "officer_id": str(officer),
            "opened": stamp,
            **fields,
        },
    )


def _opened(page: str) -> str:
    marker = 'name="opened" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def _action(session: Session, case: Case, owner: User) -> Action:
    action = actions.add_action(
        session,
        authorise(session, Actor.of(owner), case.id, Act.RECORD),
        actions.ActionInput(
            kind=ActionKind.PERPETRATOR_VISIT,
            description="Visit the complainant about the noise diary",
            owner_user_id=owner.id,
            due_on=clock.today() + timedelta(days=7),
        ),
    )
    session.commit()
    return action


@pytest.fixture
def client_of(app: Flask):  # type: ignore[no-untyped-def]
    def signed_in(user: User) -> FlaskClient:
        client = app.test_client()
        sign_in(client, user)
        return client

    return signed_in


def test_a_manager_gives_a_case_to_another_officer_with_its_open_actions(
    client_of, create_user: UserFactory, create_case: CaseFactory, db_session: Session
) -> None:
    leaving, taking = create_user(Role.CASE_OFFICER), create_user(Role.CASE_OFFICER)
    manager = create_user(Role.MANAGER)
    case = create_case(leaving)
    open_action = _action(db_session, case, leaving)
    manager_client = client_of(manager)

    form = manager_client.get(f"/cases/{case.id}/officer").get_data(as_text=True)
    assert f"The case officer now is <strong>{leaving.display_name}</strong>" in form
    assert "owns 1 open action on this case" in form

    given = _give(manager_client, case, taking.id, with_actions="y")
    assert given.status_code == 302, given.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Case, case.id).officer_id == taking.id
    assert db_session.get(Action, open_action.id).owner_user_id == taking.id

    # The officer given it is told, by a notice naming the case and nothing personal.
    [notice] = db_session.scalars(select(Notice).where(Notice.kind == NoticeKind.CASE_GIVEN))
    assert (notice.user_id, notice.reference) == (taking.id, case.reference)
    # The case is theirs: on their home page, and its page keeps who gave it to whom.
    home = client_of(taking).get("/").get_data(as_text=True)
    assert case.reference in home
    page = manager_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Earlier case officers (1 change)" in page
    assert (
        f"given by {manager.display_name} from {leaving.display_name} to "
        f"{taking.display_name}, with 1 open action" in page
    )
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "case.officer")).one()
    assert (entry.object_type, entry.object_id) == ("case", str(case.id))
    assert entry.basis.endswith(
        f"user {leaving.id} to user {taking.id}; 1 open actions moved; own agency"
    )


def test_the_previous_officers_actions_stay_theirs_unless_the_manager_says(
    client_of, create_user: UserFactory, create_case: CaseFactory, db_session: Session
) -> None:
    leaving, taking = create_user(Role.CASE_OFFICER), create_user(Role.CASE_OFFICER)
    case = create_case(leaving)
    open_action = _action(db_session, case, leaving)
    given = _give(client_of(create_user(Role.MANAGER)), case, taking.id)  # box unticked
    assert given.status_code == 302
    db_session.expire_all()
    assert db_session.get(Action, open_action.id).owner_user_id == leaving.id


def test_only_a_manager_of_the_agency_gives_a_case_to_another_officer(
    client_of, create_user: UserFactory, create_case: CaseFactory, db_session: Session, partnership
) -> None:
    officer, colleague = create_user(Role.CASE_OFFICER), create_user(Role.CASE_OFFICER)
    case = create_case(officer)
    police_manager = create_user(Role.MANAGER, agency=partnership.police)
    # A colleague outside its team (no teams here) does not see it at all.
    for user, status in ((officer, 403), (colleague, 404), (police_manager, 404)):
        client = client_of(user)
        assert client.get(f"/cases/{case.id}/officer").status_code == status
        token = csrf_token(client, "/account")
        sent = client.post(
            f"/cases/{case.id}/officer", data={"csrf_token": token, "officer_id": colleague.id}
        )
        assert sent.status_code == status
    db_session.expire_all()
    assert db_session.get(Case, case.id).officer_id == officer.id
    # The case page offers the change to its agency's managers alone.
    assert f"/cases/{case.id}/officer" not in client_of(officer).get(f"/cases/{case.id}").text
    manager = create_user(Role.MANAGER)
    assert f"/cases/{case.id}/officer" in client_of(manager).get(f"/cases/{case.id}").text


@pytest.mark.parametrize(
    ("who", "message"),
    [
        # Not offered: the form refuses them, the core checks again (test below).
        ("police officer", "Select the case officer"),
        ("disabled", "Select the case officer"),
        ("analyst", "Select the case officer"),
        ("same", "is already the case officer"),
        ("nonsense", "Select the case officer"),
        ("none", "Select the case officer"),
    ],
)
def test_a_case_is_given_only_to_someone_who_may_own_it(
    who: str,
    message: str,
    client_of,
    create_user: UserFactory,
    create_case: CaseFactory,
    db_session: Session,
    partnership,
) -> None:
    officer = create_user(Role.CASE_OFFICER)
    case = create_case(officer)
    disabled = create_user(Role.CASE_OFFICER)
    disabled.active = False
    db_session.commit()
    chosen = {
        "police officer": create_user(Role.CASE_OFFICER, agency=partnership.police).id,
        "disabled": disabled.id,
        "analyst": create_user(Role.ANALYST).id,
        "same": officer.id,
        "nonsense": "x'; drop",
        "none": "",
    }[who]
    refused = _give(client_of(create_user(Role.MANAGER)), case, chosen, with_actions="y")
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Case, case.id).officer_id == officer.id
    assert db_session.scalars(select(Notice)).all() == []


def test_a_form_opened_before_the_case_was_given_to_someone_else_saves_nothing(
    client_of, create_user: UserFactory, create_case: CaseFactory, db_session: Session
) -> None:
    officer, first, second = (create_user(Role.CASE_OFFICER) for _ in range(3))
    case = create_case(officer)
    one, other = create_user(Role.MANAGER), create_user(Role.MANAGER)
    one_client, other_client = client_of(one), client_of(other)
    stamp = _opened(other_client.get(f"/cases/{case.id}/officer").get_data(as_text=True))
    assert _give(one_client, case, first.id).status_code == 302
    late = other_client.post(
        f"/cases/{case.id}/officer",
        data={"csrf_token": _form(other_client, case), "officer_id": second.id, "opened": stamp},
    )
    text = late.get_data(as_text=True)
    assert late.status_code == 200
    assert "Changed since you opened this page" in text
    assert one.display_name in text
    assert f"The case officer now is <strong>{first.display_name}</strong>" in text
    db_session.expire_all()
    assert db_session.get(Case, case.id).officer_id == first.id


def test_a_locked_case_goes_with_its_lock_to_the_officer_given_it(
    client_of, create_user: UserFactory, create_case: CaseFactory, db_session: Session
) -> None:
    leaving, taking = create_user(Role.CASE_OFFICER), create_user(Role.CASE_OFFICER)
    manager, approver = create_user(Role.MANAGER), create_user(Role.MANAGER)
    case = create_case(leaving)
    request = locks.request_lock(
        db_session,
        authorise(db_session, Actor.of(leaving), case.id, Act.REQUEST_LOCK),
        LockReason.EMPLOYEE_REPORTED,
        "The reported person works for us",
    )
    locks.decide_lock(
        db_session, Actor.of(approver), request.id, approve=True, members=[manager.id]
    )
    db_session.commit()
    assert client_of(taking).get(f"/cases/{case.id}").status_code == 404

    page = client_of(manager).get(f"/cases/{case.id}/officer").get_data(as_text=True)
    assert "This case is locked: the officer you choose joins the lock" in page
    assert _give(client_of(manager), case, taking.id).status_code == 302
    assert client_of(taking).get(f"/cases/{case.id}").status_code == 200
    assert client_of(leaving).get(f"/cases/{case.id}").status_code == 404


def test_the_case_list_finds_the_cases_of_an_officer_who_has_left(
    client_of, create_user: UserFactory, create_case: CaseFactory, db_session: Session
) -> None:
    leaving, manager = create_user(Role.CASE_OFFICER), create_user(Role.MANAGER)
    case = create_case(leaving)
    leaving.active = False
    db_session.commit()
    manager_client = client_of(manager)
    listed = manager_client.get(f"/cases?officer={leaving.id}")
    assert listed.status_code == 200
    assert f"{leaving.display_name} (left)" in listed.get_data(as_text=True)
    assert case.reference in listed.get_data(as_text=True)
    page = manager_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Has left" in page


def test_the_core_gives_a_case_only_to_an_active_officer_of_its_agency(
    create_user: UserFactory, create_case: CaseFactory, db_session: Session, partnership
) -> None:
    """An officer disabled between the form and its save, or a choice the form never
    offered sent all the same, is refused by the core, naming the field."""
    officer, manager = create_user(Role.CASE_OFFICER), create_user(Role.MANAGER)
    case = create_case(officer)
    disabled = create_user(Role.CASE_OFFICER)
    disabled.active = False
    police = create_user(Role.CASE_OFFICER, agency=partnership.police)
    for chosen in (disabled.id, police.id, create_user(Role.ANALYST).id, None, 10**9):
        authorised = authorise(db_session, Actor.of(manager), case.id, Act.CHANGE_OFFICER)
        with pytest.raises(InputError) as refused:
            officers.give_case(db_session, authorised, chosen, with_actions=True)
        assert refused.value.field == "officer_id"
        assert refused.value.message == "Select a case officer or manager of your agency"
    db_session.rollback()


def test_a_managers_home_page_lists_the_officers_who_left_with_open_cases(
    client_of, create_user: UserFactory, create_case: CaseFactory, db_session: Session
) -> None:
    leaving, staying, manager = (
        create_user(Role.CASE_OFFICER),
        create_user(Role.CASE_OFFICER),
        create_user(Role.MANAGER),
    )
    for _ in range(2):
        create_case(leaving)
    create_case(staying)
    assert "Open cases of officers who have left" not in client_of(manager).get("/").text
    leaving.active = False
    db_session.commit()
    home = client_of(manager).get("/").get_data(as_text=True)
    assert f"{leaving.display_name}: 2 open cases" in home
    assert f"/cases?officer={leaving.id}&amp;status=open" in home
    assert staying.display_name not in home
    # A case officer's home page does not list them: giving cases is a manager's act.
    assert "Open cases of officers who have left" not in client_of(staying).get("/").text


def test_a_manager_finds_the_open_cases_of_an_officer_moved_to_a_role_that_holds_none(
    client_of, create_user: UserFactory, create_case: CaseFactory, db_session: Session
) -> None:
    """A case officer moved to a role that works no cases (an analyst, say) keeps their
    account, and their open cases are theirs until given to others: their manager's home
    page lists them with those of officers who have left, the case list's officer filter
    offers them, and the case page says they no longer work cases, so that none drift."""
    moving, manager = create_user(Role.CASE_OFFICER), create_user(Role.MANAGER)
    case = create_case(moving)
    create_case(moving)
    db_session.commit()
    assert moving.display_name not in client_of(manager).get("/").text

    agency_accounts.change_roles(
        db_session,
        moving,
        {Role.ANALYST},
        moving.team,
        by=Actor.of(create_user(Role.ADMINISTRATOR)),
    )
    db_session.commit()

    home = client_of(manager).get("/").get_data(as_text=True)
    assert "Open cases of officers who have left or moved role" in home
    assert f"{moving.display_name} (moved role): 2 open cases" in home
    assert f"/cases?officer={moving.id}&amp;status=open" in home
    listed = client_of(manager).get(f"/cases?officer={moving.id}&status=open")
    assert listed.status_code == 200
    assert f"{moving.display_name} (moved role)" in listed.get_data(as_text=True)
    assert case.reference in listed.get_data(as_text=True)
    page = client_of(manager).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Moved role" in page
    # Nobody is offered them to give a case to: they work none now.
    form = client_of(manager).get(f"/cases/{case.id}/officer").get_data(as_text=True)
    assert f'value="{moving.id}"' not in form
