"""New starters and forgotten passwords without the operator: an agency's administrator
adds someone under People and the hub e-mails them a one-time link to set their own
password (a real SMTP server on localhost); a manager or administrator sends a password
reset link, which kills the old password at once. A link works once, for a limited time,
and not after a newer one; each act, and each refusal, is in the audit log without the
address, the name or the token."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.identity_providers import load_identity_providers
from hub.logs import WithoutLinkTokens
from hub.templating import uk_datetime
from sharing import accounts, adding_people, agency_accounts, clock, known_browsers, sign_in_checks
from sharing.access.decide import Actor
from sharing.errors import NotAllowed
from sharing.models import AuditEntry, PasswordLink, SignInSession, User
from sharing.vocabulary import Role, SessionEnd
from tests.fixtures.app import PASSWORD, csrf_token, make_app, totp_secret_of
from tests.fixtures.smtp import Inbox, free_port, smtp_server  # noqa: F401 - a fixture

BASE_URL = "https://asb-hub.test.example"
NEW_PASSWORD = "marmalade-kettle-orchard"
_LINK = re.compile(re.escape(BASE_URL) + r"/set-password/([A-Za-z0-9_-]+)")


@pytest.fixture
def app(tmp_path: Path, smtp_server) -> Iterator[Flask]:  # noqa: F811
    _, port = smtp_server
    app = make_app(
        tmp_path,
        mail_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        base_url=BASE_URL,
        mail_from="hub@test.example",
    )
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def inbox(smtp_server) -> Inbox:  # noqa: F811
    inbox, _ = smtp_server
    inbox.messages.clear()
    inbox.envelopes.clear()
    return inbox


def _add(client: FlaskClient, **fields: object):
    data = {
        "display_name": "Priya Newstarter",
        "email": "priya.newstarter@test.example",
        "roles": ["case_officer"],
        "team": "North team",
        **fields,
    }
    return client.post("/people/new", data={**data, "csrf_token": csrf_token(client, "/people")})


def _send_link(client: FlaskClient, user: User, **fields: object):
    data = {"csrf_token": csrf_token(client, "/people"), **fields}
    return client.post(f"/people/{user.id}/password-link", data=data)


def _token(message: EmailMessage) -> str:
    match = _LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _set_password(app: Flask, token: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    """A fresh browser follows the link and sets ``password``: the page's last answer."""
    browser = app.test_client()
    opened = browser.get(f"/set-password/{token}")
    assert opened.status_code == 302
    assert opened.location == "/set-password"  # the token is out of the address bar
    page = browser.get("/set-password")
    if page.status_code != 200:
        return browser, page
    data = {
        "password": password,
        "confirm": password if confirm is None else confirm,
        "csrf_token": csrf_token(browser, "/set-password"),
    }
    return browser, browser.post("/set-password", data=data)


def _entries(session: Session, action: str, outcome: str = "allowed") -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.outcome == outcome)
            .order_by(AuditEntry.seq)
        )
    )


def _nothing_personal_in_the_log(session: Session, *values: str) -> None:
    session.expire_all()
    for entry in session.scalars(select(AuditEntry)):
        text = " ".join(str(v) for v in (entry.basis, entry.object_id, entry.purpose) if v)
        for value in values:
            assert value.lower() not in text.lower(), (entry.action, text)


