"""Partnership meetings: set one up, schedule its sittings, bring a case to a sitting."""

from hub.meetings.views import bp

__all__ = ["bp"]
