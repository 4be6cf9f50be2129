"""Risk assessments, triage changes, escalations and the risk shared with my agency."""

from hub.risk.views import bp

__all__ = ["bp"]
