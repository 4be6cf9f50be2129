"""Correcting who a Community Trigger applicant reported the behaviour to (demo
partnership, one copy for the module): the lead corrects it with a reason, from the
public form's choices; the applicant's own answer is never changed and stays on the
page as "the applicant said" beside the correction; one audit entry names the field,
never who or why. Bad input is refused at its field and recorded by field name; a form
opened before the application changed is refused saying so; nobody but the lead agency's
Trigger leads and managers may, nor anyone while an appeal is in hand or once the
application is closed."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.reveal import reveal
from sharing.models import TriggerApplication
from sharing.trigger import handling, reports
from sharing.trigger.input_checks import ReportedTo
from sharing.vocabulary import AppealDecision, Role, ThresholdDecision
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_trigger_corrections import _applied, _last, _lead

_OPENED = re.compile(r'name="opened" value="([0-9a-f]{32})"')
REASON = "The police hold no report from them; the housing officer took it in May"


def _month_before(months: int) -> date:
    day = clock.today().replace(day=1)
    for _ in range(months):
        day = (day.replace(day=1) - date.resolution).replace(day=1)
    return day


def _said(session: Session) -> TriggerApplication:
    """An application whose applicant said they reported it to the police two months
    before it was received."""
    said = (ReportedTo("northshire-police", "Northshire Police", _month_before(2)),)
    return _applied(session, reported_to=said)  # type: ignore[arg-type]


def _path(application: TriggerApplication) -> str:
    return f"/trigger/{application.id}/reported-to"


def _sent(client: FlaskClient, application: TriggerApplication, **fields: object) -> dict:
    """The form as opened (its token and stamp) with ``fields``."""
    page = client.get(_path(application))
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    stamp = _OPENED.search(page.get_data(as_text=True))
    assert stamp
    return {"csrf_token": csrf_token(client, _path(application)), "opened": stamp[1], **fields}


def _now(session: Session, application: TriggerApplication) -> dict[str, str | None]:
    session.expire_all()
    return reveal(
        handling.LEAD, session.get_one(TriggerApplication, application.id), reports.COLUMNS
    )


def test_the_lead_corrects_who_it_was_reported_to_and_the_applicants_answer_stays(
    demo_hub, demo_session
) -> None:
    application = _said(demo_session)
    lead = _lead(demo_hub, demo_session)
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "Correct who it was reported to" in page
    form = lead.get(_path(application)).get_data(as_text=True)
    assert 'value="northshire-police" checked' in form  # as the applicant said
    # The reason reaches the applicant if they ask for their data: the form says so.
    assert "the applicant gets it if they ask for their data" in form
    said_before = _now(demo_session, application)["reported_to"]
    month = _month_before(1)

    response = lead.post(
        _path(application),
        data=_sent(
            lead,
            application,
            reported_to=["northshire-homes", "other"],
            reported_other="Cllr Jones",
            **{
                "reported_when-northshire-homes-month": str(month.month),
                "reported_when-northshire-homes-year": str(month.year),
            },
            reason=REASON,
        ),
    )

    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    now = _now(demo_session, application)
    assert now["reported_to"] == said_before  # the applicant's account, untouched
    assert now["reported_to_reason"] == REASON
    entry = _last(demo_session, "trigger.correct")
    assert (entry.outcome, entry.basis) == ("allowed", "fields reported_to")
    shown = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    corrected = shown[shown.index("Reported it to (corrected by the lead)") :][:1000]
    assert f"Northshire Homes, {month:%B %Y}" in corrected
    assert "Someone else: Cllr Jones" in corrected
    assert f"Why: {REASON}" in corrected
    said = shown[shown.index("Reported it to (the applicant said)") :][:600]
    assert f"Northshire Police, {_month_before(2):%B %Y}" in said
    assert "Corrected: who the applicant reported it to" in shown
    for secret in ("Cllr Jones", "Homes", "housing officer"):
        assert secret not in (entry.basis or "")

    # The same again changes nothing and records nothing.
    again = lead.post(
        _path(application),
        data=_sent(
            lead,
            application,
            reported_to=["northshire-homes", "other"],
            reported_other="Cllr Jones",
            **{
                "reported_when-northshire-homes-month": str(month.month),
                "reported_when-northshire-homes-year": str(month.year),
            },
            reason=REASON,
        ),
        follow_redirects=True,
    )
    assert "Nothing was changed" in again.get_data(as_text=True)
    assert _last(demo_session, "trigger.correct").seq == entry.seq

    # Corrected to no one: the applicant's answer still beside it.
    response = lead.post(
        _path(application), data=_sent(lead, application, reason="No agency holds a report")
    )
    assert response.status_code == 302
    assert _now(demo_session, application)["reported_to_corrected"] == "[]"
    shown = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "No one" in shown[shown.index("Reported it to (corrected by the lead)") :][:300]
    assert "Northshire Police" in shown[shown.index("Reported it to (the applicant said)") :]


def test_the_reason_alone_can_be_put_right(demo_hub, demo_session) -> None:
    """The lead who corrected who it was reported to and then rewrites only the reason
    (a slip, or what the records showed since) has the new reason kept and recorded,
    where it was dropped as "Nothing was changed"; the applicant's answer stays."""
    application = _said(demo_session)
    lead = _lead(demo_hub, demo_session)
    ticked = {"reported_to": ["northshire-homes"]}
    first = lead.post(_path(application), data=_sent(lead, application, **ticked, reason=REASON))
    assert first.status_code == 302
    entry = _last(demo_session, "trigger.correct")
    better = "Northshire Homes's records hold the applicant's complaint; the police hold none"

    response = lead.post(
        _path(application),
        data=_sent(lead, application, **ticked, reason=better),
        follow_redirects=True,
    )

    said = html.unescape(response.get_data(as_text=True))
    assert "The reason for correcting who it was reported to is changed" in said
    assert "Nothing was changed" not in said
    now = _now(demo_session, application)
    assert now["reported_to_reason"] == better
    assert now["reported_to_corrected"] is not None
    assert "Northshire Police" in (now["reported_to"] or "")
    again = _last(demo_session, "trigger.correct")
    assert again.seq > entry.seq
    assert (again.outcome, again.basis) == ("allowed", "fields reported_to")
    shown = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert f"Why: {better}" in shown.replace("&#39;", "'")

    # Neither changed: nothing written, nothing recorded.
    same = lead.post(
        _path(application),
        data=_sent(lead, application, **ticked, reason=better),
        follow_redirects=True,
    )
    assert "Nothing was changed" in same.get_data(as_text=True)
    assert _last(demo_session, "trigger.correct").seq == again.seq


