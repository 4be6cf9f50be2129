"""The partnership's figures (``sharing.figures.partnership``) against a plain count of
the demo's rows, on SQLite and PostgreSQL, with a case locked and one erased counting
like any other; who reads what (rounded, a manager's own agency exact, exact figures
forged for another agency refused); bad periods and areas refused at their field; one
audit entry a request naming the period and area only; a locked case leaves no trace in
any figure; and, on the demo's own figures, no small difference between two nested
filters can be worked out."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing import accounts, clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.log import integrate
from sharing.cases.erasure import erase_case
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.errors import InputError, NotAllowed
from sharing.figures import counts, meeting_packs, partnership
from sharing.figures.areas import Scope
from sharing.figures.columns import Group
from sharing.figures.months import Months, months_later, months_of, quarter_before
from sharing.figures.rounding import Rounder, Shown, possible, tag_of
from sharing.figures.tables import Figures
from sharing.models import (
    Action,
    Agency,
    AuditEntry,
    Case,
    CaseParty,
    CaseReview,
    ClosureSurvey,
    Conference,
    LockMember,
    MeetingSeries,
    MeetingSitting,
    RiskAssessment,
    User,
    Ward,
)
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    Cadence,
    CaseCategory,
    ClosureOutcome,
    ConferenceStatus,
    PartyRole,
    Priority,
    RiskBand,
    Role,
    SurveyChannel,
)
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor, demo_user, lock_demo_case

ROUNDER = Rounder(b"a test's own rounding key")
EVERYONE_EXACT = (Group("All agencies", exact=True),)


def _year(today: date) -> Months:
    last = months_later(today.replace(day=1), -1)
    return Months(months_later(last, -11), months_later(last, 1))


def _local(moment: datetime) -> date:
    return moment.astimezone(clock.PARTNERSHIP_ZONE).date()


def _within(period: Months, moment: datetime | None) -> bool:
    return moment is not None and period.start <= _local(moment) < period.end


def _exact(found: Figures, key: str, column: int = 0) -> dict[str, int]:
    table = found.table(key)
    return {row.label: int(row.cells[column].text.replace(",", "")) for row in table.rows}


def _area(session: Session) -> tuple[int, str]:
    agency = session.scalar(select(Agency))
    return agency.area_id, agency.area.name


def _count(session: Session, period: Months, scope: Scope | None = None, groups=EVERYONE_EXACT):
    area_id, name = _area(session)
    return partnership.count(
        session,
        area_id,
        scope or Scope(name),
        period,
        groups,
        ROUNDER,
        None,
        None,
    )


# The reference: the demo's rows, counted one by one


class Reference:
    def __init__(self, session: Session, period: Months, keep: Callable[[Case], bool]) -> None:
        self.period = period
        self.cases = [c for c in session.scalars(select(Case)) if keep(c)]
        self.opened = [c for c in self.cases if _within(period, c.opened_at)]
        self.closed = [c for c in self.cases if _within(period, c.closed_at)]
        self.ids = {c.id for c in self.cases}
        self.session = session

    def hate(self, case: Case) -> bool:
        return case.hate_motivated or any(i.hate_related for i in case.incidents)

    def open_at(self, day: date) -> int:
        return sum(
            1
            for c in self.cases
            if _local(c.opened_at) < day and (c.closed_at is None or _local(c.closed_at) >= day)
        )

    def summary(self) -> dict[str, int]:
        outcomes = Counter(c.closure_outcome for c in self.closed)
        return {
            "Cases opened": len(self.opened),
            "Closed: resolved": outcomes[ClosureOutcome.RESOLVED],
            "Closed: not resolved": outcomes[ClosureOutcome.NOT_RESOLVED],
            "Closed before outcomes were recorded": outcomes[None],
            "Open at the end of the period": self.open_at(self.period.end),
            "Cases involving hate incidents opened": sum(map(self.hate, self.opened)),
        }

    def by(self, labels: dict[object, str], value: Callable[[Case], object]) -> dict[str, int]:
        found = dict.fromkeys(labels.values(), 0)
        for case in self.opened:
            found[labels[value(case)]] += 1
        return found

    def hate_by_characteristic(self) -> dict[str, int]:
        found: Counter[str] = Counter()
        for case in filter(self.hate, self.opened):
            pc = case.protected_characteristic
            found[pc.label if pc else "Not recorded"] += 1
        found["All cases involving hate incidents"] = sum(map(self.hate, self.opened))
        return found

    def trend(self, months: Months) -> dict[str, tuple[int, int, int]]:
        return {
            f"{m.start:%B %Y}": (
                sum(_within(m, c.opened_at) for c in self.cases),
                sum(_within(m, c.closed_at) for c in self.cases),
                self.open_at(m.end),
            )
            for m in months.each()
        }

    def resolved_by(self) -> Counter[str]:
        return Counter(
            c.resolved_by.label
            for c in self.closed
            if c.closure_outcome is ClosureOutcome.RESOLVED and c.resolved_by
        )

    def victims(self) -> tuple[int, int, int]:
        earlier = Months(months_later(self.period.start, -12), self.period.end)
        cases_of: dict[tuple[int, int], list[Case]] = {}
        for case in self.cases:
            if _within(earlier, case.opened_at):
                for party in case.parties:
                    if party.role is PartyRole.VICTIM:
                        cases_of.setdefault((case.agency_id, party.person_id), []).append(case)
        here = {
            k: v for k, v in cases_of.items() if any(_within(self.period, c.opened_at) for c in v)
        }
        # Assessed high in the period on one of the cases that make them a victim here.
        high = {
            (a.case_id, a.person_id)
            for a in self.session.scalars(select(RiskAssessment))
            if a.band is RiskBand.HIGH and _within(self.period, a.assessed_at)
        }
        return (
            len(here),
            sum(1 for v in here.values() if len(v) > 1),
            sum(
                1
                for (_, person), v in here.items()
                if any((c.id, person) in high for c in v if _within(self.period, c.opened_at))
            ),
        )

    def risk(self) -> Counter[str]:
        latest: dict[tuple[int, int], list[RiskAssessment]] = {}
        # Of the people on their cases now: someone taken off no longer counts.
        on_case = {(p.case_id, p.person_id) for p in self.session.scalars(select(CaseParty))}
        for a in self.session.scalars(select(RiskAssessment)):
            if (
                a.case_id in self.ids
                and (a.case_id, a.person_id) in on_case
                and _within(self.period, a.assessed_at)
            ):
                latest.setdefault((a.case_id, a.person_id), []).append(a)
        found: Counter[str] = Counter()
        for each in latest.values():
            each.sort(key=lambda a: (a.assessed_at, a.id))
            first, last = each[0].band.rank, each[-1].band.rank
            found[f"Latest band: {each[-1].band.label}"] += 1
            move = "up" if last > first else "down" if last < first else "same"
            found[move] += 1
        return found

    def contact_days(self) -> list[int]:
        """Days from the day of opening to first contact: the earlier of the first risk
        assessment's day and the first day of contact a review records."""
        days = [
            *(
                (a.case_id, clock.day_of(a.assessed_at))
                for a in self.session.scalars(select(RiskAssessment))
            ),
            *(
                (r.case_id, r.contacted_on)
                for r in self.session.scalars(select(CaseReview))
                if r.contacted_on
            ),
        ]
        firsts: dict[int, date] = {}
        for case_id, day in days:
            if case_id not in firsts or day < firsts[case_id]:
                firsts[case_id] = day
        return [
            max(0, (firsts[c.id] - clock.day_of(c.opened_at)).days)
            for c in self.opened
            if c.id in firsts
        ]

    def close_days(self) -> list[int]:
        """Days from the day of opening to the day of closing (the partnership's days)."""
        return [
            max(0, (clock.day_of(c.closed_at) - clock.day_of(c.opened_at)).days)
            for c in self.closed
        ]

    def surveys(self) -> tuple[int, int]:
        answered = [
            s
            for s in self.session.scalars(select(ClosureSurvey))
            if s.case_id in self.ids
            and s.overall is not None
            and _within(self.period, s.answered_at or s.recorded_at)
        ]
        return len(answered), sum(1 for s in answered if s.overall.satisfied)

    def conferences(self) -> int:
        return sum(
            1
            for c in self.session.scalars(select(Conference))
            if c.case_id in self.ids
            and c.status is ConferenceStatus.HELD
            and _within(self.period, c.starts_at)
        )

    def actions_due(self, today: date) -> Counter[str]:
        last = min(self.period.last_day, today)
        found: Counter[str] = Counter()
        for a in self.session.scalars(select(Action)):
            if (
                a.case_id not in self.ids
                or a.due_on is None
                or not self.period.start <= a.due_on <= last
                or a.kind is ActionKind.DISSATISFACTION_FOLLOW_UP
            ):
                continue
            if a.closed_with_case:
                # Closed with its case: missed if that was after its date, else not due.
                if clock.day_of(a.closed_at) > a.due_on:
                    found["overdue"] += 1
                continue
            if a.status is ActionStatus.CANCELLED:
                continue
            if a.status is ActionStatus.DONE:
                found["on_time" if a.completed_on and a.completed_on <= a.due_on else "late"] += 1
            else:
                found["overdue" if a.due_on < today else "open"] += 1
        return found


