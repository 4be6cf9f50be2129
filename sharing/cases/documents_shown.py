"""A case's documents as their readers see them: the list on the case page, a document's
page, its preview and its file, each the decision allows by the document's category
(``sharing.cases.documents`` attaches and removes them). Opening one is one ``case.view``
entry naming the document and the basis for its category; a document of another case,
or of a category not given, is not found, as a case the actor may not see is.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act, Decision
from sharing.access.reveal import load_data_keys, may_read, reveal, reveal_file
from sharing.audit import acts
from sharing.cases import people_shown
from sharing.cases.documents import NOT_ON_CASE, filed_under, refuse_document
from sharing.crypto.sealed_format import ErasedValue, IntegrityFailure
from sharing.files import checks
from sharing.files.stores import FileStore, MissingFile
from sharing.models import Case, Document
from sharing.models.documents import CONTENT
from sharing.vocabulary import Marking

ERASED_FILE = "The case was erased: its files can never be read again"
ALTERED = "The stored file failed its integrity check: it was altered in the file store"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentLine:
    """A document as a list of a case's documents shows it."""

    id: int
    kind: str
    #: The type found in the content (``image/jpeg``), and as a reader says it.
    media_type: str
    type_label: str
    size: int
    #: Its protective marking as a reader sees it ("OFFICIAL"), and whether it was
    #: recorded (a document attached before markings were asked for reads as the case's
    #: information, OFFICIAL-SENSITIVE).
    marking: str
    marking_recorded: bool
    added_at: datetime
    added_by: str
    name: str | None
    description: str | None
    attached_to: str | None
    has_preview: bool


@dataclass(frozen=True)
class OpenedDocument:
    """A document opened for a reader: its line, and its preview or file (None when the
    store's copy cannot be read: ``problem`` says why)."""

    line: DocumentLine
    download_name: str
    data: bytes | None
    problem: str | None = None


def documents(session: Session, decision: Decision, case: Case) -> list[DocumentLine]:
    """The case's documents the decision allows (by each one's category), newest first;
    no audit entry (the page that lists them records its view)."""
    found = session.scalars(
        select(Document)
        .where(Document.case_id == case.id)
        .order_by(Document.added_at.desc(), Document.id.desc())
    ).all()
    visible = [d for d in found if may_read(decision, d)]
    if not visible:
        return []
    load_data_keys(session, [case.data_key_id])
    return [_line(decision, d) for d in visible]


def _line(decision: Decision, document: Document) -> DocumentLine:
    values = reveal(decision, document, ("name", "description"))
    return DocumentLine(
        id=document.id,
        kind=document.kind.label,
        media_type=document.content_type,
        type_label=checks.ACCEPTED[document.content_type].label
        if document.content_type in checks.ACCEPTED
        else document.content_type,
        size=document.size,
        marking=(document.marking or Marking.OFFICIAL_SENSITIVE).label,
        marking_recorded=document.marking is not None,
        added_at=document.added_at,
        added_by=document.added_by.display_name,
        name=values["name"],
        description=values["description"],
        attached_to=_attached_to(decision, document),
        has_preview=document.preview_key is not None,
    )


def _about_person(document: Document) -> int | None:
    """The person a document's line says it is about (None: the case, or an incident)."""
    return document.person_id if document.incident is None else None


def _names_person(decision: Decision, document: Document) -> bool:
    """Whether the document's line shows the name of the person it is about."""
    return (
        _about_person(document) is not None
        and document.person is not None
        and decision.allows("identity")
    )


def _attached_to(decision: Decision, document: Document) -> str | None:
    if document.incident is not None:
        return f"Incident of {clock.day_of(document.incident.occurred_at):%-d %B %Y}"
    if document.person_id is not None:
        party = next((p for p in document.case.parties if p.person_id == document.person_id), None)
        role = party.role.label.lower() if party else "person"
        if document.person is not None and _names_person(decision, document):
            values = reveal(decision, document.person, people_shown.NAME_PARTS)
            name = people_shown.name(decision, document.person, values)
            return f"{name or 'Name not recorded'} ({role})"
        return f"A {role}"
    return None