def test_a_new_starter_added_by_an_administrator_sets_a_password_and_reaches_home(
    app: Flask, as_user, create_user, db_session: Session, inbox: Inbox
) -> None:
    admin = as_user("administrator")
    assert 'href="/people/new">Add someone</a>' in admin.get("/people").get_data(as_text=True)
    assert admin.get("/people/new").status_code == 200

    added = _add(admin, roles=["case_officer", "partner_viewer"])
    assert added.status_code == 302, added.get_data(as_text=True)
    assert added.location == "/people"
    page = admin.get("/people").get_data(as_text=True)
    assert "Priya Newstarter has an account. We have e-mailed them a link" in page

    user = db_session.scalar(select(User).where(User.email == "priya.newstarter@test.example"))
    assert user is not None
    assert {r.value for r in user.roles} == {"case_officer", "partner_viewer"}
    assert user.team == "North team"
    # No password anyone knows: nothing signs in until they set one.
    signing_in = app.test_client()
    refused = signing_in.post(
        "/sign-in",
        data={
            "email": user.email,
            "password": user.password_hash,
            "csrf_token": csrf_token(signing_in, "/sign-in"),
        },
    )
    assert refused.status_code == 200
    assert "Enter a correct e-mail address and password" in refused.get_data(as_text=True)

    [message] = inbox.to(user.email)
    assert inbox.recipients_of(message) == [user.email]
    body = message.get_content()
    assert message["Subject"] == "Set your password for the ASB partnership hub"
    assert "Test Homes has given you an account in the ASB partnership hub" in body
    assert BASE_URL in body
    for undisclosed in ("Case officer", "case_officer", "Partner viewer", "North team", "Priya"):
        assert undisclosed not in body
    token = _token(message)
    [link] = db_session.scalars(select(PasswordLink).where(PasswordLink.user_id == user.id))
    assert link.token_hash != token.encode()

    browser, done = _set_password(app, token)
    assert done.status_code == 302, done.get_data(as_text=True)
    assert done.location == "/"
    home = browser.get("/")
    assert home.status_code == 200
    assert "Sign in" not in home.get_data(as_text=True).split("<main")[1][:200]

    # The new password signs in; the link is spent.
    again = app.test_client()
    signed_in = again.post(
        "/sign-in",
        data={
            "email": user.email,
            "password": NEW_PASSWORD,
            "csrf_token": csrf_token(again, "/sign-in"),
        },
    )
    assert signed_in.location == "/"
    _, spent = _set_password(app, token)
    assert spent.status_code == 410
    assert "This link has already been used" in spent.get_data(as_text=True)
    assert user.email not in spent.get_data(as_text=True)

    [created] = [e for e in _entries(db_session, "account.create") if e.actor_user_id]
    assert (created.object_type, created.object_id) == ("user", str(user.id))
    assert created.basis == "roles case_officer,partner_viewer"
    [sent] = _entries(db_session, "password_link.send")
    assert sent.basis.startswith(f"new account link {link.id}, valid for 72 hours")
    [used] = _entries(db_session, "password_link.use")
    assert used.actor_user_id == user.id
    [reuse] = _entries(db_session, "password_link.use", "refused")
    assert reuse.basis == f"link already used (link {link.id})"
    _nothing_personal_in_the_log(db_session, user.email, "Priya", "Newstarter", "North", token)


def test_people_says_who_has_not_set_a_password_and_sends_them_a_new_link(
    as_user, db_session: Session, inbox: Inbox
) -> None:
    """A new starter whose link ran out is shown as not having set a password yet, and the
    administrator sends them a new link to set it; nothing speaks of an old password that
    would stop working, which they never had. Before, the page offered only "Send a password
    reset link", and said their old password no longer worked."""
    admin = as_user("administrator")
    assert _add(admin).status_code == 302
    user = db_session.scalar(select(User).where(User.email == "priya.newstarter@test.example"))
    assert user is not None
    people = admin.get("/people").get_data(as_text=True)
    row = people.split("priya.newstarter@test.example", 1)[1].split("</tr>", 1)[0]
    assert "Has not set a password yet" in row
    assert "Send a new link to set their password" in row
    assert "Send a password reset link" not in row

    asking = admin.get(f"/people/{user.id}/password-link").get_data(as_text=True)
    assert "Send Priya Newstarter a new link to set their password" in asking
    assert "has not set a password yet" in asking
    assert "old password" not in asking
    assert "Also reset their authenticator app" not in asking  # they have none yet
    _older(db_session, created_at=timedelta(minutes=10))  # past the wait between two links
    sent = _send_link(admin, user)
    assert sent.status_code == 302
    said = admin.get("/people").get_data(as_text=True)
    assert "We have e-mailed Priya Newstarter a new link to set their password" in said
    assert "Any link sent to them before no longer works" in said
    assert "Their old password no longer works" not in said
    first, second = inbox.to(user.email)
    assert second["Subject"] == "Set your password for the ASB partnership hub"