def _check_against(found: Figures, ref: Reference, session: Session) -> None:
    summary = found.table("summary")
    assert {row.label: int(row.cells[0].text) for row in summary.rows} == ref.summary()
    assert _exact(found, "categories") == ref.by(
        {c: c.label for c in CaseCategory}, lambda c: c.category
    )
    assert _exact(found, "priorities") == ref.by(
        {p: p.label for p in Priority}, lambda c: c.priority
    )
    wards = {w.id: w.name for w in session.scalars(select(Ward))}
    opened_by_ward = Counter(wards[c.ward_id] for c in ref.opened if c.ward_id)
    assert {k: v for k, v in _exact(found, "wards").items() if v} == dict(opened_by_ward)
    opened_by_agency = Counter(c.agency.name for c in ref.opened)
    assert {k: v for k, v in _exact(found, "agencies").items() if v} == dict(opened_by_agency)
    assert {k: v for k, v in _exact(found, "hate").items() if v} == {
        k: v for k, v in ref.hate_by_characteristic().items() if v
    }
    trend = found.table("trend")
    assert {row.label: tuple(int(c.text) for c in row.cells) for row in trend.rows} == ref.trend(
        Months(months_later(ref.period.end, -13), ref.period.end)
    )
    resolved = {row.label: int(row.cells[0].text) for row in found.table("resolved_by").rows}
    assert {k: v for k, v in resolved.items() if v} == dict(ref.resolved_by())
    assert tuple(_exact(found, "victims").values()) == ref.victims()
    risk = ref.risk()
    rows = _exact(found, "risk")
    for band in RiskBand:
        assert rows[f"Latest band: {band.label}"] == risk[f"Latest band: {band.label}"]
    assert rows["Moved up since their first assessment in the period"] == risk["up"]
    assert rows["Stayed the same"] == risk["same"]
    assert rows["Moved down"] == risk["down"]
    times = found.table("times")
    for row, days in zip(times.rows, (ref.contact_days(), ref.close_days()), strict=True):
        assert row.cells[0].text == (f"{statistics.median(days):g} days" if days else "none")
    satisfaction = found.table("satisfaction")
    answered, satisfied = ref.surveys()
    assert [c.text for c in satisfaction.rows[0].cells] == [str(answered)]
    assert [c.text for c in satisfaction.rows[1].cells] == [str(satisfied)]
    meetings = list(_exact(found, "meetings").values())
    due = ref.actions_due(clock.today())
    assert meetings == [
        ref.conferences(),
        due["on_time"],
        due["late"],
        due["overdue"],
    ]
    assert due["open"] == 0  # the period has ended: every date in it has passed


