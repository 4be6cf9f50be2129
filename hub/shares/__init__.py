"""Sharing cases with partner agencies under protocols, and what is shared with mine;
partners asking a case's agency for more of it."""

from hub.shares import more
from hub.shares.views import bp

__all__ = ["bp", "more"]
