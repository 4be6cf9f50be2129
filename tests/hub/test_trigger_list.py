"""The lead's list of Community Trigger applications narrowed by its filters (demo
partnership): by state, a deadline passed, the reporting year received and the reference,
alone and together, across pages; bad values in the address refused at their filter,
never a server error; each list recorded naming the filters used, never their values;
nobody outside the lead agency's Trigger leads and managers gets in."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.cases.listing import PAGE_SIZE
from sharing.models import AuditEntry, TriggerApplication
from sharing.trigger import applications, closing, deadlines, handling, input_checks, listing
from sharing.vocabulary import Role, ThresholdDecision
from tests.fixtures.demo import demo_client, demo_user
from tests.sharing.trigger.test_complaints import PROCEDURE

_LINK = re.compile(r'href="/trigger/(\d+)"')
_LEAD_AGENCY = "northshire-csp"


def _lead_user(session: Session):
    return demo_user(session, _LEAD_AGENCY, Role.TRIGGER_LEAD)


def _lead(app: Flask, session: Session) -> FlaskClient:
    return demo_client(app, _lead_user(session))


def _record(session: Session, received_on: date, name: str = "Applicant") -> TriggerApplication:
    return applications.record_application(
        session,
        Actor.of(_lead_user(session)),
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=received_on,
            channel="phone",
            victim_kind="person",
            victim_family_name=name,
            victim_given_names="Jo",
            victim_address="Flat 2, 7 Test Row",
            problem="Noise and threats every night",
        ),
    )


@pytest.fixture(scope="module")
def closed_ones(demo_hub: Flask) -> tuple[int, int]:
    """One application withdrawn and one recorded as its duplicate's, beside the demo's."""
    with demo_hub.extensions["hub.sessions"]() as session:
        lead = Actor.of(_lead_user(session))
        today = clock.today()
        kept, withdrawn, duplicate = (_record(session, today, f"Closed{n}") for n in range(3))
        closing.record_withdrawal(
            session, lead, PROCEDURE, withdrawn.id, today, "By phone: no longer needed"
        )
        closing.record_duplicate(session, lead, PROCEDURE, duplicate.id, kept.reference)
        session.commit()
        return withdrawn.id, duplicate.id


def _all_pages(client: FlaskClient, path: str) -> list[list[int]]:
    pages, n = [], 1
    while True:
        sep = "&" if "?" in path else "?"
        response = client.get(f"{path}{sep}page={n}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        pages.append([int(m) for m in _LINK.findall(page)])
        if f"page={n + 1}" not in page:
            return pages
        n += 1


def _shown(client: FlaskClient, path: str) -> list[int]:
    return [a for page in _all_pages(client, path) for a in page]


def _held(session: Session) -> list[TriggerApplication]:
    session.expire_all()
    lead = _lead_user(session)
    return list(
        session.scalars(
            select(TriggerApplication).where(TriggerApplication.lead_agency_id == lead.agency_id)
        )
    )


def _handled(a: TriggerApplication) -> bool:
    live = a.erased_at is None and a.closed_at is None
    return live and (
        a.decision is None
        or handling.to_decide_again(a)
        or (a.decision is not ThresholdDecision.NOT_MET and a.outcome_on is None)
        or (a.outcome_on is not None and any(r.completed_on is None for r in a.recommendations))
    )


_IN_STATE = {
    "handling": _handled,
    "decided": lambda a: (
        a.decision is not None
        and a.closed_at is None
        and not _handled(a)
        and not (a.appeal_received_on is not None and a.appeal_decision is None)
    ),
    "withdrawn": lambda a: a.closed_at is not None and a.duplicate_of_id is None,
    "duplicate": lambda a: a.closed_at is not None and a.duplicate_of_id is not None,
    "appealed": lambda a: a.appeal_received_on is not None,
}
_SAID = {
    "handling": "being handled",
    "decided": "decided and closed",
    "withdrawn": "withdrawn",
    "duplicate": "recorded as duplicates",
    "appealed": "appealed",
}


def _caption(page: str) -> str:
    start = page.index('class="govuk-table__caption')
    return re.sub(r"\s+", " ", page[page.index(">", start) + 1 : page.index("</caption>", start)])


def _entries(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "trigger.view", AuditEntry.object_type == "agency")
            .order_by(AuditEntry.seq)
        )
    )


def test_the_list_without_filters_shows_every_application_and_offers_the_filters(
    demo_hub, demo_session
) -> None:
    lead = _lead(demo_hub, demo_session)
    response = lead.get("/trigger")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for label in ("State", "Deadline", "Year received", "Reference"):
        assert f">{label}</" in page or f"{label}\n" in page, label
    assert 'href="/trigger">Clear filters</a>' in page
    assert "Apply filters" in page
    held = _held(demo_session)
    assert sorted(_shown(lead, "/trigger")) == sorted(a.id for a in held)
    assert _caption(page).startswith(f"{len(held)} applications, ")


@pytest.mark.parametrize("state", list(_IN_STATE))
def test_each_state_lists_exactly_its_applications_and_says_how_many_of_all(
    demo_hub, demo_session, closed_ones, state: str
) -> None:
    lead = _lead(demo_hub, demo_session)
    held = _held(demo_session)
    expected = sorted(a.id for a in held if _IN_STATE[state](a))
    assert expected, "the demo (with the closed ones) has some of each"
    assert sorted(_shown(lead, f"/trigger?state={state}")) == expected
    page = lead.get(f"/trigger?state={state}").get_data(as_text=True)
    noun = "application" if len(expected) == 1 else "applications"
    assert _caption(page) == f"{len(expected)} {noun} {_SAID[state]}, of {len(held)}"
    assert '<option value="' + state + '" selected>' in page  # shown as chosen


def test_being_handled_takes_in_a_review_told_its_outcome_while_a_recommendation_is_open(
    demo_hub, demo_session
) -> None:
    """The demo's appealed application was told its outcome with one recommendation still
    open: it is being handled (and appealed), not decided and closed."""
    followed = [
        a
        for a in _held(demo_session)
        if a.outcome_on is not None and any(r.completed_on is None for r in a.recommendations)
    ]
    assert followed
    lead = _lead(demo_hub, demo_session)
    handling = _shown(lead, "/trigger?state=handling")
    decided = _shown(lead, "/trigger?state=decided")
    for a in followed:
        assert a.id in handling
        assert a.id not in decided


def test_overdue_lists_only_applications_with_a_deadline_passed(demo_hub, demo_session) -> None:
    """An application received a month ago and still undecided is past its threshold
    decision's 10 working days; one received today is not."""
    late = _record(demo_session, clock.today() - timedelta(days=30), "Late")
    fresh = _record(demo_session, clock.today(), "Fresh")
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    shown = _shown(lead, "/trigger?overdue=yes")
    today = clock.today()
    expected = [
        a.id
        for a in _held(demo_session)
        if (c := deadlines.next_clock(a, PROCEDURE, today)) is not None and c.overdue
    ]
    assert late.id in shown
    assert fresh.id not in shown
    assert sorted(shown) == sorted(expected)
    page = lead.get("/trigger?overdue=yes").get_data(as_text=True)
    noun = "application" if len(expected) == 1 else "applications"
    assert f"{len(expected)} {noun} with a deadline passed, of " in _caption(page)
    assert page.count("govuk-tag--red") == len(expected)
    # With a state: overdue ones being handled are the same; none of the decided are.
    assert sorted(_shown(lead, "/trigger?overdue=yes&state=handling")) == sorted(expected)
    assert _shown(lead, "/trigger?overdue=yes&state=decided") == []


