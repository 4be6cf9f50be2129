"""Sharing a case with a partner agency under an active protocol, for a purpose, until a
date: by the case's owner on the share form (for ASB case management), or by a workflow
(a conference's invitations, a Community Trigger review's panel, a safeguarding
referral), with the terms each is refused on. Ending a share is ``share_ending``; the
lists of shares on a case and shared with an agency are ``share_lists``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import LOCKED, Act, Actor
from sharing.access.facts import policy
from sharing.access.scope import CaseState
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.models import Agency, Case, Escalation, ProtocolRecord, Share
from sharing.protocols import Purpose
from sharing.protocols import records as protocol_records
from sharing.protocols.records import purpose_title, shareable_purposes
from sharing.risk import escalation as escalation_prompts
from sharing.vocabulary import CaseStatus, ProtocolStatus, ShareOrigin

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
            f"{clock.day_text(live.until)}: to change the date, revoke that share and "
            "share it again",
            f"share {live.id} with agency {agency.id} under {named} is live",
        )
    share = _made(session, actor, case, agency, protocol, purpose, until, origin, now)
    if escalation is not None:
        escalation_prompts.answered_by_act(
            escalation,
            actor.user_id,
            f"Shared with {agency.name} for {purpose_title(protocol, purpose)} until "
            f"{clock.day_text(until)}.",
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
