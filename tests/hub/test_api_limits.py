"""The partner API's rate limits as partner systems and the operator meet them: each
client counted on its own, a 429 with Retry-After past the limit, the token request
limited more strictly, the count shared by all the hub's processes through a real Redis
server, and the API still answering when that server is down."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from hub.config import load_settings
from hub.settings import ConfigError
from sharing import api_clients
from sharing.models import AuditEntry
from sharing.vocabulary import Role
from tests.fixtures.api import HTTPS, basic, bearer, bearer_for, register, token_for
from tests.fixtures.app import make_app
from tests.fixtures.demo import demo_copy
from tests.fixtures.redis_server import redis_url  # noqa: F401 - a fixture
from tests.fixtures.smtp import free_port

#: Where a guesser's requests come from (the partners' systems: the test client's own).
GUESSER = "203.0.113.66"


def clients(app: Flask) -> tuple[api_clients.Registered, api_clients.Registered]:
    with app.extensions["hub.sessions"]() as session:
        return (
            register(session, "northshire-homes", Role.MANAGER, name="Housing"),
            register(session, "northshire-police", Role.CASE_OFFICER, name="Police"),
        )


def statuses(app: Flask, headers: dict[str, str], calls: int) -> list[int]:
    client = app.test_client()
    return [
        client.get("/api/v1/actions", headers=headers, base_url=HTTPS).status_code
        for _ in range(calls)
    ]


def test_a_client_past_its_limit_is_told_when_to_come_back(
    demo_files: Path, tmp_path: Path
) -> None:
    app = demo_copy(demo_files, tmp_path, api_rate_limit="3 per minute")
    housing, police = clients(app)
    headers = bearer_for(app.test_client(), housing)
    client = app.test_client()

    answers = [client.get("/api/v1/actions", headers=headers, base_url=HTTPS) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    refused = answers[3]
    assert refused.mimetype == "application/problem+json"
    wait = refused.headers["Retry-After"]
    assert 1 <= int(wait) <= 60
    assert refused.get_json()["title"] == "Too many requests"
    said = re.fullmatch(
        r"This client may make 3 calls a minute \(3 per 1 minute\), all its calls together: "
        r"try again in about (\d+) seconds \(Retry-After\)",
        refused.get_json()["detail"],
    )
    assert said, "it says what the limit is and when to come back"
    assert abs(int(said[1]) - int(wait)) <= 1, "as Retry-After does"
    assert statuses(app, bearer_for(app.test_client(), police), 1) == [200], "others unaffected"


def test_a_clients_calls_to_every_endpoint_count_against_one_limit(
    demo_files: Path, tmp_path: Path
) -> None:
    """The limit is the client's, not each endpoint's: a client stopped on one endpoint
    is stopped on the others too, and the count carries over between them."""
    app = demo_copy(demo_files, tmp_path, api_rate_limit="3 per minute")
    housing, _ = clients(app)
    headers = bearer_for(app.test_client(), housing)
    client = app.test_client()

    first = [client.get("/api/v1/actions", headers=headers, base_url=HTTPS) for _ in range(2)]
    shared = client.get("/api/v1/cases/shared", headers=headers, base_url=HTTPS)
    after = client.get("/api/v1/cases/shared", headers=headers, base_url=HTTPS)

    assert [a.status_code for a in first] == [200, 200]
    assert shared.status_code == 200
    assert shared.headers["X-RateLimit-Remaining"] == "0"
    assert after.status_code == 429
    assert client.get("/api/v1/actions", headers=headers, base_url=HTTPS).status_code == 429


def test_asking_for_tokens_is_limited_more_strictly(demo_files: Path, tmp_path: Path) -> None:
    app = demo_copy(demo_files, tmp_path, api_token_rate_limit="2 per minute")
    housing, police = clients(app)
    client = app.test_client()

    answers = [token_for(client, housing) for _ in range(3)]
    guessed = [
        client.post(
            "/api/v1/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic " + "x" * 20},
            base_url=HTTPS,
            environ_base={"REMOTE_ADDR": GUESSER},
        ).status_code
        for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].mimetype == "application/problem+json"
    wait = answers[2].headers["Retry-After"]
    said = re.fullmatch(
        r"Too many requests for a token from this client, or refused ones from where this "
        r"request comes from \(2 per 1 minute\): try again in about (\d+) seconds "
        r"\(Retry-After\); a token lasts ten minutes, so keep using it until it expires",
        answers[2].get_json()["detail"],
    )
    assert said
    assert abs(int(said[1]) - int(wait)) <= 1
    assert guessed[-1] == 429, "guessing is limited too"
    assert token_for(client, police).status_code == 200, "another client gets its token"
    token = answers[0].get_json()["access_token"]
    assert statuses(app, bearer(token), 3) == [200] * 3, "calls have their own limit"


def _ask(client: FlaskClient, client_id: str, secret: str, address: str) -> TestResponse:
    """A request for a token from ``address``."""
    return client.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        headers=basic(client_id, secret),
        base_url=HTTPS,
        environ_base={"REMOTE_ADDR": address},
    )


def _refused_token_entries(app: Flask) -> list[AuditEntry]:
    with app.extensions["hub.sessions"]() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "api.token", AuditEntry.outcome == "refused")
                .order_by(AuditEntry.seq)
            )
        )


def test_wrong_secrets_sent_from_elsewhere_never_lock_the_partner_out(
    demo_files: Path, tmp_path: Path
) -> None:
    """Someone who knows a partner's client id guesses its secret, moving address within
    their IPv6 /64: they are stopped, and the partner's system still gets its tokens."""
    app = demo_copy(demo_files, tmp_path, api_token_rate_limit="3 per minute")
    housing, _ = clients(app)
    client = app.test_client()
    client_id = housing.client.client_id

    guesses = [_ask(client, client_id, f"guess-{n}", f"2001:db8:7:8::{n:x}") for n in range(1, 11)]

    assert [g.status_code for g in guesses] == [401] * 3 + [429] * 7
    assert 1 <= int(guesses[-1].headers["Retry-After"]) <= 60
    assert _ask(client, client_id, housing.secret, "198.51.100.20").status_code == 200
    assert _ask(client, client_id, housing.secret, "2001:db8:7:9::1").status_code == 200
    # Past its limit the guesser's /64 gets nothing, a right guess included.
    assert _ask(client, client_id, housing.secret, "2001:db8:7:8::99").status_code == 429


