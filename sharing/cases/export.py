"""An agency's own cases as a CSV file, for its managers.

A row for every case of the manager's agency that the case list would show them (the same
rules, ``sharing.access.authorise.own_cases_where``: a lock keeps its case out for anyone
outside it; an erased case is listed, with the day it was erased), with the case's plain
fields only: its reference, dates, category, priority, status, officer, ward and counts.
Nothing sealed leaves the hub this way, so no resident's name, address or account of what
happened is in the file; a person's own records are given by the subject access report.
One audit entry names every case exported."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.access.authorise import own_cases_where
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.cases.listing import as_utc
from sharing.figures.spreadsheets import BYTE_ORDER_MARK, Sheet, csv_text
from sharing.models import Action, Case, Incident
from sharing.vocabulary import ActionStatus, Role

COLUMNS = (
    "Reference",
    "Opened on",
    "Category",
    "Priority",
    "Triage",
    "Hate motivated",
    "Status",
    "Closed on",
    "Closure reason",
    "Officer",
    "Ward",
    "Review due on",
    "Incidents",
    "Last incident on",
    "Open actions",
    "Erased on",
)


def _day(moment: datetime | None) -> str:
    """The day of a moment in the UK, or nothing."""
    return clock.day_of(moment).isoformat() if moment is not None else ""


def _date(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def export_cases(session: Session, actor: Actor) -> Sheet:
    """Every case of the actor's agency they may see, oldest first, as a sheet of plain
    fields. Only managers export (``NotAllowed`` for anyone else, recorded as refused)."""
    subject = acts.Subject("agency", actor.agency_id)
    if not actor.has(Role.MANAGER):
        refusal = "only managers export their agency's cases"
        raise acts.refused(
            session, acts.Action.CASES_EXPORT, actor=actor, subject=subject, reason=refusal
        )
    incidents = (
        select(Incident.case_id, func.count(Incident.id), func.max(Incident.occurred_at))
        .group_by(Incident.case_id)
        .subquery()
    )
    open_actions = (
        select(Action.case_id, func.count(Action.id))
        .where(Action.status == ActionStatus.OPEN)
        .group_by(Action.case_id)
        .subquery()
    )
    query = (
        select(Case, incidents.c[1], incidents.c[2], open_actions.c[1])
        .where(own_cases_where(actor))
        .outerjoin(incidents, incidents.c.case_id == Case.id)
        .outerjoin(open_actions, open_actions.c.case_id == Case.id)
        .options(selectinload(Case.officer), selectinload(Case.ward))
        .order_by(Case.opened_at, Case.id)
    )
    rows, exported = [], []
    for case, incident_count, last_incident, open_count in session.execute(query):
        exported.append(case.id)
        rows.append(
            (
                case.reference,
                _day(case.opened_at),
                case.category.label,
                case.priority.label,
                case.triage.label,
                "Yes" if case.hate_motivated else "No",
                case.status.label,
                _day(case.closed_at),
                case.closure_reason.said_by(case.agency.type) if case.closure_reason else "",
                case.officer.display_name,
                case.ward.name if case.ward else "",
                _date(case.review_due_on),
                str(incident_count or 0),
                _day(as_utc(last_incident)),
                str(open_count or 0),
                _day(case.erased_at),
            )
        )
    acts.record(
        session,
        acts.Action.CASES_EXPORT,
        actor=actor,
        subject=subject,
        basis=f"cases {acts.ids(exported)}",
    )
    return Sheet(name="Cases", heading=(), rows=[COLUMNS, *rows])


def export_csv(session: Session, actor: Actor) -> tuple[str, str]:
    """The export as CSV text, with the file's name (today's date in it)."""
    sheet = export_cases(session, actor)
    return BYTE_ORDER_MARK + csv_text(sheet), f"cases-{clock.today().isoformat()}.csv"
