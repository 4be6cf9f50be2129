"""Sharing a case with a partner agency under an active protocol, for a purpose, until a
date; revoking it; and the lists of shares on a case and shared with an agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.access.decide import Act, Actor
from sharing.access.facts import policy
from sharing.audit import acts
from sharing.cases.casework import get_case
from sharing.errors import InputError, NotAllowed
from sharing.models import Agency, Case, ProtocolRecord, Share
from sharing.vocabulary import ProtocolStatus, ShareOrigin


def share_case(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    agency_id: int,
    protocol_id: int,
    purpose: str,
    until: date,
    origin: ShareOrigin = ShareOrigin.MANUAL,
    now: datetime | None = None,
) -> Share:
    """The owning agency shares a case. Refused, with the field and reason, under a
    protocol that is not active, to an agency the protocol gives nothing for the purpose,
    past the protocol's end, or for a locked case."""
    case = get_case(session, actor, case_id, Act.RECORD)
    today = (now or clock.now()).date()
    if case.locked:
        reason = "a locked case cannot be shared: it is restricted to its named users"
        acts.refuse(
            session,
            acts.Action.SHARE,
            actor=actor,
            subject=acts.Subject("case", case.id),
            reason=reason,
        )
        raise NotAllowed(reason)
    agency = session.get(Agency, agency_id)
    if agency is None or agency.id == case.agency_id or agency.area_id != case.agency.area_id:
        raise InputError("agency_id", "Choose a partner agency to share with")
    protocol = session.get(ProtocolRecord, protocol_id)
    if protocol is None:
        raise InputError("protocol_id", "Choose a protocol")
    if (
        protocol.status is not ProtocolStatus.ACTIVE
        or not protocol.start_on <= today <= protocol.end_on
    ):
        state = "has expired" if today > protocol.end_on else f"is {protocol.status.label.lower()}"
        raise InputError(
            "protocol_id",
            f"{protocol.title} (version {protocol.version}) {state}: share only under an active protocol",
        )
    grants = [g for g in policy(session).grants(agency.id, purpose) if g.protocol_id == protocol.id]
    if not grants:
        raise InputError(
            "agency_id",
            f"{agency.name} is not a party that may receive case data for {purpose} under {protocol.title}",
        )
    if until < today:
        raise InputError("until", "The share must last until today or later")
    if until > protocol.end_on:
        raise InputError(
            "until",
            f"The share cannot outlast the protocol, which ends on {protocol.end_on.isoformat()}",
        )
    share = Share(
        case_id=case.id,
        agency_id=agency.id,
        protocol_id=protocol.id,
        purpose=purpose,
        until=until,
        origin=origin,
        created_by_id=actor.user_id,
        created_at=now or clock.now(),
    )
    session.add(share)
    session.flush()
    acts.record(
        session,
        acts.Action.SHARE,
        actor=actor,
        subject=acts.Subject("case", case.id),
        purpose=purpose,
        basis=(
            f"share {share.id} with agency {agency.id} under protocol {protocol.key} "
            f"version {protocol.version} until {until.isoformat()} ({origin.value})"
        ),
    )
    return share


def revoke_share(
    session: Session, actor: Actor, share_id: int, now: datetime | None = None
) -> Share:
    """End a share at once (its access stops with it)."""
    share = session.get(Share, share_id)
    if share is None:
        raise InputError("share", "That share does not exist")
    get_case(session, actor, share.case_id, Act.RECORD)
    if share.revoked_at is None:
        share.revoked_at = now or clock.now()
        share.revoked_by_id = actor.user_id
        session.flush()
        acts.record(
            session,
            acts.Action.SHARE_REVOKE,
            actor=actor,
            subject=acts.Subject("case", share.case_id),
            purpose=share.purpose,
            basis=f"share {share.id} with agency {share.agency_id}",
        )
    return share


@dataclass(frozen=True)
class ShareRow:
    id: int
    case_id: int
    case_reference: str
    agency: str
    owner_agency: str
    protocol: str
    protocol_version: int
    purpose: str
    until: date
    shared_by: str
    shared_at: datetime
    origin: str
    live: bool
    revoked_at: datetime | None


def _row(share: Share, case: Case, today: date) -> ShareRow:
    return ShareRow(
        id=share.id,
        case_id=case.id,
        case_reference=case.reference,
        agency=share.agency.name,
        owner_agency=case.agency.name,
        protocol=share.protocol.title,
        protocol_version=share.protocol.version,
        purpose=share.purpose,
        until=share.until,
        shared_by=share.created_by.display_name,
        shared_at=share.created_at,
        origin=share.origin.label,
        live=share.revoked_at is None
        and today <= share.until
        and share.protocol.status is ProtocolStatus.ACTIVE,
        revoked_at=share.revoked_at,
    )


def case_shares(session: Session, case: Case, today: date) -> list[ShareRow]:
    """Every share of a case, newest first (for its owning agency)."""
    shares = session.scalars(
        select(Share)
        .where(Share.case_id == case.id)
        .options(
            selectinload(Share.agency), selectinload(Share.protocol), selectinload(Share.created_by)
        )
        .order_by(Share.created_at.desc())
    )
    return [_row(s, case, today) for s in shares]


def shared_with(session: Session, actor: Actor, today: date) -> list[ShareRow]:
    """Live shares with the actor's agency, newest first; locked cases never appear."""
    shares = session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.agency_id == actor.agency_id,
            Share.revoked_at.is_(None),
            Share.until >= today,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .options(
            selectinload(Share.agency), selectinload(Share.protocol), selectinload(Share.created_by)
        )
        .order_by(Share.created_at.desc())
    )
    rows = []
    for share in shares:
        case = session.get(Case, share.case_id)
        if case is not None:
            row = _row(share, case, today)
            if row.live:
                rows.append(row)
    return rows
