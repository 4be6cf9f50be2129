"""Signing in with an agency's own identity provider, against a real OpenID Connect
provider (npm ``oidc-provider``) on localhost: what a member of staff sees when it works,
and when the provider, the browser or an attacker gets something wrong."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hub.auth.known_browser import COOKIE
from sharing import accounts, agency_accounts, authenticator_apps, clock, sign_in_checks
from sharing.models import Agency, AuditEntry, User
from sharing.provider_sign_in import SingleSignOnRefusal
from sharing.vocabulary import Role
from tests.fixtures.app import PASSWORD, Partnership, csrf_token, make_app
from tests.fixtures.cli import hub
from tests.fixtures.databases import DATABASES, migrated_postgres
from tests.fixtures.oidc import Client, OidcProvider, running_provider
from tests.fixtures.races import PATIENCE_SECONDS, answered_while_held
from tests.fixtures.smtp import free_port

HUB = "https://hub.test"
HOMES = "test-homes"
CLIENT = Client(
    client_id="asb-hub",
    redirect_uris=[f"{HUB}/sign-in/with/{HOMES}/callback"],
    post_logout_redirect_uris=[f"{HUB}/sign-in"],
)
#: The provider's accounts, by login; the hub has accounts for some of them.
ACCOUNTS = {
    "ann": {"email": "Ann.Archer@homes.example", "email_verified": True, "name": "Ann"},
    "bob": {"email": "bob.baker@police.example", "email_verified": True, "name": "Bob"},
    "cat": {"email": "cat.cole@homes.example", "email_verified": True, "name": "Cat"},
    "dan": {"email": "dan.dale@homes.example", "email_verified": False, "name": "Dan"},
    "fay": {"email": "fay.ford@homes.example", "email_verified": True, "name": "Fay"},
    "gus": {"email": "gus.gray@homes.example", "email_verified": True, "name": "Gus"},
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    with running_provider(tmp_path_factory.mktemp("oidc"), [CLIENT], ACCOUNTS) as running:
        yield running


@pytest.fixture(autouse=True)
def _provider_behaves(provider: OidcProvider) -> Iterator[None]:
    yield
    provider.misbehave()


def providers_file(folder: Path, issuer: str, **settings: str | bool) -> Path:
    """An identity providers file naming ``issuer`` for the test landlord."""
    secret = folder / "client-secret"
    secret.write_text(CLIENT.client_secret + "\n")
    lines = [
        f"[{HOMES}]",
        'name = "Test Homes"',
        f'issuer = "{issuer}"',
        f'client_id = "{CLIENT.client_id}"',
        f'client_secret_file = "{secret}"',
        'email_domains = ["homes.example"]',
        *(
            f"{key} = {str(value).lower() if isinstance(value, bool) else repr(value)}"
            for key, value in settings.items()
        ),
    ]
    path = folder / "identity-providers.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def hub_with(tmp_path: Path, path: Path, database_url: str = "", **settings: object) -> Flask:
    return make_app(
        tmp_path,
        database_url=database_url,
        identity_providers=str(path),
        base_url=HUB,
        **settings,
    )


@pytest.fixture
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of the hub's database: SQLite's file (empty) unless a test asks for
    PostgreSQL too (``parametrize("database", DATABASES, indirect=True)``)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield ""
        return
    with migrated_postgres(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def app(
    request: pytest.FixtureRequest, tmp_path: Path, provider: OidcProvider, database: str
) -> Iterator[Flask]:
    """The hub with the test landlord's provider configured (replaces the usual app);
    a test may give the provider's settings as the fixture's parameter."""
    settings = getattr(request, "param", {})
    app = hub_with(tmp_path, providers_file(tmp_path, provider.issuer, **settings), database)
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def staff(db_session: Session, partnership: Partnership) -> dict[str, User]:
    """Hub accounts: Ann, Dan and Gus at the landlord (Gus no longer active), Fay at the
    police (with an address in the landlord's domain)."""
    made = {}
    for login, agency in (
        ("ann", partnership.landlord),
        ("dan", partnership.landlord),
        ("fay", partnership.police),
        ("gus", partnership.landlord),
    ):
        made[login] = accounts.create_user(
            db_session,
            agency=agency,
            email=ACCOUNTS[login]["email"],
            display_name=f"{ACCOUNTS[login]['name']} Test",
            roles={Role.CASE_OFFICER},
            password=PASSWORD,
        )
    made["gus"].active = False
    db_session.commit()
    return made


def start(client: FlaskClient, **query: str) -> TestResponse:
    address = f"/sign-in/with/{HOMES}" + (f"?{urlencode(query)}" if query else "")
    return client.get(address)


def back_at_hub(client: FlaskClient, callback: str) -> TestResponse:
    """The browser arriving at the hub's callback address the provider sent it to."""
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_with_provider(client: FlaskClient, provider: OidcProvider, login: str) -> TestResponse:
    started = start(client)
    assert started.status_code == 302, started.get_data(as_text=True)
    return back_at_hub(client, provider.sign_in(started.location, login, back_to=HUB))


def signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_a_member_of_staff_signs_in_with_their_agency_account(
    app: Flask, provider: OidcProvider, staff: dict[str, User], db_session: Session
) -> None:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with your Test Homes account" in page

    started = start(client, next="/cases")
    request = parse_qs(urlsplit(started.location).query)
    assert started.location.startswith(provider.issuer)
    assert request["code_challenge_method"] == ["S256"]
    assert request["code_challenge"]
    assert request["nonce"]
    assert request["state"]
    assert request["redirect_uri"] == [f"{HUB}/sign-in/with/{HOMES}/callback"]

    arrived = back_at_hub(client, provider.sign_in(started.location, "ann", back_to=HUB))
    assert arrived.status_code == 302
    assert arrived.location == "/cases"
    home = client.get("/").get_data(as_text=True)
    assert "Ann Test" in home
    [entry] = entries(db_session, "sign_in")
    assert entry.actor_user_id == staff["ann"].id
    assert entry.basis == "Test Homes account"


@pytest.mark.parametrize(
    "misbehaviour",
    [
        {"claims": {"iss": "https://someone-else.example"}},
        {"claims": {"aud": "another-client"}},
        {"claims": {"nonce": "a-nonce-from-another-sign-in"}},
        {"expired": True},
        {"tamper": True},
    ],
    ids=["wrong issuer", "wrong audience", "wrong nonce", "expired", "tampered"],
)
def test_an_id_token_that_does_not_check_out_signs_nobody_in(
    app: Flask, provider: OidcProvider, staff: dict[str, User], misbehaviour, caplog
) -> None:
    provider.misbehave(**misbehaviour)
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        answer = sign_in_with_provider(client, provider, "ann")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 502
    assert "Your sign-in could not be checked" in page
    assert "Sign in with your Test Homes account again" in page
    assert not signed_in(client)
    assert "single sign-on through test-homes's provider failed" in caplog.text
    assert "archer" not in caplog.text.lower()


def test_an_answer_for_another_sign_in_or_used_twice_is_refused(
    app: Flask, provider: OidcProvider, staff: dict[str, User]
) -> None:
    client = app.test_client()
    started = start(client)
    callback = provider.sign_in(started.location, "ann", back_to=HUB)
    forged = callback.replace("state=", "state=x")
    answer = back_at_hub(client, forged)
    assert answer.status_code == 400
    assert "started in another window or tab" in answer.get_data(as_text=True)
    assert not signed_in(client)

    # Another browser (without this sign-in's state) cannot use the genuine answer either.
    other = app.test_client()
    assert back_at_hub(other, callback).status_code == 400
    assert not signed_in(other)


def test_an_answer_naming_another_issuer_is_refused(
    app: Flask, provider: OidcProvider, staff: dict[str, User]
) -> None:
    client = app.test_client()
    started = start(client)
    callback = provider.sign_in(started.location, "ann", back_to=HUB)
    mixed_up = callback.replace("iss=", "iss=https%3A%2F%2Fevil.example%2F")
    assert back_at_hub(client, mixed_up).status_code == 502
    assert not signed_in(client)


def test_a_provider_whose_discovery_names_another_issuer_is_not_used(
    tmp_path: Path, provider: OidcProvider
) -> None:
    port = urlsplit(provider.issuer).port
    app = hub_with(tmp_path, providers_file(tmp_path, f"http://localhost:{port}"))
    answer = start(app.test_client())
    assert answer.status_code == 502
    assert "could not verify" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("login", "what_they_read"),
    [
        ("bob", "which is not an address of your agency (homes.example)"),
        ("cat", "There is no hub account for cat.cole@homes.example"),
        ("dan", "has not confirmed the e-mail address dan.dale@homes.example"),
        ("fay", "belongs to another agency"),
        ("gus", "There is no hub account for gus.gray@homes.example"),
    ],
    ids=["another agency's domain", "unknown", "unverified", "another agency's user", "inactive"],
)
@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_the_provider_vouching_for_someone_is_not_enough_without_their_hub_account(
    app: Flask,
    provider: OidcProvider,
    staff: dict[str, User],
    db_session: Session,
    login: str,
    what_they_read: str,
    caplog,
) -> None:
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        answer = sign_in_with_provider(client, provider, login)
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert "You cannot sign in to the hub with that account" in page
    assert what_they_read in page
    assert not signed_in(client)
    assert db_session.scalar(select(func.count()).select_from(User)) == len(staff)
    [refusal] = entries(db_session, "sign_in.failed")
    assert refusal.basis.startswith("single sign-on: ")
    # Recorded against the agency whose provider was used, or the account's own agency.
    homes = db_session.scalar(select(Agency.id).where(Agency.code == HOMES))
    assert refusal.actor_agency_id == (staff["fay"].agency_id if login == "fay" else homes)
    assert refusal.actor_user_id == (staff["fay"].id if login == "fay" else None)
    email = ACCOUNTS[login]["email"]
    assert email.lower() not in (refusal.basis or "")
    assert email.lower() not in caplog.text.lower()


