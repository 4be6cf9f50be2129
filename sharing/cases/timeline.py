"""The incidents timeline of a case page: its incidents, latest first, a page at a time
(``INCIDENTS_PER_PAGE``), and how many the case has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from sharing import clock
from sharing.models import Incident


@dataclass(frozen=True)
class IncidentView:
    id: int
    occurred_at: datetime
    recorded_at: datetime
    #: The day it was reported, when not the day it was recorded.
    reported_on: date | None
    recorded_by: str
    received_by: str
    #: The agency that received the report is a police force (it was reported to them).
    received_by_police: bool
    reported_by: str | None
    reported_to_police: bool
    hate_related: bool
    place: str | None
    description: str | None
    crime_reference: str | None

    @property
    def reported_day(self) -> date:
        """The day it was reported: the day given, or the day it was recorded (what a
        Community Trigger application counts from, as ``Incident.reported_day``)."""
        return self.reported_on or clock.day_of(self.recorded_at)


#: Incidents a case page shows at a time (the timeline is paged, latest first).
INCIDENTS_PER_PAGE = 50


def incidents(session: Session, case_id: int, page: int) -> tuple[list[Incident], int]:
    """The case's incidents, latest first: page ``page`` of them (0: all), and how many
    it has (counted by query only when the page is full or past the last)."""
    query = (
        select(Incident)
        .where(Incident.case_id == case_id)
        .options(joinedload(Incident.received_by), joinedload(Incident.recorded_by))
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
    )
    if page:
        query = query.limit(INCIDENTS_PER_PAGE).offset((page - 1) * INCIDENTS_PER_PAGE)
    incidents = list(session.scalars(query))
    if not page:
        return incidents, len(incidents)
    if len(incidents) < INCIDENTS_PER_PAGE and (incidents or page == 1):
        return incidents, (page - 1) * INCIDENTS_PER_PAGE + len(incidents)  # the last page
    total = session.scalar(
        select(func.count()).select_from(Incident).where(Incident.case_id == case_id)
    )
    return incidents, int(total or 0)
