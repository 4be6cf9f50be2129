"""The migrations build exactly the schema of the models, on SQLite and on PostgreSQL; they
go down to nothing and up again; and they form one numbered line of history."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from pprint import pformat
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Enum, inspect, text

from hub.migrate import MIGRATIONS, alembic_config, downgrade, upgrade
from sharing.db import make_engine
from sharing.models import Base
from tests.fixtures.cli import hub

VERSIONS = MIGRATIONS / "versions"
FILE_NAME = re.compile(r"^(?P<number>\d{4})_[a-z0-9_]+\.py$")


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def differences_from_models(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def assert_matches_models(engine: Engine) -> None:
    diff = differences_from_models(engine)
    assert not diff, (
        f"the migrations leave {engine.dialect.name} different from sharing.models "
        f"(write a migration for these):\n{pformat(diff, width=100)}"
    )


def test_migrations_build_the_schema_of_the_models(migrated_engine: Engine) -> None:
    assert current_heads(migrated_engine) == set(script_directory().get_heads())
    assert_matches_models(migrated_engine)


def test_downgrade_to_base_then_upgrade_again(migrated_engine: Engine) -> None:
    downgrade(migrated_engine, "base")
    assert current_heads(migrated_engine) == set()
    leftover = set(inspect(migrated_engine).get_table_names()) - {"alembic_version"}
    assert not leftover, f"downgrading to base left tables behind: {sorted(leftover)}"

    upgrade(migrated_engine)
    assert current_heads(migrated_engine) == set(script_directory().get_heads())
    assert_matches_models(migrated_engine)


def test_migration_files_are_numbered() -> None:
    names = sorted(
        p.name for p in VERSIONS.iterdir() if p.is_file() and p.suffix not in (".pyc", ".pyo")
    )
    assert names, f"no migrations in {VERSIONS}"
    misnamed = [name for name in names if not FILE_NAME.match(name)]
    assert not misnamed, f"migration files must be named NNNN_what_it_does.py: {misnamed}"


def test_migrations_form_one_line_in_file_order() -> None:
    script = script_directory()
    assert len(script.get_bases()) == 1, f"more than one base revision: {script.get_bases()}"
    assert len(script.get_heads()) == 1, (
        f"more than one head revision (merge or renumber): {script.get_heads()}"
    )

    # walk_revisions goes from the head down to the base.
    history = list(reversed(list(script.walk_revisions("base", "heads"))))
    for revision in history:
        assert not revision.is_merge_point, f"{revision.revision} merges branches"
        assert not revision.is_branch_point, f"{revision.revision} starts a branch"
        assert not revision.branch_labels, f"{revision.revision} has branch labels"
        assert not revision.dependencies, f"{revision.revision} depends on another branch"

    files = [revision.path.rsplit("/", 1)[-1] for revision in history]
    on_disk = sorted(p.name for p in VERSIONS.glob("*.py"))
    assert sorted(files) == on_disk, "every file in migrations/versions must be in the history"

    numbers = []
    for name in files:
        match = FILE_NAME.match(name)
        assert match, f"migration file {name} is not named NNNN_what_it_does.py"
        numbers.append(int(match["number"]))
    assert numbers == list(range(1, len(files) + 1)), (
        f"migration files must be numbered 0001, 0002, ... in the order of the history: {files}"
    )


#: How far back the migrations are run down and up again on a database holding data: the
#: newest ones, those a hub already holding a partnership upgrades through next.
HELD_FROM = "0041"


def test_the_newest_migrations_go_down_and_up_on_a_database_holding_a_partnership(
    demo_files: Path, tmp_path: Path
) -> None:
    """An upgrade is run on hubs that hold cases, shares and protocols, with SQLite's
    foreign keys on: a migration that copies a table others refer to (Alembic's batch mode
    on SQLite) fails there, and on an empty test database it would not."""
    for database_file in demo_files.glob("hub.sqlite3*"):
        shutil.copy(database_file, tmp_path / database_file.name)
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    counted = ("protocols", "shares", "cases", "blind_indexes")

    def counts() -> dict[str, int]:
        with engine.connect() as connection:
            return {t: connection.scalar(text(f"SELECT count(*) FROM {t}")) for t in counted}  # noqa: S608

    held = counts()
    assert all(held.values()), held
    downgrade(engine, HELD_FROM)
    assert counts() == held
    upgrade(engine)
    assert counts() == held
    assert current_heads(engine) == set(script_directory().get_heads())
    assert_matches_models(engine)
    engine.dispose()


def test_an_upgrade_that_needs_the_operator_first_stops_saying_what_to_do(
    demo_hub_env: Path,
) -> None:
    """Migration 0052 holds one live API client to an account: where an account already
    acts for two, ``hub db upgrade`` stops before it, naming them and how to go on, with
    no traceback; once one is revoked (an act the log records), it goes on."""
    engine = make_engine(f"sqlite:///{demo_hub_env / 'hub.sqlite3'}")
    downgrade(engine, "0051")
    with engine.begin() as connection:
        user_id = connection.scalar(text("SELECT MIN(id) FROM users"))
        for client_id in ("hub-first", "hub-second"):
            connection.execute(
                text(
                    "INSERT INTO api_clients (client_id, secret_hash, name, user_id, scopes, "
                    "created_at) VALUES (:c, :h, 'System', :u, 'cases:read', CURRENT_TIMESTAMP)"
                ),
                {"c": client_id, "h": b"\0" * 32, "u": user_id},
            )
    engine.dispose()

    stopped = hub("db", "upgrade")

    assert stopped.exit_code == 1
    assert "Traceback" not in stopped.output
    assert "the upgrade stopped: these live API clients act as the same account" in (stopped.output)
    assert "hub-first, hub-second" in stopped.output
    assert "hub api clients revoke CLIENT_ID" in stopped.output
    assert hub("api", "clients", "revoke", "hub-first").exit_code == 0
    assert hub("db", "upgrade").exit_code == 0


def test_each_kept_choice_is_one_the_database_accepts(migrated_engine: Engine) -> None:
    """A column of choices (a non-native ``Enum``) is checked by the database against the
    choices its migrations listed; ``compare_metadata`` does not compare those checks, so a
    migration that rebuilt a list without a choice another had added (0079, as first
    written, dropped the notice telling a conference's new chair) left every such act
    failing as it was saved."""
    checks = {}
    inspector = inspect(migrated_engine)
    for table in Base.metadata.sorted_tables:
        for check in inspector.get_check_constraints(table.name):
            checks[(table.name, check["name"])] = set(re.findall(r"'([^']*)'", check["sqltext"]))
    missing = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if isinstance(kind, Enum) and not kind.native_enum and kind.create_constraint:
                name = f"ck_{table.name}_{kind.name}"
                allowed = checks.get((table.name, name))
                assert allowed is not None, f"{table.name}.{column.name} has no check {name}"
                if set(kind.enums) - allowed:
                    missing[f"{table.name}.{column.name}"] = sorted(set(kind.enums) - allowed)
    assert not missing, f"choices the database refuses (write a migration): {missing}"
