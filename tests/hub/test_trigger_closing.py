"""Closing a Community Trigger application from its page (demo partnership, one copy for
the module): the lead records that the applicant withdrew it, or that it duplicates
another; the page then says so plainly, the list shows it closed with no deadline, and
no form to act on it is offered. Bad input is refused at its field and recorded; a form
opened before the application moved on is refused and shown again saying so; someone
other than the lead's Trigger leads and managers is refused."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit.log import integrate
from sharing.models import AuditEntry, TriggerApplication
from sharing.trigger import applications, input_checks
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_actor, demo_client, demo_user
from tests.sharing.trigger.test_complaints import PROCEDURE, _repeat_victim

LEAD = "northshire-csp"
NOTE = "The victim phoned: the family upstairs moved out last week"
_OPENED = re.compile(r'name="opened" value="([0-9a-f]{32})"')


def _applied(
    session: Session, days_ago: int = 2, reported_to: tuple[input_checks.ReportedTo, ...] = ()
) -> TriggerApplication:
    victim, _ = _repeat_victim(session)
    then = clock.now() - timedelta(days=days_ago)
    application = applications.record_application(
        session,
        demo_actor(session, LEAD, Role.TRIGGER_LEAD),
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.day_of(then),
            channel="phone",
            victim_kind="person",
            victim_family_name=victim.family_name,
            victim_date_of_birth=victim.date_of_birth,
            victim_address="Flat 2, 7 Test Row",
            problem="Shouting and threats on the stairs",
            reported_to=reported_to,
        ),
        now=then,
    )
    session.commit()
    return application


def _lead(demo: Flask, session: Session) -> FlaskClient:
    return demo_client(demo, demo_user(session, LEAD, Role.TRIGGER_LEAD))


def _day(field: str, day: date) -> dict[str, str]:
    return {
        f"{field}-day": str(day.day),
        f"{field}-month": str(day.month),
        f"{field}-year": str(day.year),
    }


def _opened(client: FlaskClient, path: str) -> dict[str, str]:
    """The form's CSRF token and the stamp it carries, as a browser would send them."""
    page = client.get(path).get_data(as_text=True)
    stamp = _OPENED.search(page)
    assert stamp, f"no stamp on {path}"
    return {"csrf_token": csrf_token(client, path), "opened": stamp.group(1)}


def _last(session: Session, action: str) -> AuditEntry:
    session.expire_all()
    integrate(session)
    session.commit()
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    ).first()


def test_the_lead_records_a_withdrawal_and_the_page_says_so_plainly(demo_hub, demo_session) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "record that it was withdrawn" in page
    assert "record that it is a duplicate" in page
    assert "Threshold decision due by" in page

    path = f"/trigger/{application.id}/withdrawn"
    form = lead.get(path).get_data(as_text=True)
    assert "before the threshold decision" in form
    sent = {**_opened(lead, path), **_day("withdrawn_on", clock.today()), "note": NOTE}
    response = lead.post(path, data=sent)
    assert response.status_code == 302

    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    today = clock.today()
    assert f"Closed on {today.day} {today:%B %Y}: withdrawn by the applicant." in page
    assert NOTE in page
    assert "due by" not in page
    assert "Record the decision" not in page
    assert "record that it was withdrawn" not in page
    assert "Ask the agencies" not in page
    entry = _last(demo_session, "trigger.withdraw")
    assert entry.outcome == "allowed"
    assert "phoned" not in entry.basis
    view = _last(demo_session, "trigger.view")  # the page's, before the list's own entry
    assert view.basis == "closed: threshold not checked"
    listed = lead.get("/trigger").get_data(as_text=True)
    row = listed[listed.index(application.reference) :][:600]
    assert "Closed" in row
    assert "Withdrawn by the applicant" in row

    # Sent again (Back, a second tab): said on the page, nothing changed.
    assert "was closed on" in lead.get(path).get_data(as_text=True)  # no form any more
    again = lead.post(path, data=sent)
    assert again.status_code == 400
    assert "was closed on" in again.get_data(as_text=True)


