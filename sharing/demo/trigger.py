"""The demo partnership's Community Trigger applications, recorded by its Trigger lead
from victims the demo holds at several relevant bodies, so the threshold counts are real:
one received 40 working days ago for the victim most widely held (decided met), one 25
working days ago for one held once (decided not met), each decided as the rules advised
after the lead looked, and one received three working days ago, waiting for its
decision. Each step as the lead took it, with the clock held then."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.crypto.sealing import unseal_many
from sharing.models import Agency, Case, CaseParty, Person, User
from sharing.trigger import applications
from sharing.trigger.complaints import relevant_agencies
from sharing.trigger.procedure import load_procedure
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


def _victims(session: Session, agency_ids: set[int]) -> list[tuple[str, str, str]]:
    """(given names, family name, date of birth) of victims held by the relevant bodies,
    the most widely held first."""
    held: dict[tuple[str, str], set[int]] = defaultdict(set)
    given: dict[tuple[str, str], str] = {}
    rows = session.execute(
        select(Person, Case.agency_id)
        .join(CaseParty, CaseParty.person_id == Person.id)
        .join(Case, Case.id == CaseParty.case_id)
        .where(
            CaseParty.role == PartyRole.VICTIM,
            Case.erased_at.is_(None),
            Person.erased_at.is_(None),
            Case.agency_id.in_(agency_ids),
        )
        .order_by(Person.id)
    ).all()
    for person, agency_id in rows:
        values = unseal_many(person, ("given_names", "family_name", "date_of_birth"))
        if values["family_name"] and values["date_of_birth"]:
            key = (values["family_name"], values["date_of_birth"])
            held[key].add(agency_id)
            given.setdefault(key, values["given_names"] or "")
    found = sorted(held, key=lambda k: -len(held[k]))
    return [(given[k], k[0], k[1]) for k in found]


def receive_applications(session: Session, today: date) -> int:
    """Record and decide the demo's applications; how many there are."""
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
    relevant = {a.id for a in relevant_agencies(session, procedure, lead_agency.area_id)}
    victims = _victims(session, relevant)
    if lead is None or len(victims) < 3:
        return 0
    # The most widely held victim, the least widely held, and the next most widely held.
    victims = [victims[0], victims[-1], victims[1]]
    actor = Actor.of(lead)
    calendar = england_and_wales()
    #: How many working days ago each was received; the first two were decided 7 working
    #: days later, as the rules advised.
    made = 0
    for (given, family, born), problem, (days_ago, decided) in zip(
        victims, PROBLEMS, [(40, True), (25, True), (3, False)], strict=False
    ):
        received = _working_days_before(today, days_ago)
        with clock.pinned(_at(received, 11)) as now:
            application = applications.record_application(
                session,
                actor,
                procedure,
                applications.ApplicationInput(
                    received_on=received,
                    channel="phone",
                    victim_kind="person",
                    victim_given_names=given,
                    victim_family_name=family,
                    victim_date_of_birth=date.fromisoformat(born),
                    problem=problem,
                ),
                now=now,
            )
        made += 1
        if decided:
            decided_on = calendar.add(received, 7)
            with clock.pinned(_at(decided_on, 15)) as now:
                page = applications.application_page(session, actor, procedure, application.id)
                decision = "met" if page.advice_met else "not_met"
                applications.decide(
                    session,
                    actor,
                    procedure,
                    application.id,
                    decision,
                    "Complaints to several agencies in the last six months; the response "
                    "has not been joined up."
                    if decision == "met"
                    else "The complaints do not reach the local threshold; advice given on "
                    "reporting further incidents.",
                    now=now,
                )
    return made


def _working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day``."""
    calendar = england_and_wales()
    found = day
    while calendar.between(found, day) < count or not calendar.is_working_day(found):
        found = date.fromordinal(found.toordinal() - 1)
    return found
