"""Safeguarding referrals: an adult with care and support needs at risk of abuse or
neglect (Care Act 2014 s.42), or a child in need or at risk (Children Act 1989 ss.17 and
47), referred to the area's adult or children's safeguarding team in the hub.
``refer_to_safeguarding`` shares the case with the team under the safeguarding referral
protocol's clause (authorised for ``Act.SHARE``) and tells the team by a notice; the team
records the outcome on the referral through that share (``sharing.cases.referrals``,
which also keeps the referrals to services outside the hub).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import case_notices, clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.access.facts import policy
from sharing.audit import acts
from sharing.cases import shares
from sharing.cases.referrals import (
    MAX_NOTE,
    SAFEGUARDING_PURPOSE,
    ReferralLine,
    people_to_refer,
    record_on_case,
    referral_lines,
)
from sharing.crypto.sealing import seal_many
from sharing.errors import InputError
from sharing.formats import checked_text
from sharing.models import Agency, Case, ProtocolRecord, Referral
from sharing.protocols.records import shareable_purposes
from sharing.vocabulary import AgencyType, ReferralKind, ShareOrigin

#: How long the safeguarding team may open the case after a referral (unless the owning
#: agency ends the share sooner, or the protocol ends first).
REFERRAL_SHARE_DAYS = 90
#: The safeguarding team each kind of safeguarding referral goes to.
TEAMS = {
    ReferralKind.ADULT_SAFEGUARDING: AgencyType.ADULT_SAFEGUARDING,
    ReferralKind.CHILDRENS_SAFEGUARDING: AgencyType.CHILDRENS_SAFEGUARDING,
}


def safeguarding_referrals(
    session: Session, authorised: AuthorisedCase
) -> list[ReferralLine] | None:
    """The case's safeguarding referrals: all of them for its own agency; for a safeguarding
    team opening the case for a referral, those made to it; None for anyone else (no audit
    entry: the case page records its view)."""
    if not (authorised.decision.own_agency or authorised.purpose == SAFEGUARDING_PURPOSE):
        return None
    return referral_lines(session, authorised, tuple(TEAMS))


@dataclass(frozen=True)
class Team:
    """A safeguarding team a case may be referred to, or why it cannot be."""

    kind: ReferralKind
    agency: Agency | None
    protocol: ProtocolRecord | None
    refusal: str | None = None


def safeguarding_teams(session: Session, case: Case) -> list[Team]:
    """The area's adult and children's safeguarding teams, each with the active protocol
    whose clause gives it the case for a safeguarding referral, or why there is none."""
    protocols = [r for r, p in shareable_purposes(session) if p.id == SAFEGUARDING_PURPOSE]
    compiled = policy(session)
    teams = []
    for kind, agency_type in TEAMS.items():
        agency = session.scalar(
            select(Agency)
            .where(Agency.area_id == case.agency.area_id, Agency.type == agency_type)
            .order_by(Agency.id)
        )
        if agency is None:
            teams.append(
                Team(
                    kind,
                    None,
                    None,
                    f"The partnership has no {agency_type.label.lower()} team in the hub",
                )
            )
            continue
        granted = {g.protocol_id for g in compiled.grants(agency.id, SAFEGUARDING_PURPOSE)}
        protocol = next((r for r in protocols if r.id in granted), None)
        teams.append(
            Team(
                kind,
                agency,
                protocol,
                None
                if protocol is not None
                else f"{agency.name} is not a party to an active safeguarding referral protocol",
            )
        )
    return teams


def refer_to_safeguarding(
    session: Session,
    authorised: AuthorisedCase,
    kind: ReferralKind | None,
    person_id: int | None,
    reason: str,
    now: datetime | None = None,
) -> Referral:
    """Refer a person on the case to the area's adult or children's safeguarding team
    (authorised for ``Act.SHARE``): the case is shared with the team under the safeguarding
    referral protocol for ``REFERRAL_SHARE_DAYS``, the referral names the team and the
    share, and the team's people who may open it are told (``case_notices.referral_made``).
    Refused with its field and reason, nothing written and the refusal recorded,
    for no team chosen, a team no active protocol covers, a person not on the case, or no
    reason."""
    authorised.require(Act.SHARE)
    now = now or clock.now()
    with acts.refusing_input(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        what="safeguarding referral",
    ):
        team = next(
            (t for t in safeguarding_teams(session, authorised.case) if t.kind is kind), None
        )
        if team is None:
            raise InputError("kind", "Select adult or children's safeguarding")
        if team.refusal or team.agency is None or team.protocol is None:
            raise InputError("kind", team.refusal or "That team cannot receive referrals")
        if person_id not in {p for p, _ in people_to_refer(session, authorised)}:
            raise InputError("person", "Select the person you are referring")
        text = checked_text(
            "reason",
            reason,
            limit=MAX_NOTE,
            what="what you are worried about",
            required="Say why you are worried about them",
        )
    until = clock.day_of(now) + timedelta(days=REFERRAL_SHARE_DAYS)
    share = shares.share_case(
        session,
        authorised,
        agency_id=team.agency.id,
        protocol_id=team.protocol.id,
        purpose=SAFEGUARDING_PURPOSE,
        until=min(until, team.protocol.end_on),
        origin=ShareOrigin.REFERRAL,
        now=now,
    )
    referral = Referral(
        case_id=authorised.id,
        kind=team.kind,
        person_id=person_id,
        referred_by_id=authorised.actor.user_id,
        referred_at=now,
        agency_id=team.agency.id,
        share_id=share.id,
    )
    session.add(referral)
    session.flush()
    seal_many(referral, {"reason": text})
    session.flush()
    case_notices.referral_made(session, referral, now)
    record_on_case(
        session,
        authorised,
        f"referral {referral.id} ({team.kind.value}) to agency {team.agency.id}; share {share.id}",
    )
    return referral