def test_an_application_taken_by_phone_gets_who_it_was_reported_to(demo_hub, demo_session) -> None:
    """The lead's form does not ask: the correction says it, and the page says the
    applicant was not asked."""
    application = _applied(demo_session)
    manager = _lead(demo_hub, demo_session, Role.MANAGER)  # the lead agency's managers too
    response = manager.post(
        _path(application),
        data=_sent(manager, application, reported_to=["northshire-police"], reason=REASON),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    shown = html.unescape(manager.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "Not asked (recorded by the lead)" in shown
    assert _now(demo_session, application)["reported_to"] is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"reported_to": ["northshire-police"], "reason": ""}, "reason", "Enter why you are"),
        ({"reported_to": ["other"], "reason": REASON}, "reported_other", "Enter who else"),
        (
            {"reported_to": ["northshire-nowhere"], "reason": REASON},
            "reported_to",
            "Select the agencies it was reported to from those listed",
        ),
        (
            {
                "reported_to": ["northshire-police"],
                "reported_when-northshire-police-month": "13",
                "reported_when-northshire-police-year": "2026",
                "reason": REASON,
            },
            "reported_when",
            "When it was reported to Northshire Police: enter the month as a number",
        ),
        (
            {"reported_to": ["northshire-police"], "reason": "<b>see notes</b>"},
            "reason",
            "without HTML",
        ),
        ({"reported_to": ["northshire-police"], "reason": "x" * 1001}, "reason", "1,000"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_recorded(
    demo_hub, demo_session, fields, field, message
) -> None:
    application = _said(demo_session)
    lead = _lead(demo_hub, demo_session)
    before = _now(demo_session, application)

    response = lead.post(_path(application), data=_sent(lead, application, **fields))

    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert f'href="#{field}' in page
    assert _now(demo_session, application) == before
    refused = _last(demo_session, "trigger.correct")
    assert refused.outcome == "refused"
    assert refused.basis == f"refused input: {field}"


def test_everything_wrong_is_said_at_once(demo_hub, demo_session) -> None:
    application = _said(demo_session)
    lead = _lead(demo_hub, demo_session)
    response = lead.post(
        _path(application), data=_sent(lead, application, reported_to=["other"], reason="")
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#reported_other"' in page
    assert 'href="#reason"' in page
    refused = _last(demo_session, "trigger.correct")
    assert refused.basis == "refused input: reason, reported_other"


def test_a_month_after_the_application_is_refused(demo_hub, demo_session) -> None:
    """A month after the one it was received in cannot be when it was reported."""
    application = _said(demo_session)
    application.received_on = _month_before(3)
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    month = _month_before(1)
    response = lead.post(
        _path(application),
        data=_sent(
            lead,
            application,
            reported_to=["northshire-police"],
            reason=REASON,
            **{
                "reported_when-northshire-police-month": str(month.month),
                "reported_when-northshire-police-year": str(month.year),
            },
        ),
    )
    assert response.status_code == 400
    assert "cannot be after" in html.unescape(response.get_data(as_text=True))
    assert _last(demo_session, "trigger.correct").basis == "refused input: reported_when"


def test_a_form_opened_before_a_colleague_changed_it_is_refused(demo_hub, demo_session) -> None:
    application = _said(demo_session)
    lead = _lead(demo_hub, demo_session)
    mine = _sent(lead, application, reported_to=["northshire-homes"], reason=REASON)
    colleague = _lead(demo_hub, demo_session, Role.MANAGER)
    theirs = _sent(colleague, application, reported_to=["northshire-eh"], reason="Their reason")
    assert colleague.post(_path(application), data=theirs).status_code == 302

    response = lead.post(_path(application), data=mine)

    assert response.status_code == 400
    assert "Someone changed this after you opened it" in response.get_data(as_text=True)
    assert _now(demo_session, application)["reported_to_reason"] == "Their reason"
    refused = _last(demo_session, "trigger.correct")
    assert (refused.outcome, refused.basis) == ("refused", "refused input: changed meanwhile")


def _when(choice: str, month: date) -> dict[str, str]:
    return {
        f"reported_when-{choice}-month": str(month.month),
        f"reported_when-{choice}-year": str(month.year),
    }


def test_a_month_a_colleague_changed_meanwhile_is_named_and_the_form_keeps_mine(
    demo_hub, demo_session
) -> None:
    """Two leads correcting only the month each: the second is refused, told the month
    saved now beside their own, and keeps what they typed, so saving again is a choice."""
    application = _said(demo_session)
    police = "northshire-police"
    lead = _lead(demo_hub, demo_session)
    mine = _sent(
        lead, application, reported_to=[police], reason=REASON, **_when(police, _month_before(1))
    )
    colleague = _lead(demo_hub, demo_session, Role.MANAGER)
    theirs = _sent(
        colleague,
        application,
        reported_to=[police],
        reason=REASON,
        **_when(police, _month_before(3)),
    )
    assert colleague.post(_path(application), data=theirs).status_code == 302

    response = lead.post(_path(application), data=mine)

    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    changed = page[page.index('id="changed-meanwhile"') :][:2000]
    assert "What is saved now is what your form holds" not in changed
    assert f"Northshire Police, {_month_before(3):%B %Y}" in changed  # saved now
    assert f"Northshire Police, {_month_before(1):%B %Y}" in changed  # on my form
    assert f'name="reported_when-{police}-month" type="text" value="{_month_before(1).month}"' in (
        page
    )
    corrected = _now(demo_session, application)["reported_to_corrected"] or ""
    assert f'"month": "{_month_before(3):%Y-%m}"' in corrected
    refused = _last(demo_session, "trigger.correct")
    assert (refused.outcome, refused.basis) == ("refused", "refused input: changed meanwhile")


@pytest.mark.parametrize(
    ("agency", "role"),
    [
        ("northshire-police", Role.MANAGER),
        ("northshire-csp", Role.CASE_OFFICER),
        ("northshire-csp", Role.DPO),
    ],
)
def test_nobody_else_may_correct_it(demo_hub, demo_session, agency, role) -> None:
    application = _said(demo_session)
    before = _now(demo_session, application)
    other = demo_client(demo_hub, demo_user(demo_session, agency, role))
    assert other.get(_path(application)).status_code == 403
    response = other.post(
        _path(application),
        data={
            "csrf_token": csrf_token(other, "/"),
            "reported_to": ["northshire-homes"],
            "reason": REASON,
        },
    )
    assert response.status_code == 403
    assert _now(demo_session, application) == before
    # Another agency's manager is refused by the core, naming the application; a role
    # the Community Trigger pages do not serve, by the pages' guard.
    if role is Role.MANAGER:
        refused = _last(demo_session, "trigger.correct")
        assert refused.object_id == str(application.id)
    else:
        refused = _last(demo_session, "page.refused")
    assert refused.outcome == "refused"


def _appealed(application: TriggerApplication) -> None:
    application.decision = ThresholdDecision.MET
    application.outcome_on = clock.today()
    application.appeal_received_on = clock.today()


def _closed(application: TriggerApplication) -> None:
    application.withdrawn_on = clock.today()
    application.closed_at = clock.now()


def _told(application: TriggerApplication) -> None:
    _appealed(application)
    application.appeal_decision = AppealDecision.NOT_UPHELD
    application.appeal_decided_on = clock.today()


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        (_appealed, "An appeal is in hand"),
        (_closed, "can no longer be corrected"),
        (_told, "can no longer be corrected"),
    ],
)
def test_not_while_an_appeal_is_in_hand_nor_once_closed_or_told(
    demo_hub, demo_session, stage, message
) -> None:
    application = _said(demo_session)
    lead = _lead(demo_hub, demo_session)
    sent = _sent(lead, application, reported_to=["northshire-homes"], reason=REASON)
    stage(application)
    demo_session.commit()
    before = _now(demo_session, application)

    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "Correct who it was reported to" not in page
    assert message in html.unescape(lead.get(_path(application)).get_data(as_text=True))
    response = lead.post(_path(application), data=sent)

    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert _now(demo_session, application) == before