def test_a_provider_that_is_down_gets_a_clear_page(tmp_path: Path, provider: OidcProvider) -> None:
    with running_provider(tmp_path, [CLIENT], ACCOUNTS) as short_lived:
        app = hub_with(tmp_path, providers_file(tmp_path, short_lived.issuer))
        client = app.test_client()
        started = start(client)
        callback = short_lived.sign_in(started.location, "ann", back_to=HUB)
    # It went down after the browser signed in there, before the hub fetched the token...
    answer = back_at_hub(client, callback)
    assert answer.status_code == 503
    assert "We cannot reach the Test Homes sign-in service" in answer.get_data(as_text=True)
    # ...and it is still down when someone else starts.
    (tmp_path / "fresh").mkdir()
    fresh = hub_with(tmp_path / "fresh", providers_file(tmp_path, short_lived.issuer))
    assert start(fresh.test_client()).status_code == 503


def test_a_sign_in_the_provider_turns_down_says_so(app: Flask) -> None:
    client = app.test_client()
    start(client)
    answer = client.get(f"/sign-in/with/{HOMES}/callback?error=access_denied&state=x")
    assert answer.status_code == 400
    assert "did not sign you in (access_denied)" in answer.get_data(as_text=True)
    odd = client.get(f"/sign-in/with/{HOMES}/callback?error=%3Cscript%3E")
    assert "did not sign you in (an unknown error)" in odd.get_data(as_text=True)


