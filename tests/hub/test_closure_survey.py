"""The complainant's satisfaction survey at closure, as a case officer records it (demo
partnership): the questions come from the survey file; answers taken by phone are kept on
the scale, the complainant's words sealed; "very dissatisfied" opens a follow-up action for
the agency's managers, which they can close though the case is closed; a survey that was
declined records no answers; bad input is refused at its field, nothing written, audited;
only the case's own agency records it; the survey file is checked on load."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import closing
from sharing.cases.survey import SurveyInvalid, load_survey, parse_survey
from sharing.crypto.sealing import unseal
from sharing.models import Action, AuditEntry, Case, ClosureSurvey, User
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    PartyRole,
    Role,
    Satisfaction,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, shared_with_agency
from tests.fixtures.statements import walk_pages
from tests.fixtures.surveys import answered_by_phone, closed_case

SURVEY = load_survey(Path(__file__).resolve().parents[2] / "config" / "closure-survey.toml")
#: The survey's address, once its link has been opened (the link's secret out of it).
ANSWER = "/closure-survey"
COMMENT = "They kept me informed but the noise went on for months"


def _closed_case(session: Session) -> Case:
    """A case of Northshire Homes, closed just now, not resolved, not yet surveyed."""
    case = session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="northshire-homes"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id.desc())
    ).first()
    closing.close_case(
        session,
        authorise(session, Actor.of(case.officer), case.id, Act.CLOSE),
        ClosureReason.NOT_ENGAGING,
        outcome=ClosureOutcome.NOT_RESOLVED,
    )
    session.commit()
    return case


def _answers(value: str) -> dict[str, str]:
    return {f"answer_{q.id}": value for q in SURVEY.questions}


def _post(client, case: Case, **data: str):
    path = f"/cases/{case.id}/survey"
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_a_follow_up_whose_tenth_day_is_a_bank_holiday_is_due_the_next_working_day(
    demo_session,
) -> None:
    """Answered dissatisfied ten days before a bank holiday (15 December: Christmas Day),
    the follow-up is due the next working day after it (Tuesday 29 December 2026, after
    the weekend and the substitute Boxing Day), where it was due on the bank holiday
    itself and overdue the day after, when no one was at work."""
    calendar = england_and_wales()
    answered_on = next(
        day
        for day in (clock.today() + timedelta(days=n) for n in range(400))
        if day + timedelta(days=10) in calendar.holidays
    )
    tenth = answered_on + timedelta(days=10)
    with clock.pinned(datetime.combine(answered_on, time(12), UTC)):
        case = closed_case(demo_session, "northshire-homes", PartyRole.VICTIM)
        follow_up = answered_by_phone(demo_session, case).follow_up
    assert follow_up is not None
    assert follow_up.due_on > tenth
    assert calendar.is_working_day(follow_up.due_on)
    assert not any(
        calendar.is_working_day(tenth + timedelta(days=n))
        for n in range((follow_up.due_on - tenth).days)
    )
    demo_session.rollback()


def test_a_dissatisfied_complainant_opens_a_follow_up_the_managers_close(
    demo_hub, demo_session
) -> None:
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    form = officer.get(f"/cases/{case.id}/survey").get_data(as_text=True)
    for question in SURVEY.questions:
        assert question.text in form
    response = _post(
        officer, case, channel="phone", comment=COMMENT, **_answers("very_dissatisfied")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    survey = demo_session.scalar(select(ClosureSurvey).where(ClosureSurvey.case_id == case.id))
    assert survey.overall is Satisfaction.VERY_DISSATISFIED
    assert {a.question for a in survey.answers} == {q.id for q in SURVEY.questions}
    assert unseal(survey, "comment") == COMMENT
    assert COMMENT.encode() not in (survey.comment or b"")
    follow_up = survey.follow_up
    assert follow_up.kind is ActionKind.DISSATISFACTION_FOLLOW_UP
    assert follow_up.owner_agency_id == case.agency_id
    assert follow_up.status is ActionStatus.OPEN
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Answered by phone: very dissatisfied overall; follow-up action open" in page
    entry = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.record").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.basis == f"closure survey {survey.id}; follow-up action {follow_up.id}"
    # The manager closes the follow-up on the closed case from the actions list.
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    actions = "".join(walk_pages(manager, "/actions"))
    assert "Follow-up of a complainant dissatisfied" in actions
    path = f"/actions/{follow_up.id}/done"
    done = manager.post(
        path,
        data={"csrf_token": csrf_token(manager, path), "note": "Called them and apologised"},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Action, follow_up.id).status is ActionStatus.DONE


def test_a_declined_survey_records_no_answers_and_opens_nothing(demo_hub, demo_session) -> None:
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    assert _post(officer, case, channel="declined").status_code == 302
    demo_session.expire_all()
    survey = demo_session.scalar(select(ClosureSurvey).where(ClosureSurvey.case_id == case.id))
    assert survey.overall is None
    assert survey.answers == []
    assert survey.follow_up is None
    assert "Offered, and they declined" in officer.get(f"/cases/{case.id}").get_data(as_text=True)
    again = _post(officer, case, channel="declined")
    assert again.status_code == 400
    assert "The survey for this case is already recorded" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select how the survey was offered"),
        ({"channel": "phone"}, "Select an answer"),
        ({"channel": "declined", **_answers("very_satisfied")}, "Answers are recorded only"),
        ({"channel": "unreachable", "comment": "Rang twice"}, "Answers are recorded only"),
    ],
)
def test_a_survey_with_bad_input_is_refused_at_its_field(
    demo_hub, demo_session, data, message
) -> None:
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    response = _post(officer, case, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    demo_session.expire_all()
    assert not demo_session.scalar(
        select(func.count()).select_from(ClosureSurvey).where(ClosureSurvey.case_id == case.id)
    )


def test_only_the_cases_own_agency_records_its_survey(demo_hub, demo_session) -> None:
    case = _closed_case(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert not shared_with_agency(demo_session, case, "northshire-police")
    assert police.get(f"/cases/{case.id}/survey").status_code == 404
    open_case = demo_session.scalars(
        select(Case).where(Case.status == CaseStatus.ACTIVE, Case.locked.is_(False))
    ).first()
    officer = demo_client(demo_hub, demo_session.get(User, open_case.officer_id))
    response = _post(officer, open_case, channel="declined")
    assert response.status_code == 400
    assert "The survey is offered when the case is closed" in response.get_data(as_text=True)


def test_the_survey_file_is_checked_with_each_problem_named() -> None:
    with pytest.raises(SurveyInvalid) as refused:
        parse_survey(
            'id = "s"\ntitle = "S"\nversion = 1\noverall = "missing"\n'
            '[[questions]]\nid = "Bad Id"\ntext = "Q"\n'
            '[[questions]]\nid = "ok"\ntext = "Q"\n[[questions]]\nid = "ok"\ntext = "Q"\n',
            "survey.toml",
        )
    text = str(refused.value) + " ".join(str(p) for p in refused.value.problems)
    assert "questions[0].id" in text
    assert "already a question" in " ".join(str(p) for p in refused.value.problems)
    assert any("overall" in str(p) for p in refused.value.problems)
    assert clock.today()  # the survey file needs no clock


def _link(client, case: Case) -> str:
    response = _post(client, case, channel="link")
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "This is the only time the hub shows this link" in page
    match = re.search(r"http://localhost(/closure-survey/[A-Za-z0-9_-]+)", page)
    assert match, page
    return match.group(1)


def _opened(demo_hub, link: str):
    """A browser that has opened ``link``: the survey is at ``ANSWER`` for it."""
    public = demo_hub.test_client()
    assert public.get(link).location == ANSWER
    return public


def test_a_complainant_answers_by_link_once_without_an_account(demo_hub, demo_session) -> None:
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = link = _link(officer, case)
    demo_session.expire_all()
    survey = demo_session.scalar(select(ClosureSurvey).where(ClosureSurvey.case_id == case.id))
    assert survey.link_hash is not None
    assert path.rsplit("/", 1)[1] not in survey.link_hash  # only a hash is kept
    assert "not answered yet" in officer.get(f"/cases/{case.id}").get_data(as_text=True)

    public = demo_hub.test_client()
    form = public.get(path, follow_redirects=True)
    assert form.status_code == 200
    path = ANSWER  # the link's secret is in the browser session now
    text = form.get_data(as_text=True)
    assert SURVEY.questions[0].text in text
    assert case.reference not in text  # nothing of the case
    assert "OFFICIAL-SENSITIVE" not in text  # the public's page, not the staff's
    assert '<span class="hub-header__name">Tell us how your report was dealt with' in text
    token = csrf_token(public, path)
    refused = public.post(path, data={"csrf_token": token, "comment": "Hello"})
    assert refused.status_code == 400
    assert "Select an answer" in refused.get_data(as_text=True)
    markup = public.post(
        path, data={"csrf_token": token, "comment": "<b>x</b>", **_answers("very_satisfied")}
    )
    assert markup.status_code == 400
    assert "Remove the &lt; sign" in markup.get_data(as_text=True)
    assert public.get("/closure-survey/thank-you").status_code == 404  # nothing sent yet
    sent = public.post(
        path, data={"csrf_token": token, "comment": COMMENT, **_answers("fairly_dissatisfied")}
    )
    assert sent.status_code == 302
    assert sent.location.endswith("/closure-survey/thank-you")
    thanks = public.get(sent.location)
    assert thanks.status_code == 200
    thanked = thanks.get_data(as_text=True)
    assert "We have your answers" in thanked
    assert "OFFICIAL-SENSITIVE" not in thanked
    assert '<span class="hub-header__name">Tell us how your report was dealt with' in thanked
    assert case.reference not in thanked
    # Opened in another browser, that sent nothing, it thanks no one.
    assert demo_hub.test_client().get(sent.location).status_code == 404
    demo_session.expire_all()
    assert survey.overall is Satisfaction.FAIRLY_DISSATISFIED
    assert survey.answered_at is not None
    assert survey.follow_up is not None
    assert unseal(survey, "comment") == COMMENT
    assert "Answered online: fairly dissatisfied overall" in officer.get(
        f"/cases/{case.id}"
    ).get_data(as_text=True)
    again = public.get(link, follow_redirects=True)
    assert again.status_code == 404
    assert "This survey link does not work" in again.get_data(as_text=True)
    assert public.get(ANSWER).status_code == 404  # nor the survey's address


def test_a_link_that_never_was_or_has_expired_does_not_work(demo_hub, demo_session) -> None:
    public = demo_hub.test_client()
    assert public.get("/closure-survey/not-a-real-link", follow_redirects=True).status_code == 404
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = _link(officer, case)
    with clock.pinned(clock.now() + timedelta(days=29)):
        assert public.get(path, follow_redirects=True).status_code == 404


def test_answers_taken_by_phone_replace_a_link_never_answered(demo_hub, demo_session) -> None:
    """The complainant never used the link; weeks later they answer by phone: the
    officer records the answers, and the old link stops working. Once answered, by either
    way, the survey is not recorded again."""
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = _link(officer, case)
    demo_session.expire_all()
    link = demo_session.scalar(select(ClosureSurvey).where(ClosureSurvey.case_id == case.id))
    link.link_expires_at = clock.now() - timedelta(days=12)  # offered 40 days ago
    demo_session.commit()
    recorded = _post(officer, case, channel="phone", **_answers("fairly_satisfied"))
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    demo_session.expire_all()
    [survey] = demo_session.scalars(select(ClosureSurvey).where(ClosureSurvey.case_id == case.id))
    assert survey.channel.value == "phone"
    assert survey.overall is Satisfaction.FAIRLY_SATISFIED
    assert demo_hub.test_client().get(path, follow_redirects=True).status_code == 404
    again = _post(officer, case, channel="link")
    assert again.status_code == 400
    assert "already recorded" in again.get_data(as_text=True)


def test_a_new_link_replaces_one_not_answered(demo_hub, demo_session) -> None:
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    first = _link(officer, case)
    second = _link(officer, case)
    public = demo_hub.test_client()
    assert public.get(first, follow_redirects=True).status_code == 404
    assert public.get(second, follow_redirects=True).status_code == 200


def test_a_complainant_who_leaves_questions_unanswered_is_told_of_every_one_at_once(
    demo_hub, demo_session
) -> None:
    """Answering the first question only, the complainant is shown each question still to
    answer in the one error summary, each linked to its question, with their answer and
    their words kept: not one question a send."""
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    public = _opened(demo_hub, _link(officer, case))
    path = ANSWER
    first, *rest = SURVEY.questions
    refused = public.post(
        path,
        data={
            "csrf_token": csrf_token(public, path),
            f"answer_{first.id}": "very_dissatisfied",
            "comment": COMMENT,
        },
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    summary = page[page.index("govuk-error-summary") : page.index("</ul>")]
    for question in rest:
        assert f'href="#answer_{question.id}"' in summary
        assert f"Select an answer: {question.text}" in summary
    assert f'href="#answer_{first.id}"' not in summary
    assert re.search(
        r'value="very_dissatisfied"\s+checked|checked[^>]*value="very_dissatisfied"', page
    )
    assert COMMENT in page
    demo_session.expire_all()
    link = demo_session.scalar(select(ClosureSurvey).where(ClosureSurvey.case_id == case.id))
    assert link.answered_at is None  # nothing saved


def test_the_thank_you_page_promises_a_managers_call_only_for_the_answer_that_brings_one(
    demo_hub, demo_session
) -> None:
    """Only the overall question, dissatisfied, opens the follow-up: the thank-you page
    says so, and does not promise a call to someone dissatisfied only with, say, how they
    were kept informed."""
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    public = _opened(demo_hub, _link(officer, case))
    path = ANSWER
    answers = {**_answers("very_satisfied"), "answer_kept_informed": "very_dissatisfied"}
    sent = public.post(path, data={"csrf_token": csrf_token(public, path), **answers})
    assert sent.status_code == 302
    thanked = public.get(sent.location).get_data(as_text=True)
    overall = next(q for q in SURVEY.questions if q.id == SURVEY.overall)
    assert "the way your report of anti-social behaviour was dealt with" in overall.text
    assert (
        "If you told us you were dissatisfied with the way your report was dealt with, "
        "a manager will contact you about it." in thanked
    )
    demo_session.expire_all()
    link = demo_session.scalar(select(ClosureSurvey).where(ClosureSurvey.case_id == case.id))
    assert link.follow_up is None


def test_the_links_secret_leaves_the_address_bar_at_once(demo_hub, demo_session) -> None:
    """On a shared computer, the browser's history must not hold a link that answers the
    survey in the complainant's place: opening the link keeps its secret in the browser's
    session and leads to the survey's own address, without it."""
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = _link(officer, case)
    secret = path.rsplit("/", 1)[1]
    public = demo_hub.test_client()
    opened = public.get(path)
    assert opened.status_code == 302
    assert opened.location == ANSWER
    form = public.get(opened.location)
    assert form.status_code == 200
    assert SURVEY.questions[0].text in form.get_data(as_text=True)
    assert secret not in form.get_data(as_text=True)
    # Another browser (someone else at the same computer later, with the history only)
    # opening the address in the history finds no survey there.
    later = demo_hub.test_client().get(ANSWER)
    assert later.status_code == 404
    assert "This survey link does not work" in later.get_data(as_text=True)


