"""How long the lead keeps a Community Trigger application, and its erasure.

The Community Trigger protocol's retention: the lead keeps the application, the threshold
decision, the review record and its recommendations for the procedure's years (Northshire:
three) after the applicant is told the outcome, then destroys them. The applicant is told
the outcome by the last letter that can reach them: a "not met" decision once no appeal
can follow it, the review's outcome letter once no appeal can follow it, or the appeal
body's decision (or the day the applicant withdrew the appeal); or, for an application closed as withdrawn or a duplicate, the day it
was closed. While an appeal may still be made, or is waiting for its decision, the clock
has not started.

Erasing an application destroys its data key (``sharing.crypto.shredding``): the
victim's and any third party's details, the problem in the applicant's words, the
reasons, findings and recommendations' words can never be read again, and letters and
notices still waiting (its recommendations', and those asking agencies about its
complaints) are given up. What the published figures count stays: the reference, the dates,
the channel, the decision, the rules met, the counts per relevant body, the outcome and
the appeal's dates and decision. ``sweep`` erases every application past its retention
(daily, ``hub trigger sweep``); the lead's managers may erase one that is concluded
before then (an erasure request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, trigger_notices
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.clock import day_text
from sharing.crypto.shredding import DESTROYED, shred
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.models import TriggerApplication
from sharing.trigger import handling, letter_days, letters, review_recommendations
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import CalendarExhausted
from sharing.vocabulary import Role, ThresholdDecision

#: Who may erase a concluded application before its retention ends.
ERASERS = frozenset({Role.MANAGER})
#: Why an application that is not concluded cannot be erased yet (``not_concluded`` says
#: where it stands).
NOT_CONCLUDED = "The application is not concluded"
#: Why an application with recommendations still open cannot be erased early.
RECOMMENDATIONS_OPEN = (
    "{count} of its recommendations {are} still open: erase the application once the "
    "agencies have marked them done, or its retention ends"
)
#: Why an erased application's letters still waiting were given up.
LETTERS_GIVEN_UP = "application erased"


def told_on(application: TriggerApplication, procedure: Procedure, today: date) -> date | None:
    """The day the applicant was told the outcome, once nothing more can follow: the
    appeal decision's day (or the day the applicant withdrew the appeal); or, with no
    appeal, the day of the "not met" decision or the outcome letter once the last day to
    appeal has passed. None before then (and while
    that last day cannot be counted: the application is kept). An application closed as
    withdrawn or a duplicate has nothing more to follow: the day it was closed."""
    if application.closed_at is not None:
        return clock.day_of(application.closed_at)
    if handling.decided_again(application):
        # The one appeal was made: the decision made again, or the outcome of the review
        # that follows it, is the last the applicant is told.
        if application.decision is ThresholdDecision.NOT_MET:
            return clock.day_of(application.decided_at) if application.decided_at else None
        return application.outcome_on
    if handling.to_decide_again(application):
        return None
    if application.appeal_received_on is not None:
        return application.appeal_decided_on or application.appeal_withdrawn_on
    letter_on = letter_days.appeal_from(application)
    if letter_on is None:
        return None
    try:
        last = letter_days.appeal_by(application, procedure)
    except CalendarExhausted:
        return None
    if last is None or today <= last:
        return None
    return letter_on


def not_concluded(application: TriggerApplication, procedure: Procedure, today: date) -> str:
    """Why the application is not concluded, in the words of where it stands ("" once it
    is): not yet told the outcome; an appeal may still be made until its last day; an
    appeal waiting for the appeal body (which its decision or the applicant's withdrawal
    ends); or the last day to appeal cannot be counted."""
    if told_on(application, procedure, today) is not None:
        return ""
    if handling.to_decide_again(application):
        return (
            f'{NOT_CONCLUDED}: the appeal body sent its "not met" decision back on '
            f"{day_text(application.appeal_decided_on or today)}, and the threshold is still to "
            "be decided again"
        )
    if handling.decided_again(application):
        return (
            f"{NOT_CONCLUDED}: the applicant has not yet been told the outcome of the review "
            "that followed the decision made again. It can be erased once they have"
        )
    if application.appeal_received_on is not None:
        return (
            f"{NOT_CONCLUDED}: its appeal, received on "
            f"{day_text(application.appeal_received_on)}, is waiting for the appeal body's "
            "decision. It can be erased once the appeal is decided or the applicant "
            "withdraws it"
        )
    if letter_days.appeal_from(application) is None:
        return (
            f"{NOT_CONCLUDED}: the applicant has not yet been told the outcome. It can be "
            "erased once they have and the time to appeal has passed"
        )
    try:
        last = letter_days.appeal_by(application, procedure)
    except CalendarExhausted as exhausted:
        return (
            f"{NOT_CONCLUDED}: the last day to appeal cannot be counted (the {exhausted}), "
            "so it is kept"
        )
    return (
        f"{NOT_CONCLUDED}: the applicant may still appeal until {day_text(last)}. It can be "
        "erased after that day if no appeal was received by then"
        if last is not None
        else NOT_CONCLUDED
    )


def kept_until(application: TriggerApplication, procedure: Procedure, today: date) -> date | None:
    """The day the application's retention ends (its personal data is erased that day),
    or None while it is not concluded or the procedure sets no retention."""
    told = told_on(application, procedure, today)
    if told is None or procedure.retention is None:
        return None
    # Kept for the full years: told on 29 February, three years on is 1 March.
    return clock.full_years_after(told, procedure.retention.years_after_outcome)


@dataclass(frozen=True)
class Standing:
    """Where an application stands for erasure, for its page."""

    reference: str
    #: The day its retention ends, once concluded (None: not concluded, or no retention).
    kept_until: date | None
    #: Whether the applicant has been told and no appeal can follow or is pending.
    concluded: bool
    #: Whether the actor may erase it now (an erasure request).
    may_erase: bool
    #: Its recommendations not yet marked done (an early erasure waits for them).
    open_recommendations: int = 0
    #: Why it is not concluded, where it stands ("" once it is: ``not_concluded``).
    why_not_concluded: str = ""

    @property
    def waits_for_recommendations(self) -> str | None:
        """Why an early erasure must wait, if its recommendations are still open."""
        return _recommendations_open(self.open_recommendations)


def _open_recommendations(application: TriggerApplication) -> int:
    return sum(1 for r in application.recommendations if review_recommendations.is_open(r))


def _recommendations_open(count: int) -> str | None:
    if not count:
        return None
    return RECOMMENDATIONS_OPEN.format(count=count, are="is" if count == 1 else "are")


def standing(session: Session, actor: Actor, procedure: Procedure, application_id: int) -> Standing:
    """Whether the application is concluded, until when it is kept, and whether the actor
    may erase it now (nothing read, nothing audited)."""
    application = handling.handled(session, actor, procedure, application_id)
    today = clock.today()
    concluded = told_on(application, procedure, today) is not None
    still_open = _open_recommendations(application)
    return Standing(
        reference=application.reference,
        kept_until=kept_until(application, procedure, today),
        concluded=concluded,
        may_erase=(
            concluded and not still_open and application.erased_at is None and actor.has(*ERASERS)
        ),
        open_recommendations=still_open,
        why_not_concluded=not_concluded(application, procedure, today),
    )


def to_erase(session: Session, actor: Actor, procedure: Procedure, application_id: int) -> Standing:
    """``standing`` for the page that erases the application: refused (``NotAllowed``,
    recorded) to anyone but the lead's managers, as ``erase_application`` is."""
    _erasable(session, actor, procedure, application_id)
    return standing(session, actor, procedure, application_id)


