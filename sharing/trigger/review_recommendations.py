"""The recommendations of an ASB Case Review's panel or appeal. They are the review's own
(they are about the response to the applicant, and may fall on an agency with no case):
each owned by a relevant body with a due date, told to that body's managers, and followed
until the body marks it done. Those made on an appeal the applicant then withdrew, not yet
done, are cancelled (the appeal they answered ended without a decision); the panel's own
stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices, trigger_notices
from sharing.access.decide import Actor, Decision
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.clock import day_text
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.models import Agency, TriggerApplication, TriggerRecommendation
from sharing.trigger import handling, review
from sharing.trigger.field_checks import plain_text
from sharing.trigger.handling import handled
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import not_a_working_day
from sharing.vocabulary import NoticeKind, Role

MAX_RECOMMENDATION = 2_000
#: What is said of a recommendation's agency not chosen (or not a relevant body).
OWNER_NEEDED = "Select which relevant body will carry it out"
#: A recommendation is due within this many days of being made, at the latest.
LATEST_DUE_DAYS = 366
#: Who marks a recommendation for their agency done.
COMPLETERS = frozenset({Role.MANAGER, Role.TRIGGER_LEAD})
#: Why a recommendation made on appeal was cancelled (in plain words; never personal).
CANCELLED_WITH_APPEAL = "the applicant withdrew the appeal it was made on"


@dataclass(frozen=True)
class RecommendationInput:
    owner_agency_id: int | None
    due_on: date | None
    text: str


def recommend(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    data: RecommendationInput,
    *,
    on_appeal: bool = False,
    now: datetime | None = None,
) -> TriggerRecommendation:
    """Record a recommendation of the panel (once the application is before one, until
    the outcome is sent) or of the appeal (once an appeal is received, until decided),
    owned by a relevant body, due within a year; its managers are told. Refused, with
    the field and reason and nothing written: another stage, an owner that is not a
    relevant body, a due date past, too far or on a day nobody works (the letter tells the
    applicant the body will act by it), no text."""
    application = handled(session, actor, procedure, application_id)
    # Sent as another lead records the outcome or closes the application: one waits for
    # the other, so that the outcome's audit entry and letter name the same recommendations.
    read_for_change(session, application)
    now = now or clock.now()
    today = clock.day_of(now)
    with acts.refusing_input(
        session, acts.Action.TRIGGER_RECOMMEND, actor=actor, subject=review.subject(application)
    ):
        handling.refuse_if_erased(application, "no recommendation can be recorded on it")
        handling.refuse_if_closed(application, "no recommendation is recorded on it")
        _refuse_unless_heard(application, on_appeal)
        owner = session.get(Agency, data.owner_agency_id or 0)
        if (
            owner is None
            or owner.area_id != application.lead_agency.area_id
            or not procedure.is_relevant(owner.code, owner.type)
        ):
            raise InputError("owner_agency_id", OWNER_NEEDED)
        if data.due_on is None:
            raise InputError("due_on", "Enter the date it is due")
        if data.due_on < today:
            raise InputError("due_on", "The due date cannot be in the past")
        if (data.due_on - today).days > LATEST_DUE_DAYS:
            raise InputError("due_on", "The due date must be within a year")
        if closed := not_a_working_day(data.due_on):
            raise InputError("due_on", f"The due date is {closed}: enter a working day")
        text = plain_text(
            "text",
            data.text,
            MAX_RECOMMENDATION,
            what="the recommendation",
            required="Enter the recommendation",
        )
    recommendation = TriggerRecommendation(
        application=application,
        owner_agency_id=owner.id,
        due_on=data.due_on,
        on_appeal=on_appeal,
        created_at=now,
        created_by_id=actor.user_id,
    )
    session.add(recommendation)
    session.flush()
    seal_many(recommendation, {"text": text})
    notices.queue(
        session,
        NoticeKind.RECOMMENDATION,
        notices.managers(session, owner.id),
        reference=application.reference,
        path=_path(recommendation),
        about=datetime.combine(data.due_on, time(9), clock.PARTNERSHIP_ZONE),
        now=now,
    )
    acts.record(
        session,
        acts.Action.TRIGGER_RECOMMEND,
        actor=actor,
        subject=review.subject(application),
        basis=f"recommendation {recommendation.id} for agency {owner.id}"
        + ("; on appeal" if on_appeal else ""),
    )
    return recommendation


def _path(recommendation: TriggerRecommendation) -> str:
    """Where its agency's managers follow it (their list), for the notices about it."""
    return f"/trigger/recommendations#recommendation-{recommendation.id}"