def test_a_link_used_in_a_browser_signed_in_as_someone_else_signs_them_out_first(
    app: Flask, as_user, create_user, db_session: Session, inbox: Inbox
) -> None:
    """The administrator opens the new starter's link in their own browser: setting the
    password ends the administrator's session on the server, as signing out does (a copy
    of its cookie signs nobody in), before the new starter goes on signed in."""
    admin_user = create_user("administrator", totp=False)
    admin = as_user(user=admin_user)
    _add(admin)
    [message] = inbox.to("priya.newstarter@test.example")
    copy = app.test_client()
    copy.set_cookie("hub_session", admin.get_cookie("hub_session").value)
    assert copy.get("/").status_code == 200

    assert admin.get(f"/set-password/{_token(message)}").location == "/set-password"
    page = admin.get("/set-password").get_data(as_text=True)
    assert "Someone is signed in to the hub in this browser" in page
    assert "Setting this password signs them out first" in page
    done = admin.post(
        "/set-password",
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(admin, "/set-password"),
        },
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    assert done.location == "/"
    home = admin.get("/").get_data(as_text=True)
    assert "Hello, Priya Newstarter" in home
    assert admin_user.display_name not in home
    refused = copy.get("/people")
    assert refused.status_code == 302
    assert refused.location.startswith("/sign-in")

    db_session.expire_all()
    [ended] = db_session.scalars(
        select(SignInSession).where(SignInSession.user_id == admin_user.id)
    )
    assert ended.ended_why == SessionEnd.SIGNED_OUT
    [signed_out] = _entries(db_session, "sign_out")
    assert signed_out.actor_user_id == admin_user.id
    [used] = _entries(db_session, "password_link.use")
    assert used.actor_user_id != admin_user.id
    assert "Sign in" not in admin.get("/").get_data(as_text=True).split("<main")[1][:200]


def test_a_link_refused_in_a_signed_in_browser_leaves_it_signed_in(
    app: Flask, as_user, db_session: Session, inbox: Inbox
) -> None:
    """A password the rules refuse ends nobody's session: the browser is still signed in
    as before."""
    admin = as_user("administrator")
    _add(admin)
    [message] = inbox.to("priya.newstarter@test.example")
    admin.get(f"/set-password/{_token(message)}")
    refused = admin.post(
        "/set-password",
        data={
            "password": "short",
            "confirm": "short",
            "csrf_token": csrf_token(admin, "/set-password"),
        },
    )
    assert refused.status_code == 400
    assert admin.get("/people").status_code == 200
    assert _entries(db_session, "sign_out") == []


def test_a_new_manager_sets_up_their_authenticator_after_their_password(
    app: Flask, as_user, db_session: Session, inbox: Inbox
) -> None:
    admin = as_user("administrator")
    assert _add(admin, roles=["manager"]).status_code == 302
    [message] = inbox.messages
    browser, done = _set_password(app, _token(message))
    assert done.location == "/sign-in/set-up-code"
    page = browser.get("/sign-in/set-up-code").get_data(as_text=True)
    secret = re.search(r"([A-Z2-7]{32})", page)
    assert secret, page
    code = pyotp.TOTP(secret.group(1)).now()
    finished = browser.post(
        "/sign-in/set-up-code",
        data={"code": code, "csrf_token": csrf_token(browser, "/sign-in/set-up-code")},
    )
    assert finished.location == "/"
    assert browser.get("/").status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "USER1@test.example"}, "email", "Someone already has an account in the hub"),
        ({"email": "priya at test"}, "email", "Enter an e-mail address in the correct format"),
        ({"email": ""}, "email", "Enter their work e-mail address"),
        ({"roles": []}, "roles", "Select at least one role"),
        ({"roles": ["superuser"]}, "roles", "Select roles from those offered"),
        ({"display_name": "  "}, "display_name", "Enter their name"),
        ({"team": "x" * 121}, "team", "The team must be 120 characters or fewer"),
    ],
)
def test_adding_someone_refuses_bad_input_naming_the_field(
    as_user, create_user, db_session: Session, inbox: Inbox, fields, field, message
) -> None:
    create_user("case_officer")  # user1@test.example
    admin = as_user("administrator")
    answer = _add(admin, **fields)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert message in page
    assert f'href="#{field}' in page  # the error summary links to the field
    db_session.expire_all()
    assert db_session.scalar(select(User).where(User.email.like("priya%"))) is None
    assert inbox.messages == []
    assert [e.object_id for e in _entries(db_session, "account.create") if e.actor_user_id] == []


