"""Agencies' own identity providers (OpenID Connect), read from the file named by the
``identity_providers`` setting: one table per agency, named by the agency's code.

    [larkmoor-ha]
    name = "Larkmoor Housing"                      # "Sign in with your Larkmoor Housing account"
    issuer = "https://login.larkmoor.example"      # exactly as the provider's discovery says
    client_id = "asb-partnership-hub"
    client_secret_env = "HUB_LARKMOOR_HA_CLIENT_SECRET"   # or client_secret_file = "/run/..."
    email_claim = "email"                          # the ID token claim holding the address
    email_domains = ["larkmoor.example"]           # addresses the provider may vouch for
    email_verified_claim = "email_verified"        # "" if every address it gives is verified
    passwords = false                              # whether the agency's staff may still use one
    second_factor = "hub"                          # or "provider", if it asks for one itself

A file with a problem stops the hub starting, with the agency and the setting named
(``IdentityProvidersInvalid``). Secrets never live in the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask import current_app

from hub.config import read_named_file
from hub.settings import ConfigError

#: What an agency's table may hold, with the keys it must.
KEYS = frozenset(
    {
        "name",
        "issuer",
        "client_id",
        "client_secret_env",
        "client_secret_file",
        "email_claim",
        "email_domains",
        "email_verified_claim",
        "passwords",
        "scopes",
        "second_factor",
    }
)
REQUIRED = ("name", "issuer", "client_id", "email_domains")
SECOND_FACTORS = ("hub", "provider")
_CODE = re.compile(r"[a-z0-9][a-z0-9-]*")
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class DiscoveryFailed(Exception):
    """A provider's discovery document cannot be had or names another issuer; the
    message says which (no personal data: the provider's address at most)."""


class IdentityProvidersInvalid(ConfigError):
    """The identity providers file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class IdentityProvider:
    """One agency's OpenID Connect provider, as the hub signs its staff in through it."""

    agency_code: str
    #: How the agency's staff know their account: "Sign in with your <name> account".
    name: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    email_domains: frozenset[str]
    email_claim: str = "email"
    #: The claim that says the address is verified; empty when the provider only ever
    #: gives verified addresses (it then does not send such a claim).
    email_verified_claim: str = "email_verified"
    #: Whether the agency's staff may still sign in with a hub password.
    passwords: bool = False
    scopes: str = "openid email profile"
    #: Who asks for the second factor: "hub" (its security code, as after a password, for
    #: those who have one or whose roles need one) or "provider" (the agency's provider
    #: asks for its own, and the hub takes its word).
    second_factor: str = "hub"

    def issued(self, metadata: object) -> bool:
        """Whether a discovery document names this provider's issuer, as OpenID Connect
        Discovery requires of the provider the hub was configured with."""
        return isinstance(metadata, dict) and metadata.get("issuer") == self.issuer

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def load_identity_providers(
    path: Path | None, *, production: bool, environ: Mapping[str, str] | None = None
) -> dict[str, IdentityProvider]:
    """The providers named in ``path``, by agency code (none if ``path`` is None)."""
    if path is None:
        return {}
    environ = os.environ if environ is None else environ
    data = read_named_file(path, IdentityProvidersInvalid)
    providers = {}
    for code, table in data.items():
        where = f"{path}: [{code}]"
        if not isinstance(table, dict):
            raise IdentityProvidersInvalid(f"{path}: {code} must be a table, [{code}]")
        if not _CODE.fullmatch(code):
            raise IdentityProvidersInvalid(f"{where}: name the table by the agency's code")
        providers[code] = _provider(code, table, where, production, environ)
    return providers


def _provider(
    code: str,
    table: dict[str, object],
    where: str,
    production: bool,
    environ: Mapping[str, str],
) -> IdentityProvider:
    unknown = sorted(set(table) - KEYS)
    if "client_secret" in unknown:
        raise IdentityProvidersInvalid(
            f"{where}: never put the client secret in this file; name an environment "
            "variable (client_secret_env) or a file (client_secret_file) that holds it"
        )
    if unknown:
        raise IdentityProvidersInvalid(f"{where}: unknown setting(s): {', '.join(unknown)}")
    missing = [key for key in REQUIRED if not table.get(key)]
    if missing:
        raise IdentityProvidersInvalid(f"{where}: missing {', '.join(missing)}")
    for key in KEYS - {"email_domains", "passwords"}:
        if key in table and not isinstance(table[key], str):
            raise IdentityProvidersInvalid(f"{where}: {key} must be text in quotes")
    issuer = str(table["issuer"])
    if not issuer.startswith("https://") and (production or not issuer.startswith("http://")):
        raise IdentityProvidersInvalid(
            f"{where}: issuer must be the provider's https:// address"
            + ("" if production else " (http:// is allowed in development only)")
        )
    domains = table["email_domains"]
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise IdentityProvidersInvalid(
            f'{where}: email_domains must be a list, like ["agency.example"]'
        )
    for domain in domains:
        if not _DOMAIN.fullmatch(domain.lower()):
            raise IdentityProvidersInvalid(f"{where}: email_domains: {domain!r} is not a domain")
    passwords = table.get("passwords", False)
    if not isinstance(passwords, bool):
        raise IdentityProvidersInvalid(f"{where}: passwords must be true or false")
    second_factor = str(table.get("second_factor", "hub"))
    if second_factor not in SECOND_FACTORS:
        raise IdentityProvidersInvalid(f'{where}: second_factor must be "hub" or "provider"')
    scopes = str(table.get("scopes", "openid email profile"))
    if "openid" not in scopes.split():
        raise IdentityProvidersInvalid(f"{where}: scopes must include openid")
    return IdentityProvider(
        agency_code=code,
        name=str(table["name"]),
        issuer=issuer,
        client_id=str(table["client_id"]),
        client_secret=_secret(table, where, environ),
        email_domains=frozenset(d.lower() for d in domains),
        email_claim=str(table.get("email_claim") or "email"),
        email_verified_claim=str(table.get("email_verified_claim", "email_verified")),
        passwords=passwords,
        scopes=scopes,
        second_factor=second_factor,
    )


def _secret(table: dict[str, object], where: str, environ: Mapping[str, str]) -> str:
    """The client secret, from the environment variable or the file the table names."""
    variable, file = table.get("client_secret_env"), table.get("client_secret_file")
    if bool(variable) == bool(file):
        raise IdentityProvidersInvalid(
            f"{where}: name where the client secret is, in client_secret_env or "
            "client_secret_file (one of them)"
        )
    if variable:
        secret = environ.get(str(variable), "")
        if not secret:
            raise IdentityProvidersInvalid(
                f"{where}: the environment variable {variable} is not set"
            )
        return secret
    try:
        secret = Path(str(file)).read_text(encoding="utf-8").strip()
    except OSError as e:
        raise IdentityProvidersInvalid(
            f"{where}: the client secret file {file} cannot be read: {e.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise IdentityProvidersInvalid(
            f"{where}: the client secret file {file} is not a text file in UTF-8"
        ) from None
    if not secret:
        raise IdentityProvidersInvalid(f"{where}: the client secret file {file} is empty")
    return secret


def identity_providers() -> dict[str, IdentityProvider]:
    """The running hub's agency providers, by agency code."""
    providers: dict[str, IdentityProvider] = current_app.extensions["hub.identity_providers"]
    return providers


def discover(provider: IdentityProvider, *, timeout: float) -> dict[str, Any]:
    """The provider's discovery document, read now, or ``DiscoveryFailed``: unreachable,
    not JSON, or naming another issuer than the configured one (OpenID Connect Discovery
    requires the two to be the same)."""
    try:
        answer = requests.get(provider.discovery_url, timeout=timeout)
        answer.raise_for_status()
        metadata = answer.json()
    except requests.RequestException as e:
        raise DiscoveryFailed(
            f"{provider.discovery_url} cannot be read ({type(e).__name__})"
        ) from None
    if not provider.issued(metadata):
        named = metadata.get("issuer") if isinstance(metadata, dict) else None
        raise DiscoveryFailed(
            f"the provider names its issuer {named!r}, not {provider.issuer!r} as configured"
        )
    return metadata
