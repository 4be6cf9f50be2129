"""Settings: embedded defaults, an optional settings file, then environment variables,
each read in turn (``load_settings``); a TOML file a setting names, read
(``read_named_file``). Each value is checked by ``hub.setting_values``, and production's
settings by ``hub.production_checks``."""

from __future__ import annotations

import os
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from hub.setting_values import settings_from
from hub.settings import CONFIG_DIR, MAIL_KEYS, ConfigError, Settings
from sharing.formats import BEYOND_THE_PARSER

DEFAULTS_FILE = CONFIG_DIR / "defaults.toml"
ENV_PREFIX = "HUB_"


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
    return settings_from(raw, verify)
