"""Who and where the partnership is, for forms and filters: its agencies, wards and users,
and which case a reference names. Names and ids only, never case data, so nothing here
needs an access decision."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, selectinload

from sharing.access.facts import Actor
from sharing.models import Agency, Case, User, Ward


def agencies(session: Session, area_id: int, *, besides: int | None = None) -> list[Agency]:
    """The agencies of an area by name (without the agency ``besides``)."""
    query = select(Agency).where(Agency.area_id == area_id).order_by(Agency.name)
    if besides is not None:
        query = query.where(Agency.id != besides)
    return list(session.scalars(query))


def agencies_by_id(session: Session, ids: Iterable[int] | None = None) -> dict[int, Agency]:
    """Agencies by id: these ones, or every agency."""
    query = select(Agency)
    if ids is not None:
        query = query.where(Agency.id.in_(list(ids)))
    return {agency.id: agency for agency in session.scalars(query)}


def wards(session: Session, area_id: int) -> list[Ward]:
    """The wards of an area by name."""
    return list(session.scalars(select(Ward).where(Ward.area_id == area_id).order_by(Ward.name)))


def users_of(session: Session, agency_ids: Iterable[int]) -> list[User]:
    """The users of these agencies by name (active or not: a log names both)."""
    return list(
        session.scalars(
            select(User)
            .where(User.agency_id.in_(list(agency_ids)))
            .options(selectinload(User.role_grants))  # each user's roles, in one query
            .order_by(User.display_name, User.id)
        )
    )


#: The most users ``users_matching`` gives: past it, the person typing says more.
MOST_MATCHES = 20


def user_of_area(session: Session, area_id: int, user_id: int | None) -> User | None:
    """The user with this id if they are of one of the area's agencies (active or not)."""
    user = session.get(User, user_id) if user_id else None
    return user if user is not None and user.agency.area_id == area_id else None


def users_matching(session: Session, area_id: int, text: str) -> list[User]:
    """The users of the area's agencies (active or not: a log names both) that ``text``
    names, by name: the one whose e-mail address it is; else those whose name it is;
    else those whose name or e-mail address holds it. Case and spaces around it are
    ignored. At most ``MOST_MATCHES`` and one more, so a caller knows there are more."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return []
    users = list(
        session.scalars(
            select(User)
            .join(Agency, Agency.id == User.agency_id)
            .where(Agency.area_id == area_id)
            .options(contains_eager(User.agency))
            .order_by(User.display_name, Agency.name, User.id)
        )
    )
    for names in (
        lambda u: u.email.casefold() == wanted,
        lambda u: " ".join(u.display_name.split()).casefold() == wanted,
        lambda u: wanted in u.display_name.casefold() or wanted in u.email.casefold(),
    ):
        found = [u for u in users if names(u)]
        if found:
            return found[: MOST_MATCHES + 1]
    return []


def people(session: Session, area_id: int) -> list[User]:
    """The active users of an area's agencies, by agency and name (to name as an action's
    owner or a conference's attendee), with their agencies and roles: a few queries
    however many people the area has."""
    return list(
        session.scalars(
            select(User)
            .join(Agency, Agency.id == User.agency_id)
            .where(Agency.area_id == area_id, User.active)
            .options(contains_eager(User.agency), selectinload(User.role_grants))
            .order_by(Agency.name, User.display_name, User.id)
        )
    )


def colleagues(session: Session, actor: Actor) -> list[User]:
    """The active users of the actor's agency by name, the actor among them."""
    return list(
        session.scalars(
            select(User)
            .where(User.agency_id == actor.agency_id, User.active)
            .order_by(User.display_name, User.id)
        )
    )


def case_id(session: Session, reference: str) -> int | None:
    """The id of the case with this reference (as typed: spaces and case ignored), or
    None. Knowing an id grants nothing: every use of the case is still decided."""
    return session.scalar(select(Case.id).where(Case.reference == reference.strip().upper()))