def test_an_officer_who_leaves_questions_unanswered_is_told_of_every_one_at_once(
    demo_hub, demo_session
) -> None:
    """Recording answers taken by phone with only the first question answered, the officer
    is shown each question still to answer in the one error summary, each linked to its
    question, with the answer given and the comment kept: not one question a send."""
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    first, *rest = SURVEY.questions
    refused = _post(
        officer,
        case,
        channel="phone",
        **{f"answer_{first.id}": "very_dissatisfied"},
        comment=COMMENT,
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    start = page.index("govuk-error-summary")
    summary = page[start : page.index("</ul>", start)]
    assert rest
    for question in rest:
        assert f'href="#answer_{question.id}"' in summary
        assert f"Select an answer: {question.text}" in summary
    assert f'href="#answer_{first.id}"' not in summary
    assert re.search(
        r'value="very_dissatisfied"\s+checked|checked[^>]*value="very_dissatisfied"', page
    )
    assert COMMENT in page
    demo_session.expire_all()
    assert not demo_session.scalar(
        select(func.count()).select_from(ClosureSurvey).where(ClosureSurvey.case_id == case.id)
    )


def test_the_survey_by_link_links_to_the_privacy_notice_where_it_asks_for_answers(
    demo_hub, demo_session
) -> None:
    case = _closed_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    page = (
        demo_hub.test_client()
        .get(_link(officer, case), follow_redirects=True)
        .get_data(as_text=True)
    )
    form = page[page.index('id="main-content"') : page.index("</form>")]
    assert 'href="/privacy">privacy notice</a> says how we use your answers' in form
