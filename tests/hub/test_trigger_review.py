"""The ASB Case Review after the threshold is met, as the lead and the relevant bodies
meet it (demo partnership): the lead puts the application before a sitting of the area's
review panel and the agencies holding the counted complaints are asked to bring their
cases; a holder brings one, and the panel's agencies are invited under the Community
Trigger protocol; the panel's recommendations go to the bodies that will carry them out,
who mark them done; the outcome letter (page, PDF) says what happens next and how to
appeal; the appeal is taken within its time limit. Bad input is refused at its field with
nothing written and the refusal audited.

Each test has its own copy of the demo, as each goes through the review from its start."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.meetings import series
from sharing.models import (
    AuditEntry,
    Conference,
    MeetingSeries,
    MeetingSitting,
    Notice,
    ProtocolRecord,
    SeriesMember,
    TriggerApplication,
    TriggerCaseRequest,
    User,
)
from sharing.trigger import (
    applications,
    deadlines,
    input_checks,
    letter_days,
    letters,
    review,
    review_outcome,
    review_recommendations,
)
from sharing.trigger.workdays import england_and_wales, working_day_from
from sharing.vocabulary import LetterKind, NoticeKind, Role, ThresholdDecision
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_copy, demo_user, free_for_chair
from tests.sharing.trigger.test_complaints import (
    PROCEDURE,
    _phoned_by_a_repeat_victim,
)

PANEL = "Northshire ASB Case Review panel"
FINDINGS = "The landlord and the police each acted on their own reports and never met."
NEXT = "The agencies will meet monthly on the case until the behaviour stops."


@pytest.fixture
def hub(demo_files: Path, tmp_path: Path) -> Iterator[Flask]:
    app = demo_copy(demo_files, tmp_path)
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(hub: Flask) -> Iterator[Session]:
    with hub.extensions["hub.sessions"]() as found:
        yield found


def _met(session: Session, *, unasked: bool = False) -> TriggerApplication:
    """A new application by a victim the demo holds at two relevant bodies (``unasked``:
    one with a case no other review asked about), recorded and decided (by discretion,
    whatever the count) by the lead today."""
    lead = Actor.of(demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    application = _phoned_by_a_repeat_victim(session, lead, unasked=unasked)
    applications.decide(
        session, lead, PROCEDURE, application.id, "discretion", "A frightened victim"
    )
    session.commit()
    assert application.decision is ThresholdDecision.DISCRETION
    return application


def _panel(session: Session, days: int = 5) -> MeetingSitting:
    """The area's review panel, set up and chaired by the community safety manager, first
    sitting ``days`` from now (or the first day after when they chair nothing else)."""
    chair = demo_user(session, "northshire-csp", Role.MANAGER)
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-community-trigger", ProtocolRecord.status == "active"
        )
    )
    members = [
        demo_user(session, "northshire-police", Role.MANAGER),
        demo_user(session, "northshire-homes", Role.MANAGER),
    ]
    group = series.set_up(
        session,
        Actor.of(chair),
        series.SeriesInput(
            name=PANEL,
            cadence="monthly",
            protocol_id=protocol.id,
            purpose="community_trigger",
            chair_id=chair.id,
            member_ids=[m.id for m in members],
            first_at=free_for_chair(session, chair.id, days),
            place="Northshire Civic Centre, room 2",
        ),
    )
    session.commit()
    return group.sittings[0]


def _lead(app: Flask, session: Session) -> FlaskClient:
    return demo_client(app, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))


def _post(client: FlaskClient, path: str, page: str, **data: object):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _day(prefix: str, day: date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def _convene(client: FlaskClient, application: TriggerApplication, sitting: MeetingSitting):
    page = f"/trigger/{application.id}"
    return _post(client, f"{page}/panel", page, sitting_id=str(sitting.id))


def test_the_panel_is_convened_and_the_holders_bring_their_cases(hub, session) -> None:
    application = _met(session)
    sitting = _panel(session)
    lead = _lead(hub, session)
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Put it before the panel" in page
    assert PANEL in page

    response = _convene(lead, application, sitting)
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    assert application.review_sitting_id == sitting.id
    asked = list(
        session.scalars(
            select(TriggerCaseRequest).where(TriggerCaseRequest.application_id == application.id)
        )
    )
    assert asked, "the agencies holding the counted complaints"
    for request in asked:
        told = {
            n.user_id
            for n in session.scalars(
                select(Notice).where(
                    Notice.kind == NoticeKind.TRIGGER_REVIEW,
                    Notice.path
                    == f"/cases/{request.case_id}/meetings/bring#trigger-{application.id}",
                    Notice.about == sitting.starts_at,
                )
            )
        }
        assert request.case.officer_id in told or request.case.locked
    assert _entries(session, "trigger.review")[-1].outcome == "allowed"
    # The sitting is a link, for the community safety manager and for the lead, who runs
    # the review and follows its panel's sittings.
    sitting_path = f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
    for reader in (demo_client(hub, demo_user(session, "northshire-csp", Role.MANAGER)), lead):
        page = reader.get(f"/trigger/{application.id}").get_data(as_text=True)
        assert f'<a class="govuk-link" href="{sitting_path}">{PANEL}</a>' in page
    assert lead.get(sitting_path).status_code == 200

    # A holder brings its case to the panel: the panel's agencies are invited under the
    # Community Trigger protocol, and the lead sees it brought.
    request = next(r for r in asked if not r.locked)
    officer = demo_client(hub, request.case.officer)
    path = f"/cases/{request.case_id}/meetings/bring"
    response = _post(
        officer, path, path, sitting=str(sitting.id), question="ASB Case Review", agenda=""
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    conference = session.scalar(
        select(Conference).where(
            Conference.case_id == request.case_id, Conference.sitting_id == sitting.id
        )
    )
    assert conference.purpose == "community_trigger"
    assert conference.protocol.key == "northshire-community-trigger"
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Brought" in page
    # The lead reads the case at the panel, its conference page and pack, under the
    # protocol's clause for those who run the review.
    sitting_page = lead.get(sitting_path).get_data(as_text=True)
    assert f"/conferences/{conference.id}" in sitting_page
    for path in (f"/conferences/{conference.id}", f"/conferences/{conference.id}/pack"):
        response = lead.get(path)
        assert response.status_code == 200, path
        assert "6.1" in response.get_data(as_text=True)


def test_the_next_deadline_is_the_panels_until_its_sitting_then_the_outcome_letters(
    hub, session
) -> None:
    """A sitting chosen but still to come: the deadline the lead has next is still the
    panel's "meet by" (the sitting may move); from the sitting's day, the outcome letter,
    counted from it."""
    application = _met(session)
    sitting = _panel(session, days=3)
    assert _convene(_lead(hub, session), application, sitting).status_code == 302
    session.expire_all()
    calendar = england_and_wales()
    before = deadlines.next_clock(application, PROCEDURE, clock.today())
    assert before is not None
    assert (before.stage, before.due_on) == (
        "Review panel meeting",
        deadlines.review_due(application, PROCEDURE),
    )
    lead = _lead(hub, session)
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Review panel meeting due by" in page  # not "Review panel meets due by"
    assert "Review panel meeting by" in lead.get("/trigger").get_data(as_text=True)
    sat_on = clock.day_of(sitting.starts_at)
    on_the_day = deadlines.next_clock(application, PROCEDURE, sat_on)
    assert on_the_day is not None
    assert (on_the_day.stage, on_the_day.due_on) == (
        "Outcome letter",
        calendar.add(sat_on, PROCEDURE.timescales.outcome),
    )


def test_a_panel_that_is_not_one_or_has_a_member_of_another_body_is_refused(hub, session) -> None:
    application = _met(session)
    lead = _lead(hub, session)
    # A sitting of a meeting that is not a review panel (the problem-solving group).
    other = session.scalar(
        select(MeetingSitting)
        .join(MeetingSeries)
        .where(MeetingSeries.purpose != "community_trigger", MeetingSitting.starts_at > clock.now())
    )
    response = _convene(lead, application, other)
    assert response.status_code == 400
    assert "Select which sitting of the review panel" in response.get_data(as_text=True)
    # None chosen, or not a sitting's id at all: a superscript (which str.isdigit takes), a
    # huge number. Each is told as the form tells a choice not made.
    for odd in ("", "²", "9" * 20):
        page = f"/trigger/{application.id}"
        response = _post(lead, f"{page}/panel", page, sitting_id=odd)
        assert response.status_code == 400
        assert "Select which sitting of the review panel" in response.get_data(as_text=True)
    # A panel with a member of a body that is not a relevant body of the procedure (put
    # there before the procedure changed, say).
    sitting = _panel(session)
    noise = demo_user(session, "northshire-eh", Role.CASE_OFFICER)
    session.add(SeriesMember(series_id=sitting.series_id, user_id=noise.id))
    session.commit()
    response = _convene(lead, application, sitting)
    assert response.status_code == 400
    assert "is not a relevant body of the procedure" in response.get_data(as_text=True)
    session.expire_all()
    assert application.review_sitting_id is None
    assert not application.requests
    assert _entries(session, "trigger.review")[-1].outcome == "refused"


def test_recommendations_outcome_letter_and_appeal(hub, session) -> None:
    application = _met(session)
    sitting = _panel(session, days=2)
    lead = _lead(hub, session)
    assert _convene(lead, application, sitting).status_code == 302
    page = f"/trigger/{application.id}"
    police = session.scalar(
        select(User).where(User.id == demo_user(session, "northshire-police", Role.MANAGER).id)
    ).agency
    noise = demo_user(session, "northshire-eh", Role.CASE_OFFICER).agency
    due = working_day_from(clock.today() + timedelta(days=30))

    # Refused: a body that is not relevant (or no body's id at all), a past date, no text.
    for data, message in (
        ({"owner_agency_id": str(noise.id), "text": "Visit"}, "Select which relevant body"),
        ({"owner_agency_id": "²", "text": "Visit"}, "Select which relevant body"),
        ({"owner_agency_id": "9" * 20, "text": "Visit"}, "Select which relevant body"),
        (
            {
                "owner_agency_id": str(police.id),
                "text": "Visit",
                **_day("due_on", clock.today() - timedelta(days=1)),
            },
            "The due date cannot be in the past",
        ),
        (
            {"owner_agency_id": str(police.id), "text": "", **_day("due_on", due)},
            "Enter the recommendation",
        ),
    ):
        response = _post(lead, f"{page}/recommendations", page, **{**_day("due_on", due), **data})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    session.expire_all()
    assert not application.recommendations
    assert _entries(session, "trigger.recommend")[-1].outcome == "refused"

    text = "Police to patrol the block on Friday and Saturday evenings for two months"
    response = _post(
        lead,
        f"{page}/recommendations",
        page,
        owner_agency_id=str(police.id),
        text=text,
        **_day("due_on", due),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    (recommendation,) = application.recommendations
    managers = {
        u.id
        for u in session.scalars(select(User).where(User.agency_id == police.id))
        if Role.MANAGER in u.roles
    }
    told = {
        n.user_id
        for n in session.scalars(
            select(Notice).where(
                Notice.kind == NoticeKind.RECOMMENDATION,
                Notice.path == f"/trigger/recommendations#recommendation-{recommendation.id}",
            )
        )
    }
    assert managers
    assert told == managers

    # The outcome waits for the panel to meet.
    response = _post(lead, f"{page}/outcome", page, findings=FINDINGS, next_steps=NEXT)
    assert response.status_code == 400
    assert "after the panel has met" in response.get_data(as_text=True)

    with clock.pinned(sitting.starts_at + timedelta(days=1)):
        lead = _lead(hub, session)  # signed in again, days later
        response = _post(lead, f"{page}/outcome", page, findings=FINDINGS, next_steps=NEXT)
        assert response.status_code == 302, response.get_data(as_text=True)
        letter = lead.get(f"{page}/letters/outcome").get_data(as_text=True)
        assert FINDINGS in letter
        assert NEXT in letter
        assert text in letter
        assert "Office of the Northshire Police and Crime Commissioner" in letter
        assert "each organisation named will carry out its recommendation" in letter
        last = england_and_wales().add(clock.today(), 20)
        assert f"by {last.day} {last:%B %Y}" in letter
        pdf = lead.get(f"{page}/letters/outcome.pdf")
        assert pdf.status_code == 200
        assert pdf.data.startswith(b"%PDF")
        assert _entries(session, "trigger.letter")[-1].object_id == str(application.id)

        # A recommendation sent from a page opened before the outcome (another tab, or
        # another lead) is refused on the page, saying so: the letter went without it.
        stale = _post(
            lead,
            f"{page}/recommendations",
            page,
            owner_agency_id=str(police.id),
            text="Too late for the letter",
            **_day("due_on", working_day_from(clock.today() + timedelta(days=30))),
        )
        assert stale.status_code == 400
        said = stale.get_data(as_text=True)
        assert f"The outcome was recorded on {clock.day_text(clock.today())}" in said
        assert "govuk-notification-banner" in said
        assert "govuk-error-summary" not in said  # no error that links to a form not shown
        session.expire_all()
        assert len(application.recommendations) == 1

        # The body marks its recommendation done; another body does not see it.
        sergeant = demo_client(hub, demo_user(session, "northshire-police", Role.MANAGER))
        listed = sergeant.get("/trigger/recommendations").get_data(as_text=True)
        assert text in listed
        assert application.reference in listed
        homes = demo_client(hub, demo_user(session, "northshire-homes", Role.MANAGER))
        assert text not in homes.get("/trigger/recommendations").get_data(as_text=True)
        officer = demo_client(hub, demo_user(session, "northshire-police", Role.CASE_OFFICER))
        assert officer.get("/trigger/recommendations").status_code == 403
        response = _post(
            sergeant,
            "/trigger/recommendations",
            "/trigger/recommendations",
            recommendation_id=str(recommendation.id),
            note="",
        )
        assert response.status_code == 400
        assert "Say what was done" in response.get_data(as_text=True)
        for odd in ("²", "9" * 20):  # no recommendation's id
            response = _post(
                sergeant,
                "/trigger/recommendations",
                "/trigger/recommendations",
                recommendation_id=odd,
                note="Patrols done.",
            )
            assert response.status_code == 404
        response = _post(
            sergeant,
            "/trigger/recommendations",
            "/trigger/recommendations",
            recommendation_id=str(recommendation.id),
            note="Patrols done on 16 evenings.",
        )
        assert response.status_code == 302
        assert "Patrols done on 16 evenings." in lead.get(page).get_data(as_text=True)
        stale = _post(  # the form sent again, from Back or another tab
            sergeant,
            "/trigger/recommendations",
            "/trigger/recommendations",
            recommendation_id=str(recommendation.id),
            note="Something else.",
        )
        assert stale.status_code == 400
        said = stale.get_data(as_text=True)
        assert "This recommendation is already marked done. Nothing was changed." in said
        assert "govuk-notification-banner" in said
        assert "govuk-error-summary" not in said  # no error that links to a form not shown
        assert "Something else." not in lead.get(page).get_data(as_text=True)

    # The appeal: too late is refused with the last day; in time it is recorded, then
    # decided.
    outcome_on = clock.day_of(sitting.starts_at + timedelta(days=1))
    last = england_and_wales().add(outcome_on, 20)
    with clock.pinned(clock.now() + timedelta(days=60)):
        lead = _lead(hub, session)
        late = last + timedelta(days=1)
        response = _post(
            lead, f"{page}/appeal", page, reasons="Nothing changed", **_day("received_on", late)
        )
        assert response.status_code == 400
        assert f"the last day to appeal was {last.day} {last:%B %Y}" in response.get_data(
            as_text=True
        )
        response = _post(
            lead, f"{page}/appeal", page, reasons="Nothing changed", **_day("received_on", last)
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        response = _post(
            lead,
            f"{page}/appeal-decision",
            page,
            appeal_decision="not_upheld",
            findings="The review was carried out properly.",
            **_day("decided_on", last + timedelta(days=7)),
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        letter = lead.get(f"{page}/letters/appeal_decision").get_data(as_text=True)
        assert "The review was carried out properly." in letter
        assert "The Office of the Northshire Police and Crime Commissioner has considered" in letter
    session.expire_all()
    assert application.appeal_decision is not None


def test_a_not_met_decision_just_after_midnight_in_summer_gives_20_working_days_to_appeal(
    hub, session
) -> None:
    lead_actor = Actor.of(demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    application = applications.record_application(
        session,
        lead_actor,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=date(2026, 6, 29),
            channel="phone",
            victim_kind="person",
            victim_family_name="Nobody-Known",
            victim_address="Flat 2, 7 Test Row",
            problem="Music every night until three",
        ),
        now=clock.uk_moment(date(2026, 6, 29), 10, 0),
    )
    # Friday 10 July 2026 at 00:30 (British Summer Time): still 9 July in UTC.
    applications.decide(
        session,
        lead_actor,
        PROCEDURE,
        application.id,
        "not_met",
        "One complaint only",
        now=clock.uk_moment(date(2026, 7, 10), 0, 30),
    )
    session.commit()
    page = f"/trigger/{application.id}"
    with clock.pinned(clock.uk_moment(date(2026, 8, 7), 12, 0)):
        lead = _lead(hub, session)
        letter = lead.get(f"{page}/letters/threshold").get_data(as_text=True)
        assert "10 July 2026" in letter
        assert "by 7 August 2026" in letter  # 20 working days after Friday 10 July
        assert "you can ask the Office of the Northshire Police and Crime Commissioner" in letter
        response = _post(
            lead,
            f"{page}/appeal",
            page,
            reasons="Nobody listened",
            **_day("received_on", date(2026, 8, 7)),
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    assert application.appeal_received_on == date(2026, 8, 7)


ASK = "Ask the agencies to confirm their complaints"


def test_a_not_met_application_asks_no_agency_to_bring_its_case(hub, session) -> None:
    lead_actor = Actor.of(demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    application = _phoned_by_a_repeat_victim(session, lead_actor)
    session.commit()
    page = f"/trigger/{application.id}"
    lead = _lead(hub, session)
    assert ASK in lead.get(page).get_data(as_text=True), "asked before the decision"
    applications.decide(
        session, lead_actor, PROCEDURE, application.id, "not_met", "Not the same problem"
    )
    session.commit()
    notices_before = len(session.scalars(select(Notice)).all())
    assert ASK not in lead.get(page).get_data(as_text=True)
    response = _post(lead, f"{page}/ask", page)
    assert response.status_code == 400
    assert "The threshold is not met, so no agency is asked" in response.get_data(as_text=True)
    session.expire_all()
    assert not application.requests
    assert len(session.scalars(select(Notice)).all()) == notices_before
    refused = _entries(session, "trigger.ask")[-1]
    assert (refused.outcome, refused.basis) == ("refused", "refused input: decision")


def test_the_pages_of_the_review_are_the_lead_agencys(hub, session) -> None:
    application = _met(session)
    page = f"/trigger/{application.id}"
    sergeant = demo_client(hub, demo_user(session, "northshire-police", Role.MANAGER))
    assert sergeant.get(f"{page}/letters/threshold").status_code == 403
    lead = _lead(hub, session)
    assert lead.get(f"{page}/letters/outcome").status_code == 404, "no outcome yet"
    assert lead.get(f"{page}/letters/nonsense").status_code == 404
    threshold = lead.get(f"{page}/letters/threshold").get_data(as_text=True)
    assert "It meets the rules for a review (the threshold), so your case will be reviewed" in (
        threshold
    )


def test_a_threshold_met_letter_printed_after_the_outcome_says_what_it_said_when_sent(
    hub, session
) -> None:
    """A "threshold met" letter offered no appeal on its day (only a "not met" decision
    does); reprinted, downloaded or e-mailed once the outcome letter exists, it still
    offers none, while the outcome letter offers it, the body named mid-sentence."""
    met = session.scalars(
        select(TriggerApplication).where(
            TriggerApplication.decision == ThresholdDecision.MET,
            TriggerApplication.outcome_on.is_not(None),
        )
    ).first()
    assert met is not None
    lead = _lead(hub, session)
    page = f"/trigger/{met.id}"
    letter = lead.get(f"{page}/letters/threshold").get_data(as_text=True)
    assert "so your case will be reviewed" in letter
    assert "look at it again" not in letter
    pdf = lead.get(f"{page}/letters/threshold.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    assert "so your case will be reviewed" in text
    assert "look at it again" not in text
    outcome = lead.get(f"{page}/letters/outcome").get_data(as_text=True)
    assert "you can ask the Office of the Northshire Police and Crime Commissioner" in outcome
    wording = hub.extensions["hub.letters"].trigger
    mailed = letters.compose(
        session, met, LetterKind.THRESHOLD, PROCEDURE, wording, actor=None
    ).as_text()
    assert "so your case will be reviewed" in mailed
    assert "look at it again" not in mailed


def _told(session: Session, request: TriggerCaseRequest, since: int) -> list[Notice]:
    """The Community Trigger notices about ``request``'s case queued for its officer
    after the notice ``since`` (an id)."""
    session.expire_all()
    return list(
        session.scalars(
            select(Notice).where(
                Notice.kind == NoticeKind.TRIGGER_REVIEW,
                Notice.user_id == request.case.officer_id,
                Notice.reference == request.case.reference,
                Notice.id > since,
            )
        )
    )


def _last_notice(session: Session) -> int:
    return session.scalar(select(Notice.id).order_by(Notice.id.desc()).limit(1)) or 0


def test_agencies_asked_before_the_panel_is_chosen_are_told_its_sitting(hub, session) -> None:
    """The lead asks the holders to confirm their complaints before the panel is chosen
    (the button is there from the start); once it is put before a sitting, each holder is
    told that sitting, to bring its case to it."""
    application = _met(session)
    sitting = _panel(session)
    lead = _lead(hub, session)
    page = f"/trigger/{application.id}"
    before = _last_notice(session)
    assert _post(lead, f"{page}/ask", page).status_code == 302
    session.expire_all()
    asked = [r for r in application.requests if not r.locked]
    assert asked
    for request in asked:
        [notice] = _told(session, request, before)
        assert notice.about is None, "no sitting chosen yet"
    after_asking = _last_notice(session)
    assert _convene(lead, application, sitting).status_code == 302
    for request in asked:
        told = _told(session, request, after_asking)
        assert [n.about for n in told] == [sitting.starts_at], "told the sitting"


def test_a_second_application_counting_the_same_cases_asks_their_holders_again(
    hub, session
) -> None:
    """Two applications (the victim again next year, or a neighbour) may count complaints
    on the same case: each asks its holders, who are told each time."""
    first = _met(session)
    lead = _lead(hub, session)
    page = f"/trigger/{first.id}"
    assert _post(lead, f"{page}/ask", page).status_code == 302
    second = _met(session)
    before = _last_notice(session)
    page = f"/trigger/{second.id}"
    assert _post(lead, f"{page}/ask", page).status_code == 302
    session.expire_all()
    asked = [r for r in second.requests if not r.locked]
    assert asked
    for request in asked:
        assert _told(session, request, before), "the officer is told of the second application"


def test_an_appeal_not_upheld_with_further_recommendations_says_so_in_its_letter(
    hub, session
) -> None:
    """The appeal body may find the review was carried out properly and still recommend
    more: the letter lists those recommendations under "Further recommendations are
    below", never under "They made no further recommendations"."""
    application = _met(session)
    sitting = _panel(session, days=2)
    lead = Actor.of(demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    review.convene(session, lead, PROCEDURE, application.id, sitting.id)
    session.commit()
    police = demo_user(session, "northshire-police", Role.MANAGER).agency
    with clock.pinned(sitting.starts_at + timedelta(hours=2)):
        today = clock.today()
        review_outcome.record_outcome(session, lead, PROCEDURE, application.id, FINDINGS, NEXT)
        review_outcome.record_appeal(
            session, lead, PROCEDURE, application.id, today, "Nothing changed"
        )
        review_recommendations.recommend(
            session,
            lead,
            PROCEDURE,
            application.id,
            review_recommendations.RecommendationInput(
                police.id,
                working_day_from(today + timedelta(days=30)),
                "Share the patrol logs every month",
            ),
            on_appeal=True,
        )
        review_outcome.decide_appeal(
            session, lead, PROCEDURE, application.id, "not_upheld", "Carried out properly.", today
        )
        session.commit()
        page = f"/trigger/{application.id}/letters/appeal_decision"
        letter = _lead(hub, session).get(page).get_data(as_text=True)
    assert "Share the patrol logs every month" in letter
    assert "Further recommendations are below." in letter
    assert "They made no further recommendations." not in letter


def test_an_outcome_past_its_time_to_appeal_reads_as_such(demo_hub, demo_session) -> None:
    """An application whose outcome letter's time to appeal has passed, with no appeal
    recorded, is concluded: its page says the time passed (it said "no appeal can follow"
    above a form still saying the applicant "may ask ... by" that day), and offers to
    record only an appeal received by then."""
    lead = _lead(demo_hub, demo_session)
    concluded = [
        a
        for a in demo_session.scalars(
            select(TriggerApplication).where(
                TriggerApplication.outcome_on.is_not(None),
                TriggerApplication.appeal_received_on.is_(None),
                TriggerApplication.erased_at.is_(None),
            )
        )
        if (last := letter_days.appeal_by(a, demo_hub.extensions["hub.trigger_procedure"]))
        and last < clock.today()
    ]
    assert concluded, "the demo has an outcome whose time to appeal has passed"
    page = lead.get(f"/trigger/{concluded[0].id}").get_data(as_text=True)
    assert "the applicant has been told the outcome and the time to appeal has passed" in page
    assert "could ask" in page
    assert "Record one only if it was received by then." in page
    assert "may ask" not in page
