"""The subject access report page gives the DPO the records of the person's cases beyond
their summary and incidents (the conference, its partners' answers, minutes and decisions;
the reviews; the crime references, with the exemption to consider before disclosing them)
to check and redact before they disclose it."""

from __future__ import annotations

from pathlib import Path

from markupsafe import escape
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.crypto.sealing import unseal
from sharing.models import Case, CaseReview, Conference, Incident, MoreRequest, UserRole
from sharing.vocabulary import Role
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_client, demo_copy, demo_user


def _shown(text: str | None) -> str:
    assert text, "the demo record holds no text"
    return str(escape(text))


def test_the_report_page_gives_the_conference_and_the_reviews_of_their_case(
    demo_files: Path, tmp_path: Path
) -> None:
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        conference = session.scalars(
            select(Conference).where(Conference.minutes.any(), Conference.decisions.any())
        ).first()
        assert conference is not None, "the demo holds no minuted conference"
        case = conference.case
        # The demo names no data protection officer at the case's landlord: its manager
        # takes the role.
        manager = demo_user(session, case.agency.code, Role.MANAGER)
        session.add(UserRole(user_id=manager.id, role=Role.DPO))
        session.commit()
        session.refresh(manager)
        dpo = demo_client(app, manager)
        person_id = case.parties[0].person_id

        page = dpo.get(f"/audit/subject-access/{person_id}")

        assert page.status_code == 200
        report = page.get_data(as_text=True)
        their_case = report.split(f"Case {case.reference}")[1].split("Their risk assessments")[0]
        assert "Case conference" in their_case
        assert _shown(unseal(conference, "question")) in their_case
        assert _shown(unseal(conference.minutes[0], "discussion")) in their_case
        assert _shown(unseal(conference.decisions[0], "decision")) in their_case
        answered = next(r for r in conference.requests if r.answered_at is not None)
        assert f"What {escape(answered.agency.name)} told the conference" in their_case
        assert "consult them before you disclose it" in their_case
        reviews = session.scalars(select(CaseReview).where(CaseReview.case_id == case.id)).all()
        assert reviews, "the demo's conference case has no reviews"
        assert "Case reviews" in their_case
        assert _shown(unseal(reviews[0], "progress")) in their_case


def _larkmoor_case(session: Session, *where: ColumnElement[bool]) -> Case:
    case = session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.parties.any(),
            *where,
        )
        .order_by(Case.id)
    ).first()
    assert case is not None, "the demo has no such larkmoor case"
    return case


def test_crime_references_come_with_the_exemption_to_consider_and_only_with_them(
    demo_files: Path, tmp_path: Path
) -> None:
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        dpo = demo_client(app, demo_user(session, "larkmoor-ha", Role.DPO))
        crimed = _larkmoor_case(session, Case.incidents.any(Incident.crime_reference.is_not(None)))
        plain = _larkmoor_case(
            session,
            Case.incidents.any(),
            ~Case.incidents.any(Incident.crime_reference.is_not(None)),
        )

        def their_case(case: Case) -> str:
            report = dpo.get(f"/audit/subject-access/{case.parties[0].person_id}")
            return report.get_data(as_text=True).split(f"Case {case.reference}")[1].split("<h3")[0]

        shown = their_case(crimed)
        reference = next(
            unseal(i, "crime_reference") for i in crimed.incidents if i.crime_reference
        )
        assert "Crime reference" in shown
        assert _shown(reference) in shown
        assert "Schedule 2, paragraph 2" in shown
        none = their_case(plain)
        assert "Crime reference" not in none
        assert "Schedule 2, paragraph 2" not in none


def test_the_report_gives_a_partners_request_for_more_with_why_and_the_reason_declined(
    demo_files: Path, tmp_path: Path
) -> None:
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        declined = session.scalars(
            select(MoreRequest).where(MoreRequest.answered_at.is_not(None)).order_by(MoreRequest.id)
        ).first()
        assert declined is not None, "the demo holds no request for more declined"
        case = declined.case
        dpo = demo_client(app, demo_user(session, case.agency.code, Role.DPO))

        page = dpo.get(f"/audit/subject-access/{case.parties[0].person_id}")

        assert page.status_code == 200
        their_case = page.get_data(as_text=True).split(f"Case {case.reference}")[1]
        assert "Partners' requests for more of it" in their_case
        assert f"{escape(declined.agency.name)} asked for vulnerability (declined)" in their_case
        assert _shown(unseal(declined, "why")) in their_case
        assert _shown(unseal(declined, "decline_reason")) in their_case


def test_the_report_says_a_request_for_more_ended_unanswered_as_its_case_closed(
    demo_files: Path, tmp_path: Path
) -> None:
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        waiting = session.scalars(
            select(MoreRequest).where(MoreRequest.answered_at.is_(None)).order_by(MoreRequest.id)
        ).first()
        assert waiting is not None, "the demo holds no request for more waiting"
        case = waiting.case
        close_for_erasure(session, Actor.of(case.officer), case.id)
        session.commit()
        dpo = demo_client(app, demo_user(session, case.agency.code, Role.DPO))

        page = dpo.get(f"/audit/subject-access/{case.parties[0].person_id}")

        their_case = page.get_data(as_text=True).split(f"Case {case.reference}")[1]
        assert (
            f"{escape(waiting.agency.name)} asked for vulnerability (ended unanswered: the "
            "case was closed before the request was answered)"
        ) in their_case
