"""The partner API under /api/v1/: OAuth2 client credentials, JSON, problem details, an
OpenAPI document."""

from hub.api.oauth import init_oauth as init_api
from hub.api.problems import problem
from hub.api.views import bp

__all__ = ["bp", "init_api", "problem"]