def test_the_year_received_is_the_reporting_year_from_april_to_march(
    demo_hub, demo_session
) -> None:
    this_year = listing.reporting_year(clock.today())
    first_day = _record(demo_session, date(this_year - 1, 4, 1), "FirstDay")
    last_day = _record(demo_session, date(this_year, 3, 31), "LastDay")
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    earlier = _shown(lead, f"/trigger?year={this_year - 1}")
    assert first_day.id in earlier
    assert last_day.id in earlier
    held = _held(demo_session)
    in_year = [
        a.id for a in held if date(this_year, 4, 1) <= a.received_on < date(this_year + 1, 4, 1)
    ]
    assert sorted(_shown(lead, f"/trigger?year={this_year}")) == sorted(in_year)
    assert first_day.id not in in_year
    page = lead.get(f"/trigger?year={this_year - 1}").get_data(as_text=True)
    assert f"received April {this_year - 1} to March {this_year}, of {len(held)}" in _caption(page)
    # Together with a state: the earlier year's, being handled (both still undecided).
    both = _shown(lead, f"/trigger?year={this_year - 1}&state=handling")
    assert sorted(both) == sorted(
        a.id
        for a in held
        if _handled(a) and date(this_year - 1, 4, 1) <= a.received_on < date(this_year, 4, 1)
    )
    assert _shown(lead, f"/trigger?year={this_year - 1}&state=withdrawn") == []


