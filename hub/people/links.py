"""The e-mail with a one-time link to set a password: sent at once, not queued, as the hub
keeps only the hash of the link's token. It names the agency, the hub and its address,
never the person's roles nor anything of a case."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, flash
from flask_login import current_user

from hub.database import db
from hub.identity_providers import IdentityProvider, identity_providers
from hub.notices import send_now
from hub.settings import Settings
from hub.templating import uk_datetime
from sharing import accounts, clock, password_links, provider_sign_in
from sharing.models import PasswordLink, User


def settings() -> Settings:
    settings: Settings = current_app.config["HUB_SETTINGS"]
    return settings


def valid_for() -> timedelta:
    return timedelta(hours=settings().password_link_hours)


def provider_for(email: str) -> IdentityProvider | None:
    """The signed-in administrator's agency's identity provider, if it vouches for
    ``email``: its holder signs in through it, with no hub password."""
    provider = identity_providers().get(current_user.agency.code)
    if provider is None or not provider_sign_in.in_domains(
        accounts.normalise_email(email), provider.email_domains
    ):
        return None
    return provider


def compose(user: User, link: PasswordLink, token: str) -> EmailMessage:
    """The message: who sends it (the agency), the hub and its address, the link and until
    when it works."""
    hub = settings()
    agency, service, base = user.agency.name, hub.service_name, hub.mail.base_url
    until = uk_datetime(link.expires_at)
    if link.kind == password_links.NEW_ACCOUNT:
        subject = f"Set your password for the {service}"
        opening = (
            f"{agency} has given you an account in the {service} ({base}), where partner "
            "agencies work together on anti-social behaviour."
        )
        ask = f"If you were not expecting this, do not use the link: tell {agency}'s administrator."
    else:
        subject = f"Set a new password for the {service}"
        opening = (
            f"A manager or administrator of {agency} has reset your password for the "
            f"{service} ({base}). Your old password no longer works."
        )
        ask = f"If you did not ask for this, tell a manager or administrator of {agency}."
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = hub.mail.sender
    message["To"] = user.email
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=hub.mail.sender.rpartition("@")[2])
    message.set_content(
        f"{opening}\n\n"
        f"Set your password here. The link works once, until {until}:\n"
        f"{base}/set-password/{token}\n\n"
        f"{ask}\n\n"
        f"{service}\n"
    )
    return message


def send(user: User, link: PasswordLink, token: str) -> bool:
    """E-mail the link (its act already committed); whether it went. One that could not be
    sent is void, recorded, and the page says to try again."""
    why = send_now(
        settings().mail, f"password-link-{link.id:08d}", compose(user, link, token), user.email
    )
    if why is None:
        return True
    password_links.not_sent(db(), link, why, by=current_user.actor)
    db().commit()
    flash(
        f"The e-mail to {user.display_name} could not be sent: the hub's mail server did not "
        "take it. Try “Send a password reset link” again in a few minutes, or ask the hub's "
        "operator to check the mail server.",
        "error",
    )
    return False
