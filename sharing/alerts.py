"""Alerts: what a role of an agency is asked to look at (a lock request, emergency access
to review, a protocol due for review, a case to escalate), until someone dismisses it.

A partner's alert that a case shared with it was escalated names the case: it is shown
only while the agency's role would be alerted of it now (a live share, the case neither
locked nor erased), so a case locked since does not exist for them here either. So is a
manager's alert of a lock or unlock request: only while the request waits and they may
decide it, so a decided request's alert goes, and a locked case is named only to its
lock's members. A manager's alert of an emergency access asks them to review it: it goes
once the access is reviewed (the DPO, told of every emergency access, keeps theirs).

Each view of the alerts is one audit entry naming the alerts shown and the cases they name
(a case's reference on the page tells its reader the case exists, and with which agency),
and each dismissal one naming the alert; never an alert's words."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.facts import Actor
from sharing.audit import acts
from sharing.cases import locks
from sharing.errors import NotFound
from sharing.models import Alert, BreakGlass, Case
from sharing.risk.escalation import partners_to_alert
from sharing.vocabulary import AlertKind, Role


def open_alerts(session: Session, actor: Actor, now: datetime | None = None) -> list[Alert]:
    """The alerts not yet dismissed for the actor's agency and roles, newest first, each
    once however many of the actor's roles it was raised for; an escalation of a case
    shared with the agency only while it would be alerted of it now, a lock request only
    while it waits for a manager and the actor may decide it."""
    found = session.scalars(
        select(Alert)
        .where(
            Alert.agency_id == actor.agency_id,
            Alert.role.in_(sorted(actor.roles)),
            Alert.dismissed_at.is_(None),
        )
        .order_by(Alert.created_at.desc(), Alert.id.desc())
    ).all()
    now = now or clock.now()
    alerted = {
        case.id: partners_to_alert(session, case, now).get(actor.agency_id, set())
        for case in session.scalars(
            select(Case).where(
                Case.id.in_({a.case_id for a in found if a.kind is AlertKind.RISK_ESCALATION})
            )
        )
    }
    waiting = locks.alerts_waiting(
        session,
        actor,
        {a.case_id for a in found if a.kind is AlertKind.LOCK_REQUEST and a.case_id is not None},
    )
    reviewed = _reviewed(
        session, {a.break_glass_id for a in found if a.kind is AlertKind.BREAK_GLASS}
    )
    shown = [
        a
        for a in found
        if (a.kind is not AlertKind.RISK_ESCALATION or a.role in alerted.get(a.case_id or 0, ()))
        and (a.kind is not AlertKind.LOCK_REQUEST or (a.case_id, a.message) in waiting)
        and not (a.role is Role.MANAGER and a.break_glass_id in reviewed)
    ]
    told: dict[tuple[object, ...], Alert] = {}
    for alert in shown:
        told.setdefault(_what(alert), alert)
    return list(told.values())


def _reviewed(session: Session, glass_ids: set[int | None]) -> set[int | None]:
    """Which of the emergency accesses a manager has reviewed."""
    return set(
        session.scalars(
            select(BreakGlass.id).where(
                BreakGlass.id.in_(glass_ids - {None}), BreakGlass.reviewed_at.is_not(None)
            )
        )
    )


def alerts_page(session: Session, actor: Actor, now: datetime | None = None) -> list[Alert]:
    """The actor's open alerts (``open_alerts``) for their page, its view recorded as one
    entry naming the alerts shown and the cases they name."""
    shown = open_alerts(session, actor, now)
    acts.record(
        session,
        acts.Action.ALERTS_VIEW,
        actor=actor,
        subject=acts.Subject("alerts"),
        basis=f"alerts {acts.ids([a.id for a in shown])}; "
        f"cases {acts.ids(sorted({a.case_id for a in shown if a.case_id is not None}))}",
    )
    return shown


def _what(alert: Alert) -> tuple[object, ...]:
    """What an alert tells, whichever role it was raised for: someone holding two roles it
    was raised for (a manager who is also the DPO) is told once."""
    return (alert.kind, alert.message, alert.case_id, alert.break_glass_id, alert.protocol_id)


def dismiss(session: Session, actor: Actor, alert_id: int, now: datetime | None = None) -> Alert:
    """Dismiss one of the actor's open alerts (NotFound for any other), for each of their
    roles it was raised for; recorded naming the alert and any case it names."""
    alert = next((a for a in open_alerts(session, actor) if a.id == alert_id), None)
    if alert is None:
        raise NotFound(alert_id)
    now = now or clock.now()
    for same in session.scalars(
        select(Alert).where(
            Alert.agency_id == actor.agency_id,
            Alert.role.in_(sorted(actor.roles)),
            Alert.dismissed_at.is_(None),
            Alert.kind == alert.kind,
            Alert.message == alert.message,
        )
    ):
        if _what(same) == _what(alert):
            same.dismissed_at = now
    acts.record(
        session,
        acts.Action.ALERT_DISMISS,
        actor=actor,
        subject=acts.Subject("alert", alert.id),
        basis=f"{alert.kind.value}" + (f"; case {alert.case_id}" if alert.case_id else ""),
    )
    return alert
