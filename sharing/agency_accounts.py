"""An agency's accounts, looked after by its managers and administrators (the People
page) or by a command-line operator: disable and enable an account, lift a lock-out,
change roles and team, send a link to reset a password (adding someone is
``sharing.adding_people``). Each act is recorded; an attempt on another agency's account
is refused as not found, and recorded too. Nobody disables their own account, nor changes
their own roles (separation of duties: an administrator sees no case content, so may not
make themselves a manager or DPO); another of the agency's managers or administrators, or
the operator, does."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from sharing import api_clients, duties, password_links, sign_in_sessions
from sharing.access.decide import Actor
from sharing.accounts import MAX_NAME, roles_basis
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound, SentLately
from sharing.formats import (
    CONTROL_CHARACTERS,
    has_control_characters,
    tidied,
)
from sharing.models import PasswordLink, User, UserRole
from sharing.sign_in_checks import is_locked
from sharing.vocabulary import Role, SessionEnd

#: Roles that look after their agency's accounts: see who is signed in, sign a user out
#: everywhere, disable and enable accounts, lift a lock-out.
ACCOUNT_KEEPERS = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


def agency_account(session: Session, actor: Actor, user_id: int, action: acts.Action) -> User:
    """A user of the actor's own agency, for a manager or administrator to look after
    with ``action``; ``NotFound`` for anyone else's (or anyone without those roles), the
    attempt recorded as a refused ``action``."""
    user = session.get(User, user_id)
    if not actor.has(*ACCOUNT_KEEPERS):
        why = "only a manager or administrator of its agency looks after an account"
    elif user is None:
        why = "no such account"
    elif user.agency_id != actor.agency_id:
        why = acts.not_found_to_requester("the account belongs to another agency")
    else:
        return user
    raise acts.refused(
        session,
        action,
        actor=actor,
        subject=acts.Subject("user", user_id),
        reason=why,
        answer=NotFound(user_id),
    )


def set_active(session: Session, user: User, active: bool, *, by: Actor | None = None) -> None:
    """Disable an account (its sessions and its API clients' tokens end at once, and it
    cannot sign in) or enable it again; ``by`` is the manager or administrator (never disabling their own account:
    ``may_disable``), None for a command-line operator."""
    if by is not None and not active:
        may_disable(session, by, user)
    action = acts.Action.ACCOUNT_ENABLE if active else acts.Action.ACCOUNT_DISABLE
    _read_for_change(session, action, user, by=by)
    if user.active == active:
        return
    user.active = active
    session.flush()
    acts.record(session, action, actor=by, subject=acts.Subject("user", user.id))
    if not active:
        sign_in_sessions.end_all(session, user, SessionEnd.ACCOUNT_DISABLED, by=by)
        api_clients.end_tokens(session, user)
        password_links.void_all(session, user, password_links.DISABLED)


def _read_for_change(
    session: Session, action: acts.Action, user: User, *, by: Actor | None
) -> None:
    """Read ``user``'s account again under its lock, with the account of ``by`` who acts
    on it (the two rows locked in the order of their ids, so that two of the agency's
    managers or administrators acting on each other at the same moment take turns). One
    whose own account was disabled meanwhile, or whose roles were changed, is refused
    (recorded as a refused ``action``): the first act decides, and the second must not
    undo it."""
    actor = session.get(User, by.user_id) if by is not None else None
    read_for_change(session, *sorted({user} | ({actor} if actor else set()), key=_id))
    if by is None or actor is None or (actor.active and actor.roles == by.roles):
        return
    raise acts.refused(
        session,
        action,
        actor=by,
        subject=acts.Subject("user", user.id),
        reason="the account of whoever acts on it was disabled, or its roles changed, meanwhile",
    )


def _id(user: User) -> int:
    return user.id


def may_disable(session: Session, actor: Actor, user: User) -> None:
    """Let ``actor`` disable ``user``'s account (a user of their agency, from
    ``agency_account``) unless it is their own: they would lock themselves out, and
    another manager or administrator of the agency must enable it again. ``NotAllowed``
    otherwise, recorded as a refused ``account.disable``."""
    if actor.user_id != user.id:
        return
    why = (
        "nobody disables their own account: another manager or administrator of the "
        "agency, or the hub's operator, does"
    )
    raise acts.refused(
        session,
        acts.Action.ACCOUNT_DISABLE,
        actor=actor,
        subject=acts.Subject("user", user.id),
        reason=why,
    )


def unlock(session: Session, user: User, *, by: Actor | None = None) -> bool:
    """Lift the lock-out of an account locked after failed attempts (the count starts
    again), so its owner may sign in at once; whether it was locked. ``by`` is the
    manager or administrator, None for a command-line operator."""
    if not is_locked(user):
        return False
    user.locked_until = None
    user.failed_sign_ins = 0
    session.flush()
    acts.record(
        session, acts.Action.ACCOUNT_UNLOCK, actor=by, subject=acts.Subject("user", user.id)
    )
    return True


def may_change_roles(session: Session, actor: Actor, user: User) -> None:
    """Let ``actor`` change ``user``'s roles (a user of their agency, from
    ``agency_account``) only as an administrator, and never their own: separation of
    duties, as an administrator sees no case content and must not make themselves a
    manager or DPO. ``NotAllowed`` otherwise, recorded as a refused ``account.roles``."""
    if not actor.has(Role.ADMINISTRATOR):
        why = "only an administrator of the agency changes roles"
    elif actor.user_id == user.id:
        why = (
            "nobody changes their own roles: another administrator of the agency, "
            "or the hub's operator, does"
        )
    else:
        return
    raise acts.refused(
        session,
        acts.Action.ACCOUNT_ROLES,
        actor=actor,
        subject=acts.Subject("user", user.id),
        reason=why,
    )


def change_roles(
    session: Session, user: User, roles: set[Role], team: str | None, *, by: Actor | None = None
) -> bool:
    """Give ``user`` these roles and this team (None or blank for none); whether anything
    changed. Their sessions end (and a sign-in half done is void), so the new roles apply
    at once: a role that needs an authenticator app asks for one at their next sign-in.
    ``by`` is another administrator of the agency (``may_change_roles``), None for a
    command-line operator. Recorded naming the roles, never the person or the team."""
    if by is not None:
        may_change_roles(session, by, user)
    _read_for_change(session, acts.Action.ACCOUNT_ROLES, user, by=by)
    team = tidied(team or "") or None
    if not roles:
        raise InputError("roles", "Select at least one role")
    if clash := duties.kept_apart(roles):
        raise InputError("roles", clash)
    if len(team or "") > MAX_NAME:
        raise InputError("team", f"The team must be {MAX_NAME} characters or fewer")
    if has_control_characters(team or ""):
        raise InputError("team", f"The team {CONTROL_CHARACTERS}")
    before = user.roles
    if before == roles and user.team == team:
        return False
    user.role_grants = [g for g in user.role_grants if g.role in roles] + [
        UserRole(role=r) for r in sorted(roles - before)
    ]
    changed_team = user.team != team
    user.team = team
    user.session_token = secrets.token_hex(16)
    session.flush()
    basis = f"{roles_basis(before)} to {','.join(sorted(r.value for r in roles))}"
    acts.record(
        session,
        acts.Action.ACCOUNT_ROLES,
        actor=by,
        agency_id=user.agency_id,
        subject=acts.Subject("user", user.id),
        basis=basis + ("; team changed" if changed_team else ""),
    )
    sign_in_sessions.end_all(session, user, SessionEnd.ENDED_BY_MANAGER, by=by)
    return True


def refuse_input(
    session: Session, by: Actor, fields: Sequence[str], *, user_id: int | None = None
) -> None:
    """Record someone added (or, with ``user_id``, that person's roles changed) that the
    form refused before it came here (nothing filled in, no role chosen), naming the
    fields, never their values."""
    acts.refuse(
        session,
        acts.Action.ACCOUNT_CREATE if user_id is None else acts.Action.ACCOUNT_ROLES,
        actor=by,
        subject=acts.Subject("user", user_id),
        reason=f"refused input: {', '.join(sorted(fields))}",
    )


def may_send_link(session: Session, actor: Actor, user: User, *, reset_authenticator: bool) -> None:
    """Let ``actor`` (a manager or administrator of ``user``'s agency: ``agency_account``)
    send ``user`` a password reset link: never for their own account (they would reset
    their own password without knowing the old one), nor for a disabled account; the
    authenticator app reset with it by an administrator alone. ``NotAllowed`` otherwise,
    recorded as a refused ``password_link.send``."""
    if actor.user_id == user.id:
        why = (
            "nobody sends themselves a password reset link: another manager or "
            "administrator of the agency, or the hub's operator, does"
        )
    elif not user.active:
        why = "the account is disabled"
    elif reset_authenticator and not actor.has(Role.ADMINISTRATOR):
        why = "only an administrator of the agency resets an authenticator app"
    else:
        return
    raise acts.refused(
        session,
        acts.Action.PASSWORD_LINK_SEND,
        actor=actor,
        subject=acts.Subject("user", user.id),
        reason=why,
    )


def send_reset_link(
    session: Session,
    user: User,
    *,
    by: Actor,
    reset_authenticator: bool = False,
    valid_for: timedelta = password_links.VALID_FOR,
) -> tuple[PasswordLink, str]:
    """Reset ``user``'s password by a link to set a new one (``may_send_link``): the old
    password stops working at once, their sessions end and browsers that signed in before
    are no longer trusted, and with ``reset_authenticator`` their authenticator app is
    removed too (they set one up again after their new password, if their roles need
    one). ``SentLately`` (recorded) if a link went to them a moment ago. The link and its
    token, for the e-mail."""
    may_send_link(session, by, user, reset_authenticator=reset_authenticator)
    _read_for_change(session, acts.Action.PASSWORD_LINK_SEND, user, by=by)
    may_send_link(session, by, user, reset_authenticator=reset_authenticator)
    kind = (
        password_links.NEW_ACCOUNT if password_links.has_no_password(user) else password_links.RESET
    )
    lately = password_links.sent_lately(session, user)
    if lately is not None:
        acts.refuse(
            session,
            acts.Action.PASSWORD_LINK_SEND,
            actor=by,
            subject=acts.Subject("user", user.id),
            reason="a link was sent to the account a moment ago",
        )
        raise SentLately(lately)
    user.password_hash = password_links.unusable_password()
    user.session_token = secrets.token_hex(16)
    acts.record(
        session,
        acts.Action.PASSWORD_RESET,
        actor=by,
        subject=acts.Subject("user", user.id),
        basis="by a link to set a new password",
    )
    if reset_authenticator:
        user.totp_sealed = user.totp_plain = user.totp_last_step = None
        acts.record(
            session,
            acts.Action.SECOND_FACTOR_RESET,
            actor=by,
            subject=acts.Subject("user", user.id),
        )
    session.flush()
    sign_in_sessions.end_all(session, user, SessionEnd.PASSWORD_RESET, by=by)
    return password_links.issue(session, user, kind, by=by, valid_for=valid_for)