def test_a_cancelled_action_is_not_counted_as_still_open_past_its_date(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    """A manager reading last month's "Case conferences and actions" sees an action
    their agency cancelled neither as still open past its date nor anywhere else among
    the actions due: it is no longer due."""
    with make_session_factory(*demo_database)() as session:
        last = months_later(clock.today().replace(day=1), -1)
        period = Months(last, months_later(last, 1))
        action = session.scalars(
            select(Action)
            .join(Case, Case.id == Action.case_id)
            .where(
                Case.agency.has(code="northshire-homes"),
                Action.kind != ActionKind.DISSATISFACTION_FOLLOW_UP,
            )
        ).first()
        action.status, action.due_on, action.completed_on = ActionStatus.OPEN, last, None
        session.commit()
        scope = Scope(_area(session)[1], agency=action.case.agency)
        before = _exact(_count(session, period, scope), "meetings")
        action.status = ActionStatus.CANCELLED
        session.commit()
        after = _exact(_count(session, period, scope), "meetings")
        assert after["Still open past their date"] == before["Still open past their date"] - 1
        for row in (
            "Actions due in the period: done by their date",
            "Done after their date",
        ):
            assert after[row] == before[row]


def test_a_survey_answered_by_link_counts_in_the_month_it_was_answered(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    """A link offered on the last evening of one month and answered on the 3rd of the
    next: a manager reads the answer in the next month, and the first month's figures,
    as a pack made at the start of the next month showed them, stay as they were."""
    with make_session_factory(*demo_database)() as session:
        answered_in = months_later(clock.today().replace(day=1), -1)
        offered_in = months_later(answered_in, -1)
        survey = session.scalars(
            select(ClosureSurvey)
            .join(Case, Case.id == ClosureSurvey.case_id)
            .where(Case.agency.has(code="northshire-homes"), ClosureSurvey.overall.is_not(None))
        ).first()
        scope = Scope(_area(session)[1], agency=survey.case.agency)

        def answered() -> tuple[int, int]:
            return tuple(
                int(
                    _count(session, Months(m, months_later(m, 1)), scope)
                    .table("satisfaction")
                    .rows[0]
                    .cells[0]
                    .text
                )
                for m in (offered_in, answered_in)
            )

        survey.recorded_at = survey.answered_at = _instant(answered_in, 20)
        session.commit()
        before = answered()
        survey.channel = SurveyChannel.LINK
        survey.recorded_at = _instant(answered_in, -1, hour=21)
        survey.answered_at = _instant(answered_in, 2)
        session.commit()
        assert answered() == before
        assert _local(survey.recorded_at).month == offered_in.month


def _instant(month: date, days: int, hour: int = 12) -> datetime:
    """``days`` after the 1st of ``month`` at ``hour``, partnership time, as UTC."""
    day = date.fromordinal(month.toordinal() + days)
    return datetime.combine(day, time(hour), clock.PARTNERSHIP_ZONE).astimezone(UTC)


def _lock_and_erase(session: Session) -> tuple[Case, Case]:
    homes = session.scalars(
        select(Case).where(
            Case.agency.has(code="northshire-homes"),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
    ).all()
    locked, erased = homes[-1], homes[-2]
    locked.locked = True
    managers = session.scalars(select(User).where(User.agency_id == erased.agency_id)).all()
    manager = next(u for u in managers if Role.MANAGER in u.roles)
    close_for_erasure(session, Actor.of(manager), erased.id)
    erase_case(session, authorise(session, Actor.of(manager), erased.id, Act.ERASE))
    session.commit()
    return locked, erased


def test_the_figures_agree_with_a_plain_count_with_locked_and_erased_cases(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    with make_session_factory(*demo_database)() as session:
        locked, erased = _lock_and_erase(session)
        period = _year(clock.today())
        ref = Reference(session, period, lambda c: True)
        assert ref.summary()["Cases opened"] > 50
        assert locked.id in ref.ids
        assert erased.id in ref.ids
        _check_against(_count(session, period), ref, session)
        area_id, name = _area(session)
        ward = session.get(Ward, locked.ward_id)
        agency = session.get(Agency, locked.agency_id)
        for scope, keep in (
            (Scope(name, ward=ward), lambda c: c.ward_id == ward.id),
            (Scope(name, agency=agency), lambda c: c.agency_id == agency.id),
            (
                Scope(name, agency=agency, ward=ward),
                lambda c: c.agency_id == agency.id and c.ward_id == ward.id,
            ),
        ):
            _check_against(
                _count(session, period, scope), Reference(session, period, keep), session
            )


def test_a_cell_key_is_the_sum_of_its_cases_tags_on_either_database(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    """The rounding of a count depends on which cases it counts, the same on SQLite and
    PostgreSQL: the SQL tag agrees with the Python one."""
    with make_session_factory(*demo_database)() as session:
        period = _year(clock.today())
        counter = counts.Counter(session, _area(session)[0], Scope("x"), period)
        atoms = counter.opened_by(Case.priority)
        cases = [
            c for c in session.scalars(select(Case)) if _within(counter.window.months, c.opened_at)
        ]
        tallies = atoms.total(range(counter.window.months.count)).values()
        assert sum(t.count for t in tallies) == len(cases)
        assert sum(t.key for t in tallies) == sum(tag_of(c.id) for c in cases)


# Who reads what


def _texts(found: Figures) -> list[str]:
    return [c.text for t in found.tables for r in t.rows for c in r.cells]


def test_an_analyst_reads_rounded_counts_and_a_manager_their_own_exactly(demo_session) -> None:
    analyst = demo_actor(demo_session, "northshire-csp", Role.ANALYST)
    found = partnership.figures(demo_session, analyst, ROUNDER, None, {})
    assert [g.exact for g in found.groups] == [False]
    counts = [
        c
        for t in found.tables
        if t.key != "trigger"
        for r in t.rows
        for c in r.cells
        if c.shown is not Shown.DERIVED
    ]
    assert counts
    assert all(c.shown in (Shown.SMALL, Shown.ROUNDED) for c in counts)
    assert all(c.value % 5 == 0 for c in counts if c.shown is Shown.ROUNDED)
    manager = demo_actor(demo_session, "northshire-homes", Role.MANAGER)
    mine = partnership.figures(demo_session, manager, ROUNDER, None, {})
    assert [(g.title, g.exact) for g in mine.groups] == [
        ("Northshire Homes (exact)", True),
        ("Other agencies", False),
    ]
    homes = demo_session.scalar(select(Agency).where(Agency.code == "northshire-homes"))
    agencies = _exact_rows(mine.table("agencies"))
    assert agencies["Northshire Homes"].shown is Shown.EXACT
    assert all(c.shown is not Shown.EXACT for name, c in agencies.items() if name != homes.name)
    own = partnership.figures(
        demo_session, manager, ROUNDER, None, {"agency": "northshire-homes", "exact": "yes"}
    )
    assert [g.exact for g in own.groups] == [True]
    reference = Reference(demo_session, own.period, lambda c: c.agency_id == homes.id)
    assert int(own.table("summary").rows[0].cells[0].text) == len(reference.opened)
    police = partnership.figures(
        demo_session, manager, ROUNDER, None, {"agency": "northshire-police"}
    )
    assert [g.exact for g in police.groups] == [False]


def _exact_rows(table):
    return {row.label: row.cells[0] for row in table.rows}


def _last_entry(session: Session) -> AuditEntry:
    """The last such entry the session wrote (its queued entries added to the log first)."""
    integrate(session)
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "figures.view")
        .order_by(AuditEntry.seq.desc())
    ).first()


def test_exact_figures_forged_for_another_agency_and_other_roles_are_refused(demo_session) -> None:
    manager = demo_actor(demo_session, "northshire-homes", Role.MANAGER)
    with pytest.raises(NotAllowed, match="only for an agency's own managers"):
        partnership.figures(
            demo_session, manager, ROUNDER, None, {"agency": "northshire-police", "exact": "1"}
        )
    entry = _last_entry(demo_session)
    assert entry.outcome == "refused"
    assert entry.basis == "exact figures asked for agency northshire-police"
    analyst = demo_actor(demo_session, "northshire-csp", Role.ANALYST)
    with pytest.raises(NotAllowed):
        partnership.figures(
            demo_session, analyst, ROUNDER, None, {"agency": "northshire-csp", "exact": "yes"}
        )
    for role in (Role.CASE_OFFICER, Role.PARTNER_VIEWER, Role.DPO):
        code = "northshire-police" if role is Role.PARTNER_VIEWER else "northshire-homes"
        try:
            actor = demo_actor(demo_session, code, role)
        except LookupError:
            continue
        with pytest.raises(NotAllowed):
            partnership.figures(demo_session, actor, ROUNDER, None, {})
        assert _last_entry(demo_session).outcome == "refused"


def _months_ago(n: int) -> str:
    return f"{months_later(clock.today().replace(day=1), -n):%Y-%m}"


A_DAY_IN_DECEMBER = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("first", "last", "title"),
    [
        ("2026-11", "2026-11", "November 2026"),
        ("2026-07", "2026-09", "July to September 2026"),
        ("2025-04", "2026-03", "April 2025 to March 2026"),
        ("2025-01", "2025-12", "January to December 2025"),
        ("2026-05", None, "May 2026"),
        (None, "2026-08", "August 2026"),
        (None, None, "July to September 2026"),  # the last quarter ended
    ],
)
def test_a_reader_chooses_a_month_a_quarter_or_a_year(first, last, title) -> None:
    assert months_of(first, last, A_DAY_IN_DECEMBER).title == title


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-12", "2026-12", "to"),  # this month
        ("2026-10", "2026-12", "to"),  # the quarter under way
        ("2026-01", "2026-12", "to"),  # the calendar year under way
        ("2026-04", "2027-03", "to"),  # the financial year under way
        ("2027-01", None, "from"),  # a month to come
        (None, "2026-12", "to"),
    ],
)
def test_a_period_that_has_not_ended_is_refused(first, last, field) -> None:
    """A period still under way would count a different set of cases each day, each
    rounded afresh: asked day after day, its figures would be many draws of nearly the
    same count, enough to average a "fewer than 5" out. Only ended periods are counted."""
    with pytest.raises(InputError) as refused:
        months_of(first, last, A_DAY_IN_DECEMBER)
    assert refused.value.field == field
    assert refused.value.message == (
        "Figures are given only for periods that have ended: the last month can be "
        "November 2026 or earlier"
    )


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2026-05", "2026-07"),  # three months that are not a quarter
        ("2026-06", "2026-07"),
        ("2026-01", "2026-06"),  # half a year
        ("2025-12", "2026-11"),  # 12 months that are neither year
        ("2024-01", "2025-12"),  # two years
        ("2025-04", "2026-06"),
    ],
)
def test_a_period_that_overlaps_the_standard_ones_is_refused_naming_them(first, last) -> None:
    """Only periods that meetings use, which do not overlap but as a month sits in its
    quarter and a quarter in its years: many overlapping runs of months, set against each
    other, would tell what a "fewer than 5" stands for."""
    with pytest.raises(InputError) as refused:
        months_of(first, last, A_DAY_IN_DECEMBER)
    assert refused.value.field == "to"
    assert refused.value.message == (
        "Choose one month, a quarter (January to March, April to June, July to September "
        "or October to December), a financial year (April to March) or a calendar year"
    )


