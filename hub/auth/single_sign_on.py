"""Signing in with an agency's own identity provider: OpenID Connect's authorization code
flow with PKCE, through Authlib's Flask client, and the way to the provider's sign-out.

The provider says who someone is; the hub decides whether they may come in
(``sharing.provider_sign_in.single_sign_on``): an existing, active account of that agency with
the address the provider vouched for. Whatever goes wrong on the way (the provider down,
a state or nonce that does not match, a token of the wrong issuer or audience, out of
date or with a bad signature) ends on a page that says what to do, never a 500. Each
answer is counted against where it comes from, as a password is (``source_limits``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from hub.auth import source_limits
from hub.auth.known_browser import remember
from hub.auth.users import SignedInUser
from hub.auth.views import SIGNED_IN_WITH, SIGNED_OUT_OF, after_first_step, bp, locked_message
from hub.database import db
from hub.guard import safe_next
from hub.identity_providers import IdentityProvider, identity_providers
from sharing import provider_sign_in, sign_in_sessions
from sharing.models import User
from sharing.provider_sign_in import SingleSignOnRefusal

log = logging.getLogger(__name__)

#: How long the hub waits for a provider's answer, in seconds.
PROVIDER_TIMEOUT = 10
#: How far the hub's and the provider's clocks may differ when checking a token's times.
CLOCK_LEEWAY = 60
#: Where the browser session keeps the page to return to after the provider's sign-in.
RETURN_TO = "sso_next"
_OAUTH_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


class IssuerMismatch(OAuthError):
    """The provider's discovery document names another issuer than the one configured."""

    error = "issuer_mismatch"


def init_single_sign_on(app: Flask, providers: dict[str, IdentityProvider]) -> None:
    """Register each agency's provider with Authlib (its metadata is read when first used)."""
    oauth = OAuth(app)
    for code, provider in providers.items():
        oauth.register(
            name=code,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={
                "scope": provider.scopes,
                "code_challenge_method": "S256",
                "default_timeout": PROVIDER_TIMEOUT,
            },
        )
    app.extensions["hub.identity_providers"] = providers
    app.extensions["hub.oauth"] = oauth


def _provider(code: str) -> tuple[IdentityProvider, Any]:
    """The provider of the agency ``code`` and its Authlib client (404 if it has none)."""
    provider = identity_providers().get(code)
    if provider is None:
        abort(404)
    return provider, current_app.extensions["hub.oauth"].create_client(code)


def _metadata(provider: IdentityProvider, client: Any) -> dict[str, Any]:
    """The provider's discovery document, read once; refused (and read again next time)
    unless it names the configured issuer, as OpenID Connect Discovery requires."""
    metadata: dict[str, Any] = client.load_server_metadata()
    if not provider.issued(metadata):
        client.server_metadata.pop("_loaded_at", None)
        raise IssuerMismatch()
    return metadata


@dataclass(frozen=True)
class Problem:
    """Why a single sign-on did not happen, as the page tells it."""

    status: int
    title: str
    paragraphs: tuple[str, ...]
    #: Whether starting again at the provider may help.
    again: bool = True


def _down(provider: IdentityProvider) -> Problem:
    return Problem(
        503,
        f"We cannot reach the {provider.name} sign-in service",
        (
            "The hub could not reach your agency's sign-in service, so you have not been "
            "signed in. Try again in a few minutes.",
            "If it goes on, tell your agency's IT service desk.",
        ),
    )


def _unchecked(provider: IdentityProvider) -> Problem:
    return Problem(
        502,
        "Your sign-in could not be checked",
        (
            f"The {provider.name} sign-in service sent the hub an answer it could not "
            "verify, so you have not been signed in. Try again.",
            "If it happens again, tell your agency's hub administrator.",
        ),
    )


def _expired() -> Problem:
    return Problem(
        400,
        "Your sign-in could not be completed",
        (
            "The sign-in took too long, or it was started in another window or tab, so "
            "you have not been signed in. Start again from this window.",
        ),
    )


def _refused(
    provider: IdentityProvider, result: provider_sign_in.SingleSignOnResult, email: str
) -> Problem:
    refusal = result.refusal or SingleSignOnRefusal.NO_ACCOUNT
    if refusal is SingleSignOnRefusal.LOCKED:
        return Problem(403, "Your account is locked", (locked_message(result.locked_until),), False)
    domains = " or ".join(sorted(provider.email_domains))
    paragraphs = {
        SingleSignOnRefusal.OTHER_DOMAIN: (
            f"You signed in as {email}, which is not an address of your agency ({domains}).",
            f"Sign in with your own {provider.name} work account.",
        ),
        SingleSignOnRefusal.UNVERIFIED: (
            f"The {provider.name} sign-in service has not confirmed the e-mail address {email}.",
            "Ask your agency's IT service desk to confirm it, then try again.",
        ),
        SingleSignOnRefusal.NO_ACCOUNT: (
            f"There is no hub account for {email}. The hub does not create accounts when "
            "someone signs in.",
            "Ask your agency's hub administrator to add you with this e-mail address.",
        ),
        SingleSignOnRefusal.OTHER_AGENCY: (
            f"The hub account for {email} belongs to another agency, so it cannot be signed "
            f"in through the {provider.name} sign-in service.",
            "Sign in through your own agency's account.",
        ),
    }[refusal]
    return Problem(403, "You cannot sign in to the hub with that account", paragraphs, False)


def _show(provider: IdentityProvider, problem: Problem, why: str) -> tuple[str, int]:
    """The problem page; the log says which agency's sign-in failed and the kind of
    failure, never who was signing in."""
    log.warning("single sign-on through %s's provider failed: %s", provider.agency_code, why)
    page = render_template(
        "auth/single_sign_on_problem.html",
        title=problem.title,
        problem=problem,
        provider=provider,
    )
    return page, problem.status


