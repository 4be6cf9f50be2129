"""Referrals to services outside the hub, and the hate incident pathway.

Procedure 003 §3.5: "Where a hate crime/incident occurs connected to any protected
characteristic, we will categorise the case as a Priority 1 hate incident and make sure
the Police are aware. We may also make a referral to SARI [the local hate incident
support service]." ``hate_pathway`` says where a case stands on those three steps, for
the case page to propose what is left; ``refer`` and ``record_outcome`` make and track the
referral. Each is a record on the case by its own agency (``Act.RECORD``), audited.

Safeguarding referrals to the area's adult and children's teams in the hub are made by
``sharing.cases.safeguarding_referrals``; their outcomes are recorded here, as every
referral's is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, share_in_force
from sharing.access.decide import Act
from sharing.access.reveal import ERASED, load_data_keys, reveal_rows
from sharing.audit import acts
from sharing.cases import people_shown
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.formats import checked_text
from sharing.models import (
    Agency,
    CaseParty,
    Incident,
    Person,
    Referral,
    Share,
)
from sharing.vocabulary import (
    AgencyType,
    PartyRole,
    Priority,
    ReferralKind,
    ReferralOutcome,
)

MAX_NOTE = 2_000
#: The purpose a safeguarding referral shares the case for (the safeguarding referral
#: protocol's).
SAFEGUARDING_PURPOSE = "safeguarding_referral"
_SAFEGUARDING_OUTCOMES = (
    ReferralOutcome.ENQUIRY,
    ReferralOutcome.ADVICE,
    ReferralOutcome.REFERRED_ON,
    ReferralOutcome.DECLINED_BY_PERSON,
)
#: What may become of each kind of referral.
OUTCOMES = {
    ReferralKind.HATE_SERVICE: (
        ReferralOutcome.ACCEPTED,
        ReferralOutcome.DECLINED_BY_PERSON,
        ReferralOutcome.NOT_ACCEPTED,
        ReferralOutcome.NO_CONTACT,
    ),
    ReferralKind.ADULT_SAFEGUARDING: _SAFEGUARDING_OUTCOMES,
    ReferralKind.CHILDRENS_SAFEGUARDING: _SAFEGUARDING_OUTCOMES,
}


@dataclass(frozen=True)
class ReferralLine:
    id: int
    kind: str
    #: The agency in the hub it went to (a safeguarding team), if any.
    agency: str | None
    #: Whether the reader may record its outcome now.
    may_record_outcome: bool
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
    #: The case is the police's own: they hold it, nobody need tell them.
    police_case: bool
    #: The police agency to share with, when the police are not yet aware.
    police_agency_id: int | None
    referrals: list[ReferralLine]

    @property
    def referred(self) -> bool:
        return bool(self.referrals)


def record_on_case(session: Session, authorised: AuthorisedCase, what: str) -> None:
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=what,
    )


def referral_lines(
    session: Session, authorised: AuthorisedCase, kinds: tuple[ReferralKind, ...] = ()
) -> list[ReferralLine]:
    """The case's referrals (of ``kinds``, or all), newest first, as the decision allows:
    all of them for its own agency, only those made to their agency for a partner."""
    query = select(Referral).where(Referral.case_id == authorised.id)
    if kinds:
        query = query.where(Referral.kind.in_(kinds))
    if not authorised.decision.own_agency:
        query = query.where(Referral.agency_id == authorised.actor.agency_id)
    referrals = session.scalars(
        query.order_by(Referral.referred_at.desc(), Referral.id.desc())
    ).all()
    decision = authorised.decision
    load_data_keys(
        session, [authorised.case.data_key_id, *(r.person.data_key_id for r in referrals)]
    )
    names = reveal_rows(decision, [r.person for r in referrals], people_shown.NAME_PARTS)
    texts = reveal_rows(decision, referrals, ("reason", "outcome_note"))
    return [
        ReferralLine(
            id=r.id,
            kind=r.kind.label,
            agency=r.agency.name if r.agency else None,
            may_record_outcome=r.outcome is None
            and outcome_refusal(session, authorised, r) is None,
            person=_person(authorised, r.person, name),
            referred_at=r.referred_at,
            referred_by=r.referred_by.display_name,
            reason=text["reason"],
            outcome=r.outcome.label if r.outcome else None,
            outcome_note=text["outcome_note"],
        )
        for r, name, text in zip(referrals, names, texts, strict=True)
    ]


def _person(authorised: AuthorisedCase, person: Person, name: dict[str, str | None]) -> str | None:
    """Who was referred: nobody is named on an erased case (those it kept are its agency's
    records, no longer part of it), and someone erased is named once as erased."""
    if authorised.case.erased_at is not None and authorised.decision.allows("identity"):
        return ERASED
    return people_shown.name(authorised.decision, person, name)


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
    police_case = case.agency.type is AgencyType.POLICE
    return HatePathway(
        priority_one=case.priority is Priority.RED_URGENT,
        police_aware=police_case or shared is not None or reported is not None,
        police_case=police_case,
        police_agency_id=police,
        referrals=referral_lines(session, authorised, (ReferralKind.HATE_SERVICE,)),
    )


#: Why a reader may not record a referral's outcome.
NOT_YOURS = "only the referring agency or the team referred to records the outcome"
SHARE_ENDED = (
    "the share of the case this referral was made under has ended: the team records the "
    "outcome of a referral only while its share is in force"
)


def outcome_refusal(session: Session, authorised: AuthorisedCase, referral: Referral) -> str | None:
    """Why the reader may not record the referral's outcome, or None: the referring
    agency's officers and managers may; so may the team the referral went to, opening
    the case for the referral, while the share the referral made is in force (not
    through another share of the case, a later referral's, once its own has ended)."""
    if authorised.decision.own_agency:
        return None if authorised.actor.works_cases else "your roles do not include casework"
    if (
        referral.agency_id != authorised.actor.agency_id
        or authorised.purpose != SAFEGUARDING_PURPOSE
    ):
        return NOT_YOURS
    if referral.share_id is None or not share_in_force(session, authorised, referral.share_id):
        return SHARE_ENDED
    return None


def may_record_outcome(session: Session, authorised: AuthorisedCase, referral: Referral) -> None:
    """Refuse (``NotAllowed``, recorded) a reader who may not record the referral's
    outcome (``outcome_refusal``): for the form, before it is shown."""
    if (why := outcome_refusal(session, authorised, referral)) is not None:
        raise acts.refused(
            session,
            acts.Action.CASE_RECORD,
            actor=authorised.actor,
            subject=authorised.subject,
            purpose=authorised.purpose,
            reason=f"referral {referral.id} outcome: {why}",
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
    names = reveal_rows(authorised.decision, [p.person for p in parties], people_shown.NAME_PARTS)
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
    ``Act.RECORD``), saying why; refused with its field otherwise, nothing written and
    the refusal recorded (as a safeguarding referral's)."""
    authorised.require(Act.RECORD)
    with acts.refusing_input(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        what=f"{kind.value} referral",
    ):
        if person_id not in {p for p, _ in people_to_refer(session, authorised)}:
            raise InputError("person", "Select the victim, reporter or witness you referred")
        text = checked_text(
            "reason",
            reason,
            limit=MAX_NOTE,
            what="the reason for the referral",
            required="Say why you referred them",
        )
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
    record_on_case(session, authorised, f"referral {referral.id} ({kind.value})")
    return referral


def record_outcome(
    session: Session,
    authorised: AuthorisedCase,
    referral_id: int,
    outcome: ReferralOutcome | None,
    note: str = "",
    now: datetime | None = None,
) -> Referral:
    """Record what became of a referral of the case (once), with a note: by its own
    agency (authorised for ``Act.RECORD``), or by the safeguarding team it went to
    (authorised to view the case for the referral) while the share the referral made is
    in force (``outcome_refusal``). The outcome must be one for its kind (``OUTCOMES``)."""
    referral = session.get(Referral, referral_id)
    if referral is None or referral.case_id != authorised.id:
        raise NotFound(referral_id)
    if authorised.decision.own_agency:
        authorised.require(Act.RECORD)
    read_for_change(session, referral)  # recorded twice at once: the second waits, then sees it
    if not authorised.decision.own_agency and referral.share is not None:
        # Its share ended as the outcome is recorded: this waits, then sees it ended.
        read_for_change(session, referral.share)
    may_record_outcome(session, authorised, referral)
    with acts.refusing_input(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        what=f"referral {referral.id}",
    ):
        if referral.outcome is not None:
            raise InputError("outcome", "The outcome of this referral is already recorded")
        if outcome is None or outcome not in OUTCOMES[referral.kind]:
            raise InputError("outcome", "Select what became of the referral")
        text = checked_text("note", note, limit=MAX_NOTE, what="the note")
    referral.outcome = outcome
    referral.outcome_at = now or clock.now()
    referral.outcome_by_id = authorised.actor.user_id
    seal_many(referral, {"outcome_note": text or None})
    session.flush()
    record_on_case(session, authorised, f"referral {referral.id} outcome {outcome.value}")
    return referral
