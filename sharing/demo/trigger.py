"""The demo partnership's Community Trigger applications, recorded by its Trigger lead
from victims the demo holds at several relevant bodies, so the threshold counts are real:
one received 40 working days ago from the most widely held victim whose complaints meet
the threshold (decided met), one 25 working days ago from the least widely held whose do
not (decided not met), each decided seven working days later after the lead looked, and
one received three working days ago, waiting for its decision. Each step as the lead took it, with the clock held then."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.demo.names import Resident
from sharing.demo.plan import CasePlan
from sharing.models import Agency, User
from sharing.trigger import applications, complaints, threshold
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
)


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
    actor = Actor.of(lead)
    made = 0
    for victim, problem, received, decision in (
        (met, PROBLEMS[0], met_on, "met"),
        (not_met, PROBLEMS[1], not_met_on, "not_met"),
        (waiting, PROBLEMS[2], _working_days_before(today, 3), None),
    ):
        if victim is None:
            continue
        _apply(session, actor, procedure, victim, problem, received, decision)
        made += 1
    return made


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
) -> None:
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
        return
    with clock.pinned(_at(england_and_wales().add(received, 7), 15)) as now:
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
            "reporting further incidents.",
            now=now,
        )


def _working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day``."""
    calendar = england_and_wales()
    found = day
    while calendar.between(found, day) < count or not calendar.is_working_day(found):
        found = date.fromordinal(found.toordinal() - 1)
    return found
