"""Production's settings refused when missing or insecure, each with a one-line reason: a
secret key (long, random, not the generated development one), PostgreSQL, the key store
(a file its owner alone may read), no demo file or example address left, notices not
written to files (by SMTP, with the hub's https:// address, a login crossing the network
only over STARTTLS), and password hashing no cheaper than ``MINIMUM``."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

from hub.demo_settings import DEMO_FILES, demo_setting_left, example_address_left
from hub.settings import ConfigError, Settings
from sharing.accounts import MINIMUM

MIN_SECRET_LENGTH = 32
#: Hosts a mail server may be reached at without STARTTLS: this machine.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: A secret key with fewer different characters than this is a few repeated, not random
#: (32 random hexadecimal digits hold fewer than 8 once in a billion times).
MIN_SECRET_CHARACTERS = 8
#: How the README and the refusals say to make a secret key.
MAKE_A_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105 - a command, not a secret


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
