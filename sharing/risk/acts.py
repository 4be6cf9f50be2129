"""Audit entries for risk acts, written in the act's transaction (identifiers and
category names only, never personal data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sharing.access import Actor
from sharing.audit import log


def audit(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: int | str,
    basis: str,
    purpose: str | None = None,
    outcome: str = "allowed",
    at: datetime | None = None,
) -> None:
    """Append an entry for ``actor``'s act (``risk.record``, ``risk.view``, ...)."""
    log.append(
        session,
        action=action,
        outcome=outcome,
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        actor_roles=",".join(sorted(actor.roles)),
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        basis=basis[:1000],
        at=at,
    )