def test_an_empty_form_names_every_field_to_fill_in_at_once(as_user, inbox: Inbox) -> None:
    admin = as_user("administrator")
    answer = _add(admin, display_name="", email="", roles=[], team="")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    for message in (
        "Enter their name",
        "Enter their work e-mail address",
        "Select at least one role",
    ):
        assert page.count(message) == 2  # in the error summary and at the field
    assert inbox.messages == []


def test_an_add_the_form_refuses_is_recorded_naming_the_fields_not_the_values(
    as_user, create_user, db_session: Session, inbox: Inbox
) -> None:
    """Nothing filled in, or no role chosen: refused by the form before the core sees it,
    and recorded as any other refused add."""
    admin_user = create_user("administrator")
    admin = as_user(user=admin_user)
    assert _add(admin, display_name="", email="", roles=[], team="").status_code == 400
    assert _add(admin, roles=[]).status_code == 400
    assert _add(admin, roles=["superuser"], team="Quayside " * 40).status_code == 400
    refused = _entries(db_session, "account.create", "refused")
    assert [(e.actor_user_id, e.object_type, e.object_id) for e in refused] == [
        (admin_user.id, "user", None)
    ] * 3
    assert [e.basis for e in refused] == [
        "refused input: display_name, email, roles",
        "refused input: roles",
        "refused input: roles, team",
    ]
    assert inbox.messages == []
    _nothing_personal_in_the_log(db_session, "priya", "Quayside")


def test_a_refused_add_is_recorded_naming_the_field_not_the_value(
    as_user, db_session: Session
) -> None:
    admin = as_user("administrator")
    assert _add(admin, email="priya at test").status_code == 400
    [refused] = _entries(db_session, "account.create", "refused")
    assert refused.basis == "refused input: email"


def test_only_administrators_add_people_and_refusals_are_recorded(
    as_user, create_user, db_session: Session, inbox: Inbox
) -> None:
    manager_user = create_user("manager")
    manager = as_user(user=manager_user)
    assert "Add someone" not in manager.get("/people").get_data(as_text=True)
    assert manager.get("/people/new").status_code == 403
    assert _add(manager).status_code == 403
    officer = as_user("case_officer")
    assert officer.get("/people/new").status_code == 403
    assert inbox.messages == []
    refused = _entries(db_session, "account.create", "refused")
    assert [(e.actor_user_id, e.basis) for e in refused] == [
        (manager_user.id, "only an administrator of the agency adds people"),
        (manager_user.id, "only an administrator of the agency adds people"),
    ]
    assert _entries(db_session, "page.refused", "refused")


def test_a_password_that_breaks_the_rules_is_refused_and_the_link_still_works(
    app: Flask, as_user, inbox: Inbox
) -> None:
    admin = as_user("administrator")
    assert _add(admin).status_code == 302
    token = _token(inbox.messages[0])
    _, short = _set_password(app, token, password="too-short")
    assert short.status_code == 400
    assert "Password must be at least 12 characters" in short.get_data(as_text=True)
    _, repeated = _set_password(app, token, password="abababababababab")
    assert "Password must not repeat the same few characters" in repeated.get_data(as_text=True)
    _, unlike = _set_password(app, token, confirm="marmalade-kettle-orchard!")
    assert unlike.status_code == 400
    assert "The passwords do not match" in unlike.get_data(as_text=True)
    _, done = _set_password(app, token)
    assert done.location == "/"


