"""The privacy notice and the accessibility statement: public, linked from every page."""

from hub.statements.views import bp

__all__ = ["bp"]
