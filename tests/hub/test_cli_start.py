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


def _empty(path: Path) -> Path:
    path.write_text("")
    return path


def _binary(path: Path) -> Path:
    path.write_bytes(bytes(range(256)))
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize(
    ("setting", "write", "message"),
    [
        ("HUB_LETTERS", _empty, "invalid letters: {path}: id: missing required key"),
        ("HUB_TRIGGER_PROCEDURE", _binary, "invalid Community Trigger procedure: {path}: "),
        ("HUB_CLOSURE_SURVEY", _empty, "invalid closure survey: {path}: id: "),
        ("HUB_HOUSING_STOCK", _folder, "invalid housing stock: {path}: cannot read the file"),
        ("HUB_WARD_BOUNDARIES", _empty, "invalid ward boundaries: {path}:1: not JSON"),
        ("HUB_CONFIG", _folder, "settings file {path} cannot be read: Is a directory"),
        ("HUB_CONFIG", _binary, "settings file {path} is not a text file in UTF-8"),
        ("HUB_IDENTITY_PROVIDERS", _binary, "{path} is not a text file in UTF-8"),
        ("HUB_AUDIT_WITNESSES", _binary, "{path} is not a text file in UTF-8"),
    ],
)
def test_a_bad_file_in_the_settings_stops_every_command_in_one_line(
    hub_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting, write, message
) -> None:
    path = write(tmp_path / "named")
    monkeypatch.setenv(setting, str(path))
    result = hub("keys", "status")
    assert result.exit_code == 2
    assert result.output.startswith("hub: cannot start: " + message.format(path=path))
    assert result.output.count("\n") == 1


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("HUB_DATABASE_URL", "nonsense://hub:secret@db", "database_url is not a database address"),
        ("HUB_DOCUMENT_STORE", "s3://", "document_store: an s3:// file store names its bucket"),
    ],
)
def test_a_bad_setting_stops_every_command_in_one_line(
    hub_env: str, monkeypatch: pytest.MonkeyPatch, setting: str, value: str, message: str
) -> None:
    monkeypatch.setenv(setting, value)
    result = hub("keys", "status")
    assert result.exit_code == 2
    assert result.output.startswith(f"hub: cannot start: {message}")
    assert result.output.count("\n") == 1
    assert "secret" not in result.output


def test_hub_serve_says_what_stops_the_hub_before_it_starts_a_worker(
    hub_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_LETTERS", str(_empty(tmp_path / "letters.toml")))
    started = []
    monkeypatch.setattr("hub.cli.serve", lambda *args: started.append(args))
    result = hub("serve")
    assert result.exit_code == 2
    assert result.output.startswith("hub: cannot start: invalid letters: ")
    assert started == []


def test_hub_serve_refuses_a_bad_bind_address_in_one_line(
    migrated_hub_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port out of range ended in a traceback from gunicorn (the setting, or --bind)."""
    wanted = "must be HOST:PORT with a port from 1 to 65535, or unix:PATH, not '127.0.0.1:99999'"
    result = hub("serve", "--bind", "127.0.0.1:99999")
    assert (result.exit_code, result.output) == (2, f"hub: cannot start: --bind {wanted}\n")
    monkeypatch.setenv("HUB_SERVER_BIND", "127.0.0.1:99999")
    result = hub("serve")
    assert (result.exit_code, result.output) == (2, f"hub: cannot start: server_bind {wanted}\n")
