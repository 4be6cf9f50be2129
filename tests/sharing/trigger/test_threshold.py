"""The Community Trigger threshold engine: against a plain reference implementation of the
rules on random complaints across agencies (with the same incident reported to several,
late reports, old ones and locked cases), and on examples from published local
thresholds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sharing import clock
from sharing.trigger.procedure import Procedure, parse_procedure
from sharing.trigger.threshold import Complaint, assess, months_before

SHIPPED = Path(__file__).parents[3] / "config" / "northshire-community-trigger.toml"
NORTHSHIRE = parse_procedure(SHIPPED.read_text(), "northshire")
APPLIED = date(2026, 11, 20)


def _procedure(rules: str, *, within_days: int = 31, latest: int | None = None) -> Procedure:
    """A procedure with Northshire's bodies and timescales and these rules."""
    latest_line = f"latest_incident_within_days = {latest}\n" if latest else ""
    return parse_procedure(
        f"""
id = "example"
title = "Example"
version = 1
lead = "council"
relevant_bodies = ["council", "police", "type:landlord"]
[qualifying]
report_within_days = {within_days}
apply_within_months = 6
same_incident_hours = 24
{latest_line}
{rules}
[timescales]
acknowledge = 5
threshold_decision = 10
review_meeting = 15
outcome = 5
[appeal]
body = "The police and crime commissioner"
phone = "01632 960 700"
within_working_days = 20
""",
        "example",
    )


THREE_IN_SIX = """
[[rules]]
id = "three"
kind = "complaints"
title = "Three complaints in six months"
count = 3
within_months = 6
"""
HATE_ONCE = """
[[rules]]
id = "hate"
kind = "hate"
title = "One hate incident in six months"
count = 1
within_months = 6
"""
#: Manchester: three complaints of ASB in the last six months, each made within one month
#: of the incident (manchester.gov.uk, ASB case review form).
MANCHESTER = _procedure(THREE_IN_SIX)
#: Uttlesford: three or more reports in the last six months, or one report of hate crime,
#: each within one month of the incident (uttlesford.gov.uk, "Request a community
#: trigger"); Pendle's is the same for the same problem (pendle.gov.uk).
UTTLESFORD = _procedure(THREE_IN_SIX + HATE_ONCE)
#: An area that also asks for the latest incident within the last month (issue 16).
RECENT = _procedure(THREE_IN_SIX, latest=31)


def _at(days_before: int, hour: int = 20) -> datetime:
    return datetime.combine(
        APPLIED - timedelta(days=days_before), datetime.min.time(), UTC
    ).replace(hour=hour)


def _complaint(
    n: int,
    days_before: int,
    *,
    agency: int = 1,
    delay_days: int = 0,
    person: str | None = "victim",
    complainant: str | None = None,
    category: str = "noise",
    hate: bool = False,
    locked: bool = False,
    hour: int = 20,
) -> Complaint:
    occurred = _at(days_before, hour)
    return Complaint(
        id=n,
        agency_id=agency,
        case_id=100 + agency,
        occurred_at=occurred,
        reported_on=clock.day_of(occurred + timedelta(days=delay_days, hours=1)),
        category=category,
        person=person,
        complainant=complainant or person,
        address="flat-4",
        hate=hate,
        locked=locked,
    )


def _result(advice, rule_id: str):
    return next(r for r in advice.rules if r.rule.id == rule_id)


# --- Examples from published local thresholds -------------------------------------------


def test_three_separate_incidents_reported_to_three_agencies_meet_three_in_six_months() -> None:
    complaints = [
        _complaint(1, 150, agency=1),
        _complaint(2, 90, agency=2),
        _complaint(3, 10, agency=3, locked=True),  # a locked case counts like any other
    ]
    for procedure in (NORTHSHIRE, MANCHESTER, UTTLESFORD):
        advice = assess(complaints, procedure, APPLIED)
        first = advice.rules[0]
        assert (first.met, first.found) == (True, 3)
        assert advice.met