def test_a_withdrawn_or_duplicate_applications_page_says_who_the_applicant_reported_it_to(
    demo_hub, demo_session
) -> None:
    """Closed, its page shows who the applicant reported it to as the lead's page of an
    open one does (opened with its other details, for the lead alone)."""
    month = clock.today().replace(day=1) - timedelta(days=40)
    reported = (
        input_checks.ReportedTo("northshire-police", "Northshire Police", month.replace(day=1)),
        input_checks.ReportedTo(input_checks.SOMEONE_ELSE, "The GP surgery"),
    )
    said = f"Northshire Police, {month:%B %Y}<br>Someone else: The GP surgery"
    original = _applied(demo_session, reported_to=reported)
    withdrawn = _applied(demo_session, reported_to=reported)
    duplicate = _applied(demo_session, days_ago=1, reported_to=reported)
    lead = _lead(demo_hub, demo_session)
    assert said in lead.get(f"/trigger/{original.id}").get_data(as_text=True)

    path = f"/trigger/{withdrawn.id}/withdrawn"
    sent = {**_opened(lead, path), **_day("withdrawn_on", clock.today()), "note": NOTE}
    assert lead.post(path, data=sent).status_code == 302
    path = f"/trigger/{duplicate.id}/duplicate"
    sent = {**_opened(lead, path), "duplicate_of": original.reference}
    assert lead.post(path, data=sent).status_code == 302

    for closed in (withdrawn, duplicate):
        page = lead.get(f"/trigger/{closed.id}").get_data(as_text=True)
        assert 'id="closed"' in page
        assert "Reported it to (the applicant says)" in page
        assert said in page
        assert "GP surgery" not in _last(demo_session, "trigger.view").basis
    nothing = _applied(demo_session)  # no answer: no row
    path = f"/trigger/{nothing.id}/withdrawn"
    sent = {**_opened(lead, path), **_day("withdrawn_on", clock.today()), "note": NOTE}
    assert lead.post(path, data=sent).status_code == 302
    page = lead.get(f"/trigger/{nothing.id}").get_data(as_text=True)
    assert "Reported it to" not in page


@pytest.mark.parametrize(
    ("days_from_today", "note", "field", "message"),
    [
        (None, NOTE, "withdrawn_on", "Enter the date the applicant withdrew the application"),
        (3, NOTE, "withdrawn_on", "must be today or before"),
        (-20, NOTE, "withdrawn_on", "on or after the day it was received"),
        (0, "", "note", "Say how the applicant"),
        (0, "<script>x</script>", "note", "without HTML"),
    ],
)
def test_a_withdrawal_with_bad_input_is_refused_at_its_field(
    demo_hub, demo_session, days_from_today, note, field, message
) -> None:
    given = {"note": note}
    if days_from_today is not None:
        given |= _day("withdrawn_on", clock.today() + timedelta(days=days_from_today))
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    path = f"/trigger/{application.id}/withdrawn"
    response = lead.post(path, data={**_opened(lead, path), **given})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body
    assert f'href="#{field}' in body  # the error summary links to the field
    entry = _last(demo_session, "trigger.withdraw")
    assert (entry.outcome, entry.basis) == ("refused", f"refused input: {field}")
    demo_session.expire_all()
    assert demo_session.get(TriggerApplication, application.id).closed_at is None


def test_the_lead_records_a_duplicate_and_both_pages_link_each_other(
    demo_hub, demo_session
) -> None:
    original = _applied(demo_session)
    again = _applied(demo_session, days_ago=1)
    lead = _lead(demo_hub, demo_session)
    path = f"/trigger/{again.id}/duplicate"

    refused = lead.post(path, data={**_opened(lead, path), "duplicate_of": again.reference})
    assert refused.status_code == 400
    assert "this application&#39;s own reference" in refused.get_data(as_text=True)
    refused = lead.post(path, data={**_opened(lead, path), "duplicate_of": "ASBR-1999-ZZZZZZ"})
    assert "No application of the partnership has that reference" in refused.get_data(as_text=True)
    assert _last(demo_session, "trigger.duplicate").basis == "refused input: duplicate_of"

    done = lead.post(path, data={**_opened(lead, path), "duplicate_of": original.reference})
    assert done.status_code == 302
    page = lead.get(f"/trigger/{again.id}").get_data(as_text=True)
    assert f"a duplicate of {original.reference}" in page
    assert f'href="/trigger/{original.id}"' in page
    page = lead.get(f"/trigger/{original.id}").get_data(as_text=True)
    assert "Recorded as a duplicate of this application" in page
    assert f'href="/trigger/{again.id}"' in page
    assert "Record the decision" in page  # the original goes on
    assert _last(demo_session, "trigger.duplicate").basis.startswith(
        f"duplicate of application {original.id} before the threshold decision"
    )


