"""A case, or one of its incidents, read outside its page (by the API and an export):
decided once as a read of the case for the purpose asked, and recorded as one view, as
the case page is (``sharing.cases.pages``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor, Decision
from sharing.access.reveal import reveal, reveal_rows
from sharing.audit import acts
from sharing.cases.pages import INCIDENT_COLUMNS, CaseView, case_view, incident_view, record_view
from sharing.cases.people_shown import NAME_PARTS, name
from sharing.cases.timeline import IncidentView
from sharing.errors import NotFound
from sharing.models import Incident


def disclose_case(
    session: Session, actor: Actor, case_id: int, purpose: str | None = None
) -> CaseView:
    """The case itself as the actor may see it for ``purpose`` (what an export or a test
    reads), decided once and recorded as one view."""
    authorised = authorise(session, actor, case_id, Act.VIEW, purpose)
    view = case_view(session, authorised)
    record_view(session, authorised, ["details", "people", "incidents", "actions"])
    return view


@dataclass(frozen=True)
class IncidentShown:
    """One incident of a case as the actor may see it, with the decision that allowed it
    and whether its case was erased (its words then null)."""

    incident: IncidentView
    decision: Decision
    erased: bool


def disclose_incident(
    session: Session, actor: Actor, case_id: int, incident_id: int, purpose: str | None = None
) -> IncidentShown:
    """One incident of a case, decided as a read of the case for ``purpose`` (the same
    decision as the case's incidents, 404 before 403) and recorded as one view naming the
    incident; an incident the case does not have is "not found", recorded as refused."""
    authorised = authorise(session, actor, case_id, Act.VIEW, purpose)
    incident = session.get(Incident, incident_id)
    if incident is None or incident.case_id != case_id:
        raise acts.refused(
            session,
            acts.Action.CASE_VIEW,
            actor=actor,
            subject=authorised.subject,
            purpose=authorised.purpose_recorded,
            reason=f"no such incident {incident_id} on the case",
            answer=NotFound(incident_id),
        )
    decision = authorised.decision
    [values] = reveal_rows(decision, [incident], INCIDENT_COLUMNS)
    reporter = incident.reported_by
    reported_by = None
    if reporter is not None:
        held = reveal(decision, reporter, NAME_PARTS)
        reported_by = name(decision, reporter, held)
    shown = incident_view(incident, values, reported_by)
    record_view(session, authorised, [f"incident {incident.id}"])
    return IncidentShown(shown, decision, erased=authorised.case.erased_at is not None)
