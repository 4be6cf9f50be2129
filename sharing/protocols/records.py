"""Protocols as the hub holds them: each version's file as signed, its purposes' titles,
which version is in force on a day and which takes over from when, the purposes a case may
be shared for, the agencies that must sign, a basis in words, and the impact of a new
version. A protocol's life (import, signatures, suspension, the daily sweep) is
``sharing.protocols.lifecycle``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Agency, ProtocolRecord
from sharing.protocols import ProtocolDocument, Purpose, parse_protocol
from sharing.protocols.policy import AgencyRef, BasisParts, Policy, last_days
from sharing.vocabulary import SIGNED_BY_EVERY_PARTY, ProtocolStatus, Role

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


def signed_versions(session: Session) -> list[ProtocolRecord]:
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
    return list(_in_force(signed_versions(session), today or clock.today()).values())


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
    signed = signed_versions(session)
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
