"""Files attached to a case (diary sheets, photos, recordings, letters received or sent),
and optionally to one of its incidents or people.

A file is checked by its content (``sharing.files.checks``), sealed under the case's data
key and kept in a file store (``sharing.files.stores``) under a random key; its row holds
the type, size, category and the SHA-256 of the sealed bytes, and, sealed, its original
name and description. Who sees a document is decided by its category, like a field:
a partner whose clauses give "narrative" sees a diary sheet; a document filed under
"vulnerability" only those whose clauses give that. Attaching is one ``case.record``
entry; each opening of a document (its page, or the file) is one ``case.view`` entry
naming the document and the basis for its category (``sharing.cases.documents_shown``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import REFUSED_AS, AuthorisedCase
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.crypto.sealing import seal_file, seal_many
from sharing.errors import InputError, NotFound
from sharing.files import checks
from sharing.files.stores import FileStore, delete_after_commit, new_key
from sharing.formats import checked_text, tidied
from sharing.models import Document, Incident
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
NOT_ON_CASE = "not a document of this case"
#: The default most a file may be, in bytes (setting ``document_max_mb``).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


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
            f"document {document.id} added ({data.kind.value}, {filed_under(document)}); "
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
        basis=f"document {document_id} removed ({document.kind.value}, {filed_under(document)})",
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


def filed_under(document: Document) -> str:
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
