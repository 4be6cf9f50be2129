"""Actions the demo's landlords marked done in the last few days, so that each landlord's
"Actions" list has something under "Closed in the last 30 days" beside the police's
patrols (``sharing.demo.conferences``): on each landlord's own open case, the action of
its own due soonest, of a kind with a note below, marked done four days ago by the officer
it was given to (or the case's officer), saying what was done. Each through
``closing_actions.close_action``, with the clock held then."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.cases import closing_actions
from sharing.demo.steps import at, at_hour, weekday
from sharing.models import Action, Agency, Case
from sharing.vocabulary import ActionKind, ActionStatus, AgencyType, CaseStatus

#: What the officer wrote was done, for the kinds of action the demo marks done.
DONE_NOTES = {
    ActionKind.WARNING_LETTER: "Warning letter hand-delivered; the tenant called back and "
    "said they understood what must stop.",
    ActionKind.PERPETRATOR_VISIT: "Visited with a colleague; the tenant accepted the "
    "complaints and agreed to keep the noise down after 11pm.",
    ActionKind.EARLY_INTERVENTION_HOUSING: "Spoke to both households at home and agreed "
    "what each will do; to check back in a fortnight.",
    ActionKind.VICTIM_SUPPORT: "Fitted a door viewer and a door chain, and gave the "
    "victim the out-of-hours number.",
    ActionKind.MEDIATION: "Referred to the mediation service, who have seen both "
    "households and booked a joint meeting.",
}


def mark_some_done(session: Session, today: date) -> int:
    """On each landlord, mark one action of its own done four days before ``today``; how
    many were marked."""
    day = weekday(today - timedelta(days=4))
    moment = at_hour(day, 15)
    landlords = session.scalars(
        select(Agency).where(Agency.type == AgencyType.LANDLORD).order_by(Agency.id)
    )
    marked = 0
    for landlord in landlords:
        action = session.scalars(
            select(Action)
            .join(Case, Case.id == Action.case_id)
            .where(
                Case.agency_id == landlord.id,
                Case.status == CaseStatus.ACTIVE,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
                Action.owner_agency_id == landlord.id,
                Action.status == ActionStatus.OPEN,
                Action.conference_id.is_(None),
                Action.kind.in_(DONE_NOTES),
                Action.created_at < moment,
            )
            .order_by(Action.due_on, Action.id)
        ).first()
        if action is None:
            continue
        officer = action.owner_user or action.case.officer
        with at(moment) as now:
            closing_actions.close_action(
                session,
                Actor.of(officer),
                action.id,
                done=True,
                note=DONE_NOTES[action.kind],
                now=now,
            )
        marked += 1
    return marked
