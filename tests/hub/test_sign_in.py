"""Signing in and out: passwords, second factor, lock-out, idle timeout, CSRF."""

from __future__ import annotations

import html
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.app import create_app
from hub.config import load_settings
from hub.templating import uk_datetime
from sharing import accounts, agency_accounts, authenticator_apps, clock, sign_in_checks
from sharing.access.decide import Actor
from sharing.errors import NotAllowed
from sharing.models import AuditEntry, SignInSession, User
from tests.fixtures.app import (
    PASSWORD,
    audit_log_failing,
    csrf_token,
    own_partnership_files,
    sign_in,
    sign_in_through_pages,
    totp_secret_of,
)

#: What the sign-in page says once its sender has failed five times, whoever's address.
LOCKED_AFTER = "An account is locked for 15 minutes after 5 failed attempts in a row"


def _setup_key(page: str) -> str:
    """The setup key the authenticator set-up page shows, to type into the app."""
    match = re.search(r'Setup key: <code class="[^"]*">([A-Z2-7]+)</code>', page)
    assert match, "no setup key on the page"
    return match.group(1)


def _cookie(client) -> str:
    """What the browser's session cookie holds, read as anyone holding it could (it is
    signed, not encrypted), with the hub's own serializer."""
    app = client.application
    value = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return repr(app.session_interface.get_signing_serializer(app).loads(value))


def _post_sign_in(client, email: str, password: str):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-in")},
    )


def test_case_officer_signs_in_with_a_password_and_lands_on_home(app: Flask, create_user) -> None:
    user = create_user("case_officer")
    client = app.test_client()
    response = _post_sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response.location == "/"
    assert f"Hello, {user.display_name}" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(app: Flask, create_user) -> None:
    user = create_user("case_officer")
    client = app.test_client()
    wrong = _post_sign_in(client, user.email, "not-the-password-at-all").get_data(as_text=True)
    unknown = _post_sign_in(client, "nobody@test.example", PASSWORD).get_data(as_text=True)
    for page in (wrong, unknown):
        assert "Enter a correct e-mail address and password" in page
        assert "There is a problem" in page
    assert client.get("/").status_code == 302


def test_empty_fields_are_named_in_the_error_summary(app: Flask) -> None:
    client = app.test_client()
    page = _post_sign_in(client, "", "").get_data(as_text=True)
    assert "Enter your e-mail address" in page
    assert "Enter your password" in page
    assert 'href="#email"' in page


def test_five_failures_lock_the_account_even_against_the_right_password(
    app: Flask, create_user, db_session: Session
) -> None:
    user = create_user("case_officer")
    client = app.test_client()
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS):
        assert "Enter a correct" in _post_sign_in(
            client, user.email, "wrong-password-123"
        ).get_data(as_text=True)
    response = _post_sign_in(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert LOCKED_AFTER in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, user.id).locked_until is not None


def _as_anyone_sees(page: str, email: str) -> str:
    """The page without what differs on every page (its CSRF token, its script nonce) or
    was typed (the address)."""
    page = re.sub(r'value="[^"]*"(?= *>| */>)', "", page.replace(email, "EMAIL"))
    return re.sub(r'nonce="[^"]*"', "", re.sub(r'name="csrf_token"[^>]*', "", page))


