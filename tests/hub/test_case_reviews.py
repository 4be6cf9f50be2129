"""Case reviews as an officer and a manager meet them (demo partnership): a new case's first
review is due as its priority asks, and the letters promise that day; the review form
records contact, progress, the risk and the decision, moves the next review (never later
than the priority's interval), and the case page lists it; bad input is refused at its
field with nothing stored; closing and a case conference lead on to their forms; the
manager's list of overdue reviews by officer, with contact overdue flagged; partners see
a review's text only as their clauses allow; other agencies and roles are refused."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from hub.templating import uk_date
from sharing import clock
from sharing.crypto.sealed_format import personal_columns
from sharing.models import AuditEntry, Case, CaseParty, CaseReview
from sharing.vocabulary import CaseStatus, Priority, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, shared_with_agency
from tests.fixtures.reviews import PROGRESS, review_form


def _open_cases(session, code: str, priority: Priority | None = None) -> list[Case]:
    query = select(Case).where(
        Case.agency.has(code=code),
        Case.status != CaseStatus.CLOSED,
        Case.locked.is_(False),
        Case.erased_at.is_(None),
    )
    if priority is not None:
        query = query.where(Case.priority == priority)
    return list(session.scalars(query.order_by(Case.id)))


def _open_case(session, code: str, priority: Priority | None = None) -> Case:
    return _open_cases(session, code, priority)[0]


def test_a_red_urgent_case_is_first_reviewed_within_its_interval_and_the_letter_says_so(
    demo_hub, demo_session, monkeypatch
) -> None:
    settings = replace(demo_hub.config["HUB_SETTINGS"], review_days_red_urgent=5)
    monkeypatch.setitem(demo_hub.config, "HUB_SETTINGS", settings)
    officer_user = demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER)
    officer = demo_client(demo_hub, officer_user)
    opened = officer.post(
        "/cases/new",
        data={
            "csrf_token": csrf_token(officer, "/cases/new"),
            "category": "verbal_abuse",
            "priority": "red_urgent",
            "triage": "serious",
            "summary": "Threats to burn the house down shouted through the letterbox",
            "officer_id": str(officer_user.id),
            "ward_id": "",
            "first_party_role": "victim",
            "first_party-given_names": "Ruth",
            "first_party-family_name": "Reviewdue",
        },
    )
    assert opened.status_code == 302, opened.get_data(as_text=True)
    case_id = int(opened.location.rsplit("/", 1)[1])
    in_five_days = uk_date(clock.today() + timedelta(days=5))
    page = officer.get(f"/cases/{case_id}").get_data(as_text=True)
    assert in_five_days in page[page.index("Review due") :]
    victim = demo_session.scalar(select(CaseParty.person_id).where(CaseParty.case_id == case_id))
    letter = officer.post(
        f"/cases/{case_id}/letters/new",
        data={
            "csrf_token": csrf_token(officer, f"/cases/{case_id}/letters/new"),
            "letter": "acknowledgement",
            "person": str(victim),
            "action": "preview",
        },
    )
    assert letter.status_code == 200, letter.get_data(as_text=True)
    assert f"review your case with you by {in_five_days}" in letter.get_data(as_text=True)


def test_an_officer_records_a_review_and_the_next_one_moves(demo_hub, demo_session) -> None:
    # An active case (a review of a new one makes it active, which its entry would say).
    case = next(
        c
        for c in _open_cases(demo_session, "northshire-homes", Priority.AMBER)
        if c.status is CaseStatus.ACTIVE
    )
    officer = demo_client(demo_hub, case.officer)
    page = officer.get(f"/cases/{case.id}/review")
    assert page.status_code == 200
    assert "Record the review" in page.get_data(as_text=True)
    in_a_week = clock.today() + timedelta(days=7)
    response = officer.post(
        f"/cases/{case.id}/review",
        data=review_form(
            officer,
            case.id,
            **{
                "next_review_on-day": str(in_a_week.day),
                "next_review_on-month": str(in_a_week.month),
                "next_review_on-year": str(in_a_week.year),
            },
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith(f"/cases/{case.id}#reviews")
    demo_session.expire_all()
    stored = demo_session.get(Case, case.id)
    assert stored.review_due_on == in_a_week
    assert stored.last_contact_on == clock.today()
    shown = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert PROGRESS in shown
    assert "By phone, last on" in shown
    review = demo_session.scalars(
        select(CaseReview).where(CaseReview.case_id == case.id).order_by(CaseReview.id.desc())
    ).first()
    for column in personal_columns(CaseReview):
        assert PROGRESS.encode() not in (getattr(review, column) or b"")
    entry = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.review").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.basis == f"review {review.id}; continue; next review {in_a_week}"


def test_bad_reviews_are_refused_at_their_field_and_nothing_is_stored(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session, "northshire-homes", Priority.AMBER)
    officer = demo_client(demo_hub, case.officer)
    before = len(
        demo_session.scalars(select(CaseReview).where(CaseReview.case_id == case.id)).all()
    )
    too_late = clock.today() + timedelta(days=60)
    tomorrow = clock.today() + timedelta(days=1)
    opened = clock.day_of(case.opened_at)
    before_opening = opened - timedelta(days=1)
    for values, field, message in (
        (
            {
                "contacted_on-day": str(before_opening.day),
                "contacted_on-month": str(before_opening.month),
                "contacted_on-year": str(before_opening.year),
            },
            "contacted_on",
            "The date you were last in touch cannot be before the case was opened, on "
            f"{opened.day} {opened:%B %Y}",
        ),
        ({"progress": ""}, "progress", "Say what progress there has been"),
        ({"risk_note": ""}, "risk_note", "Say why the risk has not changed"),
        ({"decision": ""}, "decision", ""),
        (
            {
                "contact_method": "not_reached",
                "contacted_on-day": "",
                "contacted_on-month": "",
                "contacted_on-year": "",
            },
            "contact_note",
            "Say why the complainant could not be reached",
        ),
        (
            {"contact_method": "not_reached", "contact_note": "No answer at the door"},
            "contact_method",
            "Select how you were in touch on that day, or leave the date empty if you could "
            "not reach them",
        ),
        (
            {
                "contacted_on-day": str(tomorrow.day),
                "contacted_on-month": str(tomorrow.month),
                "contacted_on-year": str(tomorrow.year),
            },
            "contacted_on",
            "The date you were last in touch cannot be in the future",
        ),
        (
            {
                "next_review_on-day": str(too_late.day),
                "next_review_on-month": str(too_late.month),
                "next_review_on-year": str(too_late.year),
            },
            "next_review_on",
            "A case at amber priority is reviewed at least every 28 days: enter a day by",
        ),
        ({"assessment": "999999"}, "assessment", "Select the risk assessment"),
    ):
        response = officer.post(
            f"/cases/{case.id}/review", data=review_form(officer, case.id, **values)
        )
        assert response.status_code == 400, (field, values)
        page = response.get_data(as_text=True)
        assert f'href="#{field}' in page, field
        assert message in page, (field, message)
    after = demo_session.scalars(select(CaseReview).where(CaseReview.case_id == case.id)).all()
    assert len(after) == before


def test_closing_at_a_review_leads_to_the_closereview_form(demo_hub, demo_session) -> None:
    case = _open_case(demo_session, "northshire-homes", Priority.RED_HIGH)
    officer = demo_client(demo_hub, case.officer)
    response = officer.post(
        f"/cases/{case.id}/review", data=review_form(officer, case.id, decision="close")
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/cases/{case.id}/close")
    response = officer.post(
        f"/cases/{case.id}/review", data=review_form(officer, case.id, decision="conference")
    )
    assert response.location.endswith(f"/cases/{case.id}/conferences/new")


def test_deciding_to_close_keeps_the_next_review_within_the_interval_until_the_case_closes(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session, "northshire-homes", Priority.RED_HIGH)
    before = case.review_due_on
    officer = demo_client(demo_hub, case.officer)
    in_2099 = {
        "next_review_on-day": "1",
        "next_review_on-month": "1",
        "next_review_on-year": "2099",
    }
    refused = officer.post(
        f"/cases/{case.id}/review", data=review_form(officer, case.id, decision="close", **in_2099)
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'href="#next_review_on' in page
    assert "is reviewed at least every 14 days" in page
    demo_session.expire_all()
    assert demo_session.get(Case, case.id).review_due_on == before

    closing = officer.post(
        f"/cases/{case.id}/review", data=review_form(officer, case.id, decision="close")
    )
    assert closing.location.endswith(f"/cases/{case.id}/close")
    demo_session.expire_all()
    # The officer has not closed it yet: until they do, it is due for review as before.
    assert demo_session.get(Case, case.id).review_due_on == clock.today() + timedelta(days=14)
    assert "until it is closed" in officer.get(f"/cases/{case.id}/review").get_data(as_text=True)


def test_a_manager_lists_overdue_reviews_by_officer(demo_hub, demo_session) -> None:
    manager = demo_user(demo_session, "northshire-homes", Role.MANAGER)
    client = demo_client(demo_hub, manager)
    assert 'href="/cases/reviews-due"' in client.get("/").get_data(as_text=True)
    case = _open_case(demo_session, "northshire-homes")
    case.review_due_on = clock.today() - timedelta(days=3)
    case.last_contact_on = None
    demo_session.commit()
    page = client.get("/cases/reviews-due").get_data(as_text=True)
    assert case.reference in page
    assert case.officer.display_name in page
    assert "Contact overdue" in page
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER))
    assert officer.get("/cases/reviews-due").status_code == 403
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert case.reference not in police.get("/cases/reviews-due").get_data(as_text=True)


def test_other_agencies_cannot_review_a_case(demo_hub, demo_session) -> None:
    case = next(  # shared with the police, so told why (not the first on every day's demo)
        c
        for c in _open_cases(demo_session, "northshire-homes")
        if shared_with_agency(demo_session, c, "northshire-police")
    )
    count = len(case.reviews)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert police.get(f"/cases/{case.id}/review").status_code == 403
    data = review_form(demo_client(demo_hub, case.officer), case.id)
    data["csrf_token"] = csrf_token(police, "/")  # the police's own form token
    response = police.post(f"/cases/{case.id}/review", data=data)
    assert response.status_code == 403
    assert response.mimetype == "text/html"  # a page, like every other
    assert "refused because only the owning agency does this" in response.get_data(as_text=True)
    demo_session.expire_all()
    assert len(demo_session.get(Case, case.id).reviews) == count


def _summary_value(page: str, key: str) -> str:
    """The HTML of the summary list's value beside ``key``."""
    found = re.search(rf"{key}\s*</dt>\s*<dd[^>]*>(.*?)</dd>", page, re.S)
    assert found is not None, key
    return found.group(1)


