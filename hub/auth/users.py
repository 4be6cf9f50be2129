"""The signed-in user as Flask-Login sees them."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from sharing.access.decide import Actor
from sharing.models import User
from sharing.vocabulary import Role


class SignedInUser:
    """Wraps a ``User`` for Flask-Login, with the key of their session on the server
    (``sharing.sign_in_sessions``): Flask-Login keeps the key in the session cookie as the
    user's id, and each request finds the user through it."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User, session_key: str, ends_at: datetime | None = None) -> None:
        self.user = user
        self.session_key = session_key
        #: When the session ends if the user makes no request before then (None: just
        #: signed in, not yet resumed by a request).
        self.ends_at = ends_at

    def get_id(self) -> str:
        return self.session_key

    @cached_property
    def actor(self) -> Actor:
        """Who the user is to the core: their agency, team and roles as this request
        found them (read once: the pages and the guard ask many times)."""
        return Actor.of(self.user)

    def has_role(self, *roles: Role | str) -> bool:
        """Whether the user holds any of ``roles`` (as the request found them)."""
        return not self.actor.roles.isdisjoint(Role(role) for role in roles)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)
