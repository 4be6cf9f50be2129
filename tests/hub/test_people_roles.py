"""Changing someone's roles and team under People: the agency's administrators only, for
their own agency's people; the change applies at once (their sessions end) and is in the
audit log naming the roles, never the person."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import agency_accounts
from sharing.access.decide import Actor
from sharing.errors import NotAllowed
from sharing.models import AuditEntry, User
from sharing.vocabulary import Role
from tests.fixtures.app import PASSWORD, csrf_token


def _post_roles(client, user: User, roles: list[str], team: str = ""):
    page = f"/people/{user.id}/roles"
    return client.post(
        page, data={"roles": roles, "team": team, "csrf_token": csrf_token(client, "/people")}
    )


def _entries(session: Session, action: str, outcome: str = "allowed") -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.outcome == outcome)
            .order_by(AuditEntry.seq)
        )
    )


def test_an_administrator_makes_a_case_officer_a_manager_in_another_team(
    app: Flask, as_user, create_user, db_session: Session
) -> None:
    officer = create_user("case_officer")
    officer_client = as_user(user=officer)
    admin = as_user("administrator")
    people = admin.get("/people").get_data(as_text=True)
    assert f'Change roles<span class="govuk-visually-hidden"> ({officer.display_name})' in people
    form = admin.get(f"/people/{officer.id}/roles").get_data(as_text=True)
    assert f"Change {officer.display_name}’s roles" in form
    assert 'value="case_officer" checked' in form

    done = _post_roles(admin, officer, ["case_officer", "manager"], team="South team")
    assert done.status_code == 302
    assert done.location == "/people"
    page = admin.get("/people").get_data(as_text=True)
    assert f"{officer.display_name}’s roles are now Case officer, Manager" in page

    db_session.expire_all()
    changed = db_session.get(User, officer.id)
    assert {r.value for r in changed.roles} == {"case_officer", "manager"}
    assert changed.team == "South team"
    # Their sessions end, so the new roles apply at once: as a manager they now set up an
    # authenticator app when they sign in again.
    assert officer_client.get("/").status_code == 302
    browser = app.test_client()
    again = browser.post(
        "/sign-in",
        data={
            "email": officer.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(browser, "/sign-in"),
        },
    )
    assert again.location.endswith("/sign-in/set-up-code")

    [entry] = _entries(db_session, "account.roles")
    assert (entry.object_type, entry.object_id) == ("user", str(officer.id))
    assert entry.basis == "roles case_officer to case_officer,manager; team changed"
    assert officer.display_name not in entry.basis
    assert "South" not in entry.basis


def test_the_roles_form_refuses_no_role_and_a_role_not_offered(
    as_user, create_user, db_session: Session
) -> None:
    officer = create_user("case_officer")
    admin = as_user("administrator")
    none = _post_roles(admin, officer, [])
    assert none.status_code == 400
    assert "Select at least one role" in none.get_data(as_text=True)
    odd = _post_roles(admin, officer, ["case_officer", "superuser"])
    assert odd.status_code == 400
    assert "Select roles from those offered" in odd.get_data(as_text=True)
    db_session.expire_all()
    assert {r.value for r in db_session.get(User, officer.id).roles} == {"case_officer"}
    assert _entries(db_session, "account.roles") == []


def test_roles_the_form_refuses_are_recorded_naming_the_field_not_the_value(
    as_user, create_user, db_session: Session
) -> None:
    officer = create_user("case_officer")
    admin_user = create_user("administrator")
    admin = as_user(user=admin_user)
    assert _post_roles(admin, officer, []).status_code == 400
    assert _post_roles(admin, officer, ["case_officer", "superuser"]).status_code == 400
    assert _post_roles(admin, officer, ["case_officer"], team="Quayside " * 40).status_code == 400
    refused = _entries(db_session, "account.roles", "refused")
    assert [(e.actor_user_id, e.object_type, e.object_id) for e in refused] == [
        (admin_user.id, "user", str(officer.id))
    ] * 3
    assert [e.basis for e in refused] == [
        "refused input: roles",
        "refused input: roles",
        "refused input: team",
    ]


def test_an_administrator_cannot_give_themselves_a_manager_or_dpo_role_to_read_cases(
    as_user, create_user, db_session: Session
) -> None:
    # Separation of duties: an administrator sees no case content, so they may not tick
    # Manager or Data protection officer on their own account and read cases alone.
    admin_user = create_user("administrator")
    admin = as_user(user=admin_user)
    people = admin.get("/people").get_data(as_text=True)
    assert f'Change roles<span class="govuk-visually-hidden"> ({admin_user.display_name})' not in (
        people
    )
    assert "Another administrator of your agency changes your own roles" in people

    page = admin.get(f"/people/{admin_user.id}/roles")
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "You cannot change your own roles" in text
    assert "another administrator of your agency" in text
    assert "hub users set-roles" in text
    assert 'name="roles"' not in text
    for roles in (["administrator", "manager", "dpo"], ["dpo"], ["administrator"]):
        assert _post_roles(admin, admin_user, roles, team="North").status_code == 403

    db_session.expire_all()
    mine = db_session.get(User, admin_user.id)
    assert {r.value for r in mine.roles} == {"administrator"}
    assert mine.team is None
    assert admin.get("/").status_code == 200  # still signed in: nothing changed
    assert _entries(db_session, "account.roles") == []
    refused = _entries(db_session, "account.roles", "refused")
    assert [(e.actor_user_id, e.object_id) for e in refused] == [
        (admin_user.id, str(admin_user.id))
    ] * 4
    assert all("their own roles" in e.basis for e in refused)

    # Another administrator of the agency may, as may the operator (hub users set-roles).
    other = as_user("administrator")
    assert _post_roles(other, admin_user, ["administrator", "dpo"]).status_code == 302
    db_session.expire_all()
    assert {r.value for r in db_session.get(User, admin_user.id).roles} == {"administrator", "dpo"}


def test_the_core_refuses_anyone_changing_their_own_roles_and_records_it(
    create_user, db_session: Session
) -> None:
    admin_user = create_user("administrator")
    with pytest.raises(NotAllowed, match="their own roles"):
        agency_accounts.change_roles(
            db_session,
            admin_user,
            {Role.ADMINISTRATOR, Role.MANAGER},
            None,
            by=Actor.of(admin_user),
        )
    manager_user = create_user("manager")
    officer = create_user("case_officer")
    with pytest.raises(NotAllowed, match="only an administrator"):
        agency_accounts.change_roles(
            db_session, officer, {Role.MANAGER}, None, by=Actor.of(manager_user)
        )
    db_session.commit()
    assert {r.value for r in db_session.get(User, admin_user.id).roles} == {"administrator"}
    assert {r.value for r in db_session.get(User, officer.id).roles} == {"case_officer"}
    refused = _entries(db_session, "account.roles", "refused")
    assert [(e.actor_user_id, e.object_id) for e in refused] == [
        (admin_user.id, str(admin_user.id)),
        (manager_user.id, str(officer.id)),
    ]


def test_only_the_agencys_administrators_change_roles_and_attempts_are_recorded(
    as_user, create_user, partnership, db_session: Session
) -> None:
    officer = create_user("case_officer")
    manager_user = create_user("manager")
    manager = as_user(user=manager_user)
    assert "Change roles" not in manager.get("/people").get_data(as_text=True)
    assert manager.get(f"/people/{officer.id}/roles").status_code == 403
    assert _post_roles(manager, officer, ["manager"]).status_code == 403
    police_admin_user = create_user("administrator", agency=partnership.police)
    police_admin = as_user(user=police_admin_user)
    assert police_admin.get(f"/people/{officer.id}/roles").status_code == 404
    assert _post_roles(police_admin, officer, ["manager"]).status_code == 404
    db_session.expire_all()
    assert {r.value for r in db_session.get(User, officer.id).roles} == {"case_officer"}
    refused = _entries(db_session, "account.roles", "refused")
    assert [(e.actor_user_id, e.object_id) for e in refused] == [
        (manager_user.id, str(officer.id)),
        (manager_user.id, str(officer.id)),
        (police_admin_user.id, str(officer.id)),
        (police_admin_user.id, str(officer.id)),
    ]
    assert refused[-1].basis.startswith("not found for the requester: ")


def test_the_dpos_log_names_whose_account_an_administrator_changed(
    as_user, create_user, partnership
) -> None:
    """The log's record of an account act names the staff member and their agency beside
    the account's number, as its "who" names the administrator; before, it read "User 12"
    and the DPO had to find out who that was. Their roles are named, never their address."""
    officer = create_user("case_officer")
    admin = as_user("administrator")
    assert _post_roles(admin, officer, ["case_officer", "manager"]).status_code == 302
    dpo = as_user("dpo")
    page = dpo.get("/audit?action=account.roles").get_data(as_text=True)
    record = page.split(f"User {officer.id}<br>", 1)[1].split("</td>", 1)[0]
    assert f"{officer.display_name}, {partnership.landlord.name}" in record
    assert "Roles changed from case officer to case officer and manager" in page
    assert officer.email not in page


def test_a_case_officer_moved_to_a_role_that_works_no_cases_leaves_their_cases_to_managers(
    app: Flask, as_user, create_user
) -> None:
    """The administrator who moves a case officer to a role that works no cases is told
    where their open cases go, as the page that disables an account tells them."""
    officer, manager = create_user("case_officer"), create_user("manager")
    admin = as_user("administrator")
    said = (
        "Any open cases that are theirs stay theirs until a manager gives them to another "
        "officer: your agency's managers see them on their home page."
    )

    assert _post_roles(admin, officer, ["analyst"]).status_code == 302
    assert said in html.unescape(admin.get("/people").get_data(as_text=True))

    assert _post_roles(admin, manager, ["manager", "conference_chair"]).status_code == 302
    assert said not in html.unescape(admin.get("/people").get_data(as_text=True))
