"""Correcting a Community Trigger application's details after it is recorded: a mistyped
e-mail address or postal address, a misheard name or date of birth, the wrong date
received, the behaviour's words; how it came (a letter recorded as a phone call), who
suffered it (a person, a business, a community group), whether the victim applied or
someone applied for them, and the victim's consent to that.

The lead (whoever handles the applications: ``sharing.trigger.handling``) corrects them
while the application is live (as ``sharing.trigger.closing`` counts it: not closed or
erased, not decided not met, its outcome not yet sent), and while an appeal is in hand
only the details the letters use (``LETTER_DETAILS``: to whom and where they go), so that
the appeal decision's letter reaches an applicant who moved or changed their e-mail
address; the rest stay as the review had them, since the appeal is of that review (the
complaints it found by the victim's date of birth, phone and UPRN, the behaviour in their
words, how it came, who suffered it, who applied and with what consent). The date received is corrected only before the threshold
decision: the decision and its clocks were counted from it. "Online" stays for an
application sent on the public form (the hub took it so), and no other becomes one. The details and choices are checked as when the
application was recorded: someone applying for the victim needs their name, contact, a
postal address without an e-mail, and the victim's consent. Consent is never taken away
by a correction: a victim who no longer agrees has the application recorded as withdrawn
(``sharing.trigger.closing``), which ends its review and the sharing for it. The details
are sealed as they were, and the form carries a stamp of the application: one
opened before anyone else changed it (a correction, a decision) is refused, and two
corrections at once are taken one after the other. One audit entry names the fields
changed, never their values; the application's page lists its corrections from them.
Letters are made from the application when they are sent, so those waiting go with the
corrected details, to whoever applied as corrected; when the e-mail address the letters
go to changes (corrected, or someone else now applied), the letters the application has
reached and not sent (waiting, refused by the mail server, or never queued for want of an
address) go to the new one. Those already e-mailed are not sent again: when whom or where
the letters go changes, they are marked as gone to the earlier details
(``corrected_letters.supersede``), for the lead to send a corrected copy of each. The threshold check searches by the victim's details alone,
so how it came, who suffered it and who applied change nothing it counts; nor do the
letters' words, which name the victim (or whoever applied) as recorded.

A business or community group has no date of birth: a correction saying one suffered it
removes the victim's date of birth (``input_checks.PERSON_ONLY``), says so, and its audit
entry names it as removed; the threshold check and the DPO's search, which find a victim by
surname and date of birth, no longer find the application by it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError
from sharing.models import TriggerApplication
from sharing.trigger import corrected_letters, letters
from sharing.trigger.handling import (
    ALREADY_DONE,
    APPLICATION_DETAILS,
    LEAD,
    appeal_in_hand,
    handled,
    refuse_if_closed,
    refuse_if_erased,
)
from sharing.trigger.input_checks import PERSON_ONLY, ApplicationInput, checked
from sharing.trigger.input_checks import problems_in as problems_in_input
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import ThresholdDecision, TriggerChannel, VictimKind

#: The sealed details a correction may change (the decision's, the review's and the
#: appeal's words are their own acts').
CORRECTED = APPLICATION_DETAILS
#: The details the letters use (to whom and where they go): all a correction changes
#: while an appeal is in hand.
LETTER_DETAILS = (
    "victim_given_names",
    "victim_family_name",
    "victim_email",
    "victim_address",
    "victim_postcode",
    "applicant_name",
    "applicant_contact",
    "applicant_address",
)
#: The choices a correction may change, in the order its audit entry names them.
CHOICES = ("channel", "victim_kind", "on_behalf", "consent_recorded")
#: Why a correction never takes the victim's consent away.
CONSENT_KEPT = (
    "If the victim no longer agrees to this person applying for them, record that the "
    "application was withdrawn: that ends its review and the sharing for it. If the "
    'victim applied themselves, select "The victim" under who applied'
)
RECEIVED_KEPT = (
    "The threshold is decided: its deadlines were counted from the date received, which "
    "can no longer be corrected"
)
ONLINE_KEPT = "It was sent on the online form: how it came stays as recorded"
NOT_ONLINE = "Only an application sent on the online form came online: select how it was received"


@dataclass(frozen=True)
class Correction:
    """What a correction changed."""

    #: The fields changed, in the order its audit entry names them ([]: nothing changed).
    changed: list[str]
    #: The person-only details removed, as a business or community group suffered it.
    removed: list[str]

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


@dataclass(frozen=True)
class Correctable:
    """An application as the form correcting it shows it: its details as they stand."""

    id: int
    reference: str
    received_on: date
    #: How it came, who suffered it, who applied for the victim ("": the victim applied)
    #: and whether the victim's consent to that is recorded, as the form's choices hold them.
    channel: str
    victim_kind: str
    on_behalf: str
    consent_recorded: bool
    #: Whether the date received may still be corrected (before the threshold decision).
    received_open: bool
    #: Whether an appeal is in hand: only the letters' details are corrected.
    appeal_in_hand: bool
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
        channel=application.channel.value,
        victim_kind=application.victim_kind.value,
        on_behalf=application.on_behalf.value if application.on_behalf else "",
        consent_recorded=application.consent_recorded,
        received_open=application.decision is None,
        appeal_in_hand=appeal_in_hand(application),
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
) -> Correction:
    """Correct the application's details and choices to ``data`` (the date received and
    who suffered it are kept as recorded where ``data`` leaves them empty); the fields
    changed and those removed (a date of birth, for a business or group), none when
    nothing changed (and nothing is recorded). Refused, nothing written and the refusal recorded: an
    application no longer live (``ALREADY_DONE``), a detail as recording refuses it, the
    date received once the threshold is decided (``received_on``); ``ChangedMeanwhile``
    for a form opened before the application changed (``opened``)."""
    now = now or clock.now()
    action = acts.Action.TRIGGER_CORRECT
    application = held_for_correcting(session, actor, procedure, application_id, opened)
    subject = _subject(application)
    with acts.refusing_input(session, action, actor=actor, subject=subject):
        _refuse_unless_live(application)
    was = reveal(LEAD, application, CORRECTED)
    if appeal_in_hand(application):
        data = _letters_only(application, data, was)
    received = data.received_on or application.received_on
    standing = As(
        application.channel.value,
        application.victim_kind.value,
        application.consent_recorded,
        application.received_on,
        received_open=application.decision is None,
    )
    found = _problems(standing, data, now)
    if found:  # one refusal, naming every field with a problem
        named_fields = acts.input_refused(sorted({p.field for p in found}))
        acts.refuse(session, action, actor=actor, subject=subject, reason=named_fields)
        raise found[0]
    values, choices = checked(_as_recorded(standing.victim_kind, data, received), now)
    before = letters.email_of(was, application.on_behalf is not None)
    went_to = letters.recipient(was, application.on_behalf is not None)
    removed = [f for f in PERSON_ONLY if was[f] is not None and values[f] is None]
    if choices["victim_kind"] is VictimKind.PERSON:
        removed = []  # a person's date of birth left empty is a correction like any other
    changed = sorted(seal_many(application, {c: values[c] for c in CORRECTED}))
    chosen = {**choices, "consent_recorded": choices["on_behalf"] is not None}
    changed[:0] = [c for c in CHOICES if getattr(application, c) != chosen[c]]
    changed = [c for c in changed if c not in removed]
    for name in CHOICES:
        setattr(application, name, chosen[name])
    if received != application.received_on:
        application.received_on = received
        changed.insert(0, "received_on")
    if not changed and not removed:
        return Correction([], [])
    session.flush()
    after = letters.email_of(values, application.on_behalf is not None)
    again = (
        corrected_letters.to_corrected_address(session, application, values, now)
        if after != before
        else 0
    )
    goes_to = letters.recipient(values, application.on_behalf is not None)
    earlier = corrected_letters.supersede(
        session,
        application,
        now,
        emailed=goes_to != went_to,
        posted=(goes_to[0], goes_to[2]) != (went_to[0], went_to[2]),
        details=values,
    )
    basis = [f"fields {', '.join(changed)}"] if changed else []
    basis += [f"removed {', '.join(removed)}"] if removed else []
    basis += [f"letters to go again {again}"] if again else []
    basis += [f"letters sent to the earlier details {earlier}"] if earlier else []
    acts.record(session, action, actor=actor, subject=subject, basis="; ".join(basis))
    return Correction(changed, removed)


@dataclass(frozen=True)
class As:
    """What a correction is checked against: the application's choices and date received
    as they stand, and whether that date may still be corrected (before the decision)."""

    channel: str
    victim_kind: str
    consent_recorded: bool
    received_on: date
    received_open: bool


def problems_in(
    application: Correctable, data: ApplicationInput, now: datetime
) -> list[InputError]:
    """Every problem a correction of ``application`` to ``data`` has, as ``correct`` would
    refuse it (nothing recorded: the form says them all at once, beside its own); while
    an appeal is in hand, those of the letters' details (the form has no others)."""
    found = _problems(
        As(
            application.channel,
            application.victim_kind,
            application.consent_recorded,
            application.received_on,
            application.received_open,
        ),
        data,
        now,
    )
    if application.appeal_in_hand:
        return [p for p in found if p.field in LETTER_DETAILS]
    return found