def test_a_quarterly_meetings_pack_covers_the_last_quarter_ended() -> None:
    """A quarterly meeting's pack covers the last calendar quarter ended before the month
    it sits in; a monthly meeting's the month before."""
    for cadence, starts, months in (
        (Cadence.QUARTERLY, datetime(2026, 12, 8, 10, tzinfo=UTC), ("2026-07", "2026-09")),
        (Cadence.QUARTERLY, datetime(2027, 1, 12, 10, tzinfo=UTC), ("2026-10", "2026-12")),
        (Cadence.QUARTERLY, datetime(2026, 10, 1, 9, tzinfo=UTC), ("2026-07", "2026-09")),
        (Cadence.MONTHLY, datetime(2026, 12, 8, 10, tzinfo=UTC), ("2026-11", "2026-11")),
    ):
        sitting = MeetingSitting(series=MeetingSeries(cadence=cadence), starts_at=starts)
        assert meeting_packs.meeting_months(sitting) == months


def test_a_meetings_pack_waits_until_its_months_have_ended(demo_session) -> None:
    sitting = demo_session.scalars(select(MeetingSitting).order_by(MeetingSitting.id)).first()
    period = meeting_packs.meeting_period(sitting)
    coordinator = demo_actor(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    asked = {"meeting": str(sitting.id)}
    last_day = period.last_day
    with pytest.raises(InputError) as refused:
        partnership.figures(demo_session, coordinator, ROUNDER, None, asked, today=last_day)
    assert refused.value.field == "meeting"
    assert refused.value.message == (
        f"This meeting's pack covers {period.title}, which has not ended: it can be "
        f"prepared from {period.end.day} {period.end:%B %Y}"
    )
    assert _last_entry(demo_session).outcome == "refused"
    found = partnership.figures(demo_session, coordinator, ROUNDER, None, asked, today=period.end)
    assert found.period == period


@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        ({"from": _months_ago(2), "to": _months_ago(4)}, "to", "must be the same as or after"),
        ({"from": _months_ago(70), "to": _months_ago(1)}, "to", "Choose one month, a quarter"),
        ({"to": _months_ago(-1)}, "to", "only for periods that have ended"),
        ({"from": _months_ago(-1)}, "from", "only for periods that have ended"),
        ({"to": _months_ago(0)}, "to", "only for periods that have ended"),
        ({"from": "April"}, "from", "Enter the first month as a year and month"),
        ({"to": "2026-13"}, "to", "Enter the last month as a year and month"),
        ({"from": "1999-12"}, "from", "January 2000 or later"),
        ({"from": "0000-04", "to": _months_ago(1)}, "from", "The first month must be January 2000"),
        ({"to": "0000-12"}, "to", "The last month must be January 2000 or later"),
        ({"ward": "99999"}, "ward", "Select one of the partnership's wards"),
        ({"ward": "Ashcombe"}, "ward", "Select one of the partnership's wards"),
        ({"agency": "no-such-agency"}, "agency", "Select one of the partnership's agencies"),
    ],
)
def test_a_period_or_area_that_is_not_one_is_refused_at_its_field(
    demo_session, asked, field, message
) -> None:
    analyst = demo_actor(demo_session, "northshire-csp", Role.ANALYST)
    with pytest.raises(InputError, match=message) as refused:
        partnership.figures(demo_session, analyst, ROUNDER, None, asked)
    assert refused.value.field == field
    entry = _last_entry(demo_session)
    assert (entry.outcome, entry.basis) == ("refused", f"refused input: {field}")


