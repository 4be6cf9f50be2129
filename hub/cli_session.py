"""What the hub's commands share: a database session of their own, the user a command
acts as, and the record of a command refused."""

from __future__ import annotations

import re
from typing import NoReturn

import click
from sqlalchemy.orm import Session

from hub.database import new_session
from sharing import accounts
from sharing.access.decide import Actor
from sharing.audit import acts

#: Begins the basis of a command-line run refused, so the DPO reads where it came from.
ON_THE_COMMAND_LINE = acts.ON_THE_COMMAND_LINE


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


def record_usage_refused(
    session: Session, error: click.UsageError, typed: click.Context | None = None
) -> None:
    """Record a run the command line refused before its command ran (an option it does
    not have, one missing, a value it does not take): the command's name and the kind of
    refusal, never a value typed (an unknown option or command is not named either: it
    is what was typed). ``typed`` names the command where click's error names none."""
    acts.refuse(
        session,
        acts.Action.HUB_COMMAND,
        subject=acts.Subject("hub"),
        reason=f"{ON_THE_COMMAND_LINE}{_command_name(error.ctx or typed)}: {_what_was_refused(error)}",
    )
    session.commit()


def _command_name(ctx: click.Context | None) -> str:
    """``hub users create``, whatever name the program was started by."""
    names: list[str] = []
    while ctx is not None and ctx.parent is not None:
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["hub", *names])


def _parameter(error: click.UsageError, param: click.Parameter | None = None) -> str:
    """A parameter as the command declares it (``--email``, ``EMAIL``)."""
    param = param or getattr(error, "param", None)
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    if isinstance(param, click.Parameter):
        return (param.name or "an argument").upper()
    return "an option"


#: An option's name as commands declare them.
_OPTION = re.compile(r"--?[a-z][a-z0-9-]*")


def _what_was_refused(error: click.UsageError) -> str:
    """The kind of refusal in words, naming only what the command declares."""
    if isinstance(error, click.NoSuchOption):
        return "refused before it ran: an option it does not have"
    if isinstance(error, click.MissingParameter):
        return f"refused before it ran: {_parameter(error)} was not given"
    if isinstance(error, click.BadParameter):
        return f"refused before it ran: {_parameter(error)} was given a value it does not take"
    if isinstance(error, click.BadOptionUsage):
        # click names an option it matched against those the command declares.
        said = error.option_name if _OPTION.fullmatch(error.option_name) else "an option"
        return f"refused before it ran: {said} was not given as it should be"
    if error.ctx is not None and isinstance(error.ctx.command, click.Group):
        return "refused before it ran: no command of that name"
    return "refused before it ran: arguments it does not take"
