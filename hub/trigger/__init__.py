"""The Community Trigger (ASB Case Review): the lead agency's applications."""

from hub.trigger.views import bp

__all__ = ["bp"]