def cancel_with_appeal(
    session: Session, application: TriggerApplication, now: datetime
) -> list[TriggerRecommendation]:
    """Cancel the recommendations made on the application's appeal and not yet done, as
    the applicant withdrew the appeal (the caller holds the application's lock and audits):
    each dated today with ``CANCELLED_WITH_APPEAL``, its agency's managers told. One its
    agency marks done at the same moment stays done (one waits for the other). Those the
    review panel made stand."""
    cancelled = []
    for recommendation in application.recommendations:
        if not recommendation.on_appeal or not is_open(recommendation):
            continue
        read_for_change(session, recommendation)  # marked done at once: one waits
        if not is_open(recommendation):
            continue
        recommendation.cancelled_on = clock.day_of(now)
        recommendation.cancelled_why = CANCELLED_WITH_APPEAL
        trigger_notices.recommendation_cancelled(
            session,
            recommendation.owner_agency_id,
            application.reference,
            _path(recommendation),
            now,
        )
        cancelled.append(recommendation)
    session.flush()
    return cancelled


def is_open(recommendation: TriggerRecommendation) -> bool:
    """Whether it is still to be done: neither done nor cancelled."""
    return recommendation.completed_on is None and recommendation.cancelled_on is None


def _refuse_unless_heard(application: TriggerApplication, on_appeal: bool) -> None:
    """``InputError`` unless the panel (or the appeal) is hearing the application. Once
    its outcome (or the appeal's decision) is recorded, at ``ALREADY_DONE``: the form was
    sent from a page that no longer offers it, as when another lead recorded it first."""
    if on_appeal:
        if application.appeal_decided_on is not None:
            raise InputError(
                handling.ALREADY_DONE,
                "The appeal decision was recorded on "
                f"{day_text(application.appeal_decided_on)}, so the recommendation was not "
                "recorded: recommendations on appeal are made while it is heard.",
            )
        if application.appeal_withdrawn_on is not None:
            raise InputError(
                handling.ALREADY_DONE,
                "The applicant withdrew the appeal on "
                f"{day_text(application.appeal_withdrawn_on)}, so the recommendation was not "
                "recorded: recommendations on appeal are made while it is heard.",
            )
        if application.appeal_received_on is None:
            raise InputError("text", "Recommendations on appeal are made while it is heard")
    elif application.outcome_on is not None:
        raise InputError(
            handling.ALREADY_DONE,
            f"The outcome was recorded on {day_text(application.outcome_on)}, so the "
            "recommendation was not recorded: the panel's recommendations are recorded "
            "before the outcome.",
        )
    elif application.review_sitting_id is None:
        raise InputError("text", "Recommendations are recorded once the panel is convened")


@dataclass(frozen=True)
class RecommendationRow:
    id: int
    reference: str
    text: str
    due_on: date
    on_appeal: bool
    completed_on: date | None
    completion_note: str | None
    overdue: bool
    #: The day it was cancelled, not done, and why (``CANCELLED_WITH_APPEAL``).
    cancelled_on: date | None = None
    cancelled_why: str | None = None


#: A relevant body's managers see the recommendations addressed to their agency.
_OWNER = Decision(
    allowed=True,
    categories={"actions": "A Community Trigger recommendation addressed to your agency"},
)


def _completable(session: Session, actor: Actor, recommendation_id: int) -> TriggerRecommendation:
    """The recommendation, if it is for the actor's agency and the actor a manager."""
    _may_complete(actor)
    recommendation = session.get(TriggerRecommendation, recommendation_id)
    if recommendation is None or recommendation.owner_agency_id != actor.agency_id:
        raise NotFound(recommendation_id)
    return recommendation


