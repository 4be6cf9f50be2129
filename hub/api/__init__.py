"""The partner API under /api/v1/: OAuth2 client credentials, JSON, problem details."""

from hub.api.views import bp, init_api

__all__ = ["bp", "init_api"]
