"""``hub users create`` with an address at a domain another agency's staff use, and nobody
at the agency yet, asks once, naming who uses it, as adding someone on the web does: a yes
creates the account, a no (or, with no one to ask, no ``--yes-shared-domain``) creates
nothing and is recorded as the web's form records it."""

from __future__ import annotations

import os
import pty
import select as waiting
import subprocess
import sys

import pytest
from sqlalchemy import select

from sharing import accounts
from sharing.audit import basis_names, reasons
from sharing.db import make_engine, make_session_factory
from sharing.models import Agency, Area, AuditEntry, User
from sharing.vocabulary import AgencyType, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.cli import hub

pytestmark = pytest.mark.long

PASSWORD = "a-long-enough-password"
SHARED = "ann@shire.example"
ASKED = (
    "shire.example is already used by staff of Cli Police, and nobody at Cli Homes has an "
    "address there yet"
)


def _set_up(url: str) -> None:
    """Two agencies: the police's staff have addresses at shire.example, the homes' none."""
    hub("db", "upgrade")
    engine = make_engine(url)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        area = Area(code="cli", name="Cli area")
        homes, police = (
            Agency(code=code, name=name, type=kind, area=area, case_prefix=prefix)
            for code, name, kind, prefix in (
                ("cli-homes", "Cli Homes", AgencyType.LANDLORD, "CH"),
                ("cli-police", "Cli Police", AgencyType.POLICE, "CP"),
            )
        )
        session.add_all([homes, police])
        session.flush()
        accounts.create_user(
            session,
            agency=police,
            email="pc@shire.example",
            display_name="Pat Constable",
            roles={Role.CASE_OFFICER},
            password=PASSWORD,
        )
        session.commit()
    engine.dispose()


def _create(*extra: str) -> list[str]:
    return [
        "users",
        "create",
        "--agency",
        "cli-homes",
        "--email",
        SHARED,
        "--name",
        "Ann Analyst",
        "--role",
        "analyst",
        *extra,
    ]


def _state(url: str) -> tuple[User | None, list[AuditEntry]]:
    """The account at the shared address, if any, and the account entries in order."""
    engine = make_engine(url)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        user = session.scalar(select(User).where(User.email == SHARED))
        entries = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "account.create")
                .order_by(AuditEntry.seq)
            )
        )
        session.expunge_all()
    engine.dispose()
    return user, entries


def test_a_script_is_refused_an_address_at_another_agencys_domain_without_the_flag(
    migrated_hub_env: str,
) -> None:
    _set_up(migrated_hub_env)
    refused = hub(*_create(), input=PASSWORD + "\n")
    assert refused.exit_code == 1
    assert ASKED in refused.output
    assert "--yes-shared-domain" in refused.output
    assert "Traceback" not in refused.output
    user, entries = _state(migrated_hub_env)
    assert user is None
    entry = entries[-1]
    assert (entry.outcome, entry.basis) == (
        "refused",
        "on the command line: refused input: other_domain",
    )
    homes = _agency_id(migrated_hub_env, "cli-homes")
    assert entry.actor_agency_id == homes  # on the agency's log, as the web's refusal is
    assert reasons.in_words(entry.basis, basis_names.Names()) == (
        "On the command line: Refused: the address at another agency's domain was not "
        "confirmed as theirs"
    )

    created = hub(*_create("--yes-shared-domain"), input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    user, entries = _state(migrated_hub_env)
    assert user is not None
    assert user.agency_id == homes
    assert (entries[-1].outcome, entries[-1].basis) == ("allowed", "roles analyst")


def test_an_address_at_a_domain_nobody_else_uses_is_not_asked_about(
    migrated_hub_env: str,
) -> None:
    _set_up(migrated_hub_env)
    created = hub(*_create()[:5], "bo@homes.example", *_create()[6:], input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    assert "already used" not in created.output


@pytest.mark.parametrize(("answer", "created"), [("n", False), ("y", True)])
def test_someone_at_a_terminal_is_asked_naming_who_uses_the_domain(
    migrated_hub_env: str, answer: str, created: bool
) -> None:
    _set_up(migrated_hub_env)
    said = _at_a_terminal(_create(), [("Is this their address at Cli Homes?", answer)])
    user, entries = _state(migrated_hub_env)
    assert ASKED in said
    assert (user is not None) is created
    assert entries[-1].outcome == ("allowed" if created else "refused")


def _at_a_terminal(args: list[str], answers: list[tuple[str, str]]) -> str:
    """Run ``hub`` with a terminal as its standard input, answering each prompt that
    appears (the password's twice after the question), and return what it wrote."""
    answers = [*answers, ("Password: ", PASSWORD), ("Repeat for confirmation: ", PASSWORD)]
    main, terminal = pty.openpty()
    run = subprocess.Popen(  # noqa: S603 - this interpreter, the hub's own command
        [sys.executable, "-c", "from hub.cli import main; main()", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    said, answered = "", 0
    while True:
        ready, _, _ = waiting.select([main], [], [], 60)
        if not ready:
            run.kill()
            break
        try:
            chunk = os.read(main, 1024).decode(errors="replace")
        except OSError:  # the command ended and closed the terminal
            break
        if not chunk:
            break
        said += chunk
        if answers and answers[0][0] in said[answered:]:
            os.write(main, (answers.pop(0)[1] + "\n").encode())
            answered = len(said)
    run.wait()
    os.close(main)
    return said.replace("\r", "")


def _agency_id(url: str, code: str) -> int:
    engine = make_engine(url)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        found = session.scalar(select(Agency.id).where(Agency.code == code))
    engine.dispose()
    assert found is not None
    return found