def _callback_url(code: str) -> str:
    """The address the provider sends the browser back to (registered with it)."""
    base_url: str = current_app.config["HUB_SETTINGS"].mail.base_url
    return base_url + url_for("auth.single_sign_on_callback", code=code)


@bp.route("/sign-in/with/<code>")
def single_sign_on(code: str) -> Response | tuple[str, int]:
    """Send the browser to the agency's provider to sign in."""
    provider, client = _provider(code)
    if current_user.is_authenticated:
        return redirect(url_for("home.home"))
    try:
        source_limits.refuse_if_past_limit()
    except source_limits.Refused as refused:
        return source_limits.too_many(refused)
    try:
        _metadata(provider, client)
        response: Response = client.authorize_redirect(redirect_uri=_callback_url(code))
    except requests.RequestException as e:
        return _show(provider, _down(provider), type(e).__name__)
    except (OAuthError, JoseError, ValueError, KeyError) as e:
        return _show(provider, _unchecked(provider), type(e).__name__)
    session[RETURN_TO] = safe_next(request.args.get("next"))
    return response


@bp.route("/sign-in/with/<code>/callback")
def single_sign_on_callback(code: str) -> Response | tuple[str, int]:
    """The provider's answer: check it, find the account it vouches for, sign in. Each
    answer is an attempt to sign in counted against where it comes from, as a password
    is (``source_limits``): one that does not sign anyone in is a failure, unless the
    provider could not be reached."""
    provider, client = _provider(code)
    try:
        attempt = source_limits.begin_attempt()
    except source_limits.Refused as refused:
        return source_limits.too_many(refused)
    user = _vouched_for(code, provider, client, attempt)
    if not isinstance(user, User):
        return user
    source_limits.succeeded(attempt)
    method = f"{provider.name} account"
    next_page = safe_next(session.get(RETURN_TO))
    if provider.second_factor == "hub":
        return after_first_step(user, next_page=next_page, method=method, provider=code)
    key = sign_in_sessions.start(db(), user, method=method)
    db().commit()
    session.clear()
    login_user(SignedInUser(user, key))
    session[SIGNED_IN_WITH] = code
    return remember(redirect(next_page), user)  # a whole sign-in, its second factor at the provider


def _vouched_for(
    code: str, provider: IdentityProvider, client: Any, attempt: int
) -> User | tuple[str, int]:
    """The hub account the provider's answer vouches for, or the page saying why there is
    none (a provider that could not be reached tried nobody's sign-in: ``attempt`` is not
    counted then)."""
    error = request.args.get("error")
    if error:
        shown = error if _OAUTH_ERROR_CODE.fullmatch(error) else "an unknown error"
        problem = Problem(
            400,
            "You have not been signed in",
            (f"The {provider.name} sign-in service did not sign you in ({shown}). Try again.",),
        )
        return _show(provider, problem, f"the provider answered {shown}")
    if request.args.get("iss", provider.issuer) != provider.issuer:
        return _show(provider, _unchecked(provider), "the answer names another issuer")
    try:
        _metadata(provider, client)
        token = client.authorize_access_token(
            claims_options={"iss": {"essential": True, "values": [provider.issuer]}},
            leeway=CLOCK_LEEWAY,
        )
    except MismatchingStateError:
        return _show(provider, _expired(), "the state does not match a sign-in started here")
    except requests.RequestException as e:
        source_limits.not_counted(attempt)
        db().commit()
        return _show(provider, _down(provider), type(e).__name__)
    except (OAuthError, JoseError, ValueError, KeyError) as e:
        return _show(provider, _unchecked(provider), type(e).__name__)
    claims = token.get("userinfo")
    email = claims.get(provider.email_claim) if claims else None
    if not isinstance(email, str) or not email:
        return _show(provider, _unchecked(provider), "no e-mail address in the ID token")
    verified = (
        not provider.email_verified_claim or claims.get(provider.email_verified_claim) is True
    )
    result = provider_sign_in.single_sign_on(
        db(), agency_code=code, email=email, verified=verified, domains=provider.email_domains
    )
    if result.user is None or result.refusal is not None:
        db().commit()  # the refusal is recorded
        refusal = result.refusal or SingleSignOnRefusal.NO_ACCOUNT
        return _show(provider, _refused(provider, result, email), refusal.name)
    return result.user


@bp.route("/sign-in/with/<code>/sign-out")
def provider_sign_out(code: str) -> Response | tuple[str, int]:
    """Send the browser to the provider's sign-out (RP-initiated logout), which returns
    it to the hub's sign-in page."""
    provider, client = _provider(code)
    session.pop(SIGNED_OUT_OF, None)
    try:
        end_session = _metadata(provider, client).get("end_session_endpoint")
    except requests.RequestException as e:
        return _show(provider, _down(provider), type(e).__name__)
    except (OAuthError, JoseError, ValueError) as e:
        return _show(provider, _unchecked(provider), type(e).__name__)
    if not end_session:
        problem = Problem(
            400,
            f"Sign out of your {provider.name} account",
            (
                f"The {provider.name} sign-in service does not offer a sign-out address. "
                "Close every window of your browser to sign out of it.",
            ),
            False,
        )
        return _show(provider, problem, "the provider has no end_session_endpoint")
    base_url: str = current_app.config["HUB_SETTINGS"].mail.base_url
    result = client.create_logout_url(
        post_logout_redirect_uri=base_url + url_for("auth.sign_in"),
        client_id=provider.client_id,
    )
    return redirect(result["url"])
