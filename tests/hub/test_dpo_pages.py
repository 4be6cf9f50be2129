"""The data protection officer's pages: the audit log searched by user, agency, case, person,
action and date; emergency accesses with their reviews; the subject access report."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hub.templating import uk_date
from sharing import clock
from sharing.audit import acts, listings, notes, trail, verify_audit
from sharing.audit.log import append, integrate
from sharing.cases import emergency
from sharing.cases.needs import Needs
from sharing.crypto import blind_index
from sharing.crypto.sealing import seal_many, unseal
from sharing.models import (
    Agency,
    AuditEntry,
    BreakGlass,
    Case,
    CaseParty,
    Conference,
    Document,
    Person,
    RiskAssessment,
    User,
)
from sharing.models.audit import AuditAgencyKey, AuditCheckpoint, AuditQueued, AuditTree
from sharing.vocabulary import Adjustment, CaseStatus, ContactMethod, PartyRole, Role
from tests.fixtures.app import csrf_token, make_app
from tests.fixtures.demo import (
    demo_actor,
    demo_client,
    demo_copy,
    demo_user,
    lock_demo_case,
    open_cases,
)
from tests.fixtures.statements import counted
from tests.fixtures.surveys import COMMENT, SURVEY, answered_by_phone, closed_case, party
from tests.fixtures.witnesses import running_witnesses
from tests.hub.test_conferences import _convened


@pytest.fixture(scope="module")
def dpo_users(demo_hub: Flask) -> dict[str, int]:
    with demo_hub.extensions["hub.sessions"]() as session:
        return {a: demo_user(session, a, Role.DPO).id for a in ("larkmoor-ha", "northshire-police")}


@pytest.fixture(scope="module")
def dpos(demo_hub: Flask, dpo_users: dict[str, int]) -> dict[str, FlaskClient]:
    """The DPOs, signed in once for the module (a TOTP code cannot be used twice)."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return {a: demo_client(demo_hub, session.get(User, i)) for a, i in dpo_users.items()}


def _case_with_a_dated_victim(session: Session) -> Case:
    for case in session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"), Case.locked.is_(False), Case.erased_at.is_(None)
        )
        .order_by(Case.id)
    ):
        if any(unseal(p.person, "date_of_birth") for p in case.parties):
            return case
    raise AssertionError("the demo has no larkmoor case with a dated person")


def _last(session: Session) -> AuditEntry:
    session.expire_all()
    return session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))


def test_only_dpos_reach_the_audit_pages(demo_hub, demo_session, dpos) -> None:
    for role in (Role.CASE_OFFICER, Role.MANAGER):
        client = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", role))
        for path in ("/audit", "/audit/emergency-access", "/audit/subject-access"):
            assert client.get(path).status_code == 403, (role, path)
        assert client.get("/audit/subject-access/1").status_code == 403
    dpo = dpos["larkmoor-ha"]
    assert dpo.get("/cases").status_code == 403  # the log, not case content
    assert 'href="/audit"' in dpo.get("/").get_data(as_text=True)


def test_the_dpo_finds_who_opened_a_case_and_why_and_their_search_is_recorded(
    demo_hub, demo_session, dpos, dpo_users
) -> None:
    case = _case_with_a_dated_victim(demo_session)
    officer = demo_session.get(User, case.officer_id)
    demo_client(demo_hub, officer).get(f"/cases/{case.id}")
    dpo_user = demo_session.get(User, dpo_users["larkmoor-ha"])
    dpo = dpos["larkmoor-ha"]
    page = dpo.get(f"/audit?case={case.reference.lower()}&action=case.view").get_data(as_text=True)
    assert f"Case {case.reference}" in page
    assert officer.display_name in page
    assert "Viewed a case" in page
    assert "Their agency&#39;s own case" in page
    assert unseal(case, "summary") not in page
    entry = _last(demo_session)
    assert (entry.action, entry.actor_user_id) == ("audit.search", dpo_user.id)
    assert entry.basis.startswith(f"case {case.id}; action case.view:")
    by_user = dpo.get(f"/audit?user={officer.id}").get_data(as_text=True)
    assert "Signed in" in by_user
    today = clock.today()
    dated = dpo.get(
        f"/audit?since-day={today.day}&since-month={today.month}&since-year={today.year}"
        f"&until-day={today.day}&until-month={today.month}&until-year={today.year}"
    )
    assert dated.status_code == 200
    assert "Searched the audit log" in dated.get_data(as_text=True)


def test_the_dpo_sees_only_what_concerns_their_agency(demo_hub, demo_session, dpos) -> None:
    police_case = demo_session.scalar(
        select(Case).where(Case.agency.has(code="northshire-police")).order_by(Case.id)
    )
    if police_case is not None:
        demo_client(demo_hub, demo_session.get(User, police_case.officer_id)).get(
            f"/cases/{police_case.id}"
        )
    police_officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    dpo = dpos["larkmoor-ha"]
    page = dpo.get(f"/audit?user={police_officer.id}&action=sign_in").get_data(as_text=True)
    assert "No entries found" in page


