"""The lists of shares: every share of a case (for its owning agency), and the live
shares with an agency through which its user may open a case (whole, by the page as
recorded, counted, or as ids for a list that decides and pages itself), each said as a
``ShareRow``; a live share its protocol no longer lets the agency use says why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, distinct, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from sharing import clock, paging
from sharing.access.authorise import shared_cases_where
from sharing.access.decide import Actor
from sharing.access.facts import policy
from sharing.audit import acts
from sharing.cases.listing import PAGE_SIZE
from sharing.errors import InputError
from sharing.models import Case, ProtocolRecord, Share
from sharing.protocols import records as protocol_records
from sharing.protocols.records import purpose_title
from sharing.vocabulary import CaseCategory, Priority, ProtocolStatus


@dataclass(frozen=True)
class ShareRow:
    id: int
    case_id: int
    case_reference: str
    #: What the case is about and how urgent (not personal data: every page that names
    #: the case to the reader shows them).
    category: CaseCategory
    priority: Priority
    agency: str
    owner_agency: str
    protocol: str
    protocol_version: int
    purpose: str
    #: The purpose as the protocol names it ("ASB case management").
    purpose_title: str
    until: date
    shared_by: str
    shared_at: datetime
    origin: str
    live: bool
    revoked_at: datetime | None
    #: Ended by the case's closing (its protocol's retention), not revoked by hand.
    closed_with_case: bool
    #: Why a live share gives nothing now (its protocol suspended, expired, not yet in
    #: force, or no longer giving the agency anything for the purpose); None if in force.
    not_in_force: str | None = None


def _row(share: Share, case: Case, today: date) -> ShareRow:
    return ShareRow(
        id=share.id,
        case_id=case.id,
        case_reference=case.reference,
        category=case.category,
        priority=case.priority,
        agency=share.agency.name,
        owner_agency=case.agency.name,
        protocol=share.protocol.title,
        protocol_version=share.protocol.version,
        purpose=share.purpose,
        purpose_title=purpose_title(share.protocol, share.purpose),
        until=share.until,
        shared_by=share.created_by.display_name,
        shared_at=share.created_at,
        origin=share.origin.label,
        live=share.revoked_at is None and today <= share.until,
        revoked_at=share.revoked_at,
        closed_with_case=share.revoked_at is not None and share.revoked_at == case.closed_at,
    )


def _share_not_in_force(session: Session, share: Share, case: Case, today: date) -> str | None:
    """Why the live ``share`` of ``case`` gives its agency nothing today, or None if a
    version of its protocol in force gives the agency something for its purpose and binds
    the case's agency (as access decides)."""
    key = share.protocol.key
    in_force = [
        g
        for g in policy(session).grants(share.agency_id, share.purpose)
        if g.protocol_key == key and g.start <= today <= g.end
    ]
    if any(g.binds(case.agency_id) for g in in_force):
        return None
    if in_force:
        return f"{case.agency.name} is not a party to version {in_force[0].version} of the protocol"
    active = protocol_records.active_version(session, key, today)
    if active is None:
        latest = session.scalar(
            select(ProtocolRecord)
            .where(
                ProtocolRecord.key == key,
                ProtocolRecord.status.in_(
                    [ProtocolStatus.SUSPENDED, ProtocolStatus.EXPIRED, ProtocolStatus.SUPERSEDED]
                ),
            )
            .order_by(ProtocolRecord.version.desc())
            .limit(1)
        )
        status = latest.status if latest else share.protocol.status
        if status is ProtocolStatus.EXPIRED:
            return "the protocol has expired"
        return f"the protocol is {status.label.lower()}"
    if today < active.start_on:
        return f"the protocol comes into force on {clock.day_text(active.start_on)}"
    if today > active.end_on:
        return f"the protocol ended on {clock.day_text(active.end_on)}"
    return (
        f"version {active.version} of the protocol gives {share.agency.name} nothing for "
        f"{share.purpose.replace('_', ' ')}"
    )


def case_shares(session: Session, case: Case) -> list[ShareRow]:
    """Every share of a case, newest first (for its owning agency); a live share its
    protocol no longer lets the agency use says why."""
    shares = session.scalars(
        select(Share)
        .where(Share.case_id == case.id)
        .options(
            joinedload(Share.agency),
            joinedload(Share.created_by),
            selectinload(Share.protocol),  # once each: a protocol's row carries its whole text
        )
        .order_by(Share.created_at.desc())
    )
    today = clock.today()
    rows = []
    for share in shares:
        row = _row(share, case, today)
        if row.live:
            row = replace(row, not_in_force=_share_not_in_force(session, share, case, today))
        rows.append(row)
    return rows


def _live_shares_for(
    session: Session, actor: Actor, purpose: str, today: date
) -> ColumnElement[bool]:
    """The live shares with the actor's agency for ``purpose`` through which the actor may
    open the case (a query joining ``Share`` to its ``Case``)."""
    return and_(
        shared_cases_where(session, actor, purpose),
        Share.agency_id == actor.agency_id,
        Share.purpose == purpose,
        Share.revoked_at.is_(None),
        Share.until >= today,
    )


def _shared_where(session: Session, actor: Actor, today: date) -> ColumnElement[bool] | None:
    """The live shares with the actor's agency, for any purpose its protocols give it,
    through which the actor may open the case (None: no purpose, so no share)."""
    purposes = sorted(policy(session).purposes_for(actor.agency_id))
    if not purposes:
        return None
    return or_(*(_live_shares_for(session, actor, p, today) for p in purposes))


