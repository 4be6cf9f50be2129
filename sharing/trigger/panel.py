"""The review panel's sitting of an application closed as withdrawn or a duplicate: there
is nothing left for the panel to review about it, so no agency should still be expected,
nor any case still shared, for it.

A sitting that reviews only this application (no other live application before it, and
nothing else on its agenda) is cancelled, as its chair would cancel it: its conferences
cancelled, their shares ended, its members and the people of each case told. A sitting
with other business goes on: only this application's cases (the conferences on the cases
its agencies were asked to bring, unless another live application before the sitting
asked for the same case) are taken off its agenda, each cancelled, its shares ended and
its people told. A sitting already held (its time passed, or minutes recorded) is the
record of what was done, and stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.meetings import sittings
from sharing.models import Conference, MeetingSitting, TriggerApplication, TriggerCaseRequest
from sharing.vocabulary import ConferenceStatus, SittingCancelReason

#: What the sitting's page says (to the whole area: nothing about the people) when it is
#: cancelled because the application it was to review closed.
CANCEL_NOTE = (
    "The ASB Case Review (Community Trigger) application it was to review was closed "
    "without a review: {how}."
)


def leave(
    session: Session,
    actor: Actor,
    application: TriggerApplication,
    how: str,
    now: datetime,
) -> str:
    """Take the application (closed ``how``: "withdrawn by the applicant", "a duplicate")
    out of its panel's sitting, if it has one not yet held; what was done, ids only, for
    the application's audit entry ("" when it had no sitting)."""
    sitting = application.review_sitting
    if sitting is None:
        return ""
    # Held as a case is brought to it, or it is moved or cancelled: those wait, then see it.
    read_for_change(session, sitting)
    session.expire(sitting, ["conferences"])
    if sittings.why_fixed(sitting, now):
        return f"sitting {sitting.id} kept: held or cancelled already"
    ours = _its_conferences(session, application, sitting)
    others = [c for c in sitting.conferences if c.status is ConferenceStatus.PLANNED]
    if not _other_business(session, application, sitting, ours, others):
        sittings.call_off(
            session,
            actor,
            sitting,
            others,
            SittingCancelReason.NOTHING_TO_DISCUSS,
            CANCEL_NOTE.format(how=how),
            now=now,
            because=f"trigger application {application.id} closed",
        )
        return f"sitting {sitting.id} cancelled"
    because = f"trigger application {application.id} closed"
    for conference in ours:
        sittings.take_off(session, actor, conference, now=now, because=because)
    taken = acts.ids(sorted(c.id for c in ours))
    return f"left sitting {sitting.id}" + (f", conferences {taken} taken off" if ours else "")


def _its_conferences(
    session: Session, application: TriggerApplication, sitting: MeetingSitting
) -> list[Conference]:
    """The planned conferences on the sitting about the cases asked for the application
    and for no other live application before the same sitting."""
    asked = {r.case_id for r in application.requests}
    shared = set(
        session.scalars(
            select(TriggerCaseRequest.case_id)
            .join(TriggerApplication)
            .where(
                TriggerApplication.review_sitting_id == sitting.id,
                TriggerApplication.id != application.id,
                TriggerApplication.closed_at.is_(None),
                TriggerApplication.erased_at.is_(None),
            )
        )
    )
    return [
        c
        for c in sitting.conferences
        if c.status is ConferenceStatus.PLANNED and c.case_id in asked - shared
    ]


def _other_business(
    session: Session,
    application: TriggerApplication,
    sitting: MeetingSitting,
    ours: list[Conference],
    planned: list[Conference],
) -> bool:
    """Whether the sitting has business besides the application: another live application
    before it, or a planned conference that is not the application's."""
    others = session.scalar(
        select(TriggerApplication.id).where(
            TriggerApplication.review_sitting_id == sitting.id,
            TriggerApplication.id != application.id,
            TriggerApplication.closed_at.is_(None),
            TriggerApplication.erased_at.is_(None),
        )
    )
    return others is not None or any(c not in ours for c in planned)


@dataclass(frozen=True)
class Left:
    """What became of a closed application's panel sitting, for its page."""

    panel: str
    sits_at: datetime
    #: "cancelled" (with the application, or before), "left" (it goes on without the
    #: application's cases) or "held" (it sat before the application closed).
    how: str


def left(application: TriggerApplication) -> Left | None:
    """What became of the panel's sitting of a closed application, if it had one."""
    sitting = application.review_sitting
    if sitting is None or application.closed_at is None:
        return None
    held = any(c.minutes_status is not None for c in sitting.conferences)
    if sitting.cancelled:
        how = "cancelled"
    elif sitting.starts_at > application.closed_at and not held:
        how = "left"
    else:
        how = "held"
    return Left(sitting.series.name, sitting.starts_at, how)