def test_an_account_locked_out_answers_as_an_address_with_no_account(
    app: Flask, create_user, db_session: Session
) -> None:
    """Nobody learns from the sign-in page which addresses have accounts: after five
    wrong passwords, an account's page (for the right password too) is the page an
    address with no account gets after five, each from a place of its own. Both say
    that an account is locked after five, as any page does once its sender has failed
    five times."""
    user = create_user("case_officer")
    pages = []
    for email, place in ((user.email, "203.0.113.1"), ("no.one@test.example", "203.0.113.2")):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = place
        for n in range(sign_in_checks.MAX_FAILED_SIGN_INS):
            page = _post_sign_in(client, email, "wrong-password-123").get_data(as_text=True)
            assert (LOCKED_AFTER in page) == (n == sign_in_checks.MAX_FAILED_SIGN_INS - 1), n
        answer = _post_sign_in(client, email, PASSWORD)
        pages.append((answer.status_code, _as_anyone_sees(answer.get_data(as_text=True), email)))
    assert pages[0] == pages[1]
    assert pages[0][0] == 200
    assert "Enter a correct e-mail address and password" in pages[0][1]
    assert LOCKED_AFTER in pages[0][1]
    assert "Your account is locked" not in pages[0][1]
    db_session.expire_all()
    assert db_session.get(User, user.id).locked_until is not None


def test_lock_out_ends_after_its_time(db_session: Session, create_user) -> None:
    user = create_user("case_officer")
    now = datetime.now(UTC)
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS):
        sign_in_checks.authenticate(db_session, user.email, "wrong-password-123", now=now)
    assert (
        sign_in_checks.authenticate(db_session, user.email, PASSWORD, now=now).outcome
        is sign_in_checks.SignInOutcome.LOCKED
    )
    later = now + sign_in_checks.LOCKOUT + timedelta(seconds=1)
    assert (
        sign_in_checks.authenticate(db_session, user.email, PASSWORD, now=later).outcome
        is sign_in_checks.SignInOutcome.OK
    )


def test_manager_without_an_authenticator_must_set_one_up_before_getting_in(
    app: Flask, create_user
) -> None:
    user = create_user("manager", totp=False)
    client = app.test_client()
    response = _post_sign_in(client, user.email, PASSWORD)
    assert response.location.endswith("/sign-in/set-up-code")
    assert client.get("/").status_code == 302  # not signed in yet
    page = client.get("/sign-in/set-up-code").get_data(as_text=True)
    assert "Set up your authenticator app" in page
    secret = _setup_key(page)
    token = csrf_token(client, "/sign-in/set-up-code")
    wrong = client.post("/sign-in/set-up-code", data={"code": "000000", "csrf_token": token})
    assert "The security code is not correct" in wrong.get_data(as_text=True)
    right = client.post(
        "/sign-in/set-up-code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert right.status_code == 302
    assert client.get("/").status_code == 200


def test_the_authenticator_key_being_set_up_stays_on_the_server_not_in_the_cookie(
    app: Flask, create_user, db_session: Session
) -> None:
    user = create_user("manager", totp=False)
    client = app.test_client()
    assert _post_sign_in(client, user.email, PASSWORD).location.endswith("/sign-in/set-up-code")
    secret = _setup_key(client.get("/sign-in/set-up-code").get_data(as_text=True))
    cookie = _cookie(client)
    assert secret not in cookie
    assert user.session_token not in cookie
    token = csrf_token(client, "/sign-in/set-up-code")
    code = pyotp.TOTP(secret).now()
    assert (
        client.post("/sign-in/set-up-code", data={"code": code, "csrf_token": token}).location
        == "/"
    )
    assert secret not in _cookie(client)

    # Set up under "Your account", then left half done: the key is not in the cookie, and
    # once that session ends it is nowhere (the next set-up gets a new one).
    officer = create_user("case_officer")
    browser = app.test_client()
    sign_in_through_pages(browser, officer)
    offered = _setup_key(browser.get("/account/second-factor").get_data(as_text=True))
    assert offered == _setup_key(browser.get("/account/second-factor").get_data(as_text=True))
    assert offered not in _cookie(browser)
    browser.post("/sign-out", data={"csrf_token": csrf_token(browser, "/")})
    db_session.expire_all()
    assert not db_session.get(User, officer.id).has_authenticator
    with app.extensions["hub.engine"].connect() as connection:
        dump = "\n".join(connection.connection.driver_connection.iterdump())
    assert offered not in dump
    sign_in_through_pages(browser, officer)
    assert offered != _setup_key(browser.get("/account/second-factor").get_data(as_text=True))


def test_setting_up_an_authenticator_app_is_recorded(
    app: Flask, create_user, db_session: Session
) -> None:
    manager = create_user("manager", totp=False)
    client = app.test_client()
    _post_sign_in(client, manager.email, PASSWORD)
    secret = _setup_key(client.get("/sign-in/set-up-code").get_data(as_text=True))
    token = csrf_token(client, "/sign-in/set-up-code")
    client.post(
        "/sign-in/set-up-code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    officer = create_user("case_officer")
    browser = app.test_client()
    sign_in(browser, officer)
    secret = _setup_key(browser.get("/account/second-factor").get_data(as_text=True))
    token = csrf_token(browser, "/account/second-factor")
    browser.post(
        "/account/second-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    db_session.expire_all()
    enrolled = db_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "second_factor.enrol")
        .order_by(AuditEntry.seq)
    ).all()
    assert [(e.actor_user_id, e.object_id, e.actor_roles) for e in enrolled] == [
        (manager.id, str(manager.id), "manager"),
        (officer.id, str(officer.id), "case_officer"),
    ]
    assert all(secret not in (e.basis or "") for e in enrolled)


def test_second_factor_code_is_checked_and_cannot_be_replayed(app: Flask, create_user) -> None:
    user = create_user("dpo")
    first = app.test_client()
    assert _post_sign_in(first, user.email, PASSWORD).location.endswith("/sign-in/code")
    token = csrf_token(first, "/sign-in/code")
    assert "not correct" in first.post(
        "/sign-in/code", data={"code": "12345x", "csrf_token": token}
    ).get_data(as_text=True)
    code = pyotp.TOTP(totp_secret_of(user)).now()
    assert first.post("/sign-in/code", data={"code": code, "csrf_token": token}).status_code == 302
    second = app.test_client()
    _post_sign_in(second, user.email, PASSWORD)
    replay = second.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_token(second, "/sign-in/code")}
    )
    assert "already been used" in replay.get_data(as_text=True)
    assert second.get("/").status_code == 302