def test_an_agency_without_a_provider_has_no_sign_in_through_one(app: Flask) -> None:
    assert app.test_client().get("/sign-in/with/test-police").status_code == 404
    assert app.test_client().get("/sign-in/with/test-police/callback").status_code == 404


def _password_sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> TestResponse:
    return client.post(
        "/sign-in",
        data={
            "email": user.email,
            "password": password,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )


def test_staff_of_an_agency_with_a_provider_use_it_not_a_password(
    app: Flask, staff: dict[str, User], db_session: Session
) -> None:
    client = app.test_client()
    answer = _password_sign_in(client, staff["ann"])
    assert answer.status_code == 200
    assert "Test Homes staff sign in with their Test Homes account" in answer.get_data(as_text=True)
    assert not signed_in(client)
    [refusal] = entries(db_session, "sign_in.failed")
    assert refusal.actor_user_id == staff["ann"].id
    # The police have no provider: their staff keep their passwords.
    police = app.test_client()
    assert _password_sign_in(police, staff["fay"]).status_code == 302


def test_wrong_passwords_typed_by_a_stranger_do_not_lock_staff_out_of_their_provider(
    app: Flask, provider: OidcProvider, staff: dict[str, User], db_session: Session
) -> None:
    """No password signs in the staff of an agency that uses its provider, so none is
    checked or counted: anyone knowing their addresses could otherwise keep them out of
    the hub, 15 minutes at a time, for ever."""
    stranger = app.test_client()
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS + 1):
        answer = _password_sign_in(stranger, staff["ann"], "wrong-password-123")
        assert "Test Homes staff sign in with their Test Homes account" in answer.get_data(
            as_text=True
        )
    db_session.expire_all()
    ann = db_session.get(User, staff["ann"].id)
    assert (ann.locked_until, ann.failed_sign_ins) == (None, 0)

    client = app.test_client()
    assert sign_in_with_provider(client, provider, "ann").status_code == 302
    assert signed_in(client)


