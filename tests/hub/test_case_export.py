"""A manager downloads their agency's cases as CSV: every case the access rules let them
see and no other, plain fields only, one audit entry; nobody else may."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from sharing import accounts
from sharing.access.authorise import decide_case
from sharing.access.decide import Actor
from sharing.access.facts import facts_of
from sharing.audit import acts
from sharing.cases.export import COLUMNS
from sharing.crypto.sealed_format import SealedValueError, personal_columns
from sharing.crypto.sealing import unseal
from sharing.models import AuditEntry, Case, User
from sharing.vocabulary import Role
from tests.fixtures.app import PASSWORD
from tests.fixtures.demo import demo_client, demo_user, lock_demo_case

AGENCY = "larkmoor-ha"


def _text(response) -> str:
    """The file as a spreadsheet reads it: UTF-8, after the byte order mark."""
    return response.get_data().decode("utf-8-sig")


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(response))))


def _last_export(session) -> AuditEntry:
    session.expire_all()
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "cases.export")
        .order_by(AuditEntry.seq.desc())
    ).first()


def _sealed_values(session, case: Case) -> set[str]:
    """The case's and its people's sealed values long enough not to turn up by chance."""
    found: set[str] = set()
    for record in (case, *case.incidents, *(party.person for party in case.parties)):
        for column in personal_columns(type(record)):
            try:
                value = unseal(record, column)
            except SealedValueError:
                continue
            if value and len(value) >= 8:
                found.add(value)
    return found


def test_a_manager_downloads_exactly_the_cases_they_may_see_and_nothing_personal(
    demo_hub, demo_session
) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    response = demo_client(demo_hub, manager).get("/cases/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="cases-')
    assert response.headers["Cache-Control"] == "no-store"
    text = _text(response)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = _rows(response)

    # Exactly the cases the access decision lets the manager view: their agency's, less
    # any locked case they are not a member of.
    actor = Actor.of(manager)
    cases = demo_session.scalars(select(Case).order_by(Case.id)).all()
    facts = facts_of(demo_session, [c.id for c in cases])
    allowed = {c.reference for c in cases if decide_case(demo_session, actor, facts[c.id]).allowed}
    assert {r["Reference"] for r in rows} == allowed
    assert len(rows) == len(allowed) > 50
    assert all(c.agency.code == AGENCY for c in cases if c.reference in allowed)

    by_reference = {c.reference: c for c in cases}
    for row in rows:
        case = by_reference[row["Reference"]]
        assert row["Status"] == case.status.label
        assert row["Officer"] == case.officer.display_name
        assert int(row["Incidents"]) == len(case.incidents)
        assert int(row["Open actions"]) == sum(a.status.value == "open" for a in case.actions)
        assert (row["Closed on"] == "") == (case.closed_at is None)
        assert (row["Erased on"] == "") == (case.erased_at is None)
    # Nothing sealed leaves this way: no name, address or account of what happened.
    for reference in list(allowed)[:40]:
        shown = [v for v in _sealed_values(demo_session, by_reference[reference]) if v in text]
        assert not shown, reference

    entry = _last_export(demo_session)
    assert (entry.outcome, entry.actor_user_id, entry.object_type) == (
        "allowed",
        manager.id,
        "agency",
    )
    exported = sorted(by_reference[r["Reference"]].id for r in rows)
    assert entry.basis == f"cases {acts.ids(exported)}"


def test_a_manager_outside_a_lock_exports_everything_but_the_locked_case(
    demo_hub, demo_session
) -> None:
    locked = lock_demo_case(demo_session)  # a Larkmoor case, by its officer and manager
    newcomer = accounts.create_user(
        demo_session,
        agency=locked.agency,
        email="new.manager@larkmoor.example",
        display_name="New Manager",
        roles={Role.MANAGER},
        password=PASSWORD,
    )
    demo_session.commit()
    references = {
        r["Reference"] for r in _rows(demo_client(demo_hub, newcomer).get("/cases/export.csv"))
    }
    assert locked.reference not in references
    others = demo_session.scalars(
        select(Case.reference).where(
            Case.agency_id == locked.agency_id, Case.locked.is_(False), Case.erased_at.is_(None)
        )
    ).all()
    assert set(others) <= references


def test_nobody_but_a_manager_exports_and_a_refusal_is_recorded(demo_hub, demo_session) -> None:
    officer = demo_user(demo_session, AGENCY, Role.CASE_OFFICER)
    refused = demo_client(demo_hub, officer).get("/cases/export.csv")
    assert refused.status_code == 403
    assert "refused because only managers export" in refused.get_data(as_text=True)
    entry = _last_export(demo_session)
    assert (entry.outcome, entry.actor_user_id) == ("refused", officer.id)
    for agency, role in (
        ("northshire-adults", Role.PARTNER_VIEWER),
        ("northshire-csp", Role.CONFERENCE_CHAIR),
        ("northshire-csp", Role.TRIGGER_LEAD),
        ("northshire-police", Role.DPO),
        ("northshire-csp", Role.ANALYST),
    ):
        user = demo_user(demo_session, agency, role)
        assert demo_client(demo_hub, user).get("/cases/export.csv").status_code == 403, role
    # The case list offers the download to managers only.
    link = "/cases/export.csv"
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    assert link in demo_client(demo_hub, manager).get("/cases").get_data(as_text=True)
    assert link not in demo_client(demo_hub, officer).get("/cases").get_data(as_text=True)


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(
    demo_hub, demo_session
) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    case = demo_session.scalars(
        select(Case).where(Case.agency.has(code=AGENCY), Case.locked.is_(False))
    ).first()
    officer = demo_session.get(User, case.officer_id)
    named = officer.display_name
    officer.display_name = '=HYPERLINK("https://evil.example","Click")'
    demo_session.commit()
    try:
        rows = _rows(demo_client(demo_hub, manager).get("/cases/export.csv"))
    finally:
        officer.display_name = named
        demo_session.commit()
    row = next(r for r in rows if r["Reference"] == case.reference)
    assert row["Officer"] == '\'=HYPERLINK("https://evil.example","Click")'


def test_names_with_accents_open_as_written_in_a_spreadsheet(demo_hub, demo_session) -> None:
    """Excel opens a CSV file as UTF-8 only when it starts with a byte order mark; without
    one, an officer called Siân was shown as SiÃ¢n."""
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    case = demo_session.scalars(
        select(Case).where(Case.agency.has(code=AGENCY), Case.locked.is_(False))
    ).first()
    officer = demo_session.get(User, case.officer_id)
    named = officer.display_name
    officer.display_name = "Siân Prŷs"
    demo_session.commit()
    try:
        response = demo_client(demo_hub, manager).get("/cases/export.csv")
    finally:
        officer.display_name = named
        demo_session.commit()

    assert response.get_data().startswith(b"\xef\xbb\xbf" + b"Reference,")
    row = next(r for r in _rows(response) if r["Reference"] == case.reference)
    assert row["Officer"] == "Siân Prŷs"