def test_idle_session_is_signed_out_and_a_post_changes_nothing(
    app: Flask, create_user, create_case, db_session
) -> None:
    user = create_user("case_officer")
    case = create_case(user)
    client = app.test_client()
    sign_in(client, user)
    token = csrf_token(client, f"/cases/{case.id}/close")
    with clock.pinned(clock.now() + timedelta(minutes=31)):
        response = client.post(
            f"/cases/{case.id}/close",
            data={"reason": "resolved", "outcome": "not_resolved", "csrf_token": token},
        )
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    assert "signed out because you had not used the hub for 30 minutes" in client.get(
        "/sign-in"
    ).get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(type(case), case.id).status.value == "active"


def test_a_session_in_use_stays_signed_in_past_the_idle_limit(app: Flask, create_user) -> None:
    user = create_user("case_officer")
    client = app.test_client()
    sign_in(client, user)
    start = clock.now()
    for minutes in (20, 40, 60):  # a request every 20 minutes, against a limit of 30
        with clock.pinned(start + timedelta(minutes=minutes)):
            assert client.get("/").status_code == 200, minutes


def test_form_without_csrf_token_is_refused_and_nothing_changes(
    as_user, create_user, create_case, db_session
) -> None:
    user = create_user("case_officer")
    case = create_case(user)
    client = as_user(user=user)
    response = client.post(f"/cases/{case.id}/close", data={"reason": "resolved"})
    assert response.status_code == 400
    assert "Your form could not be submitted" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(type(case), case.id).status.value == "active"


def _copy_of_cookie(app: Flask, client) -> object:
    """A second browser holding a copy of ``client``'s session cookie, as someone who
    took the cookie would."""
    thief = app.test_client()
    thief.set_cookie("hub_session", client.get_cookie("hub_session").value)
    return thief


