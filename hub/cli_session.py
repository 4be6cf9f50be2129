"""What the hub's commands share: a database session of their own, and the user a
command acts as."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from hub.database import new_session
from sharing import accounts
from sharing.access.decide import Actor


def _session() -> Session:
    return new_session()


def _actor(session: Session, email: str) -> Actor:
    user = accounts.find_user(session, email)
    if user is None:
        raise click.ClickException("no user with that e-mail address")
    return Actor.of(user)
