"""The police sergeant asked two of Larkmoor's officers for more of red cases shared with
the police: the vulnerability the ASB protocol does not give them. One officer declined
a few days ago, saying why (the protocol gives the police none, and the case conference
is the place for it); the other request waits on its officer's home page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import more_answers, more_requests
from sharing.cases.shares import CASE_MANAGEMENT
from sharing.demo.steps import at, at_hour, notices_went, staff_with
from sharing.models import Case, Share
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import CaseStatus, Role

LANDLORD = "larkmoor-ha"
WHY = (
    "Officers attending last week were told the victim has stopped going out since the "
    "last incident. Is there a vulnerability we should plan our patrols around?"
)
DECLINED = (
    "The protocol does not give the police vulnerability for ASB case management. We have "
    "asked for a case conference, where our safeguarding lead will share what is needed."
)


def ask_for_more(session: Session, today: date) -> int:
    """Two requests for more from the police sergeant on Larkmoor's shared red cases, one
    declined and one waiting for an answer (as many as there are shares for: 0 to 2)."""
    sergeant = staff_with(session, "northshire-police", Role.MANAGER)
    calendar = england_and_wales()
    shares = session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.agency_id == sergeant.agency_id,
            Share.purpose == CASE_MANAGEMENT,
            Share.revoked_at.is_(None),
            Share.until >= today,
            Case.agency.has(code=LANDLORD),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
        )
        .order_by(Share.id)
    ).all()
    asked = 0
    for share, days_ago in zip(shares[:2], (6, 1), strict=False):
        day = calendar.before(today, days_ago)
        if share.created_at.date() >= day:
            continue
        with at(at_hour(day, 10)):
            authorised = authorise(
                session, Actor.of(sergeant), share.case_id, Act.VIEW, CASE_MANAGEMENT
            )
            request = more_requests.ask(
                session,
                authorised,
                more_requests.AskInput(["vulnerability"], WHY, calendar.add(day, 5)),
            )
        asked += 1
        if days_ago > 1:
            officer = share.case.officer
            with at(at_hour(calendar.add(day, 2), 14)):
                authorised = authorise(session, Actor.of(officer), share.case_id, Act.REVOKE_SHARE)
                more_answers.decline(session, authorised, request.id, DECLINED)
    notices_went(session)
    return asked