def _row_of(page: str, reference: str, table_caption: str) -> str:
    """The HTML of the row naming ``reference`` in the table captioned ``table_caption``."""
    table = page[page.index(table_caption) :]
    table = table[: table.index("</table>")]
    row = table[table.index(reference) :]
    return row[: row.index("</tr>")]


def test_a_review_gone_past_its_day_says_overdue_where_the_officer_looks(
    demo_hub, demo_session
) -> None:
    officer_user = demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER)
    late, today_due = [
        c for c in _open_cases(demo_session, "northshire-homes") if c.officer_id == officer_user.id
    ][:2]
    today = clock.today()
    late.review_due_on = today - timedelta(days=3)
    late.risk_review_due_on = today - timedelta(days=10)
    today_due.review_due_on = today
    today_due.risk_review_due_on = today
    demo_session.commit()
    officer = demo_client(demo_hub, officer_user)

    page = officer.get(f"/cases/{late.id}").get_data(as_text=True)
    assert "Overdue" in _summary_value(page, "Review due")
    assert uk_date(today - timedelta(days=3)) in _summary_value(page, "Review due")
    risk = page[page.index('id="risk"') :]
    risk = risk[: risk.index("</p>")]
    assert f"Risk assessment review due {uk_date(today - timedelta(days=10))}." in risk
    assert "Overdue" in risk

    page = officer.get(f"/cases/{today_due.id}").get_data(as_text=True)
    assert uk_date(today) in _summary_value(page, "Review due")
    assert "Overdue" not in _summary_value(page, "Review due")
    risk = page[page.index('id="risk"') :]
    assert "Overdue" not in risk[: risk.index("</p>")]

    home = officer.get("/").get_data(as_text=True)
    assert "Overdue" in _row_of(home, late.reference, "Your cases due for review")
    assert "Overdue" not in _row_of(home, today_due.reference, "Your cases due for review")
    risk_caption = "Your cases whose risk assessments are due for review"
    assert "Overdue" in _row_of(home, late.reference, risk_caption)
    assert "Overdue" not in _row_of(home, today_due.reference, risk_caption)


