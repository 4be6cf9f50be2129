"""Who reads the partnership's figures (``sharing.figures.partnership``) and the
regulator's measures (``sharing.figures.regulator``): analysts, managers and conference
chairs or CSP coordinators, of any agency of the partnership. Anyone else is refused, and
the refusal recorded."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.errors import NotAllowed
from sharing.models import Agency
from sharing.vocabulary import Role

#: Roles that read the figures (a manager reads their own agency's exactly).
READERS = frozenset({Role.ANALYST, Role.MANAGER, Role.CONFERENCE_CHAIR})


def may_read(actor: Actor) -> bool:
    return actor.has(*READERS)


def reader_agency(session: Session, actor: Actor, subject: acts.Subject) -> Agency:
    """The agency of a reader of the figures; ``NotAllowed``, recorded, for anyone else."""
    agency = session.get(Agency, actor.agency_id)
    if agency is None or not may_read(actor):
        raise acts.refused(
            session,
            acts.Action.FIGURES_VIEW,
            actor=actor,
            subject=subject,
            reason="not a reader of the partnership's figures",
            answer=NotAllowed("only analysts, coordinators and managers read the figures"),
        )
    return agency
