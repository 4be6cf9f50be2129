"""Locking cases: the case officer asks, another manager of the agency decides."""

from hub.locks.views import bp

__all__ = ["bp"]
