"""The demo partnership's Community Trigger applications, recorded by its Trigger lead
from victims the demo holds at several relevant bodies, so the threshold counts are real:
one received 40 working days ago from the most widely held victim whose complaints meet
the threshold (decided met, then reviewed: the area's review panel sat on it, the holders
brought their cases, it made recommendations to the police and the landlord, the outcome
letter went, and the applicant's appeal was not upheld); one 25 working days ago from the
least widely held whose do not (decided not met); one 12 working days ago whose
complaints do not meet the rules, met by the lead's discretion to protect the victim and
before the panel's next sitting; each decided seven (the discretion five) working days
after receipt; and one received three working days ago, waiting for its decision. Each
step as the people took it, with the clock held then."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.demo.names import Resident
from sharing.demo.plan import CasePlan
from sharing.meetings import series
from sharing.models import Agency, MeetingSeries, ProtocolRecord, TriggerApplication, User
from sharing.trigger import applications, complaints, review, threshold
from sharing.trigger.complaints import relevant_agencies
from sharing.trigger.procedure import Procedure, load_procedure
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import PartyRole, Role

#: The partnership's procedure, shipped in the repository.
PROCEDURE = Path(__file__).resolve().parents[2] / "config" / "northshire-community-trigger.toml"
PROBLEMS = (
    "Loud parties and shouting most nights, and I have been threatened on the stairs. I "
    "have reported it to my landlord and the police and nothing changes.",
    "Youths gathering outside my shop every evening, damaging the shutters and swearing at "
    "customers.",
    "The people next door play music through the night and bang on the wall when I ask "
    "them to stop.",
    "My elderly mother is being targeted by people who come to her door at night; she is "
    "frightened to go out.",
)
#: The protocol the review panel shares cases under.
PANEL_PROTOCOL = "northshire-community-trigger"


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), clock.PARTNERSHIP_ZONE).astimezone(UTC)


def _victims(plans: Sequence[CasePlan], codes: set[str]) -> list[Resident]:
    """Victims the plan gives the relevant bodies (``codes``), the most widely held
    first."""
    held: dict[tuple[str, date], set[str]] = defaultdict(set)
    people: dict[tuple[str, date], Resident] = {}
    for plan in plans:
        if plan.agency not in codes:
            continue
        for party in plan.parties:
            if party.role is PartyRole.VICTIM and party.dob_known:
                key = (party.resident.family_name, party.resident.date_of_birth)
                held[key].add(plan.agency)
                people.setdefault(key, party.resident)
    return [people[k] for k in sorted(held, key=lambda k: (-len(held[k]), k))]


def receive_applications(session: Session, today: date, plans: Sequence[CasePlan]) -> int:
    """Record and decide the demo's applications (for victims of the cases ``plans`` made);
    how many there are."""
    procedure = load_procedure(PROCEDURE)
    lead_agency = session.scalar(select(Agency).where(Agency.code == procedure.lead))
    if lead_agency is None:
        return 0
    lead = next(
        (
            u
            for u in session.scalars(
                select(User).where(User.agency_id == lead_agency.id).order_by(User.id)
            )
            if Role.TRIGGER_LEAD in u.roles
        ),
        None,
    )
    relevant = {a.code for a in relevant_agencies(session, procedure, lead_agency.area_id)}
    victims = _victims(plans, relevant)
    if lead is None or not victims:
        return 0
    area = lead_agency.area_id
    met_on = _working_days_before(today, 40)
    not_met_on = _working_days_before(today, 25)
    # The most widely held victim whose complaints met the threshold, the least widely
    # held whose did not, and the next most widely held, still waiting.
    met = next((v for v in victims if _advised(session, procedure, area, v, met_on)), None)
    not_met = next(
        (v for v in reversed(victims) if not _advised(session, procedure, area, v, not_met_on)),
        None,
    )
    waiting = next((v for v in victims if v not in (met, not_met)), None)
    discretion_on = _working_days_before(today, 12)
    discretion = next(
        (
            v
            for v in victims
            if v not in (met, not_met, waiting)
            and not _advised(session, procedure, area, v, discretion_on)
        ),
        None,
    )
    actor = Actor.of(lead)
    made = 0
    for victim, problem, received, decision in (
        (met, PROBLEMS[0], met_on, "met"),
        (not_met, PROBLEMS[1], not_met_on, "not_met"),
        (discretion, PROBLEMS[3], discretion_on, "discretion"),
        (waiting, PROBLEMS[2], _working_days_before(today, 3), None),
    ):
        if victim is None:
            continue
        application = _apply(session, actor, procedure, victim, problem, received, decision)
        if decision == "met":
            _reviewed(session, actor, procedure, application, today)
        elif decision == "discretion":
            _before_the_panel(session, actor, procedure, application, today)
        made += 1
    return made


def _panel(session: Session, procedure: Procedure, at: datetime, first: datetime) -> MeetingSeries:
    """The area's ASB Case Review panel: set up by the community safety manager, chaired
    by its conference chair, with the police, the integrated care board and the largest
    landlord as standing members."""
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == PANEL_PROTOCOL, ProtocolRecord.status == "active"
        )
    )
    members = [
        _user(session, code, role)
        for code, role in (
            ("northshire-police", Role.MANAGER),
            ("northshire-icb", Role.PARTNER_VIEWER),
            ("northshire-homes", Role.MANAGER),
        )
    ]
    with clock.pinned(at) as now:
        return series.set_up(
            session,
            Actor.of(_user(session, procedure.lead, Role.MANAGER)),
            series.SeriesInput(
                name="Northshire ASB Case Review panel",
                cadence="monthly",
                protocol_id=protocol.id if protocol else None,
                purpose=review.PURPOSE,
                chair_id=_user(session, procedure.lead, Role.CONFERENCE_CHAIR).id,
                member_ids=[m.id for m in members],
                first_at=first,
                place="Northshire Civic Centre, committee room 2",
            ),
            now=now,
        )


def _user(session: Session, code: str, role: Role) -> User:
    users = session.scalars(
        select(User)
        .join(Agency, User.agency_id == Agency.id)
        .where(Agency.code == code)
        .order_by(User.id)
    )
    return next(u for u in users if role in u.roles)


def _reviewed(
    session: Session,
    lead: Actor,
    procedure: Procedure,
    application: TriggerApplication,
    today: date,
) -> None:
    """The met application's review: the panel set up the day after the decision and
    sitting ten working days after it; the holders bring their cases; two recommendations;
    the outcome three working days after the sitting; the appeal ten working days later,
    not upheld."""
    calendar = england_and_wales()
    decided = clock.day_of(application.decided_at or clock.now())
    sat_on = calendar.add(decided, 10)
    panel = _panel(session, procedure, _at(calendar.add(decided, 1), 9), _at(sat_on, 10))
    sitting = panel.sittings[0]
    with clock.pinned(_at(calendar.add(decided, 1), 10)) as now:
        review.convene(session, lead, procedure, application.id, sitting.id, now=now)
    for request in application.requests:
        if request.locked or request.case is None:
            continue  # a locked case's lock members decide for themselves
        with clock.pinned(_at(calendar.add(decided, 2), 11)) as now:
            series.bring_case(
                session,
                authorise(session, Actor.of(request.case.officer), request.case.id, Act.CONVENE),
                sitting.id,
                f"ASB Case Review {application.reference}: how the complaints were dealt with",
                share_days=28,
                now=now,
            )
    police = _user(session, "northshire-police", Role.MANAGER)
    homes = _user(session, "northshire-homes", Role.MANAGER)
    with clock.pinned(_at(sat_on, 15)) as now:
        for owner, days, text in (
            (police, 30, "Neighbourhood patrols of the block on Friday and Saturday evenings"),
            (homes, 20, "Visit the household with the police and consider an injunction"),
        ):
            review.recommend(
                session,
                lead,
                procedure,
                application.id,
                review.RecommendationInput(owner.agency_id, sat_on + timedelta(days=days), text),
                now=now,
            )
    with clock.pinned(_at(calendar.add(sat_on, 3), 12)) as now:
        review.record_outcome(
            session,
            lead,
            procedure,
            application.id,
            "The landlord and the police each acted on the reports made to them, but did "
            "not share what they knew or agree a plan, and nobody told you what was being "
            "done.",
            "The police and the landlord will carry out the recommendations below, and the "
            "community safety team will write to you when they are done.",
            now=now,
        )
    homes_done = calendar.add(sat_on, 12)
    if homes_done < today:
        homes_recommendation = application.recommendations[-1]
        with clock.pinned(_at(homes_done, 16)) as now:
            review.complete(
                session,
                Actor.of(homes),
                homes_recommendation.id,
                "Visited with the police; a warning given and an injunction is being prepared.",
                now=now,
            )
    appealed = calendar.add(sat_on, 13)
    decided_appeal = calendar.add(appealed, 8)
    if decided_appeal < today:
        with clock.pinned(_at(appealed, 10)) as now:
            review.record_appeal(
                session,
                lead,
                procedure,
                application.id,
                appealed,
                "The review did not look at the threats on the stairs.",
                now=now,
            )
        with clock.pinned(_at(decided_appeal, 14)) as now:
            review.decide_appeal(
                session,
                lead,
                procedure,
                application.id,
                "not_upheld",
                "The panel looked at every complaint, including the threats, and its "
                "recommendations address them.",
                decided_appeal,
                now=now,
            )


def _before_the_panel(
    session: Session,
    lead: Actor,
    procedure: Procedure,
    application: TriggerApplication,
    today: date,
) -> None:
    """The discretion application, put before the panel's next sitting (eight days on)."""
    panel = session.scalar(select(MeetingSeries).where(MeetingSeries.purpose == review.PURPOSE))
    if panel is None:
        return
    with clock.pinned(_at(_working_days_before(today, 1), 9)) as now:
        sitting = series.schedule(
            session,
            Actor.of(_user(session, procedure.lead, Role.MANAGER)),
            panel.id,
            _at(today + timedelta(days=8), 10),
            now=now,
        )
        review.convene(session, lead, procedure, application.id, sitting.id, now=now)


