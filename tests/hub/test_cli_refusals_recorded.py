"""A command that acts on accounts or data, refused (for its input, its roles kept apart,
or a confirmation not given), leaves an entry saying what was refused and why, never
what was typed; runs that succeed are recorded as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from sharing import accounts
from sharing.db import make_engine, make_session_factory
from sharing.models import Agency, Area, AuditEntry
from sharing.vocabulary import AgencyType, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.cli import hub

pytestmark = pytest.mark.long

PASSWORD = "a-long-enough-password\n"


def _set_up(url: str) -> None:
    hub("db", "upgrade")
    engine = make_engine(url)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        agency = Agency(
            code="cli-homes",
            name="Cli Homes",
            type=AgencyType.LANDLORD,
            area=Area(code="cli", name="Cli area"),
            case_prefix="CH",
        )
        session.add(agency)
        session.flush()
        accounts.create_user(
            session,
            agency=agency,
            email="olu@cli.example",
            display_name="Olu Officer",
            roles={Role.CASE_OFFICER},
            password=PASSWORD.strip(),
        )
        session.commit()
    engine.dispose()


def _refusals(url: str) -> list[AuditEntry]:
    engine = make_engine(url)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        found = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.outcome == "refused").order_by(AuditEntry.seq)
            )
        )
        session.expunge_all()
    engine.dispose()
    return found


def _written(entry: AuditEntry) -> str:
    return f"{entry.object_id} {entry.purpose} {entry.basis}".lower()


def test_refused_account_commands_are_recorded_without_what_was_typed(
    migrated_hub_env: str,
) -> None:
    _set_up(migrated_hub_env)
    runs = [
        (
            [
                "users",
                "create",
                "--agency",
                "cli-homes",
                "--email",
                "ann@cli.example",
                "--name",
                "Ann Admin",
                "--role",
                "administrator",
                "--role",
                "case_officer",
            ],
            "An administrator cannot also be a case officer",
            "account.create",
            "refused input: roles (administrator,case_officer are kept apart)",
        ),
        (
            [
                "users",
                "create",
                "--agency",
                "nowhere",
                "--email",
                "ann@cli.example",
                "--name",
                "Ann Admin",
                "--role",
                "analyst",
            ],
            "no agency with the code 'nowhere'",
            "account.create",
            "refused input: agency (no agency has the code given)",
        ),
        (
            [
                "users",
                "create",
                "--agency",
                "cli-homes",
                "--email",
                "olu@cli.example",
                "--name",
                "Olu Again",
                "--role",
                "analyst",
            ],
            "already exists",
            "account.create",
            "refused input: the account's details",
        ),
        (
            ["users", "set-roles", "olu@cli.example", "--role", "dpo", "--role", "manager"],
            "A data protection officer cannot also be a manager",
            "account.roles",
            "refused input: roles (dpo,manager are kept apart)",
        ),
        (
            ["users", "disable", "ghost@cli.example"],
            "no user with that e-mail address",
            "account.disable",
            "refused input: email (no account has the e-mail address given)",
        ),
        (
            ["users", "set-roles", "ghost@cli.example", "--role", "analyst"],
            "no user with that e-mail address",
            "account.roles",
            "refused input: email (no account has the e-mail address given)",
        ),
    ]
    for args, said, action, why in runs:
        result = hub(*args, input=PASSWORD)
        assert result.exit_code == 1, result.output
        assert said in result.output, result.output
        entry = _refusals(migrated_hub_env)[-1]
        assert (entry.action, entry.basis) == (action, f"on the command line: {why}"), args
        for typed in ("ann", "olu", "ghost", "nowhere", "cli.example"):
            assert typed not in _written(entry), (args, typed)
    assert len(_refusals(migrated_hub_env)) == len(runs)

    done = hub("users", "set-roles", "olu@cli.example", "--role", "manager")
    assert done.exit_code == 0, done.output  # a run that succeeds is recorded as before
    assert len(_refusals(migrated_hub_env)) == len(runs)


def test_an_erasure_not_confirmed_or_of_no_case_is_refused_and_recorded(
    migrated_hub_env: str,
) -> None:
    _set_up(migrated_hub_env)
    missing = hub("erase", "case", "CH-2099-00001", "--by", "olu@cli.example", "--yes")
    assert missing.exit_code == 1
    assert "no case CH-2099-00001" in missing.output
    entry = _refusals(migrated_hub_env)[-1]
    assert (entry.action, entry.object_type, entry.basis) == (
        "case.erase",
        None,
        "on the command line: no such case",
    )
    nobody = hub("erase", "case", "CH-2099-00001", "--by", "ghost@cli.example", "--yes")
    assert nobody.exit_code == 1
    assert "no user with that e-mail address" in nobody.output
    entry = _refusals(migrated_hub_env)[-1]
    assert (
        entry.basis
        == "on the command line: refused input: --by (no account has the e-mail address given)"
    )
    assert entry.actor_user_id is None


def test_refused_api_client_commands_are_recorded_without_what_was_typed(
    migrated_hub_env: str,
) -> None:
    _set_up(migrated_hub_env)
    add = ["api", "clients", "add", "--scope", "cases:read"]
    runs = [
        (
            [*add, "--user", "ghost@cli.example", "--name", "Ghost system"],
            "no user with that e-mail address",
            "api_client.add",
            "refused input: --user (no account has the e-mail address given)",
        ),
        (
            [*add, "--user", "olu@cli.example", "--name", "x" * 121],
            "Name the partner system in 1 to 120 characters",
            "api_client.add",
            "refused input: name",
        ),
        (
            ["api", "clients", "revoke", "ghostclient123"],
            "no API client ghostclient123",
            "api_client.revoke",
            "refused input: client id (no API client has the id given)",
        ),
    ]
    for args, said, action, why in runs:
        result = hub(*args)
        assert result.exit_code == 1, result.output
        assert said in result.output, result.output
        entry = _refusals(migrated_hub_env)[-1]
        assert (entry.action, entry.basis) == (action, f"on the command line: {why}"), args
        for typed in ("ghost", "olu", "xxxx", "cli.example"):
            assert typed not in _written(entry), (args, typed)
    assert len(_refusals(migrated_hub_env)) == len(runs)

    done = hub(*add, "--user", "olu@cli.example", "--name", "Cli housing system")
    assert done.exit_code == 0, done.output  # a run that succeeds adds no refusal
    assert len(_refusals(migrated_hub_env)) == len(runs)


def test_a_refused_case_import_is_recorded_without_the_file_or_who_was_typed(
    migrated_hub_env: str, tmp_path: Path
) -> None:
    _set_up(migrated_hub_env)
    csv = tmp_path / "secret-tenants-list.csv"
    csv.write_bytes(b"")
    runs = [
        (
            ["--agency", "cli-homes", "--by", "ghost@cli.example"],
            "no user with that e-mail address",
            "on the command line: refused input: --by (no account has the e-mail address given)",
        ),
        (
            ["--agency", "elsewhere-homes", "--by", "olu@cli.example"],
            "is not in the agency elsewhere-homes",
            "on the command line: refused input: --agency (not the agency of the account given)",
        ),
    ]
    for args, said, why in runs:
        result = hub("import", "cases", str(csv), *args)
        assert result.exit_code == 1, result.output
        assert said in result.output, result.output
        entry = _refusals(migrated_hub_env)[-1]
        assert (entry.action, entry.basis) == ("cases.import", why), args
        for typed in ("ghost", "olu", "elsewhere", "secret-tenants", "cli.example"):
            assert typed not in _written(entry), (args, typed)

    hub("users", "set-roles", "olu@cli.example", "--role", "manager", "--role", "case_officer")
    refused = hub("import", "cases", str(csv), "--agency", "cli-homes", "--by", "olu@cli.example")
    assert refused.exit_code == 1
    assert "nothing imported: " in refused.output
    entry = _refusals(migrated_hub_env)[-1]
    assert (entry.action, entry.basis) == ("cases.import", "the file could not be read")
    assert "secret-tenants" not in _written(entry)
    assert len(_refusals(migrated_hub_env)) == len(runs) + 1


def test_a_backup_whose_key_store_copy_is_not_kept_apart_is_refused_and_recorded(
    migrated_hub_env: str, tmp_path: Path
) -> None:
    _set_up(migrated_hub_env)
    backups = tmp_path / "private-backups"
    result = hub("backup", "--to", str(backups), "--keys-to", str(backups / "keys"))
    assert result.exit_code == 1
    assert "must be kept apart from the backup" in result.output
    entry = _refusals(migrated_hub_env)[-1]
    assert (entry.action, entry.basis) == (
        "hub.backup",
        "on the command line: refused input: --keys-to "
        "(the key store's copy is not kept apart from --to)",
    )
    assert "private-backups" not in _written(entry)
    assert not backups.exists()
    assert len(_refusals(migrated_hub_env)) == 1


def test_a_protocol_import_naming_no_account_is_refused_and_recorded(
    migrated_hub_env: str,
) -> None:
    _set_up(migrated_hub_env)
    protocol = Path(__file__).parents[2] / "protocols" / "northshire-emergency.toml"
    nobody = hub("protocols", "import", str(protocol), "--by", "ghost@cli.example")
    assert nobody.exit_code == 1
    assert "no user with that e-mail address" in nobody.output
    entry = _refusals(migrated_hub_env)[-1]
    assert (entry.action, entry.actor_user_id, entry.basis) == (
        "protocol.import",
        None,
        "on the command line: refused input: --by (no account has the e-mail address given)",
    )
