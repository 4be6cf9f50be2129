"""The ``hub`` command when it cannot start or meets a database it cannot use: one line
saying what is wrong, never a traceback, the SQL or a value typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.cli import hub


@pytest.mark.parametrize(
    "args",
    [
        ["users", "sign-out", "someone@cli.example"],
        ["keys", "status"],
        ["audit", "show"],
        ["api", "clients", "list"],
        ["protocols", "sweep"],
    ],
)
def test_a_command_before_db_upgrade_says_to_run_it(hub_env: str, args: list[str]) -> None:
    result = hub(*args)
    assert result.exit_code == 1
    assert result.output == "hub: the database has no tables yet: run hub db upgrade\n"


def test_a_database_that_cannot_be_reached_stops_the_command_in_one_line(
    hub_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'no-such-folder' / 'hub.db'}")
    result = hub("users", "sign-out", "someone@cli.example")
    assert result.exit_code == 2
    assert result.output == (
        "hub: cannot start: the database cannot be reached: unable to open database file\n"
    )
