"""Audit entries for risk acts, written in the act's transaction through the audit log's
one way in (``sharing.audit.acts``): identifiers and category names only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.audit import acts


def audit(
    session: Session,
    actor: Actor,
    action: acts.Action,
    *,
    object_type: str,
    object_id: int | str,
    basis: str,
    purpose: str | None = None,
) -> None:
    """Record ``actor``'s risk act (allowed: refusals are recorded where they are made)."""
    acts.record(
        session,
        action,
        actor=actor,
        subject=acts.Subject(object_type, object_id),
        purpose=purpose,
        basis=basis,
    )
