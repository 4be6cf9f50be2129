"""The demo partnership's protocols, signed by every party, and the shares its officers
have made: so partners see each other's cases from the first sign-in.

The shipped protocol files keep the dates the fictional partnership signed them for (a
real partnership renews a protocol by signing a new version). The demo signs each for
dates that hold its own year either side of the day it is built for: the file's own dates
when they do, else the same protocol with every date moved by the fewest whole years
that make them do.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import shares
from sharing.demo import office
from sharing.demo.timeline import at
from sharing.models import Agency, Case, ProtocolRecord, User
from sharing.protocols import lifecycle as protocol_lifecycle
from sharing.protocols import parse_protocol, render_protocol
from sharing.protocols import records as protocol_records
from sharing.vocabulary import AgencyType, CaseStatus, Priority, ProtocolStatus, Role

#: The partnership's protocol files, shipped in the repository.
PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols"
#: How many years either side of its day the demo needs its protocols in force: its
#: casework goes back a year (cases opened up to 360 days before, the first Community
#: Trigger application 200 working days before and reviewed under its protocol then), and
#: what it shares lasts into the months after (shares for 120 days, conferences, the
#: panel's sittings and recommendations due later).
HELD_YEARS = 1


def _first(session: Session, agency_id: int, role: Role) -> User:
    users = session.scalars(select(User).where(User.agency_id == agency_id).order_by(User.id))
    user = next((u for u in users if role in u.roles), None)
    if user is None:
        raise LookupError(f"the demo has no {role.value} in agency {agency_id} to sign a protocol")
    return user


def years_to_hold(start: date, end: date, first: date, last: date) -> int:
    """The fewest whole years by which moving ``start`` to ``end`` makes it hold ``first``
    to ``last``: 0 when it holds them already, negative for earlier. ``ValueError`` when no
    move does, for a protocol that runs for less time than that."""
    if end < last:  # later: the first move that reaches ``last``
        years = last.year - end.year
        if clock.years_after(end, years) < last:
            years += 1
    elif start > first:  # earlier: the first move that reaches back to ``first``
        years = first.year - start.year
        if clock.years_after(start, years) > first:
            years -= 1
    else:
        return 0
    if clock.years_after(start, years) > first or clock.years_after(end, years) < last:
        raise ValueError(
            f"a protocol from {start} to {end} cannot be moved to hold {first} to {last}"
        )
    return years


def text_signed_for(path: Path, today: date) -> str:
    """The protocol file at ``path`` as the demo signs it for ``today``: the file itself
    when its dates hold the demo's ``HELD_YEARS`` either side of ``today``, else the same
    protocol written out (without the file's comments) with every date moved by the
    fewest whole years that make them hold them (29 February moved to a year without one
    is 28 February). Importing the text checks it as any file is checked."""
    text = path.read_text()
    document = parse_protocol(text, source=path.name)
    first, last = (clock.years_after(today, n) for n in (-HELD_YEARS, HELD_YEARS))
    years = years_to_hold(document.start, document.end, first, last)
    if years == 0:
        return text
    moved = replace(
        document,
        start=clock.years_after(document.start, years),
        end=clock.years_after(document.end, years),
        review=clock.years_after(document.review, years),
    )
    return render_protocol(moved)


def sign_protocols(session: Session, now: datetime) -> list[ProtocolRecord]:
    """Import every shipped protocol (as a DPO), dated for the demo's day
    (``text_signed_for``), and have each party's signatory sign it."""
    dpo = next(u for u in session.scalars(select(User).order_by(User.id)) if Role.DPO in u.roles)
    today = clock.day_of(now)
    records = []
    for path in sorted(PROTOCOLS.glob("*.toml")):
        text = text_signed_for(path, today)
        # Signed on the morning of its first day, as the partnership did before sharing.
        signed_at = min(now, at(parse_protocol(text, source=path.name).start, 10 * 60))
        record = protocol_lifecycle.import_protocol(
            session, Actor.of(dpo), text, source=path.name, now=signed_at
        )
        for agency_id, role in sorted(protocol_records.party_agencies(session, record).items()):
            protocol_lifecycle.sign(
                session, Actor.of(_first(session, agency_id, role)), record.id, now=signed_at
            )
        records.append(record)
    return records


def share_cases(session: Session, now: datetime) -> int:
    """Landlords share their red cases with the police and the council's ASB team, and
    their noise cases with environmental health, for ASB case management, each a few
    days after the case was opened, at work (the next working morning when that falls
    outside office hours)."""
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
        # Shared at work a few days after it was opened (its officer's first checks done),
        # never before the protocol started nor after the demo's day began.
        shared_at = office.at_work_between(
            max(
                case.opened_at + timedelta(days=1 + n % 6, hours=n % 5),
                at(protocol.start_on, 9 * 60),
            ),
            now - timedelta(minutes=1),
            30 + 45 * (n % 7),
            max(case.opened_at, at(protocol.start_on, 9 * 60)),
        )
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
                now=shared_at,
            )
            made += 1
    return made
