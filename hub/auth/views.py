"""Signing in (password, then a TOTP code where set up or required) and out."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from hub.auth import source_limits
from hub.auth.forms import CodeForm, SignInForm
from hub.auth.known_browser import remember, this_browser
from hub.auth.users import SignedInUser
from hub.database import db
from hub.guard import for_every_role, safe_next
from hub.identity_providers import IdentityProvider, identity_providers
from hub.templating import uk_datetime
from sharing import (
    accounts,
    authenticator_apps,
    clock,
    known_browsers,
    provider_sign_in,
    sign_in_checks,
    sign_in_sessions,
)
from sharing.models import SignInStep, User
from sharing.sign_in_checks import SignInOutcome

bp = Blueprint("auth", __name__)
for_every_role(bp)  # its sign-in steps are public (PUBLIC_ENDPOINTS)

#: Where the browser session keeps the agency whose identity provider signed the user in,
#: and, once they have signed out of the hub, whose sign-out to offer.
SIGNED_IN_WITH, SIGNED_OUT_OF = "signed_in_with", "signed_out_of"
#: Where the browser session keeps the key of a sign-in half done (the rest is on the
#: server: ``sign_in_sessions.begin_step``).
PENDING = "sign_in_step"
#: How long the second step may wait after the password step.
PENDING_FOR = timedelta(minutes=5)
BAD_CREDENTIALS = "Enter a correct e-mail address and password"
#: Said with ``BAD_CREDENTIALS`` once the sender has failed as often as locks an account,
#: whatever address they typed: the sign-in page answers a locked account as a wrong
#: password, so that it never tells anyone which addresses have accounts.
LOCK_OUT_RULE = (
    f"An account is locked for {sign_in_checks.LOCKOUT.seconds // 60} minutes after "
    f"{sign_in_checks.MAX_FAILED_SIGN_INS} failed attempts in a row: if yours is, try again "
    "then, or ask a manager or administrator of your agency to unlock it"
)


def locked_message(until: datetime | None) -> str:
    """What someone locked out is told, whichever way they tried to sign in."""
    return (
        "Your account is locked because of too many failed attempts to sign in. "
        f"Try again after {uk_datetime(until)}, or ask a manager or administrator of your agency to unlock your account."
    )


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | str | tuple[str, int, dict[str, str]]:
    if current_user.is_authenticated:
        return redirect(url_for("home.home"))
    form = SignInForm()
    providers = identity_providers()
    if form.validate_on_submit():
        try:
            attempt = source_limits.begin_attempt()
        except source_limits.Refused as refused:
            return source_limits.too_many(refused)
        own = _provider_instead(providers, form.email.data or "")
        if own is not None:
            message = (
                f"{own.name} staff sign in with their {own.name} account: "
                f"use “Sign in with your {own.name} account”"
            )
        else:
            result = sign_in_checks.authenticate(
                db(), form.email.data or "", form.password.data or "", browser=this_browser()
            )
            if result.outcome is SignInOutcome.OK and result.user is not None:
                source_limits.succeeded(attempt)
                db().commit()
                return _after_password(result.user)
            message = None  # locked out or not, as an address with no account
        db().commit()  # failed attempts count even though the page shows an error
        form.email.errors = [message or _bad_credentials()]
        form.password.data = ""
    signed_out_of = providers.get(session.get(SIGNED_OUT_OF, ""))
    return render_template(
        "auth/sign_in.html",
        form=form,
        title="Sign in",
        providers=sorted(providers.values(), key=lambda p: p.name),
        signed_out_of=signed_out_of,
    )


def _bad_credentials() -> str:
    """What a wrong password, an address with no account and an account locked out are
    all told: with ``LOCK_OUT_RULE`` once this sender has failed as often as locks an
    account, whichever addresses they typed."""
    if source_limits.failed_lately() >= sign_in_checks.MAX_FAILED_SIGN_INS:
        return f"{BAD_CREDENTIALS}. {LOCK_OUT_RULE}"
    return BAD_CREDENTIALS


def _provider_instead(
    providers: dict[str, IdentityProvider], email: str
) -> IdentityProvider | None:
    """The identity provider whose agency's staff sign in with it and never with a
    password, if ``email`` is the address of one of them (their account's agency, or for
    an address with no account, its domain): the attempt is refused, recorded, before any
    password is checked or a failure counted, since none could sign them in. So nobody
    can lock them out of their provider by typing wrong passwords, nor learn a password,
    nor which of the agency's addresses have accounts."""
    user = accounts.find_user(db(), email)
    if user is not None:
        own = providers.get(user.agency.code)
    else:
        address = accounts.normalise_email(email)
        own = next(
            (
                p
                for p in providers.values()
                if provider_sign_in.in_domains(address, p.email_domains)
            ),
            None,
        )
    if own is None or own.passwords:
        return None
    provider_sign_in.refuse_password(db(), user, own.agency_code)
    return own


def _after_password(user: User) -> Response:
    return after_first_step(user, next_page=safe_next(request.args.get("next")))


def after_first_step(
    user: User, *, next_page: str, method: str = "password", provider: str | None = None
) -> Response:
    """Who ``user`` is has been established by ``method`` (their password, or the
    identity provider of the agency ``provider``): on to their security code where they
    have one or their roles need one, else signed in. The half-done sign-in is kept on the
    server; the cookie carries only its key."""
    session.clear()
    set_up = (
        None
        if user.has_authenticator or not user.second_factor_required
        else authenticator_apps.new_totp_secret()
    )
    if not user.has_authenticator and set_up is None:
        return _complete_sign_in(user, next_page=next_page, method=method, provider=provider)
    session[PENDING] = sign_in_sessions.begin_step(
        db(),
        user,
        method=method,
        next_page=next_page,
        provider=provider,
        totp_set_up=set_up,
        within=PENDING_FOR,
    )
    db().commit()
    if user.has_authenticator:
        return redirect(url_for("auth.second_factor"))
    return redirect(url_for("auth.set_up_second_factor"))


