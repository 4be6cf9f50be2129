"""The ASB Case Review after the threshold is met: asking the agencies that hold the
counted complaints to confirm them and bring their cases, and the review panel.

The panel is a sitting of one of the area's partnership meetings that runs under the
Community Trigger purpose (set up like any partnership meeting, its standing members from
the relevant bodies). Each agency holding a counted complaint brings its case to that
sitting, as any case is brought to a partnership meeting: that convenes a case conference
on it, invites the relevant bodies at the panel (each invitation a share under the
Community Trigger protocol), and gives each attendee their own pack, information requests
and minutes. A locked case's complaint is confirmed, and its case brought, by its lock
members alone: the lead is never told more than which agency holds it.

The review's recommendations, followed to completion, are
``sharing.trigger.review_recommendations``; its outcome and the appeal
``sharing.trigger.review_outcome``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.clock import day_text
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.models import (
    Case,
    LockMember,
    MeetingSeries,
    MeetingSitting,
    TriggerApplication,
    TriggerCaseRequest,
    User,
)
from sharing.trigger import applications, handling
from sharing.trigger.handling import handled
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import NoticeKind, ThresholdDecision

#: What is said of a review panel's sitting not chosen (or not one of the area's panel).
SITTING_NEEDED = "Select which sitting of the review panel"
#: The purpose a review panel's meeting runs under.
PURPOSE = "community_trigger"


def subject(application: TriggerApplication) -> acts.Subject:
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


def _asked_at(application: TriggerApplication, case: Case) -> str:
    """Where the notice asking about ``case`` leads, one for each application and stage:
    the case, to confirm its complaints; once the panel's sitting is chosen, the form
    that brings the case to it (so a holder asked before then is told the sitting)."""
    page = f"/cases/{case.id}/meetings/bring" if application.review_sitting else f"/cases/{case.id}"
    return f"{page}#trigger-{application.id}"


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
    asked is not asked again, but its holders are told the panel's sitting once it is
    chosen. How many cases were asked; one audit entry naming them.
    Refused, nothing written and the refusal audited, once the threshold is decided not
    met or the review's outcome went, unless an appeal is heard (``applications.may_ask``)."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # asked twice at once: the second waits
    with acts.refusing_input(
        session, acts.Action.TRIGGER_ASK, actor=actor, subject=subject(application)
    ):
        handling.refuse_if_erased(application, "no agency can be asked about it")
        handling.refuse_if_closed(application, "no agency is asked about it")
        if application.outcome_on is not None and not applications.may_ask(application):
            raise InputError(
                handling.ALREADY_DONE,
                "The review's outcome went to the applicant on "
                f"{day_text(application.outcome_on)}, so no agency is asked to bring its case "
                "to it: the review is over.",
            )
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
    asked = [r.case_id for r in application.requests]
    cases = dict.fromkeys(
        gathered.held[r.id].case_id for r in reports if gathered.held[r.id].case_id not in asked
    )
    for case_id in [*asked, *cases]:
        case = session.get(Case, case_id)
        if case is not None and case_id in cases:
            # Read again under a lock, as erasing it locks it: a manager erasing it at
            # this moment finishes first and it is not asked about, or waits and finds it
            # held by this review (``sharing.cases.erasure.reviews_holding``).
            read_for_change(session, case)
        if case is None or case.erased_at is not None:
            continue
        if case_id in cases:
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
            path=_asked_at(application, case),
            about=application.review_sitting.starts_at if application.review_sitting else None,
            now=now,
        )
    session.flush()
    acts.record(
        session,
        acts.Action.TRIGGER_ASK,
        actor=actor,
        subject=subject(application),
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
        session, acts.Action.TRIGGER_REVIEW, actor=actor, subject=subject(application)
    ):
        handling.refuse_if_erased(application, "it can no longer go before a panel")
        handling.refuse_if_closed(application, "it does not go before a panel")
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
            raise InputError("sitting_id", SITTING_NEEDED)
        if sitting.starts_at <= now:
            raise InputError("sitting_id", "That sitting has taken place: select one to come")
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
        subject=subject(application),
        purpose=PURPOSE,
        basis=f"sitting {sitting.id}",
    )
    ask_holders(session, actor, procedure, application.id, now=now)
    return sitting
