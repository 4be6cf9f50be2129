"""People: a manager's or administrator's view of their agency's accounts and sessions."""

from hub.people.views import bp

__all__ = ["bp"]
