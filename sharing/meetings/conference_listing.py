"""The case conferences a reader may open, and the list of those their agency convened or
is invited to, soonest first (no audit entry: a list names the conferences, their pages
record the view).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, selectinload

from sharing import clock
from sharing.access.authorise import chair_decision_on, decision_on
from sharing.access.decide import Act, Actor
from sharing.access.facts import CaseFacts, facts_of
from sharing.meetings import minute_writing
from sharing.models import Case, Conference, ConferenceInvitation
from sharing.vocabulary import ConferenceStatus


def visible(
    session: Session,
    actor: Actor,
    conference: Conference,
    *,
    known: Mapping[int, CaseFacts] | None = None,
) -> bool:
    """Whether the actor may open the conference: the owning agency's staff who may see
    the case, its chair, or an invited agency's through the invitation's share (no audit entry: a
    listing names the conference, the page records the view). A list passes its cases'
    facts as ``known`` (``decision_on``)."""
    own = conference.case.agency_id == actor.agency_id
    if not own and actor.agency_id not in conference.at_the_table:
        return False
    if own and minute_writing.is_chair(actor, conference):
        decision = chair_decision_on(
            session,
            actor,
            conference.case_id,
            conference.purpose,
            conference.chair_reads_until,
            known=known,
        )
        return decision is not None and decision.allowed
    purpose = None if own else conference.purpose
    decision = decision_on(session, actor, conference.case_id, Act.VIEW, purpose, known=known)
    return decision is not None and decision.allowed


@dataclass(frozen=True)
class ConferenceRow:
    id: int
    case_id: int
    case_reference: str
    starts_at: datetime
    convening_agency: str
    where: str
    status: ConferenceStatus
    #: Why it was cancelled on its own or with its case, and the canceller's note for
    #: the convening agency alone.
    cancel_reason: str | None = None
    cancel_note: str | None = None


def conferences_for(session: Session, actor: Actor, *, since: datetime) -> list[ConferenceRow]:
    """Conferences from ``since`` that the actor's agency convened or is invited to (with
    the invitation standing), soonest first; each one the actor may see the case of."""
    invited = select(ConferenceInvitation.conference_id).where(
        ConferenceInvitation.agency_id == actor.agency_id,
        ConferenceInvitation.standing(clock.today()),
    )
    found = session.scalars(
        select(Conference)
        .join(Case, Case.id == Conference.case_id)
        .where(
            Conference.starts_at >= since,
            (Case.agency_id == actor.agency_id) | Conference.id.in_(invited),
        )
        .options(
            contains_eager(Conference.case).joinedload(Case.agency),  # the case joined above
            selectinload(Conference.invitations),
        )
        .order_by(Conference.starts_at, Conference.id)
    ).all()
    known = facts_of(session, {c.case_id for c in found})
    rows = []
    for conference in found:
        if not visible(session, actor, conference, known=known):
            continue
        rows.append(
            ConferenceRow(
                id=conference.id,
                case_id=conference.case_id,
                case_reference=conference.case.reference,
                starts_at=conference.starts_at,
                convening_agency=conference.case.agency.name,
                where=conference.place or "Video call",
                status=conference.status,
                cancel_reason=(
                    conference.cancel_reason.label if conference.cancel_reason else None
                ),
                cancel_note=(
                    conference.cancel_note if conference.case.agency_id == actor.agency_id else None
                ),
            )
        )
    return rows
