"""Erasing a Community Trigger application (demo partnership, one copy for the module):
the lead agency's managers erase a concluded one from its page (an erasure request),
nobody else can, and one not concluded is refused saying why. Once erased, the page shows
what stays and the day, every act that would read or use the personal data is refused
with its message (never a 500), letters are gone, the DPO's search no longer finds it
but the log still shows it, and the published figures are exactly as they were."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit import acts, trail
from sharing.audit import subject_access_applications as sar
from sharing.cases.search import SearchQuery
from sharing.models import AuditEntry, TriggerApplication, TriggerLetter
from sharing.trigger import (
    applications,
    figure_period,
    input_checks,
    letter_days,
    retention,
    review_outcome,
)
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token, make_app
from tests.fixtures.cli import hub
from tests.fixtures.demo import demo_actor, demo_client, demo_user
from tests.sharing.trigger.test_complaints import PROCEDURE, _repeat_victim

LEAD = "northshire-csp"
PROBLEM = "Eggs and stones thrown at the windows most nights since the spring"
EMAIL = "victim.erasure@example.org"


def _not_met(session: Session, days_ago: int) -> TriggerApplication:
    """An application by a victim the demo holds at two relevant bodies (so the decision
    counts their complaints), decided not met ``days_ago``: the applicant may appeal
    within 20 working days of that."""
    victim, _ = _repeat_victim(session)
    lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
    then = clock.now() - timedelta(days=days_ago)
    application = applications.record_application(
        session,
        lead,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.day_of(then),
            channel="phone",
            victim_kind="person",
            victim_family_name=victim.family_name,
            victim_date_of_birth=victim.date_of_birth,
            victim_email=EMAIL,
            problem=PROBLEM,
        ),
        now=then,
    )
    applications.decide(
        session, lead, PROCEDURE, application.id, "not_met", "Not the same problem", now=then
    )
    session.commit()
    return application


def _post(client: FlaskClient, path: str, page: str, **data: object):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def _last(session: Session, action: str) -> AuditEntry:
    session.expire_all()
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    ).first()


def test_only_the_leads_managers_erase_an_application_once_it_is_concluded(
    demo_hub, demo_session
) -> None:
    concluded = _not_met(demo_session, days_ago=60)
    waiting = _not_met(demo_session, days_ago=0)  # the applicant may still appeal
    manager = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.MANAGER))

    # Not concluded: nothing offered, and erasing is refused saying why.
    page = manager.get(f"/trigger/{waiting.id}").get_data(as_text=True)
    assert "Erase this application" not in page
    form = manager.get(f"/trigger/{waiting.id}/erase").get_data(as_text=True)
    assert retention.NOT_CONCLUDED in form
    path = f"/trigger/{waiting.id}/erase"
    response = _post(manager, path, path, reference=waiting.reference)
    assert response.status_code == 400
    assert retention.NOT_CONCLUDED in response.get_data(as_text=True)
    demo_session.expire_all()
    assert waiting.erased_at is None
    refused = _last(demo_session, "trigger.erase")
    assert (refused.outcome, refused.basis) == ("refused", "refused input: reference")

    # Concluded: offered to the manager, with the day it would be erased anyway.
    page = manager.get(f"/trigger/{concluded.id}").get_data(as_text=True)
    assert "Erase this application" in page
    told = retention.told_on(concluded, PROCEDURE, clock.today())
    assert told is not None
    until = clock.full_years_after(told, 3)
    assert f"Kept until {until.day} {until:%B %Y}" in page

    path = f"/trigger/{concluded.id}/erase"
    # A case officer of the lead: the Community Trigger is not theirs (recorded).
    officer = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.CASE_OFFICER))
    assert officer.get(path).status_code == 403
    assert (
        _last(demo_session, "page.refused").actor_user_id
        == demo_user(demo_session, LEAD, Role.CASE_OFFICER).id
    )
    # A Community Trigger lead who is not a manager: refused, and recorded.
    trigger_lead = demo_user(demo_session, LEAD, Role.TRIGGER_LEAD)
    assert Role.MANAGER not in trigger_lead.roles
    lead_client = demo_client(demo_hub, trigger_lead)
    assert "Erase this application" not in lead_client.get(f"/trigger/{concluded.id}").get_data(
        as_text=True
    )
    assert lead_client.get(path).status_code == 403
    refused = _last(demo_session, "trigger.erase")
    assert (refused.outcome, refused.actor_user_id) == ("refused", trigger_lead.id)
    # Another agency's manager: refused as on every page of the lead's applications.
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert police.get(f"/trigger/{concluded.id}").status_code == 403
    assert police.get(path).status_code == 403
    assert _last(demo_session, "trigger.erase").outcome == "refused"
    # An application that does not exist.
    assert manager.get("/trigger/999999/erase").status_code == 404
    demo_session.expire_all()
    assert concluded.erased_at is None

    # The manager types the reference to confirm.
    response = _post(manager, path, path, reference="ASBR-1999-0001")
    assert response.status_code == 400
    assert f"Type the reference {concluded.reference} exactly" in response.get_data(as_text=True)
    response = _post(manager, path, path, reference=concluded.reference.lower())
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    assert concluded.erased_at is not None
    entry = _last(demo_session, "trigger.erase")
    assert (entry.outcome, entry.basis) == ("allowed", "data key destroyed: erasure request")
    assert entry.object_id == str(concluded.id)
    # Erasing again is not offered.
    page = manager.get(path).get_data(as_text=True)
    assert "already erased" in page
    assert "Erase application</button>" not in page


def test_an_erasure_request_waits_until_the_recommendations_are_done(
    demo_hub, demo_session
) -> None:
    # The demo's application reviewed 40 working days ago, its appeal not upheld: concluded,
    # with one recommendation still open.
    application = next(
        a
        for a in demo_session.scalars(
            select(TriggerApplication).where(TriggerApplication.appeal_decision.is_not(None))
        )
        if any(r.completed_on is None for r in a.recommendations)
    )
    assert retention.told_on(application, PROCEDURE, clock.today()) is not None
    manager = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.MANAGER))
    waits = "1 of its recommendations is still open"

    page = manager.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Erase this application" not in page
    assert waits in page
    # The appeal's decision letter is still to post: the page does not say they were told.
    [letter] = demo_session.scalars(
        select(TriggerLetter).where(
            TriggerLetter.application_id == application.id,
            TriggerLetter.kind == "appeal_decision",
        )
    )
    assert letter.by_post
    assert letter.posted_at is None
    decided = clock.day_text(application.appeal_decided_on)
    assert f"Concluded: the appeal was decided on {decided}." in page
    assert "has been told the appeal" not in page
    path = f"/trigger/{application.id}/erase"
    assert waits in manager.get(path).get_data(as_text=True)
    response = _post(manager, path, path, reference=application.reference)
    assert response.status_code == 400
    assert waits in response.get_data(as_text=True)
    demo_session.expire_all()
    assert application.erased_at is None
    refused = _last(demo_session, "trigger.erase")
    assert (refused.outcome, refused.basis) == ("refused", "refused input: reference")


def _figures(client: FlaskClient, month: str) -> tuple[str, str]:
    csv = client.get(f"/trigger/figures.csv?from={month}").get_data(as_text=True)
    page = client.get("/figures/").get_data(as_text=True)
    assert "Community Trigger" in page
    # What changes from one request to the next: the form's token, the scripts' nonce, the
    # seconds the session has left (the warning before the idle sign-out) and the charts'
    # own ids.
    page = re.sub(r'(name="csrf_token" value|nonce|data-csrf-token|data-ends-in)="[^"]*"', "", page)
    return csv, re.sub(r"chart-[0-9a-f-]{36}", "chart", page)


def test_an_erased_application_keeps_what_the_figures_count_and_refuses_every_act(
    demo_hub, demo_session
) -> None:
    application = _not_met(demo_session, days_ago=60)
    letter = demo_session.scalar(
        select(TriggerLetter).where(TriggerLetter.application_id == application.id)
    )
    assert letter is not None  # the e-mail the page queued, not sent yet
    manager = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.MANAGER))
    month = f"{application.received_on:%Y-%m}"
    before = _figures(manager, month)
    counts = {c.agency_id: c.complaints for c in application.counts}
    assert counts, "the relevant bodies held complaints"
    victim, _ = _repeat_victim(demo_session)
    query = SearchQuery(
        kind="surname_dob", surname=victim.family_name, date_of_birth=victim.date_of_birth
    )
    dpo = demo_actor(demo_session, LEAD, Role.DPO)
    found = sar.find_applications(demo_session, dpo, query).applications
    assert application.id in {c.application_id for c in found}
    demo_session.commit()

    retention.erase_application(
        demo_session, demo_actor(demo_session, LEAD, Role.MANAGER), PROCEDURE, application.id
    )
    demo_session.commit()
    erased_on = clock.today()

    # The page: what stays, and the day, never the personal data.
    page_path = f"/trigger/{application.id}"
    response = manager.get(page_path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Personal data erased on {erased_on.day} {erased_on:%B %Y}" in page
    assert application.reference in page
    assert "Threshold not met" in page or "Not met" in page
    for personal in (PROBLEM, EMAIL, "Not the same problem", victim.family_name.title()):
        assert personal not in page
    assert "Threshold check" not in page
    assert "Erased" in manager.get("/trigger").get_data(as_text=True)

    # Every act that would read or use the personal data is refused, saying why.
    day = {"day": str(erased_on.day), "month": str(erased_on.month), "year": str(erased_on.year)}
    acts_refused = {
        page_path: ({"decision": "met", "reasons": "Reconsidered"}, "the threshold can no longer"),
        f"{page_path}/ask": ({}, "no agency can be asked about it"),
        f"{page_path}/panel": ({"sitting_id": "1"}, "it can no longer go before a panel"),
        f"{page_path}/recommendations": (
            {
                "owner_agency_id": "1",
                "text": "Patrol",
                **{f"due_on-{k}": v for k, v in day.items()},
            },
            "no recommendation can be recorded",
        ),
        f"{page_path}/outcome": (
            {"findings": "Found", "next_steps": "Next"},
            "no outcome can be recorded",
        ),
        f"{page_path}/appeal": (
            {"reasons": "Unfair", **{f"received_on-{k}": v for k, v in day.items()}},
            "no appeal can be recorded",
        ),
        f"{page_path}/appeal-decision": (
            {
                "appeal_decision": "upheld",
                "findings": "Found",
                **{f"decided_on-{k}": v for k, v in day.items()},
            },
            "no appeal decision can be recorded",
        ),
    }
    for path, (data, message) in acts_refused.items():
        response = _post(manager, path, page_path, **data)
        text = response.get_data(as_text=True)
        assert response.status_code == 400, (path, text)
        assert f"was erased on {erased_on.day} {erased_on:%B %Y}" in text, path
        assert message in text, path
    assert _last(demo_session, "trigger.appeal_decide").basis == "refused input: erased"
    for path in (f"{page_path}/letters/threshold", f"{page_path}/letters/threshold.pdf"):
        response = manager.get(path)
        assert response.status_code == 410, path
        assert "its letters can no longer be made or sent" in response.get_data(as_text=True)
    demo_session.expire_all()
    assert application.decision.value == "not_met"
    assert application.appeal_received_on is None

    # The e-mail waiting is given up, never sent.
    demo_session.refresh(letter)
    assert (letter.sent_at, letter.failed_why) == (None, retention.LETTERS_GIVEN_UP)

    # The figures are exactly as they were, and so are the counts they come from.
    assert _figures(manager, month) == before
    assert {c.agency_id: c.complaints for c in application.counts} == counts
    assert figure_period.period_from(month, clock.today()).holds(application.received_on)

    # The DPO's search no longer finds it; their log still shows every entry about it.
    found = sar.find_applications(demo_session, dpo, query).applications
    assert application.id not in {c.application_id for c in found}
    log = trail.search_log(demo_session, dpo, trail.LogFilters())
    about = {
        row.action
        for row in log.rows
        if row.object_type == "trigger_application" and row.object_id == str(application.id)
    }
    expected = (acts.Action.TRIGGER_RECORD, acts.Action.TRIGGER_DECIDE, acts.Action.TRIGGER_ERASE)
    assert {action.label for action in expected} <= about
    # Their report of it opens, its details shown as erased.
    demo_session.commit()
    report = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.DPO)).get(
        f"/audit/subject-access/application/{application.id}"
    )
    assert report.status_code == 200
    assert PROBLEM not in report.get_data(as_text=True)
    assert "Erased" in report.get_data(as_text=True)
    demo_session.commit()


def test_the_sweep_command_erases_past_retention_and_prints_counts_only(
    demo_hub_env: Path,
) -> None:
    app = make_app(demo_hub_env)
    try:
        with app.extensions["hub.sessions"]() as session:
            old = _not_met(session, days_ago=3 * 366 + 40)
            recent = _not_met(session, days_ago=60)
            reference, old_id, recent_id = old.reference, old.id, recent.id
        swept = hub("trigger", "sweep")
        assert swept.exit_code == 0, swept.output
        assert re.fullmatch(
            r"\d+ Community Trigger application\(s\) erased; \d+ kept within their "
            r"retention; \d+ not concluded yet\.\n",
            swept.output,
        )
        assert not swept.output.startswith("0 ")
        assert reference not in swept.output
        again = hub("trigger", "sweep")
        assert again.output.startswith("0 Community Trigger application(s) erased;")
        with app.extensions["hub.sessions"]() as session:
            assert session.get(TriggerApplication, old_id).erased_at is not None
            assert session.get(TriggerApplication, recent_id).erased_at is None
    finally:
        app.extensions["hub.engine"].dispose()


def test_an_application_not_concluded_says_where_it_stands_and_a_withdrawn_appeal_ends_it(
    demo_hub, demo_session
) -> None:
    """The erase page said the same whatever held the application. Now it says when the
    time to appeal ends; then, with an appeal, that its decision or its withdrawal ends
    it; and once the applicant withdraws the appeal the application is concluded that day
    and may be erased (kept until the retention's years after the withdrawal)."""
    application = _not_met(demo_session, days_ago=0)
    manager = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.MANAGER))
    path = f"/trigger/{application.id}/erase"
    last = clock.day_text(letter_days.appeal_by(application, PROCEDURE))

    form = html.unescape(manager.get(path).get_data(as_text=True))

    assert f"the applicant may still appeal until {last}" in form
    assert "if no appeal was received by then" in form
    assert "once the appeal is decided" not in form
    lead = demo_actor(demo_session, LEAD, Role.TRIGGER_LEAD)
    today = clock.today()
    review_outcome.record_appeal(
        demo_session, lead, PROCEDURE, application.id, today, "Nobody came"
    )
    demo_session.commit()
    form = html.unescape(manager.get(path).get_data(as_text=True))
    assert f"its appeal, received on {clock.day_text(today)}, is waiting for the appeal " in form
    assert "once the appeal is decided or the applicant withdraws it" in form
    refused = _post(manager, path, path, reference=application.reference)
    assert refused.status_code == 400
    assert "once the appeal is decided or the applicant withdraws it" in html.unescape(
        refused.get_data(as_text=True)
    )

    review_outcome.withdraw_appeal(demo_session, lead, PROCEDURE, application.id, today)
    demo_session.commit()

    page = html.unescape(manager.get(f"/trigger/{application.id}").get_data(as_text=True))
    kept = retention.kept_until(application, PROCEDURE, today)
    assert kept == clock.full_years_after(today, 3)
    assert (
        f"Concluded: the applicant withdrew the appeal. Kept until {clock.day_text(kept)}" in page
    )
    assert "Erase this application" in page
    form = html.unescape(manager.get(path).get_data(as_text=True))
    assert NOT_CONCLUDED_START not in form
    done = _post(manager, path, path, reference=application.reference)
    assert done.status_code == 302, done.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get_one(TriggerApplication, application.id).erased_at is not None


NOT_CONCLUDED_START = retention.NOT_CONCLUDED + ":"


def test_an_application_not_yet_told_its_outcome_says_so(demo_hub, demo_session) -> None:
    victim, _ = _repeat_victim(demo_session)
    lead = demo_actor(demo_session, LEAD, Role.TRIGGER_LEAD)
    application = applications.record_application(
        demo_session,
        lead,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="phone",
            victim_kind="person",
            victim_family_name=victim.family_name,
            victim_email=EMAIL,
            problem=PROBLEM,
        ),
    )
    demo_session.commit()
    manager = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.MANAGER))

    form = html.unescape(manager.get(f"/trigger/{application.id}/erase").get_data(as_text=True))

    assert "the applicant has not yet been told the outcome" in form
    assert "appeal is decided" not in form
