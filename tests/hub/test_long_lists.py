"""Lists that grow with the partnership come a page at a time, as the case list does:
"Shared with your agency" (page and API), a manager's overdue case reviews, the
Community Trigger applications and the API's shared risk. Every row is on some page, and
a page costs the same number of database statements however long the list (demo
partnership, grown); an API list read on with ``next`` skips and repeats no one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api import paging
from sharing import api_clients, clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import listings
from sharing.cases import share_ending, share_lists
from sharing.cases.listing import PAGE_SIZE
from sharing.crypto.places import open_place, seal_place
from sharing.models import AuditEntry, Case, Share, TriggerApplication, User
from sharing.risk import shared
from sharing.risk.assessments import AssessmentInput, record_assessment
from sharing.risk.matrix import shipped
from sharing.trigger import applications, input_checks, listing
from sharing.vocabulary import AssessmentStage, CaseStatus, RiskBand, Role
from tests.fixtures.api import HTTPS, bearer_for
from tests.fixtures.demo import demo_client, demo_user, open_cases, share_demo_case
from tests.fixtures.statements import statements_for
from tests.sharing.trigger.test_complaints import PROCEDURE

_SHARED_LINK = re.compile(r'href="/cases/(\d+)\?purpose=(\w+)"')
_CASE_LINK = re.compile(
    r'<td class="govuk-table__cell[^"]*"><a class="govuk-link" href="/cases/(\d+)"'
)
_TRIGGER_LINK = re.compile(r'href="/trigger/(\d+)"')
MATRIX = shipped().current
#: The answers that score highest: a band of high.
HIGHEST = {q.id: max(q.options, key=lambda o: o.score).value for q in MATRIX.questions}


def _every_page(client: FlaskClient, path: str, link: re.Pattern[str]) -> list[list[tuple]]:
    """The rows each page of ``path`` links to, following the pager to the last page."""
    pages = []
    n = 1
    while True:
        sep = "&" if "?" in path else "?"
        page = client.get(f"{path}{sep}page={n}").get_data(as_text=True)
        pages.append([m.groups() for m in link.finditer(page)])
        if f"page={n + 1}" not in page:
            return pages
        assert 'class="govuk-pagination' in page
        n += 1


def _grow_police_shares(session: Session, more: int) -> None:
    """Share ``more`` of Northshire Homes' open cases, not yet shared, with the police."""
    police = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    shown = {r.case_id for r in share_lists.shared_with(session, Actor.of(police))}
    grown = 0
    for case in open_cases(session, "northshire-homes"):
        if grown == more:
            return
        if case.id not in shown:
            share_demo_case(session, case, "northshire-police")
            grown += 1
    raise AssertionError("the demo has too few open cases to share")


def test_shared_with_your_agency_shows_25_a_page_newest_first_every_share_on_some_page(
    demo_hub: Flask, demo_session: Session
) -> None:
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    client = demo_client(demo_hub, officer)
    expected = [
        (str(r.case_id), r.purpose)
        for r in share_lists.shared_with(demo_session, Actor.of(officer))
    ]
    assert len(expected) > 2 * PAGE_SIZE, "the demo shares cases enough for three pages"

    pages = _every_page(client, "/shared", _SHARED_LINK)
    assert [len(p) for p in pages[:-1]] == [PAGE_SIZE] * (len(pages) - 1)
    assert [row for page in pages for row in page] == expected  # newest first, each once
    first = client.get("/shared").get_data(as_text=True)
    cases = len({case_id for case_id, _ in expected})
    assert cases < len(expected), "the demo shares a case with the police for two purposes"
    caption = (
        f"{cases} cases shared with Northshire Police, in {len(expected)} shares "
        f"(page 1 of {len(pages)}"
    )
    assert caption in first
    # The home page counts the same cases.
    assert f"{cases} cases are shared with you" in client.get("/").get_data(as_text=True)
    entry = _last_entry(demo_session, officer.id)
    assert (entry.action, entry.object_type) == ("cases.shared", "agency")
    assert entry.basis.startswith(f"page 1 of {len(pages)}; shares ")
    assert listings.listed(entry.basis, "cases") == {int(case_id) for case_id, _ in pages[0]}

    before = statements_for(demo_hub, lambda: client.get("/shared?page=2"))
    _grow_police_shares(demo_session, 30)
    assert len(_every_page(client, "/shared", _SHARED_LINK)) > len(pages)
    assert statements_for(demo_hub, lambda: client.get("/shared?page=2")) == before


