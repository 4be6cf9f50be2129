"""The public Community Trigger application form (no account needed)."""

from hub.apply.views import bp

__all__ = ["bp"]
