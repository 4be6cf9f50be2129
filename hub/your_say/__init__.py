"""The complainant's closure survey by link: public, no account."""

from hub.your_say.views import bp

__all__ = ["bp"]
