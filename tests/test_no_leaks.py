"""A stolen database file, backup or dump yields no personal data: the demo partnership's
names, phone numbers, e-mail addresses, postcodes, addresses, incident texts and risk
assessment answers, reasons and support needs, nor the authenticator (TOTP) secrets of its
managers, DPOs and administrators, appear in neither the raw SQLite file nor a pg_dump,
nor in the logs or pages of errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing.crypto.keys import LocalKeyring
from sharing.crypto.sealing import unseal
from sharing.db import make_session_factory
from sharing.demo import DEMO_ACCOUNTS
from sharing.models import Case, Escalation, Incident, Person, RiskAssessment, TriageChange
from tests.fixtures.demo import BUILD_LOG, postgres_build_log

pytestmark = pytest.mark.long

#: Shorter strings turn up by chance in ciphertext (a 5-byte string in ~1 in 10^12 places).
MIN_LENGTH = 6


def personal_values(session: Session) -> set[str]:
    """Every personal value of the demo that is long enough to search for, and every
    authenticator secret."""
    values = {account.totp_secret for account in DEMO_ACCOUNTS if account.totp_secret}
    for person in session.scalars(select(Person)):
        given, family = unseal(person, "given_names"), unseal(person, "family_name")
        values |= {
            f"{given} {family}",
            family or "",
            unseal(person, "phone") or "",
            unseal(person, "email") or "",
        }
        values |= {
            unseal(person, "postcode") or "",
            unseal(person, "address") or "",
            unseal(person, "support_needs") or "",
        }
    for case in session.scalars(select(Case)):
        values |= {
            unseal(case, "summary") or "",
            unseal(case, "address") or "",
            unseal(case, "postcode") or "",
        }
    for incident in session.scalars(select(Incident)):
        values |= {unseal(incident, "description") or "", unseal(incident, "place") or ""}
    for assessment in session.scalars(select(RiskAssessment)):
        values |= {
            unseal(assessment, column) or ""
            for column in (
                "risk_answers",
                "vulnerability_answers",
                "adjustment_reason",
                "support_needs",
            )
        }
    for change in session.scalars(select(TriageChange)):
        values.add(unseal(change, "reason") or "")
    for escalation in session.scalars(select(Escalation)):
        values.add(unseal(escalation, "decision_note") or "")
    return {v for v in values if len(v.encode()) >= MIN_LENGTH}


def leaked(data: bytes, values: set[str]) -> list[str]:
    text = data.decode("latin-1")  # byte for byte
    return sorted(v for v in values if v.encode().decode("latin-1") in text)


def test_no_personal_value_is_stored_in_plain(
    demo_database: tuple[Engine, LocalKeyring], demo_files: Path, request: pytest.FixtureRequest
) -> None:
    """The demo built for this run, on SQLite (the file as built) and on PostgreSQL (a
    database made from the template the demo was built into, dumped with pg_dump), and
    the log of each build."""
    engine, keys = demo_database
    with make_session_factory(engine, keys)() as session:
        values = personal_values(session)
    assert len(values) > 1500
    assert any("07700900" in v for v in values)  # phones are among them
    assert any('"how_affected"' in v for v in values)  # vulnerability answers too
    assert any(account.totp_secret in values for account in DEMO_ACCOUNTS)  # and secrets
    url = engine.url
    engine.dispose()  # checkpoints SQLite's write-ahead log into the file
    if url.get_backend_name() == "sqlite":
        files = Path(url.database).parent.glob(Path(url.database).name + "*")
        data = b"".join(f.read_bytes() for f in files)
        log = (demo_files / BUILD_LOG).read_bytes()
    else:
        server = request.getfixturevalue("postgres_server")
        data = server.dump(url.render_as_string(hide_password=False))
        log = postgres_build_log(server).read_bytes()
    assert len(data) > 100_000
    assert leaked(data, values) == []
    assert leaked(log, values) == []
