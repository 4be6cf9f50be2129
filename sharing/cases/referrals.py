"""Referrals to services outside the hub, and the hate incident pathway.

Procedure 003 §3.5: "Where a hate crime/incident occurs connected to any protected
characteristic, we will categorise the case as a Priority 1 hate incident and make sure
the Police are aware. We may also make a referral to SARI [the local hate incident
support service]." ``hate_pathway`` says where a case stands on those three steps, for
the case page to propose what is left; ``refer`` and ``record_outcome`` make and track the
referral. Each is a record on the case by its own agency (``Act.RECORD``), audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.access.reveal import load_data_keys, reveal_rows
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.errors import InputError, NotFound
from sharing.formats import checked_text
from sharing.models import Agency, CaseParty, Incident, Referral, Share
from sharing.vocabulary import (
    AgencyType,
    PartyRole,
    Priority,
    ReferralKind,
    ReferralOutcome,
)

MAX_NOTE = 2_000


@dataclass(frozen=True)
class ReferralLine:
    id: int
    kind: str
    person: str | None
    referred_at: datetime
    referred_by: str
    reason: str | None
    outcome: str | None
    outcome_note: str | None


@dataclass(frozen=True)
class HatePathway:
    """Where a hate case stands on the procedure's three steps."""

    priority_one: bool
    police_aware: bool
    #: The police agency to share with, when the police are not yet aware.
    police_agency_id: int | None
    referrals: list[ReferralLine]

    @property
    def referred(self) -> bool:
        return bool(self.referrals)


def _recorded(session: Session, authorised: AuthorisedCase, what: str) -> None:
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=what,
    )


def referral_lines(session: Session, authorised: AuthorisedCase) -> list[ReferralLine]:
    """The case's referrals, newest first, as the decision allows."""
    referrals = session.scalars(
        select(Referral)
        .where(Referral.case_id == authorised.id)
        .order_by(Referral.referred_at.desc(), Referral.id.desc())
    ).all()
    decision = authorised.decision
    load_data_keys(
        session, [authorised.case.data_key_id, *(r.person.data_key_id for r in referrals)]
    )
    names = reveal_rows(decision, [r.person for r in referrals], ("given_names", "family_name"))
    texts = reveal_rows(decision, referrals, ("reason", "outcome_note"))
    return [
        ReferralLine(
            id=r.id,
            kind=r.kind.label,
            person=" ".join(v for v in name.values() if v) or None,
            referred_at=r.referred_at,
            referred_by=r.referred_by.display_name,
            reason=text["reason"],
            outcome=r.outcome.label if r.outcome else None,
            outcome_note=text["outcome_note"],
        )
        for r, name, text in zip(referrals, names, texts, strict=True)
    ]


def hate_pathway(session: Session, authorised: AuthorisedCase) -> HatePathway | None:
    """The hate incident pathway of a case motivated by hate or with a hate incident, for
    its own agency; None otherwise (no audit entry: the case page records its view)."""
    case = authorised.case
    if not authorised.decision.own_agency:
        return None
    hate_incident = session.scalar(
        select(Incident.id).where(Incident.case_id == case.id, Incident.hate_related).limit(1)
    )
    if not (case.hate_motivated or hate_incident):
        return None
    police = session.scalar(
        select(Agency.id)
        .where(Agency.area_id == case.agency.area_id, Agency.type == AgencyType.POLICE)
        .order_by(Agency.id)
    )
    shared = session.scalar(
        select(Share.id)
        .where(
            Share.case_id == case.id,
            Share.agency_id == police,
            Share.revoked_at.is_(None),
            Share.until >= clock.today(),
        )
        .limit(1)
    )
    reported = session.scalar(
        select(Incident.id).where(Incident.case_id == case.id, Incident.reported_to_police).limit(1)
    )
    return HatePathway(
        priority_one=case.priority is Priority.RED_URGENT,
        police_aware=shared is not None or reported is not None,
        police_agency_id=police,
        referrals=[
            line
            for line in referral_lines(session, authorised)
            if line.kind == ReferralKind.HATE_SERVICE.label
        ],
    )


def people_to_refer(session: Session, authorised: AuthorisedCase) -> list[tuple[int, str]]:
    """(person id, "Name (role)") of the victims and reporters on the case."""
    parties = session.scalars(
        select(CaseParty)
        .where(
            CaseParty.case_id == authorised.id,
            CaseParty.role.in_([PartyRole.VICTIM, PartyRole.REPORTER, PartyRole.WITNESS]),
        )
        .order_by(CaseParty.id)
    ).all()
    load_data_keys(session, [p.person.data_key_id for p in parties])
    names = reveal_rows(
        authorised.decision, [p.person for p in parties], ("given_names", "family_name")
    )
    return [
        (
            p.person_id,
            f"{' '.join(v for v in name.values() if v) or 'Name not recorded'} "
            f"({p.role.label.lower()})",
        )
        for p, name in zip(parties, names, strict=True)
    ]


def refer(
    session: Session,
    authorised: AuthorisedCase,
    kind: ReferralKind,
    person_id: int | None,
    reason: str,
    now: datetime | None = None,
) -> Referral:
    """Refer a victim, reporter or witness on the case to a service (authorised for
    ``Act.RECORD``), saying why; refused with its field otherwise."""
    authorised.require(Act.RECORD)
    if person_id not in {p for p, _ in people_to_refer(session, authorised)}:
        raise InputError("person", "Choose the victim, reporter or witness you referred")
    text = checked_text("reason", reason, limit=MAX_NOTE, required="Say why you referred them")
    referral = Referral(
        case_id=authorised.id,
        kind=kind,
        person_id=person_id,
        referred_by_id=authorised.actor.user_id,
        referred_at=now or clock.now(),
    )
    session.add(referral)
    session.flush()
    seal_many(referral, {"reason": text})
    session.flush()
    _recorded(session, authorised, f"referral {referral.id} ({kind.value})")
    return referral


def record_outcome(
    session: Session,
    authorised: AuthorisedCase,
    referral_id: int,
    outcome: ReferralOutcome | None,
    note: str = "",
    now: datetime | None = None,
) -> Referral:
    """Record what became of a referral of the case (once), with a note."""
    authorised.require(Act.RECORD)
    referral = session.get(Referral, referral_id)
    if referral is None or referral.case_id != authorised.id:
        raise NotFound(referral_id)
    if referral.outcome is not None:
        raise InputError("outcome", "The outcome of this referral is already recorded")
    if outcome is None:
        raise InputError("outcome", "Choose what became of the referral")
    text = checked_text("note", note, limit=MAX_NOTE)
    referral.outcome = outcome
    referral.outcome_at = now or clock.now()
    referral.outcome_by_id = authorised.actor.user_id
    seal_many(referral, {"outcome_note": text or None})
    session.flush()
    _recorded(session, authorised, f"referral {referral.id} outcome {outcome.value}")
    return referral
