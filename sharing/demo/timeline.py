"""When things happened on a demo case: opening, incidents, actions, closure, review.

Every time is on the partnership's clock (Europe/London: office hours are nine to five
there, summer and winter) and before the start of ``today`` there, so nothing in the demo
is in the future whenever on that day it is built (also between midnight and one in the
morning in summer, when the day has begun in England but not in UTC); open actions and
reviews fall due from today on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sharing import clock
from sharing.cases import reviews
from sharing.demo import mix, notes, office, phrases
from sharing.demo.office import OFFICE_CLOSES, OFFICE_OPENS
from sharing.demo.partnership import AGENCIES, AgencySpec, StaffSpec
from sharing.demo.plan import ActionPlan, IncidentPlan, PartyPlan
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    AgencyType,
    CaseCategory,
    CaseStatus,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    Role,
)

#: Relative likelihood of an incident in each hour of the day (evenings are worst).
HOUR_WEIGHTS = (3, 2, 2, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 6, 6, 7, 8, 8, 8, 6, 4)
#: Who reports an incident, by their part in the case; None is an anonymous report.
REPORTER_WEIGHTS = {PartyRole.VICTIM: 65, PartyRole.REPORTER: 20, PartyRole.WITNESS: 10}
ANONYMOUS_WEIGHT = 8
#: Share of a case's incidents reported to the agency that owns it.
OWN_RECEIPT = {AgencyType.LANDLORD: 0.8, AgencyType.COMMUNITY_SAFETY: 0.7}
OWN_RECEIPT_DEFAULT = 0.85
#: Days after opening before a demo case has its first review (``demo.reviews``).
FIRST_REVIEW_AFTER = 2


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in England."""
    return datetime.combine(day, time(0, 0), tzinfo=clock.PARTNERSHIP_ZONE)


def at(day: date, minute: int) -> datetime:
    """``minute`` minutes into ``day`` on an English clock (wall time: 9 * 60 is nine in
    the morning, GMT or BST)."""
    return start_of(day) + timedelta(minutes=minute)


def agency_of_type(agency_type: AgencyType) -> AgencySpec:
    return next(agency for agency in AGENCIES if agency.type is agency_type)


def officers_of(agency: AgencySpec) -> list[StaffSpec]:
    """The agency's case officers, or all its staff if it has none."""
    officers = [staff for staff in agency.staff if Role.CASE_OFFICER in staff.roles]
    return officers or list(agency.staff)


@dataclass(frozen=True)
class Course:
    """How a case went: where it stands today and when incidents stopped."""

    status: CaseStatus
    closed_at: datetime | None
    #: The last day an incident can have happened on.
    last_day: date
    #: The day its closing was drawn for (``closed_at`` is the last working day by then).
    drawn_close: date | None = None