def test_a_partners_read_of_a_conference_on_the_agencys_case_names_the_case(
    demo_hub, demo_session, dpos
) -> None:
    conference = demo_session.scalars(
        select(Conference)
        .join(Case, Case.id == Conference.case_id)
        .where(Case.agency.has(code="larkmoor-ha"), Conference.sitting_id.is_not(None))
        .order_by(Conference.id)
    ).first()
    chair = demo_session.get(User, conference.chair_id)
    assert chair.agency.code != "larkmoor-ha"  # a partner chairs it
    assert demo_client(demo_hub, chair).get(f"/conferences/{conference.id}").status_code == 200
    page = dpos["larkmoor-ha"].get("/audit?action=conference.view").get_data(as_text=True)
    assert f"Conference {conference.id} (case {conference.case.reference})" in page
    assert chair.display_name in page


def test_bad_log_filters_are_named(dpos) -> None:
    dpo = dpos["larkmoor-ha"]
    unknown = dpo.get("/audit?case=LHA-1999-99999")
    assert unknown.status_code == 400
    assert "No case has the reference LHA-1999-99999" in unknown.get_data(as_text=True)
    backwards = dpo.get(
        "/audit?since-day=2&since-month=11&since-year=2026&until-day=1&until-month=11&until-year=2026"
    )
    assert backwards.status_code == 400
    assert "must be the same as or after the" in backwards.get_data(as_text=True)
    assert dpo.get("/audit?action=nonsense").status_code == 400
    assert dpo.get("/audit?since-day=31&since-month=2&since-year=2026").status_code == 400
    # The last day there is: every entry from the start on, not a server error.
    assert dpo.get("/audit?until-day=31&until-month=12&until-year=9999").status_code == 200


def test_a_refused_filter_reads_no_entries_and_asks_for_the_filters_to_be_corrected(
    demo_session, dpos
) -> None:
    """The log is searched, and the search recorded, only with filters that are right: a
    refused filter shows no entries (not the whole log under the error), and no note of a
    person's entries that are not shown."""
    dpo = dpos["larkmoor-ha"]
    before = _last(demo_session).seq
    refused = dpo.get("/audit?person=5&case=LHA-1999-99999")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Correct the filters to search the log" in page
    assert _log_rows(page) == []
    assert "Showing entries about person record" not in page
    assert _last(demo_session).seq == before  # nothing read, so no search to record
    shown = dpo.get("/audit?person=5").get_data(as_text=True)
    assert "Showing entries about person record 5" in shown
    assert _last(demo_session).action == "audit.search"


def test_a_log_larger_than_the_count_says_more_than_and_pages_on_with_next(
    demo_hub, demo_session, dpos, monkeypatch
) -> None:
    """The log is counted no further than a cap (10,000; 30 here), so a page costs the
    same however long the log grows: past it the page says "More than 30 entries" and
    pages on with Next, newest first; a search under the cap still gives its total."""
    monkeypatch.setattr(trail, "COUNT_CAP", 30)
    officer = demo_actor(demo_session, "larkmoor-ha", Role.CASE_OFFICER)
    mine = [c for c in open_cases(demo_session, "larkmoor-ha") if c.officer_id == officer.user_id]
    much, little = mine[0], mine[1]
    for case in [much] * 48 + [little] * 12:
        acts.record(
            demo_session,
            acts.Action.CASE_VIEW,
            actor=officer,
            subject=acts.Subject("case", case.id),
            basis="own agency",
        )
    before = demo_session.scalar(select(func.max(AuditEntry.seq)))
    integrate(demo_session)
    demo_session.commit()
    written = list(
        demo_session.scalars(
            select(AuditEntry.seq).where(AuditEntry.seq > before).order_by(AuditEntry.seq.desc())
        )
    )
    assert len(written) == 60
    dpo = dpos["larkmoor-ha"]
    path = f"/audit?user={officer.user_id}&action=case.view"

    with counted(demo_hub) as sent:
        first = dpo.get(path).get_data(as_text=True)
    count = next(
        s for s in sent if s.split()[:4] == ["SELECT", "audit_entries.seq", "FROM", "audit_entries"]
    )
    assert "LIMIT" in count.upper()  # counts at most the cap and one more
    assert "More than 30 entries" in first
    assert _last(demo_session).basis.endswith(": more than 30 entries")
    assert [_seq(r) for r in _log_rows(first)] == written[:50]  # newest first
    assert 'rel="next"' in first
    assert "(page 1 of" not in first  # no last page it cannot know

    older = dpo.get(f"{path}&page=2").get_data(as_text=True)
    assert "More than 30 entries" in older
    assert [_seq(r) for r in _log_rows(older)][:10] == written[50:]  # the older ones
    assert 'rel="prev"' in older

    past = dpo.get(f"{path}&page=40")
    assert past.status_code == 200
    text = past.get_data(as_text=True)
    assert "No entries on page 40" in text
    assert f'href="/audit?user={officer.user_id}&amp;action=case.view"' in text

    # Under the cap the search still says its exact total.
    one_case = dpo.get(f"{path}&case={little.reference}").get_data(as_text=True)
    exact = len(_log_rows(one_case))
    assert exact >= 12
    assert f"{exact} entries" in one_case
    assert "More than" not in one_case
    assert _last(demo_session).basis.endswith(f": {exact} entries")

    # Ten a page the cap reaches four pages; the sixth is still found, and a page past the
    # end is empty rather than the last one.
    dpo_actor = demo_actor(demo_session, "larkmoor-ha", Role.DPO)
    filters = trail.LogFilters(user_id=officer.user_id, action=acts.Action.CASE_VIEW)
    sixth = trail.search_log(demo_session, dpo_actor, filters, page=6, size=10)
    assert (sixth.total, sixth.more, sixth.pages, sixth.page) == (30, True, 4, 6)
    assert [r.seq for r in sixth.rows][:10] == written[50:]
    beyond = trail.search_log(demo_session, dpo_actor, filters, page=99, size=10)
    assert (beyond.page, beyond.rows, beyond.has_next) == (99, [], False)
    demo_session.rollback()