def _letters_only(
    application: TriggerApplication, data: ApplicationInput, was: dict[str, str | None]
) -> ApplicationInput:
    """``data`` as a correction while an appeal is in hand takes it: the letters' details
    from it, everything else as it stands."""
    born = was["victim_date_of_birth"]
    standing: dict[str, Any] = {
        f: was[f] or "" for f in CORRECTED if f not in (*LETTER_DETAILS, "victim_date_of_birth")
    }
    return replace(
        data,
        **standing,
        victim_date_of_birth=date.fromisoformat(born) if born else None,
        received_on=application.received_on,
        channel=application.channel.value,
        victim_kind=application.victim_kind.value,
        on_behalf=application.on_behalf.value if application.on_behalf else "",
        consent_recorded=application.consent_recorded,
    )


def _problems(standing: As, data: ApplicationInput, now: datetime) -> list[InputError]:
    """The date received corrected after the decision; a choice a correction may not make
    (an application sent on the online form made another's, or another online; the
    victim's consent taken away); then every problem recording would refuse."""
    found: list[InputError] = []
    received = data.received_on or standing.received_on
    if received != standing.received_on and not standing.received_open:
        found.append(InputError("received_on", RECEIVED_KEPT))
    online = TriggerChannel.ONLINE.value
    if standing.channel == online and data.channel != online:
        found.append(InputError("channel", ONLINE_KEPT))
    if standing.channel != online and data.channel == online:
        found.append(InputError("channel", NOT_ONLINE))
    if standing.consent_recorded and data.on_behalf and not data.consent_recorded:
        found.append(InputError("consent_recorded", CONSENT_KEPT))
    return found + problems_in_input(_as_recorded(standing.victim_kind, data, received), now)


