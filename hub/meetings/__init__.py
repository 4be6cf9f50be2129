"""Partnership meetings: set one up, change it, schedule its sittings, bring a case to a
sitting, move or cancel a sitting, its apologies, and a sitting's agenda.

``views`` holds the blueprint; the other modules put their pages on it when imported."""

from hub.meetings import agenda, apologies, bringing, changing, sittings  # noqa: F401
from hub.meetings.views import bp

__all__ = ["bp"]
