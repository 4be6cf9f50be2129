"""Files attached to a case: the case's diary sheets, photos, recordings and letters.

The content lives in a file store (``sharing.files.stores``), sealed under the case's data
key by ``sealing.seal_file``, so erasing the case makes it unreadable wherever it is
kept. A row holds what a list of documents needs (kind, category, detected type, size,
dates) and, sealed, the file's original name and its description, read under the row's own
category like the file. ``digest`` is the SHA-256 of the stored (sealed) bytes, checked
when they are read back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing import clock
from sharing.models.base import BY_ROW, Base, UTCDateTime, enum_column, personal
from sharing.models.cases import Case, Incident
from sharing.models.persons import Person
from sharing.models.users import User
from sharing.vocabulary import CATEGORIES, DocumentKind, Marking

#: The parts of a document a store keeps: the file and, for images and PDFs, its preview.
CONTENT = "content"
PREVIEW = "preview"


class Document(Base):
    """One file attached to a case, and optionally to one of its incidents or people."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(
            "category IN (" + ", ".join(f"'{c}'" for c in CATEGORIES) + ")",
            name="category",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[DocumentKind] = enum_column(DocumentKind, "document_kind")
    #: The data category the document is read under (who may see it).
    category: Mapped[str] = mapped_column(String(20))
    #: Further categories its content holds, comma separated, that a reader must be given
    #: too (a letter the hub produced: its addressee's name and address); None: none.
    also_holds: Mapped[str | None] = mapped_column(String(100))
    #: Its protective marking, as whoever attached it gave it (None: attached before
    #: markings were asked for, and read as the case's information, OFFICIAL-SENSITIVE).
    marking: Mapped[Marking | None] = enum_column(Marking, "document_marking", nullable=True)
    #: The type found in the content (never taken from the name), e.g. ``image/jpeg``.
    content_type: Mapped[str] = mapped_column(String(100))
    #: The size of the file, in bytes.
    size: Mapped[int] = mapped_column(Integer)
    #: Where the store keeps the sealed file, and its preview (random, meaning nothing).
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    preview_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: SHA-256 (hex) of the sealed bytes the store keeps, and of the sealed preview.
    digest: Mapped[str] = mapped_column(String(64))
    preview_digest: Mapped[str | None] = mapped_column(String(64))
    #: The file's name as it was uploaded, and what the officer said it is.
    name: Mapped[bytes | None] = personal(BY_ROW)
    description: Mapped[bytes | None] = personal(BY_ROW)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    case: Mapped[Case] = relationship()
    incident: Mapped[Incident | None] = relationship()
    person: Mapped[Person | None] = relationship()
    added_by: Mapped[User] = relationship()

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category a reader must be given to see the document: its own first."""
        return (self.category, *(self.also_holds.split(",") if self.also_holds else ()))

    @property
    def sealed_under(self) -> Case:
        return self.case
