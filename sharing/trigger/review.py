"""The ASB Case Review after the threshold is met: asking the agencies that hold the
counted complaints to confirm them and bring their cases, the review panel, its
recommendations followed to completion, the outcome, and the appeal.

The panel is a sitting of one of the area's partnership meetings that runs under the
Community Trigger purpose (set up like any partnership meeting, its standing members from
the relevant bodies). Each agency holding a counted complaint brings its case to that
sitting, as any case is brought to a partnership meeting: that convenes a case conference
on it, invites the relevant bodies at the panel (each invitation a share under the
Community Trigger protocol), and gives each attendee their own pack, information requests
and minutes. A locked case's complaint is confirmed, and its case brought, by its lock
members alone: the lead is never told more than which agency holds it.

Recommendations are the review's own (they are about the response to the applicant, and
may fall on an agency with no case): each owned by a relevant body with a due date, told
to that body's managers, and followed until the body marks it done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices
from sharing.access.decide import Actor, Decision
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.models import (
    Agency,
    Case,
    LockMember,
    MeetingSeries,
    MeetingSitting,
    TriggerApplication,
    TriggerCaseRequest,
    TriggerRecommendation,
    User,
)
from sharing.trigger import applications, handling, letters
from sharing.trigger.handling import handled
from sharing.trigger.input_checks import plain_text
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import CalendarExhausted
from sharing.vocabulary import (
    AppealDecision,
    LetterKind,
    NoticeKind,
    Role,
    ThresholdDecision,
)

#: The purpose a review panel's meeting runs under.
PURPOSE = "community_trigger"
MAX_FINDINGS = 5_000
MAX_RECOMMENDATION = 2_000
#: A recommendation is due within this many days of being made, at the latest.
LATEST_DUE_DAYS = 366
#: Who marks a recommendation for their agency done.
COMPLETERS = frozenset({Role.MANAGER, Role.TRIGGER_LEAD})


def _subject(application: TriggerApplication) -> acts.Subject:
    return acts.Subject("trigger_application", application.id)


def _reviewable(application: TriggerApplication) -> None:
    if application.decision not in (ThresholdDecision.MET, ThresholdDecision.DISCRETION):
        raise InputError("decision", "Only an application that meets the threshold is reviewed")


# -- asking the holders -------------------------------------------------------------------


def _holders(session: Session, case: Case) -> list[User]:
    """Who is asked about a counted complaint on ``case``: a locked case's lock members;
    otherwise the case officer and the agency's managers."""
    if case.locked:
        return list(
            session.scalars(
                select(User)
                .join(LockMember, LockMember.user_id == User.id)
                .where(LockMember.case_id == case.id)
            )
        )
    return [case.officer, *notices.managers(session, case.agency_id)]


def ask_holders(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    *,
    now: datetime | None = None,
) -> int:
    """Ask each agency holding a complaint the rules counted (every report of each
    counted incident) to confirm it and bring its case to the review panel: a notice to
    the case officer and managers, or to a locked case's lock members. A case already
    asked is not asked again. How many cases were asked; one audit entry naming them.
    Refused, nothing written and the refusal audited, once the threshold is decided not
    met (``applications.may_ask``)."""
    application = handled(session, actor, procedure, application_id)
    with acts.refusing_input(
        session, acts.Action.TRIGGER_ASK, actor=actor, subject=_subject(application)
    ):
        handling.refuse_if_erased(application, "no agency can be asked about it")
        if not applications.may_ask(application):
            raise InputError(
                "decision",
                "The threshold is not met, so no agency is asked to bring its case to a review",
            )
    now = now or clock.now()
    details = reveal(handling.LEAD, application, handling.DETAILS)
    advice, gathered = applications.advice_for(session, procedure, application, details)
    counted = {c.id for r in advice.rules for c in r.counted}
    reports = [
        report
        for incident in advice.incidents
        if incident.first.id in counted
        for report in incident.reports
    ]
    asked = {r.case_id for r in application.requests}
    cases = dict.fromkeys(
        gathered.held[r.id].case_id for r in reports if gathered.held[r.id].case_id not in asked
    )
    for case_id in cases:
        case = session.get(Case, case_id)
        if case is None:
            continue
        session.add(
            TriggerCaseRequest(
                application=application,
                case_id=case.id,
                agency_id=case.agency_id,
                locked=case.locked,
                asked_at=now,
                asked_by_id=actor.user_id,
            )
        )
        notices.queue(
            session,
            NoticeKind.TRIGGER_REVIEW,
            _holders(session, case),
            reference=case.reference,
            path=f"/cases/{case.id}",
            about=application.review_sitting.starts_at if application.review_sitting else None,
            now=now,
        )
    session.flush()
    acts.record(
        session,
        acts.Action.TRIGGER_ASK,
        actor=actor,
        subject=_subject(application),
        basis=f"cases {acts.ids(sorted(cases))}" if cases else "no case left to ask",
    )
    return len(cases)


