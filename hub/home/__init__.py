"""The home page: my cases, reviews due, open cases by priority, what is shared with me."""

from hub.home.views import bp

__all__ = ["bp"]
