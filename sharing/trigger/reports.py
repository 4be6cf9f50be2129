"""Correcting who a Community Trigger applicant reported the behaviour to: the lead finds
that the applicant named the wrong agency, forgot one, or (an application taken by phone
or letter, which does not ask) said it and it was not recorded.

The applicant's own answer (``reported_to``) is never changed: it is their account, and
the lead's page keeps it visible as "the applicant said" beside the correction
(``reported_to_corrected``, the same list; ``[]`` for no one) and the lead's reason for
it, both sealed under the application's key. Corrected again, the correction is
replaced and the applicant's answer stays as they gave it.

Who may, and when, as for the application's other details (``sharing.trigger.corrections``):
the lead agency's Community Trigger leads and managers, while the application is live
(not closed, erased, decided not met or told its outcome); not while an appeal is in hand,
when only the details the letters use are corrected (the appeal is of the review as it
was). The choices are those the public form offers (the partnership's agencies, or
someone else in words, each with the month if known); the reason is needed. The form
carries a stamp of the application, two corrections at once are taken one after the
other, and one ``trigger.correct`` entry names the field, never who or why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.errors import InputError
from sharing.models import TriggerApplication
from sharing.trigger import applications
from sharing.trigger.corrections import held_for_correcting, live_or_why_not
from sharing.trigger.field_checks import plain_text
from sharing.trigger.handling import ALREADY_DONE, LEAD, appeal_in_hand, handled
from sharing.trigger.input_checks import ReportedTo, reports_of, reports_text
from sharing.trigger.procedure import Procedure

#: The sealed columns: the applicant's answer, the lead's correction of it, and why.
COLUMNS = ("reported_to", "reported_to_corrected", "reported_to_reason")
#: The most a reason may say.
MAX_REASON = 1_000
#: The form's fields a problem is said at.
CHOICE_FIELD = "reported_to"
REASON_FIELD = "reason"
REASON_NEEDED = (
    "Enter why you are correcting who it was reported to, such as what the agencies' "
    "records show or what the applicant told you"
)
AGENCY_NOT_OFFERED = "Select the agencies it was reported to from those listed, or someone else"
#: What a correction changed: who it was reported to, or only the reason for it.
LIST_CHANGED = "reported_to"
REASON_CHANGED = "reason"
IN_APPEAL = (
    "An appeal is in hand: who it was reported to stays as the review had it, since the "
    "appeal is of that review"
)


@dataclass(frozen=True)
class Reports:
    """Who the behaviour was reported to, as the lead's form shows it."""

    id: int
    reference: str
    #: The applicant's own answer (empty: no one, or not asked).
    said: tuple[ReportedTo, ...]
    #: The lead's correction, None if it was never corrected.
    corrected: tuple[ReportedTo, ...] | None
    reason: str | None
    received_on: date
    #: Sent on the public form, which asks (a recorded application was not asked).
    asked: bool
    stamp: str
    #: Why it can no longer be corrected ("" while it can).
    why_not: str

    @property
    def standing(self) -> tuple[ReportedTo, ...]:
        """Who it was reported to as it stands: the correction, or the applicant's answer."""
        return self.said if self.corrected is None else self.corrected


def correctable(
    session: Session, actor: Actor, procedure: Procedure, application_id: int
) -> Reports:
    """The application's answer and any correction of it, for the lead's form (recorded
    as viewed); ``NotAllowed`` or ``NotFound`` otherwise, recorded."""
    application = handled(session, actor, procedure, application_id, acts.Action.TRIGGER_CORRECT)
    why_not = _why_not(application)
    values = reveal(LEAD, application, COLUMNS) if not why_not else dict.fromkeys(COLUMNS)
    if not why_not:
        acts.record(
            session,
            acts.Action.TRIGGER_VIEW,
            actor=actor,
            subject=_subject(application),
            basis="reported to, to correct it",
        )
    corrected = values["reported_to_corrected"]
    return Reports(
        id=application.id,
        reference=application.reference,
        said=tuple(reports_of(values["reported_to"])),
        corrected=tuple(reports_of(corrected)) if corrected is not None else None,
        reason=values["reported_to_reason"],
        received_on=application.received_on,
        asked=application.channel.value == "online",
        stamp=stamps.of(session, application),
        why_not=why_not,
    )


