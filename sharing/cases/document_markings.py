"""A document's protective marking set or changed after it was attached: a document
attached before markings were asked for (migration 0065) has none and is handled as the
case's information, OFFICIAL-SENSITIVE; one marked wrongly (a statement attached as
OFFICIAL, a letter the hub produced that quotes a police report) is marked again.

The case officers and managers of the case's own agency (the agency that attached it) do
it, on an open or closed case, never an erased one (``Act.MARK``); anyone else is refused
and recorded as any act on the case is. The form carries a stamp of the marking: one
opened before someone else marked the document is refused, and two at once are taken one
after the other. One ``case.record`` entry names the document and the old and new marking;
the form's page, not the marking sent, is recorded as a view of the document.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import stamps
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.access.reveal import may_read
from sharing.audit import acts
from sharing.cases import documents, documents_shown
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError
from sharing.models import Document
from sharing.vocabulary import Marking

#: What the form marking a document stamps: its marking alone.
MARKING = ("marking",)
#: Why a marking form without a choice is refused.
CHOOSE = "Select the file's protective marking"


@dataclass(frozen=True)
class ToMark:
    """A document as the form marking it shows it."""

    line: documents_shown.DocumentLine
    #: Its marking as recorded (None: not marked).
    marking: Marking | None
    #: The stamp the form carries (of the marking).
    stamp: str


def to_mark(session: Session, authorised: AuthorisedCase, document_id: int) -> ToMark:
    """The document for the form marking it (authorised for ``Act.MARK``), recorded as a
    view of it; ``NotFound`` (recorded) as for its page."""
    authorised.require(Act.MARK)
    document = _document(session, authorised, document_id)
    line = documents_shown.describe(session, authorised, document_id, "marking form")
    return ToMark(line, document.marking, stamps.of(session, document, only=MARKING))


def kind_of(session: Session, authorised: AuthorisedCase, document_id: int) -> str:
    """What the document is (its kind, as a reader says it), for a marking sent (authorised
    for ``Act.MARK``): no view of it is recorded, as marking it reads nothing of what it
    holds; ``NotFound`` (recorded) as for ``to_mark``."""
    authorised.require(Act.MARK)
    return _document(session, authorised, document_id).kind.label


def stamp(session: Session, authorised: AuthorisedCase, document_id: int) -> str:
    """The stamp of the document's marking as it is saved now."""
    return stamps.of(session, _document(session, authorised, document_id), only=MARKING)


def mark(
    session: Session,
    authorised: AuthorisedCase,
    document_id: int,
    marking: Marking | None,
    *,
    opened: str | None = None,
) -> bool:
    """Set the document's protective marking to ``marking`` (authorised for
    ``Act.MARK``); whether it changed (False: it was marked so already, and nothing is
    recorded). ``NotFound`` (recorded) for a document not of this case or of a category
    the decision does not give; ``InputError`` at ``marking`` (recorded) without one;
    ``ChangedMeanwhile`` when it was marked after the form was opened (``opened``)."""
    authorised.require(Act.MARK)
    document = _document(session, authorised, document_id)
    read_for_change(session, document)  # two markings at once: the second waits
    subject = authorised.subject
    try:
        stamps.check(session, opened, document, only=MARKING)
    except ChangedMeanwhile:
        acts.refuse(
            session,
            acts.Action.CASE_RECORD,
            actor=authorised.actor,
            subject=subject,
            reason=f"refused input: document {document.id} marking changed meanwhile",
        )
        raise
    with acts.refusing_input(
        session, acts.Action.CASE_RECORD, actor=authorised.actor, subject=subject
    ):
        if marking is None:
            raise InputError("marking", CHOOSE)
    before = document.marking
    if marking is before:
        return False
    document.marking = marking
    session.flush()
    was = f"was {before.value}" if before else "was not marked"
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=subject,
        basis=f"document {document.id} marked {marking.value} ({was})",
    )
    return True


def _document(session: Session, authorised: AuthorisedCase, document_id: int) -> Document:
    """The case's document ``document_id`` that the decision lets the actor read, else
    the refusal recorded and ``NotFound``."""
    document = session.scalar(
        select(Document).where(Document.id == document_id, Document.case_id == authorised.id)
    )
    if document is None:
        documents.refuse_document(
            session, authorised, Act.MARK, f"document {document_id}: {documents.NOT_ON_CASE}"
        )
    if not may_read(authorised.decision, document):
        documents.refuse_document(
            session, authorised, Act.MARK, f"document {document_id}: category not given"
        )
    return document
