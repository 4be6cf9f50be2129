"""A Community Trigger application closed without a decision or review of its own (demo
partnership, one copy for the module): withdrawn by the applicant, or a duplicate of
another. Once closed it has no deadline and leaves the lead's open work, letters and
notices still waiting are given up, the agencies are not asked again, every step on it is
refused saying why, and its retention runs from the day it closed. The published figures
count a withdrawn application as received and never as "threshold not met", a duplicate
not at all; the partnership's figures show the same four totals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit.log import integrate
from sharing.errors import InputError
from sharing.models import AuditEntry, Notice, TriggerApplication, TriggerLetter
from sharing.trigger import (
    applications,
    closing,
    deadlines,
    figure_csv,
    figures,
    handling,
    input_checks,
    letters,
    listing,
    retention,
    review,
)
from sharing.vocabulary import LetterKind, NoticeKind, Role, ThresholdDecision
from tests.fixtures.demo import demo_actor
from tests.sharing.trigger.test_complaints import PROCEDURE, _repeat_victim
from tests.sharing.trigger.test_figures import _application

NOTE = "Mrs Quennell phoned: the family upstairs moved out last week"
EMAIL = "closing.victim@example.org"
#: After the figures' year below.
TODAY = date(2026, 12, 2)


def _lead(session: Session):
    return demo_actor(session, PROCEDURE.lead, Role.TRIGGER_LEAD)


def _applied(session: Session, days_ago: int = 0) -> TriggerApplication:
    """An application by a victim the demo holds at two relevant bodies, with an e-mail
    address (so its acknowledgement waits to be e-mailed)."""
    victim, _ = _repeat_victim(session)
    then = clock.now() - timedelta(days=days_ago)
    application = applications.record_application(
        session,
        _lead(session),
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.day_of(then),
            channel="phone",
            victim_kind="person",
            victim_family_name=victim.family_name,
            victim_date_of_birth=victim.date_of_birth,
            victim_email=EMAIL,
            problem="Shouting and threats on the stairs",
        ),
        now=then,
    )
    session.commit()
    return application


def _withdraw(session: Session, application: TriggerApplication, **given: object):
    values = {"withdrawn_on": clock.today(), "note": NOTE, **given}
    return closing.record_withdrawal(
        session,
        _lead(session),
        PROCEDURE,
        application.id,
        values["withdrawn_on"],  # type: ignore[arg-type]
        values["note"],  # type: ignore[arg-type]
    )


def _waiting_notices(session: Session, application: TriggerApplication) -> list[Notice]:
    return list(
        session.scalars(
            select(Notice).where(
                Notice.kind == NoticeKind.TRIGGER_REVIEW,
                Notice.path.endswith(f"#trigger-{application.id}"),
                Notice.sent_at.is_(None),
            )
        )
    )


def _last_entry(session: Session, action: str) -> AuditEntry:
    integrate(session)
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    ).first()


def test_a_withdrawn_application_leaves_the_work_and_nothing_more_goes_for_it(demo_session) -> None:
    application = _applied(demo_session)
    asked = review.ask_holders(demo_session, _lead(demo_session), PROCEDURE, application.id)
    demo_session.commit()
    waiting = len(_waiting_notices(demo_session, application))
    assert asked
    assert waiting
    assert letters.pending(demo_session)
    open_before = listing.waiting(demo_session, _lead(demo_session), PROCEDURE).open

    _withdraw(demo_session, application)
    demo_session.commit()

    assert application.withdrawn_on == clock.today()
    assert handling.closure(application) == "withdrawn by the applicant"
    assert deadlines.next_clock(application, PROCEDURE, clock.today()) is None
    assert listing.waiting(demo_session, _lead(demo_session), PROCEDURE).open == open_before - 1
    # The acknowledgement waiting to be e-mailed is given up; the agencies' notices dropped.
    letter = demo_session.scalar(
        select(TriggerLetter).where(TriggerLetter.application_id == application.id)
    )
    assert letter.failed_why == closing.LETTERS_GIVEN_UP
    assert letter not in letters.pending(demo_session)
    assert _waiting_notices(demo_session, application) == []
    # The note is sealed: its words are nowhere in the row or the log.
    assert NOTE.encode() not in application.withdrawal_note
    entry = _last_entry(demo_session, "trigger.withdraw")
    assert (entry.outcome, entry.object_id) == ("allowed", str(application.id))
    assert entry.basis == (
        "withdrawn by the applicant before the threshold decision; "
        f"letters given up 1; notices dropped {waiting}"
    )


def test_every_step_on_a_closed_application_is_refused_saying_why(demo_session) -> None:
    application = _applied(demo_session)
    _withdraw(demo_session, application)
    demo_session.commit()
    lead = _lead(demo_session)
    steps = [
        lambda: applications.decide(demo_session, lead, PROCEDURE, application.id, "met", "Yes"),
        lambda: review.ask_holders(demo_session, lead, PROCEDURE, application.id),
        lambda: review.convene(demo_session, lead, PROCEDURE, application.id, None),
        lambda: _withdraw(demo_session, application),
    ]
    for step in steps:
        with pytest.raises(InputError) as refused:
            step()
        assert refused.value.field == handling.ALREADY_DONE
        assert f"Application {application.reference} was closed on" in refused.value.message
        demo_session.rollback()
    assert not applications.may_ask(application)
    assert not letters.queue(
        demo_session, application, LetterKind.THRESHOLD, {"victim_email": EMAIL}, clock.now()
    )


def test_a_withdrawal_needs_a_date_from_receipt_to_today_and_a_plain_note(demo_session) -> None:
    application = _applied(demo_session, days_ago=10)
    today = clock.today()
    cases = [
        ({"withdrawn_on": None}, "withdrawn_on", "Enter the date"),
        ({"withdrawn_on": today + timedelta(days=1)}, "withdrawn_on", "today or before"),
        ({"withdrawn_on": today - timedelta(days=30)}, "withdrawn_on", "on or after the day"),
        ({"note": "  "}, "note", "Say how the applicant withdrew"),
        ({"note": "<b>gone</b>"}, "note", "without HTML"),
        ({"note": "x" * (closing.MAX_NOTE + 1)}, "note", ""),
    ]
    for given, field, message in cases:
        with pytest.raises(InputError) as refused:
            _withdraw(demo_session, application, **given)
        assert refused.value.field == field
        assert message in refused.value.message
        entry = _last_entry(demo_session, "trigger.withdraw")
        assert (entry.outcome, entry.basis) == ("refused", f"refused input: {field}")
        demo_session.rollback()
    demo_session.expire_all()
    assert application.closed_at is None


def test_a_duplicate_is_of_a_live_application_of_the_lead(demo_session) -> None:
    lead = _lead(demo_session)
    original = _applied(demo_session)
    again = _applied(demo_session)
    withdrawn = _applied(demo_session)
    _withdraw(demo_session, withdrawn)
    not_met = _applied(demo_session)
    applications.decide(
        demo_session, lead, PROCEDURE, not_met.id, "not_met", "Not the same problem"
    )
    demo_session.commit()

    def duplicate(of: str, application: TriggerApplication = again):
        return closing.record_duplicate(demo_session, lead, PROCEDURE, application.id, of)

    refusals = [
        ("", "Enter the reference"),
        (again.reference, "this application's own reference"),
        ("ASBR-2026-XXXXXX", "No application of the partnership has that reference"),
        (withdrawn.reference, "was withdrawn by the applicant"),
        (not_met.reference, "has its answer already"),
    ]
    for reference, message in refusals:
        with pytest.raises(InputError) as refused:
            duplicate(reference)
        assert refused.value.field == "duplicate_of"
        assert message in refused.value.message
        demo_session.rollback()

    duplicate(original.reference.lower())  # as typed over the phone
    demo_session.commit()
    assert again.duplicate_of_id == original.id
    assert handling.closure(again) == f"a duplicate of {original.reference}"
    assert closing.duplicates_of(demo_session, original) == [again]
    entry = _last_entry(demo_session, "trigger.duplicate")
    assert entry.basis.startswith(f"duplicate of application {original.id} before the threshold")
    # A duplicate of the duplicate is pointed to the one that goes on.
    third = _applied(demo_session)
    with pytest.raises(InputError) as refused:
        duplicate(again.reference, third)
    assert f"enter {original.reference}" in refused.value.message
    demo_session.rollback()
    # The original goes on, and may still be decided.
    applications.decide(demo_session, lead, PROCEDURE, original.id, "not_met", "Not enough")
    demo_session.commit()


def test_an_application_under_review_may_close_one_with_its_answer_may_not(demo_session) -> None:
    lead = _lead(demo_session)
    met = _applied(demo_session)
    applications.decide(demo_session, lead, PROCEDURE, met.id, "discretion", "A vulnerable victim")
    not_met = _applied(demo_session)
    applications.decide(demo_session, lead, PROCEDURE, not_met.id, "not_met", "Not enough")
    demo_session.commit()

    assert closing.closable(demo_session, lead, PROCEDURE, met.id).stage == "under review"
    _withdraw(demo_session, met)
    demo_session.commit()
    assert _last_entry(demo_session, "trigger.withdraw").basis.startswith(
        "withdrawn by the applicant under review"
    )
    assert deadlines.next_clock(met, PROCEDURE, clock.today()) is None

    shown = closing.closable(demo_session, lead, PROCEDURE, not_met.id)
    assert not shown.live
    assert "decided not met" in shown.why_not
    with pytest.raises(InputError) as refused:
        _withdraw(demo_session, not_met)
    assert refused.value.field == handling.ALREADY_DONE
    demo_session.rollback()


def test_a_closed_applications_retention_runs_from_the_day_it_closed(demo_session) -> None:
    application = _applied(demo_session, days_ago=40)
    closing.record_withdrawal(
        demo_session,
        _lead(demo_session),
        PROCEDURE,
        application.id,
        clock.today() - timedelta(days=30),
        NOTE,
        now=clock.now() - timedelta(days=30),
    )
    demo_session.commit()
    closed = clock.day_of(application.closed_at)
    assert retention.told_on(application, PROCEDURE, clock.today()) == closed
    assert retention.kept_until(application, PROCEDURE, clock.today()) == clock.full_years_after(
        closed, PROCEDURE.retention.years_after_outcome
    )


def _closed(
    session: Session, application: TriggerApplication, of: TriggerApplication | None = None
) -> None:
    """Close a bare application as the figures read it (withdrawn, or a duplicate of
    ``of``)."""
    application.closed_at = clock.uk_moment(application.received_on, 12, 0)
    if of is None:
        application.withdrawn_on = application.received_on
    else:
        application.duplicate_of_id = of.id


def test_the_figures_count_a_withdrawn_application_as_received_and_a_duplicate_not_at_all(
    demo_session,
) -> None:
    met = ThresholdDecision.MET
    police = ("northshire-police",)
    live = _application(demo_session, date(2008, 5, 1), met, "three-complaints", held=police)
    _closed(demo_session, _application(demo_session, date(2008, 6, 1)))  # before its decision
    withdrawn_met = _application(
        demo_session, date(2008, 7, 1), met, "three-complaints", held=police
    )
    _closed(demo_session, withdrawn_met)  # under review
    _closed(
        demo_session, _application(demo_session, date(2008, 5, 2), met, "three-complaints"), live
    )
    _closed(demo_session, _application(demo_session, date(2008, 5, 3)), live)
    _application(demo_session, date(2008, 8, 1))  # still waiting for a decision
    demo_session.commit()

    lead = demo_actor(demo_session, PROCEDURE.lead, Role.TRIGGER_LEAD)
    shown = figures.figures(demo_session, lead, PROCEDURE, "2008-04", TODAY)

    assert shown.totals == figures.Totals(
        applications=4,  # the two duplicates are not second applications
        not_met=0,  # a withdrawn application has no threshold decision
        reviews=0,
        with_recommendations=0,
        pending=1,  # the one withdrawn before its decision is not waiting
        appeals=0,
        withdrawn=2,
        duplicates=2,
    )
    # The partnership's figures show the same four totals.
    partnership = figures.totals_between(
        demo_session, PROCEDURE, date(2008, 4, 1), date(2009, 4, 1), TODAY
    )
    assert [n for _, n in partnership] == [4, 0, 0, 0]
    lines = figure_csv.csv_text(shown).splitlines()
    assert any(line.endswith(",2") and "withdrew" in line for line in lines)
