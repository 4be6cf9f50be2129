"""Alerts: what a role of an agency is asked to look at (a lock request, emergency access
to review, a protocol due for review, a case to escalate), until someone dismisses it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.facts import Actor
from sharing.errors import NotFound
from sharing.models import Alert


def open_alerts(session: Session, actor: Actor) -> list[Alert]:
    """The alerts not yet dismissed for the actor's agency and roles, newest first."""
    return list(
        session.scalars(
            select(Alert)
            .where(
                Alert.agency_id == actor.agency_id,
                Alert.role.in_(sorted(actor.roles)),
                Alert.dismissed_at.is_(None),
            )
            .order_by(Alert.created_at.desc(), Alert.id.desc())
        )
    )


def dismiss(session: Session, actor: Actor, alert_id: int, now: datetime | None = None) -> Alert:
    """Dismiss one of the actor's open alerts (NotFound for any other)."""
    alert = next((a for a in open_alerts(session, actor) if a.id == alert_id), None)
    if alert is None:
        raise NotFound(alert_id)
    alert.dismissed_at = now or clock.now()
    return alert
