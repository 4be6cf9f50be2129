"""Partnership meetings: set one up, schedule its sittings, bring a case to a sitting,
move or cancel a sitting.

``views`` holds the blueprint; ``sittings`` puts its pages on it when imported."""

from hub.meetings import sittings  # noqa: F401
from hub.meetings.views import bp

__all__ = ["bp"]
