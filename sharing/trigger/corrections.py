"""Correcting a Community Trigger application's details after it is recorded: a mistyped
e-mail address or postal address, a misheard name or date of birth, the wrong date
received, the behaviour's words.

The lead (whoever handles the applications: ``sharing.trigger.handling``) corrects them
while the application is live (as ``sharing.trigger.closing`` counts it: not closed or
erased, not decided not met, its outcome not yet sent). The date received is corrected only before the threshold
decision: the decision and its clocks were counted from it. Who suffered it, who applied
and the consent stay as recorded. The details are checked as when the application was
recorded, sealed as they were, and the form carries a stamp of the application: one
opened before anyone else changed it (a correction, a decision) is refused, and two
corrections at once are taken one after the other. One audit entry names the fields
changed, never their values. Letters are made from the application when they are sent,
so those waiting go with the corrected details; when the e-mail address the letters go to
is corrected, the letters the application has reached and not sent (waiting, refused by
the mail server, or never queued for want of an address) go to the new one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError
from sharing.models import TriggerApplication
from sharing.trigger import letters
from sharing.trigger.handling import (
    ALREADY_DONE,
    APPLICATION_DETAILS,
    LEAD,
    handled,
    refuse_if_closed,
    refuse_if_erased,
)
from sharing.trigger.input_checks import ApplicationInput, checked
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import ThresholdDecision

#: The sealed details a correction may change (the decision's, the review's and the
#: appeal's words are their own acts').
CORRECTED = APPLICATION_DETAILS


@dataclass(frozen=True)
class Correctable:
    """An application as the form correcting it shows it: its details as they stand."""

    id: int
    reference: str
    received_on: date
    #: Whether someone applied for the victim (their details are then asked).
    on_behalf: bool
    #: Whether the date received may still be corrected (before the threshold decision).
    received_open: bool
    details: dict[str, str | None]
    #: The stamp the form carries (of the whole application).
    stamp: str
    #: Why it can no longer be corrected ("" while it can).
    why_not: str


def correctable(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    *,
    shown: bool = True,
) -> Correctable:
    """The application for the form correcting it, for the lead (``NotAllowed`` or
    ``NotFound`` otherwise, recorded); with its details when they are to be ``shown``
    (filling the form), so recorded as viewed."""
    application = handled(session, actor, procedure, application_id, acts.Action.TRIGGER_CORRECT)
    why_not = ""
    try:
        _refuse_unless_live(application)
    except InputError as refused:
        why_not = refused.message
    details = reveal(LEAD, application, CORRECTED) if shown and not why_not else {}
    if details:
        acts.record(
            session,
            acts.Action.TRIGGER_VIEW,
            actor=actor,
            subject=_subject(application),
            basis="details, to correct them",
        )
    return Correctable(
        id=application.id,
        reference=application.reference,
        received_on=application.received_on,
        on_behalf=application.on_behalf is not None,
        received_open=application.decision is None,
        details=details,
        stamp=stamps.of(session, application),
        why_not=why_not,
    )


def correct(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    data: ApplicationInput,
    *,
    opened: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Correct the application's details to ``data`` (its choices, who suffered it and who
    applied, are kept as recorded); the fields changed, [] when nothing changed (and
    nothing is recorded). Refused, nothing written and the refusal recorded: an
    application no longer live (``ALREADY_DONE``), a detail as recording refuses it, the
    date received once the threshold is decided (``received_on``); ``ChangedMeanwhile``
    for a form opened before the application changed (``opened``)."""
    now = now or clock.now()
    action = acts.Action.TRIGGER_CORRECT
    application = handled(session, actor, procedure, application_id, action)
    read_for_change(session, application)  # two corrections at once: the second waits
    subject = _subject(application)
    try:
        stamps.check(session, opened, application)
    except ChangedMeanwhile:
        acts.refuse(
            session, action, actor=actor, subject=subject, reason="refused input: changed meanwhile"
        )
        raise
    with acts.refusing_input(session, action, actor=actor, subject=subject):
        _refuse_unless_live(application)
        received = data.received_on or application.received_on
        if received != application.received_on and application.decision is not None:
            raise InputError(
                "received_on",
                "The threshold is decided: its deadlines were counted from the date "
                "received, which can no longer be corrected",
            )
        values, _ = checked(_as_recorded(application, data, received), now)
    before = letters.email_of(
        reveal(LEAD, application, CORRECTED), application.on_behalf is not None
    )
    changed = sorted(seal_many(application, {c: values[c] for c in CORRECTED}))
    if received != application.received_on:
        application.received_on = received
        changed.insert(0, "received_on")
    if not changed:
        return []
    session.flush()
    after = letters.email_of(values, application.on_behalf is not None)
    again = (
        letters.to_corrected_address(session, application, values, now) if after != before else 0
    )
    acts.record(
        session,
        action,
        actor=actor,
        subject=subject,
        basis=f"fields {', '.join(changed)}" + (f"; letters to go again {again}" if again else ""),
    )
    return changed


def _as_recorded(
    application: TriggerApplication, data: ApplicationInput, received: date
) -> ApplicationInput:
    """``data`` with what a correction keeps as recorded: how it came, who suffered it,
    who applied and the consent."""
    return replace(
        data,
        received_on=received,
        channel=application.channel.value,
        victim_kind=application.victim_kind.value,
        on_behalf=application.on_behalf.value if application.on_behalf else "",
        consent_recorded=application.consent_recorded,
        applicant_name=data.applicant_name if application.on_behalf else "",
        applicant_contact=data.applicant_contact if application.on_behalf else "",
        applicant_address=data.applicant_address if application.on_behalf else "",
        consent_note=data.consent_note if application.on_behalf else "",
    )


def _refuse_unless_live(application: TriggerApplication) -> None:
    refuse_if_erased(application, "its details can no longer be corrected")
    refuse_if_closed(application, "its details can no longer be corrected")
    if application.decision is ThresholdDecision.NOT_MET or application.outcome_on is not None:
        raise InputError(
            ALREADY_DONE,
            "The applicant has had their answer, so its details can no longer be corrected",
        )


def _subject(application: TriggerApplication) -> acts.Subject:
    return acts.Subject("trigger_application", application.id)