def test_sign_out_ends_the_session_even_for_a_copy_of_its_cookie(app: Flask, as_user) -> None:
    client = as_user("case_officer")
    copy = _copy_of_cookie(app, client)
    assert copy.get("/").status_code == 200
    assert client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    assert client.get("/").status_code == 302
    refused = copy.get("/cases")
    assert refused.status_code == 302
    assert refused.location.startswith("/sign-in")


def test_signing_out_in_one_browser_leaves_the_users_other_browsers_signed_in(
    app: Flask, create_user
) -> None:
    user = create_user("case_officer")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user)
    laptop.post("/sign-out", data={"csrf_token": csrf_token(laptop, "/")})
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200


def test_password_reset_ends_existing_sessions(
    app: Flask, as_user, create_user, db_session: Session
) -> None:
    user = create_user("case_officer")
    client = as_user(user=user)
    copy = _copy_of_cookie(app, client)
    assert client.get("/").status_code == 200
    accounts.reset_password(db_session, user, "a-brand-new-password-99")
    db_session.commit()
    assert client.get("/").status_code == 302
    assert copy.get("/").status_code == 302
    assert "your password was reset" in client.get("/sign-in").get_data(as_text=True)


def test_resetting_the_authenticator_app_ends_existing_sessions(
    as_user, create_user, db_session: Session
) -> None:
    user = create_user("manager")
    client = as_user(user=user)
    assert client.get("/").status_code == 200
    authenticator_apps.reset_second_factor(db_session, user)
    db_session.commit()
    assert client.get("/").status_code == 302
    assert not user.has_authenticator


def test_disabling_an_account_ends_its_sessions_and_it_cannot_sign_in(
    app: Flask, as_user, create_user, db_session: Session
) -> None:
    user = create_user("case_officer")
    client = as_user(user=user)
    agency_accounts.set_active(db_session, user, False)
    db_session.commit()
    assert client.get("/").status_code == 302
    told = html.unescape(client.get("/sign-in").get_data(as_text=True))
    assert "You were signed out because your account was disabled." in told
    assert "ask your manager or your agency's administrator" in told
    assert "Sign in again" not in told, "they cannot"
    page = _post_sign_in(app.test_client(), user.email, PASSWORD).get_data(as_text=True)
    assert "Enter a correct e-mail address and password" in page
    agency_accounts.set_active(db_session, user, True)
    db_session.commit()
    assert _post_sign_in(app.test_client(), user.email, PASSWORD).status_code == 302


def test_a_user_signs_out_everywhere_from_their_account_page(app: Flask, create_user) -> None:
    user = create_user("case_officer")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user)
    assert "2 devices or browsers" in laptop.get("/account").get_data(as_text=True)
    response = laptop.post(
        "/account/sign-out-everywhere", data={"csrf_token": csrf_token(laptop, "/account")}
    )
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302


def _before_this(client) -> str:
    page = client.get("/account").get_data(as_text=True)
    match = re.search(
        r"Signed in before this\s*</dt>\s*<dd[^>]*>\s*(.*?)\s*</dd>", page, flags=re.S
    )
    assert match, page
    return match.group(1)


def test_your_account_shows_the_sign_in_before_this_one(
    app: Flask, db_session: Session, create_user
) -> None:
    """ "Your account" shows when and how the user signed in before this session, so that
    they may notice a sign-in that was not theirs: never before, at first; the other
    device's sign-in, once there is one; never this session's own start."""
    user = create_user("case_officer")
    laptop, phone = app.test_client(), app.test_client()
    sign_in_through_pages(laptop, user)
    assert _before_this(laptop) == "Never: this is your first sign-in"
    sign_in_through_pages(phone, user)
    first, second = db_session.scalars(
        select(SignInSession).where(SignInSession.user_id == user.id).order_by(SignInSession.id)
    ).all()
    assert second.method == "password"
    assert _before_this(phone) == f"{uk_datetime(first.started_at)} (password)"
    assert _before_this(laptop) == "Never: this is your first sign-in"  # the phone's is after
    # Signed out and in again on the laptop: the phone's sign-in was the one before.
    laptop.post("/sign-out", data={"csrf_token": csrf_token(laptop, "/account")})
    sign_in_through_pages(laptop, user)
    assert _before_this(laptop) == f"{uk_datetime(second.started_at)} (password)"


