"""A protocol's life in the hub: imported as a draft, signed by each party's signatory,
active once every party has signed (in force from its start date), suspended by a party's
DPO, superseded by a new version from the day that one starts, expired at its end date;
the parties' DPOs are told when a review falls due (``sweep``).

Only a valid file is ever imported (``sharing.protocols.parse_protocol``); the record keeps
the file exactly as signed. What is in force, and for which purposes, is
``sharing.protocols.records``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import checked_text
from sharing.models import Agency, Alert, Case, ProtocolRecord, ProtocolSignature, Share
from sharing.protocols import ProtocolInvalid, parse_protocol
from sharing.protocols.records import (
    PROTOCOL_ADMINS,
    known_agencies,
    party_agencies,
    signed_versions,
)
from sharing.vocabulary import AlertKind, ProtocolStatus, Role, SuspensionReason


def import_protocol(
    session: Session, actor: Actor, text: str, source: str, now: datetime | None = None
) -> ProtocolRecord:
    """Import a valid protocol file as a draft (ProtocolInvalid lists every problem).
    A file refused is recorded too, with how many problems it has (never its text)."""
    if not actor.has(*PROTOCOL_ADMINS):
        refusal = "only data protection officers import protocols"
        raise acts.refused(session, acts.Action.PROTOCOL_IMPORT, actor=actor, reason=refusal)
    try:
        parsed = parse_protocol(text, source=source, known_agencies=known_agencies(session))  # type: ignore[arg-type]
    except ProtocolInvalid as invalid:
        count = len(invalid.problems)
        reason = f"refused input: file ({count} problem{'' if count == 1 else 's'})"
        raise acts.refused(
            session, acts.Action.PROTOCOL_IMPORT, actor=actor, reason=reason, answer=invalid
        ) from None
    latest = session.scalar(
        select(func.max(ProtocolRecord.version)).where(ProtocolRecord.key == parsed.id)
    )
    if latest is not None and parsed.version <= latest:
        raise acts.refused(
            session,
            acts.Action.PROTOCOL_IMPORT,
            actor=actor,
            reason=f"refused input: file ({parsed.id} version {parsed.version}, "
            f"not newer than version {latest})",
            answer=InputError(
                "file",
                f"{parsed.id} version {parsed.version} is not newer than version {latest}, "
                "already in the hub",
            ),
        )
    record = ProtocolRecord(
        key=parsed.id,
        version=parsed.version,
        title=parsed.title,
        source=text,
        status=ProtocolStatus.DRAFT,
        start_on=parsed.start,
        end_on=parsed.end,
        review_on=parsed.review,
        imported_by_id=actor.user_id,
        imported_at=now or clock.now(),
        changed_at=now or clock.now(),
    )
    session.add(record)
    session.flush()
    _audit(session, actor, acts.Action.PROTOCOL_IMPORT, record, "imported as a draft")
    return record


def _audit(
    session: Session, actor: Actor | None, action: acts.Action, record: ProtocolRecord, what: str
) -> None:
    acts.record(
        session,
        action,
        actor=actor,
        subject=acts.Subject("protocol", record.id),
        basis=f"{record.key} version {record.version}: {what}",
    )


def _refuse(
    session: Session, actor: Actor, action: acts.Action, protocol_id: int, reason: str
) -> NotAllowed:
    return acts.refused(
        session, action, actor=actor, subject=acts.Subject("protocol", protocol_id), reason=reason
    )


def sign(
    session: Session, actor: Actor, protocol_id: int, now: datetime | None = None
) -> ProtocolRecord:
    """The actor signs for their agency; the last signature activates the protocol."""
    record = session.get(ProtocolRecord, protocol_id)
    if record is None:
        raise NotFound(protocol_id)
    # Two agencies signing at once: the second waits, then counts the first's signature.
    read_for_change(session, record)
    if record.status not in (ProtocolStatus.DRAFT, ProtocolStatus.AWAITING_SIGNATURES):
        raise InputError(
            "sign", f"This protocol is {record.status.label.lower()}: it can no longer be signed"
        )
    signers = party_agencies(session, record)
    if actor.agency_id not in signers:
        raise _refuse(
            session,
            actor,
            acts.Action.PROTOCOL_SIGN,
            protocol_id,
            "your agency is not a party to this protocol",
        )
    if not actor.has(signers[actor.agency_id]):
        raise _refuse(
            session,
            actor,
            acts.Action.PROTOCOL_SIGN,
            protocol_id,
            f"your agency's signatory for this protocol is its {signers[actor.agency_id].label.lower()}",
        )
    if any(s.agency_id == actor.agency_id for s in record.signatures):
        raise InputError("sign", "Your agency has already signed this protocol")
    now = now or clock.now()
    record.signatures.append(
        ProtocolSignature(agency_id=actor.agency_id, signed_by_id=actor.user_id, signed_at=now)
    )
    record.status = ProtocolStatus.AWAITING_SIGNATURES
    record.changed_at = now
    _audit(
        session, actor, acts.Action.PROTOCOL_SIGN, record, f"signed for agency {actor.agency_id}"
    )
    if {s.agency_id for s in record.signatures} >= set(signers):
        _activate(session, actor, record, now)
    session.flush()
    return record


def _activate(session: Session, actor: Actor, record: ProtocolRecord, now: datetime) -> None:
    record.status = ProtocolStatus.ACTIVE
    record.activated_at = now
    record.changed_at = now
    today = clock.day_of(now)
    if record.start_on > today:
        what = f"signed by every party: in force from {record.start_on.isoformat()}"
    else:
        what = "active: every party has signed"
    _audit(session, actor, acts.Action.PROTOCOL_STATUS, record, what)
    _supersede(session, actor, today, now)


def _supersede(session: Session, actor: Actor | None, today: date, now: datetime) -> None:
    """Mark superseded each active version a later signed version has taken over from by
    ``today``. Access never waits for this: decisions read the dates (``last_days``)."""
    signed = signed_versions(session)
    for older in signed:
        if older.status is not ProtocolStatus.ACTIVE:
            continue
        taken_over = [
            r
            for r in signed
            if r.key == older.key and r.version > older.version and r.start_on <= today
        ]
        if not taken_over:
            continue
        newer = max(taken_over, key=lambda r: r.version)
        older.status = ProtocolStatus.SUPERSEDED
        older.superseded_by_id = newer.id
        older.changed_at = now
        _audit(
            session,
            actor,
            acts.Action.PROTOCOL_STATUS,
            older,
            f"superseded by version {newer.version}",
        )


def suspend(
    session: Session,
    actor: Actor,
    protocol_id: int,
    reason: SuspensionReason,
    note: str = "",
    now: datetime | None = None,
) -> ProtocolRecord:
    """A party's DPO suspends an active protocol, saying why: its access stops at once,
    under every active version of it (one signed to take over later too). The reason is
    recorded in the audit entry of each; the note, free text, only with the protocol."""
    record = session.get(ProtocolRecord, protocol_id)
    if record is None:
        raise NotFound(protocol_id)
    if not may_suspend(session, actor, record):
        raise _refuse(
            session,
            actor,
            acts.Action.PROTOCOL_STATUS,
            protocol_id,
            "only the data protection officer of a party agency suspends a protocol",
        )
    # Sent twice at once: the second waits, then finds the protocol suspended.
    read_for_change(session, record)
    if record.status is not ProtocolStatus.ACTIVE:
        raise InputError(
            "suspend",
            f"Only an active protocol can be suspended; this one is {record.status.label.lower()}",
        )
    note = checked_text("note", note, limit=MAX_SUSPENSION_NOTE, what="the note")
    if reason is SuspensionReason.OTHER and not note.strip():
        # The other parties' DPOs read the reason on the protocol's page: "another
        # reason" with no note would tell them nothing of why their sharing stopped.
        raise InputError("note", "Say in the note why you are suspending the protocol")
    # Every active version at once: one in force, and one signed to take over from it
    # (which would otherwise start sharing again on its start date, or end the one in
    # force then), so that only a version signed after the suspension shares again.
    versions = session.scalars(
        select(ProtocolRecord)
        .where(ProtocolRecord.key == record.key, ProtocolRecord.status == ProtocolStatus.ACTIVE)
        .order_by(ProtocolRecord.version)
    ).all()
    for version in versions:
        version.status = ProtocolStatus.SUSPENDED
        version.changed_at = version.suspended_at = now or clock.now()
        version.suspension_reason, version.suspension_note = reason, note or None
        version.suspended_by_id = actor.user_id
        session.flush()
        _audit(session, actor, acts.Action.PROTOCOL_STATUS, version, f"suspended ({reason.value})")
    return record


#: The longest note a DPO may leave with a suspension (the column's length).
MAX_SUSPENSION_NOTE = 500


def may_suspend(session: Session, actor: Actor, record: ProtocolRecord) -> bool:
    """Whether the actor is the DPO of one of the protocol's parties."""
    return actor.has(Role.DPO) and actor.agency_id in party_agencies(session, record)


