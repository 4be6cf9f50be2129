"""The signed-in user as Flask-Login sees them."""

from __future__ import annotations

from typing import Any

from sharing.access.decide import Actor
from sharing.models import User


class SignedInUser:
    """Wraps a ``User`` for Flask-Login; the session id includes the user's session
    token, so a password reset ends every other session."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_token}"

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)