def _as_recorded(recorded_kind: str, data: ApplicationInput, received: date) -> ApplicationInput:
    """``data`` with the date received as it stands (or as corrected) and who suffered it
    as recorded (``recorded_kind``) when ``data`` does not say, without a date of birth for
    a business or group, and without the applicant's details when the victim applied
    themselves."""
    victim_kind = data.victim_kind or recorded_kind
    return replace(
        data,
        received_on=received,
        victim_kind=victim_kind,
        victim_date_of_birth=data.victim_date_of_birth
        if victim_kind == VictimKind.PERSON.value
        else None,
        applicant_name=data.applicant_name if data.on_behalf else "",
        applicant_contact=data.applicant_contact if data.on_behalf else "",
        applicant_address=data.applicant_address if data.on_behalf else "",
        consent_recorded=data.consent_recorded if data.on_behalf else False,
        consent_note=data.consent_note if data.on_behalf else "",
    )


def correctable_now(application: TriggerApplication) -> bool:
    """Whether the application's details may be corrected: while it is live, or (the
    letters' details) while an appeal is in hand."""
    try:
        _refuse_unless_live(application)
    except InputError:
        return False
    return True


def held_for_correcting(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    opened: str | None,
) -> TriggerApplication:
    """The application the actor's agency handles, its row held for a correction (two at
    once: the second waits, then finds it changed); ``ChangedMeanwhile``, recorded as a
    refused correction, for a form ``opened`` before it changed."""
    action = acts.Action.TRIGGER_CORRECT
    application = handled(session, actor, procedure, application_id, action)
    read_for_change(session, application)
    try:
        stamps.check(session, opened, application)
    except ChangedMeanwhile:
        acts.refuse(
            session,
            action,
            actor=actor,
            subject=_subject(application),
            reason="refused input: changed meanwhile",
        )
        raise
    return application


def live_or_why_not(application: TriggerApplication) -> str:
    """Why the application's details can no longer be corrected ("" while they can)."""
    try:
        _refuse_unless_live(application)
    except InputError as refused:
        return refused.message
    return ""


def _refuse_unless_live(application: TriggerApplication) -> None:
    refuse_if_erased(application, "its details can no longer be corrected")
    refuse_if_closed(application, "its details can no longer be corrected")
    if appeal_in_hand(application):
        return
    told = application.decision is ThresholdDecision.NOT_MET or application.outcome_on is not None
    if told:
        raise InputError(
            ALREADY_DONE,
            "The applicant has had their answer, and no appeal is in hand, so its details "
            "can no longer be corrected",
        )


def _subject(application: TriggerApplication) -> acts.Subject:
    return acts.Subject("trigger_application", application.id)