# -- the panel ----------------------------------------------------------------------------


def panel_sittings(session: Session, actor: Actor, procedure: Procedure) -> list[MeetingSitting]:
    """Sittings to come of the area's meetings under the Community Trigger purpose."""
    agency = handling.lead_agency(session, actor, procedure, acts.Action.TRIGGER_VIEW)
    return list(
        session.scalars(
            select(MeetingSitting)
            .join(MeetingSeries)
            .where(
                MeetingSeries.area_id == agency.area_id,
                MeetingSeries.purpose == PURPOSE,
                MeetingSitting.starts_at > clock.now(),
            )
            .order_by(MeetingSitting.starts_at, MeetingSitting.id)
        )
    )


def convene(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    sitting_id: int | None,
    *,
    now: datetime | None = None,
) -> MeetingSitting:
    """Put the application before a sitting of a review panel, then ask the holders of
    the counted complaints to bring their cases to it. Refused, with the field and the
    reason, nothing written and the refusal audited: an application not meeting the
    threshold, one already before a panel, a sitting that is not of a Community Trigger
    meeting of the area or has taken place, or a panel with a member of a body that is
    not a relevant body, or with one relevant body only."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # taken twice at once: the second waits
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.TRIGGER_REVIEW, actor=actor, subject=_subject(application)
    ):
        handling.refuse_if_erased(application, "it can no longer go before a panel")
        _reviewable(application)
        if application.review_sitting_id is not None:
            raise InputError(
                handling.ALREADY_DONE,
                "The application is already before a review panel. Nothing was changed.",
            )
        sitting = session.get(MeetingSitting, sitting_id) if sitting_id else None
        if (
            sitting is None
            or sitting.series.area_id != application.lead_agency.area_id
            or sitting.series.purpose != PURPOSE
        ):
            raise InputError("sitting_id", "Choose a sitting of the area's review panel")
        if sitting.starts_at <= now:
            raise InputError("sitting_id", "That sitting has taken place: choose one to come")
        bodies = set()
        for member in sitting.series.members:
            if not procedure.is_relevant(member.user.agency.code, member.user.agency.type):
                raise InputError(
                    "sitting_id",
                    f"{member.user.display_name} of {member.user.agency.name} is on that "
                    f"panel, and {member.user.agency.name} is not a relevant body of the "
                    f"procedure: change the panel's members first",
                )
            bodies.add(member.user.agency_id)
        if len(bodies) < 2:
            raise InputError(
                "sitting_id", "A panel needs members from at least two relevant bodies"
            )
    application.review_sitting = sitting
    application.review_convened_at = now
    application.review_convened_by_id = actor.user_id
    session.flush()
    acts.record(
        session,
        acts.Action.TRIGGER_REVIEW,
        actor=actor,
        subject=_subject(application),
        purpose=PURPOSE,
        basis=f"sitting {sitting.id}",
    )
    ask_holders(session, actor, procedure, application.id, now=now)
    return sitting


# -- recommendations ----------------------------------------------------------------------


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
    relevant body, a due date past or too far, no text."""
    application = handled(session, actor, procedure, application_id)
    now = now or clock.now()
    today = clock.day_of(now)
    with acts.refusing_input(
        session, acts.Action.TRIGGER_RECOMMEND, actor=actor, subject=_subject(application)
    ):
        handling.refuse_if_erased(application, "no recommendation can be recorded on it")
        if on_appeal:
            if application.appeal_received_on is None or application.appeal_decided_on:
                raise InputError("text", "Recommendations on appeal are made while it is heard")
        elif application.review_sitting_id is None or application.outcome_on is not None:
            raise InputError(
                "text",
                "Recommendations are recorded once the panel is convened, before the outcome",
            )
        owner = session.get(Agency, data.owner_agency_id or 0)
        if (
            owner is None
            or owner.area_id != application.lead_agency.area_id
            or not procedure.is_relevant(owner.code, owner.type)
        ):
            raise InputError("owner_agency_id", "Choose the relevant body that will carry it out")
        if data.due_on is None:
            raise InputError("due_on", "Enter the date it is due")
        if data.due_on < today:
            raise InputError("due_on", "The due date cannot be in the past")
        if (data.due_on - today).days > LATEST_DUE_DAYS:
            raise InputError("due_on", "The due date must be within a year")
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
        path=f"/trigger/recommendations#recommendation-{recommendation.id}",
        about=datetime.combine(data.due_on, time(9), clock.PARTNERSHIP_ZONE),
        now=now,
    )
    acts.record(
        session,
        acts.Action.TRIGGER_RECOMMEND,
        actor=actor,
        subject=_subject(application),
        basis=f"recommendation {recommendation.id} for agency {owner.id}"
        + ("; on appeal" if on_appeal else ""),
    )
    return recommendation


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


