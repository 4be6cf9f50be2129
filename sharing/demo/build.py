"""Writing the demo partnership into an empty database.

The area, agencies and staff are written directly; cases go through the casework
services (``open_case``, ``add_incident``, ``add_action``, ``close_case``) as their own
case officers, with ``now`` taken from the plan. What the services stamp with the real
clock or a random token (creation times, password salt, session token) is then set to
values derived from the plan and the seed, so the same seed and day give the same
database, byte for byte.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.low_level import hash_secret
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act, Actor
from sharing.accounts import RECOMMENDED, HashingCost, create_user, hashing_cost
from sharing.audit.log import integrate
from sharing.cases.actions import ActionInput, add_action
from sharing.cases.casework import CaseInput, open_case
from sharing.cases.closing import close_case
from sharing.cases.incidents import IncidentInput, add_incident
from sharing.cases.locks import request_lock
from sharing.cases.people import PersonInput
from sharing.demo.agreements import share_cases, sign_protocols
from sharing.demo.closure import ending, survey_closures
from sharing.demo.conferences import hold_conferences
from sharing.demo.documents import attach_documents
from sharing.demo.escalations import alert_shared_escalations
from sharing.demo.first_contacts import contact_before_closing, contact_open_cases
from sharing.demo.lately import mark_some_done
from sharing.demo.more_asked import ask_for_more
from sharing.demo.needs import record_needs
from sharing.demo.partnership import (
    AGENCIES,
    AREA_CODE,
    AREA_HOMES,
    AREA_NAME,
    DEMO_PASSWORD,
    DEMO_SEED,
    WARD_NAMES,
    needs_second_factor,
    totp_secret_for,
)
from sharing.demo.plan import ActionPlan, CasePlan, IncidentPlan, PartyPlan, repeat_victim_count
from sharing.demo.planner import Planner
from sharing.demo.referrals import follow_hate_pathway, refer_to_safeguarding
from sharing.demo.reviews import review_cases
from sharing.demo.risk import assess_cases
from sharing.demo.steps import notices_went
from sharing.demo.timeline import start_of
from sharing.demo.trigger import receive_applications
from sharing.files.stores import FileStore
from sharing.models import (
    Action,
    Agency,
    Area,
    Case,
    CaseReview,
    Conference,
    Incident,
    LockRequest,
    Person,
    TriageChange,
    User,
    Ward,
)
from sharing.models.base import Base
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import ActionStatus, AgencyType, CaseStatus

#: How recently a landlord's case closed, for the demo to leave one of its actions open
#: until then, so that it closed with the case within the "Actions" list's 30 days.
CLOSED_LATELY = timedelta(days=28)


class DemoError(RuntimeError):
    """The demo cannot be built here; the message says why."""


@dataclass(frozen=True)
class DemoSummary:
    """What a demo build wrote."""

    agencies: int
    users: int
    cases: int
    incidents: int
    actions: int
    persons: int
    lock_requests: int
    #: People who are victims in cases of two or more agencies.
    repeat_victims: int
    #: Cases shared with partner agencies under the ASB case management protocol.
    shares: int = 0
    #: Risk Assessment Matrix assessments, and changes of triage, on open cases.
    risk_assessments: int = 0
    triage_changes: int = 0
    #: Case conferences: one held with agreed minutes and an action plan, one to come,
    #: and those on the problem-solving group's agenda.
    conferences: int = 0
    #: Referrals to adult safeguarding (one with its outcome, one waiting).
    safeguarding_referrals: int = 0
    #: Community Trigger applications (met, not met, waiting).
    trigger_applications: int = 0
    closure_surveys: int = 0
    #: Case reviews: those recording first contact with the complainant, and each open
    #: case's latest.
    case_reviews: int = 0
    documents: int = 0


def build_demo(
    session: Session, *, today: date, seed: int = DEMO_SEED, store: FileStore | None = None
) -> DemoSummary:
    """Build the fictional Northshire partnership, its staff and a year of casework.

    The same ``seed`` and ``today`` always give the same data. Everything happened before
    the start of ``today`` (UTC). With a file ``store``, some cases have files (diary
    sheets, photos, letters) kept there. Flushes but does not commit. Raises ``DemoError``
    if the database already holds a partnership, and ``CalendarExhausted`` (before
    building anything) for a ``today`` past the end of the bank holiday list, whose working
    days the Community Trigger's deadlines are counted in.
    """
    england_and_wales().require_known(today)
    if session.scalar(select(func.count()).select_from(Agency)) or session.scalar(
        select(func.count()).select_from(Area)
    ):
        raise DemoError("the database already has a partnership; the demo needs an empty database")
    plans = Planner(random.Random(seed), today).plan()
    writer = _Writer(session, seed, start_of(today))
    writer.partnership()
    for plan in plans:
        writer.case(plan)
    notices_went(session)  # the managers were told of each lock request as it was asked
    session.flush()
    risk = assess_cases(session, start_of(today), seed)
    sign_protocols(session, start_of(today))
    shared = share_cases(session, start_of(today))
    alert_shared_escalations(session)
    ask_for_more(session, today)
    hold_conferences(session, today)
    referred = refer_to_safeguarding(session, today)
    follow_hate_pathway(session, today)
    applications = receive_applications(session, today, plans, seed)
    surveyed = survey_closures(session, today, seed)
    review_cases(session, today, seed)
    contact_open_cases(session, today, seed)  # where no assessment or review made it first
    mark_some_done(session, today)
    record_needs(session, seed, writer.born, today)
    files = attach_documents(session, store, today, seed) if store is not None else 0
    integrate(session)  # the demo's acts in the log already, the same committed or not
    return DemoSummary(
        agencies=_count(session, Agency),
        users=_count(session, User),
        cases=_count(session, Case),
        incidents=_count(session, Incident),
        actions=_count(session, Action),
        persons=_count(session, Person),
        lock_requests=_count(session, LockRequest),
        repeat_victims=repeat_victim_count(plans),
        shares=shared,
        risk_assessments=risk.assessments,
        triage_changes=_count(session, TriageChange),
        conferences=_count(session, Conference),
        safeguarding_referrals=referred,
        trigger_applications=applications,
        closure_surveys=surveyed,
        case_reviews=_count(session, CaseReview),
        documents=files,
    )


def _count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def demo_password_hash(seed: int = DEMO_SEED, cost: HashingCost = RECOMMENDED) -> str:
    """The argon2id hash of ``DEMO_PASSWORD`` at ``cost``, with a salt derived from
    ``seed``.

    Shared by every demo account: their password is the same and published anyway, and
    one hash keeps the build fast and reproducible.
    """
    hasher = PasswordHasher()
    salt = hashlib.sha256(f"northshire-demo-salt:{seed}".encode()).digest()[: hasher.salt_len]
    return hash_secret(
        DEMO_PASSWORD.encode(),
        salt,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=hasher.hash_len,
        type=hasher.type,
    ).decode("ascii")


class _Writer:
    def __init__(self, session: Session, seed: int, clock: datetime) -> None:
        self.session = session
        self.seed = seed
        self.clock = clock
        self.agency_ids: dict[str, int] = {}
        self.agency_types: dict[str, AgencyType] = {}
        self.users: dict[str, User] = {}
        self.actors: dict[str, Actor] = {}
        self.ward_ids: list[int] = []
        #: Each person's date of birth as planned (known to their officer or not), by id.
        self.born: dict[int, date] = {}
        #: Whether a landlord's case has closed an action of its own with it yet.
        self.closed_with_case = False

    def partnership(self) -> None:
        """The area, its wards, the agencies and their staff."""
        session = self.session
        area = Area(code=AREA_CODE, name=AREA_NAME, homes=AREA_HOMES)
        wards = [Ward(area=area, name=name) for name in WARD_NAMES]
        session.add_all([area, *wards])
        agencies = [
            Agency(
                code=spec.code,
                name=spec.name,
                type=spec.type,
                area=area,
                case_prefix=spec.case_prefix,
            )
            for spec in AGENCIES
        ]
        session.add_all(agencies)
        session.flush()
        self.ward_ids = [ward.id for ward in wards]
        self.agency_ids = {agency.code: agency.id for agency in agencies}
        self.agency_types = {agency.code: agency.type for agency in agencies}
        self._staff(agencies)

    def _staff(self, agencies: list[Agency]) -> None:
        password_hash = demo_password_hash(self.seed, hashing_cost(self.session))
        joined = self.clock - timedelta(days=400)
        for agency, spec in zip(agencies, AGENCIES, strict=True):
            for staff in spec.staff:
                email = spec.email_of(staff)
                user = create_user(
                    self.session,
                    agency=agency,
                    email=email,
                    display_name=staff.display_name,
                    roles=set(staff.roles),
                    password_hash=password_hash,
                    team=staff.team,
                    now=joined + timedelta(minutes=len(self.users)),
                    totp_secret=totp_secret_for(email, self.seed)
                    if needs_second_factor(staff)
                    else None,
                )
                self.users[email] = user
                self.actors[email] = Actor.of(user)

    def case(self, plan: CasePlan) -> None:
        """Open, work and (if planned) close or mark for locking one case."""
        actor = self.actors[plan.officer]
        data = CaseInput(
            category=plan.category,
            priority=plan.priority,
            triage=plan.triage,
            summary=plan.summary,
            hate_motivated=plan.hate is not None,
            protected_characteristic=plan.hate,
            ward_id=self.ward_ids[plan.address.ward_index],
            address=plan.address.lines,
            postcode=plan.address.postcode,
            uprn=plan.address.uprn,
            parties=[_person_input(party) for party in plan.parties],
        )
        case = open_case(self.session, actor, data, now=plan.opened_at)
        for party, planned in zip(case.parties, plan.parties, strict=True):
            party.person.created_at = plan.opened_at
            self.born[party.person_id] = planned.resident.date_of_birth
        person_ids = [party.person_id for party in case.parties]
        # One decision for the case's recording, as one form's request takes one.
        recording = authorise(self.session, actor, case.id, Act.RECORD)
        for incident in plan.incidents:
            self._incident(recording, incident, person_ids)
        left_open = self._left_open_until_closing(plan)
        for action in plan.actions:
            self._action(recording, action, open_until_closing=action is left_open)
        if plan.closure_reason is not None:
            assert plan.closed_at is not None  # noqa: S101 - a closure has its time
            contact_before_closing(
                self.session, recording, self.seed, plan.closed_at, plan.closure_reason
            )
            outcome, resolved_by = ending(plan)
            close_case(
                self.session,
                authorise(self.session, actor, case.id, Act.CLOSE),
                plan.closure_reason,
                plan.closure_note,
                now=plan.closed_at,
                outcome=outcome,
                resolved_by=resolved_by,
            )
        elif plan.status is CaseStatus.INACTIVE:
            case.status = CaseStatus.INACTIVE
        if plan.lock is not None:  # asked as an officer asks: the managers alerted, recorded
            with clock.pinned(plan.lock.requested_at):
                request_lock(
                    self.session,
                    authorise(self.session, actor, case.id, Act.REQUEST_LOCK),
                    plan.lock.reason,
                    plan.lock.note,
                )
        case.review_due_on = plan.review_due_on
        # Set last, so the real clock (the column's onupdate) never has the final word.
        case.updated_at = plan.updated_at

    def _left_open_until_closing(self, plan: CasePlan) -> ActionPlan | None:
        """On the first landlord's case (unlocked) closed in the last four weeks, the
        first of its own actions the plan has cancelled, left open until the case closes,
        so that closing closes it with the case, as a case closed with an action still on
        its list does ("Closed with the case" on the landlord's "Actions")."""
        recent = plan.closed_at is not None and plan.closed_at >= self.clock - CLOSED_LATELY
        if self.closed_with_case or not recent or plan.lock is not None:
            return None
        if self.agency_types[plan.agency] is not AgencyType.LANDLORD:
            return None
        left_open = next(
            (
                a
                for a in plan.actions
                if a.status is ActionStatus.CANCELLED and a.owner_agency == plan.agency
            ),
            None,
        )
        self.closed_with_case = left_open is not None
        return left_open

    def _incident(
        self, recording: AuthorisedCase, plan: IncidentPlan, person_ids: list[int]
    ) -> None:
        reported_by = None if plan.reported_by is None else person_ids[plan.reported_by]
        data = IncidentInput(
            occurred_at=plan.occurred_at,
            description=plan.description,
            place=plan.place,
            reported_by_id=reported_by,
            received_by_agency_id=self.agency_ids[plan.received_by],
            reported_to_police=plan.reported_to_police,
            crime_reference=plan.crime_reference,
            hate_related=plan.hate_related,
        )
        add_incident(self.session, recording, data, now=plan.recorded_at)

    def _action(
        self, recording: AuthorisedCase, plan: ActionPlan, *, open_until_closing: bool = False
    ) -> None:
        is_open = plan.status is ActionStatus.OPEN
        owner = self.users[plan.owner_email].id if plan.owner_email else None
        data = ActionInput(
            kind=plan.kind,
            description=plan.description,
            owner_agency_id=self.agency_ids[plan.owner_agency],
            owner_user_id=owner,
            # add_action accepts only due dates from today on; past ones are set below.
            due_on=plan.due_on if is_open else None,
        )
        action = add_action(self.session, recording, data, now=self.clock)
        action.created_at = plan.created_at
        if open_until_closing:
            action.due_on = plan.due_on
        elif not is_open:
            action.status = plan.status
            action.due_on = plan.due_on
            action.completed_on = plan.completed_on


def _person_input(party: PartyPlan) -> PersonInput:
    person, address = party.resident, party.address
    return PersonInput(
        role=party.role,
        family_name=person.family_name,
        given_names=person.given_names,
        date_of_birth=person.date_of_birth if party.dob_known else None,
        phone=person.phone if party.contact_known else "",
        email=person.email if party.contact_known else "",
        address=address.lines if address else "",
        postcode=address.postcode if address else "",
        support_needs=party.support_needs,
        contact_preferences=party.contact_preferences,
    )
