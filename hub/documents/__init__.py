"""Files attached to cases: attach, list, open and download, each through the decision."""

from hub.documents.views import bp

__all__ = ["bp"]
