"""The partnership meeting at which an action was agreed: an action agreed at a case
conference on a meeting's sitting names that meeting and the day it sat, to readers who
see the meeting (anyone at an agency of its area: its name and dates are about the
partnership's staff, never the people on its cases), and to no one else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.models import Action, Agency, Conference, MeetingSeries, MeetingSitting


@dataclass(frozen=True)
class AgreedAt:
    """Where an action was agreed: the meeting's name and when its sitting sat."""

    meeting: str
    sat_at: datetime


def agreed_at(session: Session, actor: Actor, action_ids: Iterable[int]) -> dict[int, AgreedAt]:
    """The meeting each of the actions was agreed at, by action id, for those agreed at a
    conference on a sitting of a meeting of the reader's area (others are left out)."""
    ids = set(action_ids)
    agency = session.get(Agency, actor.agency_id)
    if not ids or agency is None:
        return {}
    rows = session.execute(
        select(Action.id, MeetingSeries.name, MeetingSitting.starts_at)
        .join(Conference, Conference.id == Action.conference_id)
        .join(MeetingSitting, MeetingSitting.id == Conference.sitting_id)
        .join(MeetingSeries, MeetingSeries.id == MeetingSitting.series_id)
        .where(Action.id.in_(ids), MeetingSeries.area_id == agency.area_id)
    )
    return {action_id: AgreedAt(name, sat_at) for action_id, name, sat_at in rows}
