"""A step taken once (a lock request decided, a Community Trigger threshold decided) sent
twice at the same moment, on PostgreSQL: a manager's lock decision sent from two tabs, a
lead's threshold decision too. The first is recorded; the second waits for it, then is
refused as already taken, with nothing written but its refusal. Without the wait both
would read "not yet" and both write: two audit entries, the second decision over the
first (a lock approved and refused at once), or a failure the user would see as an error.

Each race holds the first step's transaction open, its step taken, until the second is
waiting for a lock (or, had it not waited, has taken its step too): only then does the
first commit. No sleep decides the order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.audit.log import integrate
from sharing.cases import locks, shares, survey
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.models import (
    Action,
    Agency,
    AuditEntry,
    Case,
    ClosureSurvey,
    ClosureSurveyAnswer,
    LockRequest,
    ProtocolRecord,
    Share,
    TriggerApplication,
    TriggerBodyCount,
    TriggerCaseRequest,
    User,
)
from sharing.trigger import applications, retention, review
from sharing.vocabulary import (
    ActionKind,
    LockReason,
    LockStatus,
    PartyRole,
    Role,
    SurveyChannel,
    ThresholdDecision,
)
from tests.fixtures.app import TEST_COST
from tests.fixtures.databases import waiting_for_a_lock
from tests.fixtures.demo import demo_actor, open_cases, shared_with_agency
from tests.fixtures.surveys import SURVEY, closed_case
from tests.sharing.trigger.test_complaints import (
    PROCEDURE,
    _phoned_by_a_repeat_victim,
)

#: On PostgreSQL only: SQLite lets one transaction write at a time, and has no view of who
#: waits for a lock.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

#: How long a race may take before the test gives up on it (never reached when it passes).
PATIENCE_SECONDS = 60

Step = Callable[[Session], object]


def _race(engine: Engine, sessions: sessionmaker[Session], first: Step, second: Step) -> list[str]:
    """Take ``first`` and ``second`` each in its own transaction, the second while the
    first's is still open; what each was answered ("done", or the refusal's message), in
    that order."""
    first_taken, second_over, let_go = threading.Event(), threading.Event(), threading.Event()
    answers = ["", ""]

    def take(index: int, step: Step) -> None:
        with sessions() as session:
            try:
                step(session)
                answers[index] = "done"
            except InputError as refused:
                answers[index] = refused.message
                acts.roll_back_keeping_refusals(session)
            except SQLAlchemyError as failed:  # what a request would answer with a 500
                answers[index] = type(failed).__name__
                session.rollback()
            finally:
                (second_over if index else first_taken).set()
            if index == 0:
                let_go.wait(PATIENCE_SECONDS)
            session.commit()

    threads = [threading.Thread(target=take, args=pair) for pair in enumerate((first, second))]
    threads[0].start()
    assert first_taken.wait(PATIENCE_SECONDS)
    threads[1].start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not (second_over.is_set() or waiting_for_a_lock(engine)):
        assert time.monotonic() < deadline, "the second step neither waited nor ended"
        time.sleep(0.01)
    let_go.set()
    for thread in threads:
        thread.join(PATIENCE_SECONDS)
    return answers


def _entries(
    session: Session,
    action: acts.Action,
    object_type: str,
    object_id: int,
    outcome: acts.Outcome = acts.Outcome.ALLOWED,
) -> int:
    """How many entries of the audit log record ``action`` on the object with ``outcome``."""
    integrate(session)
    session.commit()
    return session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == action.value,
            AuditEntry.outcome == outcome.value,
            AuditEntry.object_type == object_type,
            AuditEntry.object_id == str(object_id),
        )
    )


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def test_a_lock_approved_and_refused_at_once_records_the_first_decision_only(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case = open_cases(session, "larkmoor-ha")[0]
        officer = Actor.of(session.get(User, case.officer_id))
        request = locks.request_lock(
            session,
            authorise(session, officer, case.id, Act.REQUEST_LOCK),
            LockReason.SENSITIVE,
            "The reported person is a member of staff",
        )
        session.commit()
        manager = demo_actor(session, "larkmoor-ha", Role.MANAGER)

    answers = _race(
        demo_database[0],
        sessions,
        lambda s: locks.decide_lock(s, manager, request.id, approve=True),
        lambda s: locks.decide_lock(s, manager, request.id, approve=False, reason="Not needed"),
    )

    assert answers == ["done", "This request has already been decided"]
    with sessions() as session:
        decided = session.get(LockRequest, request.id)
        assert decided.status is LockStatus.APPROVED
        assert session.get(Case, case.id).locked
        assert _entries(session, acts.Action.LOCK_DECIDE, "case", case.id) == 1


def test_a_lock_asked_for_twice_at_once_waits_for_one_manager(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case = open_cases(session, "larkmoor-ha")[0]
        officer = Actor.of(session.get(User, case.officer_id))

    def ask(session: Session) -> None:
        locks.request_lock(
            session,
            authorise(session, officer, case.id, Act.REQUEST_LOCK),
            LockReason.SENSITIVE,
            "The reported person is a member of staff",
        )

    answers = _race(demo_database[0], sessions, ask, ask)

    assert answers == ["done", "A request for this case is already waiting for a manager"]
    with sessions() as session:
        waiting = session.scalars(select(LockRequest).where(LockRequest.case_id == case.id))
        assert len(waiting.all()) == 1
        assert _entries(session, acts.Action.LOCK_REQUEST, "case", case.id) == 1


def test_a_threshold_decision_sent_twice_at_once_is_recorded_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        lead = demo_actor(session, "northshire-csp", Role.TRIGGER_LEAD)
        application = _phoned_by_a_repeat_victim(session, lead)
        session.commit()

    def deciding(decision: str) -> Step:
        return lambda s: applications.decide(
            s, lead, PROCEDURE, application.id, decision, "Decided on the counts and the victim"
        )

    answers = _race(demo_database[0], sessions, deciding("discretion"), deciding("not_met"))

    assert answers == ["done", "The threshold decision is already recorded. Nothing was changed."]
    with sessions() as session:
        decided = session.get(TriggerApplication, application.id)
        assert decided.decision is ThresholdDecision.DISCRETION
        counts = session.scalars(
            select(TriggerBodyCount).where(TriggerBodyCount.application_id == application.id)
        ).all()
        assert len(counts) == len({c.agency_id for c in counts})
        subject = ("trigger_application", application.id)
        assert _entries(session, acts.Action.TRIGGER_DECIDE, *subject) == 1
        refused = _entries(session, acts.Action.TRIGGER_DECIDE, *subject, acts.Outcome.REFUSED)
        assert refused == 1  # the second, refused as already done


def test_the_agencies_asked_twice_at_once_about_an_application_are_asked_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """ "Ask the agencies to confirm their complaints" double-clicked: the second waits for
    the first, then finds every agency asked; each case is asked once, its holders told
    once, and neither send fails."""
    with sessions() as session:
        lead = demo_actor(session, "northshire-csp", Role.TRIGGER_LEAD)
        application = _phoned_by_a_repeat_victim(session, lead)
        session.commit()

    def ask(session: Session) -> None:
        review.ask_holders(session, lead, PROCEDURE, application.id)

    answers = _race(demo_database[0], sessions, ask, ask)

    assert answers == ["done", "done"]
    with sessions() as session:
        asked = session.scalars(
            select(TriggerCaseRequest.case_id).where(
                TriggerCaseRequest.application_id == application.id
            )
        ).all()
        assert asked
        assert len(asked) == len(set(asked))


def test_an_application_erased_twice_at_once_is_erased_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """ "Erase this application" sent from two tabs (or a double click): the second waits
    for the first and is told it is erased already; the log records one erasure."""
    with sessions() as session:
        lead = demo_actor(session, "northshire-csp", Role.TRIGGER_LEAD)
        manager = demo_actor(session, "northshire-csp", Role.MANAGER)
        then = clock.now() - timedelta(days=60)
        application = _phoned_by_a_repeat_victim(session, lead)
        application.received_on = clock.day_of(then)
        applications.decide(
            session, lead, PROCEDURE, application.id, "not_met", "Not the same problem", now=then
        )
        session.commit()

    def erase(session: Session) -> None:
        retention.erase_application(session, manager, PROCEDURE, application.id)

    answers = _race(demo_database[0], sessions, erase, erase)

    assert answers[0] == "done"
    assert "was erased on" in answers[1]
    with sessions() as session:
        subject = ("trigger_application", application.id)
        assert _entries(session, acts.Action.TRIGGER_ERASE, *subject) == 1


def test_a_case_shared_with_the_same_partner_twice_at_once_is_shared_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case = next(
            c
            for c in open_cases(session, "northshire-homes")
            if not shared_with_agency(session, c, "northshire-police", "asb_case_management")
        )
        officer = Actor.of(session.get(User, case.officer_id))
        police = session.scalar(select(Agency.id).where(Agency.code == "northshire-police"))
        protocol = session.scalar(
            select(ProtocolRecord.id).where(
                ProtocolRecord.key == "northshire-asb-case-management",
                ProtocolRecord.status == "active",
            )
        )

    def share(session: Session) -> None:
        shares.share_case(
            session,
            authorise(session, officer, case.id, Act.SHARE),
            agency_id=police,
            protocol_id=protocol,
            purpose="asb_case_management",
            until=clock.today() + timedelta(days=30),
        )

    answers = _race(demo_database[0], sessions, share, share)

    assert answers[0] == "done"
    assert answers[1].startswith("This case is already shared with Northshire")
    with sessions() as session:
        live = session.scalars(
            select(Share).where(
                Share.case_id == case.id,
                Share.agency_id == police,
                Share.revoked_at.is_(None),
            )
        )
        assert len(live.all()) == 1


def _survey_by_link(sessions: sessionmaker[Session]) -> tuple[int, str]:
    """A closed case whose complainant was given the survey's link: the case, the link."""
    with sessions() as session:
        case = closed_case(session, "northshire-homes", PartyRole.VICTIM)
        _, token = survey.offer_link(
            session, authorise(session, Actor.of(case.officer), case.id, Act.CLOSE), SURVEY
        )
        session.commit()
        return case.id, token