def test_an_address_of_an_agency_with_a_provider_is_answered_alike_with_or_without_an_account(
    app: Flask, staff: dict[str, User], db_session: Session
) -> None:
    """The answer does not tell a stranger which addresses have accounts, nor which are
    disabled."""
    pages = [
        _password_sign_in(app.test_client(), user, password).get_data(as_text=True)
        for user, password in (
            (staff["ann"], "wrong-password-123"),
            (staff["gus"], PASSWORD),
            (User(email="nobody.here@homes.example"), PASSWORD),
        )
    ]
    for page in pages:
        assert "Test Homes staff sign in with their Test Homes account" in page
    refusals = entries(db_session, "sign_in.failed")
    assert [r.actor_user_id for r in refusals] == [staff["ann"].id, staff["gus"].id, None]
    homes = db_session.scalar(select(Agency.id).where(Agency.code == HOMES))
    assert {r.actor_agency_id for r in refusals} == {homes}


@pytest.mark.parametrize("app", [{"passwords": True}], indirect=True)
def test_an_agency_may_let_its_staff_keep_their_passwords(
    app: Flask, staff: dict[str, User]
) -> None:
    assert _password_sign_in(app.test_client(), staff["ann"]).status_code == 302


@pytest.mark.parametrize("app", [{"passwords": True}], indirect=True)
def test_an_account_locked_out_by_wrong_passwords_cannot_come_in_through_the_provider(
    app: Flask, provider: OidcProvider, staff: dict[str, User], db_session: Session
) -> None:
    client = app.test_client()
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS):
        _password_sign_in(client, staff["ann"], "wrong-password-123")
    db_session.expire_all()
    locked_until = db_session.get(User, staff["ann"].id).locked_until
    assert locked_until is not None

    answer = sign_in_with_provider(client, provider, "ann")
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    # The same words as the password's sign-in page.
    assert "Your account is locked because of too many failed attempts to sign in" in page
    assert not signed_in(client)
    db_session.expire_all()
    assert db_session.get(User, staff["ann"].id).locked_until == locked_until
    refusal = entries(db_session, "sign_in.failed")[-1]
    assert refusal.actor_user_id == staff["ann"].id
    assert refusal.basis == "single sign-on: account locked after repeated failures"
    assert entries(db_session, "sign_in") == []

    # Once the lock-out is over, the provider signs them in as before.
    with clock.pinned(locked_until + timedelta(seconds=1)):
        fresh = app.test_client()
        assert sign_in_with_provider(fresh, provider, "ann").status_code == 302
        assert signed_in(fresh)


def test_signing_out_offers_the_providers_sign_out(
    app: Flask, provider: OidcProvider, staff: dict[str, User]
) -> None:
    client = app.test_client()
    sign_in_with_provider(client, provider, "ann")
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert not signed_in(client)
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign out of your Test Homes account too" in page
    out = client.get(f"/sign-in/with/{HOMES}/sign-out")
    assert out.status_code == 302
    end_session = urlsplit(out.location)
    assert out.location.startswith(f"{provider.issuer}/session/end")
    query = parse_qs(end_session.query)
    assert query["client_id"] == [CLIENT.client_id]
    assert query["post_logout_redirect_uri"] == [f"{HUB}/sign-in"]
    # The offer is made once: after following it, the sign-in page is the usual one.
    assert "Sign out of your" not in client.get("/sign-in").get_data(as_text=True)


def test_the_hubs_security_code_is_still_asked_for_after_the_provider(
    app: Flask, provider: OidcProvider, staff: dict[str, User], db_session: Session
) -> None:
    secret = pyotp.random_base32()
    authenticator_apps.keep_authenticator_secret(db_session, staff["ann"], secret)
    db_session.commit()
    client = app.test_client()
    arrived = sign_in_with_provider(client, provider, "ann")
    assert arrived.location == "/sign-in/code"
    assert not signed_in(client)
    code = pyotp.TOTP(secret).now()
    answer = client.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_token(client, "/sign-in/code")}
    )
    assert answer.status_code == 302
    assert signed_in(client)
    [entry] = entries(db_session, "sign_in")
    assert entry.basis == "Test Homes account and security code"


