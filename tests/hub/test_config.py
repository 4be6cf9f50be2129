"""Settings: defaults, settings file, environment; development fill-ins; production refusals.

Every test passes its own ``environ`` so the real environment never leaks in.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import pytest
from sqlalchemy import make_url

from hub.config import load_settings
from hub.demo_settings import DEMO_FILES
from hub.production_checks import MIN_SECRET_LENGTH
from hub.settings import CONFIG_DIR, ConfigError, MailSettings, Settings
from sharing import accounts
from tests.fixtures.app import own_partnership_files

EXAMPLE_PRODUCTION_FILE = CONFIG_DIR / "production.example.toml"
POSTGRES_URL = "postgresql+psycopg://hub@db.internal:5432/hub"


def refusal(environ: dict[str, str], **overrides: object) -> str:
    """The reason ``load_settings`` refuses these settings, checked to be one line."""
    with pytest.raises(ConfigError) as refused:
        load_settings(environ, **overrides)
    message = str(refused.value)
    assert message
    assert "\n" not in message, f"not one line: {message!r}"
    return message


def write_settings_file(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


@pytest.fixture
def development(instance: Path) -> dict[str, str]:
    return {"HUB_INSTANCE_PATH": str(instance)}


# -- development -----------------------------------------------------------------------


def test_development_fills_in_sqlite_under_the_instance_folder(
    development: dict[str, str], instance: Path
) -> None:
    settings = load_settings(development)

    assert settings.environment == "development"
    assert not settings.production
    assert settings.instance_path == instance.resolve()
    url = make_url(settings.database_url)
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(instance.resolve() / "hub.sqlite3")
    assert instance.is_dir(), "the SQLite file's folder must exist"
    assert settings.key_store == instance.resolve() / "keyring.json"
    assert settings.session_idle_minutes == 30
    assert settings.service_name == "ASB partnership hub"


def test_instance_folder_defaults_to_instance_under_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.instance_path == (tmp_path / "instance").resolve()
    assert settings.database_url == f"sqlite:///{(tmp_path / 'instance').resolve()}/hub.sqlite3"


def test_development_secret_is_generated_once_and_kept_private(
    development: dict[str, str], instance: Path
) -> None:
    first = load_settings(development)
    secret_file = instance / "secret_key"

    assert len(first.secret_key) >= MIN_SECRET_LENGTH
    assert secret_file.read_text().strip() == first.secret_key
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]

    second = load_settings(development)
    assert second.secret_key == first.secret_key
    assert secret_file.read_text().strip() == first.secret_key


def test_each_instance_folder_gets_its_own_secret(tmp_path: Path) -> None:
    one = load_settings({"HUB_INSTANCE_PATH": str(tmp_path / "one")})
    two = load_settings({"HUB_INSTANCE_PATH": str(tmp_path / "two")})
    assert one.secret_key != two.secret_key


def test_a_given_secret_is_used_and_none_is_generated(
    development: dict[str, str], instance: Path
) -> None:
    secret = secrets.token_urlsafe(48)
    settings = load_settings({**development, "HUB_SECRET_KEY": secret})
    assert settings.secret_key == secret
    assert not (instance / "secret_key").exists()


def test_an_emptied_development_secret_file_is_refused(
    development: dict[str, str], instance: Path
) -> None:
    load_settings(development)
    (instance / "secret_key").write_text("")
    assert "secret_key is empty" in refusal(development)


# -- where settings come from ----------------------------------------------------------


def test_environment_variables_override_the_defaults(development: dict[str, str]) -> None:
    settings = load_settings(
        {
            **development,
            "HUB_SERVICE_NAME": "Eastshire hub",
            "HUB_SESSION_IDLE_MINUTES": "15",
            "HUB_DATABASE_URL": POSTGRES_URL,
            "HUB_KEY_STORE": "/srv/keys.json",
        }
    )
    assert settings.service_name == "Eastshire hub"
    assert settings.session_idle_minutes == 15
    assert settings.database_url == POSTGRES_URL
    assert settings.key_store == Path("/srv/keys.json")


def test_the_file_named_by_hub_config_is_read(tmp_path: Path, development: dict[str, str]) -> None:
    settings_file = write_settings_file(
        tmp_path / "hub.toml",
        '[hub]\nservice_name = "Westshire hub"\nsession_idle_minutes = 45\n',
    )
    settings = load_settings({**development, "HUB_CONFIG": str(settings_file)})
    assert settings.service_name == "Westshire hub"
    assert settings.session_idle_minutes == 45


def test_environment_variables_override_the_settings_file(
    tmp_path: Path, development: dict[str, str]
) -> None:
    settings_file = write_settings_file(
        tmp_path / "hub.toml", '[hub]\nservice_name = "From the file"\nsession_idle_minutes = 45\n'
    )
    settings = load_settings(
        {**development, "HUB_CONFIG": str(settings_file), "HUB_SERVICE_NAME": "From the env"}
    )
    assert settings.service_name == "From the env"
    assert settings.session_idle_minutes == 45


def test_keyword_overrides_win_over_everything(development: dict[str, str]) -> None:
    settings = load_settings(
        {**development, "HUB_SERVICE_NAME": "From the env"}, service_name="Given"
    )
    assert settings.service_name == "Given"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('[hub]\ncolour = "blue"\n', "unknown setting(s): colour", id="unknown-key"),
        pytest.param('database_url = "postgresql://x/y"\n', "[hub] table", id="outside-hub-table"),
        pytest.param('hub = "production"\n', "[hub] must be a table", id="hub-not-a-table"),
        pytest.param("[hub\n", "not valid TOML", id="invalid-toml"),
        pytest.param(
            '[hub]\nsmtp_password = "hunter2"\n',
            "smtp_password must not be in a settings file; set HUB_SMTP_PASSWORD",
            id="smtp-password-in-the-file",
        ),
        pytest.param(
            "a = " + "[" * 2_000 + "]" * 2_000 + "\n", "nested too deeply", id="nested-too-deeply"
        ),
    ],
)
def test_bad_settings_files_are_refused(
    tmp_path: Path, development: dict[str, str], text: str, expected: str
) -> None:
    settings_file = write_settings_file(tmp_path / "hub.toml", text)
    assert expected in refusal({**development, "HUB_CONFIG": str(settings_file)})


def test_a_missing_settings_file_is_refused(tmp_path: Path, development: dict[str, str]) -> None:
    missing = tmp_path / "nowhere.toml"
    assert "does not exist" in refusal({**development, "HUB_CONFIG": str(missing)})


def test_unknown_keyword_overrides_are_refused(development: dict[str, str]) -> None:
    assert "unknown setting(s): databse_url" in refusal(development, databse_url=POSTGRES_URL)


@pytest.mark.parametrize("value", ["soon", "0", "1441", "-5", "2.5"])
def test_session_idle_minutes_must_be_a_sensible_whole_number(
    development: dict[str, str], value: str
) -> None:
    assert "session_idle_minutes" in refusal({**development, "HUB_SESSION_IDLE_MINUTES": value})


def test_the_environment_must_be_development_or_production(development: dict[str, str]) -> None:
    assert "staging" in refusal({**development, "HUB_ENVIRONMENT": "staging"})


# -- production ------------------------------------------------------------------------


@pytest.fixture
def key_store(tmp_path: Path) -> Path:
    path = tmp_path / "keyring.json"
    path.write_text("{}")
    path.chmod(0o600)
    return path


@pytest.fixture
def own_files(tmp_path: Path) -> dict[str, str]:
    return own_partnership_files(tmp_path / "own")


@pytest.fixture
def production(instance: Path, key_store: Path, own_files: dict[str, str]) -> dict[str, str]:
    """Production settings that are all correct."""
    return {
        "HUB_ENVIRONMENT": "production",
        "HUB_INSTANCE_PATH": str(instance),
        "HUB_SECRET_KEY": secrets.token_urlsafe(48),
        "HUB_DATABASE_URL": POSTGRES_URL,
        "HUB_KEY_STORE": str(key_store),
        "HUB_MAIL_TRANSPORT": "none",
        **own_files,
    }


def test_production_with_everything_right_loads(
    production: dict[str, str], instance: Path, key_store: Path
) -> None:
    settings = load_settings(production)
    assert settings == Settings(
        environment="production",
        instance_path=instance.resolve(),
        database_url=POSTGRES_URL,
        secret_key=production["HUB_SECRET_KEY"],
        key_store=key_store,
        session_idle_minutes=30,
        service_name="ASB partnership hub",
        audit_origin="asb-partnership-hub/audit",
        mail=MailSettings(transport="none", folder=instance.resolve() / "mail"),
        trigger_phone="01632 960 777",
        **{name: Path(production[f"HUB_{name.upper()}"]) for name in DEMO_FILES},
    )
    assert settings.production
    assert not instance.exists(), "production must not generate anything"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            "trigger_procedure",
            "trigger_procedure is still the demo partnership's Community "
            "Trigger procedure (northshire-community-trigger.toml, Northshire's): write your "
            "partnership's own, check it with `hub trigger check FILE` and set trigger_procedure",
        ),
        (
            "letters",
            "letters is still the demo partnership's standard letters, with its "
            "agencies' contacts (letters.toml, Northshire's)",
        ),
        ("housing_stock", "`hub stock check FILE` and set housing_stock"),
        (
            "statements",
            "statements is still the demo partnership's privacy notice and accessibility "
            "statement (its controller, officers and contacts) (northshire-statements.toml, "
            "Northshire's): write your partnership's own, check it with `hub statements check "
            "FILE` and set statements",
        ),
        ("ward_boundaries", "`hub wards check FILE` and set ward_boundaries"),
    ],
)
def test_production_refuses_a_file_of_the_demo_partnership_left_in_the_settings(
    production: dict[str, str], setting: str, expected: str
) -> None:
    left = {k: v for k, v in production.items() if k != f"HUB_{setting.upper()}"}
    assert expected in refusal(left)
    named = {
        **production,
        f"HUB_{setting.upper()}": str(CONFIG_DIR / ".." / "config" / DEMO_FILES[setting][1].name),
    }
    assert expected in refusal(named)  # however the path to it is written


@pytest.mark.parametrize("transport", [None, "file"])
def test_production_refuses_to_write_notices_to_files(
    production: dict[str, str], transport: str | None
) -> None:
    environ = {k: v for k, v in production.items() if k != "HUB_MAIL_TRANSPORT"}
    if transport is not None:
        environ["HUB_MAIL_TRANSPORT"] = transport
    assert 'production does not write notices to files (mail_transport = "file"' in refusal(environ)
    for chosen in ("log", "none"):
        assert load_settings({**environ, "HUB_MAIL_TRANSPORT": chosen}).mail.transport == chosen


def test_production_refuses_notices_by_smtp_that_would_give_away_links_or_the_password(
    production: dict[str, str],
) -> None:
    smtp = {
        **production,
        "HUB_MAIL_TRANSPORT": "smtp",
        "HUB_BASE_URL": "https://asb-hub.riverside.gov.uk",
        "HUB_SMTP_HOST": "smtp-relay.riverside.example",
        "HUB_SMTP_USERNAME": "asb-hub",
        "HUB_SMTP_STARTTLS": "true",
    }
    assert load_settings(smtp).mail.smtp_starttls
    assert "production needs the hub's https:// address in base_url" in refusal(
        {**smtp, "HUB_BASE_URL": "http://asb-hub.riverside.gov.uk"}
    )
    assert (
        "smtp_username is set without smtp_starttls: the hub's password for "
        "smtp-relay.riverside.example would cross the network in plain; set smtp_starttls = true"
    ) in refusal({**smtp, "HUB_SMTP_STARTTLS": "false"})
    on_this_machine = {**smtp, "HUB_SMTP_STARTTLS": "false", "HUB_SMTP_HOST": "localhost"}
    assert load_settings(on_this_machine).mail.smtp_host == "localhost"
    nobody = {**smtp, "HUB_SMTP_STARTTLS": "false", "HUB_SMTP_USERNAME": ""}
    assert not load_settings(nobody).mail.smtp_username  # no login: nothing to give away


@pytest.mark.parametrize("phone", [None, "01632960250", "01632 960 250"])
def test_production_refuses_the_demos_phone_number_for_the_public(
    production: dict[str, str], phone: str | None
) -> None:
    environ = {k: v for k, v in production.items() if k != "HUB_TRIGGER_PHONE"}
    if phone is not None:
        environ["HUB_TRIGGER_PHONE"] = phone
    assert "trigger_phone is still the demo's 01632 960 250, which rings nowhere" in refusal(
        environ
    )


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(secrets.token_urlsafe(24), id="token_urlsafe"),
        pytest.param("0f3a9c" + "5e71b2d8" * 3 + "a4", id="hex-with-a-repeat-inside"),
    ],
)
def test_production_accepts_a_random_secret_of_the_minimum_length(
    production: dict[str, str], secret: str
) -> None:
    assert len(secret) == MIN_SECRET_LENGTH
    assert load_settings({**production, "HUB_SECRET_KEY": secret}).secret_key == secret


def test_the_example_production_file_needs_secrets_the_key_store_and_the_hubs_own_address(
    production: dict[str, str], key_store: Path
) -> None:
    environ = {"HUB_CONFIG": str(EXAMPLE_PRODUCTION_FILE)}
    assert "secret key" in refusal(environ)
    environ |= {"HUB_SECRET_KEY": production["HUB_SECRET_KEY"], "HUB_KEY_STORE": str(key_store)}
    assert (
        "base_url https://asb-hub.northshire.example is at a domain reserved for examples, so "
        "the links in notices would lead nowhere: set the hub's own https:// address"
    ) in refusal(environ)
    environ["HUB_BASE_URL"] = "https://asb-hub.riverside.gov.uk"

    settings = load_settings(environ)
    assert settings.production
    assert make_url(settings.database_url).get_backend_name() == "postgresql"


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        pytest.param(None, "production needs a secret key", id="missing"),
        pytest.param("", "production needs a secret key", id="empty"),
        pytest.param("k" * (MIN_SECRET_LENGTH - 1), "at least 32 characters", id="too-short"),
        pytest.param(
            "k" * MIN_SECRET_LENGTH, "a few characters or a word repeated", id="one-letter"
        ),
        pytest.param("changeme" * 5, "a few characters or a word repeated", id="a-word-repeated"),
        pytest.param(
            "demo-only-Northshire-2026" * 2, "a few characters or a word repeated", id="demo-twice"
        ),
        pytest.param("ab12" * 10, "secrets.token_urlsafe(48)", id="says-how-to-make-one"),
    ],
)
def test_production_refuses_a_bad_secret_key(
    production: dict[str, str], secret: str | None, expected: str
) -> None:
    environ = dict(production)
    if secret is None:
        del environ["HUB_SECRET_KEY"]
    else:
        environ["HUB_SECRET_KEY"] = secret
    assert expected in refusal(environ)


def test_production_refuses_the_development_secret(
    production: dict[str, str], instance: Path
) -> None:
    development_secret = load_settings({"HUB_INSTANCE_PATH": str(instance)}).secret_key
    message = refusal({**production, "HUB_SECRET_KEY": development_secret})
    assert "development secret" in message
    assert development_secret not in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(None, "production needs a database", id="missing"),
        pytest.param("", "production needs a database", id="empty"),
        pytest.param("sqlite:///hub.sqlite3", "not SQLite", id="sqlite"),
        pytest.param("sqlite+pysqlite:////var/lib/hub.db", "not SQLite", id="sqlite-driver"),
    ],
)
def test_production_refuses_a_missing_or_sqlite_database(
    production: dict[str, str], url: str | None, expected: str
) -> None:
    environ = dict(production)
    if url is None:
        del environ["HUB_DATABASE_URL"]
    else:
        environ["HUB_DATABASE_URL"] = url
    assert expected in refusal(environ)


def test_production_refuses_a_missing_key_store(production: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-keyring.json"
    message = refusal({**production, "HUB_KEY_STORE": str(missing)})
    assert "does not exist" in message
    assert str(missing) in message


def test_production_refuses_the_default_key_store_when_absent(production: dict[str, str]) -> None:
    environ = dict(production)
    del environ["HUB_KEY_STORE"]
    assert "keyring.json does not exist" in refusal(environ)


def test_production_refuses_a_key_store_that_is_not_a_regular_file(
    production: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)
    assert "not a regular file" in refusal({**production, "HUB_KEY_STORE": str(folder)})


def test_production_refuses_a_key_store_under_a_file(
    production: dict[str, str], key_store: Path
) -> None:
    assert "cannot be checked" in refusal(
        {**production, "HUB_KEY_STORE": str(key_store / "keyring.json")}
    )


@pytest.mark.parametrize(
    "mode",
    [0o640, 0o604, 0o644, 0o660, 0o606, 0o610, 0o601],
    ids=lambda mode: f"{mode:o}",
)
def test_production_refuses_a_key_store_other_users_can_use(
    production: dict[str, str], key_store: Path, mode: int
) -> None:
    key_store.chmod(mode)
    assert "chmod 600" in refusal(production)


@pytest.mark.parametrize("mode", [0o600, 0o400], ids=lambda mode: f"{mode:o}")
def test_production_accepts_a_key_store_only_its_owner_can_read(
    production: dict[str, str], key_store: Path, mode: int
) -> None:
    key_store.chmod(mode)
    assert load_settings(production).key_store == key_store


def test_production_follows_a_symlinked_key_store(
    production: dict[str, str], key_store: Path, tmp_path: Path
) -> None:
    link = tmp_path / "current-keyring.json"
    os.symlink(key_store, link)
    assert load_settings({**production, "HUB_KEY_STORE": str(link)}).key_store == link
    key_store.chmod(0o644)
    assert "chmod 600" in refusal({**production, "HUB_KEY_STORE": str(link)})


def test_the_audit_origin_is_made_from_the_service_name_unless_set(
    development: dict[str, str],
) -> None:
    named = load_settings({**development, "HUB_SERVICE_NAME": "Northshire ASB Hub (pilot)"})
    assert named.audit_origin == "northshire-asb-hub-pilot/audit"
    chosen = load_settings({**development, "HUB_AUDIT_ORIGIN": "northshire.example/asb-audit"})
    assert chosen.audit_origin == "northshire.example/asb-audit"


@pytest.mark.parametrize("origin", ["my hub", "a+b", "caf\u00e9/audit"])
def test_an_audit_origin_that_cannot_name_a_key_is_refused(
    development: dict[str, str], origin: str
) -> None:
    with pytest.raises(ConfigError, match="audit_origin must be printable ASCII"):
        load_settings({**development, "HUB_AUDIT_ORIGIN": origin})


def test_audit_checkpoint_minutes_is_a_whole_number_in_range(
    development: dict[str, str],
) -> None:
    with pytest.raises(ConfigError, match="audit_checkpoint_minutes must be between 0 and 1440"):
        load_settings({**development, "HUB_AUDIT_CHECKPOINT_MINUTES": "9999"})


def test_the_statement_timeout_may_be_0_for_no_limit_but_the_lock_wait_may_not(
    development: dict[str, str],
) -> None:
    """On SQLite a lock wait of 0 would mean refusing at once, not waiting for ever, so
    the lock wait has a limit (README: 0 is the statement timeout's "no limit")."""
    assert load_settings({**development, "HUB_DATABASE_STATEMENT_TIMEOUT": "0"})
    assert refusal({**development, "HUB_DATABASE_LOCK_TIMEOUT": "0"}) == (
        "database_lock_timeout must be between 1 and 600"
    )


@pytest.mark.parametrize(
    "bind", ["127.0.0.1:8000", "0.0.0.0:80", "[::1]:8443", "unix:/run/hub.sock"]
)
def test_the_server_bind_address_is_host_and_port_or_a_unix_socket(
    development: dict[str, str], bind: str
) -> None:
    assert load_settings({**development, "HUB_SERVER_BIND": bind}).server_bind == bind


@pytest.mark.parametrize(
    "bind", ["127.0.0.1:99999", "127.0.0.1:0", "nonsense", "127.0.0.1:", ":8000", "h:80a", "unix:"]
)
def test_a_bad_server_bind_address_stops_the_hub_at_start(
    development: dict[str, str], bind: str
) -> None:
    assert refusal({**development, "HUB_SERVER_BIND": bind}) == (
        f"server_bind must be HOST:PORT with a port from 1 to 65535, or unix:PATH, not {bind!r}"
    )


# -- password hashing --------------------------------------------------------------------


def test_passwords_are_hashed_at_rfc_9106s_recommended_cost_by_default(
    development: dict[str, str],
) -> None:
    # What the README promises: argon2id, 3 passes over 64 MiB in 4 lanes (RFC 9106's
    # second recommended option). The tests themselves choose a cheaper cost by settings.
    cost = load_settings(development).hashing_cost
    assert (cost.time_cost, cost.memory_kib, cost.parallelism) == (3, 65536, 4)
    made = accounts.hash_password("a-long-enough-password", cost)
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_hashing_cost_is_a_setting(development: dict[str, str]) -> None:
    settings = load_settings(
        {
            **development,
            "HUB_PASSWORD_HASH_TIME_COST": "4",
            "HUB_PASSWORD_HASH_MEMORY_KIB": "131072",
        }
    )
    assert settings.hashing_cost == accounts.HashingCost(4, 131072, 4)
    assert "password_hash_memory_kib must be a whole number" in refusal(
        development, password_hash_memory_kib="lots"
    )
    assert "password_hash_time_cost must be between 1 and 100" in refusal(
        development, password_hash_time_cost=0
    )


def test_production_refuses_password_hashing_below_owasps_minimum(
    production: dict[str, str],
) -> None:
    for cheap in ({"HUB_PASSWORD_HASH_TIME_COST": "1"}, {"HUB_PASSWORD_HASH_MEMORY_KIB": "8192"}):
        assert "password hashing is too cheap for production" in refusal({**production, **cheap})
    minimum = {"HUB_PASSWORD_HASH_TIME_COST": "2", "HUB_PASSWORD_HASH_MEMORY_KIB": "19456"}
    assert load_settings({**production, **minimum}).hashing_cost.at_least(accounts.MINIMUM)
