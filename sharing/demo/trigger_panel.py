"""The demo's Community Trigger applications before the area's ASB Case Review panel (a
partnership meeting under the Community Trigger protocol, set up for the first review):
each review a sitting of it, to which the agencies holding the counted complaints bring
their cases, with its recommendations, outcome and the applicant's appeal
(``reviewed``); an appeal upheld against "not met", so that the lead is to decide again
(``sent_back``); and an application put before the panel's next sitting
(``before_the_panel``). Each step as the people took it, with the clock held then."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.demo.steps import at_hour, staff_with
from sharing.demo.trigger_year import Slot, working_days_before
from sharing.meetings import bringing_cases, series
from sharing.meetings.sitting_clashes import sittings_near
from sharing.models import MeetingSeries, MeetingSitting, ProtocolRecord, TriggerApplication
from sharing.trigger import review, review_outcome, review_recommendations
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import england_and_wales, working_day_from
from sharing.vocabulary import CaseStatus, Role

#: The protocol the review panel shares cases under.
PANEL_PROTOCOL = "northshire-community-trigger"


def _panel_sits(session: Session, day: date) -> datetime:
    """When the review panel sits on ``day``: at 10am, or at 2pm when another meeting of
    the partnership sits that morning (their members are often the same people)."""
    morning = at_hour(day, 10)
    if session.scalar(sittings_near(morning, None)) is not None:
        return at_hour(day, 14)
    return morning


def _panel(session: Session, procedure: Procedure, at: datetime, first: datetime) -> MeetingSeries:
    """The area's ASB Case Review panel: set up and chaired by the community safety
    manager (the Community Trigger protocol gives conference chairs nothing), with the police, the integrated care board and the largest
    landlord as standing members."""
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == PANEL_PROTOCOL, ProtocolRecord.status == "active"
        )
    )
    members = [
        staff_with(session, code, role)
        for code, role in (
            ("northshire-police", Role.MANAGER),
            ("northshire-icb", Role.PARTNER_VIEWER),
            ("northshire-homes", Role.MANAGER),
        )
    ]
    with clock.pinned(at) as now:
        return series.set_up(
            session,
            Actor.of(staff_with(session, procedure.lead, Role.MANAGER)),
            series.SeriesInput(
                name="Northshire ASB Case Review panel",
                cadence="monthly",
                protocol_id=protocol.id if protocol else None,
                purpose=review.PURPOSE,
                chair_id=staff_with(session, procedure.lead, Role.MANAGER).id,
                member_ids=[m.id for m in members],
                first_at=first,
                place="Northshire Civic Centre, committee room 2",
            ),
            now=now,
        )


def reviewed(
    session: Session,
    lead: Actor,
    procedure: Procedure,
    application: TriggerApplication,
    today: date,
    slot: Slot,
) -> None:
    """The application's review: before a sitting of the panel ten working days after
    the decision (the panel set up the day after the first decision to need it); the
    holders bring their cases; the slot's recommendations; the outcome three working days
    after the sitting; each recommendation done twelve working days after the sitting but
    the last of an appealed review; and, if the slot says, an appeal ten working days
    after the outcome, not upheld."""
    calendar = england_and_wales()
    decided = clock.day_of(application.decided_at or clock.now())
    sat_on = calendar.add(decided, 10)
    sitting = _sitting(
        session, procedure, at_hour(calendar.add(decided, 1), 9), _panel_sits(session, sat_on)
    )
    with clock.pinned(at_hour(calendar.add(decided, 1), 10)) as now:
        review.convene(session, lead, procedure, application.id, sitting.id, now=now)
    for request in application.requests:
        case = request.case
        if request.locked or case is None or case.status is not CaseStatus.ACTIVE:
            continue  # a locked case's lock members decide for themselves
        with clock.pinned(at_hour(calendar.add(decided, 2), 11)) as now:
            bringing_cases.bring_case(
                session,
                authorise(session, Actor.of(case.officer), case.id, Act.CONVENE),
                sitting.id,
                f"ASB Case Review {application.reference}: how the complaints were dealt with",
                share_days=28,
                now=now,
            )
    with clock.pinned(at_hour(sat_on, 15)) as now:
        for code, days, text in slot.recommendations:
            owner = staff_with(session, code, Role.MANAGER)
            review_recommendations.recommend(
                session,
                lead,
                procedure,
                application.id,
                review_recommendations.RecommendationInput(
                    owner.agency_id, working_day_from(sat_on + timedelta(days=days), calendar), text
                ),
                now=now,
            )
    with clock.pinned(at_hour(calendar.add(sat_on, 3), 12)) as now:
        review_outcome.record_outcome(
            session,
            lead,
            procedure,
            application.id,
            "The agencies each acted on the reports made to them, but did not share what "
            "they knew or agree a plan, and nobody told you what was being done.",
            "A named officer at your landlord will be your single point of contact from now "
            "on and will call you within a week; keep your incident diary, and call 999 if "
            "you are in danger."
            if slot.recommendations
            else "The agencies will keep working together on the case as they are.",
            now=now,
        )
    done_on = calendar.add(sat_on, 12)
    to_do = application.recommendations[:-1] if slot.appealed else application.recommendations
    for recommendation in to_do:
        if done_on >= today:
            break
        manager = notices.managers(session, recommendation.owner_agency_id)[0]
        with clock.pinned(at_hour(done_on, 16)) as now:
            review_recommendations.complete(
                session,
                Actor.of(manager),
                recommendation.id,
                "Done as recommended; the applicant was told.",
                now=now,
            )
    if not slot.appealed:
        return
    _appeal(
        session,
        lead,
        procedure,
        application,
        today,
        calendar.add(sat_on, 13),
        "The review did not look at the threats on the stairs.",
        "not_upheld",
        "The panel looked at every complaint, including the threats, and its "
        "recommendations address them.",
    )


def sent_back(
    session: Session,
    lead: Actor,
    procedure: Procedure,
    application: TriggerApplication,
    today: date,
) -> None:
    """The applicant appeals the "not met" decision four working days after it, and the
    appeal body upholds the appeal eight working days later (before today): the threshold
    is to be decided again."""
    decided = clock.day_of(application.decided_at or clock.now())
    _appeal(
        session,
        lead,
        procedure,
        application,
        today,
        england_and_wales().add(decided, 4),
        "I have reported the youths to the police again and again and nobody asked me about it.",
        "upheld",
        "The applicant was not asked about the reports they made to the police, which may "
        "be held under another address: the decision is to be made again once they have "
        "been.",
    )


def _appeal(
    session: Session,
    lead: Actor,
    procedure: Procedure,
    application: TriggerApplication,
    today: date,
    appealed: date,
    reasons: str,
    decision: str,
    findings: str,
) -> None:
    """The applicant's appeal received on ``appealed`` with their ``reasons``, and the
    appeal body's ``decision`` and ``findings`` eight working days later; neither unless
    that day is before ``today``."""
    decided = england_and_wales().add(appealed, 8)
    if decided >= today:
        return
    with clock.pinned(at_hour(appealed, 10)) as now:
        review_outcome.record_appeal(
            session, lead, procedure, application.id, appealed, reasons, now=now
        )
    with clock.pinned(at_hour(decided, 14)) as now:
        review_outcome.decide_appeal(
            session, lead, procedure, application.id, decision, findings, decided, now=now
        )


def _sitting(
    session: Session, procedure: Procedure, at: datetime, sits: datetime
) -> MeetingSitting:
    """A sitting of the area's review panel at ``sits``: the panel set up then, if it is
    not yet; else a further sitting scheduled by the community safety manager."""
    panel = session.scalar(select(MeetingSeries).where(MeetingSeries.purpose == review.PURPOSE))
    if panel is None:
        return _panel(session, procedure, at, sits).sittings[0]
    with clock.pinned(at) as now:
        return series.schedule(
            session,
            Actor.of(staff_with(session, procedure.lead, Role.MANAGER)),
            panel.id,
            sits,
            now=now,
        )


def before_the_panel(
    session: Session,
    lead: Actor,
    procedure: Procedure,
    application: TriggerApplication,
    today: date,
) -> None:
    """The discretion application, put before the panel's next sitting (six working days
    on)."""
    panel = session.scalar(select(MeetingSeries).where(MeetingSeries.purpose == review.PURPOSE))
    if panel is None:
        return
    with clock.pinned(at_hour(working_days_before(today, 1), 9)) as now:
        sitting = series.schedule(
            session,
            Actor.of(staff_with(session, procedure.lead, Role.MANAGER)),
            panel.id,
            _panel_sits(session, england_and_wales().add(today, 6)),
            now=now,
        )
        review.convene(session, lead, procedure, application.id, sitting.id, now=now)