def _seq(row: str) -> int:
    return int(re.search(r'<td class="govuk-table__cell">(\d+)</td>', row)[1])


def test_a_subject_access_report_holds_their_data_and_every_access_to_it(
    demo_hub, demo_session, dpos, dpo_users
) -> None:
    case = _case_with_a_dated_victim(demo_session)
    person = next(p.person for p in case.parties if unseal(p.person, "date_of_birth"))
    family, dob = unseal(person, "family_name"), date.fromisoformat(unseal(person, "date_of_birth"))
    officer = demo_session.get(User, case.officer_id)
    demo_client(demo_hub, officer).get(f"/cases/{case.id}")
    dpo = dpos["larkmoor-ha"]
    found = dpo.post(
        "/audit/subject-access",
        data={
            "csrf_token": csrf_token(dpo, "/audit/subject-access"),
            "kind": "surname_dob",
            "surname": family,
            "date_of_birth-day": str(dob.day),
            "date_of_birth-month": str(dob.month),
            "date_of_birth-year": str(dob.year),
        },
    ).get_data(as_text=True)
    assert f"/audit/subject-access/{person.id}" in found
    assert case.reference in found
    assert f"{dob.day} {dob:%B %Y}" in found  # as people write it, not 1977-02-24
    assert dob.isoformat() not in found
    assert _last(demo_session).action == "subject_access.search"
    report = dpo.get(f"/audit/subject-access/{person.id}").get_data(as_text=True)
    assert "Subject access report" in report
    assert family in report
    assert f"{dob.day} {dob:%B %Y}" in report
    assert f"Case {case.reference}" in report
    assert unseal(case.incidents[0], "description").split("\n")[0][:40] in report
    assert officer.display_name in report  # who opened their case
    entry = _last(demo_session)
    assert (entry.action, entry.purpose, entry.object_type, entry.object_id) == (
        "subject_access.report",
        "subject_access_request",
        "person",
        str(person.id),
    )
    other_dpo = dpos["northshire-police"]
    assert other_dpo.get(f"/audit/subject-access/{person.id}").status_code == 404
    refused = _last(demo_session)
    assert (refused.action, refused.outcome) == ("subject_access.report", "refused")


def test_the_report_of_a_reported_person_leaves_out_where_the_behaviour_happened(
    demo_hub, demo_session, dpos
) -> None:
    case = demo_session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.parties.any(CaseParty.role == PartyRole.REPORTED),
        )
        .order_by(Case.id)
    ).first()
    reported = next(p.person for p in case.parties if p.role is PartyRole.REPORTED)
    report = dpos["larkmoor-ha"].get(f"/audit/subject-access/{reported.id}")
    page = report.get_data(as_text=True)
    assert report.status_code == 200
    assert f"Case {case.reference}" in page
    assert str(escape(unseal(case, "address"))) not in page
    assert "They are not a complainant on this case" in page


def test_a_list_that_showed_hundreds_of_cases_is_found_by_its_last_cases_dpo(
    demo_hub, demo_session, dpos
) -> None:
    """A partner's list (a page of actions, the shared risk, an export) names every case
    it disclosed in its entry, however many: the subject access report of a person on the
    last of them finds it, and so does the owner's DPO reading the log of that case."""
    case = _case_with_a_dated_victim(demo_session)
    person = next(p.person for p in case.parties if unseal(p.person, "date_of_birth"))
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    others = list(range(100_000, 100_400))  # 400 cases before it on the list
    acts.record(
        demo_session,
        acts.Action.CASE_VIEW,
        actor=police,
        basis=f"actions {acts.ids(others)}; cases {acts.ids([*others, case.id])}",
    )
    demo_session.commit()
    dpo = dpos["larkmoor-ha"]
    report = dpo.get(f"/audit/subject-access/{person.id}").get_data(as_text=True)
    listed = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.actor_user_id == police.user_id)
        .order_by(AuditEntry.seq.desc())
    )
    assert listings.listed(listed.basis, "cases") == {*others, case.id}
    assert f'<td class="govuk-table__cell">{listed.seq}</td>' in report
    # Of another agency's list the report shows only the agency's own records and how
    # many others it named: the others are not its to read.
    assert "actions none of yours (and 400 of other agencies)" in report
    assert ",100399," not in report
    assert f"cases {case.id} (and 400 of other agencies)" in report
    # The owner's DPO, reading the log of that case, sees the partner's list too, alike.
    log = dpo.get(f"/audit?case={case.reference}").get_data(as_text=True)
    assert f'<td class="govuk-table__cell">{listed.seq}</td>' in log
    assert f"cases {case.id} (and 400 of other agencies)" in log


