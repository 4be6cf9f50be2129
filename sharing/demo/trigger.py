"""The demo partnership's year of Community Trigger applications, recorded by its Trigger
lead from victims the demo holds at relevant bodies, so the threshold counts are real
(``trigger_year.YEAR``): about nine months ago one met (a hate incident or three
complaints) and reviewed, its two recommendations done; one not met; one met whose
complaints include one on a case its landlord had just locked (the lead sees only who
holds it), reviewed without recommendations; one met by discretion to protect the victim,
reviewed; 40 working days ago one met, reviewed, with one recommendation still open, and
the applicant's appeal not upheld; 25 working days ago one not met, whose applicant
appealed and the appeal body upheld the appeal six working days ago, so the lead is to
decide again; 12 working days ago one met by discretion, before the panel's next sitting;
and one made on the public form three working days ago, waiting for its decision, its
applicant saying whom they reported it to, which the lead corrected the next day: an
agency holding their complaints they did not name. The panel is the area's ASB Case
Review panel (a partnership meeting under the Community Trigger protocol), set up for the
first review; each review is a sitting of it, to which the agencies holding the counted
complaints bring their cases (``trigger_panel``). Each step as the people took it, with
the clock held then."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import locks
from sharing.demo.names import Resident
from sharing.demo.plan import CasePlan
from sharing.demo.steps import at_hour, notices_went
from sharing.demo.trigger_panel import before_the_panel, reviewed, sent_back
from sharing.demo.trigger_year import YEAR, Slot, working_days_before
from sharing.models import Agency, Case, Conference, Share, TriggerApplication, TriggerLetter, User
from sharing.trigger import (
    applications,
    complaints,
    input_checks,
    pages,
    posting,
    reports,
    threshold,
)
from sharing.trigger.complaints import relevant_agencies
from sharing.trigger.procedure import Procedure, load_procedure
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import CaseStatus, LockReason, PartyRole, Role, TriggerChannel

#: The partnership's procedure, shipped in the repository.
PROCEDURE = Path(__file__).resolve().parents[2] / "config" / "northshire-community-trigger.toml"


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


def _homes(plans: Sequence[CasePlan]) -> dict[tuple[str, date], str]:
    """Each victim's address lines (their first case's), where their letters are posted:
    without the postcode, so that the threshold check finds their complaints by name and
    date of birth alone, as the demo's counts were planned."""
    homes: dict[tuple[str, date], str] = {}
    for plan in plans:
        for party in plan.parties:
            if party.role is PartyRole.VICTIM:
                key = (party.resident.family_name, party.resident.date_of_birth)
                homes.setdefault(key, ", ".join(plan.address.lines.splitlines()))
    return homes


def receive_applications(
    session: Session, today: date, plans: Sequence[CasePlan], seed: int
) -> int:
    """Record the demo's year of applications (for victims of the cases ``plans`` made),
    each decided and reviewed as its ``Slot`` says; how many there are. Their references'
    codes are drawn from ``seed``."""
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
    homes = _homes(plans)
    actor = Actor.of(lead)
    used: list[Resident] = []
    codes = random.Random(seed)
    made = 0
    for slot in YEAR:
        received = working_days_before(today, slot.working_days_ago)
        victim = _victim_for(session, procedure, area, victims, used, received, slot)
        if victim is None:
            continue
        used.append(victim)
        if slot.lock_one:
            _lock_a_counted_case(session, procedure, area, victim, received, lead_agency.id)
        home = homes[(victim.family_name, victim.date_of_birth)]
        application = _apply(
            session,
            actor,
            procedure,
            victim,
            home,
            slot,
            _reported(session, slot, received),
            received,
            codes,
        )
        if slot.corrected:
            _correct_reports(session, actor, procedure, area, application, victim, received)
        if slot.reviewed:
            reviewed(session, actor, procedure, application, today, slot)
        elif slot.before_the_panel:
            before_the_panel(session, actor, procedure, application, today)
        elif slot.sent_back:
            sent_back(session, actor, procedure, application, today)
        made += 1
    session.flush()
    notices_went(session)
    _posted(session, actor, procedure, today)
    return made


def _posted(session: Session, actor: Actor, procedure: Procedure, today: date) -> None:
    """The lead printed and posted each letter to post the working day after it was
    written, but for those written in the last four working days: still to post."""
    calendar = england_and_wales()
    since = working_days_before(today, 4)
    to_post = session.scalars(
        select(TriggerLetter)
        .where(TriggerLetter.by_post, TriggerLetter.posted_at.is_(None))
        .order_by(TriggerLetter.id)
    ).all()
    for letter in to_post:
        written = clock.day_of(letter.created_at)
        if written < since:
            posted_on = calendar.add(written, 1)
            with clock.pinned(at_hour(posted_on, 16)):
                posting.mark_posted(session, actor, procedure, letter.application_id, letter.kind)


def _victim_for(
    session: Session,
    procedure: Procedure,
    area: int,
    victims: Sequence[Resident],
    used: Sequence[Resident],
    received: date,
    slot: Slot,
) -> Resident | None:
    """The victim for a slot: for "met", the most widely held whose complaints meet the
    threshold then; for "not met", the least widely held whose do not; for discretion,
    the most widely held whose do not; waiting, the most widely held left."""
    left = [v for v in victims if v not in used]
    if slot.decision is None:
        return left[0] if left else None
    if slot.decision == "met":
        return next((v for v in left if _advised(session, procedure, area, v, received)), None)
    order = reversed(left) if slot.decision == "not_met" else iter(left)
    return next((v for v in order if not _advised(session, procedure, area, v, received)), None)


