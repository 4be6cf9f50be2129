"""A "Signed in" entry's "Why" on the DPO's log says how the user signed in, in words: with
a password alone, with a password and a security code from their authenticator app, or
through their agency's identity provider (with the hub's security code after it, where
it asks for one). The entry keeps the method as it was written."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.audit import basis_names, reasons
from sharing.audit.log import integrate
from sharing.models import AuditEntry
from sharing.vocabulary import Role
from tests.fixtures.app import UserFactory, sign_in, sign_in_through_pages


@pytest.mark.parametrize(
    ("stored", "said"),
    [
        ("password", "With a password only (no security code)"),
        (
            "password and security code",
            "With a password and a security code from their authenticator app",
        ),
        (
            "Larkmoor Housing account",
            "Through their agency's identity provider (their Larkmoor Housing account)",
        ),
        (
            "Larkmoor Housing account and security code",
            "Through their agency's identity provider (their Larkmoor Housing account), then "
            "a security code from their authenticator app",
        ),
        ("a method it does not know", "a method it does not know"),  # as stored
    ],
)
def test_each_way_of_signing_in_reads_in_words(stored: str, said: str) -> None:
    assert reasons.in_words(stored, basis_names.Names(), "sign_in") == said


def test_the_dpo_reads_how_their_staff_signed_in_and_the_entry_keeps_the_method(
    app: Flask, db_session: Session, create_user: UserFactory
) -> None:
    with_code = create_user(Role.CASE_OFFICER, totp=True)
    without = create_user(Role.CASE_OFFICER, totp=False)
    for user in (with_code, without):
        sign_in_through_pages(app.test_client(), user)
    dpo_client = app.test_client()
    sign_in(dpo_client, create_user(Role.DPO))
    integrate(db_session)
    db_session.commit()

    page = html.unescape(dpo_client.get("/audit?action=sign_in").get_data(as_text=True))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert re.search(
        f"{with_code.display_name}, Test Homes .*? Signed in .*? "
        "With a password and a security code from their authenticator app",
        text,
    )
    assert re.search(
        f"{without.display_name}, Test Homes .*? Signed in .*? "
        "With a password only \\(no security code\\)",
        text,
    )
    stored = db_session.scalars(
        select(AuditEntry.basis).where(
            AuditEntry.action == "sign_in",
            AuditEntry.actor_user_id.in_([with_code.id, without.id]),
        )
    ).all()
    assert sorted(stored) == ["password", "password and security code"]
