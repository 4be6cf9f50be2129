"""The identity providers file: what an administrator writes, and the one-line reason the
hub gives for refusing to start when something in it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.identity_providers import IdentityProvidersInvalid, load_identity_providers
from hub.settings import ConfigError
from sharing.provider_sign_in import in_domains

GOOD = """
[larkmoor-ha]
name = "Larkmoor Housing"
issuer = "https://login.larkmoor.example"
client_id = "asb-hub"
client_secret_env = "LARKMOOR_SECRET"
email_domains = ["larkmoor.example", "Larkmoor-Homes.example"]
"""
ENVIRON = {"LARKMOOR_SECRET": "a-secret-from-the-environment"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "identity-providers.toml"
    path.write_text(text)
    return path


def refusal(
    tmp_path: Path, text: str, *, production: bool = False, environ: dict[str, str] = ENVIRON
) -> str:
    with pytest.raises(IdentityProvidersInvalid) as refused:
        load_identity_providers(write(tmp_path, text), production=production, environ=environ)
    message = str(refused.value)
    assert "\n" not in message
    assert "a-secret-from" not in message
    return message


def test_a_provider_is_read_with_its_secret_from_the_environment(tmp_path: Path) -> None:
    providers = load_identity_providers(write(tmp_path, GOOD), production=True, environ=ENVIRON)
    provider = providers["larkmoor-ha"]
    assert provider.client_secret == "a-secret-from-the-environment"
    assert "a-secret" not in repr(provider)
    assert provider.email_domains == {"larkmoor.example", "larkmoor-homes.example"}
    assert provider.email_claim == "email"
    assert provider.email_verified_claim == "email_verified"
    assert provider.passwords is False
    assert provider.discovery_url == (
        "https://login.larkmoor.example/.well-known/openid-configuration"
    )
    assert in_domains("Someone@LARKMOOR.example", provider.email_domains)
    assert not in_domains("someone@larkmoor.example.evil.example", provider.email_domains)
    assert not in_domains("larkmoor.example", provider.email_domains)
    assert provider.issued({"issuer": "https://login.larkmoor.example"})
    assert not provider.issued({"issuer": "https://login.larkmoor.example/"})
    assert not provider.issued(["https://login.larkmoor.example"])


def test_the_secret_may_be_in_a_file_instead(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    text = GOOD.replace('client_secret_env = "LARKMOOR_SECRET"', f'client_secret_file = "{secret}"')
    providers = load_identity_providers(write(tmp_path, text), production=False, environ={})
    assert providers["larkmoor-ha"].client_secret == "from-a-file"


def test_no_file_means_no_providers() -> None:
    assert load_identity_providers(None, production=True) == {}


def test_the_refusal_is_a_settings_problem_that_stops_the_hub(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_identity_providers(write(tmp_path, "[x]\n"), production=False, environ={})


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            ('client_secret_env = "LARKMOOR_SECRET"', 'client_secret = "written-here"'),
            "never put the client secret in this file",
        ),
        (('client_secret_env = "LARKMOOR_SECRET"', ""), "name where the client secret is"),
        (
            ("LARKMOOR_SECRET", "NOT_SET_ANYWHERE"),
            "environment variable NOT_SET_ANYWHERE is not set",
        ),
        (('client_id = "asb-hub"', ""), "[larkmoor-ha]: missing client_id"),
        (('client_id = "asb-hub"', "client_id = 12"), "client_id must be text in quotes"),
        (
            ('client_id = "asb-hub"', 'client_id = "asb-hub"\nemail_claim = 3'),
            "email_claim must be text",
        ),
        (("https://login", "ftp://login"), "issuer must be the provider's https:// address"),
        (
            (
                'email_domains = ["larkmoor.example", "Larkmoor-Homes.example"]',
                'email_domains = "larkmoor.example"',
            ),
            "email_domains must be a list",
        ),
        (('"larkmoor.example", ', '"larkmoor example", '), "'larkmoor example' is not a domain"),
        (
            ('client_id = "asb-hub"', 'client_id = "asb-hub"\npasswords = "no"'),
            "passwords must be true or false",
        ),
        (
            ('client_id = "asb-hub"', 'client_id = "asb-hub"\nscopes = "email"'),
            "scopes must include openid",
        ),
        (
            ('client_id = "asb-hub"', 'client_id = "asb-hub"\ntennant = "x"'),
            "unknown setting(s): tennant",
        ),
        (
            ('client_id = "asb-hub"', 'client_id = "asb-hub"\nsecond_factor = "none"'),
            'second_factor must be "hub" or "provider"',
        ),
        (("[larkmoor-ha]", '["Larkmoor HA"]'), "name the table by the agency's code"),
        (("[larkmoor-ha]", 'larkmoor-ha = "x"\n[other]'), "larkmoor-ha must be a table"),
        (("name = ", "name == "), "is not valid TOML"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_file_with_a_problem_is_refused_saying_where(
    tmp_path: Path, change: tuple[str, str], reason: str
) -> None:
    old, new = change
    assert old in GOOD
    assert reason in refusal(tmp_path, GOOD.replace(old, new))


def test_production_needs_https_and_development_allows_http(tmp_path: Path) -> None:
    text = GOOD.replace("https://login", "http://login")
    assert "issuer must be the provider's https:// address" in refusal(
        tmp_path, text, production=True
    )
    providers = load_identity_providers(write(tmp_path, text), production=False, environ=ENVIRON)
    assert providers["larkmoor-ha"].issuer == "http://login.larkmoor.example"


def test_an_unreadable_or_empty_secret_file_is_named(tmp_path: Path) -> None:
    text = GOOD.replace(
        'client_secret_env = "LARKMOOR_SECRET"', f'client_secret_file = "{tmp_path / "none"}"'
    )
    assert "cannot be read" in refusal(tmp_path, text)
    (tmp_path / "none").write_text("\n")
    assert "is empty" in refusal(tmp_path, text)
    (tmp_path / "none").write_bytes(bytes(range(256)))
    assert "is not a text file in UTF-8" in refusal(tmp_path, text)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(IdentityProvidersInvalid, match="cannot be read"):
        load_identity_providers(tmp_path / "nowhere.toml", production=False)
