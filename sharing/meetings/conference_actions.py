"""The actions a case conference agrees: each owned by an agency at the conference's table
and written to the case by the convening agency, as any record on its case; and a form
for one refused before it came here, recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import actions
from sharing.errors import InputError, NotFound
from sharing.models import Action, Agency, Conference


def add_action(
    session: Session,
    actor: Actor,
    conference_id: int,
    data: actions.ActionInput,
    now: datetime | None = None,
) -> Action:
    """An action agreed at the conference, owned by an agency at the table, written to
    the case (the convening agency records it, as any record on its case)."""
    conference = session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(conference_id)
    authorised = authorise(session, actor, conference.case_id, Act.RECORD)
    owner = data.owner_agency_id or actor.agency_id
    if owner not in conference.at_the_table:
        agency = session.get(Agency, owner)
        name = agency.name if agency else "That agency"
        raise acts.refused(
            session,
            acts.Action.CASE_RECORD,
            actor=actor,
            subject=authorised.subject,
            reason=f"refused input: owner_agency_id (agency not at conference {conference.id})",
            answer=InputError(
                "owner_agency_id",
                f"{name} is not invited to this conference: invite it, or select an agency at the table",
            ),
        )
    action = actions.add_action(session, authorised, data, now=now)
    action.conference_id = conference.id
    session.flush()
    return action


def refuse_action_input(
    session: Session, actor: Actor, conference_id: int, fields: Sequence[str]
) -> None:
    """Record an action for the conference that a form refused before it came here,
    naming the fields, never their values; the actor is first authorised as
    ``add_action`` authorises them (refused, recorded and raised as there). With no
    fields, only that check: for a form someone may not open."""
    conference = session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(conference_id)
    authorised = authorise(session, actor, conference.case_id, Act.RECORD)
    if fields:
        acts.refuse(
            session,
            acts.Action.CASE_RECORD,
            actor=actor,
            subject=authorised.subject,
            reason=f"refused input: {', '.join(fields)} (conference {conference.id})",
        )
