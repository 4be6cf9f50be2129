"""Attempts to sign in sent at the same moment, as a script guessing passwords or codes in
parallel would send them, on SQLite and PostgreSQL: each wrong one counts, so the fifth
locks the account whatever their timing, and a security code signs in once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

import pyotp
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import accounts, agency_accounts, clock, sign_in_checks
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import Agency, AuditEntry, AuditQueued, User
from sharing.sign_in_checks import SignInOutcome
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST

PASSWORD = "a long pass phrase nobody guesses 42"
SECRET = pyotp.random_base32()


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


@pytest.fixture
def user_id(sessions: sessionmaker[Session]) -> Iterator[int]:
    """An officer of the demo's first agency, with an authenticator app."""
    with sessions() as session:
        user = accounts.create_user(
            session,
            agency=session.scalars(select(Agency).order_by(Agency.id)).first(),
            email="racing.officer@larkmoor-ha.example",
            display_name="Racing Officer",
            roles={Role.CASE_OFFICER},
            password=PASSWORD,
            totp_secret=SECRET,
        )
        session.commit()
        yield user.id


def _at_once(
    sessions: sessionmaker[Session],
    user_id: int,
    n: int,
    attempt: Callable[[Session, User], object],
) -> Counter[object]:
    """``attempt`` made by ``n`` requests at the same moment, each in its own transaction;
    how many answered what."""
    start = threading.Barrier(n, timeout=60)
    answers: list[object] = []

    def request() -> None:
        with sessions() as session:
            user = session.get(User, user_id)
            assert user is not None
            start.wait()
            answers.append(attempt(session, user))
            session.commit()

    threads = [threading.Thread(target=request) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == n, "a request failed"
    return Counter(answers)


def _failures(sessions: sessionmaker[Session], user_id: int) -> Counter[str]:
    """The failed sign-ins recorded for the user, whether in the log yet or still queued."""
    with sessions() as session:
        return Counter(
            basis or ""
            for table in (AuditEntry, AuditQueued)
            for basis in session.scalars(
                select(table.basis).where(
                    table.action == "sign_in.failed", table.actor_user_id == user_id
                )
            )
        )


def test_wrong_passwords_sent_together_each_count_and_the_fifth_locks(
    sessions: sessionmaker[Session], user_id: int
) -> None:
    answers = _at_once(
        sessions,
        user_id,
        12,
        lambda session, user: (
            sign_in_checks.authenticate(session, user.email, "wrong guess").outcome
        ),
    )

    assert answers[SignInOutcome.BAD_CREDENTIALS] == 4
    assert answers[SignInOutcome.LOCKED] == 8
    assert _failures(sessions, user_id) == {
        "wrong password": 4,
        "wrong password; account locked for 15 minutes": 1,
        "account locked after repeated failures": 7,
    }
    with sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        right = sign_in_checks.authenticate(session, user.email, PASSWORD)
        assert right.outcome is SignInOutcome.LOCKED


def _code_now() -> str:
    return pyotp.TOTP(SECRET).at(clock.now())


def test_one_security_code_sent_from_several_browsers_signs_in_one(
    sessions: sessionmaker[Session], user_id: int
) -> None:
    code = _code_now()
    moment = clock.now()

    answers = _at_once(
        sessions,
        user_id,
        4,
        lambda session, user: sign_in_checks.second_factor(session, user, code, moment).outcome,
    )

    assert answers == {SignInOutcome.OK: 1, SignInOutcome.BAD_CREDENTIALS: 3}


def test_wrong_security_codes_sent_together_each_count_and_lock(
    sessions: sessionmaker[Session], user_id: int
) -> None:
    moment: datetime = clock.now()
    wrong = f"{(int(_code_now()) + 1) % 1_000_000:06d}"

    answers = _at_once(
        sessions,
        user_id,
        10,
        lambda session, user: sign_in_checks.second_factor(session, user, wrong, moment).outcome,
    )

    assert answers == {SignInOutcome.BAD_CREDENTIALS: 4, SignInOutcome.LOCKED: 6}
    with sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        assert sign_in_checks.is_locked(user, clock.now())
        right = sign_in_checks.second_factor(session, user, _code_now())
        assert right.outcome is SignInOutcome.LOCKED
        session.commit()
    # Each refused, the right code on the locked account too, is in the log.
    assert _failures(sessions, user_id) == {
        "wrong security code": 4,
        "wrong security code; account locked for 15 minutes": 1,
        "account locked after repeated failures": 6,
    }


def _disable_meanwhile(sessions: sessionmaker[Session], user_id: int) -> None:
    """An administrator disables the account, committed in a request of their own."""
    with sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        agency_accounts.set_active(session, user, False)
        session.commit()


def test_an_account_disabled_while_its_password_is_checked_is_not_signed_in(
    sessions: sessionmaker[Session], user_id: int
) -> None:
    with sessions() as session:
        user = session.get(User, user_id)  # read as active, before the password is checked
        assert user is not None
        _disable_meanwhile(sessions, user_id)

        result = sign_in_checks.authenticate(session, user.email, PASSWORD)
        session.commit()

    assert result.outcome is SignInOutcome.BAD_CREDENTIALS
    assert _failures(sessions, user_id) == {"account disabled while signing in": 1}


def test_an_account_disabled_while_its_security_code_is_checked_is_not_signed_in(
    sessions: sessionmaker[Session], user_id: int
) -> None:
    with sessions() as session:
        user = session.get(User, user_id)  # the sign-in half done found it active
        assert user is not None
        _disable_meanwhile(sessions, user_id)

        result = sign_in_checks.second_factor(session, user, _code_now())
        session.commit()

    assert result.outcome is SignInOutcome.BAD_CREDENTIALS
    assert _failures(sessions, user_id) == {"account disabled while signing in": 1}
