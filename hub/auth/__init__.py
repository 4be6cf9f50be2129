"""Signing in (a password, then a TOTP code where set up or required; or the agency's own
identity provider) and out."""

from hub.auth import set_password, single_sign_on  # noqa: F401  (their routes join the blueprint)
from hub.auth.views import bp

__all__ = ["bp"]
