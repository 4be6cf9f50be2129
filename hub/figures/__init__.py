"""The partnership's figures: the regulator's measures for each landlord."""

from hub.figures.views import bp

__all__ = ["bp"]