def test_next_page_is_followed_only_within_the_site(app: Flask, create_user) -> None:
    user = create_user("case_officer")
    client = app.test_client()
    assert client.get("/cases").location == "/sign-in?next=/cases"
    token = csrf_token(client, "/sign-in")
    ok = client.post(
        "/sign-in?next=/cases",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert ok.location == "/cases"


def test_a_sign_in_address_holding_a_null_byte_is_refused_and_goes_nowhere(
    app: Flask, create_user, db_session: Session
) -> None:
    user = create_user("case_officer")
    client = app.test_client()
    response = client.post(
        "/sign-in?next=/%00/evil.example",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    assert response.status_code == 400
    assert "a character no one types" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, user.id).last_sign_in_at is None


@pytest.mark.parametrize(
    "next_page",
    [
        "//evil.example/",
        "/%09/evil.example",  # browsers strip the tab: //evil.example
        "/%0A/evil.example",
        "/%0D%0A/evil.example",
        "/%5C/evil.example",  # a backslash reads as a slash
        "https://evil.example/",
        "/%E3%80%80/evil.example",  # an ideographic space
    ],
)
def test_a_next_page_off_the_site_is_not_followed_and_the_sign_in_is_recorded(
    app: Flask, create_user, db_session: Session, next_page: str
) -> None:
    user = create_user("case_officer")
    client = app.test_client()
    response = client.post(
        f"/sign-in?next={next_page}",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/cases").status_code == 200
    db_session.expire_all()
    assert db_session.get(User, user.id).last_sign_in_at is not None
    recorded = db_session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "sign_in", AuditEntry.actor_user_id == user.id
        )
    ).all()
    assert len(recorded) == 1


def test_a_sign_in_that_cannot_be_recorded_is_not_done(
    app: Flask, create_user, db_session: Session
) -> None:
    user = create_user("case_officer")
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    with audit_log_failing(app):
        response = client.post(
            "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
    assert response.status_code == 503
    assert client.get("/cases").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, user.id).last_sign_in_at is None


def test_cookies_are_secure_outside_development(tmp_path: Path, keys) -> None:
    key_store = keys.path
    settings = load_settings(
        environ=own_partnership_files(tmp_path / "own"),
        environment="production",
        instance_path=str(tmp_path),
        database_url="postgresql+psycopg://hub@127.0.0.1:1/hub",
        secret_key=secrets.token_urlsafe(40),
        key_store=str(key_store),
    )
    app = create_app(settings)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    app.extensions["hub.engine"].dispose()


