"""The partner API's rate limits as partner systems and the operator meet them: each
client counted on its own, a 429 with Retry-After past the limit, the token request
limited more strictly, the count shared by all the hub's processes through a real Redis
server, and the API still answering when that server is down."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from hub.config import ConfigError, load_settings
from sharing import api_clients
from sharing.vocabulary import Role
from tests.fixtures.api import HTTPS, bearer, bearer_for, register, token_for
from tests.fixtures.app import make_app
from tests.fixtures.demo import demo_copy
from tests.fixtures.redis_server import redis_url  # noqa: F401 - a fixture
from tests.fixtures.smtp import free_port


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
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "3 per 1 minute" in refused.get_json()["detail"]
    assert statuses(app, bearer_for(app.test_client(), police), 1) == [200], "others unaffected"


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
        ).status_code
        for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].mimetype == "application/problem+json"
    assert guessed[-1] == 429, "guessing is limited too"
    assert token_for(client, police).status_code == 200, "another client gets its token"
    token = answers[0].get_json()["access_token"]
    assert statuses(app, bearer(token), 3) == [200] * 3, "calls have their own limit"


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