def test_one_incident_reported_to_three_agencies_the_same_evening_counts_once() -> None:
    complaints = [
        _complaint(1, 20, agency=1, hour=20),
        _complaint(2, 20, agency=2, hour=22),
        _complaint(3, 19, agency=3, hour=9),  # reported the next morning, 13 hours on
        _complaint(4, 60, agency=1),
    ]
    advice = assess(complaints, MANCHESTER, APPLIED)
    assert _result(advice, "three").found == 2
    assert not advice.met
    assert sorted((kept.id, merged.id) for kept, merged in advice.merged) == [(1, 2), (1, 3)]


def test_two_reports_to_the_same_agency_are_two_incidents_however_close() -> None:
    complaints = [_complaint(1, 20, agency=1, hour=20), _complaint(2, 20, agency=1, hour=21)]
    assert _result(assess(complaints, MANCHESTER, APPLIED), "three").found == 2


def test_a_report_made_more_than_a_month_after_the_behaviour_does_not_qualify() -> None:
    complaints = [
        _complaint(1, 100),
        _complaint(2, 80, agency=2),
        _complaint(3, 60, agency=3, delay_days=40),
    ]
    advice = assess(complaints, MANCHESTER, APPLIED)
    assert _result(advice, "three").found == 2
    [excluded] = advice.excluded
    assert excluded.complaint.id == 3
    assert excluded.reason == "reported 40 days after the behaviour (more than 31)"


def test_a_complaint_more_than_six_months_before_the_application_does_not_qualify() -> None:
    complaints = [_complaint(1, 200), _complaint(2, 80, agency=2), _complaint(3, 10, agency=3)]
    advice = assess(complaints, NORTHSHIRE, APPLIED)
    assert _result(advice, "three-complaints").found == 2
    assert [e.reason for e in advice.excluded] == ["made more than 6 months before the application"]


LONDON = ZoneInfo("Europe/London")


def _uk(
    n: int, occurred: tuple[int, int, int, int, int], reported: tuple[int, int, int, int, int]
) -> Complaint:
    """A complaint whose behaviour and report are at these UK times (year, month, day,
    hour, minute), kept in UTC as the hub keeps them."""
    return Complaint(
        id=n,
        agency_id=n,
        case_id=100 + n,
        occurred_at=datetime(*occurred, tzinfo=LONDON).astimezone(UTC),
        reported_on=clock.day_of(datetime(*reported, tzinfo=LONDON).astimezone(UTC)),
        category="noise",
        person="victim",
    )


#: Two complaints in the summer, well inside six months of 1 October 2026.
SUMMER = [
    _uk(2, (2026, 6, 1, 12, 0), (2026, 6, 1, 13, 0)),
    _uk(3, (2026, 7, 1, 12, 0), (2026, 7, 1, 13, 0)),
]


def test_a_complaint_made_just_after_midnight_in_summer_is_on_the_uk_day() -> None:
    # 00:30 on 1 April (British Summer Time) is 23:30 on 31 March in UTC; an application
    # of 1 October is made within six months of it.
    first_of_april = _uk(1, (2026, 3, 31, 22, 0), (2026, 4, 1, 0, 30))
    advice = assess([first_of_april, *SUMMER], NORTHSHIRE, date(2026, 10, 1))
    assert _result(advice, "three-complaints").found == 3
    assert advice.excluded == ()


def test_a_complaint_made_just_after_midnight_the_day_after_the_application_is_not_counted() -> (
    None
):
    # 00:30 on 2 October (BST) is 23:30 on 1 October in UTC: after an application of 1 October.
    next_day = _uk(4, (2026, 9, 30, 20, 0), (2026, 10, 2, 0, 30))
    advice = assess([next_day, *SUMMER], NORTHSHIRE, date(2026, 10, 1))
    assert _result(advice, "three-complaints").found == 2
    assert [e.reason for e in advice.excluded] == ["after the application"]