def test_development_cookies_are_http_only_and_same_site(app: Flask, create_user) -> None:
    user = create_user("case_officer")
    client = app.test_client()
    response = _post_sign_in(client, user.email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaaaaaa", "x" * 300])
def test_weak_passwords_are_refused_with_a_reason(password: str) -> None:
    with pytest.raises(accounts.AccountError):
        accounts.hash_password(password)


def test_case_officer_may_choose_to_set_up_an_authenticator(
    as_user, create_user, app: Flask
) -> None:
    user = create_user("case_officer")
    client = as_user(user=user)
    assert "Not set up (optional for your roles)" in client.get("/account").get_data(as_text=True)
    secret = _setup_key(client.get("/account/second-factor").get_data(as_text=True))
    token = csrf_token(client, "/account/second-factor")
    done = client.post(
        "/account/second-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert done.location == "/account"
    assert "Your authenticator app is set up" in client.get("/account").get_data(as_text=True)
    fresh = app.test_client()
    assert _post_sign_in(fresh, user.email, PASSWORD).location.endswith("/sign-in/code")


def test_a_password_hashed_at_another_cost_is_rehashed_at_the_configured_one(
    app: Flask, create_user, db_session
) -> None:
    user = create_user("case_officer")
    user.password_hash = accounts.hash_password(PASSWORD, accounts.HashingCost(1, 128, 1))
    db_session.commit()
    response = _post_sign_in(app.test_client(), user.email, PASSWORD)
    assert response.status_code == 302
    db_session.refresh(user)
    assert user.password_hash.startswith("$argon2id$v=19$m=64,t=1,p=1$")  # the tests' setting


def test_a_manager_signs_a_user_out_everywhere_and_the_log_says_who(
    app: Flask, as_user, create_user, db_session: Session
) -> None:
    officer = create_user("case_officer")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, officer)
    sign_in(phone, officer)
    manager = as_user("manager")
    people = manager.get("/people").get_data(as_text=True)
    assert officer.display_name in people
    assert "On 2 devices or browsers" in people
    response = manager.post(
        f"/people/{officer.id}/sign-out", data={"csrf_token": csrf_token(manager, "/people")}
    )
    assert response.status_code == 302
    assert "is signed out everywhere (2 sessions ended)" in manager.get("/people").get_data(
        as_text=True
    )
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert "signed out by your agency" in laptop.get("/sign-in").get_data(as_text=True)
    entry = db_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "sessions.end")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert (entry.object_id, entry.actor_roles) == (str(officer.id), "manager")
    assert officer.display_name not in (entry.basis or "")


