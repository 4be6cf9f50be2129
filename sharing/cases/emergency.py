"""Break-glass: time-limited emergency access (risk to life) to a case that is not locked,
under an emergency protocol clause, with a stated reason; the owning agency's managers
and data protection officers are alerted, and a manager reviews every use afterwards."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.access.facts import policy
from sharing.audit import acts
from sharing.crypto.sealing import seal
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.models import Agency, Alert, BreakGlass, Case, User
from sharing.vocabulary import AlertKind, Role

DEFAULT_HOURS = 4
MIN_REASON = 20


def break_glass(
    session: Session,
    actor: Actor,
    reference: str,
    reason: str,
    *,
    hours: int = DEFAULT_HOURS,
    now: datetime | None = None,
) -> BreakGlass:
    """Open emergency access to the case with ``reference``."""
    now = now or clock.now()
    if len(reason.strip()) < MIN_REASON:
        raise InputError(
            "reason",
            f"Say what the risk to life is and why you need the case now (at least {MIN_REASON} characters)",
        )
    case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None or case.locked or case.erased_at is not None:
        # A locked case is not to be confirmed to exist. The typed reference is not
        # recorded: it may not be a reference at all.
        acts.refuse(
            session,
            acts.Action.BREAK_GLASS,
            actor=actor,
            reason="no such case open to emergency access",
        )
        raise NotFound(reference)
    if case.agency_id == actor.agency_id:
        raise InputError(
            "reference", "This is your own agency's case: open it from your case list"
        )
    grant = next(
        (
            g
            for g in policy(session).emergency_grants(actor.agency_id)
            if g.applies(actor.roles, case.priority, now.date())
        ),
        None,
    )
    if grant is None:
        refusal = "no emergency clause of an active protocol covers your agency and role"
        acts.refuse(
            session,
            acts.Action.BREAK_GLASS,
            actor=actor,
            subject=acts.Subject("case", case.id),
            reason=refusal,
        )
        raise NotAllowed(refusal)
    glass = BreakGlass(
        case=case,
        user_id=actor.user_id,
        protocol_id=grant.protocol_id,
        clause=grant.clause,
        started_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(glass)
    seal(glass, "reason", reason.strip())
    session.flush()
    user = session.get(User, actor.user_id)
    agency = session.get(Agency, actor.agency_id)
    message = (
        f"Emergency access to case {case.reference} by {user.display_name if user else 'a user'} "
        f"({agency.name if agency else 'a partner'}) until {glass.expires_at:%d %b %Y %H:%M} UTC: review it"
    )
    for role in (Role.MANAGER, Role.DPO):
        session.add(
            Alert(
                agency_id=case.agency_id,
                role=role,
                kind=AlertKind.BREAK_GLASS,
                message=message,
                case_id=case.id,
                break_glass_id=glass.id,
            )
        )
    session.flush()
    acts.record(
        session,
        acts.Action.BREAK_GLASS,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=(
            f"emergency access {glass.id} until {glass.expires_at.isoformat(timespec='minutes')}: "
            f"{grant.basis}"
        ),
    )
    return glass


def review(
    session: Session, actor: Actor, glass_id: int, note: str, now: datetime | None = None
) -> BreakGlass:
    """A manager of the owning agency records their review of an emergency access."""
    glass = session.get(BreakGlass, glass_id)
    mine = glass is not None and glass.case.agency_id == actor.agency_id
    if not mine or not actor.has(Role.MANAGER):
        refusal = (
            "only a manager of the owning agency reviews emergency access"
            if mine
            else "no such emergency access to your agency's cases"
        )
        acts.refuse(
            session,
            acts.Action.BREAK_GLASS_REVIEW,
            actor=actor,
            subject=acts.Subject("break_glass", glass_id),
            reason=refusal,
        )
        if not mine:
            raise NotFound(glass_id)
        raise NotAllowed(refusal)
    assert glass is not None  # noqa: S101 - refused above when missing
    if glass.reviewed_at is not None:
        raise InputError("note", "This emergency access has already been reviewed")
    if len(note.strip()) < 10:
        raise InputError("note", "Record what the review found (at least 10 characters)")
    glass.reviewed_at = now or clock.now()
    glass.reviewed_by_id = actor.user_id
    seal(glass, "review_note", note.strip())
    session.flush()
    acts.record(
        session,
        acts.Action.BREAK_GLASS_REVIEW,
        actor=actor,
        subject=acts.Subject("case", glass.case_id),
        basis=f"emergency access {glass.id} by user {glass.user_id}",
    )
    return glass


def to_review(session: Session, actor: Actor) -> list[BreakGlass]:
    """Emergency accesses to the actor's agency's cases still waiting for review."""
    if not actor.has(Role.MANAGER, Role.DPO):
        return []
    waiting = list(
        session.scalars(
            select(BreakGlass)
            .join(Case, Case.id == BreakGlass.case_id)
            .where(Case.agency_id == actor.agency_id, BreakGlass.reviewed_at.is_(None))
            .order_by(BreakGlass.started_at)
        )
    )
    acts.record(
        session,
        acts.Action.BREAK_GLASS_LIST_VIEW,
        actor=actor,
        subject=acts.Subject("break_glass"),
        basis=(
            f"emergency accesses {acts.ids([g.id for g in waiting])}; "
            f"cases {acts.ids(sorted({g.case_id for g in waiting}))}"
        ),
    )
    return waiting