def test_a_forgotten_password_is_reset_by_a_link_from_a_manager(
    app: Flask, as_user, create_user, db_session: Session, inbox: Inbox
) -> None:
    officer = create_user("case_officer", totp=False)
    officer_client = as_user(user=officer)
    token_before = officer.session_token
    # A browser the officer signed in with before, as its cookie names the account now.
    browser = known_browsers.KnownBrowser(officer.id, known_browsers.token_for(officer), "k")
    assert known_browsers.trusted(db_session, officer, browser, clock.now())
    manager = as_user("manager")
    page = manager.get("/people").get_data(as_text=True)
    assert f"/people/{officer.id}/password-link" in page
    ask = manager.get(f"/people/{officer.id}/password-link").get_data(as_text=True)
    assert "their old password stops working at once" in ask
    assert "Also reset their authenticator app" not in ask  # administrators only

    sent = _send_link(manager, officer)
    assert sent.location == "/people"
    assert "Their old password no longer works" in manager.get("/people").get_data(as_text=True)
    # Signed out everywhere; the old password is dead at once; known browsers forgotten.
    assert officer_client.get("/").status_code == 302
    db_session.expire_all()
    officer = db_session.get(User, officer.id)
    assert officer.session_token != token_before
    assert not sign_in_checks.authenticate(db_session, officer.email, PASSWORD).user
    db_session.rollback()
    assert not known_browsers.trusted(db_session, officer, browser, clock.now())

    # Locked out by wrong passwords meanwhile: setting the new password lifts the lock.
    officer.locked_until = clock.now() + timedelta(minutes=10)
    db_session.commit()
    [message] = inbox.to(officer.email)
    assert message["Subject"] == "Set a new password for the ASB partnership hub"
    assert "reset your password" in message.get_content()
    _, done = _set_password(app, _token(message))
    assert done.location == "/"
    [entry] = _entries(db_session, "password_link.send")
    assert entry.basis.startswith("password reset link")
    assert _entries(db_session, "password.reset")[-1].basis == "by a link to set a new password"
    _nothing_personal_in_the_log(db_session, officer.email, _token(message))


def test_a_reset_keeps_the_authenticator_unless_an_administrator_resets_it_too(
    app: Flask, as_user, create_user, db_session: Session, inbox: Inbox
) -> None:
    dpo = create_user("dpo")  # has an authenticator app
    other = create_user("manager")
    admin = as_user("administrator")
    assert _send_link(admin, dpo).location == "/people"
    browser, done = _set_password(app, _token(inbox.to(dpo.email)[0]))
    assert done.location == "/sign-in/code"  # their code, as at any sign-in
    code = pyotp.TOTP(totp_secret_of(dpo)).now()
    signed_in = browser.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_token(browser, "/sign-in/code")}
    )
    assert signed_in.location == "/"

    assert _send_link(admin, other, reset_authenticator="y").location == "/people"
    _, done = _set_password(app, _token(inbox.to(other.email)[0]))
    assert done.location == "/sign-in/set-up-code"
    assert _entries(db_session, "second_factor.reset")[-1].object_id == str(other.id)


def test_who_may_not_send_a_reset_link_is_refused_and_recorded(
    as_user, create_user, partnership, db_session: Session, inbox: Inbox
) -> None:
    officer = create_user("case_officer")
    manager_user = create_user("manager")
    manager = as_user(user=manager_user)
    # A manager may not reset an authenticator app.
    assert _send_link(manager, officer, reset_authenticator="y").status_code == 403
    # Nor anyone their own password.
    own = _send_link(manager, manager_user)
    assert own.location == "/people"
    assert "You cannot send yourself a password reset link" in manager.get("/people").get_data(
        as_text=True
    )
    # Nor another agency's person: not found.
    police_admin_user = create_user("administrator", agency=partnership.police)
    police_admin = as_user(user=police_admin_user)
    assert police_admin.get(f"/people/{officer.id}/password-link").status_code == 404
    assert _send_link(police_admin, officer).status_code == 404
    # Nor a disabled account.
    agency_accounts.set_active(db_session, officer, False)
    db_session.commit()
    assert _send_link(manager, officer).status_code == 403
    # Nor a case officer, whose role does not open People.
    assert _send_link(as_user("case_officer"), officer).status_code == 403
    assert inbox.messages == []
    refused = _entries(db_session, "password_link.send", "refused")
    assert [(e.actor_user_id, e.basis) for e in refused] == [
        (manager_user.id, "only an administrator of the agency resets an authenticator app"),
        (
            manager_user.id,
            "nobody sends themselves a password reset link: another manager or "
            "administrator of the agency, or the hub's operator, does",
        ),
        (
            police_admin_user.id,
            "not found for the requester: the account belongs to another agency",
        ),
        (
            police_admin_user.id,
            "not found for the requester: the account belongs to another agency",
        ),
        (manager_user.id, "the account is disabled"),
    ]


