"""Signed checkpoints and co-signatures on both databases: made when the tree grows,
signed by the key store's key, co-signed by partner agencies, and any replacement found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sharing import accounts
from sharing.audit import checkpoints, notes, verification
from sharing.audit.checkpoints import CheckpointError, cosign, make_checkpoint
from sharing.audit.verification import verify
from sharing.crypto.keys import LocalKeyring
from sharing.models import Agency, Area, AuditCheckpoint, AuditCosignature, AuditQueued, User
from sharing.vocabulary import AgencyType, Role
from tests.sharing.audit.conftest import ORIGIN, write_log


@pytest.fixture(autouse=True, params=["whole", "in stretches of 4"])
def stretches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test verifies the log in one piece, then in stretches of 4 checked in other
    processes (``sharing.audit.stretches``), which must find the same."""
    if request.param != "whole":
        monkeypatch.setattr(verification, "STRETCH", 4)


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _agency_with_dpo(session: Session, code: str = "police") -> tuple[Agency, User]:
    agency = Agency(
        code=code,
        name=f"{code.title()} agency",
        type=AgencyType.POLICE,
        area=Area(code=f"area-{code}", name="Testshire"),
        case_prefix=code[:2].upper(),
    )
    session.add(agency)
    dpo = accounts.create_user(
        session,
        agency=agency,
        email=f"dpo@{code}.example",
        display_name="DPO",
        roles={Role.DPO},
        password_hash="x",
    )
    session.flush()
    return agency, dpo


def test_no_checkpoint_of_an_empty_log_and_none_new_until_it_grows(session, keyring) -> None:
    assert make_checkpoint(session, keyring, ORIGIN) is None
    write_log(session, 5)
    first = make_checkpoint(session, keyring, ORIGIN)
    assert first is not None
    assert make_checkpoint(session, keyring, ORIGIN) is first
    write_log(session, 1)
    second = make_checkpoint(session, keyring, ORIGIN)
    assert second is not None
    assert (first.size, second.size) == (5, 6)
    assert session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 2


def test_a_checkpoint_is_a_c2sp_signed_note_by_the_key_stores_key(session, keyring) -> None:
    write_log(session, 3)
    checkpoint = make_checkpoint(session, keyring, ORIGIN)
    assert checkpoint is not None
    note = checkpoints.signed_note(checkpoint)
    body, lines = notes.split_note(note)
    assert body == f"{ORIGIN}\n3\n{notes.b64(checkpoint.root)}\n"
    assert note.startswith(body + "\n\u2014 " + ORIGIN + " ")
    public_key = keyring.checkpoint_public_key()
    assert lines[0].key_id == notes.key_id(ORIGIN, public_key)
    assert notes.signs(public_key, body.encode(), lines[0].signature)
    assert notes.parse_checkpoint_text(body) == (ORIGIN, 3, checkpoint.root)


def test_an_origin_that_cannot_be_a_key_name_is_refused(session, keyring) -> None:
    write_log(session, 1)
    with pytest.raises(CheckpointError, match="spaces"):
        make_checkpoint(session, keyring, "my hub")


def test_verify_checks_every_checkpoint_and_counts_co_signatures(session, keyring) -> None:
    agency, dpo = _agency_with_dpo(session)
    private = Ed25519PrivateKey.generate()
    key = checkpoints.register_agency_key(
        session, agency=agency, public_key=_raw(private), name="police-dpo", registered_by=dpo
    )
    for n in (4, 3, 9):
        write_log(session, n)
        checkpoint = make_checkpoint(session, keyring, ORIGIN)
        assert checkpoint is not None
        cosign(
            session, checkpoint.id, key.id, private.sign(checkpoints.text_of(checkpoint).encode())
        )
    session.commit()
    result = verify(session, public_key=keyring.checkpoint_public_key())
    assert result.ok, result.problem
    # 16 written, plus the DPO's account, the key's registration and the three
    # co-signatures, each recorded
    assert (result.size, result.checkpoints, result.signatures_checked) == (21, 3, True)
    assert result.cosignatures == {"police-dpo": 3}
    assert "police-dpo" in checkpoints.signed_note(checkpoint)


def test_a_bad_co_signature_is_refused_and_nothing_is_stored(session, keyring) -> None:
    agency, dpo = _agency_with_dpo(session)
    private = Ed25519PrivateKey.generate()
    key = checkpoints.register_agency_key(
        session, agency=agency, public_key=_raw(private), name="police-dpo", registered_by=dpo
    )
    write_log(session, 2)
    checkpoint = make_checkpoint(session, keyring, ORIGIN)
    assert checkpoint is not None
    wrong_text = private.sign(b"some other checkpoint\n")
    with pytest.raises(CheckpointError, match="not police-dpo's signature of checkpoint"):
        cosign(session, checkpoint.id, key.id, wrong_text)
    other_key = Ed25519PrivateKey.generate().sign(checkpoints.text_of(checkpoint).encode())
    with pytest.raises(CheckpointError, match="nothing was stored"):
        cosign(session, checkpoint.id, key.id, other_key)
    assert session.scalar(select(func.count()).select_from(AuditCosignature)) == 0
    with pytest.raises(CheckpointError, match="no checkpoint 999"):
        cosign(session, 999, key.id, wrong_text)


def test_only_the_agencys_dpo_or_an_administrator_registers_its_key(session) -> None:
    agency, _dpo = _agency_with_dpo(session)
    _other, other_dpo = _agency_with_dpo(session, "landlord")
    with pytest.raises(CheckpointError, match="its own DPO or administrator"):
        checkpoints.register_agency_key(
            session,
            agency=agency,
            public_key=_raw(Ed25519PrivateKey.generate()),
            name="police-dpo",
            registered_by=other_dpo,
        )
    with pytest.raises(CheckpointError, match="without spaces"):
        checkpoints.register_agency_key(
            session, agency=agency, public_key=b"k" * 32, name="police dpo"
        )