def _erasable(
    session: Session, actor: Actor, procedure: Procedure, application_id: int
) -> TriggerApplication:
    """The application, if the actor is a manager of the lead; the refusal recorded."""
    application = handling.handled(
        session, actor, procedure, application_id, acts.Action.TRIGGER_ERASE
    )
    if not actor.has(*ERASERS):
        why = "only the lead agency's managers erase applications"
        raise acts.refused(
            session,
            acts.Action.TRIGGER_ERASE,
            actor=actor,
            subject=acts.Subject("trigger_application", application_id),
            reason=why,
        )
    return application


def erase_application(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """Erase a concluded application of the lead agency before its retention ends (an
    erasure request), for the lead's managers. Refused, and the refusal recorded: anyone
    else (``NotAllowed``; another agency's application is "not found" as on its page),
    an application already erased, one not concluded, or one with recommendations still
    open, whose owners could no longer mark them done (``InputError``)."""
    application = _erasable(session, actor, procedure, application_id)
    read_for_change(session, application)  # erased twice at once: the second waits
    subject = acts.Subject("trigger_application", application.id)
    now = now or clock.now()
    with acts.refusing_input(session, acts.Action.TRIGGER_ERASE, actor=actor, subject=subject):
        handling.refuse_if_erased(application, "it cannot be erased again")
        if why := not_concluded(application, procedure, clock.day_of(now)):
            raise InputError("reference", why)
        if waiting := _recommendations_open(_open_recommendations(application)):
            raise InputError("reference", waiting)
    _erase(session, application, actor, now, basis=f"{DESTROYED}: erasure request")
    return application


def _erase(
    session: Session,
    application: TriggerApplication,
    actor: Actor | None,
    now: datetime,
    *,
    basis: str,
) -> None:
    letters.give_up(session, application, LETTERS_GIVEN_UP)
    trigger_notices.give_up_about_erased_application(session, application)
    subject = acts.Subject("trigger_application", application.id)
    shred(session, application, actor, acts.Action.TRIGGER_ERASE, subject, now, basis=basis)


@dataclass(frozen=True)
class Swept:
    """What a sweep did, in counts only."""

    erased: int
    #: Concluded, within their retention.
    kept: int
    #: Not concluded: no decision or outcome yet, or an appeal that may come or is waiting.
    open: int


def sweep(session: Session, procedure: Procedure, now: datetime | None = None) -> Swept:
    """Erase every application whose retention has ended (on its last day or after: the
    partnership's day), each an audit entry of the hub's own; applications already erased
    are left as they are, so running it again changes nothing. With no retention in the
    procedure nothing is erased."""
    now = now or clock.now()
    today = clock.day_of(now)
    erased = kept = open_ = 0
    waiting = session.scalars(
        select(TriggerApplication)
        .where(TriggerApplication.erased_at.is_(None))
        .order_by(TriggerApplication.id)
    ).all()
    for application in waiting:
        if told_on(application, procedure, today) is None:
            open_ += 1
            continue
        until = kept_until(application, procedure, today)
        if until is None or today < until:
            kept += 1
            continue
        read_for_change(session, application)  # a manager erasing it at once: one waits
        if application.erased_at is not None:  # erased on a request meanwhile
            continue
        _erase(session, application, None, now, basis=f"{DESTROYED}: retention ended")
        erased += 1
    return Swept(erased=erased, kept=kept, open=open_)
