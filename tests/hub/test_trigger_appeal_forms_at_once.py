"""The appeal's two forms say every problem in one send when the core finds some that the
form's own checks cannot see (demo partnership): an appeal dated before the letter with
markup in its reasons, or with its reasons left empty; an appeal body's decision dated
before the appeal with markup in its findings. A lead who makes two mistakes learns of
both at once, each at its field, nothing is written and the refusal is recorded once,
naming every field (never what was typed)."""

from __future__ import annotations

from datetime import date, timedelta

from sharing import clock
from sharing.trigger import review_outcome
from tests.hub.test_trigger_forms_at_once import (
    _lead,
    _lead_actor,
    _not_met,
    _post,
    _refusals,
    _said_together,
)
from tests.sharing.trigger.test_complaints import PROCEDURE

MARKUP = "Nothing was done <b>at all</b>"
BEFORE_THE_LETTER = "The appeal cannot be received before the letter"


def _dated(prefix: str, day: date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def test_an_appeal_dated_before_the_letter_with_markup_says_both(demo_hub, demo_session) -> None:
    """Both are the core's to find: the form's own checks pass."""
    application = _not_met(demo_session)
    lead = _lead(demo_hub, demo_session)
    page = f"/trigger/{application.id}"
    before = len(_refusals(demo_session, "trigger.appeal"))
    yesterday = clock.today() - timedelta(days=1)
    response = _post(
        lead, f"{page}/appeal", page, reasons=MARKUP, **_dated("received_on", yesterday)
    )
    _said_together(
        response,
        [
            ("received_on-day", BEFORE_THE_LETTER),
            ("reasons", "Remove the &lt; sign: write it in plain words, without HTML"),
        ],
    )
    assert MARKUP in response.get_data(as_text=True).replace("&lt;", "<").replace("&gt;", ">")
    demo_session.expire_all()
    assert application.appeal_received_on is None
    refusals = _refusals(demo_session, "trigger.appeal")
    assert len(refusals) == before + 1
    assert refusals[-1].basis == "refused input: reasons, received_on"


def test_an_appeal_without_reasons_says_the_date_before_the_letter_beside_it(
    demo_hub, demo_session
) -> None:
    """The form's own problem (no reasons) no longer hides the core's (the date)."""
    application = _not_met(demo_session)
    lead = _lead(demo_hub, demo_session)
    page = f"/trigger/{application.id}"
    before = len(_refusals(demo_session, "trigger.appeal"))
    yesterday = clock.today() - timedelta(days=1)
    response = _post(lead, f"{page}/appeal", page, reasons="", **_dated("received_on", yesterday))
    _said_together(
        response,
        [
            ("received_on-day", BEFORE_THE_LETTER),
            ("reasons", "Give the applicant&#39;s reasons"),
        ],
    )
    demo_session.expire_all()
    assert application.appeal_received_on is None
    refusals = _refusals(demo_session, "trigger.appeal")
    assert len(refusals) == before + 1
    assert refusals[-1].basis == "refused input: reasons, received_on"


def test_an_appeal_decision_before_the_appeal_with_markup_says_both(demo_hub, demo_session) -> None:
    application = _not_met(demo_session)
    review_outcome.record_appeal(
        demo_session, _lead_actor(demo_session), PROCEDURE, application.id, clock.today(), "Why"
    )
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    page = f"/trigger/{application.id}"
    before = len(_refusals(demo_session, "trigger.appeal_decide"))
    response = _post(
        lead,
        f"{page}/appeal-decision",
        page,
        appeal_decision="not_upheld",
        findings=MARKUP,
        **_dated("decided_on", clock.today() - timedelta(days=1)),
    )
    _said_together(
        response,
        [
            ("decided_on-day", "The decision cannot come before the appeal"),
            ("findings", "Remove the &lt; sign: write it in plain words, without HTML"),
        ],
    )
    demo_session.expire_all()
    assert application.appeal_decision is None
    refusals = _refusals(demo_session, "trigger.appeal_decide")
    assert len(refusals) == before + 1
    assert refusals[-1].basis == "refused input: decided_on, findings"
