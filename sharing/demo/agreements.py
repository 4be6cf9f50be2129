"""The demo partnership's protocols, signed by every party, and the shares its officers
have made: so partners see each other's cases from the first sign-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import shares
from sharing.models import Agency, Case, ProtocolRecord, User
from sharing.protocols import records as protocol_records
from sharing.vocabulary import AgencyType, CaseStatus, Priority, ProtocolStatus, Role

#: The partnership's protocol files, shipped in the repository.
PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols"


def _first(session: Session, agency_id: int, role: Role) -> User:
    users = session.scalars(select(User).where(User.agency_id == agency_id).order_by(User.id))
    user = next((u for u in users if role in u.roles), None)
    if user is None:
        raise LookupError(f"the demo has no {role.value} in agency {agency_id} to sign a protocol")
    return user


def sign_protocols(session: Session, now: datetime) -> list[ProtocolRecord]:
    """Import every shipped protocol (as a DPO) and have each party's signatory sign it."""
    dpo = next(u for u in session.scalars(select(User).order_by(User.id)) if Role.DPO in u.roles)
    records = []
    for path in sorted(PROTOCOLS.glob("*.toml")):
        record = protocol_records.import_protocol(
            session, Actor.of(dpo), path.read_text(), source=path.name, now=now
        )
        for agency_id, role in sorted(protocol_records.party_agencies(session, record).items()):
            protocol_records.sign(
                session, Actor.of(_first(session, agency_id, role)), record.id, now=now
            )
        records.append(record)
    return records


def share_cases(session: Session, now: datetime) -> int:
    """Landlords share their red cases with the police and the council's ASB team, and
    their noise cases with environmental health, for ASB case management."""
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-asb-case-management",
            ProtocolRecord.status == ProtocolStatus.ACTIVE,
        )
    )
    if protocol is None:
        return 0
    agencies = {a.code: a for a in session.scalars(select(Agency))}
    landlords = [a.id for a in agencies.values() if a.type is AgencyType.LANDLORD]
    cases = session.scalars(
        select(Case)
        .where(
            Case.agency_id.in_(landlords), Case.status == CaseStatus.ACTIVE, Case.locked.is_(False)
        )
        .order_by(Case.id)
    )
    until = min(protocol.end_on, (now + timedelta(days=120)).date())
    made = 0
    for n, case in enumerate(cases):
        partners = []
        if case.priority is not Priority.AMBER:
            partners.append("northshire-police")
            if n % 3 == 0:
                partners.append("northshire-csp")
        elif case.category.value == "noise" and n % 2 == 0:
            partners.append("northshire-eh")
        officer = session.get(User, case.officer_id)
        assert officer is not None  # noqa: S101
        for code in partners:
            shares.share_case(
                session,
                authorise(session, Actor.of(officer), case.id, Act.SHARE),
                agency_id=agencies[code].id,
                protocol_id=protocol.id,
                purpose="asb_case_management",
                until=until,
                now=now,
            )
            made += 1
    return made