def test_subject_access_search_refuses_what_cannot_identify_a_requester(
    demo_hub, demo_session, dpos, dpo_users
) -> None:
    dpo = dpos["larkmoor-ha"]
    token = csrf_token(dpo, "/audit/subject-access")
    before = demo_session.scalar(select(func.count()).select_from(AuditEntry))
    surname_only = dpo.post(
        "/audit/subject-access", data={"csrf_token": token, "kind": "surname", "surname": "Smith"}
    )
    assert surname_only.status_code == 400
    assert "Select what to search by" in surname_only.get_data(as_text=True)
    bad_postcode = dpo.post(
        "/audit/subject-access", data={"csrf_token": token, "kind": "postcode", "postcode": "ZZ"}
    )
    assert bad_postcode.status_code == 400
    assert "Enter a real postcode" in bad_postcode.get_data(as_text=True)
    demo_session.expire_all()
    # nothing was searched, but each refusal is recorded, naming the field, never the value
    refused = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.seq >= before).order_by(AuditEntry.seq)
    ).all()
    assert [(e.action, e.outcome, e.purpose, e.basis) for e in refused] == [
        ("subject_access.search", "refused", "subject_access_request", "refused input: kind"),
        ("subject_access.search", "refused", "subject_access_request", "refused input: postcode"),
    ]


def test_a_search_matching_more_people_than_it_lists_says_so(
    demo_files: Path, tmp_path: Path
) -> None:
    """25 people of the agency live in one block of flats: the search by its postcode lists
    the first 20 and says that more hold it, so the DPO searches by something more
    particular rather than miss the requester's record; its audit entry says so too."""
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        block = "NX6 9ZZ"
        for person in session.scalars(
            select(Person).where(Person.agency.has(code="larkmoor-ha")).order_by(Person.id)
        ).fetchmany(25):
            seal_many(person, {"postcode": block})
            dob = unseal(person, "date_of_birth")
            blind_index.index_person(
                session,
                person,
                family_name=unseal(person, "family_name"),
                date_of_birth=date.fromisoformat(dob) if dob else None,
                postcode=block,
                phone=unseal(person, "phone"),
            )
        session.commit()
        dpo = demo_client(app, demo_user(session, "larkmoor-ha", Role.DPO))
        found = dpo.post(
            "/audit/subject-access",
            data={
                "csrf_token": csrf_token(dpo, "/audit/subject-access"),
                "kind": "postcode",
                "postcode": block,
            },
        ).get_data(as_text=True)
        assert found.count("Compile the report") == 20
        assert (
            "More than 20 people in your agency&#39;s records have these details: only the first "
            "20 are listed. Search by surname and date of birth, or by phone number, to find "
            "the requester among them." in found
        )
        entry = session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "subject_access.search", AuditEntry.basis.startswith("by "))
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )
        assert entry.basis.startswith("by postcode: more than 20 found, 20 listed; persons ")
        assert block not in entry.basis


def test_the_dpo_reviews_emergency_access_with_how_often_the_case_was_opened(
    demo_hub, demo_session, dpos, dpo_users
) -> None:
    # the oldest open case: the locking tests of this file take the newest ones, and a case
    # opened in an emergency here must not be one they lock
    case = demo_session.scalar(
        select(Case)
        .where(Case.agency.has(code="larkmoor-ha"), Case.locked.is_(False))
        .order_by(Case.id)
    )
    police = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    emergency.break_glass(
        demo_session,
        demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER),
        case.reference,
        "A threat to life was reported tonight by a neighbour",
    )
    demo_session.commit()
    assert demo_client(demo_hub, police).get(f"/cases/{case.id}").status_code == 200
    dpo = dpos["larkmoor-ha"]
    page = dpo.get("/audit/emergency-access").get_data(as_text=True)
    assert case.reference in page
    assert police.display_name in page
    assert "Waiting for review" in page
    row = page.split(case.reference, 2)[-1]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in row


def test_the_dpo_chooses_the_period_of_emergency_accesses_to_review(
    demo_hub, demo_session, dpos
) -> None:
    """The page shows the last 90 days unless the DPO chooses other dates (a year's
    accesses for the board's report, or the one a complaint is about): an access four
    months ago is found by its dates. Before, nothing older than 90 days could be listed.
    Dates the wrong way round or not real are said at the field, and nothing is listed."""
    case = demo_session.scalars(
        select(Case)
        .where(Case.agency.has(code="larkmoor-ha"), Case.locked.is_(False))
        .order_by(Case.id)
        .offset(2)
    ).first()
    glass = emergency.break_glass(
        demo_session,
        demo_actor(demo_session, "northshire-police", Role.MANAGER),
        case.reference,
        "A threat to life was reported tonight by a neighbour",
    )
    long_ago = clock.now() - timedelta(days=120)
    demo_session.execute(
        update(BreakGlass)
        .where(BreakGlass.id == glass.id)
        .values(started_at=long_ago, expires_at=long_ago + timedelta(hours=4))
    )
    demo_session.commit()
    dpo = dpos["larkmoor-ha"]
    assert case.reference not in dpo.get("/audit/emergency-access").get_data(as_text=True)

    first = (clock.today() - timedelta(days=150)).isoformat().split("-")
    since = {"since-year": first[0], "since-month": first[1], "since-day": first[2]}
    page = dpo.get("/audit/emergency-access", query_string=since)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert case.reference in text
    assert f"from {uk_date(clock.today() - timedelta(days=150))} to " in text
    entry = _last(demo_session)
    assert entry.action == "break_glass.list_view"
    assert entry.basis.startswith(
        f"from {(clock.today() - timedelta(days=150)).isoformat()} to {clock.today().isoformat()}"
    )

    wrong_way = dpo.get(
        "/audit/emergency-access",
        query_string={**since, "until-year": "2020", "until-month": "1", "until-day": "1"},
    )
    assert wrong_way.status_code == 400
    text = wrong_way.get_data(as_text=True)
    assert (
        '<a href="#until-day">The last day must be the same as or after the first day</a>' in text
    )
    assert case.reference not in text
    no_such_day = dpo.get(
        "/audit/emergency-access",
        query_string={"since-year": "2026", "since-month": "2", "since-day": "30"},
    )
    assert no_such_day.status_code == 400
    assert '<a href="#since-day">The first day must be a real date</a>' in no_such_day.get_data(
        as_text=True
    )


