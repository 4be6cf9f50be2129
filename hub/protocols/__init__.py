"""Protocols: read them, import a new version (DPOs), see its impact, sign, suspend."""

from hub.protocols.views import bp

__all__ = ["bp"]
