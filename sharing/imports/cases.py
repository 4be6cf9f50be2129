"""Importing an agency's cases from its own system: each accepted row of the CSV opens a
case with its first incident, through the same casework as the hub's own forms (the same
checks, sealing, blind indexes and audit entries), all in one transaction.

A dry run does exactly the same, row by row, and then rolls everything back: what it
reports is what the import would do. A row the casework refuses is reported at its line
and column like a row the CSV check rejects, and leaves nothing behind (a savepoint per
row). A reference imported before is left alone, so the same file can be imported again
after its rejected rows are mended. A person whose family name, date of birth and
given names match exactly one person on a case the importer may open is linked to that
person rather than recorded twice (``sharing.imports.matching``): what the row sends that
the record held does not hold is reported by field, not written over it.

Only managers import their agency's cases. One audit entry records each import or dry
run with its counts; each case opened has its own entries, as a case opened in a form has.
Each row's case is opened by ``sharing.imports.importer``; one case a partner system
sends the API, by ``sharing.imports.case_opening``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO

from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.cases import first_contact, reviews
from sharing.errors import NotAllowed
from sharing.imports.case_rows import MAX_ROWS, FileRejected, check_file, read_cases
from sharing.imports.importer import Importer, ImportResult, hold_references
from sharing.models import Agency
from sharing.vocabulary import Role


def import_cases(
    session: Session,
    actor: Actor,
    data: IO[bytes],
    *,
    dry_run: bool,
    max_rows: int = MAX_ROWS,
    review_days: Mapping[str, int] = reviews.DEFAULT_DAYS,
    first_contact_days: int = first_contact.DEFAULT_WORKING_DAYS,
) -> ImportResult:
    """Import the cases in the CSV ``data`` for the actor's agency (see the module's
    docstring), each first reviewed as ``review_days`` asks for its priority and due its
    first contact ``first_contact_days`` working days after its opening. Commits: the cases and the audit entry, or, in a dry run, the audit entry
    alone. ``NotAllowed`` (recorded) for anyone but a manager; ``FileRejected`` (recorded)
    for a file that cannot be read, with nothing written."""
    subject = acts.Subject("agency", actor.agency_id)
    if not actor.has(Role.MANAGER):
        refusal = "only managers import their agency's cases"
        acts.refuse(session, acts.Action.CASES_IMPORT, actor=actor, subject=subject, reason=refusal)
        session.commit()
        raise NotAllowed(refusal)
    agency = session.get(Agency, actor.agency_id)
    assert agency is not None  # noqa: S101 - an actor's agency exists
    result = ImportResult(dry_run=dry_run)
    try:
        if data.seekable():
            _read_through(data, max_rows)
        hold_references(session, agency)  # all rows or none, even on SQLite
        importer = Importer(
            session,
            actor,
            agency,
            result,
            review_days=review_days,
            first_contact_days=first_contact_days,
        )
        rows = read_cases(data, wards=importer.wards, report=result.report, max_rows=max_rows)
        for row in rows:
            importer.take(row)
        importer.finish()
    except FileRejected:
        session.rollback()
        acts.refuse(
            session,
            acts.Action.CASES_IMPORT,
            actor=actor,
            subject=subject,
            reason="the file could not be read",
        )
        session.commit()
        raise
    if dry_run:
        session.rollback()
    acts.record(
        session, acts.Action.CASES_IMPORT, actor=actor, subject=subject, basis=_basis(result)
    )
    session.commit()
    return result


def _read_through(data: IO[bytes], max_rows: int) -> None:
    """Read the whole file once, checking it as a file (encoding, heading, CSV, number of
    rows) before anything is written or locked, then go back to its start: a file broken
    at its last line is refused at once, not after all its rows were written."""
    check_file(data, max_rows=max_rows)
    data.seek(0)


def _basis(result: ImportResult) -> str:
    kind = "dry run" if result.dry_run else "import"
    return (
        f"{kind}: {result.report.rows} rows, {result.opened} cases opened, "
        f"{result.rejected} rejected, {result.already_imported} imported before, "
        f"{result.people_matched} people already held"
    )