def test_a_report_31_days_after_the_behaviour_counts_whatever_the_hour() -> None:
    # 10:00 on 1 August, reported at 11:00 on 1 September: 31 days, within the month.
    late_in_the_day = _uk(5, (2026, 8, 1, 10, 0), (2026, 9, 1, 11, 0))
    advice = assess([late_in_the_day, *SUMMER], NORTHSHIRE, date(2026, 10, 1))
    assert _result(advice, "three-complaints").found == 3
    # 23:30 on 1 August, reported at 00:15 on 2 September: 32 days, and the reason says so.
    just_too_late = _uk(6, (2026, 8, 1, 23, 30), (2026, 9, 2, 0, 15))
    advice = assess([just_too_late, *SUMMER], NORTHSHIRE, date(2026, 10, 1))
    assert _result(advice, "three-complaints").found == 2
    assert [e.reason for e in advice.excluded] == [
        "reported 32 days after the behaviour (more than 31)"
    ]


def test_one_hate_incident_meets_uttlesford_and_northshire_but_not_manchester() -> None:
    complaints = [_complaint(1, 30, hate=True)]
    assert assess(complaints, UTTLESFORD, APPLIED).met
    assert _result(assess(complaints, NORTHSHIRE, APPLIED), "hate-incident").met
    assert not assess(complaints, MANCHESTER, APPLIED).met


def test_five_neighbours_complaining_about_one_address_meet_the_community_rule() -> None:
    complaints = [
        _complaint(n, 10 * n, agency=1 + n % 3, person=None, complainant=f"neighbour-{n}")
        for n in range(1, 6)
    ]
    advice = assess(complaints, NORTHSHIRE, APPLIED)
    community = _result(advice, "community")
    assert (community.met, community.found) == (True, 5)
    fewer = assess(complaints[:4], NORTHSHIRE, APPLIED)
    assert _result(fewer, "community").met is False


def test_the_discretion_rule_is_the_senior_officers_not_the_engines() -> None:
    advice = assess([], NORTHSHIRE, APPLIED)
    assert _result(advice, "vulnerable-victim").met is None
    assert not advice.met


def test_an_area_asking_for_a_recent_latest_incident_is_not_met_without_one() -> None:
    old = [_complaint(1, 150), _complaint(2, 120, agency=2), _complaint(3, 90, agency=3)]
    advice = assess(old, RECENT, APPLIED)
    assert _result(advice, "three").met
    assert advice.latest_recent is False
    assert not advice.met
    assert assess([*old, _complaint(4, 5)], RECENT, APPLIED).met


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_before(date(2026, 11, 20), 6) == date(2026, 5, 20)
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2028, 8, 31), 6) == date(2028, 2, 29)
    assert months_before(date(2027, 1, 15), 1) == date(2026, 12, 15)


# --- Against a plain reference implementation -------------------------------------------


def _reference_months_before(day: date, months: int) -> date:
    year, month = day.year, day.month
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    last = 31
    while True:
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            last -= 1


def _reference(complaints: list[Complaint], procedure: Procedure, applied: date):
    """The rules, written out plainly: which complaints qualify, the incidents, and each
    counting rule's (met, found)."""
    q = procedure.qualifying
    earliest = _reference_months_before(applied, q.apply_within_months)
    good, bad = [], []
    for c in complaints:
        reported, occurred = c.reported_on, clock.day_of(c.occurred_at)
        too_late = (reported - occurred).days > q.report_within_days
        after = reported > applied or occurred > applied
        if after or too_late or reported < earliest:
            bad.append(c.id)
        else:
            good.append(c)
    good.sort(key=lambda c: (c.occurred_at, c.agency_id, c.id))

    def about(c: Complaint):
        if c.person is not None:
            return "person:" + c.person
        if c.address is not None:
            return "address:" + c.address
        return None

    incidents: list[list[Complaint]] = []
    for c in good:
        home = None
        if about(c) is not None:
            for incident in incidents:
                first = incident[0]
                if (
                    about(first) == about(c)
                    and first.category == c.category
                    and c.agency_id not in [r.agency_id for r in incident]
                    and (c.occurred_at - first.occurred_at).total_seconds()
                    <= q.same_incident_hours * 3600
                ):
                    home = incident
                    break
        if home is None:
            incidents.append([c])
        else:
            home.append(c)
    results = {}
    for rule in procedure.rules:
        if rule.kind == "discretion":
            results[rule.id] = (None, 0)
            continue
        since = _reference_months_before(applied, rule.within_months)
        recent = [i for i in incidents if i[0].reported_on >= since]
        if rule.kind == "complaints":
            found = len(recent)
        elif rule.kind == "hate":
            found = len([i for i in recent if any(r.hate for r in i)])
        else:
            found = len({r.complainant for i in recent for r in i if r.complainant is not None})
        results[rule.id] = (found >= rule.count, found)
    return sorted(bad), sorted(sorted(r.id for r in i) for i in incidents), results