def _answering_online(token: str, answer: str) -> Step:
    def answering(session: Session) -> None:
        try:
            survey.answer_online(session, SURVEY, token, {q.id: answer for q in SURVEY.questions})
        except NotFound:  # what the page says: the link does not work
            raise InputError("link", "This survey link does not work") from None

    return answering


def test_a_survey_answer_sent_twice_at_once_by_its_link_is_kept_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The complainant's Send clicked twice: the first answers are kept; the second is
    told the link does not work (it was used), where it failed with an error as it wrote
    the same answers again."""
    case_id, token = _survey_by_link(sessions)

    answers = _race(
        demo_database[0],
        sessions,
        _answering_online(token, "very_dissatisfied"),
        _answering_online(token, "very_dissatisfied"),
    )

    assert answers == ["done", "This survey link does not work"]
    with sessions() as session:
        kept = session.scalar(select(ClosureSurvey).where(ClosureSurvey.case_id == case_id))
        assert kept.answered_at is not None
        assert len(kept.answers) == len(SURVEY.questions)
        follow_ups = session.scalars(
            select(Action).where(
                Action.case_id == case_id, Action.kind == ActionKind.DISSATISFACTION_FOLLOW_UP
            )
        )
        assert len(follow_ups.all()) == 1


def test_a_survey_answered_online_as_the_officer_records_it_by_phone_keeps_the_first(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The complainant answers by the link while their officer records their answers by
    phone: the answers sent first are kept, and the officer is told the survey is
    already recorded, where the officer's record removed the link's survey with the
    complainant's answers in it and kept its own."""
    case_id, token = _survey_by_link(sessions)
    with sessions() as session:
        officer = Actor.of(session.get(Case, case_id).officer)

    def by_phone(session: Session) -> None:
        survey.record_survey(
            session,
            authorise(session, officer, case_id, Act.CLOSE),
            SURVEY,
            survey.SurveyInput(
                channel="phone", answers={q.id: "fairly_satisfied" for q in SURVEY.questions}
            ),
        )

    answers = _race(
        demo_database[0], sessions, _answering_online(token, "very_satisfied"), by_phone
    )

    assert answers == ["done", "The survey for this case is already recorded"]
    with sessions() as session:
        (kept,) = session.scalars(select(ClosureSurvey).where(ClosureSurvey.case_id == case_id))
        assert kept.channel is SurveyChannel.LINK
        assert {a.answer.value for a in kept.answers} == {"very_satisfied"}
        stored = session.scalars(
            select(ClosureSurveyAnswer).where(ClosureSurveyAnswer.survey_id == kept.id)
        )
        assert len(stored.all()) == len(SURVEY.questions)