def test_conference_pages_and_packs_read_under_emergency_access_are_recorded_for_it(
    demo_hub, demo_session, dpos
) -> None:
    """A police officer at a conference who opens emergency access to its case reads the
    victim's vulnerability in the conference page and pack (which the conference's purpose
    does not give the police): the DPO's log records those reads for the purpose
    "emergency", as the case page's (opened for the conference's purpose too), and counts
    them as times the case was opened under it. Reads the conference's purpose gives in
    full stay recorded for it."""
    conference, _ = _convened(demo_hub, demo_session)
    case = conference.case
    police_user = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, police_user)
    assert police.get(f"/conferences/{conference.id}").status_code == 200
    assert _last(demo_session).purpose == "case_conference"  # before the emergency
    opened = police.post(
        "/emergency",
        data={
            "reference": case.reference,
            "reason": "A threat to kill was made an hour ago",
            "csrf_token": csrf_token(police, "/emergency"),
        },
    )
    assert opened.status_code == 302
    for path, action in (
        (f"/conferences/{conference.id}", "conference.view"),
        (f"/conferences/{conference.id}/pack", "conference.pack"),
        (f"/conferences/{conference.id}/pack.pdf", "conference.pack"),
        (f"/cases/{case.id}?purpose=case_conference", "case.view"),  # opened from the pack
    ):
        assert police.get(path).status_code == 200
        entry = _last(demo_session)
        assert (entry.action, entry.purpose) == (action, "emergency"), path
        assert "vulnerability: Emergency access until" in entry.basis
        assert "purpose case_conference; share" in entry.basis  # what the conference gave

    dpo = dpos["larkmoor-ha"]
    for action in ("conference.view", "conference.pack"):
        page = dpo.get(f"/audit?case={case.reference}&action={action}").get_data(as_text=True)
        assert f"Conference {conference.id} (case {case.reference})" in page
        assert "Purpose: emergency." in page
        assert "Purpose: case conference." in page or action == "conference.pack"
    row = dpo.get("/audit/emergency-access").get_data(as_text=True).split(case.reference, 2)[-1]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">4</td>' in row

    # The adults' manager, whose conference clauses give all the emergency clause does.
    adults_user = demo_user(demo_session, "northshire-adults", Role.MANAGER)
    emergency.break_glass(
        demo_session,
        demo_actor(demo_session, "northshire-adults", Role.MANAGER),
        case.reference,
        "A threat to life was reported tonight by a neighbour",
    )
    demo_session.commit()
    adults = demo_client(demo_hub, adults_user)
    assert adults.get(f"/conferences/{conference.id}/pack").status_code == 200
    entry = _last(demo_session)
    assert (entry.action, entry.actor_user_id) == ("conference.pack", adults_user.id)
    assert entry.purpose == "case_conference"
    assert "Emergency access" not in entry.basis


