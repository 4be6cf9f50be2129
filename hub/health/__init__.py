"""Health check for load balancers and monitoring: no sign-in, no data."""

from hub.health.views import bp

__all__ = ["bp"]