def test_a_partner_system_reads_the_shared_cases_a_page_at_a_time_following_next(
    demo_hub: Flask, demo_session: Session
) -> None:
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    system = api_clients.register(
        demo_session, user=officer, name="Police records system", scopes=["cases:read"]
    )
    demo_session.commit()
    client = demo_hub.test_client()
    headers = bearer_for(client, system)
    shown = len(share_lists.shared_with(demo_session, Actor.of(officer)))
    _grow_police_shares(demo_session, max(0, 101 - shown))  # more than a page of 100
    listed = share_lists.shared_with(demo_session, Actor.of(officer))
    expected = [r.case_reference for r in listed]
    read: list[str] = []
    address: str | None = "/api/v1/cases/shared"
    answers = []
    while address:
        answer = client.get(address, headers=headers, base_url=HTTPS)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        answers.append(body)
        read += [c["reference"] for c in body["cases"]]
        address = body["next"]
    assert read == expected
    assert [len(b["cases"]) for b in answers[:-1]] == [100] * (len(answers) - 1)
    assert answers[0]["total"] == len(expected)
    assert len(answers) > 1
    assert answers[0]["next"] == f"/api/v1/cases/shared?after={listed[99].id}"  # page 1's last
    assert answers[-1]["next"] is None
    entries = demo_session.scalars(
        select(AuditEntry.basis)
        .where(AuditEntry.action == "cases.shared", AuditEntry.actor_user_id == officer.id)
        .order_by(AuditEntry.seq.desc())
        .limit(len(answers))
    ).all()
    pages = len(answers)
    assert entries[0].startswith(f"page {pages} of {pages}; shares ")
    assert listings.listed(entries[0], "cases") == {c["case_id"] for c in answers[-1]["cases"]}

    for wrong in ("0", "two", "100001", "-1"):
        refused = client.get(f"/api/v1/cases/shared?page={wrong}", headers=headers, base_url=HTTPS)
        assert refused.status_code == 400
        assert refused.get_json()["errors"][0]["field"] == "page"
    api_clients.revoke(demo_session, system.client.client_id)
    demo_session.commit()


def _last_entry(session: Session, user_id: int) -> AuditEntry:
    session.expire_all()
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.actor_user_id == user_id)
        .order_by(AuditEntry.seq.desc())
    ).first()


def _make_overdue(session: Session, cases: list[Case]) -> None:
    for n, case in enumerate(cases):
        case.review_due_on = clock.today() - timedelta(days=1 + n)
    session.commit()


