"""The settings read (``hub.config``) made into ``Settings``, each value checked, with a
one-line ``ConfigError`` naming the setting and what it must be: whole numbers in their
range, rate limits and where they are counted, the address ``hub serve`` listens on, the
log's format, a phone number, the audit log's origin, the notices' e-mail; and in
development, the SQLite file and a secret key kept in the instance folder filled in."""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from pathlib import Path

import limits

from hub.production_checks import check_production
from hub.settings import CONFIG_DIR, MAIL_TRANSPORTS, ConfigError, MailSettings, Settings
from sharing.accounts import RECOMMENDED
from sharing.formats import is_digits, normalise_phone


def settings_from(raw: dict[str, object], verify: bool) -> Settings:
    """The settings ``raw`` holds, each checked; production's refused when missing or
    insecure (unless not ``verify``), development's left empty filled in."""
    environment = str(raw.get("environment") or "development")
    if environment not in ("development", "production"):
        raise ConfigError(f"environment must be development or production, not {environment!r}")
    instance = Path(str(raw.get("instance_path") or Path.cwd() / "instance")).resolve()
    try:
        idle = int(str(raw.get("session_idle_minutes", 30)))
    except ValueError:
        raise ConfigError("session_idle_minutes must be a whole number of minutes") from None
    if not 1 <= idle <= 24 * 60:
        raise ConfigError("session_idle_minutes must be between 1 and 1440")
    hours = _whole_number(raw, "break_glass_hours", 4, 1, 24)
    risk_review_days = _whole_number(raw, "risk_review_days", 28, 1, 365)
    service_name = str(raw.get("service_name") or "ASB partnership hub")
    settings = Settings(
        environment=environment,
        instance_path=instance,
        database_url=str(raw.get("database_url") or ""),
        secret_key=str(raw.get("secret_key") or ""),
        key_store=Path(str(raw.get("key_store") or instance / "keyring.json")),
        session_idle_minutes=idle,
        break_glass_hours=hours,
        database_lock_timeout=_whole_number(raw, "database_lock_timeout", 5, 1, 600),
        database_statement_timeout=_whole_number(raw, "database_statement_timeout", 30, 0, 3600),
        server_bind=_server_bind(raw),
        server_workers=_whole_number(raw, "server_workers", 4, 1, 64),
        server_timeout=_whole_number(raw, "server_timeout", 60, 5, 3600),
        trusted_proxies=_whole_number(raw, "trusted_proxies", 0, 0, 5),
        log_format=_log_format(raw),
        erasure_final_hours=_whole_number(raw, "erasure_final_hours", 24, 1, 24 * 30),
        risk_review_days=risk_review_days,
        review_days_red_urgent=_whole_number(raw, "review_days_red_urgent", 7, 1, 31),
        review_days_red_high=_whole_number(raw, "review_days_red_high", 14, 1, 31),
        review_days_amber=_whole_number(raw, "review_days_amber", 28, 1, 31),
        first_contact_working_days=_whole_number(raw, "first_contact_working_days", 5, 1, 20),
        conference_share_days=_whole_number(raw, "conference_share_days", 28, 1, 365),
        password_link_hours=_whole_number(raw, "password_link_hours", 72, 1, 336),
        trigger_procedure=Path(
            str(raw.get("trigger_procedure") or CONFIG_DIR / "northshire-community-trigger.toml")
        ),
        closure_survey=Path(str(raw.get("closure_survey") or CONFIG_DIR / "closure-survey.toml")),
        trigger_phone=_phone_number(raw, "trigger_phone", "01632 960 250"),
        letters=Path(str(raw.get("letters") or CONFIG_DIR / "letters.toml")),
        identity_providers=Path(str(raw["identity_providers"]))
        if raw.get("identity_providers")
        else None,
        audit_witnesses=Path(str(raw["audit_witnesses"])) if raw.get("audit_witnesses") else None,
        housing_stock=Path(str(raw.get("housing_stock") or CONFIG_DIR / "housing-stock.toml")),
        statements=Path(str(raw.get("statements") or CONFIG_DIR / "northshire-statements.toml")),
        ward_boundaries=Path(
            str(raw.get("ward_boundaries") or CONFIG_DIR / "ward-boundaries.geojson")
        ),
        document_store=str(raw.get("document_store") or ""),
        document_store_endpoint=str(raw.get("document_store_endpoint") or ""),
        document_store_region=str(raw.get("document_store_region") or ""),
        document_max_mb=_whole_number(raw, "document_max_mb", 20, 1, 500),
        api_rate_limit=_rate_limit(raw, "api_rate_limit", "120 per minute"),
        api_token_rate_limit=_rate_limit(raw, "api_token_rate_limit", "10 per minute"),
        api_rate_limit_storage=_rate_limit_storage(raw),
        sign_in_failures_per_hour=_whole_number(raw, "sign_in_failures_per_hour", 30, 1, 10_000),
        service_name=service_name,
        audit_origin=_audit_origin(raw, service_name),
        audit_checkpoint_minutes=_whole_number(raw, "audit_checkpoint_minutes", 15, 0, 24 * 60),
        audit_integrate_ms=_whole_number(raw, "audit_integrate_ms", 250, 0, 10_000),
        password_hash_time_cost=_whole_number(
            raw, "password_hash_time_cost", RECOMMENDED.time_cost, 1, 100
        ),
        password_hash_memory_kib=_whole_number(
            raw, "password_hash_memory_kib", RECOMMENDED.memory_kib, 8, 4 * 1024 * 1024
        ),
        password_hash_parallelism=_whole_number(
            raw, "password_hash_parallelism", RECOMMENDED.parallelism, 1, 64
        ),
        mail=_mail(raw, instance),
    )
    if settings.production:
        if verify:
            check_production(settings)
        return settings
    return _development_defaults(settings)


