"""How long a Community Trigger application is kept, and the daily sweep that erases it
(demo partnership, one copy for the module). The clock starts when the applicant has been
told the last word: a "not met" decision or the outcome letter once no appeal can follow,
or the appeal decision; never while an appeal may still come or waits for its decision.
Days are the partnership's: a decision at 00:30 on a summer night is that day's."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.reveal import ERASED, reveal
from sharing.models import AuditEntry, DataKey, TriggerApplication, TriggerLetter
from sharing.trigger import applications, handling, input_checks, retention
from sharing.vocabulary import AppealDecision, LetterKind, Role, ThresholdDecision
from tests.fixtures.demo import demo_actor
from tests.sharing.trigger.test_complaints import PROCEDURE

NAME = "Quennell-Abernethy"
PROBLEM = "Fireworks thrown at the door of the flat every weekend"


def _not_met(session: Session, email: str = "") -> TriggerApplication:
    """Received 29 June 2026, decided not met at 00:30 on Friday 10 July 2026 (British
    Summer Time: 9 July in UTC); its appeal could be made until 7 August 2026."""
    lead = demo_actor(session, PROCEDURE.lead, Role.TRIGGER_LEAD)
    application = applications.record_application(
        session,
        lead,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=date(2026, 6, 29),
            channel="phone",
            victim_kind="person",
            victim_family_name=NAME,
            victim_email=email,
            victim_address="" if email else "Flat 2, 7 Test Row",
            problem=PROBLEM,
        ),
        now=clock.uk_moment(date(2026, 6, 29), 10, 0),
    )
    applications.decide(
        session,
        lead,
        PROCEDURE,
        application.id,
        "not_met",
        "One complaint only",
        now=clock.uk_moment(date(2026, 7, 10), 0, 30),
    )
    session.commit()
    return application


def _at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    moment = clock.uk_moment(day, hour, minute)
    assert moment is not None
    return moment


def test_a_not_met_decision_is_told_once_the_last_day_to_appeal_has_passed(demo_session) -> None:
    application = _not_met(demo_session)
    assert retention.told_on(application, PROCEDURE, date(2026, 8, 7)) is None  # may appeal
    assert retention.told_on(application, PROCEDURE, date(2026, 8, 8)) == date(2026, 7, 10)
    assert retention.kept_until(application, PROCEDURE, date(2026, 8, 8)) == date(2029, 7, 10)


def test_an_appeal_received_stops_the_clock_until_its_decision(demo_session) -> None:
    application = _not_met(demo_session)
    application.appeal_received_on = date(2026, 8, 3)
    assert retention.told_on(application, PROCEDURE, date(2030, 1, 1)) is None
    application.appeal_decision = AppealDecision.NOT_UPHELD
    application.appeal_decided_on = date(2026, 9, 14)
    assert retention.told_on(application, PROCEDURE, date(2030, 1, 1)) == date(2026, 9, 14)
    demo_session.rollback()


def test_a_review_is_told_by_its_outcome_letter_once_no_appeal_can_follow(demo_session) -> None:
    application = _not_met(demo_session)
    application.decision = ThresholdDecision.MET
    assert retention.told_on(application, PROCEDURE, date(2030, 1, 1)) is None  # no outcome
    application.outcome_on = date(2026, 9, 1)
    last = date(2026, 9, 29)  # 20 working days after Tuesday 1 September
    assert retention.told_on(application, PROCEDURE, last) is None
    assert retention.told_on(application, PROCEDURE, date(2026, 9, 30)) == date(2026, 9, 1)
    demo_session.rollback()


def test_the_sweep_erases_on_the_uk_day_three_years_after_and_not_the_day_before(
    demo_session,
) -> None:
    application = _not_met(demo_session, email="q.abernethy@example.org")
    key_id = application.data_key_id
    # A letter still waiting to be e-mailed (the threshold decision's).
    waiting = demo_session.scalar(
        select(TriggerLetter).where(
            TriggerLetter.application_id == application.id,
            TriggerLetter.kind == LetterKind.THRESHOLD,
        )
    )
    assert waiting is not None
    assert waiting.sent_at is None

    # 23:59 on 9 July 2029 in England: the day before its retention ends.
    with clock.pinned(_at(date(2029, 7, 9), 23, 59)):
        retention.sweep(demo_session, PROCEDURE)
        demo_session.commit()
    assert application.erased_at is None
    assert reveal(handling.LEAD, application, ("problem",))["problem"] == PROBLEM

    # 00:10 on 10 July 2029 in England (still 9 July in UTC): the day it ends.
    with clock.pinned(_at(date(2029, 7, 10), 0, 10)) as now:
        swept = retention.sweep(demo_session, PROCEDURE)
        demo_session.commit()
    assert swept.erased >= 1
    demo_session.expire_all()
    assert application.erased_at == now
    assert demo_session.get(DataKey, key_id).wrapped is None
    shown = reveal(handling.LEAD, application, handling.DETAILS)
    assert shown["problem"] == ERASED
    assert shown["victim_family_name"] == ERASED
    # What the figures count stays.
    assert application.decision is ThresholdDecision.NOT_MET
    assert application.received_on == date(2026, 6, 29)
    assert application.reference.startswith("ASBR-2026-")
    # The letter waiting is given up, and never sent.
    demo_session.refresh(waiting)
    assert waiting.sent_at is None
    assert waiting.failed_why == retention.LETTERS_GIVEN_UP

    # The erasure is one entry of the hub's own, naming nothing personal.
    (entry,) = demo_session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "trigger.erase",
            AuditEntry.object_id == str(application.id),
        )
    ).all()
    assert entry.outcome == "allowed"
    assert entry.actor_user_id is None
    assert entry.basis == "data key destroyed: retention ended"
    written = " ".join(str(v) for v in vars(entry).values() if v is not None).lower()
    for personal in (NAME, PROBLEM, "q.abernethy@example.org", "one complaint only"):
        assert personal.lower() not in written

    # Running it again changes nothing.
    with clock.pinned(_at(date(2029, 7, 10), 0, 20)):
        assert retention.sweep(demo_session, PROCEDURE).erased == 0
        demo_session.commit()
    demo_session.expire_all()
    assert application.erased_at == now


def test_the_sweep_keeps_what_is_undecided_or_waits_for_an_appeal(demo_session) -> None:
    undecided = _not_met(demo_session)
    undecided.decision, undecided.decided_at = None, None
    may_appeal = _not_met(demo_session)
    appealed = _not_met(demo_session)
    appealed.appeal_received_on = date(2026, 8, 3)
    reviewed = _not_met(demo_session)
    reviewed.decision = ThresholdDecision.MET  # the panel has not written its outcome
    demo_session.commit()
    # Years later, for every one of them but the one that may still appeal.
    with clock.pinned(_at(date(2036, 1, 5))):
        swept = retention.sweep(demo_session, PROCEDURE)
        demo_session.commit()
    assert swept.open >= 3
    for kept in (undecided, appealed, reviewed):
        assert kept.erased_at is None
    assert may_appeal.erased_at is not None

    # While the last day to appeal has not passed, the clock has not started.
    fresh = _not_met(demo_session)
    with clock.pinned(_at(date(2026, 8, 7), 23, 0)):
        retention.sweep(demo_session, PROCEDURE)
        demo_session.commit()
    assert fresh.erased_at is None


def test_a_procedure_without_retention_erases_nothing(demo_session) -> None:
    application = _not_met(demo_session)
    keeping = replace(PROCEDURE, retention=None)
    with clock.pinned(_at(date(2040, 1, 2))):
        swept = retention.sweep(demo_session, keeping)
        demo_session.commit()
    assert swept.erased == 0
    assert application.erased_at is None


def test_an_application_closed_on_29_february_is_kept_until_1_march_three_years_on() -> None:
    """ "Three years after" a 29 February ends on 1 March in a year without one: never
    before three full years, as the protocol's retention reads."""
    closed = TriggerApplication(closed_at=_at(date(2028, 2, 29), 15, 0))
    today = date(2028, 3, 1)
    assert retention.told_on(closed, PROCEDURE, today) == date(2028, 2, 29)
    assert retention.kept_until(closed, PROCEDURE, today) == date(2031, 3, 1)
