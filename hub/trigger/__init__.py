"""The Community Trigger (ASB Case Review): the lead agency's applications.

``views`` holds the blueprint; each other module puts its pages on it when imported."""

from hub.trigger import (  # noqa: F401
    application_list,
    application_page,
    closing,
    corrections,
    erasing,
    letters,
    recording,
    reports,
    review,
    review_outcome,
    review_recommendations,
)
from hub.trigger.views import bp

__all__ = ["bp"]