#: A relevant body's managers see the recommendations addressed to their agency.
_OWNER = Decision(
    allowed=True,
    categories={"actions": "A Community Trigger recommendation addressed to your agency"},
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
                overdue=r.completed_on is None and r.due_on < today,
            )
        )
    return sorted(rows, key=lambda r: r.completed_on is not None)


def open_for_agency(session: Session, actor: Actor) -> tuple[int, int]:
    """How many recommendations for the actor's agency are open, and how many of those
    are overdue (counts only: nothing is read, nothing audited)."""
    due = list(
        session.scalars(
            select(TriggerRecommendation.due_on).where(
                TriggerRecommendation.owner_agency_id == actor.agency_id,
                TriggerRecommendation.completed_on.is_(None),
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
    _may_complete(actor)
    recommendation = session.get(TriggerRecommendation, recommendation_id)
    if recommendation is None or recommendation.owner_agency_id != actor.agency_id:
        raise NotFound(recommendation_id)
    read_for_change(session, recommendation)  # marked done twice at once: the second waits
    now = now or clock.now()
    subject = _subject(recommendation.application)
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


# -- outcome and appeal -------------------------------------------------------------------


def record_outcome(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    findings: str,
    next_steps: str,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """Record the review's outcome, dated today, as the letter to the applicant says it
    (and queue the letter by e-mail if they gave an address). Refused before the panel
    has sat, twice, or without the findings or what happens next."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # taken twice at once: the second waits
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.TRIGGER_OUTCOME, actor=actor, subject=_subject(application)
    ):
        handling.refuse_if_erased(application, "no outcome can be recorded on it")
        sitting = application.review_sitting
        if sitting is None:
            raise InputError("findings", "Convene the review panel first")
        if sitting.starts_at > now:
            raise InputError("findings", "The outcome is recorded after the panel has met")
        if application.outcome_on is not None:
            raise InputError(
                handling.ALREADY_DONE, "The outcome is already recorded. Nothing was changed."
            )
        values = {
            "outcome_findings": plain_text(
                "findings",
                findings,
                MAX_FINDINGS,
                what="what the panel found",
                required="Say what the panel found",
            ),
            "outcome_next_steps": plain_text(
                "next_steps",
                next_steps,
                MAX_FINDINGS,
                what="what happens next",
                required="Say what happens next",
            ),
        }
    application.outcome_on = clock.day_of(now)
    application.outcome_by_id = actor.user_id
    seal_many(application, values)
    session.flush()
    made = [r.id for r in application.recommendations if not r.on_appeal]
    acts.record(
        session,
        acts.Action.TRIGGER_OUTCOME,
        actor=actor,
        subject=_subject(application),
        basis=f"recommendations {acts.ids(made)}" if made else "no recommendations",
    )
    details = reveal(handling.LEAD, application, handling.DETAILS)
    letters.queue(session, application, LetterKind.OUTCOME, details, now)
    return application


def record_appeal(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    received_on: date | None,
    reasons: str,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """Record the applicant's request for an appeal. Refused: before the outcome (or a
    "not met" decision), twice, a date in the future or before the letter, after the
    procedure's time limit (saying the last day), or without the applicant's reasons."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # taken twice at once: the second waits
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.TRIGGER_APPEAL, actor=actor, subject=_subject(application)
    ):
        handling.refuse_if_erased(application, "no appeal can be recorded on it")
        try:
            last = letters.appeal_by(application, procedure)
        except CalendarExhausted as exhausted:
            raise InputError(
                "received_on", f"The last day to appeal cannot be counted: the {exhausted}"
            ) from None
        if last is None:
            raise InputError(
                "received_on", 'An appeal follows the outcome letter or a "not met" decision'
            )
        if application.appeal_received_on is not None:
            raise InputError(
                handling.ALREADY_DONE, "The appeal is already recorded. Nothing was changed."
            )
        if received_on is None:
            raise InputError("received_on", "Enter the date the appeal was received")
        if received_on > clock.day_of(now):
            raise InputError("received_on", "The date received cannot be in the future")
        letter_on = application.outcome_on or clock.day_of(application.decided_at or now)
        if received_on < letter_on:
            raise InputError("received_on", "The appeal cannot be received before the letter")
        if received_on > last:
            raise InputError(
                "received_on",
                f"The time limit was {procedure.appeal.within_working_days} working days: the "
                f"last day to appeal was {last.day} {last:%B %Y}",
            )
        text = plain_text(
            "reasons",
            reasons,
            MAX_FINDINGS,
            what="the applicant's reasons",
            required="Give the applicant's reasons",
        )
    application.appeal_received_on = received_on
    seal_many(application, {"appeal_reasons": text})
    session.flush()
    acts.record(
        session,
        acts.Action.TRIGGER_APPEAL,
        actor=actor,
        subject=_subject(application),
        basis=f"received {received_on.isoformat()}",
    )
    return application


def decide_appeal(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    decision: str,
    findings: str,
    decided_on: date | None,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """Record the appeal body's decision (as the lead receives it) and queue the letter.
    Refused: no appeal received, decided twice, no choice, no findings, a date in the
    future or before the appeal."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # taken twice at once: the second waits
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.TRIGGER_APPEAL_DECIDE, actor=actor, subject=_subject(application)
    ):
        handling.refuse_if_erased(application, "no appeal decision can be recorded on it")
        if application.appeal_received_on is None:
            raise InputError("appeal_decision", "Record the appeal first")
        if application.appeal_decision is not None:
            raise InputError(
                handling.ALREADY_DONE,
                "The appeal decision is already recorded. Nothing was changed.",
            )
        chosen = AppealDecision.of(decision)
        if chosen is None:
            raise InputError("appeal_decision", "Choose the appeal body's decision")
        if decided_on is None:
            raise InputError("decided_on", "Enter the date of the appeal body's decision")
        if decided_on > clock.day_of(now):
            raise InputError("decided_on", "The date cannot be in the future")
        if decided_on < application.appeal_received_on:
            raise InputError("decided_on", "The decision cannot come before the appeal")
        text = plain_text(
            "findings",
            findings,
            MAX_FINDINGS,
            what="the appeal body's findings",
            required="Give the appeal body's findings",
        )
    application.appeal_decision = chosen
    application.appeal_decided_on = decided_on
    seal_many(application, {"appeal_findings": text})
    session.flush()
    acts.record(
        session,
        acts.Action.TRIGGER_APPEAL_DECIDE,
        actor=actor,
        subject=_subject(application),
        basis=chosen.value,
    )
    details = reveal(handling.LEAD, application, handling.DETAILS)
    letters.queue(session, application, LetterKind.APPEAL_DECISION, details, now)
    return application
