"""``hub notices``: send the notices by e-mail waiting, and queue those of actions due."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from hub import notices as hub_notices
from hub.cli_session import _session
from hub.database import command_sessions
from sharing import case_notices, clock
from sharing.cases import first_contact, more_ending
from sharing.trigger import workdays


@click.group(cls=AppGroup)
def notices() -> None:
    """Notices by e-mail (conference invitations, requests, minutes, actions due)."""


@notices.command("send")
def notices_send() -> None:
    """Send the notices waiting (run from a timer: those queued by a page go at once)."""
    _send_waiting()


def _send_waiting() -> None:
    delivery = hub_notices.deliver_pending(
        command_sessions(),
        current_app.config["HUB_SETTINGS"],
        current_app.extensions["hub.trigger_procedure"],
        current_app.extensions["hub.letters"].trigger,
        current_app.extensions["hub.letters"].contact,
    )
    click.echo(f"Sent {delivery.sent} notices; {delivery.failed} failed (tried again next time).")
    for given_up in delivery.given_up:
        click.echo(f"Given up on {given_up}: it will not be sent.")
    if delivery.stopped:
        click.echo(
            f"The mail server could not be used ({delivery.stopped}): the notices and letters "
            "waiting are tried again next time, with no attempt counted against them."
        )
    if delivery.failed or delivery.stopped:
        raise SystemExit(1)


@notices.command("due")
@click.option(
    "--days",
    default=2,
    show_default=True,
    type=click.IntRange(0, 60),
    help="Tell owners of open actions due within this many days.",
)
def notices_due(days: int) -> None:
    """Queue a notice for each open action falling due (once per action and person), end
    the partners' requests for more that can no longer be answered (their share ran out),
    telling their askers, then send what is waiting; count the first contact day of cases opened while it fell past
    the bank holiday list, once the list reaches it, and warn when the list runs out. Run
    daily."""
    working_days = current_app.config["HUB_SETTINGS"].first_contact_working_days
    with _session() as session:
        queued = case_notices.actions_due(session, within_days=days)
        ended = more_ending.end_stale(session)
        counted, waiting = first_contact.count_waiting(session, working_days)
        session.commit()
    click.echo(f"Queued {queued} notices of actions due.")
    if ended:
        click.echo(
            f"Ended {ended} partner request(s) for more that could no longer be answered "
            "(their share ran out, or their case was closed, locked or erased)."
        )
    if counted:
        click.echo(f"Counted the first contact day of {counted} case(s).")
    if warning := workdays.to_update(clock.today()):
        click.echo(f"Warning: {warning}", err=True)
    if waiting:
        click.echo(
            f"Warning: {waiting} case(s) wait for their first contact day, past the end of "
            "the bank holiday list.",
            err=True,
        )
    _send_waiting()
