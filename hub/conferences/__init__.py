"""Case conferences: convening, the conference page, the conferences of my agency."""

from hub.conferences.views import bp

__all__ = ["bp"]
