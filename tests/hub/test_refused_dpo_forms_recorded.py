"""The data protection officer's own forms refused for their input are entries in the
audit log, as every refusal is: a subject access search (under its purpose), a co-signing
key or a co-signature that does not check, and a protocol file refused, on the page or
by ``hub protocols import``. Each names the fields, never what was typed. Before, a DPO
could try names and dates of birth, signatures or protocol files as often as they liked
and the log showed none of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import accounts
from sharing.audit import checkpoints
from sharing.db import make_engine, make_session_factory
from sharing.models import Agency, Area, AuditEntry, AuditQueued
from sharing.vocabulary import AgencyType, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.cli import hub
from tests.fixtures.demo import demo_client, demo_user

LARKMOOR = "larkmoor-ha"
PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols"
SECRET = "Okonkwo-Bright"  # what must never reach the log


def _refusals(session: Session, response: Any) -> list[tuple[str, str | None, str | None]]:
    """(action, purpose, basis) of each refused entry the request wrote."""
    assert response.status_code == 400, response.status_code
    session.expire_all()
    request_id = response.headers["X-Request-Id"]
    entries = [
        *session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)),
        *session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id)),
    ]
    for entry in entries:
        assert SECRET not in " ".join(str(v) for v in (entry.object_id, entry.basis))
    return [(e.action, e.purpose, e.basis) for e in entries if e.outcome == "refused"]


def _dpo(app: Flask, session: Session) -> FlaskClient:
    return demo_client(app, demo_user(session, LARKMOOR, Role.DPO))


def _post(client: FlaskClient, path: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_a_subject_access_search_refused_for_its_details_is_recorded_under_its_purpose(
    demo_hub: Flask, demo_session: Session
) -> None:
    dpo = _dpo(demo_hub, demo_session)
    path = "/audit/subject-access"

    no_surname = _post(dpo, path, kind="surname_dob")
    assert "Enter a surname" in no_surname.get_data(as_text=True)
    assert _refusals(demo_session, no_surname) == [
        ("subject_access.search", "subject_access_request", "refused input: surname")
    ]

    no_such_day = _post(
        dpo,
        path,
        kind="surname_dob",
        surname=SECRET,
        **{"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "1957"},
    )
    assert "must be a real date" in no_such_day.get_data(as_text=True)
    assert _refusals(demo_session, no_such_day) == [
        ("subject_access.search", "subject_access_request", "refused input: date_of_birth")
    ]


def test_a_co_signing_key_or_a_co_signature_that_does_not_check_is_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    dpo = _dpo(demo_hub, demo_session)
    nothing = _post(dpo, "/audit/checkpoints/keys", public_key="")
    assert _refusals(demo_session, nothing) == [
        ("audit.key_register", None, "refused input: public_key")
    ]
    garbled = _post(dpo, "/audit/checkpoints/keys", public_key="not a key")
    assert "A verifier key reads" in garbled.get_data(as_text=True)
    assert _refusals(demo_session, garbled) == [
        ("audit.key_register", None, "refused input: public_key")
    ]

    # a key of their own, then a signature that is not of the checkpoint
    public = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    larkmoor = demo_session.scalars(select(Agency).where(Agency.code == LARKMOOR)).one()
    dpo_user = demo_user(demo_session, LARKMOOR, Role.DPO)
    key = checkpoints.register_agency_key(
        demo_session, agency=larkmoor, public_key=public, name="larkmoor", registered_by=dpo_user
    )
    demo_session.commit()
    assert dpo.post(
        "/audit/checkpoints", data={"csrf_token": csrf_token(dpo, "/audit/checkpoints")}
    ).status_code in (302, 303)
    made = checkpoints.recent(demo_session, demo_hub.config["HUB_SETTINGS"].audit_origin, 1)[0]
    path = f"/audit/checkpoints/{made.id}/cosign"
    forged = _post(dpo, path, agency_key=str(key.id), signature="— larkmoor AAAAAAAAAAAAAAAA")
    refusals = _refusals(demo_session, forged)
    assert refusals == [("audit.cosign", None, "refused input: signature")]


def test_a_protocol_file_refused_on_the_page_is_recorded_with_its_count_of_problems(
    demo_hub: Flask, demo_session: Session
) -> None:
    dpo = _dpo(demo_hub, demo_session)
    invalid = _post(dpo, "/protocols/import", text=f"title = {SECRET}")
    assert "nothing was imported" in invalid.get_data(as_text=True)
    [(action, _, basis)] = _refusals(demo_session, invalid)
    assert action == "protocol.import"
    assert str(basis).startswith("refused input: file (")

    current = (PROTOCOLS / "northshire-emergency.toml").read_text()
    not_newer = _post(dpo, "/protocols/import", text=current)
    assert "is not newer than version 1" in not_newer.get_data(as_text=True)
    assert _refusals(demo_session, not_newer) == [
        (
            "protocol.import",
            None,
            "refused input: file (northshire-emergency version 1, not newer than version 1)",
        )
    ]


def test_hub_protocols_import_keeps_its_refusals_in_the_log(
    migrated_hub_env: str, tmp_path: Path
) -> None:
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine)() as session:
        police = Agency(
            code="police",
            name="Testshire Police",
            type=AgencyType.POLICE,
            area=Area(code="t", name="Testshire"),
            case_prefix="TP",
        )
        for email, role in (
            ("dpo@police.example", Role.DPO),
            ("pc@police.example", Role.CASE_OFFICER),
        ):
            accounts.create_user(
                session,
                agency=police,
                email=email,
                display_name=email,
                roles={role},
                password_hash="x",
            )
        session.commit()
    invalid = tmp_path / "not-a-protocol.toml"
    invalid.write_text("this is = not [toml\n")
    by_officer = hub("protocols", "import", str(invalid), "--by", "pc@police.example")
    by_dpo = hub("protocols", "import", str(invalid), "--by", "dpo@police.example")
    assert by_officer.exit_code == 1
    assert "only data protection officers import protocols" in by_officer.output
    assert by_dpo.exit_code == 1
    assert "the file was not imported" in by_dpo.output
    with make_session_factory(engine)() as session:
        entries = [
            *session.scalars(select(AuditEntry).order_by(AuditEntry.seq)),
            *session.scalars(select(AuditQueued).order_by(AuditQueued.id)),
        ]
        assert [(e.outcome, e.basis) for e in entries if e.action == "protocol.import"] == [
            ("refused", "only data protection officers import protocols"),
            ("refused", "refused input: file (1 problem)"),
        ]
    engine.dispose()
