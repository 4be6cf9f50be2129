"""Settings: embedded defaults, an optional settings file, then environment variables."""

from __future__ import annotations

import os
import secrets
import stat
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import limits

from hub.demo_settings import DEMO_FILES, demo_setting_left, example_address_left
from sharing.accounts import MINIMUM, RECOMMENDED, HashingCost
from sharing.formats import BEYOND_THE_PARSER, is_digits, normalise_phone

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
DEFAULTS_FILE = CONFIG_DIR / "defaults.toml"
ENV_PREFIX = "HUB_"
MIN_SECRET_LENGTH = 32
#: Hosts a mail server may be reached at without STARTTLS: this machine.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: A secret key with fewer different characters than this is a few repeated, not random
#: (32 random hexadecimal digits hold fewer than 8 once in a billion times).
MIN_SECRET_CHARACTERS = 8
#: How the README and the refusals say to make a secret key.
MAKE_A_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105 - a command, not a secret


class ConfigError(RuntimeError):
    """The settings cannot be used; the message is one line saying why."""


MAIL_TRANSPORTS = ("smtp", "file", "log", "none")
#: The settings (file keys; HUB_ and the upper-case name in the environment) for notices.
MAIL_KEYS = (
    "mail_transport",
    "mail_from",
    "base_url",
    "mail_folder",
    "smtp_host",
    "smtp_port",
    "smtp_starttls",
    "smtp_username",
    "smtp_password",
    "smtp_password_file",
)


@dataclass(frozen=True)
class MailSettings:
    """Where notices go: an SMTP server, ``.eml`` files in ``folder`` (development and the
    demo), the log (a line per notice, no address), or nowhere."""

    transport: str = "file"
    sender: str = "hub@localhost"
    base_url: str = "http://127.0.0.1:5000"
    folder: Path = Path("instance/mail")
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    #: A file holding the password, read when a message is sent (so it can be rotated).
    smtp_password_file: Path | None = None

    def password(self) -> str:
        """The SMTP password: from the environment, else from its file (``OSError`` if
        the file cannot be read)."""
        if self.smtp_password or self.smtp_password_file is None:
            return self.smtp_password
        return self.smtp_password_file.read_text().strip()


