"""The demo partnership's referrals: the victim on the red Northshire Homes case that went
to conference was referred to adult safeguarding before it (an enquiry under way); the
victim on the case whose conference is next week was referred two days ago, waiting for
the team. And the landlords' hate case with the most hate incidents has been through the
hate incident pathway (procedure 3.5) in the last week: made priority 1, shared with the police,
and its victim referred to the hate incident support service, which took them on. Each
step through the hub's services, as the person who took it, with the clock held at the
moment it happened, on working days (the last before, where a day falls on a weekend or a
bank holiday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import referrals, safeguarding_referrals, shares
from sharing.demo import office
from sharing.demo.steps import notices_went
from sharing.models import Agency, Case, Conference, Incident, ProtocolRecord, Share, User
from sharing.risk.assessments import change_triage
from sharing.vocabulary import (
    AgencyType,
    CaseStatus,
    Priority,
    ProtocolStatus,
    ReferralKind,
    ReferralOutcome,
    Triage,
)

CONCERNS = (
    "Lives alone with a care package after a brain injury; the abuse on the landing leaves "
    "them afraid to open the door to their carers. They agreed to the referral.",
    "Has a learning disability and is being pressured into letting the reported person's "
    "friends use the flat. They agreed to the referral with their support worker.",
)


def _at_hour(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), clock.PARTNERSHIP_ZONE).astimezone(UTC)


def refer_to_safeguarding(session: Session, today: date) -> int:
    """Make the demo's safeguarding referrals (the cases of its first two conferences not
    on a partnership meeting's agenda); how many were made."""
    conferences = session.scalars(
        select(Conference).where(Conference.sitting_id.is_(None)).order_by(Conference.starts_at)
    ).all()
    lead = session.scalars(
        select(User)
        .join(Agency, Agency.id == User.agency_id)
        .where(Agency.code == "northshire-adults")
        .order_by(User.id)
    ).first()
    made = 0
    for conference, days_ago, concern in zip(conferences, (25, 2), CONCERNS, strict=False):
        case = conference.case
        officer = Actor.of(case.officer)
        referred_on = office.on_or_before(today - timedelta(days=days_ago))
        with clock.pinned(_at_hour(referred_on, 11)) as now:
            authorised = authorise(session, officer, case.id, Act.SHARE)
            people = referrals.people_to_refer(session, authorised)
            if not people:
                continue
            referral = safeguarding_referrals.refer_to_safeguarding(
                session,
                authorised,
                ReferralKind.ADULT_SAFEGUARDING,
                people[0][0],
                concern,
                now=now,
            )
        made += 1
        if days_ago > 10 and lead is not None:
            answered_on = office.on_or_before(today - timedelta(days=days_ago - 3))
            with clock.pinned(_at_hour(answered_on, 15)) as now:
                viewing = authorise(
                    session, Actor.of(lead), case.id, Act.VIEW, referrals.SAFEGUARDING_PURPOSE
                )
                referrals.record_outcome(
                    session,
                    viewing,
                    referral.id,
                    ReferralOutcome.ENQUIRY,
                    "Section 42 enquiry opened; the social worker will join the case conference.",
                    now=now,
                )
    notices_went(session)  # the team was told when each referral was made
    return made


def follow_hate_pathway(session: Session, today: date) -> bool:
    """Take the landlords' open hate case with the most hate incidents through the
    pathway; whether there was one to take."""
    counts = (
        select(Incident.case_id, func.count().label("hate_incidents"))
        .where(Incident.hate_related)
        .group_by(Incident.case_id)
        .subquery()
    )
    case = session.scalars(
        select(Case)
        .join(counts, counts.c.case_id == Case.id)
        .where(
            Case.hate_motivated,
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.agency.has(type=AgencyType.LANDLORD),
        )
        .order_by(counts.c.hate_incidents.desc(), Case.id)
    ).first()
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-asb-case-management",
            ProtocolRecord.status == ProtocolStatus.ACTIVE,
        )
    )
    police = session.scalar(select(Agency).where(Agency.type == AgencyType.POLICE))
    if case is None or protocol is None or police is None:
        return False
    officer = Actor.of(case.officer)
    # On working days: the last three before today's end, two days apart, as they fall.
    answered_on = office.on_or_before(today - timedelta(days=2))
    referred_on = office.on_or_before(min(today - timedelta(days=5), answered_on - timedelta(1)))
    raised_on = office.on_or_before(min(today - timedelta(days=6), referred_on - timedelta(1)))
    with clock.pinned(_at_hour(raised_on, 10)) as now:
        if case.priority is not Priority.RED_URGENT:
            change_triage(
                session,
                authorise(session, officer, case.id, Act.ASSESS_RISK),
                priority=Priority.RED_URGENT,
                triage=Triage.SERIOUS,
                reason="Hate incidents: priority 1 under procedure 3.5.",
                now=now,
            )
        live = session.scalar(
            select(Share.id).where(
                Share.case_id == case.id,
                Share.agency_id == police.id,
                Share.revoked_at.is_(None),
                Share.until >= today,
            )
        )
        if live is None:
            shares.share_case(
                session,
                authorise(session, officer, case.id, Act.SHARE),
                agency_id=police.id,
                protocol_id=protocol.id,
                purpose="asb_case_management",
                until=min(protocol.end_on, today + timedelta(days=120)),
                now=now,
            )
    with clock.pinned(_at_hour(referred_on, 14)) as now:
        recording = authorise(session, officer, case.id, Act.RECORD)
        people = referrals.people_to_refer(session, recording)
        if not people:
            return True
        referral = referrals.refer(
            session,
            recording,
            ReferralKind.HATE_SERVICE,
            people[0][0],
            "Agreed to a referral for emotional support and help reporting further incidents.",
            now=now,
        )
    with clock.pinned(_at_hour(answered_on, 12)) as now:
        referrals.record_outcome(
            session,
            authorise(session, officer, case.id, Act.RECORD),
            referral.id,
            ReferralOutcome.ACCEPTED,
            "A caseworker from the service has visited.",
            now=now,
        )
    return True
