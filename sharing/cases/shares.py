"""Sharing a case with a partner agency under an active protocol, for a purpose, until a
date; revoking it; and the lists of shares on a case and shared with an agency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, distinct, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from sharing import clock, paging
from sharing.access.authorise import AuthorisedCase, authorise, shared_cases_where
from sharing.access.decide import LOCKED, Act, Actor
from sharing.access.facts import policy
from sharing.access.scope import CaseState
from sharing.audit import acts
from sharing.cases.listing import PAGE_SIZE
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.models import Agency, Case, ConferenceInvitation, Escalation, ProtocolRecord, Share
from sharing.protocols import Purpose
from sharing.protocols import records as protocol_records
from sharing.protocols.records import purpose_title, shareable_purposes
from sharing.risk import escalation as escalation_prompts
from sharing.vocabulary import CaseCategory, CaseStatus, Priority, ProtocolStatus, ShareOrigin

#: The purpose a case's owner shares it for by hand, on the share form. Its protocol (ASB
#: case management) ends such a share when the case closes. The other purposes come from
#: a workflow, which makes their shares: a case conference's invitations, a Community
#: Trigger review's panel, a safeguarding referral.
CASE_MANAGEMENT = "asb_case_management"

#: The purposes whose shares a workflow makes: what each is, and how its shares are made.
_WORKFLOWS = {
    "case_conference": ("a case conference", "by inviting the agency to the conference"),
    "community_trigger": ("a Community Trigger review", "by the review's panel invitations"),
    "safeguarding_referral": (
        "a safeguarding referral",
        "by referring someone to safeguarding from the case page",
    ),
}


def made_by_workflow(purpose: str) -> str | None:
    """Why a case's owner may not share it by hand for ``purpose`` (its shares are made
    by a workflow: a conference, a Community Trigger review, a referral), or None for
    ASB case management."""
    if purpose == CASE_MANAGEMENT:
        return None
    what, how = _WORKFLOWS.get(purpose, (purpose.replace("_", " "), "by their own workflow"))
    return f"Shares for {what} are made {how}, not here: share for ASB case management"


def manual_purposes(session: Session, agency_id: int) -> list[tuple[ProtocolRecord, Purpose]]:
    """The (active protocol, purpose) pairs the share form offers an agency's staff: ASB
    case management, under the protocols their agency is a party to."""
    return [
        (r, p)
        for r, p in shareable_purposes(session)
        if made_by_workflow(p.id) is None
        and agency_id in protocol_records.party_agencies(session, r)
    ]


def share_case(
    session: Session,
    authorised: AuthorisedCase,
    *,
    agency_id: int,
    protocol_id: int,
    purpose: str,
    until: date,
    origin: ShareOrigin = ShareOrigin.MANUAL,
    escalation_id: int | None = None,
    now: datetime | None = None,
) -> Share:
    """The owning agency shares a case (authorised for ``Act.SHARE``, or ``Act.CONVENE``
    for a conference's invitations: a locked case cannot be, nor one locked, closed or
    erased since it was authorised). Refused, with the field and reason, under a protocol
    that is not active or that the owning agency is not a party to (it does not bind the
    agency, which cannot disclose under it), to an agency the protocol gives nothing for
    the purpose, or past the protocol's end; and by hand (``ShareOrigin.MANUAL``) for a
    purpose a workflow shares for (``made_by_workflow``), or again while the same share
    (agency, protocol, purpose) is live. Each refusal is recorded (``share.create``
    refused, naming the field, the agency, protocol and version by their identifiers, and
    the purpose if it is one). Shared from the case's escalation prompt
    (``escalation_id``), it records that the officer acted on the prompt."""
    authorised.require(Act.SHARE, Act.CONVENE)
    case, actor = authorised.case, authorised.actor
    today = clock.day_of(now or clock.now())

    def refused(field: str, message: str, why: str) -> InputError:
        """The refusal at ``field``, recorded (``why``: identifiers and rules only)."""
        acts.refuse(
            session,
            acts.Action.SHARE,
            actor=actor,
            subject=authorised.subject,
            purpose=purpose,
            reason=f"refused input: {field}: {why} ({origin.value})",
        )
        return InputError(field, message)

    try:
        agency, protocol = _terms(session, case, agency_id, protocol_id, purpose, until, today)
    except _Refused as e:
        raise refused(e.field, e.message, e.why) from None
    named = f"protocol {protocol.key} version {protocol.version}"
    if origin is ShareOrigin.MANUAL and (workflow := made_by_workflow(purpose)):
        raise refused("protocol_id", workflow, "the purpose's shares are made by its workflow")
    # Shared twice at once, or as the case is locked, closed or erased: the second waits,
    # then is decided again on the case as it is now (a locked case is never shared).
    read_for_change(session, case)
    authorise(session, actor, case.id, authorised.act)
    try:
        escalation = escalation_prompts.prompt_to_answer(session, case, escalation_id)
    except InputError as e:
        why = f"escalation {escalation_id} is not on the case"
        raise refused("escalation_id", e.message, why) from None
    if origin is ShareOrigin.MANUAL and (
        live := _live_share(session, case, agency, protocol, purpose, today)
    ):
        raise refused(
            "agency_id",
            f"This case is already shared with {agency.name} for "
            f"{purpose_title(protocol, purpose)} until "
            f"{_day(live.until)}: to change the date, revoke that share and "
            "share it again",
            f"share {live.id} with agency {agency.id} under {named} is live",
        )
    share = _made(session, actor, case, agency, protocol, purpose, until, origin, now)
    if escalation is not None:
        escalation_prompts.answered_by_act(
            escalation,
            actor.user_id,
            f"Shared with {agency.name} for {purpose_title(protocol, purpose)} until "
            f"{_day(until)}.",
            share.created_at,
        )
    _record(session, actor, share, protocol, f" ({origin.value})", escalation)
    return share


def conference_share_refusal(
    session: Session,
    case: Case,
    *,
    agency_id: int,
    protocol_id: int,
    purpose: str,
    until: date,
    today: date,
) -> str | None:
    """Why a conference's workflow could not share the case with the agency on these
    terms for an invitation made on its owning agency's behalf (``share_for_conference``),
    as ``share_case`` would refuse its owning agency: the case closed, erased or locked
    (a conference's invitations share only what could be convened), the protocol not in
    force or not binding the case's agency, nothing for the agency for the purpose, or
    past the protocol's end. None if it could."""
    if case.erased_at is not None:
        return CaseState.ERASED
    if case.status is CaseStatus.CLOSED:
        return CaseState.CLOSED
    if case.locked:
        return LOCKED
    try:
        _terms(session, case, agency_id, protocol_id, purpose, until, today)
    except _Refused as e:
        return e.message
    return None


def share_for_conference(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    agency_id: int,
    protocol_id: int,
    purpose: str,
    until: date,
    conference_id: int,
    now: datetime,
) -> Share:
    """A conference's invitation share made by its workflow rather than by its owning
    agency's hand: a partnership meeting's new chair taking over the conference invites
    their agency (``actor``, who changed the meeting, need not work the case: the case's
    agency brought the case to the meeting, whose chair chairs its conferences). Refused
    (``InputError``, recorded as ``share.create`` refused) where
    ``conference_share_refusal`` says why. The caller holds the conference; the case is
    read as it is, not held: held after the meeting's sittings, it could wait on a case
    being brought to one of them, which holds the case first (a case locked at the same
    moment keeps the share from giving anything: a locked case is shared with no one)."""
    today = clock.day_of(now)
    if why := conference_share_refusal(
        session,
        case,
        agency_id=agency_id,
        protocol_id=protocol_id,
        purpose=purpose,
        until=until,
        today=today,
    ):
        acts.refuse(
            session,
            acts.Action.SHARE,
            actor=actor,
            subject=acts.Subject("case", case.id),
            purpose=purpose,
            reason=f"refused: conference {conference_id}'s new chair's agency {agency_id}",
        )
        raise InputError("agency_id", why)
    agency, protocol = _terms(session, case, agency_id, protocol_id, purpose, until, today)
    share = _made(
        session, actor, case, agency, protocol, purpose, until, ShareOrigin.CONFERENCE, now
    )
    _record(
        session,
        actor,
        share,
        protocol,
        f" ({ShareOrigin.CONFERENCE.value}); for conference {conference_id}'s new chair",
    )
    return share


class _Refused(Exception):
    """Terms a share is refused on: the form field, what the user is told, and why in
    identifiers and rules only (for the audit entry)."""

    def __init__(self, field: str, message: str, why: str) -> None:
        super().__init__(why)
        self.field, self.message, self.why = field, message, why


def _terms(
    session: Session,
    case: Case,
    agency_id: int,
    protocol_id: int,
    purpose: str,
    until: date,
    today: date,
) -> tuple[Agency, ProtocolRecord]:
    """The agency and protocol a share of the case is made with, if the case's agency may
    share it so (``_Refused`` otherwise): a partner of its area, under a protocol in force
    that binds the case's agency and gives the partner something for the purpose, until
    a day from today to the protocol's end."""
    agency = session.get(Agency, agency_id)
    if agency is None or agency.id == case.agency_id or agency.area_id != case.agency.area_id:
        raise _Refused(
            "agency_id",
            "Select a partner agency to share with",
            f"agency {agency_id} is not a partner in the case's area",
        )
    protocol = session.get(ProtocolRecord, protocol_id)
    if protocol is None:
        raise _Refused("protocol_id", "Select a protocol", f"no protocol {protocol_id}")
    named = f"protocol {protocol.key} version {protocol.version}"
    if protocol not in protocol_records.in_force(session, today):
        raise _Refused(
            "protocol_id", _not_in_force(session, protocol, today), f"{named} is not in force"
        )
    if case.agency_id not in protocol_records.party_agencies(session, protocol):
        raise _Refused(
            "protocol_id",
            f"{case.agency.name} is not a party to {protocol.title}: share only under a "
            "protocol your agency has signed",
            f"agency {case.agency_id} is not a party to {named}",
        )
    grants = [g for g in policy(session).grants(agency.id, purpose) if g.protocol_id == protocol.id]
    if not grants:
        raise _Refused(
            "agency_id",
            f"{agency.name} is not a party that may receive case data for "
            f"{purpose_title(protocol, purpose)} under {protocol.title}",
            f"{named} gives agency {agency.id} nothing for the purpose",
        )
    if until < today:
        raise _Refused("until", "The share must last until today or later", "until before today")
    if until > protocol.end_on:
        raise _Refused(
            "until",
            f"The share cannot outlast the protocol, which ends on {protocol.end_on:%-d %B %Y}",
            f"until after {named} ends",
        )
    return agency, protocol


def _made(
    session: Session,
    actor: Actor,
    case: Case,
    agency: Agency,
    protocol: ProtocolRecord,
    purpose: str,
    until: date,
    origin: ShareOrigin,
    now: datetime | None,
) -> Share:
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
    return share


def _record(
    session: Session,
    actor: Actor,
    share: Share,
    protocol: ProtocolRecord,
    said: str,
    escalation: Escalation | None = None,
) -> None:
    """The share's ``share.create`` entry, by identifiers only."""
    acts.record(
        session,
        acts.Action.SHARE,
        actor=actor,
        subject=acts.Subject("case", share.case_id),
        purpose=share.purpose,
        basis=(
            f"share {share.id} with agency {share.agency_id} under protocol {protocol.key} "
            f"version {protocol.version} until {share.until.isoformat()}{said}"
            + (f"; escalation {escalation.id} acted on" if escalation else "")
        ),
    )


def _not_in_force(session: Session, protocol: ProtocolRecord, today: date) -> str:
    """Why a share cannot be made under ``protocol`` today, and what to share under."""
    named = f"{protocol.title} (version {protocol.version})"
    now = protocol_records.active_version(session, protocol.key, today)
    instead = f": share under version {now.version}, in force now" if now else ""
    if protocol.status is ProtocolStatus.ACTIVE and protocol.start_on > today:
        return f"{named} comes into force on {protocol.start_on:%-d %B %Y}{instead}"
    if today > protocol.end_on:
        return f"{named} has expired: share only under an active protocol"
    if protocol.status is ProtocolStatus.ACTIVE or protocol.status is ProtocolStatus.SUPERSEDED:
        return f"{named} has been replaced by a later version{instead}"
    return f"{named} is {protocol.status.label.lower()}: share only under an active protocol"


def _live_share(
    session: Session,
    case: Case,
    agency: Agency,
    protocol: ProtocolRecord,
    purpose: str,
    today: date,
) -> Share | None:
    """The case's live share with ``agency`` for ``purpose`` under any version of
    ``protocol``, if it has one (a second would add nothing, and revoking one would leave
    the partner the case)."""
    return session.scalar(
        select(Share)
        .join(ProtocolRecord, ProtocolRecord.id == Share.protocol_id)
        .where(
            Share.case_id == case.id,
            Share.agency_id == agency.id,
            Share.purpose == purpose,
            ProtocolRecord.key == protocol.key,
            Share.revoked_at.is_(None),
            Share.until >= today,
        )
        .order_by(Share.until.desc())
        .limit(1)
    )


def revoke_share(
    session: Session, actor: Actor, share_id: int, now: datetime | None = None
) -> Share:
    """End a share at once (its access stops with it). Refused (``InputError``, recorded)
    for the share a conference made for the agency whose person chairs it (``chair_keeps``)."""
    share = share_to_revoke(session, actor, share_id)
    if share.revoked_at is None and (why := chair_keeps(session, share)):
        acts.refuse(
            session,
            acts.Action.SHARE_REVOKE,
            actor=actor,
            subject=acts.Subject("case", share.case_id),
            purpose=share.purpose,
            reason=f"refused: share {share.id} is the conference chair's agency's",
        )
        raise InputError("share", why)
    if share.revoked_at is None:
        _end(session, actor, share, now or clock.now())
    return share


def chair_keeps(session: Session, share: Share) -> str | None:
    """Why the share cannot be revoked, or None: it is the share a case conference made
    for the agency it is chaired from (``Conference.chaired_from``)."""
    invitation = session.scalar(
        select(ConferenceInvitation).where(
            ConferenceInvitation.share_id == share.id, ConferenceInvitation.withdrawn_at.is_(None)
        )
    )
    if invitation is None:
        return None
    conference = invitation.conference
    if not conference.chaired_from(share.agency_id):
        return None
    return (
        f"You cannot revoke the share with {share.agency.name}: "
        f"{conference.chair.display_name} of {share.agency.name} chairs the case conference "
        "it was made for, and could then neither open the conference nor agree its minutes"
    )


def share_to_revoke(session: Session, actor: Actor, share_id: int) -> Share:
    """A share the actor may revoke (for the page that asks first); ``NotFound`` or
    ``NotAllowed`` as revoking it would be refused."""
    share = session.get(Share, share_id)
    if share is None:
        raise NotFound(share_id)
    authorise(session, actor, share.case_id, Act.REVOKE_SHARE)
    return share


def end_at_closing(session: Session, actor: Actor, case: Case, closed_at: datetime) -> list[Share]:
    """End, as ``case`` closes, its live shares for ASB case management: that protocol's
    retention ends a share "when the case closes". Each is revoked at the closing, by the
    person closing it, and audited as a revocation. The workflows' shares are left to their
    own protocols, which do not end them at closure: a conference's lasts until its
    actions are done (at most 12 months), a Community Trigger review's until the applicant
    is told the outcome, a safeguarding referral's for its 90 days."""
    live = session.scalars(
        select(Share)
        .where(
            Share.case_id == case.id,
            Share.purpose == CASE_MANAGEMENT,
            Share.revoked_at.is_(None),
            Share.until >= clock.day_of(closed_at),
        )
        .order_by(Share.id)
    ).all()
    for share in live:
        _end(session, actor, share, closed_at, why="the case closed")
    return list(live)


def end_with_conference(session: Session, actor: Actor, share: Share, at: datetime) -> None:
    """End, as its conference is cancelled (its sitting cancelled by ``actor``), the
    share its invitation made, audited as a revocation: no one meets, so nothing is read
    for the meeting."""
    if share.revoked_at is None:
        _end(session, actor, share, at, why="its conference was cancelled")


def _end(session: Session, actor: Actor, share: Share, at: datetime, why: str = "") -> None:
    share.revoked_at = at
    share.revoked_by_id = actor.user_id
    session.flush()
    acts.record(
        session,
        acts.Action.SHARE_REVOKE,
        actor=actor,
        subject=acts.Subject("case", share.case_id),
        purpose=share.purpose,
        basis=f"share {share.id} with agency {share.agency_id}" + (f": {why}" if why else ""),
    )


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
        return f"the protocol comes into force on {_day(active.start_on)}"
    if today > active.end_on:
        return f"the protocol ended on {_day(active.end_on)}"
    return (
        f"version {active.version} of the protocol gives {share.agency.name} nothing for "
        f"{share.purpose.replace('_', ' ')}"
    )


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


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