def test_a_dpo_makes_a_checkpoint_registers_a_key_and_co_signs_it_from_the_pages(
    demo_hub, demo_session, dpos, tmp_path, capsys
) -> None:
    """The whole co-signing round on the web: the signature is made offline with the
    standalone verifier and the agency's private key, as a DPO would."""
    dpo = dpos["northshire-police"]
    page = dpo.get("/audit/checkpoints").get_data(as_text=True)
    assert "Make a checkpoint now" in page
    made = dpo.post(
        "/audit/checkpoints", data={"csrf_token": csrf_token(dpo, "/audit/checkpoints")}
    )
    assert made.status_code == 302
    checkpoint = demo_session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()))
    assert _last(demo_session).action == "audit.checkpoint"
    assert dpo.get(f"/audit/checkpoints/{checkpoint.id}/cosign").status_code == 302  # no key yet

    assert (
        verify_audit.main(["keygen", "--out", str(tmp_path / "dpo.pem"), "--name", "police-dpo"])
        == 0
    )
    capsys.readouterr()
    public = (tmp_path / "dpo.pem.pub").read_text()
    register = "/audit/checkpoints/keys"
    bad = dpo.post(
        register, data={"csrf_token": csrf_token(dpo, register), "public_key": "nonsense"}
    )
    assert bad.status_code == 400
    assert "There is a problem" in bad.get_data(as_text=True)
    long_name = dpo.post(
        register,
        data={"csrf_token": csrf_token(dpo, register), "public_key": public, "name": "p" * 101},
    )
    assert long_name.status_code == 400
    text = long_name.get_data(as_text=True)
    assert "The name on its signatures must be 100 characters or fewer (you entered 101)" in text
    assert "Field cannot be longer" not in text
    registered = dpo.post(
        register,
        data={"csrf_token": csrf_token(dpo, register), "public_key": public, "name": "police-dpo"},
    )
    assert registered.status_code == 302
    assert _last(demo_session).action == "audit.key_register"

    note = dpo.get(f"/audit/checkpoints/{checkpoint.id}/note")
    assert note.headers["Content-Disposition"].startswith("attachment")
    (tmp_path / "checkpoint.txt").write_bytes(note.data)
    assert (
        verify_audit.main(
            [
                "cosign",
                "--key",
                str(tmp_path / "dpo.pem"),
                "--name",
                "police-dpo",
                str(tmp_path / "checkpoint.txt"),
            ]
        )
        == 0
    )
    line = capsys.readouterr().out.strip()
    form = f"/audit/checkpoints/{checkpoint.id}/cosign"
    demo_session.rollback()  # a fresh read of what the pages wrote
    key_id = demo_session.scalar(
        select(AuditAgencyKey.id)
        .join(Agency, Agency.id == AuditAgencyKey.agency_id)
        .where(Agency.code == "northshire-police")
    )
    other_checkpoint_line = verify_audit_line_for_other_text(tmp_path, capsys)
    refused = dpo.post(
        form,
        data={
            "csrf_token": csrf_token(dpo, form),
            "agency_key": str(key_id),
            "signature": other_checkpoint_line,
        },
    )
    assert refused.status_code == 400
    assert "nothing was stored" in refused.get_data(as_text=True), re.findall(
        r'govuk-error-message">(.*?)</p>', refused.get_data(as_text=True), re.S
    )
    cosigned = dpo.post(
        form,
        data={"csrf_token": csrf_token(dpo, form), "agency_key": str(key_id), "signature": line},
    )
    assert cosigned.status_code == 302
    assert _last(demo_session).action == "audit.cosign"
    listing = dpo.get("/audit/checkpoints").get_data(as_text=True)
    assert (
        "Northshire Police"
        in listing.split(f'<td class="govuk-table__cell">{checkpoint.id}</td>', 1)[1]
    )


def verify_audit_line_for_other_text(tmp_path, capsys) -> str:
    """A real signature line by the same key, over another checkpoint's text."""
    other = tmp_path / "other.txt"
    other.write_text("northshire-hub/audit\n1\n" + "A" * 43 + "=\n")
    assert (
        verify_audit.main(
            ["cosign", "--key", str(tmp_path / "dpo.pem"), "--name", "police-dpo", str(other)]
        )
        == 0
    )
    return capsys.readouterr().out.strip()


def _cells(row: str, case_id: int) -> list[str]:
    """A log row's cells, with the case id asked for taken out."""
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [cell.replace(str(case_id), "(id)") for cell in cells]


def _log_rows(page: str) -> list[str]:
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page, re.S)
    return [row for row in rows if "<td" in row]  # not the heading


def test_another_agencys_locked_case_reads_as_no_such_case_in_the_requesters_log(
    demo_hub, demo_session, dpos
) -> None:
    locked = lock_demo_case(demo_session)
    missing_id = demo_session.scalar(select(func.max(Case.id))) + 1000
    police_officer = demo_client(
        demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    )
    assert police_officer.get(f"/cases/{locked.id}").status_code == 404
    assert police_officer.get(f"/cases/{missing_id}").status_code == 404

    police_log = dpos["northshire-police"].get("/audit?action=case.view")
    page = police_log.get_data(as_text=True)
    assert "the case is locked" not in page
    as_locked = next(r for r in _log_rows(page) if f"Case {locked.id}<" in r)
    as_missing = next(r for r in _log_rows(page) if f"Case {missing_id}<" in r)
    assert locked.reference not in as_locked
    assert "No case has that number" in as_locked
    # Everything but the entry's number, its time and the id asked for is the same.
    assert _cells(as_locked, locked.id)[2:] == _cells(as_missing, missing_id)[2:]

    # The owning agency's DPO reads why, and who asked.
    owner_log = dpos["larkmoor-ha"].get(f"/audit?case={locked.reference}").get_data(as_text=True)
    assert "Answered “not found”: the case is locked" in owner_log
    assert "Northshire Police" in owner_log


def test_the_log_filter_does_not_confirm_another_agencys_hidden_case(
    demo_hub, demo_session, dpos
) -> None:
    locked = lock_demo_case(demo_session)
    police_dpo = dpos["northshire-police"]
    hidden = police_dpo.get(f"/audit?case={locked.reference}")
    unknown = police_dpo.get("/audit?case=LHA-1999-99999")
    assert hidden.status_code == unknown.status_code == 400
    assert f"No case has the reference {locked.reference}" in hidden.get_data(as_text=True)
    assert dpos["larkmoor-ha"].get(f"/audit?case={locked.reference}").status_code == 200


