"""The threshold decided again after an appeal (demo partnership). When the appeal body
upholds, or partly upholds, an appeal against a "not met" decision, the application's page
asks the lead to decide again, with the deadline for it; the lead's new decision is
recorded beside the first (kept with its reasons), one audit entry says it was made again,
and the applicant gets a letter of its own. A "met" decision made again goes to a review;
a "not met" one concludes the application. The procedure gives one appeal: neither the new
decision's letter nor the outcome of the review that follows offers another, while the
first "not met" letter still reads as it did. Deciding again where no appeal sent the
decision back, twice, or with a field missing is refused with its reason; anyone but the
lead is refused."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit.log import integrate
from sharing.models import AuditEntry, TriggerApplication, TriggerLetter
from sharing.trigger import closing, deadlines, retention, review, review_outcome
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import LetterKind, Role, ThresholdDecision
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_trigger_appeal_body_in_sentence import not_met
from tests.hub.test_trigger_letters_posted import _lead
from tests.hub.test_trigger_review import _panel
from tests.sharing.trigger.test_complaints import PROCEDURE

OMBUDSMAN = "Local Government and Social Care Ombudsman"
APPEAL_OFFER = "If you are not satisfied with the way your application was dealt with"


def _sent_back(session: Session, decision: str = "upheld") -> tuple[Actor, TriggerApplication]:
    """An application decided "not met" today, appealed, and the appeal body's
    ``decision`` recorded today; the lead."""
    lead, application = not_met(session)
    review_outcome.record_appeal(session, lead, PROCEDURE, application.id, clock.today(), "Unfair")
    review_outcome.decide_appeal(
        session, lead, PROCEDURE, application.id, decision, "Look again.", clock.today()
    )
    session.commit()
    return lead, application


def _page(client: FlaskClient, application: TriggerApplication) -> str:
    return html.unescape(client.get(f"/trigger/{application.id}").get_data(as_text=True))


def _decide_again(client: FlaskClient, application: TriggerApplication, **given: str):
    form = {"decision": "met", "reasons": "Three complaints found on looking again", **given}
    return client.post(
        f"/trigger/{application.id}/decide-again",
        data={"csrf_token": csrf_token(client, f"/trigger/{application.id}"), **form},
    )


def _letter(client: FlaskClient, application: TriggerApplication, kind: LetterKind) -> str:
    response = client.get(f"/trigger/{application.id}/letters/{kind.value}")
    assert response.status_code == 200, kind
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("appeal_decision", ["upheld", "partly_upheld"])
def test_an_appeal_that_sends_not_met_back_asks_the_lead_to_decide_again_by_a_day(
    demo_hub: Flask, demo_session: Session, appeal_decision: str
) -> None:
    _, application = _sent_back(demo_session, appeal_decision)
    client = _lead(demo_hub, demo_session)

    page = _page(client, application)

    assert "Decide again" in page
    assert "Record the decision made again" in page
    due = england_and_wales().add(clock.today(), PROCEDURE.timescales.threshold_decision)
    assert f"Threshold decision made again due by {due.day} {due:%B %Y}" in page
    clock_now = deadlines.next_clock(application, PROCEDURE, clock.today())
    assert clock_now is not None
    assert clock_now.stage == "Threshold decision made again"
    listed = html.unescape(
        client.get("/trigger", query_string={"state": "handling"}).get_data(as_text=True)
    )
    assert application.reference in listed  # on the lead's list of work, with its deadline
    assert retention.told_on(application, PROCEDURE, clock.today()) is None


def test_a_not_met_appeal_not_upheld_is_not_decided_again(
    demo_hub: Flask, demo_session: Session
) -> None:
    _, application = _sent_back(demo_session, "not_upheld")
    client = _lead(demo_hub, demo_session)

    assert "Decide again" not in _page(client, application)
    refused = _decide_again(client, application)

    assert refused.status_code == 400
    assert "decided again only once the appeal body has upheld an appeal" in html.unescape(
        refused.get_data(as_text=True)
    )
    demo_session.expire_all()
    assert demo_session.get_one(TriggerApplication, application.id).first_decided_at is None


def test_decided_again_as_met_keeps_the_first_decision_and_goes_to_a_review(
    demo_hub: Flask, demo_session: Session
) -> None:
    _, application = _sent_back(demo_session)
    client = _lead(demo_hub, demo_session)

    done = _decide_again(client, application)

    assert done.status_code == 302, done.get_data(as_text=True)
    demo_session.expire_all()
    application = demo_session.get_one(TriggerApplication, application.id)
    assert application.decision is ThresholdDecision.MET
    assert application.first_decided_at is not None
    page = _page(client, application)
    assert "Threshold decided again." in page
    assert "First decision" in page
    assert "One only" in page  # the first reasons, kept
    assert "Decided again after the appeal" in page
    assert "Three complaints found on looking again" in page
    assert "Record the decision made again" not in page
    assert "neither the letter of this decision nor the outcome of the review offers another" in (
        page
    )
    assert "Appeal against the first decision" in page
    assert "Upheld: the decision is to be looked at again" in page  # of the first decision
    assert "the review is to be looked at again" not in page
    assert "Review panel meeting due by" in page  # counted from the decision made again
    assert "Put it before the panel" in page
    integrate(demo_session)
    demo_session.commit()
    entry = demo_session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == "trigger.decide",
            AuditEntry.object_type == "trigger_application",
            AuditEntry.object_id == str(application.id),
            AuditEntry.outcome == "allowed",
        )
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    assert entry.basis.startswith("decided again after its appeal; met;")
    assert "Three complaints" not in entry.basis  # the reasons never reach the log
    kinds = set(
        demo_session.scalars(
            select(TriggerLetter.kind).where(TriggerLetter.application_id == application.id)
        )
    )
    assert LetterKind.DECIDED_AGAIN in kinds

    again = _letter(client, application, LetterKind.DECIDED_AGAIN)
    assert "decided on your appeal that our decision not to review your application should" in (
        again
    )
    assert "It meets the rules for a review" in again
    assert "Our reasons: Three complaints found on looking again" in again
    assert APPEAL_OFFER not in again
    first = _letter(client, application, LetterKind.THRESHOLD)
    assert "Your case will not be reviewed" in first
    assert "Our reasons: One only" in first
    assert APPEAL_OFFER in first  # as it said on its day
    appeal = _letter(client, application, LetterKind.APPEAL_DECISION)
    assert "your appeal about the decision not to review your application" in appeal
    assert "Their decision: Upheld: the decision is to be looked at again." in appeal


def test_decided_again_as_not_met_concludes_it_and_names_the_ombudsman(
    demo_hub: Flask, demo_session: Session
) -> None:
    _, application = _sent_back(demo_session)
    client = _lead(demo_hub, demo_session)

    done = _decide_again(client, application, decision="not_met", reasons="Still one only")

    assert done.status_code == 302, done.get_data(as_text=True)
    demo_session.expire_all()
    application = demo_session.get_one(TriggerApplication, application.id)
    again = _letter(client, application, LetterKind.DECIDED_AGAIN)
    assert "it still does not meet the rules for a review" in again
    assert OMBUDSMAN in again
    assert APPEAL_OFFER not in again
    page = _page(client, application)
    assert "Record the appeal" not in page  # no second appeal
    assert "the letter of this decision offers no other" in page
    assert (
        "Concluded: the threshold was decided again after the appeal, and the procedure "
        "gives no further appeal"
    ) in page
    assert "the applicant has been told" not in page  # its letter may be still to post
    assert deadlines.next_clock(application, PROCEDURE, clock.today()) is None
    assert retention.told_on(application, PROCEDURE, clock.today()) == clock.today()


def test_the_review_after_a_decision_made_again_offers_no_further_appeal(
    demo_hub: Flask, demo_session: Session
) -> None:
    lead, application = _sent_back(demo_session)
    client = _lead(demo_hub, demo_session)
    assert _decide_again(client, application).status_code == 302
    sitting = _panel(demo_session, days=2)
    review.convene(demo_session, lead, PROCEDURE, application.id, sitting.id)
    demo_session.commit()

    with clock.pinned(sitting.starts_at + timedelta(hours=2)):
        review_outcome.record_outcome(
            demo_session, lead, PROCEDURE, application.id, "Found.", "Next."
        )
        demo_session.commit()
    outcome = _letter(client, application, LetterKind.OUTCOME)
    page = _page(client, application)
    told = retention.told_on(application, PROCEDURE, clock.today())

    assert "What the panel found: Found." in outcome
    assert APPEAL_OFFER not in outcome
    assert "Record the appeal" not in page
    assert "the review that followed the decision made again after the appeal has given its" in (
        page
    )
    assert told == application.outcome_on


def test_deciding_again_is_refused_twice_and_without_a_decision_or_reasons(
    demo_hub: Flask, demo_session: Session
) -> None:
    _, application = _sent_back(demo_session)
    client = _lead(demo_hub, demo_session)

    no_choice = _decide_again(client, application, decision="", reasons="Typed and kept")
    no_reasons = _decide_again(client, application, reasons="")

    assert no_choice.status_code == 400
    refused = html.unescape(no_choice.get_data(as_text=True))
    assert "Select whether the threshold is met" in refused
    assert "Typed and kept" in refused
    assert "Give the reasons for the decision" in html.unescape(no_reasons.get_data(as_text=True))
    demo_session.expire_all()
    assert demo_session.get_one(TriggerApplication, application.id).first_decided_at is None

    assert _decide_again(client, application).status_code == 302
    twice = _decide_again(client, application, decision="not_met")

    assert twice.status_code == 400
    assert "already decided again after the appeal" in html.unescape(twice.get_data(as_text=True))
    demo_session.expire_all()
    assert demo_session.get_one(TriggerApplication, application.id).decision is (
        ThresholdDecision.MET
    )


@pytest.mark.parametrize(
    ("agency", "role"),
    [("northshire-police", Role.MANAGER), ("northshire-csp", Role.CASE_OFFICER)],
)
def test_only_the_lead_may_decide_again(
    demo_hub: Flask, demo_session: Session, agency: str, role: Role
) -> None:
    _, application = _sent_back(demo_session)
    other = demo_client(demo_hub, demo_user(demo_session, agency, role))

    refused = other.post(
        f"/trigger/{application.id}/decide-again",
        data={"csrf_token": csrf_token(other, "/"), "decision": "met", "reasons": "Not mine"},
    )

    assert refused.status_code == 403
    demo_session.expire_all()
    assert demo_session.get_one(TriggerApplication, application.id).first_decided_at is None


def test_a_subject_access_report_shows_the_first_decision_beside_the_one_made_again(
    demo_hub: Flask, demo_session: Session
) -> None:
    _, application = _sent_back(demo_session)
    assert _decide_again(_lead(demo_hub, demo_session), application).status_code == 302
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))

    report = dpo.get(f"/audit/subject-access/application/{application.id}")

    assert report.status_code == 200
    text = html.unescape(report.get_data(as_text=True))
    assert "First decision" in text
    assert "One only" in text
    assert "Three complaints found on looking again" in text
    assert "the lead decided again" in text


def test_an_application_to_be_decided_again_may_be_withdrawn_by_the_applicant(
    demo_hub: Flask, demo_session: Session
) -> None:
    lead, application = _sent_back(demo_session)
    client = _lead(demo_hub, demo_session)
    page = _page(client, application)
    assert "record that it was withdrawn" in page

    form = html.unescape(client.get(f"/trigger/{application.id}/withdrawn").get_data(as_text=True))
    assert f"Application {application.reference} is to be decided again after its appeal" in form
    closing.record_withdrawal(
        demo_session, lead, PROCEDURE, application.id, clock.today(), "They phoned to withdraw"
    )
    demo_session.commit()

    page = _page(client, application)
    assert "Record the decision made again" not in page
    assert deadlines.next_clock(application, PROCEDURE, clock.today()) is None
    refused = _decide_again(client, application)
    assert refused.status_code == 400
    assert "withdrawn by the applicant" in html.unescape(refused.get_data(as_text=True))


def test_the_history_lists_each_step_with_who_took_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    lead, application = _sent_back(demo_session)
    client = _lead(demo_hub, demo_session)
    assert _decide_again(client, application).status_code == 302

    page = _page(client, application)

    history = page[page.index('id="history"') :]
    history = history[: history.index("</ul>")]
    steps = [
        "Recorded",
        "Decided the threshold: Threshold not met",
        "Recorded the applicant's appeal",
        "Recorded the appeal body's decision: Upheld: the decision is to be looked at again",
        "Decided the threshold again after the appeal: Threshold met: the case is reviewed "
        "by the partnership",
    ]
    found = [history.index(f"{lead_name(demo_session)}: {step}<") for step in steps]
    assert found == sorted(found)  # oldest first
    assert "One only" not in history  # what was written stays in its section


def lead_name(session: Session) -> str:
    return demo_user(session, "northshire-csp", Role.TRIGGER_LEAD).display_name
