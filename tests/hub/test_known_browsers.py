"""A browser that has signed in to an account before (OWASP's device cookie) may go on
signing in to it while strangers' failures have locked it; its own failures count
against it; a forged cookie, one for another account, or one from before a password
reset is worth nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.known_browser import COOKIE
from sharing import accounts, sign_in_checks
from sharing.models import AuditEntry, User
from tests.fixtures.app import (
    PASSWORD,
    csrf_token,
    sign_in,
    sign_in_through_pages,
    totp_secret_of,
)

WRONG = "wrong-password-123"


def refused(response) -> bool:
    """Whether the sign-in was refused as a locked account is: as a wrong password (the
    page never says which addresses have accounts)."""
    page = response.get_data(as_text=True)
    return response.status_code == 200 and "Enter a correct e-mail address and password" in page


def browser(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def post_sign_in(client: FlaskClient, email: str, password: str):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-in")},
    )


def signed_in_before(app: Flask, user: User) -> FlaskClient:
    """The user's own browser: signed in once, then signed out."""
    own = browser(app, "198.51.100.7")
    sign_in_through_pages(own, user)
    own.post("/sign-out", data={"csrf_token": csrf_token(own, "/")})
    return own


def lock_out(app: Flask, user: User) -> FlaskClient:
    stranger = browser(app, "203.0.113.66")
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS):
        post_sign_in(stranger, user.email, WRONG)
    assert refused(post_sign_in(stranger, user.email, PASSWORD))
    return stranger


def test_own_browser_signs_in_while_strangers_are_locked_out(app: Flask, create_user) -> None:
    user = create_user("case_officer", totp=False)
    own = signed_in_before(app, user)
    stranger = lock_out(app, user)
    assert post_sign_in(own, user.email, PASSWORD).status_code == 302
    assert own.get("/").status_code == 200
    assert stranger.get("/").status_code == 302


def test_own_browser_gets_past_the_lock_at_the_security_code_too(app: Flask, create_user) -> None:
    user = create_user("manager")
    own = signed_in_before(app, user)
    lock_out(app, user)
    assert post_sign_in(own, user.email, PASSWORD).location.endswith("/sign-in/code")
    # The next step's code (the one before was used a moment ago; one step of drift is allowed).
    code = pyotp.TOTP(totp_secret_of(user)).at(datetime.now(UTC) + timedelta(seconds=30))
    response = own.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_token(own, "/sign-in/code")}
    )
    assert response.status_code == 302
    assert own.get("/").status_code == 200


def test_the_cookie_is_signed_httponly_and_names_no_address(app: Flask, create_user) -> None:
    user = create_user("case_officer", totp=False)
    client = browser(app, "198.51.100.7")
    response = post_sign_in(client, user.email, PASSWORD)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Path=/sign-in" in header
    assert user.email not in header
    assert "test.example" not in header


def test_own_browsers_failures_count_against_it(
    app: Flask, create_user, db_session: Session
) -> None:
    user = create_user("case_officer", totp=False)
    own = signed_in_before(app, user)
    lock_out(app, user)
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS):
        page = post_sign_in(own, user.email, WRONG).get_data(as_text=True)
        assert "Enter a correct e-mail address and password" in page
    assert refused(post_sign_in(own, user.email, PASSWORD))
    db_session.expire_all()
    bases = db_session.scalars(
        select(AuditEntry.basis).where(AuditEntry.action == "sign_in.failed")
    ).all()
    from_own = [b for b in bases if b and "browser that signed in to the account before" in b]
    assert len(from_own) == sign_in_checks.MAX_FAILED_SIGN_INS


def test_a_forged_cookie_or_another_accounts_is_worth_nothing(app: Flask, create_user) -> None:
    user, other = create_user("case_officer", totp=False), create_user("case_officer", totp=False)
    others_browser = signed_in_before(app, other)
    lock_out(app, user)
    assert refused(post_sign_in(others_browser, user.email, PASSWORD))
    forged = browser(app, "198.51.100.8")
    forged.set_cookie(COOKIE, f'{{"user": {user.id}}}', path="/sign-in")
    assert refused(post_sign_in(forged, user.email, PASSWORD))


def test_a_password_reset_voids_the_cookie(app: Flask, create_user, db_session: Session) -> None:
    user = create_user("case_officer", totp=False)
    own = signed_in_before(app, user)
    new_password = "a-new-long-password-42"
    accounts.reset_password(db_session, db_session.get(User, user.id), new_password)
    db_session.commit()
    lock_out(app, user)
    assert refused(post_sign_in(own, user.email, new_password))


def test_signing_out_everywhere_makes_every_browser_a_stranger_again(
    app: Flask, create_user
) -> None:
    """Someone who thinks a device was stolen signs out everywhere from another: the
    stolen one's cookie no longer gets past a lock, theirs neither until they sign in."""
    user = create_user("case_officer", totp=False)
    stolen = signed_in_before(app, user)
    own = browser(app, "198.51.100.9")
    sign_in_through_pages(own, user)
    answer = own.post(
        "/account/sign-out-everywhere", data={"csrf_token": csrf_token(own, "/account")}
    )
    assert answer.status_code == 302
    lock_out(app, user)
    for device in (stolen, own):
        assert refused(post_sign_in(device, user.email, PASSWORD))
        assert device.get("/").status_code == 302


def test_a_manager_signing_someone_out_everywhere_voids_their_browsers_too(
    app: Flask, create_user
) -> None:
    officer, manager = create_user("case_officer", totp=False), create_user("manager")
    theirs = signed_in_before(app, officer)
    managers = browser(app, "198.51.100.10")
    sign_in(managers, manager)
    answer = managers.post(
        f"/people/{officer.id}/sign-out", data={"csrf_token": csrf_token(managers, "/people")}
    )
    assert answer.status_code == 302
    lock_out(app, officer)
    assert refused(post_sign_in(theirs, officer.email, PASSWORD))


def test_a_browser_signed_in_after_signing_out_everywhere_is_known_again(
    app: Flask, create_user
) -> None:
    user = create_user("case_officer", totp=False)
    own = browser(app, "198.51.100.9")
    sign_in_through_pages(own, user)
    own.post("/account/sign-out-everywhere", data={"csrf_token": csrf_token(own, "/account")})
    sign_in_through_pages(own, user)
    own.post("/sign-out", data={"csrf_token": csrf_token(own, "/")})
    lock_out(app, user)
    assert post_sign_in(own, user.email, PASSWORD).status_code == 302
