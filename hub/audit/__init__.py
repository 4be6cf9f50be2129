"""The data protection officer's pages: the audit log, emergency accesses, subject access, checkpoints."""

from hub.audit.views import bp

__all__ = ["bp"]