def test_an_administrator_registers_a_key_only_for_their_own_agency(session) -> None:
    homes, _dpo = _agency_with_dpo(session, "homes")
    council, _council_dpo = _agency_with_dpo(session, "council")
    administrator = accounts.create_user(
        session,
        agency=council,
        email="admin@council.example",
        display_name="Administrator",
        roles={Role.ADMINISTRATOR},
        password_hash="x",
    )
    with pytest.raises(CheckpointError, match="its own DPO or administrator"):
        checkpoints.register_agency_key(
            session,
            agency=homes,
            public_key=_raw(Ed25519PrivateKey.generate()),
            name="homes-dpo",
            registered_by=administrator,
        )
    assert checkpoints.agency_keys(session, homes.id) == []
    refused = session.scalars(
        select(AuditQueued).where(AuditQueued.action == "audit.key_register")
    ).one()
    assert (refused.outcome, refused.actor_user_id, refused.object_id) == (
        "refused",
        administrator.id,
        str(homes.id),
    )
    own = checkpoints.register_agency_key(
        session,
        agency=council,
        public_key=_raw(Ed25519PrivateKey.generate()),
        name="council-dpo",
        registered_by=administrator,
    )
    assert own.agency_id == council.id


def test_a_co_signature_line_from_the_offline_tool_is_read_and_checked(session, keyring) -> None:
    agency, dpo = _agency_with_dpo(session)
    private = Ed25519PrivateKey.generate()
    key = checkpoints.register_agency_key(
        session, agency=agency, public_key=_raw(private), name="police-dpo", registered_by=dpo
    )
    signature = b"s" * 64
    line = str(notes.SignatureLine("police-dpo", key.key_id, signature))
    assert checkpoints.signature_from(line, key) == signature
    assert checkpoints.signature_from(notes.b64(signature), key) == signature
    with pytest.raises(CheckpointError, match="not by agency key"):
        checkpoints.signature_from(str(notes.SignatureLine("other", key.key_id, signature)), key)
    with pytest.raises(CheckpointError, match="not base64"):
        checkpoints.signature_from("%%%", key)


@pytest.mark.parametrize(
    ("replace", "problem"),
    [
        ("root", "does not match the entries"),
        ("other key", "signed by another key"),
        ("signature", "the hub's signature does not verify"),
    ],
)
def test_a_replaced_checkpoint_is_found_and_named(
    session, keyring, tmp_path, replace, problem
) -> None:
    write_log(session, 6)
    good = make_checkpoint(session, keyring, ORIGIN)
    write_log(session, 4)
    target = make_checkpoint(session, keyring, ORIGIN)
    assert good is not None
    assert target is not None
    if replace == "root":
        target.root = good.root
    elif replace == "other key":  # a rewritten history signed by a key the attacker holds
        forger = LocalKeyring.create(tmp_path / "forger.json", {})
        target.key_id = notes.key_id(ORIGIN, forger.checkpoint_public_key())
        target.signature = forger.sign_checkpoint(checkpoints.text_of(target).encode())
    else:
        target.signature = bytes(64)
    session.commit()
    result = verify(session, public_key=keyring.checkpoint_public_key())
    assert (result.ok, result.bad_checkpoint, result.checkpoints) == (False, target.id, 1)
    assert f"checkpoint {target.id} (size 10)" in result.problem
    assert problem in result.problem


def test_a_forged_co_signature_is_found_and_named(session, keyring) -> None:
    agency, dpo = _agency_with_dpo(session)
    private = Ed25519PrivateKey.generate()
    key = checkpoints.register_agency_key(
        session, agency=agency, public_key=_raw(private), name="police-dpo", registered_by=dpo
    )
    write_log(session, 3)
    checkpoint = make_checkpoint(session, keyring, ORIGIN)
    assert checkpoint is not None
    cosign(session, checkpoint.id, key.id, private.sign(checkpoints.text_of(checkpoint).encode()))
    session.commit()
    session.execute(text("UPDATE audit_cosignatures SET signature = :s"), {"s": bytes(64)})
    session.commit()
    session.expire_all()
    result = verify(session)
    assert (result.ok, result.bad_checkpoint) == (False, checkpoint.id)
    assert "co-signature of police-dpo does not verify" in result.problem


def test_entries_deleted_from_the_end_with_the_head_rewound_are_found_by_a_checkpoint(
    session, keyring
) -> None:
    write_log(session, 8)
    checkpoint = make_checkpoint(session, keyring, ORIGIN)
    assert checkpoint is not None
    write_log(session, 2)
    session.execute(text("DELETE FROM audit_entries WHERE seq >= 5"))
    session.execute(text("UPDATE audit_tree SET size = 5"))
    session.commit()
    result = verify(session, public_key=keyring.checkpoint_public_key())
    assert not result.ok
    assert result.first_bad is not None
    assert result.first_bad <= 5


def test_revoked_keys_co_sign_no_more(session, keyring) -> None:
    agency, dpo = _agency_with_dpo(session)
    private = Ed25519PrivateKey.generate()
    key = checkpoints.register_agency_key(
        session, agency=agency, public_key=_raw(private), name="police-dpo", registered_by=dpo
    )
    checkpoints.revoke_agency_key(session, key.id)
    write_log(session, 1)
    checkpoint = make_checkpoint(session, keyring, ORIGIN, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert checkpoint is not None
    with pytest.raises(CheckpointError, match="revoked"):
        cosign(
            session, checkpoint.id, key.id, private.sign(checkpoints.text_of(checkpoint).encode())
        )
