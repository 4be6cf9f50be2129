"""Break-glass: time-limited emergency access (risk to life) to a case that is not locked,
under an emergency protocol clause, with a stated reason; the owning agency's managers
and data protection officers are alerted, and a manager reviews every use afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from sharing import clock, notices
from sharing.access.authorise import authorise, own_cases_where
from sharing.access.decide import Act, Actor, decide
from sharing.access.facts import facts_of, policy
from sharing.access.reveal import reveal_one
from sharing.audit import acts
from sharing.crypto.data_keys import data_key_for, destroy_data_key, load_data_keys
from sharing.crypto.sealing import seal
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import tidied
from sharing.models import Agency, Alert, BreakGlass, Case, DataKey, User
from sharing.protocols import EMERGENCY_PURPOSE
from sharing.vocabulary import AlertKind, NoticeKind, Role

DEFAULT_HOURS = 4
#: How many years the record of an emergency access (with its stated reason) is kept: the
#: emergency protocol's retention.
KEPT_YEARS = 6
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
    reason = tidied(reason)
    if len(reason) < MIN_REASON:
        raise acts.refused(
            session,
            acts.Action.BREAK_GLASS,
            actor=actor,
            reason="refused input: reason",
            answer=InputError(
                "reason",
                "Say what the risk to life is and why you need the case now "
                f"(at least {MIN_REASON} characters)",
            ),
        )
    case_id = session.scalar(select(Case.id).where(Case.reference == reference.strip().upper()))
    if case_id is None:
        # The typed reference is not recorded: it may not be a reference at all.
        raise acts.refused(
            session,
            acts.Action.BREAK_GLASS,
            actor=actor,
            reason=acts.NO_SUCH_CASE,
            answer=NotFound(reference),
        )
    try:
        authorised = authorise(session, actor, case_id, Act.BREAK_GLASS)
    except NotAllowed as refusal:
        if refusal.own_agency:
            raise InputError(
                "reference", "This is your own agency's case: open it from your case list"
            ) from None
        raise
    case, clause = authorised.case, authorised.decision.emergency_clause
    assert clause is not None  # noqa: S101 - an allowed break-glass names its clause
    grant = next(
        g
        for g in policy(session).emergency_grants(actor.agency_id)
        if (g.protocol_id, g.clause) == clause
    )
    glass = BreakGlass(
        case=case,
        user_id=actor.user_id,
        protocol_id=grant.protocol_id,
        clause=grant.clause,
        started_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(glass)
    data_key_for(session, glass)  # its own: the record outlives the case's erasure
    seal(glass, "reason", reason)
    session.flush()
    user = session.get(User, actor.user_id)
    agency = session.get(Agency, actor.agency_id)
    message = (
        f"Emergency access to case {case.reference} by {user.display_name if user else 'a user'} "
        f"({agency.name if agency else 'a partner'}) until {clock.moment_text(glass.expires_at)}: review it"
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
    told = [
        u
        for u in session.scalars(
            select(User).where(User.agency_id == case.agency_id, User.active).order_by(User.id)
        )
        if {Role.MANAGER, Role.DPO} & u.roles
    ]
    notices.queue(
        session,
        NoticeKind.EMERGENCY_ACCESS,
        told,
        reference=case.reference,
        path=f"/emergency/reviews#access-{glass.id}",
        now=now,
    )
    acts.record(
        session,
        acts.Action.BREAK_GLASS,
        actor=actor,
        subject=acts.Subject("case", case.id),
        purpose=EMERGENCY_PURPOSE,
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
    if glass is None:
        raise acts.refused(
            session,
            acts.Action.BREAK_GLASS_REVIEW,
            actor=actor,
            subject=acts.Subject("break_glass", glass_id),
            reason="no such emergency access to your agency's cases",
            answer=NotFound(glass_id),
        )
    authorise(session, actor, glass.case_id, Act.REVIEW_BREAK_GLASS)
    read_for_change(session, glass)  # reviewed twice at once: the second waits, then sees it
    # Its values' key is gone (an access recorded before it had a key of its own, to a
    # case erased since), so no note can be kept; the review is still recorded (who,
    # when), so the access does not wait for review for ever.
    erased = glass.erased
    note = tidied(note)
    with acts.refusing_input(
        session,
        acts.Action.BREAK_GLASS_REVIEW,
        actor=actor,
        subject=acts.Subject("case", glass.case_id),
        what=f"emergency access {glass.id}",
    ):
        if glass.reviewed_at is not None:
            raise InputError("note", "This emergency access has already been reviewed")
        if not erased and len(note) < 10:
            raise InputError("note", "Record what the review found (at least 10 characters)")
    glass.reviewed_at = now or clock.now()
    glass.reviewed_by_id = actor.user_id
    if not erased:
        seal(glass, "review_note", note)
    session.flush()
    acts.record(
        session,
        acts.Action.BREAK_GLASS_REVIEW,
        actor=actor,
        subject=acts.Subject("case", glass.case_id),
        basis=f"emergency access {glass.id} by user {glass.user_id}"
        + ("; its record is erased: no note kept" if erased else ""),
    )
    return glass


@dataclass(frozen=True)
class WaitingReview:
    """An emergency access waiting for review, with the reason its user gave."""

    glass: BreakGlass
    reason: str | None


def to_review(session: Session, actor: Actor) -> list[WaitingReview]:
    """Emergency accesses to the actor's agency's cases still waiting for review, with
    their reasons (for the agency's managers and data protection officers)."""
    waiting = list(
        session.scalars(
            select(BreakGlass)
            .join(Case, Case.id == BreakGlass.case_id)
            .where(own_cases_where(actor, Act.SEE_BREAK_GLASS), BreakGlass.reviewed_at.is_(None))
            .options(
                contains_eager(BreakGlass.case),  # the case joined above
                joinedload(BreakGlass.user).joinedload(User.agency),
            )
            .order_by(BreakGlass.started_at, BreakGlass.id)
        )
    )
    now = clock.now()
    facts = facts_of(session, {g.case_id for g in waiting})
    load_data_keys(session, {g.data_key_id or g.case.data_key_id for g in waiting})  # at once
    items = [
        WaitingReview(
            g,
            reveal_one(decide(actor, facts[g.case_id], Act.SEE_BREAK_GLASS, now=now), g, "reason"),
        )
        for g in waiting
    ]
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
    return items


def sweep(session: Session, today: date) -> int:
    """Erase the reason and review note of every emergency access that started more than
    ``KEPT_YEARS`` before ``today``, by destroying its data key (each recorded as the
    hub's own act); how many. The record that it happened (who, which case, when, under
    which clause, who reviewed it) stays, as do its audit entries."""
    cutoff = datetime.combine(clock.years_after(today, -KEPT_YEARS), time(), clock.PARTNERSHIP_ZONE)
    ended = session.scalars(
        select(BreakGlass)
        .join(DataKey, DataKey.id == BreakGlass.data_key_id)
        .where(BreakGlass.started_at < cutoff, DataKey.wrapped.is_not(None))
        .order_by(BreakGlass.id)
    ).all()
    for glass in ended:
        destroy_data_key(session, glass)
        acts.record(
            session,
            acts.Action.BREAK_GLASS_ERASE,
            subject=acts.Subject("case", glass.case_id),
            basis=f"emergency access {glass.id}: {KEPT_YEARS} years kept; data key destroyed",
        )
    return len(ended)