@pytest.mark.parametrize("app", [{"second_factor": "provider"}], indirect=True)
def test_an_agency_whose_provider_asks_for_a_second_factor_is_taken_at_its_word(
    app: Flask, provider: OidcProvider, staff: dict[str, User], db_session: Session
) -> None:
    authenticator_apps.keep_authenticator_secret(db_session, staff["ann"], pyotp.random_base32())
    db_session.commit()
    client = app.test_client()
    assert sign_in_with_provider(client, provider, "ann").location == "/"
    assert signed_in(client)
    [entry] = entries(db_session, "sign_in")
    assert entry.basis == "Test Homes account"


@pytest.mark.parametrize("app", [{"second_factor": "provider", "passwords": True}], indirect=True)
def test_a_sign_in_whose_second_factor_is_at_the_provider_makes_the_browser_known(
    app: Flask, provider: OidcProvider, staff: dict[str, User], db_session: Session
) -> None:
    """A sign-in through a provider that asks for its own second factor is a whole
    sign-in: the browser is given the known-browser cookie, so strangers' wrong passwords
    that lock the account out do not keep it out. Before, only the hub's security code
    step gave the cookie, and this browser was a stranger like any other."""
    own = app.test_client()
    answer = sign_in_with_provider(own, provider, "ann")
    assert answer.location == "/"
    header = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in header
    assert "Path=/sign-in" in header
    assert "homes.example" not in header
    own.post("/sign-out", data={"csrf_token": csrf_token(own, "/")})
    assert not signed_in(own)

    stranger = app.test_client()
    for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS):
        _password_sign_in(stranger, staff["ann"], "wrong-password-123")
    db_session.expire_all()
    assert db_session.get(User, staff["ann"].id).locked_until is not None
    assert _password_sign_in(stranger, staff["ann"]).status_code == 200
    assert not signed_in(stranger)

    assert _password_sign_in(own, staff["ann"]).status_code == 302
    assert signed_in(own)
    assert entries(db_session, "sign_in")[-1].basis == "password"


