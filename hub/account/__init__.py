"""The user's own account: details, roles and their second factor."""

from hub.account.views import bp

__all__ = ["bp"]
