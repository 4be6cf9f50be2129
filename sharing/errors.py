"""What the core refuses, as exceptions every part of it raises and the web layer shows.

``NotFound`` before ``NotAllowed`` where existence itself is sensitive: a locked case, or
another agency's case that nothing shares with the actor, is "not found"."""

from __future__ import annotations

from datetime import datetime


class InputError(ValueError):
    """Input the core refuses; ``field`` names the form field it is about, ``message``
    says what is wrong in the user's words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ClosedWithCase(InputError):
    """An action asked to be marked done or cancelled that was closed with its case: the
    case is closed, so nothing more is recorded on it (a form shows it at ``field``)."""


class NotFound(LookupError):
    """The record does not exist, or the actor may not know that it does."""


class NotAllowed(PermissionError):
    """The actor may know the record exists but not do this to it; ``own_agency`` says
    the record is their own agency's (an act for partners alone, such as break-glass)."""

    def __init__(self, message: str, *, own_agency: bool = False) -> None:
        super().__init__(message)
        self.own_agency = own_agency


class CaseNotOpen(NotAllowed):
    """An act that needs an open case (recording on it, assessing risk), asked of the
    actor's own agency's case that is closed or erased: refused for what the case is now,
    not for who asks (the message says which; ``erased``: erased, not only closed)."""

    def __init__(self, message: str, *, erased: bool = False) -> None:
        super().__init__(message, own_agency=True)
        self.erased = erased


class PurposeRequired(NotAllowed):
    """A partner must say why they are opening the case: one of ``purposes``. ``asked``
    (with ``case_id``): raised to ask the question, which a page asks and records nothing
    for; a caller that takes no question (the API) records it as a refusal itself."""

    def __init__(
        self,
        purposes: list[str],
        message: str = "state the purpose of your access",
        *,
        case_id: int | None = None,
        asked: bool = False,
    ) -> None:
        super().__init__(message)
        self.purposes = purposes
        self.case_id = case_id
        self.asked = asked


class PurposeNotShared(PurposeRequired):
    """A partner said a purpose the case is not shared with their agency for (none of its
    live shares with the agency is for it): they choose again, among ``purposes``. The
    purpose said is not kept here: it arrives in an address, so it could be any text."""

    def __init__(self, purposes: list[str]) -> None:
        super().__init__(purposes, "the case is not shared with your agency for that purpose")


class ChangedMeanwhile(InputError):
    """The record changed after the form that changes it was opened: nothing is saved.
    ``at`` and ``by`` say when and by whom, where the record keeps that."""

    def __init__(self, at: datetime | None = None, by: str | None = None) -> None:
        super().__init__("", "Someone changed this after you opened it")
        self.at = at
        self.by = by


class ClosedMeanwhile(NotAllowed):
    """What a form changes was closed after the form was opened (an action a colleague
    marked done or cancelled): nothing is saved. The message says how it was closed, by
    whom and when, where the record keeps that."""


class UpgradeStopped(RuntimeError):
    """A migration cannot go on until the operator does something first; its message
    says what (``hub db upgrade`` prints it, with no traceback)."""


class SentLately(NotAllowed):
    """A link to set a password was sent to the account a moment ago (``at``): another is
    not sent so soon."""

    def __init__(self, at: datetime) -> None:
        super().__init__("a link to set a password was sent to the account a moment ago")
        self.at = at


class LinkRefused(NotAllowed):
    """A link to set a password that cannot be used; ``why`` says which way (a
    ``sharing.password_links.Refusal``)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why
