"""The signed-in user as Flask-Login sees them."""

from __future__ import annotations

from typing import Any

from sharing.access.decide import Actor
from sharing.models import User


class SignedInUser:
    """Wraps a ``User`` for Flask-Login, with the key of their session on the server
    (``sharing.sign_in_sessions``): Flask-Login keeps the key in the session cookie as the
    user's id, and each request finds the user through it."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User, session_key: str) -> None:
        self.user = user
        self.session_key = session_key

    def get_id(self) -> str:
        return self.session_key

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)
