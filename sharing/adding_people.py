"""Adding a member of staff to an agency (the People page's "Add someone", by an
administrator of the agency): their name, address, roles and team checked, an address at
another agency's domain asked about once, and the link to set their first password. An
administrator whose own account was disabled, or roles changed, a moment before is
refused; each act and refusal is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sharing import duties, password_links
from sharing.access.decide import Actor
from sharing.accounts import MAX_NAME, create_user, find_user, normalise_email
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.formats import (
    CONTROL_CHARACTERS,
    has_control_characters,
    is_email_address,
    tidied,
)
from sharing.models import Agency, PasswordLink, User
from sharing.vocabulary import Role

#: What an address that is not one is told, at its field.
NOT_AN_ADDRESS = "Enter an e-mail address in the correct format, like name@example.org"


def may_add_people(session: Session, actor: Actor) -> None:
    """Let ``actor`` add people to their agency only as an administrator; ``NotAllowed``
    otherwise, recorded as a refused ``account.create``."""
    if actor.has(Role.ADMINISTRATOR):
        return
    raise acts.refused(
        session,
        acts.Action.ACCOUNT_CREATE,
        actor=actor,
        subject=acts.Subject("user"),
        reason="only an administrator of the agency adds people",
    )


def add_person(
    session: Session,
    by: Actor,
    *,
    email: str,
    name: str,
    roles: set[Role],
    team: str | None,
    other_domain_confirmed: bool = False,
) -> User:
    """Add a member of staff to ``by``'s agency (``by`` an administrator of it), with these
    roles and team and no password: they set their own with a link
    (``send_new_account_link``), or sign in through the agency's identity provider where it
    vouches for their address. ``InputError`` naming the field for a name or team too long
    or empty, an address that is not one or already has an account in the hub (checked
    again by the database: two administrators adding the same address at once add it
    once), and (``OtherAgencysDomain``) an address at another agency's domain
    (``another_agencys_domain``) unless ``other_domain_confirmed``. An administrator whose
    own account was disabled, or roles changed, a moment before is refused. Recorded
    naming the account and its roles."""
    may_add_people(session, by)
    _still_acting(session, acts.Action.ACCOUNT_CREATE, by)
    name, team = tidied(name), tidied(team or "") or None
    email = normalise_email(email)
    if not name:
        raise InputError("display_name", "Enter their name")
    for field, what, value in (("display_name", "name", name), ("team", "team", team or "")):
        if len(value) > MAX_NAME:
            raise InputError(field, f"The {what} must be {MAX_NAME} characters or fewer")
        if has_control_characters(value):
            raise InputError(field, f"The {what} {CONTROL_CHARACTERS}")
    if not email:
        raise InputError("email", "Enter their work e-mail address")
    if len(email) > MAX_EMAIL or not is_email_address(email):
        raise InputError("email", NOT_AN_ADDRESS)
    if find_user(session, email) is not None:
        raise InputError("email", ALREADY_HAS_AN_ACCOUNT)
    if not roles:
        raise InputError("roles", "Select at least one role")
    if clash := duties.kept_apart(roles):
        raise InputError("roles", clash)
    agency = session.get_one(Agency, by.agency_id)
    if not other_domain_confirmed and (other := another_agencys_domain(session, agency, email)):
        raise OtherAgencysDomain(
            "other_domain",
            f"Tick the box if this is their address at {agency.name}: {other.domain} is "
            f"already used by staff of {other.used_by()}, and nobody at {agency.name} has "
            "an address there yet",
        )
    try:
        with session.begin_nested():
            return create_user(
                session,
                agency=agency,
                email=email,
                display_name=name,
                roles=roles,
                team=team,
                password_hash=password_links.unusable_password(),
                by=by,
            )
    except IntegrityError:  # added by another administrator a moment ago
        raise InputError("email", ALREADY_HAS_AN_ACCOUNT) from None


class OtherAgencysDomain(InputError):
    """An address at a domain where another agency's staff have theirs and none of the
    adding agency's do: often a slip (a partner's officer added to the wrong agency, or a
    colleague's old address), sometimes a domain agencies share (a council's teams), so
    the form asks once, at its confirming box, naming who uses the domain."""


@dataclass(frozen=True)
class ForeignDomain:
    domain: str
    #: The agency with the most accounts at the domain.
    agency: Agency
    #: How many other agencies' staff have accounts at it too.
    others: int = 0

    def used_by(self) -> str:
        """ "Northshire Police", or "Northshire Police and 2 other agencies"."""
        if not self.others:
            return self.agency.name
        return (
            f"{self.agency.name} and {self.others} other agenc{'y' if self.others == 1 else 'ies'}"
        )


def another_agencys_domain(session: Session, agency: Agency, email: str) -> ForeignDomain | None:
    """The domain of ``email`` and the other agency whose staff have accounts at it, when
    none of ``agency``'s staff do; None for a domain ``agency``'s staff use, or nobody's
    yet (an agency's first accounts, or a new domain)."""
    domain = normalise_email(email).rpartition("@")[2]
    if not domain:
        return None
    pattern = "%@" + domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    counts = session.execute(
        select(User.agency_id, func.count(User.id))
        .where(User.email.like(pattern, escape="\\"))
        .group_by(User.agency_id)
        .order_by(func.count(User.id).desc(), User.agency_id)
    ).all()
    by_agency = {agency_id: count for agency_id, count in counts}
    if not by_agency or agency.id in by_agency:
        return None
    return ForeignDomain(
        domain, session.get_one(Agency, next(iter(by_agency))), others=len(by_agency) - 1
    )


def _still_acting(session: Session, action: acts.Action, by: Actor) -> None:
    """Read ``by``'s own account again under its lock: one disabled, or whose roles were
    changed, since their request began is refused (recorded as a refused ``action``)."""
    account = session.get_one(User, by.user_id)
    read_for_change(session, account)
    if account.active and account.roles == by.roles:
        return
    raise acts.refused(
        session,
        action,
        actor=by,
        subject=acts.Subject("user"),
        reason="the account of whoever acts was disabled, or its roles changed, meanwhile",
    )


#: An address that is someone's sign-in already (anyone's, in any agency).
ALREADY_HAS_AN_ACCOUNT = "Someone already has an account in the hub with this e-mail address"
MAX_EMAIL = 254


def send_new_account_link(
    session: Session,
    user: User,
    *,
    by: Actor,
    valid_for: timedelta = password_links.VALID_FOR,
) -> tuple[PasswordLink, str]:
    """The link to set their first password, for someone ``by`` has just added."""
    return password_links.issue(
        session, user, password_links.NEW_ACCOUNT, by=by, valid_for=valid_for
    )
