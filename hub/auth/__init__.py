"""Signing in (password, then a TOTP code where set up or required) and out."""

from hub.auth.views import bp

__all__ = ["bp"]
