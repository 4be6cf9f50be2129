"""Alerts: what the hub asks a role of an agency to look at."""

from hub.alerts.views import bp

__all__ = ["bp"]