def test_each_request_is_one_entry_naming_the_period_and_area_only(demo_session) -> None:
    analyst = demo_actor(demo_session, "northshire-csp", Role.ANALYST)
    ward = demo_session.scalar(select(Ward).order_by(Ward.name))
    before = demo_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    asked = {"from": _months_ago(1), "to": _months_ago(1), "ward": str(ward.id)}
    partnership.figures(demo_session, analyst, ROUNDER, None, asked, what="csv of table wards")
    integrate(demo_session)
    entries = demo_session.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
    assert len(entries) == 1
    assert entries[0].action == "figures.view"
    assert entries[0].basis == (
        f"partnership figures {asked['from']} to {asked['to']}; ward {ward.id}; rounded; "
        "csv of table wards"
    )


# Nothing learnt by differencing; nothing learnt of a locked case


def test_a_locked_case_changes_no_figure_for_any_area_or_period(demo_database) -> None:
    with make_session_factory(*demo_database)() as session:
        period = _year(clock.today())
        shorter = Months(months_later(period.end, -3), period.end)
        area_id, name = _area(session)
        case = session.scalars(select(Case).where(Case.locked.is_(False))).all()[7]
        scopes = [Scope(name)]
        scopes += [Scope(name, agency=a) for a in session.scalars(select(Agency))]
        scopes += [Scope(name, ward=w) for w in session.scalars(select(Ward))]
        scopes.append(Scope(name, agency=case.agency, ward=case.ward))
        rounded = (Group("All agencies"),)

        def everything() -> list[list[str]]:
            return [
                _texts(_count(session, p, s, rounded)) for s in scopes for p in (period, shorter)
            ]

        before = everything()
        case.locked = True
        session.commit()
        assert everything() == before