def test_a_case_locked_while_it_is_being_shared_is_not_shared(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The officer opens the share form on an unlocked case; a manager approves a lock
    before the share is saved. The share waits for the lock's decision, then is refused
    (recorded): a locked case is never shared, so it could not reach the partner once the
    case is unlocked, nor the partner learn of it meanwhile."""
    with sessions() as session:
        case = next(
            c
            for c in open_cases(session, "northshire-homes")
            if not shared_with_agency(session, c, "northshire-police", "asb_case_management")
        )
        officer = Actor.of(session.get(User, case.officer_id))
        request = locks.request_lock(
            session,
            authorise(session, officer, case.id, Act.REQUEST_LOCK),
            LockReason.SENSITIVE,
            "The reported person is a member of staff",
        )
        session.commit()
        manager = next(
            Actor.of(u)
            for u in session.scalars(select(User).where(User.agency_id == case.agency_id))
            if Role.MANAGER in u.roles and u.id != officer.user_id
        )
        police = session.scalar(select(Agency.id).where(Agency.code == "northshire-police"))
        protocol = session.scalar(
            select(ProtocolRecord.id).where(
                ProtocolRecord.key == "northshire-asb-case-management",
                ProtocolRecord.status == "active",
            )
        )

    def share(session: Session) -> None:
        form_opened = authorise(session, officer, case.id, Act.SHARE)  # before the lock
        try:
            shares.share_case(
                session,
                form_opened,
                agency_id=police,
                protocol_id=protocol,
                purpose="asb_case_management",
                until=clock.today() + timedelta(days=30),
            )
        except NotAllowed as refused:
            raise InputError("agency_id", str(refused)) from None

    answers = _race(
        demo_database[0],
        sessions,
        lambda s: locks.decide_lock(s, manager, request.id, approve=True),
        share,
    )

    assert answers == [
        "done",
        "a locked case cannot be shared: it is restricted to its named users",
    ]
    with sessions() as session:
        assert session.get(Case, case.id).locked
        assert (
            session.scalar(select(Share).where(Share.case_id == case.id, Share.agency_id == police))
            is None
        )
        assert _entries(session, acts.Action.SHARE, "case", case.id) == 0
        assert _entries(session, acts.Action.SHARE, "case", case.id, acts.Outcome.REFUSED) == 1
