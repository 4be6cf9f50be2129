"""A run the command line refuses before its command runs (an option it does not have,
one missing, a value it does not take) is recorded as a command's own refusals are: the
command's name and the kind of refusal, never what was typed. Where the hub's database
cannot be reached, the run is refused all the same, saying why, with status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from sharing.db import make_engine, make_session_factory
from sharing.models import AuditEntry
from tests.fixtures.app import TEST_COST
from tests.fixtures.cli import hub

pytestmark = pytest.mark.long

REFUSED = "on the command line: "


def _entries(url: str) -> list[AuditEntry]:
    engine = make_engine(url)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        found = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        session.expunge_all()
    engine.dispose()
    return found


@pytest.mark.parametrize(
    ("args", "said", "why"),
    [
        (
            ["users", "create", "--agency", "cli-homes", "--email", "ann@cli.example"],
            "Missing option '--name'",
            "hub users create: refused before it ran: --name was not given",
        ),
        (
            ["users", "create", "--agency", "cli-homes", "--emial", "ann@cli.example"],
            "No such option",
            "hub users create: refused before it ran: an option it does not have",
        ),
        (
            ["users", "set-roles", "ann@cli.example", "--role", "ann-smith"],
            "Invalid value for '--role'",
            "hub users set-roles: refused before it ran: --role was given a value it does not take",
        ),
        (
            ["users", "disable"],
            "Missing argument 'EMAIL'",
            "hub users disable: refused before it ran: EMAIL was not given",
        ),
        (
            ["users", "disable", "ann@cli.example", "bob@cli.example"],
            "unexpected extra argument",
            "hub users disable: refused before it ran: arguments it does not take",
        ),
        (
            ["users", "create", "--agency", "cli-homes", "--email"],
            "Option '--email' requires an argument",
            "hub users create: refused before it ran: --email was not given as it should be",
        ),
        (
            ["erase", "case", "NSH-2026-00012", "--by", "ann@cli.example", "--with-peple"],
            "No such option",
            "hub erase case: refused before it ran: an option it does not have",
        ),
        (
            ["users", "ann@cli.example"],
            "No such command",
            "hub users: refused before it ran: no command of that name",
        ),
        (
            ["--bogus", "users", "disable", "ann@cli.example"],
            "No such option",
            "hub: refused before it ran: an option it does not have",
        ),
        (
            ["--app"],
            "Option '--app' requires an argument",
            "hub: refused before it ran: --app was not given as it should be",
        ),
        (
            ["bogus"],
            "No such command",
            "hub: refused before it ran: no command of that name",
        ),
    ],
)
def test_a_run_refused_before_its_command_runs_is_recorded_without_what_was_typed(
    migrated_hub_env: str, args: list[str], said: str, why: str
) -> None:
    before = len(_entries(migrated_hub_env))

    result = hub(*args)

    assert result.exit_code == 2, result.output
    assert said in result.output, result.output
    entries = _entries(migrated_hub_env)
    assert len(entries) == before + 1
    (entry,) = entries[before:]
    assert (entry.action, entry.outcome, entry.basis) == ("hub.command", "refused", REFUSED + why)
    assert entry.actor_user_id is None
    assert entry.actor_agency_id is None
    written = f"{entry.object_type} {entry.object_id} {entry.purpose} {entry.basis}".lower()
    for typed in ("ann", "bob", "cli.example", "cli-homes", "emial", "peple", "nsh-2026", "bogus"):
        assert typed not in written, typed


def test_a_command_that_runs_records_no_usage_refusal(migrated_hub_env: str) -> None:
    result = hub("users", "disable", "ghost@cli.example")

    assert result.exit_code == 1  # its own refusal, recorded under its own action
    assert [e.action for e in _entries(migrated_hub_env) if e.outcome == "refused"] == [
        "account.disable"
    ]


@pytest.mark.parametrize("group", [[], ["users"], ["audit", "keys"]])
def test_a_group_run_without_a_command_shows_its_help_and_records_no_refusal(
    migrated_hub_env: str, group: list[str]
) -> None:
    before = len(_entries(migrated_hub_env))

    result = hub(*group)

    assert result.exit_code == 2, result.output  # click's own status for help not asked for
    assert "Commands:" in result.output
    assert len(_entries(migrated_hub_env)) == before


@pytest.mark.parametrize("database", ["no such folder", "no tables"])
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["users", "create", "--agency", "cli-homes"], "Missing option '--email'"),
        (["--bogus", "users", "create"], "No such option '--bogus'"),
    ],
)
def test_a_run_refused_where_the_database_cannot_be_used_still_says_why(
    hub_env: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database: str,
    args: list[str],
    said: str,
) -> None:
    where = tmp_path / "nowhere" / "hub.sqlite3" if database == "no such folder" else tmp_path
    url = f"sqlite:///{where / 'empty.sqlite3' if database == 'no tables' else where}"
    monkeypatch.setenv("HUB_DATABASE_URL", url)

    result = hub(*args)

    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "Traceback" not in result.output


def test_a_restore_mistyped_makes_no_key_store_where_the_backups_copy_is_to_go(
    hub_env: str, tmp_path: Path
) -> None:
    """``hub restore`` puts the backup's key store copy where the settings name the key
    store, and refuses to put it over one there. A run mistyped (a backup folder that does
    not exist) is refused, saying why, without starting the hub to record it: in
    development that made a key store of its own there, so the run typed again was refused
    ("a key store exists already"), and its hint to leave out --keys-from would have
    restored with keys that open nothing."""
    copy = tmp_path / "keyring-copy.json"
    result = hub("restore", str(tmp_path / "hub-backup-typo"), "--keys-from", str(copy))

    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "instance" / "keyring.json").exists()
    assert not Path(hub_env.removeprefix("sqlite:///")).exists()
