"""Separation of duties: an administrator or a data protection officer holds no casework
role. The roles and add forms refuse such a combination at the field, saying why (the
refusal recorded); accounts that already hold one are listed for the administrators."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import AuditEntry, User
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token


def _last_refused(session: Session, action: str) -> AuditEntry:
    session.expire_all()
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == action, AuditEntry.outcome == "refused")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    return entry


def test_the_roles_form_refuses_a_dpo_who_is_also_a_manager_at_the_field(
    app: Flask, as_user, create_user, db_session: Session
) -> None:
    dpo = create_user("dpo")
    admin = as_user("administrator")
    page = f"/people/{dpo.id}/roles"
    refused = admin.post(
        page,
        data={"roles": ["dpo", "manager"], "team": "", "csrf_token": csrf_token(admin, page)},
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "A data protection officer cannot also be a manager" in text
    assert "separation of duties" in text
    assert 'href="#roles"' in text  # the error summary names the field
    db_session.expire_all()
    assert db_session.get(User, dpo.id).roles == {Role.DPO}
    entry = _last_refused(db_session, "account.roles")
    assert entry.basis == "refused input: roles"
    assert entry.object_id == str(dpo.id)


def test_adding_an_administrator_who_is_also_a_case_officer_is_refused(
    app: Flask, as_user, db_session: Session
) -> None:
    admin = as_user("administrator")
    refused = admin.post(
        "/people/new",
        data={
            "display_name": "Ann Both",
            "email": "ann.both@test.example",
            "roles": ["administrator", "case_officer"],
            "team": "",
            "csrf_token": csrf_token(admin, "/people/new"),
        },
    )
    assert refused.status_code == 400
    assert "An administrator cannot also be a case officer" in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(select(User).where(User.email == "ann.both@test.example")) is None
    assert _last_refused(db_session, "account.create").basis == "refused input: roles"


def test_an_analyst_who_is_also_the_dpo_is_allowed(
    app: Flask, as_user, create_user, db_session: Session
) -> None:
    analyst = create_user("analyst")
    admin = as_user("administrator")
    page = f"/people/{analyst.id}/roles"
    done = admin.post(
        page,
        data={"roles": ["analyst", "dpo"], "team": "", "csrf_token": csrf_token(admin, page)},
    )
    assert done.status_code == 302


def test_accounts_already_holding_roles_kept_apart_are_listed_not_changed(
    app: Flask, as_user, create_user, db_session: Session
) -> None:
    both = create_user("administrator", "manager")
    admin = as_user("administrator")
    people = admin.get("/people").get_data(as_text=True)
    warning = people.split('id="roles-kept-apart"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "1 account holds roles that must be kept apart" in warning
    assert both.display_name in warning
    assert f'href="/people/{both.id}/roles"' in warning
    assert "An administrator cannot also be a manager" in warning
    db_session.expire_all()
    assert db_session.get(User, both.id).roles == {Role.ADMINISTRATOR, Role.MANAGER}


def test_every_problem_of_a_form_is_named_at_once_not_one_after_another(
    app: Flask, as_user, create_user, db_session: Session
) -> None:
    """An administrator who ticks roles kept apart, types a team too long and an address
    that is not one is told of all three together, each at its field (GOV.UK: every
    error at once), where before the address and the roles were named only once the team
    was put right, a form sent again for each; each refusal is recorded naming the fields."""
    admin = as_user("administrator")
    long_team = "T" * 121
    refused = admin.post(
        "/people/new",
        data={
            "display_name": "Ann Both",
            "email": "ann.both@test",
            "roles": ["administrator", "case_officer"],
            "team": long_team,
            "csrf_token": csrf_token(admin, "/people/new"),
        },
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Enter an e-mail address in the correct format, like name@example.org" in text
    assert "An administrator cannot also be a case officer" in text
    assert "The team must be 120 characters or fewer" in text
    assert 'value="ann.both@test"' in text  # what was typed is kept
    db_session.expire_all()
    assert _last_refused(db_session, "account.create").basis == "refused input: email, roles, team"

    officer = create_user("case_officer")
    page = f"/people/{officer.id}/roles"
    refused = admin.post(
        page,
        data={
            "roles": ["dpo", "manager"],
            "team": long_team,
            "csrf_token": csrf_token(admin, page),
        },
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "A data protection officer cannot also be a manager" in text
    assert "The team must be 120 characters or fewer" in text
    assert _last_refused(db_session, "account.roles").basis == "refused input: roles, team"
