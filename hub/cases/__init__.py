"""The case journey: list, open, view, record incidents and actions, close.

``views`` holds the blueprint; each other module puts its pages on it when imported."""

from hub.cases import (  # noqa: F401
    action_plan_letter,
    actions,
    case_import,
    case_list,
    case_page,
    closing,
    erasing,
    incidents,
    officers,
    opening,
    people,
    referrals,
    reviews,
)
from hub.cases.views import bp

__all__ = ["bp"]