def test_the_operator_checks_the_providers_before_restarting_the_hub(
    hub_env: str, tmp_path: Path, provider: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = providers_file(tmp_path, provider.issuer)
    checked = hub("sso", "check", str(good))
    assert checked.exit_code == 0, checked.output
    assert f"[{HOMES}]: {provider.issuer} answers; it offers a sign-out address" in checked.output

    port = urlsplit(provider.issuer).port
    (tmp_path / "other").mkdir()
    elsewhere = providers_file(tmp_path / "other", f"http://localhost:{port}")
    mismatch = hub("sso", "check", str(elsewhere))
    assert mismatch.exit_code == 1
    assert f"names its issuer '{provider.issuer}'" in mismatch.output

    (tmp_path / "down").mkdir()
    down = hub(
        "sso", "check", str(providers_file(tmp_path / "down", f"http://127.0.0.1:{free_port()}"))
    )
    assert down.exit_code == 1
    assert "cannot be read (ConnectionError)" in down.output

    (tmp_path / "bad.toml").write_text('[test-homes]\nclient_secret = "no"\n')
    bad = hub("sso", "check", str(tmp_path / "bad.toml"))
    assert bad.exit_code == 1
    assert "never put the client secret in this file" in bad.output

    monkeypatch.delenv("HUB_IDENTITY_PROVIDERS", raising=False)
    assert "No identity providers are configured" in hub("sso", "check").output
    monkeypatch.setenv("HUB_IDENTITY_PROVIDERS", str(good))
    assert hub("sso", "check").exit_code == 0


#: Failed sign-ins one source may make in an hour, in the tests of the limit.
LIMIT = 4
GUESSER, COLLEAGUE = "203.0.113.66", "198.51.100.7"


@pytest.fixture
def limited(app: Flask, tmp_path: Path, provider: OidcProvider, database: str) -> Iterator[Flask]:
    """The hub, on the same database, counting at most LIMIT failed sign-ins a source."""
    limited = hub_with(
        tmp_path,
        providers_file(tmp_path, provider.issuer),
        database,
        sign_in_failures_per_hour=LIMIT,
    )
    yield limited
    limited.extensions["hub.engine"].dispose()


def browser_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_too_many(answer: TestResponse) -> None:
    page = answer.get_data(as_text=True)
    assert answer.status_code == 429
    assert "Too many attempts to sign in" in page
    assert "Try again after" in page
    assert 0 < int(answer.headers["Retry-After"]) <= 3600


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_failed_sign_ins_through_the_provider_count_against_where_they_come_from(
    limited: Flask, provider: OidcProvider, staff: dict[str, User], db_session: Session
) -> None:
    """The provider's refusal, an answer for another sign-in, an account the hub does not
    know and one disabled: each a failure of the source, as a wrong password is. Past the
    limit, its sign-ins through the provider are refused with the password's page, at the
    start and when an answer started before comes back; sign-ins from elsewhere go on."""
    guesser = browser_at(limited, GUESSER)
    begun_before = provider.sign_in(start(guesser).location, "ann", back_to=HUB)
    other = browser_at(limited, GUESSER)
    start(other)
    turned_down = other.get(f"/sign-in/with/{HOMES}/callback?error=access_denied&state=x")
    assert turned_down.status_code == 400
    forged = provider.sign_in(start(other).location, "ann", back_to=HUB).replace(
        "state=", "state=x"
    )
    assert back_at_hub(other, forged).status_code == 400
    for login in ("cat", "gus"):
        assert sign_in_with_provider(other, provider, login).status_code == 403

    assert_too_many(back_at_hub(guesser, begun_before))
    assert not signed_in(guesser)
    assert_too_many(start(browser_at(limited, GUESSER)))
    # The same count as passwords': the source is refused them too.
    assert_too_many(_password_sign_in(browser_at(limited, GUESSER), staff["fay"]))
    assert entries(db_session, "sign_in") == []
    [refusal] = [
        e
        for e in entries(db_session, "sign_in.failed")
        if (e.basis or "").startswith("too many failed sign-ins from one source")
    ]
    assert refusal.actor_user_id is None

    colleague = browser_at(limited, COLLEAGUE)
    assert sign_in_with_provider(colleague, provider, "ann").status_code == 302
    assert signed_in(colleague)


def test_sign_ins_through_the_provider_that_succeed_are_not_failures(
    limited: Flask, provider: OidcProvider, staff: dict[str, User]
) -> None:
    client = browser_at(limited, COLLEAGUE)
    for _ in range(LIMIT + 1):
        assert sign_in_with_provider(client, provider, "ann").status_code == 302
        assert signed_in(client)
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    for _ in range(LIMIT):
        assert sign_in_with_provider(client, provider, "cat").status_code == 403
    assert_too_many(start(client))


def test_a_provider_that_cannot_be_reached_is_not_a_failed_sign_in(
    tmp_path: Path, provider: OidcProvider
) -> None:
    with running_provider(tmp_path, [CLIENT], ACCOUNTS) as short_lived:
        app = hub_with(
            tmp_path, providers_file(tmp_path, short_lived.issuer), sign_in_failures_per_hour=1
        )
        client = browser_at(app, GUESSER)
        callback = short_lived.sign_in(start(client).location, "ann", back_to=HUB)
    assert back_at_hub(client, callback).status_code == 503
    # One failure is allowed: the answer that could not be checked was not one.
    answer = client.post(
        "/sign-in",
        data={
            "email": "nobody@test.example",
            "password": "wrong-password-123",
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    assert answer.status_code == 200
    assert "Enter a correct e-mail address and password" in answer.get_data(as_text=True)
    assert_too_many(start(client))  # the wrong password was


@pytest.mark.parametrize("app", [{"second_factor": "provider"}], indirect=True)
@pytest.mark.parametrize("database", [DATABASES[1]], indirect=True)
def test_an_account_disabled_as_its_user_comes_back_from_the_provider_is_not_signed_in(
    app: Flask, provider: OidcProvider, staff: dict[str, User], db_session: Session
) -> None:
    """A manager disables the account while its user is at the provider, and the
    answer comes back while the disabling is being saved: the sign-in waits for it, then
    finds no active account. Before, it read the account active and signed in a disabled
    account (recorded as a sign-in)."""
    client = app.test_client()
    callback = provider.sign_in(start(client).location, "ann", back_to=HUB)
    engine = app.extensions["hub.engine"]

    def disable(taken: threading.Event, let_go: threading.Event) -> None:
        with app.extensions["hub.sessions"]() as manager:
            agency_accounts.set_active(manager, manager.get(User, staff["ann"].id), False)
            taken.set()
            let_go.wait(PATIENCE_SECONDS)
            manager.commit()

    answer = answered_while_held(engine, disable, lambda: back_at_hub(client, callback))
    assert isinstance(answer, TestResponse), answer
    assert answer.status_code == 403
    assert "There is no hub account for Ann.Archer@homes.example" in answer.get_data(as_text=True)
    assert not signed_in(client)
    assert entries(db_session, "sign_in") == []
    assert entries(db_session, "sign_in.failed")[-1].basis == SingleSignOnRefusal.NO_ACCOUNT.value