def _nested_views(session: Session) -> list[tuple[Scope, Months]]:
    name = _area(session)[1]
    agencies = session.scalars(
        select(Agency).where(Agency.code.in_(["northshire-homes", "northshire-police"]))
    ).all()
    wards = session.scalars(select(Ward).order_by(Ward.name)).all()[:3]
    scopes = [Scope(name)]
    scopes += [Scope(name, agency=a) for a in agencies]
    scopes += [Scope(name, ward=w) for w in wards]
    scopes += [Scope(name, agency=a, ward=w) for a in agencies for w in wards]
    quarter = quarter_before(clock.today())
    year = quarter.start.year
    financial = year if quarter.start.month >= 4 else year - 1
    periods = [
        *quarter.each(),
        quarter,
        Months(date(year, 1, 1), date(year + 1, 1, 1)),
        Months(date(financial, 4, 1), date(financial + 1, 4, 1)),
    ]
    return [(s, p) for s in scopes for p in periods]


def _inside(small: tuple[Scope, Months], big: tuple[Scope, Months]) -> bool:
    (s, p), (S, P) = small, big
    return (
        P.start <= p.start
        and p.end <= P.end
        and (S.agency is None or (s.agency is not None and s.agency.id == S.agency.id))
        and (S.ward is None or (s.ward is not None and s.ward.id == S.ward.id))
    )