def test_a_second_click_soon_after_says_a_link_was_just_sent(
    as_user, create_user, db_session: Session, inbox: Inbox
) -> None:
    officer = create_user("case_officer")
    manager = as_user("manager")
    assert _send_link(manager, officer).location == "/people"
    again = _send_link(manager, officer)
    assert again.location == "/people"
    page = html.unescape(manager.get("/people").get_data(as_text=True))
    db_session.expire_all()
    [link] = db_session.scalars(select(PasswordLink).where(PasswordLink.user_id == officer.id))
    sent, again_from = (
        uk_datetime(link.created_at),
        uk_datetime(link.created_at + timedelta(minutes=5)),
    )
    assert (
        f"A link was sent to {officer.display_name} on {sent}. You can send another from "
        f"{again_from}."
    ) in page
    assert len(inbox.to(officer.email)) == 1
    [refused] = _entries(db_session, "password_link.send", "refused")
    assert refused.basis == "a link was sent to the account a moment ago"


def _older(session: Session, **moved: timedelta) -> None:
    """Every link made ``moved`` earlier, as if time had passed."""
    for link in session.scalars(select(PasswordLink)):
        for column, by in moved.items():
            setattr(link, column, getattr(link, column) - by)
    session.commit()


def test_an_expired_link_says_so_and_who_to_ask(
    app: Flask, as_user, db_session: Session, inbox: Inbox
) -> None:
    admin = as_user("administrator")
    assert _add(admin).status_code == 302
    token = _token(inbox.messages[0])
    _older(db_session, expires_at=timedelta(hours=73))
    _, expired = _set_password(app, token)
    assert expired.status_code == 410
    page = expired.get_data(as_text=True)
    assert "This link has expired" in page
    assert "Ask a manager or administrator of your agency to send you a new link" in page
    assert "priya" not in page.lower()
    [entry] = _entries(db_session, "password_link.use", "refused")
    assert entry.basis.startswith("link expired (link ")


def test_a_newer_link_voids_the_one_before(
    app: Flask, as_user, create_user, db_session: Session, inbox: Inbox
) -> None:
    officer = create_user("case_officer")
    manager = as_user("manager")
    assert _send_link(manager, officer).location == "/people"
    _older(db_session, created_at=timedelta(minutes=6))
    assert _send_link(manager, officer).location == "/people"
    first, second = (_token(m) for m in inbox.to(officer.email))
    _, old = _set_password(app, first)
    assert old.status_code == 410
    assert "This link no longer works" in old.get_data(as_text=True)
    [entry] = _entries(db_session, "password_link.use", "refused")
    assert entry.basis.startswith("link void: a newer link was sent")
    _, done = _set_password(app, second)
    assert done.location == "/"


def test_a_link_is_void_once_the_account_is_disabled_or_the_password_set_another_way(
    app: Flask, as_user, create_user, db_session: Session, inbox: Inbox
) -> None:
    first, second = create_user("case_officer"), create_user("case_officer")
    manager = as_user("manager")
    for user in (first, second):
        assert _send_link(manager, user).location == "/people"
    agency_accounts.set_active(db_session, first, False, by=None)
    agency_accounts.set_active(db_session, first, True, by=None)  # enabled again: still void
    accounts.reset_password(db_session, second, "operator-typed-password")
    db_session.commit()
    for user in (first, second):
        _, void = _set_password(app, _token(inbox.to(user.email)[0]))
        assert void.status_code == 410
    bases = [e.basis for e in _entries(db_session, "password_link.use", "refused")]
    assert bases[0].startswith("link void: the account was disabled")
    assert bases[1].startswith("link void: the password was set another way")


def test_an_unknown_link_says_so_without_anything_of_an_account(
    app: Flask, db_session: Session
) -> None:
    _, unknown = _set_password(app, "not-a-real-token")
    assert unknown.status_code == 410
    assert "This link does not work" in unknown.get_data(as_text=True)
    [entry] = _entries(db_session, "password_link.use", "refused")
    assert (entry.basis, entry.object_id, entry.actor_user_id) == ("no such link", None, None)


