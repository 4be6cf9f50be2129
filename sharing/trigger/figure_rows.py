"""What the Community Trigger's published figures read of the lead's applications: plain
columns only (dates, decisions, rule ids, agency ids), never a sealed one.

An application is counted by its threshold decision as it stands. One decided again after
the appeal body upheld (or partly upheld) an appeal against "not met" counts by the
decision made again, and is marked so that the number decided again is given beside; a
"not met" decision sent back and not yet decided again is set aside, so the application
counts as having no decision (still waiting, unless the applicant withdrew it since). An
appeal is of the "not met" decision when the application was decided not met (or decided
again after an appeal against that), and of how the review was carried out otherwise
(``sharing.trigger.appeal_words.of_not_met``, read from plain columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from sharing.models import Agency, TriggerApplication, TriggerBodyCount, TriggerRecommendation
from sharing.trigger.figure_period import Period
from sharing.trigger.handling import SENT_BACK
from sharing.vocabulary import AppealDecision, ThresholdDecision


@dataclass(frozen=True)
class Counted:
    """An application as the figures count it."""

    id: int
    received_on: date
    #: The threshold decision as it stands (None: none yet, or sent back by the appeal
    #: body and not yet decided again).
    decision: ThresholdDecision | None
    rules_met: frozenset[str]
    outcome_on: date | None
    appeal_received_on: date | None
    withdrawn: bool = False
    duplicate: bool = False
    appeal_decided_on: date | None = None
    appeal_withdrawn_on: date | None = None
    appeal_decision: AppealDecision | None = None
    #: The threshold was decided again after an appeal against "not met".
    decided_again: bool = False
    #: The appeal body sent the "not met" decision back, and it is not decided again yet.
    sent_back: bool = False
    #: The appeal (if any) is of a "not met" decision, not of how a review was carried out.
    appeal_of_not_met: bool = False


def applications(session: Session, lead: Agency, period: Period) -> list[Counted]:
    """The lead's applications received, reviewed, appealed, or whose appeal was decided or
    withdrawn in the period, duplicates among them: plain columns only."""
    a = TriggerApplication
    dates = (
        a.received_on,
        a.outcome_on,
        a.appeal_received_on,
        a.appeal_decided_on,
        a.appeal_withdrawn_on,
    )
    rows = session.execute(
        select(
            a.id,
            a.received_on,
            a.decision,
            a.rules_met,
            a.outcome_on,
            a.appeal_received_on,
            a.withdrawn_on,
            a.duplicate_of_id,
            a.appeal_decided_on,
            a.appeal_withdrawn_on,
            a.appeal_decision,
            a.first_decided_at,
        )
        .where(a.lead_agency_id == lead.id)
        .where(or_(*(d.between(period.start, period.last_day) for d in dates)))
        .order_by(a.id)
    )
    return [_counted(row) for row in rows]


def _counted(row: Row[*tuple[Any, ...]]) -> Counted:
    decided_again = row.first_decided_at is not None
    not_met = row.decision is ThresholdDecision.NOT_MET
    sent_back = not_met and not decided_again and row.appeal_decision in SENT_BACK
    return Counted(
        id=row.id,
        received_on=row.received_on,
        decision=None if sent_back else row.decision,
        rules_met=frozenset(filter(None, (row.rules_met or "").split(","))),
        outcome_on=row.outcome_on,
        appeal_received_on=row.appeal_received_on,
        withdrawn=row.withdrawn_on is not None,
        duplicate=row.duplicate_of_id is not None,
        appeal_decided_on=row.appeal_decided_on,
        appeal_withdrawn_on=row.appeal_withdrawn_on,
        appeal_decision=row.appeal_decision,
        decided_again=decided_again,
        sent_back=sent_back,
        appeal_of_not_met=not_met or decided_again,
    )


def recommended(session: Session, ids: list[int]) -> dict[int, set[int]]:
    """Application id → the agencies the review panel made a recommendation for (not
    those made on appeal)."""
    found: dict[int, set[int]] = {}
    for application_id, agency_id in session.execute(
        select(TriggerRecommendation.application_id, TriggerRecommendation.owner_agency_id).where(
            TriggerRecommendation.application_id.in_(ids),
            TriggerRecommendation.on_appeal.is_(False),
        )
    ):
        found.setdefault(application_id, set()).add(agency_id)
    return found


def held(session: Session, ids: list[int]) -> dict[int, set[int]]:
    """Agency id → the applications it held a counted complaint for."""
    held: dict[int, set[int]] = {}
    for application_id, agency_id in session.execute(
        select(TriggerBodyCount.application_id, TriggerBodyCount.agency_id).where(
            TriggerBodyCount.application_id.in_(ids), TriggerBodyCount.complaints > 0
        )
    ):
        held.setdefault(agency_id, set()).add(application_id)
    return held
