"""Emergency accesses to a DPO's agency's cases for review, with how often each case was
opened under them, from the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.audit.trail import day_start, require_dpo
from sharing.models import AuditEntry, BreakGlass, Case, User


@dataclass(frozen=True)
class EmergencyAccessRow:
    id: int
    case_id: int
    case_reference: str
    user: str
    agency: str
    protocol: str
    clause: str
    started_at: datetime
    expires_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
    #: Times the user opened the case under this emergency access (its page, a document,
    #: a conference's page or pack on it), from the log.
    views: int


def emergency_accesses(
    session: Session, actor: Actor, since: date, until: date
) -> list[EmergencyAccessRow]:
    """Every emergency access to the DPO's agency's cases that started in the period, with
    its review and how many times the case was opened under it (newest first)."""
    require_dpo(session, actor, acts.Action.BREAK_GLASS_LIST_VIEW)
    accesses = list(
        session.scalars(
            select(BreakGlass)
            .join(Case, Case.id == BreakGlass.case_id)
            .where(
                Case.agency_id == actor.agency_id,
                BreakGlass.started_at >= day_start(since),
                BreakGlass.started_at < day_start(until + timedelta(days=1)),
            )
            .options(
                contains_eager(BreakGlass.case),  # the case joined above
                joinedload(BreakGlass.user).joinedload(User.agency),
                joinedload(BreakGlass.protocol),
                joinedload(BreakGlass.reviewed_by),
            )
            .order_by(BreakGlass.started_at.desc(), BreakGlass.id.desc())
        )
    )
    counts = _views_under(session, [g.id for g in accesses])
    result = []
    for glass in accesses:
        views = counts.get(glass.id, 0)
        result.append(
            EmergencyAccessRow(
                id=glass.id,
                case_id=glass.case_id,
                case_reference=glass.case.reference,
                user=glass.user.display_name,
                agency=glass.user.agency.name,
                protocol=f"{glass.protocol.title} (version {glass.protocol.version})",
                clause=glass.clause,
                started_at=glass.started_at,
                expires_at=glass.expires_at,
                reviewed_at=glass.reviewed_at,
                reviewed_by=glass.reviewed_by.display_name if glass.reviewed_by else None,
                views=views or 0,
            )
        )
    acts.record(
        session,
        acts.Action.BREAK_GLASS_LIST_VIEW,
        actor=actor,
        subject=acts.Subject("break_glass"),
        basis=f"from {since.isoformat()} to {until.isoformat()}: emergency accesses "
        f"{acts.ids([r.id for r in result])}",
    )
    return result


def _views_under(session: Session, glass_ids: list[int]) -> dict[int, int]:
    """How many times each emergency access's user opened its case under it (its page, a
    document, or a conference's page or pack on it), in one query."""
    if not glass_ids:
        return {}
    case_id = cast(BreakGlass.case_id, String)
    opened = or_(
        and_(
            AuditEntry.action == acts.Action.CASE_VIEW.value,
            AuditEntry.object_type == "case",
            AuditEntry.object_id == case_id,
        ),
        and_(
            AuditEntry.action.in_(
                [acts.Action.CONFERENCE_VIEW.value, acts.Action.CONFERENCE_PACK.value]
            ),
            AuditEntry.object_type == "conference",
            AuditEntry.basis.like("case " + case_id + ";%"),
        ),
    )
    found = session.execute(
        select(BreakGlass.id, func.count(AuditEntry.seq))
        .join(
            AuditEntry,
            and_(
                AuditEntry.actor_user_id == BreakGlass.user_id,
                AuditEntry.at >= BreakGlass.started_at,
                AuditEntry.at <= BreakGlass.expires_at,
            ),
        )
        .where(
            BreakGlass.id.in_(glass_ids),
            opened,
            AuditEntry.outcome == acts.Outcome.ALLOWED.value,
            AuditEntry.basis.like("%Emergency access%"),
        )
        .group_by(BreakGlass.id)
    )
    return {glass_id: count for glass_id, count in found}
