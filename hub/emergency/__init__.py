"""Break-glass: emergency access to another agency's case, and its review."""

from hub.emergency.views import bp

__all__ = ["bp"]