def test_an_administrator_disables_and_enables_an_account_but_not_their_own(
    app: Flask, as_user, create_user
) -> None:
    officer = create_user("case_officer")
    officer_client = as_user(user=officer)
    admin_user = create_user("administrator")
    admin = as_user(user=admin_user)
    token = csrf_token(admin, "/people")
    admin.post(f"/people/{officer.id}/disable", data={"csrf_token": token})
    assert officer_client.get("/").status_code == 302
    assert _post_sign_in(app.test_client(), officer.email, PASSWORD).status_code == 200
    assert "Disabled" in admin.get("/people").get_data(as_text=True)
    admin.post(f"/people/{officer.id}/enable", data={"csrf_token": token})
    assert _post_sign_in(app.test_client(), officer.email, PASSWORD).status_code == 302
    refused = admin.post(f"/people/{admin_user.id}/disable", data={"csrf_token": token})
    assert refused.status_code == 302
    assert "You cannot disable your own account" in admin.get("/people").get_data(as_text=True)
    assert admin.get("/").status_code == 200


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_trying_to_disable_your_own_account_is_refused_and_recorded(
    as_user, create_user, db_session: Session, role: str
) -> None:
    keeper = create_user(role)
    client = as_user(user=keeper)
    token = csrf_token(client, "/people")
    assert client.get(f"/people/{keeper.id}/disable").status_code == 302
    assert (
        client.post(f"/people/{keeper.id}/disable", data={"csrf_token": token}).status_code == 302
    )
    assert "You cannot disable your own account" in client.get("/people").get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, keeper.id).active
    refused = db_session.scalars(
        select(AuditEntry).where(AuditEntry.outcome == "refused").order_by(AuditEntry.seq)
    ).all()
    assert [(e.action, e.object_id, e.actor_user_id) for e in refused] == [
        ("account.disable", str(keeper.id), keeper.id)
    ] * 2
    assert all("their own account" in (e.basis or "") for e in refused)
    with pytest.raises(NotAllowed, match="their own account"):  # nor through the core
        agency_accounts.set_active(db_session, keeper, False, by=Actor.of(keeper))
    assert keeper.active


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_a_manager_cannot_reach_another_agencys_accounts_and_the_attempt_is_recorded(
    as_user, create_user, partnership, db_session: Session, role: str
) -> None:
    police_officer = create_user("case_officer", agency=partnership.police)
    police_client = as_user(user=police_officer)
    keeper = create_user(role)
    manager = as_user(user=keeper)
    token = csrf_token(manager, "/people")
    assert police_officer.display_name not in manager.get("/people").get_data(as_text=True)
    for action in ("sign-out", "disable", "enable"):
        response = manager.post(f"/people/{police_officer.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 404, action
    assert police_client.get("/").status_code == 200
    db_session.expire_all()
    refused = db_session.scalars(
        select(AuditEntry).where(AuditEntry.outcome == "refused").order_by(AuditEntry.seq)
    ).all()
    assert [(e.action, e.object_id, e.actor_user_id) for e in refused] == [
        ("sessions.end", str(police_officer.id), keeper.id),
        ("account.disable", str(police_officer.id), keeper.id),
        ("account.enable", str(police_officer.id), keeper.id),
    ]
    assert all(e.basis.startswith("not found for the requester: ") for e in refused)
    assert db_session.get(User, police_officer.id).active


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_a_locked_out_user_is_unlocked_by_their_agencys_manager_or_administrator(
    app: Flask, as_user, create_user, partnership, db_session: Session, role: str
) -> None:
    officer = create_user("case_officer")
    client = app.test_client()
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS):
        page = _post_sign_in(client, officer.email, "wrong-password-123").get_data(as_text=True)
    assert "ask a manager or administrator of your agency to unlock it" in page
    db_session.expire_all()
    until = db_session.get(User, officer.id).locked_until

    keeper = create_user(role)
    people = as_user(user=keeper)
    page = people.get("/people").get_data(as_text=True)
    assert f"Locked until {uk_datetime(until)}" in page
    assert f'Unlock<span class="govuk-visually-hidden"> ({officer.display_name})' in page
    token = csrf_token(people, "/people")
    assert (
        people.post(f"/people/{officer.id}/unlock", data={"csrf_token": token}).status_code == 302
    )
    page = people.get("/people").get_data(as_text=True)
    assert f"{officer.display_name} can sign in again" in page
    assert "Locked until" not in page
    assert _post_sign_in(client, officer.email, PASSWORD).status_code == 302

    [entry] = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "account.unlock"))
    assert (entry.object_id, entry.actor_user_id, entry.outcome) == (
        str(officer.id),
        keeper.id,
        "allowed",
    )
    # Another agency's manager cannot, and the attempt is recorded.
    police = as_user("manager", agency=partnership.police)
    token = csrf_token(police, "/people")
    assert (
        police.post(f"/people/{officer.id}/unlock", data={"csrf_token": token}).status_code == 404
    )
    db_session.expire_all()
    refused = db_session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "account.unlock", AuditEntry.outcome == "refused"
        )
    ).all()
    assert [e.object_id for e in refused] == [str(officer.id)]


def _wrong_code(user: User) -> str:
    """A six-digit code the user's app shows at no moment near now."""
    totp = pyotp.TOTP(totp_secret_of(user))
    now = datetime.now(UTC)
    near = {totp.at(now + timedelta(seconds=s)) for s in range(-90, 91, 30)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in near)


def _post_code(client, code: str):
    return client.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_token(client, "/sign-in/code")}
    )


def test_wrong_passwords_and_wrong_security_codes_together_lock_the_account(
    app: Flask, create_user, db_session: Session
) -> None:
    user = create_user("dpo")
    client = app.test_client()
    for _ in range(2):
        assert "Enter a correct" in _post_sign_in(
            client, user.email, "wrong-password-123"
        ).get_data(as_text=True)
    for _ in range(2):  # the right password, then a wrong code, twice over
        assert _post_sign_in(client, user.email, PASSWORD).location.endswith("/sign-in/code")
        assert "not correct" in _post_code(client, _wrong_code(user)).get_data(as_text=True)
    assert _post_sign_in(client, user.email, PASSWORD).location.endswith("/sign-in/code")
    assert "Your account is locked" in _post_code(client, _wrong_code(user)).get_data(as_text=True)
    page = _post_sign_in(client, user.email, PASSWORD).get_data(as_text=True)
    assert LOCKED_AFTER in page  # as for a wrong password: it tells no one of the account
    assert client.get("/").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, user.id).locked_until is not None


