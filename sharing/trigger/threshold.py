"""The Community Trigger threshold: which of an applicant's complaints qualify under the
area's procedure, which reports are one incident reported to several agencies, and which
local rules they meet. The result is advice to the lead; the decision is the lead's.

It works on ``Complaint`` facts only: agencies, cases, dates, category and opaque keys for
the person affected, the complainant and the address (blind-index values, never names),
so it never needs to decrypt anything. Complaints held on locked cases count like any
other; what the lead may be shown of them is for the page to decide.

Days are the partnership's, in England (``clock.day_of``): a complaint made at 00:30 on 1
April in summer was made on 1 April, not on 31 March as in UTC. "Within 31 days of the
behaviour" and "within six months of the application" compare those days, never the hours.

How reports become incidents (``same_incident_hours``): reports are taken in order of when
the behaviour happened. A report joins an earlier incident when it is about the same
person affected (or, when no person is recorded on either, the same address), in the same
category, held by an agency that has no report in that incident yet, and its behaviour
happened within ``same_incident_hours`` of the incident's first report. Otherwise it
starts an incident of its own. So two reports held by the same agency are always two
incidents, and one incident counts once however many agencies heard of it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sharing import clock
from sharing.trigger.procedure import Procedure, Rule


@dataclass(frozen=True)
class Complaint:
    """A report of ASB as the threshold sees it: no personal data, only keys."""

    id: int
    agency_id: int
    case_id: int
    #: When the behaviour happened, and when it was reported.
    occurred_at: datetime
    #: The day the complaint was made (the incident's report to the agency).
    reported_on: date
    category: str
    #: Blind-index keys: the person affected, who complained, and the address (None when
    #: not recorded).
    person: str | None = None
    complainant: str | None = None
    address: str | None = None
    hate: bool = False
    #: Held on a locked case (it counts; the lead is told only which agency holds it).
    locked: bool = False

    @property
    def subject(self) -> tuple[str, str] | None:
        """Whom it is about, for telling one incident from another: the person affected,
        else the address; None when neither is recorded."""
        if self.person is not None:
            return ("person", self.person)
        if self.address is not None:
            return ("address", self.address)
        return None


@dataclass(frozen=True)
class Excluded:
    complaint: Complaint
    reason: str


@dataclass
class Incident:
    """One incident: its first report and the reports of it to other agencies."""

    reports: list[Complaint] = field(default_factory=list)

    @property
    def first(self) -> Complaint:
        return self.reports[0]

    @property
    def hate(self) -> bool:
        return any(r.hate for r in self.reports)


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    #: Whether the rule is met (None for a discretion rule: a senior officer decides).
    met: bool | None
    #: What the rule counted (incidents for complaints and hate; the complaints from
    #: different people for community).
    found: int = 0
    needed: int | None = None
    #: The incidents it counted, each by its first report.
    counted: tuple[Complaint, ...] = ()


@dataclass(frozen=True)
class Advice:
    """What the rules say about an application, with everything they counted and why
    anything was left out."""

    applied_on: date
    rules: tuple[RuleResult, ...]
    incidents: tuple[Incident, ...]
    excluded: tuple[Excluded, ...]
    #: When the procedure asks for a recent latest incident: whether there is one.
    latest_recent: bool | None = None

    @property
    def met(self) -> bool:
        """Whether any counting rule is met (and the latest incident recent enough)."""
        return self.latest_recent is not False and any(r.met for r in self.rules)

    @property
    def merged(self) -> list[tuple[Complaint, Complaint]]:
        """Each report counted as part of an earlier one: (first report, this report)."""
        return [(i.first, r) for i in self.incidents for r in i.reports[1:]]


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it has
    no such day: 31 August less six months is 28 or 29 February); the first day a date
    can be for a day too near it."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    if year < date.min.year:
        return date.min
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def assess(complaints: Iterable[Complaint], procedure: Procedure, applied_on: date) -> Advice:
    """The advice on an application made on ``applied_on`` with these complaints."""
    rules = procedure.qualifying
    earliest = months_before(applied_on, rules.apply_within_months)
    qualifying: list[Complaint] = []
    excluded: list[Excluded] = []
    for complaint in complaints:
        reported = complaint.reported_on
        occurred = clock.day_of(complaint.occurred_at)
        late = (reported - occurred).days
        if reported > applied_on or occurred > applied_on:
            excluded.append(Excluded(complaint, "after the application"))
        elif late > rules.report_within_days:
            excluded.append(
                Excluded(
                    complaint,
                    f"reported {late} days after the behaviour "
                    f"(more than {rules.report_within_days})",
                )
            )
        elif reported < earliest:
            excluded.append(
                Excluded(
                    complaint,
                    f"made more than {rules.apply_within_months} months before the application",
                )
            )
        else:
            qualifying.append(complaint)
    incidents = _incidents(qualifying, timedelta(hours=rules.same_incident_hours))
    latest_recent = None
    if rules.latest_incident_within_days is not None:
        since = applied_on - timedelta(days=rules.latest_incident_within_days)
        latest_recent = any(clock.day_of(c.occurred_at) >= since for c in qualifying)
    return Advice(
        applied_on=applied_on,
        rules=tuple(_apply(rule, incidents, applied_on) for rule in procedure.rules),
        incidents=tuple(incidents),
        excluded=tuple(excluded),
        latest_recent=latest_recent,
    )


def _incidents(complaints: list[Complaint], window: timedelta) -> list[Incident]:
    """The reports grouped into incidents (see the module's description)."""
    incidents: list[Incident] = []
    open_by_key: dict[tuple[tuple[str, str], str], list[Incident]] = {}
    for complaint in sorted(complaints, key=lambda c: (c.occurred_at, c.agency_id, c.id)):
        subject = complaint.subject
        joined = None
        if subject is not None:
            candidates = open_by_key.setdefault((subject, complaint.category), [])
            joined = next(
                (
                    i
                    for i in candidates
                    if complaint.occurred_at - i.first.occurred_at <= window
                    and all(r.agency_id != complaint.agency_id for r in i.reports)
                ),
                None,
            )
        if joined is None:
            joined = Incident()
            incidents.append(joined)
            if subject is not None:
                open_by_key[(subject, complaint.category)].append(joined)
        joined.reports.append(complaint)
    return incidents


def _apply(rule: Rule, incidents: list[Incident], applied_on: date) -> RuleResult:
    if rule.kind == "discretion" or rule.count is None or rule.within_months is None:
        return RuleResult(rule, None)
    since = months_before(applied_on, rule.within_months)
    recent = [i for i in incidents if i.first.reported_on >= since]
    if rule.kind == "hate":
        counted = [i.first for i in recent if i.hate]
        found = len(counted)
    elif rule.kind == "community":
        people: dict[str, Complaint] = {}
        for incident in recent:
            for report in incident.reports:
                if report.complainant is not None:
                    people.setdefault(report.complainant, report)
        counted, found = list(people.values()), len(people)
    else:
        counted = [i.first for i in recent]
        found = len(counted)
    return RuleResult(rule, found >= rule.count, found, rule.count, tuple(counted))
