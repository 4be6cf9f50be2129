"""Escalation: when an assessment rises to high or a hate incident is recorded, the case
officer is prompted to consider a case conference, a safeguarding referral and sharing
with the police (the police's own cases: the first two), and every partner agency with a
live share of the case is alerted.

Alerts name the case reference and the owning agency only, never personal data nor the
band (a partner may not be allowed to see risk).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.facts import policy
from sharing.crypto.sealing import seal
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.models import Agency, Alert, Case, Escalation, ProtocolRecord, Share
from sharing.vocabulary import AgencyType, AlertKind, EscalationReason, Role

#: What the officer is asked to consider, in the order the page shows it.
CONSIDER = (
    "holding a case conference with the partner agencies",
    "making a safeguarding referral",
    "sharing the case with the police",
)


def escalate(
    session: Session,
    case: Case,
    reason: EscalationReason,
    *,
    assessment_id: int | None = None,
    incident_id: int | None = None,
    now: datetime | None = None,
) -> Escalation:
    """Prompt the case officer, and alert every partner with a live share of the case."""
    now = now or clock.now()
    escalation = Escalation(
        case_id=case.id,
        reason=reason,
        raised_at=now,
        assessment_id=assessment_id,
        incident_id=incident_id,
    )
    session.add(escalation)
    alert_partners(session, case, now)
    return escalation


def alert_partners(
    session: Session, case: Case, now: datetime, *, only: set[int] | None = None
) -> int:
    """Alert every partner with a live share of the case (of ``only`` these agencies, if
    given) that it was escalated at ``now``; how many alerts."""
    owner = session.get(Agency, case.agency_id)
    made = 0
    for agency_id, roles in partners_to_alert(session, case, now).items():
        if only is not None and agency_id not in only:
            continue
        for role in sorted(roles):
            made += 1
            session.add(
                Alert(
                    agency_id=agency_id,
                    role=role,
                    kind=AlertKind.RISK_ESCALATION,
                    message=(
                        f"Case {case.reference}, shared with your agency by "
                        f"{owner.name if owner else 'a partner'}, was escalated on "
                        f"{clock.day_of(now):%-d %B %Y}: its officer is considering a case conference and "
                        "a safeguarding referral."
                    ),
                    case_id=case.id,
                    created_at=now,
                )
            )
    session.flush()
    return made


def partners_to_alert(session: Session, case: Case, now: datetime) -> dict[int, set[Role]]:
    """Agencies with a live share of the case under an active protocol, each with the
    roles the protocol's clauses in force give case data to for the share's purpose on a
    case of its priority and agency (a version the case's agency is a party to); none for
    a case locked or erased."""
    if case.locked or case.erased_at is not None:
        return {}
    today = clock.day_of(now)
    compiled = policy(session)
    found: dict[int, set[Role]] = {}
    rows = session.execute(
        select(Share.agency_id, Share.purpose, ProtocolRecord.key)
        .join(ProtocolRecord, ProtocolRecord.id == Share.protocol_id)
        .where(
            Share.case_id == case.id,
            Share.revoked_at.is_(None),
            Share.until >= today,
        )
    )
    for agency_id, purpose, key in rows:
        for grant in compiled.grants(agency_id, purpose):
            if (
                grant.protocol_key == key
                and grant.binds(case.agency_id)
                and grant.applies(grant.roles, case.priority, today)
            ):
                found.setdefault(agency_id, set()).update(grant.roles)
    return found


def police_hold_it(session: Session, case: Case) -> bool:
    """Whether a police agency holds a live share of the case (for any purpose), so that
    an escalation need not ask for it to be shared with them."""
    shared = session.scalar(
        select(Share.id)
        .join(Agency, Agency.id == Share.agency_id)
        .where(
            Share.case_id == case.id,
            Agency.type == AgencyType.POLICE,
            Share.revoked_at.is_(None),
            Share.until >= clock.today(),
        )
        .limit(1)
    )
    return shared is not None


def steps_to_consider(case: Case, *, shared_with_police: bool = False) -> tuple[str, ...]:
    """What an escalation asks the case's officer to consider: a case conference, a
    safeguarding referral and, unless the case is the police's own or ``shared_with_police``
    already, sharing it with them."""
    steps = ("a case conference", "a safeguarding referral")
    if case.agency.type is AgencyType.POLICE or shared_with_police:
        return steps
    return (*steps, "sharing with the police")


def to_consider(case: Case, *, shared_with_police: bool = False) -> str:
    """``steps_to_consider`` in a sentence: "a case conference, a safeguarding referral
    and sharing with the police"; "… (the case is already shared with the police)" when
    it is."""
    *first, last = steps_to_consider(case, shared_with_police=shared_with_police)
    already = " (the case is already shared with the police)" if shared_with_police else ""
    return f"{', '.join(first)} and {last}{already}"


def open_escalations(session: Session, case_id: int) -> list[Escalation]:
    """The prompts on a case its officer has not yet recorded a decision on."""
    return list(
        session.scalars(
            select(Escalation)
            .where(Escalation.case_id == case_id, Escalation.considered_at.is_(None))
            .order_by(Escalation.raised_at)
        )
    )


def prompt_to_answer(session: Session, case: Case, escalation_id: int | None) -> Escalation | None:
    """The case's escalation prompt an act was started from (convening from it, sharing
    from it), held for change so that two acts on it take turns; None when the act was
    not started from one, or when its decision is recorded already. ``InputError`` for a
    prompt that is not on the case."""
    if escalation_id is None:
        return None
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or escalation.case_id != case.id:
        raise InputError("escalation_id", "That prompt is not on this case")
    read_for_change(session, escalation)  # acted on twice at once: the second waits, then sees it
    return escalation if escalation.considered_at is None else None


def answered_by_act(escalation: Escalation, user_id: int, note: str, now: datetime) -> None:
    """Record that the officer acted on the prompt (``note``: what they did, as its
    decision reads on the case page)."""
    escalation.considered_at = now
    escalation.considered_by_id = user_id
    seal(escalation, "decision_note", note)
