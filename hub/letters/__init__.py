"""The standard letters of an ASB case: choose, preview, produce as a PDF kept with the
case's documents."""

from hub.letters.views import bp

__all__ = ["bp"]
