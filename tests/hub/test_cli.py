"""The ``hub`` command line: migrations, users, the demo partnership."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from hub.cli import main
from sharing import accounts, clock, sign_in_checks, sign_in_sessions
from sharing.db import make_engine, make_session_factory
from sharing.demo import DEMO_PASSWORD, accounts_markdown
from sharing.models import Agency, Area, AuditEntry, Base, User
from sharing.trigger import workdays
from sharing.vocabulary import AgencyType, Role
from tests.fixtures.app import TEST_COST, TEST_HASHING, own_partnership_files
from tests.fixtures.cli import hub

pytestmark = pytest.mark.long


def _with_agency(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        area = Area(code="cli", name="Cli area")
        session.add(
            Agency(
                code="cli-homes",
                name="Cli Homes",
                type=AgencyType.LANDLORD,
                area=area,
                case_prefix="CH",
            )
        )
        session.commit()
    engine.dispose()


@pytest.mark.parametrize("revision", ["nonexistent", ""])
def test_db_upgrade_to_a_revision_it_does_not_know_says_so_and_changes_nothing(
    hub_env: str, revision: str
) -> None:
    result = hub("db", "upgrade", "--revision", revision)
    assert result.exit_code == 2
    assert f"Invalid value for --revision: {revision!r} is not a migration" in result.output
    assert "Traceback" not in result.output
    engine = make_engine(hub_env)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_db_upgrade_creates_the_schema(hub_env: str) -> None:
    result = hub("db", "upgrade")
    assert result.exit_code == 0, result.output
    engine = make_engine(hub_env)
    assert {"cases", "incidents", "users", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_users_create_and_reset_password(migrated_hub_env: str) -> None:
    hub("db", "upgrade")
    _with_agency(migrated_hub_env)
    created = hub(
        "users",
        "create",
        "--agency",
        "cli-homes",
        "--email",
        "Officer@Cli.Example",
        "--name",
        "Olu Officer",
        "--role",
        "case_officer",
        "--role",
        "manager",
        input="a-long-enough-password\n",
    )
    assert created.exit_code == 0, created.output
    assert "authenticator app at first sign-in" in created.output
    reset = hub("users", "reset-password", "officer@cli.example", input="another-long-password\n")
    assert reset.exit_code == 0, reset.output
    assert "authenticator" not in reset.output
    lost = hub(
        "users",
        "reset-password",
        "officer@cli.example",
        "--reset-second-factor",
        input="another-long-password\n",
    )
    assert lost.output.endswith(
        "their authenticator app is removed: they set one up again at their next sign-in; "
        "their sessions have ended.\n"
    )
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        user = session.scalar(select(User))
        assert user.email == "officer@cli.example"
        assert {r.value for r in user.roles} == {"case_officer", "manager"}
        assert (
            sign_in_checks.authenticate(session, user.email, "another-long-password").outcome
            is sign_in_checks.SignInOutcome.OK
        )
    engine.dispose()


def test_creating_an_account_is_recorded_with_its_roles_never_its_address(
    migrated_hub_env: str,
) -> None:
    hub("db", "upgrade")
    _with_agency(migrated_hub_env)
    created = hub(
        "users",
        "create",
        "--agency",
        "cli-homes",
        "--email",
        "new.admin@cli.example",
        "--name",
        "Nia Newadmin",
        "--role",
        "administrator",
        "--role",
        "dpo",
        input="a-long-enough-password\n",
    )
    assert created.exit_code == 0, created.output
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        user = session.scalar(select(User))
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "account.create"))
        assert (entry.object_type, entry.object_id) == ("user", str(user.id))
        assert entry.actor_agency_id == user.agency_id
        assert entry.basis == "roles administrator,dpo"
        everything = repr([vars(e) for e in session.scalars(select(AuditEntry))]).lower()
        assert "new.admin" not in everything
        assert "nia" not in everything
    engine.dispose()


def test_users_sign_out_disable_and_enable(migrated_hub_env: str) -> None:
    hub("db", "upgrade")
    _with_agency(migrated_hub_env)
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        agency = session.scalar(select(Agency))
        user = accounts.create_user(
            session,
            agency=agency,
            email="officer@cli.example",
            display_name="Olu Officer",
            roles={Role.CASE_OFFICER},
            password="a-long-enough-password",
        )
        for _ in range(2):
            sign_in_sessions.start(session, user, method="password")
        session.commit()
    signed_out = hub("users", "sign-out", "officer@cli.example")
    assert signed_out.exit_code == 0, signed_out.output
    assert "Ended 2 sessions" in signed_out.output
    disabled = hub("users", "disable", "officer@cli.example")
    assert disabled.output.endswith("is disabled; their sessions have ended.\n")
    # Disabling it again changes nothing, and says so.
    again = hub("users", "disable", "officer@cli.example")
    assert again.exit_code == 0
    assert again.output.endswith("was already disabled: nothing changed.\n")
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        refused = sign_in_checks.authenticate(
            session, "officer@cli.example", "a-long-enough-password"
        )
        assert refused.outcome is sign_in_checks.SignInOutcome.BAD_CREDENTIALS
    assert hub("users", "enable", "officer@cli.example").output.endswith("can sign in again.\n")
    again = hub("users", "enable", "officer@cli.example")
    assert again.output.endswith("could already sign in: nothing changed.\n")
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        allowed = sign_in_checks.authenticate(
            session, "officer@cli.example", "a-long-enough-password"
        )
        assert allowed.outcome is sign_in_checks.SignInOutcome.OK
    engine.dispose()
    assert "no user with that e-mail address" in hub("users", "disable", "ghost@x.example").output


def test_users_set_roles_changes_roles_and_team_and_ends_sessions(migrated_hub_env: str) -> None:
    hub("db", "upgrade")
    _with_agency(migrated_hub_env)
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        user = accounts.create_user(
            session,
            agency=session.scalar(select(Agency)),
            email="officer@cli.example",
            display_name="Olu Officer",
            roles={Role.CASE_OFFICER},
            password="a-long-enough-password",
            team="North team",
        )
        sign_in_sessions.start(session, user, method="password")
        session.commit()
    done = hub("users", "set-roles", "officer@cli.example", "--role", "manager")
    assert done.exit_code == 0, done.output
    assert "now holds manager; their sessions have ended" in done.output
    same = hub("users", "set-roles", "officer@cli.example", "--role", "manager")
    assert "nothing changed" in same.output
    moved = hub("users", "set-roles", "officer@cli.example", "--role", "manager", "--team", "")
    assert moved.exit_code == 0, moved.output
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        user = session.scalar(select(User))
        assert {r.value for r in user.roles} == {"manager"}
        assert user.team is None
        assert not sign_in_sessions.live_counts(session, [user.id], timedelta(minutes=30))
        bases = session.scalars(
            select(AuditEntry.basis)
            .where(AuditEntry.action == "account.roles")
            .order_by(AuditEntry.seq)
        ).all()
        assert bases == ["roles case_officer to manager", "roles manager to manager; team changed"]
    engine.dispose()


def test_users_unlock_lifts_a_lock_out(migrated_hub_env: str) -> None:
    hub("db", "upgrade")
    _with_agency(migrated_hub_env)
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        user = accounts.create_user(
            session,
            agency=session.scalar(select(Agency)),
            email="officer@cli.example",
            display_name="Olu Officer",
            roles={Role.CASE_OFFICER},
            password="a-long-enough-password",
        )
        for _ in range(sign_in_checks.MAX_FAILED_SIGN_INS):
            sign_in_checks.authenticate(session, user.email, "not-the-password")
        session.commit()
    assert "is not locked out" not in hub("users", "unlock", "officer@cli.example").output
    assert "is not locked out" in hub("users", "unlock", "officer@cli.example").output
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        allowed = sign_in_checks.authenticate(
            session, "officer@cli.example", "a-long-enough-password"
        )
        assert allowed.outcome is sign_in_checks.SignInOutcome.OK
        assert session.scalar(
            select(AuditEntry.action).where(AuditEntry.action == "account.unlock")
        )
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--agency", "nowhere"], "a-long-enough-password", "no agency with the code 'nowhere'"),
        (["--agency", "cli-homes"], "short", "at least 12 characters"),
    ],
)
def test_users_create_refuses_bad_input_and_stores_nothing(
    migrated_hub_env: str, args, password: str, message: str
) -> None:
    hub("db", "upgrade")
    _with_agency(migrated_hub_env)
    result = hub(
        "users",
        "create",
        *args,
        "--email",
        "x@cli.example",
        "--name",
        "X",
        "--role",
        "case_officer",
        input=password + "\n",
    )
    assert result.exit_code != 0
    assert message in result.output
    assert _users(migrated_hub_env) == 0


@pytest.mark.parametrize(
    ("email", "name", "team", "message"),
    [
        ("@", "X", "", "Enter an e-mail address in the correct format"),
        ("a b@c d", "X", "", "Enter an e-mail address in the correct format"),
        ("x@cli.example", "   ", "", "Enter the user's name"),
        ("x@cli.example", "\u200b\u200b", "", "Enter the user's name"),
        ("x@cli.example", "X" * 121, "", "The name must be 120 characters or fewer"),
        ("x@cli.example", "X", "T" * 121, "The team must be 120 characters or fewer"),
        ("x@cli.example", "X\x1b[2J", "", "The name must not contain control characters"),
    ],
    ids=[
        "at-sign-alone",
        "spaces",
        "blank-name",
        "invisible-name",
        "long-name",
        "long-team",
        "escape",
    ],
)
def test_users_create_refuses_what_is_not_an_address_or_a_name(
    migrated_hub_env: str, email: str, name: str, team: str, message: str
) -> None:
    hub("db", "upgrade")
    _with_agency(migrated_hub_env)
    args = ["--agency", "cli-homes", "--email", email, "--name", name, "--role", "case_officer"]
    result = hub(
        "users",
        "create",
        *args,
        *(["--team", team] if team else []),
        input="a-long-enough-password\n",
    )
    assert result.exit_code != 0
    assert message in result.output
    assert _users(migrated_hub_env) == 0


@pytest.mark.parametrize("given", ["", "\n"], ids=["nothing", "an-empty-line"])
def test_users_create_and_reset_password_with_no_password_say_none_was_given(
    migrated_hub_env: str, given: str
) -> None:
    hub("db", "upgrade")
    _with_agency(migrated_hub_env)
    args = ["--agency", "cli-homes", "--email", "x@cli.example", "--name", "X"]
    created = hub("users", "create", *args, "--role", "case_officer", input=given)
    assert created.exit_code == 1
    assert "no password was given: type it when asked" in created.output
    assert "12 characters" not in created.output
    assert _users(migrated_hub_env) == 0
    made = hub("users", "create", *args, "--role", "case_officer", input="a-long-enough-password\n")
    assert made.exit_code == 0, made.output
    reset = hub("users", "reset-password", "x@cli.example", input=given)
    assert reset.exit_code == 1
    assert "no password was given" in reset.output
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        refused = session.scalars(
            select(AuditEntry.basis).where(AuditEntry.outcome == "refused")
        ).all()
        assert sum("password (none given)" in (basis or "") for basis in refused) == 2
        user = session.scalar(select(User))
        assert (
            sign_in_checks.authenticate(session, user.email, "a-long-enough-password").outcome
            is sign_in_checks.SignInOutcome.OK
        )
    engine.dispose()


def _users(env: str) -> int:
    engine = make_engine(env)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        count = session.scalar(select(func.count()).select_from(User)) or 0
    engine.dispose()
    return count


def test_users_create_rejects_an_unknown_role(hub_env: str) -> None:
    result = hub(
        "users",
        "create",
        "--agency",
        "a",
        "--email",
        "x@cli.example",
        "--name",
        "X",
        "--role",
        "superuser",
    )
    assert result.exit_code == 2
    assert "superuser" in result.output


def test_reset_password_for_unknown_user_says_so(migrated_hub_env: str) -> None:
    hub("db", "upgrade")
    result = hub("users", "reset-password", "ghost@cli.example", input="a-long-enough-password\n")
    assert result.exit_code == 1
    assert "no user with that e-mail address" in result.output


def test_production_without_a_secret_refuses_to_start_with_one_line(
    hub_env: str, monkeypatch
) -> None:
    monkeypatch.setenv("HUB_ENVIRONMENT", "production")
    monkeypatch.delenv("HUB_SECRET_KEY")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == "hub: cannot start: production needs a secret key: set HUB_SECRET_KEY"
    )


def test_demo_builds_once_and_if_empty_leaves_an_existing_partnership_alone(
    migrated_hub_env: str,
) -> None:
    hub("db", "upgrade")
    built = hub("demo")
    assert built.exit_code == 0, built.output
    assert "Demo partnership built:" in built.output
    again = hub("demo", "--if-empty")
    assert again.exit_code == 0
    assert "not building the demo" in again.output
    refused = hub("demo")
    assert refused.exit_code == 1
    assert "empty database" in refused.output


def test_the_daily_run_warns_the_operator_as_the_bank_holiday_list_runs_out(
    migrated_hub_env: str,
) -> None:
    """``hub notices due`` (daily) tells the operator to update the bank holiday list from
    120 days before it ends and after, where only the lead's list of applications said so
    and cases opened past it were silently given no first contact day."""
    hub("db", "upgrade")
    known_until = workdays.england_and_wales().known_until
    noon = datetime.combine(known_until, time(12), UTC)
    with clock.pinned(noon - timedelta(days=200)):
        quiet = hub("notices", "due")
    assert quiet.exit_code == 0, quiet.output
    assert "govuk-bank-holidays" not in quiet.output
    ends = f"{known_until.day} {known_until:%B %Y}"
    with clock.pinned(noon - timedelta(days=30)):
        warned = hub("notices", "due")
    assert warned.exit_code == 0, warned.output
    assert (
        "Warning: Update the govuk-bank-holidays package: its list of bank holidays ends on "
        f"{ends}, and working days after that day cannot be counted"
    ) in warned.output
    with clock.pinned(noon + timedelta(days=1)):
        past = hub("notices", "due")
    assert past.exit_code == 0, past.output
    assert f"its list of bank holidays ended on {ends}" in past.output


def test_demo_past_the_bank_holiday_list_says_why_and_stores_nothing(
    migrated_hub_env: str,
) -> None:
    hub("db", "upgrade")
    known_until = workdays.england_and_wales().known_until
    with clock.pinned(datetime.combine(known_until, time(12), UTC) + timedelta(days=400)):
        refused = hub("demo")
    assert refused.exit_code == 1
    assert "Traceback" not in refused.output
    assert f"bank holidays are known only to {known_until:%d %B %Y}" in refused.output
    assert "update the govuk-bank-holidays package" in refused.output
    engine = make_engine(migrated_hub_env)
    try:
        with engine.connect() as connection:
            stored = {
                table.name: connection.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()
    assert not any(stored.values()), {name: n for name, n in stored.items() if n}


def test_demo_is_never_built_in_production(hub_env: str, keys, monkeypatch) -> None:
    key_store = keys.path
    monkeypatch.setenv("HUB_ENVIRONMENT", "production")
    for name, value in own_partnership_files(Path(keys.path).parent / "own").items():
        monkeypatch.setenv(name, value)
    for name in TEST_HASHING:  # production's own cost: it refuses the tests' cheap one
        monkeypatch.delenv(f"HUB_{name.upper()}")
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg://hub@127.0.0.1:1/hub")
    monkeypatch.setenv("HUB_KEY_STORE", str(key_store))
    result = hub("demo")
    assert result.exit_code == 1
    assert "never built in production" in result.output


@pytest.mark.parametrize("how", ["FLASK_DEBUG", "--debug"])
def test_production_refuses_to_start_in_debug_mode(
    hub_env: str, keys, monkeypatch, how: str
) -> None:
    monkeypatch.setenv("HUB_ENVIRONMENT", "production")
    for name, value in own_partnership_files(Path(keys.path).parent / "own").items():
        monkeypatch.setenv(name, value)
    for name in TEST_HASHING:  # production's own cost: it refuses the tests' cheap one
        monkeypatch.delenv(f"HUB_{name.upper()}")
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg://hub@127.0.0.1:1/hub")
    monkeypatch.setenv("HUB_KEY_STORE", str(keys.path))
    monkeypatch.setenv("FLASK_DEBUG", "0")  # restored after the test, which --debug sets
    if how == "FLASK_DEBUG":
        monkeypatch.setenv("FLASK_DEBUG", "1")
        words = ["keys", "status"]
    else:
        words = ["--debug", "keys", "status"]
    result = CliRunner().invoke(main, words)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "hub: cannot start: production refuses debug mode, which shows tracebacks and opens "
        "a console that runs code: unset FLASK_DEBUG and leave out --debug"
    )


def test_readme_lists_every_demo_sign_in() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert accounts_markdown().strip() in readme
    assert f"`{DEMO_PASSWORD}`" in readme