def test_the_development_servers_request_lines_leave_the_token_out() -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "05/Dec/2026", "GET /set-password/s3cr3t-T0ken_x HTTP/1.1", "302", "-"),
        None,
    )
    assert WithoutLinkTokens().filter(record)
    assert "s3cr3t" not in record.getMessage()
    assert "GET /set-password/… HTTP/1.1" in record.getMessage()


def test_a_link_the_mail_server_would_not_take_is_void_and_may_be_sent_again(
    app: Flask, as_user, db_session: Session
) -> None:
    settings = app.config["HUB_SETTINGS"]
    app.config["HUB_SETTINGS"] = replace(
        settings, mail=replace(settings.mail, smtp_port=free_port())
    )
    admin = as_user("administrator")
    assert _add(admin).location == "/people"
    assert "could not be sent" in admin.get("/people").get_data(as_text=True)
    user = db_session.scalar(select(User).where(User.email.like("priya%")))
    assert user is not None  # the account stays: a link may be sent again
    [link] = db_session.scalars(select(PasswordLink))
    assert link.voided_why == "the e-mail could not be sent"
    [failed] = _entries(db_session, "password_link.send", "failed")
    assert failed.basis == f"link {link.id}: the e-mail could not be sent (ConnectionRefusedError)"
    # Not counted as a link just sent: another may be sent at once, once mail goes again.
    app.config["HUB_SETTINGS"] = settings
    assert _send_link(admin, user).location == "/people"
    assert "We have e-mailed" in admin.get("/people").get_data(as_text=True)
    db_session.expire_all()
    assert [k.kind for k in db_session.scalars(select(PasswordLink))] == [
        "new account",
        "new account",
    ]


def test_the_core_refuses_a_manager_adding_someone(create_user, db_session: Session) -> None:
    manager = create_user("manager")
    with pytest.raises(NotAllowed):
        adding_people.add_person(
            db_session,
            Actor.of(manager),
            email="x@test.example",
            name="X",
            roles={Role.CASE_OFFICER},
            team=None,
        )


def test_staff_whose_agency_signs_them_in_through_its_provider_get_no_password_link(
    app: Flask, as_user, db_session: Session, inbox: Inbox, tmp_path: Path
) -> None:
    providers = tmp_path / "identity-providers.toml"
    providers.write_text(
        "[test-homes]\n"
        'name = "Test Homes"\n'
        'issuer = "http://127.0.0.1:9/realms/homes"\n'
        'client_id = "asb-hub"\n'
        'client_secret_env = "HOMES_SECRET"\n'
        'email_domains = ["homes.example"]\n'
    )
    app.extensions["hub.identity_providers"] = load_identity_providers(
        providers, production=False, environ={"HOMES_SECRET": "s3cret"}
    )
    admin = as_user("administrator")
    added = _add(admin, email="sam.sso@homes.example")
    assert added.location == "/people"
    page = admin.get("/people").get_data(as_text=True)
    assert "They sign in with their Test Homes account: no hub password is set." in page
    assert inbox.messages == []
    user = db_session.scalar(select(User).where(User.email == "sam.sso@homes.example"))
    assert user is not None
    assert db_session.scalars(select(PasswordLink)).all() == []
    # Nor a reset link: their password is the provider's.
    assert _send_link(admin, user).location == "/people"
    assert "their password is reset at Test Homes" in admin.get("/people").get_data(as_text=True)
    assert inbox.messages == []
    # An address outside the provider's domains still gets its link.
    assert _add(admin, email="contractor@elsewhere.example").location == "/people"
    assert len(inbox.to("contractor@elsewhere.example")) == 1


def test_an_administrator_disabled_a_moment_before_adds_nobody(
    create_user, db_session: Session
) -> None:
    admin = create_user("administrator")
    acting = Actor.of(admin)  # as their request began
    agency_accounts.set_active(db_session, admin, False)
    db_session.commit()
    with pytest.raises(NotAllowed):
        adding_people.add_person(
            db_session,
            acting,
            email="x@test.example",
            name="X",
            roles={Role.CASE_OFFICER},
            team=None,
        )
    db_session.rollback()
    assert accounts.find_user(db_session, "x@test.example") is None