def test_a_closed_case_shows_no_review_due(demo_hub, demo_session) -> None:
    closed = demo_session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="northshire-homes"),
            Case.status == CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id)
    ).first()
    assert closed is not None
    officer = demo_client(demo_hub, closed.officer)
    page = officer.get(f"/cases/{closed.id}").get_data(as_text=True)
    assert _summary_value(page, "Review due").strip() == "No review due"


def test_a_review_names_the_risk_assessment_it_made(demo_hub, demo_session) -> None:
    """A review that made a new assessment says which (its day and stage), so the reader
    finds it among the case's assessments, where it said only "A new risk assessment"."""
    review = demo_session.scalars(
        select(CaseReview)
        .join(Case, Case.id == CaseReview.case_id)
        .where(CaseReview.assessment_id.is_not(None), Case.locked.is_(False))
        .order_by(CaseReview.id)
    ).first()
    assessment = review.assessment
    page = demo_client(demo_hub, review.case.officer).get(f"/cases/{review.case_id}")
    shown = page.get_data(as_text=True)
    made = uk_date(assessment.assessed_at)
    assert f"A new risk assessment of {made} ({assessment.stage.label.lower()})" in shown


def test_a_review_that_finds_nothing_happening_leaves_the_case_inactive(
    demo_hub, demo_session
) -> None:
    """Procedure 001 §5: a case with no current activity may be considered inactive. The
    review says so and the case is left open but inactive, still reviewed; the next
    review's form starts from that, and finding activity again makes it active."""
    case = next(
        c
        for c in _open_cases(demo_session, "northshire-homes", Priority.AMBER)
        if c.status is CaseStatus.ACTIVE
    )
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/review"
    form = officer.get(path).get_data(as_text=True)
    assert "Is anything happening on the case?" in form
    assert re.search(r'value="active"\s+checked', form)
    quiet = officer.post(path, data=review_form(officer, case.id, activity="inactive"))
    assert quiet.status_code == 302, quiet.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Case, case.id).status is CaseStatus.INACTIVE
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert (
        "Continue with the action plan. Nothing is happening on the case: it was left inactive"
        in page
    )
    review = demo_session.scalars(
        select(CaseReview).where(CaseReview.case_id == case.id).order_by(CaseReview.id.desc())
    ).first()
    assert review.inactive
    entry = demo_session.scalars(
        select(AuditEntry).where(
            AuditEntry.request_id == quiet.headers["X-Request-Id"],
            AuditEntry.action == "case.review",
        )
    ).one()
    assert entry.basis.endswith("; now inactive")
    assert re.search(r'value="inactive"\s+checked', officer.get(path).get_data(as_text=True))
    busy = officer.post(path, data=review_form(officer, case.id, activity="active"))
    assert busy.status_code == 302
    demo_session.expire_all()
    assert demo_session.get(Case, case.id).status is CaseStatus.ACTIVE


def test_a_case_escalated_or_sent_to_a_conference_cannot_be_left_inactive(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session, "northshire-homes", Priority.AMBER)
    before = case.status
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/review"
    for decision, said in (("escalate", "escalate"), ("conference", "refer to a case conference")):
        refused = officer.post(
            path, data=review_form(officer, case.id, activity="inactive", decision=decision)
        )
        assert refused.status_code == 400
        page = refused.get_data(as_text=True)
        assert (
            f'<a href="#activity">A case you decide to {said} is active: say something is '
            "happening on it, or select another decision</a>"
        ) in page
    nothing = officer.post(path, data=review_form(officer, case.id, activity=""))
    assert "Select whether anything is happening on the case" in nothing.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Case, case.id).status is before  # nothing saved