@dataclass(frozen=True)
class Settings:
    environment: str
    instance_path: Path
    database_url: str
    secret_key: str
    key_store: Path
    session_idle_minutes: int
    service_name: str
    break_glass_hours: int = 4
    #: How long a database statement waits for a lock, and may run, before the request is
    #: answered "busy" (seconds; statement 0: no limit).
    database_lock_timeout: int = 5
    database_statement_timeout: int = 30
    #: ``hub serve``: where gunicorn listens, its worker processes, and the seconds a worker
    #: may take over a request before it is replaced.
    server_bind: str = "127.0.0.1:8000"
    server_workers: int = 4
    server_timeout: int = 60
    #: How many reverse proxies stand in front of the hub, each adding the address it was
    #: reached from to ``X-Forwarded-For`` (and the scheme to ``X-Forwarded-Proto``): the
    #: visitor's address (for the public form's and the API's limits) is read from them.
    #: 0: the hub is reached directly, and those headers are ignored.
    trusted_proxies: int = 0
    #: How ``hub serve`` writes its log lines: "text" or "json" (one object a line).
    log_format: str = "text"
    #: Hours within which an erasure must be made final by retiring the key-encryption key
    #: version that wrapped the destroyed keys (``hub keys finalise-erasures``).
    erasure_final_hours: int = 24
    risk_review_days: int = 28
    #: Days between case reviews, by priority (003 §3.11: at least monthly).
    review_days_red_urgent: int = 7
    review_days_red_high: int = 14
    review_days_amber: int = 28
    #: Working days from a case's opening to the first contact with the complainant that
    #: the acknowledgement letter promises and the case tracks.
    first_contact_working_days: int = 5
    #: Days after a case conference its invitations' shares last.
    conference_share_days: int = 28
    #: Hours a link e-mailed to set a password works (a new starter's, a reset's).
    password_link_hours: int = 72
    #: The area's Community Trigger (ASB Case Review) procedure file.
    trigger_procedure: Path = CONFIG_DIR / "northshire-community-trigger.toml"
    closure_survey: Path = CONFIG_DIR / "closure-survey.toml"
    #: The phone number the public may apply for an ASB Case Review on (the lead's), which
    #: the public form gives when it is sent too often from one place.
    trigger_phone: str = "01632 960 250"
    #: Agencies' own identity providers (``hub.identity_providers``), or None.
    identity_providers: Path | None = None
    #: The audit log's witnesses (``hub.audit_witnesses``), or None.
    audit_witnesses: Path | None = None
    #: The standard letters of an ASB case.
    letters: Path = CONFIG_DIR / "letters.toml"
    housing_stock: Path = CONFIG_DIR / "housing-stock.toml"
    #: The privacy notice's and accessibility statement's words that are the partnership's.
    statements: Path = CONFIG_DIR / "northshire-statements.toml"
    #: The area's ward boundaries and households (GeoJSON), for rates and the map.
    ward_boundaries: Path = CONFIG_DIR / "ward-boundaries.geojson"
    #: Where case files are kept: a folder, ``s3://bucket/prefix``, or empty for
    #: ``<instance_path>/documents``; the object store's address and region; the most a
    #: file may be, in MB.
    document_store: str = ""
    document_store_endpoint: str = ""
    document_store_region: str = ""
    document_max_mb: int = 20
    #: The partner API's rate limits per client (e.g. "120 per minute"; the token request's
    #: stricter, against guessing secrets) and where they are counted: ``memory://`` (each
    #: process on its own) or a store all the hub's processes share (``redis://host:6379``).
    api_rate_limit: str = "120 per minute"
    api_token_rate_limit: str = "10 per minute"  # noqa: S105 - a rate, not a secret
    api_rate_limit_storage: str = "memory://"
    #: Failed sign-ins allowed from one address (or IPv6 /64) in an hour, before its
    #: attempts are refused (429) until the oldest of them is an hour old.
    sign_in_failures_per_hour: int = 30
    #: The audit log's name in its signed checkpoints (never changes once the log exists).
    audit_origin: str = ""
    #: Make a checkpoint after a request when the latest is older than this (0: never).
    audit_checkpoint_minutes: int = 15
    #: ``hub serve``: each worker adds committed audit entries to the log this often
    #: (milliseconds; 0: each request adds its own after its commit, as ``hub run`` does).
    audit_integrate_ms: int = 250
    #: argon2id cost of new password hashes: passes, memory in KiB, lanes.
    password_hash_time_cost: int = RECOMMENDED.time_cost
    password_hash_memory_kib: int = RECOMMENDED.memory_kib
    password_hash_parallelism: int = RECOMMENDED.parallelism
    #: Notices by e-mail: how they go ("smtp", "file", "log" or "none"), from whom, and the
    #: hub's address for their links.
    mail: MailSettings = field(default_factory=lambda: MailSettings())

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def hashing_cost(self) -> HashingCost:
        return HashingCost(
            self.password_hash_time_cost,
            self.password_hash_memory_kib,
            self.password_hash_parallelism,
        )


