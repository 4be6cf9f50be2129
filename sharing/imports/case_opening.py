"""Opening one of an agency's cases with its first incident from the values of one row's
columns, as a partner system sends them to the API: the same checks and casework as an
imported row. A row refused is ``RowRejected`` with every problem by column, nothing
written; a reference opened before is ``ImportedBefore``, naming the case only to an actor
who may open it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import visible_cases
from sharing.access.decide import Actor
from sharing.cases import first_contact, reviews
from sharing.errors import InputError
from sharing.imports.case_rows import check_row
from sharing.imports.columns import Problem
from sharing.imports.importer import Importer, ImportResult, Opened, hold_references, problem_of
from sharing.models import Agency, Case


class RowRejected(ValueError):
    """A case given as one row's values cannot be opened: every problem, by column."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class ImportedBefore(ValueError):
    """A case with the row's reference was opened before: ``case_id`` names it when the
    actor may open it, and is None when they may not (a locked case outside their lock,
    another team's), whose existence they are not told."""

    def __init__(self, case_id: int | None) -> None:
        super().__init__("a case of the agency has this reference")
        self.case_id = case_id


def open_case_from(
    session: Session,
    actor: Actor,
    values: Mapping[str, str],
    now: datetime | None = None,
    *,
    review_days: Mapping[str, int] = reviews.DEFAULT_DAYS,
    first_contact_days: int = first_contact.DEFAULT_WORKING_DAYS,
    occurred_at: datetime | None = None,
    other_names: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> Opened:
    """Open one case with its first incident from the values of one row's columns (what a
    partner system sends the API), through the same checks and casework as an imported
    row; opened ``now`` unless the row gives its day. ``occurred_at``, when the caller has
    the first incident's time as an instant (the API's aware timestamp), is kept as it is,
    to the second: the row's local time (minutes) cannot tell apart the two 01:30s of the
    night the clocks go back. ``other_names``: people's other names sent as lists, by
    their column, each taken whole (``check_row``). ``RowRejected`` (nothing written) or
    ``ImportedBefore`` (naming the case only to an actor who may open it); ``NotAllowed``
    (recorded) for an account that does no casework. Does not commit."""
    now = now or clock.now()
    agency = session.get(Agency, actor.agency_id)
    assert agency is not None  # noqa: S101 - an actor's agency exists
    importer = Importer(
        session,
        actor,
        agency,
        ImportResult(dry_run=False),
        bulk=False,
        review_days=review_days,
        first_contact_days=first_contact_days,
    )
    given = {k: v for k, v in values.items() if k != "opened_on" or v}
    given.setdefault("opened_on", clock.day_of(now).isoformat())
    row, problems = check_row(
        given, wards=importer.wards, today=clock.day_of(now), other_names=other_names
    )
    if row is None:
        raise RowRejected(problems)
    if occurred_at is not None:
        row = replace(row, incident=replace(row.incident, occurred_at=occurred_at))
    hold_references(session, agency)  # and so that the savepoint is one, even on SQLite
    before = session.scalar(
        select(Case.id).where(Case.agency_id == agency.id, Case.external_reference == row.reference)
    )
    if before is not None:
        raise ImportedBefore(before if visible_cases(session, actor, [before]) else None)
    savepoint = session.begin_nested()
    try:
        opened = importer.open(row, opened_at=None if values.get("opened_on") else now)
    except InputError as e:
        savepoint.rollback()
        raise RowRejected([problem_of(e, 1)]) from None
    savepoint.commit()
    return opened