def test_a_manager_pages_through_overdue_reviews_longest_overdue_first_and_by_officer(
    demo_hub: Flask, demo_session: Session
) -> None:
    manager = demo_user(demo_session, "northshire-homes", Role.MANAGER)
    client = demo_client(demo_hub, manager)
    cases = open_cases(demo_session, "northshire-homes")
    _make_overdue(demo_session, cases[:10])
    before = statements_for(demo_hub, lambda: client.get("/cases/reviews-due"))
    _make_overdue(demo_session, cases[:60])

    overdue = demo_session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="northshire-homes"),
            Case.status != CaseStatus.CLOSED,
            Case.review_due_on < clock.today(),
            Case.locked.is_(False),
        )
        .order_by(Case.review_due_on, Case.id)
    ).all()
    pages = _every_page(client, "/cases/reviews-due", _CASE_LINK)
    assert len(pages) > 2
    assert [len(p) for p in pages[:-1]] == [PAGE_SIZE] * (len(pages) - 1)
    assert [int(c) for page in pages for (c,) in page] == [c.id for c in overdue]
    assert statements_for(demo_hub, lambda: client.get("/cases/reviews-due")) == before

    # By officer: each officer's count, and their cases alone on their own pages.
    busiest = max(
        {c.officer_id for c in overdue}, key=lambda o: sum(c.officer_id == o for c in overdue)
    )
    theirs = [c.id for c in overdue if c.officer_id == busiest]
    first = client.get("/cases/reviews-due").get_data(as_text=True)
    name = demo_session.get(User, busiest).display_name
    assert f'href="/cases/reviews-due?officer={busiest}">{name}</a>' in first
    shown = _every_page(client, f"/cases/reviews-due?officer={busiest}", _CASE_LINK)
    assert [int(c) for page in shown for (c,) in page] == theirs
    assert f"{name}: {len(theirs)} overdue" in client.get(
        f"/cases/reviews-due?officer={busiest}"
    ).get_data(as_text=True)


def _record_applications(session: Session, lead: Actor, count: int) -> None:
    for n in range(count):
        applications.record_application(
            session,
            lead,
            PROCEDURE,
            input_checks.ApplicationInput(
                received_on=clock.today() - timedelta(days=n % 60),
                channel="phone",
                victim_kind="person",
                victim_family_name=f"Applicant{n}",
                victim_given_names="Jo",
                victim_address="Flat 2, 7 Test Row",
                problem="Noise and threats every night",
            ),
        )
    session.commit()


def test_the_trigger_lead_sees_applications_with_a_deadline_first_then_the_decided_a_page_at_a_time(
    demo_hub: Flask, demo_session: Session
) -> None:
    user = demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD)
    lead = Actor.of(user)
    client = demo_client(demo_hub, user)
    _record_applications(demo_session, lead, 20)
    before = statements_for(demo_hub, lambda: client.get("/trigger?page=2"))
    _record_applications(demo_session, lead, 40)

    held = demo_session.scalars(
        select(TriggerApplication.id).where(TriggerApplication.lead_agency_id == user.agency_id)
    ).all()
    pages = _every_page(client, "/trigger", _TRIGGER_LINK)
    assert [len(p) for p in pages[:-1]] == [PAGE_SIZE] * (len(pages) - 1)
    shown = [int(a) for page in pages for (a,) in page]
    assert sorted(shown) == sorted(held)  # every application once
    order = listing.waiting(demo_session, lead, PROCEDURE, 1, size=len(held), audited=False).rows
    assert shown == [r.id for r in order]
    with_deadline = [r.clock is not None for r in order]
    assert with_deadline == sorted(with_deadline, reverse=True)  # open first, then decided
    # Page 2 held both kinds before; now only applications with a deadline: one fewer read.
    assert statements_for(demo_hub, lambda: client.get("/trigger?page=2")) <= before


def _risk_system(session: Session) -> tuple[api_clients.Registered, Actor]:
    """A police records system reading the shared risk list, and the officer it acts as."""
    officer = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    system = api_clients.register(
        session, user=officer, name="Police risk register", scopes=["risk:read"]
    )
    session.commit()
    return system, Actor.of(officer)


def _shared_risk_now(session: Session, reader: Actor) -> list[shared.SharedRisk]:
    """The whole shared risk list as it stands, in its order (its entry not kept)."""
    rows = shared.shared_risk(session, reader, shipped(), clock.today(), size=10_000).rows
    session.rollback()
    return rows


def _read_on(client: FlaskClient, headers: dict[str, str], path: str | None) -> list[dict]:
    """The answers of ``path`` and of each ``next`` after it, until it is null."""
    answers = []
    while path:
        answer = client.get(path, headers=headers, base_url=HTTPS)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        answers.append(answer.get_json())
        path = answers[-1]["next"]
    return answers


