"""Files attached to a case (diary sheets, photos, recordings, letters received or sent),
and optionally to one of its incidents or people.

A file is checked by its content (``sharing.files.checks``), sealed under the case's data
key and kept in a file store (``sharing.files.stores``) under a random key; its row holds
the type, size, category and the SHA-256 of the sealed bytes, and, sealed, its original
name and description. Who sees a document is decided by its category, like a field:
a partner whose clauses give "narrative" sees a diary sheet; a document filed under
"vulnerability" only those whose clauses give that. Attaching is one ``case.record``
entry; each opening of a document (its page, or the file) is one ``case.view`` entry
naming the document and the basis for its category.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import REFUSED_AS, AuthorisedCase
from sharing.access.decide import Act, Decision
from sharing.access.reveal import load_data_keys, may_read, reveal, reveal_file
from sharing.audit import acts
from sharing.cases import people_shown
from sharing.crypto.sealed_format import ErasedValue, IntegrityFailure
from sharing.crypto.sealing import seal_file, seal_many
from sharing.errors import InputError, NotFound
from sharing.files import checks
from sharing.files.stores import FileStore, MissingFile, delete_after_commit, new_key
from sharing.formats import checked_text, tidied
from sharing.models import Case, Document, Incident
from sharing.models.documents import CONTENT, PREVIEW
from sharing.vocabulary import DocumentKind, Marking

#: The categories a document may be filed under, as the form offers them: who may see it.
CATEGORY_CHOICES = {
    "narrative": "What happened: partners the case is shared with see it",
    "risk": "Risk: partners whose clauses give risk see it",
    "offending": "Offending: only the police and the council's ASB team see it",
    "vulnerability": (
        "Health, disability or support needs: only the agencies whose clauses give "
        "vulnerability see it"
    ),
}
MAX_DESCRIPTION = 500
MAX_NAME = 200
ERASED_FILE = "The case was erased: its files can never be read again"
NOT_ON_CASE = "not a document of this case"
ALTERED = "The stored file failed its integrity check: it was altered in the file store"
#: The default most a file may be, in bytes (setting ``document_max_mb``).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentInput:
    kind: DocumentKind | None
    category: str
    incident_id: int | None
    person_id: int | None
    description: str
    #: The name the browser gave the file, and its bytes (None: no file chosen).
    filename: str
    content: bytes | None
    #: Further categories its content holds, that a reader must be given too (a letter
    #: the hub produced: ``LETTER_HOLDS``).
    also_holds: tuple[str, ...] = ()
    #: Its protective marking, as whoever attaches it gives it (None: not chosen).
    marking: Marking | None = None


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


def attach(
    session: Session,
    authorised: AuthorisedCase,
    store: FileStore,
    data: DocumentInput,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Document:
    """Attach a file to an open case (authorised for ``Act.RECORD``): refused at its field
    for a missing kind or file, a category not offered, an incident or person not of this
    case, a description too long, or a file the checks refuse; nothing is stored then.
    Raises ``StoreError`` when the store cannot keep it (the caller rolls back)."""
    authorised.require(Act.RECORD)
    case = authorised.case
    if data.kind is None:
        raise InputError("kind", "Select what the file is")
    if data.category not in CATEGORY_CHOICES:
        raise InputError("category", "Select who may see the file")
    if data.marking is None:
        raise InputError("marking", "Select the file's protective marking")
    if (
        data.incident_id is not None
        and session.scalar(
            select(Incident.id).where(Incident.id == data.incident_id, Incident.case_id == case.id)
        )
        is None
    ):
        raise InputError("incident_id", "Select an incident of this case, or none")
    if data.person_id is not None and data.person_id not in {p.person_id for p in case.parties}:
        raise InputError("person_id", "Select a person on this case, or none")
    description = checked_text(
        "description", data.description, limit=MAX_DESCRIPTION, what="the description"
    )
    content = data.content or b""
    if not content and not data.filename:
        raise InputError("file", "Select the file to attach")
    found = checks.checked("file", data.filename, content, max_bytes)
    content = found.content  # a photo without its location and device metadata
    document = Document(
        case_id=case.id,
        incident_id=data.incident_id,
        person_id=data.person_id,
        kind=data.kind,
        category=data.category,
        also_holds=",".join(data.also_holds) or None,
        marking=data.marking,
        content_type=found.content_type,
        size=len(content),
        storage_key=new_key(),
        preview_key=new_key() if found.preview else None,
        digest="",
        added_by_id=authorised.actor.user_id,
    )
    document.case = case
    session.add(document)
    session.flush()
    seal_many(document, {"name": _plain_name(data.filename), "description": description})
    sealed = seal_file(document, CONTENT, content)
    document.digest = hashlib.sha256(sealed).hexdigest()
    if found.preview is not None and document.preview_key is not None:
        sealed_preview = seal_file(document, PREVIEW, found.preview)
        document.preview_digest = hashlib.sha256(sealed_preview).hexdigest()
        store.put(document.preview_key, sealed_preview)
    store.put(document.storage_key, sealed)
    session.flush()
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=(
            f"document {document.id} added ({data.kind.value}, {_filed(document)}); "
            f"marked {data.marking.value}"
        ),
    )
    return document


def remove(session: Session, authorised: AuthorisedCase, store: FileStore, document_id: int) -> str:
    """Take a document off an open case (authorised for ``Act.RECORD``: the case's own
    agency), its file and preview deleted from the store once the removal is committed
    (a removal that fails leaves them): for a file attached by mistake
    (the wrong case, the wrong person's). ``NotFound`` for a document of another case.
    Returns what it was, for the page to say. One ``case.record`` entry."""
    authorised.require(Act.RECORD)
    document = session.scalar(
        select(Document).where(Document.id == document_id, Document.case_id == authorised.id)
    )
    if document is None:
        refuse_document(session, authorised, Act.RECORD, f"document {document_id}: {NOT_ON_CASE}")
    what = document.kind.label
    # The preview first: a file left without its preview still reads; the reverse not.
    delete_after_commit(session, store, (document.preview_key, document.storage_key))
    session.delete(document)
    session.flush()
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=f"document {document_id} removed ({document.kind.value}, {_filed(document)})",
    )
    return what


def refuse_document(
    session: Session, authorised: AuthorisedCase, act: Act, reason: str
) -> NoReturn:
    """Record the refusal of a document (by its id, never its name), as a refused case is
    recorded, and answer "not found"."""
    if authorised.actor.agency_id != authorised.case.agency_id:
        reason = acts.not_found_to_requester(reason)
    raise acts.refused(
        session,
        REFUSED_AS[act],
        actor=authorised.actor,
        subject=authorised.subject,
        purpose=authorised.purpose_recorded,
        reason=reason,
        answer=NotFound("no such document on this case"),
    )


def _filed(document: Document) -> str:
    """The categories a document is read under, as its audit entries name them:
    "narrative", or "narrative; also identity, location"."""
    also = document.categories[1:]
    return document.category + (f"; also {', '.join(also)}" if also else "")


#: What a letter the hub produced holds beside what happened: its addressee's name and
#: address, which only a reader given identity and location may see.
LETTER_HOLDS = ("identity", "location")


def keep_letter(
    session: Session,
    authorised: AuthorisedCase,
    store: FileStore,
    *,
    person_id: int,
    description: str,
    filename: str,
    pdf: bytes,
    also_holds: tuple[str, ...] = (),
) -> Document:
    """Keep a letter the hub produced (its PDF) as a document of the case, addressed to
    ``person_id``: "Letter sent", marked OFFICIAL (a landlord's letter to a resident),
    read under "narrative" by a reader given its addressee's identity and location too
    (``LETTER_HOLDS``), and ``also_holds``."""
    return attach(
        session,
        authorised,
        store,
        DocumentInput(
            kind=DocumentKind.LETTER_SENT,
            category="narrative",
            incident_id=None,
            person_id=person_id,
            description=description,
            filename=filename,
            content=pdf,
            also_holds=(*LETTER_HOLDS, *also_holds),
            marking=Marking.OFFICIAL,
        ),
    )


def incidents_of(session: Session, authorised: AuthorisedCase) -> list[tuple[int, datetime]]:
    """The case's incidents a file may be attached to, newest first: (id, when)."""
    rows = session.execute(
        select(Incident.id, Incident.occurred_at)
        .where(Incident.case_id == authorised.id)
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
    )
    return [(row.id, row.occurred_at) for row in rows]


def _plain_name(filename: str) -> str:
    """The last part of a file's name, ``tidied`` (no override shows what follows it
    backwards, to make a name seem to end in ".png"), without control characters, not
    too long."""
    name = tidied(PurePath(filename.replace("\\", "/")).name)
    return re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[-MAX_NAME:] or "file"


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
            f"document {document_id} ({_filed(document)}): category not given",
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
