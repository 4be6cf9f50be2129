"""Two administrators of an agency add the same new starter at the same moment, on
PostgreSQL through the hub's pages (demo partnership): the first add is held open until the
second waits on the database for the address; then it is let go. The second is told the
address already has an account, nothing more is made, and its refusal is in the audit log.

The same for one password link used in two browsers at once: one sets the password, the
other is told the link was used.

No sleep decides the order: the first act commits only once the second waits for its lock."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select

from sharing import accounts, adding_people, agency_accounts, password_links, sign_in_checks
from sharing.access.decide import Actor
from sharing.audit.log import integrate
from sharing.models import AuditEntry, PasswordLink, User
from sharing.vocabulary import Role
from tests.fixtures.app import PASSWORD, csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.races import PATIENCE_SECONDS, answered_while_held

EMAIL = "jo.newstarter@northshire-csp.example"
FIRST_PASSWORD, SECOND_PASSWORD = "marmalade-kettle-orchard", "lantern-pebble-thistle"


@pytest.mark.postgres
def test_two_administrators_adding_the_same_address_at_once_add_it_once(
    hub_on_postgres: Flask,
) -> None:
    app = hub_on_postgres
    sessions = app.extensions["hub.sessions"]
    with sessions() as session:
        first = demo_user(session, "northshire-csp", Role.ADMINISTRATOR)
        second = accounts.create_user(
            session,
            agency=first.agency,
            email="second.admin@northshire-csp.example",
            display_name="Second Administrator",
            roles={Role.ADMINISTRATOR},
            password=PASSWORD,
        )
        session.commit()
        first_id, second_id = first.id, second.id
    client = demo_client(app, second)
    token = csrf_token(client, "/people/new")

    def add(taken: threading.Event, let_go: threading.Event) -> None:
        with sessions() as session:
            adding_people.add_person(
                session,
                Actor.of(session.get(User, first_id)),
                email=EMAIL,
                name="Jo Newstarter",
                roles={Role.CASE_OFFICER},
                team=None,
            )
            taken.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    def ask() -> object:
        return client.post(
            "/people/new",
            data={
                "display_name": "Jo Newstarter",
                "email": EMAIL.upper(),
                "roles": ["case_officer", "manager"],
                "csrf_token": token,
            },
        )

    answer = answered_while_held(app.extensions["hub.engine"], add, ask)
    assert not isinstance(answer, Exception), answer
    assert answer.status_code == 400
    assert "Someone already has an account in the hub with this e-mail address" in (
        answer.get_data(as_text=True)
    )
    with sessions() as session:
        [user] = session.scalars(select(User).where(User.email == EMAIL))
        assert {r.value for r in user.roles} == {"case_officer"}  # the first add's, alone
        integrate(session)
        session.commit()
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.create").order_by(AuditEntry.seq)
        ).all()
        made = [e for e in entries if e.outcome == "allowed" and e.actor_user_id]
        assert [(e.actor_user_id, e.object_id) for e in made] == [(first_id, str(user.id))]
        refused = [e for e in entries if e.outcome == "refused"]
        assert [(e.actor_user_id, e.basis) for e in refused] == [
            (second_id, "refused input: email")
        ]


@pytest.mark.postgres
def test_two_reset_links_sent_at_once_send_one(hub_on_postgres: Flask) -> None:
    """A manager and an administrator send the same officer a password reset link at the
    same moment: the second waits for the first, then is told a link was just sent."""
    app = hub_on_postgres
    sessions = app.extensions["hub.sessions"]
    with sessions() as session:
        admin = demo_user(session, "northshire-csp", Role.ADMINISTRATOR)
        manager = demo_user(session, "northshire-csp", Role.MANAGER)
        officer = demo_user(session, "northshire-csp", Role.CASE_OFFICER)
        admin_id, officer_id = admin.id, officer.id
    client = demo_client(app, manager)
    token = csrf_token(client, "/people")

    def send(taken: threading.Event, let_go: threading.Event) -> None:
        with sessions() as session:
            agency_accounts.send_reset_link(
                session, session.get(User, officer_id), by=Actor.of(session.get(User, admin_id))
            )
            taken.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    def ask() -> object:
        return client.post(f"/people/{officer_id}/password-link", data={"csrf_token": token})

    answer = answered_while_held(app.extensions["hub.engine"], send, ask)
    assert not isinstance(answer, Exception), answer
    assert answer.status_code == 302
    page = client.get("/people").get_data(as_text=True)
    assert "You can send another from" in page
    with sessions() as session:
        links = session.scalars(select(PasswordLink).where(PasswordLink.user_id == officer_id))
        assert [link.kind for link in links] == ["password reset"]
        integrate(session)
        session.commit()
        refused = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "password_link.send", AuditEntry.outcome == "refused"
            )
        ).all()
        assert [e.basis for e in refused] == ["a link was sent to the account a moment ago"]


@pytest.mark.postgres
def test_one_link_used_in_two_browsers_at_once_sets_one_password(hub_on_postgres: Flask) -> None:
    """A new starter's link opened in two browsers, both forms sent at the same moment: the
    first sets its password while the second waits for it, then the second is told the
    link has been used (410), its password set nowhere, and the refusal recorded."""
    app = hub_on_postgres
    sessions = app.extensions["hub.sessions"]
    with sessions() as session:
        admin = demo_user(session, "northshire-csp", Role.ADMINISTRATOR)
        by = Actor.of(admin)
        user = adding_people.add_person(
            session, by, email=EMAIL, name="Jo Newstarter", roles={Role.CASE_OFFICER}, team=None
        )
        link, token = adding_people.send_new_account_link(session, user, by=by)
        session.commit()
        user_id, link_id = user.id, link.id
    browser = app.test_client()
    browser.get(f"/set-password/{token}")
    form_token = csrf_token(browser, "/set-password")

    def first(taken: threading.Event, let_go: threading.Event) -> None:
        with sessions() as session:
            password_links.use(session, token, FIRST_PASSWORD)
            taken.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    def second() -> object:
        return browser.post(
            "/set-password",
            data={
                "password": SECOND_PASSWORD,
                "confirm": SECOND_PASSWORD,
                "csrf_token": form_token,
            },
        )

    answer = answered_while_held(app.extensions["hub.engine"], first, second)
    assert not isinstance(answer, Exception), answer
    assert answer.status_code == 410
    page = answer.get_data(as_text=True)
    assert "This link has already been used" in page
    assert EMAIL not in page
    assert browser.get("/").status_code == 302  # not signed in
    with sessions() as session:
        assert sign_in_checks.authenticate(session, EMAIL, FIRST_PASSWORD).user is not None
        assert sign_in_checks.authenticate(session, EMAIL, SECOND_PASSWORD).user is None
        session.rollback()
        integrate(session)
        session.commit()
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "password_link.use")
            .order_by(AuditEntry.seq)
        ).all()
        assert [(e.outcome, e.actor_user_id) for e in entries] == [
            ("allowed", user_id),
            ("refused", user_id),
        ]
        assert entries[1].basis == f"link already used (link {link_id})"
