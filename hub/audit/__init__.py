"""The data protection officer's pages: the audit log, emergency accesses, subject access, checkpoints.

``views`` holds the blueprint; each other module puts its pages on it when imported."""

from hub.audit import cosigning, subject_access_reports  # noqa: F401
from hub.audit.views import bp

__all__ = ["bp"]