def _who(person: dict) -> tuple[int, int]:
    return person["case_id"], person["person_id"]


RiskReading = tuple[FlaskClient, dict[str, str], Actor]


@pytest.fixture
def risk_reading(
    demo_hub: Flask, demo_session: Session, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RiskReading]:
    """A police system reading the shared risk list, four people a page: its test
    client, the headers of its token, and the account it acts as; revoked after."""
    monkeypatch.setattr(paging, "PAGE_SIZE", 4)
    system, reader = _risk_system(demo_session)
    client = demo_hub.test_client()
    yield client, bearer_for(client, system), reader
    api_clients.revoke(demo_session, system.client.client_id)
    demo_session.commit()


def test_a_partner_system_reads_the_shared_risk_a_page_at_a_time_following_next(
    demo_hub: Flask, demo_session: Session, risk_reading: RiskReading
) -> None:
    client, headers, reader = risk_reading
    expected = [(r.case_id, r.person.person_id) for r in _shared_risk_now(demo_session, reader)]
    assert len(expected) > 3 * 4, "the demo shares risk with the police for four pages"

    answers = _read_on(client, headers, "/api/v1/risk/shared")
    assert [_who(p) for a in answers for p in a["people"]] == expected  # each once, in order
    assert [len(a["people"]) for a in answers[:-1]] == [4] * (len(answers) - 1)
    assert [a["page"] for a in answers] == list(range(1, len(answers) + 1))
    assert {(a["pages"], a["total"]) for a in answers} == {(len(answers), len(expected))}
    last = answers[0]["people"][-1]
    # Where page 1's last person stood: their band and score are risk data, which an
    # address never holds, so the place is sealed.
    written = answers[0]["next"].split("?after=")[1]
    place = f"{last['band']},{last['score'] or 0},{last['case_reference']},{last['person_id']}"
    # (A person's number alone, two or three digits, can turn up by chance in the sealed
    # text's letters and digits: the words and the reference cannot.)
    for shown in (place, last["band"], last["case_reference"]):
        assert shown not in unquote(written)
    opened = open_place(unquote(written), demo_hub.config["SECRET_KEY"])
    assert opened == place
    assert answers[-1]["next"] is None
    entry = _last_entry(demo_session, reader.user_id)
    assert entry.action == "shared.list"
    assert listings.listed(entry.basis, "cases") == {p["case_id"] for p in answers[-1]["people"]}
    # A page by number is as it was.
    second = client.get("/api/v1/risk/shared?page=2", headers=headers, base_url=HTTPS).get_json()
    assert [_who(p) for p in second["people"]] == expected[4:8]
    assert second["page"] == 2

    for wrong in (
        "x",
        "high",
        "high,0,NGH-2026-00001",
        "high,0,NGH-2026-00001,5,6",
        "urgent,0,NGH-2026-00001,5",
        "high,-1,NGH-2026-00001,5",
        "high,x,NGH-2026-00001,5",
        "high,0,,5",
        "high,0,NGH-2026-00001,0",
        f"high,{'9' * 30},NGH-2026-00001,5",
        f"high,0,NGH-2026-00001,{'9' * 30}",
        f"high,0,{'N' * 33},5",
    ):
        for after in (wrong, seal_place(wrong, demo_hub.config["SECRET_KEY"])):
            refused = client.get(
                f"/api/v1/risk/shared?after={quote(after)}", headers=headers, base_url=HTTPS
            )
            assert refused.status_code == 400, wrong
            assert [e["field"] for e in refused.get_json()["errors"]] == ["after"], wrong
    assert opened is not None
    sealed_elsewhere = seal_place(opened, "another hub's secret key")
    refused = client.get(
        f"/api/v1/risk/shared?after={quote(sealed_elsewhere)}", headers=headers, base_url=HTTPS
    )
    assert refused.status_code == 400