def test_no_small_difference_of_two_nested_filters_can_be_worked_out(demo_session) -> None:
    """Every pair of the demo's filters where one holds the other (an agency in the
    partnership, a ward, an agency in a ward; a month in its quarter, a quarter in its
    calendar and financial years): wherever the true difference of a count is under 5, the two published figures
    leave at least two values possible for it."""
    views = _nested_views(demo_session)
    rounded = (Group("All agencies"),)
    published = {}
    exact = {}
    for view in views:
        scope, period = view
        published[view] = _count(demo_session, period, scope, rounded)
        exact[view] = _count(demo_session, period, scope)
    checked = 0
    for small in views:
        for big in views:
            if small == big or not _inside(small, big):
                continue
            for key in ("categories", "priorities", "hate", "victims"):
                for row_small, row_big, true_small, true_big in zip(
                    published[small].table(key).rows,
                    published[big].table(key).rows,
                    exact[small].table(key).rows,
                    exact[big].table(key).rows,
                    strict=True,
                ):
                    difference = int(true_big.cells[0].text) - int(true_small.cells[0].text)
                    if difference >= 5:
                        continue
                    options = {
                        b - a
                        for a in possible(row_small.cells[0])
                        for b in possible(row_big.cells[0])
                        if 0 <= b - a < 5
                    }
                    assert difference in options
                    assert len(options) >= 2, (small, big, key, row_small.label)
                    checked += 1
    assert checked > 500


