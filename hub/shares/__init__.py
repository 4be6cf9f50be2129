"""Sharing cases with partner agencies under protocols, and what is shared with mine."""

from hub.shares.views import bp

__all__ = ["bp"]
