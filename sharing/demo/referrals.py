"""The demo partnership's safeguarding referrals: the victim on the red Northshire Homes
case that went to conference was referred to adult safeguarding before it (an enquiry
under way); the victim on the case whose conference is next week was referred two days
ago, waiting for the team. Each step through the referral services, as the person who
took it, with the clock held at the moment it happened."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import referrals
from sharing.models import Agency, Conference, User
from sharing.vocabulary import ReferralKind, ReferralOutcome

CONCERNS = (
    "Lives alone with a care package and early dementia; the abuse on the landing leaves "
    "her afraid to open the door to her carers. She agreed to the referral.",
    "Has a learning disability and is being pressured into letting the reported person's "
    "friends use the flat. He agreed to the referral with his support worker.",
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
        with clock.pinned(_at_hour(today - timedelta(days=days_ago), 11)) as now:
            authorised = authorise(session, officer, case.id, Act.SHARE)
            people = referrals.people_to_refer(session, authorised)
            if not people:
                continue
            referral = referrals.refer_to_safeguarding(
                session,
                authorised,
                ReferralKind.ADULT_SAFEGUARDING,
                people[0][0],
                concern,
                now=now,
            )
        made += 1
        if days_ago > 10 and lead is not None:
            with clock.pinned(_at_hour(today - timedelta(days=days_ago - 3), 15)) as now:
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
    return made