def test_a_form_opened_before_the_decision_is_refused_then_accepted_once_seen(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    path = f"/trigger/{application.id}/withdrawn"
    opened = _opened(lead, path)
    # Meanwhile another lead decides the threshold met.
    other = demo_actor(demo_session, LEAD, Role.MANAGER)
    applications.decide(demo_session, other, PROCEDURE, application.id, "discretion", "Vulnerable")
    demo_session.commit()

    stale = lead.post(path, data={**opened, **_day("withdrawn_on", clock.today()), "note": NOTE})
    assert stale.status_code == 400
    body = stale.get_data(as_text=True)
    assert "Changed since you opened this page" in body
    assert "Someone changed this after you opened it" in body
    assert "under review" in body  # where it stands now
    assert NOTE in body  # what the lead typed is kept
    demo_session.expire_all()
    assert demo_session.get(TriggerApplication, application.id).closed_at is None
    entry = _last(demo_session, "trigger.withdraw")
    assert (entry.outcome, entry.basis) == ("refused", "refused input: changed meanwhile")

    # Sent again from the page shown (it carries the stamp of the application now).
    now = _OPENED.search(body).group(1)
    done = lead.post(
        path,
        data={
            "csrf_token": opened["csrf_token"],
            "opened": now,
            **_day("withdrawn_on", clock.today()),
            "note": NOTE,
        },
    )
    assert done.status_code == 302
    assert _last(demo_session, "trigger.withdraw").basis.startswith(
        "withdrawn by the applicant under review"
    )


def test_an_application_decided_not_met_cannot_be_closed(demo_hub, demo_session) -> None:
    application = _applied(demo_session)
    lead_actor = demo_actor(demo_session, LEAD, Role.TRIGGER_LEAD)
    applications.decide(demo_session, lead_actor, PROCEDURE, application.id, "not_met", "Too few")
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    assert "record that it was withdrawn" not in lead.get(f"/trigger/{application.id}").get_data(
        as_text=True
    )
    path = f"/trigger/{application.id}/withdrawn"
    assert "decided not met" in lead.get(path).get_data(as_text=True)
    assert "Record as withdrawn" not in lead.get(path).get_data(as_text=True)
    sent = {"csrf_token": csrf_token(lead, path), **_day("withdrawn_on", clock.today())}
    response = lead.post(path, data={**sent, "note": NOTE})
    assert response.status_code == 400
    assert "decided not met" in response.get_data(as_text=True)
    assert _last(demo_session, "trigger.withdraw").basis == "refused input: already done"


@pytest.mark.parametrize(
    ("code", "role"),
    [(LEAD, Role.CASE_OFFICER), ("northshire-police", Role.MANAGER)],
)
def test_nobody_but_the_leads_trigger_leads_and_managers_closes_one(
    demo_hub, demo_session, code, role
) -> None:
    application = _applied(demo_session)
    outsider = demo_client(demo_hub, demo_user(demo_session, code, role))
    for page in ("withdrawn", "duplicate"):
        assert outsider.get(f"/trigger/{application.id}/{page}").status_code == 403
    manager = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.MANAGER))
    assert manager.get(f"/trigger/{application.id}/withdrawn").status_code == 200
    assert manager.get("/trigger/999999/withdrawn").status_code == 404


def test_the_figures_pages_say_how_withdrawn_and_duplicate_applications_count(
    demo_hub, demo_session
) -> None:
    lead = _lead(demo_hub, demo_session)
    page = lead.get("/trigger/figures").get_data(as_text=True)
    assert "Applications received in the period that the applicant withdrew" in page
    assert "Applications received in the period that duplicate another application" in page
    assert "A withdrawn application has no threshold decision" in page
    assert "is not a second application received" in page
    # The partnership's figures for a year (a CSP coordinator of the lead reads them).
    coordinator = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.CONFERENCE_CHAIR))
    today = clock.today()
    start = today.year - (2 if today.month < 4 else 1)
    year = coordinator.get(f"/figures/?from={start}-04&to={start + 1}-03")
    assert year.status_code == 200
    assert "never as a time the threshold was not met" in year.get_data(as_text=True)
