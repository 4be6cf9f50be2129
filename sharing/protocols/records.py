"""Protocols in the hub: import as a draft, signature by each party's signatory, active
once every party has signed (in force from its start date), suspended, superseded by a new
version from the day that one starts, expired at the end date; the DPOs are told when a
review falls due; and the impact of a new version.

Only a valid file is ever imported (``sharing.protocols.parse_protocol``); the record keeps
the file exactly as signed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import checked_text
from sharing.models import Agency, Alert, Case, ProtocolRecord, ProtocolSignature, Share
from sharing.protocols import ProtocolDocument, ProtocolInvalid, Purpose, parse_protocol
from sharing.protocols.policy import AgencyRef, BasisParts, Policy, last_days
from sharing.vocabulary import (
    SIGNED_BY_EVERY_PARTY,
    AlertKind,
    ProtocolStatus,
    Role,
    SuspensionReason,
)

#: Roles that manage protocols in the hub (import, suspend).
PROTOCOL_ADMINS = (Role.DPO,)


def known_agencies(session: Session) -> dict[str, object]:
    return {a.code: a.type for a in session.scalars(select(Agency))}


def document(record: ProtocolRecord) -> ProtocolDocument:
    return parse_protocol(record.source, source=f"{record.key} v{record.version}")


def purpose_title(record: ProtocolRecord, purpose: str) -> str:
    """The title the protocol version gives one of its purposes ("ASB case management"),
    for pages and messages; the id with spaces for a purpose the version does not have."""
    return _purpose_titles(record.source).get(purpose, _untitled(purpose))


def purpose_titles_in_force(session: Session, purposes: Iterable[str]) -> dict[str, str]:
    """Each of ``purposes`` to its title in the protocol versions in force today, for a
    page that names a purpose without its share ("ASB case management"); the id with
    spaces for one no version in force has."""
    titles: dict[str, str] = {}
    for record in in_force(session):
        for purpose, title in _purpose_titles(record.source).items():
            titles.setdefault(purpose, title)
    return {purpose: titles.get(purpose, _untitled(purpose)) for purpose in purposes}


def _untitled(purpose: str) -> str:
    return purpose.replace("_", " ")


@lru_cache(maxsize=64)
def _purpose_titles(source: str) -> dict[str, str]:
    """Purpose id to title in a protocol file (a signed version's text never changes)."""
    return {p.id: p.title for p in parse_protocol(source, source="protocol").purposes}


@dataclass(frozen=True)
class ReadableBasis:
    """A decision's basis as people read it: the protocol version by its title (its page,
    ``protocol_id``, for the clause), the clause, the purpose by its title, and what the
    decision added, a share named by the day it ends rather than its number."""

    protocol_id: int
    protocol: str
    clause: str
    purpose: str
    rest: str


def readable_basis(
    parts: BasisParts, versions: dict[tuple[str, int], ProtocolRecord]
) -> ReadableBasis | None:
    """A basis naming a protocol clause (``basis_parts`` of ``Grant.basis``, perhaps with
    its share or conference after it) for a page, given the protocol versions by (key,
    version) (``versions_by_key``); None for a version no longer in the hub."""
    record = versions.get((parts.key, parts.version))
    if record is None:
        return None
    rest = re.sub(r"^; share \d+ until ", "; shared with your agency until ", parts.rest)
    return ReadableBasis(
        protocol_id=record.id,
        protocol=f"{record.title} (version {record.version})",
        clause=parts.clause,
        purpose=purpose_title(record, parts.purpose),
        rest=rest,
    )


def versions_by_key(session: Session) -> dict[tuple[str, int], ProtocolRecord]:
    """Every protocol version in the hub by (key, version), for ``readable_basis``."""
    return {(r.key, r.version): r for r in session.scalars(select(ProtocolRecord))}


def get(session: Session, protocol_id: int) -> ProtocolRecord | None:
    return session.get(ProtocolRecord, protocol_id)


def every_version(session: Session) -> list[ProtocolRecord]:
    """Every protocol record, by key, newest version first."""
    return list(
        session.scalars(
            select(ProtocolRecord).order_by(ProtocolRecord.key, ProtocolRecord.version.desc())
        )
    )


def _signed(session: Session) -> list[ProtocolRecord]:
    """Every version signed by every party, by protocol and version."""
    return list(
        session.scalars(
            select(ProtocolRecord)
            .where(ProtocolRecord.status.in_(SIGNED_BY_EVERY_PARTY))
            .order_by(ProtocolRecord.key, ProtocolRecord.version)
        )
    )


def _in_force(signed: list[ProtocolRecord], today: date) -> dict[str, ProtocolRecord]:
    """By protocol key, the version in force on ``today``: active, started, and neither
    ended nor taken over by a later signed version (decided from the dates, as access
    decisions are)."""
    last = last_days((r.key, r.version, r.start_on, r.end_on) for r in signed)
    return {
        r.key: r
        for r in signed
        if r.status is ProtocolStatus.ACTIVE and r.start_on <= today <= last[(r.key, r.version)]
    }


def in_force(session: Session, today: date | None = None) -> list[ProtocolRecord]:
    """The versions in force on ``today`` (the partnership's today by default), one a
    protocol at most."""
    return list(_in_force(_signed(session), today or clock.today()).values())


def active_version(session: Session, key: str, today: date | None = None) -> ProtocolRecord | None:
    """The version of the protocol ``key`` in force today, if one is: a share, a
    partnership meeting and anything else made under an earlier version carries on under
    it from the day it starts."""
    return next((r for r in in_force(session, today) if r.key == key), None)


@dataclass(frozen=True)
class Standing:
    """Where a version signed by every party stands on a day, for the protocols pages."""

    #: In force on the day.
    in_force: bool
    #: The first day it is in force, when that is still to come.
    starts_on: date | None
    #: The last day it is in force: its end, or the day before ``successor`` starts.
    last_day: date
    #: The later version that takes over from it, if one is signed.
    successor: ProtocolRecord | None
    #: The version it takes over from on ``starts_on``, if one is in force until then.
    predecessor: ProtocolRecord | None


def standing(session: Session, today: date | None = None) -> dict[int, Standing]:
    """Each active version's standing on ``today``, by record id: what is in force now and
    what takes over from when."""
    today = today or clock.today()
    signed = _signed(session)
    last = last_days((r.key, r.version, r.start_on, r.end_on) for r in signed)
    now_in_force = _in_force(signed, today)
    found = {}
    for record in signed:
        if record.status is not ProtocolStatus.ACTIVE:
            continue
        later = [r for r in signed if r.key == record.key and r.version > record.version]
        successor = min(later, key=lambda r: r.start_on, default=None)
        waiting = record.start_on > today
        predecessor = now_in_force.get(record.key) if waiting else None
        found[record.id] = Standing(
            in_force=now_in_force.get(record.key) is record,
            starts_on=record.start_on if waiting else None,
            last_day=last[(record.key, record.version)],
            successor=successor if successor and successor.start_on > today else None,
            predecessor=predecessor if predecessor is not record else None,
        )
    return found


def shareable_purposes(
    session: Session, today: date | None = None
) -> list[tuple[ProtocolRecord, Purpose]]:
    """The purposes a case may be shared for: each protocol version in force today, with
    its purposes that one of its clauses serves through a share (not the emergency
    purpose), by protocol title."""
    found = []
    for record in sorted(in_force(session, today), key=lambda r: r.title):
        parsed = document(record)
        shareable = {c.purpose for c in parsed.clauses if not c.emergency}
        found += [(record, p) for p in parsed.purposes if p.id in shareable]
    return found


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


def party_agencies(session: Session, record: ProtocolRecord) -> dict[int, Role]:
    """Every agency that must sign, with the role its signatory must hold."""
    agencies = list(session.scalars(select(Agency)))
    signers: dict[int, Role] = {}
    for party in document(record).parties:
        for agency in agencies:
            if agency.code == party.agency or (
                party.agency_type is not None and agency.type is party.agency_type
            ):
                signers[agency.id] = party.signatory_role
    return signers


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
    signed = _signed(session)
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


@dataclass(frozen=True)
class ImpactRow:
    agency: str
    role: str
    purpose: str
    gained: tuple[str, ...]
    lost: tuple[str, ...]


def impact(session: Session, record: ProtocolRecord) -> list[ImpactRow]:
    """What activating ``record`` changes against the version now active: which agencies
    and roles gain or lose which categories for which purposes."""
    current = active_version(session, record.key)
    agencies = [AgencyRef(a.id, a.code, a.type) for a in session.scalars(select(Agency))]
    names = {a.id: a.name for a in session.scalars(select(Agency))}
    before = _reach(Policy.compile([(0, document(current))] if current else [], agencies), agencies)
    after = _reach(Policy.compile([(0, document(record))], agencies), agencies)
    rows = []
    for key in sorted(set(before) | set(after)):
        gained = tuple(sorted(after.get(key, set()) - before.get(key, set())))
        lost = tuple(sorted(before.get(key, set()) - after.get(key, set())))
        if gained or lost:
            agency_id, role, purpose = key
            rows.append(ImpactRow(names[agency_id], role.label, purpose, gained, lost))
    return rows


def _reach(policy: Policy, agencies: list[AgencyRef]) -> dict[tuple[int, Role, str], set[str]]:
    reach: dict[tuple[int, Role, str], set[str]] = {}
    for agency in agencies:
        grants = [g for p in policy.purposes_for(agency.id) for g in policy.grants(agency.id, p)]
        grants += list(policy.emergency_grants(agency.id))
        for grant in grants:
            for role in grant.roles:
                reach.setdefault((agency.id, role, grant.purpose), set()).update(grant.categories)
    return reach
