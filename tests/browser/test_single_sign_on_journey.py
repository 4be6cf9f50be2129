"""In Chromium: a landlord's case officer signs in with their agency's own account at a
real OpenID Connect provider (npm ``oidc-provider``), works in the hub, signs out, and
signs out of the provider too. The hub's pages on the way are checked with axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from sharing.vocabulary import Role
from tests.browser.conftest import LiveServer
from tests.browser.test_accessibility import violations
from tests.fixtures.demo import demo_copy, demo_user
from tests.fixtures.oidc import Client, OidcProvider, running_provider
from tests.fixtures.smtp import free_port

pytestmark = [pytest.mark.browser]

AGENCY = "larkmoor-ha"


@pytest.fixture(scope="module")
def hub_and_provider(
    demo_files: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, OidcProvider, str]]:
    """A live demo hub whose Larkmoor staff sign in at the provider, the provider, and
    the login there of a Larkmoor case officer."""
    folder = tmp_path_factory.mktemp("sso-journey")
    hub_url = f"http://127.0.0.1:{free_port()}"
    client = Client(
        client_id="asb-hub",
        redirect_uris=[f"{hub_url}/sign-in/with/{AGENCY}/callback"],
        post_logout_redirect_uris=[f"{hub_url}/sign-in"],
    )
    (folder / "probe").mkdir()
    (folder / "hub").mkdir()
    probe = demo_copy(demo_files, folder / "probe")
    with probe.extensions["hub.sessions"]() as session:
        officer = next(
            user
            for nth in range(5)
            if not (user := demo_user(session, AGENCY, Role.CASE_OFFICER, nth)).has_authenticator
            and not user.second_factor_required
        )
        email, name = officer.email, officer.display_name
    probe.extensions["hub.engine"].dispose()
    accounts = {"officer": {"email": email, "email_verified": True, "name": name}}
    with running_provider(folder, [client], accounts) as provider:
        secret = folder / "client-secret"
        secret.write_text(client.client_secret)
        providers = folder / "identity-providers.toml"
        providers.write_text(
            f'[{AGENCY}]\nname = "Larkmoor Housing"\nissuer = "{provider.issuer}"\n'
            f'client_id = "asb-hub"\nclient_secret_file = "{secret}"\n'
            f'email_domains = ["{email.rpartition("@")[2]}"]\n'
        )
        app: Flask = demo_copy(
            demo_files,
            folder / "hub",
            identity_providers=str(providers),
            base_url=hub_url,
        )
        with LiveServer(app, port=int(hub_url.rpartition(":")[2])) as server:
            yield server, provider, name
        app.extensions["hub.engine"].dispose()


def test_an_officer_signs_in_and_out_with_their_agency_account(
    axe_page: Page, hub_and_provider: tuple[LiveServer, OidcProvider, str]
) -> None:
    server, provider, name = hub_and_provider
    page = axe_page
    page.goto(f"{server.url}/sign-in")
    assert violations(page) == []
    page.get_by_role("button", name="Sign in with your Larkmoor Housing account").click()

    expect(
        page.get_by_role("heading", name="Sign in to the test identity provider")
    ).to_be_visible()
    assert page.url.startswith(provider.issuer)
    page.get_by_label("Account").fill("officer")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text(name).first).to_be_visible()
    assert page.url.startswith(server.url)
    page.get_by_role("button", name="Sign out").click()

    offer = page.get_by_role("link", name="Sign out of your Larkmoor Housing account too")
    expect(offer).to_be_visible()
    assert violations(page) == []
    offer.click()
    assert page.url.startswith(provider.issuer)
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    assert page.url.startswith(f"{server.url}/sign-in")
    expect(
        page.get_by_role("link", name="Sign out of your Larkmoor Housing account too")
    ).to_have_count(0)


def test_a_provider_problem_page_passes_the_accessibility_check(
    axe_page: Page, hub_and_provider: tuple[LiveServer, OidcProvider, str]
) -> None:
    server, provider, _ = hub_and_provider
    page = axe_page
    provider.misbehave(tamper=True)
    try:
        page.goto(f"{server.url}/sign-in")
        page.get_by_role("button", name="Sign in with your Larkmoor Housing account").click()
        page.get_by_label("Account").fill("officer")
        page.get_by_role("button", name="Sign in").click()
        expect(
            page.get_by_role("heading", name="Your sign-in could not be checked")
        ).to_be_visible()
        assert violations(page) == []
    finally:
        provider.misbehave()