def test_a_person_assessed_again_while_a_partner_reads_the_shared_risk_moves_no_other(
    demo_session: Session, risk_reading: RiskReading, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A police system reads the people whose risk is shared with it; meanwhile the landlord
    # assesses someone further down the list again and their band rises to high, which
    # moves them up past the first page's last person. The others must all still come,
    # each once: by page number, page 2 would list page 1's last again.
    client, headers, reader = risk_reading
    before = _shared_risk_now(demo_session, reader)

    def place(row: shared.SharedRisk, band: RiskBand, score: int | None) -> shared.Place:
        return shared.Place(band, score or 0, row.case_reference, row.person.person_id)

    def would_pass(row: shared.SharedRisk, last: shared.SharedRisk) -> bool:
        """Whether the highest answers would place ``row`` before ``last`` (a score
        withheld from the reader orders as 0)."""
        score = None if row.person.latest.score is None else MATRIX.max_score
        stood = place(last, last.person.latest.band, last.person.latest.score)
        return (
            row.person.latest.band is not RiskBand.HIGH
            and place(row, RiskBand.HIGH, score).order < stood.order
        )

    # The smallest page from four people on whose last someone past page 2 would pass.
    size, rising = next(
        (size, row)
        for size in range(4, len(before) // 2)
        for row in before[2 * size :]
        if would_pass(row, before[size - 1])
    )
    monkeypatch.setattr(paging, "PAGE_SIZE", size)
    first = client.get("/api/v1/risk/shared", headers=headers, base_url=HTTPS).get_json()
    last = before[size - 1]
    assert [_who(p) for p in first["people"]][-1] == (last.case_id, last.person.person_id)
    case = demo_session.get(Case, rising.case_id)
    record_assessment(
        demo_session,
        authorise(demo_session, Actor.of(case.officer), case.id, Act.ASSESS_RISK),
        AssessmentInput(rising.person.person_id, AssessmentStage.CHANGE, MATRIX.version, HIGHEST),
        matrices=shipped(),
    )
    demo_session.commit()
    moved = (rising.case_id, rising.person.person_id)
    assert moved in [
        (r.case_id, r.person.person_id) for r in _shared_risk_now(demo_session, reader)[:size]
    ]

    seen = [_who(p) for p in first["people"]]
    for answer in _read_on(client, headers, first["next"]):
        seen += [_who(p) for p in answer["people"]]
    others = [
        (r.case_id, r.person.person_id) for r in before if (r.case_id, r.person.person_id) != moved
    ]
    assert [p for p in seen if p != moved] == others, "none skipped, none twice"
    assert moved not in seen  # moved before where the reading stood: it comes next reading


def test_a_share_ended_while_a_partner_reads_the_shared_risk_moves_no_other(
    demo_session: Session, risk_reading: RiskReading
) -> None:
    # The landlord ends its shares of the case of the first page's last person before the
    # police system follows next: the list reads on from where that person stood, so the
    # people after them all come (by page number, the first of page 2 was skipped).
    client, headers, reader = risk_reading
    before = [(r.case_id, r.person.person_id) for r in _shared_risk_now(demo_session, reader)]
    first = client.get("/api/v1/risk/shared", headers=headers, base_url=HTTPS).get_json()
    ended_case = first["people"][-1]["case_id"]
    for share in demo_session.scalars(
        select(Share).where(
            Share.case_id == ended_case,
            Share.agency_id == reader.agency_id,
            Share.revoked_at.is_(None),
        )
    ).all():
        share_ending.revoke_share(demo_session, Actor.of(share.created_by), share.id)
    demo_session.commit()
    assert ended_case not in {r.case_id for r in _shared_risk_now(demo_session, reader)}

    seen = [_who(p) for a in _read_on(client, headers, first["next"]) for p in a["people"]]
    assert seen == [p for p in before[4:] if p[0] != ended_case], "none skipped, none twice"
