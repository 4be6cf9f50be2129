"""A manager imports their agency's cases through the page and the command line."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing.models import AuditEntry, Case
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.cli import hub
from tests.fixtures.demo import demo_client, demo_user
from tests.sharing.test_case_import import HEADING, line_of

AGENCY = "northshire-homes"


def _post(client, data: bytes | None, action: str = "check"):  # type: ignore[no-untyped-def]
    form: dict[str, object] = {"csrf_token": csrf_token(client, "/cases/import"), "action": action}
    if data is not None:
        form["file"] = (io.BytesIO(data), "our-cases.csv")
    return client.post("/cases/import", data=form, content_type="multipart/form-data")


def _cases(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Case))


def _file(*lines: str) -> bytes:
    return ("\n".join([HEADING, *lines]) + "\n").encode()


def test_a_manager_checks_then_imports_a_file(demo_hub: Flask, demo_session: Session) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    client = demo_client(demo_hub, manager)
    page = client.get("/cases/import").get_data(as_text=True)
    assert "Import cases from your own system" in page
    assert "<code>incident_at</code> (required)" in page
    data = _file(line_of(reference="NH-1", ward=""), line_of(reference="NH-2", postcode="XX1"))
    before = _cases(demo_session)

    checked = _post(client, data)
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "What the import would do" in text
    assert "Nothing has been saved" in text
    assert "is not a UK postcode" in text
    assert _cases(demo_session) == before

    done = _post(client, data, action="import")
    assert "What the import did" in done.get_data(as_text=True)
    assert _cases(demo_session) == before + 1


def test_the_page_says_how_to_give_a_time_shown_twice_and_a_name_holding_brackets(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The rows refused are listed by line and column with what to add or where to give
    it, and leave nothing; the columns table says how to write both."""
    client = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    page = client.get("/cases/import").get_data(as_text=True)
    assert "2026-10-25 01:30 BST, the first, or 01:30 GMT, the second" in page
    assert "A name holding brackets or a semicolon of its own cannot be given here" in page
    night = {"opened_on": "2025-10-27", "incident_reported_on": "2025-10-27", "ward": ""}
    data = _file(
        line_of(reference="NH-21", incident_at="2025-10-26 01:30", **night),
        line_of(reference="NH-22", ward="", victim_other_names="Bobby (the Kid) (street name)"),
        line_of(reference="NH-23", incident_at="2025-10-26 01:30 GMT", **night),
    )
    before = _cases(demo_session)

    done = _post(client, data, action="import")
    text = done.get_data(as_text=True)
    assert '<td class="govuk-table__cell">2</td>' in text
    assert '<td class="govuk-table__cell">incident_at</td>' in text
    assert "add BST after the time for the first, in summer time, or GMT for the second" in text
    assert '<td class="govuk-table__cell">3</td>' in text
    assert '<td class="govuk-table__cell">victim_other_names</td>' in text
    assert "add it on the case once it is imported (Change their details)" in text
    assert "Bobby" not in text
    assert _cases(demo_session) == before + 1  # NH-23 only


def test_a_file_that_cannot_be_read_is_named_on_the_page(
    demo_hub: Flask, demo_session: Session
) -> None:
    client = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    answer = _post(client, b"reference,summary\nNH-9,Loud\n")
    assert answer.status_code == 400
    assert "The file cannot be imported: line 1: the heading is missing" in answer.get_data(
        as_text=True
    )
    missing = _post(client, None)
    assert missing.status_code == 400
    assert "Select the CSV file of cases to import" in missing.get_data(as_text=True)


def test_only_managers_who_work_cases_reach_the_import(
    demo_hub: Flask, demo_session: Session
) -> None:
    client = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.CASE_OFFICER))
    assert client.get("/cases/import").status_code == 403
    viewer = demo_client(demo_hub, demo_user(demo_session, "northshire-adults", "partner_viewer"))
    assert viewer.get("/cases/import").status_code == 403
    assert "Import cases from your own system" not in client.get("/cases").get_data(as_text=True)


def test_the_command_line_import(demo_hub_env: Path, demo_session: Session) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    path = demo_hub_env / "cases.csv"
    path.write_bytes(_file(line_of(reference="NH-1", ward=""), line_of(reference="NH-2", uprn="x")))

    checked = hub(
        "import", "cases", str(path), "--agency", AGENCY, "--by", manager.email, "--dry-run"
    )
    assert checked.exit_code == 1
    assert "line 3, column uprn: is not a UPRN" in checked.output
    assert (
        "2 rows: 1 cases would be opened (dry run: nothing saved), 1 rows refused" in checked.output
    )

    done = hub("import", "cases", str(path), "--agency", AGENCY, "--by", manager.email)
    assert "1 cases opened" in done.output
    again = hub("import", "cases", str(path), "--agency", AGENCY, "--by", manager.email)
    assert "0 cases opened" in again.output
    assert "1 imported before and left alone" in again.output

    wrong = hub("import", "cases", str(path), "--agency", "larkmoor-ha", "--by", manager.email)
    assert wrong.exit_code == 1
    assert "is not in the agency larkmoor-ha" in wrong.output
    bad = demo_hub_env / "bad.csv"
    bad.write_bytes(b"\xff\xfe" + HEADING.encode("utf-16-le"))
    refused = hub("import", "cases", str(bad), "--agency", AGENCY, "--by", manager.email)
    assert refused.exit_code == 1
    assert "nothing imported: line 1: the file is not UTF-8 text" in refused.output


def test_an_import_leaves_one_audit_entry_without_personal_data(
    demo_hub: Flask, demo_session: Session
) -> None:
    client = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    _post(client, _file(line_of(reference="NH-AUDIT", ward="")), action="import")
    demo_session.expire_all()
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "cases.import")
        .order_by(AuditEntry.seq.desc())
    )
    assert entry.basis.startswith("import: 1 rows, 1 cases opened")
    assert "Testperson" not in entry.basis


def test_the_empty_file_to_fill_in_has_every_column(demo_hub: Flask, demo_session: Session) -> None:
    client = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    template = client.get("/cases/import/template.csv")
    assert template.status_code == 200
    assert template.mimetype == "text/csv"
    assert template.get_data(as_text=True) == HEADING + "\r\n"
    officer = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.CASE_OFFICER))
    assert officer.get("/cases/import/template.csv").status_code == 403