def test_made_up_client_ids_are_limited_where_they_come_from_and_recorded_once_past_it(
    demo_files: Path, tmp_path: Path
) -> None:
    """Each made-up client id is no new allowance: the refusals from one address are
    counted together; past the limit the answer is 429 and only the first of them is an
    audit entry, which never names the address."""
    app = demo_copy(demo_files, tmp_path, api_token_rate_limit="3 per minute")
    housing, _ = clients(app)
    client = app.test_client()
    before = len(_refused_token_entries(app))

    answers = [_ask(client, f"hub-{n:016x}", "guessed", "203.0.113.9") for n in range(50)]

    assert [a.status_code for a in answers] == [401] * 3 + [429] * 47
    assert answers[-1].mimetype == "application/problem+json"
    entries = _refused_token_entries(app)[before:]
    assert len(entries) == 3 + 1, "each refusal within the limit, then one for the rest"
    assert "too many refused requests for a token" in entries[-1].basis
    assert all("203.0.113" not in (e.basis or "") for e in entries)
    assert _ask(client, housing.client.client_id, housing.secret, "203.0.113.10").status_code == 200


def test_every_process_of_the_hub_counts_against_one_limit_in_redis(
    demo_files: Path,
    tmp_path: Path,
    redis_url: str,  # noqa: F811
) -> None:
    settings = {"api_rate_limit": "4 per minute", "api_rate_limit_storage": redis_url}
    first = demo_copy(demo_files, tmp_path, **settings)
    second = make_app(tmp_path, **settings)  # a second worker on the same database
    housing, _ = clients(first)
    headers = bearer_for(first.test_client(), housing)

    seen = []
    for app in (first, second, first, second, first, second):
        seen.append(statuses(app, headers, 1)[0])

    assert seen == [200, 200, 200, 200, 429, 429]


def test_the_api_keeps_answering_when_the_shared_store_is_down(
    demo_files: Path, tmp_path: Path
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    app = demo_copy(
        demo_files, tmp_path, api_rate_limit="2 per minute", api_rate_limit_storage=nowhere
    )
    housing, _ = clients(app)
    headers = bearer_for(app.test_client(), housing)
    assert statuses(app, headers, 3) == [200, 200, 429], "counted in the process meanwhile"


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("api_rate_limit", "lots", "api_rate_limit must be a rate such as"),
        ("api_token_rate_limit", "10 per fortnight", "api_token_rate_limit must be a rate"),
        ("api_rate_limit_storage", "postgresql://db/hub", "api_rate_limit_storage must be"),
        ("api_rate_limit_storage", "redis", "api_rate_limit_storage must be"),
    ],
)
def test_a_bad_rate_limit_setting_stops_the_hub_saying_which(
    setting: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={}, **{setting: value})


def test_the_defaults_are_the_documented_ones() -> None:
    settings = load_settings(environ={})
    assert settings.api_rate_limit == "120 per minute"
    assert settings.api_token_rate_limit == "10 per minute"
    assert settings.api_rate_limit_storage == "memory://"
