"""Incidents recorded on a case: what happened, when and where, who reported it and to
whom, checked; a hate-related incident escalates the case.

Each function checks its input again (the web forms check first, for the user), asks
``sharing.access.decide`` whether the actor may act, writes, and flushes. The caller commits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import recording
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.models import Agency, Incident
from sharing.risk.escalation import escalate
from sharing.vocabulary import CaseStatus, EscalationReason

#: Incidents may be dated at most this far ahead of the server clock (clock skew).
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST_INCIDENT = datetime(1990, 1, 1, tzinfo=UTC)
#: The field an incident is refused at when its case was closed or erased meanwhile.
CASE_FIELD = "case"


@dataclass
class IncidentInput:
    occurred_at: datetime
    description: str
    place: str = ""
    reported_by_id: int | None = None
    received_by_agency_id: int | None = None
    reported_to_police: bool = False
    crime_reference: str = ""
    hate_related: bool = False
    #: The day the report was made, if not the day it is recorded.
    reported_on: date | None = None


def add_incident(
    session: Session, authorised: AuthorisedCase, data: IncidentInput, now: datetime | None = None
) -> Incident:
    """Record an incident on a case the actor works (authorised for ``Act.RECORD``)."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    read_for_change(session, case)  # closed or erased meanwhile: this waits, then sees it
    if case.status is CaseStatus.CLOSED or case.erased_at is not None:
        gone = "closed" if case.erased_at is None else "erased"
        acts.refuse(
            session,
            acts.Action.CASE_RECORD,
            actor=actor,
            subject=authorised.subject,
            reason=f"case {gone} meanwhile: no incident recorded",
        )
        raise InputError(
            CASE_FIELD, f"The case was {gone} meanwhile: the incident was not recorded"
        )
    now = now or clock.now()
    checked = check_incident(
        session, actor, case.agency.area_id, {p.person_id for p in case.parties}, data, now
    )
    incident = Incident(case=case, **checked.columns)
    session.add(incident)
    seal_many(incident, checked.sealed)
    if case.status is CaseStatus.INACTIVE:
        case.status = CaseStatus.ACTIVE
    session.flush()
    recording.recorded(session, actor, case, f"incident {incident.id}")
    if incident.hate_related:
        escalate(session, case, EscalationReason.HATE_INCIDENT, incident_id=incident.id, now=now)
    return incident


def check_incident(
    session: Session,
    actor: Actor,
    area_id: int,
    party_ids: Collection[int],
    data: IncidentInput,
    now: datetime,
) -> recording.Checked:
    """Check an incident recorded by ``actor`` at ``now`` on a case of the area
    ``area_id`` whose people are ``party_ids``: ``InputError`` at the first field that is
    not right."""
    if data.occurred_at.tzinfo is None:
        raise InputError("occurred_at", "Enter the date and time the incident happened")
    if data.occurred_at > now + FUTURE_TOLERANCE:
        raise InputError("occurred_at", "The date of the incident must be today or in the past")
    if data.occurred_at < EARLIEST_INCIDENT:
        raise InputError("occurred_at", "The date of the incident must be after 1 January 1990")
    if data.reported_on is not None:
        if data.reported_on > clock.day_of(now):
            raise InputError("reported_on", "The date it was reported must be today or in the past")
        if data.reported_on < clock.day_of(data.occurred_at):
            raise InputError(
                "reported_on", "The date it was reported must be on or after the day it happened"
            )
    if data.reported_by_id is not None and data.reported_by_id not in party_ids:
        raise InputError("reported_by_id", "Select who reported it from the people on the case")
    received_by = data.received_by_agency_id or actor.agency_id
    agency = session.get(Agency, received_by)
    if agency is None or agency.area_id != area_id:
        raise InputError("received_by_agency_id", "Select an agency in the partnership")
    description = recording.text(
        "description", data.description, what="the description", required="Describe what happened"
    )
    place = recording.text("place", data.place, limit=recording.MAX_LINE, what="the place")
    crime_reference = recording.text(
        "crime_reference", data.crime_reference, limit=40, what="the crime reference"
    )
    if crime_reference and not data.reported_to_police:
        raise InputError(
            "crime_reference",
            "A crime reference is only given for incidents reported to the police",
        )
    columns: dict[str, object] = {
        "occurred_at": data.occurred_at,
        "recorded_at": now,
        "recorded_by_id": actor.user_id,
        "reported_on": data.reported_on
        if data.reported_on is not None and data.reported_on != clock.day_of(now)
        else None,
        "reported_by_id": data.reported_by_id,
        "received_by_agency_id": received_by,
        "reported_to_police": data.reported_to_police,
        "hate_related": data.hate_related,
    }
    sealed: dict[str, str | None] = {
        "description": description,
        "place": place,
        "crime_reference": crime_reference,
    }
    return recording.Checked(columns, sealed)