def test_the_right_password_alone_does_not_clear_wrong_security_codes(
    app: Flask, create_user
) -> None:
    user = create_user("manager")
    client = app.test_client()
    assert _post_sign_in(client, user.email, PASSWORD).location.endswith("/sign-in/code")
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS - 1):
        assert "not correct" in _post_code(client, _wrong_code(user)).get_data(as_text=True)
    assert _post_sign_in(client, user.email, PASSWORD).location.endswith("/sign-in/code")
    assert "Your account is locked" in _post_code(client, _wrong_code(user)).get_data(as_text=True)
    page = _post_sign_in(client, user.email, PASSWORD).get_data(as_text=True)
    assert LOCKED_AFTER in page  # as for a wrong password: it tells no one of the account
    assert client.get("/").status_code == 302


def test_a_whole_sign_in_clears_the_failures_before_it(app: Flask, create_user) -> None:
    user = create_user("dpo")
    client = app.test_client()
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS - 1):
        _post_sign_in(client, user.email, "wrong-password-123")
    sign_in_through_pages(client, user)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    other = app.test_client()
    assert _post_sign_in(other, user.email, PASSWORD).location.endswith("/sign-in/code")
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS - 1):
        assert "not correct" in _post_code(other, _wrong_code(user)).get_data(as_text=True)


def test_signing_out_everywhere_ends_a_sign_in_waiting_for_its_security_code(
    app: Flask, create_user
) -> None:
    """Someone who has the password is at the code step when the user, fearing just that,
    signs out everywhere: the code step no longer leads in."""
    user = create_user("dpo")
    intruder, laptop = app.test_client(), app.test_client()
    assert _post_sign_in(intruder, user.email, PASSWORD).location.endswith("/sign-in/code")
    token = csrf_token(intruder, "/sign-in/code")
    sign_in(laptop, user)
    laptop.post("/account/sign-out-everywhere", data={"csrf_token": csrf_token(laptop, "/account")})

    code = pyotp.TOTP(totp_secret_of(user)).now()
    answer = intruder.post("/sign-in/code", data={"code": code, "csrf_token": token})

    assert answer.status_code == 302
    assert answer.location.startswith("/sign-in")
    assert intruder.get("/").status_code == 302  # not signed in


def test_an_account_locked_meanwhile_cannot_be_entered_by_setting_up_its_authenticator(
    app: Flask, create_user, db_session: Session
) -> None:
    """The lock holds whichever way someone signs in: a manager at the step of setting up
    their authenticator app, whose account wrong passwords from elsewhere then lock."""
    user = create_user("manager", totp=False)
    client = app.test_client()
    assert _post_sign_in(client, user.email, PASSWORD).location.endswith("/sign-in/set-up-code")
    page = client.get("/sign-in/set-up-code").get_data(as_text=True)
    secret = _setup_key(page)
    token = csrf_token(client, "/sign-in/set-up-code")
    for _ in range(5):
        _post_sign_in(app.test_client(), user.email, "not the password at all")

    answer = client.post(
        "/sign-in/set-up-code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )

    assert answer.status_code == 302
    assert answer.location.startswith("/sign-in")
    assert "Your account is locked" in client.get(answer.location).get_data(as_text=True)
    assert client.get("/").status_code == 302
    db_session.expire_all()
    kept = db_session.get(User, user.id)
    assert kept.locked_until is not None
    assert not kept.has_authenticator
    last = db_session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert (last.action, last.basis) == ("sign_in.failed", "account locked after repeated failures")
