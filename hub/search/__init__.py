"""Search for people and places on encrypted records: exact matches only."""

from hub.search.views import bp

__all__ = ["bp"]
