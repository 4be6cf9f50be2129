"""The partner API under /api/v1/: OAuth2 client credentials, JSON, problem details, an
OpenAPI document.

``views`` holds the blueprint; each other module puts its calls on it when imported."""

from hub.api import (  # noqa: F401
    access,
    actions,
    case_import,
    case_opening,
    case_reading,
    incidents,
    risk,
)
from hub.api.oauth import init_oauth as init_api
from hub.api.problems import problem
from hub.api.views import bp

__all__ = ["bp", "init_api", "problem"]