def test_a_managers_exact_figures_leave_out_a_locked_case_they_are_not_named_on(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    """A second manager of an agency, not named on the lock of its locked case (the demo's,
    or one locked here on a day the demo locks none before this month), reads their agency's figures exactly
    for the month and ward it was opened in: it is not among them, as it is in none of
    their lists (else the exact count, less the cases their lists show, would tell them a
    locked case was opened then and there, and of which category). The manager named on
    the lock still counts it, as do everyone's rounded figures."""
    # Figures are given for months that have ended: a case opened before this one.
    this_month = datetime.combine(clock.today().replace(day=1), time(0), clock.PARTNERSHIP_ZONE)
    with make_session_factory(*demo_database)() as session:
        case = session.scalars(
            select(Case).where(Case.locked.is_(True), Case.opened_at < this_month).order_by(Case.id)
        ).first() or lock_demo_case(session, opened_before=this_month)
        named = demo_user(session, case.agency.code, Role.MANAGER)
        members = set(
            session.scalars(select(LockMember.user_id).where(LockMember.case_id == case.id))
        )
        assert named.id in members
        other = accounts.create_user(
            session,
            agency=case.agency,
            email="second.manager@agency.example.org",
            display_name="A second manager",
            roles={Role.MANAGER},
            password_hash=named.password_hash,
        )
        session.commit()
        month = f"{_local(case.opened_at):%Y-%m}"
        asked = {
            "from": month,
            "agency": case.agency.code,
            "ward": str(case.ward_id),
            "exact": "yes",
        }

        def opened(user: User) -> dict[str, int]:
            found = partnership.figures(session, Actor.of(user), ROUNDER, None, asked)
            return _exact(found, "categories")

        theirs = opened(other)
        ours = opened(named)
        assert ours[case.category.label] == theirs[case.category.label] + 1
        assert {k: v for k, v in ours.items() if k != case.category.label} == {
            k: v for k, v in theirs.items() if k != case.category.label
        }
        seen = [
            c
            for c in session.scalars(select(Case).where(Case.agency_id == case.agency_id))
            if c.ward_id == case.ward_id
            and f"{_local(c.opened_at):%Y-%m}" == month
            and not c.locked
        ]
        assert sum(theirs.values()) == len(seen)