def _lock_a_counted_case(
    session: Session,
    procedure: Procedure,
    area: int,
    victim: Resident,
    received: date,
    lead_agency_id: int,
) -> None:
    """Before the application: the officer of an open case holding one of its counted
    complaints (at another agency, with no conference or share) asks for it to be locked
    (the reported person is linked to an employee) and a manager approves."""
    found = complaints.gather(
        session,
        procedure,
        area,
        complaints.Applicant(family_name=victim.family_name, date_of_birth=victim.date_of_birth),
    )
    advice = threshold.assess(found.complaints, procedure, received)
    shared = set(session.scalars(select(Share.case_id))) | set(
        session.scalars(select(Conference.case_id))
    )
    for complaint in (c for r in advice.rules for c in r.counted):
        held = found.held[complaint.id]
        case = session.get(Case, held.case_id)
        if (
            case is None
            or case.status is not CaseStatus.ACTIVE
            or held.agency_id == lead_agency_id
            or case.id in shared
            or case.locked
        ):
            continue  # a case still open, not the lead's, not shared: its lock is news
        manager = next(
            (u for u in notices.managers(session, case.agency_id) if u.id != case.officer_id),
            None,
        )
        if manager is None:
            continue
        calendar = england_and_wales()
        with clock.pinned(at_hour(working_days_before(received, 4), 10)):
            request = locks.request_lock(
                session,
                authorise(session, Actor.of(case.officer), case.id, Act.REQUEST_LOCK),
                LockReason.EMPLOYEE_REPORTED,
                "The reported person's partner works in our repairs team.",
            )
        with clock.pinned(at_hour(calendar.add(working_days_before(received, 4), 1), 9)) as now:
            locks.decide_lock(session, Actor.of(manager), request.id, approve=True, now=now)
        return


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


def _reported(session: Session, slot: Slot, received: date) -> tuple[input_checks.ReportedTo, ...]:
    """Whom the slot's applicant says they reported it to, each agency by its name, with
    the month that many months before the application came."""
    reports = []
    for code, who, months in slot.reported_to:
        name = who or session.scalar(select(Agency.name).where(Agency.code == code)) or code
        month = received.replace(day=1)
        for _ in range(months or 0):
            month = (month - timedelta(days=1)).replace(day=1)
        reports.append(input_checks.ReportedTo(code, name, month if months else None))
    return tuple(reports)


def _correct_reports(
    session: Session,
    lead: Actor,
    procedure: Procedure,
    area: int,
    application: TriggerApplication,
    victim: Resident,
    received: date,
) -> None:
    """The working day after it came, the lead, reading the complaints the agencies hold
    on the application's page, finds the applicant's latest at an agency they did not say
    they reported it to, and corrects whom it was reported to: what they said, and that
    agency in the month of that complaint, with the reason. Nothing if every agency
    holding one was named."""
    found = complaints.gather(
        session,
        procedure,
        area,
        complaints.Applicant(family_name=victim.family_name, date_of_birth=victim.date_of_birth),
    )
    with clock.pinned(at_hour(england_and_wales().add(received, 1), 10)):
        pages.application_page(session, lead, procedure, application.id)
        said = reports.correctable(session, lead, procedure, application.id).said
    named = {r.agency for r in said}
    codes = {agency.id: agency.code for agency in session.scalars(select(Agency))}
    latest = max(
        (
            c
            for c in found.complaints
            if c.reported_on <= received and codes.get(c.agency_id) not in named
        ),
        key=lambda c: (c.reported_on, c.id),
        default=None,
    )
    if latest is None:
        return
    agency = found.held[latest.id].agency
    month = latest.reported_on.replace(day=1)
    corrected = (*said, input_checks.ReportedTo(codes[latest.agency_id], agency, month))
    with clock.pinned(at_hour(england_and_wales().add(received, 1), 10, 5)) as now:
        reports.correct(
            session,
            lead,
            procedure,
            application.id,
            corrected,
            f"{agency}'s records hold a complaint the applicant made to them in "
            f"{month:%B %Y}, which the form did not name; the applicant agreed by phone.",
            now=now,
        )


def _apply(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    victim: Resident,
    home: str,
    slot: Slot,
    reported: tuple[input_checks.ReportedTo, ...],
    received: date,
    codes: random.Random,
) -> TriggerApplication:
    """The application as the lead recorded it, or as the applicant sent it on the public
    form (with whom they say they reported it to), and (after the lead looked at it, seven
    working days later) its decision."""
    problem, decision = slot.problem, slot.decision
    given = input_checks.ApplicationInput(
        received_on=received,
        channel=slot.channel,
        victim_kind="person",
        victim_given_names=victim.given_names,
        victim_family_name=victim.family_name,
        victim_date_of_birth=victim.date_of_birth,
        victim_address=home,
        problem=problem,
        reported_to=reported,
    )
    with clock.pinned(at_hour(received, 11)) as now:
        if slot.channel == TriggerChannel.ONLINE.value:
            application = applications.submit_online(
                session, procedure, given, now=now, codes=codes
            )
        else:
            application = applications.record_application(
                session, actor, procedure, given, now=now, codes=codes
            )
    if decision is None:
        return application
    wait = 5 if decision == "discretion" else 7
    with clock.pinned(at_hour(england_and_wales().add(received, wait), 15)) as now:
        pages.application_page(session, actor, procedure, application.id)
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
            else "A vulnerable victim, frightened to leave home: reviewed to protect them, "
            "though the complaints do not reach the count.",
            now=now,
        )
    return application
