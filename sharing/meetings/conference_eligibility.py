"""Who may take part in a case conference: the agencies its protocol lets be invited
(``invitable``), who may chair it (``chairs``, ``chair_refusal``) and who may be expected
at it (``part_refusal``, ``refusals``), each with the reason a form shows when they may
not. Convening or changing a conference, and a partnership meeting's members and chair,
are checked here; decided for many people at once, so the cost does not grow with the
staff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, directory
from sharing.access.authorise import decision_on, decisions_of
from sharing.access.decide import Actor, Decision
from sharing.access.facts import policy
from sharing.access.scope import Partner
from sharing.meetings import requests
from sharing.models import Agency, Case, User
from sharing.vocabulary import Role

#: Roles that may chair a conference.
CHAIRS = frozenset({Role.CONFERENCE_CHAIR, Role.MANAGER})
#: Roles that take part in a conference: the roles its pages serve, which answer its
#: information requests. Only they are expected at one or are a meeting's members.
TAKING_PART = requests.ANSWERING_ROLES


def part_refusal(user: User) -> str | None:
    """Why this person cannot be expected at a conference (their roles cannot open it, nor
    answer its requests), or None."""
    if user.has_role(*TAKING_PART):
        return None
    return (
        "their roles do not take part in conferences (only case officers, managers, "
        "partner viewers and conference chairs do)"
    )


def refusals(
    session: Session, case: Case, people: Sequence[User], chair_id: int | None = None
) -> dict[int, str]:
    """Why each of ``people`` cannot be expected at a conference on ``case``, by user id
    (those who can are left out): their roles do not take part (``part_refusal``), or, of
    the case's own agency, the access rules do not let them open the case (a case officer
    of another team); the chair (``chair_id``) opens it as its chair. Decided for them all
    at once."""
    found = {u.id: why for u in people if (why := part_refusal(u))}
    own = [
        u
        for u in people
        if u.agency_id == case.agency_id and u.id not in found and u.id != chair_id
    ]
    decided = decisions_of(session, [Actor.of(u) for u in own], case.id)
    for user in own:
        decision = decided.get(user.id)
        if decision is None or not decision.allowed:
            found[user.id] = "they cannot open this case: it is neither theirs nor their team's"
    return found


@dataclass(frozen=True)
class Invitable:
    """An agency and whether the conference's protocol lets it be invited, with why not."""

    agency: Agency
    refusal: str | None = None


def invitable(
    session: Session, case: Case, protocol_id: int | None, purpose: str
) -> list[Invitable]:
    """Every other agency of the case's area, each with the reason it cannot be invited
    under this protocol and purpose, if it cannot (the form says why)."""
    compiled = policy(session)
    agencies = session.scalars(
        select(Agency)
        .where(Agency.area_id == case.agency.area_id, Agency.id != case.agency_id)
        .order_by(Agency.name)
    )
    found = []
    for agency in agencies:
        granted = any(g.protocol_id == protocol_id for g in compiled.grants(agency.id, purpose))
        found.append(
            Invitable(
                agency,
                None
                if granted
                else f"{agency.name} is not a party to an active case conference protocol "
                "that gives it case data for this purpose",
            )
        )
    return found


def chairs(
    session: Session, area_id: int, protocol_id: int | None, purpose: str, case: Case | None = None
) -> list[User]:
    """Active users of the area's agencies who may chair a conference under this protocol
    and purpose (on ``case``): see ``chair_refusal``. Decided for them all at once, so
    the cost does not grow with the staff."""
    candidates = [u for u in directory.people(session, area_id) if u.has_role(*CHAIRS)]
    own = (
        decisions_of(
            session, [Actor.of(u) for u in candidates if u.agency_id == case.agency_id], case.id
        )
        if case is not None
        else {}
    )
    return [
        u
        for u in candidates
        if chair_refusal(session, u, protocol_id, purpose, case, decided=own) is None
    ]


def chair_refusal(
    session: Session,
    user: User,
    protocol_id: int | None,
    purpose: str,
    case: Case | None = None,
    *,
    decided: Mapping[int, Decision] | None = None,
) -> str | None:
    """Why this person may not chair a conference under this protocol and purpose, or
    None. A chair is a conference chair or manager who can open the conference: one whose
    roles work ``case`` (their agency's own), or whose agency and roles the protocol's
    clauses give something for the purpose. ``decided``: the decisions on ``case`` of its
    agency's people, by user id, if already made (``decisions_of``)."""
    if not user.has_role(*CHAIRS):
        return f"{user.display_name} is not a conference chair or manager"
    actor = Actor.of(user)
    if case is not None and case.agency_id == user.agency_id:
        own = (
            decided[user.id]
            if decided is not None and user.id in decided
            else decision_on(session, actor, case.id)
        )
        if own is not None and own.allowed:
            return None
    grants = Partner.grants(actor, policy(session), purpose, clock.today())
    if any(g.protocol_id == protocol_id for g in grants):
        return None
    return (
        f"{user.display_name} could not open the conference: that protocol gives their "
        "role nothing for this purpose"
    )