def test_lock_members_see_the_refused_attempts_on_the_case_page(demo_hub, demo_session) -> None:
    locked = lock_demo_case(demo_session)
    police_user = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    demo_client(demo_hub, police_user).get(f"/cases/{locked.id}")
    member = demo_session.get(User, locked.officer_id)
    page = demo_client(demo_hub, member).get(f"/cases/{locked.id}").get_data(as_text=True)
    assert "Refused attempts to open this case" in page
    assert f"{police_user.display_name}, Northshire Police" in page


def test_emergency_access_to_a_locked_case_reads_as_an_unknown_reference_in_the_requesters_log(
    demo_hub, demo_session, dpos
) -> None:
    locked = lock_demo_case(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    token = csrf_token(police, "/emergency")
    for reference in (locked.reference, "LHA-1999-99999"):
        page = police.post(
            "/emergency",
            data={
                "reference": reference,
                "reason": "A threat to kill was made an hour ago",
                "csrf_token": token,
            },
        ).get_data(as_text=True)
        assert "No case with that reference can be opened in an emergency" in page
    log = dpos["northshire-police"].get("/audit?action=break_glass").get_data(as_text=True)
    as_locked, as_unknown = (_cells(row, locked.id)[2:] for row in _log_rows(log)[:2])
    assert as_locked == as_unknown
    assert "No case has that number" in " ".join(as_locked)
    assert locked.reference not in log


def test_the_checkpoints_page_shows_a_damaged_log_and_signs_nothing(
    demo_files: Path, tmp_path: Path
) -> None:
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        dpo = demo_client(app, demo_user(session, "northshire-police", Role.DPO))
        whole = dpo.get("/audit/checkpoints").get_data(as_text=True)
        assert "damaged" not in whole
        seq = append(session, action="case.view", outcome="allowed").seq  # after the checkpoint
        session.commit()
        session.execute(
            update(AuditEntry).where(AuditEntry.seq == seq).values(basis="nothing happened")
        )
        session.commit()
        signed = session.scalar(select(func.count()).select_from(AuditCheckpoint))

        page = dpo.get("/audit/checkpoints").get_data(as_text=True)
        assert f"The audit log is damaged from entry {seq:,}" in page
        assert "does not match its stored leaf hash" in page
        made = dpo.post(
            "/audit/checkpoints",
            data={"csrf_token": csrf_token(dpo, "/audit/checkpoints")},
            follow_redirects=True,
        )
        assert made.status_code == 200
        assert "No checkpoint was signed" in made.get_data(as_text=True)
        session.expire_all()
        assert session.scalar(select(func.count()).select_from(AuditCheckpoint)) == signed


def test_the_checkpoints_page_shows_entries_waiting_to_join_the_log(
    demo_files: Path, tmp_path: Path
) -> None:
    """Entries an integration could not add (an entry forged where the next goes) wait
    in the queue with their acts committed: the DPO sees how many and since when."""
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        dpo = demo_client(app, demo_user(session, "northshire-police", Role.DPO))
        page = dpo.get("/audit/checkpoints").get_data(as_text=True)
        assert "Every entry recorded has been added to the log." in page
        head = session.scalar(select(AuditTree.size))
        last = session.scalar(select(AuditEntry).where(AuditEntry.seq == head - 1))
        forged = {c.name: getattr(last, c.name) for c in AuditEntry.__table__.columns}
        session.execute(AuditEntry.__table__.insert().values({**forged, "seq": head}))
        session.commit()
        acts.record(session, acts.Action.CASE_VIEW, subject=acts.Subject("case", 1))
        session.commit()  # the act is kept; its entry cannot join the log

        page = dpo.get("/audit/checkpoints").get_data(as_text=True)
        assert "waiting to be added to the log, the oldest recorded on" in page
        assert "Entries waiting more than a minute mean they cannot be added" in page
        assert session.scalar(select(func.count()).select_from(AuditQueued)) >= 1


def test_the_checkpoints_page_shows_each_witness_and_one_that_stopped_co_signing(
    demo_files: Path, tmp_path: Path
) -> None:
    first = demo_copy(demo_files, tmp_path)
    log_key = notes.verifier_key(
        first.config["HUB_SETTINGS"].audit_origin,
        first.extensions["hub.keys"].checkpoint_public_key(),
    )
    first.extensions["hub.engine"].dispose()
    with running_witnesses(tmp_path, 2, log_key) as witnesses:
        config = tmp_path / "witnesses.toml"
        config.write_text(
            "".join(f'[[witness]]\nurl = "{w.url}"\nkey = "{w.verifier_key}"\n' for w in witnesses)
        )
        app = make_app(tmp_path, audit_witnesses=str(config))
        with app.extensions["hub.sessions"]() as session:
            dpo = demo_client(app, demo_user(session, "northshire-police", Role.DPO))
        token = csrf_token(dpo, "/audit/checkpoints")
        assert dpo.post("/audit/checkpoints", data={"csrf_token": token}).status_code == 302
        witnesses[1].stop()
        with app.extensions["hub.sessions"]() as session:  # one more entry to sign
            append(session, action="case.view", outcome="allowed")
            session.commit()
        token = csrf_token(dpo, "/audit/checkpoints")
        assert dpo.post("/audit/checkpoints", data={"csrf_token": token}).status_code == 302

        page = dpo.get("/audit/checkpoints").get_data(as_text=True)
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page, re.S)
    first_row = next(r for r in rows if "witness0.example/asb" in r)
    second_row = next(r for r in rows if "witness1.example/asb" in r)
    assert "Not co-signing" not in first_row
    assert "Not co-signing" in second_row
    assert "unreachable" in second_row


