"""The case journey: list, open, view, record incidents and actions, close."""

from hub.cases.views import bp

__all__ = ["bp"]
