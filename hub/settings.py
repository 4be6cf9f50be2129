"""The hub's settings as the application uses them (``Settings``, its notices' e-mail
``MailSettings``), and ``ConfigError``, which says in one line why settings cannot be
used. ``hub.config`` reads them: embedded defaults, an optional settings file, then
environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sharing.accounts import RECOMMENDED, HashingCost

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


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


def review_days(settings: Settings) -> dict[str, int]:
    """Days between case reviews by priority value, as the core takes them."""
    return {
        "red_urgent": settings.review_days_red_urgent,
        "red_high": settings.review_days_red_high,
        "amber": settings.review_days_amber,
    }