def test_a_subject_access_report_holds_their_needs_assessments_letters_and_referrals(
    demo_hub, demo_session, dpos
) -> None:
    """UK GDPR Art. 15: the report gives everything the agency holds about the person: the
    adjustments and contact needs on their record, their risk assessments (the officer's
    support needs too), the letters the hub produced to them, the referrals made for them;
    its audit entry names each by id."""
    assessment = demo_session.scalars(
        select(RiskAssessment)
        .join(Case, RiskAssessment.case_id == Case.id)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.status != CaseStatus.CLOSED,
            RiskAssessment.support_needs.is_not(None),
        )
        .order_by(RiskAssessment.id)
    ).first()
    case, person = assessment.case, assessment.person
    needs = Needs(adjustments=(Adjustment.BSL,), contact_by=ContactMethod.TEXT)
    seal_many(
        person,
        {"adjustments": needs.adjustments_document(), "contact_needs": needs.contact_document()},
    )
    demo_session.commit()
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    url = f"/cases/{case.id}/letters/new"
    letter = officer.post(
        url,
        data={
            "csrf_token": csrf_token(officer, url),
            "letter": "acknowledgement",
            "person": str(person.id),
            "action": "produce",
        },
    )
    assert letter.status_code == 302, letter.get_data(as_text=True)
    url = f"/cases/{case.id}/referrals/new"
    referral = officer.post(
        url,
        data={
            "csrf_token": csrf_token(officer, url),
            "person": str(person.id),
            "reason": "Asked for support after the threats on the stairs",
        },
    )
    assert referral.status_code == 302, referral.get_data(as_text=True)
    demo_session.expire_all()
    document = demo_session.scalars(
        select(Document).where(Document.person_id == person.id).order_by(Document.id.desc())
    ).first()

    report = dpos["larkmoor-ha"].get(f"/audit/subject-access/{person.id}").get_data(as_text=True)
    assert "Reasonable adjustments" in report
    assert "A British Sign Language interpreter" in report
    assert "How to contact them" in report
    assert "By text message" in report
    assert "Their risk assessments" in report
    assert str(escape(unseal(assessment, "support_needs"))) in report
    assert '<td class="govuk-table__cell">1. ' in report  # the matrix's answers, numbered
    assert "Documents and letters addressed to them" in report
    assert "We have received your report (standard)" in report
    assert "Asked for support after the threats on the stairs" in report
    entry = _last(demo_session)
    assert entry.action == "subject_access.report"
    # Every assessment of theirs by id ("4,5,6" when the day's demo gives them more).
    assessments = entry.basis.split("risk assessments ")[1].split(";")[0].split(",")
    assert str(assessment.id) in assessments
    assert str(document.id) in entry.basis.split("documents ")[1].split(";")[0]
    assert "referrals none" not in entry.basis


def test_a_subject_access_report_holds_the_complainants_closure_survey(
    demo_hub, demo_session, dpos
) -> None:
    """The closure survey is the complainant's: the victim's report holds it (how it was
    offered, each question with their answer, what they said in their own words), a
    witness's on the same case does not; a survey on a case with two victims says so
    beside it, for the DPO to check whose answers they are before disclosing them."""
    case = closed_case(demo_session, "larkmoor-ha", PartyRole.VICTIM, PartyRole.WITNESS)
    survey = answered_by_phone(demo_session, case)
    shared = closed_case(demo_session, "larkmoor-ha", PartyRole.VICTIM, PartyRole.VICTIM)
    answered_by_phone(demo_session, shared, "Nobody told us the injunction had been refused")
    demo_session.commit()
    dpo = dpos["larkmoor-ha"]

    report = dpo.get(f"/audit/subject-access/{party(case, PartyRole.VICTIM)}").get_data(
        as_text=True
    )
    survey_part = report.split("Their closure surveys")[1].split("Who has seen their data")[0]
    assert f"Case {case.reference}" in survey_part
    assert "By phone: answers recorded now" in survey_part
    assert str(escape(SURVEY.questions[0].text)) in survey_part
    assert "Fairly dissatisfied" in survey_part
    assert COMMENT in survey_part
    assert "complainants" not in survey_part
    assert f"closure surveys {survey.id}" in _last(demo_session).basis

    witness = dpo.get(f"/audit/subject-access/{party(case, PartyRole.WITNESS)}").get_data(
        as_text=True
    )
    assert "Their closure surveys" in witness
    assert COMMENT not in witness

    victim = dpo.get(f"/audit/subject-access/{party(shared, PartyRole.VICTIM, 1)}").get_data(
        as_text=True
    )
    assert "Nobody told us the injunction had been refused" in victim
    assert (
        "This case has 2 complainants: check whose answers these are before disclosing them"
        in victim
    )