def test_the_dpos_subject_access_report_shows_the_correction_beside_the_answer(
    demo_hub, demo_session
) -> None:
    application = _said(demo_session)
    lead = _lead(demo_hub, demo_session)
    sent = _sent(lead, application, reported_to=["northshire-homes"], reason=REASON)
    assert lead.post(_path(application), data=sent).status_code == 302
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))
    report = dpo.get(f"/audit/subject-access/application/{application.id}")
    assert report.status_code == 200
    text = html.unescape(report.get_data(as_text=True))
    corrected = text[text.index("Reported it to (corrected by the lead)") :][:600]
    assert "Northshire Homes" in corrected
    assert f"Why: {REASON}" in corrected
    said = text[text.index("Reported it to (the applicant said)") :][:400]
    assert f"Northshire Police, {_month_before(2):%B %Y}" in said


def test_the_subject_access_report_says_the_applicant_was_not_asked_as_the_page_does(
    demo_hub, demo_session
) -> None:
    """An application taken by phone, whose applicant was never asked, then corrected:
    the DPO's report says "Not asked (recorded by the lead)" beside the correction, as
    the application's page does, where it said "No one, or not asked"."""
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    sent = _sent(lead, application, reported_to=["northshire-police"], reason=REASON)
    assert lead.post(_path(application), data=sent).status_code == 302
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))

    text = html.unescape(
        dpo.get(f"/audit/subject-access/application/{application.id}").get_data(as_text=True)
    )

    said = text[text.index("Reported it to (the applicant said)") :][:400]
    assert "Not asked (recorded by the lead)" in said
    assert "No one, or not asked" not in text
