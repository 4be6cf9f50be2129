"""What the hub's commands share: a database session of their own, the user a command
acts as, and the record of a command refused."""

from __future__ import annotations

from typing import NoReturn

import click
from sqlalchemy.orm import Session

from hub.database import new_session
from sharing import accounts
from sharing.access.decide import Actor
from sharing.audit import acts

#: Begins the basis of a command-line run refused, so the DPO reads where it came from.
ON_THE_COMMAND_LINE = "on the command line: "


def _session() -> Session:
    return new_session()


def _actor(session: Session, email: str, action: acts.Action | None = None) -> Actor:
    """The user a command acts as (``--by``); with ``action``, a run naming no user is
    refused and recorded as a refused ``action``."""
    user = accounts.find_user(session, email)
    if user is None:
        if action is not None:
            refuse_run(
                session,
                action,
                "refused input: --by (no account has the e-mail address given)",
                message="no user with that e-mail address",
            )
        raise click.ClickException("no user with that e-mail address")
    return Actor.of(user)


def refuse_run(
    session: Session,
    action: acts.Action,
    reason: str,
    *,
    subject: acts.Subject | None = None,
    actor: Actor | None = None,
    agency_id: int | None = None,
    message: str | None = None,
) -> NoReturn:
    """Stop a command that acts on data or accounts, refused for its input, for who runs
    it or for want of a confirmation: the refusal is recorded (``reason``: what was refused
    and why, never a value typed), kept past the roll-back of anything the run began, and
    the command ends saying ``message`` (``reason`` if not given) with status 1."""
    acts.refuse(
        session,
        action,
        actor=actor,
        subject=subject,
        reason=ON_THE_COMMAND_LINE + reason,
        agency_id=agency_id,
    )
    acts.roll_back_keeping_refusals(session)
    raise click.ClickException(message or reason)