def correct(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    given: tuple[ReportedTo, ...],
    reason: str,
    *,
    opened: str | None = None,
    now: datetime | None = None,
) -> str:
    """Record who the behaviour was reported to as ``given`` (the partnership's agencies
    by code, named as the directory names them; someone else in words; each month if
    known), and why; what changed: ``LIST_CHANGED``, ``REASON_CHANGED`` (the same list
    with a new reason for a correction), or "" (the same list and reason again, nothing
    written or recorded). Refused, nothing written and recorded: an application that can no
    longer be corrected (``ALREADY_DONE``), an agency not offered, someone else without
    words, a month after the application was received, a reason missing or too long;
    ``ChangedMeanwhile`` for a form opened before the application changed."""
    now = now or clock.now()
    action = acts.Action.TRIGGER_CORRECT
    application = held_for_correcting(session, actor, procedure, application_id, opened)
    subject = _subject(application)
    with acts.refusing_input(session, action, actor=actor, subject=subject):
        why_not = _why_not(application)
        if why_not:
            raise InputError(ALREADY_DONE, why_not)
    found = problems_in(session, procedure, application.received_on, given, reason)
    if found:
        named = acts.input_refused(sorted({p.field for p in found}))
        acts.refuse(session, action, actor=actor, subject=subject, reason=named)
        raise found[0]
    offered = dict(applications.partnership_agencies(session, procedure))
    named_as = tuple(
        r if r.someone_else else ReportedTo(r.agency, offered[r.agency], r.month) for r in given
    )
    text = reports_text(named_as, application.received_on) or json.dumps([])
    was = reveal(LEAD, application, COLUMNS)
    standing = was["reported_to_corrected"] or was["reported_to"] or json.dumps([])
    reason_text = plain_text(REASON_FIELD, reason, MAX_REASON, what="the reason")
    same_list = json.loads(text) == json.loads(standing)
    # The same list is a change only of the reason a correction already gives.
    if same_list and (
        was["reported_to_corrected"] is None or reason_text == was["reported_to_reason"]
    ):
        return ""
    seal_many(application, {"reported_to_corrected": text, "reported_to_reason": reason_text})
    session.flush()
    acts.record(session, action, actor=actor, subject=subject, basis="fields reported_to")
    return REASON_CHANGED if same_list else LIST_CHANGED


def problems_in(
    session: Session,
    procedure: Procedure,
    received_on: date,
    given: tuple[ReportedTo, ...],
    reason: str,
) -> list[InputError]:
    """Every problem of a correction to ``given`` for ``reason``, each at its field."""
    found: list[InputError] = []
    offered = dict(applications.partnership_agencies(session, procedure))
    if any(not r.someone_else and r.agency not in offered for r in given):
        found.append(InputError(CHOICE_FIELD, AGENCY_NOT_OFFERED))
    try:
        reports_text(tuple(r for r in given if r.someone_else or r.agency in offered), received_on)
    except InputError as problem:
        found.append(problem)
    try:
        plain_text(REASON_FIELD, reason, MAX_REASON, what="the reason", required=REASON_NEEDED)
    except InputError as problem:
        found.append(problem)
    return found


def _why_not(application: TriggerApplication) -> str:
    """Why who it was reported to can no longer be corrected ("" while it can)."""
    if appeal_in_hand(application):
        return IN_APPEAL
    return live_or_why_not(application)


def _subject(application: TriggerApplication) -> acts.Subject:
    return acts.Subject("trigger_application", application.id)