#: Newest first; shares made at the same moment by id.
_NEWEST_FIRST = (Share.created_at.desc(), Share.id.desc())


def _shared_rows(
    session: Session,
    where: ColumnElement[bool],
    today: date,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[ShareRow]:
    shares = session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(where)
        .options(
            joinedload(Share.agency),
            joinedload(Share.created_by),
            selectinload(Share.protocol),  # once each: its row carries its whole text
            contains_eager(Share.case).joinedload(Case.agency),  # the case joined above
        )
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
        .offset(offset)
    )
    return [_row(share, share.case, today) for share in shares]


def shared_with(session: Session, actor: Actor) -> list[ShareRow]:
    """The live shares with the actor's agency through which the actor may open a case,
    newest first: exactly the cases ``decide`` lets them view for the share's purpose
    (never a locked or erased case, nor one their roles are given nothing of)."""
    today = clock.today()
    where = _shared_where(session, actor, today)
    return [] if where is None else _shared_rows(session, where, today)


@dataclass(frozen=True)
class SharePage:
    rows: list[ShareRow]
    total: int
    page: int
    pages: int
    #: Whether shares come after this page's (the list as it stands now).
    more: bool = False
    #: How many cases the shares are of (a case shared for two purposes once).
    cases: int = 0


def shared_page(
    session: Session,
    actor: Actor,
    page: int = 1,
    size: int = PAGE_SIZE,
    *,
    after: int | None = None,
) -> SharePage:
    """One page of ``shared_with`` (newest first), paged in the database; a page past the
    last is the last. ``after`` (a share with the actor's agency, live or ended since)
    asks for the shares that come after it instead of a page by number, so that shares
    made or ended while a list is read page by page are never skipped nor listed twice;
    ``InputError`` at ``after`` for a share not with the agency. Recorded as one entry
    naming the page's shares and cases, so the owner's DPO finds a partner's list that
    showed their case."""
    today = clock.today()
    following = None if after is None else _older_than(session, actor, after)
    where = _shared_where(session, actor, today)
    if where is None:
        return _listed(session, actor, SharePage([], 0, 1, 1))
    listed = select(func.count(Share.id)).join(Case, Case.id == Share.case_id).where(where)
    total, cases = session.execute(listed.add_columns(func.count(distinct(Share.case_id)))).one()
    if following is None:
        page, pages = paging.numbered(total, size, page)
        rows = _shared_rows(session, where, today, limit=size + 1, offset=(page - 1) * size)
    else:
        before = session.scalar(listed.where(~following)) or 0
        page, pages = paging.read_on(total, size, before)
        rows = _shared_rows(session, and_(where, following), today, limit=size + 1)
    more, rows = paging.more_than(rows, size)
    return _listed(session, actor, SharePage(rows, total, page, pages, more, cases))


def _older_than(session: Session, actor: Actor, after: int) -> ColumnElement[bool]:
    """The shares that come after the agency's share ``after`` in the list's order
    (newest first, then by number); ``InputError`` at ``after`` for a share not with the
    agency."""
    anchor = session.scalar(
        select(Share).where(Share.id == after, Share.agency_id == actor.agency_id)
    )
    if anchor is None:
        raise InputError("after", "is not a share with your agency")
    return or_(
        Share.created_at < anchor.created_at,
        and_(Share.created_at == anchor.created_at, Share.id < anchor.id),
    )


def _listed(session: Session, actor: Actor, found: SharePage) -> SharePage:
    acts.record(
        session,
        acts.Action.CASES_SHARED_LIST,
        actor=actor,
        subject=acts.Subject("agency", actor.agency_id),
        basis=f"page {found.page} of {found.pages}; "
        f"shares {acts.ids([r.id for r in found.rows])}; "
        f"cases {acts.ids(sorted({r.case_id for r in found.rows}))}",
    )
    return found


def shared_case_count(session: Session, actor: Actor) -> int:
    """How many cases ``shared_with`` lists (a case shared for two purposes once), in one
    query."""
    where = _shared_where(session, actor, clock.today())
    if where is None:
        return 0
    found = session.scalar(
        select(func.count(distinct(Share.case_id)))
        .join(Case, Case.id == Share.case_id)
        .where(where)
    )
    return int(found or 0)


def live_shares(
    session: Session, actor: Actor, *where: ColumnElement[bool]
) -> list[tuple[int, int, str]]:
    """(share, case, purpose) of the live shares ``shared_with`` lists whose cases also
    meet ``where`` (conditions on ``Case``), newest first: one query, nothing loaded, for
    a list that decides and pages before it loads what it shows."""
    today = clock.today()
    purposes = sorted(policy(session).purposes_for(actor.agency_id))
    if not purposes:
        return []
    query = (
        select(Share.id, Share.case_id, Share.purpose)
        .join(Case, Case.id == Share.case_id)
        .where(or_(*(_live_shares_for(session, actor, p, today) for p in purposes)), *where)
        .order_by(Share.created_at.desc(), Share.id.desc())
    )
    return [(share_id, case_id, purpose) for share_id, case_id, purpose in session.execute(query)]


def share_rows(session: Session, share_ids: Iterable[int]) -> dict[int, ShareRow]:
    """These shares as lists show them, by id: one query."""
    today = clock.today()
    shares = session.scalars(
        select(Share)
        .where(Share.id.in_(set(share_ids)))
        .options(
            joinedload(Share.agency),
            joinedload(Share.created_by),
            selectinload(Share.protocol),  # once each: its row carries its whole text
            joinedload(Share.case).joinedload(Case.agency),
        )
    )
    return {share.id: _row(share, share.case, today) for share in shares}