@dataclass(frozen=True)
class SuspensionEffect:
    """What suspending a protocol stops, for the page that asks first."""

    #: The party agencies' names, each of which stops receiving under it.
    parties: list[str]
    #: Live shares made under any version of the protocol, and the cases they share.
    shares: int
    cases: int


def what_suspending_stops(
    session: Session, record: ProtocolRecord, today: date
) -> SuspensionEffect:
    """The parties that stop receiving, and the live shares (of any of the protocol's
    versions: a later version carries them on) that stop giving access."""
    names = {a.id: a.name for a in session.scalars(select(Agency))}
    versions = select(ProtocolRecord.id).where(ProtocolRecord.key == record.key)
    shares, cases = session.execute(
        select(func.count(Share.id), func.count(func.distinct(Share.case_id)))
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.protocol_id.in_(versions),
            Share.revoked_at.is_(None),
            Share.until >= today,
            Case.erased_at.is_(None),
        )
    ).one()
    return SuspensionEffect(
        parties=sorted(names[a] for a in party_agencies(session, record)),
        shares=shares,
        cases=cases,
    )


def sweep(
    session: Session, today: date, now: datetime | None = None
) -> tuple[list[ProtocolRecord], list[ProtocolRecord]]:
    """Mark superseded the versions a later one has taken over from, expire active
    protocols past their end date, and tell the parties' DPOs of reviews that have fallen
    due (once each). Returns (expired, reviews notified). The statuses it sets only say
    what the dates already decide: access never waits for it."""
    now = now or clock.now()
    _supersede(session, None, today, now)
    expired = list(
        session.scalars(
            select(ProtocolRecord).where(
                ProtocolRecord.status == ProtocolStatus.ACTIVE, ProtocolRecord.end_on < today
            )
        )
    )
    for record in expired:
        record.status = ProtocolStatus.EXPIRED
        record.changed_at = now
        _audit(
            session, None, acts.Action.PROTOCOL_STATUS, record, f"expired (ended {record.end_on})"
        )
    due = list(
        session.scalars(
            select(ProtocolRecord).where(
                ProtocolRecord.status == ProtocolStatus.ACTIVE,
                ProtocolRecord.review_on <= today,
                ProtocolRecord.review_notified_at.is_(None),
            )
        )
    )
    for record in due:
        record.review_notified_at = now
        for agency_id in party_agencies(session, record):
            session.add(
                Alert(
                    agency_id=agency_id,
                    role=Role.DPO,
                    kind=AlertKind.PROTOCOL_REVIEW,
                    message=(
                        f"{record.title} (version {record.version}) was due for review on "
                        f"{clock.day_text(record.review_on)}"
                    ),
                    protocol_id=record.id,
                )
            )
    session.flush()
    return expired, due
