"""Planning the demo's cases: who, where, what, and what happened since."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sharing import clock
from sharing.cases.closing import QUIET_DAYS
from sharing.demo import mix, notes, office, phrases, places
from sharing.demo.names import Resident, ResidentMaker
from sharing.demo.office import OFFICE_CLOSES, OFFICE_OPENS
from sharing.demo.partnership import AGENCIES, AgencySpec
from sharing.demo.places import Address
from sharing.demo.plan import ActionPlan, CasePlan, IncidentPlan, LockPlan, PartyPlan
from sharing.demo.timeline import Timeline, at, officers_of, start_of
from sharing.vocabulary import (
    AgencyType,
    CaseCategory,
    CaseStatus,
    ClosureReason,
    LockReason,
    PartyRole,
    ProtectedCharacteristic,
)

#: People who are victims in cases of more than one agency.
REPEAT_VICTIMS = 8
#: The first of them reported it lately to their landlord, the police and one more body,
#: and all three cases are still open: someone who may apply for an ASB Case Review
#: (three complaints to three bodies within the threshold's six months), whatever day the
#: demo is built on. Their cases were opened within this many days (younger than any
#: case the timeline closes or lets go quiet, so all three are active).
RECENT_VICTIM_DAYS = 40
#: Chance that a case in a hate category is hate motivated (about 4% of all cases).
HATE_CHANCE = 0.12
#: Cases marked for locking: one per landlord, each for a different reason.
LOCKS: tuple[tuple[str, LockReason], ...] = (
    ("larkmoor-ha", LockReason.EMPLOYEE_REPORTED),
    ("northshire-homes", LockReason.SENSITIVE),
    ("wealdbrook-ht", LockReason.EMPLOYEE_REPORTER),
)


@dataclass(frozen=True)
class Victim:
    """A victim known before their case is planned (one reported to several agencies)."""

    resident: Resident
    home: Address
    support_needs: str
    #: Reported lately: each of their cases opened within RECENT_VICTIM_DAYS, still open.
    recent: bool = False


class Planner:
    """Plans every case of the partnership from one random generator."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        #: The demo's "now": the start of ``today``; everything planned happened before it.
        self.clock = start_of(today)
        self.residents = ResidentMaker(rng, today)
        self.timeline = Timeline(rng, today)

    def plan(self) -> list[CasePlan]:
        """Every case, in the order they were opened."""
        known = self._repeat_victims()
        plans: list[CasePlan] = []
        for agency in AGENCIES:
            queue = known.get(agency.code, [])
            for index in range(agency.case_count):
                plans.append(self._case(agency, queue[index] if index < len(queue) else None))
        plans = self._with_locks(plans)
        return sorted(plans, key=lambda plan: plan.opened_at)

    def _repeat_victims(self) -> dict[str, list[Victim]]:
        """Victims each reported to their landlord and one or two other agencies; the
        first (``recent``) lately, to their landlord, the police and one more."""
        rng = self.rng
        landlords = [a for a in AGENCIES if a.type is AgencyType.LANDLORD]
        others = [a.code for a in AGENCIES if a.case_count and a.type is not AgencyType.LANDLORD]
        police = next(a.code for a in AGENCIES if a.type is AgencyType.POLICE)
        by_agency: dict[str, list[Victim]] = {}
        for index in range(REPEAT_VICTIMS):
            landlord = rng.choices(landlords, [a.case_count for a in landlords])[0]
            resident = self.residents.make(30, 86, email_chance=0.4)
            home = places.home(rng, flat_chance=0.5)
            need = rng.choice(notes.SUPPORT_NEEDS) if rng.random() < 0.8 else ""
            victim = Victim(
                resident=resident,
                home=home,
                support_needs=notes.support_need_for(need, resident.age_on(self.today)),
                recent=index == 0,
            )
            if victim.recent:
                third = rng.choice([code for code in others if code != police])
                reported_to = [landlord.code, police, third]
            else:
                reported_to = [landlord.code, *rng.sample(others, rng.randint(1, 2))]
            for code in reported_to:
                by_agency.setdefault(code, []).append(victim)
        return by_agency

    def _case(self, agency: AgencySpec, victim: Victim | None) -> CasePlan:
        rng = self.rng
        officer = rng.choice(officers_of(agency))
        recent = victim is not None and victim.recent
        planned_at = self.timeline.opening(RECENT_VICTIM_DAYS if recent else 360)
        category = mix.pick(rng, mix.CATEGORY_MIX[agency.type])
        hate = self._hate(category)
        serious = hate is not None or category in mix.SERIOUS_CATEGORIES
        priority = mix.pick(rng, mix.SERIOUS_PRIORITY_MIX if serious else mix.PRIORITY_MIX)
        address = self._address(agency, category, victim)
        parties = self._parties(agency, category, hate, address, victim)
        course = self.timeline.course(planned_at)
        incidents = self.timeline.incidents(agency, category, hate, parties, planned_at, course)
        actions = self.timeline.actions(agency, officer, planned_at, course)
        # Opened at work: a case planned on a bank holiday opens the next working day.
        opened_at = self.timeline.at_work(planned_at)
        if opened_at != planned_at:
            incidents, actions = _opened_later(incidents, actions, opened_at)
        reason = (
            self._closure_reason(incidents, course.closed_at)
            if course.status is CaseStatus.CLOSED
            else None
        )
        return CasePlan(
            agency=agency.code,
            officer=agency.email_of(officer),
            opened_at=opened_at,
            category=category,
            priority=priority,
            triage=mix.pick(rng, mix.TRIAGE_BY_PRIORITY[priority]),
            hate=hate,
            address=address,
            summary=phrases.summary(rng, category, hate),
            parties=parties,
            incidents=incidents,
            actions=actions,
            status=course.status,
            closure_reason=reason,
            closure_note=notes.closure_note(reason, agency.type) if reason else "",
            closed_at=course.closed_at,
            review_due_on=self.timeline.review_due(course.status, opened_at, priority),
        )

    def _hate(self, category: CaseCategory) -> ProtectedCharacteristic | None:
        if category in mix.HATE_CATEGORIES and self.rng.random() < HATE_CHANCE:
            return mix.pick(self.rng, phrases.HATE_MIX)
        return None

    def _address(
        self, agency: AgencySpec, category: CaseCategory, victim: Victim | None
    ) -> Address:
        rng = self.rng
        if victim is not None:
            return victim.home
        if category in mix.PUBLIC_PLACE_CATEGORIES and rng.random() < 0.5:
            return places.public_place(rng)
        flats = 0.55 if agency.type is AgencyType.LANDLORD else 0.3
        return places.home(rng, flat_chance=flats)

    def _parties(
        self,
        agency: AgencySpec,
        category: CaseCategory,
        hate: ProtectedCharacteristic | None,
        address: Address,
        victim: Victim | None,
    ) -> tuple[PartyPlan, ...]:
        rng = self.rng
        parties: list[PartyPlan] = []
        if not address.uprn:
            # A public place: a passer-by or nearby resident reports it; no named victim.
            nearby = places.neighbour(rng, address)
            parties.append(PartyPlan(PartyRole.REPORTER, self.residents.make(20, 80), nearby))
        else:
            main = self._victim(hate, address, victim)
            parties.append(main)
            if main.support_needs and rng.random() < 0.4:
                parties.append(self._on_behalf())
        if address.uprn and rng.random() < 0.2:
            neighbour = places.neighbour(rng, address)
            parties.append(PartyPlan(PartyRole.WITNESS, self.residents.make(20, 80), neighbour))
        faceless = category in mix.FACELESS_CATEGORIES
        if rng.random() < (0.4 if faceless else 0.85):
            parties.append(self._reported(address))
        return tuple(parties)

    def _victim(
        self, hate: ProtectedCharacteristic | None, address: Address, victim: Victim | None
    ) -> PartyPlan:
        rng = self.rng
        if victim is not None:
            resident, needs = victim.resident, victim.support_needs
        else:
            resident = self.residents.make(18, 88)
            needs = rng.choice(notes.SUPPORT_NEEDS) if rng.random() < 0.18 else ""
            needs = notes.support_need_for(needs, resident.age_on(self.today))
        if hate is ProtectedCharacteristic.DISABILITY:
            needs = "Learning disability; support worker attends visits."
        preferences = rng.choice(notes.CONTACT_PREFERENCES) if rng.random() < 0.25 else ""
        return PartyPlan(
            PartyRole.VICTIM,
            resident,
            address,
            contact_known=rng.random() < 0.95,
            support_needs=needs,
            contact_preferences=preferences,
        )

    def _on_behalf(self) -> PartyPlan:
        """Someone reporting for a vulnerable victim: family or a support worker."""
        resident = self.residents.make(25, 65, email_chance=0.7)
        note = self.rng.choice(notes.REPORTER_ON_BEHALF)
        return PartyPlan(
            PartyRole.REPORTER, resident, places.home(self.rng), contact_preferences=note
        )

    def _reported(self, address: Address) -> PartyPlan:
        rng = self.rng
        return PartyPlan(
            PartyRole.REPORTED,
            self.residents.make(16, 65, email_chance=0.15),
            places.neighbour(rng, address),
            dob_known=rng.random() < 0.7,
            contact_known=rng.random() < 0.4,
        )

    def _closure_reason(
        self, incidents: Sequence[IncidentPlan], closed_at: datetime | None
    ) -> ClosureReason:
        """A reason from the mix; "no reports for 28 days" only when the case's latest
        report is that old at closing (the hub refuses it otherwise), else resolved."""
        reason = mix.pick(self.rng, mix.CLOSURE_MIX)
        if reason is ClosureReason.NO_REPORTS_28_DAYS and closed_at is not None and incidents:
            latest = max(clock.day_of(i.recorded_at) for i in incidents)
            if latest > clock.day_of(closed_at) - timedelta(days=QUIET_DAYS):
                return ClosureReason.RESOLVED
        return reason

    def _in_office_hours(self, after: datetime, minutes: int) -> datetime:
        """``minutes`` past nine in the morning on the first working day from ``after``'s day
        when that is later than ``after`` and before now, as an officer asks at work; else
        just after ``after`` when that is at work, or the last working afternoon before now
        (or, with none since ``after``, just after it)."""
        latest = self.clock - timedelta(minutes=1)
        days = range((clock.day_of(self.clock) - clock.day_of(after)).days + 1)
        moments = [
            at(clock.day_of(after) + timedelta(days=n), OFFICE_OPENS * 60 + minutes).astimezone(UTC)
            for n in days
        ]
        fitting = [
            moment
            for moment in moments
            if after < moment <= latest and office.is_working_day(clock.day_of(moment))
        ]
        if fitting:
            return fitting[0]
        return office.at_work_between(after + timedelta(minutes=minutes % 30 + 1), latest, minutes)

    def _with_locks(self, plans: list[CasePlan]) -> list[CasePlan]:
        """Mark one active case with a reported person per landlord for locking (one last
        changed in time for its officer to ask at work before today)."""
        last_at_work = office.at_work_before(self.clock - timedelta(minutes=1), 30)
        for code, reason in LOCKS:
            eligible = [
                index
                for index, plan in enumerate(plans)
                if plan.agency == code
                and plan.status is CaseStatus.ACTIVE
                and plan.hate is None
                and any(party.role is PartyRole.REPORTED for party in plan.parties)
                and plan.updated_at < last_at_work
            ]
            index = self.rng.choice(eligible)
            plan = plans[index]
            after = max(plan.updated_at, self.clock - timedelta(days=self.rng.randint(1, 6)))
            minutes = self.rng.randint(30, 300)
            requested = self._in_office_hours(after, minutes)
            if not office.in_office_hours(requested):  # none at work since: after its change
                requested = self._in_office_hours(plan.updated_at, minutes)
            lock = LockPlan(reason, notes.LOCK_NOTES[reason], requested)
            plans[index] = replace(plan, lock=lock)
        return plans


def _opened_later(
    incidents: tuple[IncidentPlan, ...], actions: tuple[ActionPlan, ...], opened_at: datetime
) -> tuple[tuple[IncidentPlan, ...], tuple[ActionPlan, ...]]:
    """A case's incidents and actions when it opened at ``opened_at``, later than it was
    planned from: none recorded or created before then (an action half an hour after, or
    at closing time)."""
    closing = at(clock.day_of(opened_at), OFFICE_CLOSES * 60)
    earliest = min(opened_at + timedelta(minutes=30), closing)
    return (
        tuple(replace(i, recorded_at=max(i.recorded_at, opened_at)) for i in incidents),
        tuple(replace(a, created_at=max(a.created_at, earliest)) for a in actions),
    )