def _advised(
    session: Session, procedure: Procedure, area_id: int, victim: Resident, on: date
) -> bool:
    """Whether the rules advise that an application by ``victim`` on ``on`` meets the
    threshold."""
    found = complaints.gather(
        session,
        procedure,
        area_id,
        complaints.Applicant(family_name=victim.family_name, date_of_birth=victim.date_of_birth),
    )
    return threshold.assess(found.complaints, procedure, on).met


def _apply(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    victim: Resident,
    problem: str,
    received: date,
    decision: str | None,
) -> TriggerApplication:
    """The application as the lead recorded it, and (after the lead looked at it, seven
    working days later) its decision."""
    with clock.pinned(_at(received, 11)) as now:
        application = applications.record_application(
            session,
            actor,
            procedure,
            applications.ApplicationInput(
                received_on=received,
                channel="phone",
                victim_kind="person",
                victim_given_names=victim.given_names,
                victim_family_name=victim.family_name,
                victim_date_of_birth=victim.date_of_birth,
                problem=problem,
            ),
            now=now,
        )
    if decision is None:
        return application
    wait = 5 if decision == "discretion" else 7
    with clock.pinned(_at(england_and_wales().add(received, wait), 15)) as now:
        applications.application_page(session, actor, procedure, application.id)
        applications.decide(
            session,
            actor,
            procedure,
            application.id,
            decision,
            "Complaints to several agencies in the last six months; the response has not "
            "been joined up."
            if decision == "met"
            else "The complaints do not reach the local threshold; advice given on "
            "reporting further incidents."
            if decision == "not_met"
            else "An elderly victim, frightened to leave home: reviewed to protect her, "
            "though the complaints do not reach the count.",
            now=now,
        )
    return application


def _working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day``."""
    calendar = england_and_wales()
    found = day
    while calendar.between(found, day) < count or not calendar.is_working_day(found):
        found = date.fromordinal(found.toordinal() - 1)
    return found
