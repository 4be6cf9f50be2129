"""The key store as a dependency (issue 21, item 5): a worker that starts while the key
store is damaged still starts (it would otherwise take gunicorn down with it), logs the
reason in one line, answers the pages that need the store with the key store's own page
(no traceback, nobody's data), and serves again as soon as the file is mended, without a
restart."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hub.cli import main
from sharing.models import Case, User
from tests.fixtures.app import make_app
from tests.fixtures.demo import demo_client, demo_copy

KEY_STORE_PAGE = "Sorry, the hub cannot read case records at the moment"


def test_a_worker_starts_with_a_damaged_key_store_and_serves_again_once_it_is_mended(
    demo_files: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = demo_copy(demo_files, tmp_path)
    with first.extensions["hub.sessions"]() as session:
        case = session.scalars(select(Case).where(Case.agency.has(code="larkmoor-ha"))).first()
        officer_id = case.officer_id
    first.extensions["hub.engine"].dispose()
    key_store = tmp_path / "instance" / "keyring.json"
    whole = key_store.read_bytes()
    key_store.write_bytes(whole[: len(whole) // 2])  # cut short, as a bad copy would be

    with caplog.at_level(logging.ERROR):
        worker = make_app(tmp_path)  # a worker (re)started now: it must start
    assert any("the key store cannot be used" in r.getMessage() for r in caplog.records)
    with worker.extensions["hub.sessions"]() as session:
        client = demo_client(worker, session.get(User, officer_id))

    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    status = CliRunner().invoke(main, ["keys", "status"])
    assert status.exit_code == 2
    assert status.output.startswith("hub: cannot start: key store ")
    assert "is damaged" in status.output
    assert len(status.output.strip().splitlines()) == 1

    broken = client.get(f"/cases/{case.id}")
    assert broken.status_code == 503, "a dependency out for a while, as a database down is"
    page = broken.get_data(as_text=True)
    assert KEY_STORE_PAGE in page
    assert "Traceback" not in caplog.text

    key_store.write_bytes(whole)  # mended (the same file, as a restore puts it back)
    key_store.chmod(0o600)
    assert client.get(f"/cases/{case.id}").status_code == 200, "serving again, no restart"
    worker.extensions["hub.engine"].dispose()