def describe(
    session: Session, authorised: AuthorisedCase, document_id: int, section: str
) -> DocumentLine:
    """What a document of the case is, as a form about it shows it (``section`` names the
    form in the one audit entry); ``NotFound`` as ``open_document``."""
    return _opened_line(session, authorised, document_id, section)[1]


def _opened_line(
    session: Session,
    authorised: AuthorisedCase,
    document_id: int,
    section: str,
    *,
    line_shown: bool = True,
) -> tuple[Document, DocumentLine]:
    """The document and its line, if the decision allows its category (else
    ``NotFound``), recorded as one view naming the document and ``section``; where the
    line is shown (``line_shown``: a page, not the file alone), also the person it is
    about (``person N``) and, when it shows their name, identity with its basis."""
    document = session.scalar(
        select(Document).where(Document.id == document_id, Document.case_id == authorised.id)
    )
    decision = authorised.decision
    if document is None:
        refuse_document(session, authorised, Act.VIEW, f"document {document_id}: {NOT_ON_CASE}")
    if not may_read(decision, document):
        refuse_document(
            session,
            authorised,
            Act.VIEW,
            f"document {document_id} ({filed_under(document)}): category not given",
        )
    load_data_keys(session, [authorised.case.data_key_id])
    line = _line(decision, document)
    shown = list(document.categories)
    sections = f"document {document.id} {section}"
    if line_shown and (person_id := _about_person(document)) is not None:
        sections += f"; person {person_id}"
        if _names_person(decision, document) and "identity" not in shown:
            shown.append("identity")
    bases = decision.bases_for(*shown)
    acts.record(
        session,
        acts.Action.CASE_VIEW,
        actor=authorised.actor,
        subject=authorised.subject,
        purpose=authorised.purpose_recorded,
        basis=" | ".join(
            [*(f"{','.join(c)}: {basis}" for basis, c in bases.items()), f"sections {sections}"]
        ),
    )
    return document, line


def open_document(
    session: Session, authorised: AuthorisedCase, store: FileStore, document_id: int, part: str
) -> OpenedDocument:
    """A document of the case opened for its page (``PREVIEW``: the preview, if it has
    one) or as its file (``CONTENT``), recorded as one view naming the document; a
    document of another case, or of a category the decision does not allow, is not found
    (``NotFound``), as a case the actor may not see is."""
    section = "file" if part == CONTENT else "page"
    document, line = _opened_line(
        session, authorised, document_id, section, line_shown=part != CONTENT
    )
    decision = authorised.decision
    accepted = checks.ACCEPTED.get(document.content_type)
    download = f"{authorised.case.reference}-document-{document.id}"
    download += accepted.extension if accepted else ""
    key, digest = (
        (document.storage_key, document.digest)
        if part == CONTENT
        else (document.preview_key, document.preview_digest)
    )
    # Erasure first: a document without a preview must say so too, and offer no download.
    if authorised.case.erased_at is not None:
        return OpenedDocument(line, download, None, ERASED_FILE)
    if key is None:
        return OpenedDocument(line, download, None)
    try:
        sealed = store.get(key)
    except MissingFile:
        return OpenedDocument(line, download, None, "The file is missing from the file store")
    if hashlib.sha256(sealed).hexdigest() != digest:
        log.error(
            "integrity check failed for document %d: its stored bytes do not match", document.id
        )
        return OpenedDocument(line, download, None, ALTERED)
    try:
        return OpenedDocument(line, download, reveal_file(decision, document, part, sealed))
    except ErasedValue:
        return OpenedDocument(line, download, None, ERASED_FILE)
    except IntegrityFailure:
        return OpenedDocument(line, download, None, ALTERED)