def read_named_file(path: Path, error: type[ConfigError] = ConfigError) -> dict[str, Any]:
    """The TOML file a setting names (identity providers, witnesses); ``error`` saying
    which file and why when it cannot be read."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise error(f"{path} cannot be read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"{path} is not a text file in UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path} is not valid TOML: {e}") from None
    except (RecursionError, ValueError):
        raise error(f"{path} is not a TOML file the hub reads: {BEYOND_THE_PARSER}") from None


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"settings file {path} does not exist") from None
    except OSError as e:
        raise ConfigError(f"settings file {path} cannot be read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"settings file {path} is not a text file in UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"settings file {path} is not valid TOML: {e}") from None
    except (RecursionError, ValueError):
        raise ConfigError(
            f"settings file {path} is not a TOML file the hub reads: {BEYOND_THE_PARSER}"
        ) from None
    section = data.get("hub", {})
    if not isinstance(section, dict):
        raise ConfigError(f"settings file {path}: [hub] must be a table")
    outside = sorted(set(data) - {"hub"})
    if outside:
        raise ConfigError(
            f"settings file {path}: put settings in the [hub] table, not {', '.join(outside)}"
        )
    return section


def review_days(settings: Settings) -> dict[str, int]:
    """Days between case reviews by priority value, as the core takes them."""
    return {
        "red_urgent": settings.review_days_red_urgent,
        "red_high": settings.review_days_red_high,
        "amber": settings.review_days_amber,
    }


def load_settings(
    environ: dict[str, str] | None = None, *, verify: bool = True, **overrides: object
) -> Settings:
    """Settings from the defaults, the file named by HUB_CONFIG, the environment and
    ``overrides`` (in that order, later wins), with empty values filled in. With
    ``verify`` false, production settings are not checked (for ``hub keys init``, which
    makes the key store that the check requires)."""
    environ = dict(os.environ if environ is None else environ)
    raw: dict[str, object] = _read_toml(DEFAULTS_FILE)
    if environ.get("HUB_CONFIG"):
        path = Path(environ["HUB_CONFIG"])
        from_file = _read_toml(path)
        if "smtp_password" in from_file:
            raise ConfigError(
                f"settings file {path}: smtp_password must not be in a settings file; set "
                "HUB_SMTP_PASSWORD in the environment, or smtp_password_file to a file holding it"
            )
        raw.update(from_file)
    names = {f.name for f in fields(Settings)} - {"mail"} | set(MAIL_KEYS)
    for name in names:
        if ENV_PREFIX + name.upper() in environ:
            raw[name] = environ[ENV_PREFIX + name.upper()]
    raw.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(raw) - names
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    return _complete(raw, verify)


def _complete(raw: dict[str, object], verify: bool) -> Settings:
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


def check_production(settings: Settings) -> None:
    """Refuse production settings that are missing or insecure, with a one-line reason."""
    if not settings.secret_key:
        raise ConfigError("production needs a secret key: set HUB_SECRET_KEY")
    if len(settings.secret_key) < MIN_SECRET_LENGTH:
        raise ConfigError(f"the secret key must be at least {MIN_SECRET_LENGTH} characters")
    if not _looks_random(settings.secret_key):
        raise ConfigError(
            "the secret key is a few characters or a word repeated, which anyone could guess: "
            f"make a random one with {MAKE_A_SECRET}"
        )
    try:
        dev_secret = (settings.instance_path / "secret_key").read_text().strip()
    except OSError:  # no development secret here (or not ours to read)
        dev_secret = ""
    if dev_secret and secrets.compare_digest(dev_secret.encode(), settings.secret_key.encode()):
        raise ConfigError("the secret key is the generated development secret: set a new one")
    if not settings.database_url:
        raise ConfigError("production needs a database: set HUB_DATABASE_URL")
    if settings.database_url.startswith("sqlite"):
        raise ConfigError("production needs PostgreSQL, not SQLite: set HUB_DATABASE_URL")
    check_key_store(settings.key_store)
    files = {name: getattr(settings, name) for name in DEMO_FILES}
    if left := demo_setting_left(files, settings.trigger_phone):
        raise ConfigError(left)
    if left := example_address_left(settings.mail.base_url):
        raise ConfigError(left)
    if settings.mail.transport == "file":
        raise ConfigError(
            'production does not write notices to files (mail_transport = "file", the demo\'s: '
            "each would keep a link to set someone's password on this server, and nobody would "
            "get it): set mail_transport to smtp, or to log or none"
        )
    if settings.mail.transport == "smtp" and not settings.mail.base_url.startswith("https://"):
        raise ConfigError("production needs the hub's https:// address in base_url for notices")
    if (
        settings.mail.transport == "smtp"
        and settings.mail.smtp_username
        and not settings.mail.smtp_starttls
        and settings.mail.smtp_host not in LOCAL_HOSTS
    ):
        raise ConfigError(
            f"smtp_username is set without smtp_starttls: the hub's password for "
            f"{settings.mail.smtp_host} would cross the network in plain; set smtp_starttls = true"
        )
    if not settings.hashing_cost.at_least(MINIMUM):
        raise ConfigError(
            "password hashing is too cheap for production: password_hash_time_cost must be at "
            f"least {MINIMUM.time_cost} and password_hash_memory_kib at least {MINIMUM.memory_kib}"
        )


def _looks_random(secret: str) -> bool:
    """Whether ``secret`` holds enough different characters and is not a shorter text
    repeated ("changeme" four times)."""
    if len(set(secret)) < MIN_SECRET_CHARACTERS:
        return False
    return not any(
        secret == (secret[:period] * (len(secret) // period + 1))[: len(secret)]
        for period in range(1, len(secret) // 2 + 1)
    )


def check_key_store(path: Path) -> None:
    """The key store must be a regular file readable by its owner only."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(
            f"key store {path} does not exist: create it with `hub keys init`"
        ) from None
    except OSError as e:
        raise ConfigError(f"key store {path} cannot be checked: {e.strerror}") from None
    if not stat.S_ISREG(mode):
        raise ConfigError(f"key store {path} is not a regular file")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"key store {path} can be read by other users: chmod 600 it")
