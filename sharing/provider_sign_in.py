"""Signing in on an agency's identity provider's word (single sign-on): the active
account of that agency with the address the provider has verified, in one of the
agency's domains, or why there is none (recorded); and a password given for an account
of such an agency, refused unchecked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.accounts import find_user, normalise_email
from sharing.db import read_for_change
from sharing.models import Agency, User
from sharing.sign_in_checks import is_locked, sign_in_failed


class SingleSignOnRefusal(Enum):
    """Why the hub would not sign someone in on their identity provider's word; the value
    is what the audit log records (never the address itself)."""

    OTHER_DOMAIN = "single sign-on: an e-mail address outside the agency's domains"
    UNVERIFIED = "single sign-on: the provider has not verified the e-mail address"
    NO_ACCOUNT = "single sign-on: no active account has that e-mail address"
    OTHER_AGENCY = "single sign-on: the account belongs to another agency"
    LOCKED = "single sign-on: account locked after repeated failures"


@dataclass(frozen=True)
class SingleSignOnResult:
    user: User | None = None
    refusal: SingleSignOnRefusal | None = None
    #: Until when the account is locked out, for a ``LOCKED`` refusal.
    locked_until: datetime | None = None


def in_domains(email: str, domains: frozenset[str]) -> bool:
    """Whether ``email`` is an address in one of ``domains`` (lower case)."""
    _, at, domain = email.rpartition("@")
    return bool(at) and domain.lower() in domains


def single_sign_on(
    session: Session,
    *,
    agency_code: str,
    email: str,
    verified: bool,
    domains: frozenset[str],
) -> SingleSignOnResult:
    """The active account of the agency ``agency_code`` whose e-mail address its identity
    provider has vouched for, or why there is none. Nobody is registered on the
    provider's word: the account must exist, in that agency, with that address, and the
    roles are the hub's own. An account locked out after failed attempts stays locked
    until its time is up, whichever way its owner tries to come in (the lock is left as
    it is). A refusal is recorded (in the caller's transaction)."""
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    agency_id = agency.id if agency else None
    email = normalise_email(email)
    refusal: SingleSignOnRefusal | None = None
    user = None
    if not in_domains(email, domains):
        refusal = SingleSignOnRefusal.OTHER_DOMAIN
    elif not verified:
        refusal = SingleSignOnRefusal.UNVERIFIED
    else:
        user = find_user(session, email)
        if user is not None:
            # Read again under the account's lock, held until the sign-in is committed:
            # an account disabled at this moment is either disabled first (and refused
            # here) or after (ending the session this starts), never signed in disabled.
            read_for_change(session, user)
        if user is None or not user.active:
            user, refusal = None, SingleSignOnRefusal.NO_ACCOUNT
        elif user.agency_id != agency_id:
            refusal = SingleSignOnRefusal.OTHER_AGENCY
        elif is_locked(user):
            refusal = SingleSignOnRefusal.LOCKED
    if refusal is not None:
        sign_in_failed(session, user, refusal.value, agency_id=agency_id)
        locked_until = user.locked_until if user and refusal is SingleSignOnRefusal.LOCKED else None
        return SingleSignOnResult(refusal=refusal, locked_until=locked_until)
    return SingleSignOnResult(user=user)


def refuse_password(session: Session, user: User | None, agency_code: str) -> None:
    """Record that someone gave a password for ``user`` (None for an address with no
    account, in the domains of the agency ``agency_code``), whose agency signs its staff
    in through its own identity provider: the password is not checked."""
    agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
    sign_in_failed(
        session,
        user,
        "password sign-in refused: the agency uses its identity provider",
        agency_id=agency_id,
    )
