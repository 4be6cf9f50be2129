"""Actions for my agency: the actions it owns, on its cases and partners', to mark done."""

from hub.actions.views import bp

__all__ = ["bp"]