@pytest.mark.parametrize(
    "typed",
    [lambda r: r, lambda r: r.lower(), lambda r: r.removeprefix("ASBR-"), lambda r: f"  {r}  "],
    ids=["as-written", "lower-case", "without-prefix", "with-spaces"],
)
def test_a_reference_finds_its_one_application(demo_hub, demo_session, typed) -> None:
    wanted = _held(demo_session)[0]
    lead = _lead(demo_hub, demo_session)
    response = lead.get("/trigger", query_string={"reference": typed(wanted.reference)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert [int(m) for m in _LINK.findall(page)] == [wanted.id]
    assert f"1 application with the reference {wanted.reference}, of " in _caption(page)


def test_a_reference_matches_exactly_not_a_part_of_one(demo_hub, demo_session) -> None:
    wanted = _held(demo_session)[0]
    lead = _lead(demo_hub, demo_session)
    page = lead.get("/trigger", query_string={"reference": wanted.reference[:-1]}).get_data(
        as_text=True
    )
    assert _LINK.findall(page) == []
    assert "No applications found" in page
    assert "Try clearing some of the filters" in page


def test_paging_keeps_the_filters(demo_hub, demo_session) -> None:
    """More than a page being handled: each page's links carry the filter, and every
    application being handled is shown once, none other."""
    for n in range(PAGE_SIZE + 3):
        _record(demo_session, clock.today() - timedelta(days=n % 5), f"Paged{n}")
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    first = lead.get("/trigger?state=handling").get_data(as_text=True)
    assert "page=2&amp;state=handling" in first or "state=handling&amp;page=2" in first
    assert "(page 1 of " in _caption(first)
    pages = _all_pages(lead, "/trigger?state=handling")
    assert len(pages) >= 2
    assert [len(p) for p in pages[:-1]] == [PAGE_SIZE] * (len(pages) - 1)
    shown = [a for p in pages for a in p]
    expected = [a.id for a in _held(demo_session) if _handled(a)]
    assert sorted(shown) == sorted(expected)
    assert len(shown) == len(set(shown))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("year=twenty", "year", "The year received must be a year, like 2026"),
        ("year=20266", "year", "The year received must be a year"),
        ("year=1999", "year", "The year received must be from 2014"),
        ("year=2099", "year", "The year received must be from 2014"),
        ("state=open", "state", "Select a state"),
        ("overdue=maybe", "overdue", "Select whether a deadline passed"),
        ("reference=" + "X" * 30, "reference", "The reference must be 20 characters or fewer"),
    ],
)
def test_a_bad_filter_is_refused_at_its_field_not_a_server_error(
    demo_hub, demo_session, query: str, field: str, message: str
) -> None:
    lead = _lead(demo_hub, demo_session)
    response = lead.get(f"/trigger?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page[page.index('class="govuk-error-summary"') :]
    assert f'href="#{field}"' in summary
    assert message in summary
    assert f'id="{field}-error"' in page  # at the filter itself too
    assert _LINK.findall(page)  # the list, unfiltered, is still there
    assert _entries(demo_session)[-1].basis.startswith("list; filters none; ")


def test_bad_filters_together_are_each_said(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    page = lead.get("/trigger?year=abc&state=nope").get_data(as_text=True)
    summary = page[page.index('class="govuk-error-summary"') :]
    assert 'href="#state"' in summary
    assert 'href="#year"' in summary


def test_the_list_is_recorded_naming_the_filters_used_never_their_values(
    demo_hub, demo_session
) -> None:
    wanted = _held(demo_session)[0]
    year = listing.reporting_year(wanted.received_on)
    lead = _lead(demo_hub, demo_session)
    before = len(_entries(demo_session))
    lead.get("/trigger")
    lead.get(f"/trigger?state=handling&overdue=yes&year={year}&reference={wanted.reference}")
    entries = _entries(demo_session)
    assert len(entries) == before + 2
    plain, filtered = entries[-2:]
    assert plain.outcome == "allowed"
    assert plain.basis.startswith("list; filters none; applications ")
    assert filtered.basis.startswith("list; filters state, overdue, year, reference; ")
    assert wanted.reference not in filtered.basis
    assert str(year) not in filtered.basis
    assert "handling" not in filtered.basis
    # The applications the page showed are named by id.
    lead.get(f"/trigger?reference={wanted.reference}")
    assert _entries(demo_session)[-1].basis == f"list; filters reference; applications {wanted.id}"


def test_the_home_page_summary_is_not_recorded_as_a_list(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    before = len(_entries(demo_session))
    assert lead.get("/").status_code == 200
    assert len(_entries(demo_session)) == before


@pytest.mark.parametrize(
    ("agency", "role", "allowed"),
    [
        (_LEAD_AGENCY, Role.TRIGGER_LEAD, True),
        (_LEAD_AGENCY, Role.MANAGER, True),
        (_LEAD_AGENCY, Role.DPO, False),
        ("northshire-police", Role.MANAGER, False),
        ("northshire-homes", Role.MANAGER, False),
    ],
)
def test_only_the_lead_agencys_trigger_leads_and_managers_see_the_list(
    demo_hub, demo_session, agency: str, role: Role, allowed: bool
) -> None:
    client = demo_client(demo_hub, demo_user(demo_session, agency, role))
    response = client.get("/trigger?state=handling")
    assert response.status_code == (200 if allowed else 403)
    page = response.get_data(as_text=True)
    if not allowed:
        assert _LINK.findall(page) == []
    if not allowed and role is Role.MANAGER:  # past the role guard: the core refuses, recorded
        demo_session.expire_all()
        refused = demo_session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "trigger.view", AuditEntry.outcome == "refused")
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert refused is not None


@pytest.mark.postgres
def test_every_state_and_filter_together_reads_the_same_on_postgresql(hub_on_postgres) -> None:
    """The states' SQL (a correlated count of open recommendations among them) runs on
    PostgreSQL as on SQLite: each state lists what it should, and all filters together
    answer a page."""
    with hub_on_postgres.extensions["hub.sessions"]() as session:
        lead = _lead(hub_on_postgres, session)
        held = _held(session)
        for state, belongs in _IN_STATE.items():
            expected = sorted(a.id for a in held if belongs(a))
            assert sorted(_shown(lead, f"/trigger?state={state}")) == expected, state
        year = listing.reporting_year(clock.today())
        response = lead.get(f"/trigger?state=handling&overdue=yes&year={year}&reference=asbr-x")
        assert response.status_code == 200
        assert "No applications found" in response.get_data(as_text=True)
