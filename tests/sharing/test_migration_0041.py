"""Migration 0041 keeps authenticator secrets sealed under the key store. An Alembic
migration cannot reach the key store, so a secret set up before it stays as it was until
the hub first uses it (or ``hub keys seal-secrets`` seals them all): nobody loses their
authenticator app, and the first sign-in after the upgrade leaves it sealed."""

from __future__ import annotations

from pathlib import Path

import pyotp
from sqlalchemy import Engine, text

from hub.migrate import downgrade, upgrade
from sharing import accounts, authenticator_apps, sign_in_checks
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import Agency, Area, User
from sharing.vocabulary import AgencyType, Role
from tests.fixtures.app import PASSWORD, TEST_COST


def test_a_secret_set_up_before_0041_still_signs_in_and_is_sealed_at_first_use(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    keys = LocalKeyring.create(tmp_path / "keyring.json", index_lengths())
    sessions = make_session_factory(migrated_engine, keys, TEST_COST)
    with sessions() as session:
        agency = Agency(
            code="k",
            name="K Homes",
            type=AgencyType.LANDLORD,
            area=Area(code="k", name="K"),
            case_prefix="KH",
        )
        user = accounts.create_user(
            session,
            agency=agency,
            email="dpo@k.example",
            display_name="K",
            roles={Role.DPO},
            password=PASSWORD,
        )
        session.commit()
        user_id = user.id
    downgrade(migrated_engine, "0040")
    secret = pyotp.random_base32()
    with migrated_engine.begin() as connection:
        connection.execute(
            text("UPDATE users SET totp_secret = :secret WHERE id = :id"),
            {"secret": secret, "id": user_id},
        )
    upgrade(migrated_engine)

    with sessions() as session:
        assert authenticator_apps.plain_authenticator_secrets(session) == 1
        result = sign_in_checks.authenticate(session, "dpo@k.example", PASSWORD)
        assert result.outcome is sign_in_checks.SignInOutcome.OK
        assert result.user is not None
        assert result.user.has_authenticator
        assert sign_in_checks.confirm_second_factor(session, result.user, pyotp.TOTP(secret).now())
        session.commit()
    with migrated_engine.connect() as connection:
        plain, sealed = connection.execute(
            text("SELECT totp_secret, totp_sealed FROM users WHERE id = :id"), {"id": user_id}
        ).one()
    assert plain is None
    assert sealed is not None
    assert secret.encode() not in bytes(sealed)
    with sessions() as session:
        assert authenticator_apps.plain_authenticator_secrets(session) == 0
        user = session.get(User, user_id)
        assert authenticator_apps.authenticator_secret(session, user) == secret