def _pending_step() -> SignInStep | None:
    """The sign-in half done of the user who has given their password (or been vouched for
    by their provider) and is now on the second step."""
    key = session.get(PENDING)
    if not key:
        return None
    pending = sign_in_sessions.pending_step(db(), key, PENDING_FOR)
    if pending.expired:
        db().commit()
        session.pop(PENDING)
        flash("You took too long to enter the security code. Sign in again.", "expired")
    return pending.step


def _complete_sign_in(
    user: User,
    *,
    next_page: str,
    method: str,
    provider: str | None = None,
    step: SignInStep | None = None,
) -> Response:
    """One act: the session is started and recorded (committed) before the browser is
    signed in, so a sign-in is either recorded or not done. An account disabled since
    the sign-in began is not signed in (the half-done sign-in ``step`` is forgotten with
    the sign-in's start)."""
    if not sign_in_checks.still_active(db(), user):
        db().commit()  # the refusal is recorded
        session.clear()
        flash("You have not been signed in. Sign in again.", "expired")
        return redirect(url_for("auth.sign_in"))
    if step is not None:
        sign_in_sessions.end_step(db(), step)
    if user.has_authenticator:
        method += " and security code"
    key = sign_in_sessions.start(db(), user, method=method)
    db().commit()
    session.clear()
    login_user(SignedInUser(user, key))
    if provider:
        session[SIGNED_IN_WITH] = provider
    return remember(redirect(safe_next(next_page)), user)


def _complete_step(step: SignInStep) -> Response:
    """The second step done: the half-done sign-in is forgotten as the session starts."""
    return _complete_sign_in(
        step.user, next_page=step.next_page, method=step.method, provider=step.provider, step=step
    )


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor() -> Response | str | tuple[str, int, dict[str, str]]:
    step = _pending_step()
    if step is None or not step.user.has_authenticator:
        return redirect(url_for("auth.sign_in"))
    user = step.user
    form = CodeForm()
    if form.validate_on_submit():
        try:
            attempt = source_limits.begin_attempt()
        except source_limits.Refused as refused:
            return source_limits.too_many(refused)
        result = sign_in_checks.second_factor(
            db(), user, form.code.data or "", browser=this_browser()
        )
        if result.outcome is SignInOutcome.OK:
            source_limits.succeeded(attempt)
            return _complete_step(step)
        if result.outcome is SignInOutcome.LOCKED:
            sign_in_sessions.end_step(db(), step)
            session.pop(PENDING, None)
            form.code.errors = [locked_message(result.locked_until)]
        else:
            form.code.errors = [
                "The security code is not correct or has already been used. Enter the newest code from your app"
            ]
        db().commit()
        form.code.data = ""
    return render_template("auth/code.html", form=form, title="Enter your security code")


@bp.route("/sign-in/set-up-code", methods=["GET", "POST"])
def set_up_second_factor() -> Response | str:
    step = _pending_step()
    secret = sign_in_sessions.step_set_up_key(db(), step) if step is not None else None
    if step is None or step.user.has_authenticator or secret is None:
        return redirect(url_for("auth.sign_in"))
    if request.method == "POST" and not sign_in_checks.still_active(db(), step.user):
        # Disabled as the code was being set up: nothing is set up for the account.
        db().commit()  # the refusal is recorded
        session.pop(PENDING, None)
        flash("You have not been signed in. Sign in again.", "expired")
        return redirect(url_for("auth.sign_in"))
    if sign_in_checks.is_locked(step.user) and not known_browsers.trusted(
        db(), step.user, this_browser(), clock.now()
    ):
        # Locked since the password was given (by failures elsewhere): the lock holds
        # whichever way someone signs in.
        until = sign_in_checks.refused_as_locked(db(), step.user).locked_until
        sign_in_sessions.end_step(db(), step)
        db().commit()
        session.pop(PENDING, None)
        flash(locked_message(until), "expired")
        return redirect(url_for("auth.sign_in"))
    return set_up_authenticator(step.user, secret, required=True, then=lambda: _complete_step(step))


def set_up_authenticator(
    user: User, secret: str, *, required: bool, then: Callable[[], Response]
) -> Response | str:
    """The set-up page: show the secret as a QR code and key; once the user's app shows a
    matching code, keep the secret and carry on with ``then``."""
    form = CodeForm()
    if form.validate_on_submit():
        if authenticator_apps.enrol_second_factor(db(), user, secret, form.code.data or ""):
            flash(
                "Your authenticator app is set up. You will need a code from it each time you sign in.",
                "success",
            )
            return then()
        form.code.errors = [
            "The security code is not correct. Check the time on your phone is right and enter the newest code"
        ]
        form.code.data = ""
    return render_template(
        "auth/set_up_code.html",
        form=form,
        title="Set up your authenticator app",
        secret=secret,
        qr=qr_data_uri(authenticator_apps.totp_uri(user, secret)),
        required=required,
    )


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code, ready for an <img> source."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#0b0c0c", light="#ffffff", omitsize=False
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> Response:
    if current_user.is_authenticated:
        sign_in_sessions.sign_out(db(), current_user.session_key, current_user.actor)
        db().commit()
    signed_in_with = session.get(SIGNED_IN_WITH)
    logout_user()
    session.clear()
    if signed_in_with:
        session[SIGNED_OUT_OF] = signed_in_with  # the sign-in page offers its sign-out
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
