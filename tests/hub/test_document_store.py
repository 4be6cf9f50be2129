"""Where case files are kept: the local folder and an S3-compatible bucket (a real one on
localhost, moto's server) keep, give back, list and delete sealed bytes alike; a hub set to
keep its files in a bucket attaches and serves them with nothing readable in the bucket;
a store that does not answer gives a clear page and nothing half written."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import documents
from sharing.files.stores import LocalStore, MissingFile, S3Store, StoreError, new_key, store_at
from sharing.models import Document
from sharing.vocabulary import DocumentKind, Marking
from tests.fixtures.app import csrf_token
from tests.fixtures.cli import hub
from tests.fixtures.demo import demo_client, demo_copy
from tests.fixtures.files import pdf
from tests.fixtures.real_clock import needs_the_real_clock
from tests.fixtures.smtp import free_port
from tests.hub.test_documents import DIARY, _case

pytestmark = pytest.mark.long


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "local":
        return LocalStore(tmp_path / "files")
    object_store = request.getfixturevalue("object_store")
    bucket = f"files-{new_key()[:8]}"
    object_store.make_bucket(bucket)
    return store_at(
        f"s3://{bucket}/cases", instance_path=tmp_path, endpoint_url=object_store.endpoint
    )


def test_a_store_keeps_gives_back_lists_and_deletes_files(store) -> None:
    first, second = new_key(), new_key()
    store.put(first, b"\x01sealed bytes")
    store.put(second, b"")
    assert store.get(first) == b"\x01sealed bytes"
    assert sorted(store.keys()) == sorted([first, second])
    store.put(first, b"\x01replaced")
    assert store.get(first) == b"\x01replaced"
    store.delete(first)
    assert list(store.keys()) == [second]
    with pytest.raises(MissingFile, match=f"has no file {first}"):
        store.get(first)
    with pytest.raises(StoreError, match="a store key is 64 hexadecimal digits"):
        store.put("../../etc/passwd", b"x")


def test_a_bucket_that_does_not_exist_is_named(object_store, tmp_path: Path) -> None:
    missing = S3Store("no-such-bucket", "", object_store.endpoint)
    with pytest.raises(
        StoreError, match="s3://no-such-bucket/ .* could not keep file .*: NoSuchBucket"
    ):
        missing.put(new_key(), b"x")
    with pytest.raises(StoreError, match="an s3:// file store names its bucket"):
        store_at("s3://", instance_path=tmp_path)


def _attach(client, case_id: int, content: bytes):
    url = f"/cases/{case_id}/documents/new"
    return client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "kind": "diary_sheet",
            "category": "narrative",
            "marking": "official_sensitive",
            "about": "",
            "file": (io.BytesIO(content), "diary.pdf"),
        },
        content_type="multipart/form-data",
    )


def test_a_hub_keeps_its_files_in_a_bucket_sealed(object_store, demo_files, tmp_path) -> None:
    object_store.make_bucket("hub-files")
    app = demo_copy(
        demo_files,
        tmp_path,
        document_store="s3://hub-files/cases",
        document_store_endpoint=object_store.endpoint,
        document_store_region="eu-west-2",
    )
    with app.extensions["hub.sessions"]() as session:
        case = _case(session)
        officer = demo_client(app, case.officer)
        diary = pdf(DIARY)
        assert _attach(officer, case.id, diary).status_code == 302
        document = session.scalars(
            select(Document).where(Document.case_id == case.id).order_by(Document.id.desc())
        ).first()
        stored = object_store.objects("hub-files")
        assert set(stored) == {f"cases/{document.storage_key}", f"cases/{document.preview_key}"}
        assert all(DIARY.encode() not in data for data in stored.values())
        assert b"%PDF" not in stored[f"cases/{document.storage_key}"]
        downloaded = officer.get(f"/cases/{case.id}/documents/{document.id}/file")
        assert downloaded.data == diary
    app.extensions["hub.engine"].dispose()


def test_a_store_that_does_not_answer_gives_a_clear_page_and_keeps_nothing(
    object_store, demo_files, tmp_path
) -> None:
    app = demo_copy(
        demo_files,
        tmp_path,
        document_store="s3://hub-files/cases",
        document_store_endpoint=f"http://127.0.0.1:{free_port()}",
    )
    with app.extensions["hub.sessions"]() as session:
        case = _case(session)
        officer = demo_client(app, case.officer)
        before = session.scalar(select(func.count()).select_from(Document))
        response = _attach(officer, case.id, pdf(DIARY))
        assert response.status_code == 503
        text = response.get_data(as_text=True)
        assert "the hub cannot reach its file store" in text
        assert "Traceback" not in text
        assert session.scalar(select(func.count()).select_from(Document)) == before
    app.extensions["hub.engine"].dispose()


def test_hub_documents_check_names_files_missing_or_altered_and_orphans(
    demo_files, tmp_path, monkeypatch
) -> None:
    """An operator checks the store against the database after a restore: the demo's files
    all there; then one deleted, one altered and one left by a failed attach, each named
    (by case reference and document id: nothing personal) or counted."""
    app = demo_copy(demo_files, tmp_path)
    app.extensions["hub.engine"].dispose()
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("HUB_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    whole = hub("documents", "check")
    assert whole.exit_code == 0, whole.output
    assert " 0 missing, 0 altered, 0 file(s) no document names" in whole.output
    store = LocalStore(tmp_path / "instance" / "documents")
    with app.extensions["hub.sessions"]() as session:
        first, second = session.scalars(select(Document).order_by(Document.id).limit(2)).all()
        gone, changed = (first.id, first.case.reference), (second.id, second.case.reference)
        store.delete(first.storage_key)
        store.put(second.preview_key, b"\x01" + bytes(40))
    orphan = new_key()
    store.put(orphan, b"\x01left by an attach that failed")
    _written_hours_ago(store, orphan, 2)
    damaged = hub("documents", "check")
    assert damaged.exit_code == 1
    assert f"missing: the content of document {gone[0]} of case {gone[1]}" in damaged.output
    assert f"altered: the preview of document {changed[0]} of case {changed[1]}" in damaged.output
    assert "1 missing, 1 altered, 1 file(s) no document names" in damaged.output
    assert "the file store does not match the database" in damaged.output
    tidied = hub("documents", "check", "--delete-orphans")
    assert "1 file(s) no document names deleted" in tidied.output
    assert orphan not in set(store.keys())


def _written_hours_ago(store: LocalStore, key: str, hours: float) -> None:
    written = time.time() - hours * 3600
    os.utime(store.root / key[:2] / key, (written, written))


@needs_the_real_clock("files written now are stamped with the real time, hours or months away")
def test_delete_orphans_leaves_the_file_of_an_attach_still_being_saved(
    demo_files, tmp_path, monkeypatch
) -> None:
    """An officer attaches a diary sheet while an operator runs `hub documents check
    --delete-orphans`: the file is in the store a moment before its document is saved, so
    the check counts it among the files no document names, but leaves it (it was written
    less than an hour ago); a file left two hours ago by a failed attach is deleted. Once
    the attach is saved, the diary sheet downloads whole."""
    app = demo_copy(demo_files, tmp_path)
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("HUB_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    store = LocalStore(tmp_path / "instance" / "documents")
    left = new_key()
    store.put(left, b"\x01left by an attach that failed")
    _written_hours_ago(store, left, 2)
    with app.extensions["hub.sessions"]() as session:
        case = _case(session)
        authorised = authorise(session, Actor.of(case.officer), case.id, Act.RECORD)
        diary = pdf(DIARY)
        document = documents.attach(
            session,
            authorised,
            store,
            documents.DocumentInput(
                kind=DocumentKind.DIARY_SHEET,
                category="narrative",
                incident_id=None,
                person_id=None,
                description="",
                filename="diary.pdf",
                content=diary,
                marking=Marking.OFFICIAL_SENSITIVE,
            ),
        )
        in_flight = {document.storage_key, document.preview_key}
        assert in_flight <= set(store.keys())  # stored, its row not yet committed
        tidied = hub("documents", "check", "--delete-orphans")
        assert "3 file(s) no document names" in tidied.output
        assert "1 file(s) no document names deleted" in tidied.output
        assert "2 written in the last hour kept" in tidied.output
        assert left not in set(store.keys())
        assert in_flight <= set(store.keys())
        session.commit()
        officer = demo_client(app, case.officer)
        downloaded = officer.get(f"/cases/{case.id}/documents/{document.id}/file")
        assert downloaded.status_code == 200
        assert downloaded.data == diary
    assert "0 file(s) no document names" in hub("documents", "check").output
    app.extensions["hub.engine"].dispose()