class Timeline:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.clock = start_of(today)

    def opening(self, within_days: int = 360) -> datetime:
        """A weekday in the last ``within_days`` days (a year unless said), during office
        hours: the day the case is planned from (``at_work`` moves it off a bank holiday)."""
        day = self.today - timedelta(days=self.rng.randint(1, within_days))
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return at(day, OFFICE_OPENS * 60 + self.rng.randint(0, 480))

    def at_work(self, planned: datetime) -> datetime:
        """``planned``, or the same time on the next working day when it falls on a bank
        holiday (moved after the case is planned from it, so the draws stay the same)."""
        day = office.on_or_after(planned.date())
        return at(day, planned.hour * 60 + planned.minute)

    def course(self, opened_at: datetime) -> Course:
        rng, opened = self.rng, opened_at.date()
        age = (self.today - opened).days
        chance = rng.random()
        if age >= 45 and chance < 0.28:
            drawn = opened + timedelta(days=rng.randint(30, age - 1))
            # Closed at work: on a working day (the last before the one drawn), in office hours.
            closed_at = at(office.on_or_before(drawn), OFFICE_OPENS * 60 + rng.randint(0, 480))
            last_day = max(opened, drawn - timedelta(days=rng.randint(14, 28)))
            return Course(CaseStatus.CLOSED, closed_at, last_day, drawn)
        if age >= 60 and chance < 0.40:
            last_day = max(opened, self.today - timedelta(days=rng.randint(29, 60)))
            return Course(CaseStatus.INACTIVE, None, last_day)
        return Course(CaseStatus.ACTIVE, None, self.today - timedelta(days=1))

    def incidents(
        self,
        agency: AgencySpec,
        category: CaseCategory,
        hate: ProtectedCharacteristic | None,
        parties: tuple[PartyPlan, ...],
        opened_at: datetime,
        course: Course,
    ) -> tuple[IncidentPlan, ...]:
        """One to eight incidents: the report that opened the case, then any later ones."""
        rng, opened = self.rng, opened_at.date()
        count = mix.pick(rng, mix.INCIDENT_COUNT_MIX)
        span = (course.last_day - opened).days
        days = [opened - timedelta(days=rng.randint(1, 5))]
        days += [opened + timedelta(days=rng.randint(0, span)) for _ in range(count - 1)]
        planned = []
        for index, day in enumerate(days):
            occurred = at(day, self._minute_of_day())
            recorded = opened_at if index == 0 else self._recorded(occurred, opened_at)
            planned.append(self._incident(agency, category, hate, parties, occurred, recorded))
        return tuple(sorted(planned, key=lambda incident: incident.occurred_at))

    def _minute_of_day(self) -> int:
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        return hour * 60 + self.rng.randint(0, 59)

    def _recorded(self, occurred: datetime, opened_at: datetime) -> datetime:
        """When an officer recorded a later incident: within two days, in office hours (the
        last working afternoon before today when the next working morning is today, unless
        it happened since: then just after it happened)."""
        recorded = self._office_hours(occurred + timedelta(minutes=self.rng.randint(30, 48 * 60)))
        latest = self.clock - timedelta(minutes=1)
        after = max(occurred + timedelta(minutes=1), opened_at)
        return office.at_work_between(max(recorded, opened_at), latest, 30 + recorded.minute, after)

    def _office_hours(self, moment: datetime, *, holidays: bool = True) -> datetime:
        """``moment``, or the next working morning (not a weekend nor, unless ``holidays``
        is false, a bank holiday) when it is outside office hours."""
        if moment.weekday() < 5 and OFFICE_OPENS <= moment.hour < OFFICE_CLOSES:
            if not holidays or office.is_working_day(moment.date()):
                return moment
            # A bank holiday: the next working morning, at a minute of its own (no draw,
            # so the draws after it are the same as on any other weekday).
            return at(office.on_or_after(moment.date()), OFFICE_OPENS * 60 + moment.minute + 15)
        day = moment.date() + timedelta(days=0 if moment.hour < OFFICE_OPENS else 1)
        while day.weekday() >= 5 or (holidays and not office.is_working_day(day)):
            day += timedelta(days=1)
        return at(day, OFFICE_OPENS * 60 + self.rng.randint(0, 90))

    def _incident(
        self,
        agency: AgencySpec,
        category: CaseCategory,
        hate: ProtectedCharacteristic | None,
        parties: tuple[PartyPlan, ...],
        occurred: datetime,
        recorded: datetime,
    ) -> IncidentPlan:
        rng = self.rng
        choices: list[tuple[int | None, float]] = [
            (index, REPORTER_WEIGHTS[party.role])
            for index, party in enumerate(parties)
            if party.role in REPORTER_WEIGHTS
        ]
        choices.append((None, ANONYMOUS_WEIGHT))
        received_by = self._receiver(agency)
        police = agency_of_type(AgencyType.POLICE).code
        crime_like = hate is not None or category in mix.CRIME_CATEGORIES
        to_police = received_by == police or rng.random() < (0.5 if crime_like else 0.1)
        crime_reference = ""
        if to_police and crime_like and rng.random() < 0.7:
            crime_reference = f"NX/{occurred.year % 100:02d}/{rng.randint(1, 99_999):06d}"
        return IncidentPlan(
            occurred_at=occurred,
            recorded_at=recorded,
            description=phrases.incident_description(rng, category, hate, occurred.hour),
            place=rng.choice(phrases.PLACES),
            reported_by=mix.pick(rng, choices),
            received_by=received_by,
            reported_to_police=to_police,
            crime_reference=crime_reference,
            hate_related=hate is not None and rng.random() < 0.8,
        )

    def _receiver(self, agency: AgencySpec) -> str:
        """The agency a report was made to: usually the case's owner."""
        own = OWN_RECEIPT.get(agency.type, OWN_RECEIPT_DEFAULT)
        if self.rng.random() < own:
            return agency.code
        others = [
            other.code
            for other in AGENCIES
            if other.case_count
            and other.code != agency.code
            # A landlord's tenant reports to the police or the council, not another landlord.
            and not (agency.type is other.type is AgencyType.LANDLORD)
        ]
        return self.rng.choice(others)

    def actions(
        self, agency: AgencySpec, officer: StaffSpec, opened_at: datetime, course: Course
    ) -> tuple[ActionPlan, ...]:
        """Nought to four actions, the older ones done, the recent ones open."""
        rng = self.rng
        end = course.closed_at or self.clock
        count = mix.pick(rng, mix.ACTION_COUNT_MIX)
        created = sorted(self._action_created(opened_at, end) for _ in range(count))
        planned = []
        for drawn in created:
            kind = mix.pick(rng, mix.actions_for(agency.type))
            owner, owner_email = self._owner(kind, agency, officer)
            status, due_on, completed_on = self._progress(drawn.date(), course)
            created_at = self._at_work(drawn, opened_at, end)
            if completed_on is not None:  # done at work, between its creation and closing
                completed_on = min(max(completed_on, created_at.date()), clock.day_of(end))
            kind = mix.recorded_by(kind, agency.type)
            planned.append(
                ActionPlan(
                    kind=kind,
                    description=notes.action_description(kind, agency.type),
                    owner_agency=owner,
                    owner_email=owner_email,
                    created_at=created_at,
                    status=status,
                    due_on=due_on,
                    completed_on=completed_on,
                )
            )
        return tuple(planned)

    def _action_created(self, opened_at: datetime, end: datetime) -> datetime:
        """A time on a weekday in office hours after the case opened and before ``end``,
        as drawn (``_at_work`` keeps it off bank holidays and nights)."""
        latest = end - timedelta(minutes=1)
        days = (latest.date() - opened_at.date()).days
        day = opened_at.date() + timedelta(days=self.rng.randint(0, days))
        moment = self._office_hours(at(day, self.rng.randint(9 * 60, 17 * 60)), holidays=False)
        return min(max(moment, opened_at + timedelta(minutes=30)), latest)

    def _at_work(self, drawn: datetime, opened_at: datetime, end: datetime) -> datetime:
        """When an action drawn at ``drawn`` was created at work: then, or the next working
        morning, or the last working afternoon before ``end`` when that is too late; half an
        hour after opening at the earliest (at closing time on a case opened late that
        day)."""
        earliest = min(opened_at + timedelta(minutes=30), at(opened_at.date(), OFFICE_CLOSES * 60))
        latest = end - timedelta(minutes=1)
        return office.at_work_between(max(drawn, earliest), latest, 30 + drawn.minute, earliest)

    def _owner(
        self, kind: ActionKind, agency: AgencySpec, officer: StaffSpec
    ) -> tuple[str, str | None]:
        """Which agency (and who in it) owns an action: referrals go to the partner."""
        rng = self.rng
        partner: AgencySpec | None = None
        if kind is ActionKind.REFERRAL_POLICE:
            partner = agency_of_type(AgencyType.POLICE)
        elif kind is ActionKind.SAFEGUARDING_REFERRAL:
            children = rng.random() < 0.3
            partner = agency_of_type(
                AgencyType.CHILDRENS_SAFEGUARDING if children else AgencyType.ADULT_SAFEGUARDING
            )
        elif kind is ActionKind.REFERRAL_OTHER_AGENCY:
            types = (
                AgencyType.ENVIRONMENTAL_HEALTH,
                AgencyType.HEALTH,
                AgencyType.COMMUNITY_SAFETY,
            )
            options = [agency_of_type(t) for t in types if t is not agency.type]
            partner = rng.choice(options)
        elif kind is ActionKind.VICTIM_SUPPORT and agency.type is not AgencyType.COMMUNITY_SAFETY:
            partner = agency_of_type(AgencyType.COMMUNITY_SAFETY) if rng.random() < 0.5 else None
        if partner is not None and partner.code != agency.code:
            staff = rng.choice(officers_of(partner))
            # Only a case officer or manager works actions: else no one is named.
            works = not {Role.CASE_OFFICER, Role.MANAGER}.isdisjoint(staff.roles)
            return partner.code, partner.email_of(staff) if works else None
        named = agency.email_of(officer) if rng.random() < 0.75 else None
        return agency.code, named

    def _progress(
        self, created: date, course: Course
    ) -> tuple[ActionStatus, date | None, date | None]:
        """Status, due date and completion date of an action created on ``created``."""
        rng = self.rng
        due = created + timedelta(days=14)
        if course.closed_at is not None:
            if rng.random() < 0.15:
                return ActionStatus.CANCELLED, due, None
            closed = course.drawn_close or course.closed_at.date()
            days = (closed - created).days
            return ActionStatus.DONE, due, created + timedelta(days=rng.randint(0, days))
        latest = (self.today - created).days - 1
        if latest >= 30 and rng.random() < 0.85:
            done = created + timedelta(days=rng.randint(0, min(28, latest)))
            return ActionStatus.DONE, due, done
        return ActionStatus.OPEN, self.today + timedelta(days=rng.randint(0, 60)), None

    def review_due(
        self, status: CaseStatus, opened_at: datetime, priority: Priority
    ) -> date | None:
        """When the case is next due for review, as the review rules make it: its
        priority's interval after its last review (which ``demo.reviews`` then records),
        some overdue by up to three weeks, most due within the interval; or, for a case
        opened too recently to have had a review then, that interval after its opening."""
        if status is CaseStatus.CLOSED:
            return None
        rng = self.rng
        interval = reviews.interval(reviews.DEFAULT_DAYS, priority)
        chance = rng.random()
        overdue = 0.15 if status is CaseStatus.ACTIVE else 0.2
        if chance < overdue:
            due = self.today - timedelta(days=rng.randint(1, 21))
        elif chance < overdue + 0.05:
            due = self.today
        else:  # within the interval: the last review was on a day before today
            due = self.today + timedelta(days=1 + (rng.randint(1, 28) - 1) % (interval - 1))
        opened = clock.day_of(opened_at)
        if due - timedelta(days=interval) <= opened + timedelta(days=FIRST_REVIEW_AFTER):
            return opened + timedelta(days=interval)  # no review yet: the first is due
        return due
