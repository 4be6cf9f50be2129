"""The actions an agency owns that were closed lately (marked done, cancelled, or closed
with their case), newest first: the foot of the "actions for my agency" list, where the
e-mail telling a partner agency that its actions closed with a case links
(``closed-with-case-<case id>``), so that the agency sees what became of them.

A row shows what the open list shows of its action, by the same rules: its kind, when
and how it was closed, and the case's agency always; the case's reference, and what was
done or why it was cancelled, only as the reader's decision on the case allows (a partner
whose share ended with the case sees neither); an action on a case now locked to others
says nothing of the case. An erased case's actions are never listed. Listing any is
recorded (``actions.closed``, apart from the open list's ``actions.list``), naming the
actions and the cases whose actions it showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.access.authorise import CaseDecisions
from sharing.access.decide import Actor
from sharing.access.reveal import load_data_keys, reveal_one
from sharing.audit import acts
from sharing.cases.agency_actions import (
    ACTION_ROLES,
    best_decision,
    is_restricted,
    owned_where,
    record_withheld,
    withheld_from,
)
from sharing.models import Action, Case
from sharing.vocabulary import ActionStatus

#: How long a closed action stays at the foot of the list.
CLOSED_DAYS = 30
#: How many closed actions the list shows at most (the newest).
CLOSED_SHOWN = 25


@dataclass(frozen=True)
class ClosedAction:
    """One action of the agency closed lately, as the reader may see it."""

    id: int
    kind: str
    #: "Done", "Cancelled" or "Closed with the case".
    status: str
    #: Marked done (not cancelled, nor closed with its case).
    done: bool
    closed_with_case: bool
    closed_on: date
    #: The day it was done, when marked done on an earlier day than it was recorded.
    done_on: date | None
    #: Who closed it (not said on a case now locked to others).
    closed_by: str | None
    #: The case's number, for the row's anchor only (the e-mail's link names it).
    case_id: int
    case_agency: str
    #: The case's reference and the purpose to open it for, when the reader may open it.
    case_reference: str | None
    purpose: str | None
    #: What was done, or why it was cancelled, when the reader's decision gives them the
    #: "actions" category, and the basis it does.
    outcome: str | None
    basis: str | None
    restricted: bool


def closed_lately(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> list[ClosedAction]:
    """The actions the actor's agency owns closed in the last ``CLOSED_DAYS`` days, the
    newest ``CLOSED_SHOWN`` first, decided for their cases at once and, when there are
    any, recorded as one audit entry. Nothing (and nothing recorded) for anyone but a
    case officer or manager, whom the list itself refuses."""
    if not actor.has(*ACTION_ROLES):
        return []
    now = now or clock.now()
    actions = list(
        session.scalars(
            select(Action)
            .join(Case, Case.id == Action.case_id)
            .where(
                *owned_where(actor),
                Action.status != ActionStatus.OPEN,
                Action.closed_at >= clock.days_before(now, CLOSED_DAYS),
            )
            .options(
                selectinload(Action.closed_by),
                selectinload(Action.case).selectinload(Case.agency),
            )
            .order_by(Action.closed_at.desc(), Action.id.desc())
            .limit(CLOSED_SHOWN)
        )
    )
    if not actions:
        return []
    load_data_keys(session, {a.case.data_key_id for a in actions})
    decisions = CaseDecisions(session, actor, {a.case_id for a in actions}, now)
    rows, shown_cases = [], set()
    withheld: dict[int, tuple[str, list[int]]] = {}
    for action in actions:
        case = action.case
        restricted = is_restricted(decisions, case)
        decision, purpose = (None, None) if restricted else best_decision(decisions, case)
        outcome = basis = None
        why_not = withheld_from(decision, restricted)
        if decision is not None and why_not is None:
            outcome = reveal_one(decision, action, "outcome_note")
            basis = decision.categories["actions"]
            shown_cases.add(case.id)
        elif why_not is not None:
            withheld.setdefault(case.id, (why_not, []))[1].append(action.id)
        if action.closed_at is None:  # never: the query chose those closed since a day
            continue
        rows.append(
            ClosedAction(
                id=action.id,
                kind=action.kind.label,
                status=action.status_label,
                done=action.status is ActionStatus.DONE,
                closed_with_case=action.closed_with_case,
                closed_on=clock.day_of(action.closed_at),
                done_on=action.completed_on
                if action.completed_on != clock.day_of(action.closed_at)
                else None,
                closed_by=None
                if restricted or action.closed_by is None
                else action.closed_by.display_name,
                case_id=case.id,
                case_agency=case.agency.name,
                case_reference=case.reference if decision else None,
                purpose=purpose,
                outcome=outcome,
                basis=basis,
                restricted=restricted,
            )
        )
    acts.record(
        session,
        acts.Action.ACTIONS_CLOSED_LIST,
        actor=actor,
        subject=acts.Subject("agency", actor.agency_id),
        basis=f"actions {acts.ids([r.id for r in rows])}; cases {acts.ids(sorted(shown_cases))}",
    )
    record_withheld(session, actor, acts.Action.ACTIONS_CLOSED_LIST, withheld)
    return rows
