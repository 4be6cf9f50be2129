"""Case conferences: convening, the conference page, the conferences of my agency.

``views`` holds the blueprint; each other module puts its pages on it when imported."""

from hub.conferences import (  # noqa: F401
    actions,
    apologies,
    attendance,
    cancelling,
    changing,
    conference_list,
    conference_pack,
    conference_page,
    convening,
    decisions,
    information_requests,
    invitations,
    meeting_minutes,
    new_chair,
)
from hub.conferences.views import bp

__all__ = ["bp"]