@st.composite
def complaints(draw) -> list[Complaint]:
    """Events of ASB, each reported to one agency and sometimes to others soon after; some
    late, some old, some hate, some on locked cases."""
    found: list[Complaint] = []
    for n in range(draw(st.integers(min_value=0, max_value=12))):
        occurred = _at(draw(st.integers(min_value=-3, max_value=240)), draw(st.integers(0, 23)))
        person = draw(st.sampled_from(["p1", "p2", None]))
        category = draw(st.sampled_from(["noise", "harassment"]))
        hate = draw(st.booleans())
        agencies = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
        for k, agency in enumerate(agencies):
            found.append(
                Complaint(
                    id=n * 10 + k,
                    agency_id=agency,
                    case_id=agency * 100 + n,
                    occurred_at=occurred + timedelta(hours=draw(st.integers(0, 30))),
                    reported_on=clock.day_of(
                        occurred + timedelta(hours=draw(st.integers(0, 24 * 45)))
                    ),
                    category=category,
                    person=person,
                    complainant=draw(st.sampled_from(["p1", "p2", "p3", "p4", "p5", None])),
                    address=draw(st.sampled_from(["flat-4", "flat-5", None])),
                    hate=hate and k == 0,
                    locked=draw(st.booleans()),
                )
            )
    return found


PROCEDURES = [NORTHSHIRE, MANCHESTER, UTTLESFORD, RECENT]


@settings(max_examples=300, deadline=None)
@given(complaints(), st.sampled_from(PROCEDURES))
def test_the_engine_agrees_with_the_plain_reference(found, procedure) -> None:
    advice = assess(found, procedure, APPLIED)
    bad, incidents, results = _reference(found, procedure, APPLIED)
    assert sorted(e.complaint.id for e in advice.excluded) == bad
    assert sorted(sorted(r.id for r in i.reports) for i in advice.incidents) == incidents
    for result in advice.rules:
        assert (result.met, result.found) == results[result.rule.id]


@settings(max_examples=150, deadline=None)
@given(complaints())
def test_locked_cases_count_exactly_as_the_same_complaints_unlocked(found) -> None:
    unlocked = [
        Complaint(**{**c.__dict__, "locked": False})  # type: ignore[arg-type]
        for c in found
    ]
    assert [(r.met, r.found) for r in assess(found, NORTHSHIRE, APPLIED).rules] == [
        (r.met, r.found) for r in assess(unlocked, NORTHSHIRE, APPLIED).rules
    ]


@settings(max_examples=150, deadline=None)
@given(complaints())
def test_every_complaint_is_either_left_out_with_a_reason_or_in_exactly_one_incident(
    found,
) -> None:
    advice = assess(found, NORTHSHIRE, APPLIED)
    counted = [r.id for i in advice.incidents for r in i.reports]
    left_out = [e.complaint.id for e in advice.excluded]
    assert sorted(counted + left_out) == sorted(c.id for c in found)
    assert all(e.reason for e in advice.excluded)
    for incident in advice.incidents:
        agencies = [r.agency_id for r in incident.reports]
        assert len(agencies) == len(set(agencies))  # one report per agency per incident