def _audit_origin(raw: dict[str, object], service_name: str) -> str:
    """The configured origin, else one made from the service name (``asb-partnership-hub/
    audit``); printable ASCII without spaces or plus signs (a signed-note key name)."""
    origin = str(raw.get("audit_origin") or "")
    if not origin:
        slug = "-".join(
            "".join(c if c.isascii() and c.isalnum() else " " for c in service_name.lower()).split()
        )
        return f"{slug or 'hub'}/audit"
    if not all(33 <= ord(c) < 127 and c != "+" for c in origin):
        raise ConfigError("audit_origin must be printable ASCII without spaces or plus signs")
    return origin


def _mail(raw: dict[str, object], instance: Path) -> MailSettings:
    transport = str(raw.get("mail_transport") or "file")
    if transport not in MAIL_TRANSPORTS:
        raise ConfigError(f"mail_transport must be one of {', '.join(MAIL_TRANSPORTS)}")
    base_url = str(raw.get("base_url") or "http://127.0.0.1:5000").rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise ConfigError("base_url must start with https:// (or http:// in development)")
    sender = str(raw.get("mail_from") or "hub@localhost")
    if "@" not in sender or any(c.isspace() for c in sender):
        raise ConfigError("mail_from must be an e-mail address")
    starttls = str(raw.get("smtp_starttls", False)).lower()
    if starttls not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError("smtp_starttls must be true or false")
    return MailSettings(
        transport=transport,
        sender=sender,
        base_url=base_url,
        folder=Path(str(raw.get("mail_folder") or instance / "mail")),
        smtp_host=str(raw.get("smtp_host") or "localhost"),
        smtp_port=_whole_number(raw, "smtp_port", 25, 1, 65535),
        smtp_starttls=starttls in ("true", "1", "yes"),
        smtp_username=str(raw.get("smtp_username") or ""),
        smtp_password=str(raw.get("smtp_password") or ""),
        smtp_password_file=Path(str(raw["smtp_password_file"]))
        if raw.get("smtp_password_file")
        else None,
    )


def _rate_limit(raw: dict[str, object], name: str, default: str) -> str:
    """A rate limit as the limits library reads it ("120 per minute", "10/second")."""
    value = str(raw.get(name) or default)
    try:
        limits.parse_many(value)
    except ValueError:
        raise ConfigError(
            f"{name} must be a rate such as '120 per minute' or '5/second', not {value!r}"
        ) from None
    return value


#: Where rate limits may be counted (the limits library's storage schemes).
RATE_LIMIT_STORES = ("memory", "redis", "rediss", "redis+sentinel", "memcached")


def _rate_limit_storage(raw: dict[str, object]) -> str:
    value = str(raw.get("api_rate_limit_storage") or "memory://")
    scheme, separator, _ = value.partition("://")
    if not separator or scheme not in RATE_LIMIT_STORES:
        raise ConfigError(
            "api_rate_limit_storage must be memory:// or a shared store's address, e.g. "
            "redis://127.0.0.1:6379 (schemes: " + ", ".join(RATE_LIMIT_STORES) + ")"
        )
    return value


def _server_bind(raw: dict[str, object]) -> str:
    value = str(raw.get("server_bind") or "127.0.0.1:8000")
    problem = bind_problem(value)
    if problem:
        raise ConfigError(f"server_bind {problem}")
    return value


def bind_problem(value: str) -> str | None:
    """What is wrong with a gunicorn address to listen on (``HOST:PORT`` or
    ``unix:PATH``), for the setting and ``hub serve --bind``; None if nothing."""
    host, colon, port = value.rpartition(":")
    if value.startswith("unix:") and len(value) > len("unix:"):
        return None
    if colon and host and is_digits(port) and len(port) <= 5 and 1 <= int(port) <= 65535:
        return None
    return f"must be HOST:PORT with a port from 1 to 65535, or unix:PATH, not {value!r}"


def _log_format(raw: dict[str, object]) -> str:
    value = str(raw.get("log_format") or "text")
    if value not in ("text", "json"):
        raise ConfigError(f"log_format must be text or json, not {value!r}")
    return value


def _phone_number(raw: dict[str, object], name: str, default: str) -> str:
    """A phone number setting, as written (it is shown to the public as it is)."""
    value = str(raw.get(name) or default).strip()
    if normalise_phone(value) is None:
        raise ConfigError(f"{name} must be a phone number, like 01632 960 250")
    return value


def _whole_number(raw: dict[str, object], name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(str(raw.get(name, default)))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}")
    return value


def _development_defaults(settings: Settings) -> Settings:
    """Fill in the SQLite file and a generated secret kept in the instance folder."""
    database_url = settings.database_url
    if not database_url:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{settings.instance_path / 'hub.sqlite3'}"
    secret_key = settings.secret_key or _development_secret(settings.instance_path)
    return replace(settings, database_url=database_url, secret_key=secret_key)


def _development_secret(instance_path: Path) -> str:
    """The secret in ``instance_path/secret_key``, generated (mode 0600) the first time.

    The file appears complete or not at all, so processes starting together agree on it."""
    instance_path.mkdir(parents=True, exist_ok=True)
    secret_file = instance_path / "secret_key"
    if not secret_file.exists():
        partial = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            os.link(partial, secret_file)  # never replaces a secret another process made
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    secret_key = secret_file.read_text().strip()
    if not secret_key:
        raise ConfigError(f"the development secret file {secret_file} is empty: delete it")
    return secret_key