def refuse_completion(
    session: Session, actor: Actor, recommendation_id: int, fields: list[str]
) -> None:
    """Record the form marking a recommendation done refused for its own checks (a note
    too long) at ``fields``, names only, once the recommendation is found to be the
    actor's agency's (``NotFound``, ``NotAllowed`` as ``complete``)."""
    recommendation = _completable(session, actor, recommendation_id)
    acts.refuse(
        session,
        acts.Action.TRIGGER_RECOMMENDATION_DONE,
        actor=actor,
        subject=review.subject(recommendation.application),
        reason=acts.input_refused(fields),
    )


def _may_complete(actor: Actor) -> None:
    if not actor.has(*COMPLETERS):
        raise NotAllowed("only managers follow up Community Trigger recommendations")


def for_agency(session: Session, actor: Actor) -> list[RecommendationRow]:
    """The recommendations addressed to the actor's agency, open ones first by due date,
    then those done; one audit entry naming them."""
    _may_complete(actor)
    found = list(
        session.scalars(
            select(TriggerRecommendation)
            .where(TriggerRecommendation.owner_agency_id == actor.agency_id)
            .order_by(TriggerRecommendation.due_on, TriggerRecommendation.id)
        )
    )
    acts.record(
        session,
        acts.Action.TRIGGER_RECOMMENDATIONS,
        actor=actor,
        subject=acts.Subject("agency", actor.agency_id),
        basis=f"recommendations {acts.ids([r.id for r in found])}",
    )
    today = clock.today()
    rows = []
    for r in found:
        values = reveal(_OWNER, r, ("text", "completion_note"))
        rows.append(
            RecommendationRow(
                id=r.id,
                reference=r.application.reference,
                text=values["text"] or "",
                due_on=r.due_on,
                on_appeal=r.on_appeal,
                completed_on=r.completed_on,
                completion_note=values["completion_note"],
                overdue=is_open(r) and r.due_on < today,
                cancelled_on=r.cancelled_on,
                cancelled_why=r.cancelled_why,
            )
        )
    return sorted(rows, key=lambda r: r.completed_on is not None or r.cancelled_on is not None)


def open_for_agency(session: Session, actor: Actor) -> tuple[int, int]:
    """How many recommendations for the actor's agency are open, and how many of those
    are overdue (counts only: nothing is read, nothing audited)."""
    due = list(
        session.scalars(
            select(TriggerRecommendation.due_on).where(
                TriggerRecommendation.owner_agency_id == actor.agency_id,
                TriggerRecommendation.completed_on.is_(None),
                TriggerRecommendation.cancelled_on.is_(None),
            )
        )
    )
    today = clock.today()
    return len(due), sum(1 for day in due if day < today)


def complete(
    session: Session,
    actor: Actor,
    recommendation_id: int,
    note: str,
    *,
    now: datetime | None = None,
) -> TriggerRecommendation:
    """Mark a recommendation for the actor's agency done, saying what was done."""
    recommendation = _completable(session, actor, recommendation_id)
    read_for_change(session, recommendation)  # marked done twice at once: the second waits
    now = now or clock.now()
    subject = review.subject(recommendation.application)
    with acts.refusing_input(
        session, acts.Action.TRIGGER_RECOMMENDATION_DONE, actor=actor, subject=subject
    ):
        handling.refuse_if_erased(
            recommendation.application, "what was done on its recommendations cannot be recorded"
        )
        if recommendation.completed_on is not None:
            raise InputError(
                handling.ALREADY_DONE,
                "This recommendation is already marked done. Nothing was changed.",
            )
        if recommendation.cancelled_on is not None:
            raise InputError(
                handling.ALREADY_DONE,
                f"This recommendation was cancelled on {day_text(recommendation.cancelled_on)}"
                f": {recommendation.cancelled_why}. It is no longer to be done. Nothing was "
                "changed.",
            )
        text = plain_text(
            "note", note, MAX_RECOMMENDATION, what="the note", required="Say what was done"
        )
    recommendation.completed_on = clock.day_of(now)
    recommendation.completed_by_id = actor.user_id
    seal_many(recommendation, {"completion_note": text})
    session.flush()
    acts.record(
        session,
        acts.Action.TRIGGER_RECOMMENDATION_DONE,
        actor=actor,
        subject=subject,
        basis=f"recommendation {recommendation.id}",
    )
    return recommendation
